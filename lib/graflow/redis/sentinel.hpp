#pragma once
// Redis Sentinel (DESIGN.md §5a): the master a set of sentinels names, re-confirmed at every
// request. After a failover the old master can answer as master for seconds, so each
// pipeline() first asks a sentinel where the master is (one cheap round trip) and sends ROLE
// in front of the caller's commands: a node the sentinels no longer name is never read, and
// a node that is not (yet, or any more) a master gives no replies, only a failure.
#include "graflow/redis/store.hpp"
#include "graflow/redis/url.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace graflow::redis {

// The address of sentinel number `index` of a sentinel `address`: the sentinel credentials
// (--redis-sentinel-user / --redis-sentinel-password-file), the same TLS settings, db 0.
Address sentinel_node(const Address& address, std::size_t index);

// The address of the master at `at` for a sentinel `address`: the URL's credentials and db,
// the same TLS settings, a single node.
Address master_node(const Address& address, const HostPort& at);

// The master's address in a reply to SENTINEL get-master-addr-by-name: nullopt for nil (the
// sentinel does not know that master). Throws a failure Error, naming `sentinel`, for an
// error reply or anything that is not [host, port].
std::optional<HostPort> parse_master_addr(const Reply& reply, const std::string& sentinel);

// The role in a reply to ROLE ("master", "slave", "sentinel"). Throws a failure Error,
// naming `node`, for an error reply or anything that is not an array starting with a string.
std::string parse_role(const Reply& reply, const std::string& node);

class SentinelStore final : public QueueStore {
public:
  // Remembers `address` (mode sentinel); connects lazily, at the first pipeline(). `timeout`
  // bounds each connect and each reply; a readable `cancel_fd` (-1: none) ends a wait with
  // an interrupted Error.
  SentinelStore(Address address, std::chrono::milliseconds timeout, int cancel_fd = -1);
  ~SentinelStore() override;
  SentinelStore(const SentinelStore&) = delete;
  SentinelStore& operator=(const SentinelStore&) = delete;

  // Asks a sentinel for the master, then sends ROLE and `commands` to it in one round trip;
  // returns the replies to `commands` only when ROLE says master. Throws a failure Error
  // when no sentinel names the master, the named node cannot be reached or is not a master.
  std::vector<Reply> pipeline(const std::vector<Command>& commands, const char* doing) override;
  // "master M at h:p (via sentinels h:p,h:p)", or "master M via sentinels ..." before the
  // first answer; never a password.
  [[nodiscard]] std::string endpoint() const override;

  // The TLS facts of the connection to the master, or nullopt (plaintext, none yet).
  [[nodiscard]] std::optional<TlsInfo> tls_info() const override;
  // The master confirmed by the last successful pipeline(), nullopt before one.
  [[nodiscard]] std::optional<HostPort> master() const;
  // The sentinel that answered last ("h:p"), empty before one did.
  [[nodiscard]] std::string sentinel() const;

private:
  HostPort ask_sentinels();

  Address address_;
  std::chrono::milliseconds timeout_;
  int cancel_fd_;
  std::unique_ptr<Connection> sentinel_; // the one that answered last
  std::size_t sentinel_index_ = 0;       // its index in address_.nodes
  std::unique_ptr<Connection> master_;
  std::optional<HostPort> master_at_; // where master_ is connected
  bool confirmed_ = false;            // master_at_ answered ROLE master last time
};

} // namespace graflow::redis
