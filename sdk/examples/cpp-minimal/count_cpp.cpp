// count_cpp: a minimal sinkhub sink in C++17 using the header-only wrapper.
// Counts the items of each delivery, logs the total on the last batch and
// rejects batches containing an item that is not a JSON object (to show
// REJECT). Options, declared once in an option table (sinkhub/options.hpp),
// which gives the parser, the JSON Schema the host checks and the docs:
//   min_items  RETRY the last batch when the delivery has fewer items (to show RETRY)
//   retry_in   how long to wait before that retry
#include <sinkhub/options.hpp>
#include <sinkhub/sink.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace {

struct CountOptions {
  std::uint64_t min_items = 0;
  std::chrono::milliseconds retry_in{};
};

namespace opt = sinkhub::options;

const opt::Table<CountOptions>& options() {
  static const opt::Table<CountOptions> table{
      opt::integer("min_items", &CountOptions::min_items).defaults(0).doc("RETRY when a delivery has fewer items"),
      opt::duration("retry_in", &CountOptions::retry_in)
          .defaults(std::chrono::minutes(1))
          .min(std::chrono::seconds(1))
          .doc("How long that RETRY asks the host to wait, e.g. 30s or 5m"),
  };
  return table;
}

class CountSink : public sinkhub::Sink {
 public:
  // The host has validated the options against the schema; parse() checks them again (a
  // host is not trusted to) and throws sinkhub::OptionsError naming the option: REJECT.
  explicit CountSink(const sinkhub::CreateArgs& args) : Sink(args), opts_(options().parse(args.options_json)) {
    metric_ = host().metric_define(SINKHUB_METRIC_COUNTER, "count_cpp_items_total",
                                   "Items seen by the count_cpp example sink");
  }

  sinkhub::Outcome deliver(const sinkhub::Context& ctx, const sinkhub::Batch& batch) override {
    if (ctx.event_only()) {
      host().info("event " + std::string(ctx.event_type()) + " (no items)");
      return sinkhub::Outcome::ok();
    }
    for (uint64_t i = 0; i < batch.size(); ++i)
      if (batch.item(i).empty() || batch.item(i).front() != '{')
        return sinkhub::Outcome::reject("item " + std::to_string(ctx.item_offset() + i) +
                                        " is not a JSON object");
    host().metric_record(metric_, static_cast<double>(batch.size()));
    const uint64_t total = ctx.item_offset() + batch.size();
    if (ctx.last_batch()) {
      if (total < opts_.min_items)
        return sinkhub::Outcome::retry("only " + std::to_string(total) + " items", opts_.retry_in.count(), 0);
      // actor_name() is empty on a 1.0 host or when unknown: fall back to the id.
      const std::string_view actor = ctx.actor_name().empty() ? ctx.actor_id() : ctx.actor_name();
      host().info("run " + std::string(ctx.run_id()) + " of " + std::string(actor) + ": " +
                  std::to_string(total) + " items");
    }
    return sinkhub::Outcome::ok();
  }

  static void describe(sinkhub_plugin_descriptor& d) noexcept {
    d.capabilities = SINKHUB_CAP_IDEMPOTENT;
    d.preferred_batch_items = 1000;
  }

 private:
  CountOptions opts_;
  int32_t metric_ = -1;
};

}  // namespace

SINKHUB_PLUGIN(CountSink, "example.count-cpp", "Item counter (C++ example)", "1.0.0",
               "Counts the items of each delivery and logs the total", options().schema(), 0)
