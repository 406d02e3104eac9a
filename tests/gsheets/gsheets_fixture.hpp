// The gsheets sink end to end: the real daemon and gsheets.so, the fake Apify API and the
// fake Google (tests/fake_google) in this process, all on loopback. The sink's quota window
// and backoffs run 100x faster (SINKHUB_GSHEETS_TEST_TIME_SCALE=100), and so does the fake's
// quota window (600 ms), so pacing and backoff are the real code at test speed.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "delivery_fixture.hpp"
#include "fake_google.hpp"

namespace sinkhub::gst {

using namespace sinkhub::dt;
namespace g = sinkhub::fake::google;

constexpr const char* kSheet = "1SinkhubTestSheet0123456789abcdefghijklmnop";
constexpr int kTimeScale = 100;

inline g::FakeGoogle::Options fake_options() {
  g::FakeGoogle::Options o;
  o.quota.window = std::chrono::milliseconds(60000 / kTimeScale);
  return o;
}

class GsheetsTest : public DeliveryTest {
 protected:
  GsheetsTest() : google_(fake_options()) {
    ::setenv("SINKHUB_GSHEETS_TEST_TIME_SCALE", std::to_string(kTimeScale).c_str(), 1);
    sa_ = google_.add_service_account();
    google_.write_credentials(key_dir_.file("key.json"), sa_);
    g::SpreadsheetSpec spec;
    spec.id = kSheet;
    spec.title = "Leads";
    spec.editors = {sa_.email};
    google_.add_spreadsheet(spec);
  }

  // A gsheets sink writing to tab `sheet`; `extra` is more YAML (4-space indented).
  std::string sink_yaml(const std::string& sheet = "Leads", const std::string& extra = {}) {
    return "    plugin: gsheets\n    credentials_file: \"" + key_dir_.file("key.json") + "\"\n    spreadsheet_id: \"" +
           std::string(kSheet) + "\"\n    sheet: \"" + sheet + "\"\n    api_base_url: \"" + google_.base_url() + "\"\n" +
           extra;
  }
  Conf conf(const std::string& sheet = "Leads", const std::string& extra = {}) {
    Conf c;
    c.page_size = 5000;
    c.delivery["max_attempts"] = "50";
    c.delivery["batch_timeout"] = "20s";
    c.sinks.emplace_back("sheet", sink_yaml(sheet, extra));
    c.route("ACTOR.RUN.SUCCEEDED, ACTOR.RUN.FAILED, ACTOR.RUN.ABORTED, ACTOR.RUN.TIMED_OUT", "sheet");
    return c;
  }
  // Items of about `bytes` bytes: the host makes batches of at most 768 KiB, so larger items
  // make more batches (more requests, more points to fail at).
  RunInfo generated_run(std::int64_t items, std::size_t bytes = 100) {
    const RunInfo run = add_run();
    fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{items, bytes, 0, 0});
    return run;
  }

  // Checks that tab `tab` holds the header and, for every run in `runs` (in the order they
  // start in the tab), its generated items 0..n-1 in order, exactly once, typed, contiguous.
  ::testing::AssertionResult holds_runs(const std::string& tab, const std::vector<std::int64_t>& runs,
                                        std::size_t extra_rows = 0) {
    const auto values = google_.values(kSheet, tab);
    if (values.empty()) return ::testing::AssertionFailure() << "tab " << tab << " is empty";
    const std::vector<g::Value> want_header = {g::Value::string("i"), g::Value::string("url"), g::Value::string("title")};
    if (values[0] != want_header) return ::testing::AssertionFailure() << "header row differs";
    std::size_t r = 1, run = 0;
    std::int64_t next = 0, seen_extra = 0;
    for (; r < values.size(); ++r) {
      const auto& row = values[r];
      if (row.empty() || row[0].type != g::Value::Type::Number) {
        ++seen_extra;  // a person's row
        continue;
      }
      const auto i = static_cast<std::int64_t>(row[0].number);
      if (i == 0 && next != 0) {
        if (next != runs[run]) return ::testing::AssertionFailure() << "run " << run << " stopped at item " << next;
        ++run, next = 0;
      }
      if (run >= runs.size() || i != next)
        return ::testing::AssertionFailure() << "row " << r + 1 << " holds item " << i << ", expected " << next
                                             << " of run " << run;
      const std::string n = std::to_string(i);
      if (row.size() < 3 || row[1] != g::Value::string("https://example.com/p/" + n) ||
          row[2].type != g::Value::Type::String || row[2].text.rfind("Item " + n, 0) != 0)
        return ::testing::AssertionFailure() << "row " << r + 1 << " has wrong cells";
      ++next;
    }
    if (run + 1 != runs.size() || next != runs.back())
      return ::testing::AssertionFailure() << "ended in run " << run << " at item " << next;
    if (static_cast<std::size_t>(seen_extra) != extra_rows)
      return ::testing::AssertionFailure() << seen_extra << " rows that are not items, expected " << extra_rows;
    return ::testing::AssertionSuccess();
  }

  // A run whose items are {"i":n,"url":"https://example.com/p/n","title":"<tag> n","pad":...}
  // for n = from..to-1, each about `bytes` long (the host's batches hold at most 768 KiB).
  RunInfo keyed_run(std::int64_t from, std::int64_t to, const std::string& tag, std::size_t bytes = 120) {
    const RunInfo run = add_run();
    std::vector<std::string> items;
    for (std::int64_t i = from; i < to; ++i) {
      const std::string n = std::to_string(i);
      items.push_back("{\"i\":" + n + ",\"url\":\"https://example.com/p/" + n + "\",\"title\":\"" + tag + " " + n +
                      "\",\"pad\":\"" + std::string(bytes > 90 ? bytes - 90 : 0, 'x') + "\"}");
    }
    fake_.add_dataset(run.dataset_id, items);
    return run;
  }

  // A tab that a person filled with what keyed_run(from, to, tag) would have written (header
  // i, url, title, pad; no sinkhub markers), its grid exactly that size.
  void typed_rows(const std::string& tab, std::int64_t from, std::int64_t to, const std::string& tag) {
    google_.person_add_tab(kSheet, tab, static_cast<int>(to - from + 1), 4);
    const auto set = [&](int row, int col, g::Value v) {
      g::Cell c;
      c.value = std::move(v);
      google_.person_set(kSheet, tab, row, col, c);
    };
    const char* header[] = {"i", "url", "title", "pad"};
    for (int c = 0; c < 4; ++c) set(0, c, g::Value::string(header[c]));
    for (std::int64_t i = from; i < to; ++i) {
      const int row = static_cast<int>(i - from + 1);
      const std::string n = std::to_string(i);
      set(row, 0, g::Value::num(static_cast<double>(i)));
      set(row, 1, g::Value::string("https://example.com/p/" + n));
      set(row, 2, g::Value::string(tag + " " + n));
    }
  }

  // Tab `tab` holds keyed items 0..count-1 exactly once each, in that order, item i titled
  // title_of(i); rows that are not items (a person's) are skipped and counted.
  ::testing::AssertionResult holds_keys(const std::string& tab, std::int64_t count,
                                        const std::function<std::string(std::int64_t)>& title_of,
                                        std::size_t person_rows = 0) {
    const auto v = google_.values(kSheet, tab);
    std::int64_t next = 0;
    std::size_t others = 0;
    for (std::size_t r = 1; r < v.size(); ++r) {
      if (v[r].empty() || v[r][0].type != g::Value::Type::Number) {
        ++others;
        continue;
      }
      const auto i = static_cast<std::int64_t>(v[r][0].number);
      if (i != next) return ::testing::AssertionFailure() << "row " << r + 1 << " holds item " << i << ", expected " << next;
      const std::string n = std::to_string(i), want = title_of(i);
      if (v[r].size() < 3 || v[r][1] != g::Value::string("https://example.com/p/" + n) || v[r][2] != g::Value::string(want))
        return ::testing::AssertionFailure() << "row " << r + 1 << " (item " << i << ") is not \"" << want << "\"";
      ++next;
    }
    if (next != count) return ::testing::AssertionFailure() << "the tab ends at item " << next << ", expected " << count;
    if (others != person_rows) return ::testing::AssertionFailure() << others << " other rows, expected " << person_rows;
    return ::testing::AssertionSuccess();
  }

  std::size_t staging_tabs() {
    std::size_t n = 0;
    for (const auto& s : google_.sheets(kSheet)) n += s.title.rfind("_sinkhub_staging_", 0) == 0 ? 1 : 0;
    return n;
  }

  std::size_t metadata_with_key(const std::string& key) {
    std::size_t n = 0;
    for (const auto& m : google_.developer_metadata(kSheet))
      if (m.key == key) ++n;
    return n;
  }

  testkit::TempDir key_dir_;
  g::FakeGoogle google_;
  g::ServiceAccount sa_;
};

}  // namespace sinkhub::gst
