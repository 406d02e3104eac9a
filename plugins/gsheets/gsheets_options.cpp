#include "gsheets_options.hpp"

#include <algorithm>
#include <stdexcept>

#include "key_template.hpp"

namespace sinkhub_gsheets {

namespace opt = sinkhub::options;
using sinkhub::OptionsError;

namespace {

void bad(const std::string& what) { throw std::invalid_argument(what); }

// Google's ids are base64url-ish: letters, digits, '-' and '_' (44 characters today).
void check_spreadsheet_id(const std::string& id) {
  if (id.size() < 10 || id.size() > 128) bad("must be 10 to 128 characters (the id in the sheet's URL)");
  for (const char c : id)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      bad("only letters, digits, '-' and '_' (the part of the URL between /d/ and /edit)");
}

void check_title(const std::string& t) {
  sinkhub_kit::check_template(t);
  for (const char c : t)
    if (c == '\'' || c == '[' || c == ']' || c == '*' || c == '?' || c == ':')
      bad("Sheets refuses the characters ' [ ] * ? : in a tab title");
}

void check_column(const std::string& c) {
  if (c.empty()) bad("a column path must not be empty");
  for (const char ch : c)
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) bad("control characters are not allowed");
  if (c.front() == '.' || c.back() == '.' || c.find("..") != std::string::npos)
    bad("a dotted path must not have an empty segment");
}

// scheme://host[:port] (http only for a loopback test server), no path, query or credentials.
void check_base_url(const std::string& u) {
  for (const char c : u)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) bad("spaces and control characters are not allowed");
  const bool https = u.rfind("https://", 0) == 0;
  const bool http = u.rfind("http://", 0) == 0;
  if (!https && !http) bad("must start with https://");
  const std::string rest = u.substr(https ? 8 : 7);
  if (rest.empty() || rest.find('@') != std::string::npos) bad("must name a host and no credentials");
  const auto slash = rest.find('/');
  if (slash != std::string::npos && slash + 1 != rest.size()) bad("must be scheme://host[:port] without a path");
  if (rest.find('?') != std::string::npos || rest.find('#') != std::string::npos) bad("must not have a query");
  if (http && rest.rfind("127.0.0.1", 0) != 0 && rest.rfind("localhost", 0) != 0 && rest.rfind("[::1]", 0) != 0)
    bad("http:// is only allowed for a loopback test server (127.0.0.1, ::1, localhost)");
}

void check_email(const std::string& e) {
  if (e.empty()) return;
  if (e.size() > 254 || e.find('@') == std::string::npos || e.front() == '@' || e.back() == '@')
    bad("must be an e-mail address (the Workspace user to act as)");
  for (const char c : e)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"') bad("spaces and control characters are not allowed");
}

// `key` belongs to upsert, which cannot do without it.
void check_key(const Config& c) {
  if (c.mode != Mode::Upsert) {
    if (!c.key.empty()) throw OptionsError("option 'key' is only used with mode: upsert (mode is not upsert here)");
    return;
  }
  if (c.key.empty()) throw OptionsError("option 'key' is required with mode: upsert (the column that identifies a row)");
  if (c.key == kProvenanceColumn)
    throw OptionsError("option 'key': '_sinkhub' is the provenance column, which differs for every item");
  if (!c.columns.empty() && std::find(c.columns.begin(), c.columns.end(), c.key) == c.columns.end())
    throw OptionsError("option 'key': '" + c.key + "' must be one of 'columns'");
}

}  // namespace

const opt::Table<Options>& options_table() {
  using O = Options;
  static const opt::Table<O> table{
      opt::text("credentials_file", &O::credentials_file).not_empty().max_length(4096)
          .doc("A service-account key file or an `authorized_user` JSON (gcloud ADC format). Omitted: Application "
               "Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, then gcloud's ADC file)."),
      opt::text("spreadsheet_id", &O::spreadsheet_id).required().check(check_spreadsheet_id)
          .doc("The id in the sheet's URL (`https://docs.google.com/spreadsheets/d/<id>/edit`)."),
      opt::text("sheet", &O::sheet).defaults("Sheet1").max_length(100).check(check_title)
          .doc("Tab title, created when missing. Placeholders as in the file sink (`{actorId}`, `{runId}`, "
               "`{date}`, ...) give one tab per run."),
      opt::text("mode", &O::mode).one_of({"append", "replace", "upsert"}).defaults("append")
          .doc("`append`: each item becomes one row below the rows already there, exactly once. `replace`: the tab "
               "mirrors the latest successful run, swapped in at once from a hidden staging tab. `upsert`: rows "
               "whose `key` cell matches are updated in place, the others appended."),
      opt::text("key", &O::key).not_empty().max_length(200).check(check_column)
          .doc("`upsert` only (and required there): the column, by its header name, whose value identifies a row "
               "(with `columns`, one of them)."),
      opt::text_list("columns", &O::columns).not_empty().max_entries(1000).max_length(200).check(
          [](const std::vector<std::string>& cols) {
            for (const auto& c : cols) check_column(c);
            for (std::size_t i = 0; i < cols.size(); ++i)
              for (std::size_t j = i + 1; j < cols.size(); ++j)
                if (cols[i] == cols[j]) bad("column '" + cols[i] + "' is listed twice");
          })
          .doc("Fixed columns as dotted paths (`meta.scrapedAt`). Omitted: the header grows with new fields, each "
               "appended at the end, never re-sorted."),
      opt::text("nested", &O::nested).one_of({"json", "flatten"}).defaults("json")
          .doc("`json`: an object or array is compact JSON text in one cell. `flatten`: `a/b/0` columns "
               "(Apify's CSV convention), at most 2000 columns."),
      opt::flag("header_row", &O::header_row).defaults(true)
          .doc("Write the column names in row 1 (when the tab is empty) and extend it with new columns."),
      opt::flag("provenance_column", &O::provenance_column).defaults(false)
          .doc("Add a `_sinkhub` column holding `runId:itemIndex`."),
      opt::text("impersonate", &O::impersonate).defaults("").max_length(254).check(check_email)
          .doc("Domain-wide delegation: the Workspace user a service account acts as (the JWT `sub`)."),
      opt::text("api_base_url", &O::api_base_url).defaults("https://sheets.googleapis.com").max_length(512)
          .check(check_base_url)
          .doc("The Sheets API endpoint (tests point it at a fake). The token endpoint is the credentials' "
               "`token_uri`."),
  };
  return table;
}

Config parse_config(std::string_view options_json) {
  const Options o = options_table().parse(options_json);
  Config c;
  c.credentials_file = o.credentials_file.value_or("");
  c.spreadsheet_id = o.spreadsheet_id;
  c.sheet_template = o.sheet;
  c.mode = o.mode == "replace" ? Mode::Replace : o.mode == "upsert" ? Mode::Upsert : Mode::Append;
  c.key = o.key.value_or("");
  c.columns = o.columns.value_or(std::vector<std::string>{});
  c.nested = o.nested == "flatten" ? Nested::Flatten : Nested::Json;
  c.header_row = o.header_row;
  c.provenance_column = o.provenance_column;
  c.impersonate = o.impersonate;
  c.api_base_url = o.api_base_url;
  while (!c.api_base_url.empty() && c.api_base_url.back() == '/') c.api_base_url.pop_back();
  if (!c.header_row && c.columns.empty())
    throw OptionsError("option 'header_row': false needs 'columns' (without a header row the columns cannot grow)");
  if (c.provenance_column)
    for (const auto& col : c.columns)
      if (col == kProvenanceColumn) throw OptionsError("option 'columns': '_sinkhub' is the provenance column's name");
  check_key(c);
  return c;
}

}  // namespace sinkhub_gsheets
