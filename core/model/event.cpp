#include "model/event.hpp"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>

#include <algorithm>
#include <utility>

namespace sinkhub::model {

namespace {

// The terminal run events and the run status each one reports.
const std::pair<const char*, const char*> kTerminal[] = {{"ACTOR.RUN.SUCCEEDED", "SUCCEEDED"},
                                                         {"ACTOR.RUN.FAILED", "FAILED"},
                                                         {"ACTOR.RUN.ABORTED", "ABORTED"},
                                                         {"ACTOR.RUN.TIMED_OUT", "TIMED-OUT"}};

}  // namespace

const std::vector<std::string>& known_event_types() {
  static const std::vector<std::string> types = {
      "ACTOR.RUN.CREATED",   "ACTOR.RUN.SUCCEEDED",   "ACTOR.RUN.FAILED",      "ACTOR.RUN.ABORTED",
      "ACTOR.RUN.TIMED_OUT", "ACTOR.RUN.RESURRECTED", "ACTOR.BUILD.CREATED",   "ACTOR.BUILD.SUCCEEDED",
      "ACTOR.BUILD.FAILED",  "ACTOR.BUILD.ABORTED",   "ACTOR.BUILD.TIMED_OUT", "TEST"};
  return types;
}

bool is_known_event_type(std::string_view type) {
  const auto& t = known_event_types();
  return std::find(t.begin(), t.end(), type) != t.end();
}

bool is_run_event(std::string_view type) { return type.rfind("ACTOR.RUN.", 0) == 0; }

bool carries_dataset(std::string_view type) { return type == "ACTOR.RUN.SUCCEEDED"; }

std::string run_event_for_status(std::string_view status) {
  for (const auto& [type, st] : kTerminal)
    if (status == st) return type;
  return {};
}

std::string Event::dedup_key(const std::string& fallback) const {
  if (run_id.empty()) return "|" + event_type + "|" + fallback + "|" + finished_at;
  return run_id + "|" + event_type + "|" + finished_at;
}

std::string Event::implied_run_status() const {
  for (const auto& [type, st] : kTerminal)
    if (event_type == type) return st;
  return {};
}

std::int64_t Event::finished_at_unix_ms(std::int64_t fallback) const {
  // Poco's parser skips what does not match (it reads "yesterday" as year 0): insist on the
  // "YYYY-MM-DDT" an ISO 8601 time starts with.
  const auto digits = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i)
      if (i >= finished_at.size() || finished_at[i] < '0' || finished_at[i] > '9') return false;
    return true;
  };
  const bool iso = digits(0, 4) && finished_at[4] == '-' && digits(5, 2) && finished_at[7] == '-' && digits(8, 2) &&
                   finished_at.size() > 10 && finished_at[10] == 'T';
  int tz = 0;
  Poco::DateTime dt;
  if (iso && Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, finished_at, dt, tz))
    return dt.timestamp().epochMicroseconds() / 1000 - static_cast<std::int64_t>(tz) * 1000;
  return fallback;
}

}  // namespace sinkhub::model
