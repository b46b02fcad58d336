// SPDX-License-Identifier: GPL-2.0
/*
 * Races: SIGKILL to a restarter at random moments of its restart(), and
 * to a checkpointed tree during checkpoint(); two checkpoints of one
 * tree at once; a checkpoint while the target's parent exits; a
 * restart() from a pipe whose writer dies midway.  Each must end, soon,
 * in a success or a clean errno, leave no process behind, and make the
 * kernel log no splat.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/userfaultfd.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"
#include "ckpt_harness.h"

#define RACE_CHILDREN	3
#define RACE_ROUNDS	24
#define RACE_SECS	30	/* for one round to end */

static unsigned int race_seed = 1;

/* A delay in [0, @max_s), the same sequence each run */
static useconds_t race_delay(double max_s)
{
	return (useconds_t)(rand_r(&race_seed) / (RAND_MAX + 1.0) * max_s *
			    1e6);
}

/* A tree: three stopped children with a pipe between them, a thread */
static int race_tree_fn(void *arg)
{
	pid_t kids[RACE_CHILDREN];
	pthread_t t;
	int i, st, p[2];

	(void)arg;
	if (pipe(p) || write(p[1], "race", 4) != 4)
		return 10;
	for (i = 0; i < RACE_CHILDREN; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			return 11;
		if (!kids[i]) {
			raise(SIGSTOP);
			_exit(0);
		}
		if (waitpid(kids[i], &st, WUNTRACED) != kids[i] ||
		    !WIFSTOPPED(st))
			return 12;
	}
	if (pthread_create(&t, NULL, pause_thread, NULL))
		return 13;
	usleep(10000);
	raise(SIGSTOP);
	return 0;
}

/* Wait for @pid, at most @secs; its status, or -1 (it is then killed) */
static int wait_for(pid_t pid, int secs)
{
	int i, st;

	for (i = 0; i < secs * 200; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		usleep(5000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* SIGKILL the descendants of @pid, @depth generations down */
static void kill_descendants(pid_t pid, int depth)
{
	char path[64], buf[1024], *p, *end;
	long child;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (p = buf; (child = strtol(p, &end, 10)) > 0; p = end) {
		kill(child, SIGKILL);
		if (depth > 1)
			kill_descendants(child, depth - 1);
	}
}

/* SIGKILL @pid and its children */
static void kill_tree(pid_t pid)
{
	kill_descendants(pid, 1);
	kill(pid, SIGKILL);
}

/* An errno a checkpoint() racing with the death of its target may give */
static bool clean_ckpt_errno(int err)
{
	return !err || err == EBUSY || err == ESRCH;
}

/*
 * In a child: checkpoint @pid, exit with the errno; the log on stderr
 * for an unexpected one, or any if @verbose
 */
static void __attribute__((noreturn)) checkpointer(pid_t pid,
						   enum ckpt_sink sink,
						   bool verbose)
{
	int logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	struct ckpt_image parsed;
	char log[LOG_SIZE];
	void *img;
	size_t len;
	ssize_t n;
	int err;

	err = ckpt_capture(pid, sink, 0, logfd, &img, &len);
	/* An image it made is whole */
	if (!err && ckpt_parse(&parsed, img, len)) {
		fprintf(stderr, "checkpoint of %d: bad image: %s\n", (int)pid,
			parsed.err);
		_exit(EPROTO);
	}
	if ((verbose ? err : !clean_ckpt_errno(err)) && logfd >= 0) {
		n = pread(logfd, log, sizeof(log) - 1, 0);
		log[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "checkpoint of %d: %s; log:\n%s", (int)pid,
			strerror(err), log);
	}
	_exit(err < 0 ? 255 : err);
}

/* Wait for a checkpointer(): its errno, one a race may give */
static int checkpointer_wait(struct __test_metadata *_metadata, pid_t ck,
			     unsigned int round)
{
	int st = wait_for(ck, RACE_SECS);

	EXPECT_TRUE(st != -1 && WIFEXITED(st)) {
		TH_LOG("round %u: checkpoint did not end", round);
		return -1;
	}
	EXPECT_TRUE(clean_ckpt_errno(WEXITSTATUS(st))) {
		TH_LOG("round %u: checkpoint: %s", round,
		       strerror(WEXITSTATUS(st)));
	}
	return WEXITSTATUS(st);
}

FIXTURE(race) {
	void *img;
	size_t len;
	double ckpt_secs;
	double restart_secs;
	int kmsg;
};

FIXTURE_SETUP(race)
{
	double t;
	pid_t pid;

	self->kmsg = kmsg_open();
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	pid = target_spawn(race_tree_fn, NULL);
	ASSERT_GT(pid, 0);
	t = now_mono();
	ASSERT_EQ(0, ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1, &self->img,
				  &self->len));
	self->ckpt_secs = now_mono() - t;
	target_kill(pid);
	reap_descendants();

	t = now_mono();
	pid = restart_img(self->img, self->len, 0, NULL, 0);
	self->restart_secs = now_mono() - t;
	ASSERT_GT(pid, 0);
	reap_descendants();
	TH_LOG("checkpoint %.3f s, restart %.3f s", self->ckpt_secs,
	       self->restart_secs);
}

FIXTURE_TEARDOWN(race)
{
	reap_descendants();
	free(self->img);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/* Nothing left, nothing in the kernel log */
static void expect_clean(struct __test_metadata *_metadata, int kmsg,
			 unsigned int round)
{
	char line[1024];

	reap_descendants();
	EXPECT_TRUE(no_child()) {
		TH_LOG("round %u: a process was left behind", round);
	}
	EXPECT_FALSE(kmsg_splat(kmsg, line, sizeof(line))) {
		TH_LOG("round %u: kernel splat: %s", round, line);
	}
}

/*
 * SIGKILL to the restarter at a random moment of its restart(): the
 * call ends, the tree it was making dies with it or, if it was done,
 * lives on (and is reaped here)
 */
TEST_F_TIMEOUT(race, kill_restarter, 600)
{
	unsigned int round, done = 0, killed = 0;
	int st;
	pid_t pid;

	for (round = 0; round < RACE_ROUNDS; round++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			pid = restart_img(self->img, self->len, 0, NULL, 0);
			_exit(pid > 0 ? 0 : 1);
		}
		usleep(race_delay(self->restart_secs * 1.2));
		kill(pid, SIGKILL);
		st = wait_for(pid, RACE_SECS);
		ASSERT_NE(-1, st) {
			TH_LOG("round %u: the restarter did not die", round);
		}
		if (WIFSIGNALED(st))
			killed++;
		else
			done++;
		expect_clean(_metadata, self->kmsg, round);
	}
	TH_LOG("%u restarts killed, %u done first", killed, done);
}

/*
 * SIGKILL to the tasks a restart() is making (not to the restarter),
 * at a random moment: restart() fails with EINTR, leaving nothing, or
 * had finished (and the tree it made dies of the signal)
 */
TEST_F_TIMEOUT(race, kill_restarting_tree, 600)
{
	unsigned int round, done = 0, refused = 0;
	char log[LOG_SIZE];
	int st, err;
	pid_t pid;

	for (round = 0; round < RACE_ROUNDS; round++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			pid = restart_img(self->img, self->len, 0, log,
					  sizeof(log));
			if (pid < 0 && pid != -EINTR)
				fprintf(stderr, "restart: %s; log:\n%s",
					strerror(-pid), log);
			_exit(pid > 0 ? 0 : -pid);
		}
		usleep(race_delay(self->restart_secs * 1.2));
		kill_descendants(pid, 2);
		st = wait_for(pid, RACE_SECS);
		ASSERT_TRUE(st != -1 && WIFEXITED(st)) {
			TH_LOG("round %u: the restarter did not end (%#x)",
			       round, st);
		}
		err = WEXITSTATUS(st);
		EXPECT_TRUE(!err || err == EINTR) {
			TH_LOG("round %u: restart: %s", round, strerror(err));
		}
		done += !err;
		refused += !!err;
		expect_clean(_metadata, self->kmsg, round);
	}
	TH_LOG("%u restarts done first, %u failed", done, refused);
	/* Some kills must have come during a restart() */
	EXPECT_LT(0, refused);
}

/* SIGKILL to the whole tree while checkpoint() walks it */
TEST_F_TIMEOUT(race, kill_target_during_checkpoint, 600)
{
	unsigned int round, ok = 0;
	pid_t pid, ck;
	int err;

	for (round = 0; round < RACE_ROUNDS; round++) {
		pid = target_spawn(race_tree_fn, NULL);
		ASSERT_GT(pid, 0);
		ck = fork();
		ASSERT_LE(0, ck);
		if (!ck)
			checkpointer(pid, CKPT_SINK_PIPE, false);
		usleep(race_delay(self->ckpt_secs * 3));
		kill_tree(pid);
		err = checkpointer_wait(_metadata, ck, round);
		ok += !err;
		expect_clean(_metadata, self->kmsg, round);
	}
	TH_LOG("%u checkpoints done before the kill", ok);
}

/*
 * Two checkpoints of one stopped tree at once: each makes a good image
 * or is refused with EBUSY (the tree is in the other), never both, and
 * the tree stays stopped
 */
TEST_F_TIMEOUT(race, concurrent_checkpoints, 600)
{
	unsigned int round, k, good, both = 0, none = 0;
	pid_t pid, ck[2];
	int st;

	pid = target_spawn(race_tree_fn, NULL);
	ASSERT_GT(pid, 0);
	for (round = 0; round < RACE_ROUNDS / 2; round++) {
		for (k = 0; k < 2; k++) {
			ck[k] = fork();
			ASSERT_LE(0, ck[k]);
			if (!ck[k])
				checkpointer(pid, CKPT_SINK_MEMFD, true);
		}
		good = 0;
		for (k = 0; k < 2; k++) {
			st = wait_for(ck[k], RACE_SECS);
			EXPECT_TRUE(st != -1 && WIFEXITED(st) &&
				    (WEXITSTATUS(st) == 0 ||
				     WEXITSTATUS(st) == EBUSY)) {
				TH_LOG("round %u, checkpoint %u: status %#x (%s)",
				       round, k, st,
				       st != -1 && WIFEXITED(st) ?
				       strerror(WEXITSTATUS(st)) : "killed");
			}
			good += st != -1 && WIFEXITED(st) && !WEXITSTATUS(st);
		}
		both += good == 2;
		none += !good;
	}
	TH_LOG("%u rounds of %u with both images made, %u with none", both,
	       round, none);
	EXPECT_EQ(0, none);
	/* The checkpoints left the tree as it was: stopped */
	EXPECT_EQ('T', proc_state(pid));
	kill_tree(pid);
	target_kill(pid);
	expect_clean(_metadata, self->kmsg, round);
}

struct cmdline_read {
	pid_t pid;
	char *buf;
	ssize_t ret;
};

static void *cmdline_reader(void *arg)
{
	struct cmdline_read *r = arg;
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)r->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r->ret = fd < 0 ? -1 : read(fd, r->buf, PS);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/*
 * In a child: read /proc/@pid/cmdline, as ps does, into a page that
 * userfaultfd holds back, so that the read stays in the kernel with a
 * reference to @pid's address space; say so on @blocked, and let the
 * read end when a byte comes on @release.  Exits 0 if it then got the
 * command line.
 */
static void __attribute__((noreturn)) mm_holder(pid_t pid, int blocked,
						int release)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {};
	struct uffdio_zeropage zp = {};
	struct cmdline_read r = { .pid = pid };
	struct uffd_msg msg;
	pthread_t t;
	int uffd;
	char c;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	r.buf = mmap(NULL, PS, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (uffd < 0 || r.buf == MAP_FAILED || ioctl(uffd, UFFDIO_API, &api))
		_exit(10);
	reg.range.start = (unsigned long)r.buf;
	reg.range.len = PS;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg) ||
	    pthread_create(&t, NULL, cmdline_reader, &r))
		_exit(11);
	/* The reader is in the kernel, stuck copying the bytes out */
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT ||
	    write(blocked, "b", 1) != 1 || read(release, &c, 1) != 1)
		_exit(12);
	zp.range = reg.range;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zp) || pthread_join(t, NULL))
		_exit(13);
	_exit(r.ret > 0 ? 0 : 14);
}

/*
 * A checkpoint while somebody reads the tree's memory (ps reading
 * /proc/PID/cmdline, a debugger): that short reference to an address
 * space is not a task using it outside the tree, the checkpoint
 * succeeds
 */
TEST_F_TIMEOUT(race, checkpoint_while_memory_read, 120)
{
	int blocked[2], release[2], st, err;
	pid_t pid, holder, ck;
	char c;

	pid = target_spawn(race_tree_fn, NULL);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, pipe2(blocked, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(release, O_CLOEXEC));
	holder = fork();
	ASSERT_LE(0, holder);
	if (!holder)
		mm_holder(pid, blocked[1], release[0]);
	close(blocked[1]);
	close(release[0]);
	ASSERT_EQ(1, read(blocked[0], &c, 1)) {
		TH_LOG("the reader did not get stuck (no userfaultfd?)");
	}
	ck = fork();
	ASSERT_LE(0, ck);
	if (!ck)
		checkpointer(pid, CKPT_SINK_MEMFD, true);
	err = checkpointer_wait(_metadata, ck, 0);
	EXPECT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	ASSERT_EQ(1, write(release[1], "r", 1));
	st = wait_for(holder, RACE_SECS);
	EXPECT_TRUE(st != -1 && WIFEXITED(st) && !WEXITSTATUS(st)) {
		TH_LOG("the reader: status %#x", st);
	}
	close(blocked[0]);
	close(release[1]);
	kill_tree(pid);
	target_kill(pid);
	expect_clean(_metadata, self->kmsg, 0);
}

static int shared_mm_fn(void *arg)
{
	int fd;

	(void)arg;
	/* Its own fd table: only /dev/null as 0, 1 and 2 */
	for (fd = 3; fd < 1024; fd++)
		close(fd);
	raise(SIGSTOP);
	for (;;)
		pause();
	return 0;
}

/*
 * But a process outside the tree that runs on the same address space
 * (made with CLONE_VM) is a user: EBUSY
 */
TEST_F_TIMEOUT(race, memory_shared_outside_refused, 120)
{
	int p[2], logfd, st, fd;
	pid_t sharer, pid;
	char log[LOG_SIZE];
	void *img;
	size_t len;
	ssize_t n;
	char *stack;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	sharer = fork();
	ASSERT_LE(0, sharer);
	if (!sharer) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		stack = mmap(NULL, 16 * PS, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (fd < 0 || stack == MAP_FAILED || dup2(fd, 0) < 0 ||
		    dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(10);
		pid = clone(shared_mm_fn, stack + 16 * PS, CLONE_VM | SIGCHLD,
			    NULL);
		if (pid < 0 || write(p[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(11);
		for (;;)
			pause();
	}
	close(p[1]);
	ASSERT_EQ(sizeof(pid), read(p[0], &pid, sizeof(pid)));
	for (st = 0; st < 100 * RACE_SECS && proc_state(pid) != 'T'; st++)
		usleep(10000);
	ASSERT_EQ('T', proc_state(pid));
	logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	ASSERT_LE(0, logfd);
	EXPECT_EQ(EBUSY, ckpt_capture(pid, CKPT_SINK_MEMFD, 0, logfd, &img,
				      &len));
	n = pread(logfd, log, sizeof(log) - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	EXPECT_NE(NULL, strstr(log, "address space")) {
		TH_LOG("log: %s", log);
	}
	close(logfd);
	close(p[0]);
	kill(pid, SIGKILL);
	kill(sharer, SIGKILL);
	waitpid(sharer, &st, 0);
	expect_clean(_metadata, self->kmsg, 0);
}

/* The parent of the checkpointed tree exits meanwhile */
TEST_F_TIMEOUT(race, parent_exits_during_checkpoint, 600)
{
	unsigned int round;
	pid_t mid, pid, ck;
	int p[2];

	for (round = 0; round < RACE_ROUNDS; round++) {
		ASSERT_EQ(0, pipe(p));
		mid = fork();
		ASSERT_LE(0, mid);
		if (!mid) {
			close(p[0]);
			pid = target_spawn(race_tree_fn, NULL);
			if (write(p[1], &pid, sizeof(pid)) != sizeof(pid))
				_exit(1);
			usleep(race_delay(self->ckpt_secs * 1.2));
			/* Its child, the tree's root, comes to the subreaper */
			_exit(0);
		}
		close(p[1]);
		ASSERT_EQ(sizeof(pid), read(p[0], &pid, sizeof(pid)));
		close(p[0]);
		ASSERT_GT(pid, 0);
		ck = fork();
		ASSERT_LE(0, ck);
		if (!ck)
			checkpointer(pid, CKPT_SINK_MEMFD, false);
		checkpointer_wait(_metadata, ck, round);
		waitpid(mid, NULL, 0);
		kill(pid, SIGKILL);
		expect_clean(_metadata, self->kmsg, round);
	}
}

/*
 * restart() from a pipe whose writer dies midway: at a record boundary
 * or anywhere, it fails with EINVAL ("image truncated"), or restarts
 * the tree if the writer got to the end first
 */
TEST_F_TIMEOUT(race, pipe_writer_dies, 600)
{
	unsigned int round, done = 0;
	char log[LOG_SIZE];
	int p[2], logfd, err;
	pid_t w, killer = -1;
	size_t cut;
	ssize_t n;
	long ret;

	for (round = 0; round < RACE_ROUNDS; round++) {
		ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
		cut = rand_r(&race_seed) % self->len;
		w = fork();
		ASSERT_LE(0, w);
		if (!w) {
			size_t off = 0, want = round % 2 ? self->len : cut;

			close(p[0]);
			while (off < want) {
				n = write(p[1], (char *)self->img + off,
					  want - off < 4096 ? want - off : 4096);
				if (n <= 0)
					_exit(1);
				off += n;
			}
			_exit(0);
		}
		close(p[1]);
		/* Every other round, the writer is killed while it writes */
		if (round % 2) {
			useconds_t delay = race_delay(self->restart_secs);

			killer = fork();
			ASSERT_LE(0, killer);
			if (!killer) {
				usleep(delay);
				kill(w, SIGKILL);
				_exit(0);
			}
		}
		logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
		ret = sys_restart(0, p[0], 0, logfd);
		err = ret < 0 ? errno : 0;
		n = pread(logfd, log, sizeof(log) - 1, 0);
		log[n > 0 ? n : 0] = '\0';
		close(logfd);
		close(p[0]);
		waitpid(w, NULL, 0);
		if (killer > 0)
			waitpid(killer, NULL, 0);
		killer = -1;
		if (ret > 0) {
			done++;
		} else {
			EXPECT_EQ(EINVAL, err) {
				TH_LOG("round %u (cut %zu): %s; log:\n%s", round,
				       cut, strerror(err), log);
			}
			EXPECT_NE(NULL, strstr(log, "image truncated")) {
				TH_LOG("round %u: log:\n%s", round, log);
			}
		}
		expect_clean(_metadata, self->kmsg, round);
	}
	TH_LOG("%u restarts got the whole image", done);
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
