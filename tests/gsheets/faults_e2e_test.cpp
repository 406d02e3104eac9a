// Every fault Google can throw at a batch, through the real daemon: 100,000 items still land
// once each, in order, under the header. Ambiguous ones (applied, then 500 / dropped / too
// slow) are resolved by the batch's marker and never sent twice.
#include "gsheets_fixture.hpp"

namespace sinkhub::gst {
namespace {

struct FaultCase {
  const char* name;
  g::Fault fault;
  bool ambiguous;  // Google applied the batch although the sink saw a failure
};

std::vector<FaultCase> cases() {
  using F = g::Fault;
  using g::Op;
  return {
      {"ExpiredTokenOnce", F::respond(Op::BatchUpdate, 401).after(2), false},
      {"QuotaExceeded429", F::respond(Op::BatchUpdate, 429, 2).after(2), false},
      {"ServerError500", F::respond(Op::BatchUpdate, 500, 2).after(2), false},
      {"Unavailable503", F::respond(Op::BatchUpdate, 503, 2).after(3), false},
      {"AppliedThen500", F::apply_then(Op::BatchUpdate, 500, 2).after(2), true},
      {"AppliedThen503", F::apply_then(Op::BatchUpdate, 503, 1).after(5), true},
      {"AppliedThenConnectionDropped", F::apply_then_drop(Op::BatchUpdate, 2).after(3), true},
      {"ConnectionDroppedBeforeApplying", F::drop(Op::BatchUpdate, 2).after(2), false},
      {"SearchFails503", F::respond(Op::MetadataSearch, 503, 2).after(3), false},
      {"SpreadsheetGetFails500", F::respond(Op::GetSpreadsheet, 500, 2).after(1), false},
      {"TokenEndpointFails503", F::respond(Op::Token, 503, 1), false},
  };
}

class GsheetsFaultTest : public GsheetsTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(GsheetsFaultTest, HundredThousandItemsLandExactlyOnce) {
  const int id = google_.add_fault(GetParam().fault);
  start(conf());
  const RunInfo run = generated_run(100000);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(240)));
  EXPECT_GE(google_.fault_hits(id), 1) << "the fault was injected";
  EXPECT_TRUE(holds_runs("Leads", {100000}));
  EXPECT_EQ(metadata_with_key("sinkhub.batch"), 0u);
  if (GetParam().ambiguous) {
    EXPECT_NE(daemon().log().find("was applied by Google although its answer was lost"), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Faults, GsheetsFaultTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<FaultCase>& p) { return std::string(p.param.name); });

TEST_F(GsheetsTest, AnAnswerSlowerThanTheCallsDeadlineIsResolvedByTheMarker) {
  const int id = google_.add_fault(g::Fault::slow(g::Op::BatchUpdate, milliseconds(4000), true, 1).after(1));
  Conf c = conf();
  c.delivery["batch_timeout"] = "2500ms";
  start(c);
  const RunInfo run = generated_run(30000);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  EXPECT_EQ(google_.fault_hits(id), 1);
  EXPECT_TRUE(holds_runs("Leads", {30000}));
  EXPECT_NE(daemon().log().find("was applied by Google although its answer was lost"), std::string::npos);
}

TEST_F(GsheetsTest, AnExpiredTokenIsRefreshedAndTheRequestRetriedInTheSameCall) {
  int writes = 0;
  google_.on_request([&](const g::LoggedRequest& r) {
    if (r.op == g::Op::BatchUpdate && ++writes == 3) google_.expire_tokens();
  });
  start(conf());
  const RunInfo run = generated_run(30000);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(60)));
  EXPECT_TRUE(holds_runs("Leads", {30000}));
  EXPECT_EQ(google_.count(g::Op::Token), 2u) << "one refresh";
  std::size_t unauthorized = 0;
  for (const auto& r : google_.requests()) unauthorized += r.status == 401 ? 1 : 0;
  EXPECT_EQ(unauthorized, 1u);
  EXPECT_EQ(daemon().log().find("over Google"), std::string::npos);
  EXPECT_EQ(daemon().log().find(": RETRY"), std::string::npos) << "no delivery retry was needed";
}

}  // namespace
}  // namespace sinkhub::gst
