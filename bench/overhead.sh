#!/usr/bin/env bash
# bench/overhead.sh [BUILD_DIR]: what tracing costs a process per syscall.
#
# A getppid loop (bench/syscall_loop.c: CPU time per call, the lowest mean of CHUNKS equal
# chunks of the run) is timed under
#   (a) no tracing
#   (b) the floor: an empty program on raw_syscalls/sys_enter (cradle-bench-floor)
#   (c) cradled running, the loop's container not registered (cradled's miss path)
#   (d) cradled tracing the loop's container (createRuntime hook + io.cradle.profile)
#   (e) a bpftrace one-liner counting syscalls per id for the loop's cgroup only
# in rounds, the order rotated from round to round (c and d share one cradled and swap
# places) so that drift on this shared machine does not always land on the same one. It prints
# the median of each, the extra cost over (a) as the median over rounds of the within-round
# difference (a and x are measured seconds apart, so slow drift cancels; the difference of the
# medians is printed next to it), the ratios the project targets, and the kernel's own cost
# per run of each program (bpf_stats).
#
# Every run, (a)-(c) and (e) included, runs the loop inside a runc container built from the
# same rootfs and the same config.json (hooks included); only (d)'s has the annotation. (d)
# has to run in a container, and a container is not free for a syscall loop (its own
# namespaces and cgroup), so timing (a)-(c) on the host would charge that to cradled. The
# loop times itself, so container start and stop are outside every number.
#
# bpf_stats are taken in one extra pass after the timed rounds, not during them: with
# kernel.bpf_stats_enabled=1 the kernel reads the clock twice around every program run,
# which would add the same cost to (b)-(e) and pull the ratios towards 1.
#
# Environment: ROUNDS (default 21), COUNT (syscalls per run, default 400000), CHUNKS (default
# 40), LOOP_CPU (the CPU the loop's containers are pinned to, default the last).
# Needs root, runc, bpftool, bpftrace, jq and a C compiler with a static libc.
# Uses its own socket, pin and work directories, and removes them (and its containers,
# pins, collectors) on exit, also on failure. Exits 1 when a configuration could not be
# set up; timings never make it fail.
set -euo pipefail

script_dir=$(cd "$(dirname "$0")" && pwd)
build_dir=$(cd "${1:-$script_dir/../build}" && pwd)
bin=$build_dir/bin
rounds=${ROUNDS:-21}
count=${COUNT:-400000}
chunks=${CHUNKS:-40}
# The two vCPUs of the development VM differ by ~20% in syscall cost (getppid ~1.45 us on
# CPU 0, ~1.2 us on CPU 1), and the scheduler moves the loop between them: pin it.
loop_cpu=${LOOP_CPU:-$(($(nproc) - 1))}
bench=overhead
source "$script_dir/lib.sh"
profile=cradle-bench-overhead
id_prefix=cradle-bench-ovh-$$

floor_pid=
bpftrace_pid=
stats_saved=$(sysctl -n kernel.bpf_stats_enabled)
bench_cleanup() {
    [ -n "$floor_pid" ] && kill -TERM "$floor_pid" 2>/dev/null && wait "$floor_pid" 2>/dev/null
    [ -n "$bpftrace_pid" ] && kill -TERM "$bpftrace_pid" 2>/dev/null && wait "$bpftrace_pid" 2>/dev/null
    sysctl -q -w kernel.bpf_stats_enabled="$stats_saved" >/dev/null
}
bench_setup runc bpftool bpftrace jq cc -- cradle-hook cradle-bench-floor

# --- the containers ------------------------------------------------------------------------
cc -O2 -static "$script_dir/syscall_loop.c" -o "$work/rootfs/bin/syscall-loop" ||
    die "building a static syscall loop (is libc.a installed?)"
getppid_nr=$(printf '#include <sys/syscall.h>\nSYS_getppid\n' | cc -E -P - | tail -n 1)
[[ "$getppid_nr" =~ ^[0-9]+$ ]] || die "finding getppid's number: got \"$getppid_nr\""

make_bundle() {  # make_bundle DIR ANNOTATIONS_JSON
    mkdir -p "$1"
    jq --arg root "$work/rootfs" --arg hook "$bin/cradle-hook" --arg socket "$socket" \
        --arg count "$count" --arg chunks "$chunks" --arg cpu "$loop_cpu" --argjson annotations "$2" '
        .process.terminal = false | .process.args = ["/bin/syscall-loop", $count, $chunks]
        | .root = {path: $root, readonly: false} | .annotations = $annotations
        | .linux.resources.cpu = {cpus: $cpu}
        | .hooks = {
            createRuntime: [{path: $hook, args: ["cradle-hook", "--socket", $socket, "createRuntime"],
                             env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}],
            poststop: [{path: $hook, args: ["cradle-hook", "--socket", $socket, "poststop"],
                        env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]}' \
        "$work/config.json" >"$1/config.json"
}
make_bundle "$work/plain" '{}'
make_bundle "$work/traced" "{\"io.cradle.profile\": \"$profile\"}"

cgroup2_mount=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break; if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)
[ -n "$cgroup2_mount" ] || die "no cgroup2 mount in /proc/self/mountinfo"

# cgroup id (= what bpf_get_current_cgroup_id() returns) of process PID's cgroup2 directory
cgroup_id_of() {
    local path
    path=$(sed -n 's/^0:://p' "/proc/$1/cgroup")
    [ -n "$path" ] || die "process $1 has no cgroup2 (0::) line in /proc/$1/cgroup"
    stat -c %i "$cgroup2_mount$path"
}

alive() {  # alive PID: running, not a zombie (the loop's reaper is not this shell)
    [ -d "/proc/$1" ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"
}

sys_enter_links() {  # links on sys_enter, whoever made them
    bpftool -j link show | jq '[.[] | select(.tp_name? == "sys_enter")] | length'
}

prog_stats() {  # prog_stats ID -> "run_time_ns run_cnt"
    bpftool -j prog show id "$1" | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"'
}

sys_enter_prog_ids() {
    bpftool -j prog show | jq -r '.[] | select(.name == "sys_enter") | .id'
}

# --- tracers -------------------------------------------------------------------------------
# cradled with its syscall program pinned where cradled_prog_id finds it.
start_cradled_pinned() {
    start_cradled
    [ -e "$pin_dir/link_sys_enter" ] || die "cradled is up but \"$pin_dir/link_sys_enter\" is not pinned"
}

cradled_prog_id() {
    bpftool -j link show pinned "$pin_dir/link_sys_enter" | jq -r .prog_id
}

start_floor() {
    coproc floor_proc { exec "$bin/cradle-bench-floor"; }
    floor_pid=$floor_proc_PID
    local line
    read -r -t 10 line <&"${floor_proc[0]}" || die "cradle-bench-floor did not attach"
    [[ "$line" == attached* ]] || die "cradle-bench-floor: \"$line\""
    floor_prog=${line#*prog_id=}
}

stop_floor() {
    kill -TERM "$floor_pid"
    wait "$floor_pid" || true
    floor_pid=
}

start_bpftrace() {  # start_bpftrace CGROUP_ID
    local before
    before=$(sys_enter_prog_ids)
    # A non-interactive shell starts background jobs with SIGINT ignored: stop it with SIGTERM.
    # Without CAP_SYS_RESOURCE the RLIMIT_MEMLOCK warning is harmless (memcg accounting).
    (ulimit -l unlimited 2>/dev/null || true
     exec bpftrace -e "tracepoint:raw_syscalls:sys_enter /cgroup == $1/ { @[args->id] = count(); }") \
        >"$work/bpftrace.out" 2>&1 &
    bpftrace_pid=$!
    local tries=0
    until grep -q '^Attaching' "$work/bpftrace.out"; do
        kill -0 "$bpftrace_pid" 2>/dev/null || die "bpftrace exited: $(cat "$work/bpftrace.out")"
        ((++tries < 1000)) || die "bpftrace did not attach within 20 s"
        sleep 0.02
    done
    # "Attaching" is printed just before the attach; give it time, the count checks it.
    sleep 0.3
    bpftrace_prog=$(sys_enter_prog_ids | awk -v before="$before" '
        BEGIN { split(before, ids, "\n"); for (i in ids) old[ids[i]] = 1 } !($1 in old) { id = $1 } END { print id }') ||
        die "listing the BPF programs (bpftool prog show)"
}

stop_bpftrace() {
    # bpftrace 0.17 has been seen to sleep on through a SIGTERM (once in a few runs): repeat it.
    local tries=0
    while alive "$bpftrace_pid"; do
        ((tries++ % 10 == 0)) && kill -TERM "$bpftrace_pid"
        ((tries < 100)) || die "bpftrace (pid $bpftrace_pid) does not stop on SIGTERM"
        sleep 0.05
    done
    wait "$bpftrace_pid" || true
    bpftrace_pid=
    local counted
    counted=$(sed -n "s/^@\[$getppid_nr\]: //p" "$work/bpftrace.out")
    [ -n "$counted" ] && [ "$counted" -ge "$count" ] ||
        die "bpftrace counted \"${counted:-nothing}\" getppid calls in the container, expected >= $count: $(head -n 5 "$work/bpftrace.out")"
}

# --- one run: create the container, set the tracer up, start, wait, delete ----------------
runs=0
stats_prog=      # when set, the prog id whose run-time statistics are taken around the loop
stats_result=

# Sets loop_ns (not printed: a $(...) subshell would lose the state kept here, and its die).
loop_ns=
run_loop() {  # run_loop CONFIG(a..e)
    local config=$1 bundle=$work/plain pid cgroup_id
    [ "$config" = d ] && bundle=$work/traced
    container=$id_prefix-$((++runs))
    rm -f "$profiles/$profile".*
    runc create --bundle "$bundle" "$container" >"$work/loop.out" 2>"$work/loop.err" ||
        die "runc create ($config): $(cat "$work/loop.err")"
    pid=$(runc state "$container" | jq -r .pid)
    case $config in
        b) stats_prog=${stats_on:+$floor_prog} ;;
        c | d) stats_prog=${stats_on:+$(cradled_prog_id)} ;;
        e) cgroup_id=$(cgroup_id_of "$pid")
           start_bpftrace "$cgroup_id"
           stats_prog=${stats_on:+$bpftrace_prog} ;;
        *) stats_prog= ;;
    esac
    if [ "$config" = d ]; then
        grep -q "tracing container \"$container\"" "$work/cradled.log" ||
            die "(d): cradled did not register container \"$container\": $(tail -n 5 "$work/cradled.log")"
    fi
    # Let what just started (runc's processes, a tracer's loading) finish on the other CPU.
    sleep 0.3
    local stats_before=
    [ -n "$stats_prog" ] && stats_before=$(prog_stats "$stats_prog")
    runc start "$container" || die "runc start ($config)"
    local tries=0
    while alive "$pid"; do
        ((++tries < 1200)) || die "($config): the loop is still running after 60 s"
        sleep 0.05
    done
    if [ -n "$stats_prog" ]; then
        local t0 c0 t1 c1
        read -r t0 c0 <<<"$stats_before"
        read -r t1 c1 < <(prog_stats "$stats_prog")
        stats_result="$((t1 - t0)) $((c1 - c0))"
    fi
    tries=0
    until [ "$(runc state "$container" 2>/dev/null | jq -r .status)" = stopped ]; do
        ((++tries < 100)) || die "($config): container \"$container\" not stopped"
        sleep 0.05
    done
    runc delete "$container" 2>"$work/loop.err" || die "runc delete ($config): $(cat "$work/loop.err")"
    container=
    [ "$config" = e ] && stop_bpftrace
    if [ "$config" = d ]; then
        tries=0
        until [ -e "$profiles/$profile.tracefile" ]; do
            ((++tries < 100)) || die "(d): no tracefile \"$profiles/$profile.tracefile\" after the container was deleted"
            sleep 0.05
        done
        awk -v want=getppid '/^SYSCALLS$/ { in_section = 1; next } /^$/ { in_section = 0 }
            in_section && $0 == want { found = 1 } END { exit !found }' "$profiles/$profile.tracefile" ||
            die "(d): the loop was not traced: getppid is not in SYSCALLS of \"$profiles/$profile.tracefile\""
    fi
    local ns
    ns=$(cat "$work/loop.out")
    [[ "$ns" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "($config): the loop printed \"$ns\" ($(cat "$work/loop.err"))"
    loop_ns=$ns
}

# Runs a group of configurations that share a tracer; appends "ROUND CONFIG NS" to $results.
run_group() {  # run_group GROUP ROUND
    case $1 in
        a) run_loop a; echo "$2 a $loop_ns" >>"$results" ;;
        b) start_floor; run_loop b; echo "$2 b $loop_ns" >>"$results"; stop_floor ;;
        cd) start_cradled_pinned
            local config
            for config in $( (($2 % 2)) && echo c d || echo d c); do
                run_loop "$config"; echo "$2 $config $loop_ns" >>"$results"
            done
            stop_cradled ;;
        e) run_loop e; echo "$2 e $loop_ns" >>"$results" ;;
    esac
}

foreign_note() {  # foreign_note WHEN COUNT
    [ "$2" -gt 0 ] || return 0
    echo "note ($1): $2 BPF link(s) of someone else are on sys_enter. (a) then already pays the"
    echo "  tracepoint's fixed cost, (b)-(e) add only their programs' run time: the ratios read"
    echo "  higher than on a machine where nothing else traces syscalls."
}

foreign_at_start=$(sys_enter_links)
started=$SECONDS
echo "cradle overhead: getppid loop, $count calls per run, $rounds rounds, every run in a runc container"
echo "ns = CPU time per call on CPU $loop_cpu, lowest mean of $chunks chunks of a run; order rotated per round"
foreign_note "at start" "$foreign_at_start"
run_loop a  # warm-up: page cache, runc's first start

results=$work/results
: >"$results"
groups=(a b cd e)
for ((round = 1; round <= rounds; round++)); do
    for ((g = 0; g < ${#groups[@]}; g++)); do
        run_group "${groups[(g + round - 1) % ${#groups[@]}]}" "$round"
    done
    awk -v r="$round" '$1 == r { v[$2] = $3 } END {
        printf "round %d: a=%.1f b=%.1f c=%.1f d=%.1f e=%.1f\n", r, v["a"], v["b"], v["c"], v["d"], v["e"] }' "$results"
done

# --- bpf_stats pass ------------------------------------------------------------------------
sysctl -q -w kernel.bpf_stats_enabled=1
stats_on=1
declare -A per_run
stats_line() {  # stats_line CONFIG: reads $stats_result
    local ns cnt
    read -r ns cnt <<<"$stats_result"
    [ "$cnt" -ge "$count" ] || die "($1) bpf_stats: the program ran $cnt times during a $count-call loop"
    per_run[$1]="$(awk -v n="$ns" -v c="$cnt" 'BEGIN { printf "%6.1f", n / c }') ns/run ($cnt runs)"
}
start_floor; run_loop b; stats_line b; stop_floor
start_cradled_pinned
run_loop c; stats_line c
run_loop d; stats_line d
stop_cradled
run_loop e
if [ -n "$bpftrace_prog" ]; then stats_line e; else per_run[e]="(program not found)"; fi
stats_on=
sysctl -q -w kernel.bpf_stats_enabled="$stats_saved"
foreign_at_end=$(sys_enter_links)

# --- report --------------------------------------------------------------------------------
# Extra cost = median over rounds of (x - a) within the round: a and x were measured seconds
# apart, so the slow drift of this shared VM cancels out of each difference.
echo
awk -v target=1.3 "$awk_median"'
    { v[$1, $2] = $3; all[$2] = all[$2] " " $3; if ($1 > rounds) rounds = $1 }
    END {
        for (r = 1; r <= rounds; r++) for (c = 1; c <= 4; c++) {
            x = substr("bcde", c, 1); diff[x] = diff[x] " " (v[r, x] - v[r, "a"]) }
        for (c = 1; c <= 5; c++) { x = substr("abcde", c, 1); med[x] = median(all[x]) }
        for (c = 1; c <= 4; c++) { x = substr("bcde", c, 1); extra[x] = median(diff[x]) }
        name["a"] = "(a) no tracing"
        name["b"] = "(b) empty sys_enter program (floor)"
        name["c"] = "(c) cradled running, loop untraced"
        name["d"] = "(d) cradled tracing the loop"
        name["e"] = "(e) bpftrace per-cgroup count"
        printf "%-38s %9s %12s %16s\n", "configuration", "median ns", "median - (a)", "extra over (a)*"
        printf "%-38s %9.1f\n", name["a"], med["a"]
        for (c = 1; c <= 4; c++) {
            x = substr("bcde", c, 1)
            printf "%-38s %9.1f %+12.1f %+9.1f (%+5.1f%%)\n", name[x], med[x], med[x] - med["a"], extra[x], extra[x] * 100 / med["a"] }
        print "* median over the rounds of (x - a) within each round; the ratios below use it"
        print ""
        floor = extra["b"]; floor_m = med["b"] - med["a"]
        for (c = 1; c <= 2; c++) {
            x = substr("cd", c, 1)
            if (floor <= 0) {
                printf "(%s-a)/(b-a) = undefined: the floor (b-a = %.1f ns) was not measurable  target <= %.1f: NOT met (unmeasured)\n", x, floor, target
                continue }
            r = extra[x] / floor
            from_medians = (floor_m > 0) ? sprintf("%.2f", (med[x] - med["a"]) / floor_m) : "undefined"
            printf "(%s-a)/(b-a) = %.2f (from the medians: %s)  target <= %.1f: %s\n", x, r, from_medians, target, (r <= target) ? "met" : "NOT met" }
        printf "(d-a) = %.1f ns vs (e-a) = %.1f ns (from the medians: %.1f vs %.1f)  target cradled lower: %s\n",
            extra["d"], extra["e"], med["d"] - med["a"], med["e"] - med["a"], (extra["d"] < extra["e"]) ? "met" : "NOT met"
    }' "$results"
echo
echo "kernel's cost per run of each sys_enter program (bpf_stats, one extra pass after the timed"
echo "rounds, counted while the loop ran; includes the stats' own clock reads):"
echo "  (b) floor                            ${per_run[b]}"
echo "  (c) cradled, cgroup not traced       ${per_run[c]}"
echo "  (d) cradled, cgroup traced           ${per_run[d]}"
echo "  (e) bpftrace                         ${per_run[e]}"
foreign_note "at end" "$foreign_at_end"
echo "total time: $((SECONDS - started)) s"
