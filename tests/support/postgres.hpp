// A real PostgreSQL server for the tests of the PostgreSQL ledger, started by the test itself:
// Debian's server binaries (scripts/install-deps.sh --test), initdb + postgres in a temporary
// directory, listening on a free 127.0.0.1 port only, with password (SCRAM) authentication
// so that every URL the tests use carries a password the code must never print.
//
// CI runs as root and PostgreSQL refuses to: as root the server runs as the unprivileged
// system user "sinkhub-pgtest", created on first use (useradd) and reused afterwards. The
// server is a child of the test process (it dies with it: PR_SET_PDEATHSIG) and is stopped and
// its directory removed when the Postgres object goes. Every wait is bounded.
//
// initdb's output is kept as a template (per user, PostgreSQL version and uid) in $TMPDIR and
// copied for each server: initdb costs seconds on a loaded machine, a copy does not.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sinkhub::testkit {

class Postgres {
 public:
  static constexpr const char* kUser = "sinkhub";
  static constexpr const char* kPassword = "pg-Pa55word-never-logged";

  // Starts a server (throws std::runtime_error with the server's log on failure).
  Postgres();
  ~Postgres();  // stops the server, removes its directory
  Postgres(const Postgres&) = delete;
  Postgres& operator=(const Postgres&) = delete;

  // One server for the whole test process, started at first use.
  static Postgres& shared();

  // A new, empty database; returns its URL (with the password).
  std::string create_database();
  // postgresql://sinkhub:PASSWORD@127.0.0.1:PORT/NAME
  std::string url(const std::string& database) const;
  std::uint16_t port() const { return port_; }

  // Stops the server (fast shutdown: connections are cut), and starts it again on the same
  // port and data: "PostgreSQL restarted".
  void stop();
  void start();
  bool running() const { return pid_ > 0; }

  // Runs SQL on `url` (one connection per call) and returns every row, columns joined by
  // '|'. Throws std::runtime_error with PostgreSQL's message on failure.
  static std::vector<std::string> query(const std::string& url, const std::string& sql);
  // The first column of the first row as an integer (-1 if there is no row).
  static long long scalar(const std::string& url, const std::string& sql);

 private:
  void spawn();

  std::string dir_;       // owns data/ and the socket
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

}  // namespace sinkhub::testkit
