// cradle-bench-event-format [COUNT]: how many events per second the writers of `cradle events`
// format, without the kernel: the ceiling of the stream's throughput.
//
// Formats COUNT (default 2,000,000) synthetic events, a mix like a container's start (openat
// with a path and flags, execve with argv, mmap, close, cap_capable, a failed stat), as JSON
// lines and as table rows, into one reused buffer that is written to /dev/null every 64 KiB, as
// the stream writes its output. Prints events/s for each format, the best of ROUNDS (3) runs.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
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

template <typename Append>
double events_per_second(const std::vector<Event>& events, long count, int sink, Append append) {
    constexpr std::size_t k_flush = 64 * 1024;
    std::string buffer;
    buffer.reserve(2 * k_flush);
    EventTally tally;
    const auto start = std::chrono::steady_clock::now();
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
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (tally.shown() != static_cast<std::uint64_t>(count)) {
        std::exit(1);
    }
    return static_cast<double>(count) / elapsed.count();
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
    double json = 0;
    double table = 0;
    for (int round = 0; round < rounds; ++round) {
        json = std::max(json, events_per_second(events, count, sink, append_json_line));
        table = std::max(table, events_per_second(events, count, sink, append_table_row));
    }
    std::string sample;
    append_json_line(sample, events[0]);
    std::printf("event formatter: %ld events a run, best of %d, %zu bytes a JSON line (openat)\n", count, rounds,
                sample.size());
    std::printf("json:  %10.0f events/s (%.0f ns/event)\n", json, 1e9 / json);
    std::printf("table: %10.0f events/s (%.0f ns/event)\n", table, 1e9 / table);
    std::printf("json >= 500000 events/s: %s\n", json >= 500000 ? "met" : "NOT met");
    return 0;
}
