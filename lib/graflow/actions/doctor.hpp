#pragma once
// `graflowctl doctor`: walks the pipeline the way the seed's troubleshooting section does
// by hand — Redis, exporter, Prometheus, prometheus-adapter, HPA — one line per check.
#include "graflow/actions/services.hpp"
#include "graflow/config/profile.hpp"
#include "graflow/core/output.hpp"
#include "graflow/net/http.hpp"
#include "graflow/redis/store.hpp"

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace graflow::kube {
class Client;
}

namespace graflow::actions {

enum class CheckStatus { ok, warn, fail };

struct Check {
  std::string name; // stable id for -o json: redis, exporter-deployment, ...
  CheckStatus status = CheckStatus::ok;
  std::string message;
  std::string hint; // what to do, on warn/fail
};

struct DoctorOptions {
  // Prometheus reached directly (empty: through the API server's service proxy).
  std::string prometheus_url;
  std::string prometheus_service = "monitoring/prometheus-server:80"; // NS/NAME:PORT
};

struct DoctorInputs {
  kube::Client* client = nullptr;
  // Connects to Redis; throws a failure Error when it cannot.
  std::function<std::unique_ptr<redis::QueueStore>()> connect_redis;
  std::string redis_endpoint;
  bool redis_tls = false; // rediss://: for the hints
  // An HTTP client for a direct --prometheus-url.
  std::function<std::unique_ptr<net::HttpClient>()> http;
  // The wall time the layouts that need one read the queue at (RQ's expired started jobs, ages).
  std::chrono::system_clock::time_point now{};
};

// Runs every check (a failing check does not stop the others).
std::vector<Check> doctor_checks(const config::Profile& profile, const DoctorOptions& options, DoctorInputs& inputs);

// `graflowctl doctor`: every check on the resolved profile, printed; a failure Error when
// one failed.
void run_doctor(const DoctorOptions& options, Services& services, std::ostream& out);

// One line per check with ✓ / ! / ✗ and a hint line under failures; -o json/yaml:
// {"ok": bool, "checks": [{name, status, message, hint}]}. Returns true when nothing failed.
bool print_checks(std::ostream& out, const std::vector<Check>& checks, Format format, bool color);

// Kubernetes quantities as the HPA reports them: "137", "12500m", "1.5k".
std::optional<double> parse_quantity(const std::string& q);

} // namespace graflow::actions
