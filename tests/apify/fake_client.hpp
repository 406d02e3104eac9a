// A tiny HTTP client for the tests of the fake Apify API itself: one request, the whole answer.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <string>

#include "fake_apify.hpp"

namespace sinkhub::fake::test {

struct Got {
  int status = 0;
  Poco::Net::HTTPResponse head;
  std::string body;
};

inline Got request_at(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body = {}, const std::string& token = "tok",
                      const std::string& content_type = "application/json") {
  Poco::Net::HTTPClientSession s("127.0.0.1", port);
  s.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) req.set("Authorization", "Bearer " + token);
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (!content_type.empty()) req.setContentType(content_type);
    req.setContentLength64(static_cast<Poco::Int64>(body.size()));
  }
  s.sendRequest(req) << body;
  Got g;
  std::istream& in = s.receiveResponse(g.head);
  Poco::StreamCopier::copyToString(in, g.body);
  g.status = static_cast<int>(g.head.getStatus());
  return g;
}

inline Got request(const FakeApify& api, const std::string& method, const std::string& target,
                   const std::string& body = {}, const std::string& token = "tok",
                   const std::string& content_type = "application/json") {
  return request_at(api.port(), method, target, body, token, content_type);
}

inline Got get(const FakeApify& api, const std::string& target, const std::string& token = "tok") {
  return request(api, "GET", target, {}, token);
}

inline Poco::JSON::Object::Ptr json(const std::string& body) {
  Poco::JSON::Parser p;
  return p.parse(body).extract<Poco::JSON::Object::Ptr>();
}

// `data` of a {"data": ...} answer.
inline Poco::JSON::Object::Ptr data(const Got& g) { return json(g.body)->getObject("data"); }
// `error.type` of an error answer.
inline std::string error_type(const Got& g) { return json(g.body)->getObject("error")->getValue<std::string>("type"); }

}  // namespace sinkhub::fake::test
