/* The floor of any runtime wrapper: a static program that does nothing but execute the runtime
 * named by CRADLE_BENCH_RUNTIME with its own arguments. bench/runc_wrapper.sh compares
 * cradle-runc with it, so what cradle-runc adds beyond the one exec every wrapper pays shows. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *runtime = getenv("CRADLE_BENCH_RUNTIME");

	(void)argc;
	if (!runtime) {
		fprintf(stderr, "exec_floor: set CRADLE_BENCH_RUNTIME\n");
		return 127;
	}
	argv[0] = (char *)runtime;
	execv(runtime, argv);
	perror("exec_floor: execv");
	return 126;
}
