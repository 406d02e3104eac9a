// Runs, Actors and tasks of the fake Apify API: GET /v2/actor-runs/{id}, the run lists
// (/v2/actor-runs, /v2/acts/{id}/runs, /v2/actor-tasks/{id}/runs) and the lookups
// GET /v2/acts/{id} and GET /v2/actor-tasks/{id}. See docs/apify-api.md §1 and §4.
#include <algorithm>
#include <set>

#include "fake_internal.hpp"

namespace sinkhub::fake {

namespace {

const std::set<std::string>& run_statuses() {
  static const std::set<std::string> s = {"READY",     "RUNNING",   "SUCCEEDED", "FAILED",
                                          "TIMING-OUT", "TIMED-OUT", "ABORTING",  "ABORTED"};
  return s;
}

// The short run object of the run lists (OAS RunShort): no stats, options, userId, exitCode.
Poco::JSON::Object::Ptr run_list_item(const FakeRun& r) {
  auto d = ordered_object();
  d->set("id", r.id);
  d->set("actId", r.act_id);
  d->set("actorTaskId", or_null(r.actor_task_id));
  d->set("status", r.status);
  d->set("startedAt", or_null(r.started_at));
  d->set("finishedAt", or_null(r.finished_at));
  d->set("buildId", "fakeBuildId0001");
  d->set("buildNumber", "0.0.1");
  auto meta = ordered_object();
  meta->set("origin", r.origin);
  d->set("meta", meta);
  d->set("usageTotalUsd", 0.0042);
  d->set("defaultKeyValueStoreId", "fakeKvs" + r.id);
  d->set("defaultDatasetId", r.default_dataset_id);
  d->set("defaultRequestQueueId", "fakeRq" + r.id);
  return d;
}

Poco::Timestamp started_of(const FakeRun& r) {
  Poco::Timestamp t(0);
  parse_iso(r.started_at, t);
  return t;
}

enum class Scope { Account, Actor, Task };

struct RunFilter {
  std::set<std::string> statuses;  // empty = all
  std::optional<Poco::Timestamp> after, before;
};

// status, startedAfter, startedBefore; false and a 400 answer when malformed.
bool read_run_filter(const ApiRequest& req, Scope scope, RunFilter& f, Answer& err) {
  std::string v;
  if (req.param("status", v)) {
    for (const auto& one : split_list(v)) {
      if (!run_statuses().count(one)) {
        err = error(400, "invalid-parameter", "Parameter 'status' has an unknown run status: " + one);
        return false;
      }
      f.statuses.insert(one);
    }
  }
  if (scope == Scope::Task) return true;  // startedAfter/Before are not documented for task runs
  for (const char* name : {"startedAfter", "startedBefore"}) {
    if (!req.param(name, v)) continue;
    Poco::Timestamp t;
    if (!parse_iso(v, t)) {
      err = error(400, "invalid-parameter", std::string("Parameter '") + name + "' must be an ISO 8601 date-time");
      return false;
    }
    (std::string(name) == "startedAfter" ? f.after : f.before) = t;
  }
  return true;
}

Answer run_list(State& st, const ApiRequest& req, Scope scope, const std::string& id_or_name) {
  Paging paging;
  RunFilter filter;
  Answer err;
  if (!read_paging(req, paging, err) || !read_run_filter(req, scope, filter, err)) return err;
  std::vector<const FakeRun*> picked;
  std::lock_guard<std::mutex> lock(st.mu);
  std::string id;
  if (scope == Scope::Actor && !find_actor_locked(st, id_or_name, id))
    return error(404, "actor-not-found", "Actor was not found");
  if (scope == Scope::Task && !find_task_locked(st, id_or_name, id))
    return error(404, "record-not-found", "Actor task was not found");
  for (const auto& [run_id, r] : st.runs) {
    if (scope == Scope::Actor && r.act_id != id) continue;
    if (scope == Scope::Task && r.actor_task_id != id) continue;
    if (!filter.statuses.empty() && !filter.statuses.count(r.status)) continue;
    const Poco::Timestamp started = started_of(r);
    if ((filter.after && started < *filter.after) || (filter.before && started > *filter.before)) continue;
    picked.push_back(&r);
  }
  // By startedAt as Apify documents; ties by id (undocumented).
  std::sort(picked.begin(), picked.end(), [](const FakeRun* a, const FakeRun* b) {
    const auto ta = started_of(*a), tb = started_of(*b);
    return ta != tb ? ta < tb : a->id < b->id;
  });
  std::vector<Poco::Dynamic::Var> items;
  items.reserve(picked.size());
  for (const FakeRun* r : picked) items.emplace_back(run_list_item(*r));
  return list_answer(std::move(items), paging);
}

Answer actor_answer(State& st, const std::string& id_or_name) {
  std::lock_guard<std::mutex> lock(st.mu);
  const auto it = st.actors.find(id_or_name);
  if (it == st.actors.end()) return error(404, "record-not-found", "Actor was not found");
  const FakeActor& act = it->second;
  auto d = ordered_object();
  d->set("id", act.id);
  d->set("userId", kFakeUserId);
  d->set("name", act.name);
  d->set("username", act.username);
  d->set("description", "A fake Actor");
  d->set("isPublic", false);
  d->set("createdAt", "2025-01-01T00:00:00.000Z");
  d->set("modifiedAt", "2025-06-01T00:00:00.000Z");
  return data_answer(d);
}

Answer task_answer(State& st, const std::string& id_or_name) {
  std::lock_guard<std::mutex> lock(st.mu);
  const auto it = st.tasks.find(id_or_name);
  if (it == st.tasks.end()) return error(404, "record-not-found", "Actor task was not found");
  const FakeTask& t = it->second;
  auto d = ordered_object();
  d->set("id", t.id);
  d->set("userId", kFakeUserId);
  d->set("actId", t.act_id);
  d->set("name", t.name);
  d->set("username", t.username);
  d->set("createdAt", "2025-01-01T00:00:00.000Z");
  d->set("modifiedAt", "2025-06-01T00:00:00.000Z");
  d->set("removedAt", Poco::Dynamic::Var());
  auto options = ordered_object();
  options->set("build", "latest");
  options->set("timeoutSecs", 3600);
  options->set("memoryMbytes", 1024);
  d->set("options", options);
  d->set("input", ordered_object());
  return data_answer(d);
}

Answer run_answer(State& st, const std::string& id) {
  std::lock_guard<std::mutex> lock(st.mu);
  const auto it = st.runs.find(id);
  if (it == st.runs.end()) return error(404, "record-not-found", "Actor run was not found");
  return data_answer(run_detail_json(it->second));
}

}  // namespace

Poco::JSON::Object::Ptr run_detail_json(const FakeRun& r) {
  auto d = ordered_object();
  d->set("id", r.id);
  d->set("actId", r.act_id);
  d->set("userId", r.user_id);
  d->set("actorTaskId", or_null(r.actor_task_id));
  d->set("startedAt", or_null(r.started_at));
  d->set("finishedAt", or_null(r.finished_at));
  d->set("status", r.status);
  d->set("statusMessage", Poco::Dynamic::Var());
  d->set("isStatusMessageTerminal", Poco::Dynamic::Var());
  auto meta = ordered_object();
  meta->set("origin", r.origin);
  meta->set("userAgent", "ApifyClient/2.25.1");
  d->set("meta", meta);
  auto stats = ordered_object();
  stats->set("inputBodyLen", 240);
  stats->set("migrationCount", 0);
  stats->set("rebootCount", 0);
  stats->set("restartCount", 0);
  stats->set("resurrectCount", r.resurrect_count);
  stats->set("runTimeSecs", 60.012);
  stats->set("computeUnits", 0.0166);
  d->set("stats", stats);
  auto options = ordered_object();
  options->set("build", "latest");
  options->set("timeoutSecs", 3600);
  options->set("memoryMbytes", 1024);
  options->set("diskMbytes", 2048);
  d->set("options", options);
  d->set("buildId", "fakeBuildId0001");
  d->set("exitCode", 0);
  d->set("defaultKeyValueStoreId", "fakeKvs" + r.id);
  d->set("defaultDatasetId", r.default_dataset_id);
  d->set("defaultRequestQueueId", "fakeRq" + r.id);
  d->set("buildNumber", "0.0.1");
  d->set("containerUrl", "https://fake.runs.apify.net");
  d->set("usageTotalUsd", 0.0042);
  return d;
}

bool find_actor_locked(const State& st, const std::string& id_or_name, std::string& actor_id) {
  if (const auto it = st.actors.find(id_or_name); it != st.actors.end()) {
    actor_id = it->second.id;
    return true;
  }
  const bool referenced = std::any_of(st.runs.begin(), st.runs.end(),
                                      [&](const auto& r) { return r.second.act_id == id_or_name; });
  if (referenced) actor_id = id_or_name;
  return referenced;
}

bool find_task_locked(const State& st, const std::string& id_or_name, std::string& task_id) {
  if (const auto it = st.tasks.find(id_or_name); it != st.tasks.end()) {
    task_id = it->second.id;
    return true;
  }
  const bool referenced = !id_or_name.empty() && std::any_of(st.runs.begin(), st.runs.end(), [&](const auto& r) {
    return r.second.actor_task_id == id_or_name;
  });
  if (referenced) task_id = id_or_name;
  return referenced;
}

std::optional<Answer> route_runs(State& st, const ApiRequest& req) {
  const auto& seg = req.seg;
  const bool acts = seg.size() >= 2 && (seg[1] == "acts" || seg[1] == "actors");
  const bool tasks = seg.size() >= 2 && seg[1] == "actor-tasks";
  const bool runs = seg.size() >= 2 && seg[1] == "actor-runs";
  if (!(seg.size() == 2 && runs) && !(seg.size() == 3 && (acts || tasks || runs)) &&
      !(seg.size() == 4 && (acts || tasks) && seg[3] == "runs"))
    return std::nullopt;
  if (!req.is("GET") && !req.is("HEAD")) return method_not_allowed("GET");
  if (seg.size() == 2) return run_list(st, req, Scope::Account, {});
  if (seg.size() == 4) return run_list(st, req, acts ? Scope::Actor : Scope::Task, seg[2]);
  if (acts) return actor_answer(st, seg[2]);
  if (tasks) return task_answer(st, seg[2]);
  return run_answer(st, seg[2]);
}

void FakeApify::add_actor(FakeActor actor) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->actors[actor.username + "~" + actor.name] = actor;
  state_->actors[actor.id] = actor;
}

void FakeApify::add_task(FakeTask task) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->tasks[task.username + "~" + task.name] = task;
  state_->tasks[task.id] = task;
}

void FakeApify::add_run(FakeRun run) {
  std::lock_guard<std::mutex> lock(state_->mu);
  const std::string id = run.id;
  state_->runs[id] = std::move(run);
}

std::optional<FakeRun> FakeApify::run(const std::string& id) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  const auto it = state_->runs.find(id);
  if (it == state_->runs.end()) return std::nullopt;
  return it->second;
}

}  // namespace sinkhub::fake
