// The destination's status (sink.h dest_status) of every attempt: recorded in the attempt
// history, shown by `sinkhub events show` (text and JSON), and counted in /metrics under a
// bounded label (HTTP-like codes; anything else is "other").
#include "delivery_fixture.hpp"

namespace sinkhub::dt {
namespace {

// attempts_history of `sink`'s delivery in `events show --json` output: outcome -> dest_status, in order.
std::vector<std::pair<std::string, int>> history_of(const std::string& json, const std::string& sink) {
  std::vector<std::pair<std::string, int>> out;
  const auto events = parse_json(json).extract<Poco::JSON::Array::Ptr>();
  for (std::size_t e = 0; e < events->size(); ++e) {
    const auto dels = events->getObject(static_cast<unsigned>(e))->getArray("deliveries");
    for (std::size_t d = 0; d < dels->size(); ++d) {
      const auto del = dels->getObject(static_cast<unsigned>(d));
      if (del->getValue<std::string>("sink") != sink) continue;
      const auto hist = del->getArray("attempts_history");
      for (std::size_t a = 0; a < hist->size(); ++a) {
        const auto at = hist->getObject(static_cast<unsigned>(a));
        out.emplace_back(at->getValue<std::string>("outcome"), at->getValue<int>("dest_status"));
      }
    }
  }
  return out;
}

TEST_F(DeliveryTest, EveryAttemptRecordsTheDestinationsStatusForTheCliAndMetrics) {
  Conf s;
  s.test_sink("api", {{"mode", "retry_n"}, {"n", "1"}, {"fail_status", "503"}, {"dest_status", "201"}})
      .test_sink("odd", {{"mode", "reject"}, {"fail_status", "70000"}})
      .test_sink("quiet")
      .route("ACTOR.RUN.SUCCEEDED", "api, odd, quiet");
  start(s);
  const RunInfo run = add_run();
  fake_.add_generated_dataset(run.dataset_id, GeneratedSpec{5, 100, 0, 0});
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "api", "done"));
  ASSERT_TRUE(reaches(run.run_id, "odd", "dead"));
  ASSERT_TRUE(reaches(run.run_id, "quiet", "done"));

  const auto json = cli({"events", "show", run.run_id, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(history_of(json.out, "api"), (std::vector<std::pair<std::string, int>>{{"retry", 503}, {"ok", 201}}))
      << json.out;
  EXPECT_EQ(history_of(json.out, "odd"), (std::vector<std::pair<std::string, int>>{{"reject", 70000}}))
      << "the history keeps what the plugin said";
  EXPECT_EQ(history_of(json.out, "quiet"), (std::vector<std::pair<std::string, int>>{{"ok", 0}})) << "0: none";

  const auto text = cli({"events", "show", run.run_id});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("retry  0 items  dest 503  "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("ok  5 items  dest 201"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("reject  0 items  dest 70000  "), std::string::npos) << text.out;

  const auto m = daemon().get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("# TYPE sinkhub_delivery_dest_status_total counter"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("sinkhub_delivery_dest_status_total{sink=\"api\",status=\"503\"} 1\n"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("sinkhub_delivery_dest_status_total{sink=\"api\",status=\"201\"} 1\n"), std::string::npos)
      << m.body;
  // A status outside 100-599 is counted, under one label: a plugin cannot mint series.
  EXPECT_NE(m.body.find("sinkhub_delivery_dest_status_total{sink=\"odd\",status=\"other\"} 1\n"), std::string::npos)
      << m.body;
  EXPECT_EQ(m.body.find("status=\"70000\""), std::string::npos) << m.body;
  EXPECT_EQ(m.body.find("sinkhub_delivery_dest_status_total{sink=\"quiet\""), std::string::npos)
      << "no status, no count";
}

}  // namespace
}  // namespace sinkhub::dt
