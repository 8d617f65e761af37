#include "graflow/queues/read.hpp"

#include "graflow/core/printable.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace graflow::queues {

std::vector<Reading> read_all(CommandRunner& store, const std::vector<QueueSpec>& specs, TimePoint now,
                              ReadMemo* memo) {
  const bool all_graflow =
      std::all_of(specs.begin(), specs.end(), [](const QueueSpec& s) { return s.layout == Layout::graflow; });
  if (!all_graflow) {
    return read_queues(store, specs, now, memo);
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
    if (depths.at(i).is_wrong_type) {
      // The seed's words first (scripts match them), then what to check.
      WrongType w;
      w.key = printable(keys[i], 120);
      w.expected = "list";
      w.actual = depths.at(i).wrong_type;
      w.message = w.actual.empty()
                      ? fmt::format("key {} is not a list (layout graflow, queue {})", w.key, specs[i].id)
                      : fmt::format("key {} holds a {}, not a list (layout graflow, queue {})", w.key, w.actual,
                                    specs[i].id);
      w.hint = wrong_type_hint(specs[i], keys[i], w.expected, w.actual);
      r.waiting_unknown = fmt::format("{}; {}", r.waiting_unknown, w.hint);
      r.wrong_type = std::move(w);
    }
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace graflow::queues
