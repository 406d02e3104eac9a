#include "observe/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sinkhub::observe {

namespace {

void add(std::atomic<double>& a, double v) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labels_text(const std::vector<std::pair<std::string, std::string>>& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i)
    out += (i ? "," : "") + labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
  if (!extra.empty()) out += (labels.empty() ? "" : ",") + extra;
  return out + "}";
}

// Counters of items and bytes grow past what the default 6 significant digits show.
std::string number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::ostringstream o;
  o.precision(12);
  o << v;
  return o.str();
}

}  // namespace

Metrics::Metrics() : by_id_(new std::atomic<Series*>[kMaxSeries]) {
  for (int i = 0; i < kMaxSeries; ++i) by_id_[i].store(nullptr, std::memory_order_relaxed);
}

Metrics& Metrics::instance() {
  static Metrics m;
  return m;
}

int Metrics::define(Kind kind, const std::string& name, const std::string& help,
                    std::vector<std::pair<std::string, std::string>> labels) {
  std::lock_guard<std::mutex> lk(mu_);
  for (std::size_t i = 0; i < series_.size(); ++i)
    if (series_[i].name == name && series_[i].labels == labels) return series_[i].kind == kind ? static_cast<int>(i) : -1;
  if (series_.size() >= static_cast<std::size_t>(kMaxSeries)) return -1;
  Series& s = series_.emplace_back();
  s.name = name;
  s.help = help;
  s.kind = kind;
  s.labels = std::move(labels);
  if (kind == Kind::Histogram) {
    // Seconds-oriented default buckets (latencies); values are unit-less to the registry.
    s.bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    s.buckets.reset(new std::atomic<std::uint64_t>[s.bounds.size()]);
    for (std::size_t i = 0; i < s.bounds.size(); ++i) s.buckets[i] = 0;
  }
  const int id = static_cast<int>(series_.size() - 1);
  by_id_[id].store(&s, std::memory_order_release);
  return id;
}

void Metrics::record(int id, double v) {
  if (id < 0 || id >= kMaxSeries || !std::isfinite(v)) return;
  Series* s = by_id_[id].load(std::memory_order_acquire);
  if (!s) return;
  switch (s->kind) {
    case Kind::Counter:
      if (v >= 0) add(s->value, v);
      break;
    case Kind::Gauge:
      s->value.store(v, std::memory_order_relaxed);
      break;
    case Kind::Histogram:
      add(s->value, v);
      s->count.fetch_add(1, std::memory_order_relaxed);
      for (std::size_t i = 0; i < s->bounds.size(); ++i)
        if (v <= s->bounds[i]) {
          s->buckets[i].fetch_add(1, std::memory_order_relaxed);
          break;
        }
      break;
  }
}

std::string Metrics::prometheus_text() const {
  std::lock_guard<std::mutex> lk(mu_);
  std::ostringstream out;
  // Prometheus wants every series of one name together, under one HELP/TYPE.
  std::vector<const Series*> sorted;
  for (const auto& s : series_) sorted.push_back(&s);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Series* a, const Series* b) { return a->name < b->name; });
  std::string last;
  for (const Series* sp : sorted) {
    const Series& s = *sp;
    if (s.name != last) {
      const char* type = s.kind == Kind::Counter ? "counter" : s.kind == Kind::Gauge ? "gauge" : "histogram";
      out << "# HELP " << s.name << ' ' << s.help << "\n# TYPE " << s.name << ' ' << type << '\n';
      last = s.name;
    }
    if (s.kind != Kind::Histogram) {
      out << s.name << labels_text(s.labels) << ' ' << number(s.value.load()) << '\n';
      continue;
    }
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < s.bounds.size(); ++i) {
      cumulative += s.buckets[i].load();
      std::ostringstream le;
      le << "le=\"" << s.bounds[i] << '"';
      out << s.name << "_bucket" << labels_text(s.labels, le.str()) << ' ' << cumulative << '\n';
    }
    out << s.name << "_bucket" << labels_text(s.labels, "le=\"+Inf\"") << ' ' << s.count.load() << '\n';
    out << s.name << "_sum" << labels_text(s.labels) << ' ' << number(s.value.load()) << '\n';
    out << s.name << "_count" << labels_text(s.labels) << ' ' << s.count.load() << '\n';
  }
  return out.str();
}

}  // namespace sinkhub::observe
