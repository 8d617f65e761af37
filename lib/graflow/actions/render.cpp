#include "graflow/actions/render.hpp"

#include "graflow/render/render.hpp"

#include <fmt/format.h>
#include <ostream>

namespace graflow::actions {

void run_render(const RenderOptions& options, Services& services, std::ostream& out) {
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
