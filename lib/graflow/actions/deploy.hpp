#pragma once
// `graflowctl deploy`: server-side apply of every object `render` produces.
#include "graflow/actions/rollout.hpp"
#include "graflow/config/profile.hpp"
#include "graflow/render/render.hpp"

#include <iosfwd>
#include <vector>

namespace graflow::kube {
class Client;
}

namespace graflow::actions {

struct DeployOptions {
  bool dry_run = false;          // the server's dryRun=All
  bool force_conflicts = false;  // take over fields other managers own
  bool wait = false;
  WaitOptions wait_options;
};

// Applies each manifest with one PATCH (fieldManager graflowctl, no discovery), printing
// `kind.group/name created|configured|unchanged` per object. While an emergency scale has
// detached the HPA, the HPA is skipped (said so) so the emergency holds until reattach.
void deploy(kube::Client& client, const config::Profile& profile, const std::vector<render::Manifest>& manifests,
            const DeployOptions& options, const SignalWatcher& signals, std::ostream& out);

} // namespace graflow::actions
