#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace fake {

// A parsed label selector (the query-string form: a=b,c!=d,e,!f,g in (x,y),h notin (z)).
class LabelSelector {
public:
  // Throws ApiError(400) on a malformed selector, like the apiserver.
  static LabelSelector parse(const std::string& text);
  // Builds the selector of a metav1.LabelSelector object (matchLabels/matchExpressions).
  static LabelSelector from_object(const nlohmann::json& selector);

  bool matches(const nlohmann::json& labels) const;
  bool empty() const { return reqs_.empty(); }
  // The canonical string form, as Scale.status.selector shows it.
  std::string str() const;

private:
  struct Requirement {
    std::string key;
    std::string op; // =, !=, in, notin, exists, !
    std::vector<std::string> values;
  };
  std::vector<Requirement> reqs_;
};

} // namespace fake
