// Where the s3 sink's credentials come from, as AWS tools do: the options, else the standard
// environment variables, else the shared credentials file. Read once, in create(). Messages
// name the option, variable or file, never a secret.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "sigv4.hpp"

namespace sinkhub_s3 {

/// Reads an environment variable; tests substitute their own.
using EnvFn = std::function<const char*(const char*)>;

/// The explicit credential options (absent when not given).
struct CredentialOptions {
  std::optional<std::string> access_key_id, secret_access_key, session_token;
};

/// The credentials, and `source` for logs ("options", "environment", "shared credentials
/// file '...' (profile x)"); throws sinkhub::OptionsError.
sigv4::Credentials resolve_credentials(const CredentialOptions& o, const EnvFn& env, std::string& source);

/// Parses an AWS shared credentials file (INI); returns false when the profile is absent.
bool read_profile(const std::string& text, const std::string& profile, sigv4::Credentials& out);

/// Checks a credential's shape: not empty, at most `max` bytes, no spaces or control
/// characters. Throws std::invalid_argument (what is wrong, not the value).
void check_secret(const std::string& v, std::size_t max);

}  // namespace sinkhub_s3
