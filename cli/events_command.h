// cradle events: a live stream of what the selected tasks do (syscalls with their arguments
// and return values, capability checks, execs and exits), from event programs of its own that
// are attached only while it runs.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/event_stream.h"

namespace cradle {

extern const char* const k_events_command_help;

enum class EventsOutput { table, json };

struct EventsCommandOptions {
    EventFilter filter;                      // what the kernel side reports, from --trace
    std::vector<std::string> container_ids;  // container=ID: resolved to cgroups through the collector
    EventsOutput output = EventsOutput::table;
    std::optional<std::string> output_file;  // --output-file: else standard output
    std::uint32_t buffer_pages = k_default_buffer_pages;
    std::optional<std::uint64_t> count;  // --count: stop after this many events shown
    std::optional<double> duration;      // --duration: stop after this many seconds
    std::optional<std::string> socket;   // --socket: the collector's, else the configuration's
};

// Parses the arguments after `cradle events`. --trace may be given many times; filters in
// Tracee's spelling: container[=new] (the default when no container=, pid=, comm= or uid=
// filter is given), container=ID, pid=new, pid=N[,N...], comm=NAME[,NAME...], uid=N,
// event=LIST (syscall names of this architecture, cap_capable, sched_process_exec,
// sched_process_exit, and the sets fs, net, proc, all). Without event=: the sets fs, net and
// proc and cap_capable. Returns the options, or nothing with the exit status in `exit_status`:
// 0 when --help was asked (the help written on `out`), 2 on a usage error (written on `err`).
std::optional<EventsCommandOptions> parse_events_command(const std::vector<std::string>& args, std::ostream& out,
                                                         std::ostream& err, int& exit_status);

// Streams events until SIGINT or SIGTERM, --count or --duration, then writes the summary on
// `err` (events shown, events lost, counts per event). A change of the lost count is written
// into a JSON stream as its own record when it is seen. Returns 0, or 2 on an error written on
// `err`: the programs do not load (not root, a kernel without BTF), container=ID names no
// container the collector traces, the output file cannot be written.
int run_events_command(const EventsCommandOptions& options, std::ostream& out, std::ostream& err);

// parse_events_command, then run_events_command.
int events_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
