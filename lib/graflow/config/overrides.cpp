// --set key=value (and the options that turn into one): the last layer of a profile.
#include "graflow/config/layering.hpp"
#include "graflow/config/schema.hpp"

#include <fmt/format.h>

namespace graflow::config::detail {

void apply_overrides(const std::vector<Override>& overrides, Layer& merged, Ranks& rank) {
  for (const auto& o : overrides) {
    const auto eq = o.text.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw usage_error(fmt::format("{} {}: expected key=value", o.label, o.text));
    }
    const std::string key = o.text.substr(0, eq);
    const std::string value = o.text.substr(eq + 1);
    const KeySpec* spec = find_key(key);
    if (spec == nullptr) {
      std::string hint;
      if (auto near = closest_key(key)) {
        hint = fmt::format(" (did you mean {}?)", *near);
      }
      throw usage_error(fmt::format("{} {}: unknown key{}", o.label, o.text, hint));
    }
    if (auto problem = check_scalar(spec->kind, value)) {
      throw usage_error(fmt::format("{} {}: {}", o.label, key, *problem));
    }
    merged[key] = Setting{key, value, {}, Origin{"", 0, o.label}, key};
    rank[key] = k_override_rank;
  }
}

} // namespace graflow::config::detail
