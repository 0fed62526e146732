// Small state files: read whole when present, replaced atomically (temp file, fsync, rename, fsync directory).
#pragma once

#include <optional>
#include <string>

#include "common/result.hpp"

namespace mmm {

// nullopt when the file does not exist; Error when it exists but cannot be read.
Result<std::optional<std::string>> read_state_file(const std::string& path);

// Writes `contents` to a temp file beside `path` (mode 0600), fsyncs it, renames it over `path` and fsyncs the
// directory, so a crash leaves either the old or the new file.
Result<void> write_state_file(const std::string& path, const std::string& contents);

}  // namespace mmm
