#include "s3_config.hpp"

#include <sinkhub/sink.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <fstream>
#include <sstream>

#include "key_template.hpp"

namespace sinkhub_s3 {

namespace {

using sinkhub::OptionsError;

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool is_ip_or_localhost(const std::string& host) {
  if (host == "localhost" || host.find(':') != std::string::npos) return true;  // IPv6 literal
  return host.find_first_not_of("0123456789.") == std::string::npos;
}

void check_bucket(const std::string& b) {
  const std::string o = "option 'bucket': ";
  if (b.size() < 3 || b.size() > 63) throw OptionsError(o + "must be 3 to 63 characters long");
  for (const char c : b)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
      throw OptionsError(o + "only lowercase letters, digits, '.' and '-' are allowed");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) throw OptionsError(o + "must start and end with a letter or digit");
  if (b.find("..") != std::string::npos) throw OptionsError(o + "must not contain '..'");
}

void check_region(const std::string& r) {
  if (r.empty() || r.size() > 32) throw OptionsError("option 'region': must be 1 to 32 characters long");
  for (const char c : r)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      throw OptionsError("option 'region': only lowercase letters, digits and '-' (e.g. us-east-1, or auto for R2)");
}

// Credentials are printed nowhere; only their shape is checked.
void check_secret(const std::string& v, const std::string& what, size_t max) {
  if (v.empty()) throw OptionsError(what + ": must not be empty");
  if (v.size() > max) throw OptionsError(what + ": longer than " + std::to_string(max) + " bytes");
  for (const char c : v)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      throw OptionsError(what + ": spaces and control characters are not allowed");
}

std::string get_string(const Poco::JSON::Object& o, const std::string& key) {
  const auto v = o.get(key);
  if (!v.isString()) throw OptionsError("option '" + key + "': must be a string");
  return v.extract<std::string>();
}
bool get_bool(const Poco::JSON::Object& o, const std::string& key) {
  const auto v = o.get(key);
  if (!v.isBoolean()) throw OptionsError("option '" + key + "': must be a boolean");
  return v.extract<bool>();
}

std::string env_or_empty(const EnvFn& env, const char* name) {
  const char* v = env(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

uint64_t parse_size(const std::string& text, const std::string& option) {
  const std::string o = "option '" + option + "': ";
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 12) throw OptionsError(o + "must be a size such as 8MiB, 512KiB or 8388608");
  const uint64_t n = std::stoull(text.substr(0, i));
  std::string unit = trim(text.substr(i));
  for (char& c : unit)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "kib") mult = 1024;
  else if (unit == "mib") mult = kMiB;
  else if (unit == "gib") mult = 1024 * kMiB;
  else throw OptionsError(o + "unknown unit '" + unit + "' (use B, KiB, MiB or GiB)");
  return n * mult;  // n < 10^12 and mult <= 2^30: no overflow
}

bool read_profile(const std::string& text, const std::string& profile, sigv4::Credentials& out) {
  std::istringstream in(text);
  bool inside = false, found = false;
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      const size_t close = line.find(']');
      inside = close != std::string::npos && trim(line.substr(1, close - 1)) == profile;
      found = found || inside;
      continue;
    }
    if (!inside) continue;
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
    if (k == "aws_access_key_id") out.access_key_id = v;
    else if (k == "aws_secret_access_key") out.secret_access_key = v;
    else if (k == "aws_session_token") out.session_token = v;
  }
  return found;
}

Config parse_config(std::string_view options_json, const EnvFn& env) {
  Poco::JSON::Object::Ptr o;
  try {
    const auto v = Poco::JSON::Parser().parse(std::string(options_json));
    o = v.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {  // syntax errors, and BadCastException for a non-object
    throw OptionsError("options are not a valid JSON object");
  }
  if (!o) throw OptionsError("options are not a JSON object");
  static const char* known[] = {"bucket", "region", "endpoint", "path_style", "key", "format", "gzip",
                                "access_key_id", "secret_access_key", "session_token", "part_size",
                                "storage_class", "server_side_encryption"};
  for (const auto& name : o->getNames()) {
    bool ok = false;
    for (const char* k : known) ok = ok || name == k;
    if (!ok)
      throw OptionsError("unknown option '" + name +
                         "' (known: bucket, region, endpoint, path_style, key, format, gzip, access_key_id, "
                         "secret_access_key, session_token, part_size, storage_class, server_side_encryption)");
  }
  Config c;
  if (!o->has("bucket")) throw OptionsError("option 'bucket' is required");
  c.bucket = get_string(*o, "bucket");
  check_bucket(c.bucket);
  if (!o->has("region")) throw OptionsError("option 'region' is required (e.g. us-east-1, or auto for Cloudflare R2)");
  c.region = get_string(*o, "region");
  check_region(c.region);
  if (o->has("path_style")) c.path_style = get_bool(*o, "path_style");

  std::string endpoint_host;
  if (o->has("endpoint")) {
    const std::string ep = get_string(*o, "endpoint");
    Poco::URI uri;
    try {
      uri = Poco::URI(ep);
    } catch (const Poco::Exception&) {
      throw OptionsError("option 'endpoint': not a valid URL");
    }
    c.scheme = uri.getScheme();
    if (c.scheme != "http" && c.scheme != "https")
      throw OptionsError("option 'endpoint': must start with https:// (or http:// for a local server)");
    if (uri.getHost().empty()) throw OptionsError("option 'endpoint': has no host");
    if (!uri.getUserInfo().empty()) throw OptionsError("option 'endpoint': must not contain credentials");
    if ((!uri.getPath().empty() && uri.getPath() != "/") || !uri.getRawQuery().empty() || !uri.getFragment().empty())
      throw OptionsError("option 'endpoint': must be scheme://host[:port] without a path or query");
    for (const char ch : ep)
      if (static_cast<unsigned char>(ch) <= 0x20) throw OptionsError("option 'endpoint': spaces and control characters are not allowed");
    endpoint_host = uri.getHost();
    if (endpoint_host.find(':') != std::string::npos) endpoint_host = "[" + endpoint_host + "]";
    if (ep.find('@') != std::string::npos)
      throw OptionsError("option 'endpoint': must not contain credentials");
    const bool default_port = (c.scheme == "https" && uri.getPort() == 443) || (c.scheme == "http" && uri.getPort() == 80);
    if (!default_port) endpoint_host += ":" + std::to_string(uri.getPort());
    if (!c.path_style && is_ip_or_localhost(uri.getHost()))
      throw OptionsError("option 'endpoint': an IP address or localhost cannot carry the bucket in the host name; "
                         "set path_style: true");
  } else {
    if (c.region == "auto") throw OptionsError("option 'region': \"auto\" needs an 'endpoint' (Cloudflare R2)");
    c.scheme = "https";
    endpoint_host = "s3." + c.region + ".amazonaws.com";
  }
  if (c.path_style) {
    c.host = endpoint_host;
    c.path_prefix = "/" + c.bucket;
  } else {
    c.host = c.bucket + "." + endpoint_host;
  }

  if (o->has("key")) c.key_template = get_string(*o, "key");
  if (c.key_template.size() > 512) throw OptionsError("option 'key': longer than 512 bytes");
  sinkhub_tpl::check(c.key_template, "key");
  if (o->has("format")) {
    const std::string f = get_string(*o, "format");
    if (f != "jsonl" && f != "json") throw OptionsError("option 'format': must be \"jsonl\" or \"json\"");
    c.json_array = f == "json";
  }
  if (o->has("gzip")) c.gzip = get_bool(*o, "gzip");
  if (o->has("part_size")) {
    const auto v = o->get("part_size");
    const std::string text = v.isString() ? v.extract<std::string>() : v.isInteger() ? v.convert<std::string>() : "";
    if (text.empty()) throw OptionsError("option 'part_size': must be a size such as 8MiB");
    c.part_size = parse_size(text, "part_size");
    if (c.part_size < kMinPartSize) throw OptionsError("option 'part_size': must be at least 5MiB (S3's minimum part size)");
    if (c.part_size > kMaxPartSize) throw OptionsError("option 'part_size': must be at most 5GiB (S3's maximum part size)");
  }
  if (o->has("storage_class")) {
    c.storage_class = get_string(*o, "storage_class");
    static const char* classes[] = {"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA",
                                    "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR",
                                    "OUTPOSTS", "EXPRESS_ONEZONE"};
    bool ok = false;
    for (const char* k : classes) ok = ok || c.storage_class == k;
    if (!ok)
      throw OptionsError("option 'storage_class': unknown class (STANDARD, STANDARD_IA, ONEZONE_IA, "
                         "INTELLIGENT_TIERING, GLACIER, GLACIER_IR, DEEP_ARCHIVE, REDUCED_REDUNDANCY, ...)");
  }
  if (o->has("server_side_encryption")) {
    c.server_side_encryption = get_string(*o, "server_side_encryption");
    if (c.server_side_encryption != "AES256" && c.server_side_encryption != "aws:kms" &&
        c.server_side_encryption != "aws:kms:dsse")
      throw OptionsError("option 'server_side_encryption': must be AES256, aws:kms or aws:kms:dsse");
  }

  // Credentials: explicit options, else the environment, else the shared credentials file.
  const bool has_id = o->has("access_key_id"), has_secret = o->has("secret_access_key");
  if (has_id != has_secret)
    throw OptionsError("options 'access_key_id' and 'secret_access_key' must be given together");
  if (has_id) {
    c.creds.access_key_id = get_string(*o, "access_key_id");
    c.creds.secret_access_key = get_string(*o, "secret_access_key");
    if (o->has("session_token")) c.creds.session_token = get_string(*o, "session_token");
    c.creds_source = "options";
    check_secret(c.creds.access_key_id, "option 'access_key_id'", 128);
    check_secret(c.creds.secret_access_key, "option 'secret_access_key'", 256);
    if (!c.creds.session_token.empty()) check_secret(c.creds.session_token, "option 'session_token'", 8192);
    return c;
  }
  if (o->has("session_token")) throw OptionsError("option 'session_token' needs access_key_id and secret_access_key");
  const std::string env_id = env_or_empty(env, "AWS_ACCESS_KEY_ID"), env_secret = env_or_empty(env, "AWS_SECRET_ACCESS_KEY");
  if (!env_id.empty() || !env_secret.empty()) {
    if (env_id.empty() || env_secret.empty())
      throw OptionsError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
    c.creds = {env_id, env_secret, env_or_empty(env, "AWS_SESSION_TOKEN")};
    c.creds_source = "environment";
    check_secret(c.creds.access_key_id, "AWS_ACCESS_KEY_ID", 128);
    check_secret(c.creds.secret_access_key, "AWS_SECRET_ACCESS_KEY", 256);
    if (!c.creds.session_token.empty()) check_secret(c.creds.session_token, "AWS_SESSION_TOKEN", 8192);
    return c;
  }
  std::string path = env_or_empty(env, "AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty()) {
    const std::string home = env_or_empty(env, "HOME");
    if (!home.empty()) path = home + "/.aws/credentials";
  }
  std::string profile = env_or_empty(env, "AWS_PROFILE");
  if (profile.empty()) profile = "default";
  const std::string none =
      "no S3 credentials: set access_key_id and secret_access_key, or AWS_ACCESS_KEY_ID and "
      "AWS_SECRET_ACCESS_KEY, or a [" + profile + "] profile in ~/.aws/credentials";
  if (path.empty()) throw OptionsError(none);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (env_or_empty(env, "AWS_SHARED_CREDENTIALS_FILE").empty()) throw OptionsError(none);
    throw OptionsError("cannot read the credentials file '" + path + "' (AWS_SHARED_CREDENTIALS_FILE)");
  }
  std::string text(64 * 1024 + 1, '\0');
  in.read(&text[0], static_cast<std::streamsize>(text.size()));
  if (in.gcount() > 64 * 1024) throw OptionsError("credentials file '" + path + "' is larger than 64 KiB");
  text.resize(static_cast<size_t>(in.gcount()));
  if (!read_profile(text, profile, c.creds)) throw OptionsError(none + " ('" + path + "' has no such profile)");
  if (c.creds.access_key_id.empty() || c.creds.secret_access_key.empty())
    throw OptionsError("profile [" + profile + "] in '" + path + "' lacks aws_access_key_id or aws_secret_access_key");
  check_secret(c.creds.access_key_id, "aws_access_key_id in '" + path + "'", 128);
  check_secret(c.creds.secret_access_key, "aws_secret_access_key in '" + path + "'", 256);
  c.creds_source = "shared credentials file '" + path + "' (profile " + profile + ")";
  return c;
}

}  // namespace sinkhub_s3
