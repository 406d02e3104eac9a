// Shared fixture for the integration tests: one real daemon per test, stock config.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "testkit.hpp"

namespace sinkhub::it {

using namespace sinkhub::testkit;

// A test with a running daemon on the stock YAML config (override config()/options()).
class DaemonTest : public ::testing::Test {
 protected:
  virtual std::string config() { return stock_yaml(); }
  virtual Daemon::Options options() { return {}; }

  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(config(), options());
    daemon_->start();
  }
  void TearDown() override {
    if (daemon_ && daemon_->running()) {
      const int code = daemon_->stop();
      EXPECT_EQ(code, 0) << "sinkhub did not stop cleanly; log:\n" << daemon_->log();
    }
  }

  Daemon& daemon() { return *daemon_; }
  LedgerView ledger() { return LedgerView(daemon_->ledger_path()); }

  std::unique_ptr<Daemon> daemon_;
};

// Asserts the response is an error with a JSON body {"error": "..."}.
inline ::testing::AssertionResult IsJsonError(const HttpResponse& r, int status) {
  if (r.status != status)
    return ::testing::AssertionFailure() << "status " << r.status << " (want " << status << "), body: " << r.body
                                         << (r.error.empty() ? "" : ", client error: " + r.error);
  const auto obj = r.json();
  if (!obj) return ::testing::AssertionFailure() << "body is not a JSON object: " << r.body;
  if (r.json_string("error").empty())
    return ::testing::AssertionFailure() << "body has no non-empty string \"error\": " << r.body;
  if (r.header("Content-Type").rfind("application/json", 0) != 0)
    return ::testing::AssertionFailure() << "Content-Type is '" << r.header("Content-Type") << "'";
  return ::testing::AssertionSuccess();
}

}  // namespace sinkhub::it
