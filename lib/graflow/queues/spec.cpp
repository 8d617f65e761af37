#include "graflow/queues/spec.hpp"

#include "graflow/core/text.hpp"
#include "graflow/core/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <set>
#include <yaml-cpp/yaml.h>

namespace graflow::queues {
namespace {

struct LayoutInfo {
  Layout layout;
  std::string_view name;
  std::vector<std::string_view> options; // besides id
};

const std::array<LayoutInfo, 8>& layouts() {
  static const std::array<LayoutInfo, 8> all{{
      {Layout::graflow, "graflow", {}},
      {Layout::list, "list", {"keys"}},
      {Layout::zset, "zset", {"keys"}},
      {Layout::stream, "stream", {"keys", "group"}},
      {Layout::celery, "celery", {"global_keyprefix", "steps"}},
      {Layout::rq, "rq", {}},
      {Layout::sidekiq, "sidekiq", {}},
      {Layout::bullmq, "bullmq", {"prefix"}},
  }};
  return all;
}

const LayoutInfo& info(Layout layout) {
  return *std::find_if(layouts().begin(), layouts().end(), [&](const LayoutInfo& i) { return i.layout == layout; });
}

std::string closest_hint(std::string_view word, const std::vector<std::string_view>& known) {
  std::string_view best;
  std::size_t best_d = 3;
  for (const auto k : known) {
    const std::size_t d = text::edit_distance(word, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  return best.empty() ? std::string() : fmt::format(" (did you mean {}?)", best);
}

std::string layout_list() {
  std::vector<std::string_view> names;
  for (const auto& l : layouts()) {
    names.push_back(l.name);
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?, at most 63 characters.
bool is_label_value(const std::string& value) {
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (value.empty() || value.size() > 63 || !alnum(value.front()) || !alnum(value.back())) {
    return false;
  }
  return std::all_of(value.begin(), value.end(), [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

std::string label_rule() {
  return "a Kubernetes label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or "
         "digit";
}

std::vector<int> parse_steps(const std::string& where, const std::string& text) {
  std::vector<int> steps;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    int n = -1;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (item.empty() || ec != std::errc{} || ptr != item.data() + item.size() || n < 0 || n > 255) {
      throw usage_error(fmt::format("{}: steps must be whole numbers from 0 to 255 (kombu's priority_steps), not \"{}\"",
                                    where, item));
    }
    if (!steps.empty() && n <= steps.back()) {
      throw usage_error(fmt::format("{}: steps must be in increasing order without repeats, as kombu bisects them: "
                                    "\"{}\"",
                                    where, text));
    }
    steps.push_back(n);
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return steps;
}

// Applies option=value pairs (already split) to a spec of a known layout; checks the result.
QueueSpec build(const std::string& where, Layout layout, std::string name,
                const std::vector<std::pair<std::string, std::string>>& options) {
  QueueSpec spec;
  spec.layout = layout;
  spec.name = std::move(name);
  if (spec.name.empty()) {
    throw usage_error(fmt::format("{}: the {} layout needs a name after \"{}:\"", where, layout_name(layout),
                                  layout_name(layout)));
  }
  std::vector<std::string_view> allowed = info(layout).options;
  allowed.insert(allowed.begin(), "id");
  std::set<std::string> seen;
  for (const auto& [key, value] : options) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      // An option of another layout says which; anything else gets a spelling hint.
      std::vector<std::string_view> owners;
      for (const auto& l : layouts()) {
        if (std::find(l.options.begin(), l.options.end(), key) != l.options.end()) {
          owners.push_back(l.name);
        }
      }
      const std::string hint = owners.empty() ? closest_hint(key, allowed)
                                              : fmt::format(" ({}= is for {})", key, fmt::join(owners, ", "));
      throw usage_error(fmt::format("{}: unknown option \"{}\" for the {} layout{}; it takes {}", where, key,
                                    layout_name(layout), hint, fmt::join(allowed, ", ")));
    }
    if (!seen.insert(key).second) {
      throw usage_error(fmt::format("{}: option \"{}\" given twice", where, key));
    }
    if (value.empty()) {
      throw usage_error(fmt::format("{}: option \"{}\" needs a value", where, key));
    }
    if (key == "id") {
      spec.id = value;
    } else if (key == "keys") {
      spec.keys.clear();
      std::size_t start = 0;
      while (true) {
        const auto plus = value.find('+', start);
        std::string k = value.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
        if (k.empty()) {
          throw usage_error(fmt::format("{}: keys=\"{}\" has an empty key (keys are joined with '+')", where, value));
        }
        spec.keys.push_back(std::move(k));
        if (plus == std::string::npos) {
          break;
        }
        start = plus + 1;
      }
    } else if (key == "prefix") {
      spec.prefix = value;
    } else if (key == "global_keyprefix") {
      spec.global_keyprefix = value;
    } else if (key == "steps") {
      spec.steps = parse_steps(where, value);
    } else if (key == "group") {
      spec.group = value;
    }
  }
  if (layout == Layout::graflow) {
    if (!is_label_value(spec.name)) {
      throw usage_error(fmt::format("{}: \"{}\" is not a valid key prefix: it is also {}", where, spec.name,
                                    label_rule()));
    }
    if (!spec.id.empty() && spec.id != spec.name) {
      throw usage_error(fmt::format("{}: the graflow layout is identified by its key prefix; drop id=", where));
    }
    spec.id = spec.name;
    return spec;
  }
  if (spec.id.empty()) {
    spec.id = spec.name;
    if (!is_label_value(spec.id)) {
      throw usage_error(fmt::format("{}: the queue's id defaults to its name \"{}\", which is not {}; give one with "
                                    "id=",
                                    where, spec.name, label_rule()));
    }
  } else if (!is_label_value(spec.id)) {
    throw usage_error(fmt::format("{}: id \"{}\" is not {}", where, spec.id, label_rule()));
  }
  if ((layout == Layout::list || layout == Layout::zset || layout == Layout::stream) && spec.keys.empty()) {
    spec.keys.push_back(spec.name);
  }
  return spec;
}

std::pair<Layout, std::string> split_layout(const std::string& where, std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    throw usage_error(fmt::format("{}: expected LAYOUT:NAME[,option=value...] (layouts: {})", where, layout_list()));
  }
  const std::string word(text.substr(0, colon));
  const auto layout = layout_from_name(word);
  if (!layout) {
    std::vector<std::string_view> names;
    for (const auto& l : layouts()) {
      names.push_back(l.name);
    }
    throw usage_error(fmt::format("{}: unknown layout \"{}\"{}; layouts are {}", where, word,
                                  closest_hint(word, names), layout_list()));
  }
  return {*layout, std::string(text.substr(colon + 1))};
}

} // namespace

std::string_view layout_name(Layout layout) { return info(layout).name; }

std::optional<Layout> layout_from_name(std::string_view name) {
  for (const auto& l : layouts()) {
    if (l.name == name) {
      return l.layout;
    }
  }
  return std::nullopt;
}

QueueSpec graflow_queue(const std::string& key_prefix) {
  QueueSpec spec;
  spec.layout = Layout::graflow;
  spec.name = key_prefix;
  spec.id = key_prefix;
  return spec;
}

QueueSpec parse_queue_spec(std::string_view text) {
  const std::string where = fmt::format("--queue \"{}\"", text);
  auto [layout, rest] = split_layout(where, text);
  // NAME, then option=value items; a bare item continues a list-valued option
  // (steps=0,3,6,9), as DESIGN writes it.
  std::vector<std::pair<std::string, std::string>> options;
  std::string name;
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const auto comma = rest.find(',', start);
    std::string item = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (first) {
      name = std::move(item);
      first = false;
    } else {
      const auto eq = item.find('=');
      if (eq != std::string::npos) {
        options.emplace_back(item.substr(0, eq), item.substr(eq + 1));
      } else if (!options.empty() && options.back().first == "steps") {
        options.back().second += "," + item;
      } else {
        throw usage_error(fmt::format("{}: expected option=value, not \"{}\"", where, item));
      }
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return build(where, layout, std::move(name), options);
}

QueueSpec queue_spec_from_yaml(const YAML::Node& node, const std::string& where) {
  if (node.IsScalar()) {
    const auto text = node.as<std::string>();
    try {
      return parse_queue_spec(text);
    } catch (const Error& e) {
      // Same checks; name the profile instead of the flag.
      std::string message = e.what();
      const std::string flag = fmt::format("--queue \"{}\"", text);
      if (message.rfind(flag, 0) == 0) {
        message = where + message.substr(flag.size());
      }
      throw usage_error(message);
    }
  }
  if (!node.IsMap()) {
    throw usage_error(fmt::format("{}: expected \"LAYOUT:NAME[,option=value...]\" or a map with layout: and name:",
                                  where));
  }
  std::string layout_word;
  std::string name;
  std::vector<std::pair<std::string, std::string>> options;
  for (const auto& item : node) {
    const auto key = item.first.as<std::string>();
    const YAML::Node& value = item.second;
    std::string text;
    if (value.IsSequence()) {
      if (key != "keys" && key != "steps") {
        throw usage_error(fmt::format("{}: {} must be a single value, not a list", where, key));
      }
      std::vector<std::string> parts;
      for (const auto& v : value) {
        if (!v.IsScalar()) {
          throw usage_error(fmt::format("{}: {} must be a list of values", where, key));
        }
        parts.push_back(v.as<std::string>());
      }
      text = fmt::format("{}", fmt::join(parts, key == "keys" ? "+" : ","));
    } else if (value.IsScalar()) {
      text = value.as<std::string>();
    } else {
      throw usage_error(fmt::format("{}: {} must be a value", where, key));
    }
    if (key == "layout") {
      layout_word = text;
    } else if (key == "name") {
      name = text;
    } else {
      options.emplace_back(key, text);
    }
  }
  if (layout_word.empty()) {
    throw usage_error(fmt::format("{}: layout: is missing (layouts: {})", where, layout_list()));
  }
  return build(where, split_layout(where, layout_word + ":").first, std::move(name), options);
}

void check_unique_ids(const std::vector<QueueSpec>& specs) {
  std::map<std::string, const QueueSpec*> seen;
  for (const auto& spec : specs) {
    // The graflow layout's series carry key_prefix, the others queue: they cannot clash.
    const std::string key = (spec.layout == Layout::graflow ? "p:" : "q:") + spec.id;
    auto [it, inserted] = seen.emplace(key, &spec);
    if (!inserted) {
      if (spec.layout == Layout::graflow) {
        throw usage_error(fmt::format("key prefix \"{}\" is given twice", spec.id));
      }
      throw usage_error(fmt::format("two queues have the id \"{}\" ({}:{} and {}:{}); give one of them another with "
                                    "id=",
                                    spec.id, layout_name(it->second->layout), it->second->name,
                                    layout_name(spec.layout), spec.name));
    }
  }
}

std::string main_key(const QueueSpec& spec) {
  switch (spec.layout) {
  case Layout::graflow:
    return spec.name + ":queue";
  case Layout::list:
  case Layout::zset:
  case Layout::stream:
    return spec.keys.empty() ? spec.name : fmt::format("{}", fmt::join(spec.keys, "+"));
  case Layout::celery:
    return spec.global_keyprefix + spec.name;
  case Layout::rq:
    return "rq:queue:" + spec.name;
  case Layout::sidekiq:
    return "queue:" + spec.name;
  case Layout::bullmq:
    return spec.prefix + ":" + spec.name + ":wait";
  }
  return spec.name;
}

std::string spec_text(const QueueSpec& spec) {
  std::string out = fmt::format("{}:{}", layout_name(spec.layout), spec.name);
  if (spec.layout == Layout::graflow) {
    return out;
  }
  if (spec.id != spec.name) {
    out += ",id=" + spec.id;
  }
  const QueueSpec defaults;
  switch (spec.layout) {
  case Layout::list:
  case Layout::zset:
  case Layout::stream:
    if (spec.keys != std::vector<std::string>{spec.name}) {
      out += fmt::format(",keys={}", fmt::join(spec.keys, "+"));
    }
    if (!spec.group.empty()) {
      out += ",group=" + spec.group;
    }
    break;
  case Layout::celery:
    if (!spec.global_keyprefix.empty()) {
      out += ",global_keyprefix=" + spec.global_keyprefix;
    }
    if (spec.steps != defaults.steps) {
      out += fmt::format(",steps={}", fmt::join(spec.steps, ","));
    }
    break;
  case Layout::bullmq:
    if (spec.prefix != defaults.prefix) {
      out += ",prefix=" + spec.prefix;
    }
    break;
  default:
    break;
  }
  return out;
}

std::vector<std::string> watched_keys(const QueueSpec& spec) {
  switch (spec.layout) {
  case Layout::graflow:
    return {spec.name + ":queue"};
  case Layout::list:
  case Layout::zset:
  case Layout::stream:
    return spec.keys.empty() ? std::vector<std::string>{spec.name} : spec.keys;
  case Layout::celery: {
    std::vector<std::string> keys;
    for (const int step : spec.steps) {
      // kombu's _q_for_pri: NAME, then NAME + "\x06\x16" + step (the transport's sep).
      keys.push_back(step == 0 ? spec.global_keyprefix + spec.name
                               : fmt::format("{}{}\x06\x16{}", spec.global_keyprefix, spec.name, step));
    }
    keys.push_back(spec.global_keyprefix + "unacked");
    return keys;
  }
  case Layout::rq:
    return {"rq:queue:" + spec.name, "rq:wip:" + spec.name};
  case Layout::sidekiq:
    return {"queue:" + spec.name, "processes"};
  case Layout::bullmq: {
    const std::string base = spec.prefix + ":" + spec.name;
    return {base + ":wait", base + ":prioritized", base + ":paused", base + ":active", base + ":meta"};
  }
  }
  return {spec.name};
}

} // namespace graflow::queues
