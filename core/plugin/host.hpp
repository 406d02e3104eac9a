// The plugin host: finds sink plugins (.so) in plugins.dirs, checks them against the ABI in
// sdk/include/sinkhub/sink.h, and runs their instances. Plugins are loaded with
// RTLD_NOW|RTLD_LOCAL and never unloaded (their code may still be referenced by threads
// they started, and unloading C++ code is a known source of crashes).
#pragma once

#include <sinkhub/sink.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sinkhub::plugin {

// One file found in a plugin directory.
struct PluginInfo {
  std::string path;   // canonical path (as found, when refused before it could be resolved)
  std::string dir;    // the plugins.dirs entry it was found through, as configured
  std::string error;  // why it was refused; empty when usable
  // Copied from the descriptor (zero-extended to this host's struct size).
  sinkhub_plugin_descriptor desc{};
  std::string id, name, version, description, schema;
  bool loaded_before = false;  // an earlier scan of this process loaded the file (a reload)

  bool ok() const { return error.empty(); }
  // The error, prefixed with the path unless it names it already.
  std::string refusal() const { return error.find(path) != std::string::npos ? error : path + ": " + error; }
};

// A plugins.dirs entry that was refused, and why.
struct DirRefusal {
  std::string dir;  // as configured
  std::string error;
};

class Registry {
 public:
  // Inspects every *.so in dirs (canonicalised; a file reached twice is loaded once).
  // Trust first: a directory or file is refused unless every directory from / down to it
  // (symlinks followed, trust.hpp) and the file itself can be written only by root or the
  // user sinkhub runs as. Two usable files with one id are both refused.
  // Never throws: each refused directory or file gets one clear message (also logged).
  // A file this process loaded before (an earlier scan, a reload) is not loaded again: it is
  // the same code, and a file replaced on disk since takes a restart (warned about).
  void scan(const std::vector<std::string>& dirs);

  const std::vector<PluginInfo>& plugins() const { return plugins_; }
  const std::vector<std::string>& dir_errors() const { return dir_errors_; }
  const std::vector<DirRefusal>& refused_dirs() const { return refused_dirs_; }
  // A usable plugin with this id, or nullptr.
  const PluginInfo* find(const std::string& id) const;
  // Why no usable plugin has this id (for "sinks.x.plugin" errors).
  std::string why_missing(const std::string& id) const;

 private:
  void refuse_dir(const std::string& dir, const std::string& why);

  std::vector<PluginInfo> plugins_;
  std::vector<std::string> dir_errors_;  // the messages of refused_dirs_
  std::vector<DirRefusal> refused_dirs_;
};

// What a plugin call returned, in host terms.
struct CallResult {
  int32_t code = SINKHUB_FATAL;  // SINKHUB_OK / RETRY / REJECT / FATAL (unknown codes become RETRY)
  std::string message;
  int64_t retry_after_ms = -1;
  uint64_t items_accepted = 0;  // deliver only, clamped to the batch
  int32_t dest_status = 0;
  bool overran_deadline = false;
  std::optional<std::string> checkpoint;  // the last blob staged during the call, if any
  // ABI 1.2 rewind (sink.h, sinkhub_result.resume_from_item): the delivery goes back to this
  // item with `checkpoint` (nullopt: none). Set only when valid: at most the call's item_offset,
  // nothing accepted (Instance::deliver turns an invalid one into a RETRY).
  std::optional<uint64_t> resume_from;
  // ABI 1.3 (sink.h, SINKHUB_RESULT_BUSY): a RETRY because the sink is busy with another of our
  // deliveries, not failing; the delivery waits without spending an attempt. Set only when
  // valid: code RETRY, nothing accepted, no rewind (Instance::deliver makes any other BUSY a
  // plain RETRY).
  bool busy = false;

  bool ok() const { return code == SINKHUB_OK; }
};

// The host's side of one delivery call.
struct DeliveryContext {
  std::string delivery_id, event_type, run_id, actor_id, task_id, dataset_id, event_json;
  std::string actor_name;  // ABI 1.1: "username/name", "" when unknown
  uint32_t flags = 0;  // SINKHUB_CTX_*
  uint32_t attempt = 1, batch_index = 0;
  int64_t timeout_ms = 60000;  // the call's deadline, from now
  int64_t event_time_unix_ms = 0;
  uint64_t item_offset = 0;
  int64_t dataset_item_count = -1;
  std::string checkpoint;  // as persisted; empty = none
};

// Items in the ABI's shape: NDJSON text plus per-item offsets and lengths.
struct Batch {
  std::string data;  // every item followed by '\n'
  std::vector<size_t> offsets, lengths;

  void add(const char* item, size_t len);
  void clear();
  uint64_t count() const { return offsets.size(); }
};

class Instance {
 public:
  // Runs the plugin's create(). options_json must already be schema-checked. On failure
  // returns nullptr with the plugin's (or the host's) reason in err.
  static std::unique_ptr<Instance> create(const PluginInfo& plugin, const std::string& name,
                                          const std::string& options_json, const std::string& data_dir,
                                          bool check_only, CallResult& err);
  ~Instance();  // close() if open, then destroy()
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  CallResult open(int64_t timeout_ms);
  // After FATAL: close and destroy the plugin's instance, then create and open a new one
  // with the same options. The caller guarantees no other call runs on this instance.
  CallResult restart(int64_t timeout_ms);
  CallResult deliver(const DeliveryContext& ctx, const Batch& batch);
  CallResult flush(int64_t timeout_ms);
  CallResult close(int64_t timeout_ms);

  const PluginInfo& plugin() const { return plugin_; }
  const std::string& name() const;
  const sinkhub_instance_limits& limits() const { return limits_; }

  // Asks every running deliver() of this instance to stop (call_cancelled turns true).
  void cancel_all();

 private:
  struct State;
  Instance(const PluginInfo& plugin, std::unique_ptr<State> state);
  CallResult create_plugin_instance(bool check_only);
  CallResult unavailable() const;

  const PluginInfo plugin_;  // a copy: an instance outlives the Registry that found its plugin (reload)
  std::unique_ptr<State> state_;
  sinkhub_instance* inst_ = nullptr;
  sinkhub_instance_limits limits_{};
  bool opened_ = false;
};

// The services table handed to every plugin (static for the process).
const sinkhub_host* host_services();

}  // namespace sinkhub::plugin
