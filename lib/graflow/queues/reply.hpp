#pragma once
// An owned Redis reply and the seam that sends a pipelined batch of commands. The layout
// logic (layouts.hpp) only ever sees Reply values, so it is tested with replies built by hand
// and run against a real server through any CommandRunner.
#include <string>
#include <vector>

namespace graflow::queues {

struct Reply {
  enum class Type { nil, integer, string, status, error, array, dbl };
  Type type = Type::nil;
  long long integer = 0;
  std::string str; // string, status, error, and a double's text
  std::vector<Reply> elements;

  [[nodiscard]] bool is_nil() const { return type == Type::nil; }
  [[nodiscard]] bool is_error() const { return type == Type::error; }
  [[nodiscard]] bool is_integer() const { return type == Type::integer; }
  [[nodiscard]] bool is_string() const { return type == Type::string || type == Type::status; }
  [[nodiscard]] bool is_array() const { return type == Type::array; }

  // Builders, for the runner and for tests.
  static Reply nil() { return {}; }
  static Reply of(long long n) {
    Reply r;
    r.type = Type::integer;
    r.integer = n;
    return r;
  }
  static Reply of(std::string s) {
    Reply r;
    r.type = Type::string;
    r.str = std::move(s);
    return r;
  }
  static Reply error(std::string s) {
    Reply r;
    r.type = Type::error;
    r.str = std::move(s);
    return r;
  }
  static Reply array(std::vector<Reply> items) {
    Reply r;
    r.type = Type::array;
    r.elements = std::move(items);
    return r;
  }
};

using Command = std::vector<std::string>;

class CommandRunner {
public:
  virtual ~CommandRunner() = default;
  // Sends every command in one pipelined round trip and returns one reply per command, in
  // order; a command that fails yields an error Reply. Throws a failure Error on I/O errors.
  virtual std::vector<Reply> pipeline(const std::vector<Command>& commands) = 0;
};

} // namespace graflow::queues
