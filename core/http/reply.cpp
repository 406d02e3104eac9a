#include "http/reply.hpp"

#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPResponse.h>

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

const std::string& reason_phrase(int status) {
  return Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
}

}  // namespace sinkhub::http
