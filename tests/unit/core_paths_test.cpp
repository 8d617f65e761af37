// core/paths: XDG base directories from an injected environment, and PATH lookups.
#include "graflow/core/env.hpp"
#include "graflow/core/paths.hpp"
#include "harness.hpp"

#include <doctest/doctest.h>

using namespace graflow;
using graflow::testing::TempDir;
using graflow::testing::write_text;
namespace fs = std::filesystem;

TEST_CASE("XDG homes: an absolute variable wins, else under $HOME") {
  const MapEnv env({{"HOME", "/home/u"}, {"XDG_CACHE_HOME", "/var/cache/u"}, {"XDG_STATE_HOME", "relative/state"}});
  CHECK(paths::home_dir(env) == fs::path("/home/u"));
  CHECK(paths::cache_home(env) == fs::path("/var/cache/u"));
  CHECK(paths::config_home(env) == fs::path("/home/u/.config"));
  // The spec: a relative value is invalid and ignored.
  CHECK(paths::state_home(env) == fs::path("/home/u/.local/state"));
  CHECK(paths::app_dir(paths::cache_home(env), "exec") == fs::path("/var/cache/u/graflowctl/exec"));
  CHECK(paths::app_dir(paths::config_home(env)) == fs::path("/home/u/.config/graflowctl"));
  CHECK_FALSE(paths::app_dir(std::nullopt, "x").has_value());
}

TEST_CASE("without $HOME the passwd entry is the home, never /tmp") {
  const MapEnv env;
  const auto home = paths::home_dir(env);
  if (home) {
    CHECK(home->is_absolute());
    CHECK(paths::state_home(env) == *home / ".local/state");
  }
  CHECK(paths::state_home(env).value_or("") != fs::path("/tmp/.local/state"));
}

TEST_CASE("find_program looks in PATH in order and skips what is not executable") {
  TempDir dir;
  write_text(dir / "a/tool", "#!/bin/sh\n");
  write_text(dir / "b/tool", "#!/bin/sh\n");
  fs::permissions(dir / "b/tool", fs::perms::owner_all);
  fs::create_directories(dir / "c/tool"); // a directory is not a program
  MapEnv env;
  env.set("PATH", (dir / "a").string() + ":" + (dir / "c").string() + ":" + (dir / "b").string());
  CHECK(paths::find_program("tool", env) == dir / "b/tool");
  CHECK_FALSE(paths::find_program("nope", env).has_value());
  CHECK(paths::find_program("./x/y", env) == fs::path("./x/y"));
  CHECK_FALSE(paths::find_program("tool", MapEnv{}).has_value());
}
