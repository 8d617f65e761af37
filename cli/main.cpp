#include "app.hpp"

#include "graflow/core/output.hpp"

#include <fcntl.h>
#include <iostream>
#include <unistd.h>

namespace {

// A standard descriptor that was closed (`graflowctl render >&-`) would be handed to the
// next file opened, so output meant for stdout could land in a config or a manifest. Each
// closed one is held by /dev/null opened read-only: writes to it still fail (EBADF), and
// are reported.
void hold_closed_std_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) == -1) {
      const int held = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (held >= 0 && held != fd) {
        close(held); // the lower descriptors are open, so this cannot happen; be safe
      }
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  hold_closed_std_fds();
  // stdout through a buffer that remembers why a write failed (std::cout's does not).
  graflow::FdOutBuf out_buf(STDOUT_FILENO);
  std::ostream out(&out_buf);
  return graflow::cli::run(argc, argv, out, std::cerr);
}
