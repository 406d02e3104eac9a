// The sink kit's one checkpoint codec: what a sink stages with checkpoint_save between the
// calls of a delivery, as a kind and format version plus named fields, in JSON text:
//   {"v":"s3/2","key":"runs/a.jsonl","upload_id":"x","bytes":123,"items":4,"parts":[[1,0,5242880,"\"e\""]]}
// Text fields are kept byte for byte (a path or an ETag need not be UTF-8), counts are
// unsigned integers, records are arrays of values (compact enough for 10,000 S3 parts).
//
// decode() also reads the formats the sinks wrote before this codec, so a delivery half done
// before an upgrade resumes after it (every field then reads as in the new format):
//   "sinkhub-<kind>/<n>\n" then "name=value\n" lines  (file sink 1.x: version n, text values)
//   a JSON object with an integer "v"                (s3 sink 1.x: version v)
//   a JSON object without "v"                        (slack sink 1.x: version 1)
#pragma once

#include <sinkhub/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sinkhub_kit {

/// A blob that is not a checkpoint of this kind, or a field that is missing or mistyped.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Checkpoint {
 public:
  Checkpoint(std::string kind, unsigned version) : kind_(std::move(kind)), version_(version) {}

  /// Reads a blob staged by a sink of `kind` with a format version up to `max_version`.
  static Checkpoint decode(std::string_view blob, std::string_view kind, unsigned max_version);
  std::string encode() const;

  const std::string& kind() const { return kind_; }
  unsigned version() const { return version_; }
  bool has(std::string_view name) const { return fields_.find(name) != nullptr; }

  Checkpoint& set_text(std::string_view name, std::string_view text);
  Checkpoint& set_count(std::string_view name, std::uint64_t n);
  Checkpoint& set_flag(std::string_view name, bool b);
  Checkpoint& set_texts(std::string_view name, const std::vector<std::string>& list);
  Checkpoint& set_value(std::string_view name, sinkhub::json::Value v);

  /// Typed reads; a missing or mistyped field throws CheckpointError naming it.
  std::string text(std::string_view name) const;
  std::uint64_t count(std::string_view name) const;
  /// `absent` when the field is missing.
  bool flag(std::string_view name, bool absent) const;
  /// An empty list when the field is missing.
  std::vector<std::string> texts(std::string_view name) const;
  const sinkhub::json::Value& value(std::string_view name) const;

  /// Typed reads of one element of a record (an array value), naming `field` in errors.
  static std::string text_at(const sinkhub::json::Value& record, std::size_t i, std::string_view field);
  static std::uint64_t count_at(const sinkhub::json::Value& record, std::size_t i, std::string_view field);

 private:
  static Checkpoint decode_lines(std::string_view blob, std::string_view kind);
  void set(std::string_view name, sinkhub::json::Value v);

  std::string kind_;
  unsigned version_;
  sinkhub::json::Value fields_ = sinkhub::json::Value::object();
  bool text_counts_ = false;  // read from the line format: counts are decimal text
};

}  // namespace sinkhub_kit
