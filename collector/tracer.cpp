#include "collector/tracer.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <seccomp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "collector/kernel_symbols.h"
#include "common/directory.h"
#include "cradle.skel.h"
#include "profilegen/kernel_record.h"
#include "profilegen/syscall_arguments.h"

namespace cradle {

namespace {

constexpr std::array k_capability_sources = {CRADLE_CAPS_TP_BTF, CRADLE_CAPS_FEXIT, CRADLE_CAPS_KPROBE,
                                             CRADLE_CAPS_NONE};

struct LinkDestroy {
    void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};
using Link = std::unique_ptr<bpf_link, LinkDestroy>;

struct BtfFree {
    void operator()(btf* types) const { btf__free(types); }
};

Result<void> prepare_pin_dir(const std::string& pin_dir) {
    if (::mkdir(pin_dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return system_error("creating pin directory \"" + pin_dir + "\"");
    }
    struct statfs filesystem {};
    if (::statfs(pin_dir.c_str(), &filesystem) != 0) {
        return system_error("reading pin directory \"" + pin_dir + "\"");
    }
    if (filesystem.f_type != BPF_FS_MAGIC) {
        return Error{EINVAL,
                     "pin directory \"" + pin_dir + "\" is not on a bpf filesystem (mount -t bpf bpf /sys/fs/bpf)"};
    }
    return {};
}

// How a process moved into a traced cgroup is marked: cgroup_attach_task_threads walks
// its threads with the open-coded task iterator (6.7+), cgroup_attach_task marks the leader.
enum class MovedProcess { every_thread, leader };

// Whether the kernel has the open-coded task iterator that cgroup_attach_task_threads needs.
bool kernel_has_task_iterator() {
    const std::unique_ptr<btf, BtfFree> vmlinux(btf__load_vmlinux_btf());
    return vmlinux && btf__find_by_name_kind(vmlinux.get(), "bpf_iter_task_new", BTF_KIND_FUNC) > 0;
}

// Which programs a capability source and a way of marking moved processes need; the
// others are not loaded.
bool program_wanted(const bpf_program* program, cradle_bpf* skeleton, cradle_capability_source source,
                    MovedProcess moved) {
    const auto& programs = skeleton->progs;
    if (program == programs.cgroup_attach_task_threads) {
        return moved == MovedProcess::every_thread;
    }
    if (program == programs.cgroup_attach_task) {
        return moved == MovedProcess::leader;
    }
    if (program == programs.cap_capable_tp) {
        return source == CRADLE_CAPS_TP_BTF;
    }
    if (program == programs.cap_capable_fexit) {
        return source == CRADLE_CAPS_FEXIT;
    }
    if (program == programs.cap_capable_entry || program == programs.cap_capable_return) {
        return source == CRADLE_CAPS_KPROBE;
    }
    return true;
}

// Tells the kernel side the numbers of the syscalls whose arguments it records, on each ABI.
void configure_argument_syscalls(cradle_bpf* skeleton) {
    const Architectures architectures = host_architectures();
    for (const ArgumentSyscall& syscall : argument_syscalls()) {
        auto& numbers = skeleton->rodata->nr_argument_syscalls;
        numbers[CRADLE_ABI_NATIVE][syscall.which] = argument_syscall_number(architectures.native, syscall);
        if (architectures.compat) {
            numbers[CRADLE_ABI_COMPAT][syscall.which] = argument_syscall_number(*architectures.compat, syscall);
        }
    }
}

// A map pinned at `path` must have the shape `map` is about to be created with, or libbpf
// refuses to reuse it with no more than EINVAL: libbpf compares the type, key and value sizes,
// entries, flags and map_extra (map_is_reuse_compat). It differs after an upgrade that changed
// bpf/cradle_abi.h (a value grew) or a map's flags, or with other --max-containers/--max-cgroups:
// say which, and what to do (ESTALE). No pin there is fine: the map is made.
Result<void> check_pinned_map(const bpf_map* map, const std::string& path) {
    UniqueFd pinned(bpf_obj_get(path.c_str()));
    if (!pinned.valid()) {
        return errno == ENOENT ? Result<void>() : system_error("opening pinned map \"" + path + "\"");
    }
    bpf_map_info info{};
    std::uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(pinned.get(), &info, &length) != 0) {
        return system_error("reading pinned map \"" + path + "\"");
    }
    const bool same = info.type == static_cast<std::uint32_t>(bpf_map__type(map)) &&
                      info.key_size == bpf_map__key_size(map) && info.value_size == bpf_map__value_size(map) &&
                      info.max_entries == bpf_map__max_entries(map) && info.map_flags == bpf_map__map_flags(map) &&
                      info.map_extra == bpf_map__map_extra(map);
    if (same) {
        return {};
    }
    auto shape = [](std::uint32_t key, std::uint32_t value, std::uint32_t entries, std::uint32_t flags,
                    std::uint64_t extra) {
        char flag_text[16];
        std::snprintf(flag_text, sizeof(flag_text), "0x%x", flags);
        return std::to_string(key) + "-byte keys, " + std::to_string(value) + "-byte values, " +
               std::to_string(entries) + " entries, flags " + flag_text +
               (extra != 0 ? ", map_extra " + std::to_string(extra) : std::string());
    };
    return Error{ESTALE, "pinned map \"" + path + "\" has " +
                             shape(info.key_size, info.value_size, info.max_entries, info.map_flags, info.map_extra) +
                             " where this cradled needs " +
                             shape(bpf_map__key_size(map), bpf_map__value_size(map), bpf_map__max_entries(map),
                                   bpf_map__map_flags(map), bpf_map__map_extra(map)) +
                             ": it was pinned by another version of cradled (bpf/cradle_abi.h changed) or with "
                             "other --max-containers/--max-cgroups, and its recordings cannot be carried over; "
                             "start the cradled that pinned it to flush them, or remove the pins with "
                             "`cradled --unpin --pin-dir DIR` (what was not flushed is lost)"};
}

Result<Skeleton> open_and_load(const TracerOptions& options, cradle_capability_source source, MovedProcess moved,
                               bool& classifies_probes) {
    const std::string& pin_dir = options.pin_dir;
    Skeleton owned(cradle_bpf__open());
    cradle_bpf* skeleton = owned.get();
    if (!skeleton) {
        return system_error("opening the BPF object");
    }
    skeleton->rodata->nr_seccomp = seccomp_syscall_resolve_name("seccomp");
    skeleton->rodata->nr_prctl = seccomp_syscall_resolve_name("prctl");
    configure_argument_syscalls(skeleton);
    classifies_probes = source == CRADLE_CAPS_TP_BTF && configure_caller_ranges(*skeleton->rodata);
    bpf_map__set_max_entries(skeleton->maps.containers, options.max_containers);
    bpf_map__set_max_entries(skeleton->maps.cgroup_slots, options.max_cgroups);

    bpf_program* program = nullptr;
    bpf_object__for_each_program(program, skeleton->obj) {
        bpf_program__set_autoload(program, program_wanted(program, skeleton, source, moved));
    }
    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, skeleton->obj) {
        const char* name = bpf_map__name(map);
        if (std::strchr(name, '.') != nullptr) {
            continue;  // .rodata and friends are per load, not state
        }
        if (map == skeleton->maps.pid_marks || map == skeleton->maps.joiner_phases) {
            // pid_marks: a copy of the marks, kept current only while the programs that
            // write it run: fresh with every load, so it never holds an entry they did not
            // see through. joiner_phases: a joiner the new programs do not know falls back
            // to its container's phase.
            continue;
        }
        const std::string path = pin_dir + "/" + name;
        if (auto fits = check_pinned_map(map, path); !fits) {
            return fits.error();
        }
        if (int error = bpf_map__set_pin_path(map, path.c_str())) {
            return system_error(error, "setting pin path \"" + path + "\"");
        }
    }
    if (int error = cradle_bpf__load(skeleton)) {
        return system_error(error, std::string("loading the BPF programs with ") + capability_source_name(source) +
                                       (moved == MovedProcess::every_thread ? " and cgroup_attach_task_threads" : ""));
    }
    return owned;
}

// A capability source's programs and their links, attached as soon as they load.
using CapabilityLinks = std::vector<std::pair<bpf_program*, Link>>;

bool is_capability_program(const bpf_program* program, cradle_bpf* skeleton) {
    const auto& programs = skeleton->progs;
    return program == programs.cap_capable_tp || program == programs.cap_capable_fexit ||
           program == programs.cap_capable_entry || program == programs.cap_capable_return;
}

// Attaches the loaded capability programs of `skeleton` (those of `source`): the source is
// taken once they attach, else the next one is tried. A kernel without BPF trampolines
// (arm64 before 6.0) loads fexit programs but refuses to attach them (ENOTSUPP), one built
// without kprobe events does the same with kprobes. They read attributions and write no pid
// mark, so they may go before task_newtask (attach_and_pin).
Result<CapabilityLinks> attach_capability_source(cradle_bpf* skeleton, cradle_capability_source source) {
    CapabilityLinks links;
    bpf_program* program = nullptr;
    bpf_object__for_each_program(program, skeleton->obj) {
        if (!bpf_program__autoload(program) || !is_capability_program(program, skeleton)) {
            continue;
        }
        Link link(bpf_program__attach(program));
        if (!link) {
            return system_error(std::string("attaching the BPF programs with ") + capability_source_name(source) +
                                " (\"" + bpf_program__name(program) + "\")");
        }
        links.emplace_back(program, std::move(link));
    }
    return links;
}

// Attaches every loaded program and pins its link as "link_<program>", replacing the link
// a previous collector pinned there only after the new one is attached; removes the links of
// programs not loaded this time. task_newtask goes first: a pid mark written by any other
// program is only sound once the next task to take that pid will rewrite it. The capability
// programs come attached already (`attached`): their links are pinned as they are.
Result<void> attach_and_pin(cradle_bpf* skeleton, const std::string& pin_dir, CapabilityLinks attached) {
    std::vector<bpf_program*> programs{skeleton->progs.task_newtask};
    bpf_program* program = nullptr;
    bpf_object__for_each_program(program, skeleton->obj) {
        if (program != skeleton->progs.task_newtask) {
            programs.push_back(program);
        }
    }
    for (bpf_program* program : programs) {
        const std::string name = bpf_program__name(program);
        if (!bpf_program__autoload(program)) {
            // A previous collector may have chosen another capability source.
            const std::string stale = pin_dir + "/link_" + name;
            if (::unlink(stale.c_str()) != 0 && errno != ENOENT) {
                return system_error("removing stale link \"" + stale + "\"");
            }
            continue;
        }
        const auto made = std::find_if(attached.begin(), attached.end(),
                                       [program](const auto& entry) { return entry.first == program; });
        const Link link(made != attached.end() ? made->second.release() : bpf_program__attach(program));
        if (!link) {
            return system_error("attaching BPF program \"" + name + "\"");
        }
        const std::string path = pin_dir + "/link_" + name;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            return system_error("removing old link \"" + path + "\"");
        }
        const int error = bpf_link__pin(link.get(), path.c_str());
        // The pin (not this process) keeps the program attached from now on.
        bpf_link__disconnect(link.get());
        if (error) {
            return system_error(error, "pinning link \"" + path + "\"");
        }
    }
    return {};
}

// Runs the task iterator program behind `link_fd` to the end (reading is what runs it, over
// every task the link covers) and returns how many tasks it visited: it writes a byte each.
Result<std::size_t> run_iterator(int link_fd) {
    UniqueFd iterator(bpf_iter_create(link_fd));
    if (!iterator.valid()) {
        return system_error("starting the task iterator");
    }
    std::size_t visited = 0;
    char buffer[4096];
    for (;;) {
        const ssize_t count = ::read(iterator.get(), buffer, sizeof buffer);
        if (count == 0) {
            return visited;
        }
        if (count > 0) {
            visited += static_cast<std::size_t>(count);
        } else if (errno != EINTR) {
            return system_error("running the task iterator");
        }
    }
}

}  // namespace

const char* capability_source_name(cradle_capability_source source) {
    switch (source) {
        case CRADLE_CAPS_TP_BTF: return "tp_btf/cap_capable";
        case CRADLE_CAPS_FEXIT: return "fexit/cap_capable";
        case CRADLE_CAPS_KPROBE: return "kprobe/cap_capable";
        case CRADLE_CAPS_NONE: break;
    }
    return "none";
}

Result<std::unique_ptr<Tracer>> Tracer::open(const TracerOptions& options) {
    if (options.max_containers == 0 || options.max_cgroups < options.max_containers) {
        return Error{EINVAL, "the maps need at least one container slot, and a cgroup entry per slot"};
    }
    if (auto prepared = prepare_pin_dir(options.pin_dir); !prepared) {
        return prepared.error();
    }
    std::unique_ptr<Tracer> tracer(new Tracer());
    tracer->m_pin_dir = options.pin_dir;
    tracer->m_pin_dir_lock.reset(::open(options.pin_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!tracer->m_pin_dir_lock.valid()) {
        return system_error("opening pin directory \"" + options.pin_dir + "\"");
    }
    if (::flock(tracer->m_pin_dir_lock.get(), LOCK_EX | LOCK_NB) != 0) {
        return Error{EBUSY, "pin directory \"" + options.pin_dir + "\" is in use by another cradled"};
    }
    // Each capability source with every thread marked where the kernel can, then with the
    // leader: the first set that loads is used.
    std::vector<MovedProcess> ways_to_mark{MovedProcess::leader};
    if (kernel_has_task_iterator()) {
        ways_to_mark.insert(ways_to_mark.begin(), MovedProcess::every_thread);
    }
    CapabilityLinks capability_links;
    for (cradle_capability_source source : k_capability_sources) {
        for (MovedProcess moved : ways_to_mark) {
            bool classifies_probes = false;
            auto skeleton = open_and_load(options, source, moved, classifies_probes);
            if (!skeleton && skeleton.error().code == ESTALE) {
                return skeleton.error();  // the pins, not the program set: no other set fits them better
            }
            if (!skeleton) {
                tracer->m_capability_source_notes += skeleton.error().message + "; ";
                continue;
            }
            auto links = attach_capability_source(skeleton->get(), source);
            if (!links) {
                tracer->m_capability_source_notes += links.error().message + "; ";
                break;  // the next way to mark attaches the same capability programs: the next source
            }
            capability_links = std::move(*links);
            tracer->m_skeleton = std::move(*skeleton);
            tracer->m_capability_source = source;
            tracer->m_classifies_probes = classifies_probes;
            tracer->m_marks_moved_threads = moved == MovedProcess::every_thread;
            break;
        }
        if (tracer->m_skeleton) {
            break;
        }
    }
    if (!tracer->m_skeleton) {
        return Error{EINVAL, "no BPF program set loaded: " + tracer->m_capability_source_notes};
    }
    if (auto attached = attach_and_pin(tracer->m_skeleton.get(), options.pin_dir, std::move(capability_links));
        !attached) {
        return attached.error();
    }
    return tracer;
}

void SkeletonDestroy::operator()(cradle_bpf* skeleton) const { cradle_bpf__destroy(skeleton); }

Tracer::~Tracer() = default;

Result<void> Tracer::adopt_tasks() const {
    const std::string path = m_pin_dir + "/link_adopt_tasks";
    UniqueFd link(bpf_obj_get(path.c_str()));
    if (!link.valid()) {
        return system_error("opening the task iterator \"" + path + "\"");
    }
    if (auto walked = run_iterator(link.get()); !walked) {
        return walked.error();
    }
    return {};
}

Result<std::size_t> Tracer::adopt_process(pid_t pid) const {
    union bpf_iter_link_info scope = {};
    scope.task.pid = static_cast<__u32>(pid);
    LIBBPF_OPTS(bpf_iter_attach_opts, options, .link_info = &scope, .link_info_len = sizeof(scope));
    const Link link(bpf_program__attach_iter(m_skeleton->progs.adopt_tasks, &options));
    if (!link) {
        return system_error("starting the task iterator for process " + std::to_string(pid));
    }
    return run_iterator(bpf_link__fd(link.get()));
}

int Tracer::cgroup_slots_fd() const { return bpf_map__fd(m_skeleton->maps.cgroup_slots); }
int Tracer::containers_fd() const { return bpf_map__fd(m_skeleton->maps.containers); }
int Tracer::runtime_baseline_fd() const { return bpf_map__fd(m_skeleton->maps.runtime_baseline); }
int Tracer::gone_cgroups_fd() const { return bpf_map__fd(m_skeleton->maps.gone_cgroups); }
std::uint32_t Tracer::max_containers() const { return bpf_map__max_entries(m_skeleton->maps.containers); }

Result<cradle_kernel_errors> Tracer::kernel_errors() const {
    cradle_kernel_errors errors{};
    const std::uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(m_skeleton->maps.kernel_errors), &key, &errors) != 0) {
        return system_error("reading the kernel side's error counters");
    }
    return errors;
}

Result<void> remove_pins(const std::string& pin_dir) {
    auto entries = list_directory(pin_dir);
    if (!entries && entries.error().code == ENOENT) {
        return {};
    }
    if (!entries) {
        return entries.error();
    }
    for (const DirectoryEntry& entry : *entries) {
        const std::string path = pin_dir + "/" + entry.name;
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
            return system_error("removing pin \"" + path + "\"");
        }
    }
    if (::rmdir(pin_dir.c_str()) != 0 && errno != ENOENT) {
        return system_error("removing pin directory \"" + pin_dir + "\"");
    }
    return {};
}

}  // namespace cradle
