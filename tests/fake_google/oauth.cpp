#include "oauth.hpp"

#include <Poco/Base64Decoder.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/String.h>

#include <random>
#include <sstream>

#include "google_error.hpp"
#include "model.hpp"

namespace sinkhub::fake::google {

namespace {

const char* const kGoogleTokenUrls[] = {"https://oauth2.googleapis.com/token", "https://accounts.google.com/o/oauth2/token",
                                        "https://www.googleapis.com/oauth2/v4/token"};
const char* const kJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const char* const kBadTime =
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp "
    "values in the JWT claim.";

OAuthServer::Answer fail(int status, const std::string& error, const std::string& description) {
  return {status, OAuthError{status, error, description}.body()};
}

std::string random_token(const std::string& prefix, std::size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
  std::string out = prefix;
  for (std::size_t i = 0; i < n; ++i) out += alphabet[pick(rng)];
  return out;
}

std::set<std::string> split_scopes(const std::string& s) {
  std::set<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.insert(w);
  return out;
}

std::map<std::string, std::string> parse_form(const std::string& body) {
  std::map<std::string, std::string> out;
  std::istringstream in(body);
  Poco::Net::HTMLForm form;
  form.setFieldLimit(100);
  form.read(in);
  for (const auto& [k, v] : form) out.emplace(k, v);  // the first of a repeated field wins
  return out;
}

// {"alg":..}.{"iss":..}.sig -> header, claims, signing input, signature; false when malformed.
bool split_jwt(const std::string& jwt, json::Obj& header, json::Obj& claims, std::string& input, std::string& sig) {
  const auto d1 = jwt.find('.');
  const auto d2 = d1 == std::string::npos ? d1 : jwt.find('.', d1 + 1);
  if (d2 == std::string::npos || jwt.find('.', d2 + 1) != std::string::npos) return false;
  const auto h = b64url_decode(jwt.substr(0, d1));
  const auto c = b64url_decode(jwt.substr(d1 + 1, d2 - d1 - 1));
  const auto s = b64url_decode(jwt.substr(d2 + 1));
  if (!h || !c || !s) return false;
  try {
    header = json::as_object(json::parse(*h));
    claims = json::as_object(json::parse(*c));
  } catch (const json::ParseError&) {
    return false;
  }
  input = jwt.substr(0, d2);
  sig = *s;
  return header && claims;
}

bool numeric_claim(const json::Obj& claims, const std::string& name, std::int64_t& out) {
  if (!json::has(claims, name) || !claims->get(name).isNumeric()) return false;
  out = claims->get(name).convert<std::int64_t>();
  return true;
}

}  // namespace

void OAuthServer::add_service_account(const ServiceAccount& sa) {
  Account& a = accounts_[lower(sa.email)];
  if (a.sa.email.empty()) a.sa = sa;
  a.keys[sa.private_key_id] = sa.public_key_pem.empty() ? public_key_of(sa.private_key_pem) : sa.public_key_pem;
  projects_[sa.project_id] = sa.project_number;
}

bool OAuthServer::remove_service_account(const std::string& email) { return accounts_.erase(lower(email)) > 0; }

void OAuthServer::grant_delegation(const std::string& sa_email, const std::vector<std::string>& scopes) {
  auto& a = accounts_.at(lower(sa_email));
  a.delegated_scopes.insert(scopes.begin(), scopes.end());
}

void OAuthServer::add_client(const std::string& client_id, const std::string& secret, const std::string& project_number) {
  clients_[client_id] = {secret, project_number};
  projects_[project_number] = project_number;
}

std::string OAuthServer::add_refresh_token(const std::string& client_id, const std::string& user_email,
                                           const std::vector<std::string>& scopes) {
  const std::string token = random_token("1//0g", 96);
  refresh_tokens_[token] = {client_id, user_email, std::set<std::string>(scopes.begin(), scopes.end())};
  return token;
}

void OAuthServer::revoke_refresh_token(const std::string& refresh_token) { refresh_tokens_.erase(refresh_token); }

bool OAuthServer::knows_project(const std::string& project) const {
  if (projects_.count(project)) return true;
  for (const auto& [id, number] : projects_)
    if (number == project) return true;
  return false;
}

std::string OAuthServer::project_number(const std::string& project) const {
  const auto it = projects_.find(project);
  return it == projects_.end() ? project : it->second;
}

std::string OAuthServer::issue(const Principal& who, SteadyTime now) {
  const std::string token = random_token("ya29.c.fake-", 120);
  tokens_[token] = {who, now + std::chrono::seconds(settings.token_lifetime_s)};
  return token;
}

OAuthServer::Answer OAuthServer::grant(const Principal& who, SteadyTime now, bool echo_scope) {
  auto o = json::object();
  o->set("access_token", issue(who, now));
  o->set("expires_in", settings.token_lifetime_s);
  if (echo_scope) {
    std::string scope;
    for (const auto& s : who.scopes) scope += (scope.empty() ? "" : " ") + s;
    o->set("scope", scope);
  }
  o->set("token_type", "Bearer");
  return {200, json::pretty(o)};
}

OAuthServer::Answer OAuthServer::token_request(const std::string& body, const std::string& authorization, WallTime now,
                                               SteadyTime steady) {
  std::map<std::string, std::string> form;
  try {
    form = parse_form(body);
  } catch (const std::exception&) {
    return fail(400, "invalid_request", "Invalid request body.");
  }
  const std::string grant_type = form.count("grant_type") ? form.at("grant_type") : "";
  if (grant_type == kJwtBearer) {
    if (!form.count("assertion") || form.at("assertion").empty())
      return fail(400, "invalid_request", "Missing required parameter: assertion");
    return jwt_grant(form.at("assertion"), now, steady);
  }
  if (grant_type == "refresh_token") return refresh_grant(form, authorization, steady);
  return fail(400, "unsupported_grant_type", "Invalid grant_type: " + grant_type);
}

OAuthServer::Answer OAuthServer::jwt_grant(const std::string& assertion, WallTime now, SteadyTime steady) {
  json::Obj header, claims;
  std::string input, signature;
  if (!split_jwt(assertion, header, claims, input, signature))
    return fail(400, "invalid_grant", "Invalid JWT: Token must be a compact JWS (header.claims.signature).");
  const auto account = accounts_.find(lower(json::str(claims, "iss")));
  if (account == accounts_.end()) return fail(400, "invalid_grant", "Invalid grant: account not found");
  if (json::str(header, "alg") != "RS256") return fail(400, "invalid_grant", "Invalid JWT Signature.");
  bool verified = false;
  const std::string kid = json::str(header, "kid");
  for (const auto& [id, pem] : account->second.keys)
    if ((kid.empty() || kid == id) && rs256_verify(pem, input, signature)) verified = true;
  if (!verified) return fail(400, "invalid_grant", "Invalid JWT Signature.");
  const std::string aud = json::str(claims, "aud");
  bool aud_ok = aud == settings.token_uri;
  for (const char* u : kGoogleTokenUrls) aud_ok = aud_ok || aud == u;
  if (!aud_ok) return fail(400, "invalid_grant", "Invalid JWT: Failed audience check.");
  std::int64_t iat = 0, exp = 0;
  const std::int64_t t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  const std::int64_t skew = settings.clock_skew.count();
  if (!numeric_claim(claims, "iat", iat) || !numeric_claim(claims, "exp", exp) || exp <= iat || exp - iat > 3600 ||
      iat > t + skew || exp < t - skew)
    return fail(400, "invalid_grant", kBadTime);
  const std::set<std::string> scopes = split_scopes(json::str(claims, "scope"));
  if (scopes.empty()) return fail(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
  Principal who{account->second.sa.email, account->second.sa.project_number, scopes, true};
  const std::string sub = json::str(claims, "sub");
  if (!sub.empty() && !iequals(sub, who.email)) {
    for (const auto& s : scopes)
      if (!account->second.delegated_scopes.count(s))
        return fail(401, "unauthorized_client",
                    "Client is unauthorized to retrieve access tokens using this method, or client not authorized for "
                    "any of the scopes requested.");
    who.email = sub;
    who.service_account = false;
  }
  return grant(who, steady, false);
}

OAuthServer::Answer OAuthServer::refresh_grant(const std::map<std::string, std::string>& form,
                                               const std::string& authorization, SteadyTime steady) {
  auto field = [&](const char* k) { return form.count(k) ? form.at(k) : std::string(); };
  std::string id = field("client_id"), secret = field("client_secret");
  if (Poco::icompare(authorization.substr(0, 6), "basic ") == 0) {
    std::string pair;
    try {
      std::istringstream in(Poco::trim(authorization.substr(6)));
      Poco::Base64Decoder dec(in);
      pair.assign(std::istreambuf_iterator<char>(dec), std::istreambuf_iterator<char>());
    } catch (const std::exception&) {
      return fail(401, "invalid_client", "Unauthorized");
    }
    id = pair.substr(0, pair.find(':'));
    secret = pair.find(':') == std::string::npos ? "" : pair.substr(pair.find(':') + 1);
  }
  const auto client = clients_.find(id);
  if (client == clients_.end()) return fail(401, "invalid_client", "The OAuth client was not found.");
  if (client->second.secret != secret) return fail(401, "invalid_client", "Unauthorized");
  if (field("refresh_token").empty()) return fail(400, "invalid_request", "Missing required parameter: refresh_token");
  const auto r = refresh_tokens_.find(field("refresh_token"));
  if (r == refresh_tokens_.end() || r->second.client_id != id)
    return fail(400, "invalid_grant", "Token has been expired or revoked.");
  std::set<std::string> scopes = r->second.scopes;
  if (!field("scope").empty()) {
    scopes = split_scopes(field("scope"));
    for (const auto& s : scopes)
      if (!r->second.scopes.count(s)) return fail(400, "invalid_scope", "Bad Request");
  }
  return grant(Principal{r->second.email, client->second.project_number, scopes, false}, steady, true);
}

OAuthServer::Check OAuthServer::check(const std::string& access_token, Principal& who, SteadyTime now) const {
  const auto it = tokens_.find(access_token);
  if (it == tokens_.end()) return Check::Unknown;
  if (now >= it->second.expires) return Check::Expired;
  who = it->second.who;
  return Check::Ok;
}

void OAuthServer::expire_all() {
  for (auto& [t, token] : tokens_) token.expires = SteadyTime{};
}

void OAuthServer::revoke(const std::string& access_token) {
  const auto it = tokens_.find(access_token);
  if (it != tokens_.end()) it->second.expires = SteadyTime{};
}

}  // namespace sinkhub::fake::google
