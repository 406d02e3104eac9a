// Webhook dispatches of the fake Apify API: run events and TEST create dispatches, a
// dispatcher thread POSTs them (loopback only) with retries, and GET /v2/webhook-dispatches,
// GET /v2/webhook-dispatches/{id}, GET /v2/webhooks/{id}/dispatches and
// POST /v2/webhooks/{id}/test expose them. See docs/apify-api.md §2-§3.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include <algorithm>
#include <stdexcept>

#include "fake_internal.hpp"
#include "fake_template.hpp"

namespace sinkhub::fake {

namespace {

constexpr std::size_t kMaxResponseBody = 2048;  // what a call keeps of the answer

// The headers a template may not set (Apify rewrites them to its own values).
bool system_header(const std::string& name) {
  for (const char* h : {"host", "content-type", "x-apify-webhook", "x-apify-webhook-dispatch-id", "x-apify-request-origin"})
    if (Poco::icompare(name, h) == 0) return true;
  return false;
}

Poco::JSON::Object::Ptr template_vars(const std::string& event_type, const Poco::Dynamic::Var& event_data,
                                      const Poco::Dynamic::Var& resource, const std::string& created_at) {
  const Poco::Timestamp now;
  auto globals = ordered_object();
  globals->set("dateISO", iso_of(now));
  globals->set("dateUnix", static_cast<Poco::Int64>(now.epochTime()));
  auto vars = ordered_object();
  vars->set("userId", kFakeUserId);
  vars->set("createdAt", created_at);
  vars->set("eventType", event_type);
  vars->set("eventData", event_data);
  vars->set("resource", resource);
  vars->set("globals", globals);
  return vars;
}

// Renders the payload and the headers of one dispatch; false and why when a template fails.
bool render_request(const FakeWebhook& w, const Poco::JSON::Object::Ptr& vars, FakeDispatch& d, std::string& why) {
  const bool custom = w.payload_template && !w.payload_template->empty();
  if (!tmpl::render(custom ? *w.payload_template : tmpl::default_payload_template(), vars,
                    custom && w.should_interpolate_strings, false, d.payload, why))
    return false;
  if (w.headers_template && !w.headers_template->empty()) {
    std::string rendered;
    Poco::JSON::Object::Ptr obj;
    if (!tmpl::render(*w.headers_template, vars, w.should_interpolate_strings, true, rendered, why) ||
        !parse_object(rendered, obj, why))
      return false;
    std::vector<std::string> names;
    obj->getNames(names);
    for (const auto& n : names)
      if (!system_header(n)) d.headers.emplace_back(n, obj->getValue<std::string>(n));
  }
  d.headers.emplace_back("Content-Type", "application/json");
  d.headers.emplace_back("X-Apify-Webhook", "fake-apify-webhook");
  d.headers.emplace_back("X-Apify-Webhook-Dispatch-Id", d.id);
  d.headers.emplace_back("X-Apify-Request-Origin", "WEBHOOK");
  return true;
}

bool loopback_http(const Poco::URI& uri) {
  const std::string& host = uri.getHost();
  return uri.getScheme() == "http" && (host == "127.0.0.1" || host == "localhost" || host == "::1");
}

// One HTTP call of a dispatch. `final` = not worth retrying (the fake refuses the URL).
FakeDispatchCall post(const FakeDispatch& d, std::chrono::milliseconds timeout, bool& final) {
  FakeDispatchCall c;
  c.started_at = now_iso();
  final = false;
  try {
    const Poco::URI uri(d.request_url);
    if (!loopback_http(uri)) {
      final = true;
      c.error_message = "The fake Apify API dispatches only to http:// on loopback, not to " + d.request_url;
    } else {
      Poco::Net::HTTPClientSession s(uri.getHost() == "localhost" ? "127.0.0.1" : uri.getHost(), uri.getPort());
      s.setTimeout(Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(timeout).count()));
      const std::string target = uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery();
      Poco::Net::HTTPRequest rq(Poco::Net::HTTPRequest::HTTP_POST, target, Poco::Net::HTTPMessage::HTTP_1_1);
      for (const auto& [k, v] : d.headers) rq.set(k, v);
      rq.setContentLength64(static_cast<Poco::Int64>(d.payload.size()));
      s.sendRequest(rq) << d.payload;
      Poco::Net::HTTPResponse resp;
      std::istream& in = s.receiveResponse(resp);
      char buf[4096];
      while (in.read(buf, sizeof buf) || in.gcount() > 0)
        if (c.response_body.size() < kMaxResponseBody)
          c.response_body.append(buf, std::min<std::size_t>(static_cast<std::size_t>(in.gcount()),
                                                            kMaxResponseBody - c.response_body.size()));
      c.response_status = static_cast<int>(resp.getStatus());
      if (c.response_status < 200 || c.response_status >= 300)
        c.error_message = "Endpoint responded with HTTP status code " + std::to_string(c.response_status);
    }
  } catch (const Poco::Exception& e) {
    c.error_message = e.displayText();
  } catch (const std::exception& e) {
    c.error_message = e.what();
  }
  c.finished_at = now_iso();
  return c;
}

void settle_webhook_locked(State& st, const DispatchRec& rec) {
  const auto it = st.webhooks.find(rec.d.webhook_id);
  if (it == st.webhooks.end()) return;
  it->second.last_dispatch_status = rec.d.status;
  it->second.last_dispatch_finished = rec.d.status == "ACTIVE" ? "" : rec.d.calls.back().finished_at;
}

// Records one call and decides: SUCCEEDED, another try later, or FAILED.
void finish_call_locked(State& st, const std::string& id, FakeDispatchCall call, bool final) {
  DispatchRec& rec = st.dispatches[st.dispatch_index.at(id)];
  const bool ok = call.response_status >= 200 && call.response_status < 300;
  rec.d.calls.push_back(std::move(call));
  const int done = static_cast<int>(rec.d.calls.size());
  if (ok) {
    rec.d.status = "SUCCEEDED";
  } else if (!final && !rec.do_not_retry && done <= st.policy.retries) {
    st.pending.push_back({std::chrono::steady_clock::now() + st.policy.first_retry_delay * (1 << (done - 1)), id});
  } else {
    rec.d.status = "FAILED";
  }
  settle_webhook_locked(st, rec);
}

void dispatcher_loop(State& st) {
  std::unique_lock<std::mutex> lock(st.mu);
  while (!st.stopping) {
    if (st.pending.empty()) {
      st.cv.wait(lock);
      continue;
    }
    const auto next = std::min_element(st.pending.begin(), st.pending.end(),
                                       [](const PendingCall& a, const PendingCall& b) { return a.due < b.due; });
    if (next->due > std::chrono::steady_clock::now()) {
      const auto due = next->due;  // a copy: `pending` may grow (and move) while we wait
      st.cv.wait_until(lock, due);
      continue;
    }
    const std::string id = next->dispatch_id;
    st.pending.erase(next);
    const FakeDispatch d = st.dispatches[st.dispatch_index.at(id)].d;
    const auto timeout = st.policy.timeout;
    ++st.in_flight;
    lock.unlock();
    bool final = false;
    FakeDispatchCall call = post(d, timeout, final);
    lock.lock();
    --st.in_flight;
    finish_call_locked(st, id, std::move(call), final);
    st.cv.notify_all();
  }
}

Poco::JSON::Object::Ptr dispatch_json(const DispatchRec& rec) {
  const FakeDispatch& d = rec.d;
  auto o = ordered_object();
  o->set("id", d.id);
  o->set("userId", rec.user_id);
  o->set("webhookId", d.webhook_id);
  o->set("createdAt", d.created_at);
  o->set("status", d.status);
  o->set("eventType", d.event_type);
  o->set("eventData", rec.event_data);
  auto cond = ordered_object();
  cond->set(rec.condition_key, rec.condition_id);
  auto webhook = ordered_object();
  webhook->set("actionType", "HTTP_REQUEST");
  webhook->set("condition", cond);
  webhook->set("requestUrl", d.request_url);
  webhook->set("isAdHoc", rec.is_ad_hoc);
  o->set("webhook", webhook);
  Poco::JSON::Array::Ptr calls = new Poco::JSON::Array;
  for (const auto& c : d.calls) {
    auto call = ordered_object();
    call->set("startedAt", c.started_at);
    call->set("finishedAt", or_null(c.finished_at));
    call->set("errorMessage", or_null(c.error_message));
    call->set("responseStatus", c.response_status ? Poco::Dynamic::Var(c.response_status) : Poco::Dynamic::Var());
    call->set("responseBody", or_null(c.response_body));
    calls->add(call);
  }
  o->set("calls", calls);
  return o;
}

Answer dispatch_list_locked(const State& st, const ApiRequest& req, const std::string& webhook_id) {
  Paging paging;
  Answer err;
  if (!read_paging(req, paging, err)) return err;
  std::vector<Poco::Dynamic::Var> items;
  for (const auto& rec : st.dispatches)  // creation order = createdAt ascending
    if (webhook_id.empty() || rec.d.webhook_id == webhook_id) items.emplace_back(dispatch_json(rec));
  return list_answer(std::move(items), paging);
}

Answer test_webhook(State& st, const ApiRequest& req, const std::string& id) {
  if (!req.is("POST")) return method_not_allowed("POST");
  if (req.read_only)
    return error(403, "insufficient-permissions", "The API token does not have permission to test webhooks");
  std::lock_guard<std::mutex> lock(st.mu);
  const auto it = st.webhooks.find(id);
  if (it == st.webhooks.end()) return error(404, "record-not-found", "Webhook was not found");
  Poco::JSON::Parser parser;
  const Poco::Dynamic::Var resource = parser.parse(st.test_resource);
  const std::string dispatch_id = create_dispatch_locked(st, it->second, "TEST", {}, resource, now_iso());
  return data_answer(dispatch_json(st.dispatches[st.dispatch_index.at(dispatch_id)]), 201);
}

std::string event_type_of(const std::string& status) {
  if (status == "SUCCEEDED") return "ACTOR.RUN.SUCCEEDED";
  if (status == "FAILED") return "ACTOR.RUN.FAILED";
  if (status == "ABORTED") return "ACTOR.RUN.ABORTED";
  if (status == "TIMED-OUT") return "ACTOR.RUN.TIMED_OUT";
  return {};
}

std::vector<std::string> emit_locked(State& st, const FakeRun& run, const std::string& event_type) {
  auto event_data = ordered_object();
  event_data->set("actorId", run.act_id);
  if (!run.actor_task_id.empty()) event_data->set("actorTaskId", run.actor_task_id);
  event_data->set("actorRunId", run.id);
  // A terminal event happens when the run finishes: Apify's example has createdAt == finishedAt.
  const std::string created_at =
      !event_type_of(run.status).empty() && event_type == event_type_of(run.status) && !run.finished_at.empty()
          ? run.finished_at
          : now_iso();
  std::vector<WebhookRec*> recs;
  for (auto& [id, rec] : st.webhooks)
    if (webhook_matches(rec, run, event_type)) recs.push_back(&rec);
  std::sort(recs.begin(), recs.end(), [](const WebhookRec* a, const WebhookRec* b) { return a->seq < b->seq; });
  std::vector<std::string> ids;
  for (WebhookRec* rec : recs) {
    rec->fired = true;
    ids.push_back(create_dispatch_locked(st, *rec, event_type, event_data, run_detail_json(run), created_at));
  }
  return ids;
}

}  // namespace

bool webhook_matches(const WebhookRec& rec, const FakeRun& run, const std::string& event_type) {
  const FakeWebhook& w = rec.w;
  if (!w.is_enabled || (w.is_ad_hoc && rec.fired)) return false;
  if (std::find(w.event_types.begin(), w.event_types.end(), event_type) == w.event_types.end()) return false;
  if (w.condition_key == "actorId") return w.condition_id == run.act_id;
  if (w.condition_key == "actorTaskId") return !run.actor_task_id.empty() && w.condition_id == run.actor_task_id;
  return w.condition_key == "actorRunId" && w.condition_id == run.id;
}

std::string create_dispatch_locked(State& st, WebhookRec& rec, const std::string& event_type,
                                   const Poco::Dynamic::Var& event_data, const Poco::Dynamic::Var& resource,
                                   const std::string& created_at) {
  DispatchRec dr;
  dr.user_id = kFakeUserId;
  dr.condition_key = rec.w.condition_key;
  dr.condition_id = rec.w.condition_id;
  dr.is_ad_hoc = rec.w.is_ad_hoc;
  dr.do_not_retry = rec.w.do_not_retry;
  FakeDispatch& d = dr.d;
  d.id = new_id();
  d.webhook_id = rec.w.id;
  d.event_type = event_type;
  d.created_at = now_iso();
  d.status = "ACTIVE";
  d.event_data = to_json(event_data);
  dr.event_data = event_data;
  d.request_url = rec.w.request_url;
  std::string why;
  const bool rendered = render_request(rec.w, template_vars(event_type, event_data, resource, created_at), d, why);
  if (!rendered) {
    d.status = "FAILED";
    d.calls.push_back({d.created_at, d.created_at, 0, "Cannot render the webhook templates: " + why, ""});
  }
  st.dispatch_index[d.id] = st.dispatches.size();
  st.dispatches.push_back(dr);
  ++rec.total_dispatches;
  rec.last_dispatch_status = d.status;
  rec.last_dispatch_finished = rendered ? "" : d.created_at;
  if (rendered) st.pending.push_back({std::chrono::steady_clock::now(), d.id});
  st.cv.notify_all();
  return d.id;
}

void start_dispatcher(State& st) {
  st.dispatcher = std::thread([&st] { dispatcher_loop(st); });
}

void stop_dispatcher(State& st) {
  {
    std::lock_guard<std::mutex> lock(st.mu);
    st.stopping = true;
  }
  st.cv.notify_all();
  if (st.dispatcher.joinable()) st.dispatcher.join();
}

std::optional<Answer> route_dispatches(State& st, const ApiRequest& req) {
  const auto& seg = req.seg;
  if (seg.size() == 4 && seg[1] == "webhooks" && seg[3] == "test") return test_webhook(st, req, seg[2]);
  const bool of_webhook = seg.size() == 4 && seg[1] == "webhooks" && seg[3] == "dispatches";
  const bool all = seg.size() == 2 && seg[1] == "webhook-dispatches";
  const bool one = seg.size() == 3 && seg[1] == "webhook-dispatches";
  if (!of_webhook && !all && !one) return std::nullopt;
  if (!req.is("GET")) return method_not_allowed("GET");
  std::lock_guard<std::mutex> lock(st.mu);
  if (all) return dispatch_list_locked(st, req, {});
  if (of_webhook) {
    if (!st.webhooks.count(seg[2])) return error(404, "record-not-found", "Webhook was not found");
    return dispatch_list_locked(st, req, seg[2]);
  }
  const auto it = st.dispatch_index.find(seg[2]);
  if (it == st.dispatch_index.end()) return error(404, "record-not-found", "Webhook dispatch was not found");
  return data_answer(dispatch_json(st.dispatches[it->second]));
}

std::vector<std::string> FakeApify::finish_run(const std::string& run_id, const std::string& status,
                                               const std::string& finished_at) {
  std::lock_guard<std::mutex> lock(state_->mu);
  const auto it = state_->runs.find(run_id);
  if (it == state_->runs.end()) throw std::invalid_argument("unknown run " + run_id);
  FakeRun& run = it->second;
  run.status = status;
  const std::string event_type = event_type_of(status);
  run.finished_at = event_type.empty() ? "" : (finished_at.empty() ? now_iso() : finished_at);
  if (event_type.empty()) return {};
  return emit_locked(*state_, run, event_type);
}

std::vector<std::string> FakeApify::emit_run_event(const std::string& run_id, const std::string& event_type) {
  std::lock_guard<std::mutex> lock(state_->mu);
  const auto it = state_->runs.find(run_id);
  if (it == state_->runs.end()) throw std::invalid_argument("unknown run " + run_id);
  return emit_locked(*state_, it->second, event_type);
}

std::vector<FakeDispatch> FakeApify::dispatches() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<FakeDispatch> out;
  for (const auto& rec : state_->dispatches) out.push_back(rec.d);
  return out;
}

std::optional<FakeDispatch> FakeApify::dispatch(const std::string& id) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  const auto it = state_->dispatch_index.find(id);
  if (it == state_->dispatch_index.end()) return std::nullopt;
  return state_->dispatches[it->second].d;
}

bool FakeApify::wait_dispatches_settled(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->cv.wait_for(lock, timeout, [&] {
    return state_->in_flight == 0 && std::none_of(state_->dispatches.begin(), state_->dispatches.end(),
                                                  [](const DispatchRec& r) { return r.d.status == "ACTIVE"; });
  });
}

void FakeApify::set_dispatch_policy(DispatchPolicy policy) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->policy = policy;
}

void FakeApify::set_test_resource(const std::string& json) {
  Poco::JSON::Parser parser;
  parser.parse(json);  // throws on malformed JSON: a test bug
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->test_resource = json;
}

}  // namespace sinkhub::fake
