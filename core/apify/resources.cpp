// Reading single resources and run lists: a run (GET /v2/actor-runs/{id}), an Actor
// (GET /v2/acts/{id}), a task (GET /v2/actor-tasks/{id}) and one page of a run list, each the
// "data" object of Apify's JSON answer (docs/apify-api.md §1, §4).
#include <Poco/JSON/Array.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "apify/client.hpp"
#include "apify/client_internal.hpp"

namespace sinkhub::apify {

namespace {

using detail::json_int;
using detail::json_string;
using detail::make_error;

// The fields a run detail and a run list item share.
void read_run(const Poco::JSON::Object::Ptr& d, Run& run) {
  run.id = json_string(d, "id");
  run.act_id = json_string(d, "actId");
  run.actor_task_id = json_string(d, "actorTaskId");
  run.status = json_string(d, "status");
  run.default_dataset_id = json_string(d, "defaultDatasetId");
  run.started_at = json_string(d, "startedAt");
  run.finished_at = json_string(d, "finishedAt");
  run.user_id = json_string(d, "userId");
  run.resurrect_count = json_int(d->getObject("stats"), "resurrectCount", 0);
}

// "username/name" -> "username~name", as the API wants names in a path.
std::string path_name(std::string id) {
  if (const auto slash = id.find('/'); slash != std::string::npos && id.find('/', slash + 1) == std::string::npos &&
                                       slash > 0 && slash + 1 < id.size())
    id[slash] = '~';
  return id;
}

}  // namespace

namespace detail {

Poco::JSON::Object::Ptr data_of(const std::string& body, bool keep_order) {
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(keep_order));
  const auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  return root ? root->getObject("data") : nullptr;
}

}  // namespace detail

using detail::data_of;

Fetched<Run> Client::get_run(const std::string& run_id, const CancelFn& cancelled) {
  if (run_id.empty()) return invalid<Run>("empty run id");
  return call_json<Run>({"GET", "/v2/actor-runs/" + encode_component(run_id, true), {}}, cancelled,
                        [](const std::string& body, Run& run) {
                          const auto d = data_of(body, /*keep_order=*/true);
                          if (!d) return false;
                          read_run(d, run);
                          std::ostringstream json;
                          Poco::JSON::Stringifier::stringify(d, json);
                          run.json = json.str();
                          return !run.id.empty();
                        });
}

Fetched<Actor> Client::get_actor(const std::string& id_or_name, const CancelFn& cancelled) {
  const std::string id = path_name(id_or_name);
  if (id.empty()) return invalid<Actor>("empty actor id");
  return call_json<Actor>({"GET", "/v2/acts/" + encode_component(id, true), {}}, cancelled,
                          [](const std::string& body, Actor& act) {
                            const auto d = data_of(body);
                            if (!d) return false;
                            act.id = json_string(d, "id");
                            act.name = json_string(d, "name");
                            act.username = json_string(d, "username");
                            return !act.id.empty();
                          });
}

Fetched<Task> Client::get_task(const std::string& id_or_name, const CancelFn& cancelled) {
  const std::string id = path_name(id_or_name);
  if (id.empty()) return invalid<Task>("empty task id");
  return call_json<Task>({"GET", "/v2/actor-tasks/" + encode_component(id, true), {}}, cancelled,
                         [](const std::string& body, Task& task) {
                           const auto d = data_of(body);
                           if (!d) return false;
                           task.id = json_string(d, "id");
                           task.name = json_string(d, "name");
                           task.username = json_string(d, "username");
                           task.act_id = json_string(d, "actId");
                           return !task.id.empty();
                         });
}

Fetched<RunPage> Client::list_runs(const RunScope& scope, std::int64_t offset, int limit,
                                   const std::vector<std::string>& statuses, const CancelFn& cancelled) {
  if (scope.kind != RunScope::Kind::Account && scope.id.empty()) return invalid<RunPage>("empty actor or task id");
  if (limit < 1 || limit > 1000 || offset < 0) return invalid<RunPage>("run list limit must be 1..1000");
  std::string target = scope.kind == RunScope::Kind::Account ? "/v2/actor-runs"
                       : scope.kind == RunScope::Kind::Actor
                           ? "/v2/acts/" + encode_component(scope.id, true) + "/runs"
                           : "/v2/actor-tasks/" + encode_component(scope.id, true) + "/runs";
  target += "?desc=1&offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit);
  std::string joined;
  for (const auto& s : statuses) joined += (joined.empty() ? "" : ",") + s;
  if (!joined.empty()) target += "&status=" + encode_component(joined, false);
  return call_json<RunPage>({"GET", target, {}}, cancelled, [](const std::string& body, RunPage& page) {
    const auto d = data_of(body);
    const auto items = d ? d->getArray("items") : nullptr;
    if (!items) return false;
    page = RunPage{};
    for (std::size_t i = 0; i < items->size(); ++i) {
      const auto item = items->getObject(static_cast<unsigned>(i));
      if (!item) return false;
      Run run;
      read_run(item, run);
      if (run.id.empty()) return false;
      page.items.push_back(std::move(run));
    }
    page.total = json_int(d, "total", 0);
    page.offset = json_int(d, "offset", 0);
    page.limit = json_int(d, "limit", 0);
    page.count = json_int(d, "count", static_cast<std::int64_t>(page.items.size()));
    return true;
  });
}

}  // namespace sinkhub::apify
