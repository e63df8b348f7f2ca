/*
 * runstat.c - run one command and report its wall time and peak RSS, for
 * tests/bench/bench.sh (finer than /usr/bin/time's 10 ms, and no extra
 * package to install).
 *
 *   runstat [-i IN] [-o OUT] [-e ERR] CMD [ARG...]
 *
 * The command's stdin, stdout and stderr are redirected to IN, OUT and
 * ERR (default /dev/null for all three). runstat then prints one line on
 * its own stdout:
 *
 *   SECONDS PEAK_RSS_KIB STATUS
 *
 * SECONDS is monotonic wall time with microsecond resolution; PEAK_RSS_KIB
 * is ru_maxrss from wait4(), i.e. the largest resident set of the command
 * or of any descendant it waited for (so `sh -c 'a | b'` reports the
 * bigger of a and b); STATUS is the exit code, or 128+signal.
 * runstat itself exits 0 when it could run the command, 127 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int redirect(const char *path, int fd, int flags)
{
	int f = open(path, flags, 0644);
	if (f < 0) {
		fprintf(stderr, "runstat: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (f != fd) {
		if (dup2(f, fd) < 0)
			return -1;
		close(f);
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *in = "/dev/null", *out = "/dev/null", *err = "/dev/null";
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc || argv[i][1] == '\0' || argv[i][2] != '\0')
			goto usage;
		switch (argv[i][1]) {
		case 'i': in = argv[++i]; break;
		case 'o': out = argv[++i]; break;
		case 'e': err = argv[++i]; break;
		default: goto usage;
		}
	}
	if (i >= argc)
		goto usage;

	fflush(stdout);
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("runstat: fork");
		return 127;
	}
	if (pid == 0) {
		if (redirect(in, 0, O_RDONLY) < 0 ||
		    redirect(out, 1, O_WRONLY | O_CREAT | O_TRUNC) < 0 ||
		    redirect(err, 2, O_WRONLY | O_CREAT | O_TRUNC) < 0)
			_exit(127);
		execvp(argv[i], argv + i);
		fprintf(stderr, "runstat: %s: %s\n", argv[i], strerror(errno));
		_exit(127);
	}
	int status;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("runstat: wait4");
			return 127;
		}
	}
	double secs = now() - t0;
	int code = WIFEXITED(status) ? WEXITSTATUS(status)
		 : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	printf("%.6f %ld %d\n", secs, (long)ru.ru_maxrss, code);
	return 0;
usage:
	fputs("usage: runstat [-i IN] [-o OUT] [-e ERR] CMD [ARG...]\n", stderr);
	return 127;
}
