#pragma once
// Helpers shared by hpa.cpp and hpa_behavior.cpp; not part of the engine's interface.
#include "graflow/simulate/hpa.hpp"

#include <cstdint>
#include <optional>

namespace graflow::simulate::detail {

// Go's int32(f) for the values upstream converts, saturating where C++ would be undefined.
std::int32_t to_int32(double value);

// setCondition: the condition gets this status ("True"/"False") and reason.
void set_condition(std::optional<Condition>& slot, bool status, const char* reason);

} // namespace graflow::simulate::detail
