#include "file_client.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "checkpoint.hpp"
#include "key_template.hpp"

namespace sinkhub_file {

using sinkhub::Outcome;
using sinkhub_kit::errno_text;
using sinkhub_kit::parent_of;

namespace {
constexpr unsigned kVersion = 2;  // 1: the "sinkhub-file/1" line format of file sink 1.0
}

std::string State::encode() const {
  return sinkhub_kit::Checkpoint("file", kVersion)
      .set_text("final", final_path)
      .set_text("tmp", tmp_path)
      .set_count("bytes", bytes)
      .set_count("items", items)
      .encode();
}

std::optional<State> State::decode(std::string_view blob, std::string& why) {
  try {
    const auto cp = sinkhub_kit::Checkpoint::decode(blob, "file", kVersion);
    State st;
    st.final_path = cp.text("final");
    st.tmp_path = cp.text("tmp");
    st.bytes = cp.count("bytes");
    st.items = cp.count("items");
    return st;
  } catch (const sinkhub_kit::CheckpointError& e) {
    why = e.what();
    return std::nullopt;
  }
}

std::string tmp_path_for(const std::string& final_path, std::string_view delivery_id) {
  const std::size_t slash = final_path.rfind('/');
  std::string base = final_path.substr(slash + 1);
  if (base.size() > 150) base.resize(150);
  std::string id = sinkhub_kit::sanitize(delivery_id);
  if (id.size() > 64) id.resize(64);
  return final_path.substr(0, slash + 1) + "." + base + "." + id + ".tmp";
}

Outcome create_root(const std::string& dir) {
  if (const int rc = sinkhub_kit::make_dirs(dir, 0755, true)) {
    const std::string msg = errno_text("cannot create directory", dir, rc);
    return rc == EACCES || rc == EROFS || rc == ENOTDIR ? Outcome::fatal(msg) : Outcome::retry(msg);
  }
  return Outcome::ok();
}

namespace {

std::optional<Outcome> start_temp(const State& st, sinkhub_kit::Spool& spool) {
  const std::string dir = parent_of(st.final_path);
  if (const int rc = sinkhub_kit::make_dirs(dir, 0755, true))
    return Outcome::retry(errno_text("cannot create directory", dir, rc));
  if (auto failed = spool.create(0644)) return failed;
  // Make the temp file's directory entry durable too, so a retry after a power loss finds it.
  if (const int rc = sinkhub_kit::fsync_dir(parent_of(st.tmp_path)))
    return Outcome::retry(errno_text("cannot fsync directory", parent_of(st.tmp_path), rc));
  return std::nullopt;
}

// The previous attempt renamed the temp file, but the host lost the commit of that call:
// the final file's checkpointed prefix becomes the temp file again. Without a final file
// that long, nothing can be resumed.
std::optional<Outcome> rebuild_from_final(const State& st, const sinkhub_kit::Spool& temp) {
  struct stat sb {};
  if (::stat(st.final_path.c_str(), &sb) != 0 || static_cast<std::uint64_t>(sb.st_size) < st.bytes)
    return temp.missing();
  if (const int rc = sinkhub_kit::copy_prefix(st.final_path, st.tmp_path, st.bytes))
    return Outcome::retry(errno_text("cannot rebuild", st.tmp_path, rc));
  return std::nullopt;
}

}  // namespace

std::optional<Outcome> open_temp(const sinkhub::Context& ctx, const State& st, sinkhub_kit::Spool& spool) {
  if (sinkhub_kit::starts_fresh(ctx)) return start_temp(st, spool);
  Outcome failure;
  auto resumed = spool.resume(st.bytes, failure);
  if (resumed == sinkhub_kit::Spool::Resume::Missing) {
    if (auto failed = rebuild_from_final(st, spool)) return failed;
    resumed = spool.resume(st.bytes, failure);
  }
  if (resumed == sinkhub_kit::Spool::Resume::Ok) return std::nullopt;
  return resumed == sinkhub_kit::Spool::Resume::Missing ? spool.missing() : failure;
}

std::optional<Outcome> publish(const State& st) {
  if (std::rename(st.tmp_path.c_str(), st.final_path.c_str()) != 0)
    return Outcome::retry(errno_text("cannot rename onto", st.final_path, errno), -1, 0);
  if (const int rc = sinkhub_kit::fsync_dir(parent_of(st.final_path)))
    return Outcome::retry(errno_text("cannot fsync directory", parent_of(st.final_path), rc), -1, 0);
  return std::nullopt;
}

}  // namespace sinkhub_file
