#pragma once
// One Redis reply as an owned value, copied out of hiredis's reader, so callers never hold
// hiredis objects. Debian 12's hiredis 0.14 speaks RESP2 only: no double, map or set replies.
#include <string>
#include <utility>
#include <vector>

namespace graflow::redis {

struct Reply {
  enum class Type { string, array, integer, nil, status, error };
  Type type = Type::nil;
  long long integer = 0;       // integer replies
  std::string str;             // string, status and error replies
  std::vector<Reply> elements; // array replies
  // An error made by graflowctl, not sent by a server: no node could be asked (a Cluster
  // node that is down). `str` says why; readers make what it was for unknown, not fatal.
  bool unavailable = false;

  [[nodiscard]] bool is_nil() const { return type == Type::nil; }
  [[nodiscard]] bool is_error() const { return type == Type::error; }
  [[nodiscard]] bool is_integer() const { return type == Type::integer; }
  // A bulk string or a status ("OK", TYPE's "list"): both carry their text in `str`.
  [[nodiscard]] bool is_string() const { return type == Type::string || type == Type::status; }
  [[nodiscard]] bool is_array() const { return type == Type::array; }

  // A nil reply (a missing key's GET).
  static Reply nil() { return {}; }
  // An integer reply.
  static Reply of(long long n) {
    Reply r;
    r.type = Type::integer;
    r.integer = n;
    return r;
  }
  // A bulk string reply.
  static Reply of(std::string s) {
    Reply r;
    r.type = Type::string;
    r.str = std::move(s);
    return r;
  }
  // An error reply with the server's message, e.g. "WRONGTYPE Operation against ...".
  static Reply error(std::string message) {
    Reply r;
    r.type = Type::error;
    r.str = std::move(message);
    return r;
  }
  // The reply to a command no server could be asked, with the reason (see `unavailable`).
  static Reply unavailable_because(std::string reason) {
    Reply r = error(std::move(reason));
    r.unavailable = true;
    return r;
  }
  // An array reply of `items`.
  static Reply array(std::vector<Reply> items) {
    Reply r;
    r.type = Type::array;
    r.elements = std::move(items);
    return r;
  }
};

// "an integer", "a bulk string", ...: for messages about unexpected replies.
const char* describe(Reply::Type type);

// One command as its arguments, e.g. {"LLEN", "graflow:queue"}.
using Command = std::vector<std::string>;

} // namespace graflow::redis
