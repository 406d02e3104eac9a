// Sheets' per-minute request quotas: read and write requests per user per project and per
// project. Enforced over a sliding window (default 60 s): a request is refused when the window
// ending now already holds `limit` admitted requests. Google only says quotas "refill every
// minute"; a sliding window is the strictest reading, so a client that passes here passes
// there. Refused requests are not counted.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <string>

namespace sinkhub::fake::google {

struct QuotaLimits {
  int user_reads = 60;  // <= 0: unlimited
  int user_writes = 60;
  int project_reads = 300;
  int project_writes = 300;
  std::chrono::milliseconds window{60000};
};

class Quota {
 public:
  using Time = std::chrono::steady_clock::time_point;
  struct Verdict {
    bool ok = true;
    bool per_user = true;  // which limit refused
    int limit = 0;
  };

  QuotaLimits limits;

  Verdict admit(bool write, const std::string& project, const std::string& user, Time now);
  void reset() { windows_.clear(); }

 private:
  // Drops entries older than the window; true when `limit` more fit.
  bool room(std::deque<Time>& q, int limit, Time now) const;

  std::map<std::string, std::deque<Time>> windows_;
};

}  // namespace sinkhub::fake::google
