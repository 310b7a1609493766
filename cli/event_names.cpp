#include "cli/event_names.h"

#include <fcntl.h>
#include <linux/net.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "profilegen/capability_table.h"
#include "profilegen/name_lookup.h"

namespace cradle {

namespace {

// Tables are written from the C library's macros (so a value cannot be mistyped) in any order,
// and sorted here, at compile time, for the binary search.
template <std::size_t N>
constexpr std::array<ValueName, N> sorted(std::array<ValueName, N> table) {
    std::ranges::sort(table, {}, &ValueName::value);
    return table;
}

template <std::size_t N>
constexpr bool unique_values(const std::array<ValueName, N>& table) {
    for (std::size_t i = 1; i < N; ++i) {
        if (table[i - 1].value == table[i].value) {
            return false;
        }
    }
    return true;
}

template <std::size_t N>
const char* find(const std::array<ValueName, N>& table, std::uint64_t value) {
    const auto it = std::ranges::lower_bound(table, value, {}, &ValueName::value);
    return it != table.end() && it->value == value ? it->name : nullptr;
}

#define CRADLE_NAMED(constant) \
    ValueName { static_cast<std::uint64_t>(constant), #constant }
#define CRADLE_FLAG(constant) \
    FlagName { static_cast<std::uint64_t>(constant), #constant }

constexpr auto k_address_families = sorted(std::to_array<ValueName>({
    CRADLE_NAMED(AF_UNSPEC),     CRADLE_NAMED(AF_UNIX),      CRADLE_NAMED(AF_INET),     CRADLE_NAMED(AF_AX25),
    CRADLE_NAMED(AF_IPX),        CRADLE_NAMED(AF_APPLETALK), CRADLE_NAMED(AF_NETROM),   CRADLE_NAMED(AF_BRIDGE),
    CRADLE_NAMED(AF_ATMPVC),     CRADLE_NAMED(AF_X25),       CRADLE_NAMED(AF_INET6),    CRADLE_NAMED(AF_ROSE),
    CRADLE_NAMED(AF_DECnet),     CRADLE_NAMED(AF_NETBEUI),   CRADLE_NAMED(AF_SECURITY), CRADLE_NAMED(AF_KEY),
    CRADLE_NAMED(AF_NETLINK),    CRADLE_NAMED(AF_PACKET),    CRADLE_NAMED(AF_ASH),      CRADLE_NAMED(AF_ECONET),
    CRADLE_NAMED(AF_ATMSVC),     CRADLE_NAMED(AF_RDS),       CRADLE_NAMED(AF_SNA),      CRADLE_NAMED(AF_IRDA),
    CRADLE_NAMED(AF_PPPOX),      CRADLE_NAMED(AF_WANPIPE),   CRADLE_NAMED(AF_LLC),      CRADLE_NAMED(AF_IB),
    CRADLE_NAMED(AF_MPLS),       CRADLE_NAMED(AF_CAN),       CRADLE_NAMED(AF_TIPC),     CRADLE_NAMED(AF_BLUETOOTH),
    CRADLE_NAMED(AF_IUCV),       CRADLE_NAMED(AF_RXRPC),     CRADLE_NAMED(AF_ISDN),     CRADLE_NAMED(AF_PHONET),
    CRADLE_NAMED(AF_IEEE802154), CRADLE_NAMED(AF_CAIF),      CRADLE_NAMED(AF_ALG),      CRADLE_NAMED(AF_NFC),
    CRADLE_NAMED(AF_VSOCK),      CRADLE_NAMED(AF_KCM),       CRADLE_NAMED(AF_QIPCRTR),  CRADLE_NAMED(AF_SMC),
    CRADLE_NAMED(AF_XDP),        CRADLE_NAMED(AF_MCTP),
}));
static_assert(unique_values(k_address_families));

constexpr auto k_socket_types = sorted(std::to_array<ValueName>({
    CRADLE_NAMED(SOCK_STREAM),
    CRADLE_NAMED(SOCK_DGRAM),
    CRADLE_NAMED(SOCK_RAW),
    CRADLE_NAMED(SOCK_RDM),
    CRADLE_NAMED(SOCK_SEQPACKET),
    CRADLE_NAMED(SOCK_DCCP),
    CRADLE_NAMED(SOCK_PACKET),
}));
static_assert(unique_values(k_socket_types));

// Options newer than the C library's headers are written as numbers, from the kernel's
// include/uapi/linux/prctl.h.
constexpr auto k_prctl_options = sorted(std::to_array<ValueName>({
    CRADLE_NAMED(PR_SET_PDEATHSIG),
    CRADLE_NAMED(PR_GET_PDEATHSIG),
    CRADLE_NAMED(PR_GET_DUMPABLE),
    CRADLE_NAMED(PR_SET_DUMPABLE),
    CRADLE_NAMED(PR_GET_UNALIGN),
    CRADLE_NAMED(PR_SET_UNALIGN),
    CRADLE_NAMED(PR_GET_KEEPCAPS),
    CRADLE_NAMED(PR_SET_KEEPCAPS),
    CRADLE_NAMED(PR_GET_FPEMU),
    CRADLE_NAMED(PR_SET_FPEMU),
    CRADLE_NAMED(PR_GET_FPEXC),
    CRADLE_NAMED(PR_SET_FPEXC),
    CRADLE_NAMED(PR_GET_TIMING),
    CRADLE_NAMED(PR_SET_TIMING),
    CRADLE_NAMED(PR_SET_NAME),
    CRADLE_NAMED(PR_GET_NAME),
    CRADLE_NAMED(PR_GET_ENDIAN),
    CRADLE_NAMED(PR_SET_ENDIAN),
    CRADLE_NAMED(PR_GET_SECCOMP),
    CRADLE_NAMED(PR_SET_SECCOMP),
    CRADLE_NAMED(PR_CAPBSET_READ),
    CRADLE_NAMED(PR_CAPBSET_DROP),
    CRADLE_NAMED(PR_GET_TSC),
    CRADLE_NAMED(PR_SET_TSC),
    CRADLE_NAMED(PR_GET_SECUREBITS),
    CRADLE_NAMED(PR_SET_SECUREBITS),
    CRADLE_NAMED(PR_SET_TIMERSLACK),
    CRADLE_NAMED(PR_GET_TIMERSLACK),
    CRADLE_NAMED(PR_TASK_PERF_EVENTS_DISABLE),
    CRADLE_NAMED(PR_TASK_PERF_EVENTS_ENABLE),
    CRADLE_NAMED(PR_MCE_KILL),
    CRADLE_NAMED(PR_MCE_KILL_GET),
    CRADLE_NAMED(PR_SET_MM),
    CRADLE_NAMED(PR_SET_PTRACER),
    CRADLE_NAMED(PR_SET_CHILD_SUBREAPER),
    CRADLE_NAMED(PR_GET_CHILD_SUBREAPER),
    CRADLE_NAMED(PR_SET_NO_NEW_PRIVS),
    CRADLE_NAMED(PR_GET_NO_NEW_PRIVS),
    CRADLE_NAMED(PR_GET_TID_ADDRESS),
    CRADLE_NAMED(PR_SET_THP_DISABLE),
    CRADLE_NAMED(PR_GET_THP_DISABLE),
    CRADLE_NAMED(PR_MPX_ENABLE_MANAGEMENT),
    CRADLE_NAMED(PR_MPX_DISABLE_MANAGEMENT),
    CRADLE_NAMED(PR_SET_FP_MODE),
    CRADLE_NAMED(PR_GET_FP_MODE),
    CRADLE_NAMED(PR_CAP_AMBIENT),
    CRADLE_NAMED(PR_SVE_SET_VL),
    CRADLE_NAMED(PR_SVE_GET_VL),
    CRADLE_NAMED(PR_GET_SPECULATION_CTRL),
    CRADLE_NAMED(PR_SET_SPECULATION_CTRL),
    CRADLE_NAMED(PR_PAC_RESET_KEYS),
    CRADLE_NAMED(PR_SET_TAGGED_ADDR_CTRL),
    CRADLE_NAMED(PR_GET_TAGGED_ADDR_CTRL),
    CRADLE_NAMED(PR_SET_IO_FLUSHER),
    CRADLE_NAMED(PR_GET_IO_FLUSHER),
    CRADLE_NAMED(PR_SET_SYSCALL_USER_DISPATCH),
    CRADLE_NAMED(PR_PAC_SET_ENABLED_KEYS),
    CRADLE_NAMED(PR_PAC_GET_ENABLED_KEYS),
    CRADLE_NAMED(PR_SCHED_CORE),
    CRADLE_NAMED(PR_SME_SET_VL),
    CRADLE_NAMED(PR_SME_GET_VL),
    CRADLE_NAMED(PR_SET_VMA),
    ValueName{65, "PR_SET_MDWE"},
    ValueName{66, "PR_GET_MDWE"},
    ValueName{67, "PR_SET_MEMORY_MERGE"},
    ValueName{68, "PR_GET_MEMORY_MERGE"},
    ValueName{69, "PR_RISCV_V_SET_CONTROL"},
    ValueName{70, "PR_RISCV_V_GET_CONTROL"},
    ValueName{71, "PR_RISCV_SET_ICACHE_FLUSH_CTX"},
    ValueName{72, "PR_PPC_GET_DEXCR"},
    ValueName{73, "PR_PPC_SET_DEXCR"},
    ValueName{74, "PR_GET_SHADOW_STACK_STATUS"},
    ValueName{75, "PR_SET_SHADOW_STACK_STATUS"},
    ValueName{76, "PR_LOCK_SHADOW_STACK_STATUS"},
    ValueName{77, "PR_TIMER_CREATE_RESTORE_IDS"},
    ValueName{0x41555856, "PR_GET_AUXV"},
}));
static_assert(unique_values(k_prctl_options));

constexpr auto k_ptrace_requests = sorted(std::to_array<ValueName>({
    CRADLE_NAMED(PTRACE_TRACEME), CRADLE_NAMED(PTRACE_PEEKTEXT), CRADLE_NAMED(PTRACE_PEEKDATA),
        CRADLE_NAMED(PTRACE_PEEKUSER), CRADLE_NAMED(PTRACE_POKETEXT), CRADLE_NAMED(PTRACE_POKEDATA),
        CRADLE_NAMED(PTRACE_POKEUSER), CRADLE_NAMED(PTRACE_CONT), CRADLE_NAMED(PTRACE_KILL),
        CRADLE_NAMED(PTRACE_SINGLESTEP), CRADLE_NAMED(PTRACE_ATTACH), CRADLE_NAMED(PTRACE_DETACH),
        CRADLE_NAMED(PTRACE_SYSCALL), CRADLE_NAMED(PTRACE_SETOPTIONS), CRADLE_NAMED(PTRACE_GETEVENTMSG),
        CRADLE_NAMED(PTRACE_GETSIGINFO), CRADLE_NAMED(PTRACE_SETSIGINFO), CRADLE_NAMED(PTRACE_GETREGSET),
        CRADLE_NAMED(PTRACE_SETREGSET), CRADLE_NAMED(PTRACE_SEIZE), CRADLE_NAMED(PTRACE_INTERRUPT),
        CRADLE_NAMED(PTRACE_LISTEN), CRADLE_NAMED(PTRACE_PEEKSIGINFO), CRADLE_NAMED(PTRACE_GETSIGMASK),
        CRADLE_NAMED(PTRACE_SETSIGMASK), CRADLE_NAMED(PTRACE_SECCOMP_GET_FILTER),
        CRADLE_NAMED(PTRACE_SECCOMP_GET_METADATA), CRADLE_NAMED(PTRACE_GET_SYSCALL_INFO),
        CRADLE_NAMED(PTRACE_GET_RSEQ_CONFIGURATION), ValueName{0x4210, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG"},
        ValueName{0x4211, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG"},
#if defined(__x86_64__) || defined(__i386__)
        CRADLE_NAMED(PTRACE_GETREGS), CRADLE_NAMED(PTRACE_SETREGS), CRADLE_NAMED(PTRACE_GETFPREGS),
        CRADLE_NAMED(PTRACE_SETFPREGS), CRADLE_NAMED(PTRACE_GETFPXREGS), CRADLE_NAMED(PTRACE_SETFPXREGS),
        CRADLE_NAMED(PTRACE_GET_THREAD_AREA), CRADLE_NAMED(PTRACE_SET_THREAD_AREA), CRADLE_NAMED(PTRACE_ARCH_PRCTL),
        CRADLE_NAMED(PTRACE_SYSEMU), CRADLE_NAMED(PTRACE_SYSEMU_SINGLESTEP), CRADLE_NAMED(PTRACE_SINGLEBLOCK),
#endif
}));
static_assert(unique_values(k_ptrace_requests));

constexpr auto k_socketcall_calls = sorted(std::to_array<ValueName>({
    CRADLE_NAMED(SYS_SOCKET),      CRADLE_NAMED(SYS_BIND),       CRADLE_NAMED(SYS_CONNECT),
    CRADLE_NAMED(SYS_LISTEN),      CRADLE_NAMED(SYS_ACCEPT),     CRADLE_NAMED(SYS_GETSOCKNAME),
    CRADLE_NAMED(SYS_GETPEERNAME), CRADLE_NAMED(SYS_SOCKETPAIR), CRADLE_NAMED(SYS_SEND),
    CRADLE_NAMED(SYS_RECV),        CRADLE_NAMED(SYS_SENDTO),     CRADLE_NAMED(SYS_RECVFROM),
    CRADLE_NAMED(SYS_SHUTDOWN),    CRADLE_NAMED(SYS_SETSOCKOPT), CRADLE_NAMED(SYS_GETSOCKOPT),
    CRADLE_NAMED(SYS_SENDMSG),     CRADLE_NAMED(SYS_RECVMSG),    CRADLE_NAMED(SYS_ACCEPT4),
    CRADLE_NAMED(SYS_RECVMMSG),    CRADLE_NAMED(SYS_SENDMMSG),
}));
static_assert(unique_values(k_socketcall_calls));

// O_LARGEFILE is 0 in the C library's 64-bit headers (it is implied there), but 32-bit tasks
// pass the kernel's value, which differs between architectures (asm/fcntl.h).
#if defined(__x86_64__) || defined(__i386__)
constexpr std::uint64_t k_o_largefile = 0100000;
#elif defined(__aarch64__) || defined(__arm__)
constexpr std::uint64_t k_o_largefile = 0400000;
#else
constexpr std::uint64_t k_o_largefile = 0;
#endif

// Composite flags first: O_SYNC holds O_DSYNC's bit, O_TMPFILE O_DIRECTORY's.
constexpr std::array k_open_flags = std::to_array<FlagName>({
    CRADLE_FLAG(O_CREAT),
    CRADLE_FLAG(O_EXCL),
    CRADLE_FLAG(O_NOCTTY),
    CRADLE_FLAG(O_TRUNC),
    CRADLE_FLAG(O_APPEND),
    CRADLE_FLAG(O_NONBLOCK),
    CRADLE_FLAG(O_SYNC),
    CRADLE_FLAG(O_DSYNC),
    CRADLE_FLAG(O_ASYNC),
    CRADLE_FLAG(O_DIRECT),
    FlagName{k_o_largefile, "O_LARGEFILE"},
    CRADLE_FLAG(O_TMPFILE),
    CRADLE_FLAG(O_DIRECTORY),
    CRADLE_FLAG(O_NOFOLLOW),
    CRADLE_FLAG(O_NOATIME),
    CRADLE_FLAG(O_CLOEXEC),
    CRADLE_FLAG(O_PATH),
});

constexpr std::array k_access_modes = std::to_array<FlagName>({
    CRADLE_FLAG(R_OK),
    CRADLE_FLAG(W_OK),
    CRADLE_FLAG(X_OK),
});

// AT_EACCESS (faccessat) and AT_REMOVEDIR (unlinkat) share 0x200; the decoded syscalls that take
// AT_* flags (faccessat2, the stat family, execveat) mean AT_EACCESS.
constexpr std::array k_at_flags = std::to_array<FlagName>({
    CRADLE_FLAG(AT_SYMLINK_NOFOLLOW),
    CRADLE_FLAG(AT_EACCESS),
    CRADLE_FLAG(AT_SYMLINK_FOLLOW),
    CRADLE_FLAG(AT_NO_AUTOMOUNT),
    CRADLE_FLAG(AT_EMPTY_PATH),
    CRADLE_FLAG(AT_STATX_FORCE_SYNC),
    CRADLE_FLAG(AT_STATX_DONT_SYNC),
    CRADLE_FLAG(AT_RECURSIVE),
});

constexpr std::array k_prot = std::to_array<FlagName>({
    CRADLE_FLAG(PROT_READ),
    CRADLE_FLAG(PROT_WRITE),
    CRADLE_FLAG(PROT_EXEC),
    FlagName{0x8, "PROT_SEM"},
    CRADLE_FLAG(PROT_GROWSDOWN),
    CRADLE_FLAG(PROT_GROWSUP),
});

// MAP_UNINITIALIZED's bit is also the lowest bit of MAP_HUGETLB's page size (MAP_HUGE_SHIFT):
// the decoder reads those bits as a size when MAP_HUGETLB is set, before this list.
constexpr std::array k_map_flags = std::to_array<FlagName>({
    CRADLE_FLAG(MAP_FIXED),
    CRADLE_FLAG(MAP_ANONYMOUS),
    CRADLE_FLAG(MAP_GROWSDOWN),
#ifdef MAP_32BIT
    CRADLE_FLAG(MAP_32BIT),
#endif
    CRADLE_FLAG(MAP_DENYWRITE),
    CRADLE_FLAG(MAP_EXECUTABLE),
    CRADLE_FLAG(MAP_LOCKED),
    CRADLE_FLAG(MAP_NORESERVE),
    CRADLE_FLAG(MAP_POPULATE),
    CRADLE_FLAG(MAP_NONBLOCK),
    CRADLE_FLAG(MAP_STACK),
    CRADLE_FLAG(MAP_HUGETLB),
    CRADLE_FLAG(MAP_SYNC),
    CRADLE_FLAG(MAP_FIXED_NOREPLACE),
    FlagName{0x4000000, "MAP_UNINITIALIZED"},
});

// The C library lacks the newest clone flags: numbers from the kernel's uapi linux/sched.h.
// CLONE_NEWTIME (0x80) lies in clone()'s exit-signal byte and is only named for clone3.
constexpr std::array k_clone_flags = std::to_array<FlagName>({
    CRADLE_FLAG(CLONE_VM),
    CRADLE_FLAG(CLONE_FS),
    CRADLE_FLAG(CLONE_FILES),
    CRADLE_FLAG(CLONE_SIGHAND),
    FlagName{0x1000, "CLONE_PIDFD"},
    CRADLE_FLAG(CLONE_PTRACE),
    CRADLE_FLAG(CLONE_VFORK),
    CRADLE_FLAG(CLONE_PARENT),
    CRADLE_FLAG(CLONE_THREAD),
    CRADLE_FLAG(CLONE_NEWNS),
    CRADLE_FLAG(CLONE_SYSVSEM),
    CRADLE_FLAG(CLONE_SETTLS),
    CRADLE_FLAG(CLONE_PARENT_SETTID),
    CRADLE_FLAG(CLONE_CHILD_CLEARTID),
    CRADLE_FLAG(CLONE_DETACHED),
    CRADLE_FLAG(CLONE_UNTRACED),
    CRADLE_FLAG(CLONE_CHILD_SETTID),
    CRADLE_FLAG(CLONE_NEWCGROUP),
    CRADLE_FLAG(CLONE_NEWUTS),
    CRADLE_FLAG(CLONE_NEWIPC),
    CRADLE_FLAG(CLONE_NEWUSER),
    CRADLE_FLAG(CLONE_NEWPID),
    CRADLE_FLAG(CLONE_NEWNET),
    CRADLE_FLAG(CLONE_IO),
    FlagName{0x100000000ULL, "CLONE_CLEAR_SIGHAND"},
    FlagName{0x200000000ULL, "CLONE_INTO_CGROUP"},
});

constexpr std::array k_socket_flags = std::to_array<FlagName>({
    CRADLE_FLAG(SOCK_NONBLOCK),
    CRADLE_FLAG(SOCK_CLOEXEC),
});

#undef CRADLE_NAMED
#undef CRADLE_FLAG

constexpr int k_kernel_sigrtmin = 32;  // the kernel's SIGRTMIN; the C library's is 34
constexpr int k_kernel_sigrtmax = 64;

}  // namespace

const char* errno_name(int number) { return number > 0 ? strerrorname_np(number) : nullptr; }

const char* signal_name(int number, char (&out)[16]) {
    if (number >= k_kernel_sigrtmin && number <= k_kernel_sigrtmax) {
        if (number == k_kernel_sigrtmin) {
            return "SIGRTMIN";
        }
        std::snprintf(out, sizeof out, "SIGRTMIN+%d", number - k_kernel_sigrtmin);
        return out;
    }
    const char* abbreviation = number > 0 ? sigabbrev_np(number) : nullptr;
    if (abbreviation == nullptr) {
        return nullptr;
    }
    std::snprintf(out, sizeof out, "SIG%s", abbreviation);
    return out;
}

const char* capability_constant(int number) {
    // profilegen/name_lookup.h spells them for `cradle capability`; by number here.
    static const std::vector<std::string> names = [] {
        std::vector<std::string> result(static_cast<std::size_t>(capability_count()));
        for (const CapabilityEntry& entry : list_capabilities()) {
            result[entry.number] = entry.constant();
        }
        return result;
    }();
    if (number < 0 || static_cast<std::size_t>(number) >= names.size() || names[number].empty()) {
        return nullptr;
    }
    return names[number].c_str();
}

const char* address_family_name(std::uint64_t family) { return find(k_address_families, family); }
const char* socket_type_name(std::uint64_t type) { return find(k_socket_types, type); }
const char* prctl_option_name(std::uint64_t option) { return find(k_prctl_options, option); }
const char* ptrace_request_name(std::uint64_t request) { return find(k_ptrace_requests, request); }
const char* socketcall_name(std::uint64_t call) { return find(k_socketcall_calls, call); }

std::span<const FlagName> open_flag_names() { return k_open_flags; }
std::span<const FlagName> access_mode_names() { return k_access_modes; }
std::span<const FlagName> at_flag_names() { return k_at_flags; }
std::span<const FlagName> prot_names() { return k_prot; }
std::span<const FlagName> map_flag_names() { return k_map_flags; }
std::span<const FlagName> clone_flag_names() { return k_clone_flags; }
std::span<const FlagName> socket_flag_names() { return k_socket_flags; }

std::span<const ValueName> address_family_table() { return k_address_families; }
std::span<const ValueName> prctl_option_table() { return k_prctl_options; }
std::span<const ValueName> ptrace_request_table() { return k_ptrace_requests; }

}  // namespace cradle
