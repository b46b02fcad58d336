// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the checkpoint driver.
 *
 * Checks that the task can be checkpointed (stopped, ours to ptrace,
 * no state we cannot save), then writes the header, the objects the
 * task refers to, the task, its CPU state and the tail.
 */

#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/fs_struct.h>
#include <linux/ktime.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/posix-timers.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seccomp.h>
#include <linux/utsname.h>

#include "checkpoint.h"

/* States a task may sleep in while it is checkpointed */
#define CKPT_TASK_SLEEP	(__TASK_STOPPED | __TASK_TRACED | TASK_INTERRUPTIBLE)

/*
 * The task must sit in a group stop, a ptrace stop, or the cgroup v2
 * freezer's trap: all three park it in get_signal(), at a clean point
 * on its way back to user space, where its whole state is in memory.
 */
static int ckpt_check_stopped(struct ckpt_ctx *ctx, struct task_struct *t,
			      u32 *state)
{
	unsigned long irqflags;
	const char *why = NULL;

	/* No logging under the siglock: writing the log may sleep */
	if (!lock_task_sighand(t, &irqflags))
		return ckpt_err(ctx, -EBUSY, "pid %d is exiting",
				task_pid_vnr(t));
	if (task_is_stopped(t))
		*state = CKPT_TASK_STOPPED;
	else if (task_is_traced(t))
		*state = CKPT_TASK_TRACED;
	else if (t->frozen && (t->jobctl & JOBCTL_TRAP_FREEZE))
		*state = CKPT_TASK_FROZEN;
	else
		why = "is neither stopped nor frozen";

	if (!why && t->signal->flags & SIGNAL_GROUP_EXIT)
		why = "is exiting";
	unlock_task_sighand(t, &irqflags);
	if (why)
		return ckpt_err(ctx, -EBUSY, "pid %d %s", task_pid_vnr(t),
				why);
	return 0;
}

/* Whether two tasks see the same namespaces (the pid one aside) */
static bool ckpt_same_ns(const struct nsproxy *a, const struct nsproxy *b)
{
	return a->uts_ns == b->uts_ns && a->ipc_ns == b->ipc_ns &&
	       a->mnt_ns == b->mnt_ns && a->net_ns == b->net_ns &&
	       a->pid_ns_for_children == b->pid_ns_for_children &&
	       a->time_ns == b->time_ns && a->cgroup_ns == b->cgroup_ns;
}

/* Refuse what this version cannot save, naming it */
static int ckpt_check_supported(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct signal_struct *sig = t->signal;
	pid_t pid = task_pid_vnr(t);
	bool shared;
	int ret;

	if (get_nr_threads(t) > 1)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has %d threads: only single-threaded processes are supported",
				pid, get_nr_threads(t));
	/* A child, even a zombie, would be missing from the restart */
	read_lock(&tasklist_lock);
	shared = !list_empty(&t->children);
	read_unlock(&tasklist_lock);
	if (shared)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d has children: process trees not supported yet",
				pid);
	ret = arch_ckpt_check_task(ctx, t);
	if (ret)
		return ret;
	if (t->seccomp.mode == SECCOMP_MODE_FILTER)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: seccomp filters not supported", pid);
	if (!hlist_empty(&sig->posix_timers))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: POSIX timers not supported", pid);

	task_lock(t);
	ret = 0;
	if (!t->mm || !t->fs || !t->files || !t->nsproxy)
		ret = -EBUSY;
	else if (!ckpt_same_ns(t->nsproxy, current->nsproxy) ||
		 task_active_pid_ns(t) != task_active_pid_ns(current))
		ret = -EOPNOTSUPP;
	task_unlock(t);
	if (ret == -EBUSY)
		return ckpt_err(ctx, ret, "pid %d is exiting", pid);
	if (ret)
		return ckpt_err(ctx, ret,
				"pid %d: namespaces other than the caller's not supported",
				pid);

	rcu_read_lock();
	shared = __task_cred(t)->user_ns != current_user_ns();
	rcu_read_unlock();
	if (shared)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: a user namespace other than the caller's not supported",
				pid);

	task_lock(t);
	shared = t->mm && atomic_read(&t->mm->mm_users) > 1;
	if (!shared && t->fs) {
		spin_lock(&t->fs->lock);
		shared = t->fs->users > 1;
		spin_unlock(&t->fs->lock);
	}
	task_unlock(t);
	if (shared)
		return ckpt_err(ctx, -EBUSY,
				"pid %d shares its mm or fs state with a task outside the checkpoint",
				pid);
	return 0;
}

static int ckpt_write_header(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_header h = {};
	int ret;

	h.magic = CKPT_MAGIC;
	h.version = CKPT_VERSION;
	h.page_size = PAGE_SIZE;
	h.flags = ctx->flags;
	h.nr_tasks = 1;
	h.time_ns = ktime_get_real_ns();
	h.pid = task_pid_vnr(ctx->root);
	down_read(&uts_sem);
	strscpy(h.release, utsname()->release, sizeof(h.release));
	up_read(&uts_sem);
	ret = arch_ckpt_header(&h);
	if (ret)
		return ret;
	return ckpt_write_obj(ctx, &h, CKPT_HDR_HEADER);
}

static int ckpt_write_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail h = {};

	h.nr_records = ctx->nr_records;
	h.crc32c = ~ctx->crc;
	return ckpt_write_obj(ctx, &h, CKPT_HDR_TAIL);
}

/*
 * Write everything a task refers to, then the task, its scheduling, its
 * pending signals and its CPU state
 */
static int ckpt_write_task_tree(struct ckpt_ctx *ctx, struct task_struct *t,
				u32 state)
{
	struct ckpt_task_refs refs = {};
	const struct cred *cred;
	int ret;

	cred = get_task_cred(t);
	ret = cap_cred_checkpoint(ctx, cred, &refs.cred);
	put_cred(cred);
	if (ret)
		return ret;
	ret = ckpt_sighand_checkpoint(ctx, t, &refs.sighand);
	if (ret)
		return ret;
	ret = ckpt_signal_checkpoint(ctx, t, &refs.signal);
	if (ret)
		return ret;
	ret = fs_checkpoint(ctx, t, &refs.fs);
	if (ret)
		return ret;
	ret = mm_checkpoint(ctx, t, &refs.mm);
	if (ret)
		return ret;
	ret = files_checkpoint(ctx, t, &refs.files);
	if (ret)
		return ret;
	ret = ckpt_task_checkpoint(ctx, t, &refs, state);
	if (ret)
		return ret;
	ret = ckpt_sched_checkpoint(ctx, t);
	if (ret)
		return ret;
	ret = ckpt_sigpending_checkpoint(ctx, t);
	if (ret)
		return ret;
	return arch_cpu_checkpoint(ctx, t);
}

/**
 * ckpt_do_checkpoint() - checkpoint a task into ctx->file
 * @ctx: checkpoint context
 * @pid: the task, in the caller's pid namespace
 *
 * Return: 0 or a negative errno, see sys_checkpoint().
 */
int ckpt_do_checkpoint(struct ckpt_ctx *ctx, pid_t pid)
{
	struct task_struct *t;
	unsigned long ncsw;
	u32 state = 0;
	int ret;

	rcu_read_lock();
	t = find_task_by_vpid(pid);
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	if (!t)
		return ckpt_err(ctx, -ESRCH, "no process %d", pid);
	ctx->root = t;

	ret = -EPERM;
	if (t->flags & PF_KTHREAD) {
		ckpt_err(ctx, ret, "pid %d is a kernel thread", pid);
		goto put_task;
	}
	if (!ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS)) {
		ckpt_err(ctx, ret, "no permission to ptrace pid %d", pid);
		goto put_task;
	}
	ret = ckpt_check_stopped(ctx, t, &state);
	if (ret)
		goto put_task;
	ret = ckpt_check_supported(ctx, t);
	if (ret)
		goto put_task;

	/* Let it get off its CPU so that its FPU state is in memory */
	ncsw = wait_task_inactive(t, CKPT_TASK_SLEEP);
	if (!ncsw) {
		ret = ckpt_err(ctx, -EBUSY, "pid %d woke up", pid);
		goto put_task;
	}

	ret = ckpt_write_header(ctx);
	if (ret)
		goto put_task;
	ret = ckpt_write_task_tree(ctx, t, state);
	if (ret)
		goto put_task;
	ret = file_checkpoint_finish(ctx);
	if (ret)
		goto put_task;

	/* The image holds one consistent state only if the task never ran */
	if (wait_task_inactive(t, CKPT_TASK_SLEEP) != ncsw) {
		ret = ckpt_err(ctx, -EBUSY, "pid %d ran during the checkpoint",
			       pid);
		goto put_task;
	}
	ret = ckpt_write_tail(ctx);
	if (!ret)
		ret = ckpt_flush(ctx);
put_task:
	ctx->root = NULL;
	put_task_struct(t);
	return ret;
}
