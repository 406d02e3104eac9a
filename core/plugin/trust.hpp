// Whether a path may hold code the daemon runs: private to core/plugin (the registry's scan).
#pragma once

#include <string>

namespace sinkhub::plugin {

struct TrustedPath {
  std::string resolved;  // the path with every symlink, "." and ".." resolved (when trusted)
  std::string problem;   // why it is not trusted; empty when it is
  bool ok() const { return problem.empty(); }
};

// Walks `path` from "/" one component at a time, following symlinks as it goes (each link is
// read from a directory already checked, so nobody else can swap it), and checks every
// directory on the way and the final entry: owned by root or by the user the daemon runs as,
// and writable by neither group nor others. A sticky directory (/tmp) is not trusted either:
// stickiness stops others from deleting entries, not from creating them. `what` names the
// entry in the message ("plugin directory", "plugin file"); `expect_dir` requires the final
// entry to be a directory, else a regular file. Relative paths start at the working directory.
TrustedPath check_trusted(const std::string& path, const char* what, bool expect_dir);

}  // namespace sinkhub::plugin
