#pragma once
// Reading whole files safely: one size limit and one wording of "cannot read" for every
// file a user names (config, kubeconfig, templates, credentials), so `--config /dev/zero`
// fails at once instead of filling memory.
#include "graflow/core/atomic_file.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace graflow::files {

// Config files, kubeconfigs and templates are a few KiB; 16 MiB is far beyond any real one.
inline constexpr std::size_t k_default_limit = 16U << 20U;

// Why a file could not be read, and the sentence to show for it.
struct ReadError {
  int error = 0;       // errno, or EFBIG when the file is over the limit, EISDIR for a directory
  std::string reason;  // "it is a directory", "Permission denied", "it is larger than 16 MiB"
};

// The whole content of `path`, at most `limit` bytes (also for pipes and devices, which
// report no size). On failure returns nullopt and sets `error`.
std::optional<std::string> try_read(const std::filesystem::path& path, ReadError& error,
                                    std::size_t limit = k_default_limit);

// try_read, or a usage Error "cannot read <what> <path>: <reason>" (what: "config file",
// "kubeconfig", "template"...).
std::string read_or_throw(const std::filesystem::path& path, const std::string& what,
                          std::size_t limit = k_default_limit);

// "16 MiB", "512 KiB", "100 bytes": a limit as people read it.
std::string describe_size(std::size_t bytes);

using graflow::write_file_atomically;

} // namespace graflow::files
