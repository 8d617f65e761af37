#include "graflow/core/clock.hpp"

#include <thread>

namespace graflow {

void SystemClock::sleep(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

} // namespace graflow
