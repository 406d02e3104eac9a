#include "fixture.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <mutex>

#include "render.hpp"

namespace sinkhub::fake::google::test {

namespace {

// The default account signs with the RFC 7515 A.2 key: loading it is instant where making a
// 2048-bit key takes a quarter of a second, and every test process needs one.
ServiceAccount rfc_key_account(const std::string& email, const std::string& project_number) {
  std::ifstream in(std::string(JWS_RS256_VECTORS) + "/rsa-private-pkcs8.pem");
  std::ostringstream pem;
  pem << in.rdbuf();
  ServiceAccount sa;
  sa.email = email;
  sa.project_id = "project-" + project_number;
  sa.project_number = project_number;
  sa.client_id = "100000000000000000001";
  sa.private_key_id = "a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2";
  sa.private_key_pem = pem.str();
  sa.public_key_pem = public_key_of(sa.private_key_pem);
  return sa;
}

}  // namespace

const ServiceAccount& account(const std::string& name, const std::string& project_number) {
  static std::mutex mu;
  static std::map<std::string, ServiceAccount> made;
  std::lock_guard<std::mutex> lock(mu);
  const std::string email = name + "@sinkhub-fake.iam.gserviceaccount.com";
  auto it = made.find(name + "/" + project_number);
  if (it == made.end())
    it = made.emplace(name + "/" + project_number, name == "writer" ? rfc_key_account(email, project_number)
                                                                    : make_service_account(email, "project-" + project_number, project_number))
             .first;
  return it->second;
}

FakeGoogleTest::FakeGoogleTest(FakeGoogle::Options options) : google(options), client(google.port()) {
  sa = account();
  google.add_service_account(sa);
  SpreadsheetSpec spec;
  spec.id = kSheet;
  spec.title = "Leads";
  spec.editors = {sa.email};
  google.add_spreadsheet(spec);
  token = google.issue_token(sa.email, {kSheetsScope}, sa.project_number);
}

Reply FakeGoogleTest::batch(const std::string& requests) { return raw_batch("{\"requests\":[" + requests + "]}"); }
Reply FakeGoogleTest::raw_batch(const std::string& body) { return client.batch_update(token, kSheet, body); }
Reply FakeGoogleTest::values(const std::string& range, const std::string& query) {
  return client.values(token, kSheet, range, query);
}
Reply FakeGoogleTest::search(const std::string& data_filters) {
  return client.search(token, kSheet, "{\"dataFilters\":[" + data_filters + "]}");
}
Reply FakeGoogleTest::get(const std::string& path_and_query) { return client.get(token, path_and_query); }

std::vector<std::string> FakeGoogleTest::rows(const std::string& tab) {
  std::vector<std::string> out;
  for (const auto& row : google.values(kSheet, tab)) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) line += "|";
      line += row[i].type == Value::Type::Formula ? row[i].text : render::formatted(row[i]);
    }
    out.push_back(line);
  }
  return out;
}

std::int32_t FakeGoogleTest::sheet_id(const std::string& tab) { return google.sheet(kSheet, tab).sheet_id; }

std::string compact(const json::Var& v) { return json::compact(v); }

}  // namespace sinkhub::fake::google::test
