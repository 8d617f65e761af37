#pragma once
#include <filesystem>
#include <string_view>

namespace graflow {

// Writes `content` to `path` so that readers see either the old file or the whole new one:
// a temporary file in the same directory, fsync, then rename. `mode` applies from creation
// (0600 for anything holding secrets). Throws a failure Error naming the path.
void write_file_atomically(const std::filesystem::path& path, std::string_view content, unsigned mode = 0644);

} // namespace graflow

#include <string>
#include <vector>

namespace graflow {

// Files replaced together, all or none (`render --out-dir`): stage() writes each one as a
// temporary file beside its target (fsynced) and links the old file aside; commit() renames
// them into place, and puts every old file back if a rename fails. Until commit() the
// targets are untouched; an uncommitted set removes what it staged when destroyed.
class FileSet {
public:
  FileSet() = default;
  ~FileSet();
  FileSet(const FileSet&) = delete;
  FileSet& operator=(const FileSet&) = delete;

  // Stages `content` for `path`. Throws a failure Error naming the path (and removes
  // nothing of the targets) when it cannot be written, or when `path` is not a file.
  void stage(const std::filesystem::path& path, std::string_view content, unsigned mode = 0644);
  // Moves every staged file into place, or throws a failure Error with the old files back.
  void commit();

private:
  struct Staged {
    std::filesystem::path target;
    std::string temp;   // the new content, beside the target
    std::string backup; // a hard link to the old file; empty when there was none
  };
  void discard() noexcept;
  std::vector<Staged> staged_;
};

} // namespace graflow
