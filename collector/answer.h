// The collector's answers (common/protocol.h), from its typed results: the one place where
// the collector writes the protocol's JSON. Every answer is one line of JSON text; bytes that
// are not UTF-8 (an error may quote attacker input) are replaced, never thrown on.
#pragma once

#include <string>

#include "collector/collector.h"

namespace cradle {

// {"ok":false,"error":MESSAGE}
std::string answer_failure(const std::string& message);

// {"ok":true,"name":NAME,"slot":N,"cgroup_id":N}
std::string answer_registered(const Registration& registration);

// {"ok":true,"name":NAME,"files":[...],"incomplete":[...],"forgotten":BOOL}
std::string answer_flushed(const FlushOutcome& outcome);

// {"ok":true,"capability_source":..., "containers":[{"id":..., "phase":..., ...}], ...}: what
// `cradle status` prints.
std::string answer_status(const CollectorStatus& status);

}  // namespace cradle
