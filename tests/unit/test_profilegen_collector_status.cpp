#include <doctest/doctest.h>

#include <cerrno>
#include <optional>
#include <string>

#include "golden.h"
#include "profilegen/collector_status.h"
#include "test_support.h"

using namespace cradle;
using namespace cradle::test;

TEST_CASE("render_status_text and render_status_json: the collector's answer as lines and a table (golden)") {
    // Parsed, as call_collector hands it over: a count written 17 reads back unsigned.
    const nlohmann::json status = nlohmann::json::parse(R"({
        "ok": true, "capability_source": "tp_btf", "classifies_probes": true, "marks_moved_threads": false,
        "output_dir": "/var/lib/cradle/profiles", "pin_dir": "/sys/fs/bpf/cradle",
        "runtime_baseline_syscalls": 17, "runtime_baseline_samples": 2,
        "kernel_errors": {"lost_pending_checks": 4, "lost_joiner_phases": 0, "lost_inherited_phases": 1},
        "containers": [{"id": "0123456789abcdef0123456789abcdef", "name": "web", "phase": "workload",
                        "workload_syscalls": 42, "lost_syscalls": 1, "lost_capabilities": 3, "lost_cgroups": 2,
                        "lost_tasks": 5}]})");
    check_golden_render("collector_status.one-container.txt", [&] { return render_status_text(status); });
    check_golden_render("collector_status.one-container.json", [&] { return render_status_json(status); });
    nlohmann::json without_losses = status;
    without_losses["kernel_errors"] = {{"lost_pending_checks", 0}};
    CHECK(contains(render_status_text(without_losses), "kernel losses:     none\n"));
}

TEST_CASE("render_status_text: missing members and members of the wrong type read as unknown") {
    const nlohmann::json wrong = {{"capability_source", 5},
                                  {"classifies_probes", "yes"},
                                  {"marks_moved_threads", "yes"},
                                  {"output_dir", nullptr},
                                  {"runtime_baseline_syscalls", -3},
                                  {"runtime_baseline_samples", 1.5},
                                  {"containers", {7, "x", {{"id", 9}, {"phase", false}, {"workload_syscalls", "42"}}}}};
    std::string text;
    CHECK_NOTHROW(text = render_status_text(wrong));
    CHECK(contains(text, "capability checks: ?\n"));
    CHECK(contains(text, "moved processes:   leader marked"));
    CHECK(contains(text, "profiles:          ?\n"));
    CHECK(contains(text, "pins:              ?\n"));
    CHECK(contains(text, "runtime baseline:  0 syscalls from 0 containers\n"));
    CHECK(contains(text, "kernel losses:     ?\n"));
    CHECK(contains(text, "containers:        3\n"));
    CHECK(contains(text, "                                            ?         0         0\n"));

    for (const nlohmann::json& odd : {nlohmann::json::array(), nlohmann::json(nullptr), nlohmann::json("status"),
                                      nlohmann::json{{"containers", {{"id", "a"}}}}}) {
        CHECK_NOTHROW(text = render_status_text(odd));
        CHECK(contains(text, "capability checks: ?\nmoved processes:   ?\n"));
        CHECK(contains(text, "containers:        0\n"));
    }
}

TEST_CASE("render_status_json: the answer as it came, or the member that is not UTF-8") {
    const nlohmann::json status = {{"ok", true}, {"containers", {{{"id", "abc"}, {"name", "web"}}}}};
    auto text = render_status_json(status);
    REQUIRE(text.ok());
    CHECK(nlohmann::json::parse(*text) == status);
    CHECK(*text == status.dump(2));

    const nlohmann::json invalid = {{"ok", true}, {"containers", {{{"id", "abc"}}, {{"id", "ab\xff"}}}}};
    std::optional<Result<std::string>> refused;
    CHECK_NOTHROW(refused.emplace(render_status_json(invalid)));
    REQUIRE(refused.has_value());
    REQUIRE_FALSE(refused->ok());
    CHECK(refused->error().code == EILSEQ);
    CHECK(refused->error().message.find("member \"/containers/1/id\" is not UTF-8") == 0);
}
