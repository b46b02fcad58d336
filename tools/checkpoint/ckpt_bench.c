// SPDX-License-Identifier: GPL-2.0
/*
 * ckpt_bench - time checkpoint() and restart() against a plain write()
 *
 *	ckpt_bench [-s MIB[,MIB...]] [-t N[,N...]] [-T N[,N...]] [-r RUNS]
 *		   [-d DIR] [-c CSVFILE]
 *
 * For each size (default 1, 64 and 256 MiB), forks a child that
 * touches that much private anonymous memory and stops itself.  Then,
 * RUNS times (default 3), it checkpoints the child into a file in DIR
 * (default /tmp, which should be a tmpfs), validates the image with
 * CKPT_RESTART_VERIFY, restarts a process from it (and kills and reaps
 * that process), and write()s as many bytes as the image has to a new
 * file in DIR, from user space, 64 KiB at a time as the kernel writes
 * an image.  Each time is taken with CLOCK_MONOTONIC around the system
 * calls alone.  The medians are printed as a table, and as CSV to
 * CSVFILE ("-": stdout).  A restart() that fails (a kernel that cannot
 * restore yet) is reported as "n/a", with the reason, and the rest is
 * still measured.
 *
 * Then for each tree size N (default 1, 10 and 100), a tree of N
 * processes, a root and N - 1 children, all stopped, is checkpointed,
 * verified and restarted the same way (the restarted children die with
 * their root), and for each thread count N (default 64) a process of N
 * threads.  Their rows have size 0 and the number of tasks, "proc" for
 * trees and "thr" for threads (a tasks column of the CSV, negative for
 * threads).
 *
 * MB/s is 10^6 bytes per second of checkpoint.  It is a benchmark, not
 * a test: nothing is compared against a limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <linux/magic.h>

#include "ckpt_common.h"

#define DEFAULT_SIZES	"1,64,256"
#define DEFAULT_TREES	"1,10,100"
#define DEFAULT_THREADS	"64"
#define MAX_TASKS	4096
#define DEFAULT_RUNS	3
#define MAX_SIZES	16
#define MAX_RUNS	99
#define MAX_MIB		1048576
/* The kernel's write buffer of a checkpoint (CKPT_WBUF_SIZE) */
#define WRITE_CHUNK	(64 * 1024)

#define CSV_HEADER	"size_mib,image_bytes,ckpt_ms,ckpt_mb_s,write_ms," \
			"ckpt_write_ratio,restart_ms,restart_write_ratio," \
			"verify_ms,runs,tasks"

/* One measurement per run, or < 0 when it could not be made */
struct sample {
	double ckpt_ms[MAX_RUNS];
	double verify_ms[MAX_RUNS];
	double restart_ms[MAX_RUNS];
	double write_ms[MAX_RUNS];
};

/* The medians of one size */
struct result {
	unsigned long mib;
	unsigned long tasks;
	bool threads;
	unsigned long long image_bytes;
	double ckpt_ms, write_ms, restart_ms, verify_ms;
	int restart_err, verify_err;
};

static const char *dir = "/tmp";
static char img_path[PATH_MAX], out_path[PATH_MAX];
static char wbuf[WRITE_CHUNK];
static pid_t child_pid;

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [-s MIB[,MIB...]] [-t N[,N...]] [-T N[,N...]] [-r RUNS] [-d DIR] [-c CSVFILE]\n"
		"  -s MIB,...  sizes of touched memory, in MiB (default %s)\n"
		"  -t N,...    sizes of process trees, in processes (default " DEFAULT_TREES ")\n"
		"  -T N,...    threads of a process (default " DEFAULT_THREADS ")\n"
		"  -r RUNS     measurements per size; the median is shown (default %d)\n"
		"  -d DIR      where the image and the write() file go, a tmpfs (default /tmp)\n"
		"  -c CSVFILE  also write the results as CSV ('-': stdout)\n",
		progname, DEFAULT_SIZES, DEFAULT_RUNS);
	exit(status);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void cleanup(void)
{
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		waitpid(child_pid, NULL, 0);
		child_pid = 0;
	}
	unlink(img_path);
	unlink(out_path);
}

static void on_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
	unlink(img_path);
	unlink(out_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Fork a target: in the child (0 returned), default signal actions and
 * /dev/null as stdio (a pipe or a socket could not be checkpointed)
 */
static pid_t fork_target(void)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid)
		return pid;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(126);
	close_range(3, ~0U, 0);
	return 0;
}

/* Wait until the target @pid has stopped itself */
static void wait_target_stopped(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, WUNTRACED) != pid)
		die_errno("waitpid");
	if (!WIFSTOPPED(status))
		die("%s did not stop (status %#x)", what, status);
}

/*
 * A child that touches @bytes of private anonymous memory, with
 * /dev/null as stdio (a pipe or a socket could not be checkpointed),
 * and stops itself.  Returns once it is stopped.
 */
static pid_t start_child(size_t bytes)
{
	pid_t pid;
	char *mem;

	pid = fork_target();
	if (pid == 0) {
		mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			_exit(125);
		memset(mem, 0x5a, bytes);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	wait_target_stopped(pid, "the child touching memory");
	return pid;
}

/*
 * A tree of @n processes: a child of ours that forks @n - 1 children,
 * each dying with it, waits until they are all stopped, and stops
 * itself.  Returns once it is stopped.
 */
static pid_t start_tree(unsigned long n)
{
	unsigned long i;
	pid_t pid, kid;
	int status;

	pid = fork_target();
	if (pid == 0) {
		for (i = 1; i < n; i++) {
			kid = fork();
			if (kid < 0)
				_exit(125);
			if (!kid) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				raise(SIGSTOP);
				for (;;)
					pause();
			}
			if (waitpid(kid, &status, WUNTRACED) != kid ||
			    !WIFSTOPPED(status))
				_exit(124);
		}
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	wait_target_stopped(pid, "the tree");
	return pid;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* A child of @n threads, stopped.  Returns once it is stopped. */
static pid_t start_threads(unsigned long n)
{
	unsigned long i;
	pthread_t th;
	pid_t pid;

	pid = fork_target();
	if (pid == 0) {
		for (i = 1; i < n; i++)
			if (pthread_create(&th, NULL, idle_thread, NULL))
				_exit(125);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	wait_target_stopped(pid, "the multi-threaded process");
	return pid;
}

/* Checkpoint the child into img_path; the image size in *size */
static double time_checkpoint(pid_t pid, unsigned long long *size)
{
	struct stat st;
	double t0, t1;
	long ret;
	int fd, err;

	fd = open(img_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die_errno("cannot create %s", img_path);
	t0 = now_ms();
	ret = sys_checkpoint(pid, fd, 0, -1);
	t1 = now_ms();
	err = errno;
	if (ret < 0) {
		/* Again, with the kernel's log on stderr, to say why */
		warn("checkpoint of process %d failed: %s; the kernel's log:",
		     (int)pid, strerror(err));
		if (ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0)
			sys_checkpoint(pid, fd, 0, STDERR_FILENO);
		close(fd);
		cleanup();
		exit(1);
	}
	if (fstat(fd, &st))
		die_errno("fstat %s", img_path);
	*size = st.st_size;
	close(fd);
	return t1 - t0;
}

/*
 * restart() from img_path, with @flags; for a real restart, kill and
 * reap the new process.  Returns the time, or -1 with *err set.
 */
static double time_restart(unsigned long flags, int *err)
{
	double t0, t1;
	long ret;
	int fd;

	fd = open(img_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno("cannot open %s", img_path);
	t0 = now_ms();
	ret = sys_restart(0, fd, flags, -1);
	t1 = now_ms();
	*err = ret < 0 ? errno : 0;
	close(fd);
	if (ret < 0)
		return -1;
	if (!(flags & CKPT_RESTART_VERIFY)) {
		if (ret <= 0) {
			*err = EPROTO;
			return -1;
		}
		kill(ret, SIGKILL);
		while (waitpid(ret, NULL, __WALL) < 0 && errno == EINTR)
			;
	}
	return t1 - t0;
}

/* The kernel's log of a failed restart(), on stderr */
static void show_restart_log(unsigned long flags)
{
	long ret;
	int fd;

	fd = open(img_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	fflush(NULL);
	ret = sys_restart(0, fd, flags, STDERR_FILENO);
	close(fd);
	if (ret > 0 && !(flags & CKPT_RESTART_VERIFY)) {
		kill(ret, SIGKILL);
		waitpid(ret, NULL, __WALL);
	}
}

/* write() @bytes to out_path, WRITE_CHUNK at a time */
static double time_write(unsigned long long bytes)
{
	unsigned long long left;
	double t0, t1;
	size_t n;
	int fd;

	fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die_errno("cannot create %s", out_path);
	t0 = now_ms();
	for (left = bytes; left; left -= n) {
		n = left < sizeof(wbuf) ? left : sizeof(wbuf);
		if (write_full(fd, wbuf, n))
			die_errno("cannot write %s", out_path);
	}
	t1 = now_ms();
	close(fd);
	unlink(out_path);
	return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of the n values of v, or -1 if one is missing */
static double median(double *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i] < 0)
			return -1;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* "%.3f" of v into buf, or "n/a" when v < 0 */
static const char *fmt(char *buf, size_t size, const char *f, double v)
{
	if (v < 0)
		snprintf(buf, size, "n/a");
	else
		snprintf(buf, size, f, v);
	return buf;
}

/*
 * A process of @mib MiB, or (@mib 0) a tree of @tasks processes, or of
 * @tasks threads
 */
static void measure(unsigned long mib, unsigned long tasks, bool threads,
		    int runs, struct result *r)
{
	static struct sample s;
	char v[32], rs[32];
	int i, err;

	memset(r, 0, sizeof(*r));
	r->mib = mib;
	r->tasks = tasks;
	r->threads = threads;
	if (mib)
		child_pid = start_child((size_t)mib << 20);
	else
		child_pid = threads ? start_threads(tasks) : start_tree(tasks);
	for (i = 0; i < runs; i++) {
		s.ckpt_ms[i] = time_checkpoint(child_pid, &r->image_bytes);
		s.verify_ms[i] = time_restart(CKPT_RESTART_VERIFY, &err);
		if (err && !r->verify_err) {
			r->verify_err = err;
			show_restart_log(CKPT_RESTART_VERIFY);
		}
		s.restart_ms[i] = time_restart(0, &err);
		if (err && !r->restart_err) {
			r->restart_err = err;
			show_restart_log(0);
		}
		unlink(img_path);
		s.write_ms[i] = mib ? time_write(r->image_bytes) : -1;
		/* Progress, on stderr: the table comes at the end */
		fprintf(stderr,
			"%s: %lu MiB, %lu tasks, run %d/%d: %llu bytes, checkpoint %.3f ms, verify %s, restart %s, write %.3f ms\n",
			progname, mib, tasks, i + 1, runs, r->image_bytes,
			s.ckpt_ms[i],
			fmt(v, sizeof(v), "%.3f ms", s.verify_ms[i]),
			fmt(rs, sizeof(rs), "%.3f ms", s.restart_ms[i]),
			s.write_ms[i]);
	}
	kill(child_pid, SIGKILL);
	waitpid(child_pid, NULL, 0);
	child_pid = 0;

	r->ckpt_ms = median(s.ckpt_ms, runs);
	r->verify_ms = median(s.verify_ms, runs);
	r->restart_ms = median(s.restart_ms, runs);
	r->write_ms = median(s.write_ms, runs);
}

static double ratio(double a, double b)
{
	return a < 0 || b <= 0 ? -1 : a / b;
}

static double mb_per_s(unsigned long long bytes, double ms)
{
	return ms <= 0 ? -1 : bytes / 1e6 / (ms / 1e3);
}

static const char *unit(const struct result *r)
{
	return r->mib ? "MiB" : r->threads ? "thr" : "proc";
}

static void print_table(const struct result *res, int n, int runs)
{
	char a[32], b[32], c[32], d[32], e[32], f[32], g[32];
	const struct result *r;
	struct utsname u;
	struct statfs sf;

	printf("ckpt_bench: kernel %s; median of %d run%s; files in %s%s\n",
	       uname(&u) ? "?" : u.release, runs, runs == 1 ? "" : "s", dir,
	       statfs(dir, &sf) == 0 && sf.f_type == TMPFS_MAGIC ?
	       " (tmpfs)" : " (NOT a tmpfs)");
	printf("%9s %13s %10s %8s %10s %10s %11s %13s %10s\n", "size",
	       "image bytes", "ckpt ms", "MB/s", "write ms", "ckpt/write",
	       "restart ms", "restart/write", "verify ms");
	for (r = res; r < res + n; r++)
		printf("%4lu %-4s %13llu %10s %8s %10s %10s %11s %13s %10s\n",
		       r->mib ?: r->tasks, unit(r), r->image_bytes,
		       fmt(a, sizeof(a), "%.3f", r->ckpt_ms),
		       fmt(b, sizeof(b), "%.1f",
			   mb_per_s(r->image_bytes, r->ckpt_ms)),
		       fmt(c, sizeof(c), "%.3f", r->write_ms),
		       fmt(d, sizeof(d), "%.2f", ratio(r->ckpt_ms, r->write_ms)),
		       fmt(e, sizeof(e), "%.3f", r->restart_ms),
		       fmt(f, sizeof(f), "%.2f",
			   ratio(r->restart_ms, r->write_ms)),
		       fmt(g, sizeof(g), "%.3f", r->verify_ms));
	for (r = res; r < res + n; r++) {
		if (r->restart_err)
			printf("%lu %s: restart n/a: restart() failed: %s\n",
			       r->mib ?: r->tasks, unit(r),
			       strerror(r->restart_err));
		if (r->verify_err)
			printf("%lu %s: verify n/a: restart(CKPT_RESTART_VERIFY) failed: %s\n",
			       r->mib ?: r->tasks, unit(r),
			       strerror(r->verify_err));
	}
}

static void write_csv(const char *path, const struct result *res, int n,
		      int runs)
{
	char a[32], b[32], c[32], d[32], e[32], f[32], g[32];
	const struct result *r;
	FILE *out = stdout;

	if (strcmp(path, "-")) {
		out = fopen(path, "we");
		if (!out)
			die_errno("cannot create %s", path);
	}
	fputs(CSV_HEADER "\n", out);
	for (r = res; r < res + n; r++)
		fprintf(out, "%lu,%llu,%s,%s,%s,%s,%s,%s,%s,%d,%ld\n",
			r->mib, r->image_bytes,
			fmt(a, sizeof(a), "%.3f", r->ckpt_ms),
			fmt(b, sizeof(b), "%.1f",
			    mb_per_s(r->image_bytes, r->ckpt_ms)),
			fmt(c, sizeof(c), "%.3f", r->write_ms),
			fmt(d, sizeof(d), "%.3f",
			    ratio(r->ckpt_ms, r->write_ms)),
			fmt(e, sizeof(e), "%.3f", r->restart_ms),
			fmt(f, sizeof(f), "%.3f",
			    ratio(r->restart_ms, r->write_ms)),
			fmt(g, sizeof(g), "%.3f", r->verify_ms), runs,
			r->threads ? -(long)r->tasks : (long)r->tasks);
	if (fflush(out) || ferror(out) || (out != stdout && fclose(out)))
		die_errno("cannot write %s", path);
}

static int parse_list(const char *arg, unsigned long *sizes,
		      unsigned long max, const char *what)
{
	const char *p = arg;
	unsigned long v;
	char *end;
	int n = 0;

	for (;;) {
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || end == p || !v || v > max || n == MAX_SIZES)
			die("bad %s list '%s' (at most %d of 1 to %lu)", what,
			    arg, MAX_SIZES, max);
		sizes[n++] = v;
		if (!*end)
			return n;
		if (*end != ',')
			die("bad %s list '%s'", what, arg);
		p = end + 1;
	}
}

int main(int argc, char **argv)
{
	static struct result res[3 * MAX_SIZES];
	unsigned long sizes[MAX_SIZES], trees[MAX_SIZES], threads[MAX_SIZES];
	const char *csv = NULL;
	struct sigaction sa;
	struct statfs sf;
	int opt, nr, nr_trees, nr_threads, runs = DEFAULT_RUNS, i, n;
	char *end;

	progname = "ckpt_bench";
	nr = parse_list(DEFAULT_SIZES, sizes, MAX_MIB, "size");
	nr_trees = parse_list(DEFAULT_TREES, trees, MAX_TASKS, "tree");
	nr_threads = parse_list(DEFAULT_THREADS, threads, MAX_TASKS, "thread");
	while ((opt = getopt(argc, argv, "s:t:T:r:d:c:h")) != -1) {
		switch (opt) {
		case 's':
			nr = parse_list(optarg, sizes, MAX_MIB, "size");
			break;
		case 't':
			nr_trees = parse_list(optarg, trees, MAX_TASKS, "tree");
			break;
		case 'T':
			nr_threads = parse_list(optarg, threads, MAX_TASKS,
						"thread");
			break;
		case 'r':
			errno = 0;
			runs = strtol(optarg, &end, 10);
			if (errno || *end || runs < 1 || runs > MAX_RUNS)
				die("bad number of runs '%s' (1 to %d)", optarg,
				    MAX_RUNS);
			break;
		case 'd':
			dir = optarg;
			break;
		case 'c':
			csv = optarg;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (statfs(dir, &sf))
		die_errno("%s", dir);
	if (sf.f_type != TMPFS_MAGIC)
		warn("%s is not a tmpfs: the times include its storage", dir);
	snprintf(img_path, sizeof(img_path), "%s/ckpt_bench.%d.img", dir,
		 (int)getpid());
	snprintf(out_path, sizeof(out_path), "%s/ckpt_bench.%d.out", dir,
		 (int)getpid());
	memset(wbuf, 0x5a, sizeof(wbuf));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	n = 0;
	for (i = 0; i < nr; i++)
		measure(sizes[i], 1, false, runs, &res[n++]);
	for (i = 0; i < nr_trees; i++)
		measure(0, trees[i], false, runs, &res[n++]);
	for (i = 0; i < nr_threads; i++)
		measure(0, threads[i], true, runs, &res[n++]);
	cleanup();

	print_table(res, n, runs);
	if (csv)
		write_csv(csv, res, n, runs);
	return 0;
}
