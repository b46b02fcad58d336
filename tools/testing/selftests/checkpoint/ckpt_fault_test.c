// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: checkpoint() and restart() of a workload (memory, a
 * pipe holding data, an eventfd, a blocked pending signal, a thread, a
 * stopped child) while allocations (failslab, fail_page_alloc) and user
 * copies (fail_usercopy) fail.
 *
 * - checkpoint(), restart() with CKPT_RESTART_VERIFY and the restarter's
 *   own part of a full restart() run entirely in the calling thread:
 *   /proc/thread-self/fail-nth makes its N-th fault point fail, for
 *   N = 1, 2, ... until a call passes every point without reaching N.
 * - The tasks that a full restart() creates rebuild themselves: they
 *   inherit make-it-fail from the restarter, and each fault attribute in
 *   turn fails every N-th fault point of those tasks (probability 100,
 *   interval N) for N from 1 up.
 *
 * Every call must succeed or fail with a clean errno (ENOMEM, or EFAULT
 * for a failed user copy); after a failure the target is still stopped
 * and nothing is left of the restart; an image written in spite of a
 * failure verifies, and a restarted process finds its state intact.
 * Kernel splats are caught by the last test and by the console scan,
 * leaks by the kmemleak scan at the end of the run.
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
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"
#include "ckpt_harness.h"

#define FAULT_DEBUGFS		"/sys/kernel/debug"
#define FAULT_NTH_MAX		20000	/* fault points of one call */
#define FAULT_ERRNOS		256
#define FAULT_PAGES		4
#define FAULT_SEED		11

static const char * const fault_attrs[] = {
	"failslab", "fail_page_alloc", "fail_usercopy",
};

/* ---- the workload ---- */

static volatile sig_atomic_t fault_go;

static void fault_go_handler(int sig)
{
	(void)sig;
	fault_go = 1;
}

/*
 * Stops with its state set up.  Once continued (or restarted), it
 * waits for SIGUSR2, sent when no more faults are injected, then checks
 * its state: exit status 0 if all of it is there.
 */
static int fault_target_fn(void *arg)
{
	struct sigaction sa = { .sa_handler = fault_go_handler };
	sigset_t block, wait, pend;
	char buf[8], *m;
	int p[2], efd, st;
	pthread_t t;
	uint64_t v;
	pid_t child;

	(void)arg;
	m = mmap(NULL, FAULT_PAGES * PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || pipe(p) || write(p[1], "fault", 5) != 5)
		return 10;
	fill_pattern(m, FAULT_PAGES * PS, FAULT_SEED);
	efd = eventfd(3, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	if (efd < 0 || sigaction(SIGUSR2, &sa, NULL) ||
	    sigprocmask(SIG_BLOCK, &block, NULL) || raise(SIGUSR1))
		return 11;
	child = fork();
	if (child < 0)
		return 12;
	if (!child) {
		raise(SIGSTOP);
		_exit(7);
	}
	if (waitpid(child, &st, WUNTRACED) != child || !WIFSTOPPED(st) ||
	    pthread_create(&t, NULL, pause_thread, NULL))
		return 13;
	raise(SIGSTOP);

	sigfillset(&wait);
	sigdelset(&wait, SIGUSR2);
	while (!fault_go)
		sigsuspend(&wait);
	if (!check_pattern(m, FAULT_PAGES * PS, FAULT_SEED))
		return 20;
	if (read(p[0], buf, 5) != 5 || memcmp(buf, "fault", 5))
		return 21;
	if (read(efd, &v, sizeof(v)) != sizeof(v) || v != 3)
		return 22;
	if (sigpending(&pend) || !sigismember(&pend, SIGUSR1))
		return 23;
	/*
	 * The child is stopped in the original, running once restarted
	 * (with another pid unless the pids were kept)
	 */
	kill(0, SIGCONT);
	if (waitpid(-1, &st, 0) <= 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 7)
		return 24;
	return 0;
}

/* Let a stopped or restarted workload check itself; its exit status */
static int fault_release(pid_t pid)
{
	int st;

	kill(pid, SIGCONT);
	kill(pid, SIGUSR2);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- fault injection knobs ---- */

static int fault_knob(const char *attr, const char *knob, const char *val)
{
	char path[128];
	ssize_t len = strlen(val);
	int fd, ret = -1;

	snprintf(path, sizeof(path), FAULT_DEBUGFS "/%s/%s", attr, knob);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, val, len) == len)
		ret = 0;
	close(fd);
	return ret;
}

/* Write @n to an open /proc/.../fail-nth or make-it-fail file */
static int fault_set(int fd, unsigned long n)
{
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "%lu", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -1;
}

/* What is left of fail-nth (0: the fault was injected); disarms it */
static unsigned long fault_nth_left(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	fault_set(fd, 0);
	if (n <= 0)
		return ~0UL;
	buf[n] = '\0';
	return strtoul(buf, NULL, 10);
}

/*
 * The errnos a failed allocation or user copy may give.  A pipe whose
 * inode cannot be allocated is ENFILE (create_pipe_files()), as it is for
 * pipe(2) itself.
 */
static bool fault_errno_ok(int err)
{
	return err == ENOMEM || err == EFAULT || err == ENFILE;
}

/* No child left: a failed restart() reaped all it made */
static bool fault_no_child(void)
{
	return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void fault_count(unsigned long *counts, int err)
{
	counts[err >= 0 && err < FAULT_ERRNOS ? err : 0]++;
}

static void fault_print(const char *what, unsigned long points,
			const unsigned long *counts)
{
	char line[512];
	size_t k = 0;
	int e;

	for (e = 0; e < FAULT_ERRNOS; e++)
		if (counts[e] && k < sizeof(line) - 32)
			k += snprintf(line + k, sizeof(line) - k, " %s:%lu",
				      e ? strerrorname_np(e) ?: "?" : "0",
				      counts[e]);
	line[k] = '\0';
	ksft_print_msg("%s: %lu runs:%s\n", what, points, line);
}

struct fault_env {
	void *img;		/* of the workload */
	size_t len;
	int nth;		/* /proc/thread-self/fail-nth */
	int logfd;
	char log[LOG_SIZE];
};

FIXTURE(fault) {
	struct fault_env e;
};

FIXTURE_SETUP(fault)
{
	char path[128];
	unsigned int i;
	pid_t pid;
	int err;

	self->e.nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	snprintf(path, sizeof(path), FAULT_DEBUGFS "/%s", fault_attrs[0]);
	if (self->e.nth < 0 || access(path, F_OK) ||
	    access("/proc/thread-self/make-it-fail", F_OK))
		SKIP(return, "no fail-nth, make-it-fail or failslab in debugfs");
	/* Quiet (a stack dump per fault is a splat), every allocation */
	for (i = 0; i < ARRAY_SIZE(fault_attrs); i++) {
		snprintf(path, sizeof(path), FAULT_DEBUGFS "/%s",
			 fault_attrs[i]);
		if (access(path, F_OK))
			continue;
		ASSERT_EQ(0, fault_knob(fault_attrs[i], "probability", "0"));
		ASSERT_EQ(0, fault_knob(fault_attrs[i], "verbose", "0"));
		ASSERT_EQ(0, fault_knob(fault_attrs[i], "task-filter", "Y"));
		ASSERT_EQ(0, fault_knob(fault_attrs[i], "space", "0"));
		ASSERT_EQ(0, fault_knob(fault_attrs[i], "times", "-1"));
		ASSERT_EQ(0, fault_knob(fault_attrs[i], "interval", "1"));
	}
	ASSERT_EQ(0, fault_knob("failslab", "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, fault_knob("failslab", "cache-filter", "N"));
	if (!fault_knob("fail_page_alloc", "ignore-gfp-wait", "N")) {
		ASSERT_EQ(0, fault_knob("fail_page_alloc",
					"ignore-gfp-highmem", "N"));
		ASSERT_EQ(0, fault_knob("fail_page_alloc", "min-order", "0"));
	}
	self->e.logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	ASSERT_LE(0, self->e.logfd);

	pid = target_spawn(fault_target_fn, NULL);
	ASSERT_LT(0, pid) {
		TH_LOG("target setup status %#x", target_setup_status);
	}
	err = ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1, &self->e.img,
			   &self->e.len);
	target_kill(pid);
	reap_descendants();
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	/* Last: vmalloc() failure reports from here on are not splats */
	ASSERT_EQ(0, kmsg_note(CKPT_KMSG_FAULTS_ON));
}

FIXTURE_TEARDOWN(fault)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fault_attrs); i++)
		fault_knob(fault_attrs[i], "probability", "0");
	kmsg_note(CKPT_KMSG_FAULTS_OFF);
	if (self->e.nth >= 0) {
		fault_set(self->e.nth, 0);
		close(self->e.nth);
	}
	if (self->e.logfd >= 0)
		close(self->e.logfd);
	free(self->e.img);
	reap_descendants();
}

/* The kernel's log of the last call, in self->e.log */
static void fault_read_log(int logfd, char *log, size_t size)
{
	ssize_t n = pread(logfd, log, size - 1, 0);

	log[n > 0 ? n : 0] = '\0';
	if (ftruncate(logfd, 0) || lseek(logfd, 0, SEEK_SET))
		log[0] = '\0';
}

/*
 * checkpoint() with its N-th fault point failing, for every N: a clean
 * errno and a target left stopped, or an image that verifies.  Then the
 * target checkpoints cleanly, its image restarts, and it runs on.
 */
TEST_F_TIMEOUT(fault, checkpoint_nth, 1200)
{
	unsigned long counts[FAULT_ERRNOS] = {}, n, left = 0;
	size_t len;
	void *buf;
	pid_t pid, rpid;
	long ret;
	int fd, err = 0;

	pid = target_spawn(fault_target_fn, NULL);
	ASSERT_LT(0, pid);
	for (n = 1; n < FAULT_NTH_MAX; n++) {
		fd = memfd_create("ckpt-image", MFD_CLOEXEC);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fault_set(self->e.nth, n));
		ret = sys_checkpoint(pid, fd, 0, self->e.logfd);
		err = ret < 0 ? errno : 0;
		left = fault_nth_left(self->e.nth);
		fault_read_log(self->e.logfd, self->e.log, sizeof(self->e.log));
		ASSERT_TRUE(err ? ret == -1 : ret == 0);
		if (!err) {
			/* It got over the fault: the image must be whole */
			ASSERT_EQ(0, read_all(fd, &buf, &len));
			err = ckpt_verify_buf(buf, len, self->e.log,
					      sizeof(self->e.log));
			free(buf);
			close(fd);
			ASSERT_EQ(0, err) {
				TH_LOG("fault %lu: the image does not verify: %s",
				       n, self->e.log);
			}
		} else {
			close(fd);
		}
		if (left)
			break;	/* ran past its last fault point */
		ASSERT_TRUE(!err || fault_errno_ok(err)) {
			TH_LOG("fault %lu: checkpoint: %s; log: %s", n,
			       strerror(err), self->e.log);
		}
		ASSERT_EQ('T', proc_state(pid)) {
			TH_LOG("fault %lu: target not stopped any more", n);
		}
		fault_count(counts, err);
	}
	ASSERT_NE(0, left) {
		TH_LOG("still failing after %lu faults", n);
	}
	ASSERT_EQ(0, err);
	fault_print("checkpoint, N-th fault point failing", n - 1, counts);
	/* The injection worked: some of them failed */
	EXPECT_LT(0, counts[ENOMEM]);

	/* The target is intact */
	ASSERT_EQ(0, ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1, &buf, &len));
	rpid = restart_img(buf, len, 0, self->e.log, sizeof(self->e.log));
	free(buf);
	ASSERT_LT(0, rpid) {
		TH_LOG("restart: %s; log: %s", strerror(-rpid), self->e.log);
	}
	EXPECT_EQ(0, fault_release(rpid));
	EXPECT_EQ(0, fault_release(pid));
}

/*
 * restart(@flags) whose caller fails at its N-th fault point, for every
 * N: a clean errno and no process, or a restarted process whose state
 * is intact.
 */
static void fault_restart_sweep(struct __test_metadata *_metadata,
				struct fault_env *e,
				unsigned long flags, const char *what)
{
	unsigned long counts[FAULT_ERRNOS] = {}, n, left = 0;
	int fd, err = 0;
	long ret;

	for (n = 1; n < FAULT_NTH_MAX; n++) {
		fd = memfd_with(e->img, e->len);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fault_set(e->nth, n));
		ret = sys_restart(0, fd, flags, e->logfd);
		err = ret < 0 ? errno : 0;
		left = fault_nth_left(e->nth);
		close(fd);
		fault_read_log(e->logfd, e->log, sizeof(e->log));
		ASSERT_TRUE(err ? ret == -1 : flags ? ret == 0 : ret > 0);
		if (ret > 0) {
			ASSERT_EQ(0, fault_release(ret)) {
				TH_LOG("fault %lu: restarted, state damaged",
				       n);
			}
		}
		ASSERT_TRUE(fault_no_child()) {
			TH_LOG("fault %lu: a process is left", n);
		}
		if (left)
			break;	/* ran past its last fault point */
		ASSERT_TRUE(!err || fault_errno_ok(err)) {
			TH_LOG("fault %lu: %s: %s; log: %s", n, what,
			       strerror(err), e->log);
		}
		fault_count(counts, err);
	}
	ASSERT_NE(0, left) {
		TH_LOG("still failing after %lu faults", n);
	}
	ASSERT_EQ(0, err);
	fault_print(what, n - 1, counts);
	/* The injection worked: some of them failed */
	EXPECT_LT(0, counts[ENOMEM]);
}

TEST_F_TIMEOUT(fault, verify_nth, 1200)
{
	fault_restart_sweep(_metadata, &self->e, CKPT_RESTART_VERIFY,
			    "restart VERIFY, N-th fault point failing");
}

TEST_F_TIMEOUT(fault, restart_nth, 1200)
{
	fault_restart_sweep(_metadata, &self->e, 0,
			    "restart (restarter), N-th fault point failing");
}

/*
 * The restarter of restart_every_nth: a thread, so that another (the
 * test's) can set its make-it-fail and turn the faults off again
 * without failing itself.  It stays until its restarted process is
 * gone (which has a parent-death signal).
 */
enum { FAULT_READY = 1, FAULT_GO, FAULT_DONE, FAULT_EXIT };

struct fault_restarter {
	int fd;
	int logfd;
	pid_t tid;
	long ret;
	int err;
	int state;
};

static void fault_wait_state(struct fault_restarter *r, int state)
{
	while (__atomic_load_n(&r->state, __ATOMIC_ACQUIRE) != state)
		sched_yield();
}

static void *fault_restarter_fn(void *arg)
{
	struct fault_restarter *r = arg;

	r->tid = gettid();
	__atomic_store_n(&r->state, FAULT_READY, __ATOMIC_RELEASE);
	fault_wait_state(r, FAULT_GO);
	r->ret = sys_restart(0, r->fd, 0, r->logfd);
	r->err = r->ret < 0 ? errno : 0;
	__atomic_store_n(&r->state, FAULT_DONE, __ATOMIC_RELEASE);
	fault_wait_state(r, FAULT_EXIT);
	return NULL;
}

/*
 * One restart() by a restarter thread that fails every @n-th fault
 * point of kind @attr, as do the tasks it makes; its errno (0 if a
 * process restarted and found its state intact, -1 if not)
 */
static int fault_restart_every(struct __test_metadata *_metadata,
			       struct fault_env *e, const char *attr,
			       unsigned int n)
{
	struct fault_restarter r = { .logfd = e->logfd };
	char path[64], val[24];
	pthread_t t;
	int mif, st = 0;

	r.fd = memfd_with(e->img, e->len);
	ASSERT_LE(0, r.fd);
	snprintf(val, sizeof(val), "%u", n);
	ASSERT_EQ(0, fault_knob(attr, "interval", val));
	ASSERT_EQ(0, pthread_create(&t, NULL, fault_restarter_fn, &r));
	fault_wait_state(&r, FAULT_READY);
	snprintf(path, sizeof(path), "/proc/self/task/%d/make-it-fail",
		 (int)r.tid);
	mif = open(path, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, mif);
	ASSERT_EQ(0, fault_set(mif, 1));
	ASSERT_EQ(0, fault_knob(attr, "probability", "100"));
	__atomic_store_n(&r.state, FAULT_GO, __ATOMIC_RELEASE);
	fault_wait_state(&r, FAULT_DONE);
	ASSERT_EQ(0, fault_knob(attr, "probability", "0"));
	ASSERT_EQ(0, fault_set(mif, 0));
	close(mif);
	close(r.fd);
	fault_read_log(e->logfd, e->log, sizeof(e->log));
	if (r.ret > 0) {
		st = fault_release(r.ret);
		EXPECT_EQ(0, st) {
			TH_LOG("%s, interval %u: state damaged", attr, n);
		}
	}
	__atomic_store_n(&r.state, FAULT_EXIT, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_TRUE(fault_no_child()) {
		TH_LOG("%s, interval %u: a process is left", attr, n);
	}
	ASSERT_TRUE(r.ret > 0 || fault_errno_ok(r.err)) {
		TH_LOG("%s, interval %u: restart: %s; log: %s", attr, n,
		       strerror(r.err), e->log);
	}
	return st ? -1 : r.err;
}

/*
 * A full restart() with every N-th fault point of one kind failing in
 * the restarter and in every task it makes, for N from 1 up until
 * restarts succeed a few times in a row.
 */
TEST_F_TIMEOUT(fault, restart_every_nth, 1800)
{
	unsigned long counts[FAULT_ERRNOS], total;
	unsigned int i, n, in_a_row;
	char path[128];
	int err;

	for (i = 0; i < ARRAY_SIZE(fault_attrs); i++) {
		snprintf(path, sizeof(path), FAULT_DEBUGFS "/%s",
			 fault_attrs[i]);
		if (access(path, F_OK)) {
			ksft_print_msg("%s: not built, skipped\n",
				       fault_attrs[i]);
			continue;
		}
		memset(counts, 0, sizeof(counts));
		total = 0;
		in_a_row = 0;
		for (n = 1; n <= FAULT_NTH_MAX && in_a_row < 3;
		     n += 1 + n / 8) {
			err = fault_restart_every(_metadata, &self->e,
						  fault_attrs[i], n);
			ASSERT_LE(0, err);
			in_a_row = err ? 0 : in_a_row + 1;
			fault_count(counts, err);
			total++;
		}
		snprintf(path, sizeof(path), "restart, every N-th %s fault",
			 fault_attrs[i]);
		fault_print(path, total, counts);
		EXPECT_EQ(3, in_a_row);
		/* Allocations fail, so some restarts must */
		if (i < 2)
			EXPECT_LT(0, counts[ENOMEM]);
	}
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
