// SPDX-License-Identifier: GPL-2.0
/*
 * Process trees across checkpoint, kill and restart: a pipeline
 * "producer | filter | consumer" in a process group of its own, with
 * a grandchild leading its own session and a zombie, checkpointed with
 * data in both pipes and restarted by one restart(); fd tables and fs
 * state shared by CLONE_FILES | CLONE_FS; trees that cannot be saved
 * (a running child, an fd table shared outside the tree) refused; the
 * threads of a process, each with its TLS, mask and pending signal; its
 * POSIX timers, with their ids, pending signals and overruns; and bad
 * CLONE, TASK and POSIX_TIMER records rejected by VERIFY and restart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"
#include "ckpt_harness.h"

/* Numbers the producer writes; the filter doubles them */
#define NUMS		1000
#define PROD_STOP	500	/* the producer stops after writing these */
#define FILT_STOP	100	/* the filter after reading these */
#define CONS_STOP	50	/* the consumer after reading these */
#define TOTAL		((long)NUMS * (NUMS + 1))
#define ZOMBIE_EXIT	7
#define GRAND_EXIT	5

/* Pids of the tree as the root made it, in the file "pids" */
struct tree_pids {
	pid_t root, prod, filt, cons, grand, zomb;
};

/* The root's pid when it made the tree: a restart may change pids */
static pid_t g_root;

/* @name in the test's directory, in a static buffer */
static const char *g_dir_file(const char *name)
{
	static char path[PATH_MAX + 64];

	path_of(path, sizeof(path), name);
	return path;
}

/*
 * A job member's process group: the leader's pid if the pids were
 * kept, else any group but its own and its parent's
 */
static bool pgid_ok(pid_t pgid)
{
	if (getppid() == g_root)
		return getpgid(0) == pgid;
	return getpgid(0) != getpid() && getpgid(0) != getpgid(getppid());
}

/* In each child: die with the parent, as a job dies with its shell */
static void child_init(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static int read_u32(int fd, uint32_t *v)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*v)) {
		n = read(fd, (char *)v + got, sizeof(*v) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return got ? -1 : 0;
		got += n;
	}
	return 1;
}

static int producer(int wfd)
{
	uint32_t i;

	for (i = 1; i <= NUMS; i++) {
		if (write(wfd, &i, sizeof(i)) != sizeof(i))
			return fail(20, "%s: write: %s", __func__, strerror(errno));
		if (i == PROD_STOP)
			raise(SIGSTOP);
	}
	if (getpgid(0) != getpid())
		return fail(21, "%s: pgid %d, not its own", __func__, getpgid(0));
	return 0;
}

static int filter(int rfd, int wfd, pid_t pgid)
{
	uint32_t v, n = 0;
	int r;

	while ((r = read_u32(rfd, &v)) > 0) {
		if (v != n + 1)
			return fail(30, "%s: read %u, expected %u", __func__, v, n + 1);
		v *= 2;
		if (write(wfd, &v, sizeof(v)) != sizeof(v))
			return fail(31, "%s: write: %s", __func__, strerror(errno));
		if (++n == FILT_STOP)
			raise(SIGSTOP);
	}
	if (r < 0 || n != NUMS)
		return fail(32, "%s: %u numbers, read error %d", __func__, n, r);
	if (!pgid_ok(pgid))
		return fail(33, "%s: pgid %d, not %d", __func__, getpgid(0), pgid);
	return 0;
}

/* Leads a session of its own, stopped until its parent continues it */
static int grandchild(void)
{
	child_init();
	if (setsid() < 0)
		return fail(40, "%s: setsid: %s", __func__, strerror(errno));
	raise(SIGSTOP);
	if (getsid(0) != getpid() || getpgid(0) != getpid())
		return fail(41, "%s: sid %d pgid %d, not its pid %d", __func__,
			    getsid(0), getpgid(0), getpid());
	return GRAND_EXIT;
}

static int consumer(int rfd, pid_t pgid)
{
	long total = 0;
	uint32_t v, n = 0;
	pid_t grand;
	char buf[32];
	int st, r;

	grand = fork();
	if (grand < 0)
		return fail(50, "%s: fork: %s", __func__, strerror(errno));
	if (!grand)
		_exit(grandchild());
	if (waitpid(grand, &st, WUNTRACED) != grand || !WIFSTOPPED(st))
		return fail(51, "%s: grandchild did not stop: %#x", __func__, st);
	snprintf(buf, sizeof(buf), "%d", (int)grand);
	if (write_file("grand", buf, strlen(buf)))
		return fail(52, "%s: cannot write its grandchild's pid", __func__);

	while ((r = read_u32(rfd, &v)) > 0) {
		total += v;
		if (++n == CONS_STOP)
			raise(SIGSTOP);
	}
	if (r < 0 || n != NUMS)
		return fail(53, "%s: %u numbers, read error %d", __func__, n, r);
	if (!pgid_ok(pgid))
		return fail(54, "%s: pgid %d, not %d", __func__, getpgid(0), pgid);
	/* The original's is stopped; a restarted one may have a new pid */
	if (getppid() == g_root)
		kill(grand, SIGCONT);
	if (waitpid(-1, &st, 0) < 0)
		return fail(55, "%s: no grandchild to reap", __func__);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != GRAND_EXIT)
		return fail(56, "%s: grandchild status %#x", __func__, st);
	snprintf(buf, sizeof(buf), "%ld", total);
	if (write_file("total", buf, strlen(buf)))
		return fail(57, "%s: cannot write the total", __func__);
	return total == TOTAL ? 0 : fail(58, "%s: total %ld", __func__, total);
}

static pid_t fork_job(pid_t pgid, int (*fn)(int, int, pid_t), int a, int b,
		      int c, int d)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	child_init();
	setpgid(0, pgid);
	close(c);
	close(d);
	_exit(fn(a, b, pgid ?: getpid()));
}

static int run_producer(int rfd, int wfd, pid_t pgid)
{
	(void)pgid;
	close(rfd);
	return producer(wfd);
}

static int run_filter(int rfd, int wfd, pid_t pgid)
{
	return filter(rfd, wfd, pgid);
}

static int run_consumer(int rfd, int wfd, pid_t pgid)
{
	close(wfd);
	return consumer(rfd, pgid);
}

static int wait_stopped(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		return -1;
	return 0;
}

/* Reap @want's exit, by pid if the pids were kept, else any child */
static int reap(pid_t pid, bool kept, int *st)
{
	return waitpid(kept ? pid : -1, st, 0) > 0 ? 0 : -1;
}

/*
 * The root: the pipeline as a job of its own (the producer leads its
 * group), a zombie, and all stopped in the middle of the stream
 */
static int tree_fn(void *arg)
{
	int p1[2], p2[2], st, i, n, codes[4], nr_zero = 0, nr_zombie = 0;
	struct tree_pids tp = { .root = getpid() };
	char *total, buf[32];
	siginfo_t si;
	bool kept;

	(void)arg;
	g_root = getpid();
	if (pipe(p1) || pipe(p2))
		return fail(10, "pipe: %s", strerror(errno));
	tp.prod = fork_job(0, run_producer, p1[0], p1[1], p2[0], p2[1]);
	if (tp.prod < 0)
		return fail(11, "fork: %s", strerror(errno));
	setpgid(tp.prod, tp.prod);
	tp.filt = fork_job(tp.prod, run_filter, p1[0], p2[1], p1[1], p2[0]);
	setpgid(tp.filt, tp.prod);
	tp.cons = fork_job(tp.prod, run_consumer, p2[0], p2[1], p1[0], p1[1]);
	setpgid(tp.cons, tp.prod);
	close(p1[0]);
	close(p1[1]);
	close(p2[0]);
	close(p2[1]);
	tp.zomb = fork();
	if (!tp.zomb)
		_exit(ZOMBIE_EXIT);
	if (tp.filt < 0 || tp.cons < 0 || tp.zomb < 0)
		return fail(12, "fork: %s", strerror(errno));
	if (waitid(P_PID, tp.zomb, &si, WEXITED | WNOWAIT))
		return fail(13, "waitid: %s", strerror(errno));
	if (wait_stopped(tp.prod) || wait_stopped(tp.filt) ||
	    wait_stopped(tp.cons))
		return fail(14, "the pipeline did not stop");
	total = read_file("grand", NULL);
	tp.grand = total ? atoi(total) : 0;
	free(total);
	if (write_file("pids", &tp, sizeof(tp)))
		return fail(15, "cannot write the pids");

	raise(SIGSTOP);

	/* The original is continued; a restarted tree runs on its own */
	kept = getpid() == tp.root;
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	if (write_file("root-pid", buf, strlen(buf)))
		return fail(64, "cannot write its pid");
	kill(tp.prod, SIGCONT);
	kill(tp.filt, SIGCONT);
	kill(tp.cons, SIGCONT);
	if (kept && (getpgid(tp.prod) != tp.prod ||
		     getpgid(tp.filt) != tp.prod ||
		     getpgid(tp.cons) != tp.prod || getpgid(0) == tp.prod))
		return fail(16, "process groups: %d %d %d, root %d",
			    getpgid(tp.prod), getpgid(tp.filt),
			    getpgid(tp.cons), getpgid(0));
	if (kept && getsid(tp.grand) != tp.grand)
		return fail(17, "grandchild %d: session %d", tp.grand,
			    getsid(tp.grand));
	/* The zombie first: its exit code was kept for us */
	if (kept) {
		if (waitpid(tp.zomb, &st, WNOHANG) != tp.zomb)
			return fail(18, "zombie %d: not reaped at once",
				    tp.zomb);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != ZOMBIE_EXIT)
			return fail(19, "zombie status %#x", st);
		nr_zombie = 1;
	}
	for (i = 0, n = 4 - nr_zombie; i < n; i++) {
		pid_t pids[] = { tp.prod, tp.filt, tp.cons };

		if (reap(pids[i % 3], kept, &st))
			return fail(60, "child %d: wait: %s", i, strerror(errno));
		codes[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (codes[i] == 0)
			nr_zero++;
		else if (codes[i] == ZOMBIE_EXIT)
			nr_zombie++;
		else
			return fail(61, "child %d: exit %d", i, codes[i]);
	}
	if (nr_zero != 3 || nr_zombie != 1)
		return fail(62, "%d children exited 0, %d zombies", nr_zero,
			    nr_zombie);
	total = read_file("total", NULL);
	if (!total || atol(total) != TOTAL)
		return fail(63, "total %s, not %ld", total ?: "missing", TOTAL);
	free(total);
	return 0;
}

static struct tree_pids read_pids(struct __test_metadata *_metadata)
{
	struct tree_pids tp = {};
	size_t len = 0;
	char *buf = read_file("pids", &len);

	EXPECT_EQ(sizeof(tp), len);
	if (buf && len == sizeof(tp))
		memcpy(&tp, buf, sizeof(tp));
	free(buf);
	return tp;
}

/* The pid the root saw for itself once it went on */
static pid_t read_root_pid(struct __test_metadata *_metadata)
{
	char *buf = read_file("root-pid", NULL);
	pid_t pid;

	EXPECT_NE(NULL, buf);
	pid = buf ? atoi(buf) : 0;
	free(buf);
	return pid;
}

/* Kill the original tree (its tasks die with their parents), and wait */
static void kill_tree(struct __test_metadata *_metadata, struct rst *r,
		      const struct tree_pids *tp)
{
	pid_t pids[] = { tp->prod, tp->filt, tp->cons, tp->grand, tp->zomb };
	unsigned int i, tries;

	target_kill(r->orig);
	r->orig = -1;
	for (i = 0; i < ARRAY_SIZE(pids); i++) {
		for (tries = 0; tries < 1000 && !kill(pids[i], 0); tries++)
			usleep(10000);
		EXPECT_EQ(-1, kill(pids[i], 0)) {
			TH_LOG("pid %d still there", pids[i]);
		}
	}
}

/* The image: six tasks in depth-first order, the zombie last */
static void check_tree_image(struct __test_metadata *_metadata,
			     const struct ckpt_image *img,
			     const struct tree_pids *tp)
{
	const struct ckpt_hdr_clone *c[6];
	pid_t want[] = { tp->root, tp->prod, tp->filt, tp->cons, tp->grand,
			 tp->zomb };
	unsigned int i;

	ASSERT_EQ(6, img->hdr->nr_tasks);
	ASSERT_EQ(6, ckpt_count(img, CKPT_HDR_CLONE));
	EXPECT_EQ(6, ckpt_count(img, CKPT_HDR_TASK));
	/* No CPU state for the zombie */
	EXPECT_EQ(5, ckpt_count(img, CKPT_HDR_CPU));
	EXPECT_EQ(5, ckpt_count(img, CKPT_HDR_MM));
	for (i = 0; i < 6; i++) {
		c[i] = ckpt_find(img, CKPT_HDR_CLONE, i);
		EXPECT_EQ(want[i], c[i]->pid);
	}
	EXPECT_EQ(0, c[0]->ppid);
	EXPECT_EQ(tp->root, c[1]->ppid);
	EXPECT_EQ(tp->cons, c[4]->ppid);
	EXPECT_EQ(tp->root, c[5]->ppid);
	EXPECT_EQ(0, c[1]->flags);
	EXPECT_EQ(CKPT_CLONE_ZOMBIE, c[5]->flags);
	EXPECT_EQ(ZOMBIE_EXIT << 8, c[5]->exit_code);
}

FIXTURE(tree) {
	struct rst r;
};

FIXTURE_SETUP(tree)
{
	rst_init(&self->r);
	test_dir_make(_metadata, "ckpt_tree");
}

FIXTURE_TEARDOWN(tree)
{
	rst_cleanup(&self->r);
}

/*
 * The original runs on to the right total, then the image restarts
 * with new pids and gets there too: the pipes' contents, the groups
 * (by structure), the grandchild's session and the zombie survive
 */
TEST_F_TIMEOUT(tree, pipeline, 300)
{
	struct tree_pids tp;

	spawn_and_checkpoint(_metadata, &self->r, tree_fn, NULL);
	tp = read_pids(_metadata);
	check_tree_image(_metadata, parsed(_metadata, &self->r), &tp);
	expect_original_ok(_metadata, &self->r);
	ASSERT_EQ(0, unlink(g_dir_file("total")));

	restart_image(_metadata, &self->r, 0);
	EXPECT_NE(tp.root, self->r.pid);
	expect_exit(_metadata, &self->r, 0);
	EXPECT_TRUE(no_child());
}

/* With CKPT_RESTART_PIDS every task, the zombie too, keeps its pid */
TEST_F_TIMEOUT(tree, pipeline_pids, 300)
{
	struct tree_pids tp;

	if (geteuid() != 0)
		SKIP(return, "needs CAP_CHECKPOINT_RESTORE");
	spawn_and_checkpoint(_metadata, &self->r, tree_fn, NULL);
	tp = read_pids(_metadata);
	kill_tree(_metadata, &self->r, &tp);
	self->r.pid = restart_img(self->r.img, self->r.len, CKPT_RESTART_PIDS,
				  self->r.log, sizeof(self->r.log));
	ASSERT_EQ(tp.root, self->r.pid) {
		TH_LOG("restart: %s; log:\n%s",
		       self->r.pid < 0 ? strerror(-self->r.pid) : "new pid",
		       self->r.log);
	}
	/* The root checks the pids of its children and its zombie */
	expect_exit(_metadata, &self->r, 0);
	EXPECT_TRUE(no_child());
}

/*
 * With CKPT_RESTART_NEWPID the tree gets its pids in a new pid
 * namespace while the original, still stopped, holds them outside: the
 * root finds its children, zombie and groups by their old pids; the
 * caller's child, the namespace's init, exits with the root's status
 */
TEST_F_TIMEOUT(tree, new_pid_ns, 300)
{
	struct tree_pids tp;

	if (geteuid() != 0)
		SKIP(return, "needs CAP_SYS_ADMIN");
	spawn_and_checkpoint(_metadata, &self->r, tree_fn, NULL);
	tp = read_pids(_metadata);
	restart_image(_metadata, &self->r, CKPT_RESTART_NEWPID);
	EXPECT_NE(tp.root, self->r.pid);
	expect_exit(_metadata, &self->r, 0);
	/* In its namespace, the root had its pid: it took the checks above */
	EXPECT_EQ(tp.root, read_root_pid(_metadata));
	/* The original, untouched, runs on with the same pids */
	ASSERT_EQ(0, unlink(g_dir_file("total")));
	expect_original_ok(_metadata, &self->r);
	EXPECT_TRUE(no_child());
}

/* A new pid namespace needs CAP_SYS_ADMIN: EPERM, a log line, no child */
static int newpid_refused(void *arg)
{
	const struct rst *r = arg;
	char log[LOG_SIZE];
	pid_t pid;

	if (become_nobody())
		return 10;
	pid = restart_img(r->img, r->len, CKPT_RESTART_NEWPID, log,
			  sizeof(log));
	if (pid > 0) {
		target_kill(pid);
		return 1;
	}
	if (pid != -EPERM)
		return 2;
	if (!strstr(log, "a new pid namespace needs CAP_SYS_ADMIN"))
		return 3;
	return no_child() ? 0 : 4;
}

TEST_F_TIMEOUT(tree, new_pid_ns_eperm, 300)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	spawn_and_checkpoint(_metadata, &self->r, tree_fn, NULL);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(newpid_refused(&self->r));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("status %#x: %s", status,
		       "10: setuid, 1: restarted, 2: not EPERM, 3: no log line, 4: child left");
	}
}

/* A child sharing fd table and fs state with its parent */
#define SHARED_FD	42

static int shared_child(void *arg)
{
	int fd;

	(void)arg;
	child_init();
	raise(SIGSTOP);
	fd = open(g_dir_file("shared"), O_RDWR | O_CREAT, 0600);
	if (fd < 0 || dup2(fd, SHARED_FD) != SHARED_FD)
		return 1;
	if (chdir(g_dir))
		return 2;
	umask(027);
	return 0;
}

static int shared_fn(void *arg)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	char cwd[PATH_MAX];
	pid_t child;
	mode_t mask;
	int st;

	(void)arg;
	if (chdir("/"))
		return 10;
	umask(022);
	child = clone(shared_child, stack + sizeof(stack),
		      CLONE_FILES | CLONE_FS | SIGCHLD, NULL);
	if (child < 0)
		return fail(11, "clone: %s", strerror(errno));
	if (wait_stopped(child))
		return fail(12, "the child did not stop");
	raise(SIGSTOP);
	kill(child, SIGCONT);
	if (waitpid(-1, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return fail(13, "child status %#x", st);
	/* What the child did is ours: the table and fs state are one */
	if (fcntl(SHARED_FD, F_GETFD) < 0)
		return fail(14, "fd %d: %s", SHARED_FD, strerror(errno));
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, g_dir))
		return fail(15, "cwd %s, not %s", cwd, g_dir);
	mask = umask(0);
	if (mask != 027)
		return fail(16, "umask %#o", mask);
	return 0;
}

TEST_F_TIMEOUT(tree, shared_files_fs, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_clone *c;

	spawn_and_checkpoint(_metadata, &self->r, shared_fn, NULL);
	img = parsed(_metadata, &self->r);
	c = ckpt_find(img, CKPT_HDR_CLONE, 1);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(CKPT_CLONE_FILES | CKPT_CLONE_FS, c->flags);
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_FILES));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_FS));
	EXPECT_EQ(2, ckpt_count(img, CKPT_HDR_MM));
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- threads ---- */

#define NR_THREADS	8
#define COUNT_BEFORE	100000
#define COUNT_AFTER	200000
/* The thread that has a signal pending for it alone */
#define PENDING_THREAD	3

static __thread unsigned long tls_count;
static __thread int tls_id = -1;
/* The original's pid: the siginfo of the pending signal names it */
static pid_t g_orig_pid;
static pthread_barrier_t bar_ready, bar_go;

struct thread_info {
	pthread_t th;
	int id;
	pid_t tid;
	int err;
};

/* Each thread blocks SIGRTMIN + its id, and the pending one SIGUSR1 too */
static void thread_mask(int id, sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGRTMIN + id);
	if (id == PENDING_THREAD)
		sigaddset(set, SIGUSR1);
}

static int thread_check(struct thread_info *ti)
{
	sigset_t want, got, pend;
	bool want_pending;
	siginfo_t si;
	int sig;

	if (tls_id != ti->id || tls_count != COUNT_BEFORE)
		return fail(70, "thread %d: tls id %d count %lu", ti->id, tls_id,
			    tls_count);
	thread_mask(ti->id, &want);
	pthread_sigmask(SIG_SETMASK, NULL, &got);
	for (sig = 1; sig < SIGRTMAX; sig++)
		if (sigismember(&want, sig) != sigismember(&got, sig))
			return fail(71, "thread %d: signal %d %sblocked", ti->id,
				    sig, sigismember(&got, sig) ? "" : "not ");
	sigpending(&pend);
	want_pending = ti->id == PENDING_THREAD;
	if (sigismember(&pend, SIGUSR1) != want_pending)
		return fail(72, "thread %d: SIGUSR1 %spending", ti->id,
			    sigismember(&pend, SIGUSR1) ? "" : "not ");
	if (ti->id == PENDING_THREAD) {
		sigemptyset(&want);
		sigaddset(&want, SIGUSR1);
		if (sigwaitinfo(&want, &si) != SIGUSR1 || si.si_pid != g_orig_pid)
			return fail(73, "thread %d: SIGUSR1 from pid %d", ti->id,
				    si.si_pid);
	}
	while (tls_count < COUNT_AFTER)
		tls_count++;
	return 0;
}

static void *thread_fn(void *arg)
{
	struct thread_info *ti = arg;
	sigset_t set;

	tls_id = ti->id;
	ti->tid = syscall(SYS_gettid);
	thread_mask(ti->id, &set);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	while (tls_count < COUNT_BEFORE)
		tls_count++;
	if (ti->id == PENDING_THREAD)
		syscall(SYS_tgkill, getpid(), ti->tid, SIGUSR1);
	pthread_barrier_wait(&bar_ready);
	/* Stopped in this futex wait, or on its way to it */
	pthread_barrier_wait(&bar_go);
	ti->err = thread_check(ti);
	return NULL;
}

static int threads_fn(void *arg)
{
	static struct thread_info ti[NR_THREADS];
	pid_t pid = getpid(), tids[NR_THREADS];
	bool kept;
	int i;

	(void)arg;
	g_orig_pid = pid;
	if (pthread_barrier_init(&bar_ready, NULL, NR_THREADS + 1) ||
	    pthread_barrier_init(&bar_go, NULL, NR_THREADS + 1))
		return 10;
	for (i = 0; i < NR_THREADS; i++) {
		ti[i].id = i;
		if (pthread_create(&ti[i].th, NULL, thread_fn, &ti[i]))
			return fail(11, "pthread_create: %s", strerror(errno));
	}
	pthread_barrier_wait(&bar_ready);
	for (i = 0; i < NR_THREADS; i++)
		tids[i] = ti[i].tid;

	raise(SIGSTOP);

	kept = getpid() == pid;
	pthread_barrier_wait(&bar_go);
	for (i = 0; i < NR_THREADS; i++) {
		if (pthread_join(ti[i].th, NULL))
			return fail(12, "thread %d: join", i);
		if (ti[i].err)
			return ti[i].err;
		if (kept && ti[i].tid != tids[i])
			return fail(13, "thread %d: tid %d, was %d", i, ti[i].tid,
				    tids[i]);
	}
	return 0;
}

/*
 * Eight threads, each counting in its TLS with its own blocked signals,
 * one with a signal pending for it alone, all in or near a futex wait:
 * one SIGNAL, MM and SIGHAND for nine tasks, then every thread finds
 * its state and finishes, in the original and in the restarted process
 */
TEST_F_TIMEOUT(tree, threads, 300)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_clone *c;
	const struct ckpt_hdr_task *t;
	unsigned int i, shared = 0;

	spawn_and_checkpoint(_metadata, &self->r, threads_fn, NULL);
	img = parsed(_metadata, &self->r);
	ASSERT_EQ(NR_THREADS + 1, img->hdr->nr_tasks);
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_MM));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_SIGHAND));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_SIGNAL));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_FILES));
	EXPECT_EQ(NR_THREADS + 1, ckpt_count(img, CKPT_HDR_CPU));
	for (i = 1; i <= NR_THREADS; i++) {
		c = ckpt_find(img, CKPT_HDR_CLONE, i);
		t = ckpt_find(img, CKPT_HDR_TASK, i);
		EXPECT_EQ(CKPT_CLONE_THREAD | CKPT_CLONE_FILES | CKPT_CLONE_FS,
			  c->flags);
		EXPECT_EQ(self->r.orig, c->ppid);
		EXPECT_EQ(self->r.orig, t->tgid);
	}
	for (i = 0; i < ckpt_count(img, CKPT_HDR_SIGPENDING); i++) {
		const struct ckpt_hdr_sigpending *sp =
			ckpt_find(img, CKPT_HDR_SIGPENDING, i);

		shared += sp->queue == CKPT_SIGQUEUE_SHARED;
		EXPECT_EQ(SIGUSR1, sp->signo);
	}
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_SIGPENDING));
	EXPECT_EQ(0, shared);
	expect_original_ok(_metadata, &self->r);
	restart_image(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* With CKPT_RESTART_PIDS the threads keep their tids */
TEST_F_TIMEOUT(tree, threads_pids, 300)
{
	pid_t orig;

	if (geteuid() != 0)
		SKIP(return, "needs CAP_CHECKPOINT_RESTORE");
	spawn_and_checkpoint(_metadata, &self->r, threads_fn, NULL);
	orig = self->r.orig;
	kill_and_restart(_metadata, &self->r, CKPT_RESTART_PIDS);
	/* So the process compares each thread's tid with the original's */
	EXPECT_EQ(orig, self->r.pid);
	expect_exit(_metadata, &self->r, 0);
}

/*
 * Threads in futex waits with a timeout, which go on through a restart
 * block: one times out (ETIMEDOUT, not EINTR, after the time it had
 * left), one on a shared futex is woken by the main thread
 */
#define TIMED_WAIT_MS	1500
static uint32_t futex_timed, futex_woken;
static volatile pid_t timed_tid, woken_tid;
static long timed_ret, woken_ret;
static int timed_errno, woken_errno;
static double timed_secs;

static long futex_call(uint32_t *uaddr, int op, uint32_t val,
		       const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void *timed_thread(void *arg)
{
	struct timespec ts = { TIMED_WAIT_MS / 1000,
			       (TIMED_WAIT_MS % 1000) * 1000000L };
	double t0 = now_mono();

	(void)arg;
	timed_tid = syscall(SYS_gettid);
	timed_ret = futex_call(&futex_timed, FUTEX_WAIT_PRIVATE, 0, &ts);
	timed_errno = errno;
	timed_secs = now_mono() - t0;
	return NULL;
}

static void *woken_thread(void *arg)
{
	struct timespec ts = { 600, 0 };

	(void)arg;
	woken_tid = syscall(SYS_gettid);
	do {
		woken_ret = futex_call(&futex_woken, FUTEX_WAIT, 0, &ts);
		woken_errno = errno;
	} while (woken_ret && woken_errno == EAGAIN && !futex_woken);
	return NULL;
}

/* Whether thread @tid sits in system call @nr */
static bool in_syscall(pid_t tid, long nr)
{
	char path[64], buf[64];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return atol(buf) == nr;
}

static int futex_wait_fn(void *arg)
{
	pthread_t a, b;
	int i;

	(void)arg;
	if (pthread_create(&a, NULL, timed_thread, NULL) ||
	    pthread_create(&b, NULL, woken_thread, NULL))
		return 10;
	for (i = 0; i < 6000; i++) {
		if (timed_tid && woken_tid && in_syscall(timed_tid, SYS_futex) &&
		    in_syscall(woken_tid, SYS_futex))
			break;
		usleep(1000);
	}
	if (i == 6000)
		return fail(11, "the threads did not wait");

	raise(SIGSTOP);

	usleep(100000);
	__atomic_store_n(&futex_woken, 1, __ATOMIC_SEQ_CST);
	futex_call(&futex_woken, FUTEX_WAKE, 1, NULL);
	if (pthread_join(a, NULL) || pthread_join(b, NULL))
		return fail(12, "join");
	if (timed_ret != -1 || timed_errno != ETIMEDOUT)
		return fail(13, "timed wait: %ld, %s", timed_ret,
			    strerror(timed_errno));
	if (timed_secs < TIMED_WAIT_MS / 1000.0 * 0.9)
		return fail(14, "timed wait: over after %.3f s", timed_secs);
	/* Woken, or the word had changed when it waited again */
	if (woken_ret && !(woken_errno == EAGAIN && futex_woken))
		return fail(15, "woken wait: %ld, %s", woken_ret,
			    strerror(woken_errno));
	return 0;
}

TEST_F_TIMEOUT(tree, futex_timed_waits, 120)
{
	unsigned int i, futex = 0, shared = 0;
	const struct ckpt_hdr_cpu *cpu;
	const struct ckpt_image *img;

	spawn_and_checkpoint(_metadata, &self->r, futex_wait_fn, NULL);
	img = parsed(_metadata, &self->r);
	for (i = 0; (cpu = ckpt_find(img, CKPT_HDR_CPU, i)); i++) {
		futex += cpu->restart == CKPT_RESTART_FUTEX;
		shared += cpu->restart == CKPT_RESTART_FUTEX_SHARED;
		if (cpu->restart == CKPT_RESTART_FUTEX ||
		    cpu->restart == CKPT_RESTART_FUTEX_SHARED) {
			EXPECT_EQ(CLOCK_MONOTONIC, cpu->restart_clockid);
			EXPECT_EQ(0, cpu->restart_arg);
			EXPECT_EQ(~0U, cpu->restart_bitset);
		}
	}
	EXPECT_EQ(1, futex);
	EXPECT_EQ(1, shared);
	expect_original_ok(_metadata, &self->r);
	restart_image(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- POSIX timers ---- */

#define PT_SIG_PERIODIC	(SIGRTMIN + 3)	/* blocked: pending, rearms */
#define PT_SIG_THREAD	(SIGRTMIN + 4)	/* to the worker thread */
#define PT_PERIOD_NS	10000000L	/* 10 ms */
#define PT_SLEEPER_S	100		/* SIGEV_NONE, one-shot */
#define PT_ABS_S	30		/* absolute CLOCK_REALTIME */
#define PT_THREAD_NS	1500000000L	/* to the worker, one-shot */
#define PT_NEXT_ID	5		/* 0, 2, 3, 4 made, 1 deleted */

static volatile pid_t pt_worker_tid;
static siginfo_t pt_worker_info;
static double pt_worker_at;

static int pt_create(clockid_t clock, int notify, int signo, int value,
		     pid_t tid, int *id)
{
	struct sigevent sev;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = signo;
	sev.sigev_value.sival_int = value;
	sev._sigev_un._tid = tid;
	return syscall(SYS_timer_create, clock, &sev, id);
}

static int pt_set(int id, int flags, long value_s, long value_ns,
		  long interval_ns)
{
	struct itimerspec its = { { 0, interval_ns }, { value_s, value_ns } };

	return syscall(SYS_timer_settime, id, flags, &its, NULL);
}

static double pt_left(int id, double *interval)
{
	struct itimerspec its;

	if (syscall(SYS_timer_gettime, id, &its))
		return -1;
	if (interval)
		*interval = its.it_interval.tv_sec +
			    its.it_interval.tv_nsec / 1e9;
	return its.it_value.tv_sec + its.it_value.tv_nsec / 1e9;
}

static double now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *pt_worker(void *arg)
{
	struct timespec ts = { 30, 0 };
	sigset_t set;
	int ret;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, PT_SIG_THREAD);
	pt_worker_tid = syscall(SYS_gettid);
	/* The group stop for the checkpoint interrupts the wait */
	do
		ret = sigtimedwait(&set, &pt_worker_info, &ts);
	while (ret < 0 && errno == EINTR);
	if (ret == PT_SIG_THREAD)
		pt_worker_at = now_mono();
	return NULL;
}

/* The clock /proc/self/timers gives timer @id, -1 if none */
static int pt_proc_clock(int id)
{
	int cur = -1, clock = -1, v;
	char line[128];
	FILE *f;

	f = fopen("/proc/self/timers", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "ID: %d", &v) == 1)
			cur = v;
		else if (cur == id && sscanf(line, "ClockID: %d", &v) == 1)
			clock = v;
	}
	fclose(f);
	return clock;
}

/* What the timers of posix_timers_fn() must look like once it resumes */
static int pt_check(const int *id, double sleeper_before, double abs_at,
		    double thread_before, double thread_left, bool restored,
		    double resumed)
{
	struct timespec zero = { 0, 0 }, two = { 2, 0 };
	double left, iv;
	siginfo_t si;
	sigset_t set;
	int ov, new_id;

	left = pt_left(id[0], &iv);
	if (left <= 0 || left > sleeper_before || iv != 0)
		return fail(30, "sleeper: %.3f s left (%.3f before), interval %.3f",
			    left, sleeper_before, iv);
	if (pt_proc_clock(id[0]) != CLOCK_MONOTONIC ||
	    pt_proc_clock(id[3]) != CLOCK_REALTIME ||
	    pt_proc_clock(id[4]) != CLOCK_BOOTTIME)
		return fail(31, "clocks: %d %d %d", pt_proc_clock(id[0]),
			    pt_proc_clock(id[3]), pt_proc_clock(id[4]));

	/* Pending since before the checkpoint, with its overruns */
	sigemptyset(&set);
	sigaddset(&set, PT_SIG_PERIODIC);
	if (sigtimedwait(&set, &si, &zero) != PT_SIG_PERIODIC)
		return fail(32, "periodic: no signal pending: %s",
			    strerror(errno));
	ov = syscall(SYS_timer_getoverrun, id[2]);
	if (si.si_code != SI_TIMER || si.si_timerid != id[2] ||
	    si.si_value.sival_int != 222 || si.si_overrun < 5 ||
	    ov != si.si_overrun)
		return fail(33, "periodic: code %d timer %d value %d overrun %d (getoverrun %d)",
			    si.si_code, si.si_timerid, si.si_value.sival_int,
			    si.si_overrun, ov);
	/* Delivering it rearmed it */
	if (sigtimedwait(&set, &si, &two) != PT_SIG_PERIODIC ||
	    si.si_timerid != id[2])
		return fail(34, "periodic: not rearmed: %s", strerror(errno));
	left = pt_left(id[2], &iv);
	if (left <= 0 || left > PT_PERIOD_NS / 1e9 ||
	    iv != PT_PERIOD_NS / 1e9)
		return fail(35, "periodic: %.6f s left, interval %.6f", left,
			    iv);
	if (syscall(SYS_timer_delete, id[2]))
		return fail(36, "periodic: delete: %s", strerror(errno));

	/* The absolute timer keeps its wall-clock expiry */
	left = pt_left(id[3], NULL);
	if (left < abs_at - now_real() - 0.5 || left > abs_at - now_real() + 0.5)
		return fail(37, "absolute: %.3f s left, %.3f to go", left,
			    abs_at - now_real());

	/* The worker thread gets its signal, after the time left */
	while (!pt_worker_at && now_mono() < resumed + 20)
		usleep(10000);
	if (!pt_worker_at || pt_worker_info.si_code != SI_TIMER ||
	    pt_worker_info.si_timerid != id[4] ||
	    pt_worker_info.si_value.sival_int != 444)
		return fail(38, "thread: code %d timer %d value %d",
			    pt_worker_info.si_code, pt_worker_info.si_timerid,
			    pt_worker_info.si_value.sival_int);
	if (restored && (pt_worker_at - resumed < thread_before - 0.3 ||
			 thread_left < thread_before - 0.3))
		return fail(39, "thread: signal after %.3f s, %.3f s left then, %.3f before",
			    pt_worker_at - resumed, thread_left, thread_before);

	/* timer_create() goes on where it was */
	if (pt_create(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0, &new_id) ||
	    new_id != PT_NEXT_ID)
		return fail(40, "new timer: id %d, expected %d", new_id,
			    PT_NEXT_ID);
	return 0;
}

static int posix_timers_fn(void *arg)
{
	double sleeper_before, thread_before, thread_left, abs_at, resumed;
	pid_t pid = getpid();
	sigset_t set;
	pthread_t w;
	int id[5], ret;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, PT_SIG_PERIODIC);
	sigaddset(&set, PT_SIG_THREAD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) ||
	    pthread_create(&w, NULL, pt_worker, NULL))
		return 10;
	while (!pt_worker_tid)
		usleep(1000);

	abs_at = now_real() + PT_ABS_S;
	if (pt_create(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0, &id[0]) ||
	    pt_create(CLOCK_REALTIME, SIGEV_SIGNAL, SIGUSR2, 0, 0, &id[1]) ||
	    pt_create(CLOCK_MONOTONIC, SIGEV_SIGNAL, PT_SIG_PERIODIC, 222, 0,
		      &id[2]) ||
	    pt_create(CLOCK_REALTIME, SIGEV_SIGNAL, SIGUSR2, 333, 0, &id[3]) ||
	    pt_create(CLOCK_BOOTTIME, SIGEV_SIGNAL | SIGEV_THREAD_ID,
		      PT_SIG_THREAD, 444, pt_worker_tid, &id[4]))
		return fail(11, "timer_create: %s", strerror(errno));
	if (id[0] != 0 || id[2] != 2 || id[3] != 3 || id[4] != 4 ||
	    syscall(SYS_timer_delete, id[1]))
		return fail(12, "ids %d %d %d %d", id[0], id[2], id[3], id[4]);
	if (pt_set(id[0], 0, PT_SLEEPER_S, 0, 0) ||
	    pt_set(id[2], 0, 0, PT_PERIOD_NS, PT_PERIOD_NS) ||
	    pt_set(id[3], TIMER_ABSTIME, (long)abs_at,
		   (long)((abs_at - (long)abs_at) * 1e9), 0) ||
	    pt_set(id[4], 0, PT_THREAD_NS / 1000000000L,
		   PT_THREAD_NS % 1000000000L, 0))
		return fail(13, "timer_settime: %s", strerror(errno));
	usleep(200000);
	sleeper_before = pt_left(id[0], NULL);
	thread_before = pt_left(id[4], NULL);

	raise(SIGSTOP);

	resumed = now_mono();
	thread_left = pt_left(id[4], NULL);
	ret = pt_check(id, sleeper_before, abs_at, thread_before, thread_left,
		       getpid() != pid, resumed);
	if (pthread_join(w, NULL))
		return fail(14, "join");
	return ret;
}

/* The timers' records: ids in order, the pending one with REARM */
static void check_ptimer_image(struct __test_metadata *_metadata,
			       const struct ckpt_image *img)
{
	const struct ckpt_hdr_posix_timer *pt[4];
	const struct ckpt_hdr_signal *sig;
	const struct ckpt_hdr_sigpending *sp;
	unsigned int i;

	sig = ckpt_find(img, CKPT_HDR_SIGNAL, 0);
	ASSERT_NE(NULL, sig);
	EXPECT_EQ(4, sig->nr_posix_timers);
	EXPECT_EQ(PT_NEXT_ID, sig->next_posix_timer_id);
	for (i = 0; i < 4; i++) {
		pt[i] = ckpt_find(img, CKPT_HDR_POSIX_TIMER, i);
		ASSERT_NE(NULL, pt[i]);
		/* Right after the SIGNAL record */
		EXPECT_EQ(ckpt_index(img, sig) + 1 + (int)i,
			  ckpt_index(img, pt[i]));
	}
	EXPECT_EQ(NULL, ckpt_find(img, CKPT_HDR_POSIX_TIMER, 4));
	EXPECT_EQ(0, pt[0]->id);
	EXPECT_EQ(SIGEV_NONE, pt[0]->notify);
	EXPECT_EQ(0, pt[0]->flags);
	EXPECT_EQ(2, pt[1]->id);
	EXPECT_EQ(CKPT_POSIX_TIMER_PENDING | CKPT_POSIX_TIMER_REARM,
		  pt[1]->flags);
	EXPECT_EQ(PT_PERIOD_NS, pt[1]->interval_ns);
	EXPECT_EQ(222, pt[1]->value);
	EXPECT_EQ(3, pt[2]->id);
	EXPECT_EQ(CKPT_POSIX_TIMER_ABSTIME, pt[2]->flags);
	EXPECT_EQ(CLOCK_REALTIME, pt[2]->clockid);
	EXPECT_EQ(4, pt[3]->id);
	EXPECT_EQ(CLOCK_BOOTTIME, pt[3]->clockid);
	EXPECT_EQ(SIGEV_SIGNAL | SIGEV_THREAD_ID, pt[3]->notify);
	EXPECT_NE(0, pt[3]->tid);
	/* The pending timer signal is not also a SIGPENDING record */
	for (i = 0; (sp = ckpt_find(img, CKPT_HDR_SIGPENDING, i)); i++)
		EXPECT_NE((uint32_t)PT_SIG_PERIODIC, sp->signo);
}

/*
 * Timers of every kind come back with their ids, clocks, sigevents,
 * time left, pending signal and overruns; the original, run on, sees
 * the same
 */
TEST_F_TIMEOUT(tree, posix_timers, 120)
{
	spawn_and_checkpoint(_metadata, &self->r, posix_timers_fn, NULL);
	check_ptimer_image(_metadata, parsed(_metadata, &self->r));
	expect_original_ok(_metadata, &self->r);
	/* Long enough for an absolute expiry to differ from a relative one */
	sleep(1);
	restart_image(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- trees that cannot be saved ---- */

static void expect_refused(struct __test_metadata *_metadata, pid_t pid,
			   int want, const char *line)
{
	char log[LOG_SIZE];
	void *img = NULL;
	size_t len = 0;
	int logfd, err;
	ssize_t n;

	logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	ASSERT_LE(0, logfd);
	err = ckpt_capture(pid, CKPT_SINK_MEMFD, 0, logfd, &img, &len);
	n = pread(logfd, log, sizeof(log) - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(logfd);
	free(img);
	EXPECT_EQ(want, err) {
		TH_LOG("checkpoint: %s, expected %s; log:\n%s", strerror(err),
		       strerror(want), log);
	}
	EXPECT_NE(NULL, strstr(log, line)) {
		TH_LOG("no \"%s\" in the log:\n%s", line, log);
	}
}

static int running_child_fn(void *arg)
{
	pid_t child;

	(void)arg;
	child = fork();
	if (!child) {
		child_init();
		for (;;)
			pause();
	}
	raise(SIGSTOP);
	return 0;
}

TEST_F_TIMEOUT(tree, running_child_ebusy, 120)
{
	self->r.orig = target_spawn(running_child_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	expect_refused(_metadata, self->r.orig, EBUSY,
		       "is neither stopped nor frozen");
	EXPECT_EQ('T', proc_state(self->r.orig));
}

/* The checkpointed task shares its fd table with its parent, outside */
static int outside_child(void *arg)
{
	(void)arg;
	child_init();
	raise(SIGSTOP);
	return 0;
}

static int outside_fn(void *arg)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	char buf[32];
	pid_t child;

	(void)arg;
	child = clone(outside_child, stack + sizeof(stack),
		      CLONE_FILES | SIGCHLD, NULL);
	if (child < 0 || wait_stopped(child))
		return 10;
	snprintf(buf, sizeof(buf), "%d", (int)child);
	if (write_file("child", buf, strlen(buf)))
		return 11;
	raise(SIGSTOP);
	kill(child, SIGKILL);
	return 0;
}

TEST_F_TIMEOUT(tree, files_shared_outside_ebusy, 120)
{
	char *buf;
	pid_t child;

	self->r.orig = target_spawn(outside_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	buf = read_file("child", NULL);
	ASSERT_NE(NULL, buf);
	child = atoi(buf);
	free(buf);
	expect_refused(_metadata, child, EBUSY,
		       "shared with 1 task(s) outside the checkpoint");
	EXPECT_EQ('T', proc_state(child));
}

static int cpu_timer_fn(void *arg)
{
	int id;

	(void)arg;
	if (pt_create(CLOCK_PROCESS_CPUTIME_ID, SIGEV_NONE, 0, 0, 0, &id) ||
	    pt_set(id, 0, 10, 0, 0))
		return fail(10, "timer_create: %s", strerror(errno));
	raise(SIGSTOP);
	return 0;
}

TEST_F_TIMEOUT(tree, posix_timer_cpu_clock_refused, 120)
{
	self->r.orig = target_spawn(cpu_timer_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	expect_refused(_metadata, self->r.orig, EOPNOTSUPP,
		       "POSIX timer 0 on clock");
}

/* ---- bad tree records ---- */

FIXTURE(bad_tree) {
	struct image_copy ic;
};

FIXTURE_SETUP(bad_tree)
{
	test_dir_make(_metadata, "ckpt_bad_tree");
	image_copy_init(_metadata, &self->ic, tree_fn, NULL);
}

FIXTURE_TEARDOWN(bad_tree)
{
	image_copy_free(&self->ic);
	test_dir_remove();
}

TEST_F_TIMEOUT(bad_tree, clone_and_task_records, 600)
{
	struct image_copy *ic = &self->ic;
	const struct ckpt_image *img = &ic->img;
	struct ckpt_hdr_header *hdr = in_copy(ic, img->hdr);
	struct ckpt_hdr_clone *c[6];
	struct ckpt_hdr_task *t[6];
	unsigned int i;

	for (i = 0; i < 6; i++) {
		c[i] = in_copy(ic, ckpt_find(img, CKPT_HDR_CLONE, i));
		t[i] = in_copy(ic, ckpt_find(img, CKPT_HDR_TASK, i));
	}
	/* The good image restarts (and is killed at once) */
	expect_restart(_metadata, ic, ic->len, 0, "good image");

	c[1]->flags |= 0x80;
	expect_einval(_metadata, ic, "unknown clone flag");
	c[2]->ppid = 4000000;
	expect_einval(_metadata, ic, "parent not in the image");
	c[4]->ppid = c[2]->pid;
	expect_einval(_metadata, ic, "parent not an ancestor");
	c[2]->ppid = c[5]->pid;
	expect_einval(_metadata, ic, "parent later in the stream");
	c[0]->ppid = 1;
	expect_einval(_metadata, ic, "root with a parent");
	c[1]->ppid = 0;
	expect_einval(_metadata, ic, "second root");
	c[2]->pid = c[1]->pid;
	t[2]->pid = c[1]->pid;
	expect_einval(_metadata, ic, "pid twice");
	t[3]->pid++;
	expect_einval(_metadata, ic, "task pid not its clone's");
	t[3]->ppid++;
	expect_einval(_metadata, ic, "task ppid not its parent's");
	c[5]->exit_code = 0x17f;
	expect_einval(_metadata, ic, "bad zombie exit code");
	c[5]->exit_code = 0x80;
	expect_einval(_metadata, ic, "core bit without a signal");
	c[5]->flags = 0;
	expect_einval(_metadata, ic, "zombie records as a live task");
	c[5]->flags |= CKPT_CLONE_FILES;
	expect_einval(_metadata, ic, "zombie with a flag");
	c[1]->exit_code = 1;
	expect_einval(_metadata, ic, "exit code of a live task");
	c[1]->flags = CKPT_CLONE_FILES;
	expect_einval(_metadata, ic, "shares fd table and has one");
	c[1]->flags = CKPT_CLONE_FS;
	expect_einval(_metadata, ic, "shares fs state and has one");
	t[1]->files_ref = t[0]->files_ref;
	expect_einval(_metadata, ic, "another task's fd table");
	t[2]->pgid = 4000000;
	expect_einval(_metadata, ic, "process group without a leader");
	t[2]->pgid = t[3]->pid;
	expect_einval(_metadata, ic, "process group led by a member");
	t[4]->sid = t[0]->pid;
	expect_einval(_metadata, ic, "session neither own nor parent's");
	t[4]->pgid = t[0]->pid;
	expect_einval(_metadata, ic, "session leader in another group");
	t[4]->mm_ref = 0;
	expect_einval(_metadata, ic, "live task without mm");
	t[5]->mm_ref = t[0]->mm_ref;
	expect_einval(_metadata, ic, "zombie with an mm");
	hdr->nr_tasks = 5;
	expect_einval(_metadata, ic, "fewer tasks announced");
	hdr->nr_tasks = 7;
	expect_einval(_metadata, ic, "more tasks announced");
	hdr->nr_tasks = CKPT_TASKS_MAX + 1;
	expect_einval(_metadata, ic, "too many tasks");
	c[1]->flags = CKPT_CLONE_THREAD;
	expect_einval(_metadata, ic, "a process as a thread");
	c[4]->flags = CKPT_CLONE_THREAD;
	expect_einval(_metadata, ic, "a thread of another process");
}

/* The futex waits of futex_wait_fn(): each bad field rejected */
FIXTURE(bad_futex) {
	struct image_copy ic;
};

FIXTURE_SETUP(bad_futex)
{
	test_dir_make(_metadata, "ckpt_bad_futex");
	image_copy_init(_metadata, &self->ic, futex_wait_fn, NULL);
}

FIXTURE_TEARDOWN(bad_futex)
{
	image_copy_free(&self->ic);
	test_dir_remove();
}

TEST_F_TIMEOUT(bad_futex, cpu_restart_fields, 300)
{
	struct image_copy *ic = &self->ic;
	const struct ckpt_hdr_cpu *good;
	struct ckpt_hdr_cpu *c = NULL;
	unsigned int i;

	for (i = 0; (good = ckpt_find(&ic->img, CKPT_HDR_CPU, i)); i++)
		if (good->restart == CKPT_RESTART_FUTEX)
			c = in_copy(ic, good);
	ASSERT_NE(NULL, c);
	c->restart_bitset = 0;
	expect_einval(_metadata, ic, "futex wait with bitset 0");
	c->restart_addr |= 2;
	expect_einval(_metadata, ic, "futex not 32-bit aligned");
	c->restart_addr = 1ULL << 60;
	expect_einval(_metadata, ic, "futex not in user space");
	c->restart_clockid = CLOCK_BOOTTIME;
	expect_einval(_metadata, ic, "futex wait on CLOCK_BOOTTIME");
	c->restart_expires = ~0ULL;
	expect_einval(_metadata, ic, "futex wait time left past ktime_t");
	c->ax = -(uint64_t)EINTR;
	expect_einval(_metadata, ic, "futex wait not a restart block");
	c->restart = CKPT_RESTART_FUTEX_SHARED + 1;
	expect_einval(_metadata, ic, "unknown restart kind");
	c->restart = CKPT_RESTART_NANOSLEEP;
	expect_einval(_metadata, ic, "nanosleep with a bitset");
}

/* The timers of posix_timers_fn(): each bad field rejected */
FIXTURE(bad_ptimer) {
	struct image_copy ic;
};

FIXTURE_SETUP(bad_ptimer)
{
	test_dir_make(_metadata, "ckpt_bad_ptimer");
	image_copy_init(_metadata, &self->ic, posix_timers_fn, NULL);
}

FIXTURE_TEARDOWN(bad_ptimer)
{
	image_copy_free(&self->ic);
	test_dir_remove();
}

TEST_F_TIMEOUT(bad_ptimer, timer_and_signal_fields, 600)
{
	struct image_copy *ic = &self->ic;
	struct ckpt_hdr_posix_timer *t[4];
	struct ckpt_hdr_signal *sig;
	char log[LOG_SIZE];
	unsigned int i;
	pid_t pid;

	sig = in_copy(ic, ckpt_find(&ic->img, CKPT_HDR_SIGNAL, 0));
	for (i = 0; i < 4; i++)
		t[i] = in_copy(ic, ckpt_find(&ic->img, CKPT_HDR_POSIX_TIMER, i));

	sig->nr_posix_timers = 3;
	expect_einval(_metadata, ic, "a timer more than counted");
	sig->nr_posix_timers = 5;
	expect_einval(_metadata, ic, "a timer fewer than counted");
	sig->nr_posix_timers = 4097;
	expect_einval(_metadata, ic, "too many timers");
	sig->next_posix_timer_id = 1U << 31;
	expect_einval(_metadata, ic, "next id past INT_MAX");
	t[0]->id = 1U << 31;
	expect_einval(_metadata, ic, "id past INT_MAX");
	t[2]->id = 2;
	expect_einval(_metadata, ic, "id twice");
	t[1]->clockid = CLOCK_PROCESS_CPUTIME_ID;
	expect_einval(_metadata, ic, "CPU clock");
	t[1]->clockid = -6;
	expect_einval(_metadata, ic, "clock of a pid");
	t[1]->notify = 3;
	expect_einval(_metadata, ic, "unknown notify");
	t[1]->signo = 0;
	expect_einval(_metadata, ic, "signal 0");
	t[1]->signo = 65;
	expect_einval(_metadata, ic, "signal 65");
	t[1]->tid = t[3]->tid;
	expect_einval(_metadata, ic, "tid without SIGEV_THREAD_ID");
	t[3]->tid = 0;
	expect_einval(_metadata, ic, "SIGEV_THREAD_ID without tid");
	t[1]->flags |= 1U << 8;
	expect_einval(_metadata, ic, "unknown flag");
	t[1]->flags |= CKPT_POSIX_TIMER_ABSTIME;
	expect_einval(_metadata, ic, "ABSTIME on CLOCK_MONOTONIC");
	t[1]->flags &= ~CKPT_POSIX_TIMER_PENDING;
	expect_einval(_metadata, ic, "REARM without PENDING");
	t[0]->flags = CKPT_POSIX_TIMER_PENDING;
	expect_einval(_metadata, ic, "SIGEV_NONE pending");
	t[1]->value_ns = ~0ULL;
	expect_einval(_metadata, ic, "time left past ktime_t");
	t[1]->interval_ns = 1ULL << 63;
	expect_einval(_metadata, ic, "interval past ktime_t");
	t[3]->value_ns = 0;
	t[3]->interval_ns = 1000;
	expect_einval(_metadata, ic, "disarmed with an interval");
	t[1]->overrun = -2;
	expect_einval(_metadata, ic, "overrun -2");
	t[1]->overrun_last = 1LL << 31;
	expect_einval(_metadata, ic, "overrun_last past INT_MAX");
	t[0]->sig_overrun = 1;
	expect_einval(_metadata, ic, "sig_overrun, not pending");
	t[1]->sig_overrun = 1U << 31;
	expect_einval(_metadata, ic, "sig_overrun past INT_MAX");
	t[1]->__pad = 1;
	expect_einval(_metadata, ic, "padding");

	/* A thread not of the group: only restart can tell */
	t[3]->tid = 1;
	ckpt_fix_tail(ic->buf, ic->len, -1);
	pid = restart_img(ic->buf, ic->len, 0, log, sizeof(log));
	if (pid > 0)
		target_kill(pid);
	EXPECT_EQ(-EINVAL, pid > 0 ? 0 : pid);
	EXPECT_NE(NULL, strstr(log, "is not a thread of its group")) {
		TH_LOG("log:\n%s", log);
	}
	EXPECT_TRUE(no_child());
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
