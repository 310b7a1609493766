// EventStream: the event programs (bpf/events.bpf.c) loaded, configured and attached for as
// long as the object lives, and their ring buffer read as cradle::Event values.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cli/event.h"
#include "cli/event_schema.h"
#include "common/result.h"

struct events_bpf;
struct ring_buffer;

namespace cradle {

// What the kernel side reports: tasks every one of whose filters holds, and of those the
// events named. Filters of one kind are alternatives (pid=1 pid=2), kinds all apply.
struct EventFilter {
    bool container_new = false;          // tasks in a pid namespace created after the start
    std::vector<std::uint64_t> cgroups;  // tasks in one of these cgroups (container=ID)
    bool pid_new = false;                // processes created after the start
    std::vector<std::uint32_t> pids;     // processes with these host pids
    std::vector<std::string> comms;      // tasks with one of these command names
    std::optional<std::uint32_t> uid;    // tasks of this real uid
    std::vector<std::string> syscalls;   // syscalls to report, by name
    bool all_syscalls = false;           // every syscall (raw arguments where no schema)
    bool capability = false;             // cap_capable
    bool exec = false;                   // sched_process_exec
    bool exit = false;                   // sched_process_exit
};

// The largest ring buffer, in pages: its size in bytes is a 32-bit number (2 GiB with 4 KiB pages).
inline constexpr std::uint32_t k_max_buffer_pages = 1u << 19;
// 4096 pages (16 MiB): at 500,000 events a second of ~250 bytes, the buffer holds 130 ms of
// events, enough for the reader to be scheduled late on a busy machine without a loss.
inline constexpr std::uint32_t k_default_buffer_pages = 4096;

struct EventStreamOptions {
    EventFilter filter;
    std::uint32_t buffer_pages = k_default_buffer_pages;  // the ring buffer, in pages: a power of two, at most
                                                          // k_max_buffer_pages
};

class EventStream {
public:
    // Loads the event programs with `options`, attaches them and starts recording. Capability
    // checks come from the first source the kernel both loads and attaches, as for the collector:
    // tp_btf/cap_capable (6.14+, no-audit probes told by their caller), fexit/cap_capable,
    // kprobe/cap_capable with a kretprobe (kernels without BPF trampolines), or none (when no
    // capability event is wanted, none is loaded). Fails (with what was being
    // done) when the programs do not load or attach, a syscall name is unknown on this
    // architecture, a filter holds more than the maps take, or buffer_pages is not a power
    // of two.
    static Result<std::unique_ptr<EventStream>> open(const EventStreamOptions& options);

    ~EventStream();
    EventStream(const EventStream&) = delete;
    EventStream& operator=(const EventStream&) = delete;

    // Waits up to `timeout` for records and hands each, as an Event, to `sink`, in the order
    // the kernel wrote them. Returns how many it handed; EINTR when a signal came first; other
    // errors from the ring buffer. A record that does not read is counted as malformed
    // (malformed()) and skipped. The sink may change the event, but it is the same object for
    // every record (its strings and vectors keep their storage): what is to outlive the call
    // is copied. The kernel side wakes the reader in batches (execs at once), so a record may
    // wait up to `timeout` in the buffer: poll with the latency a reader can accept.
    Result<std::size_t> poll(std::chrono::milliseconds timeout, const std::function<void(Event&)>& sink);

    // Records the kernel side could not write because the buffer was full (or the task's
    // storage could not be made, or the kprobe source could not hold a capability check
    // between entry and return), since open(): exact, the sum of per-CPU counters, but under
    // the kprobe source: a capability check whose return its kretprobe missed is lost and
    // counted nowhere (bpf/events_abi.h), so the count is then at least what was lost.
    Result<std::uint64_t> lost() const;

    // Cgroups beneath the container= cgroups that did not fit in the kernel side's filter, so
    // that their tasks are not reported: those open() found there (mark_cgroups_beneath) and
    // those made since (bpf/events_abi.h, lost_cgroups).
    Result<std::uint64_t> lost_cgroups() const;

    std::uint64_t malformed() const { return m_malformed; }
    // "tp_btf/cap_capable", "fexit/cap_capable", "kprobe/cap_capable" or "none".
    const std::string& capability_source() const { return m_capability_source; }

private:
    EventStream() = default;
    static int on_record(void* context, void* data, std::size_t size);

    struct SkeletonDestroy {
        void operator()(events_bpf* skeleton) const;
    };
    struct RingBufferFree {
        void operator()(ring_buffer* buffer) const;
    };

    std::unique_ptr<events_bpf, SkeletonDestroy> m_skeleton;
    std::unique_ptr<ring_buffer, RingBufferFree> m_ring_buffer;
    SyscallNames m_names{std::vector<std::string>{}};
    std::string m_capability_source = "none";
    const std::function<void(Event&)>* m_sink = nullptr;
    Event m_event;  // the record being handed, reused
    std::size_t m_handed = 0;
    std::uint64_t m_malformed = 0;
    std::uint64_t m_cgroups_left_out = 0;  // by open(), the filter full
};

// Marks every cgroup beneath the cgroup2 directory `directory` in the kernel side's filter
// through `mark` (which returns 0, or the errno of bpf_map_update_elem), top-down: each before
// its children are listed (walk_descendant_cgroups), so that a cgroup made during the walk is
// either listed or added by the kernel side. A full filter (E2BIG) leaves the cgroup out, as
// the kernel side leaves one out at cgroup_mkdir: counted, and the walk goes on. Returns how
// many were left out; fails (with the cgroup) on another errno, or when a cgroup cannot be
// listed.
Result<std::uint64_t> mark_cgroups_beneath(const std::string& directory, const std::function<int(std::uint64_t)>& mark);

// One ring-buffer record (struct events_record and its items, bpf/events_abi.h) as an Event,
// its syscall named by `names` and its arguments by the schema (raw arg0..arg5 in hex without
// one). Fails (EINVAL, what is wrong) on a record shorter than its header or its items, an
// item past the end or of an argument out of range, or an unknown kind.
Result<Event> event_from_record(std::span<const std::uint8_t> record, const SyscallNames& names);

// The same into `event`, reusing its storage: every field is set (container_id and
// profile_name cleared). On failure `event` holds nothing of use.
Result<void> read_record(std::span<const std::uint8_t> record, const SyscallNames& names, Event& event);

}  // namespace cradle
