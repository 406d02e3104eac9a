// ledger.url / ledger.pool: the PostgreSQL ledger's keys, what they accept, how they refuse,
// and that the password in the URL never reaches a message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "config/config.hpp"
#include "config/postgres_url.hpp"

namespace sinkhub::config {
namespace {

const char* kSecret = "0123456789abcdef-secret";
const char* kPassword = "Sup3r-s3cret-db-pw";

Config yaml(const std::string& text) { return from_tree(parse_yaml(text, "t.yaml"), "t.yaml"); }

std::string with_ledger(const std::string& ledger) {
  return std::string("auth: {secrets: [\"") + kSecret + "\"]}\nledger:\n" + ledger;
}

std::vector<std::string> errors_of(const std::string& text) {
  try {
    yaml(text);
  } catch (const ConfigError& e) {
    return e.lines();
  }
  ADD_FAILURE() << "config was accepted but should have failed:\n" << text;
  return {};
}

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

TEST(LedgerUrlConfig, APostgresqlUrlWithItsPasswordFromTheEnvironment) {
  setenv("SINKHUB_T_PGPW", kPassword, 1);
  const Config c = yaml(with_ledger(
      "  url: \"postgresql://sinkhub:${env:SINKHUB_T_PGPW}@db.internal:5433/sinkhub?sslmode=verify-full\"\n"
      "  pool: 8\n"));
  EXPECT_TRUE(c.ledger.postgres());
  EXPECT_EQ(c.ledger.url, std::string("postgresql://sinkhub:") + kPassword + "@db.internal:5433/sinkhub?sslmode=verify-full");
  EXPECT_EQ(c.ledger.pool, 8);
  EXPECT_EQ(PostgresUrl(c.ledger.url).redacted(), "postgresql://sinkhub:***@db.internal:5433/sinkhub?sslmode=verify-full");
}

TEST(LedgerUrlConfig, ThePasswordMayComeFromAFile) {
  const std::string file = ::testing::TempDir() + "/pgpw-" + std::to_string(::getpid());
  std::ofstream(file) << kPassword << "\n";
  const Config c = yaml(with_ledger("  url: \"postgres://sinkhub:${file:" + file + "}@127.0.0.1/sinkhub\"\n"));
  EXPECT_EQ(c.ledger.url, std::string("postgres://sinkhub:") + kPassword + "@127.0.0.1/sinkhub");
  EXPECT_EQ(c.ledger.pool, 4) << "the default pool";
  std::remove(file.c_str());
}

TEST(LedgerUrlConfig, PathAndUrlAreMutuallyExclusiveWithTheirLines) {
  const auto lines = errors_of(with_ledger("  path: ./var/sinkhub.db\n  url: postgresql://db/sinkhub\n"));
  EXPECT_NE(joined(lines).find("t.yaml:4: ledger.path and ledger.url"), std::string::npos) << joined(lines);
  EXPECT_NE(joined(lines).find("mutually exclusive (ledger.path is at line 3)"), std::string::npos) << joined(lines);
}

TEST(LedgerUrlConfig, KeysOfTheOtherLedgerAreErrors) {
  EXPECT_NE(joined(errors_of(with_ledger("  path: ./x.db\n  pool: 4\n"))).find("ledger.pool applies to ledger.url"),
            std::string::npos);
  EXPECT_NE(joined(errors_of(with_ledger("  url: postgresql://db/x\n  synchronous: normal\n")))
                .find("ledger.synchronous applies to ledger.path"),
            std::string::npos);
}

TEST(LedgerUrlConfig, WrongMissingOversizedAndMaliciousValuesAreRefusedWithoutThePassword) {
  const std::string pw = std::string(":") + kPassword + "@";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\"\"", "ledger.url must not be empty"},
      {"\"mysql://u" + pw + "db/x\"", "must be a postgresql:// URL"},
      {"\"http://u" + pw + "db/x\"", "must be a postgresql:// URL"},
      {"\"postgresql://u" + pw + "db/x?sslmode=sometimes\"", "sslmode must be disable, allow"},
      {"\"postgresql://u" + pw + "db/x?nonsense=1\"", "not a valid PostgreSQL URL"},
      {"\"postgresql://u" + pw + "db:99999/x\"", "the port must be a number between 1 and 65535"},
      {"\"postgresql://u" + pw + "db:0/x\"", "the port must be a number"},
      {"\"postgresql://u" + pw + "db/x\\nhost=evil\"", "must not contain control characters"},
      {"\"postgresql://u" + pw + "db/x?password=" + kPassword + "&sslmode=bogus\"", "sslmode must be"},
      {"\"postgresql://u" + pw + "db/" + std::string(9000, 'x') + "\"", "longer than 8192 bytes"},
      {"[postgresql://db/x]", "ledger.url"},
  };
  for (const auto& [value, want] : cases) {
    const std::string all = joined(errors_of(with_ledger("  url: " + value + "\n")));
    EXPECT_NE(all.find(want), std::string::npos) << value << " gave:\n" << all;
    EXPECT_EQ(all.find(kPassword), std::string::npos) << "the password leaked:\n" << all;
  }
}

TEST(LedgerUrlConfig, PoolIsBounded) {
  for (const char* bad : {"0", "65", "-1", "lots"})
    EXPECT_NE(joined(errors_of(with_ledger(std::string("  url: postgresql://db/x\n  pool: ") + bad + "\n")))
                  .find("pool"),
              std::string::npos)
        << bad;
}

// Each daemon's sinks keep their files (spools, markers) in plugins.data_dir, local to the
// daemon also when the ledger is shared.
TEST(LedgerUrlConfig, SinkDataDirIsBesideTheSqliteLedgerOrConfigured) {
  EXPECT_EQ(yaml(with_ledger("  path: /srv/x/ledger.db\n")).sink_data_dir, "/srv/x/sinks");
  EXPECT_EQ(yaml(with_ledger("  url: postgresql://db/x\n")).sink_data_dir, "./var/sinks");
  EXPECT_EQ(yaml(with_ledger("  url: postgresql://db/x\nplugins: {data_dir: /var/lib/sinkhub/sinks}\n")).sink_data_dir,
            "/var/lib/sinkhub/sinks");
  EXPECT_NE(joined(errors_of(with_ledger("  url: postgresql://db/x\nplugins: {data_dir: \"\"}\n")))
                .find("plugins.data_dir must not be empty"),
            std::string::npos);
}

TEST(PostgresUrl, ScrubRemovesThePasswordInEveryForm) {
  const PostgresUrl url("postgresql://sinkhub:p%40ss%2Fword@db/x?application_name=a");
  EXPECT_EQ(url.redacted(), "postgresql://sinkhub:***@db/x?application_name=a");
  const std::string scrubbed =
      url.scrub("FATAL: password authentication failed; url=" + url.url() + " raw=p%40ss%2Fword decoded=p@ss/word");
  EXPECT_EQ(scrubbed.find("p%40ss"), std::string::npos) << scrubbed;
  EXPECT_EQ(scrubbed.find("p@ss/word"), std::string::npos) << scrubbed;
  const PostgresUrl query("postgresql://db/x?password=hunter2-long&sslmode=require");
  EXPECT_EQ(query.redacted(), "postgresql://db/x?password=***&sslmode=require");
  EXPECT_EQ(query.scrub("said hunter2-long").find("hunter2-long"), std::string::npos);
  EXPECT_EQ(PostgresUrl("postgresql://db/x").redacted(), "postgresql://db/x") << "nothing to hide";
}

}  // namespace
}  // namespace sinkhub::config
