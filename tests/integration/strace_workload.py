#!/usr/bin/env python3
"""strace_workload.py TRACE PROGRAM: the syscalls that `strace -f --decode-pids=pidns` saw the
workload make.

The workload starts at the first successful execve of PROGRAM (the container's init) and
includes every process it forked afterwards. Prints one syscall name per line, sorted.
"""
import re
import sys

LINE = re.compile(r"^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()(.*)$")
# "= 9 /* 12279 in strace's PID NS */" with --decode-pids=pidns: the second is the host pid.
RESULT = re.compile(r"=\s+(-?\d+)(?:\s+/\* (\d+) in strace's PID NS \*/)?")


def parse(trace):
    """(pid, name, rest of line) for every syscall line, with resumed calls named."""
    calls = []
    with open(trace, errors="replace") as file:
        for line in file:
            match = LINE.match(line)
            if match:
                calls.append((int(match.group(1)), match.group(2) or match.group(3), match.group(4)))
    return calls


def workload_start(calls, program):
    """Index of the first successful execve of PROGRAM, and the pid that made it."""
    unfinished = {}
    for index, (pid, name, rest) in enumerate(calls):
        if name != "execve":
            continue
        if rest.startswith('"%s"' % program):
            if "<unfinished" in rest:
                unfinished[pid] = True
                continue
        elif not (pid in unfinished and "resumed" not in rest and rest.lstrip().startswith(")")) and pid not in unfinished:
            continue
        if re.search(r"=\s+0\b", rest):
            return index, pid
    sys.exit("strace_workload.py: no successful execve of %s" % program)


def main():
    calls = parse(sys.argv[1])
    start, init = workload_start(calls, sys.argv[2])
    later = calls[start + 1:]
    # A child's first lines may come before its parent's clone returns, so the family is
    # found first and the names collected afterwards.
    family = {init}
    grew = True
    while grew:
        grew = False
        for pid, name, rest in later:
            if pid in family and name in ("clone", "clone3", "fork", "vfork"):
                result = RESULT.search(rest)
                child = int(result.group(2) or result.group(1)) if result else 0
                if child > 0 and child not in family:
                    family.add(child)
                    grew = True
    # The exec itself was made by the runtime, before the workload existed.
    print("\n".join(sorted({name for pid, name, _ in later if pid in family})))


if __name__ == "__main__":
    main()
