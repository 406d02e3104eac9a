#include "ledger/group_commit.hpp"

#include <algorithm>
#include <future>
#include <stdexcept>

#include "util/clock.hpp"

namespace sinkhub::ledger {

// A queued write: a webhook's event (receiver set) or any other write (run, then done).
struct GroupCommit::Job {
  std::function<void()> run;
  std::function<void(const std::string& error)> done;  // after the commit (error "" = ok), on the writer
  std::unique_ptr<IncomingEvent> event;
  std::shared_ptr<RecordReceiver> receiver;
  std::uint64_t token = 0;
  RecordOutcome outcome;
  std::string error;  // why this job, or its whole transaction, failed
};

GroupCommit::GroupCommit(Backend& backend, std::size_t max_batch)
    : backend_(backend), max_batch_(max_batch), writer_([this] { run(); }) {}

GroupCommit::~GroupCommit() { close(); }

void GroupCommit::record_async(std::vector<AsyncRecord> records, const std::shared_ptr<RecordReceiver>& to) {
  if (records.empty()) return;
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.reserve(records.size());
  for (auto& r : records) {
    auto job = std::make_unique<Job>();
    job->event = std::move(r.event);
    job->receiver = to;
    job->token = r.token;
    jobs.push_back(std::move(job));
  }
  if (!enqueue(jobs)) {
    // Closed: the jobs are dropped with their events; the receiver gets none back.
    for (auto& j : jobs) to->complete(j->token, {RecordOutcome::Kind::Failed, 0, "ledger is closed"}, nullptr);
    to->flush();
  }
}

void GroupCommit::write(std::function<void()> fn) {
  std::string error;
  if (!submit_and_wait(std::move(fn), error)) throw std::runtime_error("ledger is closed");
  if (!error.empty()) throw std::runtime_error("ledger: " + error);
}

bool GroupCommit::writable() {
  std::string error;
  return submit_and_wait([] {}, error) && last_commit_ok_;
}

std::string GroupCommit::recent_record_failure(std::int64_t within_ms) {
  std::lock_guard<std::mutex> lk(failure_mu_);
  if (record_failure_.empty() || util::steady_ms() - record_failure_ms_ > within_ms) return {};
  return record_failure_;
}

void GroupCommit::close() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (closed_) return;
    closed_ = true;
  }
  cv_.notify_all();
  if (writer_.joinable()) writer_.join();
}

// Queues jobs for the next group transaction, together (one lock, at most one wake-up).
// False if closed: then nothing is queued and the jobs stay with the caller.
bool GroupCommit::enqueue(std::vector<std::unique_ptr<Job>>& jobs) {
  bool wake;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (closed_) return false;
    for (auto& j : jobs) queue_.push_back(std::move(j));
    wake = writer_idle_;  // a busy writer picks the jobs up with its next batch
  }
  jobs.clear();
  if (wake) cv_.notify_one();
  return true;
}

bool GroupCommit::submit_and_wait(std::function<void()> fn, std::string& error) {
  std::promise<void> committed;
  auto fut = committed.get_future();
  auto job = std::make_unique<Job>();
  job->run = std::move(fn);
  job->done = [&committed, &error](const std::string& e) {
    error = e;
    committed.set_value();
  };
  std::vector<std::unique_ptr<Job>> jobs;
  jobs.push_back(std::move(job));
  if (!enqueue(jobs)) return false;
  fut.get();
  return true;
}

void GroupCommit::run() {
  std::vector<std::unique_ptr<Job>> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      writer_idle_ = true;
      cv_.wait(lk, [this] { return closed_ || !queue_.empty(); });
      writer_idle_ = false;
      if (queue_.empty()) return;  // closed and drained
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit(batch);
    report(batch);
    batch.clear();
  }
}

void GroupCommit::commit(std::vector<std::unique_ptr<Job>>& batch) {
  if (backend_.orders_by_key())
    std::stable_sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) {
      static const std::string none;
      return (a->event ? a->event->dedup_key : none) < (b->event ? b->event->dedup_key : none);
    });
  std::vector<Job*> rest;
  if (backend_.inserts_groups()) {
    rest = insert_at_once(batch);
  } else {
    for (auto& j : batch) rest.push_back(j.get());
  }
  if (!rest.empty()) transact(rest);
  for (auto& j : batch)
    if (j->receiver && !j->error.empty()) j->outcome = {RecordOutcome::Kind::Failed, 0, j->error};
}

// The group's events in as few round trips as the backend can (one, normally); returns what
// still needs a transaction: the other jobs, and events of a statement refused as a whole.
std::vector<GroupCommit::Job*> GroupCommit::insert_at_once(std::vector<std::unique_ptr<Job>>& batch) {
  std::vector<Job*> events, rest;
  std::vector<const IncomingEvent*> in;
  for (auto& j : batch) {
    if (!j->receiver) {
      rest.push_back(j.get());
      continue;
    }
    events.push_back(j.get());
    in.push_back(j->event.get());
  }
  if (events.empty()) return rest;
  const auto outcomes = backend_.insert_group(in);
  bool all_known = true;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i >= outcomes.size() || !outcomes[i]) {
      rest.push_back(events[i]);
      continue;
    }
    events[i]->outcome = *outcomes[i];
    if (outcomes[i]->kind == RecordOutcome::Kind::Failed) {
      events[i]->error = outcomes[i]->error.empty() ? "ledger commit failed" : outcomes[i]->error;
      all_known = false;
    }
  }
  last_commit_ok_ = all_known;
  return rest;
}

// Jobs in one transaction, each in its own savepoint.
void GroupCommit::transact(const std::vector<Job*>& jobs) {
  try {
    backend_.begin();
    for (Job* j : jobs) run_job(*j);
    backend_.commit();
    last_commit_ok_ = true;
  } catch (const std::exception& e) {
    // The transaction failed: nothing of the batch is durable, nobody gets a success (a
    // webhook gets 503 and Apify retries).
    backend_.rollback();
    backend_.reset_statements();
    last_commit_ok_ = false;
    for (Job* j : jobs) j->error = *e.what() ? e.what() : "ledger commit failed";
  }
}

void GroupCommit::run_job(Job& j) {
  // An event without deliveries is one INSERT; where a failed statement is undone alone,
  // only multi-statement jobs need a savepoint of their own.
  const bool single = j.receiver && j.event->deliveries.empty() && backend_.statements_fail_alone();
  if (!single) backend_.savepoint();
  try {
    if (j.receiver) j.outcome = backend_.insert(*j.event);
    else j.run();
    if (!single) backend_.release();
  } catch (const std::exception& e) {
    j.error = *e.what() ? e.what() : "ledger write failed";
    backend_.reset_statements();
    if (!single) {
      backend_.rollback_to();
      backend_.release();
    }
  }
}

void GroupCommit::note_record(const RecordOutcome& outcome) {
  std::lock_guard<std::mutex> lk(failure_mu_);
  if (outcome.kind != RecordOutcome::Kind::Failed) {
    record_failure_.clear();
    return;
  }
  record_failure_ = outcome.error.empty() ? "ledger write failed" : outcome.error;
  record_failure_ms_ = util::steady_ms();
}

// Outcomes first, then one flush per receiver: each consumer is woken once per group.
void GroupCommit::report(std::vector<std::unique_ptr<Job>>& batch) {
  std::vector<RecordReceiver*> receivers;
  for (auto& j : batch) {
    if (!j->receiver) {
      j->done(j->error);
      continue;
    }
    note_record(j->outcome);
    j->receiver->complete(j->token, std::move(j->outcome), std::move(j->event));
    if (std::find(receivers.begin(), receivers.end(), j->receiver.get()) == receivers.end())
      receivers.push_back(j->receiver.get());
  }
  for (RecordReceiver* r : receivers) r->flush();
}

}  // namespace sinkhub::ledger
