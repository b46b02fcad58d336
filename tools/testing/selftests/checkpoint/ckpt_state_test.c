// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint a process whose state is known in detail - memory, registers,
 * credentials, open files, signal state - into a pipe, a regular file and
 * a memfd, and check that the image holds exactly that state.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <asm/prctl.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#endif

#include "../kselftest_harness.h"
#include "ckpt_util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define PS			4096UL

/* The target's memory */
#define ANON_ADDR		0x7e0000000000UL /* 4 pages: 0 and 2 written */
#define PRIV_ADDR		0x7e0000100000UL /* a.dat private, 2 pages: 1 written */
#define SHARED_ADDR		0x7e0000200000UL /* c.dat shared read-only, 1 page */
#define ALTSTACK_ADDR		0x7e0000400000UL
#define ALTSTACK_SIZE		(64 * 1024UL)

/* The target's files, in a temporary directory */
#define FD_A			10	/* a.dat, O_RDWR, at A_POS */
#define FD_B			11	/* b.log, O_WRONLY | O_APPEND, B_LEN written */
#define FD_A2			12	/* dup of FD_A */
#define FD_DIR			13	/* the directory, close-on-exec */
#define FD_C			14	/* c.dat, O_RDONLY | O_NONBLOCK */
#define A_SIZE			16384
#define A_POS			12345
#define B_LEN			100
#define C_SIZE			4096

/* Its credentials and other attributes */
#define T_UID			1001
#define T_EUID			1002
#define T_SUID			1003
#define T_GID			2001
#define T_EGID			2002
#define T_SGID			2003
#define T_UMASK			027
#define T_COMM			"ckpt-known"
#define BIT(n)			(1ULL << (n))
#define CAPS_P	(BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_SETGID) | \
		 BIT(CAP_SETUID) | BIT(CAP_SETPCAP))
#define CAPS_E	(BIT(CAP_KILL) | BIT(CAP_SETPCAP))
#define CAPS_I	(BIT(CAP_CHOWN) | BIT(CAP_KILL))
#define CAPS_A	BIT(CAP_KILL)
#define BSET_DROP	(BIT(CAP_SYS_BOOT) | BIT(CAP_MKNOD))
#define SECBIT_KEEP_CAPS_BIT	BIT(4)	/* SECURE_KEEP_CAPS */

static const gid_t t_groups[] = { 3001, 3002, 3005 };

struct target_args {
	char dir[PATH_MAX];
	bool avx;
};

static void usr1_handler(int sig)
{
	(void)sig;
}

static int capset_known(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {
		{
			.effective = (uint32_t)CAPS_E,
			.permitted = (uint32_t)CAPS_P,
			.inheritable = (uint32_t)CAPS_I,
		},
		{
			.effective = CAPS_E >> 32,
			.permitted = CAPS_P >> 32,
			.inheritable = CAPS_I >> 32,
		},
	};

	return syscall(SYS_capset, &hdr, data);
}

/* Runs in the target: returns a step number if something fails */
static int state_target(void *arg)
{
	const struct target_args *a = arg;
	char path[PATH_MAX + 16];
	volatile char *q, *r;
	struct sigaction sa;
	sigset_t set;
	stack_t ss;
	char *p;
	int fd, ret;

	if (prctl(PR_SET_NAME, T_COMM, 0, 0, 0))
		return 10;

	p = mmap((void *)ANON_ADDR, 4 * PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)ANON_ADDR)
		return 11;
	fill_pattern(p, PS, 1);
	fill_pattern(p + 2 * PS, PS, 2);

	snprintf(path, sizeof(path), "%s/a.dat", a->dir);
	fd = open(path, O_RDWR);
	if (fd < 0 || dup2(fd, FD_A) != FD_A || close(fd))
		return 12;
	if (lseek(FD_A, A_POS, SEEK_SET) != A_POS)
		return 13;
	if (dup2(FD_A, FD_A2) != FD_A2)
		return 14;
	snprintf(path, sizeof(path), "%s/b.log", a->dir);
	fd = open(path, O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, p, B_LEN) != B_LEN || dup2(fd, FD_B) != FD_B ||
	    close(fd))
		return 15;
	fd = open(a->dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || dup3(fd, FD_DIR, O_CLOEXEC) != FD_DIR || close(fd))
		return 16;
	snprintf(path, sizeof(path), "%s/c.dat", a->dir);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	if (fd < 0 || dup2(fd, FD_C) != FD_C || close(fd))
		return 17;

	/* Page 0 read from the page cache only, page 1 copied on write */
	q = mmap((void *)PRIV_ADDR, 2 * PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED_NOREPLACE, FD_A, 0);
	if (q != (void *)PRIV_ADDR || q[0] != 'a')
		return 18;
	fill_pattern((char *)q + PS, PS, 3);
	r = mmap((void *)SHARED_ADDR, PS, PROT_READ,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, FD_C, 0);
	if (r != (void *)SHARED_ADDR || r[0] != 'c')
		return 19;

	if (chdir(a->dir))
		return 20;
	umask(T_UMASK);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = usr1_handler;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL))
		return 21;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 22;
	if (mmap((void *)ALTSTACK_ADDR, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) !=
	    (void *)ALTSTACK_ADDR)
		return 23;
	ss.ss_sp = (void *)ALTSTACK_ADDR;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		return 24;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_SETMASK, &set, NULL))
		return 25;

	/* Credentials, in an order the kernel allows */
	if (setgroups(ARRAY_SIZE(t_groups), t_groups))
		return 30;
	if (setresgid(T_GID, T_EGID, T_SGID))
		return 31;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return 32;
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0) ||
	    prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0))
		return 33;
	if (setresuid(T_UID, T_EUID, T_SUID))
		return 34;
	if (capset_known())
		return 35;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0))
		return 36;
	/* The uid change reset it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return 37;

	ret = known_stop(a->avx);
	if (ret)
		return ret;

	/* Continued: the state must be unchanged */
	if (!check_pattern(p, PS, 1) || !check_pattern(p + 2 * PS, PS, 2) ||
	    !check_pattern((char *)q + PS, PS, 3))
		return 50;
	if (lseek(FD_A, 0, SEEK_CUR) != A_POS ||
	    lseek(FD_B, 0, SEEK_CUR) != B_LEN)
		return 51;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int write_file(const char *dir, const char *name, char fill, size_t len)
{
	char path[PATH_MAX + 16], *buf;
	int fd, ret = -1;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = malloc(len + 1);
	if (!buf)
		return -1;
	memset(buf, fill, len);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0 && write(fd, buf, len) == (ssize_t)len)
		ret = 0;
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

FIXTURE(state) {
	struct target_args args;
	pid_t pid;
	void *buf;
	size_t len;
	struct ckpt_image img;
	uint64_t t0, t1;
	uint64_t bset;
	struct stat st_a, st_b, st_c, st_dir, st_null;
};

FIXTURE_VARIANT(state) {
	enum ckpt_sink sink;
};

FIXTURE_VARIANT_ADD(state, pipe) {
	.sink = CKPT_SINK_PIPE,
};

FIXTURE_VARIANT_ADD(state, file) {
	.sink = CKPT_SINK_FILE,
};

FIXTURE_VARIANT_ADD(state, memfd) {
	.sink = CKPT_SINK_MEMFD,
};

FIXTURE_SETUP(state)
{
	char tmpl[PATH_MAX];
	const char *tmp;
	int cap, err;

	self->pid = -1;
	if (geteuid() != 0)
		SKIP(return, "needs root to set up credentials");

	for (cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (r < 0)
			break;
		if (r)
			self->bset |= BIT(cap);
	}

	tmp = getenv("TMPDIR");
	snprintf(tmpl, sizeof(tmpl), "%s/ckpt_state.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	ASSERT_NE(NULL, mkdtemp(tmpl));
	ASSERT_NE(NULL, realpath(tmpl, self->args.dir));
	ASSERT_EQ(0, write_file(self->args.dir, "a.dat", 'a', A_SIZE));
	ASSERT_EQ(0, write_file(self->args.dir, "b.log", 'b', 0));
	ASSERT_EQ(0, write_file(self->args.dir, "c.dat", 'c', C_SIZE));
	ASSERT_EQ(0, stat(self->args.dir, &self->st_dir));
	ASSERT_EQ(0, chdir(self->args.dir));
	ASSERT_EQ(0, stat("a.dat", &self->st_a));
	ASSERT_EQ(0, stat("c.dat", &self->st_c));
	ASSERT_EQ(0, stat("/dev/null", &self->st_null));
	self->args.avx = cpu_has_avx();

	self->pid = target_spawn(state_target, &self->args);
	ASSERT_GT(self->pid, 0) {
		TH_LOG("target setup failed: wait status %#x",
		       target_setup_status);
	}
	/* b.log after the target's write */
	ASSERT_EQ(0, stat("b.log", &self->st_b));

	self->t0 = now_ns();
	err = ckpt_capture(self->pid, variant->sink, 0, -1, &self->buf,
			   &self->len);
	self->t1 = now_ns();
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	ASSERT_EQ(0, ckpt_parse(&self->img, self->buf, self->len)) {
		TH_LOG("bad image: %s", self->img.err);
	}
}

FIXTURE_TEARDOWN(state)
{
	char path[PATH_MAX + 16];
	static const char *const files[] = { "a.dat", "b.log", "c.dat" };
	unsigned int i;

	target_kill(self->pid);
	if (self->args.dir[0]) {
		for (i = 0; i < ARRAY_SIZE(files); i++) {
			snprintf(path, sizeof(path), "%s/%s", self->args.dir,
				 files[i]);
			unlink(path);
		}
		rmdir(self->args.dir);
	}
	ckpt_image_free(&self->img);
	free(self->buf);
}

TEST_F(state, header)
{
	const struct ckpt_hdr_header *h = self->img.hdr;
	const struct ckpt_hdr_xstate *xs = ckpt_find(&self->img,
						     CKPT_HDR_XSTATE, 0);
	struct utsname u;

	ASSERT_NE(NULL, h);
	ASSERT_NE(NULL, xs);
	ASSERT_EQ(0, uname(&u));
	EXPECT_EQ(CKPT_MAGIC, h->magic);
	EXPECT_EQ(CKPT_VERSION, h->version);
	EXPECT_EQ(CKPT_ARCH_X86_64, h->arch);
	EXPECT_EQ(sysconf(_SC_PAGESIZE), h->page_size);
	EXPECT_EQ(0, h->flags);
	EXPECT_EQ(1, h->nr_tasks);
	EXPECT_EQ(self->pid, h->pid);
	EXPECT_EQ(0, h->__pad);
	EXPECT_STREQ(u.release, h->release);
	EXPECT_LE(self->t0, h->time_ns);
	EXPECT_GE(self->t1, h->time_ns);
	EXPECT_EQ(xs->size, h->xstate_size);
	EXPECT_EQ(3, h->xfeatures & 3);
	if (cpu_has_osxsave())
		EXPECT_EQ(xgetbv0(), h->xfeatures);
}

TEST_F(state, tail)
{
	const struct ckpt_hdr_tail *t = self->img.tail;

	ASSERT_NE(NULL, t);
	EXPECT_EQ((const void *)t, self->img.recs[self->img.nr - 1]);
	EXPECT_EQ((const char *)self->buf + self->len, (const char *)(t + 1));
	EXPECT_EQ(self->img.nr - 1, t->nr_records);
	EXPECT_EQ(ckpt_crc32c(self->buf, self->len - sizeof(*t)), t->crc32c);
}

/* HEADER, the objects, TASK, SCHED, CPU, XSTATE, TAIL */
TEST_F(state, order)
{
	const struct ckpt_image *img = &self->img;
	const struct ckpt_hdr_task *task = ckpt_find(img, CKPT_HDR_TASK, 0);
	int t = ckpt_index(img, task);
	unsigned int i;

	ASSERT_NE(NULL, task);
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_TASK));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_CPU));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_XSTATE));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_HEADER));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_MM));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_FILES));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_FS));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_SIGHAND));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_SIGNAL));
	ASSERT_EQ(img->nr - 5, t);
	EXPECT_EQ(CKPT_HDR_SCHED, img->recs[t + 1]->type);
	EXPECT_EQ(CKPT_HDR_CPU, img->recs[t + 2]->type);
	EXPECT_EQ(CKPT_HDR_XSTATE, img->recs[t + 3]->type);
	EXPECT_EQ(CKPT_HDR_TAIL, img->recs[t + 4]->type);
	for (i = 1; i < (unsigned int)t; i++) {
		uint32_t type = img->recs[i]->type;

		EXPECT_TRUE(type != CKPT_HDR_HEADER && type != CKPT_HDR_TASK &&
			    type != CKPT_HDR_SCHED && type != CKPT_HDR_CPU &&
			    type != CKPT_HDR_XSTATE && type != CKPT_HDR_TAIL) {
			TH_LOG("record %u is a %s", i, ckpt_rec_name(type));
		}
	}
	/* Ids are 1, 2, 3... in stream order (ckpt_parse() checks that) */
	EXPECT_LT(0, img->nr_objs);
	for (i = 2; i <= img->nr_objs; i++)
		EXPECT_LT(ckpt_index(img, img->objs[i - 1]),
			  ckpt_index(img, img->objs[i]));
}

TEST_F(state, task)
{
	const struct ckpt_hdr_task *t = ckpt_find(&self->img, CKPT_HDR_TASK, 0);
	const struct ckpt_hdr_files *files;

	ASSERT_NE(NULL, t);
	EXPECT_EQ(self->pid, t->pid);
	EXPECT_EQ(self->pid, t->tgid);
	EXPECT_EQ(getpid(), t->ppid);
	EXPECT_EQ(getpgrp(), t->pgid);
	EXPECT_EQ(getsid(0), t->sid);
	EXPECT_EQ(SIGCHLD, t->exit_signal);
	EXPECT_EQ(SIGKILL, t->pdeath_signal);
	EXPECT_EQ(personality(0xffffffff), t->personality);
	EXPECT_EQ(CKPT_TASK_STOPPED, t->flags);
	EXPECT_STREQ(T_COMM, t->comm);
	EXPECT_EQ(BIT(SIGUSR1 - 1) | BIT(SIGUSR2 - 1), t->blocked);
	EXPECT_EQ(ALTSTACK_ADDR, t->sas_ss_sp);
	EXPECT_EQ(ALTSTACK_SIZE, t->sas_ss_size);
	EXPECT_EQ(0, t->sas_ss_flags);
#if __has_include(<sys/rseq.h>)
	if (__rseq_size) {
		unsigned long tp = 0;

		/* glibc's rseq area is in the TCB, inherited over fork() */
		ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_FS, &tp));
		EXPECT_EQ((uint64_t)tp + __rseq_offset, t->rseq);
		EXPECT_EQ(RSEQ_SIG, t->rseq_sig);
		EXPECT_LE(32, t->rseq_len);
	} else {
		EXPECT_EQ(0, t->rseq);
	}
#endif
	files = ckpt_obj(&self->img, t->files_ref, CKPT_HDR_FILES);
	ASSERT_NE(NULL, files);
	EXPECT_EQ(8, files->nr_fds);
}

TEST_F(state, cred)
{
	const struct ckpt_hdr_task *t = ckpt_find(&self->img, CKPT_HDR_TASK, 0);
	const struct ckpt_hdr_cred *c;
	const uint32_t *groups;
	unsigned int i;

	ASSERT_NE(NULL, t);
	c = ckpt_obj(&self->img, t->cred_ref, CKPT_HDR_CRED);
	ASSERT_NE(NULL, c);
	EXPECT_EQ(T_UID, c->uid);
	EXPECT_EQ(T_EUID, c->euid);
	EXPECT_EQ(T_SUID, c->suid);
	EXPECT_EQ(T_EUID, c->fsuid);
	EXPECT_EQ(T_GID, c->gid);
	EXPECT_EQ(T_EGID, c->egid);
	EXPECT_EQ(T_SGID, c->sgid);
	EXPECT_EQ(T_EGID, c->fsgid);
	EXPECT_EQ(SECBIT_KEEP_CAPS_BIT, c->securebits);
	EXPECT_EQ(CAPS_P, c->cap_permitted);
	EXPECT_EQ(CAPS_E, c->cap_effective);
	EXPECT_EQ(CAPS_I, c->cap_inheritable);
	EXPECT_EQ(CAPS_A, c->cap_ambient);
	EXPECT_EQ(self->bset & ~BSET_DROP, c->cap_bset);
	ASSERT_EQ(ARRAY_SIZE(t_groups), c->ngroups);
	groups = (const void *)(c + 1);
	for (i = 0; i < c->ngroups; i++)
		EXPECT_EQ(t_groups[i], groups[i]);
}

TEST_F(state, sighand)
{
	const struct ckpt_hdr_task *t = ckpt_find(&self->img, CKPT_HDR_TASK, 0);
	const struct ckpt_hdr_sighand *s;
	const struct ckpt_sigaction *a;

	ASSERT_NE(NULL, t);
	s = ckpt_obj(&self->img, t->sighand_ref, CKPT_HDR_SIGHAND);
	ASSERT_NE(NULL, s);
	EXPECT_EQ(CKPT_NSIG, s->nr);
	a = &s->action[SIGUSR1 - 1];
	EXPECT_EQ((uintptr_t)usr1_handler, a->handler);
	EXPECT_EQ(SA_RESTART, a->flags & SA_RESTART);
	EXPECT_EQ(0, a->flags & (SA_SIGINFO | SA_ONSTACK | SA_NODEFER));
	EXPECT_EQ(BIT(SIGUSR2 - 1), a->mask);
	EXPECT_EQ(1, s->action[SIGPIPE - 1].handler);
	EXPECT_EQ(0, s->action[SIGKILL - 1].handler);
	EXPECT_EQ(0, s->action[SIGUSR2 - 1].handler);
}

TEST_F(state, fs)
{
	const struct ckpt_hdr_task *t = ckpt_find(&self->img, CKPT_HDR_TASK, 0);
	const struct ckpt_hdr_fs *fs;
	const char *p;

	ASSERT_NE(NULL, t);
	fs = ckpt_obj(&self->img, t->fs_ref, CKPT_HDR_FS);
	ASSERT_NE(NULL, fs);
	p = (const char *)(fs + 1);
	EXPECT_EQ(T_UMASK, fs->umask);
	EXPECT_STREQ("/", p);
	EXPECT_STREQ(self->args.dir, p + fs->root_len);
}

static const struct ckpt_hdr_fd *find_fd(const struct ckpt_image *img, int fd)
{
	const struct ckpt_hdr_fd *f;
	unsigned int i;

	for (i = 0; (f = ckpt_find(img, CKPT_HDR_FD, i)); i++)
		if (f->fd == (uint32_t)fd)
			return f;
	return NULL;
}

static uint32_t rdev_of(const struct stat *st)
{
	return major(st->st_rdev) << 20 | minor(st->st_rdev);
}

TEST_F(state, files)
{
	static const int fds[] = { 0, 1, 2, FD_A, FD_B, FD_A2, FD_DIR, FD_C };
	const struct ckpt_image *img = &self->img;
	const struct ckpt_hdr_file *f;
	const struct ckpt_hdr_fd *fd;
	char path[PATH_MAX + 16];
	unsigned int i;

	ASSERT_EQ(8, ckpt_count(img, CKPT_HDR_FD));
	for (i = 0; i < 8; i++) {
		fd = ckpt_find(img, CKPT_HDR_FD, i);
		ASSERT_NE(NULL, fd);
		EXPECT_EQ(fds[i], fd->fd);
		EXPECT_EQ(fds[i] == FD_DIR ? CKPT_FD_CLOEXEC : 0, fd->flags);
	}

	/* 0, 1, 2: one open of /dev/null */
	fd = find_fd(img, 0);
	ASSERT_NE(NULL, fd);
	EXPECT_EQ(fd->file_ref, find_fd(img, 1)->file_ref);
	EXPECT_EQ(fd->file_ref, find_fd(img, 2)->file_ref);
	f = ckpt_obj(img, fd->file_ref, CKPT_HDR_FILE);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(CKPT_FILE_CHR, f->kind);
	EXPECT_EQ(CKPT_O_RDWR, f->flags & ~CKPT_O_LARGEFILE);
	EXPECT_EQ(self->st_null.st_mode, f->mode);
	EXPECT_EQ(rdev_of(&self->st_null), f->rdev);
	EXPECT_STREQ("/dev/null", ckpt_file_path(f));

	/* a.dat at A_POS, shared by FD_A and FD_A2 */
	fd = find_fd(img, FD_A);
	ASSERT_NE(NULL, fd);
	EXPECT_EQ(fd->file_ref, find_fd(img, FD_A2)->file_ref);
	f = ckpt_obj(img, fd->file_ref, CKPT_HDR_FILE);
	ASSERT_NE(NULL, f);
	snprintf(path, sizeof(path), "%s/a.dat", self->args.dir);
	EXPECT_STREQ(path, ckpt_file_path(f));
	EXPECT_EQ(CKPT_FILE_REG, f->kind);
	EXPECT_EQ(CKPT_O_RDWR, f->flags & ~CKPT_O_LARGEFILE);
	EXPECT_EQ(self->st_a.st_mode, f->mode);
	EXPECT_EQ(A_POS, f->pos);
	EXPECT_EQ(0, f->rdev);

	/* b.log, appended to */
	fd = find_fd(img, FD_B);
	ASSERT_NE(NULL, fd);
	f = ckpt_obj(img, fd->file_ref, CKPT_HDR_FILE);
	ASSERT_NE(NULL, f);
	snprintf(path, sizeof(path), "%s/b.log", self->args.dir);
	EXPECT_STREQ(path, ckpt_file_path(f));
	EXPECT_EQ(CKPT_FILE_REG, f->kind);
	EXPECT_EQ(CKPT_O_WRONLY | CKPT_O_APPEND, f->flags & ~CKPT_O_LARGEFILE);
	EXPECT_EQ(B_LEN, f->pos);
	EXPECT_EQ(B_LEN, self->st_b.st_size);

	/* the directory */
	fd = find_fd(img, FD_DIR);
	ASSERT_NE(NULL, fd);
	f = ckpt_obj(img, fd->file_ref, CKPT_HDR_FILE);
	ASSERT_NE(NULL, f);
	EXPECT_STREQ(self->args.dir, ckpt_file_path(f));
	EXPECT_EQ(CKPT_FILE_DIR, f->kind);
	EXPECT_EQ(CKPT_O_RDONLY, f->flags & ~CKPT_O_LARGEFILE);
	EXPECT_EQ(self->st_dir.st_mode, f->mode);
	EXPECT_EQ(0, f->pos);

	/* c.dat, non-blocking */
	fd = find_fd(img, FD_C);
	ASSERT_NE(NULL, fd);
	f = ckpt_obj(img, fd->file_ref, CKPT_HDR_FILE);
	ASSERT_NE(NULL, f);
	snprintf(path, sizeof(path), "%s/c.dat", self->args.dir);
	EXPECT_STREQ(path, ckpt_file_path(f));
	EXPECT_EQ(CKPT_O_RDONLY | CKPT_O_NONBLOCK,
		  f->flags & ~CKPT_O_LARGEFILE);
	EXPECT_EQ(0, f->pos);
}

struct maps_line {
	uint64_t start, end;
	char perms[8];
};

/* The target's /proc/PID/maps, [vsyscall] (not a VMA) left out */
static int read_maps(pid_t pid, struct maps_line *m, int max)
{
	char path[64], line[PATH_MAX + 128];
	unsigned long long s, e;
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vsyscall]"))
			continue;
		if (sscanf(line, "%llx-%llx %7s", &s, &e, m[n].perms) != 3)
			continue;
		m[n].start = s;
		m[n].end = e;
		n++;
	}
	fclose(f);
	return n;
}

TEST_F(state, vmas)
{
	const struct ckpt_image *img = &self->img;
	const struct ckpt_hdr_mm *mm = ckpt_find(img, CKPT_HDR_MM, 0);
	const struct ckpt_hdr_vma *v;
	struct maps_line maps[256];
	int i, n;

	ASSERT_NE(NULL, mm);
	n = read_maps(self->pid, maps, 256);
	ASSERT_GT(n, 0);
	EXPECT_EQ(n, mm->nr_vmas);
	ASSERT_EQ(n, ckpt_count(img, CKPT_HDR_VMA));
	for (i = 0; i < n; i++) {
		uint32_t prot = 0;

		v = ckpt_find(img, CKPT_HDR_VMA, i);
		ASSERT_NE(NULL, v);
		prot |= maps[i].perms[0] == 'r' ? CKPT_PROT_READ : 0;
		prot |= maps[i].perms[1] == 'w' ? CKPT_PROT_WRITE : 0;
		prot |= maps[i].perms[2] == 'x' ? CKPT_PROT_EXEC : 0;
		EXPECT_EQ(maps[i].start, v->start);
		EXPECT_EQ(maps[i].end, v->end);
		EXPECT_EQ(prot, v->prot);
		EXPECT_EQ(maps[i].perms[3] == 's', !!(v->flags & CKPT_VMA_SHARED));
	}
	/* One vDSO, at least one vvar, a stack, a heap if there is one */
	n = 0;
	for (i = 0; (v = ckpt_find(img, CKPT_HDR_VMA, i)); i++)
		n += v->kind == CKPT_VMA_VDSO;
	EXPECT_EQ(1, n);
	n = 0;
	for (i = 0; (v = ckpt_find(img, CKPT_HDR_VMA, i)); i++)
		n += v->kind == CKPT_VMA_VVAR;
	EXPECT_LE(1, n);
	v = ckpt_find_vma(img, mm->start_stack);
	ASSERT_NE(NULL, v);
	EXPECT_TRUE(v->flags & CKPT_VMA_STACK);
	EXPECT_TRUE(v->flags & CKPT_VMA_GROWSDOWN);
	EXPECT_LE(mm->start_brk, mm->brk);
	if (mm->brk > mm->start_brk) {
		v = ckpt_find_vma(img, mm->start_brk);
		ASSERT_NE(NULL, v);
		EXPECT_TRUE(v->flags & CKPT_VMA_HEAP);
		EXPECT_EQ(CKPT_VMA_ANON, v->kind);
	}
}

TEST_F(state, mm)
{
	const struct ckpt_image *img = &self->img;
	const struct ckpt_hdr_task *t = ckpt_find(img, CKPT_HDR_TASK, 0);
	const struct ckpt_hdr_mm *mm;
	const struct ckpt_hdr_file *exe;
	const uint64_t *auxv;
	char self_exe[PATH_MAX];
	ssize_t n;
	uint32_t i;
	bool pagesz = false;

	ASSERT_NE(NULL, t);
	mm = ckpt_obj(img, t->mm_ref, CKPT_HDR_MM);
	ASSERT_NE(NULL, mm);
	exe = ckpt_obj(img, mm->exe_ref, CKPT_HDR_FILE);
	ASSERT_NE(NULL, exe);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	ASSERT_GT(n, 0);
	self_exe[n] = '\0';
	EXPECT_STREQ(self_exe, ckpt_file_path(exe));
	EXPECT_EQ(CKPT_FILE_REG, exe->kind);

	/* auxv: pairs ending with AT_NULL, holding our AT_PAGESZ */
	ASSERT_LE(2, mm->auxv_len);
	EXPECT_EQ(0, mm->auxv_len % 2);
	auxv = (const void *)(mm + 1);
	EXPECT_EQ(0, auxv[mm->auxv_len - 2]);
	for (i = 0; i + 1 < mm->auxv_len; i += 2)
		if (auxv[i] == 6)	/* AT_PAGESZ */
			pagesz = auxv[i + 1] == PS;
	EXPECT_TRUE(pagesz);
	EXPECT_LT(mm->start_code, mm->end_code);
	EXPECT_LE(mm->arg_start, mm->arg_end);
	EXPECT_LE(mm->env_start, mm->env_end);
}

TEST_F(state, pages)
{
	const struct ckpt_image *img = &self->img;
	const struct ckpt_hdr_vma *v;
	const struct ckpt_hdr_fd *fd;
	const struct ckpt_hdr_file *f;
	const unsigned char *page;
	char path[PATH_MAX + 16];
	uint64_t a;

	/* Anonymous: written pages saved, untouched ones not */
	v = ckpt_find_vma(img, ANON_ADDR);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(ANON_ADDR, v->start);
	EXPECT_EQ(ANON_ADDR + 4 * PS, v->end);
	EXPECT_EQ(CKPT_VMA_ANON, v->kind);
	EXPECT_EQ(CKPT_PROT_READ | CKPT_PROT_WRITE, v->prot);
	EXPECT_EQ(0, v->flags & CKPT_VMA_SHARED);
	EXPECT_EQ(0, v->file_ref);
	page = ckpt_find_page(img, ANON_ADDR);
	ASSERT_NE(NULL, page);
	EXPECT_TRUE(check_pattern(page, PS, 1));
	EXPECT_EQ(NULL, ckpt_find_page(img, ANON_ADDR + PS));
	page = ckpt_find_page(img, ANON_ADDR + 2 * PS);
	ASSERT_NE(NULL, page);
	EXPECT_TRUE(check_pattern(page, PS, 2));
	EXPECT_EQ(NULL, ckpt_find_page(img, ANON_ADDR + 3 * PS));

	/* Private file mapping: only the copied-on-write page */
	v = ckpt_find_vma(img, PRIV_ADDR);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(PRIV_ADDR, v->start);
	EXPECT_EQ(PRIV_ADDR + 2 * PS, v->end);
	EXPECT_EQ(CKPT_VMA_FILE, v->kind);
	EXPECT_EQ(CKPT_PROT_READ | CKPT_PROT_WRITE, v->prot);
	EXPECT_EQ(0, v->flags & CKPT_VMA_SHARED);
	EXPECT_EQ(0, v->pgoff);
	fd = find_fd(img, FD_A);
	ASSERT_NE(NULL, fd);
	EXPECT_EQ(fd->file_ref, v->file_ref);
	f = ckpt_obj(img, v->file_ref, CKPT_HDR_FILE);
	ASSERT_NE(NULL, f);
	snprintf(path, sizeof(path), "%s/a.dat", self->args.dir);
	EXPECT_STREQ(path, ckpt_file_path(f));
	EXPECT_EQ(NULL, ckpt_find_page(img, PRIV_ADDR));
	page = ckpt_find_page(img, PRIV_ADDR + PS);
	ASSERT_NE(NULL, page);
	EXPECT_TRUE(check_pattern(page, PS, 3));

	/* Shared file mapping: nothing saved */
	v = ckpt_find_vma(img, SHARED_ADDR);
	ASSERT_NE(NULL, v);
	EXPECT_EQ(SHARED_ADDR + PS, v->end);
	EXPECT_EQ(CKPT_VMA_FILE, v->kind);
	EXPECT_EQ(CKPT_PROT_READ, v->prot);
	EXPECT_EQ(CKPT_VMA_SHARED, v->flags & CKPT_VMA_SHARED);
	fd = find_fd(img, FD_C);
	ASSERT_NE(NULL, fd);
	EXPECT_EQ(fd->file_ref, v->file_ref);
	EXPECT_EQ(NULL, ckpt_find_page(img, SHARED_ADDR));

	/* The untouched alternate signal stack: nothing saved */
	v = ckpt_find_vma(img, ALTSTACK_ADDR);
	ASSERT_NE(NULL, v);
	for (a = ALTSTACK_ADDR; a < ALTSTACK_ADDR + ALTSTACK_SIZE; a += PS)
		EXPECT_EQ(NULL, ckpt_find_page(img, a));

	/* The page known_stop() wrote its state to, with the target's pid */
	page = ckpt_find_page(img, KNOWN_REGS_ADDR);
	ASSERT_NE(NULL, page);
	EXPECT_EQ((uint64_t)self->pid, *(const uint64_t *)(page + 592));
}

TEST_F(state, cpu)
{
	const struct ckpt_hdr_cpu *c = ckpt_find(&self->img, CKPT_HDR_CPU, 0);
	unsigned long fs_base = 0;

	ASSERT_NE(NULL, c);
	EXPECT_EQ(known_gpr(KG_BX), c->bx);
	EXPECT_EQ(known_gpr(KG_BP), c->bp);
	EXPECT_EQ(known_gpr(KG_R12), c->r12);
	EXPECT_EQ(known_gpr(KG_R13), c->r13);
	EXPECT_EQ(known_gpr(KG_R14), c->r14);
	EXPECT_EQ(known_gpr(KG_R15), c->r15);
	EXPECT_EQ(known_gpr(KG_DX), c->dx);
	EXPECT_EQ(known_gpr(KG_R8), c->r8);
	EXPECT_EQ(known_gpr(KG_R9), c->r9);
	EXPECT_EQ(known_gpr(KG_R10), c->r10);
	EXPECT_EQ((uintptr_t)known_stop_resume, c->ip);
	EXPECT_EQ(KNOWN_STACK, c->sp);
	EXPECT_EQ(SYS_kill, c->orig_ax);
	EXPECT_EQ(0, c->ax);
	EXPECT_EQ((uint64_t)self->pid, c->di);
	EXPECT_EQ(SIGSTOP, c->si);
	EXPECT_EQ(0x33, c->cs);
	EXPECT_EQ(0x2b, c->ss);
	ASSERT_EQ(0, syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base));
	EXPECT_EQ(fs_base, c->fs_base);
	EXPECT_EQ(CKPT_RESTART_NONE, c->restart);
}

TEST_F(state, xmm)
{
	const struct ckpt_hdr_xstate *xs = ckpt_find(&self->img,
						     CKPT_HDR_XSTATE, 0);
	const unsigned char *area;
	uint64_t w[2], bv;
	uint32_t mxcsr;
	int i;

	ASSERT_NE(NULL, xs);
	ASSERT_LE(512, xs->size);
	area = (const void *)(xs + 1);
	memcpy(&mxcsr, area + 24, 4);
	EXPECT_EQ(KNOWN_MXCSR, mxcsr);
	for (i = 0; i < 16; i++) {
		memcpy(w, area + 160 + 16 * i, 16);
		EXPECT_EQ(known_vec(i, 0), w[0]) {
			TH_LOG("xmm%d low", i);
		}
		EXPECT_EQ(known_vec(i, 1), w[1]) {
			TH_LOG("xmm%d high", i);
		}
	}
	/* SSE in use (our xmm values); x87 may well be in its init state */
	EXPECT_EQ(2, xs->xfeatures & 2);
	if (xs->size >= 576) {
		memcpy(&bv, area + 512, 8);
		EXPECT_EQ(xs->xfeatures, bv);
		memcpy(&bv, area + 520, 8);
		EXPECT_EQ(0, bv);	/* xcomp_bv: standard format */
	}
}

TEST_F(state, ymm)
{
	const struct ckpt_hdr_xstate *xs = ckpt_find(&self->img,
						     CKPT_HDR_XSTATE, 0);
	const unsigned char *area;
	uint64_t w[2];
	int i;

	if (!self->args.avx)
		SKIP(return, "no AVX");
	ASSERT_NE(NULL, xs);
	ASSERT_LE(576 + 256, xs->size);
	EXPECT_EQ(4, xs->xfeatures & 4);
	area = (const void *)(xs + 1);
	for (i = 0; i < 16; i++) {
		memcpy(w, area + 576 + 16 * i, 16);
		EXPECT_EQ(known_vec(i, 2), w[0]) {
			TH_LOG("ymm%d bits 128-191", i);
		}
		EXPECT_EQ(known_vec(i, 3), w[1]) {
			TH_LOG("ymm%d bits 192-255", i);
		}
	}
}

TEST_F(state, verify_accepts)
{
	char log[4096];
	int err;

	err = ckpt_verify_buf(self->buf, self->len, log, sizeof(log));
	EXPECT_EQ(0, err) {
		TH_LOG("VERIFY: %s; log: %s", strerror(err), log);
	}
}

/* A second checkpoint of the same stopped process gives the same image */
TEST_F(state, twice_identical)
{
	const size_t time_off = offsetof(struct ckpt_hdr_header, time_ns);
	const size_t crc_off = offsetof(struct ckpt_hdr_tail, crc32c);
	unsigned char *a = self->buf, *b;
	void *buf2;
	size_t len2, i;
	int err;

	err = ckpt_capture(self->pid, variant->sink, 0, -1, &buf2, &len2);
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	b = buf2;
	ASSERT_EQ(self->len, len2);
	memset(a + time_off, 0, 8);
	memset(b + time_off, 0, 8);
	memset(a + self->len - sizeof(struct ckpt_hdr_tail) + crc_off, 0, 4);
	memset(b + len2 - sizeof(struct ckpt_hdr_tail) + crc_off, 0, 4);
	for (i = 0; i < len2 && a[i] == b[i]; i++)
		;
	EXPECT_EQ(len2, i) {
		TH_LOG("images differ at offset %#zx", i);
	}
	free(buf2);
}

/* The checkpoint left the target stopped and unchanged */
TEST_F(state, resume)
{
	int status;

	EXPECT_EQ('T', proc_state(self->pid));
	usleep(10000);
	EXPECT_EQ('T', proc_state(self->pid));
	status = target_continue(self->pid);
	self->pid = -1;
	ASSERT_TRUE(WIFEXITED(status)) {
		TH_LOG("wait status %#x", status);
	}
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
