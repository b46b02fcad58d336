// SPDX-License-Identifier: GPL-2.0
/*
 * checkpoint(2): what it refuses and with which errno, who may call it,
 * the kinds of stop it accepts, and that the target is left as it was.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/vfs.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC	0x0001U
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

#define ERESTARTNOHAND	514

/* The fd number unsupported files are put at, to find it in the log */
#define ODD_FD		173

static int memfd(void)
{
	return memfd_create("ckpt-test", MFD_CLOEXEC);
}

static long ckpt_errno(pid_t pid, int fd, unsigned long flags, int logfd)
{
	long ret = sys_checkpoint(pid, fd, flags, logfd);

	return ret < 0 ? errno : ret;
}

static int known_fn(void *arg)
{
	(void)arg;
	return known_stop(cpu_has_avx());
}

/* Wait until a running target sleeps */
static bool wait_state(pid_t pid, char state)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (proc_state(pid) == state)
			return true;
		usleep(1000);
	}
	return false;
}

/* Number of open fds of @pid, or -1 */
static int nr_fds(pid_t pid)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/*
 * Wait until a target_sleep_fn() target sleeps in pause(), having closed
 * the fds it inherited (but 0, 1 and 2)
 */
static bool wait_settled(pid_t pid)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (proc_state(pid) == 'S' && nr_fds(pid) == 3)
			return true;
		usleep(1000);
	}
	return false;
}

TEST(not_stopped)
{
	pid_t pid = target_spawn_running(target_sleep_fn, NULL);
	int fd = memfd();

	ASSERT_GT(pid, 0);
	ASSERT_LE(0, fd);
	ASSERT_TRUE(wait_state(pid, 'S'));
	EXPECT_EQ(EBUSY, ckpt_errno(pid, fd, 0, -1));
	/* Nothing written, target untouched */
	EXPECT_EQ(0, lseek(fd, 0, SEEK_END));
	EXPECT_EQ('S', proc_state(pid));
	/* Nor can a process checkpoint itself */
	EXPECT_EQ(EBUSY, ckpt_errno(getpid(), fd, 0, -1));
	target_kill(pid);
	close(fd);
}

TEST(bad_fd)
{
	pid_t pid = target_spawn(known_fn, NULL);
	int fd = memfd(), closed = memfd(), status;

	ASSERT_GT(pid, 0);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, closed);
	close(closed);
	EXPECT_EQ(EBADF, ckpt_errno(pid, -1, 0, -1));
	EXPECT_EQ(EBADF, ckpt_errno(pid, closed, 0, -1));
	EXPECT_EQ(EBADF, ckpt_errno(pid, INT_MAX, 0, -1));
	/* bad logfd */
	EXPECT_EQ(EBADF, ckpt_errno(pid, fd, 0, closed));
	EXPECT_EQ(EBADF, ckpt_errno(pid, fd, 0, INT_MAX));
	EXPECT_EQ('T', proc_state(pid));
	status = target_continue(pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("wait status %#x", status);
	}
	close(fd);
}

/* The log cannot go into the image */
TEST(log_is_image)
{
	pid_t pid = target_spawn(target_stop_fn, NULL);
	int fd = memfd(), fd2;

	ASSERT_GT(pid, 0);
	ASSERT_LE(0, fd);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(EINVAL, ckpt_errno(pid, fd, 0, fd));
	EXPECT_EQ(EINVAL, ckpt_errno(pid, fd, 0, fd2));
	EXPECT_EQ(0, lseek(fd, 0, SEEK_END));
	EXPECT_EQ('T', proc_state(pid));
	target_kill(pid);
	close(fd2);
	close(fd);
}

TEST(bad_flags)
{
	pid_t pid = target_spawn(target_stop_fn, NULL);
	int fd = memfd();

	ASSERT_GT(pid, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(EINVAL, ckpt_errno(pid, fd, CKPT_CHECKPOINT_FLAGS + 1, -1));
	EXPECT_EQ(EINVAL, ckpt_errno(pid, fd, 1UL << 63, -1));
	EXPECT_EQ(EINVAL, ckpt_errno(pid, fd, ~0UL, -1));
	EXPECT_EQ(0, lseek(fd, 0, SEEK_END));
	target_kill(pid);
	close(fd);
}

TEST(no_such_pid)
{
	int fd = memfd(), status;
	pid_t pid;

	ASSERT_LE(0, fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(ESRCH, ckpt_errno(pid, fd, 0, -1));
	close(fd);
}

/* Run @fn(@arg) in a child as uid 65534; returns its exit status */
static int as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (become_nobody())
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int ckpt_other(void *arg)
{
	int fd = memfd();

	if (fd < 0)
		return 101;
	return ckpt_errno(*(pid_t *)arg, fd, 0, -1);
}

/* An unprivileged caller cannot checkpoint another user's process */
TEST(other_uid_eperm)
{
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to have two users");
	pid = target_spawn(target_stop_fn, NULL);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(EPERM, as_nobody(ckpt_other, &pid));
	EXPECT_EQ('T', proc_state(pid));
	target_kill(pid);
}

static int nondumpable_fn(void *arg)
{
	(void)arg;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return 1;
	raise(SIGSTOP);
	return 0;
}

static int ckpt_nondumpable(void *arg)
{
	pid_t pid = target_spawn(nondumpable_fn, NULL);
	int err;

	(void)arg;
	if (pid < 0)
		return 102;
	err = ckpt_other(&pid);
	target_kill(pid);
	return err;
}

/* Nor its own process once that is not dumpable */
TEST(nondumpable_eperm)
{
	EXPECT_EQ(EPERM, as_nobody(ckpt_nondumpable, NULL));
}

static int ckpt_own(void *arg)
{
	struct ckpt_image img;
	const struct ckpt_hdr_task *t;
	const struct ckpt_hdr_cred *c;
	char log[4096];
	size_t len;
	void *buf;
	pid_t pid;
	int status;

	(void)arg;
	pid = target_spawn(known_fn, NULL);
	if (pid < 0)
		return 103;
	if (ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1, &buf, &len))
		return 104;
	if (ckpt_parse(&img, buf, len))
		return 105;
	t = ckpt_find(&img, CKPT_HDR_TASK, 0);
	c = ckpt_obj(&img, t ? t->cred_ref : 0, CKPT_HDR_CRED);
	if (!c || c->uid != getuid() || c->euid != geteuid() ||
	    c->cap_effective || c->cap_permitted)
		return 106;
	if (ckpt_verify_buf(buf, len, log, sizeof(log)))
		return 107;
	if (proc_state(pid) != 'T')
		return 108;
	status = target_continue(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return 109;
	return 0;
}

/* An unprivileged user checkpoints its own process */
TEST(unprivileged_own)
{
	int ret = as_nobody(ckpt_own, NULL);

	EXPECT_EQ(0, ret) {
		TH_LOG("failed at step %d (104: checkpoint, 105: decode, %s)",
		       ret, "106: cred, 107: VERIFY, 109: continue");
	}
}

/* After a checkpoint the target is still stopped, and runs on unchanged */
TEST(resume_after_checkpoint)
{
	pid_t pid = target_spawn(known_fn, NULL);
	size_t len;
	void *buf;
	int err, status;

	ASSERT_GT(pid, 0);
	err = ckpt_capture(pid, CKPT_SINK_PIPE, 0, -1, &buf, &len);
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	free(buf);
	EXPECT_EQ('T', proc_state(pid));
	usleep(20000);
	EXPECT_EQ('T', proc_state(pid));
	status = target_continue(pid);
	ASSERT_TRUE(WIFEXITED(status)) {
		TH_LOG("wait status %#x", status);
	}
	EXPECT_EQ(0, WEXITSTATUS(status)) {
		TH_LOG("the target found its state changed (%d)",
		       WEXITSTATUS(status));
	}
}

/* A target stopped from outside while in pause() */
TEST(stopped_in_syscall)
{
	pid_t pid = target_spawn_running(target_sleep_fn, NULL);
	const struct ckpt_hdr_task *t;
	const struct ckpt_hdr_cpu *c;
	struct ckpt_image img;
	int err, status;
	size_t len;
	void *buf;

	ASSERT_GT(pid, 0);
	ASSERT_TRUE(wait_state(pid, 'S'));
	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	err = ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1, &buf, &len);
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	ASSERT_EQ(0, ckpt_parse(&img, buf, len)) {
		TH_LOG("%s", img.err);
	}
	t = ckpt_find(&img, CKPT_HDR_TASK, 0);
	c = ckpt_find(&img, CKPT_HDR_CPU, 0);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(CKPT_TASK_STOPPED, t->flags & CKPT_TASK_STOPPED);
	EXPECT_EQ(SYS_pause, c->orig_ax);
	EXPECT_EQ((uint64_t)-ERESTARTNOHAND, c->ax);
	EXPECT_EQ('T', proc_state(pid));
	/* It runs on: back in pause() */
	ASSERT_EQ(0, kill(pid, SIGCONT));
	EXPECT_TRUE(wait_state(pid, 'S'));
	target_kill(pid);
	ckpt_image_free(&img);
	free(buf);
}

/* A target in a ptrace stop */
TEST(ptrace_stopped)
{
	pid_t pid = target_spawn_running(target_sleep_fn, NULL);
	const struct ckpt_hdr_task *t;
	const struct ckpt_hdr_cpu *c;
	struct ckpt_image img;
	int err, status;
	size_t len;
	void *buf;

	ASSERT_GT(pid, 0);
	ASSERT_TRUE(wait_state(pid, 'S'));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, pid, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ('t', proc_state(pid));
	err = ckpt_capture(pid, CKPT_SINK_FILE, 0, -1, &buf, &len);
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	ASSERT_EQ(0, ckpt_parse(&img, buf, len)) {
		TH_LOG("%s", img.err);
	}
	t = ckpt_find(&img, CKPT_HDR_TASK, 0);
	c = ckpt_find(&img, CKPT_HDR_CPU, 0);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(CKPT_TASK_TRACED, t->flags & CKPT_TASK_TRACED);
	EXPECT_EQ(SYS_pause, c->orig_ax);
	EXPECT_EQ((uint64_t)-ERESTARTNOHAND, c->ax);
	EXPECT_EQ('t', proc_state(pid));
	EXPECT_EQ(0, ptrace(PTRACE_DETACH, pid, 0, 0));
	target_kill(pid);
	ckpt_image_free(&img);
	free(buf);
}

/* Write @s to the cgroup file @file of @dir */
static int cg_write(const char *dir, const char *file, const char *s)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return write_str(path, s);
}

static bool cg_frozen(const char *dir)
{
	char path[PATH_MAX + 64], buf[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "frozen 1");
}

/* A target frozen by the cgroup v2 freezer */
TEST(cgroup_frozen)
{
	char root[PATH_MAX] = "/sys/fs/cgroup", cg[PATH_MAX + 32], num[32];
	const struct ckpt_hdr_task *t;
	struct ckpt_image img;
	bool mounted = false;
	struct statfs sfs;
	char log[1024];
	int err, i, logfd;
	ssize_t n;
	size_t len;
	void *buf;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root for cgroups");
	if (statfs(root, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		snprintf(root, sizeof(root), "/tmp/ckpt_cg.XXXXXX");
		ASSERT_NE(NULL, mkdtemp(root));
		if (mount("none", root, "cgroup2", 0, NULL)) {
			rmdir(root);
			SKIP(return, "no cgroup2: %s", strerror(errno));
		}
		mounted = true;
	}
	snprintf(cg, sizeof(cg), "%s/ckpt_test.%d", root, getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	if (access(cg, F_OK) || cg_write(cg, "cgroup.freeze", "0")) {
		rmdir(cg);
		if (mounted)
			umount(root), rmdir(root);
		SKIP(return, "no cgroup freezer");
	}

	pid = target_spawn_running(target_sleep_fn, NULL);
	ASSERT_GT(pid, 0);
	/* Frozen before it closes the test's fds, it would be refused */
	ASSERT_TRUE(wait_settled(pid));
	snprintf(num, sizeof(num), "%d", pid);
	EXPECT_EQ(0, cg_write(cg, "cgroup.procs", num));
	EXPECT_EQ(0, cg_write(cg, "cgroup.freeze", "1"));
	for (i = 0; i < 5000 && !cg_frozen(cg); i++)
		usleep(1000);
	EXPECT_TRUE(cg_frozen(cg));

	logfd = memfd();
	ASSERT_LE(0, logfd);
	err = ckpt_capture(pid, CKPT_SINK_MEMFD, 0, logfd, &buf, &len);
	n = pread(logfd, log, sizeof(log) - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(logfd);
	EXPECT_EQ(0, err) {
		TH_LOG("checkpoint: %s; log: %s", strerror(err), log);
	}
	if (!err) {
		EXPECT_EQ(0, ckpt_parse(&img, buf, len)) {
			TH_LOG("%s", img.err);
		}
		t = ckpt_find(&img, CKPT_HDR_TASK, 0);
		EXPECT_NE(NULL, t);
		if (t)
			EXPECT_EQ(CKPT_TASK_FROZEN, t->flags & CKPT_TASK_FROZEN);
		EXPECT_TRUE(cg_frozen(cg));
		ckpt_image_free(&img);
		free(buf);
	}

	target_kill(pid);
	cg_write(cg, "cgroup.freeze", "0");
	for (i = 0; i < 1000 && rmdir(cg) && errno == EBUSY; i++)
		usleep(1000);
	if (mounted) {
		umount(root);
		rmdir(root);
	}
}

/* Targets holding state checkpoint() does not support yet */

static int socket_fn(void *arg)
{
	int s[2];

	(void)arg;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) ||
	    dup2(s[0], ODD_FD) != ODD_FD)
		return 1;
	close(s[0]);
	close(s[1]);
	raise(SIGSTOP);
	return 0;
}

/* A pidfd: a file of the internal pidfs */
static int pidfd_fn(void *arg)
{
	int fd = syscall(SYS_pidfd_open, getpid(), 0);

	(void)arg;
	if (fd < 0 || dup2(fd, ODD_FD) != ODD_FD)
		return 1;
	close(fd);
	raise(SIGSTOP);
	return 0;
}

/*
 * A child left in the session its parent then left (setsid(2) after
 * the fork): the restart could not give it that session
 */
static int session_fn(void *arg)
{
	pid_t pid = fork();
	int st;

	(void)arg;
	if (pid < 0)
		return 1;
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(pid, &st, WUNTRACED) != pid || !WIFSTOPPED(st))
		return 2;
	if (setsid() < 0)
		return 3;
	raise(SIGSTOP);
	kill(pid, SIGKILL);
	return waitpid(pid, NULL, 0) != pid;
}

/*
 * An ITIMER_REAL that expired while SIGALRM was ignored: its interval no
 * longer rearms it, and setitimer(2) cannot make that again
 */
static int itimer_fn(void *arg)
{
	struct itimerval it = { { 1000, 0 }, { 0, 1000 } };

	(void)arg;
	if (signal(SIGALRM, SIG_IGN) == SIG_ERR ||
	    setitimer(ITIMER_REAL, &it, NULL) || usleep(100000) ||
	    getitimer(ITIMER_REAL, &it) || it.it_value.tv_sec ||
	    it.it_value.tv_usec || it.it_interval.tv_sec != 1000)
		return 1;
	raise(SIGSTOP);
	return 0;
}

/* A seccomp filter (that allows everything) */
static int seccomp_filter_fn(void *arg)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	(void)arg;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return 1;
	raise(SIGSTOP);
	return 0;
}

FIXTURE(unsupported) {
	pid_t pid;
};

FIXTURE_VARIANT(unsupported) {
	target_fn fn;
	bool names_fd;	/* the log names ODD_FD */
};

FIXTURE_VARIANT_ADD(unsupported, socket) {
	.fn = socket_fn,
	.names_fd = true,
};

FIXTURE_VARIANT_ADD(unsupported, pidfd) {
	.fn = pidfd_fn,
	.names_fd = true,
};

FIXTURE_VARIANT_ADD(unsupported, session_left_behind) {
	.fn = session_fn,
};

FIXTURE_VARIANT_ADD(unsupported, seccomp_filter) {
	.fn = seccomp_filter_fn,
};

FIXTURE_VARIANT_ADD(unsupported, itimer_expired_ignored) {
	.fn = itimer_fn,
};

FIXTURE_SETUP(unsupported)
{
	self->pid = target_spawn(variant->fn, NULL);
	ASSERT_GT(self->pid, 0) {
		TH_LOG("target setup failed: wait status %#x",
		       target_setup_status);
	}
}

FIXTURE_TEARDOWN(unsupported)
{
	target_kill(self->pid);
}

/* Whether @log holds the number @n, not as part of a longer number */
static bool log_has_number(const char *log, int n)
{
	char num[16];
	const char *p;
	size_t len;

	len = snprintf(num, sizeof(num), "%d", n);
	for (p = strstr(log, num); p; p = strstr(p + 1, num)) {
		if ((p == log || p[-1] < '0' || p[-1] > '9') &&
		    (p[len] < '0' || p[len] > '9'))
			return true;
	}
	return false;
}

TEST_F(unsupported, eopnotsupp)
{
	int fd = memfd(), logfd = memfd(), status;
	size_t len;
	void *log;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, logfd);
	EXPECT_EQ(EOPNOTSUPP, ckpt_errno(self->pid, fd, 0, logfd));
	ASSERT_EQ(0, read_all(logfd, &log, &len));
	EXPECT_LT(0, len);
	if (variant->names_fd)
		EXPECT_TRUE(log_has_number(log, ODD_FD)) {
			TH_LOG("log does not name fd %d: %s", ODD_FD,
			       (char *)log);
		}
	/* Left as it was: still stopped, and runs on when continued */
	EXPECT_EQ('T', proc_state(self->pid));
	status = target_continue(self->pid);
	self->pid = -1;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("wait status %#x", status);
	}
	free(log);
	close(fd);
	close(logfd);
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
