#include "postgres.hpp"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "files.hpp"

namespace sinkhub::testkit {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kSystemUser = "sinkhub-pgtest";

// The newest Debian server installation (/usr/lib/postgresql/N/bin), or $SINKHUB_PG_BINDIR.
std::string bindir() {
  if (const char* env = std::getenv("SINKHUB_PG_BINDIR"); env && *env) return env;
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos || !fs::exists(entry.path() / "bin" / "postgres"))
      continue;
    if (std::stoi(name) > best_version) {
      best_version = std::stoi(name);
      best = (entry.path() / "bin").string();
    }
  }
  if (best.empty())
    throw std::runtime_error("no PostgreSQL server under /usr/lib/postgresql: run scripts/install-deps.sh --test");
  return best;
}

// Who runs the server: this process's user, or, as root, an unprivileged system user.
struct RunAs {
  uid_t uid = ::geteuid();
  gid_t gid = ::getegid();
};

RunAs server_user() {
  RunAs who;
  if (who.uid != 0) return who;
  if (!::getpwnam(kSystemUser)) {
    // Two test processes may race here: whichever loses finds the user made by the other.
    const std::string cmd = std::string("useradd --system --no-create-home --shell /usr/sbin/nologin ") + kSystemUser +
                            " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0 && !::getpwnam(kSystemUser))
      throw std::runtime_error(std::string("cannot create the system user ") + kSystemUser + " for PostgreSQL");
  }
  const passwd* pw = ::getpwnam(kSystemUser);
  if (!pw) throw std::runtime_error(std::string("no user ") + kSystemUser);
  who.uid = pw->pw_uid;
  who.gid = pw->pw_gid;
  return who;
}

// In a forked child: become `who` (dropping root's groups), then exec.
[[noreturn]] void become_and_exec(const RunAs& who, const std::vector<std::string>& argv) {
  if (::geteuid() == 0 && (::setgroups(0, nullptr) != 0 || ::setgid(who.gid) != 0 || ::setuid(who.uid) != 0))
    ::_exit(126);
  // After the credential change (which clears it): the server dies with the test process.
  ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

pid_t spawn_as(const RunAs& who, const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    become_and_exec(who, argv);
  }
  return pid;
}

// Waits for `pid` at most `limit`; true with `status` set if it exited.
bool wait_for(pid_t pid, std::chrono::milliseconds limit, int& status) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void run_as(const RunAs& who, const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = spawn_as(who, argv, log);
  int status = 0;
  if (!wait_for(pid, std::chrono::minutes(3), status)) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    throw std::runtime_error(argv[0] + " did not finish within 3 minutes");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(argv[0] + " failed: " + read_file(log));
}

std::string temp_root() {
  // As root the directory must be reachable by the server's user: /tmp, not a private $TMPDIR.
  const char* env = std::getenv("TMPDIR");
  return (::geteuid() != 0 && env && *env) ? env : "/tmp";
}

void chown_to(const std::string& path, const RunAs& who) {
  if (::geteuid() == 0 && ::chown(path.c_str(), who.uid, who.gid) != 0)
    throw std::runtime_error("cannot chown " + path);
}

// initdb's output for this user and server version, made once and then reused.
std::string template_dir(const std::string& bin, const RunAs& who) {
  const std::string version = fs::path(bin).parent_path().filename().string();
  const std::string dir = temp_root() + "/sinkhub-pgtemplate-" + version + "-" + std::to_string(who.uid);
  if (fs::exists(dir + "/PG_VERSION")) return dir;
  // Built under a private name and renamed: concurrent test processes never see half of one.
  const std::string work = dir + ".tmp" + std::to_string(::getpid());
  fs::remove_all(work);
  fs::create_directories(work);
  ::chmod(work.c_str(), 0700);
  chown_to(work, who);
  const std::string pwfile = work + ".pw";
  write_file(pwfile, std::string(Postgres::kPassword) + "\n");
  chown_to(pwfile, who);
  run_as(who,
         {bin + "/initdb", "-D", work, "-U", Postgres::kUser, "--pwfile=" + pwfile, "--auth-local=trust",
          "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
         work + ".log");
  fs::remove(pwfile);
  fs::remove(work + ".log");
  std::error_code ec;
  fs::rename(work, dir, ec);
  if (ec) fs::remove_all(work);  // another process was first: use theirs
  return dir;
}

struct PgConn {
  explicit PgConn(const std::string& url) : c(PQconnectdb(url.c_str())) {}
  ~PgConn() { PQfinish(c); }
  PGconn* c;
};

}  // namespace

Postgres::Postgres() {
  const std::string bin = bindir();
  const RunAs who = server_user();
  const std::string tmpl = template_dir(bin, who);
  std::string pattern = temp_root() + "/sinkhub-pg-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed under " + temp_root());
  dir_ = pattern;
  chown_to(dir_, who);
  run_as(who, {"/bin/cp", "-a", tmpl, dir_ + "/data"}, dir_ + "/cp.log");
  port_ = free_port();
  start();
}

Postgres::~Postgres() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

Postgres& Postgres::shared() {
  static Postgres server;  // stopped by its destructor at exit
  return server;
}

void Postgres::spawn() {
  const std::string bin = bindir();
  pid_ = spawn_as(server_user(),
                  {bin + "/postgres", "-D", dir_ + "/data", "-p", std::to_string(port_), "-c",
                   "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + dir_, "-c", "max_connections=300",
                   // The tests kill daemons, never the machine: the server's own fsyncs are not
                   // under test (synchronous_commit, which the ledger relies on, stays on).
                   "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "shared_buffers=32MB"},
                  dir_ + "/server.log");
}

void Postgres::start() {
  if (pid_ > 0) return;
  spawn();
  const std::string ping = url("postgres") + "?connect_timeout=2";
  const auto until = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < until) {
    if (PQping(ping.c_str()) == PQPING_OK) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("PostgreSQL did not start: " + read_file(dir_ + "/server.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  throw std::runtime_error("PostgreSQL did not accept connections within 60 s: " + read_file(dir_ + "/server.log"));
}

void Postgres::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGINT);  // fast shutdown: open connections are cut, data is kept
  int status = 0;
  if (!wait_for(pid_, std::chrono::seconds(60), status)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

std::string Postgres::url(const std::string& database) const {
  return std::string("postgresql://") + kUser + ":" + kPassword + "@127.0.0.1:" + std::to_string(port_) + "/" +
         database;
}

std::string Postgres::create_database() {
  const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
  query(url("postgres"), "CREATE DATABASE " + name);
  return url(name);
}

std::vector<std::string> Postgres::query(const std::string& url, const std::string& sql) {
  PgConn conn(url);
  if (PQstatus(conn.c) != CONNECTION_OK) throw std::runtime_error(std::string("connect: ") + PQerrorMessage(conn.c));
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.c, sql.c_str()), &PQclear);
  const auto st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
    throw std::runtime_error(sql + ": " + PQresultErrorMessage(r.get()));
  std::vector<std::string> rows;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::string row;
    for (int j = 0; j < PQnfields(r.get()); ++j) row += (j ? "|" : "") + std::string(PQgetvalue(r.get(), i, j));
    rows.push_back(row);
  }
  return rows;
}

long long Postgres::scalar(const std::string& url, const std::string& sql) {
  const auto rows = query(url, sql);
  if (rows.empty() || rows[0].empty()) return -1;
  return std::stoll(rows[0].substr(0, rows[0].find('|')));
}

}  // namespace sinkhub::testkit
