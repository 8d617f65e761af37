#include "store.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <random>

namespace fake {

std::string Store::key(const ResourceInfo& res, const std::string& ns, const std::string& name) {
  return res.group_resource() + '\x1f' + (res.namespaced ? ns : "") + '\x1f' + name;
}

Entry* Store::find(const ResourceInfo& res, const std::string& ns, const std::string& name) {
  const auto it = entries_.find(key(res, ns, name));
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<Entry*> Store::list(const ResourceInfo& res, const std::string& ns) {
  const std::string prefix = res.group_resource() + '\x1f' + (res.namespaced && !ns.empty() ? ns + '\x1f' : "");
  std::vector<Entry*> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end() && it->first.starts_with(prefix); ++it) {
    out.push_back(&it->second);
  }
  return out;
}

Entry& Store::put(const ResourceInfo& res, const std::string& ns, const std::string& name, Entry entry) {
  Entry& slot = entries_[key(res, ns, name)];
  slot = std::move(entry);
  return slot;
}

bool Store::erase(const ResourceInfo& res, const std::string& ns, const std::string& name) {
  return entries_.erase(key(res, ns, name)) > 0;
}

std::set<std::string> Store::namespaces() const {
  std::set<std::string> out = {"default", "kube-system"};
  for (const auto& [k, e] : entries_) {
    const auto& meta = e.object["metadata"];
    if (meta.contains("namespace")) {
      out.insert(meta["namespace"].get<std::string>());
    }
  }
  return out;
}

void Store::clear() {
  entries_.clear();
  journal_.clear();
  forgotten_ = revision_;
}

void Store::record(const ResourceInfo& res, const std::string& ns, const std::string& type, nlohmann::json object) {
  constexpr std::size_t journal_limit = 10000;
  journal_.push_back({revision_, type, res.group_resource(), res.namespaced ? ns : "", std::move(object)});
  while (journal_.size() > journal_limit) {
    forgotten_ = journal_.front().revision;
    journal_.pop_front();
  }
  changed.notify_all();
}

std::vector<WatchEvent> Store::events_since(const ResourceInfo& res, const std::string& ns,
                                            std::uint64_t revision) const {
  std::vector<WatchEvent> out;
  const std::string resource = res.group_resource();
  for (auto it = journal_.rbegin(); it != journal_.rend() && it->revision > revision; ++it) {
    if (it->resource == resource && (ns.empty() || it->ns == ns)) {
      out.push_back(*it);
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::uint64_t Store::oldest_watchable() const { return forgotten_; }

std::string new_uid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  const std::uint64_t a = rng();
  const std::uint64_t b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

namespace {
std::function<std::time_t()>& time_source() {
  static std::function<std::time_t()> source;
  return source;
}
} // namespace

void set_time_source(std::function<std::time_t()> source) { time_source() = std::move(source); }

std::time_t now_seconds() { return time_source() ? time_source()() : std::time(nullptr); }

std::string now_http_date() {
  const std::time_t t = now_seconds();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string now_rfc3339() {
  const std::time_t t = now_seconds();
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

} // namespace fake
