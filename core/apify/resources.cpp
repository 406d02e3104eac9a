// Reading single resources: a run (GET /v2/actor-runs/{id}) and an Actor (GET /v2/acts/{id}),
// each the "data" object of Apify's JSON answer.
#include <Poco/JSON/Parser.h>

#include "apify/client.hpp"
#include "apify/client_internal.hpp"

namespace sinkhub::apify {

namespace {

using detail::json_string;
using detail::make_error;

Poco::JSON::Object::Ptr data_of(const std::string& body) {
  Poco::JSON::Parser parser;
  const auto root = parser.parse(body).extract<Poco::JSON::Object::Ptr>();
  return root ? root->getObject("data") : nullptr;
}

template <class T>
Fetched<T> invalid(const char* what) {
  Fetched<T> f;
  f.error = make_error(0, "invalid-argument", what, false);
  return f;
}

}  // namespace

template <class T>
Fetched<T> Client::get_json(const std::string& target, const CancelFn& cancelled,
                            const std::function<bool(const std::string&, T&)>& parse) {
  Fetched<T> f;
  Response resp;
  const auto validate = [&](Response& r, Error& e) {
    try {
      if (parse(r.body, f.value)) return true;
    } catch (const std::exception&) {
    }
    e = make_error(r.status, "invalid-response", "response is not the expected {\"data\": {...}} JSON", true);
    return false;
  };
  Error e = get(target, resp, cancelled, options_.max_json_bytes, validate);
  if (!e.type.empty()) {
    f.error = std::move(e);
    f.value = T{};
    return f;
  }
  f.ok = true;
  return f;
}

Fetched<Run> Client::get_run(const std::string& run_id, const CancelFn& cancelled) {
  if (run_id.empty()) return invalid<Run>("empty run id");
  return get_json<Run>("/v2/actor-runs/" + encode_component(run_id, true), cancelled,
                       [](const std::string& body, Run& run) {
                         const auto d = data_of(body);
                         if (!d) return false;
                         run.id = json_string(d, "id");
                         run.act_id = json_string(d, "actId");
                         run.actor_task_id = json_string(d, "actorTaskId");
                         run.status = json_string(d, "status");
                         run.default_dataset_id = json_string(d, "defaultDatasetId");
                         run.started_at = json_string(d, "startedAt");
                         run.finished_at = json_string(d, "finishedAt");
                         run.resurrect_count = detail::json_int(d->getObject("stats"), "resurrectCount", 0);
                         return !run.id.empty();
                       });
}

Fetched<Actor> Client::get_actor(const std::string& id_or_name, const CancelFn& cancelled) {
  std::string id = id_or_name;
  if (const auto slash = id.find('/'); slash != std::string::npos && id.find('/', slash + 1) == std::string::npos &&
                                       slash > 0 && slash + 1 < id.size())
    id[slash] = '~';
  if (id.empty()) return invalid<Actor>("empty actor id");
  return get_json<Actor>("/v2/acts/" + encode_component(id, true), cancelled, [](const std::string& body, Actor& act) {
    const auto d = data_of(body);
    if (!d) return false;
    act.id = json_string(d, "id");
    act.name = json_string(d, "name");
    act.username = json_string(d, "username");
    return !act.id.empty();
  });
}

}  // namespace sinkhub::apify
