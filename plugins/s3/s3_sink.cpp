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
// Checkpoint (persisted by the host with items_accepted): key, upload id, spool length, items,
// and the number, byte range and ETag of every uploaded part. A retry or a restart after
// kill -9 truncates the spool to the checkpointed length (dropping bytes of unaccepted items),
// keeps the parts already uploaded and continues the same upload.
//
// Key: the `key` template with the file sink's placeholders, so a redelivery of the same run
// overwrites the same object (effect-once).
#include <sinkhub/sink.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "batch_format.hpp"
#include "fd.hpp"
#include "key_template.hpp"
#include "s3_client.hpp"
#include "s3_config.hpp"

namespace {

using sinkhub::Outcome;
using namespace sinkhub_s3;
using sinkhub_fd::Fd;

constexpr const char* kSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "bucket": {"type": "string", "description": "Bucket name"},
    "region": {"type": "string", "description": "Signing region, e.g. us-east-1; auto for Cloudflare R2"},
    "endpoint": {"type": "string", "description": "https://host[:port] of an S3-compatible service (R2, MinIO); default AWS"},
    "path_style": {"type": "boolean", "default": false, "description": "https://host/bucket/key instead of https://bucket.host/key"},
    "key": {"type": "string", "default": "{actorId}/{runId}.jsonl",
            "description": "Object key; placeholders {eventType} {runId} {actorId} {taskId} {datasetId} {date}"},
    "format": {"type": "string", "enum": ["jsonl", "json"], "default": "jsonl"},
    "gzip": {"type": "boolean", "default": false},
    "access_key_id": {"type": "string"},
    "secret_access_key": {"type": "string"},
    "session_token": {"type": "string"},
    "part_size": {"type": "string", "default": "8MiB", "description": "Multipart part size, at least 5MiB"},
    "storage_class": {"type": "string"},
    "server_side_encryption": {"type": "string", "enum": ["AES256", "aws:kms", "aws:kms:dsse"]}
  },
  "required": ["bucket", "region"],
  "additionalProperties": false
})";

constexpr uint32_t kMaxParts = 10000;  // S3's limit

struct Part {
  uint32_t number = 0;
  uint64_t offset = 0, size = 0;
  std::string etag;
};

struct State {
  std::string key, upload_id;
  uint64_t bytes = 0, items = 0;  // spool length and items it holds
  std::vector<Part> parts;
  uint64_t uploaded() const { return parts.empty() ? 0 : parts.back().offset + parts.back().size; }

  std::string encode() const {
    Poco::JSON::Object o;
    o.set("v", 1);
    o.set("key", key);
    o.set("upload_id", upload_id);
    o.set("bytes", bytes);
    o.set("items", items);
    Poco::JSON::Array a;
    for (const auto& p : parts) {
      Poco::JSON::Array e;
      e.add(p.number);
      e.add(p.offset);
      e.add(p.size);
      e.add(p.etag);
      a.add(e);
    }
    o.set("parts", a);
    std::ostringstream out;
    o.stringify(out);
    return out.str();
  }
  static bool decode(std::string_view text, State& s) {
    try {
      auto o = Poco::JSON::Parser().parse(std::string(text)).extract<Poco::JSON::Object::Ptr>();
      if (!o || o->getValue<int>("v") != 1) return false;
      s.key = o->getValue<std::string>("key");
      s.upload_id = o->getValue<std::string>("upload_id");
      s.bytes = o->getValue<uint64_t>("bytes");
      s.items = o->getValue<uint64_t>("items");
      auto a = o->getArray("parts");
      for (size_t i = 0; a && i < a->size(); ++i) {
        auto e = a->getArray(static_cast<unsigned>(i));
        Part p;
        p.number = e->getElement<uint32_t>(0);
        p.offset = e->getElement<uint64_t>(1);
        p.size = e->getElement<uint64_t>(2);
        p.etag = e->getElement<std::string>(3);
        s.parts.push_back(p);
      }
      return !s.key.empty();
    } catch (...) {
      return false;
    }
  }
};


std::string errno_text(const std::string& what, int err) { return what + ": " + std::strerror(err); }

int pwrite_all(int fd, const char* p, size_t n, uint64_t off) {
  while (n > 0) {
    const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(off));
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    n -= static_cast<size_t>(w);
    off += static_cast<uint64_t>(w);
  }
  return 0;
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (const char c : s) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else o += c;
  }
  return o;
}

// An S3 failure that ends this call, carrying the mapped outcome.
struct Failure {
  Outcome outcome;
};

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
      m_parts_ = host().metric_define(SINKHUB_METRIC_COUNTER, "s3_parts_uploaded_total", "Multipart parts uploaded");
      m_bytes_ = host().metric_define(SINKHUB_METRIC_COUNTER, "s3_bytes_uploaded_total", "Bytes uploaded to S3");
      m_objects_ = host().metric_define(SINKHUB_METRIC_COUNTER, "s3_objects_written_total", "Objects completed");
    }
  }

  Outcome open(int64_t) override {
    if (data_dir_.empty()) return Outcome::fatal("the host gave this instance no data_dir for its spool files");
    spool_dir_ = data_dir_ + "/spool";
    // sink.h says the host creates data_dir before open(); this host does not yet: mkdir -p.
    for (size_t i = 1; i <= spool_dir_.size(); ++i) {
      if (i < spool_dir_.size() && spool_dir_[i] != '/') continue;
      const std::string d = spool_dir_.substr(0, i);
      if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
        return Outcome::fatal(errno_text("cannot create '" + d + "'", errno));
    }
    remove_stale_spools();
    host().info("s3 sink: bucket " + cfg_.bucket + " at " + cfg_.scheme + "://" + cfg_.host + ", credentials from " +
                cfg_.creds_source);
    return Outcome::ok();
  }

  Outcome deliver(const sinkhub::Context& ctx, const sinkhub::Batch& batch) override {
    if (ctx.event_only()) return Outcome::ok();  // no dataset: no object
    const std::string path = spool_path(ctx.delivery_id());
    State st;
    Fd fd;
    if (ctx.first_batch() || (ctx.item_offset() == 0 && ctx.checkpoint().empty())) {
      st.key = sinkhub_tpl::expand(cfg_.key_template, ctx, host().now_unix_ms());
      if (st.key.size() > 1024) return Outcome::reject("object key longer than 1024 bytes: " + st.key.substr(0, 64) + "...");
      ::unlink(done_path(ctx.delivery_id()).c_str());  // of an earlier run of this delivery
      fd.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
      if (fd.get() < 0) return Outcome::retry(errno_text("cannot create spool file '" + path + "'", errno));
    } else {
      if (!State::decode(ctx.checkpoint(), st))
        return Outcome::reject("cannot resume at item " + std::to_string(ctx.item_offset()) +
                               ": no valid checkpoint; replay the delivery");
      if (st.items != ctx.item_offset())
        return Outcome::reject("checkpoint covers " + std::to_string(st.items) + " items but the host resumes at item " +
                               std::to_string(ctx.item_offset()));
      fd.reset(::open(path.c_str(), O_RDWR | O_CLOEXEC));
      struct stat sb {};
      if (fd.get() < 0 && errno == ENOENT) {
        if (already_done(ctx, batch, st)) return Outcome::ok();
        return Outcome::reject("cannot resume: spool file '" + path + "' is gone; replay the delivery");
      }
      if (fd.get() < 0) return Outcome::retry(errno_text("cannot open spool file '" + path + "'", errno));
      if (::fstat(fd.get(), &sb) != 0) return Outcome::retry(errno_text("cannot stat '" + path + "'", errno));
      if (static_cast<uint64_t>(sb.st_size) < st.bytes)
        return Outcome::reject("cannot resume: spool file '" + path + "' is shorter than its checkpoint; replay the delivery");
      // Bytes after the checkpoint belong to items the host will send again.
      if (::ftruncate(fd.get(), static_cast<off_t>(st.bytes)) != 0)
        return Outcome::retry(errno_text("cannot truncate '" + path + "'", errno));
    }
    const State committed = st;

    // This batch's bytes.
    std::string plain, packed;
    std::string_view chunk;
    if (!cfg_.json_array) {
      chunk = batch.data();
    } else {
      sinkhub_fmt::append_json_array_part(plain, batch, st.items, st.bytes, ctx.last_batch());
      chunk = plain;
    }
    // An empty dataset still gets one (empty) gzip member, so the object is valid gzip.
    if (cfg_.gzip && (!chunk.empty() || (ctx.last_batch() && st.bytes == 0))) {
      if (!sinkhub_fmt::gzip_member(chunk, packed)) return Outcome::fatal("zlib deflate failed");
      chunk = packed;
    }
    if (const int rc = pwrite_all(fd.get(), chunk.data(), chunk.size(), st.bytes))
      return Outcome::retry(errno_text("cannot write spool file '" + path + "'", rc), -1, 0);
    if (::fdatasync(fd.get()) != 0) return Outcome::retry(errno_text("cannot sync spool file '" + path + "'", errno), -1, 0);
    st.bytes += chunk.size();
    st.items += batch.size();

    try {
      if (!ctx.last_batch()) {
        upload_full_parts(ctx, fd.get(), st);
      } else {
        finish(ctx, fd.get(), st);
        write_done_marker(ctx.delivery_id(), st);
        ::unlink(path.c_str());
        host().metric_record(m_objects_, 1);
        if (host().log_enabled(SINKHUB_LOG_DEBUG))
          host().debug("wrote " + std::to_string(st.items) + " items (" + std::to_string(st.bytes) + " bytes, " +
                       std::to_string(st.parts.size()) + " parts) to " + client_.url_of(st.key));
      }
    } catch (Failure& f) {
      return failed(ctx, committed, st, path, std::move(f.outcome));
    } catch (const std::runtime_error& e) {  // reading the spool back failed (disk trouble)
      return failed(ctx, committed, st, path, Outcome::retry(e.what()));
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
    std::string id = sinkhub_tpl::sanitize(delivery_id);
    return spool_dir_ + "/" + id + ".spool";
  }

  std::string done_path(std::string_view delivery_id) const {
    return spool_dir_ + "/" + sinkhub_tpl::sanitize(delivery_id) + ".done";
  }

  // A completed object leaves a small marker (its final state) in place of the spool: if the
  // host loses the commit of the last call (a crash right after it), the retry of that call
  // finds the marker instead of the spool and answers OK without uploading anything again.
  void write_done_marker(std::string_view delivery_id, const State& st) const {
    const std::string p = done_path(delivery_id), tmp = p + ".tmp", text = st.encode();
    Fd fd;
    fd.reset(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0 || pwrite_all(fd.get(), text.data(), text.size(), 0) != 0 || ::fdatasync(fd.get()) != 0 ||
        ::rename(tmp.c_str(), p.c_str()) != 0)
      host().warn("cannot write " + p + " (" + std::strerror(errno) + "): a lost commit of this delivery's last call "
                  "would need a replay");
  }

  bool already_done(const sinkhub::Context& ctx, const sinkhub::Batch& batch, const State& cp) const {
    if (!ctx.last_batch()) return false;
    Fd fd;
    fd.reset(::open(done_path(ctx.delivery_id()).c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return false;
    std::string text(2 * kMiB, '\0');  // a state lists at most 10000 parts: well below 2 MiB
    const ssize_t n = ::pread(fd.get(), &text[0], text.size(), 0);
    if (n <= 0) return false;
    text.resize(static_cast<size_t>(n));
    State done;
    if (!State::decode(text, done) || done.key != cp.key || done.items != ctx.item_offset() + batch.size()) return false;
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

  sinkhub_s3::sigv4::Pairs object_headers() const {
    sinkhub_s3::sigv4::Pairs h;
    h.emplace_back("content-type", cfg_.gzip ? "application/gzip" : cfg_.json_array ? "application/json" : "application/x-ndjson");
    if (!cfg_.storage_class.empty()) h.emplace_back("x-amz-storage-class", cfg_.storage_class);
    if (!cfg_.server_side_encryption.empty()) h.emplace_back("x-amz-server-side-encryption", cfg_.server_side_encryption);
    return h;
  }

  void check(const std::string& op, const Response& r) const {
    if (!succeeded(r)) throw Failure{classify(op, r)};
  }

  void create_upload(const sinkhub::Context& ctx, State& st) const {
    const Response r = client_.send(ctx.call(), "POST", st.key, {{"uploads", ""}}, object_headers(), Body{});
    check("CreateMultipartUpload", r);
    st.upload_id = xml_text(r.body, "UploadId");
    if (st.upload_id.empty())
      throw Failure{Outcome::retry("S3 CreateMultipartUpload: HTTP " + std::to_string(r.status) + " without an UploadId")};
  }

  static bool no_such_upload(const Response& r) { return r.error == SINKHUB_E_OK && r.code == "NoSuchUpload"; }

  // PUT one part; returns the answer (the caller handles NoSuchUpload).
  Response put_part(const sinkhub::Context& ctx, int fd, const State& st, const Part& p) const {
    return client_.send(ctx.call(), "PUT", st.key,
                        {{"partNumber", std::to_string(p.number)}, {"uploadId", st.upload_id}}, {},
                        Body{fd, p.offset, p.size, {}});
  }

  void record_part(const Part& p) const {
    host().metric_record(m_parts_, 1);
    host().metric_record(m_bytes_, static_cast<double>(p.size));
  }

  // S3 forgot the upload (aborted, expired): start a new one and upload again every part the
  // spool still holds, so the delivery continues instead of failing.
  void restart_upload(const sinkhub::Context& ctx, int fd, State& st) const {
    host().warn("S3 no longer knows upload " + st.upload_id + " of " + st.key + ": restarting it with " +
                std::to_string(st.parts.size()) + " part(s) from the spool");
    create_upload(ctx, st);
    for (Part& p : st.parts) {
      const Response r = put_part(ctx, fd, st, p);
      check("UploadPart " + std::to_string(p.number), r);
      p.etag = r.etag;
      record_part(p);
    }
  }

  // Uploads spool bytes [uploaded, end) as the next part.
  void upload_part(const sinkhub::Context& ctx, int fd, State& st, uint64_t end) const {
    if (st.upload_id.empty()) create_upload(ctx, st);
    if (st.parts.size() >= kMaxParts)
      throw Failure{Outcome::reject("the object needs more than 10000 parts: raise part_size")};
    Part p;
    p.number = static_cast<uint32_t>(st.parts.size() + 1);
    p.offset = st.uploaded();
    p.size = end - p.offset;
    Response r = put_part(ctx, fd, st, p);
    if (no_such_upload(r)) {
      restart_upload(ctx, fd, st);
      r = put_part(ctx, fd, st, p);
    }
    check("UploadPart " + std::to_string(p.number), r);
    if (r.etag.empty()) throw Failure{Outcome::retry("S3 UploadPart " + std::to_string(p.number) + ": no ETag in the answer")};
    p.etag = r.etag;
    st.parts.push_back(p);
    record_part(p);
  }

  // Every part but the last is exactly part_size bytes; the rest waits in the spool.
  void upload_full_parts(const sinkhub::Context& ctx, int fd, State& st) const {
    while (st.bytes - st.uploaded() >= cfg_.part_size) upload_part(ctx, fd, st, st.uploaded() + cfg_.part_size);
  }

  Response complete(const sinkhub::Context& ctx, const State& st) const {
    std::string xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    for (const Part& p : st.parts)
      xml += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" + xml_escape(p.etag) + "</ETag></Part>";
    xml += "</CompleteMultipartUpload>";
    return client_.send(ctx.call(), "POST", st.key, {{"uploadId", st.upload_id}}, {{"content-type", "application/xml"}},
                        Body{-1, 0, xml.size(), xml});
  }

  void abort_upload(const sinkhub::Context& ctx, const State& st) const {
    if (st.upload_id.empty()) return;
    const Response r = client_.send(ctx.call(), "DELETE", st.key, {{"uploadId", st.upload_id}}, {}, Body{});
    if (!succeeded(r) && !no_such_upload(r))
      host().warn("S3 AbortMultipartUpload of " + st.key + " failed (" + classify("AbortMultipartUpload", r).message +
                  "): a lifecycle rule (AbortIncompleteMultipartUpload) removes it later");
  }

  void finish(const sinkhub::Context& ctx, int fd, State& st) const {
    if (st.parts.empty() && st.bytes <= cfg_.part_size) {  // fits one part: one PutObject
      const Response r = client_.send(ctx.call(), "PUT", st.key, {}, object_headers(), Body{fd, 0, st.bytes, {}});
      check("PutObject", r);
      host().metric_record(m_bytes_, static_cast<double>(st.bytes));
      abort_upload(ctx, st);  // one created by an earlier attempt that never got a part
      st.upload_id.clear();
      return;
    }
    upload_full_parts(ctx, fd, st);
    if (st.bytes > st.uploaded()) upload_part(ctx, fd, st, st.bytes);  // the last, smaller part
    Response r = complete(ctx, st);
    if (no_such_upload(r)) {
      restart_upload(ctx, fd, st);
      r = complete(ctx, st);
    }
    check("CompleteMultipartUpload", r);
  }

  // Ends a failed call: the checkpoint keeps the committed state (plus the upload id and the
  // parts that hold only committed bytes, so a retry reuses them); a permanent failure of the
  // delivery aborts the upload and drops the spool.
  Outcome failed(const sinkhub::Context& ctx, const State& committed, const State& st, const std::string& path,
                 Outcome o) {
    if (o.code == SINKHUB_REJECT) {
      abort_upload(ctx, st);
      ::unlink(path.c_str());
      return o;
    }
    State keep = committed;
    keep.upload_id = st.upload_id;
    keep.parts.clear();
    for (const Part& p : st.parts)
      if (p.offset + p.size <= committed.bytes) keep.parts.push_back(p);
    if (ctx.item_offset() > 0 || !keep.upload_id.empty()) ctx.save_checkpoint(keep.encode());
    o.items_accepted = 0;
    return o;
  }

  Config cfg_;
  std::string data_dir_, spool_dir_;
  Client client_;
  int32_t m_parts_ = -1, m_bytes_ = -1, m_objects_ = -1;
};

}  // namespace

SINKHUB_PLUGIN(S3Sink, "s3", "S3 sink", "1.0.0",
               "Uploads each delivery as one object to S3 or an S3-compatible store (multipart, SigV4)", kSchema,
               SINKHUB_CAP_IDEMPOTENT)
