/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Checkpoint/restart image format.
 *
 * An image is a stream of records.  Every record starts with a
 * struct ckpt_hdr giving its type and its total length (header
 * included); the length is always a multiple of 8 and every field is
 * a fixed-width integer at its natural alignment, with explicit
 * padding that is zero on output and must be zero on input.  The
 * stream is written strictly sequentially: it can go to a pipe or a
 * socket as well as to a file.
 *
 * The first record is a CKPT_HDR_HEADER, the second a CKPT_HDR_NS, the
 * last a CKPT_HDR_TAIL carrying the number of records before it and
 * the CRC32C of every byte before it.  Shared kernel objects
 * (credentials, an mm, an open file, ...) are written once, in the
 * record that defines them, and get an object id: ids are handed out
 * as 1, 2, 3, ... in stream order, and later records refer to an
 * object by its id.
 *
 * See Documentation/checkpoint/format.rst.
 */
#ifndef _UAPI_LINUX_CHECKPOINT_HDR_H
#define _UAPI_LINUX_CHECKPOINT_HDR_H

#include <linux/types.h>

/* "LNXCKPT1" read as a little-endian __u64 */
#define CKPT_MAGIC		0x3154504b43584e4cULL
#define CKPT_VERSION		7

/* Every record length is a multiple of this */
#define CKPT_ALIGN		8
/* No record may be longer than this (header included) */
#define CKPT_RECORD_MAX		(1U << 20)
/* Pages carried by one CKPT_HDR_PAGES record, at most */
#define CKPT_PAGES_MAX		64
/* Longest path, terminating NUL included */
#define CKPT_PATH_MAX		4096
/* Tasks of one image, at most */
#define CKPT_TASKS_MAX		4096
/* POSIX timers of one thread group, at most */
#define CKPT_POSIX_TIMERS_MAX	4096

/*
 * checkpoint(2) flags.  NS_EXTERNAL: a namespace of the tree that a
 * process outside it shares is not refused but left out of the image,
 * as external: restart(2) puts the tasks in the restarter's.
 */
#define CKPT_CHECKPOINT_NS_EXTERNAL	(1UL << 0)
#define CKPT_CHECKPOINT_FLAGS	CKPT_CHECKPOINT_NS_EXTERNAL

/* restart(2) flags */
#define CKPT_RESTART_VERIFY	(1UL << 0)	/* only validate the image */
#define CKPT_RESTART_PIDS	(1UL << 1)	/* keep the image's pids */
#define CKPT_RESTART_NEWPID	(1UL << 2)	/* ...in a new pid namespace */
#define CKPT_RESTART_FLAGS	(CKPT_RESTART_VERIFY | CKPT_RESTART_PIDS | \
				 CKPT_RESTART_NEWPID)

/**
 * enum ckpt_hdr_type - record types
 *
 * Types are grouped in ranges: image framing 1-99, tasks and
 * credentials 101-199, architecture 201-299, files 301-399, memory
 * 401-499, signals 601-699, namespaces 701-799.  scripts/ckpthdr.sed
 * builds the table of record names from the ``CKPT_HDR_`` lines below,
 * so each must stay on a line of its own, as ``NAME = decimal,``.
 *
 * @CKPT_HDR_HEADER: first record: struct ckpt_hdr_header
 * @CKPT_HDR_TAIL: last record: struct ckpt_hdr_tail
 * @CKPT_HDR_TASK: a task: struct ckpt_hdr_task
 * @CKPT_HDR_CRED: credentials: struct ckpt_hdr_cred
 * @CKPT_HDR_SCHED: scheduling state of a task: struct ckpt_hdr_sched
 * @CKPT_HDR_CLONE: a task of the tree begins: struct ckpt_hdr_clone
 * @CKPT_HDR_CPU: registers: struct ckpt_hdr_cpu
 * @CKPT_HDR_XSTATE: FPU/SSE/AVX state: struct ckpt_hdr_xstate
 * @CKPT_HDR_FILE: an open file: struct ckpt_hdr_file
 * @CKPT_HDR_FILES: an fd table: struct ckpt_hdr_files
 * @CKPT_HDR_FD: one fd: struct ckpt_hdr_fd
 * @CKPT_HDR_FS: root, cwd and umask: struct ckpt_hdr_fs
 * @CKPT_HDR_PIPE: a pipe: struct ckpt_hdr_pipe
 * @CKPT_HDR_PIPE_BUF: data buffered in a pipe: struct ckpt_hdr_pipe_buf
 * @CKPT_HDR_EVENTFD: an eventfd: struct ckpt_hdr_eventfd
 * @CKPT_HDR_SIGNALFD: a signalfd: struct ckpt_hdr_signalfd
 * @CKPT_HDR_TIMERFD: a timerfd: struct ckpt_hdr_timerfd
 * @CKPT_HDR_FILE_LOCK: a file lock: struct ckpt_hdr_file_lock
 * @CKPT_HDR_MEMFD: a memfd: struct ckpt_hdr_memfd
 * @CKPT_HDR_FILE_DATA: contents of a file: struct ckpt_hdr_file_data
 * @CKPT_HDR_EPOLL: an epoll file: struct ckpt_hdr_epoll
 * @CKPT_HDR_EPOLL_ITEM: an item of an epoll file: struct ckpt_hdr_epoll_item
 * @CKPT_HDR_GHOST: an unlinked open file: struct ckpt_hdr_ghost
 * @CKPT_HDR_INOTIFY: an inotify file: struct ckpt_hdr_inotify
 * @CKPT_HDR_INOTIFY_WATCH: a watch of an inotify file:
 *	struct ckpt_hdr_inotify_watch
 * @CKPT_HDR_INOTIFY_EVENT: an event queued on an inotify file:
 *	struct ckpt_hdr_inotify_event
 * @CKPT_HDR_PTY: a pseudo-terminal pair: struct ckpt_hdr_pty
 * @CKPT_HDR_PTY_DATA: unread input of a pty end: struct ckpt_hdr_pty_data
 * @CKPT_HDR_MM: an address space: struct ckpt_hdr_mm
 * @CKPT_HDR_VMA: a mapping: struct ckpt_hdr_vma
 * @CKPT_HDR_PAGES: page contents: struct ckpt_hdr_pages
 * @CKPT_HDR_SIGHAND: signal dispositions: struct ckpt_hdr_sighand
 * @CKPT_HDR_SIGNAL: state of a thread group (resource limits...):
 *	struct ckpt_hdr_signal
 * @CKPT_HDR_SIGPENDING: a pending signal: struct ckpt_hdr_sigpending
 * @CKPT_HDR_POSIX_TIMER: a POSIX timer of a thread group:
 *	struct ckpt_hdr_posix_timer
 * @CKPT_HDR_NS: the namespaces of the tree: struct ckpt_hdr_ns
 * @CKPT_HDR_UTS_NS: a uts namespace: struct ckpt_hdr_uts_ns
 * @CKPT_HDR_IPC_NS: an ipc namespace: struct ckpt_hdr_ipc_ns
 * @CKPT_HDR_NET_NS: a network namespace: struct ckpt_hdr_net_ns
 * @CKPT_HDR_SHM: a SysV shared memory segment: struct ckpt_hdr_shm
 * @CKPT_HDR_MSQ: a SysV message queue: struct ckpt_hdr_msq
 * @CKPT_HDR_MSG: a message of a queue: struct ckpt_hdr_msg
 * @CKPT_HDR_SEM: a SysV semaphore set: struct ckpt_hdr_sem
 * @CKPT_HDR_SEM_UNDO: the SEM_UNDO adjustments of a task:
 *	struct ckpt_hdr_sem_undo
 * @CKPT_HDR_SEM_ADJ: the adjustments to one set: struct ckpt_hdr_sem_adj
 * @CKPT_HDR_USER_NS: a user namespace: struct ckpt_hdr_user_ns
 */
enum ckpt_hdr_type {
	CKPT_HDR_HEADER = 1,
	CKPT_HDR_TAIL = 2,

	CKPT_HDR_TASK = 101,
	CKPT_HDR_CRED = 102,
	CKPT_HDR_SCHED = 103,
	CKPT_HDR_CLONE = 104,

	CKPT_HDR_CPU = 201,
	CKPT_HDR_XSTATE = 202,

	CKPT_HDR_FILE = 301,
	CKPT_HDR_FILES = 302,
	CKPT_HDR_FD = 303,
	CKPT_HDR_FS = 304,
	CKPT_HDR_PIPE = 305,
	CKPT_HDR_PIPE_BUF = 306,
	CKPT_HDR_EVENTFD = 307,
	CKPT_HDR_SIGNALFD = 308,
	CKPT_HDR_TIMERFD = 309,
	CKPT_HDR_FILE_LOCK = 310,
	CKPT_HDR_MEMFD = 311,
	CKPT_HDR_FILE_DATA = 312,
	CKPT_HDR_EPOLL = 313,
	CKPT_HDR_EPOLL_ITEM = 314,
	CKPT_HDR_GHOST = 315,
	CKPT_HDR_INOTIFY = 316,
	CKPT_HDR_INOTIFY_WATCH = 317,
	CKPT_HDR_INOTIFY_EVENT = 318,
	CKPT_HDR_PTY = 319,
	CKPT_HDR_PTY_DATA = 320,

	CKPT_HDR_MM = 401,
	CKPT_HDR_VMA = 402,
	CKPT_HDR_PAGES = 403,

	CKPT_HDR_SIGHAND = 601,
	CKPT_HDR_SIGNAL = 602,
	CKPT_HDR_SIGPENDING = 603,
	CKPT_HDR_POSIX_TIMER = 604,

	CKPT_HDR_NS = 701,
	CKPT_HDR_UTS_NS = 702,
	CKPT_HDR_IPC_NS = 703,
	CKPT_HDR_NET_NS = 704,
	CKPT_HDR_SHM = 705,
	CKPT_HDR_MSQ = 706,
	CKPT_HDR_MSG = 707,
	CKPT_HDR_SEM = 708,
	CKPT_HDR_SEM_UNDO = 709,
	CKPT_HDR_SEM_ADJ = 710,
	CKPT_HDR_USER_NS = 711,
};

/**
 * struct ckpt_hdr - header of every record
 * @type: one of enum ckpt_hdr_type
 * @len: length of the whole record in bytes, this header included;
 *	a multiple of %CKPT_ALIGN and at most %CKPT_RECORD_MAX
 */
struct ckpt_hdr {
	__u32 type;
	__u32 len;
};

/* enum ckpt_arch - values of ckpt_hdr_header.arch */
#define CKPT_ARCH_X86_64	1

/**
 * struct ckpt_hdr_header - first record of an image
 * @h: record header
 * @magic: %CKPT_MAGIC
 * @version: %CKPT_VERSION
 * @arch: %CKPT_ARCH_X86_64
 * @page_size: page size of the checkpointed system, in bytes
 * @flags: the flags checkpoint(2) was called with
 * @xfeatures: XSAVE feature mask (XCR0) of the checkpointed system
 * @xstate_size: size of the XSAVE area in CKPT_HDR_XSTATE records
 * @nr_tasks: number of tasks in the image (CKPT_HDR_CLONE records), 1 to
 *	%CKPT_TASKS_MAX
 * @time_ns: wall-clock time of the checkpoint, ns since the epoch
 * @pid: pid of the checkpointed task, the root of the tree, in the
 *	image's pid namespace (1 with %CKPT_NS_PID)
 * @__pad: zero
 * @release: kernel release (uname -r) of the checkpointed system,
 *	NUL-terminated
 */
struct ckpt_hdr_header {
	struct ckpt_hdr h;
	__u64 magic;
	__u32 version;
	__u32 arch;
	__u32 page_size;
	__u32 flags;
	__u64 xfeatures;
	__u32 xstate_size;
	__u32 nr_tasks;
	__u64 time_ns;
	__u32 pid;
	__u32 __pad;
	char release[64];
};

/**
 * struct ckpt_hdr_tail - last record of an image
 * @h: record header
 * @nr_records: number of records before this one
 * @crc32c: CRC32C (Castagnoli, as in iSCSI) of every byte before this
 *	record
 */
struct ckpt_hdr_tail {
	struct ckpt_hdr h;
	__u32 nr_records;
	__u32 crc32c;
};

/* ckpt_hdr_clone.flags */
#define CKPT_CLONE_FILES	(1U << 0)	/* shares its parent's fd table */
#define CKPT_CLONE_FS		(1U << 1)	/* shares its parent's root, cwd, umask */
#define CKPT_CLONE_ZOMBIE	(1U << 2)	/* exited, not yet reaped */
#define CKPT_CLONE_THREAD	(1U << 3)	/* a thread of its parent's group */
#define CKPT_CLONE_FLAGS	0xfU

/**
 * struct ckpt_hdr_clone - a task of the tree begins
 *
 * Each task of the image starts with one, in depth-first order: a task
 * comes after its parent and before its parent's later children, the
 * root first.  The children of a thread group leader are the other
 * threads of its group (%CKPT_CLONE_THREAD), then the processes it
 * forked; those of another thread, the processes it forked.  Then
 * come the objects the task is the first to refer to, its
 * CKPT_HDR_TASK record and the records that follow it.  A
 * zombie (%CKPT_CLONE_ZOMBIE) has no objects but its credentials, and
 * no record after its CKPT_HDR_TASK, whose references other than
 * @cred_ref are zero.
 *
 * @h: record header
 * @pid: pid of the task, as in its CKPT_HDR_TASK record
 * @ppid: pid of its parent, a task before it (a thread's is its group
 *	leader); 0 for the root, whose parent is outside the image
 * @flags: CKPT_CLONE_* flags; the fd table and fs state of a task are
 *	either its parent's or objects it is the first to refer to
 * @exit_code: wait status of a zombie (as wait(2) reports it), else 0
 */
struct ckpt_hdr_clone {
	struct ckpt_hdr h;
	__u32 pid;
	__u32 ppid;
	__u32 flags;
	__u32 exit_code;
};

/* ckpt_hdr_task.flags */
#define CKPT_TASK_NO_NEW_PRIVS	(1U << 0)
#define CKPT_TASK_STOPPED	(1U << 1)	/* was in group stop */
#define CKPT_TASK_FROZEN	(1U << 2)	/* was cgroup-frozen */
#define CKPT_TASK_TRACED	(1U << 3)	/* was in a ptrace stop */
#define CKPT_TASK_SECCOMP_STRICT (1U << 4)	/* in seccomp strict mode */
#define CKPT_TASK_FLAGS		0x1fU

/**
 * struct ckpt_hdr_task - a task
 *
 * Comes after the task's CKPT_HDR_CLONE record and the objects it is
 * the first to refer to, and is followed by the task's CKPT_HDR_SCHED
 * record, its CKPT_HDR_SIGPENDING records, and its CKPT_HDR_CPU and
 * CKPT_HDR_XSTATE records (none of them for a zombie).
 *
 * @h: record header
 * @pid: pid, in the image's pid namespace: the checkpointer's, or with
 *	%CKPT_NS_PID the tree's own; every pid of the image is in it
 * @tgid: thread group id
 * @ppid: parent's tgid (0 if the parent is outside that namespace)
 * @pgid: process group id: the task's pid, the pid of another task of
 *	the image, or the root's process group (one outside the image)
 * @sid: session id: the task's pid, its parent's session id, or for
 *	the root a session outside the image
 * @exit_signal: signal sent to the parent on exit
 * @personality: personality(2) value
 * @flags: CKPT_TASK_* flags
 * @cred_ref: object id of its CKPT_HDR_CRED
 * @mm_ref: object id of its CKPT_HDR_MM
 * @files_ref: object id of its CKPT_HDR_FILES
 * @fs_ref: object id of its CKPT_HDR_FS
 * @sighand_ref: object id of its CKPT_HDR_SIGHAND
 * @pdeath_signal: signal sent on parent death, 0 if none
 * @blocked: blocked signal mask, bit (n - 1) for signal n
 * @clear_child_tid: set_tid_address(2) pointer
 * @robust_list: set_robust_list(2) head
 * @robust_list_len: set_robust_list(2) length
 * @rseq: rseq(2) area, 0 if not registered
 * @rseq_len: rseq(2) area length
 * @rseq_sig: rseq(2) signature
 * @sas_ss_sp: sigaltstack(2) base
 * @sas_ss_size: sigaltstack(2) size
 * @sas_ss_flags: sigaltstack(2) flags
 * @signal_ref: object id of its CKPT_HDR_SIGNAL
 * @comm: command name, NUL-terminated
 * @sem_undo_ref: object id of its CKPT_HDR_SEM_UNDO, 0 if none
 * @__pad: zero
 */
struct ckpt_hdr_task {
	struct ckpt_hdr h;
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__u32 pgid;
	__u32 sid;
	__u32 exit_signal;
	__u32 personality;
	__u32 flags;
	__u32 cred_ref;
	__u32 mm_ref;
	__u32 files_ref;
	__u32 fs_ref;
	__u32 sighand_ref;
	__u32 pdeath_signal;
	__u64 blocked;
	__u64 clear_child_tid;
	__u64 robust_list;
	__u64 robust_list_len;
	__u64 rseq;
	__u32 rseq_len;
	__u32 rseq_sig;
	__u64 sas_ss_sp;
	__u64 sas_ss_size;
	__u32 sas_ss_flags;
	__u32 signal_ref;
	char comm[16];
	__u32 sem_undo_ref;
	__u32 __pad;
};

/* ckpt_hdr_sched.flags */
#define CKPT_SCHED_RESET_ON_FORK	(1U << 0)	/* SCHED_RESET_ON_FORK */
#define CKPT_SCHED_FLAGS		0x1U

/* Bits of a CPU affinity mask, at most */
#define CKPT_CPUS_MAX		8192

/**
 * struct ckpt_hdr_sched - scheduling state of a task
 *
 * Follows the task's CKPT_HDR_TASK record.  Followed by
 * (@nr_cpus + 63) / 64 words (__u64) of its CPU affinity mask, bit i
 * (bit i % 64 of word i / 64) for CPU i, the bits past @nr_cpus zero.
 *
 * @h: record header
 * @policy: SCHED_NORMAL (0), SCHED_FIFO (1), SCHED_RR (2), SCHED_BATCH
 *	(3) or SCHED_IDLE (5)
 * @flags: CKPT_SCHED_* flags
 * @nice: nice value, -20 to 19, of the SCHED_NORMAL and SCHED_BATCH
 *	policies (and kept under the others, as the kernel does)
 * @rt_priority: 1 to 99 for SCHED_FIFO and SCHED_RR, else 0
 * @timer_slack_ns: PR_SET_TIMERSLACK value
 * @default_timer_slack_ns: the value PR_SET_TIMERSLACK 0 goes back to
 * @nr_cpus: bits of the affinity mask, 1 to %CKPT_CPUS_MAX
 * @__pad: zero
 */
struct ckpt_hdr_sched {
	struct ckpt_hdr h;
	__u32 policy;
	__u32 flags;
	__s32 nice;
	__u32 rt_priority;
	__u64 timer_slack_ns;
	__u64 default_timer_slack_ns;
	__u32 nr_cpus;
	__u32 __pad;
};

/**
 * struct ckpt_hdr_cred - credentials (an object)
 *
 * Followed by @ngroups __u32 supplementary group ids, then zero
 * padding to a multiple of 8 bytes.  Ids are those seen from the
 * checkpointer's user namespace.
 *
 * @h: record header
 * @objref: object id
 * @uid: real user id
 * @euid: effective user id
 * @suid: saved user id
 * @fsuid: filesystem user id
 * @gid: real group id
 * @egid: effective group id
 * @sgid: saved group id
 * @fsgid: filesystem group id
 * @securebits: SECURE_* bits
 * @ngroups: number of supplementary groups that follow
 * @__pad: zero
 * @cap_inheritable: inheritable capability set, bit n for capability n
 * @cap_permitted: permitted capability set
 * @cap_effective: effective capability set
 * @cap_bset: capability bounding set
 * @cap_ambient: ambient capability set
 */
struct ckpt_hdr_cred {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 uid;
	__u32 euid;
	__u32 suid;
	__u32 fsuid;
	__u32 gid;
	__u32 egid;
	__u32 sgid;
	__u32 fsgid;
	__u32 securebits;
	__u32 ngroups;
	__u32 __pad;
	__u64 cap_inheritable;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_bset;
	__u64 cap_ambient;
};

/* Most supplementary groups in a CKPT_HDR_CRED (NGROUPS_MAX) */
#define CKPT_NGROUPS_MAX	65536

/**
 * struct ckpt_hdr_cpu - x86-64 user register state of a task
 *
 * The register names are those of the x86-64 ABI; @orig_ax is the
 * number of the system call the task was in (-1 if none) and @ax its
 * return value so far, e.g. -ERESTARTSYS (-512) for a call that is to
 * be restarted.  When @ax is -ERESTART_RESTARTBLOCK (-516), @restart
 * says how to continue the call.
 *
 * @h: record header
 * @r15: register
 * @r14: register
 * @r13: register
 * @r12: register
 * @bp: register
 * @bx: register
 * @r11: register
 * @r10: register
 * @r9: register
 * @r8: register
 * @ax: register
 * @cx: register
 * @dx: register
 * @si: register
 * @di: register
 * @orig_ax: system call number, or -1
 * @ip: instruction pointer
 * @cs: code segment selector
 * @flags: rflags
 * @sp: stack pointer
 * @ss: stack segment selector
 * @fs_base: fs segment base
 * @gs_base: gs segment base
 * @ds: data segment selector
 * @es: segment selector
 * @fs: segment selector
 * @gs: segment selector
 * @restart: CKPT_RESTART_* kind of the pending restart_block
 * @restart_clockid: clock of the interrupted call's timeout
 * @restart_expires: time left before the interrupted call's timeout, in
 *	ns; ~0 for none (poll(2) without a timeout)
 * @restart_addr: user pointer of the interrupted call: where
 *	nanosleep(2) writes the time left (0 if nowhere), the fds of
 *	poll(2), or the futex (a 32-bit word) of a futex wait
 * @restart_arg: 0 for nanosleep(2); the number of fds of poll(2); the
 *	value a futex wait expects
 * @restart_bitset: the bitset of a futex wait (~0 for FUTEX_WAIT), else 0
 */
struct ckpt_hdr_cpu {
	struct ckpt_hdr h;
	__u64 r15;
	__u64 r14;
	__u64 r13;
	__u64 r12;
	__u64 bp;
	__u64 bx;
	__u64 r11;
	__u64 r10;
	__u64 r9;
	__u64 r8;
	__u64 ax;
	__u64 cx;
	__u64 dx;
	__u64 si;
	__u64 di;
	__u64 orig_ax;
	__u64 ip;
	__u64 cs;
	__u64 flags;
	__u64 sp;
	__u64 ss;
	__u64 fs_base;
	__u64 gs_base;
	__u64 ds;
	__u64 es;
	__u64 fs;
	__u64 gs;
	__u32 restart;
	__u32 restart_clockid;
	__u64 restart_expires;
	__u64 restart_addr;
	__u32 restart_arg;
	__u32 restart_bitset;
};

/* ckpt_hdr_cpu.restart: the restart_block of an interrupted call */
#define CKPT_RESTART_NONE	0	/* do_no_restart_syscall() */
#define CKPT_RESTART_NANOSLEEP	1	/* nanosleep/clock_nanosleep */
#define CKPT_RESTART_POLL	2	/* poll/ppoll */
#define CKPT_RESTART_FUTEX	3	/* futex wait with a timeout, private */
#define CKPT_RESTART_FUTEX_SHARED 4	/* the same, on a shared futex */

/**
 * struct ckpt_hdr_xstate - XSAVE area of a task
 *
 * Followed by @size bytes: the XSAVE area in standard (non-compacted)
 * format, as PTRACE_GETREGSET NT_X86_XSTATE returns it, then zero
 * padding to a multiple of 8 bytes.
 *
 * @h: record header
 * @xfeatures: XSTATE_BV of the saved area
 * @size: size of the area that follows
 * @__pad: zero
 */
struct ckpt_hdr_xstate {
	struct ckpt_hdr h;
	__u64 xfeatures;
	__u32 size;
	__u32 __pad;
};

/* Largest XSAVE area accepted */
#define CKPT_XSTATE_MAX		(64 * 1024)

/* ckpt_hdr_file.kind */
#define CKPT_FILE_REG		1	/* regular file */
#define CKPT_FILE_DIR		2	/* directory */
#define CKPT_FILE_CHR		3	/* null, zero, full, random, urandom */
#define CKPT_FILE_TTY		4	/* a terminal */
#define CKPT_FILE_PIPE		5	/* an end of a pipe(2) */
#define CKPT_FILE_EVENTFD	6	/* eventfd(2) */
#define CKPT_FILE_SIGNALFD	7	/* signalfd(2) */
#define CKPT_FILE_TIMERFD	8	/* timerfd_create(2) */
#define CKPT_FILE_MEMFD		9	/* memfd_create(2) */
#define CKPT_FILE_EPOLL		10	/* epoll_create(2) */
#define CKPT_FILE_UNLINKED	11	/* a regular file without a name */
#define CKPT_FILE_FIFO		12	/* a named pipe (mkfifo(3)) */
#define CKPT_FILE_INOTIFY	13	/* inotify_init(2) */
#define CKPT_FILE_PTY		14	/* an end of a pty pair of the image */
#define CKPT_FILE_KIND_MAX	14

/* ckpt_hdr_file.flags: open flags, independent of the arch's O_ values */
#define CKPT_O_RDONLY		0x0U
#define CKPT_O_WRONLY		0x1U
#define CKPT_O_RDWR		0x2U
#define CKPT_O_ACCMODE		0x3U
#define CKPT_O_APPEND		(1U << 2)
#define CKPT_O_NONBLOCK		(1U << 3)
#define CKPT_O_NOATIME		(1U << 4)
#define CKPT_O_SYNC		(1U << 5)
#define CKPT_O_DSYNC		(1U << 6)
#define CKPT_O_DIRECT		(1U << 7)
#define CKPT_O_LARGEFILE	(1U << 8)
#define CKPT_O_PATH		(1U << 9)
#define CKPT_O_ASYNC		(1U << 10)
#define CKPT_O_FLAGS		0x7ffU

/**
 * struct ckpt_hdr_file - an open file (an object)
 *
 * Followed by @path_len bytes of path (absolute, seen from the
 * checkpointer's root, NUL-terminated), then zero padding to a
 * multiple of 8 bytes.  Files that have no path (pipes, eventfd,
 * signalfd, timerfd, memfd, epoll, inotify, unlinked files) have a @path_len of
 * 0; their state is in the object @obj_ref refers to, defined before
 * the file.  A FIFO has both: its path, and the PIPE with its data.
 *
 * @h: record header
 * @objref: object id
 * @kind: CKPT_FILE_*
 * @flags: CKPT_O_* open flags
 * @mode: st_mode of the file when checkpointed
 * @pos: file position
 * @rdev: device number of a device file (major << 20 | minor); for
 *	CKPT_FILE_PTY it says which end: 5:2 (/dev/ptmx) for the master,
 *	a UNIX98 pty slave major (136-143) and any minor for the slave (the
 *	index it had, for information: restart makes a new pair)
 * @path_len: length of the path that follows, NUL included; 0 if none
 * @obj_ref: object id of what the file is an opening of: the
 *	CKPT_HDR_PIPE of a pipe end or a FIFO, the CKPT_HDR_EVENTFD,
 *	CKPT_HDR_SIGNALFD, CKPT_HDR_TIMERFD, CKPT_HDR_MEMFD, CKPT_HDR_EPOLL,
 *	CKPT_HDR_GHOST, CKPT_HDR_INOTIFY or CKPT_HDR_PTY of those kinds; 0 for
 *	the other kinds
 * @__pad: zero
 */
struct ckpt_hdr_file {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 kind;
	__u32 flags;
	__u32 mode;
	__u64 pos;
	__u32 rdev;
	__u32 path_len;
	__u32 obj_ref;
	__u32 __pad;
};

/* Pipe buffers of a CKPT_HDR_PIPE, at most (the pipe's size in pages) */
#define CKPT_PIPE_BUFS_MAX	(1U << 19)

/**
 * struct ckpt_hdr_pipe - a pipe or a FIFO (an object)
 *
 * For a FIFO, followed by @path_len bytes of its path (absolute, seen
 * from the checkpointer's root, NUL-terminated) and zero padding to a
 * multiple of 8 bytes.  Then @nr_bufs CKPT_HDR_PIPE_BUF records: the
 * data the pipe holds, oldest first.  The CKPT_HDR_FILE records of its
 * ends refer to it.
 *
 * @h: record header
 * @objref: object id
 * @size: capacity in bytes (F_GETPIPE_SZ), a multiple of the page size
 * @nr_bufs: number of CKPT_HDR_PIPE_BUF records that follow, at most
 *	@size / page size
 * @path_len: length of the path of a FIFO, NUL included; 0 for a pipe
 */
struct ckpt_hdr_pipe {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 size;
	__u32 nr_bufs;
	__u32 path_len;
};

/**
 * struct ckpt_hdr_pipe_buf - one buffer of data held by a pipe
 *
 * Followed by @len bytes of data, then zero padding to a multiple of 8
 * bytes.
 *
 * @h: record header
 * @len: bytes of data, 1 to the page size
 * @__pad: zero
 */
struct ckpt_hdr_pipe_buf {
	struct ckpt_hdr h;
	__u32 len;
	__u32 __pad;
};

/* ckpt_hdr_eventfd.flags */
#define CKPT_EFD_SEMAPHORE	(1U << 0)
#define CKPT_EFD_FLAGS		0x1U

/**
 * struct ckpt_hdr_eventfd - the state of an eventfd (an object)
 * @h: record header
 * @objref: object id
 * @flags: CKPT_EFD_* flags
 * @count: the counter, below 2^64 - 1
 */
struct ckpt_hdr_eventfd {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 flags;
	__u64 count;
};

/**
 * struct ckpt_hdr_signalfd - the state of a signalfd (an object)
 * @h: record header
 * @objref: object id
 * @__pad: zero
 * @mask: the signals it accepts, bit (n - 1) for signal n; never
 *	SIGKILL nor SIGSTOP
 */
struct ckpt_hdr_signalfd {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 __pad;
	__u64 mask;
};

/* ckpt_hdr_timerfd.flags: those of its last timerfd_settime(2) */
#define CKPT_TFD_ABSTIME	(1U << 0)	/* TFD_TIMER_ABSTIME */
#define CKPT_TFD_CANCEL_ON_SET	(1U << 1)	/* TFD_TIMER_CANCEL_ON_SET */
#define CKPT_TFD_FLAGS		0x3U

/**
 * struct ckpt_hdr_timerfd - the state of a timerfd (an object)
 *
 * A timer set with an absolute time (CKPT_TFD_ABSTIME) keeps its
 * expiry time on its clock, one set with a relative time the time it
 * had left, counted from the restart.
 *
 * @h: record header
 * @objref: object id
 * @clockid: its clock: CLOCK_REALTIME (0), CLOCK_MONOTONIC (1),
 *	CLOCK_BOOTTIME (7), CLOCK_REALTIME_ALARM (8) or
 *	CLOCK_BOOTTIME_ALARM (9)
 * @flags: CKPT_TFD_* flags
 * @__pad: zero
 * @value_ns: 0 if disarmed; else when it expires, in ns: the time left,
 *	or with CKPT_TFD_ABSTIME the time of its clock
 * @interval_ns: its period, in ns; 0 for a one-shot timer
 * @ticks: expirations not read yet
 */
struct ckpt_hdr_timerfd {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 clockid;
	__u32 flags;
	__u32 __pad;
	__u64 value_ns;
	__u64 interval_ns;
	__u64 ticks;
};

/* Control characters of a struct ckpt_pty_termios (NCCS) */
#define CKPT_PTY_NCCS		19

/**
 * struct ckpt_pty_termios - the termios of a pty end
 *
 * The values of <asm-generic/termbits.h>, as tcgetattr(3) gives them.
 *
 * @iflag: c_iflag
 * @oflag: c_oflag
 * @cflag: c_cflag
 * @lflag: c_lflag
 * @ispeed: c_ispeed, in bits per second
 * @ospeed: c_ospeed, in bits per second
 * @line: line discipline, 0 (N_TTY)
 * @cc: c_cc, the control characters
 * @__pad: zero
 */
struct ckpt_pty_termios {
	__u32 iflag;
	__u32 oflag;
	__u32 cflag;
	__u32 lflag;
	__u32 ispeed;
	__u32 ospeed;
	__u8 line;
	__u8 cc[CKPT_PTY_NCCS];
	__u8 __pad[4];
};

/* ckpt_hdr_pty.flags */
#define CKPT_PTY_LOCKED		(1U << 0)	/* TIOCSPTLCK: slave locked */
#define CKPT_PTY_PACKET		(1U << 1)	/* TIOCPKT: packet mode */
#define CKPT_PTY_SLAVE_CLOSED	(1U << 2)	/* slave opened, all closed */
#define CKPT_PTY_FLAGS		0x7U

/* ckpt_hdr_pty.pktstatus: TIOCPKT_* bits of <asm-generic/ioctls.h> */
#define CKPT_PTY_PKTSTATUS	0x7fU

/**
 * struct ckpt_hdr_pty - a UNIX98 pseudo-terminal pair (an object)
 *
 * A pair whose master (an opening of /dev/ptmx) the image holds.  Its
 * index is not saved: restart makes a new pair.  Followed by @nr_data
 * CKPT_HDR_PTY_DATA records: the unread input of each end.  The
 * CKPT_HDR_FILE records of its ends (kind CKPT_FILE_PTY) refer to it.
 *
 * @h: record header
 * @objref: object id
 * @flags: CKPT_PTY_* flags
 * @pktstatus: with CKPT_PTY_PACKET, the TIOCPKT_* events not read yet
 *	from the master; else 0
 * @nr_data: number of CKPT_HDR_PTY_DATA records that follow, at most 4
 * @ws_row: window size (TIOCGWINSZ): rows
 * @ws_col: columns
 * @ws_xpixel: width in pixels
 * @ws_ypixel: height in pixels
 * @master: termios of the master end
 * @slave: termios of the slave end
 */
struct ckpt_hdr_pty {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 flags;
	__u32 pktstatus;
	__u32 nr_data;
	__u16 ws_row;
	__u16 ws_col;
	__u16 ws_xpixel;
	__u16 ws_ypixel;
	struct ckpt_pty_termios master;
	struct ckpt_pty_termios slave;
};

/* ckpt_hdr_pty_data.end: the end whose input it is (that reads it) */
#define CKPT_PTY_END_MASTER	1	/* written to the slave */
#define CKPT_PTY_END_SLAVE	2	/* written to the master */

/* ckpt_hdr_pty_data.kind */
#define CKPT_PTY_DATA_LDISC	1	/* processed, in the read buffer */
#define CKPT_PTY_DATA_FLIP	2	/* not processed yet */

/* ckpt_hdr_pty_data.flags, for CKPT_PTY_DATA_LDISC */
#define CKPT_PTY_DATA_LNEXT	(1U << 0)	/* next byte is literal */
#define CKPT_PTY_DATA_ERASING	(1U << 1)	/* in an ECHOPRT erase */
#define CKPT_PTY_DATA_PUSH	(1U << 2)	/* last line end: ICANON set */
#define CKPT_PTY_DATA_FLAGS	0x7U

/* Bytes of a CKPT_PTY_DATA_LDISC record, at most (N_TTY_BUF_SIZE) */
#define CKPT_PTY_LDISC_MAX	4096
/* Bytes of a CKPT_PTY_DATA_FLIP record, at most */
#define CKPT_PTY_FLIP_MAX	65536

/**
 * struct ckpt_hdr_pty_data - unread input of an end of a pty pair
 *
 * Followed by @len bytes of data, oldest first; for CKPT_PTY_DATA_LDISC
 * then (@len + 7) / 8 bytes of a bitmap, bit i (bit i % 8 of byte i / 8)
 * set if byte i ends a line of canonical mode; then zero padding to a
 * multiple of 8 bytes.  The records of a PTY come in increasing order
 * of (@end, @kind): the read buffer's bytes before those still in the
 * flip buffers.
 *
 * @h: record header
 * @end: CKPT_PTY_END_MASTER or CKPT_PTY_END_SLAVE
 * @kind: CKPT_PTY_DATA_LDISC: bytes of the line discipline's read
 *	buffer, already processed (restored as they are);
 *	CKPT_PTY_DATA_FLIP: bytes it had no room for yet (processed on
 *	restart with the restored termios)
 * @len: bytes of data, 1 to %CKPT_PTY_LDISC_MAX or %CKPT_PTY_FLIP_MAX
 * @canon_len: CKPT_PTY_DATA_LDISC in canonical mode: the bytes of
 *	complete lines (the others are the line being edited); else 0
 * @flags: CKPT_PTY_DATA_* flags; 0 for CKPT_PTY_DATA_FLIP
 * @__pad: zero
 */
struct ckpt_hdr_pty_data {
	struct ckpt_hdr h;
	__u32 end;
	__u32 kind;
	__u32 len;
	__u32 canon_len;
	__u32 flags;
	__u32 __pad;
};

/**
 * struct ckpt_hdr_files - an fd table (an object)
 *
 * Followed by @nr_fds CKPT_HDR_FD records, in increasing fd order;
 * each may be preceded by the CKPT_HDR_FILE that defines its file (and
 * by the object that FILE refers to).  Then @nr_locks CKPT_HDR_FILE_LOCK
 * records: the locks held through the table's files.
 *
 * @h: record header
 * @objref: object id
 * @nr_fds: number of open fds
 * @nr_locks: number of CKPT_HDR_FILE_LOCK records after the fds
 * @__pad: zero
 */
struct ckpt_hdr_files {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 nr_fds;
	__u32 nr_locks;
	__u32 __pad;
};

/* ckpt_hdr_memfd.seals: the F_SEAL_* values of fcntl(2) */
#define CKPT_SEAL_SEAL		0x0001U
#define CKPT_SEAL_SHRINK	0x0002U
#define CKPT_SEAL_GROW		0x0004U
#define CKPT_SEAL_WRITE		0x0008U
#define CKPT_SEAL_FUTURE_WRITE	0x0010U
#define CKPT_SEAL_EXEC		0x0020U
#define CKPT_SEALS		0x003fU

/* Longest memfd name, "memfd:" and the terminating NUL included */
#define CKPT_MEMFD_NAME_MAX	(6 + 249 + 1)

/**
 * struct ckpt_hdr_memfd - a memfd (an object)
 *
 * Also the memory of shared anonymous mappings (MAP_SHARED |
 * MAP_ANONYMOUS), named "dev/zero", which their CKPT_HDR_VMA records map
 * through a CKPT_HDR_FILE of kind CKPT_FILE_MEMFD.
 *
 * Followed by @name_len bytes of name ("memfd:" and the name given to
 * memfd_create(2), or "dev/zero"; NUL-terminated), zero padding to a multiple of 8
 * bytes, then @nr_data CKPT_HDR_FILE_DATA records: its contents, in
 * increasing offset order; bytes not in them read as zero.
 *
 * @h: record header
 * @objref: object id
 * @seals: CKPT_SEAL_* seals
 * @mode: permission bits (07777)
 * @name_len: length of the name, NUL included
 * @size: file size in bytes
 * @nr_data: number of CKPT_HDR_FILE_DATA records that follow
 * @__pad: zero
 */
struct ckpt_hdr_memfd {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 seals;
	__u32 mode;
	__u32 name_len;
	__u64 size;
	__u32 nr_data;
	__u32 __pad;
};

/* Bytes of one CKPT_HDR_FILE_DATA record, at most */
#define CKPT_FILE_DATA_MAX	(256U * 1024)

/**
 * struct ckpt_hdr_file_data - some contents of a file
 *
 * Followed by @len bytes of data, then zero padding to a multiple of 8
 * bytes.
 *
 * @h: record header
 * @offset: where the data goes in the file, after the previous record's
 * @len: bytes of data, 1 to %CKPT_FILE_DATA_MAX
 * @__pad: zero
 */
struct ckpt_hdr_file_data {
	struct ckpt_hdr h;
	__u64 offset;
	__u32 len;
	__u32 __pad;
};

/* Most items of an epoll file (max_user_watches is below) */
#define CKPT_EPOLL_ITEMS_MAX	(1U << 24)

/**
 * struct ckpt_hdr_epoll - an epoll file (an object)
 *
 * Comes after the FILE records of its targets, and is followed by
 * @nr_items CKPT_HDR_EPOLL_ITEM records.
 *
 * @h: record header
 * @objref: object id
 * @nr_items: number of items of its interest list
 */
struct ckpt_hdr_epoll {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 nr_items;
};

/**
 * struct ckpt_hdr_epoll_item - an item of the interest list of an epoll
 * @h: record header
 * @file_ref: object id of the CKPT_HDR_FILE of its target
 * @fd: the fd it was added with (epoll_ctl(2))
 * @events: its event mask: EPOLL* values of <linux/eventpoll.h>
 * @__pad: zero
 * @data: its user data
 */
struct ckpt_hdr_epoll_item {
	struct ckpt_hdr h;
	__u32 file_ref;
	__u32 fd;
	__u32 events;
	__u32 __pad;
	__u64 data;
};

/**
 * struct ckpt_hdr_ghost - a regular file open but unlinked (an object)
 *
 * Followed by @dir_len bytes of the path of the directory it was in
 * (absolute, seen from the checkpointer's root, NUL-terminated), zero
 * padding to a multiple of 8 bytes, then @nr_data CKPT_HDR_FILE_DATA
 * records: its contents, in increasing offset order; bytes not in them
 * read as zero.
 *
 * @h: record header
 * @objref: object id
 * @mode: permission bits (07777)
 * @nr_data: number of CKPT_HDR_FILE_DATA records that follow
 * @dir_len: length of the directory path, NUL included
 * @size: file size in bytes
 */
struct ckpt_hdr_ghost {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 mode;
	__u32 nr_data;
	__u32 dir_len;
	__u64 size;
};

/* Most watches, and most queued events, of an inotify file */
#define CKPT_INOTIFY_WATCHES_MAX	(1U << 20)
#define CKPT_INOTIFY_EVENTS_MAX		(1U << 20)

/**
 * struct ckpt_hdr_inotify - an inotify file (an object)
 *
 * Followed by @nr_watches CKPT_HDR_INOTIFY_WATCH records, in increasing
 * wd order, then @nr_events CKPT_HDR_INOTIFY_EVENT records: the events
 * not read yet, oldest first.
 *
 * @h: record header
 * @objref: object id
 * @nr_watches: number of watches
 * @nr_events: number of queued events
 * @next_wd: where the search for the wd of the next new watch starts
 *	(1 to 2^31 - 1)
 */
struct ckpt_hdr_inotify {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 nr_watches;
	__u32 nr_events;
	__u32 next_wd;
};

/**
 * struct ckpt_hdr_inotify_watch - a watch of an inotify file
 *
 * Followed by @path_len bytes of the path of the watched file or
 * directory (absolute, seen from the checkpointer's root,
 * NUL-terminated), then zero padding to a multiple of 8 bytes.
 *
 * @h: record header
 * @wd: its watch descriptor, 1 to 2^31 - 1
 * @mask: IN_* events of <linux/inotify.h>, with IN_ONESHOT and
 *	IN_EXCL_UNLINK
 * @mode: file type (S_IFMT bits) of what it watches
 * @path_len: length of the path, NUL included
 */
struct ckpt_hdr_inotify_watch {
	struct ckpt_hdr h;
	__u32 wd;
	__u32 mask;
	__u32 mode;
	__u32 path_len;
};

/* ckpt_hdr_inotify_event.wd of IN_Q_OVERFLOW: -1 */
#define CKPT_INOTIFY_WD_NONE	0xffffffffU

/**
 * struct ckpt_hdr_inotify_event - an event not yet read from an inotify file
 *
 * Followed by @name_len bytes of name (NUL-terminated; none if
 * @name_len is 0), then zero padding to a multiple of 8 bytes.
 *
 * @h: record header
 * @wd: watch descriptor it reports, as read(2) gives it (the watch may
 *	be gone); %CKPT_INOTIFY_WD_NONE for IN_Q_OVERFLOW
 * @mask: IN_* bits of the event, as read(2) gives them
 * @cookie: its cookie, which ties the two events of a rename
 * @name_len: length of the name, NUL included; 0 if none
 */
struct ckpt_hdr_inotify_event {
	struct ckpt_hdr h;
	__u32 wd;
	__u32 mask;
	__u32 cookie;
	__u32 name_len;
};

/* Most CKPT_HDR_FILE_LOCK records of an fd table */
#define CKPT_LOCKS_MAX		(1U << 20)

/* ckpt_hdr_file_lock.kind */
#define CKPT_LOCK_FLOCK		1	/* flock(2), held by the open file */
#define CKPT_LOCK_POSIX		2	/* F_SETLK, held by the fd table */
#define CKPT_LOCK_OFD		3	/* F_OFD_SETLK, held by the open file */

/* ckpt_hdr_file_lock.type */
#define CKPT_LOCK_READ		1	/* shared */
#define CKPT_LOCK_WRITE		2	/* exclusive */

/**
 * struct ckpt_hdr_file_lock - a lock held through a file of an fd table
 * @h: record header
 * @file_ref: object id of the CKPT_HDR_FILE it is held through
 * @kind: CKPT_LOCK_FLOCK, CKPT_LOCK_POSIX or CKPT_LOCK_OFD
 * @type: CKPT_LOCK_READ or CKPT_LOCK_WRITE
 * @__pad: zero
 * @start: first byte locked (0 for flock(2))
 * @end: last byte locked, 2^63 - 1 for "to the end of the file" (and
 *	for flock(2))
 */
struct ckpt_hdr_file_lock {
	struct ckpt_hdr h;
	__u32 file_ref;
	__u32 kind;
	__u32 type;
	__u32 __pad;
	__u64 start;
	__u64 end;
};

/* ckpt_hdr_fd.flags */
#define CKPT_FD_CLOEXEC		(1U << 0)
#define CKPT_FD_FLAGS		0x1U

/* Highest fd number accepted, plus one (the kernel's NR_OPEN) */
#define CKPT_FD_MAX		(1U << 20)

/**
 * struct ckpt_hdr_fd - one fd of an fd table
 * @h: record header
 * @fd: fd number
 * @flags: CKPT_FD_* flags
 * @file_ref: object id of the CKPT_HDR_FILE it refers to
 * @__pad: zero
 */
struct ckpt_hdr_fd {
	struct ckpt_hdr h;
	__u32 fd;
	__u32 flags;
	__u32 file_ref;
	__u32 __pad;
};

/**
 * struct ckpt_hdr_fs - root, working directory and umask (an object)
 *
 * Followed by @root_len bytes of root path and @cwd_len bytes of
 * working directory path (both absolute, seen from the checkpointer's
 * root, NUL-terminated), then zero padding to a multiple of 8 bytes.
 *
 * @h: record header
 * @objref: object id
 * @umask: file mode creation mask
 * @root_len: length of the root path, NUL included
 * @cwd_len: length of the working directory path, NUL included
 */
struct ckpt_hdr_fs {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 umask;
	__u32 root_len;
	__u32 cwd_len;
};

/* Number of auxv words in ckpt_hdr_mm, at most */
#define CKPT_AUXV_MAX		128

/**
 * struct ckpt_hdr_mm - an address space (an object)
 *
 * Followed by @auxv_len __u64 words of the auxiliary vector (pairs,
 * ending with AT_NULL), then by @nr_vmas CKPT_HDR_VMA records in
 * increasing address order, each followed by the CKPT_HDR_PAGES
 * records of its saved pages.
 *
 * @h: record header
 * @objref: object id
 * @nr_vmas: number of CKPT_HDR_VMA records that follow
 * @exe_ref: object id of the CKPT_HDR_FILE of the executable, or 0
 * @auxv_len: number of auxv words that follow
 * @start_code: start of the text segment
 * @end_code: end of the text segment
 * @start_data: start of the data segment
 * @end_data: end of the data segment
 * @start_brk: start of the heap
 * @brk: current program break
 * @start_stack: start of the stack
 * @arg_start: start of the argument area
 * @arg_end: end of the argument area
 * @env_start: start of the environment area
 * @env_end: end of the environment area
 */
struct ckpt_hdr_mm {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 nr_vmas;
	__u32 exe_ref;
	__u32 auxv_len;
	__u64 start_code;
	__u64 end_code;
	__u64 start_data;
	__u64 end_data;
	__u64 start_brk;
	__u64 brk;
	__u64 start_stack;
	__u64 arg_start;
	__u64 arg_end;
	__u64 env_start;
	__u64 env_end;
};

/* ckpt_hdr_vma.kind */
#define CKPT_VMA_ANON		1	/* private anonymous */
#define CKPT_VMA_FILE		2	/* mapping of a file */
#define CKPT_VMA_VDSO		3	/* the vDSO text */
#define CKPT_VMA_VVAR		4	/* the vDSO data */
#define CKPT_VMA_SYSV_SHM	5	/* a whole SysV shm segment (shmat) */
#define CKPT_VMA_KIND_MAX	5

/* ckpt_hdr_vma.prot */
#define CKPT_PROT_READ		(1U << 0)
#define CKPT_PROT_WRITE		(1U << 1)
#define CKPT_PROT_EXEC		(1U << 2)
#define CKPT_PROT_FLAGS		0x7U

/* ckpt_hdr_vma.flags */
#define CKPT_VMA_SHARED		(1U << 0)	/* MAP_SHARED */
#define CKPT_VMA_GROWSDOWN	(1U << 1)	/* stack-like */
#define CKPT_VMA_MAYREAD	(1U << 2)
#define CKPT_VMA_MAYWRITE	(1U << 3)
#define CKPT_VMA_MAYEXEC	(1U << 4)
#define CKPT_VMA_LOCKED		(1U << 5)	/* mlock()ed */
#define CKPT_VMA_DONTFORK	(1U << 6)	/* MADV_DONTFORK */
#define CKPT_VMA_DONTDUMP	(1U << 7)	/* MADV_DONTDUMP */
#define CKPT_VMA_NORESERVE	(1U << 8)	/* MAP_NORESERVE */
#define CKPT_VMA_HEAP		(1U << 9)	/* part of the brk heap */
#define CKPT_VMA_STACK		(1U << 10)	/* holds the start of the stack */
#define CKPT_VMA_FLAGS		0x7ffU

/**
 * struct ckpt_hdr_vma - one mapping of an address space
 * @h: record header
 * @start: first address, page aligned
 * @end: address past the end, page aligned
 * @pgoff: offset in the file, in pages (0 for anonymous mappings)
 * @kind: CKPT_VMA_* kind
 * @prot: CKPT_PROT_* protection
 * @flags: CKPT_VMA_* flags
 * @file_ref: object id of the mapped CKPT_HDR_FILE, 0 if none; for
 *	%CKPT_VMA_SYSV_SHM the id of the segment (a SHM record)
 */
struct ckpt_hdr_vma {
	struct ckpt_hdr h;
	__u64 start;
	__u64 end;
	__u64 pgoff;
	__u32 kind;
	__u32 prot;
	__u32 flags;
	__u32 file_ref;
};

/**
 * struct ckpt_hdr_pages - contents of consecutive pages of a mapping
 *
 * Followed by @nr_pages pages of data (page_size bytes each, from the
 * image header).  Pages of a mapping come in increasing address order
 * and lie inside the CKPT_HDR_VMA they follow; pages not saved read as
 * zero (anonymous memory) or come from the mapped file.
 *
 * @h: record header
 * @addr: address of the first page
 * @nr_pages: number of pages, 1 to %CKPT_PAGES_MAX
 * @__pad: zero
 */
struct ckpt_hdr_pages {
	struct ckpt_hdr h;
	__u64 addr;
	__u32 nr_pages;
	__u32 __pad;
};

/**
 * struct ckpt_sigaction - the disposition of one signal
 * @handler: handler address; 0 is SIG_DFL, 1 is SIG_IGN
 * @flags: SA_* flags
 * @restorer: sa_restorer
 * @mask: signals blocked while the handler runs, bit (n - 1) for n
 */
struct ckpt_sigaction {
	__u64 handler;
	__u64 flags;
	__u64 restorer;
	__u64 mask;
};

/* Number of signals in a CKPT_HDR_SIGHAND */
#define CKPT_NSIG		64

/**
 * struct ckpt_hdr_sighand - signal dispositions (an object)
 * @h: record header
 * @objref: object id
 * @nr: number of entries in @action, %CKPT_NSIG
 * @action: disposition of signal n in action[n - 1]
 */
struct ckpt_hdr_sighand {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 nr;
	struct ckpt_sigaction action[CKPT_NSIG];
};

/* ckpt_hdr_sigpending.queue */
#define CKPT_SIGQUEUE_TASK	1	/* the task's own (tgkill(2)...) */
#define CKPT_SIGQUEUE_SHARED	2	/* its thread group's (kill(2)...) */

/* Bytes of a siginfo_t */
#define CKPT_SIGINFO_SIZE	128

/**
 * struct ckpt_hdr_sigpending - a pending signal
 *
 * The CKPT_HDR_SIGPENDING records of a task follow its CKPT_HDR_SCHED
 * record: those of its own queue, then those of its thread group's, in
 * increasing signal number; a real-time signal queued several times has
 * a record for each, in the order they would be delivered; a standard
 * signal pends once per queue at most.
 *
 * @h: record header
 * @queue: CKPT_SIGQUEUE_TASK or CKPT_SIGQUEUE_SHARED
 * @signo: the signal, 1 to %CKPT_NSIG, not SIGKILL nor SIGSTOP
 * @info: its siginfo_t, as the handler would get it (si_signo is
 *	@signo); the bytes past the fields of the kernel's
 *	struct kernel_siginfo (48 on x86-64) are zero
 */
struct ckpt_hdr_sigpending {
	struct ckpt_hdr h;
	__u32 queue;
	__u32 signo;
	__u8 info[CKPT_SIGINFO_SIZE];
};

/**
 * struct ckpt_rlimit - a resource limit, as getrlimit(2) gives it
 * @cur: soft limit, ~0 for RLIM_INFINITY
 * @max: hard limit, ~0 for RLIM_INFINITY
 */
struct ckpt_rlimit {
	__u64 cur;
	__u64 max;
};

/* Resource limits of a ckpt_hdr_signal: RLIMIT_CPU (0) to RLIMIT_RTTIME */
#define CKPT_RLIM_NLIMITS	16

/**
 * struct ckpt_itimer - an interval timer, as getitimer(2) gives it
 * @value_ns: time left until it expires, 0 if disarmed
 * @interval_ns: its period, 0 for a one-shot timer
 */
struct ckpt_itimer {
	__u64 value_ns;
	__u64 interval_ns;
};

/* Interval timers of a ckpt_hdr_signal: ITIMER_REAL (0) to ITIMER_PROF */
#define CKPT_NR_ITIMERS		3

/* ckpt_hdr_signal.flags */
#define CKPT_SIGNAL_CHILD_SUBREAPER	(1U << 0)	/* PR_SET_CHILD_SUBREAPER */
#define CKPT_SIGNAL_FLAGS		0x1U

/**
 * struct ckpt_hdr_signal - state of a thread group (an object)
 *
 * What its threads share (struct signal_struct), and the dumpable mode
 * of its address space.  The time left of ITIMER_VIRTUAL and ITIMER_PROF
 * is CPU time of the thread group.
 *
 * @h: record header
 * @objref: object id
 * @flags: CKPT_SIGNAL_* flags
 * @dumpable: PR_GET_DUMPABLE value: 0 or 1 (SUID_DUMP_USER)
 * @nr_rlimits: number of entries in @rlim, %CKPT_RLIM_NLIMITS
 * @nr_posix_timers: number of CKPT_HDR_POSIX_TIMER records that follow
 *	this one, at most %CKPT_POSIX_TIMERS_MAX
 * @next_posix_timer_id: where timer_create(2) starts looking for a free
 *	id, 0 to INT_MAX
 * @rlim: resource limit n in rlim[n]
 * @itimer: interval timer n (ITIMER_REAL 0, ITIMER_VIRTUAL 1,
 *	ITIMER_PROF 2) in itimer[n]; alarm(2) is ITIMER_REAL
 */
struct ckpt_hdr_signal {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 flags;
	__u32 dumpable;
	__u32 nr_rlimits;
	__u32 nr_posix_timers;
	__u32 next_posix_timer_id;
	struct ckpt_rlimit rlim[CKPT_RLIM_NLIMITS];
	struct ckpt_itimer itimer[CKPT_NR_ITIMERS];
};

/* ckpt_hdr_posix_timer.flags */
#define CKPT_POSIX_TIMER_ABSTIME	(1U << 0)	/* TIMER_ABSTIME */
#define CKPT_POSIX_TIMER_PENDING	(1U << 1)	/* its signal is queued */
#define CKPT_POSIX_TIMER_REARM		(1U << 2)	/* ...and rearms it */
#define CKPT_POSIX_TIMER_FLAGS		0x7U

/**
 * struct ckpt_hdr_posix_timer - a POSIX timer (timer_create(2))
 *
 * The timers of a thread group follow its CKPT_HDR_SIGNAL record, in
 * increasing @id.  Restart gives each its id again.
 *
 * @h: record header
 * @id: its id, 0 to INT_MAX
 * @clockid: CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_TAI,
 *	CLOCK_REALTIME_ALARM or CLOCK_BOOTTIME_ALARM
 * @notify: sigev_notify: SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, or
 *	SIGEV_SIGNAL | SIGEV_THREAD_ID
 * @signo: sigev_signo, 1 to %CKPT_NSIG unless @notify is SIGEV_NONE
 * @tid: for SIGEV_THREAD_ID, the thread it signals (a pid of the
 *	image, of the same thread group); 0 otherwise
 * @flags: CKPT_POSIX_TIMER_* flags.  PENDING: its signal was queued
 *	and not yet delivered (it is not among the SIGPENDING records);
 *	REARM (with PENDING, for a periodic timer): delivering it rearms
 *	the timer, which waits for that
 * @value: sigev_value, given to the handler as si_value
 * @value_ns: time left until it expires, as timer_gettime(2) gives it,
 *	or with ABSTIME (CLOCK_REALTIME only) the CLOCK_REALTIME time it
 *	expires at; 0 if disarmed
 * @interval_ns: its period, 0 for a one-shot timer
 * @overrun: overruns counted since its signal was last queued, -1
 *	before the first
 * @overrun_last: what timer_getoverrun(2) gives, 0 to INT_MAX
 * @sig_overrun: with PENDING, the si_overrun the queued signal has so
 *	far, 0 to INT_MAX; else 0
 * @__pad: zero
 */
struct ckpt_hdr_posix_timer {
	struct ckpt_hdr h;
	__u32 id;
	__s32 clockid;
	__u32 notify;
	__u32 signo;
	__u32 tid;
	__u32 flags;
	__u64 value;
	__u64 value_ns;
	__u64 interval_ns;
	__s64 overrun;
	__s64 overrun_last;
	__u32 sig_overrun;
	__u32 __pad;
};

/* ckpt_hdr_ns.new and .external: kinds of namespaces */
#define CKPT_NS_PID		(1U << 0)
#define CKPT_NS_UTS		(1U << 1)
#define CKPT_NS_IPC		(1U << 2)
#define CKPT_NS_NET		(1U << 3)
#define CKPT_NS_MNT		(1U << 4)
#define CKPT_NS_CGROUP		(1U << 5)
#define CKPT_NS_TIME		(1U << 6)
#define CKPT_NS_USER		(1U << 7)
#define CKPT_NS_ALL		0xffU
/* The kinds an image may have of its own */
#define CKPT_NS_NEW		(CKPT_NS_PID | CKPT_NS_UTS | CKPT_NS_IPC | \
				 CKPT_NS_NET | CKPT_NS_USER)

/**
 * struct ckpt_hdr_ns - the namespaces of the tree
 *
 * The second record of an image.  Every task of the tree is in the
 * same namespaces, each either the tree's own, which the image holds
 * and restart(2) makes anew, or one the tree does not own: the
 * checkpointer's, or with %CKPT_CHECKPOINT_NS_EXTERNAL one shared with
 * a process outside the tree.  For those, restart(2) uses the
 * restarter's.  The records of the tree's own user, uts, ipc and
 * network namespaces follow, in that order.  With %CKPT_NS_PID the root
 * is the init (pid 1) of its own pid namespace, a child of the
 * checkpointer's, and the image's pids are those of that namespace.
 * With %CKPT_NS_USER the tasks' credentials are in their own user
 * namespace, a child of the checkpointer's, which owns the tree's other
 * namespaces, and the image's ids are those of that namespace.
 *
 * @h: record header
 * @new: CKPT_NS_* kinds of the tree's own namespaces, within
 *	%CKPT_NS_NEW
 * @external: CKPT_NS_* kinds of the namespaces that were neither the
 *	tree's own nor the checkpointer's
 */
struct ckpt_hdr_ns {
	struct ckpt_hdr h;
	__u32 new;
	__u32 external;
};

/* Bytes of a uts name, its NUL included (__NEW_UTS_LEN + 1) */
#define CKPT_UTS_LEN		65

/**
 * struct ckpt_hdr_uts_ns - a uts namespace
 * @h: record header
 * @nodename: host name (sethostname(2)), NUL-terminated
 * @domainname: NIS domain name (setdomainname(2)), NUL-terminated
 * @__pad: zero
 */
struct ckpt_hdr_uts_ns {
	struct ckpt_hdr h;
	char nodename[CKPT_UTS_LEN];
	char domainname[CKPT_UTS_LEN];
	__u8 __pad[6];
};

/**
 * struct ckpt_hdr_ipc_ns - an ipc namespace: its limits (kernel.shm*,
 *	kernel.msg*, kernel.sem sysctls), within what the sysctls accept
 * @h: record header
 * @shm_ctlmax: kernel.shmmax
 * @shm_ctlall: kernel.shmall
 * @shm_ctlmni: kernel.shmmni
 * @shm_rmid_forced: kernel.shm_rmid_forced, 0 or 1
 * @msg_ctlmax: kernel.msgmax
 * @msg_ctlmnb: kernel.msgmnb
 * @msg_ctlmni: kernel.msgmni
 * @sem_ctls: kernel.sem: semmsl, semmns, semopm, semmni
 * @nr_shm: SHM records right after the root's CLONE record, in id order
 * @nr_msq: MSQ records after those, in id order
 * @nr_sem: SEM records after those, in id order
 *
 * The SysV objects of the namespace are the first records of the root,
 * which makes them at restart in its new ipc namespace.
 */
struct ckpt_hdr_ipc_ns {
	struct ckpt_hdr h;
	__u64 shm_ctlmax;
	__u64 shm_ctlall;
	__u32 shm_ctlmni;
	__u32 shm_rmid_forced;
	__u32 msg_ctlmax;
	__u32 msg_ctlmnb;
	__u32 msg_ctlmni;
	__u32 sem_ctls[4];
	__u32 nr_shm;
	__u32 nr_msq;
	__u32 nr_sem;
};

/* ckpt_hdr_net_ns.flags */
#define CKPT_NET_LO_UP		(1U << 0)	/* loopback up, default addresses */
#define CKPT_NET_FLAGS		0x1U
/* Largest MTU of a loopback device (its default) */
#define CKPT_LO_MTU_MAX		65536

/**
 * struct ckpt_hdr_net_ns - a network namespace with a loopback device
 *	only, down without addresses or up with its default ones
 *	(127.0.0.1/8, ::1/128)
 * @h: record header
 * @flags: CKPT_NET_* flags
 * @lo_mtu: MTU of the loopback device, 68 to %CKPT_LO_MTU_MAX
 */
struct ckpt_hdr_net_ns {
	struct ckpt_hdr h;
	__u32 flags;
	__u32 lo_mtu;
};

/* SysV objects of a namespace, of each kind, at most */
#define CKPT_IPC_OBJS_MAX	32768
/* Semaphores of a set, at most (SEMMSL's limit) */
#define CKPT_SEMS_MAX		32000
/* SEM_ADJ records of a SEM_UNDO record, at most */
#define CKPT_SEM_ADJS_MAX	CKPT_IPC_OBJS_MAX
/* Bytes of text of a message, at most */
#define CKPT_MSG_MAX		(512 * 1024)

/**
 * struct ckpt_ipc_perm - owner and access of a SysV object
 * @key: its key (IPC_PRIVATE is 0)
 * @id: its id, which the restored object gets again
 * @uid: owner
 * @gid: owner's group
 * @cuid: creator
 * @cgid: creator's group
 * @mode: access bits, 0 to 0777, and for a segment SHM_DEST (01000)
 * @__pad: zero
 *
 * The ids are those of the user namespace of the checkpointer.
 */
struct ckpt_ipc_perm {
	__u32 key;
	__u32 id;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 mode;
	__u32 __pad;
};

/* ckpt_ipc_perm.mode bits of a segment besides the access bits */
#define CKPT_SHM_DEST		01000	/* removed, destroyed on last detach */

/**
 * struct ckpt_hdr_shm - a SysV shared memory segment
 *
 * Followed by @nr_data CKPT_HDR_FILE_DATA records, its contents but
 * the holes.  Its attachments are the CKPT_VMA_SYSV_SHM mappings of the
 * address spaces of the image; its attach count is theirs.
 *
 * @h: record header
 * @perm: key, id, owner and mode
 * @segsz: size in bytes, 1 to kernel.shmmax of the namespace
 * @atime: last shmat(2), seconds since the epoch
 * @dtime: last shmdt(2)
 * @ctime: creation or last change
 * @cpid: creator's pid, in the image's pid namespace (0 if gone)
 * @lpid: pid of the last shmat/shmdt
 * @nr_data: FILE_DATA records that follow
 * @__pad: zero
 */
struct ckpt_hdr_shm {
	struct ckpt_hdr h;
	struct ckpt_ipc_perm perm;
	__u64 segsz;
	__s64 atime;
	__s64 dtime;
	__s64 ctime;
	__u32 cpid;
	__u32 lpid;
	__u32 nr_data;
	__u32 __pad;
};

/**
 * struct ckpt_hdr_msq - a SysV message queue
 *
 * Followed by @nr_msgs CKPT_HDR_MSG records, the oldest first.
 *
 * @h: record header
 * @perm: key, id, owner and mode
 * @qbytes: most bytes the queue holds (msg_qbytes), at most INT_MAX
 * @stime: last msgsnd(2), seconds since the epoch
 * @rtime: last msgrcv(2)
 * @ctime: creation or last change
 * @lspid: pid of the last msgsnd, in the image's pid namespace
 * @lrpid: pid of the last msgrcv
 * @nr_msgs: MSG records that follow
 * @__pad: zero
 */
struct ckpt_hdr_msq {
	struct ckpt_hdr h;
	struct ckpt_ipc_perm perm;
	__u64 qbytes;
	__s64 stime;
	__s64 rtime;
	__s64 ctime;
	__u32 lspid;
	__u32 lrpid;
	__u32 nr_msgs;
	__u32 __pad;
};

/**
 * struct ckpt_hdr_msg - a message of a queue
 *
 * Followed by @len bytes of text.
 *
 * @h: record header
 * @mtype: its type, above 0
 * @len: bytes of text, at most kernel.msgmax of the namespace and
 *	%CKPT_MSG_MAX
 * @__pad: zero
 */
struct ckpt_hdr_msg {
	struct ckpt_hdr h;
	__s64 mtype;
	__u32 len;
	__u32 __pad;
};

/**
 * struct ckpt_sem - a semaphore of a set
 * @semval: its value, 0 to SEMVMX (32767)
 * @sempid: pid of the last task that changed it, in the image's pid
 *	namespace (0 if gone)
 */
struct ckpt_sem {
	__u32 semval;
	__u32 sempid;
};

/**
 * struct ckpt_hdr_sem - a SysV semaphore set
 *
 * Followed by @nsems struct ckpt_sem.  A task blocked in semop(2)
 * (whose operation waits in the set) is stopped out of it: it restarts
 * its call.
 *
 * @h: record header
 * @perm: key, id, owner and mode
 * @otime: last semop(2), seconds since the epoch
 * @ctime: creation or last change
 * @nsems: semaphores in the set, 1 to %CKPT_SEMS_MAX
 * @__pad: zero
 */
struct ckpt_hdr_sem {
	struct ckpt_hdr h;
	struct ckpt_ipc_perm perm;
	__s64 otime;
	__s64 ctime;
	__u32 nsems;
	__u32 __pad;
};

/**
 * struct ckpt_hdr_sem_undo - the SEM_UNDO adjustments of a task
 *
 * An object, shared by the threads of a process (CLONE_SYSVSEM), which
 * refer to it from their task records.  Followed by @nr_adjs
 * CKPT_HDR_SEM_ADJ records, in increasing set id.
 *
 * @h: record header
 * @objref: object id
 * @nr_adjs: SEM_ADJ records that follow, 1 to %CKPT_SEM_ADJS_MAX
 */
struct ckpt_hdr_sem_undo {
	struct ckpt_hdr h;
	__u32 objref;
	__u32 nr_adjs;
};

/**
 * struct ckpt_hdr_sem_adj - the adjustments of a task to one set
 *
 * Followed by @nsems __s16 adjustments (what exit(2) adds to each
 * semaphore), each -32767 to 32767.
 *
 * @h: record header
 * @semid: the set, a SEM record of the image
 * @nsems: its semaphores
 */
struct ckpt_hdr_sem_adj {
	struct ckpt_hdr h;
	__u32 semid;
	__u32 nsems;
};

/* Extents of an id map, at most (UID_GID_MAP_MAX_EXTENTS) */
#define CKPT_ID_EXTENTS_MAX	340

/**
 * struct ckpt_id_extent - a range of an id map, as a line of
 *	/proc/PID/uid_map
 * @first: first id in the namespace
 * @lower_first: the id it is in the parent (the checkpointer's) namespace
 * @count: how many ids
 */
struct ckpt_id_extent {
	__u32 first;
	__u32 lower_first;
	__u32 count;
};

/* ckpt_hdr_user_ns.flags */
#define CKPT_USERNS_SETGROUPS_DENY (1U << 0)	/* setgroups(2) denied */
#define CKPT_USERNS_FLAGS	0x1U

/**
 * struct ckpt_hdr_user_ns - a user namespace
 *
 * Followed by @nr_uid then @nr_gid struct ckpt_id_extent: its uid map,
 * then its gid map.  restart(2) writes them as the restarter writing
 * /proc/PID/uid_map and gid_map would, with the same checks: an
 * unprivileged restarter can only map its own uid and gid, the latter
 * with setgroups denied.
 *
 * @h: record header
 * @nr_uid: extents of the uid map, 1 to %CKPT_ID_EXTENTS_MAX
 * @nr_gid: extents of the gid map, 1 to %CKPT_ID_EXTENTS_MAX
 * @flags: CKPT_USERNS_* flags
 * @__pad: zero
 */
struct ckpt_hdr_user_ns {
	struct ckpt_hdr h;
	__u32 nr_uid;
	__u32 nr_gid;
	__u32 flags;
	__u32 __pad;
};

#endif /* _UAPI_LINUX_CHECKPOINT_HDR_H */
