// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the system calls.
 */

#include <linux/build_bug.h>
#include <linux/checkpoint.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/user_namespace.h>

#include "checkpoint.h"

/* The image format must not depend on the architecture or compiler */
static void __init build_check_abi(void)
{
	BUILD_BUG_ON(sizeof(struct ckpt_hdr) != 8);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_header) != 128);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_tail) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_clone) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_task) != 160);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_cred) != 96);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_sched) != 48);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_cpu) != 256);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_xstate) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_file) != 48);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_files) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_fd) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_fs) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_pipe) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_pipe_buf) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_eventfd) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_signalfd) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_timerfd) != 48);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_file_lock) != 40);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_memfd) != 40);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_file_data) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_epoll) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_epoll_item) != 32);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_ghost) != 32);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_inotify) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_inotify_watch) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_inotify_event) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_pty_termios) != 48);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_pty) != 128);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_pty_data) != 32);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_pty_data) + CKPT_PTY_FLIP_MAX >
		     CKPT_RECORD_MAX);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_file_data) +
		     CKPT_FILE_DATA_MAX > CKPT_RECORD_MAX);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_mm) != 112);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_vma) != 48);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_pages) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_sigaction) != 32);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_sighand) != 16 + 32 * CKPT_NSIG);
	BUILD_BUG_ON(sizeof(struct ckpt_rlimit) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_sigpending) != 144);
	BUILD_BUG_ON(sizeof(struct ckpt_itimer) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_ns) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_uts_ns) != 144);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_ipc_ns) != 72);
	BUILD_BUG_ON(sizeof(struct ckpt_ipc_perm) != 32);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_shm) != 88);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_msq) != 88);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_msg) != 24);
	BUILD_BUG_ON(sizeof(struct ckpt_sem) != 8);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_sem) != 64);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_sem_undo) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_sem_adj) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_id_extent) != 12);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_user_ns) != 24);
	BUILD_BUG_ON(CKPT_ID_EXTENTS_MAX != UID_GID_MAP_MAX_EXTENTS);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_msg) + CKPT_MSG_MAX >
		     CKPT_RECORD_MAX);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_sem) +
		     CKPT_SEMS_MAX * sizeof(struct ckpt_sem) > CKPT_RECORD_MAX);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_net_ns) != 16);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_signal) !=
		     32 + 16 * CKPT_RLIM_NLIMITS + 16 * CKPT_NR_ITIMERS);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_posix_timer) != 80);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_sched) +
		     CKPT_CPUS_MAX / 8 > CKPT_RECORD_MAX);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_pages) +
		     CKPT_PAGES_MAX * PAGE_SIZE > CKPT_RECORD_MAX);
	BUILD_BUG_ON(sizeof(struct ckpt_hdr_file) +
		     CKPT_PATH_MAX > CKPT_RECORD_MAX);
}

static int __init ckpt_init(void)
{
	build_check_abi();
	return 0;
}
late_initcall(ckpt_init);

static void ckpt_ctx_free(struct ckpt_ctx *ctx)
{
	ckpt_rtasks_free(ctx);
	ckpt_obj_table_free(ctx);
	if (ctx->logfile)
		fput(ctx->logfile);
	if (ctx->tty)
		fput(ctx->tty);
	if (ctx->ns_init)
		put_task_struct(ctx->ns_init);
	put_pid(ctx->caller_pgrp);
	ckpt_ns_release(ctx);
	xa_destroy(&ctx->ipc_objs);
	kvfree(ctx->ns.ids);
	kfree(ctx->logbuf);
	kvfree(ctx->buf);
	kfree(ctx);
}

static struct ckpt_ctx *ckpt_ctx_alloc(unsigned long flags, int logfd,
				       bool restart)
{
	struct ckpt_ctx *ctx;
	int ret = -ENOMEM;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ctx->flags = flags;
	ctx->restart = restart;
	ctx->crc = ~0U;
	ctx->next_objref = 1;
	hash_init(ctx->obj_hash);
	xa_init(&ctx->obj_ids);
	INIT_LIST_HEAD(&ctx->rtasks);
	spin_lock_init(&ctx->rtasks_lock);
	xa_init(&ctx->rpids);
	xa_init(&ctx->ipc_objs);
	init_completion(&ctx->ns.user_done);

	ctx->buf_size = restart ? CKPT_RECORD_MAX : CKPT_WBUF_SIZE;
	ctx->buf = kvmalloc(ctx->buf_size, GFP_KERNEL);
	if (!ctx->buf)
		goto free_ctx;
	if (logfd != -1) {
		ret = -EBADF;
		ctx->logfile = fget(logfd);
		if (!ctx->logfile)
			goto free_ctx;
		if (!(ctx->logfile->f_mode & FMODE_WRITE))
			goto free_ctx;
		ret = -ENOMEM;
		ctx->logbuf = kmalloc(CKPT_LOG_LINE, GFP_KERNEL);
		if (!ctx->logbuf)
			goto free_ctx;
	}
	return ctx;

free_ctx:
	ckpt_ctx_free(ctx);
	return ERR_PTR(ret);
}

/* A checkpoint or restart cut short by a signal is not restarted */
static long ckpt_ret(long ret)
{
	switch (ret) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return -EINTR;
	}
	return ret;
}

/**
 * sys_checkpoint - write the state of a stopped task to a file
 * @pid: the task, in the caller's pid namespace
 * @fd: where the image goes (a file, pipe or socket open for writing)
 * @flags: none defined yet, must be 0
 * @logfd: -1, or a file open for writing that receives a readable log
 *
 * The task and its descendants, threads included, must be stopped by
 * a signal or ptrace, or frozen by the cgroup v2 freezer; they are left
 * as they were.
 * The caller needs the right to ptrace it (PTRACE_MODE_ATTACH_REALCREDS).
 *
 * Return: 0 on success, else: -EINVAL for unknown @flags or @logfd
 * naming the image file itself; -EBADF if @fd or @logfd is not an
 * open file, or not open for writing; -ESRCH if there is no task @pid;
 * -EPERM if it is a kernel thread or the caller may not ptrace it;
 * -EBUSY if it is not stopped or frozen, is exiting, runs during the
 * checkpoint, is in another checkpoint, or shares its mm, fd table, fs
 * state or signal handlers with a task outside the checkpoint;
 * -EOPNOTSUPP if it has state that cannot be saved yet (a kind of
 * file, a timer on a CPU-time clock...), named on the log; -EIO if a
 * page was lost to a memory error or the image file takes no data;
 * -EINTR if a fatal signal interrupted the call; -ENOMEM; or the error
 * of a write to @fd.
 */
SYSCALL_DEFINE4(checkpoint, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	struct ckpt_ctx *ctx;
	struct fd f;
	long ret;

	if (flags & ~CKPT_CHECKPOINT_FLAGS)
		return -EINVAL;
	ctx = ckpt_ctx_alloc(flags, logfd, false);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	f = fdget_pos(fd);
	ret = -EBADF;
	if (fd_empty(f))
		goto free_ctx;
	if (!(fd_file(f)->f_mode & FMODE_WRITE))
		goto put_fd;
	ctx->file = fd_file(f);
	ret = -EINVAL;
	if (ctx->file == ctx->logfile)
		goto put_fd;

	ckpt_log(ctx, "checkpoint: pid %d", pid);
	ret = ckpt_do_checkpoint(ctx, pid);
	if (ret)
		ckpt_log(ctx, "checkpoint: failed with error %ld", ret);
	else
		ckpt_log(ctx, "checkpoint: done, %u records, %llu bytes",
			 ctx->nr_records, ctx->bytes);
put_fd:
	fdput_pos(f);
free_ctx:
	ckpt_ctx_free(ctx);
	return ckpt_ret(ret);
}

/**
 * sys_restart - restart a tree of tasks from an image
 * @pid: reserved, must be 0
 * @fd: the image (a file, pipe or socket open for reading)
 * @flags: CKPT_RESTART_* flags
 * @logfd: -1, or a file open for writing that receives a readable log
 *
 * Creates the tasks of the image, the root as a new child of the
 * caller, the others as children (or threads) of their parents; each
 * rebuilds itself from the image in the kernel, before it first
 * returns to user space, and then they all carry on where they were
 * checkpointed.  They get new pids, or with %CKPT_RESTART_PIDS the
 * image's.  With %CKPT_RESTART_NEWPID they are made in a new pid
 * namespace, with the image's pids there: the caller's child is then
 * the init of that namespace, the root's parent, which exits with the
 * root's status once the namespace is empty.  Each task is rebuilt
 * with the caller's credentials and takes the image's last, only if
 * the caller could give them to itself.
 *
 * With %CKPT_RESTART_VERIFY, reads the whole image and validates it
 * (framing, header, every record, object references, checksum)
 * without restoring anything.
 *
 * Return: the pid of the new child (0 with %CKPT_RESTART_VERIFY), else:
 * -EINVAL for unknown @flags, a nonzero @pid, or a malformed image
 * (the reason is on the log); -EBADMSG if only the checksum is wrong;
 * -EBADF if @fd or @logfd is not an open file, or not open the right
 * way; -EPERM if the image has ids, groups, capabilities or
 * securebits the caller could not take, or lacks the caller's
 * no_new_privs, %CKPT_RESTART_PIDS without CAP_CHECKPOINT_RESTORE
 * in the pid namespace, or %CKPT_RESTART_NEWPID without CAP_SYS_ADMIN;
 * -EBUSY if a pid is taken; -ENOENT (or the
 * error of the open) if a file of the image cannot be opened; -EINTR
 * if a fatal signal interrupted the call or killed a task being made;
 * -ENOMEM; or the error of a read from @fd.  On failure no task is left
 * behind.
 */
SYSCALL_DEFINE4(restart, pid_t, pid, int, fd, unsigned long, flags,
		int, logfd)
{
	struct ckpt_ctx *ctx;
	struct fd f;
	long ret;

	if (flags & ~CKPT_RESTART_FLAGS || pid)
		return -EINVAL;
	ctx = ckpt_ctx_alloc(flags, logfd, true);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	f = fdget_pos(fd);
	ret = -EBADF;
	if (fd_empty(f))
		goto free_ctx;
	if (!(fd_file(f)->f_mode & FMODE_READ))
		goto put_fd;
	ctx->file = fd_file(f);

	if (!(flags & CKPT_RESTART_VERIFY)) {
		ckpt_log(ctx, "restart: restoring the image");
		ret = ckpt_do_restart(ctx);
		if (ret < 0)
			ckpt_log(ctx, "restart: failed with error %ld", ret);
		else
			ckpt_log(ctx, "restart: pid %ld, %u records, %llu bytes",
				 ret, ctx->nr_records, ctx->bytes);
		goto put_fd;
	}
	ckpt_log(ctx, "restart: verifying the image");
	ret = ckpt_do_verify(ctx);
	if (ret)
		ckpt_log(ctx, "restart: invalid image, error %ld", ret);
	else
		ckpt_log(ctx, "restart: image valid, %u records, %llu bytes",
			 ctx->nr_records, ctx->bytes);
put_fd:
	fdput_pos(f);
free_ctx:
	ckpt_ctx_free(ctx);
	return ckpt_ret(ret);
}
