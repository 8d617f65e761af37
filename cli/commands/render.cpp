// graflowctl render --profile NAME [--set k=v]... [--out-dir DIR] [--templates DIR]
#include "app.hpp"
#include "usage.hpp"

#include "graflow/actions/render.hpp"

#include <CLI/CLI.hpp>

namespace graflow::cli {
namespace {

struct RenderCliOptions {
  std::string profile;
  std::vector<std::string> sets;
  actions::RenderOptions render;
};

} // namespace

void setup_render(CLI::App& app, Globals& g) {
  auto opts = std::make_shared<RenderCliOptions>();
  auto* cmd = app.add_subcommand("render", "print the manifests of a profile (multi-document YAML)");
  cmd->add_option("-p,--profile", opts->profile, "profile to render (default: the config's defaultProfile)");
  cmd->add_option("--set", opts->sets, "override one value, KEY=VALUE (repeatable)");
  cmd->add_option("--out-dir", opts->render.out_dir, "write one file per object into DIR instead of printing")
      ->check(non_empty_value());
  cmd->add_option("--templates", opts->render.templates, "use the templates in DIR");
  cmd->callback([&g, opts] {
    check_output(g.output, "render", {"text", "yaml"}, "YAML manifests");
    g.action = [&g, opts] {
      auto services = make_services(g, ProfileUse::required("render", opts->profile, opts->sets));
      actions::run_render(opts->render, services, *g.out);
    };
  });
}

} // namespace graflow::cli
