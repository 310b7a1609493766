/* openat-loop [COUNT [CHUNKS]] (built static by events.sh): makes COUNT openat calls (default
 * 1,000,000) of a path that does not exist, and prints two numbers: the cost of one call in
 * nanoseconds of the thread's CPU time (user + kernel), the lowest mean of CHUNKS (default 1)
 * equal chunks, as syscall-loop does; and the wall time of all the calls in nanoseconds, from
 * which the events per second a tracer was offered follow.
 * openat rather than getppid: it is one of the syscalls `cradle events` decodes by default, with
 * a path read from the task's memory, so every call makes a full event. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_ns(clockid_t clock)
{
	struct timespec now;

	clock_gettime(clock, &now);
	return now.tv_sec * 1e9 + now.tv_nsec;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	long chunks = argc > 2 ? strtol(argv[2], NULL, 10) : 1;
	double lowest = 0;

	if (count <= 0 || chunks <= 0 || chunks > count) {
		fprintf(stderr, "openat-loop: COUNT must be positive, CHUNKS in 1..COUNT\n");
		return 2;
	}
	long per_chunk = count / chunks;
	double wall_start = clock_ns(CLOCK_MONOTONIC);
	for (long chunk = 0; chunk < chunks; chunk++) {
		double start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		for (long i = 0; i < per_chunk; i++)
			openat(AT_FDCWD, "/cradle-bench-absent", O_RDONLY | O_CLOEXEC);
		double mean = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - start) / per_chunk;
		if (chunk == 0 || mean < lowest)
			lowest = mean;
	}
	printf("%.1f %.0f\n", lowest, clock_ns(CLOCK_MONOTONIC) - wall_start);
	return 0;
}
