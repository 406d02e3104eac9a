// Finding and checking plugins. Every refusal says exactly what is wrong with which file.
#include <boost/dll/shared_library.hpp>
#include <dlfcn.h>
#include <sys/stat.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "plugin/host.hpp"
#include "plugin/schema.hpp"
#include "plugin/trust.hpp"

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

// Loads one plugin file whose path check_trusted() accepted and reads its descriptor.
PluginInfo inspect(const std::string& path) {
  PluginInfo info;
  info.path = path;
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
  if (!info.schema.empty())
    if (auto why = schema::check(info.schema); !why.empty()) info.error = "options_schema_json refused: " + why;
  return info;
}

// Two files with one id: which one a sink gets would depend on directory order, so neither
// is used and both are named.
void refuse_duplicate_ids(std::vector<PluginInfo>& plugins) {
  std::map<std::string, std::vector<PluginInfo*>> by_id;
  for (auto& p : plugins)
    if (p.ok()) by_id[p.id].push_back(&p);
  for (auto& [id, copies] : by_id) {
    if (copies.size() < 2) continue;
    std::string paths;
    for (std::size_t i = 0; i < copies.size(); ++i)
      paths += (i == 0 ? "" : i + 1 == copies.size() ? " and " : ", ") + copies[i]->path;
    for (auto* p : copies)
      p->error = "duplicate plugin id '" + id + "' (in " + paths + "): every copy is refused until only one remains";
  }
}

}  // namespace

void Registry::refuse_dir(const std::string& dir, const std::string& why) {
  dir_errors_.push_back(why);
  refused_dirs_.push_back({dir, why});
}

void Registry::scan(const std::vector<std::string>& dirs) {
  std::set<std::string> seen_dirs, seen_files;
  for (const auto& dir : dirs) {
    const TrustedPath d = check_trusted(dir, "plugin directory", true);
    if (!d.ok()) {
      refuse_dir(dir, d.problem);
      continue;
    }
    if (!seen_dirs.insert(d.resolved).second) continue;
    std::error_code ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(d.resolved, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".so") files.push_back(it->path());
    if (ec) {
      refuse_dir(dir, "plugin directory " + dir + " cannot be listed: " + ec.message());
      continue;
    }
    std::sort(files.begin(), files.end());  // deterministic order in listings and logs
    for (const auto& f : files) {
      const TrustedPath file = check_trusted(f.string(), "plugin file", false);
      if (file.ok() && !seen_files.insert(file.resolved).second) continue;  // reached twice: loaded once
      PluginInfo info;
      if (file.ok()) {
        info = inspect(file.resolved);
      } else {
        info.path = f.string();
        info.error = file.problem;
      }
      info.dir = dir;
      plugins_.push_back(std::move(info));
    }
  }
  refuse_duplicate_ids(plugins_);
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
  // The refusals of files that declare this id, else of files named after it, else of the
  // directories: the reason a sink's plugin is missing is almost always among them.
  std::vector<std::string> reasons;
  const auto add = [&](const PluginInfo& p) {
    const std::string r = p.refusal();
    if (std::find(reasons.begin(), reasons.end(), r) == reasons.end()) reasons.push_back(r);
  };
  for (const auto& p : plugins_)
    if (!p.ok() && p.id == id) add(p);
  if (reasons.empty())
    for (const auto& p : plugins_)
      if (!p.ok() && fs::path(p.path).stem() == id) add(p);
  if (reasons.empty()) reasons = dir_errors_;
  std::string msg = "no usable plugin with id '" + id + "' in plugins.dirs";
  for (std::size_t i = 0; i < reasons.size(); ++i) msg += (i == 0 ? " (" : "; ") + reasons[i];
  return reasons.empty() ? msg : msg + ")";
}

}  // namespace sinkhub::plugin
