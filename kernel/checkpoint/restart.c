// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the restart driver.
 *
 * Reads an image record by record and hands each to the subsystem it
 * belongs to, which checks every field before it uses it.  With
 * CKPT_RESTART_VERIFY that is all; otherwise the caller forks the root
 * task of the image, which reads its own records and rebuilds itself
 * from them, in kernel mode, before it first returns to user space;
 * it forks each of its children when their CLONE record comes, and the
 * child reads on (its records, its own children's) until a record that
 * belongs to an ancestor hands the image back.  One task reads at a
 * time.  The tasks still run with the caller's credentials while they
 * open files and map memory.
 *
 * Once the whole image is read and checked, the caller has the tasks
 * take their last steps, one at a time in stream order: make their
 * zombie children, join their process groups, run their deferred
 * steps (ckpt_defer()) and take the image's credentials, which the
 * caller was found allowed to give.  Only when every task has got that
 * far do they all return to user space.  If one fails, each task reaps
 * its children and dies before running any user code, and the caller
 * reaps the root: nothing is left behind.
 */

#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/pid.h>
#include <linux/threads.h>
#include <linux/security.h>
#include <linux/syscalls.h>
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
	if (!h->nr_tasks || h->nr_tasks > CKPT_TASKS_MAX)
		return ckpt_err(ctx, -EINVAL, "header: bad task count %u",
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

/* The task of the image with pid @pid, once read; NULL if none */
struct ckpt_rtask *ckpt_rtask_of(struct ckpt_ctx *ctx, u32 pid)
{
	return xa_load(&ctx->rpids, pid);
}

/**
 * ckpt_image_pid() - the restored task of a pid of the image
 * @ctx: restart context, every task made
 * @nr: a pid of the image, or 0
 *
 * Return: its struct pid, or NULL if no task of the image had it.
 */
struct pid *ckpt_image_pid(struct ckpt_ctx *ctx, u32 nr)
{
	struct ckpt_rtask *rt = nr ? ckpt_rtask_of(ctx, nr) : NULL;

	return rt ? rt->pid : NULL;
}

static struct ckpt_rtask *ckpt_root(struct ckpt_ctx *ctx)
{
	return list_first_entry(&ctx->rtasks, struct ckpt_rtask, list);
}

/*
 * Every process group must exist when its members join it: its own
 * leader's, one led by a task of the image in the same session, or
 * the root's when the root does not lead it (the restarter's group).
 */
static int ckpt_check_pgrps(struct ckpt_ctx *ctx)
{
	struct ckpt_rtask *root = ckpt_root(ctx), *rt, *leader;

	list_for_each_entry(rt, &ctx->rtasks, list) {
		if (rt->pgid == rt->clone.pid || rt == root ||
		    rt->clone.flags & CKPT_CLONE_THREAD)
			continue;
		leader = ckpt_rtask_of(ctx, rt->pgid);
		if (leader) {
			if (leader->pgid != leader->clone.pid ||
			    leader->sid != rt->sid)
				return ckpt_err(ctx, -EINVAL,
						"task %u: process group %u is not led by task %u in its session",
						rt->clone.pid, rt->pgid, rt->pgid);
			continue;
		}
		if (rt->pgid != root->pgid || root->pgid == root->clone.pid ||
		    rt->sid != root->sid)
			return ckpt_err(ctx, -EINVAL,
					"task %u: process group %u has no leader",
					rt->clone.pid, rt->pgid);
	}
	return 0;
}

static int ckpt_read_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail *h;
	int ret;

	h = (void *)ckpt_read_rec(ctx);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->h.type != CKPT_HDR_TAIL)
		return ckpt_err(ctx, -EINVAL,
				"record %u: %s record out of place",
				ctx->nr_records - 1, ckpt_rec_name(h->h.type));
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->nr_records != ctx->nr_records - 1)
		return ckpt_err(ctx, -EINVAL,
				"tail: %u records announced, %u read",
				h->nr_records, ctx->nr_records - 1);
	if (ctx->nr_rtasks != ctx->hdr.nr_tasks)
		return ckpt_err(ctx, -EINVAL,
				"tail: %u tasks announced, %u read",
				ctx->hdr.nr_tasks, ctx->nr_rtasks);
	if (h->crc32c != ~ctx->crc_before)
		return ckpt_err(ctx, -EBADMSG,
				"tail: checksum %#x, image has %#x",
				h->crc32c, ~ctx->crc_before);
	return ckpt_check_pgrps(ctx);
}

/* The wait status of a zombie: exited (code << 8), or killed (signal) */
static bool ckpt_exit_code_ok(u32 code)
{
	u32 sig = code & 0x7f;

	if (code & ~0xffffU)
		return false;
	if (!sig)
		return !(code & 0x80);
	return sig <= CKPT_NSIG && !(code & 0xff00);
}

/*
 * The task a CLONE record begins, a child of @parent (NULL for the
 * root): checked, noted under its pid, holding what it shares with
 * its parent
 */
static struct ckpt_rtask *ckpt_rtask_new(struct ckpt_ctx *ctx,
					 struct ckpt_rtask *parent,
					 const struct ckpt_hdr_clone *h)
{
	u32 zombie = h->flags & CKPT_CLONE_ZOMBIE;
	struct ckpt_rtask *rt;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ERR_PTR(ret);
	if (!h->pid || h->pid > PID_MAX_LIMIT)
		return ERR_PTR(ckpt_err(ctx, -EINVAL, "clone: bad pid %u",
					h->pid));
	if (h->flags & ~CKPT_CLONE_FLAGS ||
	    (zombie && h->flags != CKPT_CLONE_ZOMBIE) ||
	    (h->flags & CKPT_CLONE_THREAD &&
	     (!parent || parent->clone.flags & CKPT_CLONE_THREAD)))
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"clone %u: bad flags %#x", h->pid,
					h->flags));
	if (zombie ? !ckpt_exit_code_ok(h->exit_code) : h->exit_code)
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"clone %u: bad exit code %#x", h->pid,
					h->exit_code));
	if (!parent && (h->pid != ctx->hdr.pid || h->ppid || h->flags))
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"clone %u: not the root of the header, %u",
					h->pid, ctx->hdr.pid));
	if (ctx->nr_rtasks == ctx->hdr.nr_tasks)
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"clone %u: more tasks than the %u announced",
					h->pid, ctx->hdr.nr_tasks));

	rt = kzalloc(sizeof(*rt), GFP_KERNEL);
	if (!rt)
		return ERR_PTR(-ENOMEM);
	ret = xa_insert(&ctx->rpids, h->pid, rt, GFP_KERNEL);
	if (ret) {
		kfree(rt);
		if (ret == -EBUSY)
			ret = ckpt_err(ctx, -EINVAL, "clone: pid %u twice",
				       h->pid);
		return ERR_PTR(ret);
	}
	rt->ctx = ctx;
	rt->clone = *h;
	rt->parent = parent;
	INIT_LIST_HEAD(&rt->children);
	INIT_LIST_HEAD(&rt->deferred);
	init_completion(&rt->turn);
	init_completion(&rt->done);
	if (parent) {
		if (h->flags & CKPT_CLONE_FILES)
			rt->held.files = parent->held.files;
		if (h->flags & CKPT_CLONE_FS)
			rt->held.fs = parent->held.fs;
		/* A thread holds its group's; its leader restores them */
		if (h->flags & CKPT_CLONE_THREAD) {
			rt->held.mm = parent->held.mm;
			rt->held.sighand = parent->held.sighand;
			rt->held.signal = parent->held.signal;
			rt->dumpable = parent->dumpable;
		}
		list_add_tail(&rt->sibling, &parent->children);
		if (zombie)
			parent->nr_zombies++;
	}
	spin_lock(&ctx->rtasks_lock);
	list_add_tail(&rt->list, &ctx->rtasks);
	ctx->nr_rtasks++;
	spin_unlock(&ctx->rtasks_lock);
	return rt;
}

/* A task record, then but for a zombie its scheduling, signals and CPU */
static int ckpt_read_task(struct ckpt_ctx *ctx, struct ckpt_hdr_task *h)
{
	int ret;

	ret = ckpt_task_restore(ctx, h);
	if (ret || ctx->rtask->clone.flags & CKPT_CLONE_ZOMBIE)
		return ret;
	ret = ckpt_sched_restore(ctx);
	if (!ret)
		ret = ckpt_sigpending_restore(ctx);
	if (ret)
		return ret;
	return arch_cpu_restore(ctx);
}

/* An object record defines what the task holds, once per task */
static int ckpt_hold(struct ckpt_ctx *ctx, struct ckpt_rtask *rt, u32 *held,
		     u32 objref, const char *what)
{
	if (*held)
		return ckpt_err(ctx, -EINVAL, "task %u: a second %s",
				rt->clone.pid, what);
	*held = objref;
	return 0;
}

/* The records of @rt after its CLONE, up to its task record's last */
static int ckpt_read_task_recs(struct ckpt_ctx *ctx, struct ckpt_rtask *rt)
{
	bool zombie = rt->clone.flags & CKPT_CLONE_ZOMBIE;
	struct ckpt_task_refs *held = &rt->held;
	struct ckpt_hdr *h;
	int ret;

	for (;;) {
		h = ckpt_read_rec(ctx);
		if (IS_ERR(h))
			return PTR_ERR(h);
		if (zombie && h->type != CKPT_HDR_CRED &&
		    h->type != CKPT_HDR_TASK)
			return ckpt_err(ctx, -EINVAL,
					"record %u: %s record for zombie %u",
					ctx->nr_records - 1,
					ckpt_rec_name(h->type), rt->clone.pid);
		if (file_obj_rec(h->type)) {
			ret = file_obj_restore(ctx, h);
			if (ret)
				return ret;
			continue;
		}
		/* The fixed part is there: ckpt_read_rec() checked its size */
		switch (h->type) {
		case CKPT_HDR_CRED:
			ret = cap_cred_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_SIGHAND:
			ret = ckpt_hold(ctx, rt, &held->sighand,
					((struct ckpt_hdr_sighand *)h)->objref,
					"sighand") ?:
			      ckpt_sighand_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_SIGNAL:
			ret = ckpt_hold(ctx, rt, &held->signal,
					((struct ckpt_hdr_signal *)h)->objref,
					"signal") ?:
			      ckpt_signal_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_FS:
			ret = ckpt_hold(ctx, rt, &held->fs,
					((struct ckpt_hdr_fs *)h)->objref,
					"fs") ?:
			      fs_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_FILES:
			ret = ckpt_hold(ctx, rt, &held->files,
					((struct ckpt_hdr_files *)h)->objref,
					"fd table") ?:
			      files_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_MM:
			ret = ckpt_hold(ctx, rt, &held->mm,
					((struct ckpt_hdr_mm *)h)->objref,
					"mm") ?:
			      mm_restore(ctx, (void *)h);
			break;
		case CKPT_HDR_SEM_UNDO:
			ret = ckpt_hold(ctx, rt, &held->sem_undo,
					((struct ckpt_hdr_sem_undo *)h)->objref,
					"SEM_UNDO") ?:
			      sem_ckpt_undo_load(ctx, (void *)h);
			break;
		case CKPT_HDR_TASK:
			return ckpt_read_task(ctx, (void *)h);
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

/*
 * The parent of the task a CLONE record begins: @rt or an ancestor of
 * it (whose child is a later sibling of @rt or of its ancestors)
 */
static int ckpt_clone_parent(struct ckpt_ctx *ctx, struct ckpt_rtask *rt,
			     const struct ckpt_hdr_clone *h,
			     struct ckpt_rtask **parent)
{
	for (; rt; rt = rt->parent) {
		if (rt->clone.pid != h->ppid)
			continue;
		if (rt->clone.flags & CKPT_CLONE_ZOMBIE)
			break;
		*parent = rt;
		return 0;
	}
	return ckpt_err(ctx, -EINVAL,
			"clone %u: parent %u is not a live task before it",
			h->pid, h->ppid);
}

/* Read the records of a zombie, in the task of its parent */
static int ckpt_read_zombie(struct ckpt_ctx *ctx, struct ckpt_rtask *zrt)
{
	struct ckpt_rtask *rt = ctx->rtask;
	int ret;

	ctx->rtask = zrt;
	ret = ckpt_read_task_recs(ctx, zrt);
	ctx->rtask = rt;
	return ret;
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
	struct ckpt_rtask *rt = NULL, *parent = NULL;
	struct ckpt_hdr *h;
	int ret;

	ret = ckpt_read_header(ctx);
	if (!ret)
		ret = ckpt_ns_read(ctx);
	while (!ret) {
		h = ckpt_read_rec(ctx);
		if (IS_ERR(h))
			return PTR_ERR(h);
		if (h->type != CKPT_HDR_CLONE) {
			if (!rt)
				return ckpt_err(ctx, -EINVAL,
						"record %u: %s record before the first task",
						ctx->nr_records - 1,
						ckpt_rec_name(h->type));
			ckpt_unread_rec(ctx);
			return ckpt_read_tail(ctx);
		}
		if (rt)
			ret = ckpt_clone_parent(ctx, rt, (void *)h, &parent);
		if (ret)
			break;
		rt = ckpt_rtask_new(ctx, parent, (void *)h);
		if (IS_ERR(rt))
			return PTR_ERR(rt);
		ctx->rtask = rt;
		/* The root's records begin with the SysV objects */
		if (!parent && ctx->ns.new & CKPT_NS_IPC)
			ret = ipc_ckpt_load(ctx);
		if (!ret)
			ret = ckpt_read_task_recs(ctx, rt);
	}
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
 * @release: frees @data, whether @run ran or not; NULL if @data is not
 *	to be freed
 * @data: what @run and @release are given
 *
 * For state that the rest of the restore would disturb: the watches of
 * an inotify file would report the opening of the files restored after
 * it.  The steps of a task run in the order they were deferred, in the
 * task, before it takes the image's credentials.
 *
 * Return: 0, or -ENOMEM, after calling @release.
 */
int ckpt_defer(struct ckpt_ctx *ctx, int (*run)(struct ckpt_ctx *, void *),
	       void (*release)(void *), void *data)
{
	struct ckpt_deferred *d;

	d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		if (release)
			release(data);
		return -ENOMEM;
	}
	d->run = run;
	d->release = release;
	d->data = data;
	list_add_tail(&d->list, &ctx->rtask->deferred);
	return 0;
}

/* Free the deferred steps, having run them in order until one failed */
static int ckpt_deferred_put(struct ckpt_ctx *ctx, struct ckpt_rtask *rt,
			     bool run)
{
	struct ckpt_deferred *d, *tmp;
	int ret = 0;

	list_for_each_entry_safe(d, tmp, &rt->deferred, list) {
		if (run && !ret)
			ret = d->run(ctx, d->data);
		list_del(&d->list);
		if (d->release)
			d->release(d->data);
		kfree(d);
	}
	return ret;
}

/**
 * ckpt_rtasks_free() - free what a restart noted of the image's tasks
 * @ctx: restart context
 *
 * Their deferred steps are freed without running.
 */
void ckpt_rtasks_free(struct ckpt_ctx *ctx)
{
	struct ckpt_rtask *rt, *tmp;

	list_for_each_entry_safe(rt, tmp, &ctx->rtasks, list) {
		ckpt_deferred_put(ctx, rt, false);
		if (rt->task)
			put_task_struct(rt->task);
		put_pid(rt->pid);
		list_del(&rt->list);
		kfree(rt);
	}
	xa_destroy(&ctx->rpids);
}

/* Steps the restarter has the tasks take, one task at a time */
enum ckpt_step {
	CKPT_STEP_READ,		/* reading the image */
	CKPT_STEP_ZOMBIE_LEADERS, /* make the zombies leading their group */
	CKPT_STEP_ZOMBIES,	/* make the other zombies */
	CKPT_STEP_FINISH,	/* join its group, deferred steps, creds */
	CKPT_STEP_GO,		/* return to user space */
	CKPT_STEP_ABORT,	/* reap its children, die */
};

/*
 * Join the process group of the image (our own was made when created):
 * a task's of the image, or outside it, the restarter's
 */
static int ckpt_join_image_pgrp(struct ckpt_ctx *ctx, struct ckpt_rtask *rt)
{
	struct ckpt_rtask *leader;
	struct pid *pgrp;

	if (rt->pgid == rt->clone.pid || !rt->parent ||
	    rt->clone.flags & CKPT_CLONE_THREAD)
		return 0;
	leader = ckpt_rtask_of(ctx, rt->pgid);
	if (leader && !leader->pid)
		return ckpt_err(ctx, -EINVAL,
				"task %u: the leader of process group %u is made after it",
				rt->clone.pid, rt->pgid);
	pgrp = leader ? leader->pid : ctx->caller_pgrp;
	if (task_pgrp(current) == pgrp)
		return 0;
	return ckpt_join_pgrp(ctx, pgrp);
}

/*
 * A zombie: a child that takes its comm, process group and credentials,
 * then exits with its exit code, its parent not told
 */
static int ckpt_zombie_task(void *arg)
{
	struct ckpt_rtask *zrt = arg;
	struct ckpt_ctx *ctx = zrt->ctx;
	int ret = 0;

	zrt->task = get_task_struct(current);
	set_task_comm(current, zrt->comm);
	if (zrt->sid == zrt->clone.pid) {
		ret = ksys_setsid();
		if (ret > 0)
			ret = 0;
		else if (ret < 0)
			ckpt_err(ctx, ret, "zombie %u: cannot make its session",
				 zrt->clone.pid);
	} else if (zrt->pgid == zrt->clone.pid) {
		ret = ckpt_join_pgrp(ctx, task_pid(current));
	}
	if (!ret)
		ret = ckpt_join_image_pgrp(ctx, zrt);
	if (!ret)
		commit_creds(get_new_cred(zrt->cred));
	zrt->err = ret;
	complete(&zrt->done);
	do_exit(ret ? SIGKILL : zrt->clone.exit_code);
}

#define CKPT_CLONE_NEW_NS	(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | \
				 CLONE_NEWNET | CLONE_NEWUSER)

/* Create a task: the caller's child, or a child of a task of the image */
static pid_t ckpt_clone(struct ckpt_ctx *ctx, struct ckpt_rtask *rt,
			int (*fn)(void *), unsigned long flags)
{
	struct kernel_clone_args args = {
		.flags = CLONE_UNTRACED | flags,
		.exit_signal = 0,	/* set once the task is rebuilt */
		.fn = fn,
		.fn_arg = rt,
	};
	pid_t pid, want = 0;

	/* The init of a new pid namespace is pid 1 there */
	if (ctx->flags & CKPT_RESTART_PIDS && !(flags & CLONE_NEWPID)) {
		want = rt->clone.pid;
		args.set_tid = &want;
		args.set_tid_size = 1;
	}
	pid = kernel_clone(&args);
	if (pid == -EEXIST)
		return ckpt_err(ctx, -EBUSY, "restart: pid %d is taken", want);
	if (pid == -EPERM && args.set_tid)
		return ckpt_err(ctx, -EPERM,
				"restart: keeping pid %d needs CAP_CHECKPOINT_RESTORE",
				want);
	if (pid == -EPERM && flags & CKPT_CLONE_NEW_NS)
		return ckpt_err(ctx, -EPERM,
				"restart: new namespaces (clone flags %#lx) need CAP_SYS_ADMIN",
				flags & CKPT_CLONE_NEW_NS);
	if (pid < 0)
		return ckpt_err(ctx, pid, "restart: cannot create task %u",
				rt->clone.pid);
	rt->vpid = pid;
	rt->pid = find_get_pid(pid);
	return pid;
}

/* Wait for a child made by the restart to be a zombie, and reap it */
static void ckpt_reap_task(struct task_struct *t, pid_t vpid)
{
	/*
	 * Not killable: it dies anyway, and must not be left behind.  A
	 * leader waits for its threads: only then can it be reaped.
	 */
	wait_event(task_pid(t)->wait_pidfd,
		   READ_ONCE(t->exit_state) && thread_group_empty(t));
	kernel_wait4(vpid, NULL, __WALL | WNOHANG, NULL);
}

static void ckpt_reap(struct ckpt_rtask *rt)
{
	ckpt_reap_task(rt->task, rt->vpid);
}

/* Make the zombie children of @rt, those leading their group or not */
static int ckpt_make_zombies(struct ckpt_ctx *ctx, struct ckpt_rtask *rt,
			     bool leaders)
{
	struct ckpt_rtask *zrt;
	struct task_struct *t;
	pid_t pid;

	list_for_each_entry(zrt, &rt->children, sibling) {
		bool leader = zrt->pgid == zrt->clone.pid;

		if (!(zrt->clone.flags & CKPT_CLONE_ZOMBIE) || leader != leaders)
			continue;
		pid = ckpt_clone(ctx, zrt, ckpt_zombie_task,
				 CLONE_VM | CLONE_FS | CLONE_FILES);
		if (pid < 0)
			return pid;
		wait_for_completion(&zrt->done);
		if (zrt->err)
			return zrt->err;
		t = zrt->task;
		wait_event(task_pid(t)->wait_pidfd, READ_ONCE(t->exit_state));
		/* Its parent is told nothing it was not told before */
		write_lock_irq(&tasklist_lock);
		t->exit_signal = zrt->exit_signal;
		write_unlock_irq(&tasklist_lock);
	}
	return 0;
}

/* The last steps, once the whole image has been read and checked */
static int ckpt_restart_finish(struct ckpt_ctx *ctx, struct ckpt_rtask *rt)
{
	int ret;

	ret = ckpt_join_image_pgrp(ctx, rt);
	if (ret)
		return ret;
	ret = ckpt_deferred_put(ctx, rt, true);
	if (ret)
		return ret;
	if (WARN_ON_ONCE(!rt->cred))
		return -EINVAL;
	commit_creds(get_new_cred(rt->cred));
	/*
	 * Taking credentials other than the restarter's reset these two
	 * (the mm's mode: each thread sets it again after its own)
	 */
	current->pdeath_signal = rt->pdeath_signal;
	set_dumpable(current->mm, rt->dumpable);
	if (rt->no_new_privs)
		task_set_no_new_privs(current);
	if (!(rt->clone.flags & CKPT_CLONE_THREAD)) {
		write_lock_irq(&tasklist_lock);
		current->exit_signal = rt->exit_signal;
		write_unlock_irq(&tasklist_lock);
	}
	ret = arch_restart_finish(ctx);
	/* Last: only its next system calls are filtered */
	if (!ret && rt->seccomp_strict) {
		ret = prctl_set_seccomp(SECCOMP_MODE_STRICT, NULL);
		if (ret)
			ckpt_err(ctx, ret, "task: cannot enter seccomp strict mode");
	}
	return ret;
}

static int ckpt_task_step(struct ckpt_ctx *ctx, struct ckpt_rtask *rt,
			  int step)
{
	switch (step) {
	case CKPT_STEP_ZOMBIE_LEADERS:
		return ckpt_make_zombies(ctx, rt, true);
	case CKPT_STEP_ZOMBIES:
		return ckpt_make_zombies(ctx, rt, false);
	case CKPT_STEP_FINISH:
		return ckpt_restart_finish(ctx, rt);
	}
	return -EINVAL;
}

static int ckpt_read_subtree(struct ckpt_ctx *ctx, struct ckpt_rtask *rt);

/*
 * A task killed while it rebuilds itself fails whatever it was doing,
 * with the errno that gives (a fork says ENOMEM): it was interrupted
 */
static int ckpt_task_err(struct ckpt_ctx *ctx, struct ckpt_rtask *rt,
			 int err)
{
	if (err && err != -EINTR && fatal_signal_pending(current))
		return ckpt_err(ctx, -EINTR, "task %u: killed (error %d)",
				rt->clone.pid, err);
	return err;
}

/* A live task of the image: reads its subtree, then takes its steps */
static int ckpt_restart_task(void *arg)
{
	struct ckpt_rtask *rt = arg, *child;
	struct ckpt_ctx *ctx = rt->ctx;
	bool killed;
	int step;

	spin_lock(&ctx->rtasks_lock);
	rt->task = get_task_struct(current);
	killed = ctx->killed;
	spin_unlock(&ctx->rtasks_lock);
	ctx->rtask = rt;
	rt->err = killed ? -EINTR : 0;
	/* The root, in its new namespaces, sets them up first */
	if (!rt->parent) {
		rt->err = ckpt_ns_user_wait(ctx) ?: rt->err;
		if (!rt->err)
			rt->err = ckpt_ns_restore(ctx);
	}
	if (!rt->err)
		rt->err = ckpt_read_subtree(ctx, rt);
	if (!rt->err && !rt->parent)
		rt->err = ckpt_read_tail(ctx);
	rt->err = ckpt_task_err(ctx, rt, rt->err);
	complete(&rt->done);

	for (;;) {
		wait_for_completion(&rt->turn);
		step = READ_ONCE(ctx->step);
		if (step == CKPT_STEP_GO) {
			/* The restarter may free @rt once told */
			complete(&rt->done);
			return 0;
		}
		if (step == CKPT_STEP_ABORT)
			break;
		rt->err = ckpt_task_err(ctx, rt,
					ckpt_task_step(ctx, rt, step));
		complete(&rt->done);
	}
	/* Its threads, gone before it, reaped themselves */
	list_for_each_entry(child, &rt->children, sibling)
		if (child->task && !(child->clone.flags & CKPT_CLONE_THREAD))
			ckpt_reap(child);
	complete(&rt->done);
	do_exit(SIGKILL);
}

/*
 * In the task of @rt: read its records, then fork each of its children
 * as its CLONE record comes, the child reading on, until a record
 * belongs to an ancestor (or is the tail)
 */
static int ckpt_read_subtree(struct ckpt_ctx *ctx, struct ckpt_rtask *rt)
{
	struct ckpt_rtask *child, *parent;
	struct ckpt_hdr *h;
	unsigned long flags;
	int ret;

	ret = ckpt_read_task_recs(ctx, rt);
	while (!ret) {
		h = ckpt_read_rec(ctx);
		if (IS_ERR(h))
			return PTR_ERR(h);
		if (h->type != CKPT_HDR_CLONE) {
			ckpt_unread_rec(ctx);
			return 0;
		}
		ret = ckpt_clone_parent(ctx, rt, (void *)h, &parent);
		if (ret)
			return ret;
		if (parent != rt) {
			ckpt_unread_rec(ctx);
			return 0;
		}
		child = ckpt_rtask_new(ctx, rt, (void *)h);
		if (IS_ERR(child))
			return PTR_ERR(child);
		if (child->clone.flags & CKPT_CLONE_ZOMBIE) {
			ret = ckpt_read_zombie(ctx, child);
			continue;
		}
		flags = 0;
		if (child->clone.flags & CKPT_CLONE_THREAD)
			flags |= CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
		if (child->clone.flags & CKPT_CLONE_FILES)
			flags |= CLONE_FILES;
		if (child->clone.flags & CKPT_CLONE_FS)
			flags |= CLONE_FS;
		ret = ckpt_clone(ctx, child, ckpt_restart_task, flags);
		if (ret < 0)
			return ret;
		/* The child reads until the image is ours again */
		wait_for_completion(&child->done);
		ctx->rtask = rt;
		ret = child->err;
	}
	return ret;
}

/*
 * Have each live task take @step, in stream order; the first error
 * stops it.  Only for the steps that come once the image is read.
 */
static int ckpt_tree_step(struct ckpt_ctx *ctx, int step)
{
	struct ckpt_rtask *rt;

	ctx->step = step;
	list_for_each_entry(rt, &ctx->rtasks, list) {
		if (!rt->task || rt->clone.flags & CKPT_CLONE_ZOMBIE)
			continue;
		if (step < CKPT_STEP_FINISH && !rt->nr_zombies)
			continue;
		ctx->rtask = rt;
		complete(&rt->turn);
		wait_for_completion(&rt->done);
		if (rt->err)
			return rt->err;
	}
	return 0;
}

/* Every live task reaps its children and dies, the last made first */
static void ckpt_tree_abort(struct ckpt_ctx *ctx)
{
	struct ckpt_rtask *rt;

	ctx->step = CKPT_STEP_ABORT;
	list_for_each_entry_reverse(rt, &ctx->rtasks, list) {
		if (!rt->task || rt->clone.flags & CKPT_CLONE_ZOMBIE)
			continue;
		complete(&rt->turn);
		wait_for_completion(&rt->done);
	}
}

/* The restarter was killed: so are the tasks, wherever they are */
static void ckpt_tree_kill(struct ckpt_ctx *ctx)
{
	struct ckpt_rtask *rt;

	spin_lock(&ctx->rtasks_lock);
	ctx->killed = true;
	list_for_each_entry(rt, &ctx->rtasks, list)
		if (rt->task && !(rt->clone.flags & CKPT_CLONE_ZOMBIE))
			send_sig(SIGKILL, rt->task, 1);
	spin_unlock(&ctx->rtasks_lock);
}

/*
 * The init of a new pid namespace (CKPT_RESTART_NEWPID): the session
 * leader of the namespace and the parent of the root, in which the
 * tasks of the image get their pids, whatever is outside.  It never
 * returns to user space: it reaps whatever dies in the namespace until
 * nothing is left, then exits with the root's wait status.
 */
static int ckpt_ns_init(void *arg)
{
	struct ckpt_ctx *ctx = arg;
	struct ckpt_rtask *root = ckpt_root(ctx);
	int status, root_status = 0;
	unsigned long addr;
	pid_t pid, root_pid;

	/* No handler: as init, it then takes no signal from inside */
	flush_signal_handlers(current, 1);
	ctx->ns_init = get_task_struct(current);
	/* Nor the restarter's fds, which would keep its pipes open */
	__close_range(0, ~0U, 0);
	pid = ksys_setsid();
	put_pid(ctx->caller_pgrp);
	ctx->caller_pgrp = get_pid(task_pgrp(current));
	/* Where do_wait() puts a status: a page of its own address space */
	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, 0);
	if (pid < 0 || IS_ERR_VALUE(addr)) {
		root_pid = ckpt_err(ctx, pid < 0 ? pid : -ENOMEM,
				    "restart: cannot set up the pid namespace");
	} else {
		root_pid = ckpt_clone(ctx, root, ckpt_restart_task,
				      ckpt_ns_clone_flags(ctx));
		if (root_pid > 0)
			ckpt_ns_user_setup(ctx, root);
	}
	if (root_pid < 0) {
		root->err = root_pid;
		complete(&root->done);
		do_exit(0);
	}

	for (;;) {
		pid = kernel_wait4(-1, (int __user *)addr, __WALL, NULL);
		if (pid == -ECHILD || fatal_signal_pending(current))
			break;
		/* It never dequeues one: a signal would make do_wait() spin */
		if (pid < 0) {
			flush_signals(current);
			continue;
		}
		if (pid == root_pid && !get_user(status, (int __user *)addr))
			root_status = status;
	}
	do_exit(root_status);
}

/* Make the init of a new pid namespace, which makes the root */
static pid_t ckpt_clone_ns_init(struct ckpt_ctx *ctx)
{
	struct kernel_clone_args args = {
		.flags = CLONE_UNTRACED | CLONE_NEWPID,
		.exit_signal = 0,	/* set once the tree is rebuilt */
		.fn = ckpt_ns_init,
		.fn_arg = ctx,
	};
	pid_t pid;

	pid = kernel_clone(&args);
	if (pid == -EPERM)
		return ckpt_err(ctx, pid,
				"restart: a new pid namespace needs CAP_SYS_ADMIN");
	if (pid < 0)
		return ckpt_err(ctx, pid,
				"restart: cannot make a new pid namespace");
	return pid;
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
 * ckpt_do_restart() - restart the tasks of the image in ctx->file
 * @ctx: restart context
 *
 * Return: the pid of the root task, a child of the caller (with
 * CKPT_RESTART_NEWPID, of the init of its pid namespace, the root's
 * parent), or a negative errno; see sys_restart().
 */
int ckpt_do_restart(struct ckpt_ctx *ctx)
{
	struct ckpt_rtask *root, *rt;
	struct ckpt_hdr *h;
	pid_t pid;
	int ret;

	ret = ckpt_read_header(ctx);
	if (!ret)
		ret = ckpt_ns_read(ctx);
	if (ret)
		return ret;
	h = ckpt_read_rec_type(ctx, CKPT_HDR_CLONE);
	if (IS_ERR(h))
		return PTR_ERR(h);
	root = ckpt_rtask_new(ctx, NULL, (void *)h);
	if (IS_ERR(root))
		return PTR_ERR(root);
	ctx->tty = ckpt_caller_tty();
	ctx->caller_pgrp = get_pid(task_pgrp(current));

	/*
	 * In a new pid namespace, the tasks keep their pids.  The root of
	 * an image with a pid namespace of its own is its init.
	 */
	if (ctx->ns.new & CKPT_NS_PID)
		ctx->flags = (ctx->flags & ~CKPT_RESTART_NEWPID) |
			     CKPT_RESTART_PIDS;
	if (ctx->flags & CKPT_RESTART_NEWPID) {
		ctx->flags |= CKPT_RESTART_PIDS;
		pid = ckpt_clone_ns_init(ctx);
	} else {
		pid = ckpt_clone(ctx, root, ckpt_restart_task,
				 ckpt_ns_clone_flags(ctx));
		if (pid > 0)
			ckpt_ns_user_setup(ctx, root);
	}
	if (pid < 0)
		return pid;
	if (wait_for_completion_killable(&root->done)) {
		ckpt_tree_kill(ctx);
		wait_for_completion(&root->done);
		root->err = root->err ?: -EINTR;
	}
	ret = root->err;
	if (!ret)
		ret = ckpt_tree_step(ctx, CKPT_STEP_ZOMBIE_LEADERS);
	if (!ret)
		ret = ckpt_tree_step(ctx, CKPT_STEP_ZOMBIES);
	if (!ret)
		ret = ckpt_tree_step(ctx, CKPT_STEP_FINISH);
	if (ret) {
		/* They exit without running user code: reap the root */
		ckpt_tree_abort(ctx);
		if (ctx->ns_init)
			ckpt_reap_task(ctx->ns_init, pid);
		else
			ckpt_reap(root);
		return ret;
	}
	if (ctx->ns_init) {
		write_lock_irq(&tasklist_lock);
		ctx->ns_init->exit_signal = SIGCHLD;
		write_unlock_irq(&tasklist_lock);
	}
	ctx->step = CKPT_STEP_GO;
	list_for_each_entry(rt, &ctx->rtasks, list) {
		if (!(rt->clone.flags & CKPT_CLONE_ZOMBIE)) {
			complete(&rt->turn);
			wait_for_completion(&rt->done);
		}
	}
	return pid;
}
