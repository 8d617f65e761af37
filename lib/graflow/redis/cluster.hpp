#pragma once
// Redis Cluster behind the QueueStore seam (DESIGN.md §5a): the slot map from CLUSTER SHARDS
// (CLUSTER SLOTS before Redis 7) of any node that answers, each command routed by its key's
// hash slot, one pipelined round trip per node with all nodes in parallel, MOVED followed
// after a map refresh and ASK followed once with ASKING. A node that cannot be reached does
// not fail the batch: its commands get unavailable replies (Reply::unavailable), so only
// the queues it holds become unknown.
#include "graflow/redis/store.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace graflow::redis {

inline constexpr int cluster_slots = 16384;

// The hash slot of `key` as Redis Cluster computes it: CRC16 (XMODEM) mod 16384 of the
// key, or of the first non-empty {hash tag} in it.
int key_slot(std::string_view key);

// The key a command is routed by (argv[1]; XINFO's argv[2]; EVAL's first key), or nothing
// for a command without a key.
std::optional<std::string_view> command_key(const Command& command);

// One master node as the last request that needed it found it.
struct NodeStatus {
  std::string endpoint;        // "host:port"
  bool up = false;             // it answered the last request sent to it
  std::string error;           // why not, when !up
  std::uint64_t round_trips = 0; // pipelined requests sent to it so far
  std::uint64_t last_request = 0; // the pipeline() (ClusterStore::requests()) that last sent it commands
};

class ClusterStore final : public QueueStore {
public:
  // Learns the slot map from the seed nodes in `address.nodes` (the first that answers),
  // with the URL's credentials and TLS settings for every node. `timeout` bounds each node's
  // connection and each request's whole reply; a readable `cancel_fd` (-1: none) ends any
  // wait with an interrupted Error. Throws a failure Error when no seed gives a slot map.
  ClusterStore(Address address, std::chrono::milliseconds timeout, int cancel_fd = -1);
  ~ClusterStore() override;
  ClusterStore(const ClusterStore&) = delete;
  ClusterStore& operator=(const ClusterStore&) = delete;

  // Replies in the order of `commands`: each node's commands in one round trip, nodes in
  // parallel. A command whose node cannot be reached (or that no node serves) gets an
  // unavailable error reply saying why; throws only when interrupted.
  std::vector<Reply> pipeline(const std::vector<Command>& commands, const char* doing) override;
  // "cluster h1:p,h2:p" (the seeds).
  [[nodiscard]] std::string endpoint() const override { return address_.endpoint(); }

  // Every master that owns slots and has been sent a request, in the slot map's order.
  [[nodiscard]] std::vector<NodeStatus> nodes() const;
  // Sends PING to every master that owns slots (in parallel) and returns nodes(): for
  // `doctor`, which names each node that does not answer. Throws only when interrupted.
  std::vector<NodeStatus> check_nodes();
  // The master the slot map names for `key` ("host:port"), or empty when no node serves it.
  [[nodiscard]] std::string owner(std::string_view key) const;
  // The TLS facts of a connection to a node that answered, or nullopt (plaintext, none yet).
  [[nodiscard]] std::optional<TlsInfo> tls_info() const override;
  // How many pipeline() calls were made: a node whose last_request is above the count
  // taken before a read was sent commands by it (the exporter's "a node holding a watched
  // queue").
  [[nodiscard]] std::uint64_t requests() const { return requests_; }
  // How many times the slot map was (re)learned.
  [[nodiscard]] std::uint64_t map_refreshes() const { return map_refreshes_; }
  // The last pipeline() in which a command's slot went unserved although its node may be up
  // (the node answered CLUSTERDOWN, or no node serves the slot), and why: the exporter's
  // graflow_redis_up is 0 then too. request 0: never.
  struct Unserved {
    std::uint64_t request = 0;
    std::string why;
  };
  [[nodiscard]] const Unserved& unserved() const { return unserved_; }

private:
  struct Node;
  struct Route {
    std::size_t index; // into the caller's commands
    bool asking;       // send ASKING first (an ASK redirection)
  };

  Node& node_for(const HostPort& where);
  void refresh_map();
  bool learn_from(Node& node, std::string& why);
  void send(const std::vector<Command>& commands, std::vector<std::vector<Route>>& routes, std::vector<Reply>& replies,
            const char* doing);

  Address address_;
  std::chrono::milliseconds timeout_;
  int cancel_fd_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::array<int, cluster_slots> slots_{}; // index into nodes_, -1: not served
  std::uint64_t map_refreshes_ = 0;
  std::uint64_t requests_ = 0;
  Unserved unserved_;
  bool stale_ = false; // a node did not answer: relearn the map first (a replica may have taken over)
};

} // namespace graflow::redis
