// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the checkpoint/restart user tools.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "ckpt_common.h"

const char *progname = "ckpt";

static void vmsg(const char *fmt, va_list ap, int err)
{
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
	exit(1);
}

void die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, err);
	va_end(ap);
	exit(1);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap, 0);
	va_end(ap);
}

long sys_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_checkpoint, pid, fd, flags, logfd);
}

long sys_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_restart, pid, fd, flags, logfd);
}

static uint32_t crc32c_table[256];

static void crc32c_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ ((c & 1) ? 0x82f63b78U : 0);
		crc32c_table[i] = c;
	}
}

uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (!crc32c_table[1])
		crc32c_init();
	while (len--)
		crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

uint32_t crc32c(const void *buf, size_t len)
{
	return ~crc32c_update(~0U, buf, len);
}

static const struct ckpt_rec_desc rec_desc[] = {
#define CKPT_REC(up, lc) { CKPT_HDR_##up, #up, sizeof(struct ckpt_hdr_##lc) },
#include "ckpt_names.h"
#undef CKPT_REC
};

unsigned int ckpt_nr_rec_desc(void)
{
	return ARRAY_SIZE(rec_desc);
}

const struct ckpt_rec_desc *ckpt_rec_desc_at(unsigned int i)
{
	return i < ckpt_nr_rec_desc() ? &rec_desc[i] : NULL;
}

const struct ckpt_rec_desc *ckpt_rec_desc(uint32_t type)
{
	unsigned int i;

	for (i = 0; i < ckpt_nr_rec_desc(); i++)
		if (rec_desc[i].type == type)
			return &rec_desc[i];
	return NULL;
}

const char *ckpt_rec_name(uint32_t type)
{
	const struct ckpt_rec_desc *d = ckpt_rec_desc(type);

	return d ? d->name : "UNKNOWN";
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, (char *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		done += n;
	}
	return done;
}

int write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += n;
	}
	return 0;
}
