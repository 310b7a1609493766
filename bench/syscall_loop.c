/* syscall-loop [COUNT [CHUNKS]] (built static by overhead.sh): makes COUNT getppid syscalls (default 2,000,000)
 * and prints the cost of one in nanoseconds of the thread's CPU time (user + kernel).
 * With CHUNKS (default 1) the calls are made in that many equal chunks and the lowest
 * per-chunk mean is printed: the cost in the quietest stretch, as other work on a shared
 * machine (cache and TLB pollution after it ran on the same CPU) only ever adds to it.
 * CPU time, not wall time: the time the loop waits for a CPU is not a cost of the syscall. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double cpu_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	return now.tv_sec * 1e9 + now.tv_nsec;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000;
	long chunks = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
	double lowest = 0;

	if (count <= 0 || chunks <= 0 || chunks > count) {
		fprintf(stderr, "cradle-bench-syscalls: COUNT must be positive, CHUNKS in 1..COUNT\n");
		return 2;
	}
	long per_chunk = count / chunks;
	for (long chunk = 0; chunk < chunks; chunk++) {
		double start = cpu_ns();
		for (long i = 0; i < per_chunk; i++)
			syscall(SYS_getppid);
		double mean = (cpu_ns() - start) / per_chunk;
		if (chunk == 0 || mean < lowest)
			lowest = mean;
	}
	printf("%.1f\n", lowest);
	return 0;
}
