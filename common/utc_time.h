// Times as Cradle writes them for people: in UTC, ISO 8601.
#pragma once

#include <cstdint>
#include <string>

namespace cradle {

// `seconds` since the epoch as "2026-11-30T14:25:00Z".
std::string utc_timestamp(std::int64_t seconds);

}  // namespace cradle
