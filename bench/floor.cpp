// cradle-bench-floor: attaches bench/floor.bpf.c's empty program until SIGTERM or SIGINT.
// Prints "attached prog_id=N" once attached, N being the program's kernel id, so that a
// benchmark can read the kernel's run-time statistics of exactly this program.
#include <bpf/bpf.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>

#include "floor.skel.h"

int main() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigprocmask(SIG_BLOCK, &signals, nullptr);

    floor_bpf* skeleton = floor_bpf__open_and_load();
    if (!skeleton || floor_bpf__attach(skeleton) != 0) {
        std::fprintf(stderr, "cradle-bench-floor: loading the empty program failed\n");
        floor_bpf__destroy(skeleton);
        return 1;
    }
    bpf_prog_info info = {};
    __u32 info_size = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(skeleton->progs.sys_enter), &info, &info_size) != 0) {
        info.id = 0;  // attached all the same; only the statistics lookup is lost
    }
    std::printf("attached prog_id=%u\n", info.id);
    std::fflush(stdout);
    int signal = 0;
    sigwait(&signals, &signal);
    floor_bpf__destroy(skeleton);
    return 0;
}
