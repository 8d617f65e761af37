#include "graflow/simulate/traces.hpp"

#include "graflow/core/error.hpp"

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace graflow::simulate {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// What a user would see of a bad field: control characters escaped, cut to 40 characters.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return s.size() > 40 ? out + "..." : out;
}

const char* column_of(TraceKind kind) { return kind == TraceKind::depth ? "depth" : "tasks"; }

} // namespace

Trace parse_trace(std::string_view text, TraceKind kind, std::string_view name) {
  Trace trace;
  trace.kind = kind;
  trace.points.reserve(text.size() / 8);
  const char* want = column_of(kind);
  const char* other = column_of(kind == TraceKind::depth ? TraceKind::arrivals : TraceKind::depth);
  auto bad = [&](std::size_t line, const std::string& what) {
    return usage_error(fmt::format("{}:{}: {}", name, line, what));
  };

  bool first_row = true;
  double first_seconds = 0;
  std::int64_t previous_ms = 0;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    const std::string_view line = trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) {
      continue;
    }
    const std::size_t comma = line.find(',');
    if (comma == std::string_view::npos) {
      throw bad(line_no, fmt::format("expected \"seconds,{}\", got \"{}\"", want, shown(line)));
    }
    const std::string_view a = trim(line.substr(0, comma));
    const std::string_view b = trim(line.substr(comma + 1));
    const char c0 = a.empty() ? '\0' : a.front();
    const bool numeric = (c0 >= '0' && c0 <= '9') || c0 == '-' || c0 == '+' || c0 == '.';
    if (!numeric) {
      if (!first_row) {
        // Only the first line may be a header.
        if (a != "seconds") {
          throw bad(line_no, fmt::format("\"{}\" is not a number of seconds", shown(a)));
        }
        throw bad(line_no, "a header is only allowed on the first line");
      }
      if (a == "seconds" && b == want) {
        continue;
      }
      if (a == "seconds" && b == other) {
        throw bad(line_no, fmt::format("header \"seconds,{}\" is {} trace; {} needs \"seconds,{}\"", other,
                                       kind == TraceKind::depth ? "an arrivals" : "a depth",
                                       kind == TraceKind::depth ? "--depth-trace" : "--arrivals-trace", want));
      }
      throw bad(line_no, fmt::format("expected the header \"seconds,{}\" or a row, got \"{}\"", want, shown(line)));
    }
    double seconds = 0;
    const char* a_begin = a.data() + (c0 == '+' ? 1 : 0);
    auto [ap, aec] = std::from_chars(a_begin, a.data() + a.size(), seconds);
    if (aec != std::errc{} || ap != a.data() + a.size() || !std::isfinite(seconds) || std::fabs(seconds) > 1e10) {
      throw bad(line_no, fmt::format("\"{}\" is not a number of seconds", shown(a)));
    }
    std::int64_t value = 0;
    auto [bp, bec] = std::from_chars(b.data(), b.data() + b.size(), value);
    if (b.empty() || b.front() == '-' || bec != std::errc{} || bp != b.data() + b.size()) {
      throw bad(line_no, fmt::format("{} \"{}\" is not a whole non-negative number", want, shown(b)));
    }
    if (first_row) {
      first_seconds = seconds;
      first_row = false;
    }
    const auto t_ms = static_cast<std::int64_t>(std::llround((seconds - first_seconds) * 1000.0));
    if (!trace.points.empty()) {
      if (kind == TraceKind::depth && t_ms <= previous_ms) {
        throw bad(line_no, fmt::format("time {} is not after the previous row's (a depth trace's times must "
                                       "increase strictly, to the millisecond)",
                                       shown(a)));
      }
      if (kind == TraceKind::arrivals && t_ms < previous_ms) {
        throw bad(line_no, fmt::format("time {} is before the previous row's (an arrivals trace's times must not "
                                       "decrease)",
                                       shown(a)));
      }
    }
    if (kind == TraceKind::arrivals && !trace.points.empty() && t_ms == previous_ms) {
      if (trace.points.back().value > INT64_MAX - value) {
        throw bad(line_no, "too many tasks at one time");
      }
      trace.points.back().value += value;
    } else {
      trace.points.push_back({t_ms, value});
    }
    previous_ms = t_ms;
  }
  if (trace.points.empty()) {
    throw usage_error(fmt::format("{}: no rows (expected \"seconds,{}\" lines)", name, want));
  }
  return trace;
}

Trace read_trace(const std::filesystem::path& path, TraceKind kind) {
  const std::string name = path.string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw usage_error(fmt::format("cannot read {}: {}", name, errno_text(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw usage_error(fmt::format("cannot read {}: not a regular file", name));
  }
  if (static_cast<std::uintmax_t>(st.st_size) > k_max_trace_bytes) {
    ::close(fd);
    throw usage_error(fmt::format("{} is {} MiB; traces are limited to {} MiB", name, st.st_size >> 20,
                                  k_max_trace_bytes >> 20));
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int e = errno;
      ::close(fd);
      throw usage_error(fmt::format("cannot read {}: {}", name, n == 0 ? "file shrank while reading" : errno_text(e)));
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return parse_trace(text, kind, name);
}

std::int64_t depth_at(const Trace& trace, std::int64_t t_ms) {
  auto it = std::upper_bound(trace.points.begin(), trace.points.end(), t_ms,
                             [](std::int64_t t, const TracePoint& p) { return t < p.t_ms; });
  if (it == trace.points.begin()) {
    return 0;
  }
  return std::prev(it)->value;
}

} // namespace graflow::simulate
