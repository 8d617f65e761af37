// graflowctl render --profile NAME [--set k=v]... [--out-dir DIR] [--templates DIR]
#include "app.hpp"

#include "graflow/core/error.hpp"
#include "graflow/render/render.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <ostream>

namespace graflow::cli {
namespace {

struct RenderOptions {
  std::string profile;
  std::vector<std::string> sets;
  std::string out_dir;
  std::string templates;
};

} // namespace

config::ResolvedProfile resolve_profile_for(const Globals& g, const std::string& flag,
                                            const std::vector<std::string>& sets, const char* command,
                                            const char* fallback) {
  const auto config = g.load_config();
  std::string name = Globals::profile_or_default(flag, config);
  if (name.empty() && fallback != nullptr) {
    name = fallback;
  }
  if (name.empty()) {
    std::string known;
    for (const auto& n : config.profile_names()) {
      known += (known.empty() ? "" : ", ") + n;
    }
    throw usage_error(fmt::format("{} needs --profile NAME (known: {})", command, known));
  }
  auto overrides = g.prefix_overrides();
  for (const auto& s : sets) {
    overrides.push_back({s, "--set"});
  }
  if (!g.namespace_.empty()) {
    overrides.push_back({"namespace=" + g.namespace_, "--namespace"});
  }
  return config.resolve(name, overrides);
}

void setup_render(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<RenderOptions>();
  auto* cmd = app.add_subcommand("render", "print the manifests of a profile (multi-document YAML)");
  cmd->add_option("-p,--profile", opts->profile, "profile to render (default: the config's defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->add_option("--out-dir", opts->out_dir, "write one file per object into DIR instead of printing");
  cmd->add_option("--templates", opts->templates, "use the templates in DIR");
  cmd->callback([&g, opts] {
    g.action = [&g, opts] {
      const auto resolved = resolve_profile_for(g, opts->profile, opts->sets, "render");
      const auto dir = render::find_templates(opts->templates);
      const auto manifests = render::render_manifests(dir, resolved.profile);
      if (opts->out_dir.empty()) {
        *g.out << render::to_stream(manifests);
        return;
      }
      render::write_manifests(opts->out_dir, manifests);
      for (const auto& m : manifests) {
        *g.out << fmt::format("wrote {}/{}\n", opts->out_dir, m.file_name());
      }
    };
  });
}

} // namespace graflow::cli
