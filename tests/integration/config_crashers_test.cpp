// The real binary on the config files that crashed or hung it (tests/fuzz/corpus/config_fuzz/,
// issue #15 item 12): `check-config` and `serve` both exit 1 within a bounded time with a
// "file:line: message", never a signal or a hang; and a FIFO, as --config or as ${file:...},
// is refused rather than waited on.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

// Generous under a loaded machine; a hang or an alias bomb would take forever.
constexpr std::chrono::seconds kBound{20};

std::vector<std::string> corpus_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(SINKHUB_CONFIG_CORPUS)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// Exit 1 (not a signal, not killed after the bound) and a line naming "FILE:LINE:" of `file`.
::testing::AssertionResult RefusedWithALine(const CliResult& r, const std::string& file) {
  if (r.exit_code != 1)
    return ::testing::AssertionFailure() << "exit code " << r.exit_code << " (-1: killed after " << kBound.count()
                                         << " s, >128: a signal); stderr:\n" << r.err;
  // check-config prints the line as is, serve through its log format.
  const std::regex located("(^|\\s)" + std::regex_replace(file, std::regex("[.+]"), "\\$&") + ":[1-9][0-9]*: \\S");
  if (!std::regex_search(r.err, located))
    return ::testing::AssertionFailure() << "no '" << file << ":LINE: ...' in stderr:\n" << r.err;
  return ::testing::AssertionSuccess();
}

TEST(ConfigCrashers, CheckConfigRefusesEveryCorpusFileWithALine) {
  const auto files = corpus_files();
  ASSERT_GE(files.size(), 6u) << "the crashers of testdata/config-crashers belong in the corpus";
  for (const auto& file : files)
    EXPECT_TRUE(RefusedWithALine(run_cli({"check-config", "--config", file}, {}, kBound), file)) << file;
}

TEST(ConfigCrashers, ServeRefusesEveryCorpusFileWithALine) {
  for (const auto& file : corpus_files()) {
    const auto r = run_cli({"serve", "--config", file}, {}, kBound);
    EXPECT_TRUE(RefusedWithALine(r, file)) << file;
    EXPECT_NE(r.err.find("not starting: fix the config"), std::string::npos) << r.err;
  }
}

TEST(ConfigCrashers, AFifoAsTheConfigFileIsRefusedNotWaitedOn) {
  TempDir dir;
  const std::string fifo = dir.file("sinkhub.yaml");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const char* command : {"check-config", "serve"}) {
    const auto r = run_cli({command, "--config", fifo}, {}, kBound);
    EXPECT_TRUE(RefusedWithALine(r, fifo)) << command;
    EXPECT_NE(r.err.find("a FIFO (named pipe), not a regular file"), std::string::npos) << r.err;
  }
}

TEST(ConfigCrashers, AFifoAsAFileReferenceIsRefusedNotWaitedOn) {
  TempDir dir;
  const std::string fifo = dir.file("token");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string config = dir.file("sinkhub.yaml");
  write_file(config, render_config(replace_all(stock_yaml(), "\"test-token-not-used\"", "${file:" + fifo + "}"),
                                   free_port(), dir.path()));
  for (const char* command : {"check-config", "serve"}) {
    const auto r = run_cli({command, "--config", config}, {}, kBound);
    EXPECT_TRUE(RefusedWithALine(r, config)) << command;
    EXPECT_NE(r.err.find("cannot read file '" + fifo + "'"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace sinkhub::it
