// plugin_smoke <plugin.so> [options-json]: load a plugin with the test host and
// drive one instance through create/open/deliver(event-only, 2 batches)/close/destroy.
// Exit 0 when every step answered OK. Used on the SDK examples built out of tree.
#include <sinkhub/test_host.hpp>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <plugin.so> [options-json]\n", argv[0]);
    return 2;
  }
  try {
    using namespace sinkhub::plugin_test;
    Plugin p(argv[1]);
    TestHost host;
    std::printf("loaded %s (%s %s)\n", p.desc().id, p.desc().name, p.desc().version);
    {
      Instance inst(p, host, argc > 2 ? argv[2] : "{}");
      if (!inst.ok()) {
        std::fprintf(stderr, "create failed (%d): %s\n", inst.create_code(), inst.create_message().c_str());
        return 1;
      }
      if (inst.open() != SINKHUB_OK) return std::fprintf(stderr, "open failed\n"), 1;
      DeliverySpec ev;
      ev.event_type = "ACTOR.RUN.FAILED";
      auto o = inst.deliver(ev, {}, 0, SINKHUB_CTX_FIRST_BATCH | SINKHUB_CTX_LAST_BATCH | SINKHUB_CTX_EVENT_ONLY,
                            nullptr);
      if (o.code != SINKHUB_OK) return std::fprintf(stderr, "event-only: %d %s\n", o.code, o.message.c_str()), 1;
      Instance::Progress pr;
      o = inst.run(DeliverySpec{}, {"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"}, 2, pr);
      if (o.code != SINKHUB_OK || pr.accepted != 3)
        return std::fprintf(stderr, "deliver: %d %s\n", o.code, o.message.c_str()), 1;
    }
    for (const auto& l : TestHost::logs()) std::printf("log: %s\n", l.c_str());
    if (TestHost::logs().empty()) return std::fprintf(stderr, "the plugin logged nothing\n"), 1;
    std::printf("OK\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
