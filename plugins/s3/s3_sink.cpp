// The s3 sink: one object per delivery (a run's dataset), uploaded to S3 or an S3-compatible
// store (Cloudflare R2, MinIO, ...), every request signed with SigV4.
//
// Data path. Each batch is formatted (jsonl verbatim, or one JSON array across batches),
// optionally gzipped (one gzip member per batch), and appended to a spool file of the delivery
// in the instance's data_dir (fdatasync'ed). Whenever the spool holds part_size bytes that are
// not uploaded yet, they go up as the next multipart part, streamed from the file (memory
// stays at one batch plus fixed buffers, whatever part_size is). The last batch uploads the
// rest: a single PutObject when no part was needed, else a last part and
// CompleteMultipartUpload. The spool is then replaced by a small ".done" marker (the final
// state), so a retry after a lost commit of the last call answers OK without uploading again.
//
// Why a spool rather than "one batch = one part" (min_batch_bytes): with gzip a batch of
// part_size bytes compresses to less than S3's 5 MiB minimum part, and a spool also lets an
// upload S3 no longer knows (NoSuchUpload, e.g. aborted by a lifecycle rule) be restarted
// from local bytes instead of failing the delivery. Disk use: up to the object's size.
//
// Checkpoint (persisted by the host with items_accepted; s3_upload.hpp): key, upload id, spool
// length, items, the number, byte range and ETag of every uploaded part, the id of the spool
// directory (and host) holding the spool, and the rebuild point. A retry or a restart after
// kill -9 cuts the spool back to the checkpointed length (dropping bytes of unaccepted items),
// keeps the parts already uploaded and continues the same upload.
//
// Takeover by another host (several daemons on one PostgreSQL ledger): the checkpoint names a
// spool this host does not have (or the local spool is gone). Parts already uploaded stay:
// the sink asks the host (ABI 1.2, resume_from_item) to resume at the rebuild point, the last
// batch boundary before the end of the uploaded parts, starts a spool of its own there (sparse
// below it), and once the spool reaches the uploaded end checks with the recorded SHA-256 that
// it made the very bytes already uploaded before it uploads more. Without a rebuild point, or
// when the bytes differ (other gzip batching, changed data), it aborts the upload and starts
// over from item 0. Either way the object ends byte-exact, with no manual step.
//
// Files: s3_options (the option table, addressing), s3_credentials, s3_client (signed requests
// and the classification of S3's answers), sigv4, s3_upload (the multipart protocol), and
// this file (orchestration + the entry macro). The bytes come from the sink kit's batch_format.
//
// Key: the `key` template with the file sink's placeholders, so a redelivery of the same run
// overwrites the same object (effect-once).
#include <sinkhub/sink.hpp>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "batch_format.hpp"
#include "file_io.hpp"
#include "key_template.hpp"
#include "s3_client.hpp"
#include "s3_options.hpp"
#include "s3_upload.hpp"
#include "spool.hpp"

namespace {

using sinkhub::Outcome;
using namespace sinkhub_s3;

class S3Sink : public sinkhub::Sink {
 public:
  explicit S3Sink(const sinkhub::CreateArgs& a)
      : Sink(a), cfg_(parse_config(a.options_json, [](const char* n) { return std::getenv(n); })),
        data_dir_(a.data_dir), client_(host(), cfg_) {
    // Batches only need to be small; the spool makes the parts.
    if (a.limits) {
      a.limits->preferred_batch_bytes = 4 * kMiB;
      a.limits->max_batch_bytes = 16 * kMiB;
    }
    if (!a.check_only()) {
      metrics_.parts = host().metric_define(SINKHUB_METRIC_COUNTER, "s3_parts_uploaded_total", "Multipart parts uploaded");
      metrics_.bytes = host().metric_define(SINKHUB_METRIC_COUNTER, "s3_bytes_uploaded_total", "Bytes uploaded to S3");
      metrics_.objects = host().metric_define(SINKHUB_METRIC_COUNTER, "s3_objects_written_total", "Objects completed");
    }
  }

  Outcome open(int64_t) override {
    if (data_dir_.empty()) return Outcome::fatal("the host gave this instance no data_dir for its spool files");
    spool_dir_ = data_dir_ + "/spool";
    // The host created data_dir before open(); the spool directory below it is ours.
    if (const int rc = sinkhub_kit::make_dirs(spool_dir_, 0700, false))
      return Outcome::fatal(sinkhub_kit::errno_text("cannot create", spool_dir_, rc));
    if (auto failed = load_spool_id()) return *failed;
    remove_stale_spools();
    host().info("s3 sink: bucket " + cfg_.bucket + " at " + cfg_.scheme + "://" + cfg_.host + ", credentials from " +
                cfg_.creds_source);
    return Outcome::ok();
  }

  Outcome deliver(const sinkhub::Context& ctx, const sinkhub::Batch& batch) override {
    if (ctx.event_only()) return Outcome::ok();  // no dataset: no object
    State st;
    sinkhub_kit::Spool spool(spool_path(ctx.delivery_id()), "spool file");
    if (auto answer = begin(ctx, batch, st, spool)) return *answer;
    const State committed = st;

    std::string buf;
    std::string_view bytes;
    const sinkhub_kit::BatchFormat format{cfg_.json_array, cfg_.gzip};
    if (auto failed = sinkhub_kit::format_batch(batch, format, {st.items, st.bytes}, ctx.last_batch(), buf, bytes))
      return *failed;
    if (auto failed = spool.append(bytes)) return *failed;
    st.bytes = spool.length();
    st.items += batch.size();
    try {
      Upload up(client_, cfg_, host(), metrics_, ctx, spool.fd(), st);
      up.check_rebuilt(ctx.last_batch());
      if (ctx.last_batch()) finish(ctx, up, st, spool.path());
      else up.upload_full_parts(&committed);
    } catch (Failure& f) {
      return failed(ctx, committed, st, spool, std::move(f.outcome));
    } catch (const Lost& l) {
      return start_over(ctx, st, spool.path(), l.why);
    } catch (const std::runtime_error& e) {  // reading the spool back failed (disk trouble)
      return failed(ctx, committed, st, spool, Outcome::retry(e.what()));
    }
    if (const int rc = ctx.save_checkpoint(st.encode()); rc != SINKHUB_E_OK)
      return Outcome::fatal("checkpoint rejected by the host (" + std::to_string(rc) + ")");
    return Outcome::ok();
  }

  static void describe(sinkhub_plugin_descriptor& d) noexcept {
    d.max_concurrency = 2;  // deliveries use distinct spool files and objects
    d.preferred_batch_bytes = 4 * kMiB;
    d.max_batch_bytes = 16 * kMiB;
  }

 private:
  std::string spool_path(std::string_view delivery_id) const {
    return spool_dir_ + "/" + sinkhub_kit::sanitize(delivery_id) + ".spool";
  }
  std::string done_path(std::string_view delivery_id) const {
    return spool_dir_ + "/" + sinkhub_kit::sanitize(delivery_id) + ".done";
  }

  // The delivery's state before this call and its spool, opened: a new spool on a fresh
  // start, else the checkpoint's, cut back to its length; a spool this host does not have is
  // rebuilt. An answer ends the call early.
  std::optional<Outcome> begin(const sinkhub::Context& ctx, const sinkhub::Batch& batch, State& st,
                               sinkhub_kit::Spool& spool) const {
    if (sinkhub_kit::starts_fresh(ctx)) {
      st.key = sinkhub_kit::expand(cfg_.key_template, ctx, host().now_unix_ms());
      if (st.key.size() > 1024) return Outcome::reject("object key longer than 1024 bytes: " + st.key.substr(0, 64) + "...");
      ::unlink(done_path(ctx.delivery_id()).c_str());  // of an earlier run of this delivery
      st.spool = spool_id_;
      st.host = host_name_;
      return spool.create(0600);
    }
    std::string why = "no valid checkpoint";
    const auto decoded = ctx.checkpoint().empty() ? std::nullopt : State::decode(ctx.checkpoint(), why);
    if (decoded) st = *decoded;
    if (auto refused = sinkhub_kit::resume_mismatch(ctx, decoded ? std::optional<uint64_t>(st.items) : std::nullopt, why))
      return refused;
    std::string lost = "the spool of this delivery is on " + (st.host.empty() ? std::string("another host") : "host " + st.host) +
                       " (spool " + st.spool + "), not here";
    if (st.spool.empty() || st.spool == spool_id_) {  // ours ("" = written before spools had ids)
      Outcome failure;
      switch (spool.resume(st.bytes, failure)) {
        case sinkhub_kit::Spool::Resume::Ok: return std::nullopt;
        case sinkhub_kit::Spool::Resume::Failed:
          if (failure.code != SINKHUB_REJECT) return failure;  // shorter than its checkpoint: rebuilt below
          lost = failure.message;
          break;
        case sinkhub_kit::Spool::Resume::Missing: lost = "the spool file " + spool.path() + " is gone"; break;
      }
    }
    if (already_done(ctx, batch, st)) return Outcome::ok();
    return rebuild(ctx, st, spool, lost);
  }

  // This host cannot go on from the checkpoint: the spool is elsewhere or lost. With a rebuild
  // point the parts uploaded stay and the host resumes at that item with a spool started here;
  // without one the upload starts over from item 0 (ABI 1.2 rewind, either way).
  Outcome rebuild(const sinkhub::Context& ctx, const State& st, sinkhub_kit::Spool& spool, const std::string& lost) const {
    if (!st.marked || st.parts.empty() || st.upload_id.empty()) return start_over(ctx, st, spool.path(), lost);
    State from = st;
    from.spool = spool_id_;
    from.host = host_name_;
    from.base = from.bytes = st.mark_bytes;
    from.items = st.mark_items;
    from.verify = st.mark_bytes < st.uploaded();
    if (auto failed = spool.create(0600, from.base)) return *failed;
    if (const int rc = ctx.save_checkpoint(from.encode()); rc != SINKHUB_E_OK)
      return Outcome::fatal("checkpoint rejected by the host (" + std::to_string(rc) + ")");
    host().warn(lost + ": keeping the " + std::to_string(st.parts.size()) + " uploaded part(s) of " + st.key +
                " and rebuilding the part in progress from item " + std::to_string(from.items));
    return Outcome::resume_from(from.items, lost + "; rebuilding the part in progress from item " +
                                                std::to_string(from.items));
  }

  // The upload cannot be continued from here: it is aborted and the delivery starts again at
  // item 0 (no checkpoint: the next call is a fresh start, with the same object key).
  Outcome start_over(const sinkhub::Context& ctx, const State& st, const std::string& spool_path,
                     const std::string& why) const {
    State gone = st;
    Upload(client_, cfg_, host(), metrics_, ctx, -1, gone).abort();
    ::unlink(spool_path.c_str());
    host().warn(why + ": uploading " + st.key + " again from item 0");
    return Outcome::resume_from(0, why + "; uploading the object again from item 0");
  }

  // The id of this host's spool directory, made once: a checkpoint naming another id was
  // written where this host cannot read the spool.
  std::optional<Outcome> load_spool_id() {
    const std::string path = spool_dir_ + "/spool-id";
    std::string text;
    if (sinkhub_kit::read_file(path, 64, text) == 0 && text.size() == 32 &&
        text.find_first_not_of("0123456789abcdef") == std::string::npos) {
      spool_id_ = text;
    } else {
      std::random_device rd;
      static const char* hex = "0123456789abcdef";
      spool_id_.clear();
      for (int i = 0; i < 32; ++i) spool_id_ += hex[rd() % 16];
      if (const int rc = sinkhub_kit::replace_file(path, spool_id_, 0600))
        return Outcome::fatal(sinkhub_kit::errno_text("cannot write", path, rc));
    }
    char name[256] = {0};
    ::gethostname(name, sizeof name - 1);
    host_name_ = name;
    return std::nullopt;
  }

  // The last batch: the object is completed, its spool replaced by the .done marker.
  void finish(const sinkhub::Context& ctx, Upload& up, const State& st, const std::string& spool) const {
    up.finish();
    write_done_marker(ctx.delivery_id(), st);
    ::unlink(spool.c_str());
    host().metric_record(metrics_.objects, 1);
    if (host().log_enabled(SINKHUB_LOG_DEBUG))
      host().debug("wrote " + std::to_string(st.items) + " items (" + std::to_string(st.bytes) + " bytes, " +
                   std::to_string(st.parts.size()) + " parts) to " + client_.url_of(st.key));
  }

  // A completed object leaves a small marker (its final state) in place of the spool: if the
  // host loses the commit of the last call (a crash right after it), the retry of that call
  // finds the marker instead of the spool and answers OK without uploading anything again.
  void write_done_marker(std::string_view delivery_id, const State& st) const {
    const std::string p = done_path(delivery_id);
    if (const int rc = sinkhub_kit::replace_file(p, st.encode(), 0600))
      host().warn("cannot write " + p + " (" + std::strerror(rc) +
                  "): a lost commit of this delivery's last call would need a replay");
  }

  bool already_done(const sinkhub::Context& ctx, const sinkhub::Batch& batch, const State& cp) const {
    if (!ctx.last_batch()) return false;
    std::string text, why;
    if (sinkhub_kit::read_file(done_path(ctx.delivery_id()), 2 * kMiB, text) != 0) return false;  // <= 10000 parts
    const auto done = State::decode(text, why);
    if (!done || done->key != cp.key || done->items != ctx.item_offset() + batch.size()) return false;
    host().info("the object " + cp.key + " of this delivery was already completed: nothing to upload again");
    return true;
  }

  // Spools of deliveries that were never retried (dead-lettered, replayed elsewhere) and the
  // markers of completed objects, after a week.
  void remove_stale_spools() {
    DIR* d = ::opendir(spool_dir_.c_str());
    if (!d) return;
    const time_t cutoff = static_cast<time_t>(host().now_unix_ms() / 1000) - 7 * 24 * 3600;
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      const bool spool = name.size() > 6 && name.compare(name.size() - 6, 6, ".spool") == 0;
      const bool marker = name.size() > 5 && name.compare(name.size() - 5, 5, ".done") == 0;
      if (!spool && !marker) continue;
      const std::string p = spool_dir_ + "/" + name;
      struct stat sb {};
      if (::stat(p.c_str(), &sb) == 0 && sb.st_mtime < cutoff) ::unlink(p.c_str());
    }
    ::closedir(d);
  }

  // Ends a failed call: the checkpoint keeps the committed state (plus the upload id and the
  // parts that hold only committed bytes, so a retry reuses them); a permanent failure of the
  // delivery aborts the upload and drops the spool.
  Outcome failed(const sinkhub::Context& ctx, const State& committed, State& st, const sinkhub_kit::Spool& spool,
                 Outcome o) {
    if (o.code == SINKHUB_REJECT) {
      Upload(client_, cfg_, host(), metrics_, ctx, spool.fd(), st).abort();
      ::unlink(spool.path().c_str());
      return o;
    }
    // The parts of the committed state, with their ETags as they are now (restart() may have
    // uploaded them again); parts uploaded by this call hold uncommitted bytes and are dropped.
    State keep = committed;
    keep.upload_id = st.upload_id;
    keep.parts.assign(st.parts.begin(), st.parts.begin() + static_cast<std::ptrdiff_t>(
                                                              std::min(st.parts.size(), committed.parts.size())));
    if (ctx.item_offset() > 0 || !keep.upload_id.empty()) ctx.save_checkpoint(keep.encode());
    o.items_accepted = 0;
    return o;
  }

  Config cfg_;
  std::string data_dir_, spool_dir_, spool_id_, host_name_;
  Client client_;
  Metrics metrics_;
};

}  // namespace

SINKHUB_PLUGIN(S3Sink, "s3", "S3 sink", "1.1.0",
               "Uploads each delivery as one object to S3 or an S3-compatible store (multipart, SigV4)",
               sinkhub_s3::options_table().schema(), SINKHUB_CAP_IDEMPOTENT)
