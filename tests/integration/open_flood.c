/* open_flood COUNT PATH: makes COUNT openat(AT_FDCWD, PATH, O_RDONLY) syscalls, and as a
 * static binary no other openat: a workload whose number of events is known. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long count = argc > 2 ? atol(argv[1]) : 0;

	for (long i = 0; i < count; i++) {
		long fd = syscall(SYS_openat, AT_FDCWD, argv[2], O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	return 0;
}
