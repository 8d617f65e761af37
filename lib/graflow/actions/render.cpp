#include "graflow/actions/render.hpp"

#include "graflow/core/atomic_file.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/printable.hpp"
#include "graflow/core/text.hpp"
#include "graflow/redis/url.hpp"
#include "graflow/render/render.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <ostream>

namespace graflow::actions {
namespace {

namespace fs = std::filesystem;

// A Kubernetes kind: a letter, then letters and digits ("HorizontalPodAutoscaler").
bool valid_kind(const std::string& kind) {
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  return !kind.empty() && kind.size() <= 63 && letter(kind.front()) &&
         std::all_of(kind.begin(), kind.end(), [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

// Kind and name become the file name <kind>-<name>.yaml: checked before any file is written,
// so a template's `metadata.name: x/../../y` can never write outside the directory.
void check_file_names(const std::vector<render::Manifest>& manifests) {
  std::map<std::string, std::string> seen; // file name -> template
  for (const auto& m : manifests) {
    if (!valid_kind(m.kind)) {
      throw usage_error(fmt::format("template {}: kind \"{}\" is not a Kubernetes kind (letters and digits): it "
                                    "cannot become a file name in --out-dir",
                                    m.template_name, printable(m.kind, 80)));
    }
    if (!text::is_dns1123_subdomain(m.name)) {
      throw usage_error(fmt::format("template {}: metadata.name \"{}\" is not a valid Kubernetes object name "
                                    "(lower-case letters, digits, '-' and '.', at most 253 characters): it cannot "
                                    "become a file name in --out-dir",
                                    m.template_name, printable(m.name, 80)));
    }
    const auto [it, fresh] = seen.emplace(m.file_name(), m.template_name);
    if (!fresh) {
      throw usage_error(fmt::format("templates {} and {} both render {} {}: --out-dir would keep only one", it->second,
                                    m.template_name, m.kind, m.name));
    }
  }
}

// Writes one file per manifest into `dir`, all or none: every file is staged first, then
// all are renamed into place (core/atomic_file.hpp FileSet). A failure leaves `dir` as it was.
void write_set(const fs::path& dir, const std::vector<render::Manifest>& manifests) {
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    throw failure(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  }
  try {
    FileSet set;
    for (const auto& m : manifests) {
      std::string text = m.text;
      if (!text.empty() && text.back() != '\n') {
        text += '\n';
      }
      set.stage(dir / m.file_name(), text);
    }
    set.commit();
  } catch (...) {
    if (!existed) {
      fs::remove(dir, ec); // only when still empty
    }
    throw;
  }
}

} // namespace

void check_no_password(const config::ResolvedProfile& resolved) {
  for (const auto& s : resolved.settings) {
    if (s.key != "redis.url" || redis::redact_url(s.value) == s.value) {
      continue;
    }
    const std::string where = s.origin.file.empty() ? fmt::format("{} {}", s.origin.label, s.key)
                                                    : fmt::format("{}: {}", s.origin.describe(), s.path);
    throw usage_error(fmt::format(
        "{}: holds a password, and a rendered manifest never does: keep it in a Secret and set "
        "redis.passwordSecret {{name, key}} for the exporter, and give graflowctl --redis-password-file or "
        "$GRAFLOW_REDIS_PASSWORD",
        where));
  }
}

void run_render(const RenderOptions& options, Services& services, std::ostream& out) {
  if (services.resolved.profile) {
    check_no_password(*services.resolved.profile);
  }
  const auto manifests = render::render_manifests(render::find_templates(options.templates, services.env), services.profile());
  if (options.out_dir.empty()) {
    out << render::to_stream(manifests);
    return;
  }
  check_file_names(manifests);
  write_set(options.out_dir, manifests);
  for (const auto& m : manifests) {
    out << fmt::format("wrote {}/{}\n", options.out_dir, m.file_name());
  }
}

} // namespace graflow::actions
