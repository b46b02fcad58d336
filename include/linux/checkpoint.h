/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-kernel checkpoint/restart: the API between the core driver
 * (kernel/checkpoint/) and the per-subsystem hooks.
 *
 * A checkpoint walks a stopped task and streams records (see
 * include/uapi/linux/checkpoint_hdr.h) into a file; a restart reads
 * them back.  Each subsystem provides a pair of functions, one writing
 * its records and one reading (for now: validating) them.
 */
#ifndef _LINUX_CHECKPOINT_H
#define _LINUX_CHECKPOINT_H

#include <linux/types.h>
#include <linux/completion.h>
#include <linux/errno.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/pid.h>
#include <linux/xarray.h>
#include <linux/printk.h>
#include <linux/spinlock.h>
#include <uapi/linux/checkpoint_hdr.h>

struct file;
struct task_struct;
struct cred;
struct mm_struct;
struct restart_block;
struct files_struct;
struct ckpt_lock;
struct rlimit;

/* Kinds of object in the object table; the record type defining it */
enum ckpt_obj_type {
	CKPT_OBJ_CRED = CKPT_HDR_CRED,
	CKPT_OBJ_FILE = CKPT_HDR_FILE,
	CKPT_OBJ_FILES = CKPT_HDR_FILES,
	CKPT_OBJ_FS = CKPT_HDR_FS,
	CKPT_OBJ_PIPE = CKPT_HDR_PIPE,
	CKPT_OBJ_EVENTFD = CKPT_HDR_EVENTFD,
	CKPT_OBJ_SIGNALFD = CKPT_HDR_SIGNALFD,
	CKPT_OBJ_TIMERFD = CKPT_HDR_TIMERFD,
	CKPT_OBJ_MEMFD = CKPT_HDR_MEMFD,
	CKPT_OBJ_EPOLL = CKPT_HDR_EPOLL,
	CKPT_OBJ_GHOST = CKPT_HDR_GHOST,
	CKPT_OBJ_INOTIFY = CKPT_HDR_INOTIFY,
	CKPT_OBJ_PTY = CKPT_HDR_PTY,
	CKPT_OBJ_MM = CKPT_HDR_MM,
	CKPT_OBJ_SIGHAND = CKPT_HDR_SIGHAND,
	CKPT_OBJ_SIGNAL = CKPT_HDR_SIGNAL,
	CKPT_OBJ_SEM_UNDO = CKPT_HDR_SEM_UNDO,
};

/**
 * struct ckpt_task_refs - object ids a task record refers to
 * @cred: its credentials
 * @mm: its address space
 * @files: its fd table
 * @fs: its root, cwd and umask
 * @sighand: its signal dispositions
 * @signal: its thread group state
 * @sem_undo: its SEM_UNDO adjustments
 */
struct ckpt_task_refs {
	u32 cred;
	u32 mm;
	u32 files;
	u32 fs;
	u32 sighand;
	u32 signal;
	u32 sem_undo;
};

/**
 * struct ckpt_rtask - a task a restart rebuilds
 * @ctx: the restart
 * @list: link in ckpt_ctx.rtasks, in stream order
 * @parent: the task it is a child of, NULL for the root
 * @children: its children, linked by @sibling
 * @sibling: link in its parent's @children
 * @task: the task, referenced, once it runs
 * @vpid: its pid, in the pid namespace of the task that made it, once
 *	it exists
 * @pid: its struct pid, referenced, once it exists
 * @clone: its CKPT_HDR_CLONE record
 * @held: ids of the objects it holds: its parent's, or its own records'
 * @nr_zombies: how many of @children are zombies, made late
 * @tgid: thread group of its task record (a pid of the image)
 * @ppid: parent of its task record (a thread's is its leader's)
 * @pgid: process group of its task record (a pid of the image)
 * @sid: session of its task record
 * @comm: command name of a zombie
 * @deferred: steps run once the image is read (ckpt_defer())
 * @turn: completed by the restarter for each step the task takes
 * @done: completed by the task at the end of each step
 * @err: 0, or why the restart failed
 * @cred: credentials to take last, once everything else is rebuilt
 * @exit_signal: signal the task sends its parent when it exits
 * @pdeath_signal: signal it gets when its parent dies, set (as
 *	@dumpable) once it has taken @cred, which resets both
 * @dumpable: dumpable mode of its address space
 * @no_new_privs: it gets no_new_privs, once its children exist
 * @seccomp_strict: it enters seccomp strict mode, the very last step
 * @ax: its rax, written back after ret_from_fork() cleared it
 */
struct ckpt_rtask {
	struct ckpt_ctx *ctx;
	struct list_head list;
	struct ckpt_rtask *parent;
	struct list_head children;
	struct list_head sibling;
	struct task_struct *task;
	pid_t vpid;
	struct pid *pid;
	struct ckpt_hdr_clone clone;
	struct ckpt_task_refs held;
	unsigned int nr_zombies;
	u32 tgid;
	u32 ppid;
	u32 pgid;
	u32 sid;
	char comm[16];
	struct list_head deferred;
	struct completion turn;
	struct completion done;
	int err;
	struct cred *cred;
	u32 exit_signal;
	u32 pdeath_signal;
	u32 dumpable;
	bool no_new_privs;
	bool seccomp_strict;
	u64 ax;
};

/**
 * struct ckpt_ns_state - the namespaces of an image
 * @new: CKPT_NS_* kinds of the tree's own namespaces
 * @external: CKPT_NS_* kinds of namespaces left out as external
 * @uts: restart: the tree's uts namespace, with %CKPT_NS_UTS
 * @ipc: the IPC_NS record of its ipc namespace, with %CKPT_NS_IPC
 * @net: restart: its network namespace, with %CKPT_NS_NET
 * @user: restart: its user namespace, with %CKPT_NS_USER
 * @ids: restart: the extents of its uid map, then of its gid map
 * @user_done: restart: the maps of the root's new user namespace are
 *	written (or failed to be)
 * @user_err: restart: why they could not be
 */
struct ckpt_ns_state {
	u32 new;
	u32 external;
	struct ckpt_hdr_uts_ns uts;
	struct ckpt_hdr_ipc_ns ipc;
	struct ckpt_hdr_net_ns net;
	struct ckpt_hdr_user_ns user;
	struct ckpt_id_extent *ids;
	struct completion user_done;
	int user_err;
};

/**
 * struct ckpt_ctx - state of one checkpoint or restart
 * @file: the image
 * @logfile: where log lines go, or NULL
 * @flags: flags of the system call
 * @restart: true when reading an image, false when writing one
 * @crc: running CRC32C of the stream (not yet inverted)
 * @crc_before: restart: @crc before the current record
 * @nr_records: records written or read so far
 * @bytes: bytes written or read so far
 * @buf: write buffer (checkpoint) or current record (restart)
 * @buf_used: bytes pending in @buf (checkpoint)
 * @buf_size: size of @buf
 * @unread: restart: the record in @buf is to be returned again
 * @obj_hash: checkpoint: kernel pointer -> object id
 * @obj_ids: restart: object id -> struct ckpt_obj
 * @next_objref: id the next new object gets
 * @hdr: restart: the image's header record
 * @root: checkpoint: the root of the tree being checkpointed
 * @task: checkpoint: the task being written
 * @tty: restart: the restarter's terminal, for the image's terminals
 * @rtask: restart: the task reading the image, or taking a step
 * @rtasks: restart: every task of the image read so far, in order
 * @rtasks_lock: protects @rtasks (the restarter walks it to kill them)
 * @nr_rtasks: restart: how many
 * @rpids: restart: image pid -> its struct ckpt_rtask
 * @step: restart: the step the restarter has the tasks take
 * @killed: restart: the restarter was killed, the tasks must stop
 * @caller_pgrp: restart: the restarter's process group (or the new pid
 *	namespace's, with %CKPT_RESTART_NEWPID), referenced
 * @ns_init: restart: the init of the new pid namespace, referenced
 * @logbuf: scratch buffer for log lines
 * @pid_ns: checkpoint: the pid namespace of the image's pids, referenced
 * @nsproxy: checkpoint: the root's namespaces, referenced
 * @user_ns: checkpoint: the user namespace of the tree's credentials,
 *	referenced: the image's ids are in it
 * @ns: the namespaces of the image
 * @ipc_objs: the SysV objects of the image (see ipc_ckpt_note())
 */
struct ckpt_ctx {
	struct file *file;
	struct file *logfile;
	unsigned long flags;
	bool restart;
	u32 crc;
	u32 crc_before;
	u32 nr_records;
	u64 bytes;
	void *buf;
	size_t buf_used;
	size_t buf_size;
	bool unread;
	DECLARE_HASHTABLE(obj_hash, 7);
	struct xarray obj_ids;
	u32 next_objref;
	struct ckpt_hdr_header hdr;
	struct task_struct *root;
	struct task_struct *task;
	struct file *tty;
	struct ckpt_rtask *rtask;
	struct list_head rtasks;
	spinlock_t rtasks_lock;		/* @rtasks, @killed */
	unsigned int nr_rtasks;
	struct xarray rpids;
	int step;
	bool killed;
	struct pid *caller_pgrp;
	struct task_struct *ns_init;
	char *logbuf;
	struct pid_namespace *pid_ns;
	struct nsproxy *nsproxy;
	struct user_namespace *user_ns;
	struct ckpt_ns_state ns;
	struct xarray ipc_objs;
};

/*
 * The pids of a checkpoint: in the pid namespace of the image, the
 * checkpointer's or the tree's own
 */
static inline pid_t ckpt_pid_nr(const struct ckpt_ctx *ctx, struct pid *pid)
{
	return pid_nr_ns(pid, ctx->pid_ns);
}

static inline pid_t ckpt_task_pid(const struct ckpt_ctx *ctx,
				  struct task_struct *t)
{
	return task_pid_nr_ns(t, ctx->pid_ns);
}

static inline pid_t ckpt_task_tgid(const struct ckpt_ctx *ctx,
				   struct task_struct *t)
{
	return task_tgid_nr_ns(t, ctx->pid_ns);
}

/**
 * ckpt_verify_only() - whether a restart only validates the image
 * @ctx: restart context
 *
 * Return: true for %CKPT_RESTART_VERIFY: the X_restore() functions then
 * check their records and build nothing.
 */
static inline bool ckpt_verify_only(const struct ckpt_ctx *ctx)
{
	return ctx->flags & CKPT_RESTART_VERIFY;
}

/* Logging: a line on the log fd, if any */
__printf(2, 3) void ckpt_log(struct ckpt_ctx *ctx, const char *fmt, ...);

/* Log a line and evaluate to @err */
#define ckpt_err(ctx, err, fmt, ...)					\
	({ int __err = (err);						\
	   ckpt_log(ctx, "error %d: " fmt, __err, ##__VA_ARGS__);	\
	   __err; })

/* Log a bad field of a record and evaluate to -EINVAL */
#define ckpt_bad(ctx, rec, field, fmt, ...)				\
	ckpt_err(ctx, -EINVAL, "%s record: bad " field " " fmt, rec,	\
		 ##__VA_ARGS__)

const char *ckpt_rec_name(u32 type);

/* Writing records (checkpoint) */
int ckpt_write(struct ckpt_ctx *ctx, const void *data, size_t len);
int ckpt_rec_begin(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		   size_t size, size_t payload);
int ckpt_rec_end(struct ckpt_ctx *ctx, const struct ckpt_hdr *h, size_t size,
		 size_t payload);
int ckpt_write_rec(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		   size_t size, const void *payload, size_t payload_len);

/**
 * ckpt_write_obj() - write a fixed-size record
 * @ctx: checkpoint context
 * @rec: pointer to the record struct, whose first member is a struct ckpt_hdr
 * @type: CKPT_HDR_* type
 */
#define ckpt_write_obj(ctx, rec, type)					\
	({ typeof(rec) __rec = (rec);					\
	   ckpt_write_rec(ctx, &__rec->h, type, sizeof(*__rec), NULL, 0); })

/* Object table (checkpoint) */
int ckpt_obj_lookup_add(struct ckpt_ctx *ctx, void *ptr,
			enum ckpt_obj_type type, u32 *objref);
bool ckpt_obj_find(struct ckpt_ctx *ctx, void *ptr, enum ckpt_obj_type type,
		   u32 *objref);
int ckpt_obj_for_each(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
		      int (*fn)(struct ckpt_ctx *ctx, void *ptr, u32 objref,
				unsigned int users));

/* Reading records (restart) */
struct ckpt_hdr *ckpt_read_rec(struct ckpt_ctx *ctx);
struct ckpt_hdr *ckpt_read_rec_type(struct ckpt_ctx *ctx, u32 type);
void ckpt_unread_rec(struct ckpt_ctx *ctx);
int ckpt_rec_payload(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
		     size_t size, size_t payload);
int ckpt_check_pad(struct ckpt_ctx *ctx, const void *pad, size_t len,
		   const char *what);
int ckpt_check_string(struct ckpt_ctx *ctx, const char *s, size_t len,
		      const char *what);

/* kernel/user_namespace_ckpt.c */
struct uid_gid_extent;
unsigned int userns_ckpt_read_map(struct user_namespace *ns, bool gid,
				  struct uid_gid_extent *ext);
int userns_ckpt_deny_setgroups(struct user_namespace *ns);
int userns_ckpt_write_map(struct user_namespace *ns, bool gid,
			  const struct uid_gid_extent *ext, unsigned int nr,
			  const struct cred *cred);

/* The struct pid a task of the image has after a restart, or NULL */
struct pid *ckpt_image_pid(struct ckpt_ctx *ctx, u32 nr);

/* Steps of a restore run once the whole image is read (restart) */
int ckpt_defer(struct ckpt_ctx *ctx, int (*run)(struct ckpt_ctx *, void *),
	       void (*release)(void *), void *data);

/* Object table (restart) */
int ckpt_obj_define(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type);
int ckpt_obj_insert(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type,
		    void *ptr);
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type);
int ckpt_obj_check(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type,
		   bool optional, const char *what);
int ckpt_obj_claim(struct ckpt_ctx *ctx, u32 objref, const char *what);

/* SysV IPC (ipc/ipc_ckpt.c, shm_ckpt.c, msg_ckpt.c, sem_ckpt.c) */
struct ipc_namespace;
struct kern_ipc_perm;
struct msg_msg;
struct vm_area_struct;
#ifdef CONFIG_SYSVIPC
void ipc_ckpt_count(struct ipc_namespace *ns, struct ckpt_hdr_ipc_ns *h);
int ipc_ckpt_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
		  const struct ckpt_hdr_ipc_ns *h);
int ipc_ckpt_load(struct ckpt_ctx *ctx);
int ipc_ckpt_note(struct ckpt_ctx *ctx, u32 type, u32 id, unsigned long val);
long ipc_ckpt_lookup(struct ckpt_ctx *ctx, u32 type, u32 id);
struct ipc_ids;
int ipc_ckpt_make(struct ckpt_ctx *ctx, struct ipc_ids *ids, const char *what,
		  u32 want, long (*get)(void *arg), void *arg);
int ipc_ckpt_shm_attached(struct ckpt_ctx *ctx, int id,
			  const struct ipc_namespace *ns);
int ipc_ckpt_finish(struct ckpt_ctx *ctx);
u32 ipc_ckpt_pid(struct ckpt_ctx *ctx, struct pid *pid);
void ipc_ckpt_perm_save(struct ckpt_ctx *ctx, const struct kern_ipc_perm *p,
			struct ckpt_ipc_perm *out);
int ipc_ckpt_perm_check(struct ckpt_ctx *ctx, const struct ckpt_ipc_perm *p,
			u32 more_mode, const char *rec);
int ipc_ckpt_perm_allowed(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
			  const struct ckpt_ipc_perm *p);
void ipc_ckpt_perm_set(struct kern_ipc_perm *ipcp,
		       const struct ckpt_ipc_perm *p, u32 keep_mode);
int ipc_ckpt_defer_pids(struct ckpt_ctx *ctx, u32 type, int id, u32 a, u32 b,
			const s64 *time);
int shm_ckpt_vma_id(struct vm_area_struct *vma,
		    const struct ipc_namespace **ns);
int shm_ckpt_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns, u32 nr);
int shm_ckpt_load(struct ckpt_ctx *ctx, u32 nr);
int shm_ckpt_attach(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *v);
void shm_ckpt_set_pids(struct ipc_namespace *ns, int id, struct pid *cpid,
		       struct pid *lpid, const s64 *time);
void msg_ckpt_text(const struct msg_msg *msg, void *buf);
struct msg_msg *msg_ckpt_alloc(const void *text, size_t len);
int msg_ckpt_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns, u32 nr);
int msg_ckpt_load(struct ckpt_ctx *ctx, u32 nr);
void msg_ckpt_set_pids(struct ipc_namespace *ns, int id, struct pid *lspid,
		       struct pid *lrpid);
int sem_ckpt_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns, u32 nr);
int sem_ckpt_load(struct ckpt_ctx *ctx, u32 nr);
int sem_ckpt_undo_save(struct ckpt_ctx *ctx, struct task_struct *t,
		       u32 *objref);
int sem_ckpt_undo_users(struct ckpt_ctx *ctx, void *ptr, u32 objref,
			unsigned int users);
void sem_ckpt_undo_put(void *ptr, struct ipc_namespace *ns);
int sem_ckpt_undo_load(struct ckpt_ctx *ctx,
		       const struct ckpt_hdr_sem_undo *u);
int sem_ckpt_undo_take(struct ckpt_ctx *ctx, u32 objref);
#else
/* Without SysV IPC a namespace has no objects, and a task no undo list */
static inline void ipc_ckpt_count(struct ipc_namespace *ns,
				  struct ckpt_hdr_ipc_ns *h)
{
}

static inline int ipc_ckpt_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
				const struct ckpt_hdr_ipc_ns *h)
{
	return 0;
}

static inline int ipc_ckpt_load(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_ipc_ns *h = &ctx->ns.ipc;

	if (h->nr_shm || h->nr_msq || h->nr_sem)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"IPC_NS record: SysV objects, and no CONFIG_SYSVIPC");
	return 0;
}

static inline int shm_ckpt_vma_id(struct vm_area_struct *vma,
				  const struct ipc_namespace **ns)
{
	return -1;
}

static inline int ipc_ckpt_shm_attached(struct ckpt_ctx *ctx, int id,
					const struct ipc_namespace *ns)
{
	return -EOPNOTSUPP;
}

static inline int ipc_ckpt_finish(struct ckpt_ctx *ctx)
{
	return 0;
}

static inline long ipc_ckpt_lookup(struct ckpt_ctx *ctx, u32 type, u32 id)
{
	return -1;
}

static inline int shm_ckpt_attach(struct ckpt_ctx *ctx,
				  const struct ckpt_hdr_vma *v)
{
	return -EOPNOTSUPP;
}

static inline int sem_ckpt_undo_save(struct ckpt_ctx *ctx,
				     struct task_struct *t, u32 *objref)
{
	*objref = 0;
	return 0;
}

static inline int sem_ckpt_undo_users(struct ckpt_ctx *ctx, void *ptr,
				      u32 objref, unsigned int users)
{
	return 0;
}

static inline void sem_ckpt_undo_put(void *ptr, struct ipc_namespace *ns)
{
}

static inline int sem_ckpt_undo_load(struct ckpt_ctx *ctx,
				     const struct ckpt_hdr_sem_undo *u)
{
	return ckpt_err(ctx, -EOPNOTSUPP,
			"SEM_UNDO record, and no CONFIG_SYSVIPC");
}

static inline int sem_ckpt_undo_take(struct ckpt_ctx *ctx, u32 objref)
{
	return objref ? -EINVAL : 0;
}
#endif

/* Per-subsystem hooks: checkpoint writes, restore validates for now */
int cap_cred_checkpoint(struct ckpt_ctx *ctx, const struct cred *cred,
			u32 *objref);
int cap_cred_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_cred *h);

int posix_timers_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			    struct ckpt_hdr_posix_timer **recs, u32 *nr,
			    u32 *next_id);
int posix_timer_check(struct ckpt_ctx *ctx,
		      const struct ckpt_hdr_posix_timer *h);
int posix_timer_restore(struct ckpt_ctx *ctx,
			const struct ckpt_hdr_posix_timer *h, pid_t tid);

int arch_ckpt_check_task(struct ckpt_ctx *ctx, struct task_struct *t);
int arch_cpu_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t);
int arch_cpu_restore(struct ckpt_ctx *ctx);
int arch_restart_finish(struct ckpt_ctx *ctx);
int arch_ckpt_header(struct ckpt_hdr_header *h);
int arch_ckpt_check_header(struct ckpt_ctx *ctx, const struct ckpt_hdr_header *h);

int mm_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t, u32 *objref);
int mm_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_mm *h);

bool ckpt_tty_major(unsigned int major);
int file_checkpoint(struct ckpt_ctx *ctx, struct file *file, u32 *objref);
int file_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h);
int files_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t, u32 *objref);
int files_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_files *h);
int fs_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t, u32 *objref);
int fs_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_fs *h);
int file_checkpoint_finish(struct ckpt_ctx *ctx);
bool file_obj_rec(u32 type);
int file_obj_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr *h);
int file_restore_mode(struct ckpt_ctx *ctx, struct file *file, u32 mode,
		      const char *what);

int pipe_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		    const char *path, u32 *objref);
int pipe_checkpoint_finish(struct ckpt_ctx *ctx);
int pipe_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_pipe *h);
struct file *pipe_reopen(struct ckpt_ctx *ctx, u32 pipe_ref, int flags);
struct file *fifo_reopen(struct ckpt_ctx *ctx, u32 pipe_ref, const char *path,
			 int flags);

int anon_file_kind(struct file *file, u32 *kind);
int anon_checkpoint(struct ckpt_ctx *ctx, struct file *file, u32 kind,
		    const char *who, u32 *objref);
int anon_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr *h);

int locks_checkpoint_collect(struct ckpt_ctx *ctx, struct files_struct *owner,
			     struct file **files, unsigned int nr_files,
			     struct ckpt_lock **locksp, unsigned int *nrp);
int locks_checkpoint_write(struct ckpt_ctx *ctx, const struct ckpt_lock *locks,
			   unsigned int nr);
int locks_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr *rec);

bool memfd_ckpt_file(struct file *file);
int memfd_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		     u32 *objref);
int memfd_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_memfd *h);

bool epoll_ckpt_file(struct file *file);
int epoll_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		     u32 *objref);
int epoll_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_epoll *h);

#ifdef CONFIG_INOTIFY_USER
bool inotify_ckpt_file(struct file *file);
int inotify_checkpoint(struct ckpt_ctx *ctx, struct file *file,
		       const char *who, u32 *objref);
int inotify_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_inotify *h);
#else
static inline bool inotify_ckpt_file(struct file *file)
{
	return false;
}

static inline int inotify_checkpoint(struct ckpt_ctx *ctx, struct file *file,
				     const char *who, u32 *objref)
{
	return -EOPNOTSUPP;
}

static inline int inotify_restore(struct ckpt_ctx *ctx,
				  const struct ckpt_hdr_inotify *h)
{
	return ckpt_err(ctx, -EOPNOTSUPP,
			"inotify %u: this kernel has no inotify", h->objref);
}
#endif

bool ghost_ckpt_file(struct file *file);
int ghost_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		     u32 *objref);
int ghost_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_ghost *h);

bool pty_ckpt_file(struct ckpt_ctx *ctx, struct file *file);
int pty_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		   u32 *objref);
int pty_checkpoint_finish(struct ckpt_ctx *ctx);
int pty_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_pty *h);
int pty_check_file(struct ckpt_ctx *ctx, u32 rdev, u32 flags);
struct file *pty_reopen(struct ckpt_ctx *ctx, u32 pty_ref, u32 rdev,
			int flags);

struct path;
char *file_ckpt_path(struct ckpt_ctx *ctx, const struct path *path, char *buf,
		     const char *who);
int file_check_path(struct ckpt_ctx *ctx, const char *path, u32 len,
		    const char *what);
int file_data_checkpoint(struct ckpt_ctx *ctx, struct file *rd, loff_t size,
			 u32 *nr, bool write);
int file_data_restore(struct ckpt_ctx *ctx, u32 nr_data, u64 size, u32 objref,
		      struct file *file);
struct file *anon_reopen(struct ckpt_ctx *ctx, u32 kind, u32 obj_ref,
			 int flags);

/*
 * Setting a resource limit and an interval timer as setrlimit(2) and
 * setitimer(2) do (kernel/sys.c, kernel/time/itimer.c)
 */
struct itimerspec64;
int do_prlimit(struct task_struct *tsk, unsigned int resource,
	       struct rlimit *new_rlim, struct rlimit *old_rlim);
int do_setitimer(int which, struct itimerspec64 *value,
		 struct itimerspec64 *ovalue);

/**
 * struct ckpt_futex_wait - a futex wait interrupted with a restart block
 * @uaddr: the futex, a 32-bit word
 * @left_ns: time left before its timeout
 * @val: the value it waits for
 * @bitset: its bitset
 * @clockid: CLOCK_MONOTONIC or CLOCK_REALTIME, the clock of the timeout
 * @shared: a shared futex (keyed on the page), not a private one
 */
struct ckpt_futex_wait {
	u64 uaddr;
	u64 left_ns;
	u32 val;
	u32 bitset;
	u32 clockid;
	bool shared;
};

struct restart_block;
#ifdef CONFIG_FUTEX
bool futex_ckpt_is_wait(const struct restart_block *rb);
int futex_ckpt_save(const struct restart_block *rb, struct ckpt_futex_wait *fw);
void futex_ckpt_restore(struct restart_block *rb,
			const struct ckpt_futex_wait *fw);
#else
static inline bool futex_ckpt_is_wait(const struct restart_block *rb)
{
	return false;
}

static inline int futex_ckpt_save(const struct restart_block *rb,
				  struct ckpt_futex_wait *fw)
{
	return -EOPNOTSUPP;
}

static inline void futex_ckpt_restore(struct restart_block *rb,
				      const struct ckpt_futex_wait *fw)
{
}
#endif

/* Restart functions of interrupted calls (kernel/time/hrtimer.c, fs/select.c) */
long hrtimer_nanosleep_restart(struct restart_block *restart);
long do_restart_poll(struct restart_block *restart_block);

#endif /* _LINUX_CHECKPOINT_H */
