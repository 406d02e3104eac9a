#include "http.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace sinkhub::testkit {

using Clock = std::chrono::steady_clock;

namespace {

bool iequals(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return v;
  return {};
}

bool HttpResponse::has_header(const std::string& name) const {
  for (const auto& kv : headers)
    if (iequals(kv.first, name)) return true;
  return false;
}

Poco::JSON::Object::Ptr HttpResponse::json() const {
  try {
    Poco::JSON::Parser parser;
    const auto v = parser.parse(body);
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) return v.extract<Poco::JSON::Object::Ptr>();
  } catch (...) {
  }
  return nullptr;
}

std::string HttpResponse::json_string(const std::string& key) const {
  const auto obj = json();
  if (!obj || !obj->has(key)) return {};
  const auto v = obj->get(key);
  return v.isString() ? v.extract<std::string>() : std::string();
}

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& path,
                          const Headers& headers, const std::string& body, const std::string& content_type,
                          std::chrono::milliseconds timeout) {
  HttpResponse out;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(static_cast<long>(timeout.count() / 1000),
                                      static_cast<long>((timeout.count() % 1000) * 1000)));
    session.setKeepAlive(false);
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!content_type.empty()) req.setContentType(content_type);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PUT") req.setContentLength(static_cast<std::streamsize>(body.size()));
    std::ostream& os = session.sendRequest(req);
    os.write(body.data(), static_cast<std::streamsize>(body.size()));
    Poco::Net::HTTPResponse resp;
    std::istream& is = session.receiveResponse(resp);
    out.status = static_cast<int>(resp.getStatus());
    out.reason = resp.getReason();
    for (const auto& [k, v] : resp) out.headers.emplace_back(k, v);
    std::ostringstream ss;
    Poco::StreamCopier::copyStream(is, ss);
    out.body = ss.str();
  } catch (const Poco::Exception& e) {
    out.status = 0;
    out.error = e.displayText();
  } catch (const std::exception& e) {
    out.status = 0;
    out.error = e.what();
  }
  return out;
}

HttpResponse parse_http_response(const std::string& raw) {
  HttpResponse out;
  const auto head_end = raw.find("\r\n\r\n");
  const std::string head = raw.substr(0, head_end);
  std::istringstream in(head);
  std::string line;
  if (!std::getline(in, line)) return out;
  line = trim(line);
  if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) {
    out.error = "not an HTTP response: " + line.substr(0, 80);
    return out;
  }
  out.status = std::atoi(line.substr(9, 3).c_str());
  out.reason = line.size() > 13 ? line.substr(13) : std::string();
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    out.headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  if (head_end != std::string::npos) {
    out.body = raw.substr(head_end + 4);
    const std::string cl = out.header("Content-Length");
    if (!cl.empty()) {
      const auto n = static_cast<std::size_t>(std::stoull(cl));
      if (out.body.size() > n) out.body.resize(n);
    }
  }
  return out;
}

bool response_complete(const std::string& raw) {
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const HttpResponse r = parse_http_response(raw.substr(0, head_end + 4));
  const std::string cl = r.header("Content-Length");
  if (cl.empty()) return false;  // only EOF ends it
  return raw.size() - (head_end + 4) >= std::stoull(cl);
}

std::string raw_request(const std::string& method, const std::string& path, const Headers& headers,
                        const std::string& body, long long content_length) {
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  bool has_length = false;
  for (const auto& [k, v] : headers) {
    if (iequals(k, "Content-Length") || iequals(k, "Transfer-Encoding")) has_length = true;
    out += k + ": " + v + "\r\n";
  }
  if (!has_length) out += "Content-Length: " + std::to_string(content_length >= 0 ? content_length
                                                                                   : static_cast<long long>(body.size())) + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

RawClient::RawClient(std::uint16_t port, std::chrono::milliseconds connect_timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      close();
      throw std::runtime_error("connect(127.0.0.1:" + std::to_string(port) + ") failed: " + std::strerror(errno));
    }
    pollfd p{fd_, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (::poll(&p, 1, static_cast<int>(connect_timeout.count())) != 1 ||
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      close();
      throw std::runtime_error("connect(127.0.0.1:" + std::to_string(port) + ") failed or timed out");
    }
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawClient::~RawClient() { close(); }

void RawClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawClient::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

bool RawClient::send_all(const std::string& data, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t off = 0;
  while (off < data.size()) {
    if (fd_ < 0) return false;
    const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
    pollfd p{fd_, POLLOUT, 0};
    const int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&p, 1, left) <= 0) return false;
  }
  return true;
}

std::string RawClient::read_response(std::chrono::milliseconds timeout) {
  return read_until(timeout, [](const std::string& got) { return response_complete(got); }, nullptr);
}

std::string RawClient::read_until_close(std::chrono::milliseconds timeout, bool* eof) {
  return read_until(timeout, [](const std::string&) { return false; }, eof);
}

std::string RawClient::read_until(std::chrono::milliseconds timeout, const std::function<bool(const std::string&)>& done,
                                  bool* eof) {
  const auto deadline = Clock::now() + timeout;
  std::string got = std::move(pending_);
  pending_.clear();
  if (eof) *eof = false;
  char buf[16384];
  while (fd_ >= 0 && !done(got)) {
    pollfd p{fd_, POLLIN, 0};
    const int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&p, 1, left) <= 0) break;
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      got.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (eof) *eof = true;  // EOF (0) or reset: the server is done with us
    break;
  }
  return got;
}

std::string RawClient::send_watching_for_reply(const std::string& data, std::size_t* sent,
                                               std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t off = 0;
  std::string got;
  char buf[16384];
  bool sending = true;
  while (fd_ >= 0) {
    if (response_complete(got)) break;
    pollfd p{fd_, static_cast<short>(POLLIN | (sending && off < data.size() ? POLLOUT : 0)), 0};
    const int left = remaining_ms(deadline);
    if (left == 0 || ::poll(&p, 1, left) <= 0) break;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        got.append(buf, static_cast<std::size_t>(n));
        sending = false;  // the server answered: stop pushing the body
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      break;  // EOF or reset
    }
    if (p.revents & POLLOUT) {
      const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n > 0) off += static_cast<std::size_t>(n);
      else if (n < 0 && errno != EAGAIN && errno != EINTR) sending = false;  // peer gone; still read
    }
  }
  if (sent) *sent = off;
  return got;
}

}  // namespace sinkhub::testkit
