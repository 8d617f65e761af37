// core/module: finding, dlopen'ing and reporting graflowctl's modules.
#include "graflow/core/error.hpp"
#include "graflow/core/module.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>

using namespace graflow;
using graflow::testing::TempDir;
using graflow::testing::write_text;

namespace {

module::Spec spec_for(std::vector<std::filesystem::path> first, std::string symbol = "graflow_test_module_answer") {
  return {"graflow-test-module.so", std::move(symbol), "the test needs", "rebuild the tests", std::move(first), {}};
}

std::string failure_message(const module::Spec& spec) {
  try {
    module::load_symbol(spec);
  } catch (const Error& e) {
    CHECK(e.code() == Exit::failure);
    return e.what();
  }
  FAIL("no error thrown");
  return "";
}

} // namespace

TEST_CASE("load_symbol opens the first module that exists and returns its entry point") {
  TempDir dir;
  auto spec = spec_for({dir / "missing.so", GRAFLOW_TEST_MODULE});
  void* symbol = module::load_symbol(spec);
  REQUIRE(symbol != nullptr);
  CHECK(reinterpret_cast<int (*)(int)>(symbol)(7) == 42);

  // Paths after the default locations are tried too.
  spec = spec_for({});
  spec.last = {GRAFLOW_TEST_MODULE};
  CHECK(reinterpret_cast<int (*)(int)>(module::load_symbol(spec))(2) == 12);
}

TEST_CASE("load_symbol says which module is missing, why, and what to do") {
  TempDir dir;
  CHECK(failure_message(spec_for({dir / "missing.so"})) ==
        "cannot load graflow-test-module.so, which the test needs (not found); rebuild the tests");

  write_text(dir / "broken.so", "not an ELF file\n");
  const std::string broken = failure_message(spec_for({dir / "broken.so"}));
  CHECK(broken.rfind("cannot load graflow-test-module.so, which the test needs (" + (dir / "broken.so").string(), 0) ==
        0); // dlerror() names the file and the cause
  CHECK(broken.find("; rebuild the tests") != std::string::npos);

  CHECK(failure_message(spec_for({GRAFLOW_TEST_MODULE}, "no_such_entry")) ==
        "cannot load graflow-test-module.so, which the test needs (" + std::string(GRAFLOW_TEST_MODULE) +
            " has no no_such_entry); rebuild the tests");
}

TEST_CASE("modules are looked for next to the executable, then in lib/graflowctl/ beside its bin/") {
  const auto exe = std::filesystem::read_symlink("/proc/self/exe");
  const auto paths = module::default_locations("m.so");
  REQUIRE(paths.size() == 2);
  CHECK(paths[0] == exe.parent_path() / "m.so");
  CHECK(paths[1].filename() == "m.so");
  CHECK(paths[1].parent_path().filename() == "graflowctl");
  CHECK(paths[1].string().rfind(exe.parent_path().string() + "/../", 0) == 0);
}
