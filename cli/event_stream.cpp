#include "cli/event_stream.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "collector/cgroup.h"
#include "collector/kernel_symbols.h"
#include "events.skel.h"

namespace cradle {

static_assert(sizeof(events_record) == 208, "events_record layout (bpf/events_abi.h)");
static_assert(offsetof(events_record, comm) == 120, "events_record layout (bpf/events_abi.h)");
static_assert(sizeof(events_item) == 4, "events_item layout (bpf/events_abi.h)");
static_assert(sizeof(events_filter) == 144, "events_filter layout (bpf/events_abi.h)");

namespace {

constexpr std::uint32_t k_page_size = 4096;

void assign_bounded(std::string& into, const char* text, std::size_t size) { into.assign(text, strnlen(text, size)); }

// The items of a record (bpf/events_abi.h): whether they read, without keeping them.
Result<void> check_items(std::span<const std::uint8_t> data) {
    std::size_t offset = 0;
    while (offset < data.size()) {
        events_item header{};
        if (data.size() - offset < sizeof header) {
            return Error{EINVAL, "record item header past the end at byte " + std::to_string(offset)};
        }
        std::memcpy(&header, data.data() + offset, sizeof header);
        offset += sizeof header;
        if (header.arg >= EVENTS_ARGS) {
            return Error{EINVAL, "record item of argument " + std::to_string(header.arg)};
        }
        if (data.size() - offset < header.size) {
            return Error{EINVAL, "record item of " + std::to_string(header.size) + " bytes past the end"};
        }
        offset += (header.size + 3u) & ~3u;
    }
    return {};
}

// The items of argument `arg`, in the order the kernel wrote them, into `argument` (whose
// strings keep their storage from the event before). The items were checked.
void attach_items(EventArgument& argument, std::span<const std::uint8_t> data, std::uint8_t arg) {
    std::size_t strings = 0;
    for (std::size_t offset = 0; offset < data.size();) {
        events_item header{};
        std::memcpy(&header, data.data() + offset, sizeof header);
        const std::uint8_t* bytes = data.data() + offset + sizeof header;
        offset += sizeof header + ((header.size + 3u) & ~3u);
        if (header.arg != arg) {
            continue;
        }
        argument.truncated = argument.truncated || (header.flags & EVENTS_ITEM_TRUNCATED);
        argument.unreadable = argument.unreadable || (header.flags & EVENTS_ITEM_UNREADABLE);
        if (header.flags & EVENTS_ITEM_UNREADABLE) {
            continue;
        }
        if (argument.type == ArgumentType::sockaddr || argument.type == ArgumentType::clone_args) {
            argument.bytes.assign(bytes, bytes + header.size);
        } else if ((header.flags & EVENTS_ITEM_ARRAY) && (header.flags & EVENTS_ITEM_TRUNCATED) && header.size == 0) {
            continue;  // the marker of more elements than read
        } else if (strings < argument.strings.size()) {
            argument.strings[strings++].assign(reinterpret_cast<const char*>(bytes), header.size);
        } else {
            argument.strings.emplace_back(reinterpret_cast<const char*>(bytes), header.size);
            ++strings;
        }
    }
    argument.strings.resize(strings);
}

// Argument `index` of `event` made anew, keeping the storage of the one there before.
EventArgument& argument_at(Event& event, std::size_t index, std::string_view name, ArgumentType type,
                           std::uint64_t raw) {
    if (index == event.arguments.size()) {
        event.arguments.emplace_back();
    }
    EventArgument& made = event.arguments[index];
    made.name.assign(name);
    made.type = type;
    made.raw = raw;
    made.strings.clear();
    made.bytes.clear();
    made.truncated = false;
    made.unreadable = false;
    return made;
}

constexpr std::string_view k_raw_names[EVENTS_ARGS] = {"arg0", "arg1", "arg2", "arg3", "arg4", "arg5"};

}  // namespace

Result<void> read_record(std::span<const std::uint8_t> bytes, const SyscallNames& names, Event& event) {
    events_record record{};
    if (bytes.size() < sizeof record) {
        return Error{EINVAL, "record of " + std::to_string(bytes.size()) + " bytes, shorter than its header"};
    }
    std::memcpy(&record, bytes.data(), sizeof record);
    if (record.data_size > bytes.size() - sizeof record) {
        return Error{EINVAL, "record items of " + std::to_string(record.data_size) + " bytes past the end"};
    }
    const auto items = bytes.subspan(sizeof record, record.data_size);
    if (auto checked = check_items(items); !checked) {
        return checked.error();
    }

    EventTask& task = event.task;
    task.boot_time_ns = record.boot_ns;
    assign_bounded(task.uts_name, record.uts_name, sizeof record.uts_name);
    task.mnt_ns = record.mnt_ns;
    task.pid_ns = record.pid_ns;
    task.uid = record.uid;
    assign_bounded(task.comm, record.comm, sizeof record.comm);
    task.pid = static_cast<std::int32_t>(record.pid);
    task.tid = static_cast<std::int32_t>(record.tid);
    task.ppid = static_cast<std::int32_t>(record.ppid);
    task.host_pid = static_cast<std::int32_t>(record.host_pid);
    task.host_tid = static_cast<std::int32_t>(record.host_tid);
    task.cgroup_id = record.cgroup_id;
    event.return_value = record.ret;
    event.syscall_number = -1;
    event.compat = false;
    event.container_id.clear();
    event.profile_name.clear();

    std::size_t count = 0;
    switch (record.kind) {
        case EVENTS_KIND_SYSCALL: {
            event.kind = EventKind::syscall;
            event.syscall_number = static_cast<std::int32_t>(record.nr);
            event.compat = (record.flags & EVENTS_RECORD_COMPAT) != 0;
            event.name = event.compat ? names.compat_name(record.nr) : names.name(record.nr);
            const SyscallSchema* schema =
                event.compat ? find_compat_syscall_schema(event.name) : find_syscall_schema(event.name);
            if (!schema) {
                for (; count < EVENTS_ARGS; ++count) {
                    argument_at(event, count, k_raw_names[count], ArgumentType::hex, record.args[count]);
                }
                break;
            }
            for (; count < schema->arguments.size() && count < EVENTS_ARGS; ++count) {
                const ArgumentSchema& known = schema->arguments[count];
                std::uint64_t raw = record.args[count];
                std::string_view name = known.name;
                if (event.compat) {
                    // 32-bit registers, zero-extended by the kernel side: an int is signed.
                    if (known.type == ArgumentType::signed_integer) {
                        raw = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(raw)));
                    }
                    // i386's clone takes tls before child_tid (CONFIG_CLONE_BACKWARDS).
                    if (event.name == "clone" && (count == 3 || count == 4)) {
                        name = schema->arguments[7 - count].name;
                    }
                }
                EventArgument& made = argument_at(event, count, name, known.type, raw);
                if (known.capture != EVENTS_CAPTURE_VALUE) {
                    attach_items(made, items, static_cast<std::uint8_t>(count));
                }
            }
            break;
        }
        case EVENTS_KIND_CAPABILITY: {
            event.kind = EventKind::capability;
            event.name = k_capability_event;
            argument_at(event, count++, "cap", ArgumentType::capability, record.args[0]);
            argument_at(event, count++, "granted", ArgumentType::boolean, record.ret == 0);
            argument_at(event, count++, "no_audit", ArgumentType::boolean, record.args[1] == EVENTS_CHECK_PROBE);
            if (record.args[1] == EVENTS_CHECK_UNCLASSIFIED) {
                // The caller was not found on the stack: kept as a requirement, as the core does.
                argument_at(event, count++, "caller_unknown", ArgumentType::boolean, 1);
            }
            break;
        }
        case EVENTS_KIND_EXEC: {
            event.kind = EventKind::process_exec;
            event.name = k_exec_event;
            attach_items(argument_at(event, count++, "pathname", ArgumentType::kernel_string, 0), items, 0);
            break;
        }
        case EVENTS_KIND_EXIT: {
            event.kind = EventKind::process_exit;
            event.name = k_exit_event;
            // A wait status: the exit code, or the signal that ended the process.
            const std::uint64_t status = record.args[0];
            argument_at(event, count++, "exit_code", ArgumentType::signed_integer, (status >> 8) & 0xff);
            argument_at(event, count++, "signal", ArgumentType::signal, status & 0x7f);
            break;
        }
        default: return Error{EINVAL, "record of unknown kind " + std::to_string(record.kind)};
    }
    event.arguments.resize(count);  // fewer than the event before: the rest go
    return {};
}

Result<Event> event_from_record(std::span<const std::uint8_t> bytes, const SyscallNames& names) {
    Event event;
    if (auto read = read_record(bytes, names, event); !read) {
        return read.error();
    }
    return event;
}

namespace {

enum class CapabilitySource { tp_btf, fexit, kprobe, none };

const char* source_name(CapabilitySource source) {
    switch (source) {
        case CapabilitySource::tp_btf: return "tp_btf/cap_capable";
        case CapabilitySource::fexit: return "fexit/cap_capable";
        case CapabilitySource::kprobe: return "kprobe/cap_capable";
        case CapabilitySource::none: break;
    }
    return "none";
}

Result<events_filter> kernel_filter(const EventFilter& filter) {
    events_filter made{};
    if (filter.container_new) {
        made.flags |= EVENTS_FILTER_CONTAINER_NEW;
    }
    if (!filter.cgroups.empty()) {
        made.flags |= EVENTS_FILTER_CGROUP;
    }
    if (filter.pid_new) {
        made.flags |= EVENTS_FILTER_PID_NEW;
    }
    if (!filter.pids.empty()) {
        made.flags |= EVENTS_FILTER_PID;
    }
    if (filter.uid) {
        made.flags |= EVENTS_FILTER_UID;
        made.uid = *filter.uid;
    }
    if (filter.comms.size() > EVENTS_FILTER_COMMS) {
        return Error{EINVAL, "more than " + std::to_string(EVENTS_FILTER_COMMS) + " comm= filters"};
    }
    if (!filter.comms.empty()) {
        made.flags |= EVENTS_FILTER_COMM;
        for (const std::string& comm : filter.comms) {
            // The kernel keeps 15 bytes of a command name.
            std::memcpy(made.comms[made.comm_count++], comm.data(), std::min<std::size_t>(comm.size(), 15));
        }
    }
    made.events = (filter.capability ? EVENTS_REPORT_CAPABILITY : 0u) | (filter.exec ? EVENTS_REPORT_EXEC : 0u) |
                  (filter.exit ? EVENTS_REPORT_EXIT : 0u);
    return made;
}

// Attaches the programs of capability source `source`, which events_bpf__attach then leaves
// as they are. The source is taken once they attach, else the next one is tried: a kernel
// without BPF trampolines (arm64 before 6.0) loads fexit programs but refuses to attach them
// (ENOTSUPP), one built without kprobe events does the same with kprobes. Attached before the
// filters' maps are filled, they select a subset of what they will select: nothing the
// filters would not.
Result<void> attach_capability_source(events_bpf& skeleton, CapabilitySource source) {
    const auto attach = [](bpf_program* program, bpf_link*& link, const char* what) -> Result<void> {
        link = bpf_program__attach(program);
        if (!link) {
            return system_error(std::string("attaching the event programs with ") + what);
        }
        return {};
    };
    switch (source) {
        case CapabilitySource::tp_btf:
            return attach(skeleton.progs.cap_capable_tp, skeleton.links.cap_capable_tp, source_name(source));
        case CapabilitySource::fexit:
            return attach(skeleton.progs.cap_capable_fexit, skeleton.links.cap_capable_fexit, source_name(source));
        case CapabilitySource::kprobe:
            if (auto attached =
                    attach(skeleton.progs.cap_capable_entry, skeleton.links.cap_capable_entry, "kprobe/cap_capable");
                !attached) {
                return attached;
            }
            return attach(skeleton.progs.cap_capable_return, skeleton.links.cap_capable_return,
                          "kretprobe/cap_capable");
        case CapabilitySource::none: break;
    }
    return {};
}

// Adds to the filter_cgroups map at `map` every cgroup beneath `cgroups` now, and returns how
// many did not fit. Called once the programs are attached: a cgroup made from then on beneath
// one in the map is the kernel side's to add (cgroup_mkdir), and each is in the map before its
// children are listed, so none falls between the two, as for the collector's containers. A
// cgroup gone meanwhile (its container ended) has nothing beneath it.
Result<std::uint64_t> add_descendants(int map, const std::vector<std::uint64_t>& cgroups) {
    auto mount = read_cgroup2_mount();
    if (!mount) {
        return with_context(mount.error(), "listing the cgroups beneath container= cgroups");
    }
    std::uint64_t left_out = 0;
    const auto mark = [map](std::uint64_t cgroup) {
        const std::uint8_t marked = 1;
        return bpf_map_update_elem(map, &cgroup, &marked, BPF_ANY) == 0 ? 0 : errno;
    };
    for (std::uint64_t cgroup : cgroups) {
        auto directory = cgroup_directory_by_id(*mount, cgroup);
        if (!directory && (directory.error().code == ESTALE || directory.error().code == ENOENT)) {
            continue;
        }
        if (!directory) {
            return directory.error();
        }
        auto beneath = mark_cgroups_beneath(*directory, mark);
        if (!beneath) {
            return beneath.error();
        }
        left_out += *beneath;
    }
    return left_out;
}

}  // namespace

Result<std::uint64_t> mark_cgroups_beneath(const std::string& directory,
                                           const std::function<int(std::uint64_t)>& mark) {
    std::uint64_t left_out = 0;
    auto walked = walk_descendant_cgroups(directory, [&](const CgroupDirectory& child) -> Result<void> {
        const int error = mark(child.id);
        if (error == E2BIG) {
            // The filter is full, as the kernel side finds it at cgroup_mkdir: counted, not fatal.
            ++left_out;
            return {};
        }
        if (error != 0) {
            return system_error(error,
                                "setting the filter on cgroup " + std::to_string(child.id) + " \"" + child.path + "\"");
        }
        return {};
    });
    if (!walked) {
        return walked.error();
    }
    return left_out;
}

void EventStream::SkeletonDestroy::operator()(events_bpf* skeleton) const { events_bpf__destroy(skeleton); }
void EventStream::RingBufferFree::operator()(ring_buffer* buffer) const { ring_buffer__free(buffer); }

EventStream::~EventStream() = default;

Result<std::unique_ptr<EventStream>> EventStream::open(const EventStreamOptions& options) {
    const EventFilter& filter = options.filter;
    if (options.buffer_pages == 0 || (options.buffer_pages & (options.buffer_pages - 1)) != 0 ||
        options.buffer_pages > k_max_buffer_pages) {
        return Error{EINVAL, "the buffer must be a power of two pages up to " + std::to_string(k_max_buffer_pages) +
                                 ", not " + std::to_string(options.buffer_pages)};
    }
    if (filter.pids.size() > EVENTS_MAX_FILTER_PIDS || filter.cgroups.size() > EVENTS_MAX_FILTER_CGROUPS) {
        return Error{EINVAL, "more pid= or container= filters than the kernel side takes"};
    }
    auto kernel = kernel_filter(filter);
    if (!kernel) {
        return kernel.error();
    }
    std::unique_ptr<EventStream> stream(new EventStream());
    stream->m_names = SyscallNames::native();
    auto selection = select_syscalls(stream->m_names, filter.syscalls, filter.all_syscalls);
    if (!selection) {
        return selection.error();
    }

    std::vector<CapabilitySource> sources{CapabilitySource::none};
    if (filter.capability) {
        sources = {CapabilitySource::tp_btf, CapabilitySource::fexit, CapabilitySource::kprobe, CapabilitySource::none};
    }
    std::string notes;
    for (CapabilitySource source : sources) {
        std::unique_ptr<events_bpf, SkeletonDestroy> skeleton(events_bpf__open());
        if (!skeleton) {
            return system_error("opening the event programs");
        }
        auto& rodata = *skeleton->rodata;
        rodata.filter = *kernel;
        rodata.reader_tgid = static_cast<std::uint32_t>(::getpid());
        // Records wake the reader in batches of an eighth of the buffer (bpf/events.bpf.c).
        rodata.wakeup_step = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(std::uint64_t{options.buffer_pages} * k_page_size / 8, EVENTS_WAKEUP_MAX));
        for (std::uint32_t number = 0; number < EVENTS_SYSCALL_SLOTS; ++number) {
            const std::uint64_t bit = 1ULL << (number % 64);
            rodata.syscall_capture[number] = capture_bits(find_syscall_schema(stream->m_names.name(number)));
            if (stream->m_names.has_compat(number)) {
                rodata.compat_syscall_capture[number] =
                    capture_bits(find_compat_syscall_schema(stream->m_names.compat_name(number)));
            }
            if (selection->native[number]) {
                rodata.report_native[number / 64] |= bit;
                rodata.report_syscalls[number / 64] |= bit;
            }
            if (selection->compat[number]) {
                rodata.report_compat[number / 64] |= bit;
                rodata.report_syscalls[number / 64] |= bit;
            }
        }
        if (source == CapabilitySource::tp_btf) {
            (void)configure_caller_ranges(*skeleton->rodata);  // without kallsyms: callers unknown
        }
        bpf_program__set_autoload(skeleton->progs.cap_capable_tp, source == CapabilitySource::tp_btf);
        bpf_program__set_autoload(skeleton->progs.cap_capable_fexit, source == CapabilitySource::fexit);
        bpf_program__set_autoload(skeleton->progs.cap_capable_entry, source == CapabilitySource::kprobe);
        bpf_program__set_autoload(skeleton->progs.cap_capable_return, source == CapabilitySource::kprobe);
        // The kprobe pair's map alone: the other sources' programs do not reference it.
        if (int error = bpf_map__set_autocreate(skeleton->maps.pending_checks, source == CapabilitySource::kprobe)) {
            return system_error(error, "leaving out the kprobe source's map");
        }
        bpf_program__set_autoload(skeleton->progs.cgroup_mkdir, !filter.cgroups.empty());
        bpf_program__set_autoload(skeleton->progs.cgroup_rmdir, !filter.cgroups.empty());
        if (int error = bpf_map__set_max_entries(skeleton->maps.events, options.buffer_pages * k_page_size)) {
            return system_error(error, "sizing the event buffer");
        }
        if (int error = events_bpf__load(skeleton.get())) {
            notes +=
                system_error(error, std::string("loading the event programs with ") + source_name(source)).message +
                "; ";
            continue;
        }
        if (auto attached = attach_capability_source(*skeleton, source); !attached) {
            notes += attached.error().message + "; ";
            continue;
        }
        stream->m_skeleton = std::move(skeleton);
        stream->m_capability_source = source_name(source);
        break;
    }
    if (!stream->m_skeleton) {
        return Error{EINVAL, notes};
    }
    events_bpf* skeleton = stream->m_skeleton.get();
    const std::uint8_t mark = 1;
    for (std::uint32_t pid : filter.pids) {
        if (bpf_map_update_elem(bpf_map__fd(skeleton->maps.filter_pids), &pid, &mark, BPF_ANY) != 0) {
            return system_error("setting the filter pid=" + std::to_string(pid));
        }
    }
    for (std::uint64_t cgroup : filter.cgroups) {
        if (bpf_map_update_elem(bpf_map__fd(skeleton->maps.filter_cgroups), &cgroup, &mark, BPF_ANY) != 0) {
            return system_error("setting the filter on cgroup " + std::to_string(cgroup));
        }
    }
    stream->m_ring_buffer.reset(
        ring_buffer__new(bpf_map__fd(skeleton->maps.events), &EventStream::on_record, stream.get(), nullptr));
    if (!stream->m_ring_buffer) {
        return system_error("reading the event buffer");
    }
    if (int error = events_bpf__attach(skeleton)) {
        return system_error(error, "attaching the event programs");
    }
    if (!filter.cgroups.empty()) {
        auto left_out = add_descendants(bpf_map__fd(skeleton->maps.filter_cgroups), filter.cgroups);
        if (!left_out) {
            return left_out.error();
        }
        stream->m_cgroups_left_out = *left_out;
    }
    return stream;
}

int EventStream::on_record(void* context, void* data, std::size_t size) {
    auto* stream = static_cast<EventStream*>(context);
    if (!read_record(std::span(static_cast<const std::uint8_t*>(data), size), stream->m_names, stream->m_event)) {
        ++stream->m_malformed;
        return 0;
    }
    ++stream->m_handed;
    (*stream->m_sink)(stream->m_event);
    return 0;
}

Result<std::size_t> EventStream::poll(std::chrono::milliseconds timeout, const std::function<void(Event&)>& sink) {
    m_sink = &sink;
    m_handed = 0;
    int polled = ring_buffer__poll(m_ring_buffer.get(), static_cast<int>(timeout.count()));
    // Records below the kernel side's wakeup step wake nobody (bpf/events.bpf.c): whatever
    // the wait ended on, what is in the buffer is read.
    if (polled >= 0) {
        polled = ring_buffer__consume(m_ring_buffer.get());
    }
    m_sink = nullptr;
    if (polled < 0) {
        return system_error(polled, "reading the event buffer");
    }
    return m_handed;
}

Result<std::uint64_t> EventStream::lost() const {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) {
        return system_error(cpus, "counting the possible CPUs");
    }
    std::vector<std::uint64_t> counts(static_cast<std::size_t>(cpus));
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(m_skeleton->maps.lost_events), &key, counts.data()) != 0) {
        return system_error("reading the count of lost events");
    }
    std::uint64_t total = 0;
    for (std::uint64_t count : counts) {
        total += count;
    }
    return total;
}

Result<std::uint64_t> EventStream::lost_cgroups() const {
    const std::uint32_t key = 0;
    std::uint64_t count = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(m_skeleton->maps.lost_cgroups), &key, &count) != 0) {
        return system_error("reading the count of cgroups left out of the filter");
    }
    return count + m_cgroups_left_out;
}

}  // namespace cradle
