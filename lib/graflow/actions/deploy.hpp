#pragma once
// `graflowctl deploy`: server-side apply of every object `render` produces.
#include "graflow/actions/rollout.hpp"
#include "graflow/actions/services.hpp"

#include <iosfwd>
#include <string>

namespace graflow::actions {

struct DeployOptions {
  std::string templates;         // --templates DIR; empty: the installed ones
  bool dry_run = false;          // the server's dryRun=All
  bool force_conflicts = false;  // take over fields other managers own
  bool wait = false;
  WaitOptions wait_options;
};

// Renders the resolved profile and applies each manifest with one PATCH (fieldManager
// graflowctl, no discovery, no GET), printing `kind.group/name created|configured|unchanged`
// per object. While an emergency scale has detached the HPA, the HPA is skipped (said so) so
// the emergency holds until reattach.
void run_deploy(const DeployOptions& options, Services& services, std::ostream& out);

} // namespace graflow::actions
