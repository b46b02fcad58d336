// SPDX-License-Identifier: GPL-2.0
/*
 * restart(2) with CKPT_RESTART_VERIFY: accepts the images checkpoint(2)
 * writes, from a memfd, a pipe or a file, and rejects bad arguments.
 * Damaged images are given to VERIFY and to a full restart, each with
 * the errno it must give, by the "bad" tests of ckpt_restart_test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"
#include "ckpt_harness.h"

/* A target with a page of known data, so that the image has one */
#define DATA_ADDR	0x7e0000000000UL

static int data_fn(void *arg)
{
	char *p = mmap((void *)DATA_ADDR, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	(void)arg;
	if (p != (void *)DATA_ADDR)
		return 1;
	fill_pattern(p, 4096, 7);
	raise(SIGSTOP);
	return 0;
}

/* The decoder's CRC32C is the standard one: its check value */
TEST(crc32c_check_value)
{
	EXPECT_EQ(0xe3069283, ckpt_crc32c("123456789", 9));
	EXPECT_EQ(0, ckpt_crc32c("", 0));
}

FIXTURE(verify) {
	struct image_copy c;
};

FIXTURE_SETUP(verify)
{
	image_copy_init(_metadata, &self->c, data_fn, NULL);
}

FIXTURE_TEARDOWN(verify)
{
	image_copy_free(&self->c);
}

TEST_F(verify, good_image)
{
	struct image_copy *ic = &self->c;
	char log[4096], line[1024];

	EXPECT_EQ(0, ckpt_verify_buf(ic->buf, ic->len, log, sizeof(log))) {
		TH_LOG("log: %s", log);
	}
	EXPECT_FALSE(kmsg_splat(ic->kmsg, line, sizeof(line))) {
		TH_LOG("kernel splat: %s", line);
	}
}

/* Reading the image from a pipe and from a regular file works too */
TEST_F(verify, from_pipe_and_file)
{
	struct image_copy *ic = &self->c;
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	int p[2], fd;
	long ret;

	ASSERT_EQ(0, pipe(p));
	fd = fork();
	ASSERT_LE(0, fd);
	if (fd == 0) {
		size_t done = 0;
		ssize_t n;

		close(p[0]);
		while (done < ic->len) {
			n = write(p[1], ic->buf + done, ic->len - done);
			if (n <= 0)
				_exit(1);
			done += n;
		}
		_exit(0);
	}
	close(p[1]);
	ret = sys_restart(0, p[0], CKPT_RESTART_VERIFY, -1);
	EXPECT_EQ(0, ret) {
		TH_LOG("from a pipe: %s", strerror(errno));
	}
	close(p[0]);
	kill(fd, SIGKILL);
	waitpid(fd, NULL, 0);

	snprintf(path, sizeof(path), "%s/ckpt_verify.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ((ssize_t)ic->len, write(fd, ic->buf, ic->len));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ret = sys_restart(0, fd, CKPT_RESTART_VERIFY, -1);
	EXPECT_EQ(0, ret) {
		TH_LOG("from a file: %s", strerror(errno));
	}
	close(fd);
}

TEST_F(verify, bad_arguments)
{
	struct image_copy *ic = &self->c;
	int fd = memfd_with(ic->buf, ic->len), closed;

	ASSERT_LE(0, fd);
	closed = dup(fd);
	ASSERT_LE(0, closed);
	close(closed);
	EXPECT_EQ(-1, sys_restart(1, fd, CKPT_RESTART_VERIFY, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(getpid(), fd, CKPT_RESTART_VERIFY, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(0, fd, CKPT_RESTART_VERIFY | (1UL << 40), -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(0, fd, ~0UL, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(0, -1, CKPT_RESTART_VERIFY, -1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_restart(0, closed, CKPT_RESTART_VERIFY, -1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_restart(0, fd, CKPT_RESTART_VERIFY, closed));
	EXPECT_EQ(EBADF, errno);
	/* None of that consumed the image */
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(0, sys_restart(0, fd, CKPT_RESTART_VERIFY, -1)) {
		TH_LOG("good image: %s", strerror(errno));
	}
	close(fd);
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
