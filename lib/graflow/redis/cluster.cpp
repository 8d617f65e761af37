#include "graflow/redis/cluster.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/core/printable.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <fmt/format.h>
#include <thread>

namespace graflow::redis {

struct ClusterStore::Node {
  HostPort where;
  std::unique_ptr<Connection> connection;
  NodeStatus status;
  bool contacted = false;
};

namespace {

// CRC16/XMODEM (polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys
// with. Bitwise: queue keys are short, and a table would be 512 bytes of constants to check.
std::uint16_t crc16(std::string_view data) {
  std::uint16_t crc = 0;
  for (const char c : data) {
    crc = static_cast<std::uint16_t>(crc ^ (static_cast<std::uint16_t>(static_cast<unsigned char>(c)) << 8));
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021) : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

// The value after `name` in a RESP2 flat map ([k1, v1, k2, v2, ...]), or nullptr.
const Reply* field(const Reply& map, std::string_view name) {
  for (std::size_t i = 0; i + 1 < map.elements.size(); i += 2) {
    if (map.elements[i].is_string() && map.elements[i].str == name) {
      return &map.elements[i + 1];
    }
  }
  return nullptr;
}

// "host:port" (the host may be empty: "the node you asked"), or nothing when not that form.
std::optional<HostPort> parse_endpoint(std::string_view text, const std::string& asked_host) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  int port = 0;
  const std::string_view digits = text.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || ptr != digits.data() + digits.size() || port <= 0 || port > 65535) {
    return std::nullopt;
  }
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return HostPort{host.empty() ? asked_host : host, port};
}

// A node's announced host: an empty or "?" endpoint means the one we asked.
std::string announced_host(const std::string& host, const std::string& asked_host) {
  return host.empty() || host == "?" ? asked_host : host;
}

struct SlotRange {
  long long first;
  long long last;
  HostPort master;
};

bool valid(const SlotRange& r) { return r.first >= 0 && r.first <= r.last && r.last < cluster_slots; }

// CLUSTER SHARDS (Redis 7): [["slots", [a, b, ...], "nodes", [[k, v, ...], ...]], ...].
std::optional<std::vector<SlotRange>> parse_shards(const Reply& reply, const std::string& asked_host, bool tls) {
  if (!reply.is_array()) {
    return std::nullopt;
  }
  std::vector<SlotRange> out;
  for (const Reply& shard : reply.elements) {
    const Reply* slots = field(shard, "slots");
    const Reply* nodes = field(shard, "nodes");
    if (slots == nullptr || nodes == nullptr || !slots->is_array() || !nodes->is_array()) {
      return std::nullopt;
    }
    std::optional<HostPort> master;
    for (const Reply& node : nodes->elements) {
      const Reply* role = field(node, "role");
      if (role == nullptr || role->str != "master") {
        continue;
      }
      const Reply* endpoint = field(node, "endpoint");
      const Reply* ip = field(node, "ip");
      const Reply* port = tls && field(node, "tls-port") != nullptr ? field(node, "tls-port") : field(node, "port");
      if (port == nullptr || !port->is_integer()) {
        return std::nullopt;
      }
      const std::string host = endpoint != nullptr && !endpoint->str.empty() && endpoint->str != "?"
                                   ? endpoint->str
                                   : (ip != nullptr ? ip->str : std::string());
      master = HostPort{announced_host(host, asked_host), static_cast<int>(port->integer)};
    }
    if (slots->elements.size() % 2 != 0) {
      return std::nullopt;
    }
    for (std::size_t i = 0; master && i + 1 < slots->elements.size(); i += 2) {
      out.push_back({slots->elements[i].integer, slots->elements[i + 1].integer, *master});
      if (!valid(out.back())) {
        return std::nullopt;
      }
    }
  }
  return out;
}

// CLUSTER SLOTS: [[first, last, [ip, port, id, ...], replicas...], ...].
std::optional<std::vector<SlotRange>> parse_slots(const Reply& reply, const std::string& asked_host) {
  if (!reply.is_array()) {
    return std::nullopt;
  }
  std::vector<SlotRange> out;
  for (const Reply& range : reply.elements) {
    if (!range.is_array() || range.elements.size() < 3 || !range.elements[2].is_array() ||
        range.elements[2].elements.size() < 2 || !range.elements[2].elements[1].is_integer()) {
      return std::nullopt;
    }
    const Reply& master = range.elements[2];
    out.push_back({range.elements[0].integer, range.elements[1].integer,
                   HostPort{announced_host(master.elements[0].str, asked_host),
                            static_cast<int>(master.elements[1].integer)}});
    if (!valid(out.back())) {
      return std::nullopt;
    }
  }
  return out;
}

// MOVED/ASK redirections: "MOVED 3999 127.0.0.1:6381".
struct Redirect {
  bool ask = false;
  HostPort to;
};

std::optional<Redirect> redirect_of(const Reply& reply, const std::string& asked_host) {
  if (!reply.is_error() || reply.unavailable) {
    return std::nullopt;
  }
  const bool moved = reply.str.rfind("MOVED ", 0) == 0;
  const bool ask = reply.str.rfind("ASK ", 0) == 0;
  if (!moved && !ask) {
    return std::nullopt;
  }
  const auto space = reply.str.rfind(' ');
  auto to = parse_endpoint(std::string_view(reply.str).substr(space + 1), asked_host);
  if (!to) {
    return std::nullopt;
  }
  return Redirect{ask, *to};
}

} // namespace

int key_slot(std::string_view key) {
  if (const auto open = key.find('{'); open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return crc16(key) % cluster_slots;
}

std::optional<std::string_view> command_key(const Command& command) {
  if (command.size() < 2) {
    return std::nullopt;
  }
  std::string name = command[0];
  for (auto& c : name) {
    c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  if (name == "XINFO") { // XINFO GROUPS|STREAM|CONSUMERS key ...
    return command.size() > 2 ? std::optional<std::string_view>(command[2]) : std::nullopt;
  }
  if (name == "EVAL" || name == "EVALSHA") { // EVAL script numkeys key ...
    if (command.size() > 3 && command[2] != "0") {
      return command[3];
    }
    return std::nullopt;
  }
  return command[1];
}

ClusterStore::ClusterStore(Address address, std::chrono::milliseconds timeout, int cancel_fd)
    : address_(std::move(address)), timeout_(timeout), cancel_fd_(cancel_fd) {
  slots_.fill(-1);
  refresh_map();
}

ClusterStore::~ClusterStore() = default;

ClusterStore::Node& ClusterStore::node_for(const HostPort& where) {
  for (auto& n : nodes_) {
    if (n->where.host == where.host && n->where.port == where.port) {
      return *n;
    }
  }
  auto node = std::make_unique<Node>();
  node->where = where;
  node->status.endpoint = where.endpoint();
  nodes_.push_back(std::move(node));
  return *nodes_.back();
}

namespace {

// Makes (or keeps) the node's connection and sends one pipelined request.
std::vector<Reply> exchange(std::unique_ptr<Connection>& connection, const Address& base, const HostPort& where,
                            std::chrono::milliseconds timeout, int cancel_fd, const std::vector<Command>& commands,
                            const char* doing) {
  if (!connection || !connection->usable()) {
    Address a = base;
    a.mode = Mode::single;
    a.host = where.host;
    a.port = where.port;
    a.nodes.clear();
    a.db = 0; // a cluster has database 0 only
    connection.reset();
    connection = std::make_unique<Connection>(std::move(a), timeout, cancel_fd);
  }
  return connection->pipeline(commands, doing);
}

} // namespace

bool ClusterStore::learn_from(Node& node, std::string& why) {
  node.contacted = true;
  ++node.status.round_trips;
  try {
    auto replies = exchange(node.connection, address_, node.where, timeout_, cancel_fd_, {{"CLUSTER", "SHARDS"}},
                            "reading the cluster's slot map");
    std::optional<std::vector<SlotRange>> ranges;
    if (replies.at(0).is_error()) {
      // Before Redis 7: no SHARDS. A node without cluster support says so to both.
      replies = exchange(node.connection, address_, node.where, timeout_, cancel_fd_, {{"CLUSTER", "SLOTS"}},
                         "reading the cluster's slot map");
      ++node.status.round_trips;
      if (replies.at(0).is_error()) {
        why = fmt::format("Redis at {} gave no slot map: {}", node.status.endpoint, printable(replies[0].str));
        node.status.up = true;
        node.status.error.clear();
        return false;
      }
      ranges = parse_slots(replies[0], node.where.host);
    } else {
      ranges = parse_shards(replies[0], node.where.host, address_.tls.enabled);
    }
    node.status.up = true;
    node.status.error.clear();
    if (!ranges) {
      why = fmt::format("Redis at {} sent a slot map graflowctl cannot read", node.status.endpoint);
      return false;
    }
    // Resolve every master before touching slots_: node_for() may grow nodes_.
    std::vector<std::pair<const SlotRange*, int>> owners;
    for (const auto& r : *ranges) {
      Node& owner = node_for(r.master);
      int index = 0;
      while (nodes_[static_cast<std::size_t>(index)].get() != &owner) {
        ++index;
      }
      owners.emplace_back(&r, index);
    }
    slots_.fill(-1);
    for (const auto& [r, index] : owners) {
      for (long long s = r->first; s <= r->last; ++s) {
        slots_[static_cast<std::size_t>(s)] = index;
      }
    }
    ++map_refreshes_;
    log::debug(1, "Redis cluster slot map from {}: {} range(s)", node.status.endpoint, ranges->size());
    return true;
  } catch (const Error& e) {
    if (e.code() == Exit::interrupted) {
      throw;
    }
    node.connection.reset();
    node.status.up = false;
    node.status.error = e.what();
    why = e.what();
    return false;
  }
}

void ClusterStore::refresh_map() {
  // Masters that answered last first (their connections are open), then the seeds, then
  // the nodes that did not answer.
  std::vector<HostPort> candidates;
  for (const auto& n : nodes_) {
    if (!n->contacted || n->status.up) {
      candidates.push_back(n->where);
    }
  }
  for (const auto& seed : address_.nodes) {
    candidates.push_back(seed);
  }
  if (address_.nodes.empty()) {
    candidates.push_back(HostPort{address_.host, address_.port});
  }
  for (const auto& n : nodes_) {
    if (n->contacted && !n->status.up) {
      candidates.push_back(n->where);
    }
  }
  std::string why = "no seed node given";
  for (const auto& where : candidates) {
    if (learn_from(node_for(where), why)) {
      return;
    }
  }
  throw failure(fmt::format("no node of Redis {} gave the slot map: {}", endpoint(), why));
}

void ClusterStore::send(const std::vector<Command>& commands, std::vector<std::vector<Route>>& routes,
                        std::vector<Reply>& replies, const char* doing) {
  struct Job {
    Node* node;
    const std::vector<Route>* routes;
    std::vector<Command> request;
    std::vector<Reply> answer;
    std::string error;
    std::exception_ptr interrupted;
  };
  std::vector<Job> jobs;
  for (std::size_t n = 0; n < routes.size(); ++n) {
    if (routes[n].empty()) {
      continue;
    }
    Job job{nodes_[n].get(), &routes[n], {}, {}, {}, {}};
    for (const Route& r : routes[n]) {
      if (r.asking) {
        job.request.push_back({"ASKING"});
      }
      job.request.push_back(commands[r.index]);
    }
    jobs.push_back(std::move(job));
  }
  // Each job owns a different node (and its connection): the threads share nothing.
  const auto run = [&](Job& job) {
    try {
      job.answer = exchange(job.node->connection, address_, job.node->where, timeout_, cancel_fd_, job.request, doing);
    } catch (const Error& e) {
      if (e.code() == Exit::interrupted) {
        job.interrupted = std::current_exception();
      }
      job.error = e.what();
    } catch (const std::exception& e) {
      job.error = e.what();
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t j = 1; j < jobs.size(); ++j) {
    threads.emplace_back(run, std::ref(jobs[j]));
  }
  if (!jobs.empty()) {
    run(jobs[0]);
  }
  for (auto& t : threads) {
    t.join();
  }
  for (Job& job : jobs) {
    if (job.interrupted) {
      std::rethrow_exception(job.interrupted);
    }
  }
  for (Job& job : jobs) {
    Node& node = *job.node;
    node.contacted = true;
    ++node.status.round_trips;
    node.status.last_request = requests_;
    node.status.up = job.error.empty();
    node.status.error = job.error;
    if (!job.error.empty()) {
      node.connection.reset();
      stale_ = true;
    }
    std::size_t at = 0;
    for (const Route& r : *job.routes) {
      if (!job.error.empty()) {
        replies[r.index] = Reply::unavailable_because(job.error);
        continue;
      }
      if (r.asking) {
        ++at; // ASKING's +OK
      }
      Reply& reply = replies[r.index] = std::move(job.answer.at(at++));
      if (reply.is_error() && reply.str.rfind("CLUSTERDOWN", 0) == 0) {
        // The node answered but will not serve the slot: that queue is unknown, like a node down.
        reply = Reply::unavailable_because(fmt::format("Redis at {}: {}", node.status.endpoint, printable(reply.str)));
        unserved_ = {requests_, reply.str};
      }
    }
  }
}

std::vector<Reply> ClusterStore::pipeline(const std::vector<Command>& commands, const char* doing) {
  ++requests_;
  if (stale_) {
    stale_ = false;
    try {
      refresh_map();
    } catch (const Error& e) {
      if (e.code() == Exit::interrupted) {
        throw;
      }
      log::debug(1, "{}", e.what()); // keep the map we have
    }
  }
  std::vector<Reply> replies(commands.size());
  std::vector<std::vector<Route>> routes(nodes_.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const auto key = command_key(commands[i]);
    const int slot = key ? key_slot(*key) : 0;
    const int owner = slots_[static_cast<std::size_t>(slot)];
    if (owner < 0) {
      replies[i] = Reply::unavailable_because(
          fmt::format("no node of Redis {} serves hash slot {} (CLUSTERDOWN)", endpoint(), slot));
      unserved_ = {requests_, replies[i].str};
      continue;
    }
    routes[static_cast<std::size_t>(owner)].push_back({i, false});
  }
  log::debug(2, "Redis {}: {} command(s) to {} node(s)", endpoint(), commands.size(),
             std::count_if(routes.begin(), routes.end(), [](const auto& r) { return !r.empty(); }));
  send(commands, routes, replies, doing);

  // Redirections: MOVED refreshes the map (the retry goes where the reply said), ASK is
  // followed once with ASKING. A second redirection is left as the error it is.
  std::vector<std::pair<std::size_t, Redirect>> redirected;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (auto r = redirect_of(replies[i], address_.host)) {
      redirected.emplace_back(i, *r);
    }
  }
  if (redirected.empty()) {
    return replies;
  }
  if (std::any_of(redirected.begin(), redirected.end(), [](const auto& r) { return !r.second.ask; })) {
    try {
      refresh_map();
    } catch (const Error& e) {
      if (e.code() == Exit::interrupted) {
        throw;
      }
      log::debug(1, "{}", e.what()); // the retry still goes where MOVED said
    }
  }
  std::vector<std::vector<Route>> retry;
  for (const auto& [i, r] : redirected) {
    Node& to = node_for(r.to);
    std::size_t index = 0;
    while (nodes_[index].get() != &to) {
      ++index;
    }
    retry.resize(nodes_.size());
    retry[index].push_back({i, r.ask});
  }
  log::debug(1, "Redis {}: following {} redirection(s)", endpoint(), redirected.size());
  send(commands, retry, replies, doing);
  return replies;
}

std::vector<NodeStatus> ClusterStore::check_nodes() {
  std::vector<Command> commands;
  std::vector<std::vector<Route>> routes(nodes_.size());
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    if (std::find(slots_.begin(), slots_.end(), static_cast<int>(n)) != slots_.end()) {
      commands.push_back({"PING"});
      routes[n].push_back({commands.size() - 1, false});
    }
  }
  std::vector<Reply> replies(commands.size());
  send(commands, routes, replies, "checking the cluster's nodes");
  return nodes();
}

std::string ClusterStore::owner(std::string_view key) const {
  const int n = slots_[static_cast<std::size_t>(key_slot(key))];
  return n < 0 ? std::string() : nodes_[static_cast<std::size_t>(n)]->status.endpoint;
}

std::optional<TlsInfo> ClusterStore::tls_info() const {
  for (const auto& n : nodes_) {
    if (n->connection && n->status.up) {
      return n->connection->tls_info();
    }
  }
  return std::nullopt;
}

std::vector<NodeStatus> ClusterStore::nodes() const {
  std::vector<NodeStatus> out;
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    const bool owns = std::find(slots_.begin(), slots_.end(), static_cast<int>(n)) != slots_.end();
    if (owns && nodes_[n]->contacted) {
      out.push_back(nodes_[n]->status);
    }
  }
  return out;
}

} // namespace graflow::redis
