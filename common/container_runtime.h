// The OCI runtime that created a container and the manager that drove it, as the hook reads them
// (hook/runtime_identity.h), sends them to the collector (common/protocol.h), the collector keeps
// them with the container (bpf/cradle_abi.h) and a recording lists them (profilegen/recording.h).
//
// Every member is attacker-adjacent text (a process's name and path, a containerd namespace):
// each is held to a small alphabet and length here, and one that breaks its rule is dropped
// (reads as unknown) rather than refused, as the runtime is information, never a reason not to
// trace.
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace cradle {

inline constexpr std::size_t k_max_runtime_name_length = 31;   // name and manager
inline constexpr std::size_t k_max_runtime_path_length = 127;  // path

struct ContainerRuntime {
    std::string name;     // the runtime's executable name: "runc", "crun"; "" when unknown
    std::string path;     // its absolute path: "/usr/sbin/runc"; "" when unknown
    std::string manager;  // what drove it: "podman", "cri-o", "docker", "containerd-cri" (containerd's
                          // CRI plugin, i.e. Kubernetes), "containerd" (ctr or another client);
                          // "" when unknown or none (a runtime run by hand)

    bool known() const { return !name.empty() || !path.empty() || !manager.empty(); }
    auto operator<=>(const ContainerRuntime&) const = default;
};

// Whether `value` may be a name or manager: 1..k_max_runtime_name_length bytes of ASCII letters,
// digits, '.', '_', '+', '-', not starting with '.' or '-'.
bool is_runtime_name(std::string_view value);

// Whether `value` may be a path: '/' and then at most k_max_runtime_path_length bytes in all of
// printable ASCII other than the space (0x21..0x7e).
bool is_runtime_path(std::string_view value);

// `runtime` with every member that breaks its rule above emptied.
ContainerRuntime checked_runtime(ContainerRuntime runtime);

// {"name": ..., "path": ..., "manager": ...} with the known members only ({} when none is).
nlohmann::json runtime_to_json(const ContainerRuntime& runtime);

// The members of `message` that are strings keeping their rule (checked_runtime); anything else,
// including a `message` that is not an object, reads as unknown.
ContainerRuntime runtime_from_json(const nlohmann::json& message);

// One line of text, for the tracefile: the known members as "key=value" separated by single
// spaces, in the order name, path, manager ("name=runc path=/usr/sbin/runc manager=podman"; ""
// when none is). No member holds a space, so the line splits back unambiguously.
std::string runtime_to_line(const ContainerRuntime& runtime);

// Reads runtime_to_line's text: space-separated "key=value" words; keys other than name, path and
// manager are skipped (newer files still read). nullopt when a word has no '=', a key is given
// twice, or a value breaks its rule.
std::optional<ContainerRuntime> runtime_from_line(std::string_view line);

}  // namespace cradle
