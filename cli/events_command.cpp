#include "cli/events_command.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <ostream>

#include "cli/arguments.h"
#include "cli/event_format.h"
#include "collector/cgroup.h"
#include "common/config.h"
#include "common/json.h"
#include "common/profile_name.h"
#include "common/protocol.h"
#include "profilegen/syscall_table.h"

namespace cradle {

const char* const k_events_command_help =
    R"(Usage: cradle events [--trace FILTER]... [--output table|json] [--output-file PATH]
                     [--buffer-pages N] [--count N] [--duration SECONDS] [--socket PATH]

Streams what new containers (or the tasks the filters select) do, one line an event: each
syscall with its arguments and return value, each capability check (granted or denied, and
whether it was a no-audit probe), each exec (the path the kernel executed) and each process
exit. The event programs are loaded and attached only while the command runs; it works with or
without cradled, and when cradled traces a task's container the event carries its id and
profile name. Needs root.

Filters (--trace, many times; applied in the kernel; of one kind any may match, all kinds must):
  container, container=new  tasks in a pid namespace created after the start (the default when
                            no container=, pid=, comm= or uid= filter is given)
  container=ID              a container cradled traces (its cgroup and those beneath it), by
                            id or id prefix
  pid=new                   processes created after the start, in a container or not
  pid=N[,N...]              these processes (host pids)
  comm=NAME[,NAME...]       tasks of this command name
  uid=N                     tasks of this real uid
  event=LIST                comma-separated: syscall names, cap_capable, sched_process_exec,
                            sched_process_exit, and the sets fs, net, proc, all (every syscall,
                            raw arguments where no decoder knows it). Without event=: fs, net,
                            proc and cap_capable; read and write only when named.

Options:
  --output table|json   aligned columns (default), or one JSON object a line; a change in the
                        count of lost events is a line of its own ({"lost":TOTAL,"new":N})
  --output-file PATH    write the events there instead of standard output
  --buffer-pages N      the ring buffer, in pages, a power of two up to 524288 (default 4096:
                        16 MiB); a full buffer drops events, and every drop is counted
  --count N             stop after N events
  --duration SECONDS    stop after this long
  --socket PATH         cradled's socket (default: the configuration's)
  -h, --help            this help

Ctrl-C, SIGTERM, --count or --duration ends the stream with a summary on standard error: events
shown, events lost, counts per event.

Exit status: 0 ok; 2 an error (not root, programs that do not load, an unknown filter).

Examples:
  cradle events
  cradle events --trace event=execve,openat,cap_capable --output json
  cradle events --trace pid=new --trace comm=curl --trace event=net
  cradle events --trace container=3f2a --output-file /tmp/events.json --output json
  cradle events --trace event=all --count 100
)";

namespace {

bool parse_number(std::string_view text, std::uint64_t& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::vector<std::string> split(std::string_view list) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= list.size()) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        if (comma > start) {
            parts.emplace_back(list.substr(start, comma - start));
        }
        start = comma + 1;
    }
    return parts;
}

// event=LIST into `filter`. Returns the offending name, or nothing.
std::optional<std::string> add_events(const std::string& list, EventFilter& filter) {
    const std::string arch = native_arch();
    const std::optional<std::string> compat = compat_arch(arch);
    for (const std::string& name : split(list)) {
        if (name == "all") {
            filter.all_syscalls = true;
            filter.capability = filter.exec = filter.exit = true;
        } else if (name == k_capability_event) {
            filter.capability = true;
        } else if (name == k_exec_event) {
            filter.exec = true;
        } else if (name == k_exit_event) {
            filter.exit = true;
        } else if (auto set = event_set(name); set && name != "default") {
            for (const std::string& member : *set) {
                (void)add_events(member, filter);
            }
        } else if (syscall_number(arch, name) || (compat && syscall_number(*compat, name))) {
            // A name of the 32-bit ABI alone (i386's socketcall) reports it there.
            filter.syscalls.push_back(name);
        } else {
            return name;
        }
    }
    return std::nullopt;
}

// One --trace FILTER into `options`; false (written on err) when it does not read.
bool add_trace(const std::string& trace, EventsCommandOptions& options, bool& scoped, bool& events_named,
               std::ostream& err) {
    const std::size_t equals = trace.find('=');
    const std::string key = trace.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : trace.substr(equals + 1);
    EventFilter& filter = options.filter;
    auto refuse = [&](const std::string& why) {
        err << "cradle events: --trace \"" << printable_value(trace) << "\": " << why << "\n";
        return false;
    };
    if (key == "container") {
        scoped = true;
        if (value.empty() || value == "new") {
            filter.container_new = true;
        } else {
            options.container_ids.push_back(value);
        }
        return true;
    }
    if (key == "event") {
        events_named = true;
        if (value.empty()) {
            return refuse("names no event");
        }
        if (auto unknown = add_events(value, filter)) {
            return refuse("no event \"" + printable_value(*unknown) +
                          "\" (a syscall of this architecture or its 32-bit ABI, "
                          "cap_capable, sched_process_exec, sched_process_exit, fs, net, proc or all)");
        }
        return true;
    }
    if (value.empty()) {
        return refuse("a filter is KEY=VALUE (container, pid, comm, uid, event)");
    }
    scoped = true;
    if (key == "pid") {
        if (value == "new") {
            filter.pid_new = true;
            return true;
        }
        for (const std::string& pid : split(value)) {
            std::uint64_t number = 0;
            if (!parse_number(pid, number) || number == 0 || number > 0x3fffffff) {
                return refuse("not a pid: \"" + printable_value(pid) + "\"");
            }
            filter.pids.push_back(static_cast<std::uint32_t>(number));
        }
        return true;
    }
    if (key == "comm") {
        for (const std::string& comm : split(value)) {
            if (comm.size() > 15) {
                return refuse("a command name has 15 bytes at most");
            }
            filter.comms.push_back(comm);
        }
        if (filter.comms.size() > EVENTS_FILTER_COMMS) {
            return refuse("at most " + std::to_string(EVENTS_FILTER_COMMS) + " command names");
        }
        return true;
    }
    if (key == "uid") {
        std::uint64_t number = 0;
        if (!parse_number(value, number) || number > 0xffffffffu) {
            return refuse("not a uid");
        }
        filter.uid = static_cast<std::uint32_t>(number);
        return true;
    }
    return refuse("unknown filter \"" + printable_value(key) + "\" (container, pid, comm, uid, event)");
}

}  // namespace

std::optional<EventsCommandOptions> parse_events_command(const std::vector<std::string>& args, std::ostream& out,
                                                         std::ostream& err, int& exit_status) {
    EventsCommandOptions options;
    // --trace is taken many times, which parse_arguments does not do: it is taken out first.
    std::vector<std::string> traces;
    std::vector<std::string> rest;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--") {
            rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
            break;
        }
        if (args[i] == "--trace" || args[i] == "-t") {
            if (i + 1 == args.size()) {
                err << "cradle events: --trace needs a value\n";
                exit_status = 2;
                return std::nullopt;
            }
            traces.push_back(args[++i]);
        } else if (args[i].rfind("--trace=", 0) == 0) {
            traces.push_back(args[i].substr(8));
        } else {
            rest.push_back(args[i]);
        }
    }
    std::optional<std::string> output, output_file, buffer_pages, count, duration;
    std::vector<std::string> positional;
    const std::initializer_list<Flag> flags = {
        {"--output", &output}, {"--output-file", &output_file}, {"--buffer-pages", &buffer_pages},
        {"--count", &count},   {"--duration", &duration},       {"--socket", &options.socket}};
    if (const auto stop =
            exit_before_running(parse_arguments("events", rest, flags, positional, err), k_events_command_help, out)) {
        exit_status = *stop;
        return std::nullopt;
    }
    exit_status = 2;
    if (!positional.empty()) {
        err << "cradle events: unexpected argument \"" << printable_value(positional.front())
            << "\" (filters go after --trace)\n";
        return std::nullopt;
    }
    if (output && *output == "json") {
        options.output = EventsOutput::json;
    } else if (output && *output != "table") {
        err << "cradle events: --output must be table or json, not \"" << printable_value(*output) << "\"\n";
        return std::nullopt;
    }
    options.output_file = output_file;
    std::uint64_t number = 0;
    if (buffer_pages) {
        if (!parse_number(*buffer_pages, number) || number == 0 || (number & (number - 1)) != 0 ||
            number > k_max_buffer_pages) {
            err << "cradle events: --buffer-pages must be a power of two up to " << k_max_buffer_pages << ", not \""
                << printable_value(*buffer_pages) << "\"\n";
            return std::nullopt;
        }
        options.buffer_pages = static_cast<std::uint32_t>(number);
    }
    if (count) {
        if (!parse_number(*count, number) || number == 0) {
            err << "cradle events: --count must be a positive number, not \"" << printable_value(*count) << "\"\n";
            return std::nullopt;
        }
        options.count = number;
    }
    if (duration) {
        char* end = nullptr;
        const double seconds = std::strtod(duration->c_str(), &end);
        if (duration->empty() || *end != '\0' || !(seconds > 0) || seconds > 1e9) {
            err << "cradle events: --duration must be a positive number of seconds, not \""
                << printable_value(*duration) << "\"\n";
            return std::nullopt;
        }
        options.duration = seconds;
    }
    bool scoped = false;
    bool events_named = false;
    for (const std::string& trace : traces) {
        if (!add_trace(trace, options, scoped, events_named, err)) {
            return std::nullopt;
        }
    }
    if (!scoped) {
        options.filter.container_new = true;
    }
    if (!events_named) {
        const auto defaults = event_set("default");
        for (const std::string& name : *defaults) {
            (void)add_events(name, options.filter);
        }
    }
    // A syscall named twice (event=openat,fs) is reported once.
    auto& syscalls = options.filter.syscalls;
    std::sort(syscalls.begin(), syscalls.end());
    syscalls.erase(std::unique(syscalls.begin(), syscalls.end()), syscalls.end());
    exit_status = 0;
    return options;
}

namespace {

volatile sig_atomic_t g_stop = 0;

void request_stop(int) { g_stop = 1; }

// The containers cradled traces, by cgroup: asked once at the start and again when an event
// comes from a cgroup it did not know (see find). Never fails: without cradled, events carry
// no container id.
class ContainerDirectory {
public:
    explicit ContainerDirectory(std::string socket) : m_socket(std::move(socket)) {}

    struct Container {
        std::string id;
        std::string name;
    };

    // Asks cradled now; false when it cannot be reached.
    bool refresh() {
        const Deadline deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
        auto status = call_collector(m_socket, {{"op", "status"}}, deadline);
        if (!status) {
            return false;
        }
        // Merged, not replaced: events read after cradled forgot a container that ended
        // still carry its id (cgroup ids are not reused).
        const auto containers = status->find("containers");
        if (containers != status->end() && containers->is_array()) {
            for (const nlohmann::json& container : *containers) {
                const std::uint64_t cgroup = number_member(container, "cgroup_id");
                if (cgroup != 0) {
                    m_containers[cgroup] = {string_member(container, "id"), string_member(container, "name")};
                }
            }
        }
        return true;
    }

    // The container of the event's `cgroup`, or nullptr. `event_ns`: when the event was made
    // (CLOCK_BOOTTIME, as events are); `exec`: it is an exec, which is when a container's
    // workload starts.
    const Container* find(std::uint64_t cgroup, std::uint64_t event_ns, bool exec) {
        if (auto found = m_containers.find(cgroup); found != m_containers.end()) {
            return &found->second;
        }
        // A cgroup cradled does not know yet may be a container it is about to trace (its
        // hook registers it while the runtime sets up, before the workload's exec): asked
        // again for events made 50 ms after the last ask, then less and less often, up to
        // every 5 s (host cgroups under pid= or comm= filters), and for an exec made after
        // the last ask (1 ms after at least). By the events' times, not the reader's: events
        // come in batches, and an ask made for an earlier event of the batch was made after
        // the exec and saw what registered before it. The clock is read only to ask: in a VM
        // a clock read can be a syscall, too much for every event.
        Unknown& unknown = m_unknown[cgroup];
        const bool due = event_ns >= unknown.next_ask_ns || (exec && event_ns >= unknown.last_ask_ns + k_exec_gap_ns);
        if (!due) {
            return nullptr;
        }
        unknown.last_ask_ns = boot_time_ns();
        unknown.backoff_ns =
            std::min(unknown.backoff_ns == 0 ? k_first_backoff_ns : 2 * unknown.backoff_ns, k_last_backoff_ns);
        unknown.next_ask_ns = unknown.last_ask_ns + unknown.backoff_ns;
        // A cgroup beneath a known container's is found by the local walk alone: cradled,
        // whose answer blocks the stream, is asked only when that finds nothing (and the
        // walk runs again after, for a parent cradled has just named).
        if (const Container* above = find_above(cgroup)) {
            return above;
        }
        if (!refresh()) {
            return nullptr;
        }
        if (auto found = m_containers.find(cgroup); found != m_containers.end()) {
            return &found->second;
        }
        return find_above(cgroup);
    }

    // The cgroups of the containers whose id is `id` or starts with it.
    std::vector<std::uint64_t> cgroups_of(const std::string& id) const {
        std::vector<std::uint64_t> cgroups;
        for (const auto& [cgroup, container] : m_containers) {
            if (container.id.rfind(id, 0) == 0) {
                cgroups.push_back(cgroup);
            }
        }
        return cgroups;
    }

private:
    // The container of a cgroup beneath one cradled traces (made in the container by systemd
    // or a nested runtime; cradled names the container's own cgroup alone): the first of its
    // parent directories that is a container's. Kept, as cradled's answers are.
    const Container* find_above(std::uint64_t cgroup) {
        if (m_cgroup2_mount.empty()) {
            auto mount = read_cgroup2_mount();
            if (!mount) {
                return nullptr;
            }
            m_cgroup2_mount = *mount;
        }
        auto directory = cgroup_directory_by_id(m_cgroup2_mount, cgroup);
        if (!directory) {
            return nullptr;
        }
        std::string path = *directory;
        while (path.size() > m_cgroup2_mount.size() && path.rfind('/') != std::string::npos) {
            path.erase(path.rfind('/'));
            auto id = cgroup_id(path);
            if (!id) {
                return nullptr;
            }
            if (auto found = m_containers.find(*id); found != m_containers.end()) {
                return &(m_containers[cgroup] = found->second);
            }
        }
        return nullptr;
    }

    std::string m_socket;
    std::string m_cgroup2_mount;  // read at the first cgroup cradled did not name
    std::map<std::uint64_t, Container> m_containers;
    static constexpr std::uint64_t k_exec_gap_ns = 1'000'000;
    static constexpr std::uint64_t k_first_backoff_ns = 50'000'000;
    static constexpr std::uint64_t k_last_backoff_ns = 5'000'000'000;
    struct Unknown {  // times in CLOCK_BOOTTIME nanoseconds
        std::uint64_t next_ask_ns = 0;
        std::uint64_t last_ask_ns = 0;
        std::uint64_t backoff_ns = 0;
    };

    static std::uint64_t boot_time_ns() {
        timespec now{};
        clock_gettime(CLOCK_BOOTTIME, &now);
        return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(now.tv_nsec);
    }
    std::map<std::uint64_t, Unknown> m_unknown;  // cgroups cradled did not know when last asked
};

std::string collector_socket(const EventsCommandOptions& options) {
    if (options.socket) {
        return *options.socket;
    }
    auto config = load_config(k_default_config_path);
    return config ? config->socket_path : Config{}.socket_path;
}

void install_stop_handlers() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the wait on the buffer returns at once
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

}  // namespace

int run_events_command(const EventsCommandOptions& options, std::ostream& out, std::ostream& err) {
    ContainerDirectory containers(collector_socket(options));
    const bool collector_answers = containers.refresh();
    EventStreamOptions stream_options{options.filter, options.buffer_pages};
    for (const std::string& id : options.container_ids) {
        if (!collector_answers) {
            err << "cradle events: container=" << printable_value(id)
                << " needs cradled, which does not answer on its socket\n";
            return 2;
        }
        const auto cgroups = containers.cgroups_of(id);
        if (cgroups.empty()) {
            err << "cradle events: cradled traces no container \"" << printable_value(id) << "\"\n";
            return 2;
        }
        stream_options.filter.cgroups.insert(stream_options.filter.cgroups.end(), cgroups.begin(), cgroups.end());
    }

    std::ofstream file;
    if (options.output_file) {
        file.open(*options.output_file, std::ios::out | std::ios::trunc);
        if (!file) {
            err << "cradle events: cannot write \"" << printable_value(*options.output_file) << "\"\n";
            return 2;
        }
    }
    std::ostream& stream_out = options.output_file ? static_cast<std::ostream&>(file) : out;

    auto stream = EventStream::open(stream_options);
    if (!stream) {
        err << "cradle events: " << stream.error().message << "\n";
        return 2;
    }
    g_stop = 0;
    install_stop_handlers();
    // Scripts wait for this line: from here on nothing selected is missed.
    err << "cradle events: streaming; capability checks through " << (*stream)->capability_source() << "\n";
    err.flush();
    const bool json = options.output == EventsOutput::json;
    // One buffer for the whole stream, written out after each poll (and when it grows past a
    // pipe's worth): no allocation per event once it has grown.
    std::string buffer;
    constexpr std::size_t k_flush_size = 64 * 1024;
    auto write_out = [&] {
        stream_out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        buffer.clear();
    };
    if (!json) {
        append_table_header(buffer);
    }
    write_out();
    stream_out.flush();

    EventTally tally;
    StreamLosses losses;
    // A loss is shown as soon as it is seen, between the events it fell among; a cgroup left
    // out of the filter is no event, and is a warning of its own.
    std::string warning;
    auto report_loss = [&] {
        if (const auto lost = (*stream)->lost(); lost && *lost != losses.events) {
            const EventLoss loss{*lost, *lost - losses.events};
            losses.events = *lost;
            json ? append_json_loss(buffer, loss) : append_table_loss(buffer, loss);
        }
        if (const auto lost = (*stream)->lost_cgroups(); lost && *lost != losses.cgroups) {
            warning.clear();
            append_cgroup_warning(warning, EventLoss{*lost, *lost - losses.cgroups});
            losses.cgroups = *lost;
            err << warning;
            err.flush();
        }
    };
    const auto started = std::chrono::steady_clock::now();
    const auto deadline = options.duration ? started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                           std::chrono::duration<double>(*options.duration))
                                           : std::chrono::steady_clock::time_point::max();
    auto count_reached = [&] { return options.count && tally.shown() >= *options.count; };
    const std::function<void(Event&)> sink = [&](Event& event) {
        if (count_reached()) {
            return;
        }
        const bool exec = event.kind == EventKind::process_exec || event.name == "execve" || event.name == "execveat";
        if (const auto* container = containers.find(event.task.cgroup_id, event.task.boot_time_ns, exec)) {
            event.container_id = container->id;
            event.profile_name = container->name;
        }
        tally.add(event.name);
        json ? append_json_line(buffer, event) : append_table_row(buffer, event);
        if (buffer.size() >= k_flush_size) {
            write_out();
        }
    };
    int status = 0;
    while (!g_stop) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline || count_reached()) {
            break;
        }
        const auto wait = std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(100));
        auto polled = (*stream)->poll(std::chrono::ceil<std::chrono::milliseconds>(wait), sink);
        if (!polled && polled.error().code != EINTR) {
            err << "cradle events: " << polled.error().message << "\n";
            status = 2;
            break;
        }
        report_loss();
        write_out();
        stream_out.flush();
    }
    // What was written before the end is shown: drain the buffer once more.
    if (status == 0 && !count_reached()) {
        (void)(*stream)->poll(std::chrono::milliseconds(0), sink);
    }
    report_loss();
    write_out();
    stream_out.flush();
    if (!stream_out) {
        err << "cradle events: writing the events failed\n";
        status = 2;
    }
    err << format_summary(tally, losses);
    return status;
}

int events_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    int exit_status = 0;
    const auto options = parse_events_command(args, out, err, exit_status);
    return options ? run_events_command(*options, out, err) : exit_status;
}

}  // namespace cradle
