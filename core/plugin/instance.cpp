// Running a plugin instance: every call gets a fresh, preset result and message buffer;
// whatever the plugin answers is normalised here, so the rest of the daemon only sees the
// four documented outcomes.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "plugin/host.hpp"
#include "plugin/host_internal.hpp"
#include "util/clock.hpp"

namespace sinkhub::plugin {

namespace {

constexpr std::size_t kMessageCap = 4096;

sinkhub_str str(const std::string& s) { return {s.c_str(), s.size()}; }

struct ResultBuffer {
  char message[kMessageCap];
  sinkhub_result r;
  ResultBuffer() {
    std::memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    r.retry_after_ms = -1;
    r.items_accepted = SINKHUB_ITEMS_UNSET;
    r.resume_from_item = SINKHUB_ITEMS_UNSET;
    r.flags = 0;
    message[0] = '\0';
    r.message = message;
    r.message_cap = kMessageCap;
  }
};

CallResult normalise(const PluginInfo& plugin, const std::string& instance, const char* what, int32_t code,
                     const ResultBuffer& rb, uint64_t item_count) {
  CallResult out;
  out.code = code;
  if (code != SINKHUB_OK && code != SINKHUB_RETRY && code != SINKHUB_REJECT && code != SINKHUB_FATAL) {
    spdlog::warn("[{}/{}] {} returned unknown result code {}; treating it as RETRY (plugin bug)", plugin.id, instance,
                 what, code);
    out.code = SINKHUB_RETRY;
  }
  // The plugin wrote into our buffer; never trust it to have terminated it.
  out.message.assign(rb.message, strnlen(rb.message, kMessageCap - 1));
  out.retry_after_ms = out.code == SINKHUB_RETRY ? rb.r.retry_after_ms : -1;
  out.dest_status = rb.r.dest_status;
  const uint64_t acc = rb.r.items_accepted;
  if (acc == SINKHUB_ITEMS_UNSET)
    out.items_accepted = out.code == SINKHUB_OK ? item_count : 0;
  else
    out.items_accepted = std::min(acc, item_count);
  if (out.code == SINKHUB_OK && out.items_accepted < item_count && !(plugin.desc.capabilities & SINKHUB_CAP_PARTIAL))
    spdlog::warn("[{}/{}] {} accepted {} of {} items without declaring SINKHUB_CAP_PARTIAL; the rest is sent again",
                 plugin.id, instance, what, out.items_accepted, item_count);
  return out;
}

// ABI 1.2: a deliver() that asked to resume the delivery at an earlier item. A rewind past
// what the host holds as accepted, or one that also accepts items, is a plugin bug: refused,
// the call becomes a RETRY that changes nothing.
void take_rewind(const PluginInfo& plugin, const std::string& instance, const DeliveryContext& c,
                 const sinkhub_result& r, CallResult& out) {
  const uint64_t n = r.resume_from_item;
  if (n == SINKHUB_ITEMS_UNSET) return;
  std::string bug;
  if (n > c.item_offset)
    bug = "asked to resume at item " + std::to_string(n) + ", past the " + std::to_string(c.item_offset) +
          " items accepted so far";
  else if (r.items_accepted != SINKHUB_ITEMS_UNSET && r.items_accepted != 0)
    bug = "asked to resume at item " + std::to_string(n) + " while accepting " + std::to_string(r.items_accepted) +
          " items";
  if (bug.empty()) {
    out.resume_from = n;
    out.items_accepted = 0;
    return;
  }
  spdlog::error("[{}/{}] deliver {} (delivery {}); refused, the call counts as RETRY (plugin bug)", plugin.id,
                instance, bug, c.delivery_id);
  out.code = SINKHUB_RETRY;
  out.items_accepted = 0;
  out.retry_after_ms = -1;
  out.checkpoint.reset();
  out.message = "plugin error: " + bug + (out.message.empty() ? "" : ": " + out.message);
}

// ABI 1.3: a RETRY flagged BUSY waits for the sink's turn without spending an attempt, so only
// a call that changed nothing may say so. One that accepted items or asked for a rewind did
// work a plain RETRY accounts for: it stays one (a plugin bug, logged). Ignored with other codes.
void take_busy(const PluginInfo& plugin, const std::string& instance, const DeliveryContext& c, int32_t code,
               const sinkhub_result& r, CallResult& out) {
  if (!(r.flags & SINKHUB_RESULT_BUSY) || code != SINKHUB_RETRY) return;
  const bool accepted = r.items_accepted != SINKHUB_ITEMS_UNSET && r.items_accepted != 0;
  if (accepted || r.resume_from_item != SINKHUB_ITEMS_UNSET) {
    spdlog::warn("[{}/{}] deliver answered RETRY flagged BUSY while {} (delivery {}); treated as a plain RETRY, "
                 "which counts as an attempt (plugin bug)",
                 plugin.id, instance, accepted ? "accepting items" : "asking for a rewind", c.delivery_id);
    return;
  }
  out.busy = true;
}

}  // namespace

struct Instance::State {
  sinkhub_host_instance hi;
  std::string options_json;  // as validated: create() gets it again on restart
  std::string data_dir;
};

void Batch::add(const char* item, size_t len) {
  offsets.push_back(data.size());
  lengths.push_back(len);
  data.append(item, len);
  data.push_back('\n');
}

void Batch::clear() {
  data.clear();
  offsets.clear();
  lengths.clear();
}

Instance::Instance(const PluginInfo& plugin, std::unique_ptr<State> state) : plugin_(plugin), state_(std::move(state)) {}

const std::string& Instance::name() const { return state_->hi.name; }

std::unique_ptr<Instance> Instance::create(const PluginInfo& plugin, const std::string& name,
                                           const std::string& options_json, const std::string& data_dir,
                                           bool check_only, CallResult& err) {
  auto state = std::make_unique<State>();
  state->hi.plugin_id = plugin.id;
  state->hi.name = name;
  state->hi.log_prefix = "[" + plugin.id + "/" + name + "] ";
  state->options_json = options_json.empty() ? "{}" : options_json;
  state->data_dir = data_dir;
  std::unique_ptr<Instance> self(new Instance(plugin, std::move(state)));
  err = self->create_plugin_instance(check_only);
  if (!err.ok()) return nullptr;
  return self;
}

CallResult Instance::create_plugin_instance(bool check_only) {
  const auto& d = plugin_.desc;
  sinkhub_instance_limits& lim = limits_;
  lim.struct_size = sizeof lim;
  lim.max_concurrency = d.max_concurrency;
  lim.max_items = d.max_items;
  lim.preferred_batch_items = d.preferred_batch_items;
  lim.max_batch_items = d.max_batch_items;
  lim.preferred_batch_bytes = d.preferred_batch_bytes;
  lim.max_batch_bytes = d.max_batch_bytes;
  lim.min_batch_bytes = d.min_batch_bytes;
  State& st = *state_;
  st.hi.creating = true;
  st.hi.defining_metrics = true;
  st.hi.alive = true;

  sinkhub_create_args args;
  std::memset(&args, 0, sizeof args);
  args.struct_size = sizeof args;
  args.flags = check_only ? SINKHUB_CREATE_CHECK_ONLY : 0;
  args.host = host_services();
  args.host_instance = &st.hi;
  args.instance_name = str(st.hi.name);
  args.options_json = str(st.options_json);
  args.data_dir = str(st.data_dir);
  args.limits = &lim;

  ResultBuffer rb;
  sinkhub_instance* inst = nullptr;
  const int32_t code = d.create(&args, &inst, &rb.r);
  st.hi.creating = false;
  CallResult err = normalise(plugin_, st.hi.name, "create", code, rb, 0);
  if (err.code != SINKHUB_OK || !inst) {
    if (err.code == SINKHUB_OK) {
      err.code = SINKHUB_FATAL;
      err.message = "create returned OK without an instance (plugin bug)";
    } else if (inst) {
      spdlog::warn("[{}/{}] create failed but returned an instance; destroying it", plugin_.id, st.hi.name);
      d.destroy(inst);
    }
    if (err.message.empty()) err.message = "create failed without a message";
    st.hi.alive = false;
    return err;
  }
  if (lim.min_batch_bytes > 64ull * 1024 * 1024) lim.min_batch_bytes = 64ull * 1024 * 1024;
  inst_ = inst;
  return err;
}

CallResult Instance::unavailable() const {
  CallResult r;
  r.code = SINKHUB_FATAL;
  r.message = "sink instance unavailable: its last re-creation failed";
  return r;
}

CallResult Instance::restart(int64_t timeout_ms) {
  if (inst_) {
    if (opened_) close(timeout_ms);
    state_->hi.alive = false;
    plugin_.desc.destroy(inst_);
    inst_ = nullptr;
  }
  CallResult r = create_plugin_instance(false);
  if (!r.ok()) return r;
  return open(timeout_ms);
}

Instance::~Instance() {
  if (!inst_) return;
  if (opened_) close(10000);
  state_->hi.alive = false;
  plugin_.desc.destroy(inst_);
}

CallResult Instance::open(int64_t timeout_ms) {
  if (!inst_) return unavailable();
  ResultBuffer rb;
  int32_t code = SINKHUB_OK;
  // sink.h: data_dir is "created by the host before open()" (private to the instance).
  if (!state_->data_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(state_->data_dir, ec);
    if (!ec)
      std::filesystem::permissions(state_->data_dir, std::filesystem::perms::owner_all,
                                   std::filesystem::perm_options::replace, ec);
    if (ec) spdlog::warn("[{}/{}] cannot create the instance data directory: {}", plugin_.id, name(), ec.message());
  }
  if (plugin_.desc.open) code = plugin_.desc.open(inst_, util::steady_ms() + timeout_ms, &rb.r);
  state_->hi.defining_metrics = false;  // metric_define is allowed during create and open only
  CallResult out = normalise(plugin_, name(), "open", code, rb, 0);
  opened_ = out.code == SINKHUB_OK;
  return out;
}

CallResult Instance::deliver(const DeliveryContext& c, const Batch& batch) {
  if (!inst_) return unavailable();
  sinkhub_call call;
  call.owner = &state_->hi;
  call.deadline_monotonic_ms = util::steady_ms() + c.timeout_ms;
  {
    std::lock_guard<std::mutex> lk(state_->hi.calls_mu);
    state_->hi.calls.push_back(&call);
  }

  sinkhub_run_context ctx;
  std::memset(&ctx, 0, sizeof ctx);
  ctx.struct_size = sizeof ctx;
  ctx.flags = c.flags;
  ctx.call = &call;
  ctx.delivery_id = str(c.delivery_id);
  ctx.event_type = str(c.event_type);
  ctx.run_id = str(c.run_id);
  ctx.actor_id = str(c.actor_id);
  ctx.task_id = str(c.task_id);
  ctx.dataset_id = str(c.dataset_id);
  ctx.event_json = str(c.event_json);
  ctx.attempt = c.attempt;
  ctx.batch_index = c.batch_index;
  ctx.deadline_monotonic_ms = call.deadline_monotonic_ms;
  ctx.event_time_unix_ms = c.event_time_unix_ms;
  ctx.item_offset = c.item_offset;
  ctx.dataset_item_count = c.dataset_item_count;
  ctx.checkpoint = c.checkpoint.empty() ? nullptr : c.checkpoint.data();
  ctx.checkpoint_len = c.checkpoint.size();
  ctx.actor_name = str(c.actor_name);  // since 1.1

  sinkhub_batch b;
  std::memset(&b, 0, sizeof b);
  b.struct_size = sizeof b;
  b.format = SINKHUB_FORMAT_NDJSON;
  b.item_count = batch.count();
  b.data = batch.data.c_str();
  b.data_len = batch.data.size();
  b.item_offsets = batch.offsets.empty() ? nullptr : batch.offsets.data();
  b.item_lengths = batch.lengths.empty() ? nullptr : batch.lengths.data();

  ResultBuffer rb;
  const int32_t code = plugin_.desc.deliver(inst_, &ctx, &b, &rb.r);
  call.running = false;
  {
    std::lock_guard<std::mutex> lk(state_->hi.calls_mu);
    auto& v = state_->hi.calls;
    v.erase(std::remove(v.begin(), v.end(), &call), v.end());
  }
  CallResult out = normalise(plugin_, name(), "deliver", code, rb, batch.count());
  out.overran_deadline = util::steady_ms() > call.deadline_monotonic_ms;
  if (out.overran_deadline)
    spdlog::warn("[{}/{}] deliver overran its deadline by {} ms (delivery {})", plugin_.id, name(),
                 util::steady_ms() - call.deadline_monotonic_ms, c.delivery_id);
  {
    std::lock_guard<std::mutex> lk(call.mu);
    out.checkpoint = std::move(call.checkpoint);
  }
  take_rewind(plugin_, name(), c, rb.r, out);
  take_busy(plugin_, name(), c, code, rb.r, out);
  return out;
}

CallResult Instance::flush(int64_t timeout_ms) {
  if (!inst_) return unavailable();
  ResultBuffer rb;
  if (!plugin_.desc.flush) return normalise(plugin_, name(), "flush", SINKHUB_OK, rb, 0);
  return normalise(plugin_, name(), "flush", plugin_.desc.flush(inst_, util::steady_ms() + timeout_ms, &rb.r), rb, 0);
}

CallResult Instance::close(int64_t timeout_ms) {
  ResultBuffer rb;
  int32_t code = SINKHUB_OK;
  if (opened_ && plugin_.desc.close) code = plugin_.desc.close(inst_, util::steady_ms() + timeout_ms, &rb.r);
  opened_ = false;
  state_->hi.alive = false;
  CallResult out = normalise(plugin_, name(), "close", code, rb, 0);
  if (!out.ok()) spdlog::warn("[{}/{}] close: {}", plugin_.id, name(), out.message);
  return out;
}

void Instance::cancel_all() {
  std::lock_guard<std::mutex> lk(state_->hi.calls_mu);
  for (auto* c : state_->hi.calls) c->cancelled = true;
}

}  // namespace sinkhub::plugin
