#include "s3_double.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "loopback_server.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <sstream>

namespace sinkhub::s3test {

namespace {

// ---- crypto and text helpers (independent of the plugin's sigv4.cpp) ------------------

std::string to_hex(const unsigned char* p, unsigned n) {
  std::ostringstream o;
  static const char* d = "0123456789abcdef";
  for (unsigned i = 0; i < n; ++i) o << d[p[i] >> 4] << d[p[i] & 15];
  return o.str();
}
std::string digest_hex(const EVP_MD* md, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  return to_hex(out, n);
}
std::string hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
std::string url_decode(const std::string& s) {
  std::string o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
        hex_digit(s[i + 2]) >= 0) {
      o += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      o += s[i];
    }
  }
  return o;
}
// RFC 3986 unreserved kept; S3 keeps '/' in the path.
std::string aws_encode(const std::string& s, bool path) {
  std::string o;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (path && c == '/')) {
      o += static_cast<char>(c);
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      o += buf;
    }
  }
  return o;
}
std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
std::string squeeze(const std::string& v) {
  std::istringstream in(v);
  std::string w, o;
  while (in >> w) o += (o.empty() ? "" : " ") + w;
  return o;
}

std::vector<std::pair<std::string, std::string>> parse_query(const std::string& q) {
  std::vector<std::pair<std::string, std::string>> out;
  if (q.empty()) return out;
  std::istringstream in(q);
  for (std::string kv; std::getline(in, kv, '&');) {
    const size_t eq = kv.find('=');
    out.emplace_back(url_decode(kv.substr(0, eq)), eq == std::string::npos ? "" : url_decode(kv.substr(eq + 1)));
  }
  return out;
}

std::string error_xml(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message +
         "</Message><RequestId>double</RequestId></Error>";
}

struct Upload {
  std::string key;
  std::map<int, std::pair<std::string, std::string>> parts;  // number -> (bytes, etag)
  std::map<std::string, std::string> headers;
};

struct Fault {
  int n;
  std::string op;
  int status;
  std::string code;
};

}  // namespace

struct S3Double::State {
  Options opt;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, std::string> objects;
  std::map<std::string, std::map<std::string, std::string>> headers_of;
  std::map<std::string, Upload> uploads;
  std::vector<Logged> log;
  std::vector<Fault> faults;
  int next_upload = 1;
  int parts_ok = 0;
  int stall_after = -1;
  bool released = false;
  int stalled = 0;
  std::string stall_answer_op;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::uint16_t port = 0;

  // Returns "" when the signature is right, else the S3 error code to answer (+ message).
  std::pair<std::string, std::string> verify(const Poco::Net::HTTPServerRequest& req, const std::string& raw_path,
                                             const std::string& raw_query, const std::string& body) const {
    const std::string auth = req.get("Authorization", "");
    static const std::regex re(
        R"(^AWS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([^/,]+)/s3/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$)");
    std::smatch m;
    if (!std::regex_match(auth, m, re)) return {"AccessDenied", "missing or malformed SigV4 Authorization header"};
    if (m[1] != opt.access_key) return {"InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist"};
    const std::string date = req.get("x-amz-date", "");
    if (date.size() != 16 || date.substr(0, 8) != m[2].str()) return {"AccessDenied", "x-amz-date does not match the scope"};
    if (m[3] != opt.region) return {"AuthorizationHeaderMalformed", "wrong region in the credential scope"};
    const std::string content = req.get("x-amz-content-sha256", "");
    if (content.empty()) return {"InvalidRequest", "Missing required header for this request: x-amz-content-sha256"};
    if (content != "UNSIGNED-PAYLOAD" && content != digest_hex(EVP_sha256(), body))
      return {"XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match"};
    // Canonical request, rebuilt from the wire.
    std::string creq = req.getMethod() + "\n" + aws_encode(url_decode(raw_path), true) + "\n";
    auto q = parse_query(raw_query);
    std::vector<std::pair<std::string, std::string>> enc;
    for (auto& [k, v] : q) enc.emplace_back(aws_encode(k, false), aws_encode(v, false));
    std::sort(enc.begin(), enc.end());
    for (size_t i = 0; i < enc.size(); ++i) creq += (i ? "&" : "") + enc[i].first + "=" + enc[i].second;
    creq += "\n";
    const std::string signed_headers = m[4];
    std::istringstream names(signed_headers);
    bool has_host = false, has_sha = false;
    for (std::string n; std::getline(names, n, ';');) {
      has_host = has_host || n == "host";
      has_sha = has_sha || n == "x-amz-content-sha256";
      std::string joined;
      for (const auto& [hn, hv] : req)
        if (lowercase(hn) == n) joined += (joined.empty() ? "" : ",") + squeeze(hv);
      creq += n + ":" + joined + "\n";
    }
    if (!has_host || !has_sha) return {"AccessDenied", "host and x-amz-content-sha256 must be signed"};
    creq += "\n" + signed_headers + "\n" + content;
    const std::string scope = m[2].str() + "/" + opt.region + "/s3/aws4_request";
    const std::string sts = "AWS4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + digest_hex(EVP_sha256(), creq);
    std::string k = hmac("AWS4" + opt.secret, m[2].str());
    k = hmac(hmac(hmac(k, opt.region), "s3"), "aws4_request");
    const std::string sig = hmac(k, sts);
    if (to_hex(reinterpret_cast<const unsigned char*>(sig.data()), static_cast<unsigned>(sig.size())) != m[5].str())
      return {"SignatureDoesNotMatch",
              "The request signature we calculated does not match the signature you provided. Check your key and "
              "signing method."};
    return {};
  }
};

namespace {

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<S3Double::State> st) : st_(std::move(st)) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
    std::string body;
    {
      std::ostringstream o;
      o << req.stream().rdbuf();
      body = o.str();
    }
    const std::string uri = req.getURI();
    const size_t qpos = uri.find('?');
    const std::string raw_path = uri.substr(0, qpos), raw_query = qpos == std::string::npos ? "" : uri.substr(qpos + 1);
    const auto query = parse_query(raw_query);
    auto has = [&](const char* n) {
      return std::any_of(query.begin(), query.end(), [&](const auto& p) { return p.first == n; });
    };
    auto get = [&](const char* n) {
      for (const auto& p : query)
        if (p.first == n) return p.second;
      return std::string();
    };
    S3Double::Logged l;
    l.method = req.getMethod();
    l.uri = uri;
    l.body_bytes = body.size();
    const std::string path = url_decode(raw_path);
    const std::string prefix = "/" + st_->opt.bucket;
    const bool in_bucket = path.compare(0, prefix.size() + 1, prefix + "/") == 0;
    l.key = in_bucket ? path.substr(prefix.size() + 1) : "";
    l.upload_id = get("uploadId");
    if (has("partNumber")) l.part_number = std::atoi(get("partNumber").c_str());
    if (l.method == "PUT") l.op = has("partNumber") ? "UploadPart" : "PutObject";
    else if (l.method == "POST") l.op = has("uploads") ? "CreateMultipartUpload" : "CompleteMultipartUpload";
    else if (l.method == "DELETE") l.op = has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    else l.op = l.method == "GET" ? "GetObject" : l.method;

    auto answer = [&](int status, const std::string& code, const std::string& message) {
      l.status = status;
      l.code = code;
      {
        std::lock_guard<std::mutex> lock(st_->mu);
        st_->log.push_back(l);
      }
      const std::string x = error_xml(code, message);
      resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
      resp.setContentType("application/xml");
      resp.setContentLength(static_cast<std::streamsize>(x.size()));
      resp.send() << x;
    };
    auto ok = [&](const std::string& text, const std::map<std::string, std::string>& headers = {}) {
      l.status = 200;
      {
        std::unique_lock<std::mutex> lock(st_->mu);
        st_->log.push_back(l);
        if (!st_->stall_answer_op.empty() && st_->stall_answer_op == l.op) {
          ++st_->stalled;
          st_->cv.wait_for(lock, std::chrono::seconds(60), [&] { return st_->released; });
          --st_->stalled;
        }
      }
      resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
      for (const auto& [k, v] : headers) resp.set(k, v);
      resp.setContentLength(static_cast<std::streamsize>(text.size()));
      resp.send() << text;
    };

    if (auto [code, msg] = st_->verify(req, raw_path, raw_query, body); !code.empty()) {
      const int status = code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || code == "AccessDenied" ? 403 : 400;
      return answer(status, code, msg);
    }
    if (!in_bucket || l.key.empty()) return answer(404, "NoSuchBucket", "The specified bucket does not exist");
    {
      std::unique_lock<std::mutex> lock(st_->mu);
      for (auto it = st_->faults.begin(); it != st_->faults.end(); ++it) {
        if (it->op.empty() || it->op == l.op) {
          const Fault f = *it;
          if (--it->n <= 0) st_->faults.erase(it);
          lock.unlock();
          return answer(f.status, f.code, "injected fault");
        }
      }
      if (l.op == "UploadPart" && st_->stall_after >= 0 && st_->parts_ok >= st_->stall_after) {
        ++st_->stalled;
        st_->cv.wait_for(lock, std::chrono::seconds(60), [&] { return st_->released; });
        --st_->stalled;
        lock.unlock();
        return answer(503, "SlowDown", "stalled by the test");
      }
    }
    std::unique_lock<std::mutex> lock(st_->mu);
    const std::string etag = "\"" + digest_hex(EVP_md5(), body) + "\"";
    if (l.op == "PutObject") {
      st_->objects[l.key] = body;
      std::map<std::string, std::string> hs;
      for (const auto& [k, v] : req) hs[lowercase(k)] = v;
      st_->headers_of[l.key] = hs;
      lock.unlock();
      return ok("", {{"ETag", etag}});
    }
    if (l.op == "GetObject") {
      auto it = st_->objects.find(l.key);
      if (it == st_->objects.end()) {
        lock.unlock();
        return answer(404, "NoSuchKey", "The specified key does not exist.");
      }
      const std::string data = it->second;
      lock.unlock();
      return ok(data);
    }
    if (l.op == "CreateMultipartUpload") {
      const std::string id = "upload-" + std::to_string(st_->next_upload++) + "-x/y+z=";  // needs encoding
      Upload u;
      u.key = l.key;
      for (const auto& [k, v] : req) u.headers[lowercase(k)] = v;
      st_->uploads[id] = u;
      l.upload_id = id;
      lock.unlock();
      return ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult "
                "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>" +
                st_->opt.bucket + "</Bucket><Key>" + l.key + "</Key><UploadId>" + id +
                "</UploadId></InitiateMultipartUploadResult>");
    }
    auto up = st_->uploads.find(l.upload_id);
    if (up == st_->uploads.end() || up->second.key != l.key) {
      lock.unlock();
      return answer(404, "NoSuchUpload", "The specified upload does not exist.");
    }
    if (l.op == "UploadPart") {
      if (l.part_number < 1 || l.part_number > 10000) {
        lock.unlock();
        return answer(400, "InvalidArgument", "Part number must be an integer between 1 and 10000");
      }
      up->second.parts[l.part_number] = {body, etag};
      ++st_->parts_ok;
      lock.unlock();
      return ok("", {{"ETag", etag}});
    }
    if (l.op == "AbortMultipartUpload") {
      st_->uploads.erase(up);
      lock.unlock();
      l.status = 204;
      {
        std::lock_guard<std::mutex> g(st_->mu);
        st_->log.push_back(l);
      }
      resp.setStatus(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
      resp.send();
      return;
    }
    if (l.op == "CompleteMultipartUpload") {
      static const std::regex part_re(R"(<Part><PartNumber>(\d+)</PartNumber><ETag>([^<]*)</ETag></Part>)");
      std::string object;
      int last = 0, count = 0;
      std::vector<std::pair<int, std::string>> listed;
      for (auto it = std::sregex_iterator(body.begin(), body.end(), part_re); it != std::sregex_iterator(); ++it)
        listed.emplace_back(std::stoi((*it)[1]), (*it)[2]);
      if (listed.empty()) {
        lock.unlock();
        return answer(400, "MalformedXML", "no parts listed");
      }
      for (size_t i = 0; i < listed.size(); ++i) {
        const auto& [n, tag] = listed[i];
        auto p = up->second.parts.find(n);
        if (p == up->second.parts.end() || p->second.second != tag) {
          lock.unlock();
          return answer(400, "InvalidPart", "part " + std::to_string(n) + " missing or ETag mismatch");
        }
        if (n <= last) {
          lock.unlock();
          return answer(400, "InvalidPartOrder", "parts must be ascending");
        }
        if (i + 1 < listed.size() && p->second.first.size() < st_->opt.min_part_size) {
          lock.unlock();
          return answer(400, "EntityTooSmall", "part " + std::to_string(n) + " is smaller than the minimum");
        }
        last = n;
        ++count;
        object += p->second.first;
      }
      st_->objects[l.key] = object;
      st_->headers_of[l.key] = up->second.headers;
      st_->uploads.erase(up);
      lock.unlock();
      return ok("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult><Key>" + l.key +
                "</Key><ETag>&quot;" + digest_hex(EVP_md5(), object) + "-" + std::to_string(count) +
                "&quot;</ETag></CompleteMultipartUploadResult>");
    }
    lock.unlock();
    answer(405, "MethodNotAllowed", "not supported by the double");
  }

 private:
  std::shared_ptr<S3Double::State> st_;
};

}  // namespace

S3Double::S3Double() : S3Double(Options{}) {}

S3Double::S3Double(Options o) : state_(std::make_shared<State>()) {
  state_->opt = std::move(o);
  state_->server = sinkhub::testkit::start_loopback_server<Handler>(state_, &state_->port);
}

S3Double::~S3Double() {
  release();
  state_->server->stopAll(true);
  state_->server.reset();  // the server's factory holds the state: break the cycle
}

std::uint16_t S3Double::port() const { return state_->port; }
std::string S3Double::endpoint() const { return "http://127.0.0.1:" + std::to_string(state_->port); }
const S3Double::Options& S3Double::options() const { return state_->opt; }

std::optional<std::string> S3Double::object(const std::string& key) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->objects.find(key);
  if (it == state_->objects.end()) return std::nullopt;
  return it->second;
}
std::map<std::string, std::string> S3Double::object_headers(const std::string& key) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->headers_of.find(key);
  return it == state_->headers_of.end() ? std::map<std::string, std::string>{} : it->second;
}
std::vector<std::string> S3Double::upload_ids() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  std::vector<std::string> out;
  for (const auto& [id, u] : state_->uploads) out.push_back(id);
  return out;
}
std::vector<S3Double::Logged> S3Double::requests() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->log;
}
void S3Double::fail_next(int n, const std::string& op, int status, const std::string& code) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->faults.push_back({n, op, status, code});
}
void S3Double::forget_uploads() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->uploads.clear();
}
void S3Double::stall_after_parts(int parts) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->stall_after = parts;
  state_->released = false;
}
void S3Double::stall_answers(const std::string& op) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->stall_answer_op = op;
  state_->released = false;
}
void S3Double::release() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->released = true;
    state_->stall_after = -1;
    state_->stall_answer_op.clear();
  }
  state_->cv.notify_all();
}
int S3Double::stalled() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->stalled;
}

}  // namespace sinkhub::s3test
