// The s3 sink's options and credentials, as create() sees them: wrong, missing, oversized and
// malicious values are refused with a message naming the option (and never a secret), and
// credentials come from the options, else the environment, else the shared credentials file.
#include <gtest/gtest.h>

#include <sinkhub/sink.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "readme_table.hpp"
#include "s3_options.hpp"

namespace {

using sinkhub_s3::Config;
using sinkhub_s3::parse_config;

struct FakeEnv {
  std::map<std::string, std::string> vars;
  sinkhub_s3::EnvFn fn() const {
    return [this](const char* n) -> const char* {
      auto it = vars.find(n);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

const std::string kBase = R"("bucket":"my-bucket","region":"us-east-1")";
const std::string kKeys = R"("access_key_id":"AKIDOPTIONS","secret_access_key":"opt-secret-123")";

Config parse(const std::string& extra, const FakeEnv& env = {}) {
  return parse_config("{" + kBase + (extra.empty() ? "" : "," + extra) + "}", env.fn());
}

// The message of the OptionsError that parse throws, "" when it does not throw.
std::string error_of(const std::string& json, const FakeEnv& env = {}) {
  try {
    parse_config(json, env.fn());
  } catch (const sinkhub::OptionsError& e) {
    return e.what();
  }
  return "";
}
std::string error_with(const std::string& extra, const FakeEnv& env = {}) {
  return error_of("{" + kBase + "," + extra + "}", env);
}

TEST(S3Options, DefaultsAddressAwsVirtualHostedStyle) {
  const Config c = parse(kKeys);
  EXPECT_EQ(c.scheme, "https");
  EXPECT_EQ(c.host, "my-bucket.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(c.path_prefix, "");
  EXPECT_EQ(c.key_template, "{actorId}/{runId}.jsonl");
  EXPECT_EQ(c.part_size, 8u << 20);
  EXPECT_FALSE(c.json_array);
  EXPECT_FALSE(c.gzip);
}

TEST(S3Options, EndpointPathStyleAndR2) {
  Config c = parse(kKeys + R"(,"endpoint":"http://127.0.0.1:4568","path_style":true)");
  EXPECT_EQ(c.scheme, "http");
  EXPECT_EQ(c.host, "127.0.0.1:4568");
  EXPECT_EQ(c.path_prefix, "/my-bucket");
  c = parse(kKeys + R"(,"endpoint":"https://acc123.r2.cloudflarestorage.com")");
  EXPECT_EQ(c.host, "my-bucket.acc123.r2.cloudflarestorage.com");
  c = parse_config(R"({"bucket":"b-1","region":"auto","endpoint":"https://acc.r2.cloudflarestorage.com:443",)" + kKeys + "}",
                   FakeEnv{}.fn());
  EXPECT_EQ(c.region, "auto");
  EXPECT_EQ(c.host, "b-1.acc.r2.cloudflarestorage.com") << "default port left out of Host, as clients send it";
}

TEST(S3Options, SizesFormatsAndClasses) {
  EXPECT_EQ(parse(kKeys + R"(,"part_size":"5MiB")").part_size, 5u << 20);
  EXPECT_EQ(parse(kKeys + R"(,"part_size":"16 mib")").part_size, 16u << 20);
  EXPECT_EQ(parse(kKeys + R"(,"part_size":"6291456")").part_size, 6291456u);
  EXPECT_EQ(parse(kKeys + R"(,"part_size":"1GiB")").part_size, 1u << 30);
  EXPECT_TRUE(parse(kKeys + R"(,"format":"json","gzip":true)").json_array);
  EXPECT_EQ(parse(kKeys + R"(,"storage_class":"STANDARD_IA","server_side_encryption":"aws:kms")").storage_class,
            "STANDARD_IA");
}

TEST(S3Options, WrongMissingOversizedAndMaliciousValuesAreRefusedByName) {
  EXPECT_NE(error_of("{" + kKeys + R"(,"region":"us-east-1"})").find("'bucket' is required"), std::string::npos);
  EXPECT_NE(error_of("{" + kKeys + R"(,"bucket":"b12"})").find("'region' is required"), std::string::npos);
  EXPECT_NE(error_of("[1]").find("JSON object"), std::string::npos);
  EXPECT_NE(error_of("{nope").find("JSON object"), std::string::npos);
  EXPECT_NE(error_with(kKeys + R"(,"colour":"red")").find("unknown option 'colour'"), std::string::npos);
  // bucket
  for (const char* b : {"ab", "UPPER-case", "has space", "-lead", "trail-", "a..b", "evil/../bucket"})
    EXPECT_NE(error_of(R"({"bucket":")" + std::string(b) + R"(","region":"us-east-1",)" + kKeys + "}").find("option 'bucket'"),
              std::string::npos)
        << b;
  EXPECT_NE(error_of(R"({"bucket":")" + std::string(64, 'a') + R"(","region":"us-east-1",)" + kKeys + "}").find("3 to 63"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"bucket":5,"region":"us-east-1"})").find("'bucket': must be a string"), std::string::npos);
  // region
  EXPECT_NE(error_of(R"({"bucket":"bkt","region":"US_EAST\n1",)" + kKeys + "}").find("option 'region'"), std::string::npos);
  EXPECT_NE(error_of(R"({"bucket":"bkt","region":"auto",)" + kKeys + "}").find("needs an 'endpoint'"), std::string::npos);
  EXPECT_NE(error_of(R"({"bucket":"bkt","region":")" + std::string(40, 'a') + R"(",)" + kKeys + "}").find("1 to 32"),
            std::string::npos);
  // endpoint
  for (const char* e : {"ftp://x.example", "https://", "https://host/path", "https://host?q=1", "https://user:pw@host",
                        "not a url", "https://h ost"})
    EXPECT_NE(error_with(kKeys + R"(,"path_style":true,"endpoint":")" + std::string(e) + "\"").find("option 'endpoint'"),
              std::string::npos)
        << e;
  EXPECT_NE(error_with(kKeys + R"(,"endpoint":"http://127.0.0.1:9000")").find("set path_style: true"), std::string::npos);
  EXPECT_NE(error_with(kKeys + R"(,"path_style":"yes")").find("'path_style': must be a boolean"), std::string::npos);
  // key template (the file sink's rules)
  for (const char* k : {"", "/abs/{runId}", "a/../{runId}", "{nope}.jsonl", "a//b", ".hidden/{runId}", "a\\\\b", "a\\tb", "a\\u0000b", "{runId"})
    EXPECT_NE(error_with(kKeys + R"(,"key":")" + std::string(k) + "\"").find("option 'key'"), std::string::npos) << k;
  EXPECT_NE(error_with(kKeys + R"(,"key":")" + std::string(600, 'k') + "\"").find("longer than 512"), std::string::npos);
  // format, gzip, sizes, classes
  EXPECT_NE(error_with(kKeys + R"(,"format":"csv")").find("option 'format'"), std::string::npos);
  EXPECT_NE(error_with(kKeys + R"(,"gzip":"true")").find("option 'gzip'"), std::string::npos);
  for (const char* s : {"4MiB", "1", "8 MB", "lots", "-8MiB", "6GiB", "99999999999999MiB", ""})
    EXPECT_NE(error_with(kKeys + R"(,"part_size":")" + std::string(s) + "\"").find("option 'part_size'"), std::string::npos)
        << s;
  EXPECT_NE(error_with(kKeys + R"(,"storage_class":"CHEAP")").find("option 'storage_class'"), std::string::npos);
  EXPECT_NE(error_with(kKeys + R"(,"server_side_encryption":"rot13")").find("option 'server_side_encryption'"),
            std::string::npos);
}

TEST(S3Options, BadCredentialsAreRefusedWithoutEchoingThem) {
  EXPECT_NE(error_with(R"("access_key_id":"AKID")").find("must be given together"), std::string::npos);
  EXPECT_NE(error_with(R"("secret_access_key":"s3cr3t-value")").find("must be given together"), std::string::npos);
  const std::string msg = error_with(R"("access_key_id":"AKID","secret_access_key":"s3cr3t value")");
  EXPECT_NE(msg.find("option 'secret_access_key'"), std::string::npos);
  EXPECT_EQ(msg.find("s3cr3t"), std::string::npos) << "no secret in messages: " << msg;
  EXPECT_NE(error_with(R"("access_key_id":"","secret_access_key":"x")").find("must not be empty"), std::string::npos);
  EXPECT_NE(error_with(R"("access_key_id":"A","secret_access_key":")" + std::string(300, 's') + "\"").find("longer than"),
            std::string::npos);
  EXPECT_NE(error_with(R"("session_token":"tok")").find("needs access_key_id"), std::string::npos);
}

class S3Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("s3-creds-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / ".aws");
    std::ofstream(dir_ / ".aws" / "credentials")
        << "# comment\n[default]\naws_access_key_id = AKIDFILEDEFAULT\naws_secret_access_key = file-default-secret\n\n"
           "[ci]\naws_access_key_id=AKIDFILECI\naws_secret_access_key=file-ci-secret\naws_session_token=file-ci-token\n";
    env_.vars["HOME"] = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  FakeEnv env_;
};

TEST_F(S3Credentials, OptionsWinOverTheEnvironmentWhichWinsOverTheFile) {
  env_.vars["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_.vars["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env_.vars["AWS_SESSION_TOKEN"] = "env-token";
  Config c = parse(kKeys, env_);
  EXPECT_EQ(c.creds.access_key_id, "AKIDOPTIONS");
  EXPECT_EQ(c.creds.secret_access_key, "opt-secret-123");
  EXPECT_EQ(c.creds.session_token, "") << "the environment's token does not pair with the options' keys";
  EXPECT_EQ(c.creds_source, "options");
  c = parse(kKeys + R"(,"session_token":"opt-token")", env_);
  EXPECT_EQ(c.creds.session_token, "opt-token");

  c = parse("", env_);
  EXPECT_EQ(c.creds.access_key_id, "AKIDENV");
  EXPECT_EQ(c.creds.secret_access_key, "env-secret");
  EXPECT_EQ(c.creds.session_token, "env-token");
  EXPECT_EQ(c.creds_source, "environment");

  env_.vars.erase("AWS_ACCESS_KEY_ID");
  EXPECT_NE(error_of("{" + kBase + "}", env_).find("must be set together"), std::string::npos);
  env_.vars.erase("AWS_SECRET_ACCESS_KEY");
  c = parse("", env_);
  EXPECT_EQ(c.creds.access_key_id, "AKIDFILEDEFAULT");
  EXPECT_EQ(c.creds.secret_access_key, "file-default-secret");
  EXPECT_EQ(c.creds.session_token, "");
  EXPECT_NE(c.creds_source.find("profile default"), std::string::npos);
}

TEST_F(S3Credentials, TheFileHonoursAwsProfileAndAwsSharedCredentialsFile) {
  env_.vars["AWS_PROFILE"] = "ci";
  Config c = parse("", env_);
  EXPECT_EQ(c.creds.access_key_id, "AKIDFILECI");
  EXPECT_EQ(c.creds.session_token, "file-ci-token");
  env_.vars["AWS_PROFILE"] = "missing";
  EXPECT_NE(error_of("{" + kBase + "}", env_).find("has no such profile"), std::string::npos);

  std::ofstream(dir_ / "other") << "[default]\naws_access_key_id=AKIDOTHER\naws_secret_access_key=other-secret\n";
  env_.vars.erase("AWS_PROFILE");
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "other").string();
  EXPECT_EQ(parse("", env_).creds.access_key_id, "AKIDOTHER");
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "absent").string();
  EXPECT_NE(error_of("{" + kBase + "}", env_).find("cannot read the credentials file"), std::string::npos);

  std::ofstream(dir_ / "half") << "[default]\naws_access_key_id=AKIDHALF\n";
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "half").string();
  EXPECT_NE(error_of("{" + kBase + "}", env_).find("lacks aws_access_key_id or aws_secret_access_key"), std::string::npos);

  std::ofstream(dir_ / "huge") << "[default]\n" << std::string(70000, '#') << "\n";
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] = (dir_ / "huge").string();
  EXPECT_NE(error_of("{" + kBase + "}", env_).find("larger than 64 KiB"), std::string::npos);
}

TEST_F(S3Credentials, NoCredentialsAnywhereIsAClearError) {
  env_.vars["HOME"] = (dir_ / "nohome").string();
  const std::string msg = error_of("{" + kBase + "}", env_);
  EXPECT_NE(msg.find("no S3 credentials"), std::string::npos) << msg;
  EXPECT_NE(msg.find("AWS_ACCESS_KEY_ID"), std::string::npos) << msg;
}

}  // namespace

namespace {

// One declaration: the README's option table comes from the option table.
TEST(S3Options, TheReadmeTableComesFromTheOptionTable) {
  EXPECT_TRUE(sinkhub_test::ReadmeHasOptionTable(SINKHUB_SOURCE_DIR "/plugins/s3/README.md",
                                                 sinkhub_s3::options_table().markdown()));
}

}  // namespace
