#include "http/reply.hpp"

#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace sinkhub::http {

void reply_json(Poco::Net::HTTPServerResponse& resp, Poco::Net::HTTPResponse::HTTPStatus status,
                const std::string& body) {
  resp.setStatusAndReason(status);
  resp.setContentType("application/json");
  resp.setContentLength(static_cast<std::streamsize>(body.size()));
  resp.sendBuffer(body.data(), body.size());
}

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

void reply_error(Poco::Net::HTTPServerResponse& resp, Poco::Net::HTTPResponse::HTTPStatus status,
                 const std::string& message) {
  reply_json(resp, status, error_body(message));
}

}  // namespace sinkhub::http
