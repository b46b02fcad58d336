// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the task record and signal dispositions.
 */

#include <linux/checkpoint.h>
#include <linux/futex.h>
#include <linux/personality.h>
#include <linux/pid.h>
#include <linux/rseq.h>
#include <linux/seccomp.h>
#include <linux/security.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>

#include "checkpoint.h"

/* Personality flags a task may carry */
#define CKPT_PER_FLAGS	(UNAME26 | ADDR_NO_RANDOMIZE | FDPIC_FUNCPTRS |	\
			 MMAP_PAGE_ZERO | ADDR_COMPAT_LAYOUT |		\
			 READ_IMPLIES_EXEC | ADDR_LIMIT_32BIT |		\
			 SHORT_INODE | WHOLE_SECONDS | STICKY_TIMEOUTS |	\
			 ADDR_LIMIT_3GB)

/* Size of the original struct rseq, the least rseq(2) accepts */
#define CKPT_RSEQ_MIN	32

static u64 ckpt_uptr(const void __user *p)
{
	return (u64)(unsigned long)p;
}

/**
 * ckpt_task_checkpoint() - write the record of a task
 * @ctx: checkpoint context
 * @t: the task, stopped
 * @refs: ids of the objects it refers to, already written
 * @state: CKPT_TASK_STOPPED, _TRACED or _FROZEN
 *
 * Return: 0 or a negative errno.
 */
int ckpt_task_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			 const struct ckpt_task_refs *refs, u32 state)
{
	struct ckpt_hdr_task h = {};
	struct task_struct *parent;

	BUILD_BUG_ON(sizeof(sigset_t) != sizeof(h.blocked));
	BUILD_BUG_ON(ARRAY_SIZE(t->sighand->action) != CKPT_NSIG);

	h.pid = ckpt_task_pid(ctx, t);
	h.tgid = ckpt_task_tgid(ctx, t);
	rcu_read_lock();
	parent = rcu_dereference(t->real_parent);
	h.ppid = ckpt_task_tgid(ctx, parent);
	rcu_read_unlock();
	h.pgid = task_pgrp_nr_ns(t, ctx->pid_ns);
	h.sid = task_session_nr_ns(t, ctx->pid_ns);
	/* A thread has none (-1): the group's is its leader's */
	h.exit_signal = thread_group_leader(t) ? t->exit_signal : 0;
	h.personality = t->personality;
	h.flags = state;
	if (task_no_new_privs(t))
		h.flags |= CKPT_TASK_NO_NEW_PRIVS;
#ifdef CONFIG_SECCOMP
	if (t->seccomp.mode == SECCOMP_MODE_STRICT)
		h.flags |= CKPT_TASK_SECCOMP_STRICT;
#endif
	h.cred_ref = refs->cred;
	h.mm_ref = refs->mm;
	h.files_ref = refs->files;
	h.fs_ref = refs->fs;
	h.sighand_ref = refs->sighand;
	h.pdeath_signal = t->pdeath_signal;
	h.blocked = t->blocked.sig[0];
	h.clear_child_tid = ckpt_uptr(t->clear_child_tid);
#ifdef CONFIG_FUTEX
	if (t->robust_list) {
		h.robust_list = ckpt_uptr(t->robust_list);
		h.robust_list_len = sizeof(*t->robust_list);
	}
#endif
#ifdef CONFIG_RSEQ
	if (t->rseq) {
		h.rseq = ckpt_uptr(t->rseq);
		h.rseq_len = t->rseq_len;
		h.rseq_sig = t->rseq_sig;
	}
#endif
	h.sas_ss_sp = t->sas_ss_sp;
	h.sas_ss_size = t->sas_ss_size;
	h.sas_ss_flags = t->sas_ss_flags;
	h.signal_ref = refs->signal;
	h.sem_undo_ref = refs->sem_undo;
	get_task_comm(h.comm, t);
	ckpt_log(ctx, "task: pid %u (%s)", h.pid, h.comm);
	return ckpt_write_obj(ctx, &h, CKPT_HDR_TASK);
}

static int ckpt_check_uaddr(struct ckpt_ctx *ctx, u64 addr, u64 len,
			    const char *what)
{
	if (addr > TASK_SIZE_MAX || len > TASK_SIZE_MAX - addr)
		return ckpt_err(ctx, -EINVAL, "task: %s %#llx not in user space",
				what, addr);
	return 0;
}

static int ckpt_check_pid(struct ckpt_ctx *ctx, u32 pid, bool zero_ok,
			  const char *what)
{
	if ((!pid && !zero_ok) || pid > PID_MAX_LIMIT)
		return ckpt_err(ctx, -EINVAL, "task: bad %s %u", what, pid);
	return 0;
}

/* A zombie refers to its credentials only */
static int ckpt_check_zombie_refs(struct ckpt_ctx *ctx,
				  const struct ckpt_hdr_task *h)
{
	if (h->mm_ref || h->files_ref || h->fs_ref || h->sighand_ref ||
	    h->signal_ref || h->sem_undo_ref)
		return ckpt_err(ctx, -EINVAL,
				"task %u: a zombie refers to objects", h->pid);
	return ckpt_obj_check(ctx, h->cred_ref, CKPT_OBJ_CRED, false,
			      "task cred") ?:
	       ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad), "TASK record");
}

/* Each object must be of its type, and the one the task holds */
static int ckpt_check_ref(struct ckpt_ctx *ctx, const struct ckpt_hdr_task *h,
			  u32 objref, u32 held, enum ckpt_obj_type type,
			  const char *what)
{
	int ret;

	ret = ckpt_obj_check(ctx, objref, type, false, what);
	if (ret)
		return ret;
	if (objref != held)
		return ckpt_err(ctx, -EINVAL,
				"task %u: %s %u, but it holds %u (its parent's, or its own record's)",
				h->pid, what, objref, held);
	return 0;
}

static int ckpt_check_task_refs(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_task *h)
{
	const struct ckpt_task_refs *held = &ctx->rtask->held;
	int ret;

	if (ctx->rtask->clone.flags & CKPT_CLONE_ZOMBIE)
		return ckpt_check_zombie_refs(ctx, h);
	ret = ckpt_obj_check(ctx, h->cred_ref, CKPT_OBJ_CRED, false,
			     "task cred");
	if (!ret)
		ret = ckpt_check_ref(ctx, h, h->mm_ref, held->mm, CKPT_OBJ_MM,
				     "task mm");
	if (!ret)
		ret = ckpt_check_ref(ctx, h, h->files_ref, held->files,
				     CKPT_OBJ_FILES, "task files");
	if (!ret)
		ret = ckpt_check_ref(ctx, h, h->fs_ref, held->fs, CKPT_OBJ_FS,
				     "task fs");
	if (!ret)
		ret = ckpt_check_ref(ctx, h, h->sighand_ref, held->sighand,
				     CKPT_OBJ_SIGHAND, "task sighand");
	if (!ret)
		ret = ckpt_check_ref(ctx, h, h->signal_ref, held->signal,
				     CKPT_OBJ_SIGNAL, "task signal");
	/* Its own SEM_UNDO, or one made before that it shares */
	if (!ret && held->sem_undo && h->sem_undo_ref != held->sem_undo)
		ret = ckpt_err(ctx, -EINVAL,
			       "task %u: sem_undo_ref %u, but it holds %u",
			       h->pid, h->sem_undo_ref, held->sem_undo);
	if (!ret)
		ret = ckpt_obj_check(ctx, h->sem_undo_ref, CKPT_OBJ_SEM_UNDO,
				     true, "task sem_undo_ref");
	if (!ret)
		ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad),
				     "TASK record");
	return ret;
}

/* A thread: of its leader's group, parent, session and process group */
static int ckpt_check_thread(struct ckpt_ctx *ctx,
			     const struct ckpt_hdr_task *h)
{
	struct ckpt_rtask *rt = ctx->rtask, *leader = rt->parent;

	if (h->tgid != leader->clone.pid || h->ppid != leader->ppid ||
	    h->pgid != leader->pgid || h->sid != leader->sid || h->exit_signal)
		return ckpt_err(ctx, -EINVAL,
				"task %u: a thread, but not of task %u's group",
				h->pid, leader->clone.pid);
	rt->tgid = h->tgid;
	rt->ppid = h->ppid;
	rt->pgid = h->pgid;
	rt->sid = h->sid;
	return 0;
}

/*
 * Its place in the tree: the pid of its CLONE record, its parent's
 * pid, a session of its own or its parent's, and if it leads its
 * session, its process group too
 */
static int ckpt_check_task_tree(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_task *h)
{
	struct ckpt_rtask *rt = ctx->rtask;

	if (h->pid != rt->clone.pid)
		return ckpt_err(ctx, -EINVAL, "task: pid %u, its clone record %u",
				h->pid, rt->clone.pid);
	if (rt->clone.flags & CKPT_CLONE_THREAD)
		return ckpt_check_thread(ctx, h);
	if (h->tgid != h->pid)
		return ckpt_err(ctx, -EINVAL, "task %u: tgid %u, not its pid",
				h->pid, h->tgid);
	/* Of a process forked by a thread, its group's leader */
	if (rt->parent && h->ppid != rt->parent->tgid)
		return ckpt_err(ctx, -EINVAL, "task %u: ppid %u, not %u",
				h->pid, h->ppid, rt->parent->tgid);
	if (h->sid == h->pid && h->pgid != h->pid)
		return ckpt_err(ctx, -EINVAL,
				"task %u: leads its session, not its process group",
				h->pid);
	if (rt->parent && h->sid != h->pid && h->sid != rt->parent->sid)
		return ckpt_err(ctx, -EINVAL,
				"task %u: session %u is neither its own nor its parent's",
				h->pid, h->sid);
	rt->tgid = h->tgid;
	rt->ppid = h->ppid;
	rt->pgid = h->pgid;
	rt->sid = h->sid;
	return 0;
}

/**
 * ckpt_join_pgrp() - move current to a process group, as setpgid(2) would
 * @ctx: restart context
 * @pgrp: the group; current's own pid makes it a group leader
 *
 * The rules of setpgid(2) for a process moving itself: the group must
 * exist in its session, and a session leader cannot move.  The group
 * may be outside current's pid namespace: the restarter's, when the
 * root of the image is the init of its own.
 *
 * Return: 0, or -EPERM with a log line.
 */
int ckpt_join_pgrp(struct ckpt_ctx *ctx, struct pid *pgrp)
{
	struct task_struct *g;
	int ret = -EPERM;

	rcu_read_lock();
	write_lock_irq(&tasklist_lock);
	if (current->signal->leader)
		goto unlock;
	if (pgrp != task_pid(current)) {
		g = pid_task(pgrp, PIDTYPE_PGID);
		if (!g || task_session(g) != task_session(current))
			goto unlock;
	}
	ret = security_task_setpgid(current, pid_vnr(pgrp));
	if (!ret && task_pgrp(current) != pgrp)
		change_pid(current, PIDTYPE_PGID, pgrp);
unlock:
	write_unlock_irq(&tasklist_lock);
	rcu_read_unlock();
	if (ret)
		return ckpt_err(ctx, ret, "task %d: cannot join process group %d",
				task_pid_vnr(current), pid_vnr(pgrp));
	return 0;
}

/* Lead its own session or process group, as the image says */
static int ckpt_task_lead(struct ckpt_ctx *ctx, const struct ckpt_hdr_task *h)
{
	int ret;

	if (h->sid == h->pid) {
		ret = ksys_setsid();
		if (ret < 0)
			return ckpt_err(ctx, ret, "task %u: cannot make its session",
					h->pid);
		return 0;
	}
	if (h->pgid == h->pid)
		return ckpt_join_pgrp(ctx, task_pid(current));
	return 0;
}

/* Give current the state of a validated task record */
static int ckpt_task_apply(struct ckpt_ctx *ctx, const struct ckpt_hdr_task *h)
{
	struct ckpt_rtask *rt = ctx->rtask;
	sigset_t blocked;
	int ret;

	rt->cred = ckpt_obj_fetch(ctx, h->cred_ref, CKPT_OBJ_CRED);
	if (!rt->cred)
		return ckpt_err(ctx, -EINVAL, "task %u: credentials not built",
				h->pid);
	rt->exit_signal = h->exit_signal;
	/* A zombie is made late, from what is noted here */
	if (rt->clone.flags & CKPT_CLONE_ZOMBIE) {
		BUILD_BUG_ON(sizeof(rt->comm) != sizeof(h->comm));
		memcpy(rt->comm, h->comm, sizeof(rt->comm));
		return 0;
	}
	rt->pdeath_signal = h->pdeath_signal;
	rt->seccomp_strict = h->flags & CKPT_TASK_SECCOMP_STRICT;
	/*
	 * Set last: the children forked before it may not have it.  What
	 * it has now comes of the restarter, which cannot drop it.
	 */
	rt->no_new_privs = h->flags & CKPT_TASK_NO_NEW_PRIVS;
	if (!rt->no_new_privs && task_no_new_privs(current))
		return ckpt_err(ctx, -EPERM,
				"task %u: the restarter has no_new_privs, the image does not",
				h->pid);

	if (!(rt->clone.flags & CKPT_CLONE_THREAD)) {
		ret = ckpt_task_lead(ctx, h);
		if (ret)
			return ret;
	}
	set_task_comm(current, h->comm);
	current->personality = h->personality;
	current->clear_child_tid = u64_to_user_ptr(h->clear_child_tid);
#ifdef CONFIG_FUTEX
	current->robust_list = u64_to_user_ptr(h->robust_list);
#endif
#ifdef CONFIG_RSEQ
	current->rseq = u64_to_user_ptr(h->rseq);
	current->rseq_len = h->rseq_len;
	current->rseq_sig = h->rseq_sig;
	if (current->rseq)
		rseq_set_notify_resume(current);
#else
	if (h->rseq)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"task %u: rseq needs CONFIG_RSEQ", h->pid);
#endif
	current->sas_ss_sp = h->sas_ss_sp;
	current->sas_ss_size = h->sas_ss_size;
	current->sas_ss_flags = h->sas_ss_flags;

	siginitset(&blocked, h->blocked);
	set_current_blocked(&blocked);
	ret = sem_ckpt_undo_take(ctx, h->sem_undo_ref);
	if (ret)
		return ret;
	/* Its leader took the group's */
	if (rt->clone.flags & CKPT_CLONE_THREAD)
		return 0;
	return ckpt_signal_take(ctx, h->signal_ref);
}

/**
 * ckpt_task_restore() - validate the record of a task, and take its state
 * @ctx: restart context
 * @h: the record
 *
 * Unless only verifying, current takes the task's state (its session
 * and process group if it leads them), but for its credentials, which
 * the driver commits last; of a zombie, what makes it is noted.
 *
 * Return: 0, or -EINVAL with a log line naming the bad field.
 */
int ckpt_task_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_task *h)
{
	u64 kill_stop = sigmask(SIGKILL) | sigmask(SIGSTOP);
	u32 ss_mode;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (!ret)
		ret = ckpt_check_pid(ctx, h->pid, false, "pid");
	if (!ret)
		ret = ckpt_check_pid(ctx, h->ppid, true, "ppid");
	if (!ret)
		ret = ckpt_check_pid(ctx, h->pgid, true, "pgid");
	if (!ret)
		ret = ckpt_check_pid(ctx, h->sid, true, "sid");
	if (!ret)
		ret = ckpt_check_task_tree(ctx, h);
	if (ret)
		return ret;
	if (h->exit_signal > CKPT_NSIG || h->pdeath_signal > CKPT_NSIG)
		return ckpt_err(ctx, -EINVAL, "task %u: bad exit or death signal",
				h->pid);
	if ((h->personality & PER_MASK) != PER_LINUX ||
	    h->personality & ~(PER_MASK | CKPT_PER_FLAGS))
		return ckpt_err(ctx, -EINVAL, "task %u: bad personality %#x",
				h->pid, h->personality);
	if (h->flags & ~CKPT_TASK_FLAGS)
		return ckpt_err(ctx, -EINVAL, "task %u: unknown flags %#x",
				h->pid, h->flags);
	if (h->blocked & kill_stop)
		return ckpt_err(ctx, -EINVAL,
				"task %u: SIGKILL or SIGSTOP blocked", h->pid);
	if (!memchr(h->comm, 0, sizeof(h->comm)))
		return ckpt_err(ctx, -EINVAL, "task %u: comm not terminated",
				h->pid);

	ret = ckpt_check_uaddr(ctx, h->clear_child_tid, sizeof(u32),
			       "clear_child_tid");
	if (!ret)
		ret = ckpt_check_uaddr(ctx, h->robust_list, h->robust_list_len,
				       "robust list");
	if (!ret)
		ret = ckpt_check_uaddr(ctx, h->rseq, h->rseq_len, "rseq area");
	if (!ret)
		ret = ckpt_check_uaddr(ctx, h->sas_ss_sp, h->sas_ss_size,
				       "signal stack");
	if (ret)
		return ret;
	if (h->robust_list_len !=
	    (h->robust_list ? sizeof(struct robust_list_head) : 0))
		return ckpt_err(ctx, -EINVAL, "task %u: bad robust list length",
				h->pid);
	if (h->rseq && (h->rseq_len < CKPT_RSEQ_MIN || h->rseq_len > PAGE_SIZE ||
			!IS_ALIGNED(h->rseq, CKPT_RSEQ_MIN)))
		return ckpt_err(ctx, -EINVAL, "task %u: bad rseq area", h->pid);
	if (!h->rseq && (h->rseq_len || h->rseq_sig))
		return ckpt_err(ctx, -EINVAL, "task %u: stray rseq fields",
				h->pid);
	ss_mode = h->sas_ss_flags & ~SS_FLAG_BITS;
	if (ss_mode && ss_mode != SS_ONSTACK && ss_mode != SS_DISABLE)
		return ckpt_err(ctx, -EINVAL, "task %u: bad sigaltstack flags",
				h->pid);
	ret = ckpt_check_task_refs(ctx, h);
	if (ret || ckpt_verify_only(ctx))
		return ret;
	return ckpt_task_apply(ctx, h);
}

/**
 * ckpt_sighand_checkpoint() - write the signal dispositions of a task
 * @ctx: checkpoint context
 * @t: the task
 * @objref: id of the CKPT_HDR_SIGHAND object, on return
 *
 * Return: 0 or a negative errno.
 */
int ckpt_sighand_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			    u32 *objref)
{
	struct ckpt_hdr_sighand *h;
	struct sighand_struct *sighand;
	unsigned long irqflags;
	int i, ret;

	/* Its thread group's, written already; its users counted */
	rcu_read_lock();
	sighand = rcu_dereference(t->sighand);
	if (sighand && ckpt_obj_find(ctx, sighand, CKPT_OBJ_SIGHAND, objref)) {
		rcu_read_unlock();
		return ckpt_obj_lookup_add(ctx, sighand, CKPT_OBJ_SIGHAND,
					   objref);
	}
	rcu_read_unlock();

	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		return -ENOMEM;
	sighand = lock_task_sighand(t, &irqflags);
	if (!sighand) {
		ret = ckpt_err(ctx, -EBUSY, "pid %d is exiting",
			       task_pid_vnr(t));
		goto free;
	}
	for (i = 0; i < CKPT_NSIG; i++) {
		const struct sigaction *sa = &sighand->action[i].sa;

		h->action[i].handler = ckpt_uptr(sa->sa_handler);
		h->action[i].flags = sa->sa_flags;
#ifdef __ARCH_HAS_SA_RESTORER
		h->action[i].restorer = ckpt_uptr(sa->sa_restorer);
#endif
		h->action[i].mask = sa->sa_mask.sig[0];
	}
	unlock_task_sighand(t, &irqflags);

	ret = ckpt_obj_lookup_add(ctx, sighand, CKPT_OBJ_SIGHAND, objref);
	if (ret <= 0)
		goto free;
	h->objref = *objref;
	h->nr = CKPT_NSIG;
	ret = ckpt_write_obj(ctx, h, CKPT_HDR_SIGHAND);
free:
	kfree(h);
	return ret;
}

/**
 * ckpt_sighand_restore() - validate and take the signal dispositions
 * @ctx: restart context
 * @h: the record
 *
 * Unless only verifying, current takes them.
 *
 * Return: 0, or -EINVAL with a log line naming the bad entry.
 */
int ckpt_sighand_restore(struct ckpt_ctx *ctx,
			 const struct ckpt_hdr_sighand *h)
{
	u64 kill_stop = sigmask(SIGKILL) | sigmask(SIGSTOP);
	int i, ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->nr != CKPT_NSIG)
		return ckpt_err(ctx, -EINVAL, "sighand: %u signals, not %u",
				h->nr, CKPT_NSIG);
	for (i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *sa = &h->action[i];
		int sig = i + 1;

		if (sa->handler >= TASK_SIZE_MAX ||
		    sa->restorer >= TASK_SIZE_MAX)
			return ckpt_err(ctx, -EINVAL,
					"sighand: signal %d: bad address", sig);
		if (sa->flags & ~(u64)UAPI_SA_FLAGS)
			return ckpt_err(ctx, -EINVAL,
					"sighand: signal %d: bad flags %#llx",
					sig, sa->flags);
		if (sa->mask & kill_stop)
			return ckpt_err(ctx, -EINVAL,
					"sighand: signal %d: SIGKILL or SIGSTOP in mask",
					sig);
		if (sig_kernel_only(sig) &&
		    (sa->handler || sa->flags || sa->restorer || sa->mask))
			return ckpt_err(ctx, -EINVAL,
					"sighand: signal %d must be default", sig);
	}
	ret = ckpt_obj_define(ctx, h->objref, CKPT_OBJ_SIGHAND);
	if (ret || ckpt_verify_only(ctx))
		return ret;
	for (i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *sa = &h->action[i];
		struct k_sigaction ka = {};

		if (sig_kernel_only(i + 1))
			continue;
		ka.sa.sa_handler = (__sighandler_t)(unsigned long)sa->handler;
		ka.sa.sa_flags = sa->flags;
#ifdef __ARCH_HAS_SA_RESTORER
		ka.sa.sa_restorer = (__sigrestore_t)(unsigned long)sa->restorer;
#endif
		siginitset(&ka.sa.sa_mask, sa->mask);
		ret = do_sigaction(i + 1, &ka, NULL);
		if (ret)
			return ckpt_err(ctx, ret, "sighand: signal %d", i + 1);
	}
	return 0;
}
