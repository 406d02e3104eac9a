// Shared set-up for the tests of the fake Google: a running FakeGoogle, a client, a service
// account (its RSA key made once per test binary: key generation is slow) shared on a
// spreadsheet, and helpers that read like the requests a Sheets client sends.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "fake_google.hpp"
#include "google_client.hpp"

namespace sinkhub::fake::google::test {

// One account per name for the whole test binary.
const ServiceAccount& account(const std::string& name = "writer", const std::string& project_number = "123456789012");

class FakeGoogleTest : public ::testing::Test {
 protected:
  static constexpr const char* kSheet = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd";

  explicit FakeGoogleTest(FakeGoogle::Options options = {});

  // POST :batchUpdate with {"requests":[<requests>]} (or `body` as given with raw_batch).
  Reply batch(const std::string& requests);
  Reply raw_batch(const std::string& body);
  Reply values(const std::string& range, const std::string& query = {});
  Reply search(const std::string& data_filters);
  Reply get(const std::string& path_and_query);
  // The tab's values rendered as text for compact assertions: "a|1|TRUE" per row.
  std::vector<std::string> rows(const std::string& tab = "Sheet1");
  std::int32_t sheet_id(const std::string& tab);

  FakeGoogle google;
  Client client;
  ServiceAccount sa;
  std::string token;
};

// Compact JSON for assertions.
std::string compact(const json::Var& v);

}  // namespace sinkhub::fake::google::test
