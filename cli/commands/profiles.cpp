// graflowctl profiles [show NAME]
#include "app.hpp"

#include "graflow/actions/profiles.hpp"
#include "graflow/actions/resolve.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct ProfilesOptions {
  std::string name;
  std::vector<std::string> sets;
};

std::vector<config::Override> overrides_of(const Globals& g, const std::vector<std::string>& sets) {
  auto overrides = actions::key_prefix_overrides(g.key_prefix, *g.platform->env);
  for (const auto& s : sets) {
    overrides.push_back({s, "--set"});
  }
  return overrides;
}

} // namespace

void setup_profiles(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<ProfilesOptions>();
  auto* cmd = app.add_subcommand("profiles", "list the built-in and configured profiles");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->callback([&g, opts, cmd] {
    if (!cmd->get_subcommands().empty()) {
      return;
    }
    g.action = [&g, opts] {
      const auto config = g.load_config();
      actions::list_profiles(*g.out, config, overrides_of(g, opts->sets), g.format());
    };
  });

  auto* show = cmd->add_subcommand("show", "show one profile, resolved, with where each value comes from");
  show->add_option("NAME", opts->name, "profile name")->required();
  show->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  show->callback([&g, opts] {
    g.action = [&g, opts] {
      const auto config = g.load_config();
      // The queue resolution every command shares: --key-prefix, --queue and $KEY_PREFIX too.
      actions::ResolveInputs in;
      in.profile_flag = opts->name;
      in.sets = opts->sets;
      in.key_prefix_flag = g.key_prefix;
      in.queue_flags = g.queues;
      actions::show_profile(*g.out, actions::resolve_profile(config, in, *g.platform->env, "profiles show"),
                            g.format());
    };
  });
}

} // namespace graflow::cli
