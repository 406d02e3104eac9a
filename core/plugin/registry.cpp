// Finding and checking plugins. Every refusal says exactly what is wrong with which file.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <boost/dll/shared_library.hpp>
#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "plugin/host.hpp"

namespace sinkhub::plugin {

namespace fs = std::filesystem;

namespace {

// Loaded libraries are kept for the life of the process: never unloaded (see host.hpp). One
// handle per file, whatever the number of scans (a reload scans again), with what the file was
// when it was loaded: the loader hands out the loaded code for that path again even if the file
// was replaced since, which only a restart changes.
struct Kept {
  boost::dll::shared_library lib;
  std::string identity;
};
std::mutex& kept_mu() {
  static auto* mu = new std::mutex();
  return *mu;
}
std::map<std::string, Kept>& kept_libraries() {
  static auto* libs = new std::map<std::string, Kept>();
  return *libs;
}

// Device, inode, size and modification time: a file replaced or rewritten in place differs.
std::string file_identity(const fs::path& p) {
  struct stat st{};
  if (::stat(p.c_str(), &st) != 0) return {};
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

// Keeps `lib` loaded for good unless this file is kept already (then the extra handle is let go:
// the loader counts references, the code stays). True when this was the file's first load.
bool keep_loaded(const fs::path& path, boost::dll::shared_library lib) {
  const std::string identity = file_identity(path);
  std::lock_guard<std::mutex> lk(kept_mu());
  auto& kept = kept_libraries();
  const auto it = kept.find(path.string());
  if (it == kept.end()) {
    kept.emplace(path.string(), Kept{std::move(lib), identity});
    return true;
  }
  if (it->second.identity != identity) {
    spdlog::warn("plugins: {} changed on disk since sinkhub loaded it: the loaded version stays in use until sinkhub "
                 "restarts",
                 path.string());
    it->second.identity = identity;  // warned once per change
  }
  return false;
}

// A directory or file that someone other than root or our own user can write lets that
// someone run code with the daemon's rights.
std::string unsafe_permissions(const fs::path& p, const char* what) {
  struct stat st{};
  if (::stat(p.c_str(), &st) != 0) return std::string("cannot stat ") + what + " " + p.string() + ": " + std::strerror(errno);
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    return std::string(what) + " " + p.string() + " is owned by uid " + std::to_string(st.st_uid) +
           ", neither root nor the user sinkhub runs as";
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return std::string(what) + " " + p.string() + " is writable by group or others (chmod go-w it)";
  return {};
}

std::string check_descriptor(const sinkhub_plugin_descriptor* d) {
  if (d->struct_size < SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE)
    return "descriptor struct too small: " + std::to_string(d->struct_size) + " bytes, ABI 1 needs at least " +
           std::to_string(SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE);
  if (d->abi_major != SINKHUB_ABI_VERSION_MAJOR)
    return "ABI major mismatch: plugin built for ABI " + std::to_string(d->abi_major) + ".x, this sinkhub speaks " +
           std::to_string(SINKHUB_ABI_VERSION_MAJOR) + "." + std::to_string(SINKHUB_ABI_VERSION_MINOR);
  if (d->min_host_abi_minor > SINKHUB_ABI_VERSION_MINOR)
    return "needs a newer sinkhub: plugin requires host ABI 1." + std::to_string(d->min_host_abi_minor) +
           ", this sinkhub speaks 1." + std::to_string(SINKHUB_ABI_VERSION_MINOR);
  static const std::regex valid_id("[a-z0-9][a-z0-9._-]{0,63}");
  if (!d->id || !std::regex_match(d->id, valid_id)) return "invalid plugin id (must match [a-z0-9][a-z0-9._-]{0,63})";
  if (!d->name || !d->version) return "descriptor lacks name or version";
  const char* missing = !d->create ? "create" : !d->deliver ? "deliver" : !d->destroy ? "destroy"
                        : ((d->capabilities & SINKHUB_CAP_BUFFERED) && !d->flush) ? "flush (required by SINKHUB_CAP_BUFFERED)"
                                                                                  : nullptr;
  if (missing) return std::string("required callback missing: ") + missing;
  if (d->min_batch_bytes > 64ull * 1024 * 1024) return "min_batch_bytes above the host's limit of 64 MiB";
  return {};
}

PluginInfo inspect(const fs::path& path) {
  PluginInfo info;
  info.path = path.string();
  if (auto why = unsafe_permissions(path, "plugin file"); !why.empty()) {
    info.error = "refused: " + why;
    return info;
  }
  boost::dll::shared_library lib;
  boost::dll::fs::error_code ec;
  lib.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    const char* dl = ::dlerror();  // names the missing dependency or undefined symbol
    info.error = std::string("cannot load: ") + (dl ? dl : ec.message());
    return info;
  }
  if (!lib.has(SINKHUB_PLUGIN_ENTRY_SYMBOL)) {
    info.error = std::string("not a sinkhub plugin: no ") + SINKHUB_PLUGIN_ENTRY_SYMBOL + " symbol";
    return info;
  }
  auto entry = lib.get<const sinkhub_plugin_descriptor*(uint32_t, uint32_t)>(SINKHUB_PLUGIN_ENTRY_SYMBOL);
  const sinkhub_plugin_descriptor* d = entry(SINKHUB_ABI_VERSION_MAJOR, SINKHUB_ABI_VERSION_MINOR);
  info.loaded_before = !keep_loaded(path, std::move(lib));
  if (!d) {
    info.error = "plugin declined host ABI " + std::to_string(SINKHUB_ABI_VERSION_MAJOR) + "." +
                 std::to_string(SINKHUB_ABI_VERSION_MINOR);
    return info;
  }
  if (auto why = check_descriptor(d); !why.empty()) {
    info.error = why;
    return info;
  }
  // Copy what the plugin has into a zeroed struct of our size: fields a newer host knows
  // and an older plugin lacks read as 0/NULL.
  std::memcpy(&info.desc, d, std::min<std::size_t>(d->struct_size, sizeof info.desc));
  info.desc.struct_size = sizeof info.desc;
  info.id = d->id;
  info.name = d->name;
  info.version = d->version;
  info.description = d->description ? d->description : "";
  info.schema = d->options_schema_json ? d->options_schema_json : "";
  if (!info.schema.empty()) {
    try {
      const auto parsed = Poco::JSON::Parser().parse(info.schema);
      const auto obj = parsed.extract<Poco::JSON::Object::Ptr>();
      if (!obj || (obj->has("type") && obj->get("type").toString() != "object")) throw Poco::DataFormatException();
    } catch (const std::exception&) {
      info.error = "options_schema_json is not a JSON Schema object ({\"type\":\"object\", ...})";
    }
  }
  return info;
}

}  // namespace

void Registry::scan(const std::vector<std::string>& dirs) {
  std::set<std::string> seen_dirs, seen_files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    const fs::path canon = fs::canonical(dir, ec);
    if (ec) {
      dir_errors_.push_back("plugin directory " + dir + ": " + ec.message());
      continue;
    }
    if (!seen_dirs.insert(canon.string()).second) continue;
    if (auto why = unsafe_permissions(canon, "plugin directory"); !why.empty()) {
      dir_errors_.push_back("refused " + why);
      continue;
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(canon, ec))
      if (entry.path().extension() == ".so") files.push_back(entry.path());
    std::sort(files.begin(), files.end());  // deterministic order: first of a duplicate id wins
    for (const auto& f : files) {
      const fs::path real = fs::canonical(f, ec);
      if (ec || !seen_files.insert(real.string()).second) continue;
      PluginInfo info = inspect(real);
      if (info.ok())
        if (const PluginInfo* other = find(info.id))
          info.error = "duplicate plugin id '" + info.id + "' (already provided by " + other->path + ")";
      plugins_.push_back(std::move(info));
    }
  }
  for (const auto& e : dir_errors_) spdlog::error("plugins: {}", e);
  for (const auto& p : plugins_) {
    if (p.ok())
      spdlog::log(p.loaded_before ? spdlog::level::debug : spdlog::level::info, "plugins: loaded '{}' {} (ABI {}.{}) from {}",
                  p.id, p.version, p.desc.abi_major, p.desc.abi_minor, p.path);
    else
      spdlog::warn("plugins: {}: {}", p.path, p.error);
  }
}

const PluginInfo* Registry::find(const std::string& id) const {
  for (const auto& p : plugins_)
    if (p.ok() && p.id == id) return &p;
  return nullptr;
}

std::string Registry::why_missing(const std::string& id) const {
  std::string msg = "no usable plugin with id '" + id + "' in plugins.dirs";
  std::string refused;
  for (const auto& p : plugins_)
    if (!p.ok() && fs::path(p.path).stem() == id) refused = p.path + ": " + p.error;
  if (!refused.empty()) msg += " (" + refused + ")";
  else if (!dir_errors_.empty()) msg += " (" + dir_errors_.front() + ")";
  return msg;
}

}  // namespace sinkhub::plugin
