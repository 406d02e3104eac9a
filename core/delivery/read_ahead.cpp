#include "delivery/read_ahead.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace sinkhub::delivery {

namespace {

// Pages between the reader thread and the consumer, bounded in bytes.
class PageQueue {
 public:
  explicit PageQueue(std::size_t budget) : budget_(budget) {}

  // Reader: waits for room (one page always fits in an empty queue). False: the consumer left.
  bool push(const apify::Page& p) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return ready_.empty() || bytes_ + p.body.size() <= budget_ || consumer_gone_; });
    if (consumer_gone_) return false;
    bytes_ += p.body.size();
    ready_.push_back({std::string(p.body), p});
    cv_.notify_all();
    return true;
  }
  // Consumer: the next page (its body owned by `body`), or false once the reader is done.
  bool pop(std::string& body, apify::Page& page) {
    std::unique_lock<std::mutex> lk(mu_);
    cv_.wait(lk, [&] { return !ready_.empty() || reader_done_; });
    if (ready_.empty()) return false;
    body = std::move(ready_.front().body);
    page = ready_.front().page;
    page.body = body;  // the view follows the moved string
    ready_.pop_front();
    bytes_ -= body.size();
    cv_.notify_all();
    return true;
  }
  void reader_done() {
    std::lock_guard<std::mutex> lk(mu_);
    reader_done_ = true;
    cv_.notify_all();
  }
  void consumer_gone() {
    std::lock_guard<std::mutex> lk(mu_);
    consumer_gone_ = true;
    cv_.notify_all();
  }
  bool consumer_left() const { return consumer_gone_.load(); }  // the reader's cancel check

 private:
  struct Copy {
    std::string body;
    apify::Page page;
  };
  const std::size_t budget_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Copy> ready_;
  std::size_t bytes_ = 0;
  bool reader_done_ = false;
  std::atomic<bool> consumer_gone_{false};
};

}  // namespace

apify::StreamResult read_ahead(apify::Client& client, const std::string& dataset_id, std::int64_t offset,
                               const apify::ItemsQuery& query, std::size_t budget_bytes,
                               const std::function<bool()>& stopping, const apify::PageFn& on_page) {
  if (budget_bytes == 0) return client.stream_items(dataset_id, offset, query, on_page, stopping);
  PageQueue queue(budget_bytes);
  apify::StreamResult result;
  std::thread reader([&] {
    result = client.stream_items(
        dataset_id, offset, query, [&](const apify::Page& p) { return queue.push(p); },
        [&] { return stopping() || queue.consumer_left(); });
    queue.reader_done();
  });
  try {
    std::string body;
    apify::Page page;
    while (queue.pop(body, page))
      if (!on_page(page)) break;
  } catch (...) {  // e.g. the ledger failed: stop the reader before unwinding
    queue.consumer_gone();
    reader.join();
    throw;
  }
  queue.consumer_gone();
  reader.join();
  return result;
}

void ResumeMarks::add(const apify::Page& page, std::uint64_t items_before) {
  pages_.push_back(
      {page.offset, page.next_offset(), items_before, items_before + static_cast<std::uint64_t>(page.returned)});
}

ResumeMarks::Point ResumeMarks::resume_point(std::uint64_t pos) const {
  Point p{source_offset_, source_items_};
  for (const auto& m : pages_) {
    if (pos < m.items_after) return {m.offset, m.items_before};
    p = {m.next_offset, m.items_after};
  }
  return p;
}

ResumeMarks::Point ResumeMarks::rewind_point(std::uint64_t pos, bool offsets_are_positions) const {
  const std::uint64_t known = pages_.empty() ? source_items_ : pages_.front().items_before;
  if (pos >= known) return resume_point(pos);
  if (offsets_are_positions) return {static_cast<std::int64_t>(pos), pos};
  return {0, 0};
}

void ResumeMarks::prune(std::uint64_t committed) {
  while (pages_.size() > 1 && pages_.front().items_after <= committed) pages_.pop_front();
}

}  // namespace sinkhub::delivery
