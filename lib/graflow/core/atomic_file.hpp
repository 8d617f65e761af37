#pragma once
#include <filesystem>
#include <string_view>

namespace graflow {

// Writes `content` to `path` so that readers see either the old file or the whole new one:
// a temporary file in the same directory, fsync, then rename. `mode` applies from creation
// (0600 for anything holding secrets). Throws a failure Error naming the path.
void write_file_atomically(const std::filesystem::path& path, std::string_view content, unsigned mode = 0644);

} // namespace graflow
