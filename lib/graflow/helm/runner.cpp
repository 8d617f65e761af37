#include "graflow/helm/runner.hpp"

#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"

#include "graflow/core/paths.hpp"
#include "graflow/core/process.hpp"

#include <cstring>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <ostream>
#include <unistd.h>

namespace graflow::helm {
namespace {

std::string last_lines(const std::string& text, std::size_t max_lines) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) {
    t.pop_back();
  }
  std::size_t pos = t.size();
  for (std::size_t n = 0; n < max_lines && pos != std::string::npos && pos > 0; ++n) {
    pos = t.rfind('\n', pos - 1);
  }
  return pos == std::string::npos || pos == 0 ? t : t.substr(pos + 1);
}

} // namespace

RunResult ProcessRunner::run(const std::vector<std::string>& argv, bool capture, std::ostream& out, std::ostream& err) {
  // helm's own output is streamed as it comes; only stderr is also kept for the message.
  std::string err_text;
  process::Options options;
  options.on_stderr = [&](std::string_view chunk) {
    err << chunk << std::flush;
    err_text += chunk;
  };
  if (!capture) {
    options.on_stdout = [&](std::string_view chunk) { out << chunk << std::flush; };
  }
  options.capture_limit = std::string().max_size(); // helm template output can be large
  // As before this runner existed: helm may read the terminal, and Ctrl-C reaches it too.
  options.inherit_stdin = true;
  options.own_process_group = false;
  log::debug(1, "running {}", fmt::join(argv, " "));
  process::Result r;
  try {
    r = process::run(argv, options);
  } catch (const process::StartError& e) {
    throw failure(fmt::format("cannot run {}: {}", argv.at(0), errno_text(e.error())));
  }
  RunResult result;
  result.exit_code = r.exit_code;
  result.out = std::move(r.out);
  result.err_tail = last_lines(err_text, 3);
  return result;
}

std::string find_helm(const Env& env) {
  if (const auto helm = env.non_empty("HELM")) {
    if (access(helm->c_str(), X_OK) != 0) {
      throw failure(fmt::format("$HELM is {}, which is not an executable file", *helm));
    }
    return *helm;
  }
  if (const auto found = paths::find_program("helm", env)) {
    return found->string();
  }
  throw failure("helm was not found in PATH: install helm 3 (https://helm.sh/docs/intro/install/) "
                "or set HELM=/path/to/helm");
}

} // namespace graflow::helm
