// SDK-side ABI tests: the frozen layout is compiled in, the version/size
// macros behave, and the C++ wrapper's exception barrier never lets an
// exception cross the C boundary.
#include <sinkhub/http_outcome.hpp>
#include <sinkhub/sink.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>

extern "C" int sinkhub_layout_check_count(void);

namespace {

TEST(SdkAbi, LayoutChecksAreCompiledIn) {
#if defined(__x86_64__)
  EXPECT_GT(sinkhub_layout_check_count(), 200);
#else
  EXPECT_GE(sinkhub_layout_check_count(), 3);
#endif
}

TEST(SdkAbi, HasMacrosRespectStructSize) {
  sinkhub_host h;
  std::memset(&h, 0, sizeof h);
  h.struct_size = static_cast<uint32_t>(SINKHUB_END_OF(sinkhub_host, log));  // a host trimmed after `log`
  h.log = [](sinkhub_host_instance*, int32_t, const char*, size_t) {};
  EXPECT_TRUE(SINKHUB_HAS(&h, sinkhub_host, log));
  EXPECT_TRUE(SINKHUB_HAS_FN(&h, sinkhub_host, log));
  EXPECT_FALSE(SINKHUB_HAS(&h, sinkhub_host, log_enabled));
  EXPECT_FALSE(SINKHUB_HAS_FN(&h, sinkhub_host, http_request));
  h.struct_size = sizeof h;
  EXPECT_FALSE(SINKHUB_HAS_FN(&h, sinkhub_host, http_request));  // present but NULL
  EXPECT_EQ(SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE, sizeof(sinkhub_plugin_descriptor));  // 1.0
  EXPECT_STREQ(SINKHUB_PLUGIN_ENTRY_SYMBOL, "sinkhub_plugin_entry_v1");
}

TEST(SdkAbi, SetMessageTruncatesAndTerminates) {
  char buf[8];
  std::memset(buf, 'z', sizeof buf);
  sinkhub_result r;
  std::memset(&r, 0, sizeof r);
  r.message = buf;
  r.message_cap = sizeof buf;
  sinkhub_result_set_message(&r, "0123456789");
  EXPECT_STREQ(buf, "0123456");
  sinkhub_result_set_message(&r, nullptr);
  EXPECT_STREQ(buf, "");
}

// ---- the C++ wrapper, driven through its C entry points --------------------

struct Behaviour {
  static inline std::string mode;
};

class Thrower : public sinkhub::Sink {
 public:
  explicit Thrower(const sinkhub::CreateArgs& a) : Sink(a) {
    if (a.options_json == "bad") throw sinkhub::OptionsError("option 'x': bad");
    if (a.options_json == "boom") throw std::runtime_error("boom");
    if (a.options_json == "int") throw 42;
    if (a.limits) a.limits->max_items = 7;
  }
  sinkhub::Outcome deliver(const sinkhub::Context& c, const sinkhub::Batch& b) override {
    const std::string& m = Behaviour::mode;
    if (m == "ok") return sinkhub::Outcome::ok();
    if (m == "partial") return sinkhub::Outcome::ok_partial(1);
    if (m == "retry") return sinkhub::Outcome::retry("later", 1500, 2);
    if (m == "reject") return sinkhub::Outcome::reject("bad item");
    if (m == "fatal") return sinkhub::Outcome::fatal("broken");
    if (m == "throw-retry") throw sinkhub::RetryError("429", 2000);
    if (m == "throw-reject") throw sinkhub::RejectError("nope");
    if (m == "throw-std") throw std::logic_error(std::string(5000, 'x'));
    if (m == "throw-int") throw 1;
    if (m == "view") {
      if (c.run_id() != "r1" || b.size() != 2 || b.item(1) != "{\"b\":2}" || !c.first_batch()) throw 0;
      if (c.save_checkpoint("cp") != SINKHUB_E_OK) throw 0;
      return sinkhub::Outcome::ok();
    }
    return sinkhub::Outcome::ok();
  }
  static void describe(sinkhub_plugin_descriptor& d) noexcept { d.max_concurrency = 3; }
};

using A = sinkhub::detail::Adapter<Thrower>;

struct Result {
  char msg[SINKHUB_MIN_MESSAGE_CAP];
  sinkhub_result r;
  Result() {
    std::memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    r.retry_after_ms = -1;
    r.items_accepted = SINKHUB_ITEMS_UNSET;
    r.resume_from_item = SINKHUB_ITEMS_UNSET;
    r.flags = 0;
    r.message = msg;
    r.message_cap = sizeof msg;
    msg[0] = 0;
  }
};

std::string g_checkpoint;

sinkhub_host test_host() {
  sinkhub_host h;
  std::memset(&h, 0, sizeof h);
  h.struct_size = sizeof h;
  h.abi_major = 1;
  h.checkpoint_save = [](sinkhub_call*, const void* d, size_t n) -> int32_t {
    g_checkpoint.assign(static_cast<const char*>(d), n);
    return SINKHUB_E_OK;
  };
  h.call_cancelled = [](sinkhub_call*) -> int32_t { return 0; };
  return h;
}

int32_t create(const char* opts, sinkhub_instance** out, Result& res, sinkhub_instance_limits* lim = nullptr) {
  static const sinkhub_host h = test_host();
  sinkhub_instance_limits local;
  std::memset(&local, 0, sizeof local);
  sinkhub_create_args a;
  std::memset(&a, 0, sizeof a);
  a.struct_size = sizeof a;
  a.host = &h;
  a.options_json = {opts, std::strlen(opts)};
  a.instance_name = {"t", 1};
  a.data_dir = {"", 0};
  a.limits = lim ? lim : &local;
  return A::create(&a, out, &res.r);
}

TEST(SdkWrapper, CreateBarrier) {
  sinkhub_instance* inst = reinterpret_cast<sinkhub_instance*>(0x1);
  Result r1;
  EXPECT_EQ(create("bad", &inst, r1), SINKHUB_REJECT);
  EXPECT_EQ(inst, nullptr);
  EXPECT_STREQ(r1.msg, "option 'x': bad");
  Result r2;
  EXPECT_EQ(create("boom", &inst, r2), SINKHUB_FATAL);
  EXPECT_NE(std::string(r2.msg).find("boom"), std::string::npos);
  Result r3;
  EXPECT_EQ(create("int", &inst, r3), SINKHUB_FATAL);
  EXPECT_EQ(inst, nullptr);
  Result r4;
  sinkhub_instance_limits lim;
  std::memset(&lim, 0, sizeof lim);
  ASSERT_EQ(create("{}", &inst, r4, &lim), SINKHUB_OK);
  EXPECT_EQ(lim.max_items, 7u);
  ASSERT_NE(inst, nullptr);
  A::destroy(inst);
}

TEST(SdkWrapper, DescriptorFromMacroHelpers) {
  const sinkhub_plugin_descriptor d = A::make("t.id", "T", "1.0.0", nullptr, nullptr, SINKHUB_CAP_PARTIAL);
  EXPECT_EQ(d.struct_size, sizeof d);
  EXPECT_EQ(d.abi_major, 1u);
  EXPECT_EQ(d.min_host_abi_minor, static_cast<uint32_t>(SINKHUB_ABI_VERSION_MINOR));
  EXPECT_EQ(d.capabilities, SINKHUB_CAP_PARTIAL);
  EXPECT_EQ(d.max_concurrency, 3u);  // from describe()
  EXPECT_TRUE(d.create && d.open && d.deliver && d.flush && d.close && d.destroy);
}

TEST(SdkWrapper, DeliverBarrierMapsEveryOutcome) {
  sinkhub_instance* inst = nullptr;
  Result cr;
  ASSERT_EQ(create("{}", &inst, cr), SINKHUB_OK);
  const sinkhub_host h = test_host();
  (void)h;

  const char data[] = "{\"a\":1}\n{\"b\":2}\n";
  const size_t offs[] = {0, 8};
  const size_t lens[] = {7, 7};
  sinkhub_batch b;
  std::memset(&b, 0, sizeof b);
  b.struct_size = sizeof b;
  b.format = SINKHUB_FORMAT_NDJSON;
  b.item_count = 2;
  b.data = data;
  b.data_len = sizeof data - 1;
  b.item_offsets = offs;
  b.item_lengths = lens;
  sinkhub_run_context c;
  std::memset(&c, 0, sizeof c);
  c.struct_size = sizeof c;
  c.flags = SINKHUB_CTX_FIRST_BATCH;
  c.run_id = {"r1", 2};
  const sinkhub_str empty = {"", 0};
  c.delivery_id = c.event_type = c.actor_id = c.task_id = c.dataset_id = c.event_json = empty;

  struct Case {
    const char* mode;
    int32_t code;
    const char* msg_part;
    uint64_t accepted;
    int64_t retry_after;
  };
  const Case cases[] = {
      {"ok", SINKHUB_OK, "", SINKHUB_ITEMS_UNSET, -1},
      {"partial", SINKHUB_OK, "", 1, -1},
      {"retry", SINKHUB_RETRY, "later", 2, 1500},
      {"reject", SINKHUB_REJECT, "bad item", SINKHUB_ITEMS_UNSET, -1},
      {"fatal", SINKHUB_FATAL, "broken", SINKHUB_ITEMS_UNSET, -1},
      {"throw-retry", SINKHUB_RETRY, "429", SINKHUB_ITEMS_UNSET, 2000},
      {"throw-reject", SINKHUB_REJECT, "nope", SINKHUB_ITEMS_UNSET, -1},
      {"throw-std", SINKHUB_FATAL, "unhandled exception: xxx", SINKHUB_ITEMS_UNSET, -1},
      {"throw-int", SINKHUB_FATAL, "non-standard", SINKHUB_ITEMS_UNSET, -1},
      {"view", SINKHUB_OK, "", SINKHUB_ITEMS_UNSET, -1},
  };
  for (const Case& k : cases) {
    Behaviour::mode = k.mode;
    Result r;
    EXPECT_EQ(A::deliver(inst, &c, &b, &r.r), k.code) << k.mode;
    EXPECT_NE(std::string(r.msg).find(k.msg_part), std::string::npos) << k.mode << ": " << r.msg;
    EXPECT_LT(std::strlen(r.msg), sizeof r.msg) << k.mode;
    EXPECT_EQ(r.r.items_accepted, k.accepted) << k.mode;
    EXPECT_EQ(r.r.retry_after_ms, k.retry_after) << k.mode;
  }
  EXPECT_EQ(g_checkpoint, "cp");
  Result fr;
  EXPECT_EQ(A::flush(inst, 0, &fr.r), SINKHUB_OK);
  EXPECT_EQ(A::close(inst, 0, &fr.r), SINKHUB_OK);
  A::destroy(inst);
}


// ---- ABI 1.1 accessors of sinkhub::Context ---------------------------------

namespace ctx11 {

sinkhub_run_context context(uint32_t struct_size, uint32_t flags, int64_t count) {
  sinkhub_run_context c;
  std::memset(&c, 0, sizeof c);
  c.struct_size = struct_size;
  c.flags = flags;
  c.dataset_item_count = count;
  c.actor_name = {"jane/my-scraper", 15};
  return c;
}

TEST(SdkContext, The11FieldsAreReadFromA11Host) {
  const sinkhub_host h = test_host();
  const auto c = context(sizeof(sinkhub_run_context), SINKHUB_CTX_LAST_BATCH | SINKHUB_CTX_COUNT_SETTLING, 1234);
  const sinkhub::Context ctx(&h, &c);
  EXPECT_TRUE(ctx.has_abi_1_1());
  EXPECT_EQ(ctx.actor_name(), "jane/my-scraper");
  EXPECT_TRUE(ctx.count_settling());
  ASSERT_TRUE(ctx.dataset_item_count().has_value());
  EXPECT_EQ(*ctx.dataset_item_count(), 1234u);
  EXPECT_FALSE(ctx.replayed());
}

// A 1.0 host passes the 1.0-sized context: what lies past it is not the host's, whatever it
// holds, and a stray settling bit is not believed.
TEST(SdkContext, A10HostReadsAsAbsent) {
  const sinkhub_host h = test_host();
  const auto size10 = static_cast<uint32_t>(offsetof(sinkhub_run_context, actor_name));
  const auto c = context(size10, SINKHUB_CTX_COUNT_SETTLING | SINKHUB_CTX_REPLAY, -1);
  const sinkhub::Context ctx(&h, &c);
  EXPECT_FALSE(ctx.has_abi_1_1());
  EXPECT_EQ(ctx.actor_name(), "");
  EXPECT_FALSE(ctx.count_settling());
  EXPECT_FALSE(ctx.dataset_item_count().has_value()) << "-1 means unknown";
  EXPECT_TRUE(ctx.replayed()) << "REPLAY is a 1.0 flag";
}

}  // namespace ctx11

// ---- ABI 1.2: a rewind through the wrapper ----------------------------------

// On a 1.2 host Outcome::resume_from lands in sinkhub_result.resume_from_item with nothing
// accepted; a host before 1.2 passes a result without the field, where the wrapper writes
// nothing past struct_size and answers REJECT instead (what a 1.1 sink would have said).
TEST(SdkWrapper, ARewindIsWrittenOnlyWhereTheHostHasTheField) {
  const sinkhub::Outcome o = sinkhub::Outcome::resume_from(40, "spool is on host a");
  EXPECT_EQ(o.code, SINKHUB_OK);
  Result now;
  EXPECT_EQ(sinkhub::detail::apply(o, &now.r), SINKHUB_OK);
  EXPECT_EQ(now.r.resume_from_item, 40u);
  EXPECT_EQ(now.r.items_accepted, 0u);
  EXPECT_STREQ(now.msg, "spool is on host a");

  Result old;
  old.r.struct_size = static_cast<uint32_t>(offsetof(sinkhub_result, resume_from_item));  // a 1.1 host
  old.r.resume_from_item = 12345;  // not the host's memory: must stay as it is
  EXPECT_EQ(sinkhub::detail::apply(o, &old.r), SINKHUB_REJECT);
  EXPECT_EQ(old.r.resume_from_item, 12345u);
  EXPECT_EQ(std::string(old.msg),
            "spool is on host a (this sinkhub cannot resume a delivery at an earlier item: replay it from the start)");

  Result tiny;  // the suffix is cut to the buffer, still terminated
  tiny.r.struct_size = old.r.struct_size;
  tiny.r.message_cap = 24;
  sinkhub::detail::apply(o, &tiny.r);
  EXPECT_EQ(std::string(tiny.msg), "spool is on host a (thi");

  Result plain;  // every other outcome leaves the field at its preset
  plain.r.resume_from_item = SINKHUB_ITEMS_UNSET;
  sinkhub::detail::apply(sinkhub::Outcome::retry("later"), &plain.r);
  EXPECT_EQ(plain.r.resume_from_item, SINKHUB_ITEMS_UNSET);
}

// ---- ABI 1.3: a busy sink through the wrapper --------------------------------

// On a 1.3 host Outcome::busy is a RETRY flagged SINKHUB_RESULT_BUSY with nothing accepted. A
// 1.2 host passes the 1.2-sized result (no flags): the wrapper writes nothing at or past its
// struct_size, and the answer is the plain RETRY a 1.2 sink would have given.
TEST(SdkWrapper, BusyIsFlaggedOnlyWhereTheHostHasTheField) {
  const sinkhub::Outcome o = sinkhub::Outcome::busy("tab 'Leads' is being written by another delivery", 5000);
  EXPECT_EQ(o.code, SINKHUB_RETRY);
  Result now;
  EXPECT_EQ(sinkhub::detail::apply(o, &now.r), SINKHUB_RETRY);
  EXPECT_EQ(now.r.flags, SINKHUB_RESULT_BUSY);
  EXPECT_EQ(now.r.items_accepted, 0u);
  EXPECT_EQ(now.r.retry_after_ms, 5000);
  EXPECT_EQ(now.r.resume_from_item, SINKHUB_ITEMS_UNSET);
  EXPECT_STREQ(now.msg, "tab 'Leads' is being written by another delivery");

  // A 1.2 host's result: every byte from its end on is someone else's and must stay as it was.
  Result old;
  old.r.struct_size = static_cast<uint32_t>(offsetof(sinkhub_result, flags));
  EXPECT_EQ(old.r.struct_size, 48u);
  const auto* tail = reinterpret_cast<unsigned char*>(&old.r) + old.r.struct_size;
  std::memset(reinterpret_cast<unsigned char*>(&old.r) + old.r.struct_size, 0xA5, sizeof old.r - old.r.struct_size);
  EXPECT_EQ(sinkhub::detail::apply(o, &old.r), SINKHUB_RETRY);
  for (std::size_t i = 0; i < sizeof old.r - old.r.struct_size; ++i) EXPECT_EQ(tail[i], 0xA5) << "byte " << i;
  EXPECT_EQ(old.r.items_accepted, 0u);
  EXPECT_EQ(old.r.retry_after_ms, 5000);
  EXPECT_STREQ(old.msg, "tab 'Leads' is being written by another delivery");

  Result plain;  // every other outcome leaves the flags at the host's preset
  sinkhub::detail::apply(sinkhub::Outcome::retry("later"), &plain.r);
  EXPECT_EQ(plain.r.flags, 0u);
}

// ---- HTTP answers as outcomes (sinkhub/http_outcome.hpp) --------------------

TEST(SdkHttpOutcome, StatusClassesFollowAbiMd) {
  for (int32_t s : {200, 201, 204, 299}) EXPECT_EQ(sinkhub::result_for_status(s), SINKHUB_OK) << s;
  for (int32_t s : {408, 429, 500, 502, 503, 504, 599}) EXPECT_EQ(sinkhub::result_for_status(s), SINKHUB_RETRY) << s;
  for (int32_t s : {401, 403}) EXPECT_EQ(sinkhub::result_for_status(s), SINKHUB_FATAL) << s;
  for (int32_t s : {100, 301, 304, 400, 404, 409, 410, 413, 422, 451})
    EXPECT_EQ(sinkhub::result_for_status(s), SINKHUB_REJECT) << s;
}

TEST(SdkHttpOutcome, RetryAfterIsHonouredAndTransportErrorsRetry) {
  auto o = sinkhub::http_outcome(SINKHUB_E_OK, 503, 7000, "svc: HTTP 503");
  EXPECT_EQ(o.code, SINKHUB_RETRY);
  EXPECT_EQ(o.retry_after_ms, 7000);
  EXPECT_EQ(o.dest_status, 503);
  EXPECT_EQ(o.message, "svc: HTTP 503");
  o = sinkhub::http_outcome(SINKHUB_E_OK, 429, -1, "m", 1000);
  EXPECT_EQ(o.retry_after_ms, 1000) << "a 429 without Retry-After waits the fallback";
  o = sinkhub::http_outcome(SINKHUB_E_OK, 500, -1, "m", 1000);
  EXPECT_EQ(o.retry_after_ms, -1) << "other retries leave the wait to the host's backoff";
  o = sinkhub::http_outcome(SINKHUB_E_OK, 404, 5000, "m");
  EXPECT_EQ(o.code, SINKHUB_REJECT);
  EXPECT_EQ(o.retry_after_ms, -1) << "Retry-After means nothing on a permanent answer";
  o = sinkhub::http_outcome(SINKHUB_E_OK, 204, -1, "m");
  EXPECT_EQ(o.code, SINKHUB_OK);
  sinkhub::HttpReply r;
  r.error = SINKHUB_E_HTTP_TIMEOUT;
  o = sinkhub::http_outcome(r, std::string("svc: ") + sinkhub::transport_error_text(r.error));
  EXPECT_EQ(o.code, SINKHUB_RETRY);
  EXPECT_EQ(o.dest_status, 0);
  EXPECT_EQ(o.message, "svc: timed out");
  for (int32_t e = SINKHUB_E_HTTP_TOO_LARGE; e <= SINKHUB_E_HTTP_RESOLVE; ++e)
    EXPECT_STRNE(sinkhub::transport_error_text(e), "request failed") << e;
}

}  // namespace
