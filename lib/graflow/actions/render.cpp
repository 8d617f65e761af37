#include "graflow/actions/render.hpp"

#include "graflow/core/error.hpp"
#include "graflow/redis/url.hpp"
#include "graflow/render/render.hpp"

#include <fmt/format.h>
#include <ostream>

namespace graflow::actions {

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
  render::write_manifests(options.out_dir, manifests);
  for (const auto& m : manifests) {
    out << fmt::format("wrote {}/{}\n", options.out_dir, m.file_name());
  }
}

} // namespace graflow::actions
