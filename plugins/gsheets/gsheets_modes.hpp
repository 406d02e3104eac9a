// What one deliver() call does in each mode, with the Writer's steps (gsheets_writer.hpp).
// Each returns how many items of `batch` (from its first) are at Google, and leaves the State
// to checkpoint; failures are Failure exceptions.
//
//   append   the rows go below the rows already there (gsheets_append.cpp)
//   replace  the rows go to a hidden staging tab; the last call swaps it into the target in
//            one atomic batchUpdate (gsheets_replace.cpp)
//   upsert   rows whose key cell matches are rewritten in place, the others appended; the key
//            column is read once per delivery (gsheets_upsert.cpp)
#pragma once

#include <sinkhub/sink.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "gsheets_writer.hpp"

namespace sinkhub_gsheets {

std::uint64_t append_call(Writer& w, const sinkhub::Batch& batch);

/// The staging tab's title for a delivery: the same on every attempt, so a resumed delivery
/// finds it.
std::string staging_title(std::string_view delivery_id, std::string_view run_id);
std::uint64_t replace_call(Writer& w, const sinkhub::Batch& batch);

/// upsert's view of the key column: key text -> row, valid for the State it was built for
/// (seq and row) as long as the previous batch's marker is where that State expects it (rows
/// inserted or deleted above it move it, and the column is read again).
struct KeyIndex {
  std::uint64_t seq = 0, end_row = 0;
  std::unordered_map<std::string, std::uint64_t> rows;
};

/// The key indexes of the deliveries an instance is writing (a few at most: one writer per
/// tab), kept between their calls so that the key column is read once per delivery.
class KeyIndexCache {
 public:
  std::shared_ptr<KeyIndex> get(const std::string& delivery_id);
  void put(const std::string& delivery_id, std::shared_ptr<KeyIndex> index);
  void drop(const std::string& delivery_id);

 private:
  static constexpr std::size_t kMaxEntries = 4;
  std::mutex mu_;
  std::list<std::pair<std::string, std::shared_ptr<KeyIndex>>> entries_;  // most recent first
};

std::uint64_t upsert_call(Writer& w, const sinkhub::Batch& batch, KeyIndexCache& cache);

}  // namespace sinkhub_gsheets
