// Streaming a dataset's items page by page (jsonl): the offset advances by the items each
// page scanned, and reading ends at a page that scanned none. See Client::stream_items.
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cstring>

#include "apify/client.hpp"
#include "apify/client_internal.hpp"

namespace sinkhub::apify {

namespace {

using detail::make_error;

bool blank_line(const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  return true;
}

std::int64_t count_items(std::string_view body) {
  std::int64_t n = 0;
  std::size_t start = 0;
  while (start < body.size()) {
    const void* nl = std::memchr(body.data() + start, '\n', body.size() - start);
    const std::size_t end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - body.data()) : body.size();
    if (!blank_line(body.data() + start, end - start)) ++n;
    start = end + 1;
  }
  return n;
}

bool parses_as_json(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    parser.parse(text);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// fields/omit as the API takes them: comma-separated, each percent-encoded.
std::string name_list(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& f : names) {
    if (f.empty()) continue;
    if (!s.empty()) s += ',';
    s += Client::encode_component(f, false);
  }
  return s;
}

std::string query_params(const ItemsQuery& query) {
  std::string extra;
  if (query.clean) extra += "&clean=1";
  if (const std::string f = name_list(query.fields); !f.empty()) extra += "&fields=" + f;
  if (const std::string o = name_list(query.omit); !o.empty()) extra += "&omit=" + o;
  return extra;
}

}  // namespace

StreamResult Client::stream_items(const std::string& dataset_id, std::int64_t start_offset, const ItemsQuery& query,
                                  const PageFn& on_page, const CancelFn& cancelled) {
  StreamResult r;
  r.next_offset = start_offset;
  if (dataset_id.empty() || start_offset < 0 || !on_page) {
    r.error = make_error(0, "invalid-argument", "dataset id, offset or page callback missing", false);
    return r;
  }
  const std::string fixed = "/v2/datasets/" + encode_component(dataset_id, true) + "/items?format=jsonl";
  const std::string extra = query_params(query);
  const std::int64_t end = query.max_items >= 0 ? start_offset + query.max_items : -1;
  const auto validate = [](Response& resp, Error& e) {
    std::string& body = resp.body;
    if (body.empty() || body.back() == '\n') return true;
    // No final newline: fine if the last line is a whole JSON value; a connection cut at a
    // chunk boundary (no Content-Length to check) leaves half a line instead.
    const std::size_t nl = body.rfind('\n');
    const std::string last = body.substr(nl == std::string::npos ? 0 : nl + 1);
    if (!blank_line(last.data(), last.size()) && !parses_as_json(last)) {
      e = make_error(resp.status, "invalid-response", "page body truncated: the last line is incomplete JSON", true);
      return false;
    }
    body += '\n';
    return true;
  };

  Response resp;
  std::int64_t offset = start_offset;
  while (true) {
    std::int64_t limit = cfg_.page_size;
    if (end >= 0) {
      if (end - offset <= 0) break;
      limit = std::min<std::int64_t>(limit, end - offset);
    }
    const std::string target = fixed + "&offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit) + extra;
    Error e = request({"GET", target, {}}, resp, cancelled, options_.max_page_bytes, validate);
    if (!e.type.empty()) {
      r.error = std::move(e);
      return r;
    }
    Page page;
    page.body = resp.body;
    page.offset = offset;
    page.returned = count_items(resp.body);
    page.scanned = std::max<std::int64_t>(resp.count, page.returned);
    page.total = resp.total;
    if (page.scanned == 0) break;  // the end of the dataset (as far as it is written now)
    offset += page.scanned;
    r.next_offset = offset;
    r.pages += 1;
    r.items += page.returned;
    r.scanned += page.scanned;
    if (!on_page(page)) {
      r.stopped = true;
      break;
    }
    if (cancelled && cancelled()) {
      r.error = make_error(0, "cancelled", "cancelled between pages", true);
      return r;
    }
  }
  r.ok = true;
  return r;
}

}  // namespace sinkhub::apify
