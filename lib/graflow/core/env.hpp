#pragma once
// The environment as the library sees it. Nothing in lib/ calls std::getenv: cli/ builds
// a ProcessEnv once and hands it down through Services; tests build a MapEnv.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace graflow {

class Env {
public:
  virtual ~Env() = default;
  // The variable's value; nullopt when it is unset. An empty value is returned as "".
  [[nodiscard]] virtual std::optional<std::string> get(std::string_view name) const = 0;
  // The value when set and non-empty (how most variables here are read), else nullopt.
  [[nodiscard]] std::optional<std::string> non_empty(std::string_view name) const {
    auto v = get(name);
    if (v && v->empty()) {
      return std::nullopt;
    }
    return v;
  }
};

// The real process environment.
class ProcessEnv final : public Env {
public:
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const override;
};

// A fixed set of variables (tests, and callers that must not see the real environment).
class MapEnv final : public Env {
public:
  MapEnv() = default;
  explicit MapEnv(std::map<std::string, std::string, std::less<>> vars) : vars_(std::move(vars)) {}
  void set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const override {
    if (auto it = vars_.find(name); it != vars_.end()) {
      return it->second;
    }
    return std::nullopt;
  }

private:
  std::map<std::string, std::string, std::less<>> vars_;
};

} // namespace graflow
