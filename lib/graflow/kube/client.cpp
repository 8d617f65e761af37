#include "graflow/kube/client.hpp"

#include "graflow/core/duration.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/log.hpp"
#include "graflow/kube/base64.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef GRAFLOW_VERSION
#define GRAFLOW_VERSION "0.0.0"
#endif

namespace graflow::kube {
namespace {

using std::chrono::milliseconds;

// Tokens in files (service account tokens) rotate: re-read them this often, as client-go does.
constexpr auto k_token_file_refresh = std::chrono::minutes(1);

std::string url_encode(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

std::string with_query(const std::string& path, const std::string& param) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + param;
}

std::string dry_run_query(const std::string& path, bool dry_run) {
  return dry_run ? with_query(path, "dryRun=All") : path;
}

bool is_success(int status) { return status >= 200 && status < 300; }

// 429 and 5xx other than 501 Not Implemented may succeed when tried again.
bool is_retryable_status(int status) { return status == 429 || (status >= 500 && status != 501); }

std::optional<milliseconds> retry_after(const net::HttpResponse& response) {
  const auto it = response.headers.find("retry-after");
  if (it == response.headers.end()) {
    return std::nullopt;
  }
  long seconds = 0;
  const std::string& v = it->second;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc{} || ptr != v.data() + v.size() || seconds < 0) {
    return std::nullopt; // an HTTP-date: fall back to the backoff
  }
  return milliseconds(seconds * 1000);
}

json parse_body(const net::HttpResponse& response, const std::string& what) {
  auto doc = json::parse(response.body, nullptr, false);
  if (doc.is_discarded()) {
    throw failure(fmt::format("the Kubernetes API answered {} with a body that is not JSON", what));
  }
  return doc;
}

Scale scale_of(const json& object) {
  Scale s;
  const json spec = object.value("spec", json::object());
  const json status = object.value("status", json::object());
  const json metadata = object.value("metadata", json::object());
  s.replicas = spec.value("replicas", std::int64_t{0});
  s.status_replicas = status.value("replicas", std::int64_t{0});
  s.selector = status.value("selector", "");
  s.resource_version = metadata.value("resourceVersion", "");
  return s;
}

std::string path_only(const std::string& path) { return path.substr(0, path.find('?')); }

} // namespace

const char* to_string(ApplyOutcome outcome) {
  switch (outcome) {
  case ApplyOutcome::created:
    return "created";
  case ApplyOutcome::unchanged:
    return "unchanged";
  case ApplyOutcome::configured:
    break;
  }
  return "configured";
}

HttpFactory module_http_factory() {
  return [](const net::ClientOptions& options) { return net::api().make_client(options); };
}

struct Client::AuthState {
  std::optional<ExecCredentialProvider> exec;
  std::string file_token; // secret
  std::optional<std::chrono::steady_clock::time_point> file_read_at;
};

Client::Client(RestConfig config, HttpFactory http, ClientOptions options)
    : config_(std::move(config)), make_http_(std::move(http)), options_(std::move(options)),
      auth_(std::make_unique<AuthState>()) {
  if (config_.auth.exec) {
    auth_->exec.emplace(config_, ExecCredentialProvider::Options{options_.exec_cache_dir, options_.now});
  }
}

Client::~Client() = default;

std::chrono::system_clock::time_point Client::wall_now() const {
  return options_.now ? options_.now() : std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point Client::steady_now() const {
  static const graflow::SystemClock system; // not kube::SystemClock, the old wall-clock function type
  return (options_.clock != nullptr ? *options_.clock : system).steady();
}

void Client::pause(milliseconds d) {
  if (options_.sleep) {
    options_.sleep(d);
  } else {
    std::this_thread::sleep_for(d);
  }
}

void Client::prepare_auth(net::HttpRequest& request) {
  net::TlsOptions tls = config_.tls;
  const Auth& auth = config_.auth;
  std::string authorization; // secret
  if (auth_->exec) {
    const ExecCredential c = auth_->exec->get();
    if (!c.token.empty()) {
      authorization = "Bearer " + c.token;
    }
    if (!c.client_cert_pem.empty()) {
      tls.client_cert_pem = c.client_cert_pem;
      tls.client_key_pem = c.client_key_pem;
      tls.client_cert_file.clear();
      tls.client_key_file.clear();
    }
  } else if (!auth.token_file.empty()) {
    const auto now = steady_now();
    if (!auth_->file_read_at || now - *auth_->file_read_at > k_token_file_refresh) {
      std::ifstream in(auth.token_file, std::ios::binary);
      if (!in) {
        throw usage_error(fmt::format("cannot read the token file {}{}: {}", auth.token_file.string(),
                                      config_.user.empty() ? "" : fmt::format(" of user \"{}\"", config_.user),
                                      errno_text(errno)));
      }
      std::stringstream buf;
      buf << in.rdbuf();
      std::string token = buf.str();
      while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
        token.pop_back();
      }
      auth_->file_token = std::move(token);
      auth_->file_read_at = now;
    }
    if (!auth_->file_token.empty()) {
      authorization = "Bearer " + auth_->file_token;
    }
  } else if (!auth.token.empty()) {
    authorization = "Bearer " + auth.token;
  } else if (!auth.username.empty() || !auth.password.empty()) {
    authorization = "Basic " + base64_encode(auth.username + ":" + auth.password);
  }
  if (!authorization.empty()) {
    request.headers.emplace_back("Authorization", std::move(authorization));
  }
  // A new client certificate from an exec plugin needs a new connection.
  if (!http_ || tls.client_cert_pem != http_tls_.client_cert_pem || tls.client_key_pem != http_tls_.client_key_pem) {
    http_ = make_http_(net::ClientOptions{tls});
    http_tls_ = std::move(tls);
  }
}

net::HttpResponse Client::attempt(const Call& call, const std::string& url) {
  net::HttpRequest request;
  request.method = call.method;
  request.url = url;
  request.timeout = options_.request_timeout;
  request.headers = {{"Accept", "application/json"}, {"User-Agent", "graflowctl/" GRAFLOW_VERSION}};
  if (!call.body.empty() || !call.content_type.empty()) {
    request.headers.emplace_back("Content-Type", call.content_type.empty() ? "application/json" : call.content_type);
    request.body = call.body;
  }
  prepare_auth(request);
  return http_->send(request);
}

net::HttpResponse Client::send(const Call& call) {
  const std::string url = config_.server + call.path;
  const RetryPolicy& policy = options_.retry;
  bool refreshed_credential = false;
  milliseconds backoff = policy.initial_delay;
  for (int attempt_no = 1;; ++attempt_no) {
    const bool can_retry = call.idempotent && attempt_no < policy.attempts;
    const auto started = steady_now();
    const auto elapsed = [&] {
      return std::chrono::duration_cast<milliseconds>(steady_now() - started).count();
    };
    net::HttpResponse response;
    try {
      response = attempt(call, url);
    } catch (const net::TransportError& e) {
      log::debug(1, "{} {} failed in {} ms: {}", call.method, url, elapsed(), e.what());
      const bool transient = e.kind() == net::TransportFailure::connect || e.kind() == net::TransportFailure::closed;
      if (!transient || !can_retry) {
        throw_transport(e, call);
      }
      log::debug(1, "retrying in {} ms (attempt {} of {})", backoff.count(), attempt_no + 1, policy.attempts);
      pause(backoff);
      backoff = std::min(backoff * 2, policy.max_delay);
      continue;
    }
    log::debug(1, "{} {} {} in {} ms", call.method, url, response.status, elapsed());
    if (is_success(response.status)) {
      return response;
    }
    if (response.status == 401 && auth_->exec && !refreshed_credential) {
      // The plugin's credential may have been revoked before its expiry: ask again, once.
      log::debug(1, "the server rejected the exec plugin's credential; running {} again", auth_->exec->command());
      auth_->exec->invalidate();
      refreshed_credential = true;
      --attempt_no;
      continue;
    }
    if (is_retryable_status(response.status) && can_retry) {
      milliseconds delay = backoff;
      if (const auto after = retry_after(response)) {
        delay = std::min(*after, policy.max_retry_after);
      }
      log::debug(1, "retrying in {} ms (attempt {} of {})", delay.count(), attempt_no + 1, policy.attempts);
      pause(delay);
      backoff = std::min(backoff * 2, policy.max_delay);
      continue;
    }
    if (response.status == 401) {
      throw_unauthorized(response);
    }
    throw api_error_from_response(response.status, response.body);
  }
}

void Client::throw_unauthorized(const net::HttpResponse& response) {
  const Auth& auth = config_.auth;
  const std::string user = config_.user.empty() ? "" : fmt::format("user \"{}\" ", config_.user);
  const std::string where = config_.files.empty() ? "" : fmt::format("in {}", config_.files_string());
  std::string why;
  if (auth.exec) {
    why = fmt::format("the credential from exec plugin \"{}\" was rejected even after running the plugin again; check "
                      "that it logs in to the right cluster",
                      auth.exec->command);
  } else if (config_.context.empty() && !auth.token_file.empty()) {
    why = fmt::format("the service account token {} may have expired or been revoked", auth.token_file.string());
  } else if (!auth.token.empty() || !auth.token_file.empty()) {
    why = fmt::format("the token may have expired or been revoked; get a new one and update {}{}", user, where);
  } else if (!auth.username.empty() || !auth.password.empty()) {
    why = fmt::format("check the username and password of {}{}", user, where);
  } else if (!config_.tls.client_cert_pem.empty()) {
    why = fmt::format("the client certificate of {}{} may have expired or not be signed by a CA the server trusts", user,
                      where);
  } else {
    why = fmt::format("context \"{}\" has no credentials; add a token, a client certificate or an exec plugin to its "
                      "user",
                      config_.context);
  }
  while (!why.empty() && why.back() == ' ') {
    why.pop_back();
  }
  const ApiError original = api_error_from_response(response.status, response.body);
  throw ApiError(401, "Unauthorized", original.server_message(),
                 fmt::format("the server rejected the credentials (401 Unauthorized): {}", why));
}

void Client::throw_transport(const net::TransportError& e, const Call& call) {
  switch (e.kind()) {
  case net::TransportFailure::timeout:
    throw net::TransportError(e.kind(), fmt::format("Kubernetes API request {} {} timed out after {} "
                                                    "(--request-timeout): {}",
                                                    call.method, path_only(call.path),
                                                    format_duration(options_.request_timeout), e.what()));
  case net::TransportFailure::tls: {
    std::string hint;
    if (config_.files.empty()) {
      hint = "check the service account's ca.crt";
    } else {
      hint = fmt::format("check certificate-authority of cluster \"{}\"{} in {}", config_.cluster,
                         config_.tls.client_cert_pem.empty() && !config_.auth.exec
                             ? ""
                             : fmt::format(" and the client certificate of user \"{}\"", config_.user),
                         config_.files_string());
    }
    throw net::TransportError(e.kind(), fmt::format("cannot connect to the Kubernetes API server of {}: {}; {}",
                                                    config_.describe(), e.what(), hint));
  }
  default:
    throw net::TransportError(e.kind(), fmt::format("cannot reach the Kubernetes API server of {}: {}",
                                                    config_.describe(), e.what()));
  }
}

std::optional<json> Client::get(const std::string& path) {
  try {
    return parse_body(send({"GET", path, "", "", true}), "GET " + path_only(path));
  } catch (const ApiError& e) {
    if (e.object_not_found()) {
      return std::nullopt;
    }
    throw;
  }
}

std::string Client::raw_get(const std::string& path) { return send({"GET", path, "", "", true}).body; }

ApplyResult Client::apply(const std::string& path, const std::string& body, const std::string& field_manager,
                          bool force, bool dry_run) {
  std::string target = with_query(path, "fieldManager=" + url_encode(field_manager));
  if (force) {
    target = with_query(target, "force=true");
  }
  target = dry_run_query(target, dry_run);
  const auto sent = wall_now();
  const auto response = send({"PATCH", target, body, "application/apply-patch+yaml", true});
  const auto received = wall_now();
  ApplyResult result;
  result.object = parse_body(response, "PATCH " + path);
  std::optional<std::string> date;
  if (const auto it = response.headers.find("date"); it != response.headers.end()) {
    date = it->second;
  }
  result.outcome = apply_outcome(response.status, result.object, field_manager, date, sent, received);
  return result;
}

json Client::create(const std::string& collection_path, const json& object, bool dry_run) {
  return parse_body(send({"POST", dry_run_query(collection_path, dry_run), object.dump(), "application/json", false}),
                    "POST " + collection_path);
}

json Client::replace(const std::string& path, const json& object, bool dry_run) {
  return parse_body(send({"PUT", dry_run_query(path, dry_run), object.dump(), "application/json", true}),
                    "PUT " + path);
}

bool Client::remove(const std::string& path, const Preconditions& preconditions, bool dry_run) {
  json options = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!preconditions.empty()) {
    json pre = json::object();
    if (!preconditions.uid.empty()) {
      pre["uid"] = preconditions.uid;
    }
    if (!preconditions.resource_version.empty()) {
      pre["resourceVersion"] = preconditions.resource_version;
    }
    options["preconditions"] = pre;
  }
  if (dry_run) {
    options["dryRun"] = json::array({"All"});
  }
  try {
    // Without preconditions a retry after a lost answer could delete a re-created object.
    send({"DELETE", path, options.dump(), "application/json", !preconditions.empty()});
    return true;
  } catch (const ApiError& e) {
    if (e.object_not_found()) {
      return false;
    }
    throw;
  }
}

json Client::patch_merge(const std::string& path, const json& patch, bool dry_run) {
  // A JSON merge patch is idempotent: applying it twice gives the same object.
  return parse_body(send({"PATCH", dry_run_query(path, dry_run), patch.dump(), "application/merge-patch+json", true}),
                    "PATCH " + path);
}

std::optional<Scale> Client::get_scale(const std::string& namespace_, const std::string& deployment) {
  auto object = get(resource_path("apps/v1", "deployments", namespace_, deployment, "scale"));
  if (!object) {
    return std::nullopt;
  }
  return scale_of(*object);
}

Scale Client::set_scale(const std::string& namespace_, const std::string& deployment, std::int64_t replicas,
                        bool dry_run) {
  const json patch = {{"spec", {{"replicas", replicas}}}};
  return scale_of(patch_merge(resource_path("apps/v1", "deployments", namespace_, deployment, "scale"), patch, dry_run));
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

ApplyOutcome apply_outcome(int status, const json& object, const std::string& field_manager,
                           const std::optional<std::string>& date_header, std::chrono::system_clock::time_point sent,
                           std::chrono::system_clock::time_point received) {
  if (status == 201) {
    return ApplyOutcome::created;
  }
  const json managed = object.value("metadata", json::object()).value("managedFields", json::array());
  std::optional<std::chrono::system_clock::time_point> stamped;
  for (const auto& e : managed) {
    if (e.value("manager", "") == field_manager && e.value("operation", "") == "Apply" &&
        e.value("subresource", "").empty()) {
      stamped = parse_rfc3339(e.value("time", ""));
    }
  }
  if (!stamped) {
    return ApplyOutcome::configured;
  }
  std::optional<std::chrono::system_clock::time_point> server_now;
  if (date_header) {
    server_now = parse_http_date(*date_header);
  }
  const auto took = received > sent ? received - sent : std::chrono::system_clock::duration::zero();
  const auto earliest = std::chrono::floor<std::chrono::seconds>(server_now.value_or(received) - took);
  return *stamped < earliest ? ApplyOutcome::unchanged : ApplyOutcome::configured;
}

std::unique_ptr<Client> make_client(const LoadOptions& load, ClientOptions options, HttpFactory http) {
  RestConfig config = load_rest_config(load);
  log::debug(1, "Kubernetes API: {}, namespace {} (from {})", config.describe(), config.namespace_,
             config.namespace_origin());
  return std::make_unique<Client>(std::move(config), std::move(http), std::move(options));
}

} // namespace graflow::kube
