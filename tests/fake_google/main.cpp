// fake_google: the fake Google (token endpoint + Sheets API v4) as a process, for daemon-level
// tests, kill -9 trials and bench/.
//
//   fake_google [--spreadsheet ID[:TITLE]]... [--service-account FILE[:EMAIL]]...
//               [--authorized-user FILE[:EMAIL]]... [--key-file FILE]...
//               [--write-quota N] [--read-quota N] [--project-write-quota N] [--project-read-quota N]
//               [--quota-window-ms MS] [--token-lifetime S] [--max-cells N] [--max-payload BYTES]
//               [--api-prefix PATH] [--seed N]
//
// --service-account and --authorized-user create an identity and write its credentials JSON
// (token_uri pointing at this process) to FILE; --key-file registers an existing
// service-account key file. Every --spreadsheet is shared, editable, with every identity given.
// Prints "listening on PORT" (and flushes) once it accepts connections, then serves until
// SIGTERM or SIGINT. The /_fake/ control API (admin_api.cpp) inspects and steers it.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <string>
#include <vector>

#include "fake_google.hpp"

namespace {

namespace g = sinkhub::fake::google;

[[noreturn]] void usage(const std::string& why) {
  std::cerr << "fake_google: " << why << "\n"
            << "usage: fake_google [--spreadsheet ID[:TITLE]]... [--service-account FILE[:EMAIL]]...\n"
               "                   [--authorized-user FILE[:EMAIL]]... [--key-file FILE]...\n"
               "                   [--write-quota N] [--read-quota N] [--project-write-quota N] [--project-read-quota N]\n"
               "                   [--quota-window-ms MS] [--token-lifetime S] [--max-cells N] [--max-payload BYTES]\n"
               "                   [--api-prefix PATH] [--seed N]\n";
  std::exit(2);
}

long long number(const std::string& s, const char* what) {
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < 0) usage(std::string("bad ") + what + ": " + s);
  return v;
}

std::pair<std::string, std::string> split_once(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos) return {s, ""};
  return {s.substr(0, colon), s.substr(colon + 1)};
}

struct Args {
  g::FakeGoogle::Options options;
  std::vector<std::pair<std::string, std::string>> spreadsheets, service_accounts, users;
  std::vector<std::string> key_files;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value for " + arg);
      return argv[++i];
    };
    auto& q = a.options.quota;
    if (arg == "--spreadsheet") a.spreadsheets.push_back(split_once(value()));
    else if (arg == "--service-account") a.service_accounts.push_back(split_once(value()));
    else if (arg == "--authorized-user") a.users.push_back(split_once(value()));
    else if (arg == "--key-file") a.key_files.push_back(value());
    else if (arg == "--write-quota") q.user_writes = static_cast<int>(number(value(), "--write-quota"));
    else if (arg == "--read-quota") q.user_reads = static_cast<int>(number(value(), "--read-quota"));
    else if (arg == "--project-write-quota") q.project_writes = static_cast<int>(number(value(), "--project-write-quota"));
    else if (arg == "--project-read-quota") q.project_reads = static_cast<int>(number(value(), "--project-read-quota"));
    else if (arg == "--quota-window-ms") q.window = std::chrono::milliseconds(number(value(), "--quota-window-ms"));
    else if (arg == "--token-lifetime") a.options.token_lifetime_s = static_cast<int>(number(value(), "--token-lifetime"));
    else if (arg == "--max-cells") a.options.limits.max_cells = number(value(), "--max-cells");
    else if (arg == "--max-payload") a.options.max_payload_bytes = static_cast<std::size_t>(number(value(), "--max-payload"));
    else if (arg == "--api-prefix") a.options.api_prefix = value();
    else if (arg == "--seed") a.options.seed = static_cast<unsigned>(number(value(), "--seed"));
    else if (arg == "--help" || arg == "-h") usage("help");
    else usage("unknown option " + arg);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any server thread exists; sigwait() below takes them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  const Args args = parse(argc, argv);
  try {
    g::FakeGoogle fake(args.options);
    std::vector<std::string> identities;
    for (const auto& [file, email] : args.service_accounts) {
      const auto sa = email.empty() ? fake.add_service_account() : fake.add_service_account(email);
      fake.write_credentials(file, sa);
      identities.push_back(sa.email);
    }
    for (const auto& [file, email] : args.users) {
      const auto u = fake.add_authorized_user(email.empty() ? "person@example.com" : email);
      fake.write_credentials(file, u);
      identities.push_back(u.email);
    }
    for (const auto& file : args.key_files) {
      std::FILE* f = std::fopen(file.c_str(), "rb");
      if (!f) usage("cannot read " + file);
      std::string text;
      char buf[4096];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
      std::fclose(f);
      const auto sa = g::parse_service_account_json(text);
      fake.add_service_account(sa);
      identities.push_back(sa.email);
    }
    for (const auto& [id, title] : args.spreadsheets) {
      g::SpreadsheetSpec spec;
      spec.id = id;
      if (!title.empty()) spec.title = title;
      spec.editors = identities;
      fake.add_spreadsheet(spec);
    }
    std::printf("listening on %u\n", static_cast<unsigned>(fake.port()));
    std::fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    fake.stop();
    std::fprintf(stderr, "fake_google: stopping on signal %d after %zu requests\n", sig, fake.requests().size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fake_google: %s\n", e.what());
    return 1;
  }
  return 0;
}
