#include "graflow/core/yaml.hpp"

#include <fmt/format.h>
#include <unordered_map>
#include <vector>

namespace graflow::yaml {
namespace {

int line_of(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

// Every map in the tree, iteratively (a deep file must not overflow the stack). A hash set
// per map keeps a map of 30,000 entries linear.
void check_unique_keys(const YAML::Node& root) {
  std::vector<YAML::Node> todo{root};
  while (!todo.empty()) {
    const YAML::Node node = todo.back();
    todo.pop_back();
    if (node.IsMap()) {
      std::unordered_map<std::string, int> seen;
      seen.reserve(node.size());
      for (const auto& kv : node) {
        if (kv.first.IsScalar()) {
          const auto [it, fresh] = seen.emplace(kv.first.Scalar(), line_of(kv.first));
          if (!fresh) {
            throw ParseError(line_of(kv.first), fmt::format("duplicate key \"{}\" (first at line {})",
                                                            kv.first.Scalar(), it->second));
          }
        }
        todo.push_back(kv.second);
      }
    } else if (node.IsSequence()) {
      for (const auto& item : node) {
        todo.push_back(item);
      }
    }
  }
}

// The line of the second document's "---" (yaml-cpp gives no mark for an empty document).
int second_document_line(const std::string& text, const YAML::Node& second) {
  if (const int line = line_of(second); line > 0) {
    return line;
  }
  int line = 0;
  int markers = 0;
  bool content = false;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    const std::string_view l(text.data() + start, end - start);
    ++line;
    if (l.starts_with("---") || l.starts_with("...")) {
      if (content || markers > 0) {
        return line;
      }
      ++markers;
    } else if (!l.empty() && l.front() != '#') {
      content = true;
    }
    start = end + 1;
  }
  return 0;
}

} // namespace

YAML::Node load_one(const std::string& text) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw ParseError(e.mark.line >= 0 ? e.mark.line + 1 : 0, e.msg);
  }
  if (docs.empty()) {
    return YAML::Node();
  }
  if (docs.size() > 1) {
    throw ParseError(second_document_line(text, docs[1]),
                     "a second YAML document (after ---): the file must hold exactly one");
  }
  check_unique_keys(docs.front());
  return docs.front();
}

} // namespace graflow::yaml
