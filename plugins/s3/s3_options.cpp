#include "s3_options.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <stdexcept>

#include "key_template.hpp"

namespace sinkhub_s3 {

namespace opt = sinkhub::options;
using sinkhub::OptionsError;

namespace {

void bad(const std::string& what) { throw std::invalid_argument(what); }

void check_bucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63) bad("must be 3 to 63 characters long");
  for (const char c : b)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
      bad("only lowercase letters, digits, '.' and '-' are allowed");
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(b.front()) || !alnum(b.back())) bad("must start and end with a letter or digit");
  if (b.find("..") != std::string::npos) bad("must not contain '..'");
}

void check_region(const std::string& r) {
  if (r.empty() || r.size() > 32) bad("must be 1 to 32 characters long");
  for (const char c : r)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      bad("only lowercase letters, digits and '-' (e.g. us-east-1, or auto for R2)");
}

// scheme://host[:port] and nothing else; throws std::invalid_argument.
Poco::URI parse_endpoint(const std::string& ep) {
  for (const char ch : ep)
    if (static_cast<unsigned char>(ch) <= 0x20) bad("spaces and control characters are not allowed");
  Poco::URI uri;
  try {
    uri = Poco::URI(ep);
  } catch (const Poco::Exception&) {
    bad("not a valid URL");
  }
  if (uri.getScheme() != "http" && uri.getScheme() != "https")
    bad("must start with https:// (or http:// for a local server)");
  if (uri.getHost().empty()) bad("has no host");
  if (!uri.getUserInfo().empty() || ep.find('@') != std::string::npos) bad("must not contain credentials");
  if ((!uri.getPath().empty() && uri.getPath() != "/") || !uri.getRawQuery().empty() || !uri.getFragment().empty())
    bad("must be scheme://host[:port] without a path or query");
  return uri;
}

bool is_ip_or_localhost(const std::string& host) {
  if (host == "localhost" || host.find(':') != std::string::npos) return true;  // IPv6 literal
  return host.find_first_not_of("0123456789.") == std::string::npos;
}

// Host header and path prefix from the endpoint (default: AWS) and the addressing style.
void address(const Options& o, Config& c) {
  std::string host;
  if (!o.endpoint) {
    if (o.region == "auto") throw OptionsError("option 'region': \"auto\" needs an 'endpoint' (Cloudflare R2)");
    c.scheme = "https";
    host = "s3." + o.region + ".amazonaws.com";
  } else {
    const Poco::URI uri = parse_endpoint(*o.endpoint);
    c.scheme = uri.getScheme();
    host = uri.getHost().find(':') != std::string::npos ? "[" + uri.getHost() + "]" : uri.getHost();
    const bool default_port = (c.scheme == "https" && uri.getPort() == 443) || (c.scheme == "http" && uri.getPort() == 80);
    if (!default_port) host += ":" + std::to_string(uri.getPort());
    if (!o.path_style && is_ip_or_localhost(uri.getHost()))
      throw OptionsError("option 'endpoint': an IP address or localhost cannot carry the bucket in the host name; "
                         "set path_style: true");
  }
  c.host = o.path_style ? host : o.bucket + "." + host;
  c.path_prefix = o.path_style ? "/" + o.bucket : "";
}

}  // namespace

const opt::Table<Options>& options_table() {
  using O = Options;
  static const opt::Table<O> table{
      opt::text("bucket", &O::bucket).required().check(check_bucket)
          .doc("3–63 characters: lowercase letters, digits, `.`, `-`."),
      opt::text("region", &O::region).required().check(check_region)
          .doc("Signing region, e.g. `us-east-1`; `auto` for Cloudflare R2 (needs `endpoint`)."),
      opt::text("endpoint", &O::endpoint).check([](const std::string& e) { parse_endpoint(e); })
          .doc("`https://host[:port]` of an S3-compatible service (R2, MinIO, ...; `http://` for a local "
               "server), no path. Default: `https://s3.<region>.amazonaws.com`."),
      opt::flag("path_style", &O::path_style).defaults(false)
          .doc("`false`: `https://<bucket>.<endpoint host>/<key>`; `true`: `https://<endpoint host>/<bucket>/<key>`. "
               "An IP or `localhost` endpoint needs `true`."),
      opt::text("key", &O::key).defaults("{actorId}/{runId}.jsonl").max_length(512).check(sinkhub_kit::check_template)
          .doc("Object key template with the file sink's placeholders (`{eventType}`, `{runId}`, `{actorId}`, "
               "`{taskId}`, `{datasetId}`, `{date}`) and rules; at most 1024 bytes once expanded."),
      opt::text("format", &O::format).one_of({"jsonl", "json"}).defaults("jsonl")
          .doc("`jsonl`: the items byte for byte as Apify returned them. `json`: one array, valid across parts."),
      opt::flag("gzip", &O::gzip).defaults(false)
          .doc("Compress: the object is a sequence of gzip members (one per batch), Content-Type "
               "`application/gzip`. Name the key `….gz` yourself."),
      opt::text("access_key_id", &O::access_key_id).not_empty().max_length(128)
          .check([](const std::string& v) { check_secret(v, 128); })
          .doc("Explicit credentials, given together with `secret_access_key` (a secret: use `${env:...}`). "
               "Without them: the environment, then the shared credentials file."),
      opt::text("secret_access_key", &O::secret_access_key).not_empty().max_length(256)
          .check([](const std::string& v) { check_secret(v, 256); })
          .doc("The secret of `access_key_id`."),
      opt::text("session_token", &O::session_token).max_length(8192)
          .check([](const std::string& v) { if (!v.empty()) check_secret(v, 8192); })
          .doc("Temporary credentials' session token (with `access_key_id`); empty means none."),
      opt::size("part_size", &O::part_size).defaults(kDefaultPartSize).min(kMinPartSize).max(kMaxPartSize)
          .doc("Multipart part size: S3 needs at least 5MiB per part but the last, at most 5GiB."),
      opt::text("storage_class", &O::storage_class)
          .one_of({"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
                   "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "EXPRESS_ONEZONE"})
          .doc("The objects' storage class; default: the bucket's."),
      opt::text("server_side_encryption", &O::server_side_encryption).one_of({"AES256", "aws:kms", "aws:kms:dsse"})
          .doc("Server-side encryption of the objects; default: none requested."),
  };
  return table;
}

Config parse_config(std::string_view options_json, const EnvFn& env) {
  const Options o = options_table().parse(options_json);
  Config c;
  c.bucket = o.bucket;
  c.region = o.region;
  c.path_style = o.path_style;
  address(o, c);
  c.key_template = o.key;
  c.json_array = o.format == "json";
  c.gzip = o.gzip;
  c.part_size = o.part_size;
  c.storage_class = o.storage_class.value_or("");
  c.server_side_encryption = o.server_side_encryption.value_or("");
  c.creds = resolve_credentials({o.access_key_id, o.secret_access_key, o.session_token}, env, c.creds_source);
  return c;
}

}  // namespace sinkhub_s3
