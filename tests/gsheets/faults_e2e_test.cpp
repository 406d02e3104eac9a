// Every fault Google can throw at a batch, through the real daemon: every item still lands
// once, in order, under the header. Ambiguous ones (applied, then 500 / dropped / too slow)
// are resolved by the batch's marker and never sent twice. A delivery of 6,000 items of
// ~400 bytes is 7 batches (the host sends at most 384 KiB per call): enough to fail at the
// start, in the middle and near the end; append_test.cpp writes 100,000 items.
#include "gsheets_fixture.hpp"

namespace sinkhub::gst {
namespace {

struct FaultCase {
  const char* name;
  g::Fault fault;
  bool ambiguous;  // Google applied the batch although the sink saw a failure
};
void PrintTo(const FaultCase& c, std::ostream* os) { *os << c.name; }  // ctest names, not bytes


std::vector<FaultCase> cases() {
  using F = g::Fault;
  using g::Op;
  return {
      {"ExpiredTokenOnce", F::respond(Op::BatchUpdate, 401).after(2), false},
      {"QuotaExceeded429", F::respond(Op::BatchUpdate, 429, 2).after(2), false},
      {"ServerError500", F::respond(Op::BatchUpdate, 500, 2).after(2), false},
      {"Unavailable503", F::respond(Op::BatchUpdate, 503, 2).after(3), false},
      {"AppliedThen500", F::apply_then(Op::BatchUpdate, 500, 2).after(1), true},
      {"AppliedThen503", F::apply_then(Op::BatchUpdate, 503, 1).after(6), true},
      {"AppliedThenConnectionDropped", F::apply_then_drop(Op::BatchUpdate, 2).after(3), true},
      {"ConnectionDroppedBeforeApplying", F::drop(Op::BatchUpdate, 2).after(2), false},
      {"SearchFails503", F::respond(Op::MetadataSearch, 503, 2).after(3), false},
      {"SpreadsheetGetFails500", F::respond(Op::GetSpreadsheet, 500, 2).after(1), false},
      {"TokenEndpointFails503", F::respond(Op::Token, 503, 1), false},
  };
}

class GsheetsFaultTest : public GsheetsTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(GsheetsFaultTest, EveryItemLandsExactlyOnce) {
  const int id = google_.add_fault(GetParam().fault);
  start(conf());
  const RunInfo run = generated_run(6000, 400);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  EXPECT_GE(google_.fault_hits(id), 1) << "the fault was injected";
  EXPECT_GE(google_.count(g::Op::BatchUpdate), 7u);
  EXPECT_TRUE(holds_runs("Leads", {6000}));
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
  const RunInfo run = generated_run(6000, 400);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(120)));
  EXPECT_EQ(google_.fault_hits(id), 1);
  EXPECT_TRUE(holds_runs("Leads", {6000}));
  EXPECT_NE(daemon().log().find("was applied by Google although its answer was lost"), std::string::npos);
}

TEST_F(GsheetsTest, AnExpiredTokenIsRefreshedAndTheRequestRetriedInTheSameCall) {
  int writes = 0;
  google_.on_request([&](const g::LoggedRequest& r) {
    if (r.op == g::Op::BatchUpdate && ++writes == 3) google_.expire_tokens();
  });
  start(conf());
  const RunInfo run = generated_run(6000, 400);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done", seconds(60)));
  EXPECT_TRUE(holds_runs("Leads", {6000}));
  EXPECT_EQ(google_.count(g::Op::Token), 2u) << "one refresh";
  std::size_t unauthorized = 0;
  for (const auto& r : google_.requests()) unauthorized += r.status == 401 ? 1 : 0;
  EXPECT_EQ(unauthorized, 1u);
  EXPECT_EQ(daemon().log().find("over Google"), std::string::npos);
  EXPECT_EQ(daemon().log().find(": RETRY"), std::string::npos) << "no delivery retry was needed";
}

}  // namespace
}  // namespace sinkhub::gst
