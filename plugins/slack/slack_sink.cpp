// The Slack sink: posts one message per delivery to a Slack incoming webhook: a run summary
// with a preview of the first items for ACTOR.RUN.SUCCEEDED (and other run events), an
// alert for ACTOR.RUN.FAILED / ABORTED / TIMED_OUT, a short note for TEST dispatches.
// Options, limits and delivery semantics: plugins/slack/README.md. Files: slack_options (the
// option table), slack_payload (the message JSON), slack_client (the POST and Slack's
// answers), message_template, text, rate_limiter, posted_log, and this file (orchestration
// and the entry macro).
//
// Design:
//   - Needs only the first items and the count: create() sets the instance's max_items to
//     what the preview and the templates read (at least 1), so the host fetches one small
//     page and reports the total through dataset_item_count (+ SINKHUB_CTX_COUNT_SETTLING).
//   - The message is posted on the LAST call only; items of earlier calls (rare: only when
//     the host splits the first items into several batches) ride along in the checkpoint.
//   - Effect-once: after Slack's "ok" the call stages the checkpoint {"posted":...} (persisted
//     with the call's result whatever the code) and appends the delivery to data_dir's
//     posted.log; a call that finds either does not post again.
#include <sinkhub/sink.hpp>

#include <string>
#include <vector>

#include "posted_log.hpp"
#include "slack_client.hpp"
#include "slack_options.hpp"
#include "slack_payload.hpp"

namespace {

using sinkhub::Outcome;
using slack::State;

class SlackSink : public sinkhub::Sink {
 public:
  explicit SlackSink(const sinkhub::CreateArgs& a)
      : Sink(a), data_dir_(a.data_dir), settings_(slack::parse_settings(a.options_json)), payload_(settings_),
        client_(host(), settings_.url) {
    // Only the first items are needed: one small page, whose total the host reports.
    a.limits->max_items = settings_.items_needed;
    a.limits->max_batch_items = settings_.items_needed;
    a.limits->preferred_batch_items = settings_.items_needed;
    // Posts are serialised per URL by the rate limiter (one a second): one call posting and one
    // queued next is all the webhook can take. More would only park workers in the limiter's
    // queue, seconds each, while other sinks' deliveries wait for a worker (soak run 6: seven
    // of eight workers sat in Slack's queue and the file and S3 backlogs grew).
    a.limits->max_concurrency = 2;
  }

  // Reads the 1.1 fields only through Context's checked accessors, so it also runs on a 1.0
  // host (actor id instead of the name, no settling note).
  static void describe(sinkhub_plugin_descriptor& d) noexcept { d.min_host_abi_minor = 0; }

  Outcome open(int64_t) override {
    posted_.open(data_dir_);
    return Outcome::ok();
  }

  Outcome deliver(const sinkhub::Context& ctx, const sinkhub::Batch& batch) override {
    const State st = State::decode(ctx.checkpoint());
    if (st.posted) return ok_note("already posted to Slack (checkpoint); not posted again");
    const std::string key =
        std::string(ctx.delivery_id()) + ":" + std::string(ctx.run_id()) + ":" + std::string(ctx.event_type());
    // Also a `sinkhub replay` of a finished delivery: its checkpoint is gone, posted.log stays.
    if (posted_.contains(key)) return ok_note("already posted to Slack for this delivery (posted.log); not posted again");

    std::vector<std::string> items = st.items;
    for (uint64_t i = 0; i < batch.size() && items.size() < settings_.items_needed; ++i) items.emplace_back(batch.item(i));
    if (!ctx.last_batch()) {  // post once, on the last call: keep these items until then
      if (ctx.save_checkpoint(State::pending(items)) != SINKHUB_E_OK) return Outcome::retry("cannot stage the checkpoint");
      return Outcome::ok();
    }
    auto outcome = client_.post(ctx, payload_.build(ctx, items, ctx.item_offset() + batch.size()));
    if (outcome.code != SINKHUB_OK) return outcome;
    // Acknowledged: from here on nothing may post this delivery again, whatever this call
    // ends with (the checkpoint is persisted with the result, whatever the code).
    const int64_t at = host().now_unix_ms();
    ctx.save_checkpoint(State::posted_now(at));
    if (!posted_.add(key, at)) host().warn("cannot append to posted.log in the data directory");
    outcome.message = "posted to Slack";
    return outcome;
  }

 private:
  static Outcome ok_note(std::string note) {
    Outcome o;
    o.message = std::move(note);
    return o;
  }

  std::string data_dir_;
  slack::Settings settings_;
  slack::Payload payload_;
  slack::Client client_;
  slack::PostedLog posted_;
};

}  // namespace

SINKHUB_PLUGIN(SlackSink, "slack", "Slack sink", "1.0.0",
               "Posts a run summary with an item preview, or a failure alert, to a Slack incoming webhook",
               slack::options_table().schema(), SINKHUB_CAP_ACTOR_NAME)
