#include <doctest/doctest.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "profilegen/trace_json.h"

using namespace cradle;

namespace {

Recording sample_recording() {
    Recording recording;
    recording.architectures = {"x86_64", "x86"};
    recording.capabilities = {"sys_admin", "chown"};
    recording.denied_capabilities = {"net_admin"};
    recording.probed_capabilities = {"sys_resource"};
    // read: the runtime's and the workload's; openat: the workload's alone; pivot_root: setup
    // only; restart_syscall: implied.
    recording.syscalls = {"execve", "exit_group", "openat", "read", "restart_syscall"};
    recording.runtime_syscalls = {"execve", "read"};
    recording.implied_syscalls = {"restart_syscall"};
    recording.setup_syscalls = {"pivot_root", "read"};
    recording.counters = {{"lost_syscalls", 0}, {"lost_tasks", 2}};
    recording.incomplete_reasons = {"lost 2 tasks"};
    recording.compat_syscalls = {"_llseek", "restart_syscall"};
    recording.compat_implied_syscalls = {"restart_syscall"};
    recording.arguments = {{"socket", {{2, 1}, false}}, {"clone", {{}, false}}, {"clone3", {{}, true}}};
    return recording;
}

}  // namespace

TEST_CASE("render_trace_json: every section, phases per syscall, where it was recorded") {
    TraceEnvironment environment;
    environment.kernel_release = "6.18.0-test";
    environment.machine = "x86_64";
    environment.attach_points = {{"syscalls", "tp_btf/sys_enter"}, {"capability_checks", "fexit/cap_capable"}};
    auto text = render_trace_json(sample_recording(), environment);
    REQUIRE_MESSAGE(text.ok(), text.error().message);
    CHECK(*text == R"({
  "architectures": [
    "x86",
    "x86_64"
  ],
  "arguments": {
    "clone": {
      "any": false,
      "values": []
    },
    "clone3": {
      "any": true,
      "values": []
    },
    "socket": {
      "any": false,
      "values": [
        "AF_UNIX",
        "AF_INET"
      ]
    }
  },
  "capabilities": {
    "denied": [
      "CAP_NET_ADMIN"
    ],
    "granted": [
      "CAP_CHOWN",
      "CAP_SYS_ADMIN"
    ],
    "probed": [
      "CAP_SYS_RESOURCE"
    ]
  },
  "compat_syscalls": {
    "_llseek": {
      "allowed": true,
      "implied": false
    },
    "restart_syscall": {
      "allowed": true,
      "implied": true
    }
  },
  "complete": false,
  "counters": {
    "lost_syscalls": 0,
    "lost_tasks": 2
  },
  "incomplete_reasons": [
    "lost 2 tasks"
  ],
  "recorded_by": {
    "attach_points": {
      "capability_checks": "fexit/cap_capable",
      "syscalls": "tp_btf/sys_enter"
    },
    "kernel_release": "6.18.0-test",
    "machine": "x86_64"
  },
  "runtimes": [],
  "schema": "cradle.trace/v1",
  "syscalls": {
    "execve": {
      "allowed": true,
      "implied": false,
      "phases": [
        "runtime"
      ]
    },
    "exit_group": {
      "allowed": true,
      "implied": false,
      "phases": [
        "workload"
      ]
    },
    "openat": {
      "allowed": true,
      "implied": false,
      "phases": [
        "workload"
      ]
    },
    "pivot_root": {
      "allowed": false,
      "implied": false,
      "phases": [
        "setup"
      ]
    },
    "read": {
      "allowed": true,
      "implied": false,
      "phases": [
        "setup",
        "runtime"
      ]
    },
    "restart_syscall": {
      "allowed": true,
      "implied": true,
      "phases": []
    }
  }
}
)");
}

TEST_CASE("render_trace_json: a whole recording without an environment") {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.syscalls = {"execve"};
    auto text = render_trace_json(recording, TraceEnvironment{});
    REQUIRE_MESSAGE(text.ok(), text.error().message);
    CHECK(*text == R"({
  "architectures": [
    "x86_64"
  ],
  "arguments": {},
  "capabilities": {
    "denied": [],
    "granted": [],
    "probed": []
  },
  "compat_syscalls": {},
  "complete": true,
  "counters": {},
  "incomplete_reasons": [],
  "runtimes": [],
  "schema": "cradle.trace/v1",
  "syscalls": {
    "execve": {
      "allowed": true,
      "implied": false,
      "phases": [
        "workload"
      ]
    }
  }
}
)");
}

TEST_CASE("render_trace_json refuses a reason that is not UTF-8, naming it") {
    Recording recording = sample_recording();
    recording.incomplete_reasons = {"fine", "cut \xe2\x80"};
    auto text = render_trace_json(recording, TraceEnvironment{});
    REQUIRE_FALSE(text.ok());
    CHECK(text.error().code == EILSEQ);
    CHECK(text.error().message.find("/incomplete_reasons/1") != std::string::npos);
}

TEST_CASE("render_trace_json: the runtimes, always a sorted list, empty when none is known") {
    Recording recording;
    recording.architectures = {"x86_64"};
    recording.syscalls = {"execve"};
    auto document = [&] {
        auto text = render_trace_json(recording, TraceEnvironment{});
        REQUIRE_MESSAGE(text.ok(), text.error().message);
        return nlohmann::json::parse(*text);
    };
    CHECK(document().at("runtimes") == nlohmann::json::array());

    recording.runtimes = {{"runc", "/usr/sbin/runc", "podman"}};
    auto text = render_trace_json(recording, TraceEnvironment{});
    REQUIRE(text.ok());
    CHECK(text->find(R"(  "runtimes": [
    {
      "manager": "podman",
      "name": "runc",
      "path": "/usr/sbin/runc"
    }
  ],
)") != std::string::npos);

    recording.runtimes = {{"crun", "", ""}};
    CHECK(document().at("runtimes") == nlohmann::json::array({{{"name", "crun"}}}));

    recording.runtimes = {{"runc", "/usr/sbin/runc", "podman"}, {"runc", "/usr/sbin/runc", "docker"}};
    CHECK(document().at("runtimes") ==
          nlohmann::json::array({{{"name", "runc"}, {"path", "/usr/sbin/runc"}, {"manager", "docker"}},
                                 {{"name", "runc"}, {"path", "/usr/sbin/runc"}, {"manager", "podman"}}}));
}
