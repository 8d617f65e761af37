#include "graflow/actions/adapter.hpp"

#include "graflow/config/schema.hpp"
#include "graflow/core/atomic_file.hpp"
#include "graflow/core/error.hpp"
#include "graflow/render/render.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <ostream>

namespace graflow::actions {
namespace {

// A temporary file that is removed when this goes out of scope.
class TempFile {
public:
  TempFile(const std::string& dir, const std::string& content) {
    std::string path = dir + "/graflowctl-values-XXXXXX";
    const int fd = mkstemp(path.data()); // created 0600
    if (fd < 0) {
      throw failure("cannot create a temporary file for the helm values");
    }
    close(fd);
    path_ = path;
    write_file_atomically(path_, content, 0600);
  }
  ~TempFile() { unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

private:
  std::string path_;
};

std::string quoted(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    const bool plain = a.find_first_of(" \t'\"$`\\*?;&|<>(){}") == std::string::npos && !a.empty();
    line += (line.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return line;
}

// The name under which the prometheus-community repository is configured, if it is.
std::optional<std::string> configured_repo(helm::Runner& runner, const std::string& helm, std::ostream& out,
                                           std::ostream& err) {
  const auto list = runner.run({helm, "repo", "list", "-o", "json"}, true, out, err);
  if (list.exit_code != 0) {
    // helm exits 1 with "no repositories to show" when none is configured.
    return std::nullopt;
  }
  nlohmann::json repos;
  try {
    repos = nlohmann::json::parse(list.out);
  } catch (const nlohmann::json::exception&) {
    throw failure("helm repo list -o json printed something that is not JSON");
  }
  for (const auto& r : repos) {
    std::string url = r.value("url", "");
    while (!url.empty() && url.back() == '/') {
      url.pop_back();
    }
    if (url == k_adapter_repo_url) {
      return r.value("name", "prometheus-community");
    }
  }
  return std::nullopt;
}

void run_helm(helm::Runner& runner, const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  const auto r = runner.run(argv, false, out, err);
  if (r.exit_code != 0) {
    throw failure(fmt::format("{} failed (exit {}): {}", fmt::join(argv.begin() + 1, argv.begin() + 3, " "),
                              r.exit_code, r.err_tail.empty() ? "no message" : r.err_tail));
  }
}

} // namespace

std::string adapter_values(const AdapterOptions& options, const std::filesystem::path& templates) {
  const std::string& url = options.prometheus_url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    throw usage_error(fmt::format("--prometheus-url {}: must start with http:// or https://", url));
  }
  if (auto problem = config::check_yaml_safe(url); problem || url.find(' ') != std::string::npos) {
    throw usage_error(fmt::format("--prometheus-url {}: {}", url, problem.value_or("must not contain spaces")));
  }
  if (options.prometheus_port < 1 || options.prometheus_port > 65535) {
    throw usage_error(fmt::format("--prometheus-port {}: must be between 1 and 65535", options.prometheus_port));
  }
  return render::render_with(render::read_template(templates, "adapter/values.yaml.mustache"),
                             {{"prometheusUrl", url},
                              {"prometheusPort", std::to_string(options.prometheus_port)},
                              {"defaultRules", options.default_rules ? "true" : "false"}});
}

void install_adapter(const AdapterOptions& options, const std::filesystem::path& templates, helm::Runner& runner,
                     const std::string& helm, const std::string& tmp_dir, std::ostream& out, std::ostream& err) {
  const std::string values = adapter_values(options, templates);
  auto upgrade = [&](const std::string& repo, const std::string& values_file) {
    std::vector<std::string> argv = {helm, "upgrade", "--install", options.release, repo + "/prometheus-adapter",
                                     "--namespace", options.namespace_, "--create-namespace", "-f", values_file,
                                     "--wait"};
    if (!options.chart_version.empty()) {
      argv.insert(argv.end(), {"--version", options.chart_version});
    }
    return argv;
  };
  if (options.dry_run) {
    out << "# graflowctl adapter install --dry-run: nothing is run. The commands:\n";
    out << quoted({helm, "repo", "add", "prometheus-community", k_adapter_repo_url}) << "   # if missing\n";
    out << quoted({helm, "repo", "update", "prometheus-community"}) << '\n';
    out << quoted(upgrade("prometheus-community", "VALUES.yaml")) << '\n';
    out << "# VALUES.yaml:\n" << values;
    return;
  }
  std::string repo;
  if (auto name = configured_repo(runner, helm, out, err)) {
    repo = *name;
  } else {
    repo = "prometheus-community";
    run_helm(runner, {helm, "repo", "add", repo, k_adapter_repo_url}, out, err);
  }
  run_helm(runner, {helm, "repo", "update", repo}, out, err);
  const TempFile file(tmp_dir, values);
  run_helm(runner, upgrade(repo, file.path()), out, err);
}

void run_adapter_values(const AdapterOptions& options, Services& services, std::ostream& out) {
  out << adapter_values(options, render::find_templates(options.templates, services.env));
}

void run_adapter_install(const AdapterOptions& options, Services& services, std::ostream& out) {
  const auto templates = render::find_templates(options.templates, services.env);
  // $HELM names it; else the first helm in PATH (helm::find_helm says how to get one).
  const std::string helm = options.dry_run ? "helm" : helm::find_helm(services.env);
  const std::string tmp = services.env.non_empty("TMPDIR").value_or("/tmp");
  install_adapter(options, templates, services.runner, helm, tmp, out, services.err);
}

} // namespace graflow::actions
