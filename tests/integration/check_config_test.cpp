// `sinkhub check-config`: exit 0 for a valid file; exit 1 and one "file:line: message" per
// problem otherwise, in YAML and in INI alike.
#include <sstream>

#include "integration.hpp"

namespace sinkhub::it {
namespace {

// Each test runs once per format: CheckConfigYaml.X and CheckConfigIni.X. (Plain fixtures
// rather than TEST_P keep the CTest names stable.)
class CheckConfig : public ::testing::Test {
 public:
  explicit CheckConfig(ConfigFormat format) : format_(format) {}
  bool yaml() const { return format_ == ConfigFormat::Yaml; }
  std::string stock() const { return yaml() ? stock_yaml() : stock_ini(); }
  // Writes the config (placeholders filled in) and runs check-config on it.
  CliResult check(const std::string& config_template, const std::map<std::string, std::string>& env = {}) {
    path_ = dir_.file(yaml() ? "sinkhub.yaml" : "sinkhub.ini");
    text_ = render_config(config_template, 8787, dir_.path());
    write_file(path_, text_);
    return run_cli({"check-config", "--config", path_}, env);
  }
  // "FILE:LINE:" of the line holding `needle` in the config last checked.
  std::string location_of(const std::string& needle) const {
    const int line = line_of(text_, needle);
    EXPECT_GT(line, 0) << "'" << needle << "' not in the config";
    return path_ + ":" + std::to_string(line) + ":";
  }
  // Asserts exit 1, and a stderr line that starts with `location` and contains every word.
  ::testing::AssertionResult Rejected(const CliResult& r, const std::string& location,
                                      const std::vector<std::string>& words) const {
    if (r.exit_code != 1) return ::testing::AssertionFailure() << "exit code " << r.exit_code << ", stderr:\n" << r.err;
    std::istringstream in(r.err);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(location + " ", 0) != 0) continue;
      bool all = true;
      for (const auto& w : words) all = all && line.find(w) != std::string::npos;
      if (all) return ::testing::AssertionSuccess();
    }
    std::string want;
    for (const auto& w : words) want += " '" + w + "'";
    return ::testing::AssertionFailure() << "no line '" << location << " ...' naming" << want << " in stderr:\n"
                                         << r.err << "config:\n" << text_;
  }

  ConfigFormat format_;
  TempDir dir_;
  std::string path_, text_;
};

class CheckConfigYaml : public CheckConfig {
 public:
  CheckConfigYaml() : CheckConfig(ConfigFormat::Yaml) {}
};
class CheckConfigIni : public CheckConfig {
 public:
  CheckConfigIni() : CheckConfig(ConfigFormat::Ini) {}
};

// Defines a test body once (as Name##_body) and registers it for both formats.
#define BOTH_FORMATS(Name)                                  \
  void Name##_body(CheckConfig& t);                         \
  TEST_F(CheckConfigYaml, Name) { Name##_body(*this); }     \
  TEST_F(CheckConfigIni, Name) { Name##_body(*this); }      \
  void Name##_body(CheckConfig& t)

BOTH_FORMATS(TheStockTestConfigIsValid) {
  const auto r = t.check(t.stock());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  EXPECT_NE(r.out.find("ok"), std::string::npos) << r.out;
}

BOTH_FORMATS(RouteNamingAnUndeclaredSinkIsAnError) {
  const std::string tmpl = t.yaml() ? replace_all(t.stock(), "sinks: [local-files]", "sinks: [nowhere-sink]")
                                  : replace_all(t.stock(), "sinks = local-files\n", "sinks = nowhere-sink\n");
  const auto r = t.check(tmpl);
  EXPECT_TRUE(t.Rejected(r, t.location_of("nowhere-sink"), {"nowhere-sink"}));
}

BOTH_FORMATS(UnsetEnvironmentVariableIsAnErrorNamingIt) {
  const std::string tmpl = t.yaml() ? replace_all(t.stock(), "token: \"test-token-not-used\"",
                                                "token: \"${env:SINKHUB_IT_SURELY_UNSET_TOKEN}\"")
                                  : replace_all(t.stock(), "token = test-token-not-used",
                                                "token = ${env:SINKHUB_IT_SURELY_UNSET_TOKEN}");
  const auto r = t.check(tmpl);
  EXPECT_TRUE(t.Rejected(r, t.location_of("SINKHUB_IT_SURELY_UNSET_TOKEN"), {"SINKHUB_IT_SURELY_UNSET_TOKEN"}));
  // The same file is fine once the variable is set.
  const auto ok = t.check(tmpl, {{"SINKHUB_IT_SURELY_UNSET_TOKEN", "apify_api_xyz"}});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

BOTH_FORMATS(BadListenAddressIsAnError) {
  for (const char* bad : {"localhost:8787", "127.0.0.1:99999", "127.0.0.1", "300.1.1.1:80", "127.0.0.1:http"}) {
    SCOPED_TRACE(bad);
    const std::string tmpl = t.yaml() ? replace_all(t.stock(), "listen: \"127.0.0.1:{{PORT}}\"",
                                                  std::string("listen: \"") + bad + "\"")
                                    : replace_all(t.stock(), "listen = 127.0.0.1:{{PORT}}", std::string("listen = ") + bad);
    const auto r = t.check(tmpl);
    EXPECT_TRUE(t.Rejected(r, t.location_of("listen"), {"server.listen", bad}));
  }
}

BOTH_FORMATS(UnknownEventTypeIsAnError) {
  const std::string tmpl = t.yaml() ? replace_all(t.stock(), "events: [ACTOR.RUN.SUCCEEDED]", "events: [ACTOR.RUN.EXPLODED]")
                                  : replace_all(t.stock(), "events = ACTOR.RUN.SUCCEEDED", "events = ACTOR.RUN.EXPLODED");
  const auto r = t.check(tmpl);
  EXPECT_TRUE(t.Rejected(r, t.location_of("ACTOR.RUN.EXPLODED"), {"ACTOR.RUN.EXPLODED"}));
}

BOTH_FORMATS(MissingSecretIsAnError) {
  const std::string tmpl = t.yaml() ? replace_all(t.stock(), "  secrets: [\"{{SECRET}}\", \"{{SECRET2}}\"]\n", "")
                                  : replace_all(t.stock(), "secrets = {{SECRET}}, {{SECRET2}}\n", "");
  ASSERT_EQ(tmpl.find("secrets"), std::string::npos);
  const auto r = t.check(tmpl);
  // The problem is reported at the [auth] section (INI) / the auth map (YAML).
  const int auth = line_of(t.text_, t.yaml() ? "auth:" : "[auth]");
  bool located = false;
  for (int line = auth; line <= auth + 1; ++line)
    located = located || t.Rejected(r, t.path_ + ":" + std::to_string(line) + ":", {"auth.secrets"});
  EXPECT_TRUE(located) << r.err;
}

BOTH_FORMATS(ShortSecretIsAnErrorThatDoesNotPrintTheSecret) {
  const std::string tmpl = t.yaml() ? replace_all(t.stock(), "\"{{SECRET2}}\"", "\"tooshort123\"")
                                  : replace_all(t.stock(), "{{SECRET2}}", "tooshort123");
  const auto r = t.check(tmpl);
  EXPECT_TRUE(t.Rejected(r, t.location_of("tooshort123"), {"16"}));
  EXPECT_EQ(r.err.find("tooshort123"), std::string::npos) << r.err;
}

BOTH_FORMATS(EmptySecretsAreAllowedOnlyWithAllowUnauthenticated) {
  const std::string tmpl = t.yaml() ? replace_all(t.stock(), "  secrets: [\"{{SECRET}}\", \"{{SECRET2}}\"]\n",
                                                "  allow_unauthenticated: true\n")
                                  : replace_all(t.stock(), "secrets = {{SECRET}}, {{SECRET2}}\n",
                                                "allow_unauthenticated = true\n");
  const auto r = t.check(tmpl);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

BOTH_FORMATS(EveryProblemIsReportedInOneRun) {
  std::string tmpl = t.stock();
  if (t.yaml()) {
    tmpl = replace_all(tmpl, "listen: \"127.0.0.1:{{PORT}}\"", "listen: \"nowhere\"");
    tmpl = replace_all(tmpl, "events: [ACTOR.RUN.SUCCEEDED]", "events: [ACTOR.RUN.EXPLODED]");
    tmpl = replace_all(tmpl, "sinks: [local-files]", "sinks: [nowhere-sink]");
  } else {
    tmpl = replace_all(tmpl, "listen = 127.0.0.1:{{PORT}}", "listen = nowhere");
    tmpl = replace_all(tmpl, "events = ACTOR.RUN.SUCCEEDED", "events = ACTOR.RUN.EXPLODED");
    tmpl = replace_all(tmpl, "sinks = local-files\n", "sinks = nowhere-sink\n");
  }
  const auto r = t.check(tmpl);
  EXPECT_TRUE(t.Rejected(r, t.location_of(t.yaml() ? "listen:" : "listen ="), {"server.listen"}));
  EXPECT_TRUE(t.Rejected(r, t.location_of("ACTOR.RUN.EXPLODED"), {"ACTOR.RUN.EXPLODED"}));
  EXPECT_TRUE(t.Rejected(r, t.location_of("nowhere-sink"), {"nowhere-sink"}));
}

BOTH_FORMATS(UnknownKeyIsReportedAsATypo) {
  const std::string tmpl = t.yaml() ? replace_all(t.stock(), "  path: /apify-webhook\n", "  pth: /apify-webhook\n")
                                  : replace_all(t.stock(), "path = /apify-webhook\n", "pth = /apify-webhook\n");
  const auto r = t.check(tmpl);
  EXPECT_TRUE(t.Rejected(r, t.location_of("pth"), {"server.pth"}));
}

// ledger.url and ledger.path: one or the other, both lines named; the URL's password is never
// echoed, whatever is wrong with it.
BOTH_FORMATS(LedgerPathAndUrlAreMutuallyExclusive) {
  const std::string url = "postgresql://sinkhub:Hunter2-db-password@db.internal/sinkhub";
  const std::string both = t.yaml() ? replace_all(t.stock(), "  synchronous: full\n", "  url: \"" + url + "\"\n")
                                    : replace_all(t.stock(), "synchronous = full\n", "url = " + url + "\n");
  const auto r = t.check(both);
  const int path_line = line_of(t.text_, "ledger.db");
  EXPECT_TRUE(t.Rejected(r, t.location_of("db.internal"),
                         {"ledger.path and ledger.url are mutually exclusive", "line " + std::to_string(path_line)}));
  EXPECT_EQ(r.err.find("Hunter2"), std::string::npos) << r.err;
  const std::string bad = replace_all(both, "postgresql://", "mysql://");
  const auto bad_r = t.check(t.yaml() ? replace_all(bad, "  path: \"{{DIR}}/ledger.db\"\n", "")
                                      : replace_all(bad, "path = {{DIR}}/ledger.db\n", ""));
  EXPECT_TRUE(t.Rejected(bad_r, t.location_of("db.internal"), {"ledger.url must be a postgresql:// URL"}));
  EXPECT_EQ(bad_r.err.find("Hunter2"), std::string::npos) << bad_r.err;
}

// ledger.retention.dedup_keys below a week (Apify retries for ~32 h) is refused at its line, with
// the reason; a week is enough. The same keys in INI live in [ledger.retention].
BOTH_FORMATS(DedupKeysShorterThanAWeekAreRefusedWithTheReason) {
  const auto with = [&](const std::string& keys) {
    return t.yaml() ? replace_all(t.stock(), "  synchronous: full\n",
                                  "  synchronous: full\n  retention: {done: 30d, dead: 90d, dedup_keys: " + keys + "}\n")
                    : replace_all(t.stock(), "synchronous = full\n",
                                  "synchronous = full\n\n[ledger.retention]\ndone = 30d\ndead = 90d\ndedup_keys = " + keys +
                                      "\n");
  };
  const auto r = t.check(with("3d"));
  EXPECT_TRUE(t.Rejected(r, t.location_of("dedup_keys"), {"ledger.retention.dedup_keys", "at least 7d", "'3d'", "32 hours"}));
  const auto week = t.check(with("7d"));
  EXPECT_EQ(week.exit_code, 0) << week.err;
  const auto typo = t.check(with("14 days"));
  EXPECT_TRUE(t.Rejected(typo, t.location_of("dedup_keys"), {"ledger.retention.dedup_keys", "duration"}));
}

}  // namespace
}  // namespace sinkhub::it
