#include "collector/collector.h"

#include <sys/utsname.h>

#include <algorithm>
#include <ctime>
#include <limits>

#include "collector/cgroup.h"
#include "common/profile_name.h"
#include "common/protocol.h"
#include "common/utc_time.h"
#include "profilegen/profile_store.h"

namespace cradle {

Collector::Collector(Tracer& tracer, UniqueFd output_dir, std::string output_dir_path, std::string pin_dir)
    : m_tracer(tracer),
      m_maps(tracer.containers_fd(), tracer.cgroup_slots_fd(), tracer.runtime_baseline_fd(), tracer.max_containers()),
      m_registry(m_maps),
      m_output_dir(std::move(output_dir)),
      m_output_dir_path(std::move(output_dir_path)),
      m_pin_dir(std::move(pin_dir)),
      m_architectures(host_architectures()) {}

Result<void> Collector::load() {
    if (auto loaded = m_registry.load(); !loaded) {
        return loaded;
    }
    // A collector that stopped between publishing a cgroup and marking its tasks left them
    // unmarked; marking again is harmless.
    return m_tracer.adopt_tasks();
}

Result<Registration> Collector::register_container(const RegisterRequest& request,
                                                   std::optional<FlushOutcome>& replaced) {
    const std::string& id = request.id;
    const std::string context = "registering container \"" + printable_value(id) + "\"";
    const bool printable = std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '/'; });
    if (id.empty() || id.size() >= CRADLE_ID_SIZE || !printable) {
        return Error{EINVAL, context + ": the id must be 1 to " + std::to_string(CRADLE_ID_SIZE - 1) +
                                 " printable ASCII characters without '/'"};
    }
    if (request.pid <= 1 || request.pid > std::numeric_limits<pid_t>::max()) {
        return Error{EINVAL, context + ": no usable init pid (" + std::to_string(request.pid) + ")"};
    }
    if (!request.profile) {
        return Error{EINVAL, context + ": no \"" + std::string(k_profile_annotation) + "\" annotation"};
    }
    auto name = expand_profile_name(*request.profile, std::time(nullptr));
    if (!name) {
        return with_context(name.error(), context);
    }
    auto cgroup = m_cgroups.locate(static_cast<pid_t>(request.pid));
    if (!cgroup) {
        return with_context(cgroup.error(), context);
    }
    auto existing = m_registry.lookup(id);
    if (!existing) {
        return with_context(existing.error(), context);
    }

    Registration registration;
    switch (id_reuse(*existing, cgroup->id)) {
        case IdReuse::Conflict:
            return Error{EEXIST, context + ": the id is traced already for cgroup " +
                                     std::to_string((*existing)->traced.cgroup_id) + ", which is still there"};
        case IdReuse::Again:
            registration.traced = (*existing)->traced;
            registration.created = false;
            break;
        case IdReuse::ReplaceGone: {
            auto flushed = flush(**existing);
            if (!flushed) {
                return with_context(flushed.error(), context);
            }
            replaced = std::move(*flushed);
            [[fallthrough]];
        }
        case IdReuse::New: {
            auto added = m_registry.add(NewContainer{id, *name, cgroup->path, cgroup->id,
                                                     static_cast<std::uint32_t>(request.pid), request.runtime});
            if (!added) {
                return with_context(added.error(), context);
            }
            registration.traced = std::move(*added);
            // Walked once the cgroup is published, each cgroup published before its own
            // children are listed: a child made from then on is the kernel side's to add, so
            // none falls between the two.
            const std::uint32_t slot = registration.traced.slot;
            auto walked = walk_descendant_cgroups(cgroup->path, [&](const CgroupDirectory& child) -> Result<void> {
                registration.cgroups_not_traced += m_registry.publish_children(slot, {child.id});
                return {};
            });
            if (!walked) {
                (void)m_registry.remove(id);  // the listing's error says what went wrong
                return with_context(walked.error(), context);
            }
            m_notes[id] = RegistrationNotes{kernel_errors(), registration.cgroups_not_traced};
            break;
        }
    }
    // The init process waits in the cgroup: mark it (and anything else there) before the
    // hook returns and the runtime lets it exec.
    if (auto adopted = adopt_tasks_in(cgroup->path); !adopted) {
        if (registration.created) {       // a hook run twice must not lose what the first one started
            (void)m_registry.remove(id);  // the registration failed either way; its error says why
            m_notes.erase(id);
        }
        return with_context(adopted.error(), context);
    }
    return registration;
}

Result<void> Collector::adopt_tasks_in(const std::string& cgroup_dir) {
    // Read after the cgroup was published: a task that arrives later is marked by the
    // kernel side, so what is listed now is all that needs the iterator.
    auto processes = processes_of_leaf_cgroup(cgroup_dir);
    if (!processes || processes->size() > k_max_processes_adopted_one_by_one) {
        return m_tracer.adopt_tasks();
    }
    for (pid_t pid : *processes) {
        // Threads that start after this count are marked by the kernel side; one that is
        // missed makes the walk visit fewer than were counted.
        auto threads = count_threads(pid);
        auto visited = threads ? m_tracer.adopt_process(pid) : Result<std::size_t>(threads.error());
        if (!visited || *visited < *threads) {
            // A walk cut short, a process gone meanwhile, or a kernel without task-scoped
            // iterators (before 6.1).
            return m_tracer.adopt_tasks();
        }
    }
    return {};
}

Result<FlushOutcome> Collector::flush(const std::string& id) {
    auto existing = m_registry.lookup(id);
    if (!existing) {
        return with_context(existing.error(), "flushing container \"" + printable_value(id) + "\"");
    }
    if (!*existing) {
        FlushOutcome untraced;
        untraced.id = id;
        return untraced;
    }
    return flush(**existing);
}

Result<FlushOutcome> Collector::flush(const ContainerSnapshot& snapshot) {
    const TracedContainer& traced = snapshot.traced;
    const std::string context = "flushing container \"" + printable_value(traced.id) + "\"";
    auto baseline = m_registry.runtime_baseline();
    if (!baseline) {
        return with_context(baseline.error(), context);
    }
    const RegistrationNotes& notes = m_notes[traced.id];
    cradle_record record = snapshot.kernel.record;
    record.lost_cgroups += notes.cgroups_not_traced;  // lost as those the kernel side could not add
    // A container created and never started (podman create then rm, a failed start) made nothing
    // to profile, and the runtime's setup is information only: nothing is written, and once it is
    // gone it is forgotten like any other, so it holds no slot.
    FlushOutcome outcome{traced.id, traced.name, {}, {}, false, !workload_started(record)};
    if (!outcome.never_started) {
        Recording recording = decode_record(record, *baseline, m_architectures);
        if (traced.runtime.known()) {
            recording.runtimes.insert(traced.runtime);
        }
        const std::uint64_t lost_before = notes.kernel_errors.lost_pending_checks;
        const std::uint64_t lost_now = kernel_errors().lost_pending_checks;
        add_unattributed_losses(recording, lost_now > lost_before ? lost_now - lost_before : 0);
        const std::string header = "Cradle tracefile for profile \"" + traced.name + "\"\nlast container: \"" +
                                   traced.id + "\", registered " + utc_timestamp(traced.registered_at) +
                                   "\ncapability checks observed through " +
                                   capability_source_name(m_tracer.capability_source());
        auto stored = store_recording(m_output_dir.get(), traced.name, recording, header, trace_environment(),
                                      DirectorySync::by_caller);
        if (!stored) {
            return with_context(stored.error(), context);
        }
        outcome.files = {stored->seccomp_profile, stored->capability_profile, stored->trace_json, stored->tracefile};
        outcome.incomplete_reasons = recording.incomplete_reasons;
    }
    if (snapshot.cgroup_removed()) {
        if (auto forgotten = m_registry.forget(snapshot); !forgotten) {
            return with_context(forgotten.error(), context);
        }
        m_notes.erase(traced.id);
        outcome.forgotten = true;
    }
    return outcome;
}

std::vector<GoneFlush> Collector::collect_gone(std::chrono::steady_clock::time_point until) {
    std::vector<GoneFlush> outcomes;
    for (const TracedContainer& traced : m_registry.list()) {
        if (std::chrono::steady_clock::now() >= until) {
            break;
        }
        auto kernel = m_registry.read(traced.slot);
        if (!kernel) {
            continue;  // read again at the next scan
        }
        const ContainerSnapshot snapshot{traced, *kernel};
        if (snapshot.cgroup_removed()) {
            outcomes.push_back({traced.id, flush(snapshot)});
        }
    }
    return outcomes;
}

TraceEnvironment Collector::trace_environment() const {
    TraceEnvironment environment;
    struct utsname names {};
    if (::uname(&names) == 0) {
        environment.kernel_release = names.release;
        environment.machine = names.machine;
    }
    environment.attach_points = {{"syscalls", k_syscall_attach_point},
                                 {"capability_checks", capability_source_name(m_tracer.capability_source())}};
    return environment;
}

cradle_kernel_errors Collector::kernel_errors() const {
    auto errors = m_tracer.kernel_errors();
    return errors ? *errors : cradle_kernel_errors{};
}

CollectorStatus Collector::status() const {
    CollectorStatus status;
    status.capability_source = m_tracer.capability_source();
    status.classifies_probes = m_tracer.classifies_probes();
    status.marks_moved_threads = m_tracer.marks_moved_threads();
    status.output_dir = m_output_dir_path;
    status.pin_dir = m_pin_dir;
    if (auto baseline = m_registry.runtime_baseline()) {
        status.runtime_baseline = *baseline;
    }
    if (auto errors = m_tracer.kernel_errors()) {
        status.kernel_errors = *errors;
    }
    for (const TracedContainer& traced : m_registry.list()) {
        auto kernel = m_registry.read(traced.slot);
        status.containers.push_back({traced, kernel ? std::optional<cradle_record>(kernel->record) : std::nullopt});
    }
    return status;
}

}  // namespace cradle
