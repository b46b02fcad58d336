/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The restart-test harness of the checkpoint selftests, shared by the
 * programs that checkpoint a target, kill it, restart it and check the
 * restored process: the test's directory and its files, the restart
 * fixture and its steps, and the damaged-image fixture's helpers.
 * Include it after ../kselftest_harness.h and ckpt_util.h.
 */
#ifndef CKPT_HARNESS_H
#define CKPT_HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Not every includer uses every helper */
#ifndef __maybe_unused
#define __maybe_unused		__attribute__((unused))
#endif

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC		0x0001U
#endif

#define PS			4096UL
#define BIT(n)			(1ULL << (n))
/* How long a restored process may take to finish (TCG, debug kernel) */
#define WAIT_SECS		60
#define LOG_SIZE		16384

/* The test's directory: targets and restored processes use it too */
static char g_dir[PATH_MAX];

static __maybe_unused double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __maybe_unused void path_of(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", g_dir, name);
}

/*
 * In a target or a restored process: append why it fails to the
 * report file, and return @code, its exit status.
 */
static __maybe_unused int fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static __maybe_unused int fail(int code, const char *fmt, ...)
{
	char path[PATH_MAX + 16], msg[512];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	path_of(path, sizeof(path), "report");
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd >= 0) {
		dprintf(fd, "pid %d, status %d: %s\n", (int)getpid(), code, msg);
		close(fd);
	}
	return code;
}

static __maybe_unused void show_report(struct __test_metadata *_metadata)
{
	char path[PATH_MAX + 16], buf[4096];
	ssize_t n;
	int fd;

	path_of(path, sizeof(path), "report");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		TH_LOG("report of the target: %s", buf);
	}
}

static __maybe_unused int write_file(const char *name, const void *buf,
				     size_t len)
{
	char path[PATH_MAX + 16];
	int fd, ret = -1;

	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	if (write(fd, buf, len) == (ssize_t)len)
		ret = 0;
	close(fd);
	return ret;
}

/* A file of @pages pages, page i filled with pattern @seed + i */
static __maybe_unused int write_pages(const char *name, int pages,
				      unsigned int seed)
{
	char *buf = malloc(pages * PS);
	int i, ret;

	if (!buf)
		return -1;
	for (i = 0; i < pages; i++)
		fill_pattern(buf + i * PS, PS, seed + i);
	ret = write_file(name, buf, pages * PS);
	free(buf);
	return ret;
}

/* Read a file of the test's directory; a malloc()ed NUL-terminated buffer */
static __maybe_unused char *read_file(const char *name, size_t *lenp)
{
	char path[PATH_MAX + 16];
	size_t len = 0;
	void *buf = NULL;
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (read_all(fd, &buf, &len)) {
		close(fd);
		return NULL;
	}
	close(fd);
	buf = realloc(buf, len + 1);
	if (buf)
		((char *)buf)[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

static __maybe_unused off_t file_size(const char *name)
{
	char path[PATH_MAX + 16];
	struct stat st;

	path_of(path, sizeof(path), name);
	return stat(path, &st) ? -1 : st.st_size;
}

static __maybe_unused int rm_one(const char *path, const struct stat *st,
				 int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* In a target: the mapping holding @addr in /proc/self/maps */
struct map_info {
	unsigned long start, end;
	char perms[8];
	char path[PATH_MAX];
};

static __maybe_unused int find_map(unsigned long addr, struct map_info *m)
{
	static char maps[1 << 17];
	char *line;
	ssize_t n, len = 0;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < (ssize_t)sizeof(maps) - 1 &&
	       (n = read(fd, maps + len, sizeof(maps) - 1 - len)) > 0)
		len += n;
	close(fd);
	maps[len] = '\0';
	for (line = maps; line && *line; line = strchr(line, '\n'), line += !!line) {
		m->path[0] = '\0';
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095s", &m->start,
			   &m->end, m->perms, m->path) < 3)
			continue;
		if (addr >= m->start && addr < m->end)
			return 0;
	}
	return -1;
}

/* In a target: the mapping of [@addr, @addr + @len) has @perms */
static __maybe_unused int check_map(unsigned long addr, unsigned long len,
				    const char *perms, int code)
{
	struct map_info m;

	if (find_map(addr, &m))
		return fail(code, "no mapping at %#lx", addr);
	if (m.start > addr || m.end < addr + len)
		return fail(code, "mapping %#lx-%#lx does not cover %#lx-%#lx",
			    m.start, m.end, addr, addr + len);
	if (strcmp(m.perms, perms))
		return fail(code, "mapping at %#lx is %s, not %s", addr,
			    m.perms, perms);
	return 0;
}

/* ---- restarting ---- */

/*
 * restart(@flags) from an image in memory, the kernel's log in @log.
 * Returns the pid of the new process, or -errno.
 */
static __maybe_unused pid_t restart_img(const void *buf, size_t len,
					unsigned long flags, char *log,
					size_t logsize)
{
	int fd, logfd, err = 0;
	ssize_t n;
	long ret;

	if (logsize)
		log[0] = '\0';
	fd = memfd_with(buf, len);
	if (fd < 0)
		return -errno;
	logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	ret = sys_restart(0, fd, flags, logfd);
	if (ret < 0)
		err = errno;
	if (logfd >= 0 && logsize) {
		n = pread(logfd, log, logsize - 1, 0);
		log[n > 0 ? n : 0] = '\0';
	}
	if (logfd >= 0)
		close(logfd);
	close(fd);
	if (ret < 0)
		return -err;
	if (ret == 0)
		return -EPROTO;	/* a restart returns a pid */
	return ret;
}

/* Wait for @pid to exit: its wait status, or -1 if it had to be killed */
static __maybe_unused int wait_exit(pid_t pid, int secs)
{
	int status, i;
	pid_t r;

	for (i = 0; i < secs * 100; i++) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return -2;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* The caller has no child left, not even a zombie */
static __maybe_unused bool no_child(void)
{
	return waitpid(-1, NULL, WNOHANG | __WALL) < 0 && errno == ECHILD;
}

/* Kill and reap every child */
static __maybe_unused void reap_all(void)
{
	reap_descendants();
}

static __maybe_unused const char *describe(int status, char *buf, size_t size)
{
	if (status == -1)
		snprintf(buf, size, "still running after %d s: killed",
			 WAIT_SECS);
	else if (status < 0)
		snprintf(buf, size, "cannot wait for it: %s", strerror(errno));
	else if (WIFEXITED(status))
		snprintf(buf, size, "exited with %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "wait status %#x", status);
	return buf;
}

/* What a test of the restart fixture works on */
struct rst {
	pid_t orig;		/* the checkpointed process */
	pid_t pid;		/* the restored one */
	void *img;
	size_t len;
	struct ckpt_image parsed;
	bool have_parsed;
	char log[LOG_SIZE];
};

FIXTURE(restart) {
	struct rst r;
};

/* Make the test's directory, g_dir: $TMPDIR (or /tmp)/@prefix.XXXXXX */
static __maybe_unused void test_dir_make(struct __test_metadata *_metadata,
					 const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];

	snprintf(tmpl, sizeof(tmpl), "%s/%s.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", prefix);
	ASSERT_NE(NULL, mkdtemp(tmpl));
	ASSERT_NE(NULL, realpath(tmpl, g_dir));
}

static __maybe_unused void test_dir_remove(void)
{
	if (g_dir[0])
		nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static __maybe_unused void rst_init(struct rst *r)
{
	r->orig = -1;
	r->pid = -1;
}

/* Kill what a test left running, free its image, remove its directory */
static __maybe_unused void rst_cleanup(struct rst *r)
{
	target_kill(r->orig);
	target_kill(r->pid);
	if (r->have_parsed)
		ckpt_image_free(&r->parsed);
	free(r->img);
	test_dir_remove();
}

FIXTURE_SETUP(restart)
{
	rst_init(&self->r);
	test_dir_make(_metadata, "ckpt_restart");
	/* Unprivileged targets write there too */
	ASSERT_EQ(0, chmod(g_dir, 0777));
}

FIXTURE_TEARDOWN(restart)
{
	rst_cleanup(&self->r);
}

/* Checkpoint the stopped self->orig into self->img */
static __maybe_unused void checkpoint_orig(struct __test_metadata *_metadata,
					   struct rst *self)
{
	int err, logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	ssize_t n;

	err = ckpt_capture(self->orig, CKPT_SINK_MEMFD, 0, logfd, &self->img,
			   &self->len);
	if (err && logfd >= 0) {
		n = pread(logfd, self->log, sizeof(self->log) - 1, 0);
		self->log[n > 0 ? n : 0] = '\0';
	}
	if (logfd >= 0)
		close(logfd);
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint of pid %d: %s; log:\n%s", self->orig,
		       err > 0 ? strerror(err) : "short image", self->log);
	}
}

/* Spawn @fn as a target, wait for it to stop, and checkpoint it */
static __maybe_unused void
spawn_and_checkpoint(struct __test_metadata *_metadata, struct rst *self,
		     target_fn fn, void *arg)
{
	self->orig = target_spawn(fn, arg);
	ASSERT_GT(self->orig, 0) {
		char buf[64];

		TH_LOG("target setup: %s",
		       describe(target_setup_status, buf, sizeof(buf)));
		show_report(_metadata);
	}
	checkpoint_orig(_metadata, self);
}

static __maybe_unused const struct ckpt_image *
parsed(struct __test_metadata *_metadata, struct rst *self)
{
	if (!self->have_parsed) {
		ASSERT_EQ(0, ckpt_parse(&self->parsed, self->img, self->len)) {
			TH_LOG("bad image: %s", self->parsed.err);
		}
		self->have_parsed = true;
	}
	return &self->parsed;
}

/*
 * Let the checkpointed original run on: it must find its state as it
 * was, the checkpoint having changed nothing of it
 */
static __maybe_unused void expect_original_ok(struct __test_metadata *_metadata,
					      struct rst *r)
{
	char buf[128];
	int status;

	status = target_continue(r->orig);
	r->orig = -1;
	EXPECT_TRUE(status >= 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0) {
		TH_LOG("the original, run on, %s",
		       describe(status, buf, sizeof(buf)));
		show_report(_metadata);
	}
}

/* Restart the image with @flags: self->pid */
static __maybe_unused void restart_image(struct __test_metadata *_metadata,
					 struct rst *self, unsigned long flags)
{
	self->pid = restart_img(self->img, self->len, flags, self->log,
				sizeof(self->log));
	ASSERT_GT(self->pid, 0) {
		TH_LOG("restart: %s; log:\n%s", strerror(-self->pid),
		       self->log);
	}
}

/* Kill the original and restart the image with @flags */
static __maybe_unused void kill_and_restart(struct __test_metadata *_metadata,
					    struct rst *self,
					    unsigned long flags)
{
	target_kill(self->orig);
	self->orig = -1;
	restart_image(_metadata, self, flags);
}

/* The restored process exits with @want */
static __maybe_unused void expect_exit(struct __test_metadata *_metadata,
				       struct rst *self, int want)
{
	int status = wait_exit(self->pid, WAIT_SECS);
	char buf[128];

	self->pid = -1;
	EXPECT_TRUE(status >= 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == want) {
		TH_LOG("restored process %s, expected exit %d",
		       describe(status, buf, sizeof(buf)), want);
		show_report(_metadata);
		TH_LOG("restart log:\n%s", self->log);
	}
}

/* Everything at once: spawn, checkpoint, kill, restart, exit 0 */
static __maybe_unused void cycle(struct __test_metadata *_metadata,
				 struct rst *self, target_fn fn, void *arg)
{
	spawn_and_checkpoint(_metadata, self, fn, arg);
	kill_and_restart(_metadata, self, 0);
	expect_exit(_metadata, self, 0);
}

/*
 * In a child: restart the image with @flags; return 0 if it fails
 * with @want and leaves no child, else a code (and a note on stderr).
 */
struct refused {
	const void *img;
	size_t len;
	unsigned long flags;
	int want;
};

static __maybe_unused int restart_refused(void *arg)
{
	const struct refused *r = arg;
	char log[LOG_SIZE];
	pid_t pid;

	pid = restart_img(r->img, r->len, r->flags, log, sizeof(log));
	if (pid > 0) {
		fprintf(stderr, "# restart succeeded, expected %s\n",
			strerror(r->want));
		target_kill(pid);
		return 1;
	}
	if (pid != -r->want) {
		fprintf(stderr, "# restart: %s, expected %s; log:\n%s\n",
			strerror(-pid), strerror(r->want), log);
		return 2;
	}
	if (!strstr(log, "error -")) {
		fprintf(stderr, "# no error line in the log:\n%s\n", log);
		return 3;
	}
	if (!no_child()) {
		fprintf(stderr, "# a process was left behind\n");
		return 4;
	}
	return 0;
}

/*
 * Run @fn(@arg) in a child without a terminal: its stdin is /dev/null,
 * its stdout and stderr the file "child.out".
 */
static __maybe_unused int without_tty(int (*fn)(void *), void *arg)
{
	char path[PATH_MAX + 16];
	int status, fd;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		path_of(path, sizeof(path), "child.out");
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(99);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(99);
		_exit(fn(arg));
	}
	status = wait_exit(pid, WAIT_SECS + 30);
	if (status < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	       128 + WTERMSIG(status);
}

/* ---- damaged images ---- */

/*
 * A good image and a copy of it to damage: each test of a fixture
 * holding one restarts the damaged copy, then restores it.
 */
struct image_copy {
	void *good;
	size_t len;
	struct ckpt_image img;
	unsigned char *buf;
	int kmsg;
};

/*
 * Checkpoint a target running @fn(@arg) into @ic->good, parse it, and
 * make the copy to damage; open /dev/kmsg to watch for splats.
 */
static __maybe_unused void image_copy_init(struct __test_metadata *_metadata,
					   struct image_copy *ic, target_fn fn,
					   void *arg)
{
	pid_t pid;
	int err;

	ic->kmsg = -1;
	pid = target_spawn(fn, arg);
	ASSERT_GT(pid, 0) {
		TH_LOG("target setup failed: wait status %#x",
		       target_setup_status);
	}
	err = ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1, &ic->good, &ic->len);
	target_kill(pid);
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	ASSERT_EQ(0, ckpt_parse(&ic->img, ic->good, ic->len)) {
		TH_LOG("%s", ic->img.err);
	}
	ic->buf = malloc(ic->len + 4096);
	ASSERT_NE(NULL, ic->buf);
	memcpy(ic->buf, ic->good, ic->len);
	ic->kmsg = kmsg_open();
}

static __maybe_unused void image_copy_free(struct image_copy *ic)
{
	ckpt_image_free(&ic->img);
	free(ic->good);
	free(ic->buf);
	if (ic->kmsg >= 0)
		close(ic->kmsg);
}

static __maybe_unused size_t off_of(const struct image_copy *ic,
				    const void *rec)
{
	return (const unsigned char *)rec - (const unsigned char *)ic->good;
}

static __maybe_unused void *in_copy(struct image_copy *ic, const void *rec)
{
	return ic->buf + off_of(ic, rec);
}

/*
 * Restart @len bytes of the copy: it must fail with @want (an errno),
 * or with whatever VERIFY says if @want is -1; 0 means it must work.
 */
static __maybe_unused void expect_restart(struct __test_metadata *_metadata,
					  struct image_copy *ic, size_t len,
					  int want, const char *what)
{
	char log[LOG_SIZE], line[1024], end[64];
	int verr, status;
	pid_t pid;

	verr = ckpt_verify_buf(ic->buf, len, NULL, 0);
	if (want >= 0) {
		EXPECT_EQ(want, verr) {
			TH_LOG("%s: VERIFY gives %s, want %s", what,
			       verr > 0 ? strerror(verr) : "0",
			       want ? strerror(want) : "0");
		}
	} else {
		want = verr;
	}
	pid = restart_img(ic->buf, len, 0, log, sizeof(log));
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (want) {
		EXPECT_EQ(-want, pid > 0 ? 0 : pid) {
			TH_LOG("%s: restart gives %s, VERIFY %s; log:\n%s", what,
			       pid > 0 ? "a process" : strerror(-pid),
			       strerror(want), log);
		}
		snprintf(end, sizeof(end), "failed with error -%d", want);
		EXPECT_NE(NULL, strstr(log, end)) {
			TH_LOG("%s: the log does not end with \"%s\":\n%s",
			       what, end, log);
		}
	} else {
		EXPECT_LT(0, pid) {
			TH_LOG("%s: restart: %s; log:\n%s", what,
			       strerror(-pid), log);
		}
	}
	EXPECT_TRUE(no_child()) {
		TH_LOG("%s: a process was left behind", what);
		reap_all();
	}
	EXPECT_FALSE(kmsg_splat(ic->kmsg, line, sizeof(line))) {
		TH_LOG("%s: kernel splat: %s", what, line);
	}
}

static __maybe_unused void expect_einval(struct __test_metadata *_metadata,
					 struct image_copy *ic,
					 const char *what)
{
	ckpt_fix_tail(ic->buf, ic->len, -1);
	expect_restart(_metadata, ic, ic->len, EINVAL, what);
	memcpy(ic->buf, ic->good, ic->len);
}

#endif /* CKPT_HARNESS_H */
