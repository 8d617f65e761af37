#include "graflow/queues/read.hpp"

#include <algorithm>

namespace graflow::queues {

std::vector<Reading> read_all(CommandRunner& store, const std::vector<QueueSpec>& specs, TimePoint now) {
  const bool all_graflow =
      std::all_of(specs.begin(), specs.end(), [](const QueueSpec& s) { return s.layout == Layout::graflow; });
  if (!all_graflow) {
    return read_queues(store, specs, now);
  }
  std::vector<std::string> keys;
  keys.reserve(specs.size());
  for (const auto& spec : specs) {
    keys.push_back(main_key(spec));
  }
  // known_lengths: in a Cluster, a queue on a node that is down is unknown, not the whole read.
  auto depths = store.known_lengths(keys);
  std::vector<Reading> out;
  out.reserve(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    Reading r;
    r.id = specs[i].id;
    r.layout = Layout::graflow;
    r.key = keys[i];
    r.waiting = depths.at(i).value;
    r.waiting_unknown = std::move(depths.at(i).unknown);
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace graflow::queues
