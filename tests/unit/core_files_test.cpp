// core/files: whole-file reads with a size limit, and the errors a user sees.
#include "graflow/core/error.hpp"
#include "graflow/core/files.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace graflow;
using graflow::testing::TempDir;
using graflow::testing::write_text;

namespace {
std::string usage_message(const std::filesystem::path& path, std::size_t limit = files::k_default_limit) {
  try {
    files::read_or_throw(path, "config file", limit);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::usage);
    return e.what();
  }
  FAIL("no error thrown");
  return "";
}
} // namespace

TEST_CASE("read_or_throw reads a whole file, binary-safe") {
  TempDir dir;
  const std::string content = std::string("a\0b\nc", 5) + std::string(200000, 'x');
  write_text(dir / "f", content);
  CHECK(files::read_or_throw(dir / "f", "config file") == content);
  write_text(dir / "empty", "");
  CHECK(files::read_or_throw(dir / "empty", "config file").empty());
}

TEST_CASE("read_or_throw names the file and the cause") {
  TempDir dir;
  CHECK(usage_message(dir / "missing") == "cannot read config file " + (dir / "missing").string() +
                                              ": No such file or directory");
  CHECK(usage_message(dir.path()) == "cannot read config file " + dir.path().string() + ": it is a directory");
  write_text(dir / "big", std::string(2048, 'x'));
  CHECK(usage_message(dir / "big", 1024) == "cannot read config file " + (dir / "big").string() +
                                                ": it is larger than 1 KiB");
  if (geteuid() != 0) { // root reads anything
    write_text(dir / "secret", "x");
    chmod((dir / "secret").c_str(), 0);
    CHECK(usage_message(dir / "secret") == "cannot read config file " + (dir / "secret").string() +
                                               ": Permission denied");
  }
}

TEST_CASE("a device without a size is cut at the limit, not read to the end") {
  files::ReadError error;
  CHECK_FALSE(files::try_read("/dev/zero", error, 1U << 20U).has_value());
  CHECK(error.error == EFBIG);
  CHECK(error.reason == "it is larger than 1 MiB");
  CHECK(usage_message("/dev/zero") == "cannot read config file /dev/zero: it is larger than 16 MiB");
}

TEST_CASE("a FIFO nobody writes to does not hang the read") {
  TempDir dir;
  REQUIRE(mkfifo((dir / "fifo").c_str(), 0600) == 0);
  files::ReadError error;
  const auto text = files::try_read(dir / "fifo", error);
  REQUIRE(text.has_value()); // no writer: EOF at once
  CHECK(text->empty());
}

TEST_CASE("describe_size") {
  CHECK(files::describe_size(16U << 20U) == "16 MiB");
  CHECK(files::describe_size(512 * 1024) == "512 KiB");
  CHECK(files::describe_size(100) == "100 bytes");
}
