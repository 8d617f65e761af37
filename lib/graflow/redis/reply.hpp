#pragma once
// One Redis reply as an owned value, copied out of hiredis's reader, so callers never hold
// hiredis objects.
#include <string>
#include <vector>

namespace graflow::redis {

struct Reply {
  enum class Type { string, array, integer, nil, status, error };
  Type type = Type::nil;
  long long integer = 0;       // integer replies
  std::string str;             // string, status and error replies
  std::vector<Reply> elements; // array replies

  [[nodiscard]] bool is_error() const { return type == Type::error; }
};

// "an integer", "a bulk string", ...: for messages about unexpected replies.
const char* describe(Reply::Type type);

// One command as its arguments, e.g. {"LLEN", "graflow:queue"}.
using Command = std::vector<std::string>;

} // namespace graflow::redis
