#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace sinkhub::http {

// Sends a small JSON body with an exact Content-Length.
void reply_json(Poco::Net::HTTPServerResponse& resp, Poco::Net::HTTPResponse::HTTPStatus status,
                const std::string& body);
// {"error": message} (message JSON-escaped).
void reply_error(Poco::Net::HTTPServerResponse& resp, Poco::Net::HTTPResponse::HTTPStatus status,
                 const std::string& message);

}  // namespace sinkhub::http
