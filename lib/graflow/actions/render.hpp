#pragma once
// `graflowctl render`: the manifests of the resolved profile, printed or written to files.
#include "graflow/actions/services.hpp"

#include <iosfwd>
#include <string>

namespace graflow::actions {

struct RenderOptions {
  std::string templates; // --templates DIR; empty: the installed ones
  std::string out_dir;   // --out-dir DIR: one file per object instead of printing
};

// A usage Error when the profile's redis.url holds a password: render and deploy put no
// password in a manifest (the exporter gets one through redis.passwordSecret), so a profile
// that carries one is refused rather than rendered without it.
void check_no_password(const config::ResolvedProfile& resolved);

// Prints the multi-document YAML, or writes one file per object and a `wrote DIR/FILE` line
// for each: the whole set or, on any failure, nothing (DIR stays as it was). Kinds and names
// that cannot be safe file names are usage Errors naming the template.
void run_render(const RenderOptions& options, Services& services, std::ostream& out);

} // namespace graflow::actions
