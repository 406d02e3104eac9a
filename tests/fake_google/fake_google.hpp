// A fake Google for the Google Sheets sink's tests and benchmark: one Poco HTTPServer on
// 127.0.0.1 serving
//   - the OAuth 2.0 token endpoint (token_uri): JWT-bearer grant for service accounts (RS256
//     signature and every claim verified) and the refresh-token grant for authorized_user;
//   - Sheets API v4: spreadsheets.get, spreadsheets.batchUpdate (atomic; the sub-requests a
//     careful client uses), values.get / values:batchGet, developerMetadata:search and
//     developerMetadata.get, with Google's limits, per-minute quotas and error bodies;
//   - /_fake/...: inspection and control for tests that run it as a process (main.cpp).
// Tests inspect the typed grid, the developer metadata and the request log, inject faults
// (including "applied, then 500" and "applied, then the connection dropped") and act as a
// person editing the sheet between requests. tests/fake_google/README.md lists the Google
// behaviours modelled, with sources, and what was assumed.
//
// Every method is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "batch_update.hpp"
#include "jws.hpp"
#include "model.hpp"
#include "oauth.hpp"
#include "quota.hpp"

namespace sinkhub::fake::google {

constexpr const char* kSheetsScope = "https://www.googleapis.com/auth/spreadsheets";

enum class Op {
  Token,           // POST token_uri
  GetSpreadsheet,  // GET /v4/spreadsheets/{id}
  BatchUpdate,     // POST /v4/spreadsheets/{id}:batchUpdate
  ValuesGet,       // GET /v4/spreadsheets/{id}/values/{range}
  ValuesBatchGet,  // GET /v4/spreadsheets/{id}/values:batchGet
  MetadataSearch,  // POST /v4/spreadsheets/{id}/developerMetadata:search
  MetadataGet,     // GET /v4/spreadsheets/{id}/developerMetadata/{metadataId}
  Other,           // anything else (answered 404)
  Any,             // in a Fault: every operation
};
const char* op_name(Op op);  // "spreadsheets.batchUpdate", "oauth2.token", ...
bool is_write(Op op);        // counts against the write quota
bool is_read(Op op);         // counts against the read quota

struct LoggedRequest {
  std::uint64_t seq = 0;
  std::chrono::steady_clock::time_point at;  // arrival
  std::string method, path, query;          // path and query as received (undecoded)
  Op op = Op::Other;
  std::string spreadsheet_id;
  std::string principal;  // the identity behind the token ("" when none or invalid)
  std::string project;    // the consumer project charged for it
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t body_bytes = 0;
  std::string body;       // kept up to Options::keep_body_bytes (older ones dropped past max_logged_body_bytes)
  int status = 0;         // what was answered; 0 = the connection was dropped without an answer
  bool applied = false;   // a batchUpdate that changed the spreadsheet
  std::string fault;      // the injected fault, "" when none
  std::string error;      // the error message answered, "" on success

  std::string header(const std::string& name) const;  // case-insensitive, "" when absent
};

// A fault injected into matching requests: the first `skip` matches pass, the next `times`
// (-1: all) are hit. Faults are tried in the order they were added.
struct Fault {
  enum class Kind {
    Respond,           // answer `status` without touching anything
    ApplyThenRespond,  // process the request (a batchUpdate IS applied), then answer `status`
    ApplyThenDrop,     // process it, then close the connection without an answer
    Drop,              // close the connection without processing or answering
    Delay,             // sleep `delay` before processing (or after, with delay_after_apply)
  };
  Kind kind = Kind::Respond;
  Op op = Op::Any;
  std::string path_contains;  // optional extra filter on the raw path
  std::string body_contains;  // optional extra filter on the (decoded) body, e.g. "copyPaste"
  int skip = 0;
  int times = 1;
  int status = 500;
  // Respond 401: "expired" also expires the presented token (the default for 401).
  // Respond 403: "not_shared" (default) | "api_disabled" | "insufficient_scopes".
  // Respond on Op::Token: "invalid_grant" (default for 400) | "unauthorized_client" ...
  std::string variant;
  std::chrono::milliseconds delay{0};
  bool delay_after_apply = false;

  static Fault respond(Op op, int status, int times = 1, std::string variant = {});
  static Fault apply_then(Op op, int status, int times = 1);
  static Fault apply_then_drop(Op op, int times = 1);
  static Fault drop(Op op, int times = 1);
  static Fault slow(Op op, std::chrono::milliseconds delay, bool after_apply, int times = 1);
  Fault& after(int n) {
    skip = n;
    return *this;
  }
  Fault& carrying(std::string text) {  // only requests whose body contains `text`
    body_contains = std::move(text);
    return *this;
  }
};

struct SpreadsheetSpec {
  std::string id;
  std::string title = "Untitled spreadsheet";
  std::vector<std::string> editors;  // emails that may write
  std::vector<std::string> readers;  // emails that may only read
  bool anyone_can_edit = false;      // "anyone with the link can edit"
  std::vector<std::string> tabs = {"Sheet1"};  // the first gets sheetId 0, later ones random ids
  int rows = 1000;
  int columns = 26;
};

struct SheetInfo {
  std::int32_t sheet_id = 0;
  std::string title;
  int index = 0;
  bool hidden = false;
  int row_count = 0;
  int column_count = 0;
};

class FakeGoogle {
 public:
  struct Options {
    std::string api_prefix;      // path before /v4 ("" like sheets.googleapis.com)
    int token_lifetime_s = 3599; // expires_in of issued access tokens
    std::chrono::seconds clock_skew{300};
    Limits limits;
    QuotaLimits quota;
    std::size_t max_payload_bytes = 10485760;  // Google's observed hard stop
    std::size_t max_log = 200000;                  // request log entries kept (oldest dropped)
    std::size_t keep_body_bytes = 4u << 20;        // a request body larger than this is not kept
    std::size_t max_logged_body_bytes = 256u << 20;  // beyond this, the oldest entries lose their bodies
    unsigned seed = 0;  // ids (sheetId, metadataId); 0 = random
    int threads = 16;
  };

  FakeGoogle();
  explicit FakeGoogle(Options options);  // listening when constructed
  ~FakeGoogle();
  FakeGoogle(const FakeGoogle&) = delete;
  FakeGoogle& operator=(const FakeGoogle&) = delete;

  std::uint16_t port() const;
  std::string base_url() const;    // "http://127.0.0.1:PORT" + api_prefix: the sink's api_base_url
  std::string token_uri() const;   // "http://127.0.0.1:PORT/token"
  void stop();                     // also done by the destructor; wakes delayed answers

  // ---- identities --------------------------------------------------------------------
  ServiceAccount add_service_account(const std::string& email = "sinkhub-test@sinkhub-fake.iam.gserviceaccount.com",
                                     const std::string& project_id = "sinkhub-fake",
                                     const std::string& project_number = "123456789012");
  void add_service_account(const ServiceAccount& sa);  // e.g. read from a key file; adds a key to a known email
  void remove_service_account(const std::string& email);  // its assertions then fail "account not found"
  void grant_domain_wide_delegation(const std::string& sa_email, const std::vector<std::string>& scopes);
  // An OAuth client plus a user's refresh token, as `gcloud auth application-default login` makes.
  AuthorizedUser add_authorized_user(const std::string& email, const std::vector<std::string>& scopes = {kSheetsScope},
                                     const std::string& project_number = "987654321098");
  void revoke_refresh_token(const std::string& refresh_token);
  // Writes the identity's credentials JSON (0600) with token_uri pointing at this fake: the
  // file a sink's credentials_file / GOOGLE_APPLICATION_CREDENTIALS names in a test.
  void write_credentials(const std::string& path, const ServiceAccount& sa) const;
  void write_credentials(const std::string& path, const AuthorizedUser& user) const;
  // A token for a known identity without going through the token endpoint.
  std::string issue_token(const std::string& email, const std::vector<std::string>& scopes = {kSheetsScope},
                          const std::string& project_number = "123456789012");
  void expire_tokens();                  // every access token issued so far stops working
  void set_token_lifetime(int seconds);  // for tokens issued from now on
  void set_clock_offset(std::chrono::seconds offset);  // the fake's clock vs the host's (JWT iat/exp)
  void set_sheets_api_enabled(const std::string& project_number, bool enabled);

  // ---- spreadsheets ------------------------------------------------------------------
  void add_spreadsheet(const SpreadsheetSpec& spec);
  void share(const std::string& spreadsheet_id, const std::string& email, bool can_edit = true);
  void unshare(const std::string& spreadsheet_id, const std::string& email);

  // ---- inspection ----------------------------------------------------------------------
  // The typed values of a tab, rows trimmed to the last one holding a value and each row to
  // its last value (missing cells are Value{} / empty).
  std::vector<std::vector<Value>> values(const std::string& spreadsheet_id, const std::string& tab) const;
  Value value(const std::string& spreadsheet_id, const std::string& tab, int row, int col) const;
  Cell cell(const std::string& spreadsheet_id, const std::string& tab, int row, int col) const;
  std::vector<SheetInfo> sheets(const std::string& spreadsheet_id) const;
  SheetInfo sheet(const std::string& spreadsheet_id, const std::string& tab) const;  // throws when absent
  std::vector<Metadata> developer_metadata(const std::string& spreadsheet_id) const;
  std::int64_t cell_count(const std::string& spreadsheet_id) const;
  Spreadsheet snapshot(const std::string& spreadsheet_id) const;

  // ---- a person editing the spreadsheet in the UI (throws ModelError when refused) ------
  void person_insert_rows(const std::string& spreadsheet_id, const std::string& tab, int at, int count = 1);
  void person_delete_rows(const std::string& spreadsheet_id, const std::string& tab, int at, int count = 1);
  void person_insert_columns(const std::string& spreadsheet_id, const std::string& tab, int at, int count = 1);
  void person_delete_columns(const std::string& spreadsheet_id, const std::string& tab, int at, int count = 1);
  void person_type(const std::string& spreadsheet_id, const std::string& tab, int row, int col, const std::string& text);
  void person_set(const std::string& spreadsheet_id, const std::string& tab, int row, int col, const Cell& cell);
  void person_add_tab(const std::string& spreadsheet_id, const std::string& title, int rows = 1000, int columns = 26);
  void person_rename_tab(const std::string& spreadsheet_id, const std::string& tab, const std::string& title);
  void person_delete_tab(const std::string& spreadsheet_id, const std::string& tab);
  // Runs before every request is handled (token endpoint included), outside the fake's locks:
  // a test may edit the sheet "between requests" from here.
  void on_request(std::function<void(const LoggedRequest&)> hook);

  // ---- faults --------------------------------------------------------------------------
  int add_fault(const Fault& fault);  // returns an id
  int fault_hits(int id) const;
  void clear_faults();

  // ---- quota ---------------------------------------------------------------------------
  void set_quota(const QuotaLimits& limits);  // also forgets the requests counted so far

  // ---- request log ---------------------------------------------------------------------
  std::vector<LoggedRequest> requests() const;
  std::vector<LoggedRequest> requests(Op op) const;
  std::size_t count(Op op) const;
  void clear_requests();
  // The largest number of `op` requests (Op::Any: every read or write) that arrived within any
  // `window`-long span, e.g. "no 60-second window held more than 60 writes".
  std::size_t max_in_window(Op op, std::chrono::milliseconds window) const;
  static std::size_t max_in_window(const std::vector<LoggedRequest>& log, Op op, std::chrono::milliseconds window);

  struct State;

 private:
  void person_resize(const std::string& spreadsheet_id, const std::string& tab, Dimension d, int at, int count, bool insert);

  std::shared_ptr<State> state_;
};

}  // namespace sinkhub::fake::google
