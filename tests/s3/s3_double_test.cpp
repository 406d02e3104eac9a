// The verifying double itself, checked with curl's SigV4 signer (an implementation
// independent of ours): a correctly signed PUT is stored, the same PUT signed with a wrong
// secret or sent unsigned is refused.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "s3_double.hpp"
#include "testkit.hpp"

namespace sinkhub::s3test {
namespace {

// Runs curl with SigV4 (x-amz-content-sha256 added, as S3 requires); returns "STATUS BODY".
std::string curl_put(const S3Double& s3, const std::string& key, const std::string& secret, const std::string& body) {
  testkit::TempDir dir;
  testkit::write_file(dir.file("body"), body);
  const std::string hash_cmd = "sha256sum '" + dir.file("body") + "' | cut -d' ' -f1";
  FILE* h = ::popen(hash_cmd.c_str(), "r");
  char hash[128] = {0};
  if (!h || !std::fgets(hash, sizeof hash, h)) return "no sha256sum";
  ::pclose(h);
  std::string hx(hash);
  hx.erase(hx.find_last_not_of("\n") + 1);
  const std::string cmd = "curl -sS -o '" + dir.file("out") + "' -w '%{http_code}' -X PUT --data-binary @'" +
                          dir.file("body") + "' -H 'x-amz-content-sha256: " + hx +
                          "' --aws-sigv4 'aws:amz:us-east-1:s3' --user '" + s3.options().access_key + ":" + secret +
                          "' '" + s3.endpoint() + "/test-bucket/" + key + "' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  if (p) ::pclose(p);
  return out + " " + testkit::read_file(dir.file("out"));
}

TEST(S3Double, AcceptsWhatCurlSignsWithTheRightSecretAndRefusesAWrongOne) {
  S3Double s3;
  const std::string ok = curl_put(s3, "dir/a%20b.txt", s3.options().secret, "hello from curl");
  EXPECT_EQ(ok.substr(0, 3), "200") << ok;
  ASSERT_TRUE(s3.object("dir/a b.txt"));
  EXPECT_EQ(*s3.object("dir/a b.txt"), "hello from curl");

  const std::string bad = curl_put(s3, "wrong.txt", "WRONG-SECRET", "hello");
  EXPECT_EQ(bad.substr(0, 3), "403") << bad;
  EXPECT_NE(bad.find("<Code>SignatureDoesNotMatch</Code>"), std::string::npos) << bad;
  EXPECT_FALSE(s3.object("wrong.txt"));
}

TEST(S3Double, RefusesUnsignedRequestsAndUnknownKeys) {
  S3Double s3;
  auto r = testkit::http_request(s3.port(), "PUT", "/test-bucket/x", {}, "data");
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("AccessDenied"), std::string::npos);
  S3Double::Options other;
  other.access_key = "AKIDSOMEONEELSE1";
  S3Double s3b(other);
  const std::string out = curl_put(s3b, "x", s3b.options().secret, "data");
  EXPECT_EQ(out.substr(0, 3), "200") << out;
  // Same secret, key id the double does not know.
  testkit::TempDir d;
  const std::string cmd = "curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary x -H 'x-amz-content-sha256: "
                          "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881' --aws-sigv4 "
                          "'aws:amz:us-east-1:s3' --user 'AKIDUNKNOWN:" + s3.options().secret + "' '" + s3.endpoint() +
                          "/test-bucket/y'";
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[16] = {0};
  if (p) {
    if (!std::fgets(buf, sizeof buf, p)) buf[0] = 0;
    ::pclose(p);
  }
  EXPECT_STREQ(buf, "403");
}

}  // namespace
}  // namespace sinkhub::s3test
