// Path / object-key templates shared by the file and s3 sinks (one placeholder set, one set of
// rules). Header-only and SDK-only, like everything a plugin uses.
//   Placeholders: {eventType} {runId} {actorId} {taskId} {datasetId} {date}
//   ({date} = UTC YYYY-MM-DD of the event time, stable across retries).
//   Substituted values are untrusted: every byte outside [A-Za-z0-9._-] becomes '_', leading
//   dots become '_', an empty value becomes '_', values are cut at 128 bytes. So a value can
//   never be a separator, "." or "..".
//   check_template(): empty, absolute ('/...'), control characters, '\', unknown placeholders,
//   and empty / "." / ".." / dot-leading segments are rejected (at create time, as an option
//   table's check: the table names the option).
#pragma once

#include <sinkhub/sink.hpp>

#include <cstdio>
#include <stdexcept>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace sinkhub_kit {

inline const char* const kPlaceholders[] = {"eventType", "runId", "actorId", "taskId", "datasetId", "date"};

inline std::string sanitize(std::string_view v) {
  std::string o;
  const size_t n = v.size() < 128 ? v.size() : 128;
  o.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const char c = v[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    o += ok ? c : '_';
  }
  for (char& c : o) {
    if (c != '.') break;
    c = '_';
  }
  if (o.empty()) o = "_";
  return o;
}

inline std::vector<std::string> split(const std::string& p) {
  std::vector<std::string> segs;
  size_t start = 0;
  for (;;) {
    const size_t slash = p.find('/', start);
    segs.push_back(p.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) return segs;
    start = slash + 1;
  }
}

// Throws std::invalid_argument saying what is wrong when the template is unusable.
inline void check_template(const std::string& t) {
  const auto bad = [](const std::string& what) { throw std::invalid_argument(what); };
  if (t.empty()) bad("must not be empty");
  if (t.front() == '/') bad("must be relative (no leading '/')");
  for (const char c : t)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '\\') bad("control characters and '\\' are not allowed");
  for (size_t i = t.find('{'); i != std::string::npos; i = t.find('{', i + 1)) {
    const size_t close = t.find('}', i);
    if (close == std::string::npos) bad("unterminated '{'");
    const std::string name = t.substr(i + 1, close - i - 1);
    bool known = false;
    for (const char* p : kPlaceholders) known = known || name == p;
    if (!known)
      bad("unknown placeholder {" + name + "} (known: {eventType} {runId} {actorId} {taskId} {datasetId} {date})");
  }
  for (const std::string& seg : split(t)) {
    if (seg.empty() || seg == "." || seg == "..") bad("empty, '.' and '..' segments are not allowed");
    if (seg.front() == '.') bad("segments must not start with '.'");
  }
}

inline std::string utc_date(int64_t unix_ms) {
  const std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

// Expands a template checked by check(). `fallback_ms` dates events without an event time.
inline std::string expand(const std::string& t, const sinkhub::Context& ctx, int64_t fallback_ms) {
  std::string out;
  for (size_t i = 0; i < t.size();) {
    if (t[i] != '{') {
      out += t[i++];
      continue;
    }
    const size_t close = t.find('}', i);
    const std::string name = t.substr(i + 1, close - i - 1);
    i = close + 1;
    std::string_view v;
    std::string date;
    if (name == "eventType") v = ctx.event_type();
    else if (name == "runId") v = ctx.run_id();
    else if (name == "actorId") v = ctx.actor_id();
    else if (name == "taskId") v = ctx.task_id();
    else if (name == "datasetId") v = ctx.dataset_id();
    else if (name == "date") {
      date = utc_date(ctx.event_time_unix_ms() > 0 ? ctx.event_time_unix_ms() : fallback_ms);
      v = date;
    }
    out += sanitize(v);
  }
  // Defence in depth: the expansion must still be a clean relative path.
  for (const std::string& seg : split(out))
    if (seg.empty() || seg == "." || seg == ".." || seg.front() == '.' || seg.size() > 255)
      throw sinkhub::RejectError("refusing unsafe path '" + out + "'");
  return out;
}

}  // namespace sinkhub_kit
