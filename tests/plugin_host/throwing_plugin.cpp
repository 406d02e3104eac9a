// A C++ plugin whose deliver throws: the sink.hpp barrier must turn that into a result.
#include <sinkhub/sink.hpp>

#include <stdexcept>

class Thrower : public sinkhub::Sink {
 public:
  explicit Thrower(const sinkhub::CreateArgs& a) : Sink(a) {
    if (a.options_json.find("\"bad\"") != std::string_view::npos) throw sinkhub::OptionsError("option 'bad' is bad");
  }
  sinkhub::Outcome deliver(const sinkhub::Context&, const sinkhub::Batch& b) override {
    if (b.size() == 1) throw sinkhub::RetryError("try later", 250);
    if (b.size() == 2) throw sinkhub::RejectError("bad rows");
    throw std::runtime_error("boom");
  }
};

SINKHUB_PLUGIN(Thrower, "thrower", "Throwing sink", "0.0.1", "throws from deliver", nullptr, 0)
