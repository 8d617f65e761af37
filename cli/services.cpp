// Services built once per command from the global flags, the config file and the platform.
#include "app.hpp"

#include "graflow/actions/resolve.hpp"
#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/kube/client.hpp"
#include "graflow/redis/connect.hpp"
#include "graflow/redis/url.hpp"

#include <unistd.h>

namespace graflow::cli {
namespace {

actions::KubeFactory kube_factory(const Globals& g) {
  kube::LoadOptions load;
  load.kubeconfig = g.kubeconfig;
  load.context = g.context;
  load.namespace_ = g.namespace_;
  const actions::Platform& p = *g.platform;
  load.getenv = [env = p.env](const std::string& name) { return env->get(name); };
  kube::ClientOptions options;
  options.request_timeout = parse_duration(g.request_timeout, "--request-timeout");
  if (options.request_timeout.count() <= 0) {
    throw usage_error("--request-timeout must be greater than zero");
  }
  options.sleep = [clock = p.clock](std::chrono::milliseconds d) { clock->sleep(d); };
  options.now = [clock = p.clock] { return clock->now(); };
  options.clock = p.clock;
  return [load, options, http = p.http] { return kube::make_client(load, options, http); };
}

} // namespace

const actions::Platform& process_platform() {
  static const ProcessEnv env;
  static SystemClock clock;
  static helm::ProcessRunner runner;
  static const actions::Platform platform{
      &env,
      &clock,
      kube::module_http_factory(),
      &runner,
      [](const redis::Address& a, std::chrono::milliseconds timeout, int cancel_fd) -> std::unique_ptr<redis::QueueStore> {
        return redis::connect(a, timeout, cancel_fd);
      },
      isatty(STDOUT_FILENO) != 0,
  };
  return platform;
}

actions::Services make_services(const Globals& g, const ProfileUse& use) {
  const actions::Platform& p = *g.platform;
  actions::Services s{*p.env, *p.clock, *g.err, kube_factory(g), p.http, *p.runner, p.redis, p.terminal, {}};
  actions::ResolveInputs in{use.flag, use.sets, g.key_prefix, g.namespace_, g.redis_url, g.queues, use.several_queues};
  if (use.need != ProfileUse::Need::none) {
    const auto config = g.load_config();
    if (use.need == ProfileUse::Need::required ||
        !actions::profile_name(use.flag, config, use.fallback).empty()) {
      s.resolved.profile = actions::resolve_profile(config, in, *p.env, use.command, use.fallback);
    }
  }
  const config::Profile* profile = s.resolved.profile ? &s.resolved.profile->profile : nullptr;
  if (use.redis) {
    const auto url = actions::redis_url(g.redis_url, *p.env, profile);
    s.resolved.redis = actions::redis_address(url, g.redis_flags, *p.env);
    if (s.resolved.redis.tls.insecure) {
      *g.err << "graflowctl: warning: --redis-insecure-skip-tls-verify: the certificate of Redis at "
             << s.resolved.redis.endpoint()
             << " is not verified, so anyone on the network path can read and change this connection\n";
    }
    s.resolved.redis_source = url.source;
    s.resolved.redis_timeout = g.redis_timeout_ms();
  }
  s.resolved.key_prefix_flag = g.key_prefix;
  s.resolved.queue_flags = g.queues;
  s.resolved.format = g.format();
  s.resolved.color = g.color();
  return s;
}

} // namespace graflow::cli
