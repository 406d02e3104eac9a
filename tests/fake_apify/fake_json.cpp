// JSON, paging and time helpers of the fake Apify API; see fake_internal.hpp.
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <sstream>

#include "fake_internal.hpp"

namespace sinkhub::fake {

bool ApiRequest::param(const std::string& name, std::string& value) const {
  for (const auto& [k, v] : params)
    if (k == name) {
      value = v;
      return true;
    }
  return false;
}

std::string to_json(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return "null";
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out, 0);
  return out.str();
}

Poco::JSON::Object::Ptr ordered_object() { return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER); }

std::string envelope(const std::string& type, const std::string& message) {
  auto err = ordered_object();
  err->set("type", type);
  err->set("message", message);
  auto root = ordered_object();
  root->set("error", err);
  return to_json(root);
}

Answer error(int status, const std::string& type, const std::string& message) {
  Answer a;
  a.status = status;
  a.body = envelope(type, message);
  return a;
}

Answer data_answer(const Poco::JSON::Object::Ptr& data, int status) {
  auto root = ordered_object();
  root->set("data", data);
  Answer a;
  a.status = status;
  a.body = to_json(root);
  return a;
}

Answer method_not_allowed(const std::string& allowed) {
  Answer a = error(405, "method-not-allowed",
                   "This API endpoint can only be accessed using the following HTTP methods: " + allowed);
  a.headers.emplace_back("Allow", allowed);
  return a;
}

Poco::Dynamic::Var or_null(const std::string& s) { return s.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(s); }

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto comma = s.find(',', start);
    std::string item = Poco::trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool flag_value(const std::string& v) { return v == "1" || Poco::icompare(v, "true") == 0; }

bool parse_object(const std::string& text, Poco::JSON::Object::Ptr& out, std::string& why) {
  try {
    Poco::JSON::ParseHandler::Ptr handler = new Poco::JSON::ParseHandler(true);  // keep key order
    Poco::JSON::Parser parser(handler);
    parser.setDepth(64);
    const Poco::Dynamic::Var v = parser.parse(text);
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) {
      why = "must be a JSON object";
      return false;
    }
    out = v.extract<Poco::JSON::Object::Ptr>();
    return true;
  } catch (const Poco::Exception& e) {
    why = "is not valid JSON (" + e.message() + ")";
  } catch (const std::exception&) {
    why = "is not valid JSON";
  }
  return false;
}

bool read_paging(const ApiRequest& req, Paging& out, Answer& err) {
  std::string v;
  Poco::Int64 n = 0;
  if (req.param("offset", v)) {
    if (!Poco::NumberParser::tryParse64(v, n) || n < 0) {
      err = error(400, "invalid-parameter", "Parameter 'offset' must be a non-negative integer");
      return false;
    }
    out.offset = static_cast<std::size_t>(n);
  }
  if (req.param("limit", v)) {
    if (!Poco::NumberParser::tryParse64(v, n) || n < 0) {
      err = error(400, "invalid-parameter", "Parameter 'limit' must be a non-negative integer");
      return false;
    }
    // "The default value as well as the maximum is 1000": larger asks get 1000.
    out.limit = static_cast<std::size_t>(std::min<Poco::Int64>(n, 1000));
  }
  if (req.param("desc", v)) out.desc = flag_value(v);
  return true;
}

Answer list_answer(std::vector<Poco::Dynamic::Var> all, const Paging& p) {
  if (p.desc) std::reverse(all.begin(), all.end());
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
  for (std::size_t i = p.offset; i < all.size() && items->size() < p.limit; ++i) items->add(all[i]);
  auto data = ordered_object();
  data->set("total", all.size());
  data->set("offset", p.offset);
  data->set("limit", p.limit);
  data->set("desc", p.desc);
  data->set("count", items->size());
  data->set("items", items);
  return data_answer(data);
}

std::string iso_of(const Poco::Timestamp& t) { return Poco::DateTimeFormatter::format(t, "%Y-%m-%dT%H:%M:%S.%iZ"); }

std::string now_iso() { return iso_of(Poco::Timestamp()); }

namespace {

// YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM): Poco's parser alone accepts almost anything.
bool iso_shaped(const std::string& t) {
  const auto digits = [&](std::size_t at, std::size_t n) {
    if (at + n > t.size()) return false;
    for (std::size_t i = at; i < at + n; ++i)
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    return true;
  };
  if (!digits(0, 4) || t.size() < 20 || t[4] != '-' || !digits(5, 2) || t[7] != '-' || !digits(8, 2) || t[10] != 'T' ||
      !digits(11, 2) || t[13] != ':' || !digits(14, 2) || t[16] != ':' || !digits(17, 2))
    return false;
  std::size_t i = 19;
  if (t[i] == '.') {
    const std::size_t start = ++i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i == start) return false;
  }
  const std::string zone = t.substr(i);
  return zone == "Z" || (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digits(i + 1, 2) && zone[3] == ':' &&
                         digits(i + 4, 2));
}

}  // namespace

bool parse_iso(const std::string& text, Poco::Timestamp& out) {
  if (!iso_shaped(text)) return false;
  Poco::DateTime dt;
  int tz = 0;
  if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text, dt, tz) &&
      !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT, text, dt, tz))
    return false;
  dt.makeUTC(tz);
  out = dt.timestamp();
  return true;
}

std::string new_id() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::lock_guard<std::mutex> lock(mu);
  std::string id(17, 'x');
  for (auto& c : id) c = alphabet[rng() % (sizeof alphabet - 1)];
  return id;
}

std::string FakeApify::iso_time(std::chrono::system_clock::time_point when) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  return iso_of(Poco::Timestamp(static_cast<Poco::Timestamp::TimeVal>(us)));
}

}  // namespace sinkhub::fake
