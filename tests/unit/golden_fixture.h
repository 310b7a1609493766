// The one recording the golden files are rendered from (tests/unit/golden/README.md), and what
// goes with it: the environment it was recorded in, a later run for `cradle diff`, an incomplete
// replica for `cradle merge`, and the events `cradle events` showed while it ran. Built here
// only, so that every writer's golden file describes the same workload.
#pragma once

#include <string>
#include <vector>

#include "cli/event.h"
#include "profilegen/recording.h"
#include "profilegen/trace_json.h"

namespace cradle::test {

// The profile name the golden files use: "web".
inline constexpr const char* k_golden_name = "web";

// A small web service in a container, as the collector flushes it: setup, runtime and workload
// syscalls, implied ones, a 32-bit helper's compat syscalls (x86), arguments of socket, clone
// and personality, capabilities granted, denied and probed, counters. Complete.
Recording golden_recording();

// The tracefile header the collector writes for golden_recording().
std::string golden_header();

// The machine and attach points golden_recording() was recorded with.
TraceEnvironment golden_environment();

// The same service after a change, for `cradle diff golden_recording() golden_changed()`: it
// gained a risky syscall (unshare, with CLONE_NEWNET), a risky socket family (AF_PACKET) and
// capabilities (kill, net_raw), and no longer calls personality or listen.
Recording golden_changed();

// Another replica of the service, whose recording lost events: incomplete, with a reason and
// its loss counter, a syscall the first did not make. For `cradle merge`.
Recording golden_incomplete_replica();

// What `cradle events` showed of the service, in order: its exec, a failed openat, socket,
// clone, a capability check refused, a compat write, the exit.
std::vector<Event> golden_events();

}  // namespace cradle::test
