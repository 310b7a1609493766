// cradle-bench-event-format [COUNT]: how many events per second the writers of `cradle events`
// format, without the kernel: the ceiling of the stream's throughput.
//
// Formats COUNT (default 2,000,000) synthetic events, a mix like a container's start (openat
// with a path and flags, execve with argv, mmap, close, cap_capable, a failed stat), as JSON
// lines and as table rows, into one reused buffer that is written to /dev/null every 64 KiB, as
// the stream writes its output. Prints events per second of CPU time (the thread's, user + kernel,
// so that other work on a shared machine does not count) for each format, the best of ROUNDS (3)
// runs, and the wall-clock rate of the same run beside it.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/event_format.h"

namespace {

using namespace cradle;

EventArgument argument(const char* name, ArgumentType type, std::uint64_t raw, std::vector<std::string> strings = {}) {
    EventArgument result;
    result.name = name;
    result.type = type;
    result.raw = raw;
    result.strings = std::move(strings);
    return result;
}

Event base_event(const char* name, std::int64_t ret) {
    Event event;
    event.name = name;
    event.return_value = ret;
    event.task.boot_time_ns = 12345'678901'234ULL;
    event.task.uts_name = "3f2c9a1b7e4d";
    event.task.mnt_ns = 4026532451;
    event.task.pid_ns = 4026532454;
    event.task.comm = "nginx";
    event.task.pid = 17;
    event.task.tid = 17;
    event.task.ppid = 1;
    event.container_id = "3f2c9a1b7e4d5a6b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b";
    return event;
}

std::vector<Event> sample_events() {
    std::vector<Event> events;
    Event openat = base_event("openat", 3);
    openat.arguments = {argument("dirfd", ArgumentType::fd, static_cast<std::uint32_t>(-100)),
                        argument("pathname", ArgumentType::user_string, 1, {"/usr/lib/x86_64-linux-gnu/libssl.so.3"}),
                        argument("flags", ArgumentType::open_flags, O_RDONLY | O_CLOEXEC),
                        argument("mode", ArgumentType::octal_mode, 0)};
    events.push_back(openat);
    Event execve = base_event("execve", 0);
    execve.arguments = {argument("pathname", ArgumentType::user_string, 1, {"/usr/sbin/nginx"}),
                        argument("argv", ArgumentType::user_string_array, 1, {"nginx", "-g", "daemon off;"})};
    events.push_back(execve);
    Event mmap = base_event("mmap", 0x7f3a12340000);
    mmap.arguments = {argument("addr", ArgumentType::hex, 0),
                      argument("len", ArgumentType::unsigned_integer, 8192),
                      argument("prot", ArgumentType::mmap_prot, PROT_READ | PROT_WRITE),
                      argument("flags", ArgumentType::mmap_flags, MAP_PRIVATE | MAP_ANONYMOUS),
                      argument("fd", ArgumentType::fd, static_cast<std::uint32_t>(-1)),
                      argument("off", ArgumentType::unsigned_integer, 0)};
    events.push_back(mmap);
    Event close = base_event("close", 0);
    close.arguments = {argument("fd", ArgumentType::fd, 3)};
    events.push_back(close);
    Event capable = base_event("cap_capable", 0);
    capable.kind = EventKind::capability;
    capable.arguments = {argument("cap", ArgumentType::capability, 21), argument("granted", ArgumentType::boolean, 1),
                         argument("noaudit", ArgumentType::boolean, 1)};
    events.push_back(capable);
    Event stat = base_event("newfstatat", -2);
    stat.arguments = {argument("dirfd", ArgumentType::fd, static_cast<std::uint32_t>(-100)),
                      argument("pathname", ArgumentType::user_string, 1, {"/etc/nginx/conf.d/default.conf"}),
                      argument("statbuf", ArgumentType::hex, 0x7ffd12345678),
                      argument("flags", ArgumentType::at_flags, 0)};
    events.push_back(stat);
    return events;
}

double seconds(clockid_t clock) {
    timespec now{};
    clock_gettime(clock, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

struct Rate {
    double cpu = 0;   // events per second of the thread's CPU time
    double wall = 0;  // events per second of wall time
};

template <typename Append>
Rate events_per_second(const std::vector<Event>& events, long count, int sink, Append append) {
    constexpr std::size_t k_flush = 64 * 1024;
    std::string buffer;
    buffer.reserve(2 * k_flush);
    EventTally tally;
    const double cpu_start = seconds(CLOCK_THREAD_CPUTIME_ID);
    const double wall_start = seconds(CLOCK_MONOTONIC);
    for (long i = 0; i < count; ++i) {
        const Event& event = events[static_cast<std::size_t>(i) % events.size()];
        append(buffer, event);
        tally.add(event.name);
        if (buffer.size() >= k_flush) {
            if (write(sink, buffer.data(), buffer.size()) < 0) {
                std::perror("cradle-bench-event-format: write");
                std::exit(1);
            }
            buffer.clear();
        }
    }
    const double cpu = seconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    const double wall = seconds(CLOCK_MONOTONIC) - wall_start;
    if (tally.shown() != static_cast<std::uint64_t>(count)) {
        std::exit(1);
    }
    return Rate{static_cast<double>(count) / cpu, static_cast<double>(count) / wall};
}

}  // namespace

int main(int argc, char** argv) {
    const long count = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 2'000'000;
    const char* rounds_text = std::getenv("ROUNDS");
    const int rounds = rounds_text != nullptr ? std::atoi(rounds_text) : 3;
    if (count <= 0 || rounds <= 0) {
        std::fprintf(stderr, "usage: cradle-bench-event-format [COUNT]   (COUNT > 0; ROUNDS > 0)\n");
        return 2;
    }
    const int sink = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (sink < 0) {
        std::perror("cradle-bench-event-format: /dev/null");
        return 1;
    }
    const std::vector<Event> events = sample_events();
    Rate json;
    Rate table;
    for (int round = 0; round < rounds; ++round) {
        const Rate json_round = events_per_second(events, count, sink, append_json_line);
        const Rate table_round = events_per_second(events, count, sink, append_table_row);
        json = {std::max(json.cpu, json_round.cpu), std::max(json.wall, json_round.wall)};
        table = {std::max(table.cpu, table_round.cpu), std::max(table.wall, table_round.wall)};
    }
    std::string sample;
    append_json_line(sample, events[0]);
    std::printf("event formatter: %ld events a run, best of %d, %zu bytes a JSON line (openat)\n", count, rounds,
                sample.size());
    std::printf("json:  %10.0f events per CPU second (%.0f ns/event); wall clock %.0f events/s\n", json.cpu,
                1e9 / json.cpu, json.wall);
    std::printf("table: %10.0f events per CPU second (%.0f ns/event); wall clock %.0f events/s\n", table.cpu,
                1e9 / table.cpu, table.wall);
    std::printf("json >= 500000 events per CPU second: %s\n", json.cpu >= 500000 ? "met" : "NOT met");
    return 0;
}
