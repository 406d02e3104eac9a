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

void reply_error(Poco::Net::HTTPServerResponse& resp, Poco::Net::HTTPResponse::HTTPStatus status,
                 const std::string& message) {
  std::ostringstream out;
  out << "{\"error\":";
  Poco::JSON::Stringifier::formatString(message, out);
  out << "}";
  reply_json(resp, status, out.str());
}

}  // namespace sinkhub::http
