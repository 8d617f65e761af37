#include "graflow/core/files.hpp"

#include "graflow/core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace graflow::files {
namespace {

// Closes the descriptor on every path out of try_read.
class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

private:
  int fd_;
};

} // namespace

std::string describe_size(std::size_t bytes) {
  if (bytes >= (1U << 20U) && bytes % (1U << 20U) == 0) {
    return fmt::format("{} MiB", bytes >> 20U);
  }
  if (bytes >= 1024 && bytes % 1024 == 0) {
    return fmt::format("{} KiB", bytes >> 10U);
  }
  return fmt::format("{} bytes", bytes);
}

std::optional<std::string> try_read(const std::filesystem::path& path, ReadError& error, std::size_t limit) {
  auto fail = [&](int err, std::string reason) -> std::optional<std::string> {
    error = ReadError{err, std::move(reason)};
    return std::nullopt;
  };
  // O_NONBLOCK: opening a FIFO nobody writes to must not hang; cleared again below.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    return fail(errno, errno_text(errno));
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) {
    return fail(errno, errno_text(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    return fail(EISDIR, "it is a directory");
  }
  const auto too_large = [&] { return fail(EFBIG, fmt::format("it is larger than {}", describe_size(limit))); };
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > limit) {
    return too_large();
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags >= 0) {
    ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  }
  std::string text;
  if (S_ISREG(st.st_mode)) {
    text.reserve(static_cast<std::size_t>(st.st_size));
  }
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(errno, errno_text(errno));
    }
    if (n == 0) {
      break;
    }
    // Devices and pipes report no size: the limit is enforced while reading.
    if (text.size() + static_cast<std::size_t>(n) > limit) {
      return too_large();
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

std::string read_or_throw(const std::filesystem::path& path, const std::string& what, std::size_t limit) {
  ReadError error;
  auto text = try_read(path, error, limit);
  if (!text) {
    throw usage_error(fmt::format("cannot read {} {}: {}", what, path.string(), error.reason));
  }
  return std::move(*text);
}

} // namespace graflow::files
