#pragma once
// kubectl-style columns: upper-case headers, left-aligned, three spaces between columns.
#include <iosfwd>
#include <string>
#include <vector>

namespace graflow {

void write_table(std::ostream& out, const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows);

} // namespace graflow
