// SPDX-License-Identifier: GPL-2.0
/*
 * The logfd of checkpoint(2) and restart(2): human-readable lines of
 * progress, and on failure the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC	0x0001U
#endif

#define ODD_FD		173

/* Lines of text: printable characters, tabs and newlines, ending a line */
static bool is_text(const char *log, size_t len)
{
	size_t i;

	if (!len || log[len - 1] != '\n')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = log[i];

		if (c != '\n' && c != '\t' && (c < 0x20 || c > 0x7e))
			return false;
	}
	return true;
}

static bool has_number(const char *log, int n)
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

static int socket_fd_fn(void *arg)
{
	int s[2];

	(void)arg;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) ||
	    dup2(s[1], ODD_FD) != ODD_FD)
		return 1;
	close(s[0]);
	close(s[1]);
	raise(SIGSTOP);
	return 0;
}

/*
 * checkpoint(@pid) into a memfd with a pipe as logfd; returns the errno
 * (0 on success) and the log in @log (malloc()ed, NUL-terminated).
 */
static int ckpt_with_log_pipe(pid_t pid, char **log, size_t *len)
{
	struct pipe_drain d;
	int fd, p[2], err;
	long ret;

	*log = NULL;
	*len = 0;
	fd = memfd_create("ckpt-image", MFD_CLOEXEC);
	if (fd < 0 || pipe2(p, O_CLOEXEC))
		return -1;
	if (pipe_drain_start(&d, p[0]))
		return -1;
	ret = sys_checkpoint(pid, fd, 0, p[1]);
	err = ret < 0 ? errno : ret;
	close(p[1]);
	pipe_drain_finish(&d);
	close(p[0]);
	close(fd);
	*log = d.buf;
	*len = d.len;
	return err;
}

TEST(success_logs_to_pipe)
{
	pid_t pid = target_spawn(target_stop_fn, NULL);
	size_t len;
	char *log;
	int err;

	ASSERT_GT(pid, 0);
	err = ckpt_with_log_pipe(pid, &log, &len);
	EXPECT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	ASSERT_NE(NULL, log);
	EXPECT_LT(0, len);
	EXPECT_EQ(strlen(log), len);
	EXPECT_TRUE(is_text(log, len)) {
		TH_LOG("log: %s", log);
	}
	free(log);
	target_kill(pid);
}

TEST(refusal_names_the_fd)
{
	pid_t pid = target_spawn(socket_fd_fn, NULL);
	size_t len;
	char *log;
	int err;

	ASSERT_GT(pid, 0);
	err = ckpt_with_log_pipe(pid, &log, &len);
	EXPECT_EQ(EOPNOTSUPP, err);
	ASSERT_NE(NULL, log);
	EXPECT_TRUE(is_text(log, len)) {
		TH_LOG("log: %s", log);
	}
	EXPECT_TRUE(has_number(log, ODD_FD)) {
		TH_LOG("log does not name fd %d: %s", ODD_FD, log);
	}
	free(log);
	target_kill(pid);
}

/* Refusing a running target says why */
TEST(refusal_not_stopped)
{
	pid_t pid = target_spawn_running(target_sleep_fn, NULL);
	size_t len;
	char *log;
	int err;

	ASSERT_GT(pid, 0);
	err = ckpt_with_log_pipe(pid, &log, &len);
	EXPECT_EQ(EBUSY, err);
	ASSERT_NE(NULL, log);
	EXPECT_TRUE(is_text(log, len)) {
		TH_LOG("log: %s", log);
	}
	free(log);
	target_kill(pid);
}

/* VERIFY of a damaged image says what is wrong */
TEST(verify_logs_the_reason)
{
	pid_t pid = target_spawn(target_stop_fn, NULL);
	struct ckpt_hdr_header *h;
	char log[4096];
	size_t len;
	void *buf;
	int err;

	ASSERT_GT(pid, 0);
	err = ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1, &buf, &len);
	target_kill(pid);
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	h = buf;
	h->magic ^= 0x100;
	ckpt_fix_tail(buf, len, -1);
	EXPECT_EQ(EINVAL, ckpt_verify_buf(buf, len, log, sizeof(log)));
	EXPECT_TRUE(is_text(log, strlen(log))) {
		TH_LOG("log: %s", log);
	}
	free(buf);
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
