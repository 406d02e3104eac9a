// Compiled by ctest as C++17 with -Wall -Wextra -pedantic -Werror (and more):
// the C header and the C++ wrapper are warning-free C++.
#include <sinkhub/sink.h>
#include <sinkhub/sink.hpp>

namespace {
class Probe : public sinkhub::Sink {
 public:
  explicit Probe(const sinkhub::CreateArgs& a) : Sink(a) {}
  sinkhub::Outcome deliver(const sinkhub::Context&, const sinkhub::Batch&) override {
    return sinkhub::Outcome::ok();
  }
};
}  // namespace

SINKHUB_PLUGIN(Probe, "test.probe", "Probe", "0.0.1", nullptr, nullptr, 0)

int main() {
  const sinkhub_plugin_descriptor* d = sinkhub_plugin_entry_v1(1, 0);
  sinkhub_host h{};
  h.struct_size = sizeof h;
  char buf[4];
  sinkhub_result r{};
  r.message = buf;
  r.message_cap = sizeof buf;
  sinkhub_result_set_message(&r, "hello");
  return d && SINKHUB_HAS_FN(d, sinkhub_plugin_descriptor, deliver) && SINKHUB_HAS(&h, sinkhub_host, http_request) &&
                 d->struct_size >= SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE
             ? 0
             : 1;
}
