// The file sink: writes each delivery atomically to one file below `dir`.
// Options: file_options.cpp (and plugins/file/README.md). The protocol: file_client.hpp.
//
// Delivery:
//   - Event-only calls (no dataset) write nothing and return OK.
//   - The first batch starts a temp file next to the final file; every batch is formatted
//     (sink kit batch_format: jsonl, json array, gzip members), appended, synced, and the
//     checkpoint {final path, temp path, bytes, items} is staged with the host.
//   - A retry resumes from the checkpoint: the temp file is cut to the checkpointed length,
//     so bytes written after the last committed batch are discarded.
//   - The last batch renames the temp file onto the final path (atomic replace: a
//     redelivery overwrites) and syncs the directory.
//   - A crash at any point leaves no partial file at the final path (only a hidden temp file,
//     cut back and reused by the next attempt of the same delivery).
#include <sinkhub/sink.hpp>

#include "batch_format.hpp"
#include "file_client.hpp"
#include "file_options.hpp"
#include "key_template.hpp"
#include "spool.hpp"

namespace {

using sinkhub::Outcome;
using sinkhub_file::State;

class FileSink : public sinkhub::Sink {
 public:
  // No filesystem access here: create() also runs for `sinkhub check-config`.
  explicit FileSink(const sinkhub::CreateArgs& args)
      : Sink(args), opts_(sinkhub_file::parse_options(args.options_json)) {}

  Outcome open(int64_t) override { return sinkhub_file::create_root(opts_.dir); }

  Outcome deliver(const sinkhub::Context& ctx, const sinkhub::Batch& batch) override {
    if (ctx.event_only()) return Outcome::ok();  // nothing to write
    State st;
    if (auto refused = state_for(ctx, st)) return *refused;
    sinkhub_kit::Spool temp(st.tmp_path, "temp file");
    if (auto failed = sinkhub_file::open_temp(ctx, st, temp)) return *failed;

    std::string buf;
    std::string_view bytes;
    const sinkhub_kit::BatchFormat format{opts_.json_array(), opts_.gzip};
    if (auto failed = sinkhub_kit::format_batch(batch, format, {st.items, st.bytes}, ctx.last_batch(), buf, bytes))
      return *failed;
    if (auto failed = temp.append(bytes)) return *failed;
    if (auto failed = temp.close()) return *failed;
    st.bytes = temp.length();
    st.items += batch.size();
    if (const int rc = ctx.save_checkpoint(st.encode()); rc != SINKHUB_E_OK)
      return Outcome::fatal("checkpoint rejected by the host (" + std::to_string(rc) + ")");

    if (ctx.last_batch()) {
      if (auto failed = sinkhub_file::publish(st)) return *failed;
      if (host().log_enabled(SINKHUB_LOG_DEBUG))
        host().debug("wrote " + std::to_string(st.items) + " items to " + st.final_path);
    }
    return Outcome::ok();
  }

  static void describe(sinkhub_plugin_descriptor& d) noexcept {
    d.max_concurrency = 4;  // deliveries write distinct temp files; options are immutable
    d.preferred_batch_bytes = 4u << 20;
    d.max_batch_bytes = 64u << 20;
  }

 private:
  // The delivery's state before this call: new paths on a fresh start, else the checkpoint.
  std::optional<Outcome> state_for(const sinkhub::Context& ctx, State& st) const {
    if (sinkhub_kit::starts_fresh(ctx)) {
      st.final_path = opts_.dir + "/" + sinkhub_kit::expand(opts_.path, ctx, host().now_unix_ms());
      st.tmp_path = sinkhub_file::tmp_path_for(st.final_path, ctx.delivery_id());
      return std::nullopt;
    }
    std::string why;
    auto decoded = State::decode(ctx.checkpoint(), why);
    if (decoded) st = *decoded;
    return sinkhub_kit::resume_mismatch(ctx, decoded ? std::optional<uint64_t>(st.items) : std::nullopt,
                                        ctx.checkpoint().empty() ? "no valid checkpoint" : why);
  }

  sinkhub_file::Options opts_;
};

}  // namespace

SINKHUB_PLUGIN(FileSink, "file", "File sink", "1.0.0",
               "Writes each delivery atomically to a file (JSONL or JSON array, optional gzip)",
               sinkhub_file::options_table().schema(), SINKHUB_CAP_IDEMPOTENT)
