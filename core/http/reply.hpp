#pragma once

#include <Poco/Net/HTTPServerResponse.h>

#include <string>

namespace sinkhub::http {

// {"error": message} or {"error": message, "field": field}, strings JSON-escaped: the body of
// every error answer.
std::string error_body(const std::string& message, const std::string& field = {});

// Sends a small JSON body with an exact Content-Length.
void reply_json(Poco::Net::HTTPServerResponse& resp, Poco::Net::HTTPResponse::HTTPStatus status,
                const std::string& body);
// {"error": message} (message JSON-escaped).
void reply_error(Poco::Net::HTTPServerResponse& resp, Poco::Net::HTTPResponse::HTTPStatus status,
                 const std::string& message);

}  // namespace sinkhub::http
