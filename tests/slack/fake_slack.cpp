#include "fake_slack.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include "loopback_server.hpp"

#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace sinkhub::fake {

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct FakeSlack::State {
  mutable std::mutex mu;
  std::deque<SlackAnswer> script;
  std::map<std::string, std::deque<SlackAnswer>> by_path;
  SlackAnswer fallback;
  std::vector<SlackPost> posts;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::uint16_t port = 0;
};

std::string SlackPost::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (Poco::icompare(k, name) == 0) return v;
  return {};
}

SlackAnswer SlackAnswer::error(const std::string& code) {
  int status = 400;  // invalid_payload, no_text, too_many_attachments, user_not_found, no_service_id, no_team
  if (code == "action_prohibited" || code == "invalid_token" || code == "team_disabled" ||
      code == "posting_to_general_channel_denied")
    status = 403;
  else if (code == "channel_not_found" || code == "no_service")
    status = 404;
  else if (code == "channel_is_archived")
    status = 410;
  else if (code == "rollup_error")
    status = 500;
  return {status, code, -1, false};
}

namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<FakeSlack::State> st) : st_(std::move(st)) {}
  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    SlackPost p;
    p.at_ms = steady_ms();
    p.path = req.getURI();
    for (const auto& [k, v] : req) p.headers.emplace_back(k, v);
    Poco::StreamCopier::copyToString(req.stream(), p.body);
    SlackAnswer a;
    {
      std::lock_guard<std::mutex> lk(st_->mu);
      auto own = st_->by_path.find(p.path);
      if (own != st_->by_path.end() && !own->second.empty()) {
        a = own->second.front();
        own->second.pop_front();
      } else if (!st_->script.empty()) {
        a = st_->script.front();
        st_->script.pop_front();
      } else {
        a = st_->fallback;
      }
      p.status = a.drop ? 0 : a.status;
      if (req.getMethod() == "POST") st_->posts.push_back(p);
    }
    if (a.drop) {  // no answer at all: the client sees the connection close
      resp.setKeepAlive(false);
      dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(req).detachSocket().close();
      return;
    }
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(a.status));
    resp.setContentType("text/plain;charset=utf-8");
    if (a.retry_after_s >= 0) resp.set("Retry-After", std::to_string(a.retry_after_s));
    resp.setContentLength(static_cast<std::streamsize>(a.body.size()));
    resp.send() << a.body;
  }

 private:
  std::shared_ptr<FakeSlack::State> st_;
};

}  // namespace

FakeSlack::FakeSlack() : state_(std::make_shared<State>()) {
  state_->server = sinkhub::testkit::start_loopback_server<Handler>(state_, &state_->port);
}

FakeSlack::~FakeSlack() {
  if (state_->server) state_->server->stopAll(true);
}

std::string FakeSlack::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(state_->port) + path;
}

void FakeSlack::script(std::vector<SlackAnswer> answers) {
  std::lock_guard<std::mutex> lk(state_->mu);
  for (auto& a : answers) state_->script.push_back(std::move(a));
}

void FakeSlack::script_for(const std::string& path, std::vector<SlackAnswer> answers) {
  std::lock_guard<std::mutex> lk(state_->mu);
  for (auto& a : answers) state_->by_path[path].push_back(std::move(a));
}

std::vector<SlackPost> FakeSlack::posts_to(const std::string& path) const {
  std::lock_guard<std::mutex> lk(state_->mu);
  std::vector<SlackPost> out;
  for (const auto& p : state_->posts)
    if (p.path == path) out.push_back(p);
  return out;
}

void FakeSlack::set_default(SlackAnswer answer) {
  std::lock_guard<std::mutex> lk(state_->mu);
  state_->fallback = std::move(answer);
}

std::vector<SlackPost> FakeSlack::posts() const {
  std::lock_guard<std::mutex> lk(state_->mu);
  return state_->posts;
}

std::size_t FakeSlack::count() const {
  std::lock_guard<std::mutex> lk(state_->mu);
  return state_->posts.size();
}

bool FakeSlack::wait_for(std::size_t n, std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (count() < n) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace sinkhub::fake
