// Who may call the Sheets API: a missing, invalid or expired token, a token without a
// Sheets scope, a project with the API disabled, a spreadsheet not shared with the caller
// (or shared read-only), and an unknown spreadsheet each get Google's answer.
#include <gtest/gtest.h>

#include "fixture.hpp"

namespace sinkhub::fake::google::test {
namespace {

class Access : public FakeGoogleTest {
 protected:
  std::string path() const { return std::string("/v4/spreadsheets/") + kSheet; }
  static json::Obj error_of(const Reply& r) { return json::child(r.json(), "error"); }
  static std::string reason_of(const Reply& r) {
    const json::Arr details = json::list(error_of(r), "details");
    return details && details->size() > 0 ? json::str(json::as_object(details->get(0)), "reason") : "";
  }
};

TEST_F(Access, AGetWithoutCredentialsIsAnUnregisteredCaller) {
  const Reply r = client.request("GET", path());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::str(error_of(r), "status"), "PERMISSION_DENIED");
  EXPECT_EQ(json::str(error_of(r), "message"),
            "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or "
            "other form of API consumer identity to call this API.");
}

TEST_F(Access, APostWithoutCredentialsIsUnauthenticated) {
  const Reply r = client.request("POST", path() + ":batchUpdate", "{}");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::str(error_of(r), "status"), "UNAUTHENTICATED");
  EXPECT_EQ(reason_of(r), "CREDENTIALS_MISSING");
  EXPECT_EQ(json::str(error_of(r), "message").rfind("Request is missing required authentication credential.", 0), 0u);
}

TEST_F(Access, AnUnknownTokenIsUnauthenticated) {
  const Reply r = client.get("ya29.not-a-token", path());
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(json::str(error_of(r), "message"),
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
            "valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.");
  EXPECT_EQ(google.requests().back().principal, "");
}

TEST_F(Access, TheTokenMayComeAsAQueryParameter) {
  EXPECT_EQ(client.request("GET", path() + "?access_token=" + token).status, 200);
}

TEST_F(Access, AReadOnlyScopeReadsButCannotWriteOrSearch) {
  const std::string ro = google.issue_token(sa.email, {"https://www.googleapis.com/auth/spreadsheets.readonly"});
  EXPECT_EQ(client.get(ro, path()).status, 200);
  EXPECT_EQ(client.values(ro, kSheet, "Sheet1!A1:B2").status, 200);
  const Reply w = client.batch_update(ro, kSheet, R"({"requests":[{"appendDimension":{"sheetId":0,"dimension":"ROWS","length":1}}]})");
  EXPECT_EQ(w.status, 403);
  EXPECT_EQ(json::str(error_of(w), "message"), "Request had insufficient authentication scopes.");
  EXPECT_EQ(reason_of(w), "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
  // developerMetadata.search is a POST and takes the write scopes only (discovery document).
  EXPECT_EQ(client.search(ro, kSheet, R"({"dataFilters":[{"developerMetadataLookup":{"metadataKey":"k"}}]})").status, 403);
  const std::string other = google.issue_token(sa.email, {"https://www.googleapis.com/auth/cloud-platform"});
  EXPECT_EQ(client.get(other, path()).status, 403);
  const std::string drive = google.issue_token(sa.email, {"https://www.googleapis.com/auth/drive"});
  EXPECT_EQ(client.batch_update(drive, kSheet, R"({"requests":[{"appendDimension":{"sheetId":0,"dimension":"ROWS","length":1}}]})").status, 200);
}

TEST_F(Access, ADisabledApiNamesTheProjectAndTheActivationUrl) {
  google.set_sheets_api_enabled(sa.project_number, false);
  const Reply r = client.get(token, path());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::str(error_of(r), "message"),
            "Google Sheets API has not been used in project 123456789012 before or it is disabled. Enable it by "
            "visiting https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=123456789012 "
            "then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our "
            "systems and retry.");
  EXPECT_EQ(reason_of(r), "SERVICE_DISABLED");
  google.set_sheets_api_enabled(sa.project_number, true);
  EXPECT_EQ(client.get(token, path()).status, 200);
}

TEST_F(Access, ASpreadsheetNotSharedWithTheCallerIsPermissionDenied) {
  const ServiceAccount stranger = account("stranger");
  google.add_service_account(stranger);
  const std::string t = google.issue_token(stranger.email);
  for (const Reply& r : {client.get(t, path()), client.values(t, kSheet, "A1:B2"),
                         client.batch_update(t, kSheet, R"({"requests":[]})")}) {
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(json::str(error_of(r), "message"), "The caller does not have permission");
    EXPECT_EQ(json::str(error_of(r), "status"), "PERMISSION_DENIED");
  }
}

TEST_F(Access, AReaderReadsButCannotWrite) {
  google.share(kSheet, "viewer@example.com", false);
  const std::string t = google.issue_token("viewer@example.com");
  EXPECT_EQ(client.get(t, path()).status, 200);
  const Reply w = client.batch_update(t, kSheet, R"({"requests":[{"appendDimension":{"sheetId":0,"dimension":"ROWS","length":1}}]})");
  EXPECT_EQ(w.status, 403);
  EXPECT_EQ(google.sheet(kSheet, "Sheet1").row_count, 1000);
  google.unshare(kSheet, "viewer@example.com");
  EXPECT_EQ(client.get(t, path()).status, 403);
}

TEST_F(Access, AnUnknownSpreadsheetIsNotFound) {
  const Reply r = client.get(token, "/v4/spreadsheets/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::str(error_of(r), "message"), "Requested entity was not found.");
  EXPECT_EQ(json::str(error_of(r), "status"), "NOT_FOUND");
}

TEST_F(Access, AnUnknownPathIsGooglesHtml404) {
  const Reply r = client.get(token, "/v4/spreadsheets/x/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.header("Content-Type").find("text/html"), std::string::npos);
  EXPECT_EQ(client.get(token, "/v3/anything").status, 404);
  EXPECT_EQ(client.request("GET", path() + ":batchUpdate", "", {{"Authorization", "Bearer " + token}}).status, 404);
}

TEST_F(Access, RealMethodsTheFakeDoesNotServeAre501Unimplemented) {
  const Reply r = client.request("POST", path() + "/values/Sheet1!A1:append?valueInputOption=RAW", "{}",
                                 {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(json::str(error_of(r), "status"), "UNIMPLEMENTED");
  EXPECT_NE(r.message().find("spreadsheets.values.append"), std::string::npos) << r.body;
  EXPECT_EQ(client.request("PUT", path() + "/values/A1", "{}", {{"Authorization", "Bearer " + token}}).status, 501);
  EXPECT_EQ(client.request("POST", "/v4/spreadsheets", "{}", {{"Authorization", "Bearer " + token}}).status, 501);
}

TEST_F(Access, XGoogUserProjectChargesAKnownProjectAndRefusesAnUnknownOne) {
  const AuthorizedUser u = google.add_authorized_user("person@example.com", {kSheetsScope}, "555");
  google.share(kSheet, u.email);
  const std::string t = google.issue_token(u.email, {kSheetsScope}, "555");
  EXPECT_EQ(client.request("GET", path(), "", {{"Authorization", "Bearer " + t}, {"x-goog-user-project", "project-123456789012"}})
                .status,
            200);
  EXPECT_EQ(google.requests().back().project, "123456789012");
  const Reply r = client.request("GET", path(), "", {{"Authorization", "Bearer " + t}, {"x-goog-user-project", "ghost"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(reason_of(r), "USER_PROJECT_DENIED");
}

TEST_F(Access, TheLegacyErrorsArrayComesOnlyWithXgafv1) {
  const Reply plain = client.get(token, "/v4/spreadsheets/nope");
  EXPECT_FALSE(json::has(error_of(plain), "errors"));
  const Reply legacy = client.get(token, "/v4/spreadsheets/nope?$.xgafv=1");
  const json::Arr list = json::list(error_of(legacy), "errors");
  ASSERT_TRUE(list);
  EXPECT_EQ(json::str(json::as_object(list->get(0)), "reason"), "notFound");
  EXPECT_EQ(json::str(json::as_object(list->get(0)), "domain"), "global");
}

}  // namespace
}  // namespace sinkhub::fake::google::test
