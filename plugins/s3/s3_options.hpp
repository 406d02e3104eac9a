// The s3 sink's options, declared once (the table gives the parser, the descriptor's JSON
// Schema and the option table of plugins/s3/README.md), and the Config the sink runs with:
// the options plus what follows from them (the endpoint's host and addressing style) and the
// credentials (s3_credentials.hpp). Validated in create(): no network, no writes.
#pragma once

#include <sinkhub/options.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "s3_credentials.hpp"
#include "sigv4.hpp"

namespace sinkhub_s3 {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kMinPartSize = 5 * kMiB;             // S3: every part but the last
constexpr uint64_t kMaxPartSize = 5ull * 1024 * kMiB;  // S3: 5 GiB per part
constexpr uint64_t kDefaultPartSize = 8 * kMiB;

/// The options as written (the table's struct).
struct Options {
  std::string bucket, region;
  std::optional<std::string> endpoint;
  bool path_style = false;
  std::string key, format;
  bool gzip = false;
  std::optional<std::string> access_key_id, secret_access_key, session_token;
  uint64_t part_size = 0;
  std::optional<std::string> storage_class, server_side_encryption;
};

const sinkhub::options::Table<Options>& options_table();

struct Config {
  std::string bucket;
  std::string region;       // signing region ("auto" for R2)
  std::string scheme;       // "https" or "http"
  std::string host;         // Host header: "bucket.s3.region.amazonaws.com", "127.0.0.1:4568", ...
  std::string path_prefix;  // "/bucket" for path-style, "" for virtual-hosted style
  bool path_style = false;
  std::string key_template;
  bool json_array = false;
  bool gzip = false;
  uint64_t part_size = kDefaultPartSize;
  std::string storage_class;           // "" = bucket default
  std::string server_side_encryption;  // "" = none
  sigv4::Credentials creds;
  std::string creds_source;  // for logs: "options", "environment", "shared credentials file (profile x)"
};

/// Parses the options JSON into the Config; throws sinkhub::OptionsError naming the option.
/// Never includes a secret in a message.
Config parse_config(std::string_view options_json, const EnvFn& env);

}  // namespace sinkhub_s3
