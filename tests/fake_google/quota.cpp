#include "quota.hpp"

namespace sinkhub::fake::google {

bool Quota::room(std::deque<Time>& q, int limit, Time now) const {
  while (!q.empty() && now - q.front() >= limits.window) q.pop_front();
  return limit <= 0 || static_cast<int>(q.size()) < limit;
}

Quota::Verdict Quota::admit(bool write, const std::string& project, const std::string& user, Time now) {
  const std::string kind = write ? "w|" : "r|";
  auto& per_user = windows_[kind + project + "|" + user];
  auto& per_project = windows_[kind + project];
  const int user_limit = write ? limits.user_writes : limits.user_reads;
  const int project_limit = write ? limits.project_writes : limits.project_reads;
  if (!room(per_user, user_limit, now)) return {false, true, user_limit};
  if (!room(per_project, project_limit, now)) return {false, false, project_limit};
  per_user.push_back(now);
  per_project.push_back(now);
  return {};
}

}  // namespace sinkhub::fake::google
