// Reading a small file that someone else named (a config file, a ${file:...} secret) without
// ever blocking or reading without end: only regular files are read, never a FIFO, socket,
// device, directory or kernel pseudo-file (/proc, /sys), and never more than a cap.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace sinkhub::util {

// The whole file, or nullopt with `why` set to what is wrong ("a directory, not a regular
// file", "larger than 65536 bytes", "No such file or directory"). Symlinks are followed and the
// file they lead to is what is checked. `why` never holds the file's content.
std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes, std::string& why);

}  // namespace sinkhub::util
