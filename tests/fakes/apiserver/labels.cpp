#include "labels.hpp"

#include "api_error.hpp"

#include <algorithm>

namespace fake {

using nlohmann::json;

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) {
    return "";
  }
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Splits on commas that are not inside parentheses.
std::vector<std::string> split_terms(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    }
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

std::vector<std::string> split_values(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : list) {
    if (c == ',') {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

} // namespace

LabelSelector LabelSelector::parse(const std::string& text) {
  LabelSelector sel;
  if (trim(text).empty()) {
    return sel;
  }
  for (const auto& term : split_terms(text)) {
    if (term.empty()) {
      throw bad_request("unable to parse requirement: found '', expected: identifier");
    }
    Requirement r;
    if (term[0] == '!') {
      r = {trim(term.substr(1)), "!", {}};
    } else if (auto p = term.find("!="); p != std::string::npos) {
      r = {trim(term.substr(0, p)), "!=", {trim(term.substr(p + 2))}};
    } else if (auto q = term.find("=="); q != std::string::npos) {
      r = {trim(term.substr(0, q)), "=", {trim(term.substr(q + 2))}};
    } else if (auto e = term.find('='); e != std::string::npos) {
      r = {trim(term.substr(0, e)), "=", {trim(term.substr(e + 1))}};
    } else if (auto open = term.find('('); open != std::string::npos) {
      const auto close = term.rfind(')');
      if (close == std::string::npos || close < open) {
        throw bad_request("unable to parse requirement: found '" + term + "', expected: ')'");
      }
      const std::string head = trim(term.substr(0, open));
      const auto space = head.find_last_of(" \t");
      if (space == std::string::npos) {
        throw bad_request("unable to parse requirement: found '" + head + "', expected: in, notin");
      }
      const std::string op = trim(head.substr(space + 1));
      if (op != "in" && op != "notin") {
        throw bad_request("unable to parse requirement: found '" + op + "', expected: in, notin");
      }
      r = {trim(head.substr(0, space)), op, split_values(term.substr(open + 1, close - open - 1))};
    } else {
      r = {term, "exists", {}};
    }
    if (r.key.empty()) {
      throw bad_request("unable to parse requirement: found '" + term + "', expected: identifier");
    }
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

LabelSelector LabelSelector::from_object(const json& selector) {
  LabelSelector sel;
  if (!selector.is_object()) {
    return sel;
  }
  const json match_labels = selector.value("matchLabels", json::object());
  for (const auto& [k, v] : match_labels.items()) {
    sel.reqs_.push_back({k, "=", {v.is_string() ? v.get<std::string>() : v.dump()}});
  }
  for (const auto& expr : selector.value("matchExpressions", json::array())) {
    Requirement r{expr.value("key", ""), "", {}};
    const std::string op = expr.value("operator", "");
    r.op = op == "In" ? "in" : op == "NotIn" ? "notin" : op == "Exists" ? "exists" : "!";
    for (const auto& v : expr.value("values", json::array())) {
      r.values.push_back(v.get<std::string>());
    }
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

bool LabelSelector::matches(const json& labels) const {
  for (const auto& r : reqs_) {
    const bool has = labels.is_object() && labels.contains(r.key);
    const std::string value = has && labels[r.key].is_string() ? labels[r.key].get<std::string>() : "";
    const bool in_values = has && std::find(r.values.begin(), r.values.end(), value) != r.values.end();
    bool ok = false;
    if (r.op == "=" || r.op == "in") {
      ok = in_values;
    } else if (r.op == "!=" || r.op == "notin") {
      ok = !in_values;
    } else if (r.op == "exists") {
      ok = has;
    } else {
      ok = !has;
    }
    if (!ok) {
      return false;
    }
  }
  return true;
}

std::string LabelSelector::str() const {
  auto sorted = reqs_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  std::string out;
  for (const auto& r : sorted) {
    std::string term;
    if (r.op == "=" || r.op == "!=") {
      term = r.key + r.op + r.values.at(0);
    } else if (r.op == "in" || r.op == "notin") {
      std::string vals;
      for (const auto& v : r.values) {
        vals += (vals.empty() ? "" : ",") + v;
      }
      term = r.key + " " + r.op + " (" + vals + ")";
    } else {
      term = (r.op == "!" ? "!" : "") + r.key;
    }
    out += (out.empty() ? "" : ",") + term;
  }
  return out;
}

} // namespace fake
