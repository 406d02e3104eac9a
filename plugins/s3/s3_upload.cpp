#include "s3_upload.hpp"

#include "checkpoint.hpp"

namespace sinkhub_s3 {

using sinkhub::Outcome;
using sinkhub::json::Value;

namespace {

// 3: where the spool is (spool, host, base) and the rebuild point (mark, verify);
// 2 and 1 ({"v":1,...} of s3 sink 1.0): the same without them.
constexpr unsigned kVersion = 3;

std::string xml_escape(const std::string& s) {
  std::string o;
  for (const char c : s) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else o += c;
  }
  return o;
}

bool no_such_upload(const Response& r) { return r.error == SINKHUB_E_OK && r.code == "NoSuchUpload"; }

}  // namespace

std::string State::encode() const {
  Value list = Value::array();
  for (const Part& p : parts)
    list.items().push_back(Value::array({Value::number(std::uint64_t{p.number}), Value::number(p.offset),
                                         Value::number(p.size), Value::string(p.etag)}));
  sinkhub_kit::Checkpoint cp("s3", kVersion);
  cp.set_text("key", key)
      .set_text("upload_id", upload_id)
      .set_count("bytes", bytes)
      .set_count("items", items)
      .set_value("parts", std::move(list))
      .set_text("spool", spool)
      .set_text("host", host)
      .set_count("base", base)
      .set_flag("verify", verify);
  if (marked)
    cp.set_value("mark", Value::array({Value::number(mark_items), Value::number(mark_bytes), Value::string(mark_digest)}));
  return cp.encode();
}

std::optional<State> State::decode(std::string_view blob, std::string& why) {
  using sinkhub_kit::Checkpoint;
  try {
    const Checkpoint cp = Checkpoint::decode(blob, "s3", kVersion);
    State s;
    s.key = cp.text("key");
    s.upload_id = cp.text("upload_id");
    s.bytes = cp.count("bytes");
    s.items = cp.count("items");
    if (cp.has("parts"))
      for (const Value& e : cp.value("parts").items()) {
        const uint64_t number = Checkpoint::count_at(e, 0, "parts.number");
        if (number == 0 || number > kMaxParts) throw sinkhub_kit::CheckpointError("checkpoint has a bad part number");
        s.parts.push_back({static_cast<uint32_t>(number), Checkpoint::count_at(e, 1, "parts.offset"),
                           Checkpoint::count_at(e, 2, "parts.size"), Checkpoint::text_at(e, 3, "parts.etag")});
      }
    if (s.key.empty()) throw sinkhub_kit::CheckpointError("checkpoint has no object key");
    s.spool = cp.has("spool") ? cp.text("spool") : std::string();
    s.host = cp.has("host") ? cp.text("host") : std::string();
    s.base = cp.has("base") ? cp.count("base") : 0;
    s.verify = cp.flag("verify", false);
    if (cp.has("mark")) {
      const Value& m = cp.value("mark");
      s.marked = true;
      s.mark_items = Checkpoint::count_at(m, 0, "mark.items");
      s.mark_bytes = Checkpoint::count_at(m, 1, "mark.bytes");
      s.mark_digest = Checkpoint::text_at(m, 2, "mark.digest");
    }
    if (s.base > s.bytes || (s.marked && (s.mark_items > s.items || s.mark_bytes > s.uploaded())))
      throw sinkhub_kit::CheckpointError("checkpoint has inconsistent spool positions");
    return s;
  } catch (const sinkhub_kit::CheckpointError& e) {
    why = e.what();
    return std::nullopt;
  }
}

sigv4::Pairs Upload::object_headers() const {
  sigv4::Pairs h;
  h.emplace_back("content-type", cfg_.gzip         ? "application/gzip"
                                 : cfg_.json_array ? "application/json"
                                                   : "application/x-ndjson");
  if (!cfg_.storage_class.empty()) h.emplace_back("x-amz-storage-class", cfg_.storage_class);
  if (!cfg_.server_side_encryption.empty()) h.emplace_back("x-amz-server-side-encryption", cfg_.server_side_encryption);
  return h;
}

void Upload::check(const std::string& op, const Response& r) const {
  if (!succeeded(r)) throw Failure{classify(op, r)};
}

void Upload::create() {
  const Response r = client_.send(ctx_.call(), "POST", st_.key, {{"uploads", ""}}, object_headers(), Body{});
  check("CreateMultipartUpload", r);
  st_.upload_id = xml_text(r.body, "UploadId");
  if (st_.upload_id.empty())
    throw Failure{Outcome::retry("S3 CreateMultipartUpload: HTTP " + std::to_string(r.status) + " without an UploadId")};
}

// PUT one part; returns the answer (the caller handles NoSuchUpload).
Response Upload::put_part(const Part& p) const {
  return client_.send(ctx_.call(), "PUT", st_.key, {{"partNumber", std::to_string(p.number)}, {"uploadId", st_.upload_id}},
                      {}, Body{fd_, p.offset, p.size, {}});
}

void Upload::record_part(const Part& p) const {
  host_.metric_record(metrics_.parts, 1);
  host_.metric_record(metrics_.bytes, static_cast<double>(p.size));
}

// S3 forgot the upload (aborted, expired): start a new one and upload again every part the
// spool still holds, so the delivery continues instead of failing. A spool rebuilt from the
// middle does not hold the first parts: the upload starts over from item 0.
void Upload::restart() {
  if (st_.base > 0)
    throw Lost{"S3 no longer knows upload " + st_.upload_id + " and this spool holds only its bytes from " +
               std::to_string(st_.base)};
  host_.warn("S3 no longer knows upload " + st_.upload_id + " of " + st_.key + ": restarting it with " +
             std::to_string(st_.parts.size()) + " part(s) from the spool");
  create();
  for (Part& p : st_.parts) {
    const Response r = put_part(p);
    check("UploadPart " + std::to_string(p.number), r);
    p.etag = r.etag;
    record_part(p);
  }
}

// Uploads spool bytes [uploaded, end) as the next part.
void Upload::upload_part(uint64_t end) {
  if (st_.upload_id.empty()) create();
  if (st_.parts.size() >= kMaxParts)
    throw Failure{Outcome::reject("the object needs more than 10000 parts: raise part_size")};
  Part p;
  p.number = static_cast<uint32_t>(st_.parts.size() + 1);
  p.offset = st_.uploaded();
  p.size = end - p.offset;
  Response r = put_part(p);
  if (no_such_upload(r)) {
    restart();
    r = put_part(p);
  }
  const std::string op = "UploadPart " + std::to_string(p.number);
  check(op, r);
  if (r.etag.empty()) throw Failure{Outcome::retry("S3 " + op + ": no ETag in the answer")};
  p.etag = r.etag;
  st_.parts.push_back(p);
  record_part(p);
}

void Upload::upload_full_parts(const State* before) {
  const std::size_t had = st_.parts.size();
  // (A rebuilt spool may still end before uploaded(): nothing to upload then.)
  while (st_.bytes >= st_.uploaded() + cfg_.part_size) upload_part(st_.uploaded() + cfg_.part_size);
  if (!before || st_.parts.size() == had) return;
  // The new end of the uploaded bytes lies past the state before this batch: the rebuild point
  // is that state, or the end of the batch when the part ends exactly there.
  const bool at_end = st_.uploaded() == st_.bytes;
  st_.marked = true;
  st_.mark_items = at_end ? st_.items : before->items;
  st_.mark_bytes = at_end ? st_.bytes : before->bytes;
  st_.mark_digest = range_sha256_hex(fd_, st_.mark_bytes, st_.uploaded() - st_.mark_bytes);
}

void Upload::check_rebuilt(bool last_batch) {
  if (!st_.verify) return;
  const uint64_t end = st_.uploaded();
  if (st_.bytes < end) {
    if (last_batch) throw Lost{"the rebuilt items end before the uploaded parts do"};
    return;
  }
  if (range_sha256_hex(fd_, st_.base, end - st_.base) != st_.mark_digest)
    throw Lost{"the rebuilt bytes differ from the uploaded ones"};
  st_.verify = false;
  host_.info("rebuilt the part in progress of " + st_.key + ": the bytes match the " +
             std::to_string(st_.parts.size()) + " uploaded part(s), going on");
}

Response Upload::complete() const {
  std::string xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const Part& p : st_.parts)
    xml += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" + xml_escape(p.etag) + "</ETag></Part>";
  xml += "</CompleteMultipartUpload>";
  return client_.send(ctx_.call(), "POST", st_.key, {{"uploadId", st_.upload_id}}, {{"content-type", "application/xml"}},
                      Body{-1, 0, xml.size(), xml});
}

void Upload::abort() const {
  if (st_.upload_id.empty()) return;
  const Response r = client_.send(ctx_.call(), "DELETE", st_.key, {{"uploadId", st_.upload_id}}, {}, Body{});
  if (!succeeded(r) && !no_such_upload(r))
    host_.warn("S3 AbortMultipartUpload of " + st_.key + " failed (" + classify("AbortMultipartUpload", r).message +
               "): a lifecycle rule (AbortIncompleteMultipartUpload) removes it later");
}

void Upload::finish() {
  if (st_.parts.empty() && st_.bytes <= cfg_.part_size) {  // fits one part: one PutObject
    const Response r = client_.send(ctx_.call(), "PUT", st_.key, {}, object_headers(), Body{fd_, 0, st_.bytes, {}});
    check("PutObject", r);
    host_.metric_record(metrics_.bytes, static_cast<double>(st_.bytes));
    abort();  // one created by an earlier attempt that never got a part
    st_.upload_id.clear();
    return;
  }
  upload_full_parts();
  if (st_.bytes > st_.uploaded()) upload_part(st_.bytes);  // the last, smaller part
  Response r = complete();
  if (no_such_upload(r)) {
    restart();
    r = complete();
  }
  check("CompleteMultipartUpload", r);
}

}  // namespace sinkhub_s3
