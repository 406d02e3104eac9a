#include "s3_credentials.hpp"

#include <sinkhub/sink.hpp>

#include <sstream>
#include <stdexcept>

#include "file_io.hpp"

namespace sinkhub_s3 {

using sinkhub::OptionsError;

namespace {

constexpr std::size_t kMaxFile = 64 * 1024;

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string env_or_empty(const EnvFn& env, const char* name) {
  const char* v = env(name);
  return v ? std::string(v) : std::string();
}

// Checks a credential found outside the options, naming where it was found.
void check_found(const std::string& v, const std::string& where, std::size_t max) {
  try {
    check_secret(v, max);
  } catch (const std::invalid_argument& e) {
    throw OptionsError(where + ": " + e.what());
  }
}

bool from_environment(const EnvFn& env, sigv4::Credentials& c) {
  const std::string id = env_or_empty(env, "AWS_ACCESS_KEY_ID"), secret = env_or_empty(env, "AWS_SECRET_ACCESS_KEY");
  if (id.empty() && secret.empty()) return false;
  if (id.empty() || secret.empty()) throw OptionsError("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  c = {id, secret, env_or_empty(env, "AWS_SESSION_TOKEN")};
  check_found(c.access_key_id, "AWS_ACCESS_KEY_ID", 128);
  check_found(c.secret_access_key, "AWS_SECRET_ACCESS_KEY", 256);
  if (!c.session_token.empty()) check_found(c.session_token, "AWS_SESSION_TOKEN", 8192);
  return true;
}

sigv4::Credentials from_file(const EnvFn& env, std::string& source) {
  const std::string explicit_path = env_or_empty(env, "AWS_SHARED_CREDENTIALS_FILE"), home = env_or_empty(env, "HOME");
  const std::string path = !explicit_path.empty() ? explicit_path : home.empty() ? "" : home + "/.aws/credentials";
  std::string profile = env_or_empty(env, "AWS_PROFILE");
  if (profile.empty()) profile = "default";
  const std::string none =
      "no S3 credentials: set access_key_id and secret_access_key, or AWS_ACCESS_KEY_ID and "
      "AWS_SECRET_ACCESS_KEY, or a [" + profile + "] profile in ~/.aws/credentials";
  if (path.empty()) throw OptionsError(none);
  std::string text;
  const int rc = sinkhub_kit::read_file(path, kMaxFile, text);
  if (rc == EFBIG) throw OptionsError("credentials file '" + path + "' is larger than 64 KiB");
  if (rc && explicit_path.empty()) throw OptionsError(none);
  if (rc) throw OptionsError("cannot read the credentials file '" + path + "' (AWS_SHARED_CREDENTIALS_FILE)");
  sigv4::Credentials c;
  if (!read_profile(text, profile, c)) throw OptionsError(none + " ('" + path + "' has no such profile)");
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    throw OptionsError("profile [" + profile + "] in '" + path + "' lacks aws_access_key_id or aws_secret_access_key");
  check_found(c.access_key_id, "aws_access_key_id in '" + path + "'", 128);
  check_found(c.secret_access_key, "aws_secret_access_key in '" + path + "'", 256);
  source = "shared credentials file '" + path + "' (profile " + profile + ")";
  return c;
}

}  // namespace

void check_secret(const std::string& v, std::size_t max) {
  if (v.empty()) throw std::invalid_argument("must not be empty");
  if (v.size() > max) throw std::invalid_argument("longer than " + std::to_string(max) + " bytes");
  for (const char c : v)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f)
      throw std::invalid_argument("spaces and control characters are not allowed");
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
    const size_t eq = line.find('=');
    if (!inside || eq == std::string::npos) continue;
    const std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
    if (k == "aws_access_key_id") out.access_key_id = v;
    else if (k == "aws_secret_access_key") out.secret_access_key = v;
    else if (k == "aws_session_token") out.session_token = v;
  }
  return found;
}

sigv4::Credentials resolve_credentials(const CredentialOptions& o, const EnvFn& env, std::string& source) {
  if (o.access_key_id.has_value() != o.secret_access_key.has_value())
    throw OptionsError("options 'access_key_id' and 'secret_access_key' must be given together");
  if (o.access_key_id) {  // the table checked their shape
    source = "options";
    return {*o.access_key_id, *o.secret_access_key, o.session_token.value_or("")};
  }
  if (o.session_token) throw OptionsError("option 'session_token' needs access_key_id and secret_access_key");
  sigv4::Credentials c;
  if (from_environment(env, c)) {
    source = "environment";
    return c;
  }
  return from_file(env, source);
}

}  // namespace sinkhub_s3
