// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the restart driver.
 *
 * Reads an image record by record and hands each to the subsystem it
 * belongs to, which checks every field before it uses it.  With
 * CKPT_RESTART_VERIFY that is all; otherwise the caller forks a child
 * that reads the image and rebuilds itself from it, in kernel mode,
 * before it first returns to user space.  The child still runs with
 * the caller's credentials while it opens files and maps memory, and
 * takes the image's credentials last, once the caller is found to be
 * allowed to give them.  A child that fails dies before it runs any
 * user code, and the caller reaps it: nothing is left behind.
 */

#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/threads.h>
#include <linux/sched/coredump.h>
#include <linux/seccomp.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <uapi/linux/wait.h>

#include "checkpoint.h"

static int ckpt_read_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header *h;
	int ret;

	h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_HEADER);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->magic != CKPT_MAGIC)
		return ckpt_err(ctx, -EINVAL, "header: bad magic %#llx",
				h->magic);
	if (h->version != CKPT_VERSION)
		return ckpt_err(ctx, -EINVAL,
				"header: format version %u, this kernel reads %u",
				h->version, CKPT_VERSION);
	if (h->page_size != PAGE_SIZE)
		return ckpt_err(ctx, -EINVAL, "header: page size %u, not %lu",
				h->page_size, PAGE_SIZE);
	if (h->flags & ~CKPT_CHECKPOINT_FLAGS)
		return ckpt_err(ctx, -EINVAL, "header: unknown flags %#x",
				h->flags);
	if (!h->pid || h->pid > PID_MAX_LIMIT)
		return ckpt_err(ctx, -EINVAL, "header: bad pid %u", h->pid);
	ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad), "header");
	if (ret)
		return ret;
	if (h->nr_tasks != 1)
		return ckpt_err(ctx, -EINVAL,
				"header: %u tasks, only single-task images are supported",
				h->nr_tasks);
	if (!memchr(h->release, 0, sizeof(h->release)))
		return ckpt_err(ctx, -EINVAL, "header: release not terminated");
	ret = arch_ckpt_check_header(ctx, h);
	if (ret)
		return ret;
	ctx->hdr = *h;
	ckpt_log(ctx, "restart: image of %s, written by kernel %s",
		 "x86_64", h->release);
	return 0;
}

static int ckpt_read_tail(struct ckpt_ctx *ctx, struct ckpt_hdr_tail *h,
			  u32 nr_tasks)
{
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->nr_records != ctx->nr_records - 1)
		return ckpt_err(ctx, -EINVAL,
				"tail: %u records announced, %u read",
				h->nr_records, ctx->nr_records - 1);
	if (nr_tasks != ctx->hdr.nr_tasks)
		return ckpt_err(ctx, -EINVAL,
				"tail: %u tasks announced, %u read",
				ctx->hdr.nr_tasks, nr_tasks);
	if (h->crc32c != ~ctx->crc_before)
		return ckpt_err(ctx, -EBADMSG,
				"tail: checksum %#x, image has %#x",
				h->crc32c, ~ctx->crc_before);
	return 0;
}

/* One task: its record, then its scheduling, pending signals and CPU */
static int ckpt_read_task(struct ckpt_ctx *ctx, struct ckpt_hdr_task *h)
{
	int ret;

	if (h->pid != ctx->hdr.pid)
		return ckpt_err(ctx, -EINVAL, "task: pid %u, header says %u",
				h->pid, ctx->hdr.pid);

	ret = ckpt_task_restore(ctx, h);
	if (!ret)
		ret = ckpt_sched_restore(ctx);
	if (!ret)
		ret = ckpt_sigpending_restore(ctx);
	if (ret)
		return ret;
	return arch_cpu_restore(ctx);
}

/* Every record after the header, up to and including the tail */
static int ckpt_read_records(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr *h;
	u32 nr_tasks = 0;
	int ret;

	for (;;) {
		h = ckpt_read_rec(ctx);
		if (IS_ERR(h))
			return PTR_ERR(h);
		if (file_obj_rec(h->type)) {
			ret = file_obj_restore(ctx, h);
			if (ret)
				return ret;
			continue;
		}
		switch (h->type) {
		case CKPT_HDR_CRED:
			ret = cap_cred_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_SIGHAND:
			ret = ckpt_sighand_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_SIGNAL:
			ret = ckpt_signal_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_FS:
			ret = fs_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_FILES:
			ret = files_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_MM:
			ret = mm_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_TASK:
			if (nr_tasks == ctx->hdr.nr_tasks)
				return ckpt_err(ctx, -EINVAL,
						"more tasks than the %u announced",
						ctx->hdr.nr_tasks);
			ret = ckpt_read_task(ctx, (void *)h);
			nr_tasks++;
			break;
		case CKPT_HDR_TAIL:
			return ckpt_read_tail(ctx, (void *)h, nr_tasks);
		default:
			ret = ckpt_err(ctx, -EINVAL,
				       "record %u: %s record out of place",
				       ctx->nr_records - 1,
				       ckpt_rec_name(h->type));
		}
		if (ret)
			return ret;
	}
}

/**
 * ckpt_do_verify() - validate the image in ctx->file
 * @ctx: restart context
 *
 * Return: 0 for a valid image, -EINVAL for a malformed one, -EBADMSG
 * for a checksum mismatch, or the error of a read.
 */
int ckpt_do_verify(struct ckpt_ctx *ctx)
{
	int ret;

	ret = ckpt_read_header(ctx);
	if (!ret)
		ret = ckpt_read_records(ctx);
	return ret;
}

/* A step of the restore that waits for the whole image: ckpt_defer() */
struct ckpt_deferred {
	struct list_head list;
	int (*run)(struct ckpt_ctx *ctx, void *data);
	void (*release)(void *data);
	void *data;
};

/**
 * ckpt_defer() - run a step of a restore once the whole image is read
 * @ctx: restart context
 * @run: the step; its error fails the restart
 * @release: frees @data, whether @run ran or not
 * @data: what @run and @release are given
 *
 * For state that the rest of the restore would disturb: the watches of
 * an inotify file would report the opening of the files restored after
 * it.  The steps run in the order they were deferred, in the task being
 * rebuilt, before it takes the image's credentials.
 *
 * Return: 0, or -ENOMEM, after calling @release.
 */
int ckpt_defer(struct ckpt_ctx *ctx, int (*run)(struct ckpt_ctx *, void *),
	       void (*release)(void *), void *data)
{
	struct ckpt_deferred *d;

	d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		release(data);
		return -ENOMEM;
	}
	d->run = run;
	d->release = release;
	d->data = data;
	list_add_tail(&d->list, &ctx->deferred);
	return 0;
}

/* Free the deferred steps, having run them in order until one failed */
static int ckpt_deferred_put(struct ckpt_ctx *ctx, bool run)
{
	struct ckpt_deferred *d, *tmp;
	int ret = 0;

	list_for_each_entry_safe(d, tmp, &ctx->deferred, list) {
		if (run && !ret)
			ret = d->run(ctx, d->data);
		list_del(&d->list);
		d->release(d->data);
		kfree(d);
	}
	return ret;
}

/**
 * ckpt_deferred_free() - free the steps of ckpt_defer() without running them
 * @ctx: restart context
 */
void ckpt_deferred_free(struct ckpt_ctx *ctx)
{
	ckpt_deferred_put(ctx, false);
}

/* The last steps, once the whole image has been read and checked */
static int ckpt_restart_finish(struct ckpt_ctx *ctx)
{
	struct ckpt_rtask *rt = ctx->rtask;
	int ret;

	if (WARN_ON_ONCE(!rt->cred))
		return -EINVAL;
	commit_creds(get_new_cred(rt->cred));
	/* Taking credentials other than the restarter's reset these two */
	current->pdeath_signal = rt->pdeath_signal;
	set_dumpable(current->mm, rt->dumpable);
	write_lock_irq(&tasklist_lock);
	current->exit_signal = rt->exit_signal;
	write_unlock_irq(&tasklist_lock);
	ret = arch_restart_finish(ctx);
	/* Last: only its next system calls are filtered */
	if (!ret && rt->seccomp_strict) {
		ret = prctl_set_seccomp(SECCOMP_MODE_STRICT, NULL);
		if (ret)
			ckpt_err(ctx, ret, "task: cannot enter seccomp strict mode");
	}
	return ret;
}

/*
 * The child: rebuilds itself from the image, then returns to user
 * space through ret_from_fork() as the checkpointed task.  It must not
 * touch @arg once it has completed rt->done: the caller frees it.
 */
static int ckpt_restart_child(void *arg)
{
	struct ckpt_ctx *ctx = arg;
	struct ckpt_rtask *rt = ctx->rtask;
	int ret;

	ret = ckpt_read_records(ctx);
	/* The deferred steps run if all went well, and are freed anyway */
	ret = ckpt_deferred_put(ctx, !ret) ?: ret;
	if (!ret)
		ret = ckpt_restart_finish(ctx);
	rt->err = ret;
	complete(&rt->done);
	if (ret)
		do_exit(SIGKILL);
	return 0;
}

/* The caller's terminal, from its standard fds, for the image's ttys */
static struct file *ckpt_caller_tty(void)
{
	struct file *file;
	unsigned int fd;

	for (fd = 0; fd < 3; fd++) {
		file = fget(fd);
		if (!file)
			continue;
		if (S_ISCHR(file_inode(file)->i_mode) &&
		    ckpt_tty_major(imajor(file_inode(file))))
			return file;
		fput(file);
	}
	return NULL;
}

/**
 * ckpt_do_restart() - restart the task of the image in ctx->file
 * @ctx: restart context
 *
 * Return: the pid of the new task, a child of the caller, or a
 * negative errno; see sys_restart().
 */
int ckpt_do_restart(struct ckpt_ctx *ctx)
{
	struct kernel_clone_args args = {
		.flags = CLONE_UNTRACED,
		.exit_signal = 0,	/* set once the task is rebuilt */
		.fn = ckpt_restart_child,
		.fn_arg = ctx,
	};
	struct ckpt_rtask *rt;
	pid_t pid, want = 0;
	int ret;

	ret = ckpt_read_header(ctx);
	if (ret)
		return ret;
	if (ctx->flags & CKPT_RESTART_PIDS) {
		/* The image's pid: the first task record comes later */
		want = ctx->hdr.pid;
		args.set_tid = &want;
		args.set_tid_size = 1;
	}
	rt = kzalloc(sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return -ENOMEM;
	init_completion(&rt->done);
	ctx->rtask = rt;
	ctx->tty = ckpt_caller_tty();

	pid = kernel_clone(&args);
	if (pid == -EEXIST)
		pid = ckpt_err(ctx, -EBUSY, "restart: pid %d is taken", want);
	else if (pid == -EPERM && args.set_tid)
		pid = ckpt_err(ctx, -EPERM,
			       "restart: keeping pid %d needs CAP_CHECKPOINT_RESTORE",
			       want);
	if (pid < 0) {
		ret = ckpt_err(ctx, pid, "restart: cannot create the task");
		goto free;
	}
	if (wait_for_completion_killable(&rt->done)) {
		struct pid *child = find_get_pid(pid);

		kill_pid(child, SIGKILL, 1);
		put_pid(child);
		wait_for_completion(&rt->done);
		rt->err = rt->err ?: -EINTR;
	}
	ret = rt->err;
	if (ret) {
		/* It exits without running user code: reap it */
		kernel_wait4(pid, NULL, __WALL, NULL);
		goto free;
	}
	ret = pid;
free:
	ctx->rtask = NULL;
	kfree(rt);
	return ret;
}
