// The s3 sink's options, validated in create() (no network, no writes), and where its
// credentials come from: the options, else the standard environment variables, else the
// shared credentials file, as AWS tools do.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "sigv4.hpp"

namespace sinkhub_s3 {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kMinPartSize = 5 * kMiB;                // S3: every part but the last
constexpr uint64_t kMaxPartSize = 5ull * 1024 * kMiB;     // S3: 5 GiB per part
constexpr uint64_t kDefaultPartSize = 8 * kMiB;

struct Config {
  std::string bucket;
  std::string region;          // signing region ("auto" for R2)
  std::string scheme;          // "https" or "http"
  std::string host;            // Host header: "bucket.s3.region.amazonaws.com", "127.0.0.1:4568", ...
  std::string path_prefix;     // "/bucket" for path-style, "" for virtual-hosted style
  bool path_style = false;
  std::string key_template = "{actorId}/{runId}.jsonl";
  bool json_array = false;
  bool gzip = false;
  uint64_t part_size = kDefaultPartSize;
  std::string storage_class;            // "" = bucket default
  std::string server_side_encryption;   // "" = none
  sigv4::Credentials creds;
  std::string creds_source;  // for logs: "options", "environment", "shared credentials file (profile x)"
};

// Reads an environment variable; tests substitute their own.
using EnvFn = std::function<const char*(const char*)>;

// Parses the options JSON; throws sinkhub::OptionsError with a message naming the option.
// Never includes a secret in a message.
Config parse_config(std::string_view options_json, const EnvFn& env);

// "8MiB", "5242880", "1GiB", "512KiB" -> bytes; throws sinkhub::OptionsError.
uint64_t parse_size(const std::string& text, const std::string& option);

// Parses an AWS shared credentials file (INI); returns false when the profile is absent.
bool read_profile(const std::string& text, const std::string& profile, sigv4::Credentials& out);

}  // namespace sinkhub_s3
