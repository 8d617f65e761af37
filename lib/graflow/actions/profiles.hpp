#pragma once
// `graflowctl profiles` and `graflowctl profiles show NAME`.
#include "graflow/config/config.hpp"
#include "graflow/core/output.hpp"

#include <iosfwd>

namespace graflow::actions {

// Every profile with its numbers and where it comes from; `*` marks the default.
void list_profiles(std::ostream& out, const config::Config& config, const std::vector<config::Override>& overrides,
                   Format format);

// One resolved profile: every key, its value and its origin (file:line, built-in, --set), then
// the queue it watches (layout, id, the --key-prefix/--queue that names it, the keys read).
void show_profile(std::ostream& out, const config::ResolvedProfile& resolved, Format format);

// The resolved profile as the nested JSON object that `profiles show -o json` prints: the
// settings, queueKey (the queue's main key; <keyPrefix>:queue for the graflow layout) and
// watchedQueue {layout, id, key_prefix (graflow layout only), spec, keys}.
nlohmann::ordered_json profile_json(const config::ResolvedProfile& resolved);

} // namespace graflow::actions
