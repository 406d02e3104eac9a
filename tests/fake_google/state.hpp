// FakeGoogle's shared state and the internal interfaces between its HTTP layer, the token
// endpoint, the Sheets methods and the /_fake control API. Not part of the public surface.
#pragma once

#include <Poco/Net/HTTPServer.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "fake_google.hpp"
#include "google_error.hpp"

namespace sinkhub::fake::google {

struct Incoming {
  std::string method;
  std::string raw_path;  // without the query
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Poco::URI::QueryParameters params;

  std::string header(const std::string& name) const;
  bool has_param(const std::string& name) const;
  std::string param(const std::string& name) const;  // the first repeat
  std::vector<std::string> params_named(const std::string& name) const;
};

struct Outgoing {
  int status = 200;
  std::string body;
  std::string content_type = "application/json; charset=UTF-8";
  std::vector<std::pair<std::string, std::string>> headers;
  bool applied = false;
  std::string principal, project, spreadsheet_id, error;
};

struct Route {
  Op op = Op::Other;
  std::string spreadsheet_id;
  std::string rest;  // the decoded range (ValuesGet) or metadata id (MetadataGet)
};

struct FakeGoogle::State {
  Options options;
  FakeGoogle* owner = nullptr;

  mutable std::mutex mu;  // everything but the spreadsheets
  OAuthServer oauth;
  Quota quota;
  std::set<std::string> disabled_projects;
  struct FaultSlot {
    int id;
    Fault fault;
    int seen = 0;
    int hits = 0;
  };
  std::vector<FaultSlot> faults;
  int next_fault_id = 1;
  std::deque<LoggedRequest> log;
  std::size_t log_body_bytes = 0;  // bodies held by the log
  std::size_t first_body = 0;      // entries before this one have had their bodies dropped
  std::uint64_t seq = 0;
  std::function<void(const LoggedRequest&)> hook;
  std::chrono::seconds clock_offset{0};

  mutable std::mutex model_mu;
  std::map<std::string, Spreadsheet> spreadsheets;
  std::mt19937 rng;

  std::atomic<bool> stopping{false};
  std::mutex sleep_mu;
  std::condition_variable sleep_cv;
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::uint16_t port = 0;

  bool sleep_for(std::chrono::milliseconds d);  // false when woken by stop()
  std::string token_uri() const;
};

Route route_request(const FakeGoogle::State& st, const std::string& method, const std::string& raw_path);
Outgoing serve_token(FakeGoogle::State& st, const Incoming& in);
Outgoing serve_sheets(FakeGoogle::State& st, const Incoming& in, const Route& route);
Outgoing serve_admin(FakeGoogle::State& st, const Incoming& in);
Outgoing api_error(const ApiError& e, const Incoming& in);

// Runs `fn` on the spreadsheet under the model lock; throws ModelError when it is unknown.
template <class St, class Fn>  // St: FakeGoogle::State, const or not
auto with_spreadsheet(St& st, const std::string& id, Fn&& fn) {
  std::lock_guard<std::mutex> lock(st.model_mu);
  const auto it = st.spreadsheets.find(id);
  if (it == st.spreadsheets.end()) throw ModelError("no spreadsheet " + id);
  return fn(it->second);
}

}  // namespace sinkhub::fake::google
