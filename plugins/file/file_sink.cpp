// The file sink: writes each delivery to one file below `dir`.
//
// Options (validated by the host against kSchema, and again here):
//   dir     (string, required)  root directory; nothing is ever written outside it.
//   path    (string)            template, default "{actorId}/{runId}.jsonl"; placeholders
//                               {eventType} {runId} {actorId} {taskId} {datasetId} {date}
//                               ({date} = UTC YYYY-MM-DD of the event, stable across retries).
//                               Substituted values are sanitised: every byte outside
//                               [A-Za-z0-9._-] becomes '_', leading dots become '_', an
//                               empty value becomes '_', so a value can never be a path
//                               separator, "." or "..". Literal "." / ".." segments, absolute
//                               templates and unknown placeholders are rejected at create.
//   format  ("jsonl"|"json")    jsonl: the items exactly as received, one per line;
//                               json: "[\n" item ",\n" item ... "\n]\n" ("[]\n" when empty).
//   gzip    (boolean)           gzip the file (one gzip member per batch; `gzip -dc` and
//                               zlib's multi-member decoding return the whole content).
//
// Delivery protocol:
//   - Event-only calls (no dataset) write nothing and return OK.
//   - The first batch creates (truncates) a temp file ".<name>.<deliveryId>.tmp" next to the
//     final file; every batch appends, fsyncs, and stages a checkpoint
//     {final path, temp path, bytes, items} through the host's checkpoint service.
//   - A retry resumes from the checkpoint: the temp file is truncated to the checkpointed
//     length, so bytes written after the last committed batch are discarded.
//   - The last batch appends the JSON trailer if any, fsyncs, renames the temp file onto the
//     final path (atomic replace: a re-delivery overwrites) and fsyncs the directory.
//     If the host lost the commit of that last call, the retry finds no temp file but the
//     final file: its checkpointed prefix is copied back to a temp file and the batch is
//     redone, producing the same bytes.
//   - A crash at any point leaves no partial file at the final path (only a hidden temp file,
//     truncated and reused by the next attempt of the same delivery).
#include <sinkhub/sink.hpp>

#include "batch_format.hpp"
#include "fd.hpp"
#include "key_template.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using sinkhub_fd::Fd;

constexpr const char* kSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "dir": {"type": "string", "description": "Root directory; every file is written below it"},
    "path": {"type": "string", "default": "{actorId}/{runId}.jsonl",
             "description": "File path below dir; placeholders {eventType} {runId} {actorId} {taskId} {datasetId} {date}"},
    "format": {"type": "string", "enum": ["jsonl", "json"], "default": "jsonl",
               "description": "jsonl: one item per line as received; json: one JSON array"},
    "gzip": {"type": "boolean", "default": false, "description": "Compress the file with gzip"}
  },
  "required": ["dir"],
  "additionalProperties": false
})";

// ---- a tiny JSON reader, enough for a flat options object -----------------------------

struct JsonValue {
  enum Kind { Null, Bool, Number, String, Other } kind = Null;
  bool b = false;
  std::string s;
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view t) : t_(t) {}

  std::map<std::string, JsonValue> object() {
    std::map<std::string, JsonValue> out;
    ws();
    expect('{');
    ws();
    if (peek() == '}') {
      ++i_;
      end();
      return out;
    }
    for (;;) {
      ws();
      std::string key = string();
      ws();
      expect(':');
      out[key] = value();
      ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect('}');
      end();
      return out;
    }
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw sinkhub::OptionsError(std::string("options are not valid JSON: ") + what + " at byte " +
                                std::to_string(i_));
  }
  char peek() const { return i_ < t_.size() ? t_[i_] : '\0'; }
  void ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
  }
  void expect(char c) {
    if (peek() != c) fail((std::string("expected '") + c + "'").c_str());
    ++i_;
  }
  void end() {
    ws();
    if (i_ != t_.size()) fail("trailing characters");
  }
  void literal(const char* lit) {
    const size_t n = std::strlen(lit);
    if (t_.substr(i_, n) != lit) fail("bad literal");
    i_ += n;
  }
  static void utf8(std::string& o, unsigned cp) {
    if (cp < 0x80) {
      o += static_cast<char>(cp);
    } else if (cp < 0x800) {
      o += static_cast<char>(0xC0 | (cp >> 6));
      o += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      o += static_cast<char>(0xE0 | (cp >> 12));
      o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      o += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      o += static_cast<char>(0xF0 | (cp >> 18));
      o += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      o += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  unsigned hex4() {
    unsigned v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = peek();
      ++i_;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return v;
  }
  std::string string() {
    expect('"');
    std::string o;
    for (;;) {
      if (i_ >= t_.size()) fail("unterminated string");
      const char c = t_[i_++];
      if (c == '"') return o;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        o += c;
        continue;
      }
      const char e = peek();
      ++i_;
      switch (e) {
        case '"': o += '"'; break;
        case '\\': o += '\\'; break;
        case '/': o += '/'; break;
        case 'b': o += '\b'; break;
        case 'f': o += '\f'; break;
        case 'n': o += '\n'; break;
        case 'r': o += '\r'; break;
        case 't': o += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && peek() == '\\') {
            ++i_;
            expect('u');
            const unsigned lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) fail("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          utf8(o, cp);
          break;
        }
        default: fail("bad escape");
      }
    }
  }
  JsonValue value() {
    ws();
    JsonValue v;
    const char c = peek();
    if (c == '"') {
      v.kind = JsonValue::String;
      v.s = string();
    } else if (c == 't') {
      literal("true");
      v.kind = JsonValue::Bool;
      v.b = true;
    } else if (c == 'f') {
      literal("false");
      v.kind = JsonValue::Bool;
    } else if (c == 'n') {
      literal("null");
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = JsonValue::Number;
      while (i_ < t_.size() && std::strchr("+-0123456789.eE", t_[i_])) ++i_;
    } else if (c == '{' || c == '[') {
      v.kind = JsonValue::Other;
      skip_nested();
    } else {
      fail("unexpected character");
    }
    return v;
  }
  void skip_nested() {
    const char open = peek();
    const char close = open == '{' ? '}' : ']';
    ++i_;
    ws();
    if (peek() == close) {
      ++i_;
      return;
    }
    for (;;) {
      if (open == '{') {
        ws();
        string();
        ws();
        expect(':');
      }
      value();
      ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect(close);
      return;
    }
  }

  std::string_view t_;
  size_t i_ = 0;
};

std::string errno_text(const char* what, const std::string& path, int err) {
  return std::string(what) + " '" + path + "': " + std::strerror(err);
}

// ---- POSIX helpers (all return errno, 0 on success) --------------------------------------

int write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

int fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

std::string parent_of(const std::string& p) {
  const size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

// mkdir -p; fsyncs the parent of every directory it creates.
int make_dirs(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (errno != ENOENT) return errno;
  const std::string parent = parent_of(dir);
  if (parent != dir) {
    const int rc = make_dirs(parent);
    if (rc) return rc;
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno;
  return fsync_dir(parent);
}

// ---- checkpoint --------------------------------------------------------------------------

struct Checkpoint {
  std::string final_path, tmp_path;
  uint64_t bytes = 0, items = 0;

  std::string encode() const {
    return "sinkhub-file/1\nfinal=" + final_path + "\ntmp=" + tmp_path + "\nbytes=" +
           std::to_string(bytes) + "\nitems=" + std::to_string(items) + "\n";
  }
  static bool decode(std::string_view s, Checkpoint& cp) {
    if (s.substr(0, 15) != "sinkhub-file/1\n") return false;
    s.remove_prefix(15);
    int seen = 0;
    while (!s.empty()) {
      const size_t nl = s.find('\n');
      if (nl == std::string_view::npos) return false;
      const std::string_view line = s.substr(0, nl);
      s.remove_prefix(nl + 1);
      const size_t eq = line.find('=');
      if (eq == std::string_view::npos) return false;
      const std::string_view k = line.substr(0, eq), v = line.substr(eq + 1);
      if (k == "final") cp.final_path = std::string(v), seen |= 1;
      else if (k == "tmp") cp.tmp_path = std::string(v), seen |= 2;
      else if (k == "bytes") cp.bytes = std::strtoull(std::string(v).c_str(), nullptr, 10), seen |= 4;
      else if (k == "items") cp.items = std::strtoull(std::string(v).c_str(), nullptr, 10), seen |= 8;
    }
    return seen == 15;
  }
};

// Copies the first `bytes` bytes of `from` into a new file `to`.
int copy_prefix(const std::string& from, const std::string& to, uint64_t bytes) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return errno;
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.get() < 0) return errno;
  std::vector<char> buf(1 << 16);
  while (bytes > 0) {
    const size_t want = bytes < buf.size() ? static_cast<size_t>(bytes) : buf.size();
    const ssize_t r = ::read(in.get(), buf.data(), want);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return errno;
    if (r == 0) return EIO;
    if (const int rc = write_all(out.get(), buf.data(), static_cast<size_t>(r))) return rc;
    bytes -= static_cast<uint64_t>(r);
  }
  return out.close_checked();
}

// ---- the sink ----------------------------------------------------------------------------

class FileSink : public sinkhub::Sink {
 public:
  explicit FileSink(const sinkhub::CreateArgs& args) : Sink(args) {
    const auto opts = JsonReader(args.options_json).object();
    for (const auto& [key, v] : opts) {
      if (key == "plugin") continue;  // tolerated if a host passes it through
      if (key == "dir") {
        if (v.kind != JsonValue::String) throw sinkhub::OptionsError("option 'dir': must be a string");
        dir_ = v.s;
      } else if (key == "path") {
        if (v.kind != JsonValue::String) throw sinkhub::OptionsError("option 'path': must be a string");
        template_ = v.s;
      } else if (key == "format") {
        if (v.kind != JsonValue::String || (v.s != "jsonl" && v.s != "json"))
          throw sinkhub::OptionsError("option 'format': must be \"jsonl\" or \"json\"");
        json_array_ = v.s == "json";
      } else if (key == "gzip") {
        if (v.kind != JsonValue::Bool) throw sinkhub::OptionsError("option 'gzip': must be a boolean");
        gzip_ = v.b;
      } else {
        throw sinkhub::OptionsError("unknown option '" + key + "' (known: dir, path, format, gzip)");
      }
    }
    if (dir_.empty()) throw sinkhub::OptionsError("option 'dir' is required and must not be empty");
    for (const char c : dir_)
      if (static_cast<unsigned char>(c) < 0x20)
        throw sinkhub::OptionsError("option 'dir': control characters are not allowed");
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    sinkhub_tpl::check(template_, "path");
    // No filesystem access here: create() also runs for `sinkhub check-config`.
  }

  sinkhub::Outcome open(int64_t) override {
    if (const int rc = make_dirs(dir_)) {
      const std::string msg = errno_text("cannot create directory", dir_, rc);
      return rc == EACCES || rc == EROFS || rc == ENOTDIR ? sinkhub::Outcome::fatal(msg)
                                                          : sinkhub::Outcome::retry(msg);
    }
    return sinkhub::Outcome::ok();
  }

  sinkhub::Outcome deliver(const sinkhub::Context& ctx, const sinkhub::Batch& batch) override {
    if (ctx.event_only()) return sinkhub::Outcome::ok();  // nothing to write

    Checkpoint cp;
    Fd fd;
    if (ctx.first_batch() || (ctx.item_offset() == 0 && ctx.checkpoint().empty())) {
      cp.final_path = final_path(ctx);
      cp.tmp_path = tmp_path_for(cp.final_path, ctx.delivery_id());
      if (const int rc = make_dirs(parent_of(cp.final_path)))
        return sinkhub::Outcome::retry(errno_text("cannot create directory", parent_of(cp.final_path), rc));
      fd.reset(::open(cp.tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
      if (fd.get() < 0) return sinkhub::Outcome::retry(errno_text("cannot create", cp.tmp_path, errno));
      // Make the temp file's directory entry durable too, so a retry after a power loss finds it.
      if (const int rc = fsync_dir(parent_of(cp.tmp_path)))
        return sinkhub::Outcome::retry(errno_text("cannot fsync directory", parent_of(cp.tmp_path), rc));
    } else {
      if (!Checkpoint::decode(ctx.checkpoint(), cp))
        return sinkhub::Outcome::reject("cannot resume at item " + std::to_string(ctx.item_offset()) +
                                        ": no valid checkpoint; replay the delivery from the start");
      if (cp.items != ctx.item_offset())
        return sinkhub::Outcome::reject("checkpoint covers " + std::to_string(cp.items) +
                                        " items but the host resumes at item " +
                                        std::to_string(ctx.item_offset()));
      fd.reset(::open(cp.tmp_path.c_str(), O_WRONLY | O_CLOEXEC));
      if (fd.get() < 0 && errno == ENOENT) {
        // The previous attempt may have renamed the file but its commit was lost.
        struct stat st {};
        if (::stat(cp.final_path.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) < cp.bytes)
          return sinkhub::Outcome::reject("cannot resume: temp file '" + cp.tmp_path +
                                          "' is gone; replay the delivery from the start");
        if (const int rc = copy_prefix(cp.final_path, cp.tmp_path, cp.bytes))
          return sinkhub::Outcome::retry(errno_text("cannot rebuild", cp.tmp_path, rc));
        fd.reset(::open(cp.tmp_path.c_str(), O_WRONLY | O_CLOEXEC));
      }
      if (fd.get() < 0) return sinkhub::Outcome::retry(errno_text("cannot open", cp.tmp_path, errno));
      struct stat st {};
      if (::fstat(fd.get(), &st) != 0) return sinkhub::Outcome::retry(errno_text("cannot stat", cp.tmp_path, errno));
      if (static_cast<uint64_t>(st.st_size) < cp.bytes)
        return sinkhub::Outcome::reject("cannot resume: temp file '" + cp.tmp_path +
                                        "' is shorter than its checkpoint; replay the delivery");
      if (::ftruncate(fd.get(), static_cast<off_t>(cp.bytes)) != 0)
        return sinkhub::Outcome::retry(errno_text("cannot truncate", cp.tmp_path, errno));
    }
    if (::lseek(fd.get(), static_cast<off_t>(cp.bytes), SEEK_SET) < 0)
      return sinkhub::Outcome::retry(errno_text("cannot seek", cp.tmp_path, errno));

    // Build this call's bytes.
    std::string plain;
    std::string_view chunk;
    if (!json_array_) {
      chunk = batch.data();
    } else {
      sinkhub_fmt::append_json_array_part(plain, batch, cp.items, cp.bytes, ctx.last_batch());
      chunk = plain;
    }
    std::string packed;
    if (gzip_) {
      if (!sinkhub_fmt::gzip_member(chunk, packed)) return sinkhub::Outcome::fatal("zlib deflate failed");
      chunk = packed;
    }
    if (const int rc = write_all(fd.get(), chunk.data(), chunk.size()))
      return sinkhub::Outcome::retry(errno_text("cannot write", cp.tmp_path, rc), -1, 0);
    if (::fsync(fd.get()) != 0) return sinkhub::Outcome::retry(errno_text("cannot fsync", cp.tmp_path, errno), -1, 0);
    if (const int rc = fd.close_checked())
      return sinkhub::Outcome::retry(errno_text("cannot close", cp.tmp_path, rc), -1, 0);

    cp.bytes += chunk.size();
    cp.items += batch.size();
    if (const int rc = ctx.save_checkpoint(cp.encode()); rc != SINKHUB_E_OK)
      return sinkhub::Outcome::fatal("checkpoint rejected by the host (" + std::to_string(rc) + ")");

    if (ctx.last_batch()) {
      if (::rename(cp.tmp_path.c_str(), cp.final_path.c_str()) != 0)
        return sinkhub::Outcome::retry(errno_text("cannot rename onto", cp.final_path, errno), -1, 0);
      if (const int rc = fsync_dir(parent_of(cp.final_path)))
        return sinkhub::Outcome::retry(errno_text("cannot fsync directory", parent_of(cp.final_path), rc), -1, 0);
      if (host().log_enabled(SINKHUB_LOG_DEBUG))
        host().debug("wrote " + std::to_string(cp.items) + " items to " + cp.final_path);
    }
    return sinkhub::Outcome::ok();
  }

  static void describe(sinkhub_plugin_descriptor& d) noexcept {
    d.max_concurrency = 4;  // deliveries write distinct temp files; options are immutable
    d.preferred_batch_bytes = 4u << 20;
    d.max_batch_bytes = 64u << 20;
  }

 private:
  std::string final_path(const sinkhub::Context& ctx) const {
    return dir_ + "/" + sinkhub_tpl::expand(template_, ctx, host().now_unix_ms());
  }

  static std::string tmp_path_for(const std::string& final_path, std::string_view delivery_id) {
    const size_t slash = final_path.rfind('/');
    std::string base = final_path.substr(slash + 1);
    if (base.size() > 150) base.resize(150);
    std::string id = sinkhub_tpl::sanitize(delivery_id);
    if (id.size() > 64) id.resize(64);
    return final_path.substr(0, slash + 1) + "." + base + "." + id + ".tmp";
  }

  std::string dir_;
  std::string template_ = "{actorId}/{runId}.jsonl";
  bool json_array_ = false;
  bool gzip_ = false;
};

}  // namespace

SINKHUB_PLUGIN(FileSink, "file", "File sink", "1.0.0",
               "Writes each delivery atomically to a file (JSONL or JSON array, optional gzip)", kSchema,
               SINKHUB_CAP_IDEMPOTENT)
