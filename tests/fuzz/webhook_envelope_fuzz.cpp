// Fuzzes the webhook envelope parser (Apify's default and compact payload templates). Beyond
// "no crash, no sanitizer report": a refusal's message is fit for a JSON error body and a log
// line (valid UTF-8, no control character), and an accepted event's fields are too (they reach
// file names, logs and sink requests), within their length bounds.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "util/text.hpp"
#include "webhook/envelope.hpp"

namespace {

void require(bool ok, const char* what, const std::string& value) {
  if (ok) return;
  std::fprintf(stderr, "property broken: %s: '%s'\n", what, sinkhub::util::printable(value).c_str());
  std::abort();
}

void require_clean(const std::string& s, const char* what) {
  require(sinkhub::util::valid_utf8(s) && !sinkhub::util::has_control_character(s), what, s);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(bytes), size);
  sinkhub::model::Event ev;
  sinkhub::webhook::EnvelopeError err;
  if (!sinkhub::webhook::parse_envelope(body, ev, err)) {
    require(!err.message.empty(), "a refusal has a message", body);
    require_clean(err.message, "error message printable");
    require_clean(err.field, "error field printable");
    return 0;
  }
  for (const std::string* f : {&ev.event_type, &ev.run_id, &ev.actor_id, &ev.task_id, &ev.dataset_id, &ev.status,
                               &ev.finished_at, &ev.created_at, &ev.user_id})
    require_clean(*f, "accepted field printable");
  require(!ev.event_type.empty(), "an accepted event has a type", body);
  require(ev.run_id.size() <= 128 && ev.dataset_id.size() <= 128, "ids within their bound", ev.run_id);
  return 0;
}
