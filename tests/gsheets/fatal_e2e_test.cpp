// What cannot get better by retrying is FATAL (the instance is suspended, the delivery stays
// queued), and the message says what to do: which spreadsheet to share with which identity,
// which API to enable; nothing secret is ever in it.
#include "gsheets_fixture.hpp"

namespace sinkhub::gst {
namespace {

class GsheetsFatalTest : public GsheetsTest {
 protected:
  std::string fatal_error_of(const RunInfo& run) {
    EXPECT_TRUE(reaches(run.run_id, "sheet", "retrying", seconds(30)));
    EXPECT_TRUE(wait_until([&] { return !deliveries(run.run_id)["sheet"]["last_error"].empty(); }, seconds(10)));
    const std::string e = deliveries(run.run_id)["sheet"]["last_error"];
    EXPECT_EQ(e.find("PRIVATE KEY"), std::string::npos) << e;
    EXPECT_EQ(e.find(sa_.private_key_id), std::string::npos) << e;
    return e;
  }
  std::string run_once() {
    start(conf());
    const RunInfo run = generated_run(10);
    post(run);
    return fatal_error_of(run);
  }
};

TEST_F(GsheetsFatalTest, ASheetNotSharedNamesTheSpreadsheetAndTheIdentityToShareItWith) {
  google_.unshare(kSheet, sa_.email);
  const std::string e = run_once();
  EXPECT_NE(e.find(kSheet), std::string::npos) << e;
  EXPECT_NE(e.find("share it (as Editor) with " + sa_.email), std::string::npos) << e;
  EXPECT_EQ(google_.count(g::Op::BatchUpdate), 0u);
}

TEST_F(GsheetsFatalTest, AWrongSpreadsheetIdIsNotFound) {
  google_.add_fault(g::Fault::respond(g::Op::GetSpreadsheet, 404, -1));
  const std::string e = run_once();
  EXPECT_NE(e.find(std::string(kSheet) + " was not found"), std::string::npos) << e;
  EXPECT_NE(e.find(sa_.email), std::string::npos) << e;
}

TEST_F(GsheetsFatalTest, ADisabledApiSaysToEnableIt) {
  google_.set_sheets_api_enabled(sa_.project_number, false);
  const std::string e = run_once();
  EXPECT_NE(e.find("Google Sheets API is disabled"), std::string::npos) << e;
}

TEST_F(GsheetsFatalTest, ADeletedServiceAccountIsInvalidGrant) {
  google_.remove_service_account(sa_.email);
  const std::string e = run_once();
  EXPECT_NE(e.find("invalid_grant"), std::string::npos) << e;
  EXPECT_NE(e.find(sa_.email), std::string::npos) << e;
  EXPECT_NE(e.find(kSheet), std::string::npos) << e;
}

TEST_F(GsheetsFatalTest, ImpersonationWithoutDelegationIsUnauthorizedClient) {
  start(conf("Leads", "    impersonate: \"ann@example.com\"\n"));
  const RunInfo run = generated_run(10);
  post(run);
  const std::string e = fatal_error_of(run);
  EXPECT_NE(e.find("unauthorized_client"), std::string::npos) << e;
  EXPECT_NE(e.find("domain-wide delegation"), std::string::npos) << e;
}

TEST_F(GsheetsFatalTest, TheCellCapIsCheckedBeforeWritingAndReportedWithTheNumbers) {
  google_.person_add_tab(kSheet, "Big", 99700, 100);  // with Sheet1's 26,000: 4,000 cells left
  start(conf("Sheet1"));
  const RunInfo run = generated_run(2000);
  post(run);
  const std::string e = fatal_error_of(run);
  EXPECT_NE(e.find("over Google's limit of 10,000,000 cells"), std::string::npos) << e;
  EXPECT_EQ(google_.count(g::Op::BatchUpdate), 0u) << "nothing was sent";
}

TEST_F(GsheetsFatalTest, AnAuthorizedUserSendsItsQuotaProject) {
  const g::AuthorizedUser user = google_.add_authorized_user("ann@example.com");
  google_.share(kSheet, user.email);
  google_.write_credentials(key_dir_.file("key.json"), user);
  start(conf());
  const RunInfo run = generated_run(100);
  post(run);
  ASSERT_TRUE(reaches(run.run_id, "sheet", "done"));
  EXPECT_TRUE(holds_runs("Leads", {100}));
  for (const auto& r : google_.requests(g::Op::BatchUpdate)) EXPECT_EQ(r.principal, user.email);
}

}  // namespace
}  // namespace sinkhub::gst
