#pragma once
// Pure rendering: templates + a resolved profile -> Kubernetes manifests. No I/O besides
// reading the template directory.
#include "graflow/config/profile.hpp"
#include "graflow/core/env.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace graflow::render {

struct Manifest {
  std::string template_name; // e.g. 20-hpa.yaml.mustache
  std::string api_version;
  std::string kind;
  std::string name;
  std::string namespace_; // empty when the template sets none
  std::string text;       // one YAML document, without the leading ---

  // File name used by --out-dir: <kind>-<name>.yaml, lower case.
  [[nodiscard]] std::string file_name() const;
};

// Where the rendered exporter finds its Redis TLS files: each Secret or ConfigMap is a
// read-only volume whose items are renamed to these files.
inline constexpr const char* k_redis_ca_dir = "/etc/graflowctl/redis/ca";
inline constexpr const char* k_redis_ca_file = "ca.crt";
inline constexpr const char* k_redis_client_dir = "/etc/graflowctl/redis/client";
inline constexpr const char* k_redis_client_cert_file = "tls.crt";
inline constexpr const char* k_redis_client_key_file = "tls.key";

// The template directory: `flag` when given, else the installed share/graflowctl/templates
// next to the binary, else the source tree's templates/. Throws a usage Error when none exists.
std::filesystem::path find_templates(const std::string& flag, const Env& env);

// Renders a single template text. `{{x}}` yields a YAML string scalar (quoted when YAML would
// read it as a number, boolean or null); `{{{x}}}` yields the raw text (for numbers and flags).
std::string render_text(const std::string& template_text, const config::Profile& profile);

// Renders a template with plain string values (for files that are not profile manifests,
// such as the prometheus-adapter values). Same escaping rules as render_text.
std::string render_with(const std::string& template_text, const std::map<std::string, std::string>& values);

// Reads a file under the template directory, e.g. "adapter/values.yaml.mustache".
std::string read_template(const std::filesystem::path& dir, const std::string& name);

// Renders every *.yaml.mustache in `dir`, in file-name order. Templates that render to
// nothing (a disabled optional object) are skipped. Each document is checked to be valid
// YAML with apiVersion, kind and metadata.name, otherwise a usage Error names the template.
std::vector<Manifest> render_manifests(const std::filesystem::path& dir, const config::Profile& profile);

// Joins manifests as a multi-document YAML stream with `# Source:` comments.
std::string to_stream(const std::vector<Manifest>& manifests);

} // namespace graflow::render
