/* argument-probe OPERATION VALUE ...: makes the syscalls whose arguments a profile filters, with
 * the values given, and prints "OPERATION VALUE: 0" or "OPERATION VALUE: ERRNO-NAME" for each,
 * so a test can compare a run under a profile with a run without one. Built static to run in a
 * bare busybox rootfs.
 *   socket inet|inet6|unix|packet|netlink   socket(AF_..., ...), closed at once
 *   clone none|net|user|uts                 clone(SIGCHLD | CLONE_NEW...), the child exits
 *   unshare net|user|uts|fs                 unshare(CLONE_NEW... or CLONE_FS)
 *   personality HEX                         personality(HEX); 0xffffffff only asks
 *   spawn /PATH                             posix_spawn (glibc tries clone3 first), waits */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct named {
	const char *name;
	long value;
};

static const struct named families[] = {
	{ "inet", AF_INET }, { "inet6", AF_INET6 }, { "unix", AF_UNIX }, { "packet", AF_PACKET }, { "netlink", AF_NETLINK },
};

static const struct named flags[] = {
	{ "none", 0 }, { "net", CLONE_NEWNET }, { "user", CLONE_NEWUSER }, { "uts", CLONE_NEWUTS }, { "fs", CLONE_FS },
};

static int lookup(const struct named *table, size_t size, const char *name, long *value)
{
	for (size_t i = 0; i < size; i++) {
		if (strcmp(table[i].name, name) == 0) {
			*value = table[i].value;
			return 0;
		}
	}
	return -1;
}

/* 0, or -1 with errno set; -2 for a malformed request. */
static int probe(const char *operation, const char *argument)
{
	extern char **environ;
	long value;

	if (strcmp(operation, "socket") == 0) {
		if (lookup(families, sizeof(families) / sizeof(*families), argument, &value))
			return -2;
		int type = value == AF_PACKET || value == AF_NETLINK ? SOCK_RAW : SOCK_DGRAM;
		int protocol = value == AF_PACKET ? htons(ETH_P_ALL) : value == AF_NETLINK ? NETLINK_ROUTE : 0;
		int fd = socket((int)value, type, protocol);
		return fd < 0 ? -1 : close(fd);
	}
	if (strcmp(operation, "clone") == 0 || strcmp(operation, "unshare") == 0) {
		if (lookup(flags, sizeof(flags) / sizeof(*flags), argument, &value))
			return -2;
		if (operation[0] == 'u')
			return unshare((int)value);
		long pid = syscall(SYS_clone, value | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0)
			_exit(0);
		return pid < 0 ? -1 : (waitpid((pid_t)pid, NULL, 0) < 0 ? -1 : 0);
	}
	if (strcmp(operation, "personality") == 0) {
		char *end;
		value = strtol(argument, &end, 16);
		if (*end)
			return -2;
		return personality((unsigned long)value) == -1 ? -1 : 0;
	}
	if (strcmp(operation, "spawn") == 0) {
		char *const args[] = { (char *)argument, NULL };
		pid_t pid;
		int status;
		errno = posix_spawn(&pid, argument, NULL, NULL, args, environ);
		if (errno)
			return -1;
		return waitpid(pid, &status, 0) < 0 ? -1 : 0;
	}
	return -2;
}

int main(int argc, char **argv)
{
	if (argc % 2 != 1) {
		fprintf(stderr, "usage: argument-probe OPERATION VALUE ...\n");
		return 2;
	}
	for (int i = 1; i + 1 < argc; i += 2) {
		errno = 0;
		int rc = probe(argv[i], argv[i + 1]);
		if (rc == -2) {
			fprintf(stderr, "argument-probe: unknown request \"%s %s\"\n", argv[i], argv[i + 1]);
			return 2;
		}
		printf("%s %s: %s\n", argv[i], argv[i + 1], rc == 0 ? "0" : strerrorname_np(errno));
		fflush(stdout);
	}
	return 0;
}
