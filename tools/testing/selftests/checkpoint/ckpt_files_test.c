// SPDX-License-Identifier: GPL-2.0
/*
 * Open files of every kind across checkpoint, kill and restart: each
 * test gives a process state that would differ if it were lost or
 * reset, and the restored process checks it and reports through its
 * exit status (and the file "report" of the test's directory).  Also:
 * what cannot be saved is refused, and bad records of each kind are
 * rejected by VERIFY and by restart alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"
#include "ckpt_harness.h"

#ifndef F_SETPIPE_SZ
#define F_SETPIPE_SZ	1031
#define F_GETPIPE_SZ	1032
#endif

/* ---- pipes ---- */

/* fds of pipes_fn() */
#define FD_BIG_R	10	/* a 256 KiB pipe holding BIG_LEN bytes */
#define FD_BIG_W	11
#define FD_NB_R		12	/* an O_NONBLOCK pipe holding "abc" */
#define FD_NB_W		13
#define FD_BIG_DUP	14	/* dup of FD_BIG_R */
#define FD_EOF_R	15	/* read end only, holding "0123456789" */
#define FD_EPIPE_W	16	/* write end only */
#define BIG_SIZE	(256 * 1024)
#define BIG_LEN		200000
#define BIG_SEED	71

/* @name in the test's directory, in a static buffer */
static const char *g_dir_path(const char *name)
{
	static char path[PATH_MAX + 16];

	path_of(path, sizeof(path), name);
	return path;
}

static int move_fd(int fd, int to)
{
	if (fd < 0 || dup2(fd, to) != to)
		return -1;
	return close(fd);
}

/* pipe2(@flags) at fds @r and @w (either may be -1: that end is closed) */
static int pipe_at(int r, int w, int flags)
{
	int p[2];

	if (pipe2(p, flags))
		return -1;
	if ((r >= 0 && dup3(p[0], r, 0) != r) ||
	    (w >= 0 && dup3(p[1], w, 0) != w))
		return -1;
	close(p[0]);
	close(p[1]);
	return 0;
}

static int write_all_fd(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

static int check_fl(int fd, int acc, int nonblock, int code)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_ACCMODE) != acc ||
	    !!(fl & O_NONBLOCK) != nonblock)
		return fail(code, "fd %d: flags %#x, want access %d%s", fd,
			    fl, acc, nonblock ? " and O_NONBLOCK" : "");
	return 0;
}

static ino_t ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/* After the stop: every pipe has its data, flags, size and peers */
static int pipes_check(void)
{
	static char big[BIG_LEN], got[BIG_LEN];
	size_t off = 0;
	char buf[16];
	ssize_t n;

	if (fcntl(FD_BIG_R, F_GETPIPE_SZ) != BIG_SIZE ||
	    fcntl(FD_NB_W, F_GETPIPE_SZ) != 65536)
		return fail(10, "pipe sizes %d and %d",
			    fcntl(FD_BIG_R, F_GETPIPE_SZ),
			    fcntl(FD_NB_W, F_GETPIPE_SZ));
	if (check_fl(FD_BIG_R, O_RDONLY, 0, 11) ||
	    check_fl(FD_BIG_W, O_WRONLY, 0, 11) ||
	    check_fl(FD_NB_R, O_RDONLY, 1, 11) ||
	    check_fl(FD_NB_W, O_WRONLY, 1, 11) ||
	    check_fl(FD_EOF_R, O_RDONLY, 0, 11) ||
	    check_fl(FD_EPIPE_W, O_WRONLY, 0, 11))
		return 11;
	if (!ino_of(FD_BIG_R) || ino_of(FD_BIG_R) != ino_of(FD_BIG_W) ||
	    ino_of(FD_BIG_R) != ino_of(FD_BIG_DUP) ||
	    ino_of(FD_NB_R) != ino_of(FD_NB_W) ||
	    ino_of(FD_NB_R) == ino_of(FD_BIG_R))
		return fail(12, "pipe ends are not paired as they were");
	/* The dup shares the open file: its flags move with the original */
	if (fcntl(FD_BIG_R, F_SETFL, O_NONBLOCK) ||
	    check_fl(FD_BIG_DUP, O_RDONLY, 1, 13))
		return 13;
	/* All the data, in order, once: then the pipe is empty */
	fill_pattern(big, sizeof(big), BIG_SEED);
	while (off < BIG_LEN) {
		n = read(FD_BIG_DUP, got + off, BIG_LEN - off);
		if (n <= 0)
			return fail(14, "read after %zu bytes: %zd (%m)", off, n);
		off += n;
	}
	if (memcmp(big, got, BIG_LEN))
		return fail(15, "the data of the big pipe differ");
	if (read(FD_BIG_R, buf, 1) != -1 || errno != EAGAIN)
		return fail(16, "the big pipe holds more than it did");
	if (read(FD_NB_R, buf, sizeof(buf)) != 3 || memcmp(buf, "abc", 3) ||
	    read(FD_NB_R, buf, 1) != -1 || errno != EAGAIN)
		return fail(17, "the O_NONBLOCK pipe does not hold just abc");
	/* Its writer is gone: data, then EOF */
	if (read(FD_EOF_R, buf, sizeof(buf)) != 10 ||
	    memcmp(buf, "0123456789", 10) || read(FD_EOF_R, buf, 1) != 0)
		return fail(18, "the pipe without writer: data then EOF expected");
	/* Its reader is gone */
	if (write(FD_EPIPE_W, "x", 1) != -1 || errno != EPIPE)
		return fail(19, "write to a pipe without reader: %m");
	/* The ends still talk to each other */
	if (write(FD_BIG_W, "ping", 4) != 4 || read(FD_BIG_R, buf, 4) != 4 ||
	    memcmp(buf, "ping", 4))
		return fail(20, "the big pipe no longer carries data");
	return 0;
}

static int pipes_fn(void *arg)
{
	static char big[BIG_LEN];

	(void)arg;
	signal(SIGPIPE, SIG_IGN);
	fill_pattern(big, sizeof(big), BIG_SEED);
	if (pipe_at(FD_BIG_R, FD_BIG_W, 0) ||
	    fcntl(FD_BIG_W, F_SETPIPE_SZ, BIG_SIZE) != BIG_SIZE ||
	    write_all_fd(FD_BIG_W, big, BIG_LEN) ||
	    dup2(FD_BIG_R, FD_BIG_DUP) != FD_BIG_DUP ||
	    pipe_at(FD_NB_R, FD_NB_W, O_NONBLOCK) ||
	    write(FD_NB_W, "abc", 3) != 3 ||
	    pipe_at(FD_EOF_R, 50, 0) || write(50, "0123456789", 10) != 10 ||
	    close(50) || pipe_at(51, FD_EPIPE_W, 0) || close(51))
		return fail(1, "setting up the pipes: %m");

	raise(SIGSTOP);

	return pipes_check();
}

/* The data of every PIPE_BUF record of the image, in bytes */
static size_t pipe_bytes(const struct ckpt_image *img)
{
	const struct ckpt_hdr_pipe_buf *b;
	size_t n = 0;
	unsigned int i;

	for (i = 0; (b = ckpt_find(img, CKPT_HDR_PIPE_BUF, i)); i++)
		n += b->len;
	return n;
}

TEST_F_TIMEOUT(restart, pipes, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_pipe *p;

	spawn_and_checkpoint(_metadata, &self->r, pipes_fn, NULL);
	img = parsed(_metadata, &self->r);
	EXPECT_EQ(4, ckpt_count(img, CKPT_HDR_PIPE));
	/* The dup is the same file: 5 pipe files, not 6 */
	EXPECT_EQ(BIG_LEN + 3 + 10, pipe_bytes(img));
	p = ckpt_find(img, CKPT_HDR_PIPE, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(BIG_SIZE, p->size);
	EXPECT_EQ((BIG_LEN + PS - 1) / PS, p->nr_bufs);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* The checkpoint copies the data: the original reads it all too */
TEST_F_TIMEOUT(restart, pipes_not_consumed, 120)
{
	spawn_and_checkpoint(_metadata, &self->r, pipes_fn, NULL);
	expect_original_ok(_metadata, &self->r);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

#define FD_PTM		20
#define FD_PTS		21
#define FD_PTM_DUP	22

/* A pty pair of its own, with settings and unread data both ways */
static int pty_check(void)
{
	struct termios t;
	struct winsize ws;
	char buf[64];

	if (tcgetattr(FD_PTS, &t))
		return fail(10, "tcgetattr: %m");
	if (t.c_lflag & (ICANON | ECHO) || t.c_cc[VMIN] != 0 ||
	    t.c_cc[VTIME] != 0 || t.c_cc[VERASE] != 0x08 ||
	    t.c_oflag & OPOST)
		return fail(11, "slave termios lflag %#x oflag %#x VERASE %#x",
			    t.c_lflag, t.c_oflag, t.c_cc[VERASE]);
	if (ioctl(FD_PTM, TIOCGWINSZ, &ws) || ws.ws_row != 37 ||
	    ws.ws_col != 91)
		return fail(12, "window size %ux%u", ws.ws_row, ws.ws_col);
	if (read(FD_PTS, buf, sizeof(buf)) != 4 || memcmp(buf, "abc\n", 4) ||
	    read(FD_PTS, buf, sizeof(buf)) != 0)
		return fail(13, "the slave does not read just abc\\n");
	/* The master is O_NONBLOCK, through its dup too */
	if (read(FD_PTM_DUP, buf, sizeof(buf)) != 3 || memcmp(buf, "xyz", 3) ||
	    read(FD_PTM, buf, sizeof(buf)) != -1 || errno != EAGAIN)
		return fail(14, "the master does not read just xyz");
	/* The ends still talk to each other */
	if (write(FD_PTM, "ping", 4) != 4 || usleep(100000) ||
	    read(FD_PTS, buf, sizeof(buf)) != 4 || memcmp(buf, "ping", 4))
		return fail(15, "the pair no longer carries data");
	return 0;
}

static int pty_fn(void *arg)
{
	struct winsize ws = { .ws_row = 37, .ws_col = 91 };
	struct termios t;
	int m, sl;

	(void)arg;
	m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (m < 0 || grantpt(m) || unlockpt(m))
		return fail(1, "posix_openpt: %m");
	sl = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (sl < 0 || dup2(m, FD_PTM) != FD_PTM ||
	    dup2(sl, FD_PTS) != FD_PTS || close(m) || close(sl) ||
	    dup2(FD_PTM, FD_PTM_DUP) != FD_PTM_DUP)
		return fail(2, "opening the slave: %m");
	if (tcgetattr(FD_PTS, &t))
		return fail(3, "tcgetattr: %m");
	cfmakeraw(&t);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	t.c_cc[VERASE] = 0x08;
	if (tcsetattr(FD_PTS, TCSANOW, &t) ||
	    ioctl(FD_PTM, TIOCSWINSZ, &ws))
		return fail(4, "tcsetattr: %m");
	if (write(FD_PTM, "abc\n", 4) != 4 || write(FD_PTS, "xyz", 3) != 3)
		return fail(5, "write: %m");
	/* Let the pty's work move the bytes to the read buffers */
	usleep(200000);

	raise(SIGSTOP);

	return pty_check();
}

TEST_F_TIMEOUT(restart, pty_pair, 120)
{
	const struct ckpt_image *img;

	spawn_and_checkpoint(_metadata, &self->r, pty_fn, NULL);
	img = parsed(_metadata, &self->r);
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_PTY));
	EXPECT_EQ(2, ckpt_count(img, CKPT_HDR_PTY_DATA));
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* The checkpoint copies the unread data: the original reads it too */
TEST_F_TIMEOUT(restart, pty_pair_not_consumed, 120)
{
	spawn_and_checkpoint(_metadata, &self->r, pty_fn, NULL);
	expect_original_ok(_metadata, &self->r);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* fds of pty_modes_fn(), four pairs */
#define FD_CANON_M	40	/* O_NONBLOCK, packet mode, TIOCPKT_FLUSHREAD pending */
#define FD_CANON_S	41	/* canonical, O_NONBLOCK: "one\n" and "tw" */
#define FD_LOCKED_M	42	/* slave locked, never opened */
#define FD_FLIP_M	43	/* O_NONBLOCK */
#define FD_FLIP_S	44	/* raw, O_NONBLOCK: FLIP_LEN bytes unread */
#define FD_CLOSED_M	45	/* O_NONBLOCK; its slave opened and closed */
#define FLIP_LEN	10000	/* more than a read buffer holds */

static unsigned char flip_byte(int i)
{
	return (unsigned char)(i * 7 % 251);
}

/* A new pair: its master at @mfd with @mflags, its slave at @sfd */
static int pty_at(int mfd, int mflags, int sfd, int sflags)
{
	int m, s;

	m = posix_openpt(O_RDWR | O_NOCTTY | mflags);
	if (m < 0 || dup2(m, mfd) != mfd || close(m))
		return -1;
	if (sfd < 0)
		return 0;
	if (unlockpt(mfd))
		return -1;
	s = ioctl(mfd, TIOCGPTPEER, O_RDWR | O_NOCTTY | sflags);
	if (s < 0 || dup2(s, sfd) != sfd || close(s))
		return -1;
	return 0;
}

static int pty_modes_check(void)
{
	unsigned char buf[FLIP_LEN];
	int lock = 0, i, n, got = 0, fd;

	/* Packet mode: the pending flush event, then nothing */
	if (read(FD_CANON_M, buf, sizeof(buf)) != 1 ||
	    buf[0] != TIOCPKT_FLUSHREAD)
		return fail(10, "the master does not read TIOCPKT_FLUSHREAD");
	/* Canonical mode: the complete line, then not the partial one */
	if (read(FD_CANON_S, buf, sizeof(buf)) != 4 || memcmp(buf, "one\n", 4))
		return fail(11, "the slave does not read one\\n");
	if (read(FD_CANON_S, buf, sizeof(buf)) != -1 || errno != EAGAIN)
		return fail(12, "the slave reads a line not ended");
	if (write(FD_CANON_M, "o\n", 2) != 2 || usleep(100000) ||
	    read(FD_CANON_S, buf, sizeof(buf)) != 4 || memcmp(buf, "two\n", 4))
		return fail(13, "the partial line was lost");
	/* Data comes to a master in packet mode after a TIOCPKT_DATA byte */
	if (write(FD_CANON_S, "z", 1) != 1 || usleep(100000) ||
	    read(FD_CANON_M, buf, sizeof(buf)) != 2 || buf[0] != TIOCPKT_DATA ||
	    buf[1] != 'z')
		return fail(14, "packet mode lost");

	/* Still locked: the slave cannot be opened until unlocked */
	if (ioctl(FD_LOCKED_M, TIOCGPTLCK, &lock) || lock != 1)
		return fail(15, "the slave is not locked (%d)", lock);
	fd = ioctl(FD_LOCKED_M, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (fd >= 0 || errno != EIO)
		return fail(16, "a locked slave opens");
	if (unlockpt(FD_LOCKED_M))
		return fail(17, "unlockpt: %m");
	fd = ioctl(FD_LOCKED_M, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (fd < 0)
		return fail(18, "the unlocked slave does not open: %m");
	close(fd);

	/* The read buffer's bytes and those held back, in order */
	for (i = 0; i < 100 && got < FLIP_LEN; i++) {
		n = read(FD_FLIP_S, buf + got, sizeof(buf) - got);
		/* VMIN and VTIME 0: a read of nothing returns 0 */
		if (n > 0)
			got += n;
		else if (!n)
			usleep(20000);
		else
			return fail(19, "reading the slave: %m");
	}
	if (got != FLIP_LEN)
		return fail(20, "the slave reads %d bytes, not %d", got,
			    FLIP_LEN);
	for (i = 0; i < FLIP_LEN; i++)
		if (buf[i] != flip_byte(i))
			return fail(21, "byte %d differs", i);
	if (read(FD_FLIP_S, buf, 1) != 0)
		return fail(22, "the slave reads more than was written");

	/* The slave was closed: the master reads EIO */
	if (read(FD_CLOSED_M, buf, 1) != -1 || errno != EIO)
		return fail(23, "the closed slave's master reads: %m");
	return 0;
}

static int pty_modes_fn(void *arg)
{
	unsigned char buf[FLIP_LEN];
	struct termios t;
	int on = 1, i, n, done, s;

	(void)arg;
	if (pty_at(FD_CANON_M, O_NONBLOCK, FD_CANON_S, O_NONBLOCK) ||
	    pty_at(FD_LOCKED_M, 0, -1, 0) ||
	    pty_at(FD_FLIP_M, O_NONBLOCK, FD_FLIP_S, O_NONBLOCK) ||
	    pty_at(FD_CLOSED_M, O_NONBLOCK, -1, 0))
		return fail(1, "opening the pairs: %m");

	if (tcgetattr(FD_CANON_S, &t))
		return fail(2, "tcgetattr: %m");
	t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHOKE | ECHOCTL);
	if (tcsetattr(FD_CANON_S, TCSANOW, &t) ||
	    ioctl(FD_CANON_M, TIOCPKT, &on) || tcflush(FD_CANON_S, TCIFLUSH))
		return fail(3, "packet mode: %m");
	if (write(FD_CANON_M, "one\ntw", 6) != 6)
		return fail(4, "write: %m");

	if (tcgetattr(FD_FLIP_S, &t))
		return fail(5, "tcgetattr: %m");
	cfmakeraw(&t);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(FD_FLIP_S, TCSANOW, &t))
		return fail(6, "tcsetattr: %m");
	for (i = 0; i < FLIP_LEN; i++)
		buf[i] = flip_byte(i);
	for (done = 0, i = 0; done < FLIP_LEN && i < 100; i++) {
		n = write(FD_FLIP_M, buf + done, FLIP_LEN - done);
		if (n > 0)
			done += n;
		else
			usleep(20000);
	}
	if (done != FLIP_LEN)
		return fail(7, "wrote %d bytes of %d: %m", done, FLIP_LEN);

	if (unlockpt(FD_CLOSED_M))
		return fail(8, "unlockpt: %m");
	s = ioctl(FD_CLOSED_M, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (s < 0 || close(s))
		return fail(9, "opening the slave: %m");
	/* Let the pty's work move the bytes to the read buffers */
	usleep(200000);

	raise(SIGSTOP);

	return pty_modes_check();
}

/* The pty kinds of PTY_DATA records of @img, as a bit mask */
static unsigned int pty_data_kinds(const struct ckpt_image *img)
{
	const struct ckpt_hdr_pty_data *d;
	unsigned int i, kinds = 0;

	for (i = 0; (d = ckpt_find(img, CKPT_HDR_PTY_DATA, i)); i++)
		kinds |= 1U << d->kind;
	return kinds;
}

/*
 * Canonical mode with a partial line, packet mode with an event, a
 * locked slave, input held back in the flip buffers, a closed slave
 */
TEST_F_TIMEOUT(restart, pty_modes, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_pty *p;

	spawn_and_checkpoint(_metadata, &self->r, pty_modes_fn, NULL);
	img = parsed(_metadata, &self->r);
	EXPECT_EQ(4, ckpt_count(img, CKPT_HDR_PTY));
	EXPECT_EQ(3, ckpt_count(img, CKPT_HDR_PTY_DATA));
	EXPECT_EQ(1U << CKPT_PTY_DATA_LDISC | 1U << CKPT_PTY_DATA_FLIP,
		  pty_data_kinds(img));
	p = ckpt_find(img, CKPT_HDR_PTY, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(CKPT_PTY_PACKET, p->flags);
	EXPECT_EQ(TIOCPKT_FLUSHREAD, p->pktstatus);
	p = ckpt_find(img, CKPT_HDR_PTY, 1);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(CKPT_PTY_LOCKED, p->flags);
	p = ckpt_find(img, CKPT_HDR_PTY, 3);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(CKPT_PTY_SLAVE_CLOSED, p->flags);
	expect_original_ok(_metadata, &self->r);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

#define FD_WAIT_R	10
#define FD_WAIT_W	11

/* Blocks in read(2) on an empty pipe it holds both ends of */
static int pipe_wait_fn(void *arg)
{
	char buf[64];
	ssize_t n;

	(void)arg;
	if (pipe_at(FD_WAIT_R, FD_WAIT_W, 0))
		return fail(1, "pipe: %m");
	if (write_file("reading", "1", 1))
		return fail(2, "marker");
	n = read(FD_WAIT_R, buf, sizeof(buf));
	if (n != 5 || memcmp(buf, "hello", 5))
		return fail(10, "read returned %zd (%m)", n);
	return 0;
}

/* Stopped in read(2) on an empty pipe; the data comes after restart */
TEST_F_TIMEOUT(restart, pipe_read_after_restart, 120)
{
	const struct ckpt_hdr_cpu *cpu;
	char path[64], buf[128];
	int status, fd;
	double t0;

	self->r.orig = target_spawn_running(pipe_wait_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	t0 = now_mono();
	while (file_size("reading") < 1 || proc_state(self->r.orig) != 'S') {
		ASSERT_GT(20.0, now_mono() - t0);
		usleep(5000);
	}
	usleep(50000);
	ASSERT_EQ(0, kill(self->r.orig, SIGSTOP));
	ASSERT_EQ(self->r.orig, waitpid(self->r.orig, &status, WUNTRACED));
	checkpoint_orig(_metadata, &self->r);
	cpu = ckpt_find(parsed(_metadata, &self->r), CKPT_HDR_CPU, 0);
	ASSERT_NE(NULL, cpu);
	EXPECT_EQ(SYS_read, cpu->orig_ax);
	EXPECT_EQ(-512, (long long)cpu->ax);	/* -ERESTARTSYS */
	kill_and_restart(_metadata, &self->r, 0);

	/* It goes on reading: it runs and does not return */
	usleep(300000);
	EXPECT_EQ(0, waitpid(self->r.pid, &status, WNOHANG)) {
		TH_LOG("read() returned by itself: %s",
		       describe(status, buf, sizeof(buf)));
		show_report(_metadata);
		self->r.pid = -1;
		return;
	}
	EXPECT_EQ('S', proc_state(self->r.pid));
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", self->r.pid, FD_WAIT_W);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) {
		TH_LOG("open %s: %s", path, strerror(errno));
	}
	EXPECT_EQ(5, write(fd, "hello", 5));
	close(fd);
	expect_exit(_metadata, &self->r, 0);
}

static int pipe_stop_fn(void *arg)
{
	(void)arg;
	if (pipe_at(FD_WAIT_R, FD_WAIT_W, 0))
		return fail(1, "pipe: %m");
	raise(SIGSTOP);
	return 0;
}

/*
 * Checkpoint @r->orig: it must fail with @want, and a log line holding
 * @line
 */
static void expect_refused(struct __test_metadata *_metadata, struct rst *r,
			   int want, const char *line)
{
	int logfd, err;
	void *img = NULL;
	size_t len;
	ssize_t n;

	logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	ASSERT_LE(0, logfd);
	err = ckpt_capture(r->orig, CKPT_SINK_MEMFD, 0, logfd, &img, &len);
	n = pread(logfd, r->log, sizeof(r->log) - 1, 0);
	r->log[n > 0 ? n : 0] = '\0';
	close(logfd);
	free(img);
	EXPECT_EQ(want, err);
	EXPECT_NE(NULL, strstr(r->log, line)) {
		TH_LOG("log: %s", r->log);
	}
}

/* A pipe also open in the test process cannot come back as it is */
TEST_F_TIMEOUT(restart, pipe_shared_outside_refused, 120)
{
	char path[64];
	int fd;

	self->r.orig = target_spawn(pipe_stop_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", self->r.orig, FD_WAIT_R);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd);
	expect_refused(_metadata, &self->r, EBUSY,
		       "outside the checkpointed tasks");
	close(fd);
}

static int pipe_fork_fn(void *arg)
{
	pid_t pid, gpid = -1;
	int p[2];

	/* A pipe, or with @arg a pty pair */
	if ((arg ? pty_at(FD_WAIT_R, 0, FD_WAIT_W, 0) :
		   pipe_at(FD_WAIT_R, FD_WAIT_W, 0)) || pipe2(p, O_CLOEXEC))
		return fail(1, "%s: %m", arg ? "pty" : "pipe");
	/*
	 * A grandchild (not a child: the target must have none) shares
	 * the very same open files, and waits
	 */
	pid = fork();
	if (pid < 0)
		return fail(2, "fork: %m");
	if (!pid) {
		gpid = fork();
		if (!gpid) {
			alarm(WAIT_SECS);
			pause();
			_exit(0);
		}
		_exit(write(p[1], &gpid, sizeof(gpid)) != sizeof(gpid));
	}
	if (waitpid(pid, NULL, 0) != pid ||
	    read(p[0], &gpid, sizeof(gpid)) != sizeof(gpid) || gpid <= 0)
		return fail(3, "no grandchild: %m");
	close(p[0]);
	close(p[1]);
	raise(SIGSTOP);
	kill(gpid, SIGKILL);
	return 0;
}

/* An end shared with another process through an inherited fd too */
TEST_F_TIMEOUT(restart, pipe_inherited_outside_refused, 120)
{
	self->r.orig = target_spawn(pipe_fork_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	expect_refused(_metadata, &self->r, EBUSY,
		       "shared with another process");
}

/* A pair that is the target's controlling terminal */
static int pty_ctty_fn(void *arg)
{
	int m, s;

	(void)arg;
	if (setsid() < 0)
		return fail(1, "setsid: %m");
	m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m))
		return fail(2, "posix_openpt: %m");
	s = open(ptsname(m), O_RDWR);
	if (s < 0 || tcgetsid(s) != getpid())
		return fail(3, "the slave is not the controlling terminal");
	raise(SIGSTOP);
	return 0;
}

TEST_F_TIMEOUT(restart, pty_ctty_refused, 120)
{
	self->r.orig = target_spawn(pty_ctty_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	expect_refused(_metadata, &self->r, EOPNOTSUPP,
		       "is the controlling terminal of a session");
}

/* A slave the test process opens too, through /proc */
TEST_F_TIMEOUT(restart, pty_slave_shared_refused, 120)
{
	char path[64];
	int fd;

	self->r.orig = target_spawn(pty_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", self->r.orig, FD_PTS);
	fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, fd);
	expect_refused(_metadata, &self->r, EBUSY,
		       "pty slave open 1 time(s) outside the checkpointed task");
	close(fd);
}

/*
 * Input that the read buffer had no room for, on an end with IXON: the
 * look-ahead already acted on its flow control characters
 */
static int pty_ixon_fn(void *arg)
{
	static unsigned char buf[FLIP_LEN];
	struct termios t;

	(void)arg;
	if (pty_at(FD_FLIP_M, O_NONBLOCK, FD_FLIP_S, O_NONBLOCK) ||
	    tcgetattr(FD_FLIP_S, &t))
		return fail(1, "opening the pair: %m");
	cfmakeraw(&t);
	t.c_iflag |= IXON;
	if (tcsetattr(FD_FLIP_S, TCSANOW, &t) ||
	    write(FD_FLIP_M, buf, sizeof(buf)) != sizeof(buf))
		return fail(2, "write: %m");
	usleep(200000);
	raise(SIGSTOP);
	return 0;
}

TEST_F_TIMEOUT(restart, pty_ixon_held_back_refused, 120)
{
	self->r.orig = target_spawn(pty_ixon_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	expect_refused(_metadata, &self->r, EOPNOTSUPP,
		       "input held back with IXON");
}

/* The same for a pty pair: its ends are the grandchild's too */
TEST_F_TIMEOUT(restart, pty_inherited_outside_refused, 120)
{
	self->r.orig = target_spawn(pipe_fork_fn, "pty");
	ASSERT_GT(self->r.orig, 0);
	expect_refused(_metadata, &self->r, EBUSY,
		       "is shared with another process (inherited or passed fd)");
}

#define FD_FIFO_R	90	/* "fifo": O_RDONLY | O_NONBLOCK */
#define FD_FIFO_W	91	/* "fifo": O_WRONLY */
#define FIFO_SIZE	(128 * 1024)

static int fifo_fn(void *arg)
{
	char path[PATH_MAX + 16], link[PATH_MAX + 16], buf[64];
	ssize_t n;

	(void)arg;
	path_of(path, sizeof(path), "fifo");
	if (move_fd(open(path, O_RDONLY | O_NONBLOCK), FD_FIFO_R) ||
	    move_fd(open(path, O_WRONLY), FD_FIFO_W) ||
	    fcntl(FD_FIFO_W, F_SETPIPE_SZ, FIFO_SIZE) != FIFO_SIZE ||
	    write(FD_FIFO_W, "fifo data", 9) != 9)
		return fail(1, "fifo: %m");

	raise(SIGSTOP);

	if (check_fl(FD_FIFO_R, O_RDONLY, 1, 10) ||
	    check_fl(FD_FIFO_W, O_WRONLY, 0, 10))
		return 10;
	if (fcntl(FD_FIFO_R, F_GETPIPE_SZ) != FIFO_SIZE)
		return fail(11, "FIFO size %d", fcntl(FD_FIFO_R, F_GETPIPE_SZ));
	n = read(FD_FIFO_R, buf, sizeof(buf));
	if (n != 9 || memcmp(buf, "fifo data", 9))
		return fail(12, "FIFO data: %zd bytes", n);
	if (read(FD_FIFO_R, buf, 1) != -1 || errno != EAGAIN)
		return fail(13, "FIFO holds more than it did");
	if (write(FD_FIFO_W, "x", 1) != 1 || read(FD_FIFO_R, buf, 1) != 1)
		return fail(14, "the FIFO's ends are not connected");
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", FD_FIFO_R);
	n = readlink(buf, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	if (strcmp(link, path))
		return fail(15, "FIFO is %s, not %s", link, path);
	return 0;
}

TEST_F_TIMEOUT(restart, fifo, 120)
{
	const struct ckpt_hdr_pipe *p;

	ASSERT_EQ(0, mkfifo(g_dir_path("fifo"), 0600));
	spawn_and_checkpoint(_metadata, &self->r, fifo_fn, NULL);
	p = ckpt_find(parsed(_metadata, &self->r), CKPT_HDR_PIPE, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(FIFO_SIZE, p->size);
	EXPECT_STREQ(g_dir_path("fifo"), (const char *)(p + 1));
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- eventfd, signalfd, timerfd ---- */

#define FD_EFD		20	/* eventfd, count 7, O_NONBLOCK */
#define FD_EFD_SEM	21	/* eventfd, count 3, EFD_SEMAPHORE */
#define FD_SFD		22	/* signalfd for SIGUSR1 and SIGUSR2 */
#define FD_TFD		23	/* timerfd, 1.5 s left */
#define FD_TFD_DONE	24	/* expired timerfd, 1 expiration unread */
#define FD_TFD_ABS	25	/* periodic CLOCK_REALTIME, absolute */
#define TFD_SECS	1.5

/* /proc/self/fdinfo/@fd, in @buf */
static int fdinfo_all(int fd, char *buf, size_t size)
{
	char path[64];
	int ifd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ifd = open(path, O_RDONLY | O_CLOEXEC);
	if (ifd < 0)
		return -1;
	n = read(ifd, buf, size - 1);
	close(ifd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The value of the line "@key\t..." of /proc/self/fdinfo/@fd */
static int fdinfo_value(int fd, const char *key, char *val, size_t size)
{
	char buf[2048], *p, *e;

	if (fdinfo_all(fd, buf, sizeof(buf)))
		return -1;
	for (p = buf; p; p = strchr(p, '\n'), p += !!p) {
		if (strncmp(p, key, strlen(key)) || p[strlen(key)] != ':')
			continue;
		p += strlen(key) + 1;
		p += strspn(p, " \t");
		e = strchr(p, '\n');
		if (e)
			*e = '\0';
		snprintf(val, size, "%s", p);
		return 0;
	}
	return -1;
}

static double ts_secs(const struct timespec *ts)
{
	return ts->tv_sec + ts->tv_nsec / 1e9;
}

static int anon_check(void)
{
	struct signalfd_siginfo si;
	struct itimerspec its;
	double left, t0, t1;
	char val[64];
	uint64_t v;

	/* eventfd: the count, the flags, semaphore mode */
	if (check_fl(FD_EFD, O_RDWR, 1, 10) || check_fl(FD_EFD_SEM, O_RDWR, 0, 10))
		return 10;
	if (read(FD_EFD, &v, 8) != 8 || v != 7)
		return fail(11, "eventfd count %llu, not 7", (unsigned long long)v);
	if (read(FD_EFD, &v, 8) != -1 || errno != EAGAIN)
		return fail(12, "eventfd not empty after a read");
	if (fcntl(FD_EFD_SEM, F_SETFL, O_NONBLOCK) ||
	    read(FD_EFD_SEM, &v, 8) != 8 || v != 1 ||
	    read(FD_EFD_SEM, &v, 8) != 8 || v != 1 ||
	    read(FD_EFD_SEM, &v, 8) != 8 || v != 1 ||
	    read(FD_EFD_SEM, &v, 8) != -1 || errno != EAGAIN)
		return fail(13, "semaphore eventfd does not count down from 3");
	v = 5;
	if (write(FD_EFD, &v, 8) != 8 || read(FD_EFD, &v, 8) != 8 || v != 5)
		return fail(14, "eventfd no longer counts");

	/* signalfd: its mask, and it reads a signal */
	if (fdinfo_value(FD_SFD, "sigmask", val, sizeof(val)) ||
	    strcmp(val, "0000000000000a00"))
		return fail(15, "signalfd mask %s, not 0000000000000a00", val);
	if (check_fl(FD_SFD, O_RDWR, 0, 16))
		return 16;
	raise(SIGUSR2);
	if (read(FD_SFD, &si, sizeof(si)) != sizeof(si) ||
	    si.ssi_signo != SIGUSR2)
		return fail(17, "signalfd did not read SIGUSR2: %m");

	/* timerfd: armed, with the time it had left, and it fires then */
	if (fdinfo_value(FD_TFD, "clockid", val, sizeof(val)) || strcmp(val, "1"))
		return fail(18, "timerfd clock %s, not 1", val);
	if (timerfd_gettime(FD_TFD, &its))
		return fail(19, "timerfd_gettime: %m");
	left = ts_secs(&its.it_value);
	if (left <= 1.0 || left > TFD_SECS || ts_secs(&its.it_interval))
		return fail(20, "timerfd: %.3f s left (interval %.3f), want 1.0-1.5",
			    left, ts_secs(&its.it_interval));
	t0 = now_mono();
	if (read(FD_TFD, &v, 8) != 8 || v != 1)
		return fail(21, "timerfd read %llu", (unsigned long long)v);
	t1 = now_mono();
	if (t1 - t0 < left - 0.05 || t1 - t0 > left + 0.5)
		return fail(22, "timerfd fired after %.3f s, %.3f s were left",
			    t1 - t0, left);
	/* The expired one: disarmed, one expiration to read */
	if (timerfd_gettime(FD_TFD_DONE, &its) || ts_secs(&its.it_value))
		return fail(23, "expired timerfd is armed again");
	if (check_fl(FD_TFD_DONE, O_RDWR, 1, 24))
		return 24;
	if (read(FD_TFD_DONE, &v, 8) != 8 || v != 1 ||
	    read(FD_TFD_DONE, &v, 8) != -1 || errno != EAGAIN)
		return fail(25, "expired timerfd: 1 expiration expected");
	/* Absolute, periodic: same period, settime flags kept */
	if (timerfd_gettime(FD_TFD_ABS, &its) ||
	    ts_secs(&its.it_interval) != 1000.0 ||
	    ts_secs(&its.it_value) <= 0 || ts_secs(&its.it_value) > 3600)
		return fail(26, "absolute timerfd: %.3f s left, interval %.3f",
			    ts_secs(&its.it_value), ts_secs(&its.it_interval));
	if (fdinfo_value(FD_TFD_ABS, "settime flags", val, sizeof(val)) ||
	    strcmp(val, "03"))
		return fail(27, "absolute timerfd: settime flags %s, not 03",
			    val);
	return 0;
}

static int anon_fn(void *arg)
{
	struct itimerspec its = {};
	struct timespec now;
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) ||
	    move_fd(eventfd(7, EFD_NONBLOCK), FD_EFD) ||
	    move_fd(eventfd(3, EFD_SEMAPHORE), FD_EFD_SEM) ||
	    move_fd(signalfd(-1, &set, 0), FD_SFD) ||
	    move_fd(timerfd_create(CLOCK_MONOTONIC, 0), FD_TFD) ||
	    move_fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK), FD_TFD_DONE) ||
	    move_fd(timerfd_create(CLOCK_REALTIME, 0), FD_TFD_ABS))
		return fail(1, "making the fds: %m");
	its.it_value.tv_nsec = 1000000;
	if (timerfd_settime(FD_TFD_DONE, 0, &its, NULL))
		return fail(2, "timerfd_settime: %m");
	clock_gettime(CLOCK_REALTIME, &now);
	its.it_value.tv_sec = now.tv_sec + 1800;
	its.it_value.tv_nsec = 0;
	its.it_interval.tv_sec = 1000;
	if (timerfd_settime(FD_TFD_ABS, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
			    &its, NULL))
		return fail(3, "timerfd_settime abs: %m");
	usleep(20000);	/* FD_TFD_DONE expires */
	its.it_value.tv_sec = 1;
	its.it_value.tv_nsec = 500000000;
	its.it_interval.tv_sec = 0;
	if (timerfd_settime(FD_TFD, 0, &its, NULL))
		return fail(4, "timerfd_settime: %m");

	raise(SIGSTOP);

	return anon_check();
}

TEST_F_TIMEOUT(restart, eventfd_signalfd_timerfd, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_eventfd *e;

	spawn_and_checkpoint(_metadata, &self->r, anon_fn, NULL);
	img = parsed(_metadata, &self->r);
	EXPECT_EQ(2, ckpt_count(img, CKPT_HDR_EVENTFD));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_SIGNALFD));
	EXPECT_EQ(3, ckpt_count(img, CKPT_HDR_TIMERFD));
	e = ckpt_find(img, CKPT_HDR_EVENTFD, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(7, e->count);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* The original still has its counts and timers after a checkpoint */
TEST_F_TIMEOUT(restart, eventfd_signalfd_timerfd_original, 120)
{
	spawn_and_checkpoint(_metadata, &self->r, anon_fn, NULL);
	expect_original_ok(_metadata, &self->r);
}

/* ---- file locks ---- */

#define FD_FLOCK	30	/* "lockA", flock(LOCK_EX) */
#define FD_POSIX	31	/* "lockB", F_WRLCK 10-19, F_RDLCK 100-199 */
#define FD_OFD		32	/* "lockC", OFD F_WRLCK on byte 0 */

static int lock_range(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET,
		.l_start = start, .l_len = len,
	};

	return fcntl(fd, cmd, &fl);
}

static int locks_fn(void *arg)
{
	char path[PATH_MAX + 16];

	(void)arg;
	path_of(path, sizeof(path), "lockA");
	if (move_fd(open(path, O_RDWR), FD_FLOCK) || flock(FD_FLOCK, LOCK_EX))
		return fail(1, "flock: %m");
	path_of(path, sizeof(path), "lockB");
	if (move_fd(open(path, O_RDWR), FD_POSIX) ||
	    lock_range(FD_POSIX, F_SETLK, F_WRLCK, 10, 10) ||
	    lock_range(FD_POSIX, F_SETLK, F_RDLCK, 100, 100))
		return fail(2, "F_SETLK: %m");
	path_of(path, sizeof(path), "lockC");
	if (move_fd(open(path, O_RDWR), FD_OFD) ||
	    lock_range(FD_OFD, F_OFD_SETLK, F_WRLCK, 0, 1))
		return fail(3, "F_OFD_SETLK: %m");

	raise(SIGSTOP);		/* checkpoint */
	raise(SIGSTOP);		/* the test looks at the locks */

	if (flock(FD_FLOCK, LOCK_UN) || lock_range(FD_POSIX, F_SETLK, F_UNLCK, 0, 0))
		return fail(10, "unlock: %m");
	return 0;
}

/* What F_GETLK (or F_OFD_GETLK) says of a write lock on @start, @len */
static short lock_seen(const char *name, int cmd, off_t start, off_t len,
		       pid_t *pid)
{
	char path[PATH_MAX + 16];
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET,
		.l_start = start, .l_len = len,
	};
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fcntl(fd, cmd, &fl))
		fl.l_type = -1;
	if (fd >= 0)
		close(fd);
	*pid = fl.l_pid;
	return fl.l_type;
}

static bool flock_held(const char *name)
{
	char path[PATH_MAX + 16];
	bool held;
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_EX | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

static void make_lock_files(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, write_file("lockA", "a", 1));
	ASSERT_EQ(0, write_pages("lockB", 1, 5));
	ASSERT_EQ(0, write_file("lockC", "c", 1));
}

TEST_F_TIMEOUT(restart, file_locks, 120)
{
	struct rst *r = &self->r;
	int status;
	pid_t pid;

	make_lock_files(_metadata);
	spawn_and_checkpoint(_metadata, r, locks_fn, NULL);
	EXPECT_EQ(4, ckpt_count(parsed(_metadata, r), CKPT_HDR_FILE_LOCK));
	kill_and_restart(_metadata, r, 0);
	ASSERT_EQ(r->pid, waitpid(r->pid, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status)) {
		show_report(_metadata);
		r->pid = -1;
	}

	/* Another process sees every lock, held by the restored one */
	EXPECT_TRUE(flock_held("lockA"));
	EXPECT_EQ(F_WRLCK, lock_seen("lockB", F_GETLK, 10, 10, &pid));
	EXPECT_EQ(r->pid, pid);
	EXPECT_EQ(F_WRLCK, lock_seen("lockB", F_GETLK, 5, 6, &pid));
	EXPECT_EQ(F_UNLCK, lock_seen("lockB", F_GETLK, 20, 80, &pid));
	EXPECT_EQ(F_RDLCK, lock_seen("lockB", F_GETLK, 150, 1, &pid));
	EXPECT_EQ(r->pid, pid);
	EXPECT_EQ(F_UNLCK, lock_seen("lockB", F_GETLK, 200, 0, &pid));
	EXPECT_EQ(F_WRLCK, lock_seen("lockC", F_OFD_GETLK, 0, 1, &pid));
	EXPECT_EQ(F_UNLCK, lock_seen("lockC", F_OFD_GETLK, 1, 1, &pid));

	ASSERT_EQ(0, kill(r->pid, SIGCONT));
	expect_exit(_metadata, r, 0);
	EXPECT_FALSE(flock_held("lockA"));
	EXPECT_EQ(F_UNLCK, lock_seen("lockC", F_OFD_GETLK, 0, 1, &pid));
}

/* The original still holds its locks: the restart fails, cleanly */
TEST_F_TIMEOUT(restart, file_locks_held_eagain, 120)
{
	struct rst *r = &self->r;
	char log[LOG_SIZE];
	pid_t pid;

	make_lock_files(_metadata);
	spawn_and_checkpoint(_metadata, r, locks_fn, NULL);
	pid = restart_img(r->img, r->len, 0, log, sizeof(log));
	if (pid > 0)
		target_kill(pid);
	EXPECT_EQ(-EAGAIN, pid) {
		TH_LOG("restart: %s; log:\n%s",
		       pid > 0 ? "a process" : strerror(-pid), log);
	}
	EXPECT_NE(NULL, strstr(log, "held by another process")) {
		TH_LOG("log:\n%s", log);
	}
	EXPECT_TRUE(flock_held("lockA"));
}

/* ---- memfd ---- */

#define FD_MEMFD	40	/* "ckpt-test": 2 MiB, sparse, sealed */
#define FD_MEMFD_RO	41	/* the same memfd, reopened read-only */
#define FD_MEMFD_NOEXEC	42	/* MFD_NOEXEC_SEAL */
#define MEMFD_SIZE	BIT(21)
#define MEMFD_FAR	BIT(20)
#define MEMFD_POS	(PS + 17)

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL	0x0008U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC	0x0020
#endif

static char *g_memfd_map;

static int memfd_check(void)
{
	static char want[3 * PS], got[3 * PS];
	char link[256], path[64];
	struct stat st;
	ssize_t n;
	int seals;

	if (fstat(FD_MEMFD, &st) || st.st_size != MEMFD_SIZE)
		return fail(10, "memfd size %lld", (long long)st.st_size);
	seals = fcntl(FD_MEMFD, F_GET_SEALS);
	if (seals != (F_SEAL_SHRINK | F_SEAL_GROW))
		return fail(11, "memfd seals %#x", seals);
	if (lseek(FD_MEMFD, 0, SEEK_CUR) != MEMFD_POS)
		return fail(12, "memfd offset %lld",
			    (long long)lseek(FD_MEMFD, 0, SEEK_CUR));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", FD_MEMFD);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	if (strcmp(link, "/memfd:ckpt-test (deleted)"))
		return fail(13, "memfd is %s", link);
	fill_pattern(want, sizeof(want), 41);
	want[0] = 'M';
	if (pread(FD_MEMFD, got, sizeof(got), 0) != sizeof(got) ||
	    memcmp(got, want, sizeof(got)))
		return fail(14, "memfd contents at 0");
	fill_pattern(want, PS, 42);
	if (pread(FD_MEMFD, got, PS, MEMFD_FAR) != PS || memcmp(got, want, PS))
		return fail(15, "memfd contents at 1 MiB");
	memset(want, 0, PS);
	if (pread(FD_MEMFD, got, PS, MEMFD_FAR / 2) != PS ||
	    memcmp(got, want, PS))
		return fail(16, "memfd hole is not zero");
	if (ino_of(FD_MEMFD) != ino_of(FD_MEMFD_RO) ||
	    check_fl(FD_MEMFD_RO, O_RDONLY, 0, 17))
		return fail(17, "the reopened memfd is another file");
	/* The mapping is of the memfd itself */
	if (g_memfd_map[0] != 'M')
		return fail(18, "mapping: %c", g_memfd_map[0]);
	g_memfd_map[1] = 'Q';
	if (pread(FD_MEMFD_RO, got, 2, 0) != 2 || got[1] != 'Q')
		return fail(19, "the mapping does not share the memfd");
	if (ftruncate(FD_MEMFD, 2 * MEMFD_SIZE) != -1 || errno != EPERM)
		return fail(20, "F_SEAL_GROW lost");
	seals = fcntl(FD_MEMFD_NOEXEC, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_EXEC) || seals & F_SEAL_SEAL)
		return fail(21, "noexec memfd seals %#x", seals);
	if (fstat(FD_MEMFD_NOEXEC, &st) || (st.st_mode & 0777) != 0666)
		return fail(22, "noexec memfd mode %#o", st.st_mode & 0777);
	return 0;
}

static int memfd_fn(void *arg)
{
	static char buf[3 * PS];
	char path[64];

	(void)arg;
	fill_pattern(buf, sizeof(buf), 41);
	if (move_fd(memfd_create("ckpt-test", MFD_ALLOW_SEALING), FD_MEMFD) ||
	    pwrite(FD_MEMFD, buf, sizeof(buf), 0) != sizeof(buf))
		return fail(1, "memfd: %m");
	fill_pattern(buf, PS, 42);
	if (pwrite(FD_MEMFD, buf, PS, MEMFD_FAR) != PS ||
	    ftruncate(FD_MEMFD, MEMFD_SIZE) ||
	    fcntl(FD_MEMFD, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) ||
	    lseek(FD_MEMFD, MEMFD_POS, SEEK_SET) != MEMFD_POS)
		return fail(2, "memfd: %m");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", FD_MEMFD);
	if (move_fd(open(path, O_RDONLY), FD_MEMFD_RO))
		return fail(3, "reopen: %m");
	g_memfd_map = mmap(NULL, 2 * PS, PROT_READ | PROT_WRITE, MAP_SHARED,
			   FD_MEMFD, 0);
	if (g_memfd_map == MAP_FAILED)
		return fail(4, "mmap: %m");
	g_memfd_map[0] = 'M';
	if (move_fd(memfd_create("noexec", MFD_NOEXEC_SEAL), FD_MEMFD_NOEXEC))
		return fail(5, "memfd noexec: %m");

	raise(SIGSTOP);

	return memfd_check();
}

TEST_F_TIMEOUT(restart, memfd, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_memfd *m;
	const struct ckpt_hdr_file_data *d;
	size_t bytes = 0;
	unsigned int i;

	spawn_and_checkpoint(_metadata, &self->r, memfd_fn, NULL);
	img = parsed(_metadata, &self->r);
	EXPECT_EQ(2, ckpt_count(img, CKPT_HDR_MEMFD));
	m = ckpt_find(img, CKPT_HDR_MEMFD, 0);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(MEMFD_SIZE, m->size);
	EXPECT_EQ(F_SEAL_SHRINK | F_SEAL_GROW, m->seals);
	for (i = 0; (d = ckpt_find(img, CKPT_HDR_FILE_DATA, i)); i++)
		bytes += d->len;
	/* Only what was written: the hole is not in the image */
	EXPECT_EQ(4 * PS, bytes);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- epoll ---- */

#define FD_EP		50	/* epoll: FD_EP_PIPE_R, FD_EP_EFD, FD_EP_GONE */
#define FD_EP_PIPE_R	51	/* a pipe with data: ready */
#define FD_EP_PIPE_W	52
#define FD_EP_EFD	53	/* an eventfd with count 0: not ready */
#define FD_EP_INNER	54	/* an epoll watching FD_EP_PIPE_W, nested */
#define FD_EP_GONE	60	/* added, then closed: its dup 61 lives on */

static int epoll_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static uint64_t ev_data_sum(const struct epoll_event *ev, int n)
{
	uint64_t sum = 0;

	while (n-- > 0)
		sum += ev[n].data.u64;
	return sum;
}

static int epoll_check(void)
{
	struct epoll_event ev[8];
	uint64_t one = 1;
	char text[2048];
	const char *p;
	int n;

	if (check_fl(FD_EP, O_RDWR, 1, 10))
		return 10;
	/* The pipe (data) and the inner epoll (writable pipe) are ready */
	n = epoll_wait(FD_EP, ev, 8, 0);
	if (n != 2 || ev_data_sum(ev, n) != 0x1111 + 0x5555)
		return fail(11, "epoll_wait: %d events, data sum %#llx", n,
			    (unsigned long long)ev_data_sum(ev, n));
	/* The eventfd item is there, with its data, and wakes it */
	if (write(FD_EP_EFD, &one, 8) != 8)
		return fail(12, "eventfd write: %m");
	n = epoll_wait(FD_EP, ev, 8, 1000);
	if (n != 3 || ev_data_sum(ev, n) != 0x1111 + 0x2222 + 0x5555)
		return fail(13, "epoll_wait: %d events, data sum %#llx", n,
			    (unsigned long long)ev_data_sum(ev, n));
	/* The same fds in the interest list, as fdinfo shows them */
	if (fdinfo_all(FD_EP, text, sizeof(text)))
		return fail(15, "fdinfo of the epoll: %m");
	for (n = 0, p = text; (p = strstr(p, "tfd:")); p++)
		n++;
	if (n != 4 || !strstr(text, "tfd:       51 events:") ||
	    !strstr(text, "tfd:       60 events:"))
		return fail(15, "fdinfo of the epoll: %s", text);
	/* An item of a closed fd still refers to its file (dup at 61) */
	if (epoll_ctl(FD_EP, EPOLL_CTL_DEL, FD_EP_GONE, NULL) != -1 ||
	    errno != EBADF)
		return fail(16, "closed fd %d is back", FD_EP_GONE);
	/* The nested epoll sees the pipe's write end as writable */
	n = epoll_wait(FD_EP_INNER, ev, 8, 0);
	if (n != 1 || ev[0].data.u64 != 0x4444 || !(ev[0].events & EPOLLOUT))
		return fail(17, "inner epoll_wait: %d", n);
	return 0;
}

static int epoll_fn(void *arg)
{
	int p[2];

	(void)arg;
	if (move_fd(epoll_create1(0), FD_EP) ||
	    fcntl(FD_EP, F_SETFL, O_NONBLOCK) ||
	    pipe(p) || move_fd(p[0], FD_EP_PIPE_R) ||
	    move_fd(p[1], FD_EP_PIPE_W) ||
	    write(FD_EP_PIPE_W, "x", 1) != 1 ||
	    move_fd(eventfd(0, EFD_NONBLOCK), FD_EP_EFD) ||
	    move_fd(eventfd(0, 0), FD_EP_GONE) ||
	    dup2(FD_EP_GONE, FD_EP_GONE + 1) != FD_EP_GONE + 1 ||
	    move_fd(epoll_create1(EPOLL_CLOEXEC), FD_EP_INNER))
		return fail(1, "making the fds: %m");
	if (epoll_add(FD_EP, FD_EP_PIPE_R, EPOLLIN, 0x1111) ||
	    epoll_add(FD_EP, FD_EP_EFD, EPOLLIN | EPOLLET, 0x2222) ||
	    epoll_add(FD_EP, FD_EP_GONE, EPOLLIN, 0x3333) ||
	    epoll_add(FD_EP_INNER, FD_EP_PIPE_W, EPOLLOUT, 0x4444) ||
	    epoll_add(FD_EP, FD_EP_INNER, EPOLLIN, 0x5555) ||
	    close(FD_EP_GONE))
		return fail(2, "epoll_ctl: %m");

	raise(SIGSTOP);

	return epoll_check();
}

TEST_F_TIMEOUT(restart, epoll, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_epoll *e;

	spawn_and_checkpoint(_metadata, &self->r, epoll_fn, NULL);
	img = parsed(_metadata, &self->r);
	EXPECT_EQ(2, ckpt_count(img, CKPT_HDR_EPOLL));
	EXPECT_EQ(5, ckpt_count(img, CKPT_HDR_EPOLL_ITEM));
	/* The inner one comes first: the outer one watches it */
	e = ckpt_find(img, CKPT_HDR_EPOLL, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(1, e->nr_items);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- directories, memory devices, chroot ---- */

#define FD_DIR		70	/* "d", half read with getdents64() */
#define FD_FULL		71	/* /dev/full */
#define FD_DEVZERO		72	/* /dev/zero */
#define FD_URANDOM	73	/* /dev/urandom */
#define FD_RANDOM	74	/* /dev/random */
#define DIR_FILES	30

/* Read entries of @fd with a small buffer until @max are seen */
static int read_entries(int fd, char names[][16], int n, int max)
{
	char buf[256];
	long len, off;

	while (n < max) {
		len = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (len <= 0)
			break;
		for (off = 0; off < len; ) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *de = (void *)(buf + off);

			if (n < DIR_FILES + 2)
				snprintf(names[n], 16, "%s", de->name);
			n++;
			off += de->reclen;
		}
	}
	return n;
}

static int dirs_fn(void *arg)
{
	static char names[DIR_FILES + 8][16];
	struct stat root, want;
	char path[PATH_MAX + 16], buf[64];
	int n, i, j;

	(void)arg;
	path_of(path, sizeof(path), "d");
	if (move_fd(open(path, O_RDONLY | O_DIRECTORY), FD_DIR) ||
	    move_fd(open("/dev/full", O_WRONLY), FD_FULL) ||
	    move_fd(open("/dev/zero", O_RDONLY), FD_DEVZERO) ||
	    move_fd(open("/dev/urandom", O_RDONLY), FD_URANDOM) ||
	    move_fd(open("/dev/random", O_RDONLY | O_NONBLOCK), FD_RANDOM))
		return fail(1, "open: %m");
	n = read_entries(FD_DIR, names, 0, 10);
	if (n < 10 || n > DIR_FILES)
		return fail(2, "getdents64 before: %d entries", n);
	if (stat(g_dir, &want) || chroot(g_dir) || chdir("/d"))
		return fail(3, "chroot: %m");

	raise(SIGSTOP);

	/* The rest of the directory, and nothing twice */
	n = read_entries(FD_DIR, names, n, DIR_FILES + 8);
	if (n != DIR_FILES + 2)
		return fail(10, "%d entries in all, want %d", n, DIR_FILES + 2);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (!strcmp(names[i], names[j]))
				return fail(11, "%s read twice", names[i]);
	/* The devices */
	if (write(FD_FULL, "x", 1) != -1 || errno != ENOSPC)
		return fail(12, "/dev/full: %m");
	memset(buf, 1, sizeof(buf));
	if (read(FD_DEVZERO, buf, sizeof(buf)) != sizeof(buf) || buf[0] ||
	    buf[63])
		return fail(13, "/dev/zero");
	if (read(FD_URANDOM, buf, 16) != 16)
		return fail(14, "/dev/urandom: %m");
	if (check_fl(FD_RANDOM, O_RDONLY, 1, 15))
		return 15;
	/* The root and working directory */
	if (stat("/", &root) || root.st_ino != want.st_ino ||
	    root.st_dev != want.st_dev)
		return fail(16, "the root is not the chroot");
	if (!getcwd(buf, sizeof(buf)) || strcmp(buf, "/d"))
		return fail(17, "cwd %s, not /d", buf);
	if (access("/d/f07", F_OK))
		return fail(18, "/d/f07 in the chroot: %m");
	return 0;
}

TEST_F_TIMEOUT(restart, dirs_devices_chroot, 120)
{
	char name[32];
	int i;

	ASSERT_EQ(0, mkdir(g_dir_path("d"), 0755));
	for (i = 0; i < DIR_FILES; i++) {
		snprintf(name, sizeof(name), "d/f%02d", i);
		ASSERT_EQ(0, write_file(name, "x", 1));
	}
	cycle(_metadata, &self->r, dirs_fn, NULL);
}

/* ---- shared anonymous memory ---- */

#define SHANON_PAGES	4

static char *g_shanon, *g_shanon_dup;

/* The line of /proc/self/maps of @addr ends with @name */
static bool maps_name(const void *addr, const char *name)
{
	char line[512], start[32];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, start, strlen(start)))
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = strlen(line) > strlen(name) &&
			!strcmp(line + strlen(line) - strlen(name), name);
	}
	if (f)
		fclose(f);
	return found;
}

static int shanon_fn(void *arg)
{
	(void)arg;
	g_shanon = mmap(NULL, SHANON_PAGES * PS, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_shanon == MAP_FAILED)
		return fail(1, "mmap: %m");
	fill_pattern(g_shanon, SHANON_PAGES * PS, 61);
	/* A second mapping of the same memory */
	g_shanon_dup = mremap(g_shanon, 0, SHANON_PAGES * PS, MREMAP_MAYMOVE);
	if (g_shanon_dup == MAP_FAILED)
		return fail(2, "mremap: %m");

	raise(SIGSTOP);

	if (!check_pattern(g_shanon, SHANON_PAGES * PS, 61) ||
	    !check_pattern(g_shanon_dup, SHANON_PAGES * PS, 61))
		return fail(10, "shared anonymous memory contents");
	g_shanon[PS + 3] = 'S';
	if (g_shanon_dup[PS + 3] != 'S')
		return fail(11, "the two mappings no longer share it");
	if (!maps_name(g_shanon, "/dev/zero (deleted)") ||
	    !maps_name(g_shanon_dup, "/dev/zero (deleted)"))
		return fail(12, "not shared anonymous memory in /proc/self/maps");
	return 0;
}

TEST_F_TIMEOUT(restart, shared_anonymous, 120)
{
	const struct ckpt_image *img;

	spawn_and_checkpoint(_metadata, &self->r, shanon_fn, NULL);
	img = parsed(_metadata, &self->r);
	/* One object for both mappings */
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_MEMFD));
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- unlinked files ---- */

#define FD_GHOST	80	/* "ghost", unlinked, offset 100 */
#define FD_GHOST_RO	81	/* the same file, read-only */
#define GHOST_SIZE	(1536UL * 1024)
#define GHOST_FAR	BIT(20)

static char *g_ghost_map;

static int ghost_check(void)
{
	static char want[2 * PS], got[2 * PS];
	char link[PATH_MAX + 32], path[64], start[PATH_MAX + 8];
	struct stat st;
	ssize_t n;

	if (fstat(FD_GHOST, &st) || st.st_nlink || st.st_size != GHOST_SIZE ||
	    (st.st_mode & 07777) != 0640)
		return fail(10, "unlinked file: nlink %lu size %lld mode %#o",
			    (unsigned long)st.st_nlink, (long long)st.st_size,
			    st.st_mode & 07777);
	if (lseek(FD_GHOST, 0, SEEK_CUR) != 100 ||
	    check_fl(FD_GHOST_RO, O_RDONLY, 0, 11) ||
	    ino_of(FD_GHOST) != ino_of(FD_GHOST_RO))
		return fail(11, "unlinked file: offset or sharing");
	fill_pattern(want, sizeof(want), 81);
	want[5] = 'G';
	if (pread(FD_GHOST_RO, got, sizeof(got), 0) != sizeof(got) ||
	    memcmp(got, want, sizeof(got)))
		return fail(12, "unlinked file: contents at 0");
	fill_pattern(want, PS, 82);
	if (pread(FD_GHOST, got, PS, GHOST_FAR) != PS || memcmp(got, want, PS))
		return fail(13, "unlinked file: contents at 1 MiB");
	g_ghost_map[6] = 'H';
	if (pread(FD_GHOST_RO, got, 8, 0) != 8 || got[6] != 'H')
		return fail(14, "the mapping does not share the file");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", FD_GHOST);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	snprintf(start, sizeof(start), "%s/", g_dir);
	if (strncmp(link, start, strlen(start)) || !strstr(link, " (deleted)"))
		return fail(15, "unlinked file is %s", link);
	return 0;
}

static int ghost_fn(void *arg)
{
	static char buf[2 * PS];
	char path[PATH_MAX + 16];

	(void)arg;
	path_of(path, sizeof(path), "ghost");
	fill_pattern(buf, sizeof(buf), 81);
	if (move_fd(open(path, O_RDWR | O_CREAT | O_EXCL, 0600), FD_GHOST) ||
	    pwrite(FD_GHOST, buf, sizeof(buf), 0) != sizeof(buf))
		return fail(1, "ghost: %m");
	fill_pattern(buf, PS, 82);
	if (pwrite(FD_GHOST, buf, PS, GHOST_FAR) != PS ||
	    ftruncate(FD_GHOST, GHOST_SIZE) || fchmod(FD_GHOST, 0640) ||
	    lseek(FD_GHOST, 100, SEEK_SET) != 100 ||
	    move_fd(open(path, O_RDONLY), FD_GHOST_RO))
		return fail(2, "ghost: %m");
	g_ghost_map = mmap(NULL, PS, PROT_READ | PROT_WRITE, MAP_SHARED,
			   FD_GHOST, 0);
	if (g_ghost_map == MAP_FAILED)
		return fail(3, "mmap: %m");
	g_ghost_map[5] = 'G';
	if (unlink(path))
		return fail(4, "unlink: %m");

	raise(SIGSTOP);

	return ghost_check();
}

TEST_F_TIMEOUT(restart, unlinked_file, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_file_data *d;
	const struct ckpt_hdr_ghost *g;
	size_t bytes = 0;
	unsigned int i;

	spawn_and_checkpoint(_metadata, &self->r, ghost_fn, NULL);
	img = parsed(_metadata, &self->r);
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_GHOST));
	g = ckpt_find(img, CKPT_HDR_GHOST, 0);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(GHOST_SIZE, g->size);
	EXPECT_EQ(0640, g->mode);
	EXPECT_STREQ(g_dir, (const char *)(g + 1));
	for (i = 0; (d = ckpt_find(img, CKPT_HDR_FILE_DATA, i)); i++)
		bytes += d->len;
	EXPECT_EQ(3 * PS, bytes);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

static int ghost_wronly_fn(void *arg)
{
	char path[PATH_MAX + 16];

	(void)arg;
	path_of(path, sizeof(path), "ghost-wo");
	if (move_fd(open(path, O_WRONLY | O_CREAT, 0600), FD_GHOST) ||
	    unlink(path))
		return fail(1, "ghost: %m");
	raise(SIGSTOP);
	return 0;
}

/* Its contents cannot be read through the task's file: refused */
TEST_F_TIMEOUT(restart, unlinked_write_only_refused, 120)
{
	self->r.orig = target_spawn(ghost_wronly_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	expect_refused(_metadata, &self->r, EOPNOTSUPP, "fd 80: unlinked");
}

/* ---- inotify ---- */

#define FD_INO		40	/* inotify file, O_NONBLOCK */
#define FD_INO_DUP	41	/* its dup */
#define FD_INO_F	42	/* "ino/f" open read-only: its IN_OPEN is queued */
#define INO_DIR_MASK	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)
#define INO_F_MASK	(IN_OPEN | IN_MODIFY)
#define INO_G_MASK	(IN_ATTRIB | IN_ONESHOT | IN_EXCL_UNLINK)

/* The wds of inotify_fn(): ino/, ino/f, ino/g and a removed one */
struct ino_wds {
	int dir, f, g, gone;
};

/* What read(2) gives of an event */
struct ino_ev {
	int wd;
	uint32_t mask;
	uint32_t cookie;
	char name[NAME_MAX + 1];
};

/* Read the next event of @fd; 0, or -1 when there is none */
static int ino_next(int fd, struct ino_ev *ev)
{
	static char buf[4096] __attribute__((aligned(8)));
	static size_t len, off;
	const struct inotify_event *e;
	ssize_t n;

	if (off >= len) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return -1;
		len = n;
		off = 0;
	}
	e = (const void *)(buf + off);
	ev->wd = e->wd;
	ev->mask = e->mask;
	ev->cookie = e->cookie;
	snprintf(ev->name, sizeof(ev->name), "%s", e->len ? e->name : "");
	off += sizeof(*e) + e->len;
	return 0;
}

/* The next event of @fd must be @wd, @mask and @name */
static int ino_expect(int fd, int wd, uint32_t mask, const char *name,
		      struct ino_ev *ev, int code)
{
	if (ino_next(fd, ev))
		return fail(code, "no event where wd %d mask %#x %s was due: %m",
			    wd, mask, name);
	if (ev->wd != wd || ev->mask != mask || strcmp(ev->name, name))
		return fail(code, "event wd %d mask %#x \"%s\", want wd %d mask %#x \"%s\"",
			    ev->wd, ev->mask, ev->name, wd, mask, name);
	return 0;
}

/* The mask fdinfo shows for @wd of @fd, or -1 */
static long ino_fdinfo_mask(int fd, int wd)
{
	char path[64], line[512];
	unsigned int w, m;
	long mask = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "inotify wd:%x ino:%*x sdev:%*x mask:%x",
			   &w, &m) == 2 && (int)w == wd)
			mask = m;
	fclose(f);
	return mask;
}

static int ino_path(char *buf, size_t size, const char *name)
{
	return snprintf(buf, size, "%s/ino/%s", g_dir, name) >= (int)size;
}

/* After the stop: the queue, the watches with their masks, the next wd */
static int inotify_check(const struct ino_wds *w)
{
	char path[PATH_MAX];
	struct ino_ev ev, from, to;
	int fd, wd;

	if (check_fl(FD_INO, O_RDONLY, 1, 10) ||
	    check_fl(FD_INO_DUP, O_RDONLY, 1, 10))
		return 10;
	if (ino_fdinfo_mask(FD_INO, w->dir) != INO_DIR_MASK ||
	    ino_fdinfo_mask(FD_INO, w->f) != INO_F_MASK ||
	    ino_fdinfo_mask(FD_INO, w->g) != INO_G_MASK ||
	    ino_fdinfo_mask(FD_INO, w->gone) != -1)
		return fail(11, "watch masks %#lx %#lx %#lx %#lx",
			    ino_fdinfo_mask(FD_INO, w->dir),
			    ino_fdinfo_mask(FD_INO, w->f),
			    ino_fdinfo_mask(FD_INO, w->g),
			    ino_fdinfo_mask(FD_INO, w->gone));
	/* The queue, in order, through the dup too */
	if (ino_expect(FD_INO_DUP, w->gone, IN_IGNORED, "", &ev, 12) ||
	    ino_expect(FD_INO, w->dir, IN_CREATE, "new1", &ev, 13) ||
	    ino_expect(FD_INO, w->dir, IN_MOVED_FROM, "new1", &from, 14) ||
	    ino_expect(FD_INO, w->dir, IN_MOVED_TO, "new2", &to, 15) ||
	    ino_expect(FD_INO, w->f, IN_OPEN, "", &ev, 16))
		return 12;
	if (!from.cookie || to.cookie != from.cookie)
		return fail(17, "rename cookies %u and %u", from.cookie,
			    to.cookie);
	/* Nothing else: reopening ino/f at restart reported nothing */
	if (!ino_next(FD_INO, &ev))
		return fail(18, "one event more: wd %d mask %#x \"%s\"", ev.wd,
			    ev.mask, ev.name);
	if (errno != EAGAIN)
		return fail(18, "read after the queue: %m");

	/* The watches work, IN_ONESHOT included */
	if (ino_path(path, sizeof(path), "g") || chmod(path, 0600))
		return fail(19, "chmod g: %m");
	if (ino_path(path, sizeof(path), "new3"))
		return 20;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(20, "create new3: %m");
	close(fd);
	if (ino_expect(FD_INO, w->g, IN_ATTRIB, "", &ev, 21) ||
	    ino_expect(FD_INO, w->g, IN_IGNORED, "", &ev, 22) ||
	    ino_expect(FD_INO, w->dir, IN_CREATE, "new3", &ev, 23))
		return 21;
	/* A new watch takes the wd after the highest ever given */
	wd = inotify_add_watch(FD_INO, g_dir, IN_DELETE);
	if (wd != w->gone + 1)
		return fail(24, "new watch got wd %d, want %d", wd,
			    w->gone + 1);
	return 0;
}

static int inotify_fn(void *arg)
{
	char path[PATH_MAX];
	struct ino_wds w;
	int fd;

	(void)arg;
	if (ino_path(path, sizeof(path), "") || mkdir(path, 0755))
		return fail(1, "mkdir: %m");
	ino_path(path, sizeof(path), "f");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd))
		return fail(2, "create f: %m");
	ino_path(path, sizeof(path), "g");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd))
		return fail(3, "create g: %m");
	if (move_fd(inotify_init1(IN_NONBLOCK), FD_INO) ||
	    dup2(FD_INO, FD_INO_DUP) != FD_INO_DUP)
		return fail(4, "inotify_init1: %m");
	ino_path(path, sizeof(path), "");
	w.dir = inotify_add_watch(FD_INO, path, INO_DIR_MASK);
	ino_path(path, sizeof(path), "f");
	w.f = inotify_add_watch(FD_INO, path, INO_F_MASK);
	ino_path(path, sizeof(path), "g");
	w.g = inotify_add_watch(FD_INO, path, INO_G_MASK);
	w.gone = inotify_add_watch(FD_INO, g_dir, IN_ALL_EVENTS);
	if (w.dir < 0 || w.f < 0 || w.g < 0 || w.gone < 0)
		return fail(5, "inotify_add_watch: %m");
	/* Events that are still queued at the stop */
	if (inotify_rm_watch(FD_INO, w.gone))
		return fail(6, "inotify_rm_watch: %m");
	ino_path(path, sizeof(path), "new1");
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd))
		return fail(7, "create new1: %m");
	{
		char to[PATH_MAX];

		ino_path(to, sizeof(to), "new2");
		if (rename(path, to))
			return fail(8, "rename: %m");
	}
	ino_path(path, sizeof(path), "f");
	if (move_fd(open(path, O_RDONLY), FD_INO_F))
		return fail(9, "open f: %m");

	raise(SIGSTOP);

	return inotify_check(&w);
}

TEST_F_TIMEOUT(restart, inotify, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_inotify *h;
	const struct ckpt_hdr_inotify_watch *wt;
	const struct ckpt_hdr_inotify_event *ev;
	char want[PATH_MAX];

	spawn_and_checkpoint(_metadata, &self->r, inotify_fn, NULL);
	img = parsed(_metadata, &self->r);
	ASSERT_EQ(1, ckpt_count(img, CKPT_HDR_INOTIFY));
	h = ckpt_find(img, CKPT_HDR_INOTIFY, 0);
	EXPECT_EQ(3, h->nr_watches);
	EXPECT_EQ(5, h->nr_events);
	EXPECT_EQ(3, ckpt_count(img, CKPT_HDR_INOTIFY_WATCH));
	EXPECT_EQ(5, ckpt_count(img, CKPT_HDR_INOTIFY_EVENT));
	wt = ckpt_find(img, CKPT_HDR_INOTIFY_WATCH, 1);
	ASSERT_NE(NULL, wt);
	snprintf(want, sizeof(want), "%s/ino/f", g_dir);
	EXPECT_STREQ(want, (const char *)(wt + 1));
	EXPECT_EQ(S_IFREG, wt->mode);
	EXPECT_EQ(INO_F_MASK, wt->mask);
	ev = ckpt_find(img, CKPT_HDR_INOTIFY_EVENT, 1);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(IN_CREATE, ev->mask);
	EXPECT_STREQ("new1", (const char *)(ev + 1));
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* The checkpoint leaves the queue and the watches to the original */
TEST_F_TIMEOUT(restart, inotify_original, 120)
{
	spawn_and_checkpoint(_metadata, &self->r, inotify_fn, NULL);
	expect_original_ok(_metadata, &self->r);
}

/*
 * A watch on a file unlinked but still open (the watch lives on, the
 * file has no name any more): refused, although the open file itself
 * could be saved
 */
static int inotify_unlinked_fn(void *arg)
{
	char path[PATH_MAX];

	(void)arg;
	if (ino_path(path, sizeof(path), "") || mkdir(path, 0755) ||
	    move_fd(inotify_init1(0), FD_INO) ||
	    ino_path(path, sizeof(path), "f") ||
	    move_fd(open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600),
		    FD_INO_F) ||
	    inotify_add_watch(FD_INO, path, IN_MODIFY) < 0 || unlink(path))
		return fail(1, "setting up: %m");
	raise(SIGSTOP);
	return 0;
}

TEST_F_TIMEOUT(restart, inotify_unlinked_refused, 120)
{
	self->r.orig = target_spawn(inotify_unlinked_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	expect_refused(_metadata, &self->r, EOPNOTSUPP, "has no name");
}

/* ---- bad records ---- */

/* A fixture with a copy of the image of @fn, to corrupt */
#define BAD_IMAGE_FIXTURE(name, fn)					\
	FIXTURE(name) {							\
		struct image_copy c;					\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		image_copy_init(_metadata, &self->c, fn, NULL);		\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		image_copy_free(&self->c);				\
	}

/* A directory for the targets, as the restart fixture makes, in g_dir */
static void make_test_dir(struct __test_metadata *_metadata, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];

	snprintf(tmpl, sizeof(tmpl), "%s/%s.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", name);
	ASSERT_NE(NULL, mkdtemp(tmpl));
	ASSERT_NE(NULL, realpath(tmpl, g_dir));
}

static void remove_test_dir(void)
{
	if (g_dir[0])
		nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

BAD_IMAGE_FIXTURE(bad_files, pipes_fn);

/*
 * A mutant that VERIFY accepts but restart refuses with @want, leaving
 * no process behind
 */
static void expect_restart_only(struct __test_metadata *_metadata,
				struct image_copy *ic, int want,
				const char *what)
{
	char log[LOG_SIZE];
	pid_t pid;

	ckpt_fix_tail(ic->buf, ic->len, -1);
	EXPECT_EQ(0, ckpt_verify_buf(ic->buf, ic->len, NULL, 0));
	pid = restart_img(ic->buf, ic->len, 0, log, sizeof(log));
	if (pid > 0)
		target_kill(pid);
	EXPECT_EQ(-want, pid > 0 ? 0 : pid) {
		TH_LOG("%s: restart gives %s; log:\n%s", what,
		       pid > 0 ? "a process" : strerror(-pid), log);
	}
	EXPECT_TRUE(no_child()) {
		TH_LOG("%s: a process was left behind", what);
		reap_all();
	}
	memcpy(ic->buf, ic->good, ic->len);
}

/* The @n-th FILE record of kind @kind in the image */
static const struct ckpt_hdr_file *file_of_kind(const struct ckpt_image *img,
						uint32_t kind, int n)
{
	const struct ckpt_hdr_file *f;
	unsigned int i;

	for (i = 0; (f = ckpt_find(img, CKPT_HDR_FILE, i)); i++)
		if (f->kind == kind && !n--)
			return f;
	return NULL;
}

TEST_F_TIMEOUT(bad_files, pipe_records, 300)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_pipe *gp = ckpt_find(img, CKPT_HDR_PIPE, 0);
	const struct ckpt_hdr_pipe_buf *gb = ckpt_find(img, CKPT_HDR_PIPE_BUF, 0);
	const struct ckpt_hdr_file *gf = file_of_kind(img, CKPT_FILE_PIPE, 0);
	const struct ckpt_hdr_file *gr = file_of_kind(img, CKPT_FILE_CHR, 0);
	struct ckpt_hdr_pipe *p;
	struct ckpt_hdr_pipe_buf *b;
	struct ckpt_hdr_file *f;

	ASSERT_NE(NULL, gp);
	ASSERT_NE(NULL, gb);
	ASSERT_NE(NULL, gf);
	ASSERT_NE(NULL, gr);	/* stdin, /dev/null */
	p = in_copy(ic, gp);
	b = in_copy(ic, gb);
	f = in_copy(ic, gf);

	expect_restart(_metadata, ic, ic->len, 0, "good image");

	p->size = 0;
	expect_einval(_metadata, ic, "PIPE size 0");
	p->size = 3 * PS;
	expect_einval(_metadata, ic, "PIPE size not a power of 2 pages");
	p->size = 123;
	expect_einval(_metadata, ic, "PIPE size not in pages");
	p->size = 0xfffff000u;
	expect_einval(_metadata, ic, "PIPE size huge");
	p->nr_bufs = gp->size / PS + 1;
	expect_einval(_metadata, ic, "PIPE nr_bufs above its size");
	p->nr_bufs = 0xffffffff;
	expect_einval(_metadata, ic, "PIPE nr_bufs huge");
	p->path_len = 8;
	expect_einval(_metadata, ic, "PIPE path_len without a path");
	b->len = 0;
	expect_einval(_metadata, ic, "PIPE_BUF len 0");
	b->len = PS + 1;
	expect_einval(_metadata, ic, "PIPE_BUF len above a page");
	b->__pad = 7;
	expect_einval(_metadata, ic, "PIPE_BUF padding");
	p->nr_bufs = gp->nr_bufs - 1;
	expect_einval(_metadata, ic, "PIPE with a PIPE_BUF too many");

	f->obj_ref = 9999;
	expect_einval(_metadata, ic, "pipe FILE dangling obj_ref");
	f->obj_ref = 0;
	expect_einval(_metadata, ic, "pipe FILE without obj_ref");
	f->obj_ref = 1;
	expect_einval(_metadata, ic, "pipe FILE obj_ref of another type");
	f->pos = 1;
	expect_einval(_metadata, ic, "pipe FILE pos");
	f->flags |= CKPT_O_DIRECT;
	expect_einval(_metadata, ic, "pipe FILE O_DIRECT");
	f->mode = S_IFREG | 0600;
	expect_einval(_metadata, ic, "pipe FILE mode of a regular file");
	f->kind = CKPT_FILE_REG;
	expect_einval(_metadata, ic, "pipe FILE turned regular");
	f->__pad = 1;
	expect_einval(_metadata, ic, "FILE padding");
	f = in_copy(ic, gr);
	f->obj_ref = gf->obj_ref;
	expect_einval(_metadata, ic, "device FILE with an obj_ref");
	f->kind = CKPT_FILE_PIPE;
	f->mode = S_IFIFO | 0600;
	f->rdev = 0;
	expect_einval(_metadata, ic, "FILE of a pipe with a path");
}

BAD_IMAGE_FIXTURE(bad_anon, anon_fn);

TEST_F_TIMEOUT(bad_anon, anon_records, 300)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_eventfd *ge = ckpt_find(img, CKPT_HDR_EVENTFD, 0);
	const struct ckpt_hdr_signalfd *gs = ckpt_find(img, CKPT_HDR_SIGNALFD, 0);
	const struct ckpt_hdr_timerfd *gt = ckpt_find(img, CKPT_HDR_TIMERFD, 0);
	const struct ckpt_hdr_file *gf = file_of_kind(img, CKPT_FILE_EVENTFD, 0);
	struct ckpt_hdr_eventfd *e;
	struct ckpt_hdr_signalfd *sg;
	struct ckpt_hdr_timerfd *t;
	struct ckpt_hdr_file *f;

	ASSERT_NE(NULL, ge);
	ASSERT_NE(NULL, gs);
	ASSERT_NE(NULL, gt);
	ASSERT_NE(NULL, gf);
	e = in_copy(ic, ge);
	sg = in_copy(ic, gs);
	t = in_copy(ic, gt);
	f = in_copy(ic, gf);

	expect_restart(_metadata, ic, ic->len, 0, "good image");

	e->flags = 2;
	expect_einval(_metadata, ic, "EVENTFD flags");
	e->count = ~0ULL;
	expect_einval(_metadata, ic, "EVENTFD count 2^64 - 1");
	sg->mask |= BIT(SIGKILL - 1);
	expect_einval(_metadata, ic, "SIGNALFD mask with SIGKILL");
	sg->__pad = 1;
	expect_einval(_metadata, ic, "SIGNALFD padding");
	t->clockid = CLOCK_PROCESS_CPUTIME_ID;
	expect_einval(_metadata, ic, "TIMERFD clockid");
	t->clockid = 1000;
	expect_einval(_metadata, ic, "TIMERFD clockid 1000");
	t->flags = 4;
	expect_einval(_metadata, ic, "TIMERFD flags");
	t->flags = CKPT_TFD_CANCEL_ON_SET;
	expect_einval(_metadata, ic, "TIMERFD cancel-on-set without abstime");
	t->value_ns = BIT(63);
	expect_einval(_metadata, ic, "TIMERFD value_ns");
	t->interval_ns = ~0ULL;
	expect_einval(_metadata, ic, "TIMERFD interval_ns");
	t->__pad = 3;
	expect_einval(_metadata, ic, "TIMERFD padding");

	f->flags = CKPT_O_RDONLY;
	expect_einval(_metadata, ic, "eventfd FILE read-only");
	f->flags = CKPT_O_RDWR | CKPT_O_APPEND;
	expect_einval(_metadata, ic, "eventfd FILE O_APPEND");
	f->obj_ref = gs->objref;
	expect_einval(_metadata, ic, "eventfd FILE opening a signalfd");
	f->kind = CKPT_FILE_TIMERFD;
	expect_einval(_metadata, ic, "FILE kind timerfd opening an eventfd");
	f->path_len = 8;
	expect_einval(_metadata, ic, "eventfd FILE with a path length");
}

FIXTURE(bad_locks) {
	struct image_copy c;
};

FIXTURE_SETUP(bad_locks)
{
	/* The restart fixture makes the directory of the targets */
	make_test_dir(_metadata, "ckpt_locks");
	make_lock_files(_metadata);
	image_copy_init(_metadata, &self->c, locks_fn, NULL);
}

FIXTURE_TEARDOWN(bad_locks)
{
	image_copy_free(&self->c);
	remove_test_dir();
}

TEST_F_TIMEOUT(bad_locks, lock_records, 300)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_file_lock *gl = ckpt_find(img, CKPT_HDR_FILE_LOCK, 0);
	const struct ckpt_hdr_files *gfs = ckpt_find(img, CKPT_HDR_FILES, 0);
	struct ckpt_hdr_file_lock *l;
	struct ckpt_hdr_files *fs;

	ASSERT_NE(NULL, gl);
	ASSERT_NE(NULL, gfs);
	ASSERT_EQ(CKPT_LOCK_FLOCK, gl->kind);
	l = in_copy(ic, gl);
	fs = in_copy(ic, gfs);

	expect_restart(_metadata, ic, ic->len, 0, "good image");

	l->kind = 0;
	expect_einval(_metadata, ic, "FILE_LOCK kind 0");
	l->kind = 4;
	expect_einval(_metadata, ic, "FILE_LOCK kind 4");
	l->type = 3;
	expect_einval(_metadata, ic, "FILE_LOCK type 3");
	l->start = 5;
	expect_einval(_metadata, ic, "FILE_LOCK flock with a range");
	l->kind = CKPT_LOCK_POSIX;
	l->start = 20;
	l->end = 10;
	expect_einval(_metadata, ic, "FILE_LOCK start after end");
	l->kind = CKPT_LOCK_POSIX;
	l->end = BIT(63);
	expect_einval(_metadata, ic, "FILE_LOCK end past 2^63 - 1");
	l->file_ref = 9999;
	expect_einval(_metadata, ic, "FILE_LOCK dangling file_ref");
	l->file_ref = 1;
	expect_einval(_metadata, ic, "FILE_LOCK file_ref of another type");
	l->__pad = 1;
	expect_einval(_metadata, ic, "FILE_LOCK padding");
	fs->nr_locks++;
	expect_einval(_metadata, ic, "FILES one lock too many");
	fs->nr_locks = 0x7fffffff;
	expect_einval(_metadata, ic, "FILES nr_locks huge");
	fs->__pad = 2;
	expect_einval(_metadata, ic, "FILES padding");
}

BAD_IMAGE_FIXTURE(bad_memfd, memfd_fn);

TEST_F_TIMEOUT(bad_memfd, memfd_records, 300)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_memfd *gm = ckpt_find(img, CKPT_HDR_MEMFD, 0);
	const struct ckpt_hdr_file_data *gd0 = ckpt_find(img, CKPT_HDR_FILE_DATA, 0);
	const struct ckpt_hdr_file_data *gd1 = ckpt_find(img, CKPT_HDR_FILE_DATA, 1);
	const struct ckpt_hdr_file *gf = file_of_kind(img, CKPT_FILE_MEMFD, 0);
	struct ckpt_hdr_file_data *d0, *d1;
	struct ckpt_hdr_memfd *m;
	struct ckpt_hdr_file *f;
	char *name;

	ASSERT_NE(NULL, gm);
	ASSERT_NE(NULL, gd0);
	ASSERT_NE(NULL, gd1);
	ASSERT_NE(NULL, gf);
	m = in_copy(ic, gm);
	d0 = in_copy(ic, gd0);
	d1 = in_copy(ic, gd1);
	f = in_copy(ic, gf);
	name = (char *)(m + 1);

	expect_restart(_metadata, ic, ic->len, 0, "good image");

	m->name_len = 0;
	expect_einval(_metadata, ic, "MEMFD name_len 0");
	name[0] = 'x';
	expect_einval(_metadata, ic, "MEMFD name without memfd:");
	name[7] = '/';
	expect_einval(_metadata, ic, "MEMFD name with a slash");
	m->seals = 0x40;
	expect_einval(_metadata, ic, "MEMFD seals");
	m->mode = 010000;
	expect_einval(_metadata, ic, "MEMFD mode");
	m->size = BIT(63);
	expect_einval(_metadata, ic, "MEMFD size");
	m->nr_data = 0xffffffff;
	expect_einval(_metadata, ic, "MEMFD nr_data");
	m->nr_data = gm->nr_data + 1;
	expect_einval(_metadata, ic, "MEMFD one FILE_DATA too many");
	m->__pad = 1;
	expect_einval(_metadata, ic, "MEMFD padding");
	d0->len = 0;
	expect_einval(_metadata, ic, "FILE_DATA len 0");
	d1->offset = gm->size;
	expect_einval(_metadata, ic, "FILE_DATA past the size");
	d1->offset = 0;
	expect_einval(_metadata, ic, "FILE_DATA out of order");
	d1->offset = ~0ULL - 10;
	expect_einval(_metadata, ic, "FILE_DATA offset wrapping");
	d0->__pad = 1;
	expect_einval(_metadata, ic, "FILE_DATA padding");
	f->obj_ref = 1;
	expect_einval(_metadata, ic, "memfd FILE obj_ref of another type");
	f->mode = S_IFIFO | 0600;
	expect_einval(_metadata, ic, "memfd FILE with the mode of a FIFO");
}

BAD_IMAGE_FIXTURE(bad_epoll, epoll_fn);

TEST_F_TIMEOUT(bad_epoll, epoll_records, 300)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_epoll *ge = ckpt_find(img, CKPT_HDR_EPOLL, 1);
	const struct ckpt_hdr_epoll_item *gi = ckpt_find(img, CKPT_HDR_EPOLL_ITEM, 1);
	const struct ckpt_hdr_epoll_item *gself;
	struct ckpt_hdr_epoll_item *it;
	struct ckpt_hdr_epoll *e;

	ASSERT_NE(NULL, ge);
	ASSERT_NE(NULL, gi);
	e = in_copy(ic, ge);
	it = in_copy(ic, gi);

	expect_restart(_metadata, ic, ic->len, 0, "good image");

	e->nr_items = 0x40000000;
	expect_einval(_metadata, ic, "EPOLL nr_items huge");
	e->nr_items = ge->nr_items + 1;
	expect_einval(_metadata, ic, "EPOLL one EPOLL_ITEM too many");
	it->events |= BIT(20);
	expect_einval(_metadata, ic, "EPOLL_ITEM unknown event bit");
	it->fd = BIT(20);
	expect_einval(_metadata, ic, "EPOLL_ITEM fd past the limit");
	it->file_ref = 9999;
	expect_einval(_metadata, ic, "EPOLL_ITEM dangling file_ref");
	it->file_ref = 1;
	expect_einval(_metadata, ic, "EPOLL_ITEM file_ref of another type");
	it->__pad = 1;
	expect_einval(_metadata, ic, "EPOLL_ITEM padding");
	/* Two items for the same file and fd: epoll_ctl() says EEXIST */
	gself = ckpt_find(img, CKPT_HDR_EPOLL_ITEM, 2);
	ASSERT_NE(NULL, gself);
	it->file_ref = gself->file_ref;
	it->fd = gself->fd;
	expect_restart_only(_metadata, ic, EEXIST, "EPOLL_ITEM twice");
}

/*
 * BAD_IMAGE_FIXTURE() for a target that works in the test's directory,
 * which the restart fixture makes for the others
 */
#define BAD_IMAGE_DIR_FIXTURE(name, fn)					\
	FIXTURE(name) {							\
		struct image_copy c;					\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		make_test_dir(_metadata, "ckpt_" #name);		\
		image_copy_init(_metadata, &self->c, fn, NULL);		\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		image_copy_free(&self->c);				\
		remove_test_dir();					\
	}

BAD_IMAGE_DIR_FIXTURE(bad_ghost, ghost_fn);

TEST_F_TIMEOUT(bad_ghost, ghost_records, 300)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_ghost *gg = ckpt_find(img, CKPT_HDR_GHOST, 0);
	struct ckpt_hdr_ghost *g;
	char *dir;

	ASSERT_NE(NULL, gg);
	g = in_copy(ic, gg);
	dir = (char *)(g + 1);

	expect_restart(_metadata, ic, ic->len, 0, "good image");

	g->mode = 010000;
	expect_einval(_metadata, ic, "GHOST mode");
	g->size = BIT(63);
	expect_einval(_metadata, ic, "GHOST size");
	g->nr_data = gg->nr_data + 1;
	expect_einval(_metadata, ic, "GHOST one FILE_DATA too many");
	g->dir_len = 1;
	expect_einval(_metadata, ic, "GHOST dir_len 1");
	dir[0] = 'x';
	expect_einval(_metadata, ic, "GHOST relative dir");
	g->size = 10;
	expect_einval(_metadata, ic, "GHOST data past its size");
	/* A directory that does not exist: a clean ENOENT */
	dir[1] = '#';
	expect_restart_only(_metadata, ic, ENOENT, "GHOST in no directory");
}

BAD_IMAGE_DIR_FIXTURE(bad_inotify, inotify_fn);

TEST_F_TIMEOUT(bad_inotify, inotify_records, 300)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_inotify *gi = ckpt_find(img, CKPT_HDR_INOTIFY, 0);
	const struct ckpt_hdr_inotify_watch *gw0, *gw1;
	const struct ckpt_hdr_inotify_event *ge;
	const struct ckpt_hdr_file *gf;
	struct ckpt_hdr_inotify_watch *w;
	struct ckpt_hdr_inotify_event *e;
	struct ckpt_hdr_inotify *in;
	struct ckpt_hdr_file *f;
	char *path, *name;

	gw0 = ckpt_find(img, CKPT_HDR_INOTIFY_WATCH, 0);
	gw1 = ckpt_find(img, CKPT_HDR_INOTIFY_WATCH, 1);
	ge = ckpt_find(img, CKPT_HDR_INOTIFY_EVENT, 1);	/* IN_CREATE new1 */
	gf = file_of_kind(img, CKPT_FILE_INOTIFY, 0);
	ASSERT_NE(NULL, gi);
	ASSERT_NE(NULL, gw0);
	ASSERT_NE(NULL, gw1);
	ASSERT_NE(NULL, ge);
	ASSERT_NE(NULL, gf);
	in = in_copy(ic, gi);
	w = in_copy(ic, gw1);
	e = in_copy(ic, ge);
	f = in_copy(ic, gf);
	path = (char *)(w + 1);
	name = (char *)(e + 1);

	expect_restart(_metadata, ic, ic->len, 0, "good image");

	in->nr_watches = 0x40000000;
	expect_einval(_metadata, ic, "INOTIFY nr_watches huge");
	in->nr_watches = gi->nr_watches + 1;
	expect_einval(_metadata, ic, "INOTIFY one watch too many");
	in->nr_events = 0xffffffff;
	expect_einval(_metadata, ic, "INOTIFY nr_events huge");
	in->nr_events = gi->nr_events + 1;
	expect_einval(_metadata, ic, "INOTIFY one event too many");
	in->next_wd = 0;
	expect_einval(_metadata, ic, "INOTIFY next_wd 0");
	in->next_wd = 0x80000000;
	expect_einval(_metadata, ic, "INOTIFY next_wd past INT_MAX");
	w->wd = gw0->wd;
	expect_einval(_metadata, ic, "INOTIFY_WATCH wd not increasing");
	w->wd = 0x80000000;
	expect_einval(_metadata, ic, "INOTIFY_WATCH wd past INT_MAX");
	w->mask |= IN_DONT_FOLLOW;
	expect_einval(_metadata, ic, "INOTIFY_WATCH mask with IN_DONT_FOLLOW");
	w->mask |= 0x1000;
	expect_einval(_metadata, ic, "INOTIFY_WATCH unknown mask bit");
	w->mode = 0;
	expect_einval(_metadata, ic, "INOTIFY_WATCH mode 0");
	w->mode = S_IFREG | 0644;
	expect_einval(_metadata, ic, "INOTIFY_WATCH mode with permissions");
	w->path_len = 1;
	expect_einval(_metadata, ic, "INOTIFY_WATCH path_len 1");
	w->path_len = 0x10000;
	expect_einval(_metadata, ic, "INOTIFY_WATCH path_len past the record");
	path[0] = 'x';
	expect_einval(_metadata, ic, "INOTIFY_WATCH relative path");
	path[gw1->path_len - 1] = 'x';
	expect_einval(_metadata, ic, "INOTIFY_WATCH path without its NUL");
	e->mask = 0;
	expect_einval(_metadata, ic, "INOTIFY_EVENT mask 0");
	e->mask |= 0x1000;
	expect_einval(_metadata, ic, "INOTIFY_EVENT unknown mask bit");
	e->mask = IN_Q_OVERFLOW;
	expect_einval(_metadata, ic, "INOTIFY_EVENT overflow with a wd and a name");
	e->wd = 0;
	expect_einval(_metadata, ic, "INOTIFY_EVENT wd 0");
	e->name_len = 1;
	expect_einval(_metadata, ic, "INOTIFY_EVENT name_len 1");
	e->name_len = 300;
	expect_einval(_metadata, ic, "INOTIFY_EVENT name_len past NAME_MAX");
	name[1] = '/';
	expect_einval(_metadata, ic, "INOTIFY_EVENT name with a slash");
	name[ge->name_len - 1] = 'x';
	expect_einval(_metadata, ic, "INOTIFY_EVENT name without its NUL");

	f->flags = CKPT_O_RDWR;
	expect_einval(_metadata, ic, "inotify FILE read-write");
	f->obj_ref = 9999;
	expect_einval(_metadata, ic, "inotify FILE dangling obj_ref");
	f->obj_ref = 1;
	expect_einval(_metadata, ic, "inotify FILE obj_ref of another type");
	f->path_len = 8;
	expect_einval(_metadata, ic, "inotify FILE with a path");

	/* Valid records that restart cannot apply */
	path[gw1->path_len - 2] = '#';
	expect_restart_only(_metadata, ic, ENOENT, "INOTIFY_WATCH of no file");
	w->mode = S_IFDIR;
	expect_restart_only(_metadata, ic, ESTALE,
			    "INOTIFY_WATCH of a file saved as a directory");
}

BAD_IMAGE_FIXTURE(bad_pty, pty_modes_fn);

/* Rejected with EINVAL, and a log line holding @line */
static void expect_einval_saying(struct __test_metadata *_metadata,
				 struct image_copy *ic, const char *what,
				 const char *line)
{
	char log[LOG_SIZE];

	ckpt_fix_tail(ic->buf, ic->len, -1);
	EXPECT_EQ(EINVAL, ckpt_verify_buf(ic->buf, ic->len, log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, line)) {
		TH_LOG("%s: no \"%s\" in the log:\n%s", what, line, log);
	}
	expect_einval(_metadata, ic, what);
}

TEST_F_TIMEOUT(bad_pty, pty_records, 300)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_pty *gp = ckpt_find(img, CKPT_HDR_PTY, 0);
	const struct ckpt_hdr_pty *gq = ckpt_find(img, CKPT_HDR_PTY, 2);
	const struct ckpt_hdr_pty_data *gd[3];
	const struct ckpt_hdr_file *gm = file_of_kind(img, CKPT_FILE_PTY, 0);
	const struct ckpt_hdr_file *gs = file_of_kind(img, CKPT_FILE_PTY, 1);
	struct ckpt_hdr_pty_data *d[3];
	struct ckpt_hdr_pty *p, *q;
	struct ckpt_hdr_file *m, *s;
	uint8_t *map;
	int i;

	for (i = 0; i < 3; i++) {
		gd[i] = ckpt_find(img, CKPT_HDR_PTY_DATA, i);
		ASSERT_NE(NULL, gd[i]);
		d[i] = in_copy(ic, gd[i]);
	}
	ASSERT_NE(NULL, gp);
	ASSERT_NE(NULL, gq);
	ASSERT_NE(NULL, gm);
	ASSERT_NE(NULL, gs);
	/* The canonical line, the raw read buffer, then the flip bytes */
	ASSERT_EQ(CKPT_PTY_END_SLAVE, gd[0]->end);
	ASSERT_EQ(6, gd[0]->len);
	ASSERT_EQ(4, gd[0]->canon_len);
	ASSERT_EQ(CKPT_PTY_DATA_LDISC, gd[1]->kind);
	ASSERT_EQ(CKPT_PTY_DATA_FLIP, gd[2]->kind);
	ASSERT_EQ(FLIP_LEN, gd[1]->len + gd[2]->len);
	ASSERT_EQ(5, gm->rdev >> 20);		/* /dev/ptmx: TTYAUX_MAJOR */
	p = in_copy(ic, gp);
	q = in_copy(ic, gq);
	m = in_copy(ic, gm);
	s = in_copy(ic, gs);
	map = (uint8_t *)(d[0] + 1) + gd[0]->len;

	expect_restart(_metadata, ic, ic->len, 0, "good image");

	p->flags |= 0x8;
	expect_einval(_metadata, ic, "PTY unknown flag");
	p->pktstatus |= 0x80;
	expect_einval(_metadata, ic, "PTY unknown pktstatus bit");
	q->pktstatus = TIOCPKT_FLUSHREAD;
	expect_einval(_metadata, ic, "PTY pktstatus without packet mode");
	p->nr_data = 5;
	expect_einval(_metadata, ic, "PTY nr_data 5");
	p->nr_data = 0;
	expect_einval(_metadata, ic, "PTY one PTY_DATA too few");
	p->nr_data = 2;
	expect_einval(_metadata, ic, "PTY one PTY_DATA too many");
	p->master.line = 1;
	expect_einval(_metadata, ic, "PTY master line discipline 1");
	p->slave.lflag |= EXTPROC;
	expect_einval(_metadata, ic, "PTY slave EXTPROC");
	p->slave.__pad[3] = 1;
	expect_einval(_metadata, ic, "PTY termios __pad");

	d[0]->end = 3;
	expect_einval(_metadata, ic, "PTY_DATA end 3");
	d[0]->kind = 0;
	expect_einval(_metadata, ic, "PTY_DATA kind 0");
	d[2]->kind = CKPT_PTY_DATA_LDISC;
	expect_einval(_metadata, ic, "PTY_DATA out of order");
	d[0]->len = 0;
	expect_einval(_metadata, ic, "PTY_DATA len 0");
	d[1]->len = CKPT_PTY_LDISC_MAX + 1;
	expect_einval(_metadata, ic, "PTY_DATA read buffer past 4096 bytes");
	d[2]->len = 0x7fffffff;
	expect_einval(_metadata, ic, "PTY_DATA flip bytes past 65536");
	d[0]->flags = 0x8;
	expect_einval(_metadata, ic, "PTY_DATA unknown flag");
	d[0]->__pad = 1;
	expect_einval(_metadata, ic, "PTY_DATA __pad");
	d[0]->canon_len = 7;
	expect_einval(_metadata, ic, "PTY_DATA canon_len past len");
	d[0]->canon_len = 2;
	expect_einval(_metadata, ic, "PTY_DATA line end past canon_len");
	d[0]->canon_len = 0;
	expect_einval(_metadata, ic, "PTY_DATA line end, canon_len 0");
	map[0] |= 0x80;
	expect_einval(_metadata, ic, "PTY_DATA line end past len");
	d[1]->canon_len = 1;
	expect_einval(_metadata, ic, "PTY_DATA canon_len in raw mode");
	((uint8_t *)(d[1] + 1))[gd[1]->len] |= 1;
	expect_einval(_metadata, ic, "PTY_DATA line end in raw mode");
	d[2]->flags = CKPT_PTY_DATA_LNEXT;
	expect_einval(_metadata, ic, "PTY_DATA flags for flip bytes");

	m->rdev = 5 << 20 | 3;
	expect_einval(_metadata, ic, "pty FILE rdev 5:3");
	s->rdev = 135 << 20;
	expect_einval(_metadata, ic, "pty FILE slave major 135");
	m->flags = CKPT_O_RDONLY;
	expect_einval(_metadata, ic, "pty FILE master read-only");
	s->flags |= CKPT_O_PATH;
	expect_einval(_metadata, ic, "pty FILE slave O_PATH");
	m->obj_ref = 9999;
	expect_einval(_metadata, ic, "pty FILE dangling obj_ref");
	m->path_len = 8;
	expect_einval(_metadata, ic, "pty FILE path_len 8");
	/* One opening of /dev/ptmx is one pair: a second master is bad */
	s->rdev = gm->rdev;
	s->flags = gm->flags;
	expect_einval_saying(_metadata, ic, "pty FILE second master",
			     "is taken already");

	/* A master's termios cannot be set: restart refuses new ones */
	p->master.iflag ^= IGNBRK;
	expect_restart_only(_metadata, ic, EOPNOTSUPP, "PTY master termios");
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
