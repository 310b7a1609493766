// The JSON tracefile, `<name>.trace.json`: what the text tracefile holds, per syscall with the
// phases it was seen in, and where it was recorded. For scripts (jq); the text tracefile stays
// the one ctrace reads, and the one the collector merges into.
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "profilegen/recording.h"

namespace cradle {

// The value of the document's "schema" member; a change that breaks a reader gets a new one.
inline constexpr const char* k_trace_json_schema = "cradle.trace/v1";

// Where and how the recording was made: the machine and the collector that flushed it last.
// Empty members are left out of the document.
struct TraceEnvironment {
    std::string kernel_release;                        // uname -r
    std::string machine;                               // uname -m
    std::map<std::string, std::string> attach_points;  // what they observed -> the attach point:
                                                       // "capability_checks" -> "tp_btf/cap_capable"
};

// The document, indented by 2, keys sorted, with a trailing newline:
//   {"schema": "cradle.trace/v1",
//    "complete": true,                  // recording.complete()
//    "incomplete_reasons": [...],       // in the recording's order
//    "architectures": ["x86", "x86_64"],
//    "syscalls": {"execve": {"allowed": true, "implied": false, "phases": ["runtime"]}, ...},
//    "compat_syscalls": {"_llseek": {"allowed": true, "implied": false}, ...},
//    "arguments": {"socket": {"values": ["AF_INET", "AF_UNIX"], "any": false},
//                  "clone": {"values": [], "any": false}, ...},
//    "capabilities": {"granted": ["CAP_CHOWN"], "denied": [...], "probed": [...]},
//    "counters": {"lost_syscalls": 0, ...},
//    "runtimes": [{"name": "runc", "path": "/usr/sbin/runc", "manager": "podman"}],
//    "recorded_by": {"kernel_release": "6.18.0", "machine": "x86_64",
//                    "attach_points": {"capability_checks": "tp_btf/cap_capable", ...}}}
// "syscalls" has every syscall of the allow-list and of setup_syscalls. "allowed": in the
// allow-list. "implied": added without being seen (implied_syscalls). "phases", in this order:
// "setup" when in setup_syscalls, "runtime" when in runtime_syscalls, "workload" when allowed
// and neither a runtime syscall nor implied (the recording keeps the union of the runtime's and
// the workload's syscalls, so a runtime syscall the workload made too reads "runtime" alone).
// "compat_syscalls": the 32-bit ABI's allow-list (COMPAT_SYSCALLS), "implied" as
// compat_implied_syscalls says; empty for a native-only recording. "arguments": the values the
// argument filters were made from (ARGUMENTS, spelt as argument_value_text writes them; an empty
// list for clone, clone3 or unshare made without a namespace flag; "any" when a value was not
// kept). No entry has a count: the kernel side records whether a syscall was made, not how often.
// Capabilities are spelt as OCI spells them, sorted. "runtimes": always a list, of the runtimes
// that created the containers recorded and what drove them (recording.runtimes; see
// common/container_runtime.h for the values of "manager"), one object each with the members known
// (a member not known left out), sorted as the RUNTIMES section; more than one only when merged
// recordings name different runtimes; empty when none is known (a tracefile from before, a hook
// that could not tell), like the other lists. "recorded_by" is left out when `environment` is
// empty. Fails (EILSEQ, write_json's message) when a reason is not UTF-8.
Result<std::string> render_trace_json(const Recording& recording, const TraceEnvironment& environment);

}  // namespace cradle
