#include "graflow/core/time.hpp"

#include <sstream>

// date.h's from_stream leaves a seconds variable unset on paths that then fail, which GCC
// 12 at -O2 reports as maybe-uninitialized (inlined into parse_rfc3339 below).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <date/date.h>

namespace graflow::time {

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text) {
  std::string s(text);
  // date::parse wants the upper-case separators; RFC 3339 §5.6 allows either case.
  if (s.size() > 10 && s[10] == 't') {
    s[10] = 'T';
  }
  const bool zulu = !s.empty() && (s.back() == 'Z' || s.back() == 'z');
  if (zulu) {
    s.pop_back();
  }
  std::istringstream in(s);
  date::sys_time<std::chrono::nanoseconds> tp{};
  if (zulu) {
    in >> date::parse("%FT%T", tp);
  } else {
    // RFC 3339 offsets are exactly ±hh:mm; date's %Ez would also take "+01".
    if (s.size() < 6 || (s[s.size() - 6] != '+' && s[s.size() - 6] != '-') || s[s.size() - 3] != ':') {
      return std::nullopt;
    }
    std::chrono::minutes offset{};
    in >> date::parse("%FT%T%Ez", tp, offset);
  }
  // Nothing may follow (an offset after 'Z', a second offset, trailing junk).
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(tp);
}

#pragma GCC diagnostic pop

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
  return date::format("%FT%TZ", std::chrono::floor<std::chrono::seconds>(t));
}

} // namespace graflow::time
