#pragma once
// Where graflowctl keeps files across runs: the XDG base directories
// (https://specifications.freedesktop.org/basedir-spec/), looked up in one place. There is
// deliberately no /tmp fallback: a snapshot or cache written there can vanish at reboot,
// or be planted by another user.
#include "graflow/core/env.hpp"

#include <filesystem>
#include <optional>
#include <string_view>

namespace graflow::paths {

// $HOME when set and non-empty, else the home directory in the passwd entry; nullopt
// when there is neither.
std::optional<std::filesystem::path> home_dir(const Env& env);

// $XDG_CONFIG_HOME when absolute (the spec ignores relative values), else ~/.config.
std::optional<std::filesystem::path> config_home(const Env& env);
// $XDG_CACHE_HOME when absolute, else ~/.cache.
std::optional<std::filesystem::path> cache_home(const Env& env);
// $XDG_STATE_HOME when absolute, else ~/.local/state.
std::optional<std::filesystem::path> state_home(const Env& env);

// base/graflowctl/sub... for one of the homes above: app_dir(cache_home(env), "exec").
std::optional<std::filesystem::path> app_dir(const std::optional<std::filesystem::path>& base,
                                             std::string_view sub = {});

// The first executable `name` in $PATH (an empty entry is the current directory, as for
// the shell); `name` itself when it contains a '/'; nullopt when there is none.
std::optional<std::filesystem::path> find_program(std::string_view name, const Env& env);

} // namespace graflow::paths
