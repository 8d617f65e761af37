// core/files: whole-file reads with a size limit, and the errors a user sees.
#include "graflow/core/error.hpp"
#include "graflow/core/files.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>

using namespace graflow;
using graflow::testing::TempDir;
using graflow::testing::read_text;
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

namespace {
std::map<std::string, std::string> listing(const std::filesystem::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    files[e.path().filename().string()] =
        e.is_regular_file() ? graflow::testing::read_text(e.path()) : std::string("<dir>");
  }
  return files;
}
} // namespace

TEST_CASE("FileSet: every file replaced on commit; nothing before it; nothing staged left when dropped") {
  TempDir dir;
  write_text(dir / "a", "old a\n");
  {
    FileSet set;
    set.stage(dir / "a", "new a\n");
    set.stage(dir / "b", "new b\n");
    CHECK(read_text(dir / "a") == "old a\n");
    CHECK_FALSE(std::filesystem::exists(dir / "b"));
    // Dropped without commit: as before, with no temporary or backup file left.
  }
  CHECK(listing(dir.path()) == std::map<std::string, std::string>{{"a", "old a\n"}});
  FileSet set;
  set.stage(dir / "a", "new a\n");
  set.stage(dir / "b", "new b\n");
  set.commit();
  CHECK(listing(dir.path()) == std::map<std::string, std::string>{{"a", "new a\n"}, {"b", "new b\n"}});
}

TEST_CASE("FileSet: a rename failing half-way puts back every file already replaced") {
  TempDir dir;
  write_text(dir / "1", "old 1\n");
  write_text(dir / "2", "old 2\n");
  FileSet set;
  set.stage(dir / "1", "new 1\n");
  set.stage(dir / "2", "new 2\n");
  set.stage(dir / "3", "new 3\n"); // no old file: must be gone again
  set.stage(dir / "4", "new 4\n");
  // After staging, the last target turns into a non-empty directory: its rename fails.
  std::filesystem::create_directories(dir / "4" / "x");
  std::string message;
  try {
    set.commit();
  } catch (const Error& e) {
    CHECK(e.code() == Exit::failure);
    message = e.what();
  }
  CHECK(message == "cannot write " + (dir / "4").string() + ": Is a directory (no file was changed)");
  CHECK(listing(dir.path()) ==
        std::map<std::string, std::string>{{"1", "old 1\n"}, {"2", "old 2\n"}, {"4", "<dir>"}});
}

TEST_CASE("FileSet: a target that is a directory is refused when staged") {
  TempDir dir;
  std::filesystem::create_directories(dir / "d");
  FileSet set;
  CHECK_THROWS_WITH_AS(set.stage(dir / "d", "x"),
                       ("cannot write " + (dir / "d").string() + ": it exists and is not a regular file").c_str(),
                       Error);
}
