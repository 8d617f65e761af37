#include "graflow/core/table.hpp"

#include <algorithm>
#include <ostream>

namespace graflow {

void write_table(std::ostream& out, const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(headers.size());
  for (std::size_t c = 0; c < headers.size(); ++c) {
    width[c] = headers[c].size();
    for (const auto& row : rows) {
      if (c < row.size()) {
        width[c] = std::max(width[c], row[c].size());
      }
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < headers.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      text += cell;
      if (c + 1 < headers.size()) {
        text.append(width[c] - cell.size() + 3, ' ');
      }
    }
    while (!text.empty() && text.back() == ' ') {
      text.pop_back();
    }
    out << text << '\n';
  };
  line(headers);
  for (const auto& row : rows) {
    line(row);
  }
}

} // namespace graflow
