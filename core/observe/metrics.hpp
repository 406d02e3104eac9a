// Process-wide metrics, exported later as Prometheus text on GET /metrics. Plugins define
// theirs through the host services table; the daemon's own live here too.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace sinkhub::observe {

class Metrics {
 public:
  enum class Kind { Counter, Gauge, Histogram };

  struct Series {
    std::string name;  // full exported name, e.g. sinkhub_plugin_requests_total
    std::string help;
    Kind kind;
    std::vector<std::pair<std::string, std::string>> labels;
    std::atomic<double> value{0};  // counter / gauge / histogram sum
    std::atomic<std::uint64_t> count{0};
    std::vector<double> bounds;                           // histogram upper bounds
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets;  // cumulative on export
  };

  static Metrics& instance();

  // Returns a stable index; defining the same name + labels twice returns the same one.
  // Returns -1 when name + labels exist with another kind, or past kMaxSeries.
  static constexpr int kMaxSeries = 16384;
  int define(Kind kind, const std::string& name, const std::string& help,
             std::vector<std::pair<std::string, std::string>> labels);
  // counter: add (v >= 0); gauge: set; histogram: observe. Lock-free: it is on the hot path
  // of every webhook and every batch.
  void record(int id, double v);
  std::string prometheus_text() const;

 private:
  Metrics();
  mutable std::mutex mu_;      // define() and export
  std::deque<Series> series_;  // deque: addresses stay stable while it grows
  std::unique_ptr<std::atomic<Series*>[]> by_id_;  // id -> series, published after define
};

}  // namespace sinkhub::observe
