// The writers of `cradle events`: a table row or a JSON line per event, the loss records, and
// the summary printed at the end.
//
// Each writer appends to a string the caller owns, so one buffer is reused for every event (no
// allocation per event once it has grown) and the caller decides when to write it out. Values
// come from cli/event_decode.h; bytes from the task (comm, uts name, strings) are escaped there.
//
// Table: the columns of Tracee, in this order and these widths (left-aligned, one space between;
// a longer value pushes the rest of its row to the right, except UTS_NAME, which is cut):
//   TIME(s) 16: seconds since boot with microseconds, 12345.678901
//   UTS_NAME 16, MNT_NS 10, PID_NS 10, UID 6, EVENT 24, COMM 16, PID 7, TID 7, PPID 7
//   RET 16: a syscall's return value (-ENOENT for errors); empty for the other events, whose
//           outcome is among their arguments (cap_capable's verdict, sched_process_exit's code)
//   ARGS: "name: value, name: value", values as append_argument writes them
//
// JSON: one object a line, members in this order:
//   time        number, seconds since boot with microseconds (12345.678901)
//   uts_name, event, comm  strings
//   mnt_ns, pid_ns, uid, pid, tid, ppid  numbers
//   ret         number, the return value (syscall events only)
//   ret_name    string, the errno name of a failed syscall ("ENOENT"; only when ret is an error)
//   args        object, one member per argument in the event's order:
//               signed_integer, unsigned_integer: number; fd: number, "AT_FDCWD" for -100;
//               boolean: true/false; user_string, kernel_string: string, null when unreadable;
//               user_string_array: array of strings, null when unreadable;
//               everything else: the string append_argument writes ("O_RDONLY|O_CLOEXEC",
//               "0x7f12a000", "AF_INET 10.0.0.1:80"; sockaddr and clone_args null when
//               unreadable).
//               Strings are escaped as append_escaped says, and are not marked "..." when cut.
//   user_memory array of the names of the arguments read from the task's memory (strings, string
//               arrays, socket addresses, clone3's clone_args), which the task can change after they were read; always
//               present, often []
//   truncated   array of the names of the arguments cut at the reader's limit; only when any
//   container_id, profile  strings, only when known
//   compat      true, only for a syscall made through the 32-bit ABI
// Loss record (JSON): {"lost":TOTAL,"new":NEW}, a line of its own in the stream.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cli/event.h"

namespace cradle {

// Appends the table's header line (ending in '\n').
void append_table_header(std::string& out);

// Appends `event` as one table row (ending in '\n').
void append_table_row(std::string& out, const Event& event);

// Appends `event` as one JSON object and a '\n'.
void append_json_line(std::string& out, const Event& event);

// Events the ring buffer dropped: `total` since the stream started, `added` since the last report.
struct EventLoss {
    std::uint64_t total = 0;
    std::uint64_t added = 0;
};

// Appends the loss record of the JSON stream: {"lost":TOTAL,"new":ADDED}\n.
void append_json_loss(std::string& out, const EventLoss& loss);

// Appends the loss line of the table stream: "LOST 12 events (34 in all)\n".
void append_table_loss(std::string& out, const EventLoss& loss);

// Appends the warning printed on standard error when cgroups made beneath container= cgroups
// did not fit in the kernel side's filter: "cradle events: warning: 2 cgroups beneath the
// container= cgroups did not fit in the filter (1024 cgroups at most): their tasks are not
// reported (3 in all)\n". Not a count of events: how many such tasks would have made is unknown.
void append_cgroup_warning(std::string& out, const EventLoss& loss);

// What a stream could not show, for its summary.
struct StreamLosses {
    std::uint64_t events = 0;   // events the kernel side selected and dropped (EventStream::lost)
    std::uint64_t cgroups = 0;  // cgroups left out of the filter (EventStream::lost_cgroups)
};

// How many events of each name a stream showed, for its summary.
class EventTally {
public:
    // Counts one event named `name` (no allocation once the name has been seen).
    void add(std::string_view name);

    std::uint64_t shown() const { return m_shown; }

    // (name, count) pairs, most frequent first, names in byte order among equal counts.
    std::vector<std::pair<std::string, std::uint64_t>> by_count() const;

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
    };
    std::unordered_map<std::string, std::uint64_t, Hash, std::equal_to<>> m_counts;
    std::uint64_t m_shown = 0;
};

// The summary printed on stderr when a stream ends:
//   events shown: 1234
//   events lost: 0
//   cgroups left out: 2      (only when any were)
//   openat               1200
//   execve                  3
// one line per event name in by_count() order, names padded to the longest.
std::string format_summary(const EventTally& tally, const StreamLosses& losses);

}  // namespace cradle
