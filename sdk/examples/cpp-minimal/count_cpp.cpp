// count_cpp: a minimal sinkhub sink in C++17 using the header-only wrapper.
// Counts the items of each delivery, logs the total on the last batch and
// rejects batches containing an item that is not a JSON object (to show
// REJECT). Option: {"min_items": <integer>=0}: RETRY the last batch when the
// delivery has fewer items (to show RETRY).
#include <sinkhub/sink.hpp>

#include <cstdlib>
#include <string>

namespace {

class CountSink : public sinkhub::Sink {
 public:
  explicit CountSink(const sinkhub::CreateArgs& args) : Sink(args) {
    // The host has validated the options against kSchema. A real plugin would
    // use a JSON parser; this example only looks for one integer.
    const std::string_view opts = args.options_json;
    const auto key = opts.find("\"min_items\"");
    if (key != std::string_view::npos) {
      const auto colon = opts.find(':', key);
      if (colon == std::string_view::npos) throw sinkhub::OptionsError("option 'min_items': bad JSON");
      min_items_ = std::strtoull(std::string(opts.substr(colon + 1)).c_str(), nullptr, 10);
    }
    metric_ = host().metric_define(SINKHUB_METRIC_COUNTER, "count_cpp_items",
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
      if (total < min_items_)
        return sinkhub::Outcome::retry("only " + std::to_string(total) + " items", 60000, 0);
      host().info("run " + std::string(ctx.run_id()) + ": " + std::to_string(total) + " items");
    }
    return sinkhub::Outcome::ok();
  }

  static void describe(sinkhub_plugin_descriptor& d) noexcept {
    d.capabilities = SINKHUB_CAP_IDEMPOTENT;
    d.preferred_batch_items = 1000;
  }

 private:
  uint64_t min_items_ = 0;
  int32_t metric_ = -1;
};

constexpr const char* kSchema = R"({
  "type": "object",
  "properties": {
    "min_items": {"type": "integer", "minimum": 0, "default": 0,
                  "description": "RETRY when a delivery has fewer items"}
  },
  "additionalProperties": false
})";

}  // namespace

SINKHUB_PLUGIN(CountSink, "example.count-cpp", "Item counter (C++ example)", "1.0.0",
               "Counts the items of each delivery and logs the total", kSchema, 0)
