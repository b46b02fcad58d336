// SPDX-License-Identifier: GPL-2.0
/*
 * restart(2) for real: checkpoint a process, kill it, restart it from
 * its image, and check that the new process carries on with the state
 * it had: memory, registers, open files, an interrupted system call,
 * credentials, and its pid on request.  Also: an unprivileged user
 * restarts its own processes but nobody else's, nor wider capabilities
 * than its own; the original may run on next to its copy; a bad image
 * or a missing file fails cleanly, leaving no process behind; real
 * programs (busybox sh and awk) finish with the output of an
 * uninterrupted run; and the restart tool does what it says.
 *
 * The restored processes report what they find through their exit
 * status, and the first mismatch in the file "report" of the test's
 * directory, which the test prints when it fails.  They may not hold
 * pipes or sockets: only regular files, /dev/null and terminals.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <grp.h>
#include <asm/prctl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"
#include "ckpt_harness.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER	36
#endif

/* ---- memory ---- */

#define ANON_ADDR		0x7e0000000000UL
#define PRIV_ADDR		0x7e0000100000UL
#define SHARED_ADDR		0x7e0000200000UL
#define PROT_ADDR		0x7e0000400000UL
#define SPIN_ADDR		0x7e0000500000UL
#define SPIN_STACK_ADDR		0x7e0000600000UL
#define SPIN_STACK_SIZE		(64 * 1024UL)
#define GS_VALUE		0x7e0000700000UL
#define SPARSE_ADDR		0x7e4000000000UL
#define SPARSE_SIZE		(1024UL * 1024 * 1024)

static bool zero_page(const void *p)
{
	const uint64_t *q = p;
	size_t i;

	for (i = 0; i < PS / 8; i++)
		if (q[i])
			return false;
	return true;
}

/* Pages 0, 2, 5 and 7 of 8 written, 6 written then dropped */
static int anon_fn(void *arg)
{
	volatile char *p;
	int i;

	(void)arg;
	p = mmap((void *)ANON_ADDR, 8 * PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)ANON_ADDR)
		return fail(1, "mmap: %m");
	fill_pattern((char *)p, PS, 1);
	fill_pattern((char *)p + 2 * PS, PS, 2);
	for (i = 5; i < 8; i++)
		fill_pattern((char *)p + i * PS, PS, i);
	if (madvise((char *)p + 6 * PS, PS, MADV_DONTNEED))
		return fail(2, "madvise: %m");
	(void)p[3 * PS];	/* the zero page */

	raise(SIGSTOP);

	if (!check_pattern((char *)p, PS, 1) ||
	    !check_pattern((char *)p + 2 * PS, PS, 2) ||
	    !check_pattern((char *)p + 5 * PS, PS, 5) ||
	    !check_pattern((char *)p + 7 * PS, PS, 7))
		return fail(10, "a written page lost its data");
	for (i = 0; i < 8; i++) {
		if ((i == 1 || i == 3 || i == 4 || i == 6) &&
		    !zero_page((char *)p + i * PS))
			return fail(11, "page %d is not zero", i);
	}
	if (check_map(ANON_ADDR, 8 * PS, "rw-p", 12))
		return 12;
	/* Still writable, every page of it */
	for (i = 0; i < 8; i++)
		fill_pattern((char *)p + i * PS, PS, 100 + i);
	for (i = 0; i < 8; i++)
		if (!check_pattern((char *)p + i * PS, PS, 100 + i))
			return fail(13, "page %d not written", i);
	return 0;
}

TEST_F_TIMEOUT(restart, memory_anon, 120)
{
	cycle(_metadata, &self->r, anon_fn, NULL);
}

static char *g_small, *g_big, *g_brk_area;
static unsigned long g_brk_end;
#define SMALL_SIZE	60000
#define BIG_SIZE	(4UL << 20)

/* A malloc() chunk on the heap, one mmap()ed, and pages got by sbrk() */
static int heap_fn(void *arg)
{
	unsigned long brk_now;
	char *more, *again;

	(void)arg;
	g_small = malloc(SMALL_SIZE);
	g_big = malloc(BIG_SIZE);
	if (!g_small || !g_big)
		return fail(1, "malloc");
	fill_pattern(g_small, SMALL_SIZE, 11);
	fill_pattern(g_big, BIG_SIZE, 12);
	g_brk_area = sbrk(3 * PS);
	if (g_brk_area == (void *)-1)
		return fail(2, "sbrk: %m");
	fill_pattern(g_brk_area, 3 * PS, 13);
	g_brk_end = syscall(SYS_brk, 0);

	raise(SIGSTOP);

	if (!check_pattern(g_small, SMALL_SIZE, 11))
		return fail(10, "malloc()ed heap chunk changed");
	if (!check_pattern(g_big, BIG_SIZE, 12))
		return fail(11, "mmap()ed malloc() chunk changed");
	if (!check_pattern(g_brk_area, 3 * PS, 13))
		return fail(12, "sbrk() area changed");
	brk_now = syscall(SYS_brk, 0);
	if (brk_now != g_brk_end)
		return fail(13, "program break %#lx, was %#lx", brk_now,
			    g_brk_end);
	/* The heap still grows */
	more = sbrk(16 * PS);
	if (more == (void *)-1)
		return fail(14, "sbrk after restart: %m");
	if ((unsigned long)more != g_brk_end)
		return fail(15, "sbrk gave %p, not %#lx", more, g_brk_end);
	fill_pattern(more, 16 * PS, 14);
	if (!check_pattern(more, 16 * PS, 14))
		return fail(16, "new heap pages");
	again = malloc(300000);
	if (!again)
		return fail(17, "malloc after restart");
	memset(again, 0x5a, 300000);
	free(again);
	free(g_small);
	free(g_big);
	return 0;
}

TEST_F_TIMEOUT(restart, memory_heap, 120)
{
	cycle(_metadata, &self->r, heap_fn, NULL);
}

static int __attribute__((noinline)) recurse(int n)
{
	volatile char buf[1024];

	buf[0] = (char)n;
	buf[1023] = (char)(n >> 8);
	if (!n)
		return 0;
	return recurse(n - 1) + (buf[0] & 0x7f) + (buf[1023] & 1);
}

/* A pattern on the stack; the stack grows after the restart */
static int stack_fn(void *arg)
{
	volatile char buf[32768];
	volatile uint64_t canary = 0x5ac4ca4a12345678ULL;
	int expect = 0, i;

	(void)arg;
	fill_pattern((char *)buf, sizeof(buf), 21);

	raise(SIGSTOP);

	if (canary != 0x5ac4ca4a12345678ULL)
		return fail(10, "stack variable %#llx",
			    (unsigned long long)canary);
	if (!check_pattern((char *)buf, sizeof(buf), 21))
		return fail(11, "stack buffer changed");
	for (i = 1; i <= 3000; i++)
		expect += (i & 0x7f) + ((i >> 8) & 1);
	/* 3 MiB more stack: the grows-down mapping must still grow */
	if (recurse(3000) != expect)
		return fail(12, "recursion result");
	return 0;
}

TEST_F_TIMEOUT(restart, memory_stack, 120)
{
	cycle(_metadata, &self->r, stack_fn, NULL);
}

/*
 * priv.dat (pages 40, 41, 42) mapped private: page 0 read, page 1
 * written (51), page 2 untouched.  Writes never reach the file.
 */
static int priv_fn(void *arg)
{
	char path[PATH_MAX + 16];
	volatile char *p, *q;
	struct map_info m;
	int fd;

	(void)arg;
	path_of(path, sizeof(path), "priv.dat");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(1, "open: %m");
	p = mmap((void *)PRIV_ADDR, 3 * PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	if (p != (void *)PRIV_ADDR)
		return fail(2, "mmap: %m");
	/* Pages 1 and 2 again, read-only */
	q = mmap((void *)(PRIV_ADDR + 4 * PS), 2 * PS, PROT_READ,
		 MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, PS);
	if (q != (void *)(PRIV_ADDR + 4 * PS))
		return fail(4, "mmap at an offset: %m");
	close(fd);	/* mapped only */
	if (!check_pattern((char *)p, PS, 40))
		return fail(3, "page 0 before");
	fill_pattern((char *)p + PS, PS, 51);

	raise(SIGSTOP);

	if (!check_pattern((char *)p, PS, 40))
		return fail(10, "page 0 (read from the file) changed");
	if (!check_pattern((char *)p + PS, PS, 51))
		return fail(11, "page 1 (written) lost its data");
	if (!check_pattern((char *)p + 2 * PS, PS, 42))
		return fail(12, "page 2 (untouched) is not the file's");
	if (check_map(PRIV_ADDR, 3 * PS, "rw-p", 13))
		return 13;
	if (find_map(PRIV_ADDR, &m) || strcmp(m.path, path))
		return fail(14, "mapping of %s, not %s", m.path, path);
	if (check_map(PRIV_ADDR + 4 * PS, 2 * PS, "r--p", 16))
		return 16;
	if (!check_pattern((char *)q, PS, 41) ||
	    !check_pattern((char *)q + PS, PS, 42))
		return fail(17, "mapping at file offset %#lx", PS);
	fill_pattern((char *)p, PS, 50);
	if (!check_pattern((char *)p, PS, 50))
		return fail(15, "page 0 not writable");
	return 0;
}

TEST_F_TIMEOUT(restart, memory_private_file, 120)
{
	size_t len;
	char *data;
	int i;

	ASSERT_EQ(0, write_pages("priv.dat", 3, 40));
	cycle(_metadata, &self->r, priv_fn, NULL);
	data = read_file("priv.dat", &len);
	ASSERT_NE(NULL, data);
	ASSERT_EQ(3 * PS, len);
	for (i = 0; i < 3; i++) {
		EXPECT_TRUE(check_pattern(data + i * PS, PS, 40 + i)) {
			TH_LOG("a private write reached page %d of the file", i);
		}
	}
	free(data);
}

/*
 * shared.dat mapped shared and written (60) before the checkpoint; the
 * test rewrites page 0 (62) before the restart, which the restored
 * mapping must see; the restored process writes page 1 (61).
 */
static int shared_fn(void *arg)
{
	char path[PATH_MAX + 16];
	volatile char *p;
	int fd;

	(void)arg;
	path_of(path, sizeof(path), "shared.dat");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(1, "open: %m");
	p = mmap((void *)SHARED_ADDR, 2 * PS, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (p != (void *)SHARED_ADDR)
		return fail(2, "mmap: %m");
	close(fd);
	fill_pattern((char *)p, PS, 60);

	raise(SIGSTOP);

	if (check_map(SHARED_ADDR, 2 * PS, "rw-s", 10))
		return 10;
	if (!check_pattern((char *)p, PS, 62))
		return fail(11, "page 0 is not what the file holds now%s",
			    check_pattern((char *)p, PS, 60) ?
			    " (it holds the checkpointed data: saved as private?)" :
			    "");
	fill_pattern((char *)p + PS, PS, 61);
	if (msync((void *)p, 2 * PS, MS_SYNC))
		return fail(12, "msync: %m");
	return 0;
}

TEST_F_TIMEOUT(restart, memory_shared_file, 120)
{
	char path[PATH_MAX + 16], page[PS];
	size_t len;
	char *data;
	int fd;

	ASSERT_EQ(0, write_pages("shared.dat", 2, 0));
	spawn_and_checkpoint(_metadata, &self->r, shared_fn, NULL);
	/* The file holds what was written through the mapping */
	data = read_file("shared.dat", &len);
	ASSERT_NE(NULL, data);
	EXPECT_TRUE(check_pattern(data, PS, 60));
	free(data);
	/* Changed behind its back: a shared mapping shows the file */
	fill_pattern(page, PS, 62);
	path_of(path, sizeof(path), "shared.dat");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(PS, pwrite(fd, page, PS, 0));
	close(fd);

	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
	data = read_file("shared.dat", &len);
	ASSERT_NE(NULL, data);
	ASSERT_EQ(2 * PS, len);
	EXPECT_TRUE(check_pattern(data, PS, 62));
	EXPECT_TRUE(check_pattern(data + PS, PS, 61)) {
		TH_LOG("a write through the restored shared mapping did not reach the file");
	}
	free(data);
}

static sigjmp_buf g_segv_jmp;

static void segv_handler(int sig)
{
	(void)sig;
	siglongjmp(g_segv_jmp, 1);
}

/* Pages 70-73; page 1 made read-only, page 2 inaccessible */
static int mprotect_fn(void *arg)
{
	struct sigaction sa;
	volatile char *p;
	int i;

	(void)arg;
	p = mmap((void *)PROT_ADDR, 4 * PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)PROT_ADDR)
		return fail(1, "mmap: %m");
	for (i = 0; i < 4; i++)
		fill_pattern((char *)p + i * PS, PS, 70 + i);
	if (mprotect((char *)p + PS, PS, PROT_READ) ||
	    mprotect((char *)p + 2 * PS, PS, PROT_NONE))
		return fail(2, "mprotect: %m");

	raise(SIGSTOP);

	if (check_map(PROT_ADDR, PS, "rw-p", 10) ||
	    check_map(PROT_ADDR + PS, PS, "r--p", 11) ||
	    check_map(PROT_ADDR + 2 * PS, PS, "---p", 12) ||
	    check_map(PROT_ADDR + 3 * PS, PS, "rw-p", 13))
		return 10;
	if (!check_pattern((char *)p, PS, 70) ||
	    !check_pattern((char *)p + PS, PS, 71) ||
	    !check_pattern((char *)p + 3 * PS, PS, 73))
		return fail(14, "page contents");
	/* The read-only page faults on a write */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = segv_handler;
	sa.sa_flags = SA_NODEFER;
	if (sigaction(SIGSEGV, &sa, NULL))
		return fail(15, "sigaction: %m");
	if (!sigsetjmp(g_segv_jmp, 1)) {
		p[PS + 10] = 1;
		return fail(16, "wrote to the read-only page");
	}
	signal(SIGSEGV, SIG_DFL);
	/* The inaccessible one kept its data */
	if (mprotect((char *)p + 2 * PS, PS, PROT_READ))
		return fail(17, "mprotect: %m");
	if (!check_pattern((char *)p + 2 * PS, PS, 72))
		return fail(18, "PROT_NONE page lost its data");
	return 0;
}

TEST_F_TIMEOUT(restart, memory_mprotect, 120)
{
	cycle(_metadata, &self->r, mprotect_fn, NULL);
}

static const unsigned long sparse_off[] = {
	0, (512UL << 20) + 7 * PS, SPARSE_SIZE - PS,
};

/* 1 GiB mapped, 3 pages touched */
static int sparse_fn(void *arg)
{
	static const unsigned long zero_off[] = {
		PS, 256UL << 20, (512UL << 20) + 6 * PS, SPARSE_SIZE - 2 * PS,
	};
	char *p;
	unsigned int i;

	(void)arg;
	p = mmap((void *)SPARSE_ADDR, SPARSE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
		 MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)SPARSE_ADDR)
		return fail(1, "mmap: %m");
	for (i = 0; i < ARRAY_SIZE(sparse_off); i++)
		fill_pattern(p + sparse_off[i], PS, 80 + i);

	raise(SIGSTOP);

	if (check_map(SPARSE_ADDR, SPARSE_SIZE, "rw-p", 10))
		return 10;
	for (i = 0; i < ARRAY_SIZE(sparse_off); i++)
		if (!check_pattern(p + sparse_off[i], PS, 80 + i))
			return fail(11, "page at offset %#lx", sparse_off[i]);
	for (i = 0; i < ARRAY_SIZE(zero_off); i++)
		if (!zero_page(p + zero_off[i]))
			return fail(12, "page at offset %#lx not zero",
				    zero_off[i]);
	return 0;
}

TEST_F_TIMEOUT(restart, memory_sparse, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_pages *pg;
	unsigned long pages = 0;
	unsigned int i;

	spawn_and_checkpoint(_metadata, &self->r, sparse_fn, NULL);
	img = parsed(_metadata, &self->r);
	for (i = 0; (pg = ckpt_find(img, CKPT_HDR_PAGES, i)); i++) {
		if (pg->addr >= SPARSE_ADDR &&
		    pg->addr < SPARSE_ADDR + SPARSE_SIZE)
			pages += pg->nr_pages;
	}
	EXPECT_EQ(ARRAY_SIZE(sparse_off), pages);
	/* The image holds the touched pages, not the gigabyte */
	EXPECT_GT(16UL << 20, self->r.len) {
		TH_LOG("image of %zu bytes", self->r.len);
	}
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- registers ---- */

static __thread uint64_t tls_var = 1;
#define TLS_VALUE	0x7115e1f5e1f5e1f5ULL

/*
 * known_stop() checks the general registers, rdi and rsi, the vector
 * registers and MXCSR around its kill(SIGSTOP); then TLS (fs base) and
 * the gs base.
 */
static int regs_fn(void *arg)
{
	unsigned long fs = 0, fs2 = 0, gs2 = 0;
	bool avx = *(bool *)arg;
	int ret;

	tls_var = TLS_VALUE;
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) || !fs)
		return fail(1, "ARCH_GET_FS: %m");
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, GS_VALUE))
		return fail(2, "ARCH_SET_GS: %m");

	ret = known_stop(avx);

	if (ret)
		return fail(ret, "known_stop(): %s",
			    "91 gpr, 92 vector, 93 rax, 94 rsp, 95 mxcsr, 96 rdi/rsi");
	if (syscall(SYS_arch_prctl, ARCH_GET_FS, &fs2) || fs2 != fs)
		return fail(10, "fs base %#lx, was %#lx", fs2, fs);
	if (tls_var != TLS_VALUE)
		return fail(11, "TLS variable %#llx",
			    (unsigned long long)tls_var);
	if (syscall(SYS_arch_prctl, ARCH_GET_GS, &gs2) || gs2 != GS_VALUE)
		return fail(12, "gs base %#lx, was %#lx", gs2, GS_VALUE);
	return 0;
}

TEST_F_TIMEOUT(restart, registers_xmm, 120)
{
	bool avx = false;

	cycle(_metadata, &self->r, regs_fn, &avx);
}

TEST_F_TIMEOUT(restart, registers_ymm, 120)
{
	bool avx = true;

	if (!cpu_has_avx())
		SKIP(return, "no AVX on this CPU");
	cycle(_metadata, &self->r, regs_fn, &avx);
}

/*
 * Every register at once: the target spins in a loop with all sixteen
 * general registers, rflags, the vector registers, MXCSR and the x87
 * control word loaded, and is stopped there from outside (an interrupt,
 * not a system call).  After the restart, a SIGUSR1 handler finds them
 * in its signal frame, and sends the process out of the loop.
 */
struct spin_state {
	uint64_t gpr[16];	/* rax rbx rcx rdx rsi rdi rbp rsp r8-r15 */
	uint64_t vec[16][4];	/* ymm0-15 (xmm: the low half) */
	uint64_t saved_sp;
	uint32_t mxcsr;
	uint32_t saved_mxcsr;
	uint16_t fcw;
	uint16_t saved_fcw;
	uint32_t avx;
};

#define SP_VEC		128
#define SP_SAVED_SP	640
#define SP_MXCSR	648
#define SP_SAVED_MXCSR	652
#define SP_FCW		656
#define SP_SAVED_FCW	658
#define SP_AVX		660
_Static_assert(offsetof(struct spin_state, vec) == SP_VEC, "SP_VEC");
_Static_assert(offsetof(struct spin_state, saved_sp) == SP_SAVED_SP, "");
_Static_assert(offsetof(struct spin_state, mxcsr) == SP_MXCSR, "");
_Static_assert(offsetof(struct spin_state, saved_mxcsr) == SP_SAVED_MXCSR, "");
_Static_assert(offsetof(struct spin_state, fcw) == SP_FCW, "");
_Static_assert(offsetof(struct spin_state, saved_fcw) == SP_SAVED_FCW, "");
_Static_assert(offsetof(struct spin_state, avx) == SP_AVX, "");

#define __STR(x)	#x
#define STR(x)		__STR(x)
#define SP_ADDR		0x7e0000500000
#define SP_IRP16	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
_Static_assert(SP_ADDR == SPIN_ADDR, "SP_ADDR");

/* Addresses of spin_asm and its labels */
static uint64_t spin_asm_ip(void)
{
	uint64_t ip;

	asm("lea spin_asm(%%rip), %0" : "=r"(ip));
	return ip;
}

static uint64_t spin_loop_ip(void)
{
	uint64_t ip;

	asm("lea spin_loop(%%rip), %0" : "=r"(ip));
	return ip;
}

static uint64_t spin_exit_ip(void)
{
	uint64_t ip;

	asm("lea spin_exit(%%rip), %0" : "=r"(ip));
	return ip;
}

asm("	.pushsection .text\n"
	"	.globl spin_asm\n"
	"	.type spin_asm, @function\n"
	"spin_asm:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	movabs $" STR(SP_ADDR) ", %rax\n"
	"	mov %rsp, " STR(SP_SAVED_SP) "(%rax)\n"
	"	stmxcsr " STR(SP_SAVED_MXCSR) "(%rax)\n"
	"	fnstcw " STR(SP_SAVED_FCW) "(%rax)\n"
	"	cmpl $0, " STR(SP_AVX) "(%rax)\n"
	"	je 1f\n"
	SP_IRP16
	"	vmovdqu (" STR(SP_VEC) "+\\n*32)(%rax), %ymm\\n\n"
	"	.endr\n"
	"	jmp 2f\n"
	"1:\n"
	SP_IRP16
	"	movdqu (" STR(SP_VEC) "+\\n*32)(%rax), %xmm\\n\n"
	"	.endr\n"
	"2:\n"
	"	ldmxcsr " STR(SP_MXCSR) "(%rax)\n"
	"	fldcw " STR(SP_FCW) "(%rax)\n"
	/* ZF and PF set, CF, SF and OF clear; moves leave the flags alone */
	"	xor %ecx, %ecx\n"
	"	mov 8(%rax), %rbx\n"
	"	mov 16(%rax), %rcx\n"
	"	mov 24(%rax), %rdx\n"
	"	mov 32(%rax), %rsi\n"
	"	mov 40(%rax), %rdi\n"
	"	mov 48(%rax), %rbp\n"
	"	mov 56(%rax), %rsp\n"
	"	mov 64(%rax), %r8\n"
	"	mov 72(%rax), %r9\n"
	"	mov 80(%rax), %r10\n"
	"	mov 88(%rax), %r11\n"
	"	mov 96(%rax), %r12\n"
	"	mov 104(%rax), %r13\n"
	"	mov 112(%rax), %r14\n"
	"	mov 120(%rax), %r15\n"
	"	mov 0(%rax), %rax\n"
	"	stc\n"
	"	.globl spin_loop\n"
	"spin_loop:\n"
	"	jmp spin_loop\n"
	"	.globl spin_exit\n"
	"spin_exit:\n"
	"	movabs $" STR(SP_ADDR) ", %rax\n"
	"	mov " STR(SP_SAVED_SP) "(%rax), %rsp\n"
	"	ldmxcsr " STR(SP_SAVED_MXCSR) "(%rax)\n"
	"	fldcw " STR(SP_SAVED_FCW) "(%rax)\n"
	"	cmpl $0, " STR(SP_AVX) "(%rax)\n"
	"	je 3f\n"
	"	vzeroupper\n"
	"3:\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	"	.size spin_asm, . - spin_asm\n"
	"	.popsection\n");

#define SPIN_MXCSR	0x9fc0U	/* all masked, round toward zero, FTZ, DAZ */
#define SPIN_FCW	0x0e7fU	/* all masked, round toward zero, extended */
#define EFL_CHECKED	0x8c5UL	/* OF SF ZF PF CF */
#define EFL_WANT	0x045UL	/* ZF PF CF */

static const int spin_greg[16] = {
	REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP,
	REG_RSP, REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13,
	REG_R14, REG_R15,
};

static const char *const spin_name[16] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
	"r10", "r11", "r12", "r13", "r14", "r15",
};

static volatile int spin_result = -1;
static volatile uint64_t spin_got, spin_want;
static unsigned int spin_ymm_off;	/* of YMM_Hi128 in an XSAVE area */

static void spin_handler(int sig, siginfo_t *si, void *ucv)
{
	const struct spin_state *s = (const void *)SPIN_ADDR;
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	const unsigned char *fp = (const void *)uc->uc_mcontext.fpregs;
	uint64_t v[2];
	int i, res = 0;

	(void)sig;
	(void)si;
	for (i = 0; i < 16 && !res; i++) {
		if ((uint64_t)g[spin_greg[i]] != s->gpr[i]) {
			res = 10 + i;
			spin_got = g[spin_greg[i]];
			spin_want = s->gpr[i];
		}
	}
	if (!res && (uint64_t)g[REG_RIP] != spin_loop_ip()) {
		res = 30;
		spin_got = g[REG_RIP];
		spin_want = spin_loop_ip();
	}
	if (!res && (g[REG_EFL] & EFL_CHECKED) != EFL_WANT) {
		res = 31;
		spin_got = g[REG_EFL];
		spin_want = EFL_WANT;
	}
	if (!res && !fp)
		res = 32;
	if (!res && *(const uint16_t *)fp != s->fcw) {
		res = 33;
		spin_got = *(const uint16_t *)fp;
		spin_want = s->fcw;
	}
	if (!res && *(const uint32_t *)(fp + 24) != s->mxcsr) {
		res = 34;
		spin_got = *(const uint32_t *)(fp + 24);
		spin_want = s->mxcsr;
	}
	for (i = 0; i < 16 && !res; i++) {
		memcpy(v, fp + 160 + 16 * i, 16);
		if (v[0] != s->vec[i][0] || v[1] != s->vec[i][1]) {
			res = 40 + i;
			spin_got = v[0];
			spin_want = s->vec[i][0];
		}
	}
	if (!res && s->avx) {
		uint64_t xstate_bv;

		/* fpstate->sw_reserved.magic1, then the XSAVE header */
		if (*(const uint32_t *)(fp + 464) != 0x46505853U)
			res = 56;
		memcpy(&xstate_bv, fp + 512, 8);
		if (!res && !(xstate_bv & 4)) {
			res = 57;
			spin_got = xstate_bv;
		}
		for (i = 0; i < 16 && !res; i++) {
			memcpy(v, fp + spin_ymm_off + 16 * i, 16);
			if (v[0] != s->vec[i][2] || v[1] != s->vec[i][3]) {
				res = 60 + i;
				spin_got = v[0];
				spin_want = s->vec[i][2];
			}
		}
	}
	spin_result = res;
	g[REG_RIP] = (greg_t)spin_exit_ip();
}

static int spin_fn(void *arg)
{
	struct spin_state *s;
	struct sigaction sa;
	unsigned int a, b, c, d;
	bool avx = *(bool *)arg;
	stack_t ss;
	int i;

	s = mmap((void *)SPIN_ADDR, PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (s != (void *)SPIN_ADDR)
		return fail(1, "mmap: %m");
	if (mmap((void *)SPIN_STACK_ADDR, SPIN_STACK_SIZE,
		 PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) !=
	    (void *)SPIN_STACK_ADDR)
		return fail(2, "mmap: %m");
	for (i = 0; i < 16; i++) {
		s->gpr[i] = 0xa5a5000000000000ULL ^
			    ((uint64_t)(i + 1) * 0x0101010101010101ULL) ^
			    ((uint64_t)i << 44);
		s->vec[i][0] = known_vec(i, 0) ^ 0xff;
		s->vec[i][1] = known_vec(i, 1) ^ 0xff;
		s->vec[i][2] = known_vec(i, 2) ^ 0xff;
		s->vec[i][3] = known_vec(i, 3) ^ 0xff;
	}
	/* rsp: a valid stack all the same, in the middle of the page */
	s->gpr[7] = SPIN_ADDR + 2048;
	s->mxcsr = SPIN_MXCSR;
	s->fcw = SPIN_FCW;
	s->avx = avx;
	if (avx) {
		if (!__get_cpuid_count(0xd, 2, &a, &b, &c, &d) || !b)
			return fail(3, "no YMM_Hi128 offset");
		spin_ymm_off = b;
	}

	ss.ss_sp = (void *)SPIN_STACK_ADDR;
	ss.ss_size = SPIN_STACK_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		return fail(4, "sigaltstack: %m");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = spin_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	if (sigaction(SIGUSR1, &sa, NULL))
		return fail(5, "sigaction: %m");
	if (write_file("spinning", "1", 1))
		return fail(6, "cannot write the marker");

	((void (*)(void))spin_asm_ip())();

	if (spin_result)
		return fail(spin_result,
			    "%s: got %#llx, want %#llx (10+n: gpr n, 30 rip, 31 rflags, 33 fcw, 34 mxcsr, 40+n xmm n, 60+n ymm n)",
			    spin_result >= 10 && spin_result < 26 ?
			    spin_name[spin_result - 10] : "state",
			    (unsigned long long)spin_got,
			    (unsigned long long)spin_want);
	return 0;
}

static void spin_test(struct __test_metadata *_metadata,
		      struct rst *self, bool avx)
{
	const struct ckpt_hdr_cpu *cpu = NULL;
	struct ckpt_image img;
	int status, try, err;
	double t0;

	self->orig = target_spawn_running(spin_fn, &avx);
	ASSERT_GT(self->orig, 0);
	t0 = now_mono();
	while (file_size("spinning") < 1) {
		ASSERT_GT(20.0, now_mono() - t0) {
			TH_LOG("the target did not start spinning");
			show_report(_metadata);
		}
		usleep(10000);
	}
	/* Stop it until it stops in the loop */
	for (try = 0; try < 20; try++) {
		usleep(20000 * (try + 1));
		ASSERT_EQ(0, kill(self->orig, SIGSTOP));
		ASSERT_EQ(self->orig, waitpid(self->orig, &status, WUNTRACED));
		ASSERT_TRUE(WIFSTOPPED(status));
		err = ckpt_capture(self->orig, CKPT_SINK_MEMFD, 0, -1,
				   &self->img, &self->len);
		ASSERT_EQ(0, err) {
			TH_LOG("checkpoint: %s", strerror(err));
		}
		ASSERT_EQ(0, ckpt_parse(&img, self->img, self->len)) {
			TH_LOG("bad image: %s", img.err);
		}
		cpu = ckpt_find(&img, CKPT_HDR_CPU, 0);
		ASSERT_NE(NULL, cpu);
		if (cpu->ip == spin_loop_ip()) {
			EXPECT_EQ((uint64_t)-1, cpu->orig_ax);
			ckpt_image_free(&img);
			break;
		}
		ckpt_image_free(&img);
		free(self->img);
		self->img = NULL;
		kill(self->orig, SIGCONT);
	}
	ASSERT_NE(NULL, self->img) {
		TH_LOG("never stopped in the loop");
	}
	kill_and_restart(_metadata, self, 0);
	usleep(100000);
	ASSERT_EQ(0, kill(self->pid, SIGUSR1));
	expect_exit(_metadata, self, 0);
}

TEST_F_TIMEOUT(restart, registers_all_xmm, 120)
{
	spin_test(_metadata, &self->r, false);
}

TEST_F_TIMEOUT(restart, registers_all_ymm, 120)
{
	if (!cpu_has_avx())
		SKIP(return, "no AVX on this CPU");
	spin_test(_metadata, &self->r, true);
}

/* ---- computation ---- */

#define PRNG_LINES	20000

/*
 * A deterministic computation writing @lines lines through stdio to
 * @name; it stops itself at line @stop_at (if not negative), and runs
 * @work extra rounds per line.
 */
static int prng_run(const char *name, int lines, int stop_at, int work)
{
	uint64_t x = 88172645463325252ULL, h = 0xcbf29ce484222325ULL;
	char path[PATH_MAX + 16];
	int i, j;
	FILE *f;

	path_of(path, sizeof(path), name);
	f = fopen(path, "we");
	if (!f)
		return fail(1, "fopen %s: %m", path);
	setvbuf(f, NULL, _IOFBF, 8192);
	for (i = 0; i < lines; i++) {
		for (j = 0; j <= work; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			h = (h ^ x) * 0x100000001b3ULL;
		}
		fprintf(f, "%d %016llx %016llx\n", i, (unsigned long long)x,
			(unsigned long long)h);
		if (i == stop_at)
			raise(SIGSTOP);
	}
	if (fclose(f))
		return fail(2, "fclose: %m");
	return 0;
}

static int prng_fn(void *arg)
{
	(void)arg;
	return prng_run("out", PRNG_LINES, PRNG_LINES / 2, 0);
}

static void expect_same_file(struct __test_metadata *_metadata,
			     const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *da = read_file(a, &la), *db = read_file(b, &lb);

	ASSERT_NE(NULL, da);
	ASSERT_NE(NULL, db);
	EXPECT_EQ(la, lb);
	EXPECT_EQ(0, memcmp(da, db, la < lb ? la : lb)) {
		size_t i;

		for (i = 0; i < la && i < lb && da[i] == db[i]; i++)
			;
		TH_LOG("%s and %s differ at byte %zu", a, b, i);
	}
	free(da);
	free(db);
}

/* It stops itself half-way */
TEST_F_TIMEOUT(restart, compute_self_stop, 120)
{
	ASSERT_EQ(0, prng_run("ref", PRNG_LINES, -1, 0));
	cycle(_metadata, &self->r, prng_fn, NULL);
	expect_same_file(_metadata, "out", "ref");
}

#define SLOW_LINES	1000
#define SLOW_WORK	400000

static int prng_slow_fn(void *arg)
{
	char path[PATH_MAX + 16];
	int fd;

	(void)arg;
	/* Unbuffered: the test watches it grow */
	path_of(path, sizeof(path), "out");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return fail(1, "open: %m");
	close(fd);
	return prng_run("out", SLOW_LINES, -1, SLOW_WORK);
}

/* Stopped from outside, wherever it is */
TEST_F_TIMEOUT(restart, compute_external_stop, 180)
{
	double t0, t1, took;
	int status;

	t0 = now_mono();
	ASSERT_EQ(0, prng_run("ref", SLOW_LINES, -1, SLOW_WORK));
	took = now_mono() - t0;
	TH_LOG("the computation takes %.2f s", took);

	self->r.orig = target_spawn_running(prng_slow_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	/* Set up (the harness's shared memory unmapped), and computing */
	t1 = now_mono();
	while (file_size("out") < 0) {
		ASSERT_GT(20.0, now_mono() - t1);
		usleep(1000);
	}
	t1 = now_mono();
	usleep((useconds_t)(took * 1e6 / 3));
	ASSERT_EQ(0, kill(self->r.orig, SIGSTOP));
	ASSERT_EQ(self->r.orig, waitpid(self->r.orig, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status)) {
		TH_LOG("the target finished within %.2f s: nothing to stop",
		       now_mono() - t1);
	}
	checkpoint_orig(_metadata, &self->r);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
	expect_same_file(_metadata, "out", "ref");
}

/* ---- files ---- */

#define DATA_SIZE	8192
#define FD_DATA		10	/* data, O_RDWR, read 1000 bytes */
#define FD_DATA_DUP	11	/* dup of FD_DATA */
#define FD_LOG		12	/* log, O_WRONLY | O_APPEND */
#define FD_RO		13	/* ro, O_RDONLY, close-on-exec */
#define FD_DATA2	14	/* data again, O_RDONLY | O_NONBLOCK, at 5000 */
#define FD_NULL		15	/* /dev/null, O_WRONLY */
#define FD_DIR		16	/* the directory, close-on-exec */
#define FILES_UMASK	027

static int reopen_at(const char *name, int flags, int fd, bool cloexec)
{
	char path[PATH_MAX + 16];
	int f;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		path_of(path, sizeof(path), name);
	f = open(path, flags);
	if (f < 0)
		return -1;
	if (dup3(f, fd, cloexec ? O_CLOEXEC : 0) != fd)
		return -1;
	close(f);
	return 0;
}

static int check_link(int fd, const char *want, int code)
{
	char proc[64], got[PATH_MAX];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, got, sizeof(got) - 1);
	if (n < 0)
		return fail(code, "readlink %s: %m", proc);
	got[n] = '\0';
	if (strcmp(got, want))
		return fail(code, "fd %d is %s, not %s", fd, got, want);
	return 0;
}

static int files_fn(void *arg)
{
	char data[DATA_SIZE], buf[1000], path[PATH_MAX + 16], cwd[PATH_MAX];
	int fd, fl;
	mode_t um;

	(void)arg;
	fill_pattern(data, sizeof(data), 90);
	if (reopen_at("data", O_RDWR, FD_DATA, false) ||
	    read(FD_DATA, buf, 1000) != 1000 ||
	    dup2(FD_DATA, FD_DATA_DUP) != FD_DATA_DUP ||
	    reopen_at("log", O_WRONLY | O_APPEND, FD_LOG, false) ||
	    write(FD_LOG, "abc", 3) != 3 ||
	    reopen_at("ro", O_RDONLY, FD_RO, true) ||
	    reopen_at("data", O_RDONLY | O_NONBLOCK, FD_DATA2, false) ||
	    lseek(FD_DATA2, 5000, SEEK_SET) != 5000 ||
	    reopen_at("/dev/null", O_WRONLY, FD_NULL, false) ||
	    reopen_at(g_dir, O_RDONLY | O_DIRECTORY, FD_DIR, true))
		return fail(1, "setting up the fds: %m");
	if (chdir(g_dir))
		return fail(2, "chdir: %m");
	umask(FILES_UMASK);

	raise(SIGSTOP);

	/* Offsets, shared by a dup */
	if (lseek(FD_DATA, 0, SEEK_CUR) != 1000 ||
	    lseek(FD_DATA_DUP, 0, SEEK_CUR) != 1000)
		return fail(10, "offset of data: %lld",
			    (long long)lseek(FD_DATA, 0, SEEK_CUR));
	if (read(FD_DATA, buf, 500) != 500 || memcmp(buf, data + 1000, 500))
		return fail(11, "read does not go on at offset 1000");
	if (lseek(FD_DATA_DUP, 0, SEEK_CUR) != 1500)
		return fail(12, "the dup does not share the offset");
	if (lseek(FD_DATA2, 0, SEEK_CUR) != 5000 ||
	    read(FD_DATA2, buf, 100) != 100 || memcmp(buf, data + 5000, 100))
		return fail(13, "second open of data: offset or data");
	/* Open flags */
	fl = fcntl(FD_DATA, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR || fl & (O_APPEND | O_NONBLOCK))
		return fail(14, "flags of data %#x", fl);
	fl = fcntl(FD_LOG, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_WRONLY || !(fl & O_APPEND))
		return fail(15, "flags of log %#x", fl);
	fl = fcntl(FD_RO, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY)
		return fail(16, "flags of ro %#x", fl);
	fl = fcntl(FD_DATA2, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY || !(fl & O_NONBLOCK))
		return fail(17, "flags of the second data fd %#x", fl);
	if (write(FD_RO, "x", 1) != -1 || errno != EBADF)
		return fail(18, "wrote to a read-only fd");
	/* O_APPEND: at the end of what the file holds now */
	if (write(FD_LOG, "XYZ", 3) != 3)
		return fail(19, "write to log: %m");
	/* Close-on-exec */
	if (fcntl(FD_RO, F_GETFD) != FD_CLOEXEC ||
	    fcntl(FD_DIR, F_GETFD) != FD_CLOEXEC)
		return fail(20, "close-on-exec lost");
	if (fcntl(FD_DATA, F_GETFD) != 0 || fcntl(FD_LOG, F_GETFD) != 0 ||
	    fcntl(0, F_GETFD) != 0)
		return fail(21, "close-on-exec gained");
	/* Paths */
	path_of(path, sizeof(path), "data");
	if (check_link(FD_DATA, path, 22) || check_link(FD_DATA2, path, 22) ||
	    check_link(FD_NULL, "/dev/null", 22) ||
	    check_link(0, "/dev/null", 22) || check_link(FD_DIR, g_dir, 22))
		return 22;
	if (write(FD_NULL, "x", 1) != 1 || write(1, "x", 1) != 1)
		return fail(23, "write to /dev/null: %m");
	/* No other fd: nothing of the restarter's leaked in */
	for (fd = 0; fd < 64; fd++) {
		if ((fd >= 0 && fd <= 2) || (fd >= FD_DATA && fd <= FD_DIR))
			continue;
		if (fcntl(fd, F_GETFD) != -1)
			return fail(24, "fd %d is open", fd);
	}
	/* Working directory and umask */
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, g_dir))
		return fail(25, "cwd %s, not %s", cwd, g_dir);
	fd = open("data", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(26, "relative open: %m");
	close(fd);
	um = umask(0);
	if (um != FILES_UMASK)
		return fail(27, "umask %#o", um);
	return 0;
}

TEST_F_TIMEOUT(restart, files, 120)
{
	char data[DATA_SIZE], ro[100];
	char *log;

	fill_pattern(data, sizeof(data), 90);
	memset(ro, 'r', sizeof(ro));
	ASSERT_EQ(0, write_file("data", data, sizeof(data)));
	ASSERT_EQ(0, write_file("log", "0123456789", 10));
	ASSERT_EQ(0, write_file("ro", ro, sizeof(ro)));
	spawn_and_checkpoint(_metadata, &self->r, files_fn, NULL);
	/* The file grows between checkpoint and restart */
	ASSERT_EQ(0, write_file("log", "0123456789abcgrown", 18));
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
	log = read_file("log", NULL);
	ASSERT_NE(NULL, log);
	EXPECT_STREQ("0123456789abcgrownXYZ", log);
	free(log);
}

/* A file held open, mapped and written only after the restart */
static int map_after_fn(void *arg)
{
	volatile char *p;

	(void)arg;
	if (reopen_at("mapme", O_RDWR, FD_DATA, false))
		return fail(1, "open: %m");

	raise(SIGSTOP);

	p = mmap(NULL, 2 * PS, PROT_READ | PROT_WRITE, MAP_SHARED, FD_DATA, 0);
	if (p == MAP_FAILED)
		return fail(10, "mmap after restart: %m");
	if (!check_pattern((char *)p, PS, 96))
		return fail(11, "page 0 is not the file's");
	fill_pattern((char *)p + PS, PS, 95);
	if (msync((void *)p, 2 * PS, MS_SYNC) || munmap((void *)p, 2 * PS))
		return fail(12, "msync: %m");
	if (pwrite(FD_DATA, "W", 1, 10) != 1)
		return fail(13, "pwrite: %m");
	return 0;
}

TEST_F_TIMEOUT(restart, files_map_after_restart, 120)
{
	size_t len;
	char *data;

	ASSERT_EQ(0, write_pages("mapme", 2, 96));
	cycle(_metadata, &self->r, map_after_fn, NULL);
	data = read_file("mapme", &len);
	ASSERT_NE(NULL, data);
	ASSERT_EQ(2 * PS, len);
	EXPECT_EQ('W', data[10]);
	EXPECT_TRUE(check_pattern(data + PS, PS, 95));
	free(data);
}

#define FD_TTY		20
static char g_tty_path[PATH_MAX];

static int tty_fn(void *arg)
{
	static const char msg[] = "hello from the restored process\n";

	int fl;

	(void)arg;
	if (reopen_at(g_tty_path, O_WRONLY | O_NOCTTY, FD_TTY, false))
		return fail(1, "open %s: %m", g_tty_path);

	raise(SIGSTOP);

	if (!isatty(FD_TTY))
		return fail(10, "fd %d is not a terminal", FD_TTY);
	fl = fcntl(FD_TTY, F_GETFL);
	if ((fl & O_ACCMODE) != O_WRONLY)
		return fail(12, "terminal open with flags %#x, not O_WRONLY", fl);
	if (write(FD_TTY, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
		return fail(11, "write: %m");
	return 0;
}

static int open_pty(int *slave, char *name, size_t size)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (m < 0)
		return -1;
	if (grantpt(m) || unlockpt(m) || ptsname_r(m, name, size)) {
		close(m);
		return -1;
	}
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		close(m);
		return -1;
	}
	return m;
}

static ssize_t read_pty(int m, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = m, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && poll(&pfd, 1, 500) == 1) {
		n = read(m, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	return len;
}

/*
 * A terminal fd is attached to the restarter's terminal: the target
 * holds pty A, the restarter has pty B on its stdin.
 */
TEST_F_TIMEOUT(restart, files_tty, 120)
{
	char name_b[PATH_MAX], buf[512];
	int ma, sa, mb, sb, status;
	pid_t restarter;

	ma = open_pty(&sa, g_tty_path, sizeof(g_tty_path));
	if (ma < 0)
		SKIP(return, "no pseudo-terminals: %s", strerror(errno));
	mb = open_pty(&sb, name_b, sizeof(name_b));
	ASSERT_LE(0, mb);
	spawn_and_checkpoint(_metadata, &self->r, tty_fn, NULL);
	target_kill(self->r.orig);
	self->r.orig = -1;

	restarter = fork();
	ASSERT_LE(0, restarter);
	if (restarter == 0) {
		pid_t pid;

		if (dup2(sb, 0) != 0)
			_exit(100);
		pid = restart_img(self->r.img, self->r.len, 0, self->r.log,
				  sizeof(self->r.log));
		if (pid < 0) {
			fprintf(stderr, "# restart: %s; log:\n%s\n",
				strerror(-pid), self->r.log);
			_exit(101);
		}
		status = wait_exit(pid, WAIT_SECS);
		_exit(status >= 0 && WIFEXITED(status) ?
		      WEXITSTATUS(status) : 102);
	}
	status = wait_exit(restarter, WAIT_SECS + 10);
	EXPECT_TRUE(status >= 0 && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0) {
		TH_LOG("restarter: %s (101: restart failed, 102: restored process died)",
		       describe(status, buf, sizeof(buf)));
		show_report(_metadata);
	}
	read_pty(mb, buf, sizeof(buf));
	EXPECT_NE(NULL, strstr(buf, "hello from the restored process")) {
		TH_LOG("restarter's terminal got \"%s\"", buf);
	}
	read_pty(ma, buf, sizeof(buf));
	EXPECT_EQ(NULL, strstr(buf, "hello")) {
		TH_LOG("the original terminal got it");
	}
	close(ma);
	close(sa);
	close(mb);
	close(sb);
}

/* A terminal in the image, and the restarter has none: ENXIO */
TEST_F_TIMEOUT(restart, files_tty_none, 120)
{
	struct refused r = { .want = ENXIO };
	int ma, sa, ret;

	ma = open_pty(&sa, g_tty_path, sizeof(g_tty_path));
	if (ma < 0)
		SKIP(return, "no pseudo-terminals: %s", strerror(errno));
	spawn_and_checkpoint(_metadata, &self->r, tty_fn, NULL);
	target_kill(self->r.orig);
	self->r.orig = -1;
	r.img = self->r.img;
	r.len = self->r.len;
	ret = without_tty(restart_refused, &r);
	EXPECT_EQ(0, ret) {
		char *out = read_file("child.out", NULL);

		TH_LOG("%s, %s: %s", "1: restarted, 2: wrong errno",
		       "3: no log line, 4: child left", out ? out : "");
		free(out);
	}
	EXPECT_TRUE(no_child());
	close(ma);
	close(sa);
}

static int hold_file_fn(void *arg)
{
	(void)arg;
	if (reopen_at("gone", O_RDWR, FD_DATA, false))
		return fail(1, "open: %m");
	raise(SIGSTOP);
	return 0;
}

static int map_file_fn(void *arg)
{
	char path[PATH_MAX + 16];
	void *p;
	int fd;

	(void)arg;
	path_of(path, sizeof(path), "gone");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(1, "open: %m");
	p = mmap(NULL, PS, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return fail(2, "mmap: %m");
	close(fd);
	raise(SIGSTOP);
	return 0;
}

static void missing_file_test(struct __test_metadata *_metadata,
			      struct rst *self, target_fn fn)
{
	char path[PATH_MAX + 16];
	pid_t pid;

	ASSERT_EQ(0, write_pages("gone", 1, 1));
	spawn_and_checkpoint(_metadata, self, fn, NULL);
	target_kill(self->orig);
	self->orig = -1;
	path_of(path, sizeof(path), "gone");
	ASSERT_EQ(0, unlink(path));

	pid = restart_img(self->img, self->len, 0, self->log,
			  sizeof(self->log));
	if (pid > 0)
		self->pid = pid;
	EXPECT_EQ(-ENOENT, pid) {
		TH_LOG("restart: %s; log:\n%s",
		       pid > 0 ? "succeeded" : strerror(-pid), self->log);
	}
	EXPECT_NE(NULL, strstr(self->log, path)) {
		TH_LOG("the log does not name %s:\n%s", path, self->log);
	}
	target_kill(self->pid);
	self->pid = -1;
	EXPECT_TRUE(no_child()) {
		TH_LOG("a process was left behind");
		reap_all();
	}
}

static int cwd_fn(void *arg)
{
	char path[PATH_MAX + 16];

	(void)arg;
	path_of(path, sizeof(path), "gone");
	if (chdir(path))
		return fail(1, "chdir: %m");
	raise(SIGSTOP);
	return 0;
}

TEST_F_TIMEOUT(restart, missing_cwd, 120)
{
	char path[PATH_MAX + 16];
	pid_t pid;

	path_of(path, sizeof(path), "gone");
	ASSERT_EQ(0, mkdir(path, 0755));
	spawn_and_checkpoint(_metadata, &self->r, cwd_fn, NULL);
	target_kill(self->r.orig);
	self->r.orig = -1;
	ASSERT_EQ(0, rmdir(path));

	pid = restart_img(self->r.img, self->r.len, 0, self->r.log,
			  sizeof(self->r.log));
	if (pid > 0)
		self->r.pid = pid;
	EXPECT_EQ(-ENOENT, pid) {
		TH_LOG("restart: %s; log:\n%s",
		       pid > 0 ? "succeeded" : strerror(-pid), self->r.log);
	}
	EXPECT_NE(NULL, strstr(self->r.log, path)) {
		TH_LOG("the log does not name %s:\n%s", path, self->r.log);
	}
	target_kill(self->r.pid);
	self->r.pid = -1;
	EXPECT_TRUE(no_child());
}

TEST_F_TIMEOUT(restart, missing_file, 120)
{
	missing_file_test(_metadata, &self->r, hold_file_fn);
}

TEST_F_TIMEOUT(restart, missing_mapped_file, 120)
{
	missing_file_test(_metadata, &self->r, map_file_fn);
}

/* ---- interrupted system calls ---- */

enum sleep_kind { SLEEP_NANOSLEEP, SLEEP_CLOCK_MONOTONIC };
#define SLEEP_SECS	2.0
#define STOP_AFTER	0.8

static int sleep_fn(void *arg)
{
	enum sleep_kind kind = *(enum sleep_kind *)arg;
	struct timespec ts = { 2, 0 }, rem = { 0, 0 };
	char buf[128];
	double t0, t1, tsleep;
	long r;
	int e;

	_Static_assert(SLEEP_SECS == 2.0, "ts");
	t0 = now_mono();
	snprintf(buf, sizeof(buf), "%.6f\n", t0);
	if (write_file("t0", buf, strlen(buf)))
		return fail(1, "cannot write t0");
	/* Writing t0 may take a while under TCG: when the sleep starts */
	tsleep = now_mono();
	if (kind == SLEEP_NANOSLEEP)
		r = syscall(SYS_nanosleep, &ts, &rem);
	else
		r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, &rem);
	e = errno;
	t1 = now_mono();
	snprintf(buf, sizeof(buf), "%.6f %.6f %.6f\n", t0, t1, tsleep);
	if (write_file("t1", buf, strlen(buf)))
		return fail(2, "cannot write t1");
	if (r)
		return fail(10, "sleep returned %ld (%s), %ld.%09ld left", r,
			    strerror(e), (long)rem.tv_sec, rem.tv_nsec);
	return 0;
}

static void sleep_test(struct __test_metadata *_metadata,
		       struct rst *self, enum sleep_kind kind)
{
	const struct ckpt_hdr_cpu *cpu;
	double t0 = 0, t1 = 0, tc, tb, ta, before, left, tstop, tsleep;
	char *s, *end;
	int status;

	self->orig = target_spawn_running(sleep_fn, &kind);
	ASSERT_GT(self->orig, 0);
	tc = now_mono();
	while (!(s = read_file("t0", NULL)) || !s[0] || !strchr(s, '\n')) {
		free(s);
		ASSERT_GT(20.0, now_mono() - tc);
		usleep(5000);
	}
	t0 = strtod(s, NULL);
	free(s);
	while (now_mono() < t0 + STOP_AFTER)
		usleep(5000);
	ASSERT_EQ('S', proc_state(self->orig));
	tstop = now_mono();	/* it slept until at least this */
	ASSERT_EQ(0, kill(self->orig, SIGSTOP));
	ASSERT_EQ(self->orig, waitpid(self->orig, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	checkpoint_orig(_metadata, self);
	tc = now_mono();	/* the time left was taken before this */
	cpu = ckpt_find(parsed(_metadata, self), CKPT_HDR_CPU, 0);
	ASSERT_NE(NULL, cpu);
	ASSERT_EQ(CKPT_RESTART_NANOSLEEP, cpu->restart) {
		TH_LOG("not stopped in the sleep: orig_ax %lld ax %lld",
		       (long long)cpu->orig_ax, (long long)cpu->ax);
	}
	before = tc - t0;
	if (before > SLEEP_SECS - 0.6)
		SKIP(return, "too slow: %.2f s of the sleep gone at the checkpoint",
		     before);
	left = cpu->restart_expires / 1e9;
	EXPECT_GT(left, SLEEP_SECS - before - 0.05);

	target_kill(self->orig);
	self->orig = -1;
	tb = now_mono();
	kill_and_restart(_metadata, self, 0);
	ta = now_mono();
	expect_exit(_metadata, self, 0);
	s = read_file("t1", NULL);
	ASSERT_NE(NULL, s);
	t0 = strtod(s, &end);
	t1 = strtod(end, &end);
	tsleep = strtod(end, NULL);
	free(s);
	ASSERT_LT(0, t0);
	ASSERT_LT(t0, t1);
	ASSERT_LE(t0, tsleep);
	/* It had slept from tsleep to tstop at least: less was left */
	EXPECT_LT(left, SLEEP_SECS - (tstop - tsleep) + 0.05);
	TH_LOG("slept %.3f s, %.3f s left; then %.3f s (%.3f s with the restart)",
	       before, left, t1 - ta, t1 - tb);
	/* Loosely: TCG is slow */
	EXPECT_LE(1.3, before + t1 - tb);
	EXPECT_GE(10.0, before + t1 - tb);
	/* The sleep goes on: it does not end at once, nor start over */
	EXPECT_LE(left - 0.05, t1 - tb) {
		TH_LOG("the sleep ended early");
	}
	EXPECT_GE(left + 0.4, t1 - ta) {
		TH_LOG("the sleep started over");
	}
}

TEST_F_TIMEOUT(restart, nanosleep, 120)
{
	sleep_test(_metadata, &self->r, SLEEP_NANOSLEEP);
}

TEST_F_TIMEOUT(restart, clock_nanosleep, 120)
{
	sleep_test(_metadata, &self->r, SLEEP_CLOCK_MONOTONIC);
}

static volatile sig_atomic_t g_usr1;

static void usr1_handler(int sig)
{
	(void)sig;
	g_usr1 = 1;
}

static int pause_fn(void *arg)
{
	struct sigaction sa;
	int r, e;

	(void)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = usr1_handler;
	if (sigaction(SIGUSR1, &sa, NULL))
		return fail(1, "sigaction: %m");
	if (write_file("pausing", "1", 1))
		return fail(2, "marker");
	r = pause();
	e = errno;
	if (r != -1 || e != EINTR)
		return fail(10, "pause returned %d (%s)", r, strerror(e));
	if (!g_usr1)
		return fail(11, "pause returned, the handler did not run");
	return 0;
}

TEST_F_TIMEOUT(restart, pause, 120)
{
	int status;
	double t0;

	self->r.orig = target_spawn_running(pause_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	t0 = now_mono();
	while (file_size("pausing") < 1 || proc_state(self->r.orig) != 'S') {
		ASSERT_GT(20.0, now_mono() - t0);
		usleep(5000);
	}
	usleep(50000);
	ASSERT_EQ(0, kill(self->r.orig, SIGSTOP));
	ASSERT_EQ(self->r.orig, waitpid(self->r.orig, &status, WUNTRACED));
	checkpoint_orig(_metadata, &self->r);
	kill_and_restart(_metadata, &self->r, 0);
	/* It goes on pausing: it runs (not stopped), and does not return */
	usleep(300000);
	EXPECT_EQ(0, waitpid(self->r.pid, &status, WNOHANG)) {
		char buf[128];

		TH_LOG("pause() returned by itself: %s",
		       describe(status, buf, sizeof(buf)));
		show_report(_metadata);
		self->r.pid = -1;
		return;
	}
	EXPECT_EQ('S', proc_state(self->r.pid));
	ASSERT_EQ(0, kill(self->r.pid, SIGUSR1));
	expect_exit(_metadata, &self->r, 0);
}

/* ---- signal state and task attributes ---- */

#define ALTSTACK_ADDR	0x7e0000800000UL
#define ALTSTACK_SIZE	(64 * 1024UL)
static pid_t g_test_pid;

static void usr2_handler(int sig)
{
	(void)sig;
}

/*
 * /proc/self/exe (its target) or another file of /proc/self, into @buf
 * NUL-terminated; the length read, or -1
 */
static ssize_t read_proc(const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	if (!strcmp(name, "exe")) {
		n = readlink(path, buf, size - 1);
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		n = read(fd, buf, size - 1);
		close(fd);
	}
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static int task_fn(void *arg)
{
	struct sigaction sa, old;
	char comm[32], exe[PATH_MAX], cmdline[4096], buf[4096];
	sigset_t set;
	stack_t ss;
	int sig = 0;
	ssize_t n, len;

	(void)arg;
	len = read_proc("cmdline", cmdline, sizeof(cmdline));
	if (read_proc("exe", exe, sizeof(exe)) < 0 || len <= 0)
		return fail(6, "cannot read /proc/self/{exe,cmdline}");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = usr2_handler;
	sa.sa_flags = SA_RESTART | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaddset(&sa.sa_mask, SIGRTMIN + 3);
	if (sigaction(SIGUSR2, &sa, NULL) || signal(SIGINT, SIG_IGN) == SIG_ERR)
		return fail(1, "sigaction: %m");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMAX);
	if (sigprocmask(SIG_SETMASK, &set, NULL))
		return fail(2, "sigprocmask: %m");
	if (mmap((void *)ALTSTACK_ADDR, ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) !=
	    (void *)ALTSTACK_ADDR)
		return fail(3, "mmap: %m");
	ss.ss_sp = (void *)ALTSTACK_ADDR;
	ss.ss_size = ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		return fail(4, "sigaltstack: %m");
	if (prctl(PR_SET_NAME, "ckpt-restored", 0, 0, 0) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0))
		return fail(5, "prctl: %m");

	raise(SIGSTOP);

	if (sigaction(SIGUSR2, NULL, &old) || old.sa_handler != usr2_handler ||
	    (old.sa_flags & (SA_RESTART | SA_NODEFER)) !=
	    (SA_RESTART | SA_NODEFER) || !sigismember(&old.sa_mask, SIGHUP) ||
	    !sigismember(&old.sa_mask, SIGRTMIN + 3) ||
	    sigismember(&old.sa_mask, SIGTERM))
		return fail(10, "SIGUSR2 action: handler %p flags %#x",
			    (void *)old.sa_handler, (int)old.sa_flags);
	if (sigaction(SIGINT, NULL, &old) || old.sa_handler != SIG_IGN)
		return fail(11, "SIGINT not ignored");
	if (sigaction(SIGTERM, NULL, &old) || old.sa_handler != SIG_DFL)
		return fail(12, "SIGTERM not default");
	if (sigprocmask(SIG_SETMASK, NULL, &set) ||
	    !sigismember(&set, SIGUSR1) || !sigismember(&set, SIGRTMAX) ||
	    sigismember(&set, SIGUSR2))
		return fail(13, "blocked signals");
	if (sigaltstack(NULL, &ss) || ss.ss_sp != (void *)ALTSTACK_ADDR ||
	    ss.ss_size != ALTSTACK_SIZE || ss.ss_flags)
		return fail(14, "sigaltstack %p %zu %#x", ss.ss_sp, ss.ss_size,
			    ss.ss_flags);
	if (prctl(PR_GET_NAME, comm, 0, 0, 0) || strcmp(comm, "ckpt-restored"))
		return fail(15, "comm %s", comm);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return fail(16, "no_new_privs lost");
	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) || sig != SIGTERM)
		return fail(20, "parent death signal %d", sig);
	if (read_proc("exe", buf, sizeof(buf)) < 0 || strcmp(buf, exe))
		return fail(21, "/proc/self/exe %s, was %s", buf, exe);
	/* Its arguments, each NUL-terminated */
	n = read_proc("cmdline", buf, sizeof(buf));
	if (n != len || memcmp(buf, cmdline, len))
		return fail(22, "/proc/self/cmdline %s, was %s", buf, cmdline);
	if (getppid() != g_test_pid)
		return fail(17, "parent %d, not the restarter %d", getppid(),
			    g_test_pid);
	/* The handler still works, with SIGUSR1 still blocked */
	if (raise(SIGUSR2))
		return fail(18, "raise: %m");
	if (kill(getpid(), SIGUSR1) || sigpending(&set) ||
	    !sigismember(&set, SIGUSR1))
		return fail(19, "SIGUSR1 not blocked");
	return 0;
}

TEST_F_TIMEOUT(restart, task_state, 120)
{
	g_test_pid = getpid();
	cycle(_metadata, &self->r, task_fn, NULL);
}

/* ---- resource limits and scheduling ---- */

#define T_NICE		7
#define T_SLACK		123456

/* The last CPU online: an affinity that differs from the default */
static int last_cpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n - 1 : 0;
}

static int attrs_fn(void *arg)
{
	struct rlimit nofile = { 200, 300 }, core = { 4096, 8192 }, rl;
	struct sched_param sp = { 0 };
	int cpu = last_cpu(), v = 0;
	cpu_set_t cpus;

	(void)arg;
	CPU_ZERO(&cpus);
	CPU_SET(cpu, &cpus);
	if (setrlimit(RLIMIT_NOFILE, &nofile) || setrlimit(RLIMIT_CORE, &core) ||
	    sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &sp) ||
	    setpriority(PRIO_PROCESS, 0, T_NICE) ||
	    sched_setaffinity(0, sizeof(cpus), &cpus) ||
	    prctl(PR_SET_TIMERSLACK, T_SLACK, 0, 0, 0) ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		return fail(1, "setting up: %m");

	raise(SIGSTOP);

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur != 200 ||
	    rl.rlim_max != 300)
		return fail(10, "RLIMIT_NOFILE %lu/%lu", (unsigned long)rl.rlim_cur,
			    (unsigned long)rl.rlim_max);
	if (getrlimit(RLIMIT_CORE, &rl) || rl.rlim_cur != 4096 ||
	    rl.rlim_max != 8192)
		return fail(11, "RLIMIT_CORE %lu/%lu", (unsigned long)rl.rlim_cur,
			    (unsigned long)rl.rlim_max);
	if (sched_getscheduler(0) != (SCHED_BATCH | SCHED_RESET_ON_FORK))
		return fail(12, "policy %#x", sched_getscheduler(0));
	errno = 0;
	v = getpriority(PRIO_PROCESS, 0);
	if (v != T_NICE || errno)
		return fail(13, "nice %d", v);
	CPU_ZERO(&cpus);
	if (sched_getaffinity(0, sizeof(cpus), &cpus) || CPU_COUNT(&cpus) != 1 ||
	    !CPU_ISSET(cpu, &cpus))
		return fail(14, "affinity: %d CPUs", CPU_COUNT(&cpus));
	if (prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) != T_SLACK)
		return fail(15, "timer slack %d", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0));
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return fail(16, "dumpable again");
	if (prctl(PR_GET_CHILD_SUBREAPER, &v, 0, 0, 0) || v != 1)
		return fail(17, "not a child subreaper");
	return 0;
}

/* Limits, policy, nice, affinity, timer slack, dumpable, subreaper */
TEST_F_TIMEOUT(restart, rlimits_sched_prctl, 120)
{
	const struct ckpt_hdr_signal *s;
	const struct ckpt_hdr_sched *sc;

	spawn_and_checkpoint(_metadata, &self->r, attrs_fn, NULL);
	s = ckpt_find(parsed(_metadata, &self->r), CKPT_HDR_SIGNAL, 0);
	sc = ckpt_find(parsed(_metadata, &self->r), CKPT_HDR_SCHED, 0);
	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, sc);
	EXPECT_EQ(200, s->rlim[RLIMIT_NOFILE].cur);
	EXPECT_EQ(0, s->dumpable);
	EXPECT_EQ(CKPT_SIGNAL_CHILD_SUBREAPER, s->flags);
	EXPECT_EQ(SCHED_BATCH, sc->policy);
	EXPECT_EQ(T_NICE, sc->nice);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

static int fifo_fn(void *arg)
{
	struct sched_param sp = { .sched_priority = 10 };
	int v = 0;

	(void)arg;
	if (setpriority(PRIO_PROCESS, 0, 3) ||
	    sched_setscheduler(0, SCHED_FIFO, &sp))
		return fail(1, "SCHED_FIFO: %m");

	raise(SIGSTOP);

	if (sched_getscheduler(0) != SCHED_FIFO ||
	    sched_getparam(0, &sp) || sp.sched_priority != 10)
		return fail(10, "policy %d priority %d", sched_getscheduler(0),
			    sp.sched_priority);
	/* The nice value it keeps for when it leaves SCHED_FIFO */
	sp.sched_priority = 0;
	if (sched_setscheduler(0, SCHED_OTHER, &sp))
		return fail(11, "leaving SCHED_FIFO: %m");
	errno = 0;
	v = getpriority(PRIO_PROCESS, 0);
	if (v != 3 || errno)
		return fail(12, "nice after SCHED_FIFO: %d", v);
	return 0;
}

/* A real-time policy and its priority (the caller is root) */
TEST_F_TIMEOUT(restart, sched_fifo, 120)
{
	if (geteuid() != 0)
		SKIP(return, "needs root for SCHED_FIFO");
	cycle(_metadata, &self->r, fifo_fn, NULL);
}

static volatile sig_atomic_t g_alarms;

static void alarm_handler(int sig)
{
	(void)sig;
	g_alarms++;
}

/*
 * Whether @it has between 1 us and @max_s seconds left (and a tick more,
 * which setitimer(2) adds to a CPU timer), and @int_s period
 */
static bool itimer_is(const struct itimerval *it, long max_s, long int_s)
{
	long long left = it->it_value.tv_sec * 1000000LL + it->it_value.tv_usec;

	return left > 0 && left <= max_s * 1000000LL + 20000 &&
	       it->it_interval.tv_sec == int_s && !it->it_interval.tv_usec;
}

static int itimers_fn(void *arg)
{
	struct itimerval real = { { 7, 0 }, { 3, 0 } };
	struct itimerval virt = { { 3, 0 }, { 20, 0 } };
	struct itimerval prof = { { 4, 0 }, { 25, 0 } };
	struct sigaction sa = { .sa_handler = alarm_handler };
	struct itimerval it;
	sigset_t none;

	(void)arg;
	if (sigaction(SIGALRM, &sa, NULL) ||
	    setitimer(ITIMER_VIRTUAL, &virt, NULL) ||
	    setitimer(ITIMER_PROF, &prof, NULL) ||
	    setitimer(ITIMER_REAL, &real, NULL))
		return fail(1, "setitimer: %m");

	raise(SIGSTOP);

	if (getitimer(ITIMER_REAL, &it) || !itimer_is(&it, 3, 7))
		return fail(10, "ITIMER_REAL %ld.%06ld s left, interval %ld s",
			    (long)it.it_value.tv_sec, (long)it.it_value.tv_usec,
			    (long)it.it_interval.tv_sec);
	if (getitimer(ITIMER_VIRTUAL, &it) || !itimer_is(&it, 20, 3))
		return fail(11, "ITIMER_VIRTUAL %ld.%06ld s left, interval %ld s",
			    (long)it.it_value.tv_sec, (long)it.it_value.tv_usec,
			    (long)it.it_interval.tv_sec);
	if (getitimer(ITIMER_PROF, &it) || !itimer_is(&it, 25, 4))
		return fail(12, "ITIMER_PROF %ld.%06ld s left, interval %ld s",
			    (long)it.it_value.tv_sec, (long)it.it_value.tv_usec,
			    (long)it.it_interval.tv_sec);
	/* It fires, and its interval rearms it */
	sigemptyset(&none);
	while (!g_alarms)
		sigsuspend(&none);
	if (getitimer(ITIMER_REAL, &it) || !itimer_is(&it, 7, 7))
		return fail(13, "ITIMER_REAL not rearmed");
	return 0;
}

/* The three interval timers, with their time left and intervals */
TEST_F_TIMEOUT(restart, itimers, 120)
{
	const struct ckpt_hdr_signal *s;

	spawn_and_checkpoint(_metadata, &self->r, itimers_fn, NULL);
	s = ckpt_find(parsed(_metadata, &self->r), CKPT_HDR_SIGNAL, 0);
	ASSERT_NE(NULL, s);
	EXPECT_EQ(7000000000ULL, s->itimer[ITIMER_REAL].interval_ns);
	EXPECT_GE(3000000000ULL, s->itimer[ITIMER_REAL].value_ns);
	EXPECT_LT(0, s->itimer[ITIMER_REAL].value_ns);
	EXPECT_EQ(4000000000ULL, s->itimer[ITIMER_PROF].interval_ns);
	EXPECT_GE(25000000000ULL + 20000000, s->itimer[ITIMER_PROF].value_ns);
	EXPECT_LT(0, s->itimer[ITIMER_PROF].value_ns);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- pending signals ---- */

#define SIG_RT1		(SIGRTMIN + 1)
#define SIG_RT2		(SIGRTMIN + 2)

static struct {
	int sig;
	int code;
	int value;
	pid_t pid;
} g_got[8];
static volatile sig_atomic_t g_nr_got;

static void info_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (g_nr_got >= (int)ARRAY_SIZE(g_got))
		return;
	g_got[g_nr_got].sig = sig;
	g_got[g_nr_got].code = si->si_code;
	g_got[g_nr_got].value = si->si_value.sival_int;
	g_got[g_nr_got].pid = si->si_pid;
	g_nr_got++;
}

static int queue_to_self(int sig, int value, bool thread)
{
	siginfo_t si = {};

	si.si_signo = sig;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	if (thread)
		return syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig,
			       &si);
	return syscall(SYS_rt_sigqueueinfo, getpid(), sig, &si);
}

/*
 * Blocked and pending: SIGUSR1 for the process (kill), SIGUSR2 for the
 * thread (tgkill), SIG_RT1 queued twice for the process with values 11
 * and 22, SIG_RT2 once for the thread with 33
 */
static int pending_fn(void *arg)
{
	struct sigaction sa = { .sa_sigaction = info_handler,
				.sa_flags = SA_SIGINFO };
	int i, usr1 = 0, usr2 = 0, rt1 = 0, rt2 = 0;
	pid_t self = getpid();
	sigset_t set, pend;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIG_RT1);
	sigaddset(&set, SIG_RT2);
	if (sigaction(SIGUSR1, &sa, NULL) || sigaction(SIGUSR2, &sa, NULL) ||
	    sigaction(SIG_RT1, &sa, NULL) || sigaction(SIG_RT2, &sa, NULL) ||
	    sigprocmask(SIG_BLOCK, &set, NULL))
		return fail(1, "sigaction: %m");
	if (kill(self, SIGUSR1) ||
	    syscall(SYS_tgkill, self, gettid(), SIGUSR2) ||
	    queue_to_self(SIG_RT1, 11, false) ||
	    queue_to_self(SIG_RT1, 22, false) ||
	    queue_to_self(SIG_RT2, 33, true))
		return fail(2, "queueing: %m");

	raise(SIGSTOP);

	if (sigpending(&pend))
		return fail(10, "sigpending: %m");
	for (i = 1; i < NSIG; i++)
		if (sigismember(&pend, i) != sigismember(&set, i))
			return fail(11, "signal %d %spending", i,
				    sigismember(&pend, i) ? "" : "not ");
	if (g_nr_got)
		return fail(12, "a blocked signal was delivered");
	/* Each once, with its siginfo; SIG_RT1's two in queue order */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	if (g_nr_got != 5)
		return fail(13, "%d signals delivered, not 5", (int)g_nr_got);
	for (i = 0, rt1 = 0; i < 5; i++) {
		if (g_got[i].sig == SIGUSR1 && !usr1++ &&
		    g_got[i].code == SI_USER && g_got[i].pid == self)
			continue;
		if (g_got[i].sig == SIGUSR2 && !usr2++ &&
		    g_got[i].code == SI_TKILL)
			continue;
		if (g_got[i].sig == SIG_RT1 && rt1 < 2 &&
		    g_got[i].code == SI_QUEUE && g_got[i].pid == self &&
		    g_got[i].value == (rt1++ ? 22 : 11))
			continue;
		if (g_got[i].sig == SIG_RT2 && !rt2++ &&
		    g_got[i].value == 33)
			continue;
		return fail(14, "delivery %d: signal %d code %d pid %d value %d",
			    i, g_got[i].sig, g_got[i].code, g_got[i].pid,
			    g_got[i].value);
	}
	if (sigpending(&pend) || !sigisemptyset(&pend))
		return fail(18, "signals still pending");
	return 0;
}

/* Pending signals of both queues, with their siginfo, not lost nor doubled */
TEST_F_TIMEOUT(restart, pending_signals, 120)
{
	const struct ckpt_image *img;
	const struct ckpt_hdr_sigpending *p;
	unsigned int i, shared = 0;

	spawn_and_checkpoint(_metadata, &self->r, pending_fn, NULL);
	img = parsed(_metadata, &self->r);
	EXPECT_EQ(5, ckpt_count(img, CKPT_HDR_SIGPENDING));
	for (i = 0; (p = ckpt_find(img, CKPT_HDR_SIGPENDING, i)); i++)
		shared += p->queue == CKPT_SIGQUEUE_SHARED;
	EXPECT_EQ(3, shared);
	/* The original still has them: the checkpoint only copied them */
	expect_original_ok(_metadata, &self->r);
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* ---- seccomp strict mode ---- */

#define FD_STRICT_R	10
#define FD_STRICT_W	11

/*
 * In seccomp strict mode, blocked in read(2); once it has read, it makes
 * a system call strict mode forbids, which kills it
 */
static int strict_fn(void *arg)
{
	int p[2];
	char c;

	(void)arg;
	if (pipe(p) || dup2(p[0], FD_STRICT_R) != FD_STRICT_R ||
	    dup2(p[1], FD_STRICT_W) != FD_STRICT_W || close(p[0]) ||
	    close(p[1]))
		return fail(1, "pipe: %m");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0))
		return fail(2, "PR_SET_SECCOMP: %m");
	if (read(FD_STRICT_R, &c, 1) != 1)
		syscall(SYS_exit, 3);
	syscall(SYS_getpid);
	syscall(SYS_exit, 0);
	return 0;
}

/* Seccomp mode of @pid, from /proc/PID/status, or -1 */
static int seccomp_mode(pid_t pid)
{
	char path[64], buf[4096], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nSeccomp:");
	return p ? atoi(p + strlen("\nSeccomp:")) : -1;
}

/* Stopped in read(2) in strict mode; still in it after restart */
TEST_F_TIMEOUT(restart, seccomp_strict, 120)
{
	char path[64];
	int status, fd, i;

	self->r.orig = target_spawn_running(strict_fn, NULL);
	ASSERT_GT(self->r.orig, 0);
	for (i = 0; i < 2000 && proc_state(self->r.orig) != 'S'; i++)
		usleep(5000);
	ASSERT_EQ('S', proc_state(self->r.orig));
	ASSERT_EQ(1, seccomp_mode(self->r.orig));
	ASSERT_EQ(0, kill(self->r.orig, SIGSTOP));
	ASSERT_EQ(self->r.orig, waitpid(self->r.orig, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status));
	checkpoint_orig(_metadata, &self->r);
	EXPECT_EQ(CKPT_TASK_SECCOMP_STRICT,
		  ((const struct ckpt_hdr_task *)ckpt_find(parsed(_metadata,
		  &self->r), CKPT_HDR_TASK, 0))->flags & CKPT_TASK_SECCOMP_STRICT);
	kill_and_restart(_metadata, &self->r, 0);
	EXPECT_EQ(1, seccomp_mode(self->r.pid));
	/* Let it read: its getpid() then kills it, as strict mode must */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", self->r.pid, FD_STRICT_W);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "x", 1));
	close(fd);
	ASSERT_EQ(self->r.pid, waitpid(self->r.pid, &status, 0));
	self->r.pid = -1;
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
		TH_LOG("the restored process: status %#x", status);
	}
}

/* ---- credentials ---- */

#define T_UID		1001
#define T_EUID		1002
#define T_SUID		1003
#define T_GID		2001
#define T_EGID		2002
#define T_SGID		2003
#define CAPS_P	(BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_SETGID) | \
		 BIT(CAP_SETUID) | BIT(CAP_SETPCAP))
#define CAPS_E	(BIT(CAP_KILL) | BIT(CAP_SETPCAP))
#define CAPS_I	(BIT(CAP_CHOWN) | BIT(CAP_KILL))

static const gid_t t_groups[] = { 3001, 3002, 3005 };

static int capget3(uint64_t *e, uint64_t *p, uint64_t *i)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	*e = data[0].effective | (uint64_t)data[1].effective << 32;
	*p = data[0].permitted | (uint64_t)data[1].permitted << 32;
	*i = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
	return 0;
}

static int creds_fn(void *arg)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, groups[16];
	uint64_t ce, cp, ci;
	int n;

	(void)arg;
	if (chdir("/"))
		return fail(1, "chdir: %m");
	if (setgroups(ARRAY_SIZE(t_groups), t_groups) ||
	    setresgid(T_GID, T_EGID, T_SGID) ||
	    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0) ||
	    setresuid(T_UID, T_EUID, T_SUID) ||
	    capset3(CAPS_E, CAPS_P, CAPS_I) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_KILL, 0, 0) ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) ||
	    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return fail(2, "setting up the credentials: %m");

	raise(SIGSTOP);

	/* Taking credentials other than the restarter's resets both */
	if (prctl(PR_GET_PDEATHSIG, &n, 0, 0, 0) || n != SIGKILL)
		return fail(17, "parent death signal %d", n);
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1)
		return fail(18, "not dumpable");

	if (getresuid(&r, &e, &s) || r != T_UID || e != T_EUID || s != T_SUID)
		return fail(10, "uids %u %u %u", r, e, s);
	if (getresgid(&rg, &eg, &sg) || rg != T_GID || eg != T_EGID ||
	    sg != T_SGID)
		return fail(11, "gids %u %u %u", rg, eg, sg);
	n = getgroups(16, groups);
	if (n != 3 || groups[0] != 3001 || groups[1] != 3002 ||
	    groups[2] != 3005)
		return fail(12, "%d groups", n);
	if (capget3(&ce, &cp, &ci) || ce != CAPS_E || cp != CAPS_P ||
	    ci != CAPS_I)
		return fail(13, "caps e %#llx p %#llx i %#llx",
			    (unsigned long long)ce, (unsigned long long)cp,
			    (unsigned long long)ci);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_KILL, 0, 0) != 1 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0) != 0)
		return fail(14, "ambient set");
	if (prctl(PR_CAPBSET_READ, CAP_SYS_BOOT, 0, 0, 0) != 0 ||
	    prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0) != 1)
		return fail(15, "bounding set");
	if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 1)
		return fail(16, "keep-caps bit");
	return 0;
}

TEST_F_TIMEOUT(restart, creds, 120)
{
	if (geteuid() != 0)
		SKIP(return, "needs root to set up credentials");
	cycle(_metadata, &self->r, creds_fn, NULL);
}

/* Run @fn(@arg) in a child as uid 65534; returns its exit status */
static int as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (become_nobody())
			_exit(99);
		_exit(fn(arg));
	}
	status = wait_exit(pid, WAIT_SECS + 30);
	if (status < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
	       128 + WTERMSIG(status);
}

static int plain_fn(void *arg)
{
	(void)arg;
	if (chdir("/"))
		return fail(1, "chdir: %m");
	raise(SIGSTOP);
	return getuid() == 0 ? 0 : fail(10, "uid %u", getuid());
}

/* A root image, restarted by an unprivileged user */
TEST_F_TIMEOUT(restart, creds_other_uid_eperm, 120)
{
	struct refused r = { .want = EPERM };
	int ret;

	if (geteuid() != 0)
		SKIP(return, "needs root to have two users");
	spawn_and_checkpoint(_metadata, &self->r, plain_fn, NULL);
	target_kill(self->r.orig);
	self->r.orig = -1;
	r.img = self->r.img;
	r.len = self->r.len;
	ret = as_nobody(restart_refused, &r);
	EXPECT_EQ(0, ret) {
		TH_LOG("1: restarted, 2: wrong errno, 3: no log line, 4: child left");
	}
	EXPECT_TRUE(no_child());
}

/* uid 65534 with CAP_NET_RAW */
static int nobody_caps_fn(void *arg)
{
	uint64_t e, p, i;

	(void)arg;
	if (chdir("/") || prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534) ||
	    capset3(BIT(CAP_NET_RAW), BIT(CAP_NET_RAW), 0) ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return fail(1, "setting up the credentials: %m");

	raise(SIGSTOP);

	if (getuid() != 65534 || geteuid() != 65534 || getgid() != 65534)
		return fail(10, "uid %u gid %u", getuid(), getgid());
	if (capget3(&e, &p, &i) || e != BIT(CAP_NET_RAW) ||
	    p != BIT(CAP_NET_RAW) || i)
		return fail(11, "caps e %#llx p %#llx", (unsigned long long)e,
			    (unsigned long long)p);
	return 0;
}

/* Same uid, but capabilities the caller lacks */
TEST_F_TIMEOUT(restart, creds_wider_caps_eperm, 120)
{
	struct refused r = { .want = EPERM };
	int ret;

	if (geteuid() != 0)
		SKIP(return, "needs root to set up credentials");
	spawn_and_checkpoint(_metadata, &self->r, nobody_caps_fn, NULL);
	target_kill(self->r.orig);
	self->r.orig = -1;
	r.img = self->r.img;
	r.len = self->r.len;
	ret = as_nobody(restart_refused, &r);
	EXPECT_EQ(0, ret) {
		TH_LOG("1: restarted, 2: wrong errno, 3: no log line, 4: child left");
	}
	EXPECT_TRUE(no_child());
	/* Root may */
	kill_and_restart(_metadata, &self->r, 0);
	expect_exit(_metadata, &self->r, 0);
}

/* uid 65534 with a limit or a nice value only root could give it */
static int nobody_beyond_fn(void *arg)
{
	struct rlimit rl;

	if (chdir("/") || getrlimit(RLIMIT_MSGQUEUE, &rl))
		return fail(1, "getrlimit: %m");
	if (arg) {
		rl.rlim_max += 4096;
		if (setrlimit(RLIMIT_MSGQUEUE, &rl))
			return fail(2, "setrlimit: %m");
	} else if (setpriority(PRIO_PROCESS, 0, -5)) {
		return fail(3, "setpriority: %m");
	}
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534) ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return fail(4, "setting up the credentials: %m");
	raise(SIGSTOP);
	return 0;
}

static void expect_nobody_eperm(struct __test_metadata *_metadata,
				struct rst *rst, void *arg)
{
	struct refused r = { .want = EPERM };
	int ret;

	spawn_and_checkpoint(_metadata, rst, nobody_beyond_fn, arg);
	target_kill(rst->orig);
	rst->orig = -1;
	r.img = rst->img;
	r.len = rst->len;
	ret = as_nobody(restart_refused, &r);
	EXPECT_EQ(0, ret) {
		TH_LOG("1: restarted, 2: wrong errno, 3: no log line, 4: child left");
	}
	EXPECT_TRUE(no_child());
}

/* A hard limit above the restarter's needs CAP_SYS_RESOURCE */
TEST_F_TIMEOUT(restart, rlimit_raised_eperm, 120)
{
	struct rlimit rl;

	if (geteuid() != 0)
		SKIP(return, "needs root to raise a hard limit");
	ASSERT_EQ(0, getrlimit(RLIMIT_MSGQUEUE, &rl));
	if (rl.rlim_max == RLIM_INFINITY)
		SKIP(return, "RLIMIT_MSGQUEUE is unlimited");
	expect_nobody_eperm(_metadata, &self->r, "rlimit");
}

/* A nice value below the restarter's needs CAP_SYS_NICE or RLIMIT_NICE */
TEST_F_TIMEOUT(restart, nice_lower_eperm, 120)
{
	struct rlimit rl;

	if (geteuid() != 0)
		SKIP(return, "needs root to lower a nice value");
	ASSERT_EQ(0, getrlimit(RLIMIT_NICE, &rl));
	if (rl.rlim_cur >= 25)
		SKIP(return, "RLIMIT_NICE allows nice -5");
	expect_nobody_eperm(_metadata, &self->r, NULL);
}

/*
 * uid 65534, with a private writable mapping of a file it may only
 * read (the test's, mode 0644), written to (page 1, 47)
 */
static int nobody_fn(void *arg)
{
	char path[PATH_MAX + 16];
	uint64_t ce, cp, ci;
	uid_t r, e, s;
	char *p;
	int fd;

	(void)arg;
	if (chdir(g_dir))
		return fail(1, "chdir: %m");
	path_of(path, sizeof(path), "root.dat");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(2, "open: %m");
	p = mmap((void *)PRIV_ADDR, 2 * PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
	if (p != (void *)PRIV_ADDR)
		return fail(3, "mmap: %m");
	close(fd);
	fill_pattern(p + PS, PS, 47);

	raise(SIGSTOP);

	if (getresuid(&r, &e, &s) || r != 65534 || e != 65534 || s != 65534)
		return fail(10, "uids %u %u %u", r, e, s);
	if (capget3(&ce, &cp, &ci) || ce || cp || ci)
		return fail(11, "has capabilities");
	if (!check_pattern(p, PS, 45) || !check_pattern(p + PS, PS, 47))
		return fail(12, "private mapping of root.dat");
	return 0;
}

/*
 * As uid 65534: checkpoint its own process, kill it, restart it (with
 * @flags, expecting @want: 0 or an errno), and wait for it.
 */
static int own_restart(void *arg)
{
	const struct refused *want = arg;
	struct refused r;
	size_t len;
	void *buf;
	pid_t pid;
	int status;

	pid = target_spawn(nobody_fn, NULL);
	if (pid < 0)
		return 10;
	if (ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1, &buf, &len)) {
		target_kill(pid);
		return 11;
	}
	target_kill(pid);
	if (want->want) {
		r.img = buf;
		r.len = len;
		r.flags = want->flags;
		r.want = want->want;
		return restart_refused(&r);
	}
	pid = restart_img(buf, len, want->flags, NULL, 0);
	if (pid < 0) {
		fprintf(stderr, "# restart: %s\n", strerror(-pid));
		return 12;
	}
	status = wait_exit(pid, WAIT_SECS);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return 13;
	return 0;
}

TEST_F_TIMEOUT(restart, unprivileged_own, 120)
{
	struct refused want = { .want = 0 };
	int ret;

	ASSERT_EQ(0, write_pages("root.dat", 2, 45));
	ret = as_nobody(own_restart, &want);

	EXPECT_EQ(0, ret) {
		TH_LOG("10: target, 11: checkpoint, 12: restart, 13: restored process failed");
		show_report(_metadata);
	}
}

/* ---- pids ---- */

static pid_t g_saved_pid;

static int pid_fn(void *arg)
{
	(void)arg;
	g_saved_pid = getpid();
	raise(SIGSTOP);
	if (getpid() != g_saved_pid)
		return fail(1, "pid %d, was %d", getpid(), g_saved_pid);
	if (syscall(SYS_gettid) != g_saved_pid)
		return fail(2, "tid %ld", syscall(SYS_gettid));
	return 0;
}

TEST_F_TIMEOUT(restart, pids_kept, 120)
{
	pid_t orig;

	if (geteuid() != 0)
		SKIP(return, "needs CAP_CHECKPOINT_RESTORE");
	spawn_and_checkpoint(_metadata, &self->r, pid_fn, NULL);
	orig = self->r.orig;
	EXPECT_EQ(orig, parsed(_metadata, &self->r)->hdr->pid);
	kill_and_restart(_metadata, &self->r, CKPT_RESTART_PIDS);
	EXPECT_EQ(orig, self->r.pid);
	expect_exit(_metadata, &self->r, 0);
}

/* Without the flag, a new pid */
TEST_F_TIMEOUT(restart, pids_new, 120)
{
	pid_t orig;

	spawn_and_checkpoint(_metadata, &self->r, pid_fn, NULL);
	orig = self->r.orig;
	kill_and_restart(_metadata, &self->r, 0);
	EXPECT_NE(orig, self->r.pid);
	expect_exit(_metadata, &self->r, 1);
}

TEST_F_TIMEOUT(restart, pids_busy, 120)
{
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs CAP_CHECKPOINT_RESTORE");
	spawn_and_checkpoint(_metadata, &self->r, pid_fn, NULL);
	/* The original still has the pid */
	pid = restart_img(self->r.img, self->r.len, CKPT_RESTART_PIDS, self->r.log,
			  sizeof(self->r.log));
	if (pid > 0)
		self->r.pid = pid;
	EXPECT_EQ(-EBUSY, pid) {
		TH_LOG("restart: %s; log:\n%s",
		       pid > 0 ? "succeeded" : strerror(-pid), self->r.log);
	}
	EXPECT_EQ('T', proc_state(self->r.orig));
	target_kill(self->r.pid);
	self->r.pid = -1;
	target_kill(self->r.orig);
	self->r.orig = -1;
	EXPECT_TRUE(no_child()) {
		TH_LOG("a process was left behind");
		reap_all();
	}
}

TEST_F_TIMEOUT(restart, pids_unprivileged_eperm, 120)
{
	struct refused want = { .flags = CKPT_RESTART_PIDS, .want = EPERM };
	int ret;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop privileges");
	ASSERT_EQ(0, write_pages("root.dat", 2, 45));
	ret = as_nobody(own_restart, &want);
	EXPECT_EQ(0, ret) {
		TH_LOG("%s, %s", "10: target, 11: checkpoint, 1: restarted",
		       "2: wrong errno, 3: no log line, 4: child left");
	}
}

/* ---- non-destructive ---- */

#define COPY_LINES	3000

static int copy_fn(void *arg)
{
	char name[64];

	(void)arg;
	raise(SIGSTOP);
	/* Both copies run this: the file is named after the one running */
	snprintf(name, sizeof(name), "out.%d", (int)getpid());
	return prng_run(name, COPY_LINES, -1, 0);
}

TEST_F_TIMEOUT(restart, original_runs_on, 120)
{
	char a[64], b[64], buf[128];
	pid_t orig, copy;
	int status;

	ASSERT_EQ(0, prng_run("ref", COPY_LINES, -1, 0));
	spawn_and_checkpoint(_metadata, &self->r, copy_fn, NULL);
	orig = self->r.orig;
	ASSERT_EQ(0, kill(orig, SIGCONT));
	self->r.pid = restart_img(self->r.img, self->r.len, 0, self->r.log,
				  sizeof(self->r.log));
	ASSERT_GT(self->r.pid, 0) {
		TH_LOG("restart: %s; log:\n%s", strerror(-self->r.pid),
		       self->r.log);
	}
	copy = self->r.pid;
	EXPECT_NE(orig, copy);
	status = wait_exit(orig, WAIT_SECS);
	self->r.orig = -1;
	EXPECT_TRUE(status >= 0 && WIFEXITED(status) &&
		    !WEXITSTATUS(status)) {
		TH_LOG("original %s", describe(status, buf, sizeof(buf)));
	}
	expect_exit(_metadata, &self->r, 0);
	/* Each wrote its own file, under its own pid */
	snprintf(a, sizeof(a), "out.%d", (int)orig);
	expect_same_file(_metadata, a, "ref");
	snprintf(b, sizeof(b), "out.%d", (int)copy);
	expect_same_file(_metadata, b, "ref");
}

/* ---- how the image is read, and a restarter killed ---- */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* The image streamed through a pipe */
TEST_F_TIMEOUT(restart, image_from_pipe, 120)
{
	pid_t writer;
	int p[2];

	spawn_and_checkpoint(_metadata, &self->r, anon_fn, NULL);
	target_kill(self->r.orig);
	self->r.orig = -1;
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	writer = fork();
	ASSERT_LE(0, writer);
	if (writer == 0) {
		close(p[0]);
		_exit(write_all(p[1], self->r.img, self->r.len) ? 1 : 0);
	}
	close(p[1]);
	self->r.pid = sys_restart(0, p[0], 0, -1);
	close(p[0]);
	EXPECT_EQ(0, wait_exit(writer, WAIT_SECS));
	ASSERT_LT(0, self->r.pid) {
		TH_LOG("restart from a pipe: %s", strerror(errno));
	}
	expect_exit(_metadata, &self->r, 0);
}

#define HUGE_ADDR	0x7e0100000000UL
#define HUGE_SIZE	(48UL << 20)

static int huge_fn(void *arg)
{
	char *p;

	(void)arg;
	p = mmap((void *)HUGE_ADDR, HUGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)HUGE_ADDR)
		return fail(1, "mmap: %m");
	fill_pattern(p, HUGE_SIZE, 9);
	/* Complete copies outlive their restarter */
	if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0))
		return fail(2, "prctl: %m");
	raise(SIGSTOP);
	if (!check_pattern(p, HUGE_SIZE, 9))
		return fail(10, "memory");
	return 0;
}

/*
 * The restarter is killed while the kernel rebuilds the process: the
 * process must not run half-built.  Orphans come to the test, as a
 * subreaper: each must be a complete copy (it exits 0: it has no
 * parent death signal) or have died before it ran (SIGKILL).
 */
TEST_F_TIMEOUT(restart, restarter_killed, 300)
{
	static const double frac[] = { 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.1 };
	int status, i, fd, complete = 0, killed = 0;
	pid_t restarter, pid;
	double t0, took;
	char buf[128];

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	spawn_and_checkpoint(_metadata, &self->r, huge_fn, NULL);
	target_kill(self->r.orig);
	self->r.orig = -1;
	fd = memfd_with(self->r.img, self->r.len);
	ASSERT_LE(0, fd);

	/* How long a restart takes */
	t0 = now_mono();
	self->r.pid = sys_restart(0, fd, 0, -1);
	took = now_mono() - t0;
	ASSERT_LT(0, self->r.pid) {
		TH_LOG("restart: %s", strerror(errno));
	}
	expect_exit(_metadata, &self->r, 0);
	TH_LOG("a restart of %zu bytes takes %.2f s", self->r.len, took);

	for (i = 0; i < (int)ARRAY_SIZE(frac); i++) {
		ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
		restarter = fork();
		ASSERT_LE(0, restarter);
		if (restarter == 0) {
			pid = sys_restart(0, fd, 0, -1);
			if (pid < 0)
				_exit(100);
			status = wait_exit(pid, WAIT_SECS);
			_exit(status >= 0 && WIFEXITED(status) ?
			      WEXITSTATUS(status) : 101);
		}
		usleep((useconds_t)(took * frac[i] * 1e6));
		kill(restarter, SIGKILL);
		ASSERT_EQ(restarter, waitpid(restarter, &status, 0));
		/* Whatever it left: reparented to us */
		t0 = now_mono();
		while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) >= 0) {
			if (pid == 0) {
				ASSERT_GT(WAIT_SECS, now_mono() - t0) {
					reap_all();
				}
				usleep(10000);
				continue;
			}
			if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
				killed++;
				continue;
			}
			EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
				TH_LOG("killed at %.0f%%: process %d %s",
				       frac[i] * 100, pid,
				       describe(status, buf, sizeof(buf)));
				show_report(_metadata);
			}
			complete++;
		}
	}
	close(fd);
	TH_LOG("%d complete copies, %d killed ones reaped", complete, killed);
}

/* ---- real programs ---- */

static const char *g_prog_argv[8];

static int exec_fn(void *arg)
{
	char path[PATH_MAX + 16];
	int fd;

	(void)arg;
	path_of(path, sizeof(path), "prog.out");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0 || dup2(fd, 1) != 1)
		return fail(1, "open: %m");
	close(fd);
	if (chdir(g_dir))
		return fail(2, "chdir: %m");
	execv(g_prog_argv[0], (char **)g_prog_argv);
	return fail(3, "exec %s: %m", g_prog_argv[0]);
}

/*
 * Run the program once to the end; then again, stopped a third of the
 * way through, checkpointed, killed and restarted: same output.
 */
static void program_test(struct __test_metadata *_metadata,
			 struct rst *self)
{
	char path_out[PATH_MAX + 16], path_ref[PATH_MAX + 16], buf[128];
	double t0, took;
	int status;

	if (access(g_prog_argv[0], X_OK))
		SKIP(return, "no %s", g_prog_argv[0]);
	t0 = now_mono();
	self->orig = target_spawn_running(exec_fn, NULL);
	ASSERT_GT(self->orig, 0);
	status = wait_exit(self->orig, WAIT_SECS);
	self->orig = -1;
	took = now_mono() - t0;
	ASSERT_TRUE(status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status)) {
		TH_LOG("reference run %s", describe(status, buf, sizeof(buf)));
		show_report(_metadata);
	}
	path_of(path_out, sizeof(path_out), "prog.out");
	path_of(path_ref, sizeof(path_ref), "prog.ref");
	ASSERT_EQ(0, rename(path_out, path_ref));
	TH_LOG("%s runs for %.2f s", g_prog_argv[0], took);

	self->orig = target_spawn_running(exec_fn, NULL);
	ASSERT_GT(self->orig, 0);
	t0 = now_mono();
	while (file_size("prog.out") < 0) {
		ASSERT_GT(20.0, now_mono() - t0);
		usleep(1000);
	}
	usleep((useconds_t)(took * 1e6 / 3));
	ASSERT_EQ(0, kill(self->orig, SIGSTOP));
	ASSERT_EQ(self->orig, waitpid(self->orig, &status, WUNTRACED));
	ASSERT_TRUE(WIFSTOPPED(status)) {
		TH_LOG("it finished before it was stopped: %s",
		       describe(status, buf, sizeof(buf)));
	}
	TH_LOG("stopped with %lld of %lld bytes written",
	       (long long)file_size("prog.out"), (long long)file_size("prog.ref"));
	checkpoint_orig(_metadata, self);
	kill_and_restart(_metadata, self, 0);
	expect_exit(_metadata, self, 0);
	expect_same_file(_metadata, "prog.out", "prog.ref");
}

/* A shell loop counting, and printing with echo: no fork, only builtins */
static const char sh_script[] =
	"i=0\n"
	"while [ $i -lt 4000 ]; do\n"
	"\techo \"line $i $((i * i % 977))\"\n"
	"\ti=$((i + 1))\n"
	"done\n";

TEST_F_TIMEOUT(restart, busybox_sh, 240)
{
	ASSERT_EQ(0, write_file("prog.sh", sh_script, strlen(sh_script)));
	g_prog_argv[0] = "/bin/busybox";
	g_prog_argv[1] = "sh";
	g_prog_argv[2] = "prog.sh";
	g_prog_argv[3] = NULL;
	program_test(_metadata, &self->r);
}

/* A congruential generator in awk's floating point (exact below 2^53) */
static const char awk_script[] =
	"BEGIN {\n"
	"\tx = 1\n"
	"\tfor (i = 1; i <= 300000; i++) {\n"
	"\t\tx = (x * 69069 + 1) % 4294967296\n"
	"\t\ts += x % 1000\n"
	"\t\tif (i % 1000 == 0)\n"
	"\t\t\tprintf \"%d %d %d\\n\", i, x, s\n"
	"\t}\n"
	"}\n";

TEST_F_TIMEOUT(restart, busybox_awk, 240)
{
	ASSERT_EQ(0, write_file("prog.awk", awk_script, strlen(awk_script)));
	g_prog_argv[0] = "/bin/busybox";
	g_prog_argv[1] = "awk";
	g_prog_argv[2] = "-f";
	g_prog_argv[3] = "prog.awk";
	g_prog_argv[4] = NULL;
	program_test(_metadata, &self->r);
}

/* ---- the tools ---- */

/*
 * Run a tool: the arguments follow @out and @size, up to a NULL; its
 * stdin is @in (/dev/null if NULL), its stdout and stderr go to @out.
 * Returns its wait status, or -1.
 */
static int __attribute__((sentinel)) run_tool(const char *in, char *out,
					      size_t size, ...)
{
	const char *argv[8];
	int p[2], fd, i = 0;
	size_t len = 0;
	va_list ap;
	ssize_t n;
	pid_t pid;

	va_start(ap, size);
	while (i < 7 && (argv[i] = va_arg(ap, const char *)))
		i++;
	va_end(ap);
	argv[i] = NULL;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		fd = open(in ? in : "/dev/null", O_RDONLY);
		dup2(fd, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execvp(argv[0], (char **)argv);
		_exit(127);
	}
	close(p[1]);
	while (len < size - 1 && (n = read(p[0], out + len, size - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(p[0]);
	return wait_exit(pid, WAIT_SECS);
}

static bool exited(int status, int code)
{
	return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

/* The tool @name of tools/checkpoint is on PATH: its usage has @needle */
static bool have_tool(const char *name, const char *needle)
{
	char out[2048];
	int status;

	status = run_tool(NULL, out, sizeof(out), name, "-h", NULL);
	return exited(status, 0) && strstr(out, needle);
}

static int exit42_fn(void *arg)
{
	(void)arg;
	raise(SIGSTOP);
	return 42;
}

static int sigterm_fn(void *arg)
{
	(void)arg;
	raise(SIGSTOP);
	signal(SIGTERM, SIG_DFL);
	raise(SIGTERM);
	return 0;
}

/* Checkpoint @fn into the file "img", and kill it */
static void image_file(struct __test_metadata *_metadata, struct rst *self,
		       target_fn fn, char *path, size_t size)
{
	free(self->img);
	self->img = NULL;
	spawn_and_checkpoint(_metadata, self, fn, NULL);
	target_kill(self->orig);
	self->orig = -1;
	path_of(path, size, "img");
	ASSERT_EQ(0, write_file("img", self->img, self->len));
}

/* restart FILE: waits, and exits as the process did */
TEST_F_TIMEOUT(restart, tool_restart_status, 120)
{
	char path[PATH_MAX + 16], log[PATH_MAX + 16], out[4096], buf[128];
	char *text;
	int status;

	if (!have_tool("restart", "-p"))
		SKIP(return, "no restart tool on PATH");
	image_file(_metadata, &self->r, exit42_fn, path, sizeof(path));
	status = run_tool(NULL, out, sizeof(out), "restart", path, NULL);
	EXPECT_TRUE(exited(status, 42)) {
		TH_LOG("restart %s: %s; output: %s", path,
		       describe(status, buf, sizeof(buf)), out);
	}
	/* From stdin, and with the kernel's log in a file */
	path_of(log, sizeof(log), "restart.log");
	status = run_tool(path, out, sizeof(out), "restart", "-l", log, NULL);
	EXPECT_TRUE(exited(status, 42)) {
		TH_LOG("restart -l LOG < %s: %s; output: %s", path,
		       describe(status, buf, sizeof(buf)), out);
	}
	text = read_file("restart.log", NULL);
	EXPECT_TRUE(text && strstr(text, "restart: pid ")) {
		TH_LOG("restart -l wrote: %s", text ? text : "nothing");
	}
	free(text);
	status = run_tool(path, out, sizeof(out), "restart", "-", NULL);
	EXPECT_TRUE(exited(status, 42)) {
		TH_LOG("restart - < %s: %s; output: %s", path,
		       describe(status, buf, sizeof(buf)), out);
	}

	image_file(_metadata, &self->r, sigterm_fn, path, sizeof(path));
	status = run_tool(NULL, out, sizeof(out), "restart", path, NULL);
	EXPECT_TRUE(exited(status, 128 + SIGTERM)) {
		TH_LOG("restart %s: %s; output: %s", path,
		       describe(status, buf, sizeof(buf)), out);
	}
	EXPECT_TRUE(no_child());

	/* A bad image: an error, status 1 */
	ASSERT_EQ(0, write_file("img", self->r.img, self->r.len / 2));
	status = run_tool(NULL, out, sizeof(out), "restart", path, NULL);
	EXPECT_TRUE(exited(status, 1)) {
		TH_LOG("restart of half an image: %s",
		       describe(status, buf, sizeof(buf)));
	}
	EXPECT_NE(NULL, strstr(out, strerror(EINVAL))) {
		TH_LOG("restart of half an image says: %s", out);
	}
	EXPECT_TRUE(no_child());
}

/* restart -d FILE: prints the pid and leaves it running */
TEST_F_TIMEOUT(restart, tool_restart_detach, 120)
{
	char path[PATH_MAX + 16], out[4096], buf[128], *end;
	int status;

	if (!have_tool("restart", "-p"))
		SKIP(return, "no restart tool on PATH");
	/* The restored process comes to us when the tool exits */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	image_file(_metadata, &self->r, exit42_fn, path, sizeof(path));
	status = run_tool(NULL, out, sizeof(out), "restart", "-d", path, NULL);
	ASSERT_TRUE(exited(status, 0)) {
		TH_LOG("restart -d: %s; output: %s",
		       describe(status, buf, sizeof(buf)), out);
	}
	self->r.pid = strtol(out, &end, 10);
	ASSERT_TRUE(self->r.pid > 0 && !strcmp(end, "\n")) {
		TH_LOG("restart -d printed \"%s\"", out);
		self->r.pid = -1;
	}
	expect_exit(_metadata, &self->r, 42);
}

/* restart -p FILE: the image's pid; ckptinfo shows it */
TEST_F_TIMEOUT(restart, tool_restart_pids, 120)
{
	char path[PATH_MAX + 16], out[65536], want[64], buf[128];
	int status;
	pid_t orig;

	if (!have_tool("restart", "-p"))
		SKIP(return, "no restart tool on PATH");
	if (geteuid() != 0)
		SKIP(return, "needs CAP_CHECKPOINT_RESTORE");
	image_file(_metadata, &self->r, pid_fn, path, sizeof(path));
	orig = parsed(_metadata, &self->r)->hdr->pid;

	if (have_tool("ckptinfo", "verify")) {
		status = run_tool(NULL, out, sizeof(out), "ckptinfo", path, NULL);
		EXPECT_TRUE(exited(status, 0)) {
			TH_LOG("ckptinfo: %s", describe(status, buf, sizeof(buf)));
		}
		snprintf(want, sizeof(want), " pid %d\n", (int)orig);
		EXPECT_NE(NULL, strstr(out, want)) {
			TH_LOG("ckptinfo does not show the header's pid %d",
			       (int)orig);
		}
	}

	status = run_tool(NULL, out, sizeof(out), "restart", "-p", path, NULL);
	EXPECT_TRUE(exited(status, 0)) {
		TH_LOG("restart -p: %s (1: new pid); output: %s",
		       describe(status, buf, sizeof(buf)), out);
		show_report(_metadata);
	}
	EXPECT_TRUE(no_child());
}

/*
 * restart -n FILE: the image's pid in a new pid namespace, although the
 * original, still there, holds it in ours
 */
TEST_F_TIMEOUT(restart, tool_restart_newpid, 120)
{
	char path[PATH_MAX + 16], out[4096], buf[128];
	int status;

	if (!have_tool("restart", "-n"))
		SKIP(return, "no restart tool on PATH");
	if (geteuid() != 0)
		SKIP(return, "needs CAP_SYS_ADMIN");
	spawn_and_checkpoint(_metadata, &self->r, pid_fn, NULL);
	path_of(path, sizeof(path), "img");
	ASSERT_EQ(0, write_file("img", self->r.img, self->r.len));

	status = run_tool(NULL, out, sizeof(out), "restart", "-n", path, NULL);
	EXPECT_TRUE(exited(status, 0)) {
		TH_LOG("restart -n: %s (1: new pid); output: %s",
		       describe(status, buf, sizeof(buf)), out);
		show_report(_metadata);
	}
	/* With -p instead, the pid is taken */
	status = run_tool(NULL, out, sizeof(out), "restart", "-p", path, NULL);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
		    strstr(out, "pid of the image is taken")) {
		TH_LOG("restart -p: %s; output: %s",
		       describe(status, buf, sizeof(buf)), out);
	}
	EXPECT_EQ('T', proc_state(self->r.orig));
}

/* ---- bad images ---- */

/* A page of known data in the target, to damage in the image */
#define BAD_DATA_ADDR	0x7e0000000000UL

static int data_fn(void *arg)
{
	char *p = mmap((void *)BAD_DATA_ADDR, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	(void)arg;
	if (p != (void *)BAD_DATA_ADDR)
		return 1;
	fill_pattern(p, 4096, 7);
	raise(SIGSTOP);
	return 0;
}

/*
 * The corruptions of ckpt_verify_test, each given to a full restart:
 * the same errno as VERIFY gives, no process left, a log line, no
 * splat.
 */
FIXTURE(bad) {
	struct image_copy c;
};

FIXTURE_SETUP(bad)
{
	image_copy_init(_metadata, &self->c, data_fn, NULL);
}

FIXTURE_TEARDOWN(bad)
{
	image_copy_free(&self->c);
}

TEST_F_TIMEOUT(bad, good_image, 120)
{
	expect_restart(_metadata, &self->c, self->c.len, 0, "good image");
}

TEST_F_TIMEOUT(bad, truncated, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	size_t mid = off_of(ic, img->recs[img->nr / 2]);
	size_t cuts[] = {
		0,
		4,
		sizeof(struct ckpt_hdr),
		sizeof(struct ckpt_hdr_header) / 2,
		sizeof(struct ckpt_hdr_header),
		mid,
		mid + 4,
		mid + 12,
		ic->len / 2,
		ic->len - sizeof(struct ckpt_hdr_tail),
		ic->len - sizeof(struct ckpt_hdr_tail) + 8,
		ic->len - 1,
	};
	char what[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cuts); i++) {
		snprintf(what, sizeof(what), "truncated to %zu of %zu bytes",
			 cuts[i], ic->len);
		expect_restart(_metadata, ic, cuts[i], EINVAL, what);
	}
}

TEST_F_TIMEOUT(bad, flipped_header_byte, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	int recs[] = { 0, (int)img->nr / 2, (int)img->nr - 2 };
	char what[64];
	size_t off;
	int i, r;

	for (r = 0; r < 3; r++) {
		off = off_of(ic, img->recs[recs[r]]);
		for (i = 0; i < 8; i++) {
			ic->buf[off + i] ^= 0x40;
			snprintf(what, sizeof(what), "record %d byte %d",
				 recs[r], i);
			/* EINVAL or EBADMSG, as VERIFY says */
			expect_restart(_metadata, ic, ic->len, -1, what);
			ic->buf[off + i] ^= 0x40;
		}
	}
}

TEST_F_TIMEOUT(bad, bad_length, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr *last = img->recs[img->nr - 2];
	const struct ckpt_hdr *mid = img->recs[img->nr / 2];
	struct ckpt_hdr *h;

	h = in_copy(ic, last);
	h->len = ic->len - off_of(ic, last) + 8;
	expect_einval(_metadata, ic, "length past the end");
	h = in_copy(ic, mid);
	h->len = 0xfffffff8;
	expect_einval(_metadata, ic, "length 0xfffffff8");
	h = in_copy(ic, mid);
	h->len = CKPT_RECORD_MAX + CKPT_ALIGN;
	expect_einval(_metadata, ic, "length CKPT_RECORD_MAX + 8");
	h = in_copy(ic, mid);
	h->len = 0;
	expect_einval(_metadata, ic, "length 0");
	h = in_copy(ic, mid);
	h->len = 4;
	expect_einval(_metadata, ic, "length 4");
	h = in_copy(ic, mid);
	h->len += 4;
	expect_einval(_metadata, ic, "unaligned length");
	h = in_copy(ic, img->hdr);
	h->len -= 8;
	expect_einval(_metadata, ic, "HEADER 8 bytes short");
}

TEST_F_TIMEOUT(bad, unknown_record_type, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	size_t hlen = img->hdr->h.len;
	struct ckpt_hdr *h;

	h = in_copy(ic, ckpt_find(img, CKPT_HDR_SIGHAND, 0));
	h->type = 9999;
	expect_einval(_metadata, ic, "SIGHAND turned into type 9999");
	h = in_copy(ic, ckpt_find(img, CKPT_HDR_CPU, 0));
	h->type = 0;
	expect_einval(_metadata, ic, "CPU turned into type 0");

	memmove(ic->buf + hlen + 16, ic->buf + hlen, ic->len - hlen);
	memset(ic->buf + hlen, 0, 16);
	h = (void *)(ic->buf + hlen);
	h->type = 150;
	h->len = 16;
	ckpt_fix_tail(ic->buf, ic->len + 16, img->nr);
	expect_restart(_metadata, ic, ic->len + 16, EINVAL,
		       "inserted record of type 150");
	memcpy(ic->buf, ic->good, ic->len);
}

TEST_F_TIMEOUT(bad, bad_header, 120)
{
	struct image_copy *ic = &self->c;
	struct ckpt_hdr_header *h = in_copy(ic, ic->img.hdr);

	h->magic ^= 1;
	expect_einval(_metadata, ic, "wrong magic");
	h->version = CKPT_VERSION + 1;
	expect_einval(_metadata, ic, "wrong version");
	h->version = 0;
	expect_einval(_metadata, ic, "version 0");
	h->arch = CKPT_ARCH_X86_64 + 1;
	expect_einval(_metadata, ic, "wrong arch");
	h->arch = 0;
	expect_einval(_metadata, ic, "arch 0");
	h->page_size = 12345;
	expect_einval(_metadata, ic, "page size 12345");
	h->xstate_size = CKPT_XSTATE_MAX + 64;
	expect_einval(_metadata, ic, "xstate_size too big");
	h->pid = 0;
	expect_einval(_metadata, ic, "header pid 0");
	h->pid = 4194304 + 1;
	expect_einval(_metadata, ic, "header pid above PID_MAX_LIMIT");
	h->pid++;
	expect_einval(_metadata, ic, "header pid not the task's");
	h->__pad = 1;
	expect_einval(_metadata, ic, "header __pad");
	memset(h->release, 'x', sizeof(h->release));
	expect_einval(_metadata, ic, "unterminated release");
}

TEST_F_TIMEOUT(bad, bad_tail, 120)
{
	struct image_copy *ic = &self->c;
	struct ckpt_hdr_tail *t = in_copy(ic, ic->img.tail);

	t->crc32c ^= 1;
	expect_restart(_metadata, ic, ic->len, EBADMSG, "tail CRC off by one bit");
	memcpy(ic->buf, ic->good, ic->len);
	t->nr_records++;
	expect_einval(_metadata, ic, "tail record count + 1");
	t->nr_records--;
	expect_einval(_metadata, ic, "tail record count - 1");
}

TEST_F_TIMEOUT(bad, flipped_page_byte, 120)
{
	struct image_copy *ic = &self->c;
	const unsigned char *page = ckpt_find_page(&ic->img, BAD_DATA_ADDR);
	size_t off;

	ASSERT_NE(NULL, page);
	off = page - (const unsigned char *)ic->good;
	ic->buf[off + 1000] ^= 0x01;
	expect_restart(_metadata, ic, ic->len, EBADMSG, "flipped page byte");
	memcpy(ic->buf, ic->good, ic->len);
	ic->buf[off + 4095] ^= 0x80;
	expect_restart(_metadata, ic, ic->len, EBADMSG,
		       "flipped last page byte");
}

TEST_F_TIMEOUT(bad, dangling_reference, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	struct ckpt_hdr_task *t = in_copy(ic, ckpt_find(img, CKPT_HDR_TASK, 0));
	struct ckpt_hdr_fd *fd = in_copy(ic, ckpt_find(img, CKPT_HDR_FD, 0));
	struct ckpt_hdr_mm *mm = in_copy(ic, ckpt_find(img, CKPT_HDR_MM, 0));

	t->cred_ref = 999;
	expect_einval(_metadata, ic, "TASK cred_ref 999");
	t->mm_ref = 999;
	expect_einval(_metadata, ic, "TASK mm_ref 999");
	t->files_ref = img->nr_objs + 1;
	expect_einval(_metadata, ic, "TASK files_ref one past the last id");
	t->sighand_ref = 0;
	expect_einval(_metadata, ic, "TASK sighand_ref 0");
	fd->file_ref = 999;
	expect_einval(_metadata, ic, "FD file_ref 999");
	ASSERT_NE(0, mm->exe_ref);
	mm->exe_ref = 999;
	expect_einval(_metadata, ic, "MM exe_ref 999");
}

TEST_F_TIMEOUT(bad, signal_and_sched, 180)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_task *gt = ckpt_find(img, CKPT_HDR_TASK, 0);
	const struct ckpt_hdr_sched *gsc = ckpt_find(img, CKPT_HDR_SCHED, 0);
	struct ckpt_hdr_signal *s;
	struct ckpt_hdr_sched *sc;
	struct ckpt_hdr_task *t;
	char log[LOG_SIZE];
	uint64_t *words;
	pid_t pid;

	ASSERT_NE(NULL, gt);
	ASSERT_NE(NULL, gsc);
	ASSERT_GE(64, gsc->nr_cpus);	/* one word of affinity */
	t = in_copy(ic, gt);
	sc = in_copy(ic, gsc);
	s = in_copy(ic, ckpt_find(img, CKPT_HDR_SIGNAL, 0));
	words = (uint64_t *)(sc + 1);

	t->signal_ref = 999;
	expect_einval(_metadata, ic, "TASK signal_ref 999");
	t->signal_ref = gt->cred_ref;
	expect_einval(_metadata, ic, "TASK signal_ref of a CRED");

	s->flags = 2;
	expect_einval(_metadata, ic, "SIGNAL unknown flag");
	s->dumpable = 2;
	expect_einval(_metadata, ic, "SIGNAL dumpable 2");
	s->nr_rlimits = CKPT_RLIM_NLIMITS - 1;
	expect_einval(_metadata, ic, "SIGNAL nr_rlimits 15");
	s->rlim[RLIMIT_STACK].max = 4096;
	s->rlim[RLIMIT_STACK].cur = 8192;
	expect_einval(_metadata, ic, "SIGNAL soft limit above the hard one");
	s->itimer[ITIMER_PROF].value_ns = ~0ULL;
	expect_einval(_metadata, ic, "SIGNAL itimer past KTIME_MAX");
	s->itimer[ITIMER_REAL].value_ns = 0;
	s->itimer[ITIMER_REAL].interval_ns = 1000;
	expect_einval(_metadata, ic, "SIGNAL expired ITIMER_REAL with an interval");

	sc->policy = 6;
	expect_einval(_metadata, ic, "SCHED policy SCHED_DEADLINE");
	sc->flags = 2;
	expect_einval(_metadata, ic, "SCHED unknown flag");
	sc->nice = 20;
	expect_einval(_metadata, ic, "SCHED nice 20");
	sc->nice = -21;
	expect_einval(_metadata, ic, "SCHED nice -21");
	sc->rt_priority = 5;
	expect_einval(_metadata, ic, "SCHED rt_priority for SCHED_NORMAL");
	sc->policy = 1;
	expect_einval(_metadata, ic, "SCHED SCHED_FIFO without a priority");
	sc->policy = 2;
	sc->rt_priority = 100;
	expect_einval(_metadata, ic, "SCHED SCHED_RR priority 100");
	sc->nr_cpus = 0;
	expect_einval(_metadata, ic, "SCHED nr_cpus 0");
	sc->nr_cpus = CKPT_CPUS_MAX + 1;
	expect_einval(_metadata, ic, "SCHED nr_cpus past CKPT_CPUS_MAX");
	sc->nr_cpus = 65;
	expect_einval(_metadata, ic, "SCHED nr_cpus 65 with one word");
	sc->nr_cpus = 1;
	words[0] = 2;
	expect_einval(_metadata, ic, "SCHED affinity past nr_cpus");
	words[0] = 0;
	expect_einval(_metadata, ic, "SCHED affinity of no CPU");

	/* Valid, but of CPUs this machine does not have */
	sc->nr_cpus = 64;
	words[0] = 1ULL << 63;
	ckpt_fix_tail(ic->buf, ic->len, -1);
	EXPECT_EQ(0, ckpt_verify_buf(ic->buf, ic->len, NULL, 0));
	pid = restart_img(ic->buf, ic->len, 0, log, sizeof(log));
	if (pid > 0)
		target_kill(pid);
	EXPECT_EQ(-EINVAL, pid) {
		TH_LOG("restart gives %d; log:\n%s", pid, log);
	}
	EXPECT_NE(NULL, strstr(log, "no CPU of the affinity")) {
		TH_LOG("log:\n%s", log);
	}
	EXPECT_TRUE(no_child());
}

TEST_F_TIMEOUT(bad, wrong_type_reference, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_task *task = ckpt_find(img, CKPT_HDR_TASK, 0);
	const struct ckpt_hdr_file *file = ckpt_find(img, CKPT_HDR_FILE, 0);
	struct ckpt_hdr_task *t = in_copy(ic, task);
	struct ckpt_hdr_fd *fd = in_copy(ic, ckpt_find(img, CKPT_HDR_FD, 0));

	ASSERT_NE(NULL, file);
	t->cred_ref = file->objref;
	expect_einval(_metadata, ic, "TASK cred_ref -> a FILE");
	t->mm_ref = task->cred_ref;
	expect_einval(_metadata, ic, "TASK mm_ref -> a CRED");
	t->fs_ref = task->files_ref;
	expect_einval(_metadata, ic, "TASK fs_ref -> a FILES");
	fd->file_ref = task->cred_ref;
	expect_einval(_metadata, ic, "FD file_ref -> a CRED");
}

TEST_F_TIMEOUT(bad, bad_object_id, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	struct ckpt_hdr_cred *c = in_copy(ic, ckpt_find(img, CKPT_HDR_CRED, 0));
	struct ckpt_hdr_file *f;

	c->objref = 999;
	expect_einval(_metadata, ic, "CRED objref 999");
	c->objref = 0;
	expect_einval(_metadata, ic, "CRED objref 0");
	ASSERT_LE(2, ckpt_count(img, CKPT_HDR_FILE));
	f = in_copy(ic, ckpt_find(img, CKPT_HDR_FILE, 1));
	f->objref = ((const struct ckpt_hdr_file *)ckpt_find(img, CKPT_HDR_FILE,
							     0))->objref;
	expect_einval(_metadata, ic, "FILE redefining an id");
}

TEST_F_TIMEOUT(bad, nonzero_padding, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	struct ckpt_hdr_sched *sc = in_copy(ic, ckpt_find(img, CKPT_HDR_SCHED, 0));
	struct ckpt_hdr_cpu *c = in_copy(ic, ckpt_find(img, CKPT_HDR_CPU, 0));
	struct ckpt_hdr_pages *p = in_copy(ic, ckpt_find(img, CKPT_HDR_PAGES, 0));
	struct ckpt_hdr_xstate *x = in_copy(ic, ckpt_find(img, CKPT_HDR_XSTATE, 0));
	struct ckpt_hdr_fd *fd = in_copy(ic, ckpt_find(img, CKPT_HDR_FD, 0));
	struct ckpt_hdr_cred *cr = in_copy(ic, ckpt_find(img, CKPT_HDR_CRED, 0));
	const struct ckpt_hdr_file *f;
	unsigned int i;

	sc->__pad = 1;
	expect_einval(_metadata, ic, "SCHED __pad");
	c->restart_bitset = 0x100;
	expect_einval(_metadata, ic, "CPU restart_bitset of no futex wait");
	p->__pad = 1;
	expect_einval(_metadata, ic, "PAGES __pad");
	x->__pad = 1;
	expect_einval(_metadata, ic, "XSTATE __pad");
	fd->__pad = 1;
	expect_einval(_metadata, ic, "FD __pad");
	cr->__pad = 1;
	expect_einval(_metadata, ic, "CRED __pad");
	for (i = 0; (f = ckpt_find(img, CKPT_HDR_FILE, i)); i++) {
		if (CKPT_ALIGN_UP(f->path_len) == f->path_len)
			continue;
		ic->buf[off_of(ic, f) + f->h.len - 1] = 'x';
		expect_einval(_metadata, ic, "FILE path padding");
		break;
	}
}

TEST_F_TIMEOUT(bad, out_of_range_fields, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	struct ckpt_hdr_task *t = in_copy(ic, ckpt_find(img, CKPT_HDR_TASK, 0));
	struct ckpt_hdr_file *f = in_copy(ic, ckpt_find(img, CKPT_HDR_FILE, 0));
	struct ckpt_hdr_fd *fd = in_copy(ic, ckpt_find(img, CKPT_HDR_FD, 0));
	const struct ckpt_hdr_vma *gv = ckpt_find_vma(img, BAD_DATA_ADDR);
	const struct ckpt_hdr_pages *gp = NULL, *pg;
	struct ckpt_hdr_sighand *s = in_copy(ic, ckpt_find(img, CKPT_HDR_SIGHAND, 0));
	struct ckpt_hdr_vma *v;
	struct ckpt_hdr_pages *p;
	unsigned int i;

	for (i = 0; (pg = ckpt_find(img, CKPT_HDR_PAGES, i)); i++)
		if (pg->addr == BAD_DATA_ADDR)
			gp = pg;
	ASSERT_NE(NULL, gv);
	ASSERT_NE(NULL, gp);
	v = in_copy(ic, gv);
	p = in_copy(ic, gp);

	t->flags |= 1U << 31;
	expect_einval(_metadata, ic, "TASK unknown flag");
	f->kind = CKPT_FILE_KIND_MAX + 1;
	expect_einval(_metadata, ic, "FILE kind out of range");
	f->kind = 0;
	expect_einval(_metadata, ic, "FILE kind 0");
	f->flags |= 1U << 30;
	expect_einval(_metadata, ic, "FILE unknown open flag");
	f->path_len = CKPT_PATH_MAX + 8;
	expect_einval(_metadata, ic, "FILE path_len too big");
	fd->flags |= 1U << 7;
	expect_einval(_metadata, ic, "FD unknown flag");
	fd->fd = CKPT_FD_MAX;
	expect_einval(_metadata, ic, "FD number CKPT_FD_MAX");
	v->kind = CKPT_VMA_KIND_MAX + 1;
	expect_einval(_metadata, ic, "VMA kind out of range");
	v->prot |= 1U << 5;
	expect_einval(_metadata, ic, "VMA unknown prot bit");
	v->flags |= 1U << 29;
	expect_einval(_metadata, ic, "VMA unknown flag");
	v->start += 1;
	expect_einval(_metadata, ic, "VMA start not page aligned");
	v->end = v->start;
	expect_einval(_metadata, ic, "empty VMA");
	p->nr_pages = 0;
	expect_einval(_metadata, ic, "PAGES nr_pages 0");
	p->addr += 1;
	expect_einval(_metadata, ic, "PAGES address not aligned");
	p->addr = gv->end;
	expect_einval(_metadata, ic, "PAGES outside the VMA");
	s->nr = CKPT_NSIG + 1;
	expect_einval(_metadata, ic, "SIGHAND nr");
}

TEST_F_TIMEOUT(bad, bad_order, 120)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr *a = img->recs[1], *b;
	size_t off = img->hdr->h.len, alen = a->len;
	int t = ckpt_index(img, ckpt_find(img, CKPT_HDR_TASK, 0));

	memcpy(ic->buf, a, alen);
	memcpy(ic->buf + alen, ic->good, off);
	expect_einval(_metadata, ic, "HEADER second");

	ASSERT_LT(1, t);
	b = img->recs[t - 1];
	a = img->recs[t];
	off = off_of(ic, b);
	memcpy(ic->buf + off, a, a->len);
	memcpy(ic->buf + off + a->len, b, b->len);
	expect_einval(_metadata, ic, "TASK before its last object");

	a = ckpt_find(img, CKPT_HDR_CPU, 0);
	b = ckpt_find(img, CKPT_HDR_XSTATE, 0);
	ASSERT_EQ((const char *)b, (const char *)a + a->len);
	off = off_of(ic, a);
	memcpy(ic->buf + off, b, b->len);
	memcpy(ic->buf + off + b->len, a, a->len);
	expect_einval(_metadata, ic, "XSTATE before CPU");
}

FIXTURE(bad_sigpending) {
	struct image_copy c;
};

FIXTURE_SETUP(bad_sigpending)
{
	image_copy_init(_metadata, &self->c, pending_fn, NULL);
}

FIXTURE_TEARDOWN(bad_sigpending)
{
	image_copy_free(&self->c);
}

/* Set the signal of a SIGPENDING record, and its si_signo */
static void set_signo(struct ckpt_hdr_sigpending *p, uint32_t sig)
{
	p->signo = sig;
	memcpy(p->info, &sig, sizeof(sig));
}

TEST_F_TIMEOUT(bad_sigpending, sigpending_records, 180)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_sigpending *g0, *g1;
	struct ckpt_hdr_sigpending *p0, *p1;

	g0 = ckpt_find(img, CKPT_HDR_SIGPENDING, 0);	/* SIGUSR2, the task's */
	g1 = ckpt_find(img, CKPT_HDR_SIGPENDING, 1);	/* SIG_RT2, the task's */
	ASSERT_NE(NULL, g0);
	ASSERT_NE(NULL, g1);
	ASSERT_EQ(SIGUSR2, g0->signo);
	ASSERT_EQ(CKPT_SIGQUEUE_TASK, g1->queue);
	p0 = in_copy(ic, g0);
	p1 = in_copy(ic, g1);

	expect_restart(_metadata, ic, ic->len, 0, "good image");

	p0->queue = 3;
	expect_einval(_metadata, ic, "SIGPENDING queue 3");
	set_signo(p0, 0);
	expect_einval(_metadata, ic, "SIGPENDING signal 0");
	set_signo(p0, CKPT_NSIG + 1);
	expect_einval(_metadata, ic, "SIGPENDING signal 65");
	set_signo(p0, SIGKILL);
	expect_einval(_metadata, ic, "SIGPENDING SIGKILL");
	set_signo(p0, SIGSTOP);
	expect_einval(_metadata, ic, "SIGPENDING SIGSTOP");
	p0->signo = SIGUSR1;
	expect_einval(_metadata, ic, "SIGPENDING si_signo not signo");
	p0->info[100] = 1;
	expect_einval(_metadata, ic, "SIGPENDING info past kernel_siginfo");
	set_signo(p0, SIGRTMAX);
	expect_einval(_metadata, ic, "SIGPENDING out of order");
	set_signo(p1, SIGUSR2);
	expect_einval(_metadata, ic, "SIGPENDING a standard signal twice");
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
