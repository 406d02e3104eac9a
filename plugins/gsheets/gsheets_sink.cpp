// The gsheets sink: each dataset item becomes one typed row of a Google Sheets tab, exactly
// once, whatever fails (gsheets_writer.hpp has the protocol, google-sheets.md §5 the why).
//
// Per call: the event says whether to write at all (a FAILED / ABORTED / TIMED_OUT run
// writes nothing and is done), the checkpoint says where the delivery stands (gsheets_state),
// the tab lock keeps other deliveries off the tab, the mode (gsheets_modes.hpp) writes (or
// finds already written) a prefix of the batch, and the checkpoint is staged with the items
// accepted (a request is sized by bytes, so a large batch may be accepted in parts:
// SINKHUB_CAP_PARTIAL).
//
// Files: gsheets_options (the option table), google_credentials (key files, ADC, RS256 JWT),
// gsheets_client (tokens, pacing, Sheets calls, answers), quota_pacer, tab_lock, timing,
// cells (typed values, columns), gsheets_payload (request bodies), gsheets_state
// (checkpoint, intent), gsheets_writer (the protocol), gsheets_append / gsheets_replace /
// gsheets_upsert (the modes) and this file.
#include <sinkhub/sink.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>

#include "file_io.hpp"
#include "google_credentials.hpp"
#include "gsheets_client.hpp"
#include "gsheets_modes.hpp"
#include "gsheets_options.hpp"
#include "gsheets_state.hpp"
#include "key_template.hpp"
#include "spool.hpp"
#include "tab_lock.hpp"
#include "timing.hpp"

namespace {

using sinkhub::Outcome;
using namespace sinkhub_gsheets;

// The writer lease, never scaled for tests: a lease that lapses while a slow machine runs a
// delivery would let another delivery in (interleaved rows; in replace mode, its staging tab
// taken for abandoned).
constexpr std::int64_t kLeaseMs = 10 * 60 * 1000;

bool failed_run(std::string_view event_type) {
  return event_type == "ACTOR.RUN.FAILED" || event_type == "ACTOR.RUN.ABORTED" ||
         event_type == "ACTOR.RUN.TIMED_OUT";
}

class GsheetsSink : public sinkhub::Sink {
 public:
  explicit GsheetsSink(const sinkhub::CreateArgs& a) : Sink(a), cfg_(parse_config(a.options_json)), data_dir_(a.data_dir) {
    if (a.limits) {
      a.limits->preferred_batch_bytes = 384 * 1024;
      a.limits->max_batch_bytes = 768 * 1024;
      a.limits->max_batch_items = 5000;
    }
    if (!a.check_only()) {
      metrics_.rows = host().metric_define(SINKHUB_METRIC_COUNTER, "gsheets_rows_appended_total", "Rows appended to Google Sheets");
      metrics_.requests = host().metric_define(SINKHUB_METRIC_COUNTER, "gsheets_batch_updates_total",
                                               "spreadsheets.batchUpdate requests that wrote rows");
      metrics_.truncated = host().metric_define(SINKHUB_METRIC_COUNTER, "gsheets_cells_truncated_total",
                                                "Cells cut at Google's 50,000-character limit");
      metrics_.resolved = host().metric_define(SINKHUB_METRIC_COUNTER, "gsheets_ambiguous_writes_resolved_total",
                                               "Writes whose answer was lost and that Google had applied");
      metrics_.updated = host().metric_define(SINKHUB_METRIC_COUNTER, "gsheets_rows_updated_total",
                                              "Rows rewritten in place (mode upsert)");
      metrics_.replaced = host().metric_define(SINKHUB_METRIC_COUNTER, "gsheets_tabs_replaced_total",
                                               "Tabs swapped to a run's rows (mode replace)");
    }
  }

  Outcome open(int64_t) override {
    if (data_dir_.empty()) return Outcome::fatal("the host gave this instance no data_dir for its intent files");
    intent_dir_ = data_dir_ + "/intents";
    if (const int rc = sinkhub_kit::make_dirs(intent_dir_, 0700, true))
      return Outcome::fatal(sinkhub_kit::errno_text("cannot create", intent_dir_, rc));
    try {
      creds_ = load_credentials(cfg_.credentials_file, [](const char* n) { return std::getenv(n); });
    } catch (const std::runtime_error& e) {
      return Outcome::fatal(std::string(e.what()) + " (spreadsheet " + cfg_.spreadsheet_id + ")");
    }
    host().info("gsheets sink: spreadsheet " + cfg_.spreadsheet_id + " as " + creds_->identity + " (credentials from " +
                creds_->source + ")");
    return Outcome::ok();
  }

  Outcome deliver(const sinkhub::Context& ctx, const sinkhub::Batch& batch) override {
    if (ctx.event_only() || failed_run(ctx.event_type())) return Outcome::ok();  // no rows for a failed run
    State st;
    if (auto refused = begin(ctx, st)) return *refused;
    if (st.done) return Outcome::ok();
    if (st.skip > 0 && cfg_.mode != Mode::Replace) return skip(ctx, batch, st);  // replace may still swap
    const std::string& tab = cfg_.mode == Mode::Replace ? st.target : st.tab;  // the tab people see
    const std::string lock_key = cfg_.spreadsheet_id + "\x1f" + lower(tab);
    const std::string owner = instance_name() + "\x1f" + std::string(ctx.delivery_id());
    Client client(host(), cfg_, *creds_, ctx.call(), ctx.deadline_monotonic_ms(), ctx.attempt());
    if (!hold_tab(lock_key, owner, ctx))  // our own other delivery, not a failure: no attempt spent (ABI 1.3)
      return Outcome::busy("tab '" + tab + "' is being written by another delivery; waiting for it", scaled_ms(5000));
    struct CallEnd {  // whatever this call returns, contenders stop waiting for it
      const std::string &key, &owner;
      ~CallEnd() { TabLock::shared().pause(key, owner); }
    } call_end{lock_key, owner};
    Writer writer(host(), cfg_, client, ctx, st, intent_path(ctx.delivery_id()), metrics_);
    std::uint64_t accepted = 0;
    try {
      accepted = cfg_.mode == Mode::Replace  ? replace_call(writer, batch)
                 : cfg_.mode == Mode::Upsert ? upsert_call(writer, batch, keys_)
                                             : append_call(writer, batch);
    } catch (Failure& f) {
      if (f.outcome.code == SINKHUB_REJECT || f.outcome.code == SINKHUB_FATAL) TabLock::shared().release(lock_key, owner);
      if (f.ambiguous) host().warn(f.outcome.message + ": the outcome is unclear; the next attempt looks for the batch's marker");
      f.outcome.items_accepted = 0;
      return f.outcome;
    }
    if (ctx.last_batch() && accepted == batch.size()) {
      TabLock::shared().release(lock_key, owner);
      ::unlink(intent_path(ctx.delivery_id()).c_str());
      keys_.drop(std::string(ctx.delivery_id()));
    }
    if (const int rc = ctx.save_checkpoint(st.encode()); rc != SINKHUB_E_OK)
      return Outcome::fatal("checkpoint rejected by the host (" + std::to_string(rc) + ")");
    return accepted == batch.size() ? Outcome::ok() : Outcome::ok_partial(accepted);
  }

  static void describe(sinkhub_plugin_descriptor& d) noexcept {
    // Needs nothing newer than 1.2: on a 1.2 host a busy tab is a plain RETRY, which counts.
    d.min_host_abi_minor = 2;
    d.max_concurrency = 2;  // deliveries to different tabs go on; one writer per tab (tab_lock)
    d.preferred_batch_bytes = 384 * 1024;
    d.max_batch_bytes = 768 * 1024;
    d.max_batch_items = 5000;
  }

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  std::string intent_path(std::string_view delivery_id) const {
    return intent_dir_ + "/" + sinkhub_kit::sanitize(delivery_id) + ".intent";
  }

  // The state before this call: a fresh one (the tab title expanded) or the checkpoint's.
  std::optional<Outcome> begin(const sinkhub::Context& ctx, State& st) const {
    if (sinkhub_kit::starts_fresh(ctx)) {
      std::string title = sinkhub_kit::expand(cfg_.sheet_template, ctx, host().now_unix_ms());
      if (title.size() > 100) {  // Sheets' limit, cut on a UTF-8 boundary
        std::size_t n = 100;
        while (n > 0 && (static_cast<unsigned char>(title[n]) & 0xC0) == 0x80) --n;
        title.resize(n);
      }
      if (cfg_.mode == Mode::Replace) {
        st.target = title;
        st.tab = staging_title(ctx.delivery_id(), ctx.run_id());
      } else {
        st.tab = title;
      }
      return std::nullopt;
    }
    std::string why = "no checkpoint";
    const auto decoded = ctx.checkpoint().empty() ? std::nullopt : State::decode(ctx.checkpoint(), why);
    if (!decoded) return Outcome::reject("cannot resume at item " + std::to_string(ctx.item_offset()) + ": " + why);
    st = *decoded;
    return std::nullopt;
  }

  // Items that a committed batch already wrote beyond the call that found it.
  Outcome skip(const sinkhub::Context& ctx, const sinkhub::Batch& batch, State& st) const {
    const std::uint64_t n = std::min<std::uint64_t>(st.skip, batch.size());
    st.skip -= n;
    if (const int rc = ctx.save_checkpoint(st.encode()); rc != SINKHUB_E_OK)
      return Outcome::fatal("checkpoint rejected by the host (" + std::to_string(rc) + ")");
    return n == batch.size() ? Outcome::ok() : Outcome::ok_partial(n);
  }

  bool hold_tab(const std::string& key, const std::string& owner, const sinkhub::Context& ctx) const {
    const std::int64_t left = ctx.deadline_monotonic_ms() > 0 ? ctx.deadline_monotonic_ms() - host().monotonic_ms() : 30000;
    const std::int64_t latest = steady_ms() + std::max<std::int64_t>(0, left / 2);
    return TabLock::shared().acquire(key, owner, kLeaseMs, latest, &steady_ms);
  }

  Config cfg_;
  std::string data_dir_, intent_dir_;
  std::optional<Credentials> creds_;
  Metrics metrics_;
  KeyIndexCache keys_;
};

}  // namespace

SINKHUB_PLUGIN(GsheetsSink, "gsheets", "Google Sheets sink", "1.0.0",
               "Writes each dataset item as one typed row of a Google Sheets tab, exactly once (append, replace "
               "or upsert)",
               sinkhub_gsheets::options_table().schema(), SINKHUB_CAP_PARTIAL | SINKHUB_CAP_IDEMPOTENT)
