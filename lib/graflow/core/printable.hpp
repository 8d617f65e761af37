#pragma once
// Untrusted text (Redis replies, API messages, file contents) made safe to print on a
// terminal: control characters escaped, and cut to a length a person can read.
#include <cstddef>
#include <string>
#include <string_view>

namespace graflow {

// `text` with control characters (C0, DEL, C1 and ESC) and invalid UTF-8 bytes shown as
// \n, \r, \t or \xNN, and cut after `max_chars` characters with "…" when longer.
std::string printable(std::string_view text, std::size_t max_chars = 200);

} // namespace graflow
