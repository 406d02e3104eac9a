// The file sink's destination protocol: a delivery's bytes go to a hidden temp file next to
// the final path (".<name>.<deliveryId>.tmp"), appended and synced batch by batch, and the
// last batch renames it onto the final path and syncs the directory, so the final path only
// ever holds a whole file. The checkpoint (State) says how far the temp file is committed.
// Failures are classified by errno: a directory we may not write is FATAL, the rest RETRY.
#pragma once

#include <sinkhub/sink.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "spool.hpp"

namespace sinkhub_file {

/// What a delivery has written so far: persisted as its checkpoint after every call.
struct State {
  std::string final_path, tmp_path;
  std::uint64_t bytes = 0, items = 0;

  std::string encode() const;
  /// Reads a checkpoint of this or an earlier version of the sink; nullopt with `why` when
  /// the blob is not one.
  static std::optional<State> decode(std::string_view blob, std::string& why);
};

/// The hidden temp file of `final_path` for one delivery.
std::string tmp_path_for(const std::string& final_path, std::string_view delivery_id);

/// open(): creates the root directory (FATAL when it cannot be written at all).
sinkhub::Outcome create_root(const std::string& dir);

/// Opens the delivery's temp file for this call: a new one on its first batch, else the one
/// of the checkpoint, cut to its committed length (rebuilt from the final file when a lost
/// commit of the last call had renamed it already). The outcome to answer on failure.
std::optional<sinkhub::Outcome> open_temp(const sinkhub::Context& ctx, const State& st, sinkhub_kit::Spool& spool);

/// The last batch: the temp file becomes the final file, durably.
std::optional<sinkhub::Outcome> publish(const State& st);

}  // namespace sinkhub_file
