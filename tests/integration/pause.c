/* pause: a pod's sandbox process, as Kubernetes' pause image runs it: it holds the pod's
 * namespaces, reaps the children it inherits as a pid namespace's init, and exits at SIGINT or
 * SIGTERM. Built static, the only file of the sandbox image test_cri.sh makes (no registry
 * serves the real one here). */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int signal_number)
{
	(void)signal_number;
	_exit(0);
}

static void reap(int signal_number)
{
	(void)signal_number;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	struct sigaction action = { .sa_handler = quit };

	sigemptyset(&action.sa_mask);
	if (sigaction(SIGINT, &action, NULL) < 0 || sigaction(SIGTERM, &action, NULL) < 0)
		return 1;
	action.sa_handler = reap;
	action.sa_flags = SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &action, NULL) < 0)
		return 1;
	for (;;)
		pause();
}
