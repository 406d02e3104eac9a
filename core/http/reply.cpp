#include "http/reply.hpp"

#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPResponse.h>

#include <sstream>

#include "util/text.hpp"

namespace sinkhub::http {

std::string error_body(const std::string& message, const std::string& field) {
  std::ostringstream out;
  out << "{\"error\":";
  // Messages may quote what a client sent: never a raw invalid byte in the JSON.
  Poco::JSON::Stringifier::formatString(util::printable(message), out);
  if (!field.empty()) {
    out << ",\"field\":";
    Poco::JSON::Stringifier::formatString(util::printable(field), out);
  }
  out << '}';
  return out.str();
}

Reply json_reply(int status, std::string body) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Reply error_reply(int status, const std::string& message) { return json_reply(status, error_body(message)); }

Reply reject_reply(int status, const std::string& message) {
  Reply r = error_reply(status, message);
  r.close = true;
  r.linger = true;
  return r;
}

const std::string& reason_phrase(int status) {
  return Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
}

void append_response(std::string& o, const Reply& r, const std::string& date_line, const char* connection,
                     bool head_only) {
  o += "HTTP/1.1 ";
  o += std::to_string(r.status);
  o += ' ';
  o += reason_phrase(r.status);
  o += "\r\n";
  o += date_line;
  o += "Server: sinkhub\r\nContent-Type: ";
  o += r.content_type;
  o += "\r\nContent-Length: ";
  o += std::to_string(r.body.size());
  o += "\r\n";
  for (const auto& [name, value] : r.headers) {
    o += name;
    o += ": ";
    o += value;
    o += "\r\n";
  }
  if (*connection) {
    o += "Connection: ";
    o += connection;
    o += "\r\n";
  }
  o += "\r\n";
  if (!head_only) o += r.body;
}

}  // namespace sinkhub::http
