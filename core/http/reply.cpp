#include "http/reply.hpp"

#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace sinkhub::http {

std::string error_body(const std::string& message, const std::string& field) {
  std::ostringstream out;
  out << "{\"error\":";
  Poco::JSON::Stringifier::formatString(message, out);
  if (!field.empty()) {
    out << ",\"field\":";
    Poco::JSON::Stringifier::formatString(field, out);
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

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Request Entity Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace sinkhub::http
