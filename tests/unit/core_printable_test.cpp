#include "graflow/core/printable.hpp"

#include <doctest/doctest.h>
#include <string>

using graflow::printable;

TEST_CASE("printable escapes control characters and ANSI escapes") {
  CHECK(printable("ERR unknown command") == "ERR unknown command");
  CHECK(printable("a\nb\r\tc") == "a\\nb\\r\\tc");
  CHECK(printable("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(printable(std::string("nul\0byte", 8)) == "nul\\x00byte");
  CHECK(printable("del\x7f") == "del\\x7f");
  CHECK(printable("caf\xc3\xa9 \xe2\x9c\x93") == "caf\xc3\xa9 \xe2\x9c\x93"); // UTF-8 kept
  CHECK(printable("\xc2\x9b" "31m") == "\\xc2\\x9b31m");                       // C1 CSI escaped
  CHECK(printable("bad \xff\xfe utf8 \xe2\x9c") == "bad \\xff\\xfe utf8 \\xe2\\x9c");
}

TEST_CASE("printable cuts long text to a readable length") {
  const std::string long_text(500, 'x');
  const std::string cut = printable(long_text, 10);
  CHECK(cut == "xxxxxxxxxx…");
  CHECK(printable(long_text).size() == 200 + std::string("…").size());
  CHECK(printable("exactly10!", 10) == "exactly10!");
  CHECK(printable("\n\n\n", 2) == "\\n\\n…"); // an escape counts as one character
}
