// Config inputs that used to crash, hang or mislead (issue #15 item 12, the files of
// tests/fuzz/corpus/config_fuzz/): each is refused quickly, in bounded memory, with file:line and
// what is wrong; the bounds behind them (config/limits.hpp) hold as a class, not per file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include "config/config.hpp"
#include "config/limits.hpp"
#include "config_errors.hpp"

namespace sinkhub::config {
namespace {

const std::string kCorpus = std::string(SINKHUB_SOURCE_DIR) + "/tests/fuzz/corpus/config_fuzz/";
const std::string kAuth = "auth: {secrets: [\"0123456789abcdef-secret\"]}\n";

std::vector<std::string> refusal_of_file(const std::string& path) {
  return errors_of([&] { load(path); });
}
std::vector<std::string> refusal_of_yaml(const std::string& text) {
  return errors_of([&] { load_text(text, "t.yaml"); });
}

// Asserts one line reads "PREFIX:LINE: ..." and holds every word.
::testing::AssertionResult HasLine(const std::vector<std::string>& lines, const std::string& prefix, int line,
                                   const std::vector<std::string>& words) {
  const std::string at = prefix + ":" + std::to_string(line) + ": ";
  for (const auto& l : lines) {
    if (l.rfind(at, 0) != 0) continue;
    bool all = true;
    for (const auto& w : words) all = all && l.find(w) != std::string::npos;
    if (all) return ::testing::AssertionSuccess();
  }
  auto failure = ::testing::AssertionFailure() << "no line '" << at << "...' with every word of";
  for (const auto& w : words) failure << " '" << w << "'";
  failure << "; got:";
  for (const auto& l : lines) failure << "\n  " << l;
  return failure;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sinkhub-config-limits-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name, const std::string& content) const {
    const std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::string fifo(const std::string& name) const {
    const std::string p = path_ + "/" + name;
    EXPECT_EQ(::mkfifo(p.c_str(), 0600), 0);
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ConfigCrashers, RecursiveAliasesAreRefusedAtTheirLine) {
  for (const auto& [name, line] : std::vector<std::pair<std::string, int>>{
           {"config-yaml-recursive-alias-seq.yaml", 1},
           {"config-yaml-recursive-alias-map.yaml", 1},
           {"config-yaml-recursive-alias-block.yaml", 2}}) {
    const std::string path = kCorpus + name;
    EXPECT_TRUE(HasLine(refusal_of_file(path), path, line,
                        {"recursive YAML alias *a", "inside the node anchored as &a (line 1)"}))
        << name;
  }
}

TEST(ConfigCrashers, BillionLaughsIsRefusedBeforeExpanding) {
  const std::string path = kCorpus + "config-yaml-billion-laughs.yaml";
  const auto lines = refusal_of_file(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(std::regex_search(lines[0], std::regex("^" + path + ":[5-9]: \\*[a-z] makes the config more than 500000 keys and values")))
      << lines[0];
}

TEST(ConfigCrashers, OverflowingDurationsAreRefusedWithValueAndLine) {
  const std::string path = kCorpus + "config-duration-overflow.yaml";
  const auto lines = refusal_of_file(path);
  EXPECT_TRUE(HasLine(lines, path, 8, {"delivery.max_age must be a duration between 1s and 3650d", "'213503982335d'"}));
  EXPECT_TRUE(HasLine(lines, path, 9, {"delivery.backoff_max must be a duration between 10ms and 24h", "'640511947004d'"}));
}

TEST(ConfigCrashers, FileReferenceToDevZeroIsRefusedNotRead) {
  const std::string path = kCorpus + "config-file-dev-zero.yaml";
  EXPECT_TRUE(HasLine(refusal_of_file(path), path, 6, {"cannot read file '/dev/zero'", "a character device, not a regular file"}));
}

TEST(ConfigCrashers, FileReferencesToDirectoriesAndProcAreRefusedNotEmpty) {
  std::string path = kCorpus + "config-file-directory.yaml";
  EXPECT_TRUE(HasLine(refusal_of_file(path), path, 6, {"cannot read file '/tmp'", "a directory, not a regular file"}));
  path = kCorpus + "config-file-proc-self-mem.yaml";
  EXPECT_TRUE(HasLine(refusal_of_file(path), path, 6, {"'/proc/self/mem'", "kernel pseudo-file"}));
  // A readable /proc file is refused too: its content is made up at read time.
  const auto lines = refusal_of_yaml(kAuth + "apify:\n  token: ${file:/proc/self/status}\n");
  EXPECT_TRUE(HasLine(lines, "t.yaml", 3, {"'/proc/self/status'", "kernel pseudo-file"}));
}

TEST(ConfigCrashers, IniCarriesTheSameChecks) {
  const std::string path = kCorpus + "config-ini-overflow-dev-zero.ini";
  const auto lines = refusal_of_file(path);
  EXPECT_TRUE(HasLine(lines, path, 5, {"delivery.max_age", "'213503982335d'"}));
  EXPECT_TRUE(HasLine(lines, path, 8, {"'/dev/zero'", "character device"}));
}

TEST(ConfigCrashers, AFifoIsNeverOpenedForReading) {
  // Nobody writes to these FIFOs: a blocking open or read would hang the test (and the daemon).
  TempDir dir;
  const std::string fifo = dir.fifo("secret");
  EXPECT_TRUE(HasLine(refusal_of_yaml(kAuth + "apify:\n  token: ${file:" + fifo + "}\n"), "t.yaml", 3,
                      {"cannot read file '" + fifo + "'", "a FIFO (named pipe), not a regular file"}));
  const std::string config = dir.fifo("sinkhub.yaml");
  EXPECT_TRUE(HasLine(refusal_of_file(config), config, 1, {"cannot read config file", "a FIFO (named pipe)"}));
  // A symlink is followed to what it names, and that is what is checked.
  const std::string link = dir.path() + "/link.yaml";
  ASSERT_EQ(::symlink(config.c_str(), link.c_str()), 0);
  EXPECT_TRUE(HasLine(refusal_of_file(link), link, 1, {"a FIFO (named pipe)"}));
}

TEST(ConfigLimits, AReferencedFileIsCappedAt64KiB) {
  TempDir dir;
  const std::string ok = dir.file("ok", std::string(limits::kFileReferenceBytes - 1, 'k') + "\n");
  const std::string big = dir.file("big", std::string(limits::kFileReferenceBytes + 1, 'k'));
  EXPECT_EQ(load_text(kAuth + "apify:\n  token: ${file:" + ok + "}\n", "t.yaml").apify.token.size(),
            limits::kFileReferenceBytes - 1);
  EXPECT_TRUE(HasLine(refusal_of_yaml(kAuth + "apify:\n  token: ${file:" + big + "}\n"), "t.yaml", 3,
                      {"cannot read file", "larger than 65536 bytes"}));
}

TEST(ConfigLimits, AllSubstitutionsTogetherAreCapped) {
  TempDir dir;
  const std::string blob = dir.file("blob", std::string(60000, 'k'));
  std::string text = kAuth + "sinks:\n  s:\n    plugin: file\n";
  for (int i = 0; i < 80; ++i) text += "    o" + std::to_string(i) + ": ${file:" + blob + "}\n";  // 4.8 MB
  const auto lines = refusal_of_yaml(text);
  EXPECT_TRUE(HasLine(lines, "t.yaml", 4 + 70, {"makes the substituted values more than 4194304 bytes"}));
}

TEST(ConfigLimits, TheConfigFileIsCappedAt4MiB) {
  TempDir dir;
  const std::string text = kAuth + "# " + std::string(limits::kFileBytes, 'x') + "\n";
  const std::string path = dir.file("big.yaml", text);
  EXPECT_TRUE(HasLine(refusal_of_file(path), path, 1, {"cannot read config file: larger than 4194304 bytes"}));
  EXPECT_TRUE(HasLine(errors_of([&] { load_text(text, "t.ini"); }), "t.ini", 1, {"larger than 4194304 bytes"}));
}

TEST(ConfigLimits, NestingIsCappedAt64LevelsHoweverDeep) {
  for (std::size_t depth : {65ul, 100000ul}) {
    const std::string text = "x: " + std::string(depth, '[') + std::string(depth, ']') + "\n";
    EXPECT_TRUE(HasLine(refusal_of_yaml(text), "t.yaml", 1, {"nests deeper than 64 levels"})) << depth;
  }
  // 63 lists under the top-level map: 64 levels, the most allowed (refused later as unknown).
  const auto lines = refusal_of_yaml("x: " + std::string(63, '[') + std::string(63, ']') + "\n");
  EXPECT_TRUE(HasLine(lines, "t.yaml", 1, {"unknown section 'x'"}));
}

TEST(ConfigLimits, AliasesCountTheNestingTheyBring) {
  // Each anchor one level deeper than the last: the file is shallow, the tree is not.
  std::string text = "a0: &a0 [x]\n";
  for (int i = 1; i <= 70; ++i)
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + "]\n";
  const auto lines = refusal_of_yaml(text);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("nests deeper than 64 levels"), std::string::npos) << lines[0];
}

TEST(ConfigLimits, AliasesOfLongTextAreCapped) {
  std::string text = "big: &big " + std::string(1 << 20, 'x') + "\nmany: [";
  for (int i = 0; i < 20; ++i) text += "*big,";
  text += "*big]\n";
  const auto lines = refusal_of_yaml(text);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("*big makes the config text more than 16777216 bytes"), std::string::npos) << lines[0];
}

TEST(ConfigLimits, AliasesStillShareOptionsBetweenSinks) {
  const Config c = load_text(kAuth +
                                 "sinks:\n"
                                 "  a: &common {plugin: file, dir: /var/out, format: jsonl}\n"
                                 "  b: *common\n",
                             "t.yaml");
  ASSERT_EQ(c.sinks.size(), 2u);
  EXPECT_EQ(c.sinks[1].plugin, "file");
  EXPECT_EQ(to_json(c.sinks[1].options), R"({"dir":"/var/out","format":"jsonl"})");
}

TEST(ConfigLimits, TwoHundredThousandTopLevelKeysLoadInLinearTime) {
  // Quadratic duplicate-key checks made this take minutes; the test's ctest timeout catches that.
  for (const bool as_ini : {false, true}) {
    std::string text = as_ini ? "[auth]\nallow_unauthenticated = true\n" : "auth: {allow_unauthenticated: true}\n";
    const int first = as_ini ? 3 : 2;  // the line of k0
    text.reserve(4 << 20);
    for (int i = 0; i < 200000; ++i) text += as_ini ? "[k" + std::to_string(i) + "]\n" : "k" + std::to_string(i) + ": 1\n";
    const std::string file = as_ini ? "t.ini" : "t.yaml";
    try {
      load_text(text, file);
      ADD_FAILURE() << "unknown sections accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.diagnostics().size(), 200000u);
      const auto lines = e.lines();  // what is printed stays readable
      ASSERT_EQ(lines.size(), limits::kReportedDiagnostics + 1);
      EXPECT_EQ(lines[0], file + ":" + std::to_string(first) + ": unknown section 'k0'");
      EXPECT_EQ(lines.back(), file + ":" + std::to_string(first + 100) + ": ... and 199900 more problems from here on");
    }
  }
}

TEST(ConfigLimits, IniKeysAndSectionsAreCappedLikeYamlNodes) {
  std::string text = "[auth]\n";
  text.reserve(4 << 20);
  for (std::size_t i = 0; i < limits::kNodes + 10; ++i) {  // distinct 4-character keys: 3 MB
    std::string key;
    for (std::size_t n = i, d = 0; d < 4; ++d, n /= 36) key += "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
    text += key + "=\n";
  }
  const auto lines = errors_of([&] { load_text(text, "t.ini"); });
  EXPECT_TRUE(HasLine(lines, "t.ini", static_cast<int>(limits::kNodes) + 1, {"more than 500000 keys and sections"}));
}

TEST(ConfigLimits, DuplicateKeysAreStillFound) {
  EXPECT_TRUE(HasLine(refusal_of_yaml(kAuth + "server: {path: /a}\nserver: {path: /b}\n"), "t.yaml", 3,
                      {"duplicate key 'server'"}));
  EXPECT_TRUE(HasLine(errors_of([] { load_text("[auth]\na = 1\nb = 2\na = 3\n[sink.x]\n[sink.x]\n", "t.ini"); }), "t.ini",
                      4, {"duplicate key 'a'"}));
  EXPECT_TRUE(HasLine(errors_of([] { load_text("[sink.x]\n[sink.x]\n", "t.ini"); }), "t.ini", 2,
                      {"duplicate section [sink.x]"}));
  EXPECT_TRUE(HasLine(errors_of([] { load_text("[route.r]\nname = x\n", "t.ini"); }), "t.ini", 2,
                      {"duplicate key 'name'"}));
}

TEST(ConfigLimits, ASecondYamlDocumentIsNotSilentlyIgnored) {
  const std::string path = kCorpus + "config-yaml-second-document.yaml";
  EXPECT_TRUE(HasLine(refusal_of_file(path), path, 3, {"one YAML document"}));
}

TEST(ConfigDiagnostics, EveryLineNamesALineEvenForAMissingSection) {
  const std::string path = kCorpus + "config-no-auth-section.yaml";
  const auto lines = refusal_of_file(path);
  EXPECT_TRUE(HasLine(lines, path, 1, {"auth.secrets needs at least one secret", "this file has no auth section"}));
  const std::regex located("^" + path + ":[1-9][0-9]*: .+");
  for (const auto& l : lines) EXPECT_TRUE(std::regex_match(l, located)) << l;
  EXPECT_TRUE(HasLine(refusal_of_file("/nonexistent/x.yaml"), "/nonexistent/x.yaml", 1,
                      {"cannot read config file: No such file or directory"}));
}

TEST(ConfigDurations, OverflowIsRefusedNotWrapped) {
  std::chrono::milliseconds ms{};
  EXPECT_TRUE(parse_duration("106751991167d", ms));  // the largest day count int64 ms holds
  EXPECT_EQ(ms.count(), 106751991167LL * 86400000LL);
  EXPECT_FALSE(parse_duration("106751991168d", ms));
  EXPECT_FALSE(parse_duration("213503982335d", ms));
  EXPECT_FALSE(parse_duration("2562047788016h", ms));
  EXPECT_TRUE(parse_duration("922337203685477580ms", ms));  // 18 digits
  EXPECT_FALSE(parse_duration("9223372036854775808ms", ms));
  EXPECT_FALSE(parse_duration("99999999999999999999999s", ms));
}

TEST(ConfigDurations, MaxAgeIsBoundedAndNamedWithItsValue) {
  EXPECT_TRUE(HasLine(refusal_of_yaml(kAuth + "delivery:\n  max_age: 3651d\n"), "t.yaml", 3,
                      {"delivery.max_age must be a duration between 1s and 3650d", "got '3651d'"}));
  EXPECT_TRUE(HasLine(refusal_of_yaml(kAuth + "delivery:\n  max_age: 500ms\n"), "t.yaml", 3, {"got '500ms'"}));
  EXPECT_EQ(load_text(kAuth + "delivery:\n  max_age: 3650d\n", "t.yaml").delivery.max_age, std::chrono::hours(24 * 3650));
}

}  // namespace
}  // namespace sinkhub::config
