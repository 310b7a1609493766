// cradle options: the docker or podman run options (or a Kubernetes securityContext, an OCI
// config fragment, systemd directives), and the seccomp profile, of recordings.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "profilegen/run_options.h"

namespace cradle {

extern const char* const k_options_command_help;

// What cradle options prints: the options for docker run (also named "text", its name before
// there was a choice of engines) or podman run, a JSON object with both and the findings, a
// Kubernetes securityContext, an OCI config.json fragment or a systemd unit's directives
// (profilegen/run_options.h).
enum class OptionsFormat { docker, podman, json, kubernetes, oci, systemd };

struct OptionsCommandOptions {
    std::vector<std::string> inputs;    // tracefiles and directories of them, at least one
    std::optional<std::string> output;  // --output: where the merged seccomp profile goes
    OptionsFormat format = OptionsFormat::docker;
    RefusalErrno refusal = RefusalErrno::eperm;         // --errno EPERM|ENOSYS
    std::string seccomp_root = k_kubelet_seccomp_root;  // --seccomp-root, for kubernetes
    std::optional<std::string> base;                    // --base: the policy the recording is held against
    bool crd = false;                                   // --crd: kubernetes with a SeccompProfile object
    std::optional<std::string> crd_namespace;           // --namespace: the object's, for SPO before 0.9.0
};

// Parses the arguments after `cradle options`. Returns the options, or nothing with the exit
// status in `exit_status`: 0 when --help was asked (the help written on `out`), 2 on a usage
// error (written on `err`), such as a flag `cradle options` does not take, a --format other
// than docker, text (the same), podman, json, kubernetes, oci or systemd, an --errno other than
// EPERM or ENOSYS, or --errno ENOSYS without --output for a format that names a profile file
// (that file, the recording's own, answers EPERM); --crd without --format kubernetes or with
// --errno ENOSYS (the object has no defaultErrnoRet); --namespace without --crd or not a
// DNS-1123 label; --base with --errno (the base's answer stands) or --format systemd (whose
// filter cannot hold the base's argument conditions), or without --output where the format
// names a profile file.
std::optional<OptionsCommandOptions> parse_options_command(const std::vector<std::string>& args, std::ostream& out,
                                                           std::ostream& err, int& exit_status);

// Merges the recordings, writes the merged seccomp profile at `output` when given (else uses
// the one input's own, except for oci, systemd and kubernetes with --crd, which name no profile
// file), and prints the options on `out` and the findings on `err`. With `base`, the profile
// written and enforced is the base settled for the recording (merge_with_base,
// profilegen/base_policy.h), and each recorded syscall it refuses is a finding. With `crd`, the
// securityContext names the SeccompProfile object printed after it (its name from the one
// tracefile's, else from --output's file name). Returns 0, 1 when there is a finding (an
// incomplete recording, a capability needed and refused, a syscall or an architecture the base
// refuses), 2 on an error or when the merged recording fails check_real_run (written on `err`,
// nothing written).
int run_options_command(const OptionsCommandOptions& options, std::ostream& out, std::ostream& err);

// parse_options_command, then run_options_command.
int options_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace cradle
