#include "fixture.hpp"

#include <map>
#include <mutex>

#include "render.hpp"

namespace sinkhub::fake::google::test {

const ServiceAccount& account(const std::string& name, const std::string& project_number) {
  static std::mutex mu;
  static std::map<std::string, ServiceAccount> made;
  std::lock_guard<std::mutex> lock(mu);
  auto it = made.find(name + "/" + project_number);
  if (it == made.end())
    it = made.emplace(name + "/" + project_number,
                      make_service_account(name + "@sinkhub-fake.iam.gserviceaccount.com", "project-" + project_number,
                                           project_number))
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
