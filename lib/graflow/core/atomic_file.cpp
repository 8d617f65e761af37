#include "graflow/core/atomic_file.hpp"

#include "graflow/core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace graflow {

namespace {

// Writes `content` to a new temporary file beside `path` (mode `mode`, fsynced) and returns
// its name. Throws a failure Error naming `path`.
std::string write_temp(const std::filesystem::path& path, std::string_view content, unsigned mode) {
  std::string buf = path.string() + ".tmp-XXXXXX";
  const int fd = mkstemp(buf.data());
  if (fd < 0) {
    throw failure(fmt::format("cannot write {}: {}", path.string(), errno_text(errno)));
  }
  auto fail = [&](const char* what) {
    const int err = errno;
    close(fd);
    unlink(buf.c_str());
    return failure(fmt::format("cannot write {}: {}: {}", path.string(), what, errno_text(err)));
  };
  if (fchmod(fd, mode) != 0) {
    throw fail("chmod");
  }
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0) {
    throw fail("fsync");
  }
  if (close(fd) != 0) {
    const int err = errno;
    unlink(buf.c_str());
    throw failure(fmt::format("cannot write {}: {}", path.string(), errno_text(err)));
  }
  return buf;
}

} // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view content, unsigned mode) {
  const std::string tmp = write_temp(path, content, mode);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(tmp.c_str());
    throw failure(fmt::format("cannot write {}: {}", path.string(), errno_text(err)));
  }
}

FileSet::~FileSet() { discard(); }

void FileSet::discard() noexcept {
  for (const auto& s : staged_) {
    unlink(s.temp.c_str());
    if (!s.backup.empty()) {
      unlink(s.backup.c_str());
    }
  }
  staged_.clear();
}

void FileSet::stage(const std::filesystem::path& path, std::string_view content, unsigned mode) {
  struct stat st {};
  const bool exists = lstat(path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    throw failure(fmt::format("cannot write {}: it exists and is not a regular file", path.string()));
  }
  Staged s{path, write_temp(path, content, mode), ""};
  if (exists) {
    // A second name for the old file (a hard link: the target never goes missing), so a
    // failed commit can put it back.
    std::string backup;
    for (int n = 0;; ++n) {
      backup = fmt::format("{}.old-{}-{}", path.string(), getpid(), n);
      if (link(path.c_str(), backup.c_str()) == 0) {
        break;
      }
      if (errno != EEXIST || n >= 100) {
        const int err = errno;
        unlink(s.temp.c_str());
        throw failure(fmt::format("cannot write {}: {}", path.string(), errno_text(err)));
      }
    }
    s.backup = std::move(backup);
  }
  staged_.push_back(std::move(s));
}

void FileSet::commit() {
  for (std::size_t i = 0; i < staged_.size(); ++i) {
    if (rename(staged_[i].temp.c_str(), staged_[i].target.c_str()) == 0) {
      continue;
    }
    const int err = errno;
    // Put back what was replaced so far: the old file, or no file where there was none.
    for (std::size_t j = 0; j < i; ++j) {
      const auto& s = staged_[j];
      if (s.backup.empty()) {
        unlink(s.target.c_str());
      } else {
        rename(s.backup.c_str(), s.target.c_str());
      }
      staged_[j].backup.clear();
      staged_[j].temp.clear();
    }
    const std::string target = staged_[i].target.string();
    discard();
    throw failure(fmt::format("cannot write {}: {} (no file was changed)", target, errno_text(err)));
  }
  for (auto& s : staged_) {
    if (!s.backup.empty()) {
      unlink(s.backup.c_str());
    }
  }
  staged_.clear();
}

} // namespace graflow
