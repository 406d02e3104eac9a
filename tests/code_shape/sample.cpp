// Input of `scripts/code-shape.sh --self-test` (parsed, never compiled): every construct the
// measurer must get right. Each "expect: NAME LINES" names a function that starts on its line.
#include <string>
#define BRACES { {   // a preprocessor line with braces is not code
#define CONTINUED(x) \
  { x }

namespace outer::inner {

struct Point { int x{0}, y = 1; };  // a class body and brace initialisers: no function

enum class Colour { Red, Green };

const char* const kNames[] = {"}", "{", R"x(raw "}{" string)x", u8"{"};

int free_function(int a, int b = 3) {  // expect: free_function 6
  if (a > b) {
    return '}';
  }
  return a + b;  // "{" in a comment
}

class Engine {
 public:
  Engine(int a) : a_(a), b_{a} {}  // expect: Engine::Engine 1
  int get() const noexcept { return a_; }  // expect: Engine::get 1
  auto twice() const -> int {  // expect: Engine::twice 3
    return 2 * a_;
  }
  bool operator==(const Engine& o) const { return a_ == o.a_; }  // expect: Engine::operator== 1
  int operator()(int x) { return x; }  // expect: Engine::operator() 1

 private:
  struct Slot {
    void reset() {  // expect: Engine::Slot::reset 4
      n = 0;
      m = {1, 2};
    }
    int n = 0;
    int m[2] = {0, 0};
  };
  class Run;
  int a_ = 0;
  int b_{0};
};

class Engine::Run {
 public:
  void execute() {  // expect: Engine::Run::execute 13
    auto on_page = [&](const std::string& page) -> bool {  // expect: lambda in Engine::Run::execute 4
      count += page.size();
      return true;
    };
    for (int i = 0; i < 3; ++i) {
      on_page("{");
    }
    struct Local {
      int size() const { return 1; }  // expect: Engine::Run::execute::Local::size 1
    };
    call([this] { ++count; }, {1, 2});  // expect: lambda in Engine::Run::execute 1
  }
  int count = 0;
};

Engine::Engine(int a, int b)  // expect: Engine::Engine 4
    : a_(a),
      b_{b} {
}

template <class T, class U = int>
T templated(T value) {  // expect: templated 3
  return value;
}

static const int kTable = [] {  // expect: lambda in namespace scope 3
  return 1'000 + 0x1F;
}();

}  // namespace outer::inner

extern "C" int c_entry(void) {  // expect: c_entry 5
  int digits = 1'000'000;
  char quote = '\'';
  return digits + quote;
}
