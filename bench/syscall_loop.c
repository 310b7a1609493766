/* cradle-bench-syscalls [COUNT]: makes COUNT getppid syscalls (default 2,000,000) and
 * prints the mean cost of one in nanoseconds. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000;
	struct timespec start, end;

	if (count <= 0) {
		fprintf(stderr, "cradle-bench-syscalls: COUNT must be positive\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long i = 0; i < count; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &end);
	double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
	printf("%.1f\n", ns / count);
	return 0;
}
