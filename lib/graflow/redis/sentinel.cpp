#include "graflow/redis/sentinel.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/core/printable.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace graflow::redis {
namespace {

std::string list_nodes(const std::vector<HostPort>& nodes) {
  std::string list;
  for (const HostPort& n : nodes) {
    list += (list.empty() ? "" : ",") + n.endpoint();
  }
  return list;
}

bool same(const HostPort& a, const HostPort& b) { return a.host == b.host && a.port == b.port; }

} // namespace

Address sentinel_node(const Address& address, std::size_t index) {
  Address a;
  a.host = address.nodes.at(index).host;
  a.port = address.nodes.at(index).port;
  a.user = address.sentinel_user;
  a.password = address.sentinel_password;
  a.tls = address.tls;
  return a;
}

Address master_node(const Address& address, const HostPort& at) {
  Address a;
  a.host = at.host;
  a.port = at.port;
  a.user = address.user;
  a.password = address.password;
  a.db = address.db;
  a.tls = address.tls;
  return a;
}

std::optional<HostPort> parse_master_addr(const Reply& reply, const std::string& sentinel) {
  if (reply.is_nil()) {
    return std::nullopt;
  }
  if (reply.is_error()) {
    if (reply.str.rfind("NOAUTH", 0) == 0) {
      throw failure(fmt::format("sentinel {} requires a password: {} (give --redis-sentinel-password-file or "
                                "$GRAFLOW_REDIS_SENTINEL_PASSWORD)",
                                sentinel, printable(reply.str)));
    }
    throw failure(fmt::format("sentinel {} refused SENTINEL get-master-addr-by-name: {}", sentinel, printable(reply.str)));
  }
  int port = 0;
  if (reply.is_array() && reply.elements.size() == 2 && reply.elements[0].is_string() &&
      !reply.elements[0].str.empty() && reply.elements[1].is_string()) {
    const std::string& p = reply.elements[1].str;
    const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec == std::errc() && end == p.data() + p.size() && port > 0 && port < 65536) {
      return HostPort{reply.elements[0].str, port};
    }
  }
  throw failure(fmt::format("sentinel {} answered SENTINEL get-master-addr-by-name with {}, not [host, port]", sentinel,
                            describe(reply.type)));
}

std::string parse_role(const Reply& reply, const std::string& node) {
  if (reply.is_error()) {
    throw failure(fmt::format("Redis at {} refused ROLE: {}", node, printable(reply.str)));
  }
  if (!reply.is_array() || reply.elements.empty() || !reply.elements[0].is_string()) {
    throw failure(fmt::format("Redis at {} answered ROLE with {}, not a role", node, describe(reply.type)));
  }
  return reply.elements[0].str;
}

SentinelStore::SentinelStore(Address address, std::chrono::milliseconds timeout, int cancel_fd)
    : address_(std::move(address)), timeout_(timeout), cancel_fd_(cancel_fd) {
  if (address_.nodes.empty() || address_.master_name.empty()) {
    throw usage_error("a redis+sentinel:// URL needs at least one sentinel and a master name");
  }
}

SentinelStore::~SentinelStore() = default;

std::string SentinelStore::endpoint() const {
  if (master_at_ && confirmed_) {
    return fmt::format("master {} at {} (via sentinels {})", address_.master_name, master_at_->endpoint(),
                       list_nodes(address_.nodes));
  }
  return address_.endpoint();
}

std::optional<TlsInfo> SentinelStore::tls_info() const {
  return master_ ? master_->tls_info() : std::nullopt;
}

std::optional<HostPort> SentinelStore::master() const {
  return confirmed_ ? master_at_ : std::nullopt;
}

std::string SentinelStore::sentinel() const {
  return sentinel_ ? address_.nodes[sentinel_index_].endpoint() : std::string();
}

// Tries the sentinels in turn, starting with the one that answered last. The whole lookup
// shares one deadline, the timeout from when it began: each connect and each answer gets
// only what is left of it, so sentinels that stall or fail late cost one timeout in all,
// not one each. The next request starts after one that failed, so a sentinel that hangs is
// not asked first again.
HostPort SentinelStore::ask_sentinels() {
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  const std::size_t n = address_.nodes.size();
  const Command ask{"SENTINEL", "get-master-addr-by-name", address_.master_name};
  std::vector<std::string> reasons;
  std::size_t unknown = 0;
  const std::size_t first = sentinel_index_;
  for (std::size_t tried = 0; tried < n; ++tried) {
    const std::size_t i = (first + tried) % n;
    if (tried > 0 && left() <= std::chrono::milliseconds(0)) {
      reasons.push_back(fmt::format("{} not asked: out of time", address_.nodes[i].endpoint()));
      break;
    }
    const std::string name = address_.nodes[i].endpoint();
    try {
      if (!sentinel_ || i != sentinel_index_ || !sentinel_->usable()) {
        sentinel_.reset();
        sentinel_ = std::make_unique<Connection>(sentinel_node(address_, i),
                                                 std::max(left(), std::chrono::milliseconds(1)), cancel_fd_);
        sentinel_index_ = i;
      }
      const std::vector<Reply> replies = sentinel_->pipeline_until({ask}, "asking for the master", deadline);
      if (const auto at = parse_master_addr(replies.at(0), name)) {
        log::debug(2, "sentinel {} names {} as master {}", name, at->endpoint(), address_.master_name);
        return *at;
      }
      ++unknown;
      reasons.push_back(fmt::format("{} does not know it", name));
    } catch (const Error& e) {
      if (e.code() == Exit::interrupted) {
        throw;
      }
      reasons.emplace_back(e.what());
    }
    sentinel_.reset();
    sentinel_index_ = (i + 1) % n;
  }
  if (unknown == n) {
    throw failure(fmt::format("no sentinel knows master {} (asked {})", address_.master_name,
                              list_nodes(address_.nodes)));
  }
  std::string joined;
  for (const auto& r : reasons) {
    joined += (joined.empty() ? "" : "; ") + r;
  }
  throw failure(fmt::format("no sentinel named master {}: {}", address_.master_name, joined));
}

std::vector<Reply> SentinelStore::pipeline(const std::vector<Command>& commands, const char* doing) {
  confirmed_ = false;
  const HostPort at = ask_sentinels();
  if (!master_at_ || !same(*master_at_, at) || !master_ || !master_->usable()) {
    if (master_at_ && !same(*master_at_, at)) {
      log::debug(1, "the sentinels now name {} as master {} (was {})", at.endpoint(), address_.master_name,
                 master_at_->endpoint());
    }
    master_.reset(); // never read a node the sentinels no longer name
    master_at_ = at;
    master_ = std::make_unique<Connection>(master_node(address_, at), timeout_, cancel_fd_);
  }
  std::vector<Command> with_role;
  with_role.reserve(commands.size() + 1);
  with_role.push_back({"ROLE"});
  with_role.insert(with_role.end(), commands.begin(), commands.end());
  std::vector<Reply> replies;
  try {
    replies = master_->pipeline(with_role, doing);
  } catch (const Error&) {
    master_.reset();
    throw;
  }
  const std::string role = parse_role(replies.at(0), at.endpoint());
  if (role != "master") {
    master_.reset();
    throw failure(fmt::format("Redis at {} is not the master of {} (ROLE says {}) though sentinel {} names it: no "
                              "master confirmed (a failover may be under way)",
                              at.endpoint(), address_.master_name, printable(role, 40), sentinel()));
  }
  confirmed_ = true;
  replies.erase(replies.begin());
  return replies;
}

} // namespace graflow::redis
