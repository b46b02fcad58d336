/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the checkpoint/restart selftests: system call
 * wrappers, an image decoder that checks framing, object references
 * and the CRC32C, ways to capture an image, and target processes with
 * a known state.
 */
#ifndef CKPT_UTIL_H
#define CKPT_UTIL_H

#include <pthread.h>
#include <stdbool.h>
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

#define CKPT_ALIGN_UP(x)	(((x) + CKPT_ALIGN - 1) & ~(size_t)(CKPT_ALIGN - 1))

long sys_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd);
long sys_restart(pid_t pid, int fd, unsigned long flags, int logfd);

uint32_t ckpt_crc32c(const void *buf, size_t len);
const char *ckpt_rec_name(uint32_t type);
size_t ckpt_rec_size(uint32_t type);	/* fixed part; 0 if unknown */

/* A decoded image: the records point into the caller's buffer */
struct ckpt_image {
	unsigned char *buf;
	size_t len;
	const struct ckpt_hdr **recs;	/* every record, TAIL included */
	unsigned int nr;
	const struct ckpt_hdr_header *hdr;
	const struct ckpt_hdr_ns *ns;	/* the second record */
	const struct ckpt_hdr_tail *tail;
	const struct ckpt_hdr **objs;	/* objs[id]: the defining record */
	unsigned int nr_objs;
	char err[256];			/* why ckpt_parse() failed */
};

/*
 * Decode an image, checking it the way the kernel must: framing,
 * HEADER first and TAIL last, known record types, exact record lengths,
 * zero padding, object ids 1, 2, 3... in stream order, references to
 * earlier objects of the right type, the record count and the CRC32C.
 * Returns 0, or -1 with img->err set.
 */
int ckpt_parse(struct ckpt_image *img, void *buf, size_t len);
void ckpt_image_free(struct ckpt_image *img);

/* The @n-th (from 0) record of @type, or NULL */
const void *ckpt_find(const struct ckpt_image *img, uint32_t type,
		      unsigned int n);
unsigned int ckpt_count(const struct ckpt_image *img, uint32_t type);
/* The record defining object @id, if it has @type; NULL otherwise */
const void *ckpt_obj(const struct ckpt_image *img, uint32_t id, uint32_t type);
/* Index of a record in img->recs, or -1 */
int ckpt_index(const struct ckpt_image *img, const void *rec);
/* The VMA record containing @addr, or NULL */
const struct ckpt_hdr_vma *ckpt_find_vma(const struct ckpt_image *img,
					 uint64_t addr);
/* The saved data of the page at @addr, or NULL if not saved */
const void *ckpt_find_page(const struct ckpt_image *img, uint64_t addr);
/* Path of a FILE record */
const char *ckpt_file_path(const struct ckpt_hdr_file *f);

/*
 * Recompute the TAIL (the last sizeof(struct ckpt_hdr_tail) bytes of
 * @buf) after a change: its CRC32C, and its record count if
 * @nr_records is not negative.
 */
void ckpt_fix_tail(void *buf, size_t len, int nr_records);

/* Where checkpoint() writes */
enum ckpt_sink {
	CKPT_SINK_PIPE,
	CKPT_SINK_FILE,
	CKPT_SINK_MEMFD,
};

/*
 * checkpoint(@pid) into @sink and read the image back into a malloc()ed
 * buffer.  Returns 0, or the errno of checkpoint().
 */
int ckpt_capture(pid_t pid, enum ckpt_sink sink, unsigned long flags,
		 int logfd, void **buf, size_t *len);

/* A thread draining a pipe into a buffer */
struct pipe_drain {
	int fd;
	char *buf;
	size_t len;
	size_t cap;
	int err;
	pthread_t thread;
};

int pipe_drain_start(struct pipe_drain *d, int fd);
/* Wait for EOF; returns 0 or an errno; d->buf is NUL-terminated */
int pipe_drain_finish(struct pipe_drain *d);

/* A memfd holding @len bytes of @buf, positioned at 0 */
int memfd_with(const void *buf, size_t len);
/* Read everything of @fd from offset 0 into a malloc()ed buffer */
int read_all(int fd, void **buf, size_t *len);

/*
 * restart(0, image, CKPT_RESTART_VERIFY) on an image held in memory.
 * Returns 0 or the errno; the kernel's log goes to @log (NUL-terminated).
 */
int ckpt_verify_buf(const void *buf, size_t len, char *log, size_t logsize);

/*
 * Target processes.  target_spawn() forks a child that makes itself a
 * clean target: it unmaps the shared anonymous memory inherited from
 * the test harness, closes every fd but 0, 1 and 2, which it points at
 * /dev/null, and asks to be killed with its parent.  It then runs @fn,
 * which sets up its state and stops itself (raise(SIGSTOP) or
 * known_stop()); @fn's return value, once continued, is the child's
 * exit status.  target_spawn() waits for the stop and returns the
 * pid; if the child exits instead, it returns -1 and
 * target_setup_status holds its wait status.
 */
typedef int (*target_fn)(void *arg);

extern int target_setup_status;

pid_t target_spawn(target_fn fn, void *arg);
/*
 * Made with clone(2) and @ns_flags (CLONE_NEWPID...), in new
 * namespaces, as a container's init, which cannot stop itself (an init
 * takes no signal it has no handler for from its own namespace): the
 * target runs, target_spawn_ns() does not wait
 */
pid_t target_spawn_ns(unsigned long ns_flags, target_fn fn, void *arg);
/* Same, but do not wait: the target runs */
pid_t target_spawn_running(target_fn fn, void *arg);
/* SIGKILL and reap */
void target_kill(pid_t pid);
/* SIGCONT and wait for the exit; returns the wait status, or -1 */
int target_continue(pid_t pid);
/* Letter of /proc/PID/stat, 0 on error */
char proc_state(pid_t pid);

/*
 * SIGKILL and reap every child of the caller, and the descendants that
 * come to it as they die: the caller must be a child subreaper
 * (PR_SET_CHILD_SUBREAPER) for those to be its children
 */
void reap_descendants(void);

/* Default @fn: stop, then exit 0 */
int target_stop_fn(void *arg);
/* Never stops: sleeps until killed */
int target_sleep_fn(void *arg);
/* A thread that pauses for ever (a pthread_create() start routine) */
void *pause_thread(void *arg);

/* Drop to uid/gid 65534 (when root) and make the process dumpable */
int become_nobody(void);

/*
 * A known register state at a known stop point.  known_stop() loads
 * rbx, rbp, r12-r15, rdx, r8-r10 with known_gpr(), xmm0-15 (ymm0-15
 * with AVX) with known_vec(), MXCSR with KNOWN_MXCSR, the stack pointer
 * with KNOWN_STACK, and does kill(getpid(), SIGSTOP) with a raw
 * syscall.  The stopped task's ip is known_stop_resume, ax is 0,
 * orig_ax __NR_kill, di its pid, si SIGSTOP.  Once continued it checks
 * that every register still holds its value (di and si included) and
 * returns 0 if so, else 91 (a general register), 92 (a vector
 * register), 93 (rax), 94 (rsp), 95 (MXCSR) or 96 (rdi or rsi).
 * The state lives in a page at KNOWN_REGS_ADDR.
 */
#define KNOWN_REGS_ADDR		0x7e0000300000UL
#define KNOWN_STACK		(KNOWN_REGS_ADDR + 4096 - 128)
#define KNOWN_MXCSR		0xbf80U	/* masks, round down, FTZ */
#define KNOWN_NR_GPR		10

/* Order of known_gpr() */
enum { KG_BX, KG_BP, KG_R12, KG_R13, KG_R14, KG_R15, KG_DX, KG_R8, KG_R9,
	KG_R10 };

uint64_t known_gpr(int i);
uint64_t known_vec(int reg, int word);	/* word 0-1: xmm, 2-3: ymm high */
int known_stop(bool avx);
/* The assembly part of known_stop(), and the address its syscall returns to */
void known_stop_asm(void);
extern char known_stop_resume[];

bool cpu_has_avx(void);
bool cpu_has_osxsave(void);
uint64_t xgetbv0(void);

/* Page patterns: byte i of a page filled with @seed */
void fill_pattern(void *p, size_t len, unsigned int seed);
bool check_pattern(const void *p, size_t len, unsigned int seed);

/* Write the string @s to the file @path (no newline added): 0 or -1 */
int write_str(const char *path, const char *s);
/* capset(2) of the effective, permitted and inheritable sets, 64 bits */
int capset3(uint64_t e, uint64_t p, uint64_t i);

/*
 * /dev/kmsg watching: kmsg_open() positions at the end, kmsg_splat()
 * reads what was logged since and returns true (with the line) if it
 * holds an oops, a BUG, a WARNING or a sanitizer report.
 */
int kmsg_open(void);
bool kmsg_splat(int fd, char *line, size_t size);

/*
 * Marks of the kernel log around fault injection (kmsg_note() writes
 * one): between them, an allocation failure report of warn_alloc() for
 * vmalloc() ("vmalloc error:", to the end of its stack, 80 lines at
 * most, and only until another report begins) is what an injected
 * failure gives, not a splat, and neither kmsg_splat() nor
 * scripts/ckpt/splat-check takes it for one.
 */
#define CKPT_KMSG_FAULTS_ON	"ckpt-fault: injecting faults"
#define CKPT_KMSG_FAULTS_OFF	"ckpt-fault: no more faults"
int kmsg_note(const char *msg);

/*
 * /dev/kmsg, opened at the end of the log when the program starts (-1
 * if it cannot be read).  Each test program ends with a test that
 * checks it for splats, so that one is blamed on the program that
 * caused it.
 */
extern int ckpt_kmsg_fd;

/*
 * The last test of a program (fixtures run in the order they are
 * defined, after the TESTs): nothing before made the kernel complain.
 * Use after including ../kselftest_harness.h.
 */
#define CKPT_NO_SPLAT_TEST()						\
	FIXTURE(kernel_log) {};						\
	FIXTURE_SETUP(kernel_log) {}					\
	FIXTURE_TEARDOWN(kernel_log) {}					\
	TEST_F(kernel_log, no_splat)					\
	{								\
		char line[1024];					\
									\
		if (ckpt_kmsg_fd < 0)					\
			SKIP(return, "cannot read /dev/kmsg");		\
		EXPECT_FALSE(kmsg_splat(ckpt_kmsg_fd, line,		\
					sizeof(line))) {		\
			TH_LOG("kernel splat: %s", line);		\
		}							\
	}

#endif /* CKPT_UTIL_H */
