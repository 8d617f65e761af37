#define DOCTEST_CONFIG_IMPLEMENT
#include <cstdlib>
#include <doctest/doctest.h>

int main(int argc, char** argv) {
#ifdef GRAFLOW_TLS_MODULE_PATH
  // In-process rediss:// loads graflowctl-tls.so, which is not beside a test executable;
  // processes the tests start get a scrubbed environment and find it beside graflowctl.
  setenv("GRAFLOW_TLS_MODULE", GRAFLOW_TLS_MODULE_PATH, 0);
#endif
  return doctest::Context(argc, argv).run();
}
