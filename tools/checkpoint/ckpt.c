// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt - checkpoint a process into an image
 *
 *	ckpt [-o FILE] [-l LOGFILE] [-k|-S] [-x] [--container] PID
 *
 * The kernel checkpoints PID and all its descendants, each stopped (or
 * cgroup-frozen): ckpt stops with SIGSTOP those of the tree that run,
 * for the checkpoint, and lets them run on afterwards (SIGCONT), unless
 * -S (leave them stopped) or -k (kill the tree once checkpointed).  A
 * process that was stopped already stays stopped unless -k.  The image
 * goes to FILE, or to stdout.
 *
 * --container checks that PID is the init of a pid namespace, a child
 * of ours, as a container made with "unshare --fork --pid" (or clone
 * flags) has: the image then holds the container's own namespaces and
 * "restart FILE" makes new ones.  -x (--external-ns) leaves out of the
 * image the namespaces the tree shares with processes outside it,
 * which the kernel otherwise refuses: the restarted tree uses the
 * restarter's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ckpt_common.h"

/* How long to wait for the target to stop after SIGSTOP */
#define STOP_TIMEOUT_MS		10000
/* Tasks of a tree, as the kernel's CKPT_TASKS_MAX */
#define TREE_MAX		4096

/* The tree, the root first; which of them ckpt stopped */
static pid_t tree[TREE_MAX];
static volatile sig_atomic_t stopped_by_us[TREE_MAX];
static volatile sig_atomic_t nr_tree;
static const char *out_path;

/*
 * The last pid of the NSpid line of /proc/PID/status: its pid in its
 * own pid namespace; 0 if there is no such line
 */
static long ns_pid(long pid)
{
	char path[64], line[256], *p;
	long nr = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "re");
	if (!f)
		die_errno("cannot read %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		p = strrchr(line, '\t');
		nr = p ? strtol(p + 1, NULL, 10) : 0;
		break;
	}
	fclose(f);
	return nr;
}

/* A container's init: pid 1 of a pid namespace other than ours */
static void check_container(long pid)
{
	char path[64], theirs[64] = "", ours[64] = "";

	snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
	if (readlink(path, theirs, sizeof(theirs) - 1) < 0)
		die_errno("cannot read %s", path);
	if (readlink("/proc/self/ns/pid", ours, sizeof(ours) - 1) < 0)
		die_errno("cannot read /proc/self/ns/pid");
	if (!strcmp(theirs, ours) || ns_pid(pid) != 1)
		die("process %ld is not the init of a container (pid 1 of its own pid namespace)",
		    pid);
}

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [-o FILE] [-l LOGFILE] [-k|-S] [-x] [--container] PID\n"
		"  -o FILE     write the image to FILE (default: stdout)\n"
		"  -l LOGFILE  write the kernel's log to LOGFILE ('-': stderr)\n"
		"  -k          kill the tree after a successful checkpoint\n"
		"  -S          leave the tree stopped after the checkpoint\n"
		"  -x, --external-ns\n"
		"              leave out namespaces shared with other processes\n"
		"  --container PID is a container's init (pid 1 of its own pid\n"
		"              namespace): checkpoint the whole container\n",
		progname);
	exit(status);
}

/*
 * State letter of /proc/PID/stat ('R', 'S', 'T', 't', 'Z', ...),
 * or 0 with errno set.
 */
static char proc_state(pid_t pid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return 0;
	}
	n = read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		errno = n < 0 ? errno : ESRCH;
		return 0;
	}
	buf[n] = '\0';
	/* comm may hold anything, parentheses included: the last ')' ends it */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2]) {
		errno = EPROTO;
		return 0;
	}
	return p[2];
}

/* Is PID in a cgroup v2 that the freezer has frozen? */
static int proc_frozen(pid_t pid)
{
	char path[PATH_MAX + 64], buf[PATH_MAX], *p;
	int fd, frozen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "0::", 3))
			continue;
		p = strchr(buf, '\n');
		if (p)
			*p = '\0';
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.events",
			 buf + 3);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read_full(fd, buf, sizeof(buf) - 1);

			if (n > 0) {
				buf[n] = '\0';
				frozen = !!strstr(buf, "frozen 1");
			}
			close(fd);
		}
		break;
	}
	fclose(f);
	return frozen;
}

static int is_stopped(char state)
{
	return state == 'T' || state == 't';
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void resume_tree(void)
{
	int i;

	for (i = 0; i < nr_tree; i++)
		if (stopped_by_us[i])
			kill(tree[i], SIGCONT);
}

/* Interrupted: do not leave behind a process we stopped, nor half an image */
static void on_signal(int sig)
{
	resume_tree();
	if (out_path)
		unlink(out_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Parent pid of /proc/PID/stat, or -1 */
static pid_t proc_ppid(pid_t pid)
{
	char path[64], buf[1024], *p;
	int fd, ppid;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p, ") %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

static int in_tree(pid_t pid)
{
	int i;

	for (i = 0; i < nr_tree; i++)
		if (tree[i] == pid)
			return 1;
	return 0;
}

/* Add the descendants of the tree found in /proc; 1 if any was new */
static int grow_tree(void)
{
	int added = 0, more = 1;
	struct dirent *de;
	pid_t pid, ppid;
	DIR *d;

	while (more) {
		more = 0;
		d = opendir("/proc");
		if (!d)
			die_errno("cannot read /proc");
		while ((de = readdir(d))) {
			pid = atoi(de->d_name);
			if (pid <= 0 || in_tree(pid))
				continue;
			ppid = proc_ppid(pid);
			if (ppid <= 0 || !in_tree(ppid))
				continue;
			if (nr_tree == TREE_MAX)
				die("more than %d processes in the tree", TREE_MAX);
			tree[nr_tree++] = pid;
			added = 1;
			more = 1;
		}
		closedir(d);
	}
	return added;
}

/* Stop tree[i] if it runs, and wait until it is stopped (or a zombie) */
static void stop_one(int i, int is_root)
{
	pid_t pid = tree[i];
	char state;
	int waited;

	state = proc_state(pid);
	if (!state || is_stopped(state) || (!is_root && state == 'Z'))
		return;
	if (proc_frozen(pid))
		return;
	stopped_by_us[i] = 1;
	if (kill(pid, SIGSTOP))
		die_errno("cannot stop process %d", (int)pid);
	for (waited = 0; ; waited++) {
		state = proc_state(pid);
		if (!state)
			die_errno("process %d vanished while stopping it", (int)pid);
		if (is_stopped(state) || (!is_root && state == 'Z'))
			return;
		if (state == 'Z' || state == 'X')
			die("process %d exited while stopping it", (int)pid);
		if (waited >= STOP_TIMEOUT_MS) {
			resume_tree();
			die("process %d did not stop within %d ms (state %c)",
			    (int)pid, STOP_TIMEOUT_MS, state);
		}
		sleep_ms(1);
	}
}

/* Stop the tree top down, until no new child shows up */
static void stop_tree(pid_t root)
{
	int i, done = 0;

	tree[0] = root;
	nr_tree = 1;
	do {
		for (i = done; i < nr_tree; i++)
			stop_one(i, !i);
		done = nr_tree;
	} while (grow_tree());
}

static const char *explain(int err)
{
	switch (err) {
	case ENOSYS:
		return " (kernel without CONFIG_CHECKPOINT?)";
	case EBUSY:
		return " (not stopped, or sharing with a process outside: see -l)";
	case EPERM:
		return " (no permission to trace the process)";
	case ESRCH:
		return " (no such process)";
	case EOPNOTSUPP:
		return " (holds state not supported yet: see the log, -l)";
	default:
		return "";
	}
}

int main(int argc, char **argv)
{
	const char *log_path = NULL;
	int kill_after = 0, leave_stopped = 0;
	int fd = STDOUT_FILENO, logfd = -1;
	struct sigaction sa;
	char state, *end;
	long pid, ret;
	int opt, err;

	static const struct option longopts[] = {
		{ "container", no_argument, NULL, 'C' },
		{ "external-ns", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long flags = 0;
	int container = 0;

	progname = "ckpt";
	while ((opt = getopt_long(argc, argv, "o:l:kSxh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'C':
			container = 1;
			break;
		case 'x':
			flags |= CKPT_CHECKPOINT_NS_EXTERNAL;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'k':
			kill_after = 1;
			break;
		case 'S':
			leave_stopped = 1;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc - 1 || (kill_after && leave_stopped))
		usage(2);
	errno = 0;
	pid = strtol(argv[optind], &end, 10);
	if (errno || *end || end == argv[optind] || pid <= 0 || pid > INT_MAX)
		die("invalid pid '%s'", argv[optind]);

	state = proc_state(pid);
	if (!state)
		die_errno("process %ld", pid);
	if (state == 'Z' || state == 'X')
		die("process %ld is a zombie", pid);
	if (container)
		check_container(pid);

	if (out_path) {
		fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			die_errno("cannot create %s", out_path);
	} else if (isatty(fd)) {
		die("refusing to write an image to a terminal (use -o FILE)");
	}
	if (log_path && !strcmp(log_path, "-")) {
		logfd = STDERR_FILENO;
	} else if (log_path) {
		logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0644);
		if (logfd < 0)
			die_errno("cannot create %s", log_path);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A reader that goes away makes the checkpoint fail with EPIPE */
	signal(SIGPIPE, SIG_IGN);

	stop_tree(pid);

	ret = sys_checkpoint(pid, fd, flags, logfd);
	err = errno;
	if (ret < 0) {
		resume_tree();
		if (out_path)
			unlink(out_path);
		errno = err;
		die("checkpoint of process %ld failed: %s%s", pid,
		    strerror(err), explain(err));
	}
	if (out_path && close(fd)) {
		err = errno;
		resume_tree();
		unlink(out_path);
		errno = err;
		die_errno("cannot write %s", out_path);
	}
	out_path = NULL;

	if (kill_after) {
		if (kill(pid, SIGKILL))
			die_errno("checkpointed process %ld but cannot kill it", pid);
		for (opt = 1; opt < nr_tree; opt++)
			kill(tree[opt], SIGKILL);
	} else if (!leave_stopped) {
		resume_tree();
	}
	return 0;
}
