#include "s3_client.hpp"

#include <Poco/AutoPtr.h>
#include <Poco/DOM/DOMParser.h>
#include <Poco/DOM/Document.h>
#include <Poco/DOM/Element.h>
#include <Poco/DOM/NodeList.h>
#include <Poco/Exception.h>
#include <Poco/SAX/InputSource.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace sinkhub_s3 {

namespace {

constexpr size_t kMaxAnswer = 64 * 1024;

struct IoState {
  const Body* body;
  uint64_t sent = 0;
  int err = 0;
  Response* resp;
};

int64_t read_body(void* user, char* buf, size_t cap, int32_t rewind) {
  auto* st = static_cast<IoState*>(user);
  if (rewind) st->sent = 0;
  const uint64_t left = st->body->len - st->sent;
  if (left == 0) return 0;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(left, cap));
  if (st->body->fd < 0) {
    std::memcpy(buf, st->body->buffer.data() + st->sent, want);
    st->sent += want;
    return static_cast<int64_t>(want);
  }
  for (;;) {
    const ssize_t n = ::pread(st->body->fd, buf, want, static_cast<off_t>(st->body->offset + st->sent));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      st->err = n < 0 ? errno : EIO;
      return -1;
    }
    st->sent += static_cast<uint64_t>(n);
    return n;
  }
}

int32_t on_header(void* user, const char* n, size_t nl, const char* v, size_t vl) {
  auto* st = static_cast<IoState*>(user);
  if (nl == 4 && strncasecmp(n, "etag", 4) == 0) st->resp->etag.assign(v, vl);
  return 0;
}

int32_t on_body(void* user, const char* data, size_t len) {
  auto* st = static_cast<IoState*>(user);
  const size_t room = kMaxAnswer - std::min(kMaxAnswer, st->resp->body.size());
  st->resp->body.append(data, std::min(room, len));
  return 0;
}

// The payload hash of a body (read once from disk for a file range).
std::string payload_hash(const Body& b) {
  return b.fd < 0 ? sigv4::sha256_hex(b.buffer) : range_sha256_hex(b.fd, b.offset, b.len);
}

}  // namespace

std::string range_sha256_hex(int fd, uint64_t offset, uint64_t len) {
  sigv4::Sha256 h;
  std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(len, 1 << 20)));
  uint64_t done = 0;
  while (done < len) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(len - done, buf.size()));
    const ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error(std::string("cannot read the spool file: ") + (n < 0 ? std::strerror(errno) : "short file"));
    h.update(buf.data(), static_cast<size_t>(n));
    done += static_cast<uint64_t>(n);
  }
  return h.final_hex();
}

std::string xml_text(const std::string& xml, const std::string& name) {
  if (xml.find('<') == std::string::npos) return {};
  try {
    Poco::XML::DOMParser parser;
    parser.setFeature(Poco::XML::XMLReader::FEATURE_NAMESPACES, false);
    Poco::AutoPtr<Poco::XML::Document> doc = parser.parseString(xml);
    Poco::AutoPtr<Poco::XML::NodeList> nodes = doc->getElementsByTagName(name);
    if (nodes->length() == 0) return {};
    return nodes->item(0)->innerText();
  } catch (const Poco::Exception&) {
    return {};
  }
}

std::string Client::url_of(const std::string& key) const {
  return cfg_.scheme + "://" + cfg_.host + sigv4::canonical_uri(cfg_.path_prefix + "/" + key);
}

Response Client::send(sinkhub_call* call, const std::string& method, const std::string& key, const sigv4::Pairs& query,
                      const sigv4::Pairs& extra_headers, const Body& body) const {
  Response resp;
  sigv4::Request r;
  r.method = method;
  r.path = cfg_.path_prefix + "/" + key;
  r.query = query;
  r.payload_hash = payload_hash(body);
  r.headers = {{"host", cfg_.host}, {"x-amz-date", sigv4::amz_date(host_.now_unix_ms())}};
  for (const auto& h : extra_headers) r.headers.push_back(h);
  const sigv4::Signed s = sigv4::sign(r, cfg_.creds, cfg_.region, "s3", sigv4::Mode::S3);

  std::string url = url_of(key);
  const std::string q = sigv4::canonical_query(query);
  if (!q.empty()) url += "?" + q;
  std::vector<sinkhub_http_header> hs;
  hs.reserve(s.headers.size() + 1);
  for (const auto& [n, v] : s.headers) hs.push_back({{n.c_str(), n.size()}, {v.c_str(), v.size()}});
  static const std::string kAuth = "Authorization";
  hs.push_back({{kAuth.c_str(), kAuth.size()}, {s.authorization.c_str(), s.authorization.size()}});

  IoState st{&body, 0, 0, &resp};
  sinkhub_http_request req{};
  req.struct_size = sizeof req;
  req.method = {method.c_str(), method.size()};
  req.url = {url.c_str(), url.size()};
  req.headers = hs.data();
  req.header_count = hs.size();
  req.user = &st;
  if (body.len > 0 || method == "PUT" || method == "POST") {
    req.body_read = &read_body;
    req.body_content_length = static_cast<int64_t>(body.len);
  }
  // A part may be large and the network slow: the call's deadline bounds it anyway.
  req.timeout_ms = 600000;
  char err[512] = {0};
  sinkhub_http_response out{};
  out.struct_size = sizeof out;
  out.on_header = &on_header;
  out.on_body = &on_body;
  out.error_message = err;
  out.error_message_cap = sizeof err;
  resp.error = host_.http(req, out, call);
  resp.status = out.status;
  resp.retry_after_ms = out.retry_after_ms;
  resp.error_message = err;
  if (st.err) throw std::runtime_error(std::string("cannot read the spool file: ") + std::strerror(st.err));
  if (resp.error == SINKHUB_E_OK && resp.body.find("<Error") != std::string::npos) {
    resp.code = xml_text(resp.body, "Code");
    resp.message = xml_text(resp.body, "Message");
    if (resp.code.empty() && resp.status >= 200 && resp.status < 300) resp.code = "InternalError";  // unparsable error
  }
  return resp;
}

sinkhub::Outcome classify(const std::string& operation, const Response& r) {
  if (r.error != SINKHUB_E_OK)
    return sinkhub::http_outcome(r.error, 0, -1,
                                 "S3 " + operation + ": network error (" + std::to_string(r.error) + "): " +
                                     r.error_message);
  std::string what = "S3 " + operation + ": HTTP " + std::to_string(r.status);
  if (!r.code.empty()) what += " " + r.code;
  if (!r.message.empty()) what += ": " + r.message;
  // S3's error Code says more than the status: it decides first.
  static const char* fatal[] = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "NoSuchBucket",
                                "ExpiredToken", "InvalidToken"};
  static const char* retry[] = {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"};
  const auto listed = [&](const auto& codes) {
    for (const char* c : codes)
      if (r.code == c) return true;
    return false;
  };
  sinkhub::Outcome o;
  // A 2xx that carries an <Error> document (CompleteMultipartUpload) failed after all: retry.
  if (listed(retry) || (r.status >= 200 && r.status < 300)) o = sinkhub::Outcome::retry(what, r.retry_after_ms);
  else if (listed(fatal)) o = sinkhub::Outcome::fatal(what);
  else return sinkhub::http_outcome(SINKHUB_E_OK, r.status, r.retry_after_ms, what);
  o.dest_status = r.status;
  return o;
}

}  // namespace sinkhub_s3
