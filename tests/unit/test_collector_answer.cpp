#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "collector/answer.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

namespace {

nlohmann::json json_of(const std::string& text) {
    CHECK(text.find('\n') == std::string::npos);  // one line: the protocol's frame
    return nlohmann::json::parse(text);
}

TracedContainer traced_web() { return TracedContainer{3, 4711, 1764512700, "web-1", "web"}; }

}  // namespace

TEST_CASE("answer: a failure, even one quoting bytes that are not UTF-8") {
    const auto answer = json_of(answer_failure("unknown op \"\xff\""));
    CHECK(answer["ok"] == false);
    CHECK(answer["error"] == "unknown op \"\xef\xbf\xbd\"");
}

TEST_CASE("answer: registered and flushed") {
    const auto registered = json_of(answer_registered(Registration{traced_web(), true, 0}));
    CHECK(registered == nlohmann::json{{"ok", true}, {"name", "web"}, {"slot", 3}, {"cgroup_id", 4711}});

    const FlushOutcome outcome{"web-1", "web", {"web.seccomp.json", "web.tracefile"}, {"lost 2 syscalls"}, true};
    const auto flushed = json_of(answer_flushed(outcome));
    CHECK(flushed == nlohmann::json{{"ok", true},
                                    {"name", "web"},
                                    {"files", {"web.seccomp.json", "web.tracefile"}},
                                    {"incomplete", {"lost 2 syscalls"}},
                                    {"forgotten", true},
                                    {"never_started", false}});
    const auto never = json_of(answer_flushed(FlushOutcome{"web-2", "web", {}, {}, true, true}));
    CHECK(never["never_started"] == true);
    CHECK(never["files"].empty());
    const auto untraced = json_of(answer_flushed(FlushOutcome{"gone", "", {}, {}, false}));
    CHECK(untraced["files"].empty());
}

TEST_CASE("answer: status names the tracer's choices and counts each container's record") {
    CollectorStatus status;
    status.capability_source = CRADLE_CAPS_TP_BTF;
    status.classifies_probes = true;
    status.output_dir = "/var/lib/cradle/profiles";
    status.pin_dir = "/sys/fs/bpf/cradle";
    status.runtime_baseline.samples = 6;
    status.runtime_baseline.syscalls[CRADLE_ABI_NATIVE][0] = 0b111;
    status.runtime_baseline.syscalls[CRADLE_ABI_COMPAT][1] = 0b1;
    cradle_record record{};
    record.phase = CRADLE_PHASE_WORKLOAD;
    record.syscalls[CRADLE_PHASE_WORKLOAD][CRADLE_ABI_NATIVE][0] = 0b1011;
    record.syscalls[CRADLE_PHASE_SETUP][CRADLE_ABI_NATIVE][0] = 0b1111'0000;  // not the workload's
    record.flags = CRADLE_RECORD_CGROUP_REMOVED;
    record.lost_tasks = 2;
    status.containers = {{traced_web(), record}, {TracedContainer{4, 9, 0, "unread", "x"}, std::nullopt}};

    const auto answer = json_of(answer_status(status));
    CHECK(answer["ok"] == true);
    CHECK(answer["capability_source"] == "tp_btf/cap_capable");
    CHECK(answer["classifies_probes"] == true);
    CHECK(answer["marks_moved_threads"] == false);
    CHECK(answer["output_dir"] == "/var/lib/cradle/profiles");
    CHECK(answer["pin_dir"] == "/sys/fs/bpf/cradle");
    CHECK(answer["runtime_baseline_samples"] == 6);
    CHECK(answer["runtime_baseline_syscalls"] == 4);
    CHECK(answer["kernel_errors"].is_null());  // not read
    REQUIRE(answer["containers"].size() == 2);
    const auto& web = answer["containers"][0];
    CHECK(web["id"] == "web-1");
    CHECK(web["name"] == "web");
    CHECK(web["cgroup_id"] == 4711);
    CHECK(web["registered"] == "2025-11-30T14:25:00Z");
    CHECK(web["phase"] == "workload");
    CHECK(web["workload_syscalls"] == 3);
    CHECK(web["cgroup_removed"] == true);
    CHECK(web["lost_tasks"] == 2);
    CHECK(web["lost_syscalls"] == 0);
    const auto& unread = answer["containers"][1];
    CHECK(unread["id"] == "unread");
    CHECK_FALSE(unread.contains("phase"));

    status.kernel_errors = cradle_kernel_errors{7, 0, 1};
    const auto errors = json_of(answer_status(status))["kernel_errors"];
    CHECK(errors ==
          nlohmann::json{{"lost_pending_checks", 7}, {"lost_joiner_phases", 0}, {"lost_inherited_phases", 1}});
}
