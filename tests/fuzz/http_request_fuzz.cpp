// Fuzzes the listener's HTTP/1.x request parsing (heads, Content-Length and chunked bodies,
// pipelining) under the split-invariance oracle: the transcript of what the listener makes of
// the bytes (http_wire_model.hpp) is the same whether they arrive whole, cut at a few places
// chosen from the input, or one byte at a time. Any difference aborts with both transcripts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http_wire_model.hpp"

namespace {

constexpr std::size_t kMaxBody = 4096;  // small, so 413 is reachable

// Cut offsets derived from the input itself (FNV-1a seeded LCG): reproducible from the file.
std::vector<std::size_t> cuts_from(std::string_view data, unsigned round) {
  std::uint64_t h = 1469598103934665603ull ^ round;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  std::vector<std::size_t> cuts;
  const unsigned n = 1 + static_cast<unsigned>(h % 8);
  for (unsigned i = 0; i < n && !data.empty(); ++i) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    cuts.push_back(static_cast<std::size_t>((h >> 33) % data.size()));
  }
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

void expect_same(const std::string& whole, const std::string& cut, const char* how) {
  if (whole == cut) return;
  std::fprintf(stderr, "split invariance broken (%s)\n--- whole:\n%s--- cut:\n%s", how, whole.c_str(), cut.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  const std::string whole = sinkhub::fuzz::transcript(data, {}, kMaxBody);
  for (unsigned round = 0; round < 4; ++round)
    expect_same(whole, sinkhub::fuzz::transcript(data, cuts_from(data, round), kMaxBody), "cuts from the input");
  if (size <= 4096) {
    std::vector<std::size_t> every(size);
    for (std::size_t i = 0; i < size; ++i) every[i] = i;
    expect_same(whole, sinkhub::fuzz::transcript(data, every, kMaxBody), "byte by byte");
  }
  return 0;
}
