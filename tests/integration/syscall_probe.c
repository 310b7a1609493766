/* syscall-probe NAME...: makes each named syscall with arguments it must refuse or ignore,
 * and prints "NAME: ERRNO-NAME" (or "NAME: 0"), so a test can tell a seccomp filter's
 * answer from the kernel's own. Built static to run in a bare busybox rootfs.
 *   clone3      clone3(NULL, 0): the kernel says EINVAL
 *   faccessat2  faccessat2(-1, "", 0, 0): ENOENT
 *   openat2     openat2(-1, "", NULL, 0): EINVAL
 *   mkdirat     mkdirat(-1, "", 0): ENOENT
 * Built with -m32 too, for the i386 ABI, where it also knows (names of the i386 table only):
 *   socketcall  socketcall(SYS_SOCKET, {-1, 0, 0}): EAFNOSUPPORT
 *   _llseek     _llseek(-1, 0, 0, &result, SEEK_SET): EBADF */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long probe(const char *name)
{
	if (strcmp(name, "clone3") == 0)
		return syscall(SYS_clone3, NULL, 0);
	if (strcmp(name, "faccessat2") == 0)
		return syscall(SYS_faccessat2, -1, "", 0, 0);
	if (strcmp(name, "openat2") == 0)
		return syscall(SYS_openat2, -1, "", NULL, 0);
	if (strcmp(name, "mkdirat") == 0)
		return syscall(SYS_mkdirat, -1, "", 0);
#ifdef __i386__
	if (strcmp(name, "socketcall") == 0) {
		unsigned long args[3] = { (unsigned long)-1, 0, 0 };

		return syscall(SYS_socketcall, 1 /* SYS_SOCKET */, args);
	}
	if (strcmp(name, "_llseek") == 0) {
		long long result;

		return syscall(SYS__llseek, -1, 0, 0, &result, SEEK_SET);
	}
#endif
	fprintf(stderr, "syscall-probe: unknown syscall \"%s\"\n", name);
	return -2;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		errno = 0;
		long rc = probe(argv[i]);
		if (rc == -2)
			return 2;
		printf("%s: %s\n", argv[i], rc == 0 ? "0" : strerrorname_np(errno));
	}
	return 0;
}
