// SPDX-License-Identifier: GPL-2.0
/*
 * restart - restart a process from an image
 *
 *	restart [-d] [-p] [-n] [-l LOGFILE] [FILE]
 *
 * restart(2) creates the process described by the image (FILE, or
 * stdin) as a child of the caller and returns its pid.  By default
 * restart then waits for it and exits with its exit status, or 128 +
 * the signal number if it was killed, as a shell would: running
 * "restart img" is like running the checkpointed program itself.
 * -d detaches instead: print the new pid and exit at once.  -p asks
 * the kernel to give the processes the pids they had in the image; -n
 * to make them, with those pids, in a new pid namespace, whose init is
 * then our child (and exits with the status of the image's root).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "ckpt_common.h"

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [-d] [-p] [-n] [-l LOGFILE] [FILE]\n"
		"  -d          detach: print the new pid and exit at once\n"
		"  -p          keep the pids of the image\n"
		"  -n          keep them in a new pid namespace\n"
		"  -l LOGFILE  write the kernel's log to LOGFILE ('-': stderr)\n"
		"  FILE        the image (default: stdin)\n",
		progname);
	exit(status);
}

static const char *explain(int err)
{
	switch (err) {
	case ENOSYS:
		return " (kernel without CONFIG_CHECKPOINT?)";
	case EINVAL:
		return " (malformed image, or an unsupported flag)";
	case EBADMSG:
		return " (image checksum mismatch)";
	case EPERM:
		return " (credentials or pids the caller may not give: see the log, -l)";
	case EBUSY:
		return " (the pid of the image is taken)";
	case ENOENT:
	case ESTALE:
		return " (a file of the image is gone or changed: see the log, -l)";
	case ENXIO:
		return " (the image has a terminal, and our stdio has none)";
	case EOPNOTSUPP:
		return " (not supported by this kernel)";
	default:
		return "";
	}
}

int main(int argc, char **argv)
{
	const char *path = NULL, *log_path = NULL;
	unsigned long flags = 0;
	int fd = STDIN_FILENO, logfd = -1;
	int opt, detach = 0, status;
	struct sigaction sa;
	pid_t pid;
	long ret;

	progname = "restart";
	while ((opt = getopt(argc, argv, "dpnl:h")) != -1) {
		switch (opt) {
		case 'd':
			detach = 1;
			break;
		case 'p':
			flags |= CKPT_RESTART_PIDS;
			break;
		case 'n':
			flags |= CKPT_RESTART_NEWPID;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (argc - optind > 1)
		usage(2);
	if (optind < argc && strcmp(argv[optind], "-"))
		path = argv[optind];

	if (path) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die_errno("cannot open %s", path);
	}
	if (log_path && !strcmp(log_path, "-")) {
		logfd = STDERR_FILENO;
	} else if (log_path) {
		logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0644);
		if (logfd < 0)
			die_errno("cannot create %s", log_path);
	}

	/*
	 * Like system(3), let a terminal's ^C or ^\ reach the restarted
	 * process only, so that its fate becomes our exit status.
	 */
	if (!detach) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGQUIT, &sa, NULL);
	}

	ret = sys_restart(0, fd, flags, logfd);
	if (ret < 0) {
		int err = errno;

		die("restart from %s failed: %s%s", path ? path : "stdin",
		    strerror(err), explain(err));
	}
	pid = ret;
	if (fd != STDIN_FILENO)
		close(fd);
	if (logfd > STDERR_FILENO)
		close(logfd);
	if (pid <= 0)
		die("restart returned no process (%ld)", ret);

	if (detach) {
		printf("%d\n", (int)pid);
		if (fflush(stdout) || ferror(stdout))
			die_errno("cannot print the pid %d", (int)pid);
		return 0;
	}

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			die_errno("cannot wait for process %d", (int)pid);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}
