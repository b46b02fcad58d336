/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the checkpoint/restart user tools: the system call
 * wrappers, CRC32C and the table of record types.
 */
#ifndef CKPT_COMMON_H
#define CKPT_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/checkpoint_hdr.h>

#ifndef __NR_checkpoint
#define __NR_checkpoint		463
#endif
#ifndef __NR_restart
#define __NR_restart		464
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif

#define CKPT_ALIGN_UP(x)	(((x) + CKPT_ALIGN - 1) & ~(uint64_t)(CKPT_ALIGN - 1))

extern const char *progname;

/* Print "progname: <msg>" (and ": strerror(errno)" for die_errno) */
void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...);
void __attribute__((format(printf, 1, 2), noreturn)) die_errno(const char *fmt, ...);
void __attribute__((format(printf, 1, 2))) warn(const char *fmt, ...);

long sys_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd);
long sys_restart(pid_t pid, int fd, unsigned long flags, int logfd);

/* CRC32C (Castagnoli), reflected: pass ~0 first, invert the result */
uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len);
uint32_t crc32c(const void *buf, size_t len);

/* One entry per enum ckpt_hdr_type value, generated from the uapi header */
struct ckpt_rec_desc {
	uint32_t type;
	const char *name;
	size_t size;	/* sizeof the record's fixed part */
};

const struct ckpt_rec_desc *ckpt_rec_desc(uint32_t type);
const struct ckpt_rec_desc *ckpt_rec_desc_at(unsigned int i);
unsigned int ckpt_nr_rec_desc(void);
const char *ckpt_rec_name(uint32_t type);

/* read()/write() the whole buffer, retrying on EINTR and short counts */
ssize_t read_full(int fd, void *buf, size_t len);
int write_full(int fd, const void *buf, size_t len);

#endif /* CKPT_COMMON_H */
