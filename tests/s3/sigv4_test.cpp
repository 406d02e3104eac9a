// The s3 sink's SigV4 code against the AWS SigV4 test suite and the S3 examples
// (tests/testdata/aws-sigv4, see its README): canonical request, string to sign and
// Authorization header compared byte for byte.
#include <gtest/gtest.h>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "sigv4.hpp"

namespace {

namespace fs = std::filesystem;
namespace sv = sinkhub_s3::sigv4;

const fs::path kDir = fs::path(SINKHUB_SIGV4_VECTORS);

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Suite cases that do not apply to S3, and why (README "Which cases matter for S3").
const std::map<std::string, std::string> kSkipped = {
    {"normalize-path/get-relative", "S3 does not normalise paths: '/example/..' stays as sent"},
    {"normalize-path/get-relative-relative", "S3 does not normalise paths: '/example1/example2/../..' stays"},
    {"normalize-path/get-slash", "S3 does not normalise paths: '//' stays"},
    {"normalize-path/get-slash-dot-slash", "S3 does not normalise paths: '/./' stays"},
    {"normalize-path/get-slash-pointless-dot", "S3 does not normalise paths: '/./' stays"},
    {"normalize-path/get-slashes", "S3 does not normalise paths: '//example//' stays"},
};

struct SuiteCase {
  std::string name;
  fs::path dir;
};

std::vector<SuiteCase> suite_cases() {
  std::vector<SuiteCase> out;
  for (const auto& e : fs::recursive_directory_iterator(kDir)) {
    if (e.path().extension() != ".req") continue;
    const fs::path dir = e.path().parent_path();
    out.push_back({fs::relative(dir, kDir).string(), dir});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
std::string pct_decode(const std::string& s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      o += static_cast<char>(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      o += s[i];
    }
  }
  return o;
}

// Parses a suite .req: "METHOD PATH?QUERY HTTP/1.1", headers (folded lines continue the
// previous value), a blank line, the body.
sv::Request parse_req(const std::string& text) {
  sv::Request r;
  const size_t head_end = text.find("\n\n");
  const std::string head = text.substr(0, head_end);
  const std::string body = head_end == std::string::npos ? "" : text.substr(head_end + 2);
  std::istringstream in(head);
  std::string line;
  std::getline(in, line);
  const size_t sp = line.find(' ');
  r.method = line.substr(0, sp);
  const std::string target = line.substr(sp + 1, line.rfind(" HTTP/") - sp - 1);  // may hold a raw space
  const size_t q = target.find('?');
  r.path = target.substr(0, q);  // the suite's paths are raw, not pre-encoded
  if (q != std::string::npos) {
    std::istringstream qs(target.substr(q + 1));
    for (std::string kv; std::getline(qs, kv, '&');) {
      const size_t eq = kv.find('=');
      r.query.emplace_back(pct_decode(kv.substr(0, eq)), eq == std::string::npos ? "" : pct_decode(kv.substr(eq + 1)));
    }
  }
  while (std::getline(in, line)) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      r.headers.back().second += "\n" + line;
      continue;
    }
    const size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  r.payload_hash = sv::sha256_hex(body);
  return r;
}

const sv::Credentials kSuiteCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const std::string kSuiteToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

TEST(SigV4Suite, EveryCaseThatAppliesToS3MatchesByteForByte) {
  ASSERT_TRUE(fs::is_directory(kDir)) << "test vectors not found at " << kDir
                                      << " (configure with -DSINKHUB_SIGV4_VECTORS=<dir>)";
  const auto cases = suite_cases();
  ASSERT_EQ(cases.size(), 34u) << "the suite has 34 cases (README)";
  int checked = 0;
  std::set<std::string> skipped;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    if (kSkipped.count(c.name)) {
      skipped.insert(c.name);
      continue;
    }
    const std::string base = (c.dir / c.dir.filename()).string();
    sv::Request r = parse_req(slurp(base + ".req"));
    sv::Credentials creds = kSuiteCreds;
    // This case signs a session token that its .req does not show (README, fixed inputs).
    if (c.name == "get-vanilla-with-session-token") creds.session_token = kSuiteToken;
    // post-sts-header-before carries the token in its .req (signed as any header);
    // post-sts-header-after adds it after signing, so nothing to do for either here.
    const sv::Signed s = sv::sign(r, creds, "us-east-1", "service", sv::Mode::Generic);
    EXPECT_EQ(s.canonical_request, slurp(base + ".creq"));
    EXPECT_EQ(s.string_to_sign, slurp(base + ".sts"));
    // The .authz is the truth, also for get-vanilla-with-session-token whose .sreq is wrong.
    EXPECT_EQ(s.authorization, slurp(base + ".authz"));
    ++checked;
  }
  EXPECT_EQ(checked, 28);
  EXPECT_EQ(skipped.size(), kSkipped.size()) << "every skipped case exists in the suite";
}

TEST(SigV4Suite, TheSkippedNormalisationCasesAreSignedWithTheRawPathAsS3Wants) {
  // What S3 does instead: the path exactly as sent, each byte encoded once.
  for (const auto& [name, why] : kSkipped) {
    SCOPED_TRACE(name + ": " + why);
    const fs::path dir = kDir / name;
    sv::Request r = parse_req(slurp((dir / dir.filename()).string() + ".req"));
    const std::string creq = sv::canonical_request(r);
    EXPECT_EQ(creq.substr(0, creq.find('\n', 4)), "GET\n" + sv::uri_encode(r.path, true));
    EXPECT_NE(creq, slurp((dir / dir.filename()).string() + ".creq")) << "the generic (normalised) answer differs";
  }
}

Poco::JSON::Object::Ptr examples() {
  return Poco::JSON::Parser().parse(slurp(kDir / "s3-examples.json")).extract<Poco::JSON::Object::Ptr>();
}

TEST(SigV4S3Examples, EveryEntryMatchesByteForByte) {
  const auto doc = examples();
  const auto creds_obj = doc->getObject("credentials");
  const sv::Credentials creds{creds_obj->getValue<std::string>("access_key_id"),
                              creds_obj->getValue<std::string>("secret_access_key"), ""};
  const auto list = doc->getArray("examples");
  ASSERT_GE(list->size(), 11u);
  std::set<std::string> seen_auth;
  for (unsigned i = 0; i < list->size(); ++i) {
    const auto e = list->getObject(i);
    const std::string name = e->getValue<std::string>("name"), auth = e->getValue<std::string>("auth");
    SCOPED_TRACE(name);
    seen_auth.insert(auth);
    const auto req = e->getObject("request");
    const auto exp = e->getObject("expected");
    const std::string date = e->getValue<std::string>("amz_date");
    const std::string path = req->getValue<std::string>("path_unencoded");
    if (exp->has("canonical_uri")) {
      EXPECT_EQ(sv::canonical_uri(path), exp->getValue<std::string>("canonical_uri"));
    }
    if (auth == "query") {
      sv::Pairs extra;
      if (auto q = req->getArray("extra_query"))
        for (unsigned k = 0; k < q->size(); ++k)
          extra.emplace_back(q->getArray(k)->getElement<std::string>(0), q->getArray(k)->getElement<std::string>(1));
      std::string url;
      const std::string host = req->getValue<std::string>("host");
      const sv::Signed s = sv::presign(req->getValue<std::string>("method"), "https://" + host, host, path, extra, creds,
                                       "us-east-1", "s3", date, req->getValue<int64_t>("expires_seconds"), &url);
      EXPECT_EQ(s.canonical_request, exp->getValue<std::string>("canonical_request"));
      EXPECT_EQ(s.string_to_sign, exp->getValue<std::string>("string_to_sign"));
      EXPECT_EQ(s.signature, exp->getValue<std::string>("signature"));
      EXPECT_EQ(url, exp->getValue<std::string>("url"));
      continue;
    }
    sv::Request r;
    r.method = req->getValue<std::string>("method");
    r.path = path;
    if (req->has("query"))
      if (auto q = req->getArray("query"))
        for (unsigned k = 0; k < q->size(); ++k)
          r.query.emplace_back(q->getArray(k)->getElement<std::string>(0), q->getArray(k)->getElement<std::string>(1));
    const auto hs = req->getObject("headers");
    for (const auto& n : hs->getNames()) r.headers.emplace_back(n, hs->getValue<std::string>(n));
    r.payload_hash = e->getValue<std::string>("payload_hash");
    if (req->has("body_utf8") && r.payload_hash != "UNSIGNED-PAYLOAD") {
      EXPECT_EQ(sv::sha256_hex(req->getValue<std::string>("body_utf8")), r.payload_hash) << "signed payload hash";
    }
    const std::string expected_authz = exp->getValue<std::string>("authorization");
    // The published examples separate the parts with "," only, botocore with ", ".
    const std::string sep = expected_authz.find(", SignedHeaders") != std::string::npos ? ", " : ",";
    const sv::Signed s = sv::sign(r, creds, "us-east-1", "s3", sv::Mode::S3, sep);
    EXPECT_EQ(s.canonical_request, exp->getValue<std::string>("canonical_request"));
    EXPECT_EQ(s.string_to_sign, exp->getValue<std::string>("string_to_sign"));
    EXPECT_EQ(s.signed_headers, exp->getValue<std::string>("signed_headers"));
    EXPECT_EQ(s.authorization, expected_authz);
    if (auth == "header-streaming") {
      // aws-chunked: each chunk's signature chains on the previous one, from the seed.
      EXPECT_EQ(s.signature, exp->getValue<std::string>("seed_signature"));
      const std::string key = sv::signing_key(creds.secret_access_key, date.substr(0, 8), "us-east-1", "s3");
      std::string prev = s.signature;
      const auto chunks = exp->getArray("chunks");
      ASSERT_EQ(chunks->size(), 3u);
      for (unsigned k = 0; k < chunks->size(); ++k) {
        const auto ch = chunks->getObject(k);
        const size_t n = std::stoul(ch->getValue<std::string>("size_hex"), nullptr, 16);
        const std::string data(n, 'a');
        EXPECT_EQ(sv::sha256_hex(data), ch->getValue<std::string>("data_sha256"));
        const std::string sts = sv::chunk_string_to_sign(date, sv::scope(date, "us-east-1", "s3"), prev, sv::sha256_hex(data));
        EXPECT_EQ(sts, ch->getValue<std::string>("string_to_sign"));
        prev = sv::hex(sv::hmac_sha256(key, sts));
        EXPECT_EQ(prev, ch->getValue<std::string>("signature"));
      }
    } else {
      EXPECT_EQ(s.signature, exp->getValue<std::string>("signature"));
    }
  }
  EXPECT_EQ(seen_auth, (std::set<std::string>{"header", "query", "header-streaming"}));
}

TEST(SigV4S3Rules, EachKeyByteIsEncodedOnceAndNothingIsNormalised) {
  EXPECT_EQ(sv::canonical_uri("/a b/%20/c+d=e&f/\xE1\x88\xB4~(1).json"), "/a%20b/%2520/c%2Bd%3De%26f/%E1%88%B4~%281%29.json");
  EXPECT_EQ(sv::canonical_uri("/logs//2013/./05/../x.json"), "/logs//2013/./05/../x.json");
  EXPECT_EQ(sv::canonical_uri(""), "/");
  EXPECT_EQ(sv::canonical_query({{"uploadId", "a/b+c="}, {"partNumber", "10"}}), "partNumber=10&uploadId=a%2Fb%2Bc%3D");
  EXPECT_EQ(sv::canonical_query({{"uploads", ""}}), "uploads=");
}

TEST(SigV4S3Rules, S3ModeAlwaysSignsTheContentHashAndTheSessionToken) {
  sv::Request r;
  r.method = "PUT";
  r.path = "/bucket/key";
  r.headers = {{"host", "127.0.0.1:9000"}, {"x-amz-date", "20130524T000000Z"}};
  r.payload_hash = sv::sha256_hex("body");
  const sv::Signed s = sv::sign(r, {"AKID", "SECRET", "TOKEN"}, "us-east-1", "s3", sv::Mode::S3);
  EXPECT_EQ(s.signed_headers, "host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
  EXPECT_NE(s.canonical_request.find("x-amz-content-sha256:" + r.payload_hash + "\n"), std::string::npos);
  EXPECT_EQ(s.canonical_request.substr(s.canonical_request.rfind('\n') + 1), r.payload_hash);
  EXPECT_THROW(sv::sign(sv::Request{"GET", "/", {}, {{"host", "h"}}, "x"}, {"a", "b", ""}, "r", "s3", sv::Mode::S3),
               std::invalid_argument);
}

TEST(SigV4S3Rules, AmzDateIsUtc) {
  EXPECT_EQ(sv::amz_date(1369353600000), "20130524T000000Z");
  EXPECT_EQ(sv::amz_date(1440938160000), "20150830T123600Z");
}

}  // namespace
