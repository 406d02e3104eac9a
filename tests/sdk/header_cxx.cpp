// Compiled by ctest as C++17 with -Wall -Wextra -pedantic -Werror (and more):
// the C header and the C++ headers are warning-free C++, templates included (the option
// table below instantiates every kind of option).
#include <sinkhub/sink.h>
#include <sinkhub/sink.hpp>
#include <sinkhub/http_outcome.hpp>
#include <sinkhub/json.hpp>
#include <sinkhub/options.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace {
struct Nested {
  std::chrono::milliseconds pause{};
};
struct Opts {
  std::string s;
  std::optional<std::string> o;
  bool b = false;
  std::int64_t i = 0;
  std::uint16_t u = 0;
  std::uint64_t size = 0;
  std::chrono::seconds d{};
  std::vector<std::string> l;
  Nested n;
};
namespace opt = sinkhub::options;
const opt::Table<Nested> kNested{opt::duration("pause", &Nested::pause).defaults(std::chrono::milliseconds(5))};
const opt::Table<Opts> kOpts{
    opt::text("s", &Opts::s).required().not_empty().max_length(9).one_of({"a", "b"}).check([](const std::string&) {}),
    opt::text("o", &Opts::o).doc("optional"),
    opt::flag("b", &Opts::b).defaults(true),
    opt::integer("i", &Opts::i).min(-3).max(3).defaults(0),
    opt::integer("u", &Opts::u).defaults(7),
    opt::size("size", &Opts::size).defaults(1024).min(1).max(1u << 30),
    opt::duration("d", &Opts::d).defaults(std::chrono::seconds(30)).min(std::chrono::seconds(1)),
    opt::text_list("l", &Opts::l).max_entries(3).max_length(4).not_empty(),
    opt::object("n", &Opts::n, kNested),
};

class Probe : public sinkhub::Sink {
 public:
  explicit Probe(const sinkhub::CreateArgs& a) : Sink(a), opts_(kOpts.parse(a.options_json)) {}
  sinkhub::Outcome deliver(const sinkhub::Context& c, const sinkhub::Batch&) override {
    if (c.count_settling() || c.replayed() || !c.actor_name().empty() || c.dataset_item_count())
      return sinkhub::http_outcome(SINKHUB_E_OK, 503, -1, sinkhub::transport_error_text(SINKHUB_E_HTTP_IO));
    const sinkhub::json::Value v = sinkhub::json::parse("{}");
    return v.is_object() ? sinkhub::Outcome::ok() : sinkhub::Outcome::fatal(sinkhub::json::write(v));
  }

 private:
  Opts opts_;
};
}  // namespace

SINKHUB_PLUGIN(Probe, "test.probe", "Probe", "0.0.1", nullptr, kOpts.schema(), 0)

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
                 d->struct_size >= SINKHUB_PLUGIN_DESCRIPTOR_MIN_SIZE && !kOpts.markdown().empty()
             ? 0
             : 1;
}
