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

void write_file_atomically(const std::filesystem::path& path, std::string_view content, unsigned mode) {
  const std::string tmp = path.string() + ".tmp-XXXXXX";
  std::string buf = tmp;
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
    unlink(buf.c_str());
    throw failure(fmt::format("cannot write {}: {}", path.string(), errno_text(errno)));
  }
  if (rename(buf.c_str(), path.c_str()) != 0) {
    const int err = errno;
    unlink(buf.c_str());
    throw failure(fmt::format("cannot write {}: {}", path.string(), errno_text(err)));
  }
}

} // namespace graflow
