#include "prometheus.hpp"

#include <cctype>
#include <curl/curl.h>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace graflow::testing {
namespace {

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

size_t append(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct HttpResult {
  long status = 0;
  std::string body;
};

HttpResult http_get(const std::string& url, std::chrono::milliseconds timeout) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) {
    throw std::runtime_error("curl_easy_init failed");
  }
  HttpResult result;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &result.body);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) {
    throw std::runtime_error("GET " + url + ": " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &result.status);
  return result;
}

std::string seconds(std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; }

} // namespace

std::string url_encode(const std::string& text) {
  static const char* const hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

PrometheusServer::PrometheusServer(std::vector<std::string> targets, PrometheusOptions options)
    : dir_("graflow-prometheus"), port_(free_port()) {
  std::string config = "global:\n  scrape_interval: " + seconds(options.scrape_interval) +
                       "\n  scrape_timeout: " + seconds(options.scrape_interval) +
                       "\n  evaluation_interval: " + seconds(options.scrape_interval) +
                       "\nscrape_configs:\n  - job_name: " + double_quoted(options.job) +
                       "\n    metrics_path: " + double_quoted(options.metrics_path) +
                       "\n    static_configs:\n      - targets: [";
  for (std::size_t i = 0; i < targets.size(); ++i) {
    config += (i == 0 ? "" : ", ") + double_quoted(targets[i]);
  }
  config += "]\n";
  if (!options.labels.empty()) {
    config += "        labels:\n";
    for (const auto& [name, value] : options.labels) {
      config += "          " + name + ": " + double_quoted(value) + "\n";
    }
  }
  write_text(dir_ / "prometheus.yml", config);

  std::vector<std::string> argv = {"prometheus",
                                   "--config.file=" + (dir_ / "prometheus.yml").string(),
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                   "--storage.tsdb.path=" + (dir_ / "data").string(),
                                   "--log.level=warn"};
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  process_ = std::make_unique<Process>(argv);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) {
      throw std::runtime_error("prometheus exited during start-up:\n" + log());
    }
    try {
      if (http_get(url() + "/-/ready", std::chrono::seconds(1)).status == 200) {
        return;
      }
    } catch (const std::runtime_error&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("prometheus did not get ready within 30 s:\n" + log());
}

PrometheusServer::~PrometheusServer() = default; // Process stops it by PID

std::string PrometheusServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string PrometheusServer::log() const { return process_ ? process_->err() : ""; }

nlohmann::json PrometheusServer::get_json(const std::string& path_and_query) const {
  const HttpResult r = http_get(url() + path_and_query, std::chrono::seconds(10));
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(r.body);
  } catch (const nlohmann::json::exception&) {
    throw std::runtime_error("prometheus answered " + std::to_string(r.status) + " with non-JSON: " + r.body);
  }
  if (doc.value("status", "") != "success") {
    throw std::runtime_error("prometheus: " + doc.value("errorType", "error") + ": " + doc.value("error", r.body));
  }
  return doc;
}

nlohmann::json PrometheusServer::query(const std::string& promql) const {
  const nlohmann::json doc = get_json("/api/v1/query?query=" + url_encode(promql));
  return doc.at("data").at("result");
}

nlohmann::json PrometheusServer::wait_for(const std::string& promql,
                                          const std::function<bool(const nlohmann::json&)>& predicate,
                                          std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json last;
  while (true) {
    last = query(promql);
    if (predicate(last)) {
      return last;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("timed out waiting for `" + promql + "`; last result: " + last.dump());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

double sample_value(const nlohmann::json& sample) {
  return std::stod(sample.at("value").at(1).get<std::string>());
}

std::function<bool(const nlohmann::json&)> one_value(double expected) {
  return [expected](const nlohmann::json& result) {
    return result.size() == 1 && sample_value(result[0]) == expected;
  };
}

PrometheusOptions in_namespace(const std::string& ns) {
  PrometheusOptions o;
  o.labels = {{"namespace", ns}};
  return o;
}

std::string double_quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

} // namespace graflow::testing
