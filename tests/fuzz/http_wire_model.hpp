// What the listener makes of a byte stream on one connection, without sockets: the request
// parser and the body decoders driven exactly as core/http/connection.cpp drives them, the
// input arriving in pieces cut at given offsets. The answer is a transcript (one line per
// request head, body or refusal) that must not depend on the cuts: TCP may cut anywhere.
// Used by tests/unit (split-invariance cases) and tests/fuzz/http_request_fuzz.cpp (the oracle).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request_parser.hpp"

namespace sinkhub::fuzz {

inline std::string transcript(std::string_view data, const std::vector<std::size_t>& cuts,
                              std::size_t max_body = 1 << 20) {
  using namespace sinkhub::http;
  const HeadLimits limits;
  std::string in, out, body;
  std::size_t scanned = 0, from = 0;
  bool in_body = false;
  RequestHead head;
  std::optional<ChunkedDecoder> chunked;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(data.size());
  for (const std::size_t cut : ends) {
    if (cut < from || cut > data.size()) continue;
    in.append(data.substr(from, cut - from));
    from = cut;
    for (;;) {
      if (!in_body) {
        if (in.empty()) break;
        std::size_t consumed = 0;
        ParseError err;
        const auto st = parse_head(in, limits, scanned, head, consumed, err);
        if (st == ParseStatus::Incomplete) break;
        if (st == ParseStatus::Error) return out + "refused " + std::to_string(err.status) + ": " + err.message + "\n";
        in.erase(0, consumed);
        scanned = 0;
        out += "head " + head.method + " " + head.target + "\n";
        if (head.content_length && *head.content_length > max_body) return out + "refused 413\n";
        if (!head.has_body()) continue;
        in_body = true;
        body.clear();
        if (head.chunked) chunked.emplace(max_body);
        else chunked.reset();
      }
      if (chunked) {
        std::size_t consumed = 0;
        const auto st = chunked->feed(in, consumed, body);
        in.erase(0, consumed);
        if (st == ChunkedDecoder::Status::NeedMore) break;
        if (st == ChunkedDecoder::Status::TooLarge) return out + "refused 413\n";
        if (st == ChunkedDecoder::Status::Error) return out + "refused 400: " + chunked->error() + "\n";
      } else {
        const std::size_t need = static_cast<std::size_t>(*head.content_length);
        if (in.size() < need) break;
        body.assign(in, 0, need);
        in.erase(0, need);
      }
      out += "body " + std::to_string(body.size()) + ": " + body + "\n";
      in_body = false;
    }
  }
  if (in_body || !in.empty()) out += "incomplete at the end\n";
  return out;
}

}  // namespace sinkhub::fuzz
