#pragma once
// Output formats shared by every command (text for people, json/yaml for scripts), and the
// checked stdout every command writes to: a failed write is an error, never a short file.
#include <nlohmann/json.hpp>

#include <iosfwd>
#include <streambuf>
#include <string>
#include <string_view>

namespace graflow {

enum class Format { text, json, yaml };

// "text", "json" or "yaml"; anything else is a usage Error.
Format parse_format(std::string_view name);

// Writes `doc` as pretty JSON (2 spaces) or block YAML, followed by a newline.
void write_structured(std::ostream& out, const nlohmann::ordered_json& doc, Format format);

// A buffered stream buffer over a file descriptor that remembers why a write failed (the
// errno), so "writing to stdout: No space left on device" can be said; std::cout's cannot.
class FdOutBuf final : public std::streambuf {
public:
  explicit FdOutBuf(int fd);
  ~FdOutBuf() override;
  FdOutBuf(const FdOutBuf&) = delete;
  FdOutBuf& operator=(const FdOutBuf&) = delete;

  // The errno of the first failed write, or 0.
  [[nodiscard]] int error() const { return error_; }

protected:
  int_type overflow(int_type ch) override;
  int sync() override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;

private:
  bool drain();
  bool write_all(const char* data, std::size_t size);

  int fd_;
  int error_ = 0;
  char buffer_[8192];
};

// Makes every failed write to `out` throw at once (badbit exceptions), so a loop that prints
// (--watch, --hold progress) ends on the first lost line instead of running on blind.
void throw_on_failed_writes(std::ostream& out);

// The one-line reason a write to `out` failed, for "writing to <name>: <reason>": the errno
// text when `out` is on an FdOutBuf, else a generic sentence.
std::string write_failure(std::ostream& out, std::string_view name);

// Flushes `out` and throws a failure Error "writing to <name>: <reason>" when any write to
// it failed (also with exceptions off).
void check_written(std::ostream& out, std::string_view name);

} // namespace graflow
