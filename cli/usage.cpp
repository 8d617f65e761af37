#include "usage.hpp"

#include "graflow/config/schema.hpp"
#include "graflow/core/error.hpp"
#include "graflow/core/printable.hpp"
#include "graflow/core/text.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fmt/format.h>
#include <optional>

namespace graflow::cli {
namespace {

// Echoed words are cut: a pasted file must not become a screenful of error.
constexpr std::size_t echo_max = 80;

std::string quote_word(const std::string& word) { return "\"" + printable(word, echo_max) + "\""; }

// The deepest command named so far.
const CLI::App& deepest(const CLI::App& root) {
  const CLI::App* app = &root;
  for (;;) {
    const auto parsed = app->get_subcommands();
    if (parsed.empty()) {
      return *app;
    }
    app = parsed.back();
  }
}

std::string path_of(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* p = app.get_parent(); p != nullptr; p = p->get_parent()) {
    path.insert(0, " ").insert(0, p->get_name());
  }
  return path;
}

std::string see_help(const CLI::App& app) { return fmt::format(" (see '{} --help')", path_of(app)); }

// The candidate nearest to `word`: one that `word` begins (kubectl's "rend" -> "render"),
// else one within 2 edits (a third of the length, for long words).
std::optional<std::string> nearest(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = std::max<std::size_t>(3, word.size() / 3 + 1);
  for (const auto& c : candidates) {
    std::size_t d = text::edit_distance(word, c, true);
    if (word.size() >= 3 && c.rfind(word, 0) == 0) {
      d = std::min<std::size_t>(d, 1);
    }
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const auto n = nearest(word, candidates);
  return n ? fmt::format("; did you mean \"{}\"?", *n) : "";
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
    names.push_back(sub->get_name());
  }
  return names;
}

// Every flag `app` accepts: its own and, as commands fall through to their parents, the
// global ones.
std::vector<std::string> flag_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* o : a->get_options()) {
      for (const auto& l : o->get_lnames()) {
        names.push_back("--" + l);
      }
      for (const auto& s : o->get_snames()) {
        names.push_back("-" + s);
      }
    }
  }
  return names;
}

bool looks_like_flag(const std::string& word) {
  return word.size() > 1 && word[0] == '-' && !std::isdigit(static_cast<unsigned char>(word[1]));
}

std::string lower_first(std::string s) {
  if (s.size() > 1 && std::isupper(static_cast<unsigned char>(s[0])) && !std::isupper(static_cast<unsigned char>(s[1]))) {
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  }
  return s;
}

// "NAME: text" (CLI11's ValidationError and ArgumentMismatch) split at the first ": ".
std::pair<std::string, std::string> split_name(const std::string& what) {
  const auto colon = what.find(": ");
  if (colon == std::string::npos) {
    return {"", what};
  }
  return {what.substr(0, colon), what.substr(colon + 2)};
}

std::optional<long double> parse_number(const std::string& s, bool whole) {
  if (s.empty() || s[0] == '+' || std::isspace(static_cast<unsigned char>(s[0]))) {
    return std::nullopt;
  }
  if (whole) {
    long long n = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc::result_out_of_range) {
      return s[0] == '-' ? -HUGE_VALL : HUGE_VALL; // beyond any limit: reported as out of range
    }
    if (ec != std::errc{} || ptr != s.data() + s.size()) {
      return std::nullopt;
    }
    return static_cast<long double>(n);
  }
  double d = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(d)) {
    return std::nullopt;
  }
  return d;
}

} // namespace

std::string unknown_words_error(const CLI::App& root) {
  const auto words = root.remaining(true);
  if (words.empty()) {
    return "";
  }
  const CLI::App& app = deepest(root);
  const std::string& word = words.front();
  if (looks_like_flag(word)) {
    const std::string flag = word.substr(0, word.find('='));
    return fmt::format("unknown flag {} for \"{}\"{}", quote_word(flag), path_of(app), did_you_mean(flag, flag_names(app))) +
           see_help(app);
  }
  const auto commands = command_names(app);
  if (!commands.empty()) {
    return fmt::format("unknown command {} for \"{}\"{}", quote_word(word), path_of(app), did_you_mean(word, commands)) +
           see_help(app);
  }
  return fmt::format("unexpected argument {} for \"{}\"", quote_word(word), path_of(app)) + see_help(app);
}

std::string parse_error_message(const CLI::App& root, const CLI::ParseError& e) {
  if (auto unknown = unknown_words_error(root); !unknown.empty()) {
    return unknown;
  }
  const CLI::App& app = deepest(root);
  const std::string what = e.what();
  std::string message;
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
    if (what.rfind("A subcommand", 0) == 0) {
      std::string list;
      for (const auto& n : command_names(app)) {
        list += (list.empty() ? "" : ", ") + n;
      }
      message = fmt::format("\"{}\" needs a command: {}", path_of(app), list);
    } else if (const auto is = what.rfind(" is required"); is != std::string::npos) {
      message = fmt::format("\"{}\" needs {}", path_of(app), what.substr(0, is));
    } else {
      message = lower_first(what);
    }
  } else if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    const std::string name = split_name(what).first;
    message = name.empty() || name.find(' ') != std::string::npos ? lower_first(what) : name + " needs a value";
  } else if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr) {
    // "Could not convert: --x = abc" (a type without its own validator)
    const auto eq = what.find(" = ");
    const auto colon = what.find(": ");
    if (eq != std::string::npos && colon != std::string::npos && colon < eq) {
      message = fmt::format("{}: {} is not a valid value", what.substr(colon + 2, eq - colon - 2),
                            quote_word(what.substr(eq + 3)));
    } else {
      message = lower_first(what);
    }
  } else {
    // ValidationError: "--flag: <our validator's words>"; others as CLI11 says them.
    message = lower_first(what);
  }
  return printable(message, 400) + see_help(app);
}

CLI::Validator whole_number(std::int64_t min, std::int64_t max, const std::string& limit) {
  return CLI::Validator(
      [min, max, limit](std::string& value) -> std::string {
        const auto n = parse_number(value, true);
        if (!n) {
          return fmt::format("{} is not a whole number", quote_word(value));
        }
        if (*n < static_cast<long double>(min) || *n > static_cast<long double>(max)) {
          return fmt::format("{} is out of range: it must be from {} to {}{}", printable(value, echo_max), min, max,
                             limit.empty() ? "" : " (" + limit + ")");
        }
        return "";
      },
      fmt::format("INT {}..{}", min, max));
}

CLI::Validator positive_number() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const auto n = parse_number(value, false);
        if (!n) {
          return fmt::format("{} is not a number", quote_word(value));
        }
        if (*n <= 0) {
          return fmt::format("{} must be greater than zero", printable(value, echo_max));
        }
        return "";
      },
      "NUMBER > 0");
}

CLI::Validator one_of(const std::vector<std::string>& choices) {
  // "{a,b}", as CLI::IsMember writes it: the completion scripts read their choices from it.
  std::string desc;
  for (const auto& c : choices) {
    desc += (desc.empty() ? "{" : ",") + c;
  }
  desc += "}";
  return CLI::Validator(
      [choices](std::string& value) -> std::string {
        for (const auto& c : choices) {
          if (value == c) {
            return "";
          }
        }
        std::string list;
        for (std::size_t i = 0; i < choices.size(); ++i) {
          list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
        }
        return fmt::format("{} is not one of {}{}", quote_word(value), list, did_you_mean(value, choices));
      },
      desc);
}

CLI::Validator key_prefix_value() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const auto problem = config::check_scalar(config::Kind::label_value, value);
        return problem ? printable(*problem, 300) : "";
      },
      "PREFIX");
}

CLI::Validator dns_label_value() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const auto problem = config::check_scalar(config::Kind::dns_label, value);
        return problem ? printable(*problem, 300) : "";
      },
      "NAME");
}

CLI::Validator non_empty_value() {
  return CLI::Validator([](std::string& value) -> std::string { return value.empty() ? "must not be empty" : ""; },
                        "");
}

void check_output(const std::string& output, std::string_view command, std::initializer_list<std::string_view> supported,
                  std::string_view prints) {
  for (const auto s : supported) {
    if (output == s) {
      return;
    }
  }
  throw usage_error(fmt::format("{} prints {}: -o {} is not supported", command, prints, output));
}

void check_needs(bool given, std::string_view flag, bool needed_given, std::string_view needs) {
  if (given && !needed_given) {
    throw usage_error(fmt::format("{} only works with {}", flag, needs));
  }
}

} // namespace graflow::cli
