// The collector's status answer ({"op":"status"}, common/protocol.h) written for people and
// scripts.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace cradle {

// `status` as lines for a person: how capability checks are observed, how moved processes are
// marked, the profile and pin directories, the runtime baseline, the kernel side's losses that
// no container's record counts, the number of traced containers, then one row each (ID,
// PROFILE, PHASE, SYSCALLS, LOST, the sum of the lost counters) when there are any. The answer comes from another
// process, maybe of another version: a member that is missing or of another type reads as "?" (ids and names as empty,
// counts as 0), and nothing throws.
std::string render_status_text(const nlohmann::json& status);

// `status` as JSON text indented by 2, for scripts. Fails (EILSEQ, write_json's message naming
// the member) when a string is not UTF-8.
Result<std::string> render_status_json(const nlohmann::json& status);

}  // namespace cradle
