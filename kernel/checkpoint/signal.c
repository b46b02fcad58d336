// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: what the threads of a thread group share (struct
 * signal_struct): the resource limits, the interval timers and the child
 * subreaper mark; with them, the dumpable mode of the group's address
 * space; and the pending signals, of the task and of its group.
 *
 * Restart sets the limits and arms the timers (the interval timers and
 * the POSIX timers, whose records follow the group's SIGNAL record) in
 * a step deferred to the end of the restore (ckpt_defer()), so that the
 * image's lower limits (RLIMIT_NOFILE, RLIMIT_AS...) do not get in the
 * way of rebuilding the rest, a timer signalling one of the group's
 * threads finds it, and the timers count from when the task runs again.  It sets
 * them as setrlimit(2) and setitimer(2) do, with the restarter's
 * rights: a hard limit above the restarter's needs CAP_SYS_RESOURCE.  The dumpable mode is
 * set once the image's credentials are taken, since taking them may
 * reset it.
 */

#include <linux/checkpoint.h>
#include <linux/hrtimer.h>
#include <linux/posix-timers.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/cputime.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "checkpoint.h"

/**
 * struct ckpt_signal_obj - a thread group's state, as restart keeps it
 * @h: its CKPT_HDR_SIGNAL record
 * @timers: its h.nr_posix_timers POSIX timers, in increasing id
 */
struct ckpt_signal_obj {
	struct ckpt_hdr_signal h;
	struct ckpt_hdr_posix_timer timers[];
};

/*
 * The interval timers of @t, as getitimer(2) would give them to it.
 * Return: 0, -EBUSY if it is exiting, or -EOPNOTSUPP for an ITIMER_REAL
 * that expired while SIGALRM was ignored, which its interval no longer
 * rearms (setitimer(2) cannot make that again).
 */
static int ckpt_itimers(struct task_struct *t, struct ckpt_itimer *it)
{
	struct signal_struct *sig = t->signal;
	u64 samples[CPUCLOCK_MAX] = {};
	unsigned long irqflags;
	ktime_t rem;
	int i;

	BUILD_BUG_ON(ITIMER_REAL != 0 || ITIMER_VIRTUAL != 1 ||
		     ITIMER_PROF != 2 || CKPT_NR_ITIMERS != 3);
	if (!lock_task_sighand(t, &irqflags))
		return -EBUSY;
	rem = hrtimer_get_remaining(&sig->real_timer);
	if (hrtimer_active(&sig->real_timer))
		it[ITIMER_REAL].value_ns = rem > 0 ? rem : NSEC_PER_USEC;
	it[ITIMER_REAL].interval_ns = ktime_to_ns(sig->it_real_incr);
	/* Only sampled with a CPU timer armed, as getitimer(2) does */
	if (sig->it[CPUCLOCK_VIRT].expires || sig->it[CPUCLOCK_PROF].expires)
		thread_group_sample_cputime(t, samples);
	for (i = ITIMER_VIRTUAL; i <= ITIMER_PROF; i++) {
		int clock = i == ITIMER_VIRTUAL ? CPUCLOCK_VIRT : CPUCLOCK_PROF;
		u64 expires = sig->it[clock].expires;

		/* Due already: about to fire, as getitimer(2) says */
		if (expires)
			it[i].value_ns = expires > samples[clock] ?
					 expires - samples[clock] : TICK_NSEC;
		it[i].interval_ns = sig->it[clock].incr;
	}
	unlock_task_sighand(t, &irqflags);
	if (!it[ITIMER_REAL].value_ns && it[ITIMER_REAL].interval_ns)
		return -EOPNOTSUPP;
	return 0;
}

/**
 * ckpt_signal_checkpoint() - write the thread group state of a task
 * @ctx: checkpoint context
 * @t: the task, stopped
 * @objref: id of its CKPT_HDR_SIGNAL object, on return
 *
 * The signal_struct is not referenced by the object table: the tasks of
 * the checkpoint, which are, keep it.
 *
 * The group's POSIX timers follow the record, one record each.
 *
 * Return: 0; -EOPNOTSUPP (with a log line) for a dumpable mode or a
 * timer that restart could not give back; -EBUSY for a task exiting;
 * -ENOMEM; or the error of a write.
 */
int ckpt_signal_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			   u32 *objref)
{
	struct signal_struct *sig = t->signal;
	struct ckpt_hdr_posix_timer *timers;
	struct ckpt_hdr_signal h = {};
	int i, ret, dumpable = -1;
	u32 nr_timers;

	BUILD_BUG_ON(RLIM_NLIMITS != CKPT_RLIM_NLIMITS);
	BUILD_BUG_ON(sizeof(sig->rlim[0].rlim_cur) != sizeof(h.rlim[0].cur));

	if (ckpt_obj_find(ctx, sig, CKPT_OBJ_SIGNAL, objref))
		return 0;

	task_lock(t);
	if (t->mm)
		dumpable = get_dumpable(t->mm);
	task_unlock(t);
	if (dumpable < 0)
		return ckpt_err(ctx, -EBUSY, "pid %d is exiting",
				task_pid_vnr(t));
	ret = ckpt_itimers(t, h.itimer);
	if (ret == -EBUSY)
		return ckpt_err(ctx, ret, "pid %d is exiting", task_pid_vnr(t));
	if (ret)
		return ckpt_err(ctx, ret,
				"pid %d: ITIMER_REAL expired with SIGALRM ignored: not supported",
				task_pid_vnr(t));
	/* SUID_DUMP_ROOT only comes from an execve() of a set-id program */
	if (dumpable != SUID_DUMP_DISABLE && dumpable != SUID_DUMP_USER)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: dumpable mode %d (fs.suid_dumpable) not supported",
				task_pid_vnr(t), dumpable);
	h.dumpable = dumpable;

	task_lock(t->group_leader);
	for (i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		h.rlim[i].cur = sig->rlim[i].rlim_cur;
		h.rlim[i].max = sig->rlim[i].rlim_max;
	}
	task_unlock(t->group_leader);
	h.nr_rlimits = CKPT_RLIM_NLIMITS;
	if (sig->is_child_subreaper)
		h.flags |= CKPT_SIGNAL_CHILD_SUBREAPER;

	ret = posix_timers_checkpoint(ctx, t, &timers, &nr_timers,
				      &h.next_posix_timer_id);
	if (ret)
		return ret;
	h.nr_posix_timers = nr_timers;
	ret = ckpt_obj_lookup_add(ctx, sig, CKPT_OBJ_SIGNAL, objref);
	if (ret <= 0)
		goto out;
	h.objref = *objref;
	ret = ckpt_write_obj(ctx, &h, CKPT_HDR_SIGNAL);
	for (i = 0; i < nr_timers && !ret; i++)
		ret = ckpt_write_obj(ctx, &timers[i], CKPT_HDR_POSIX_TIMER);
out:
	kvfree(timers);
	return ret;
}

/**
 * ckpt_signal_restore() - validate the thread group state of an image
 * @ctx: restart context
 * @h: the CKPT_HDR_SIGNAL record
 *
 * Reads and checks the POSIX_TIMER records that follow it.  Unless only
 * verifying, keeps a copy of all in the object table, for the tasks
 * that refer to it (ckpt_signal_take()).
 *
 * Return: 0, -EINVAL with a log line naming the bad field, -ENOMEM, or
 * the error of a read.
 */
int ckpt_signal_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_signal *h)
{
	const struct ckpt_hdr_posix_timer *pt;
	struct ckpt_signal_obj *obj;
	u32 i, nr, objref, prev_id = 0;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->flags & ~CKPT_SIGNAL_FLAGS)
		return ckpt_bad(ctx, "SIGNAL", "flags", "%#x", h->flags);
	if (h->dumpable != SUID_DUMP_DISABLE && h->dumpable != SUID_DUMP_USER)
		return ckpt_bad(ctx, "SIGNAL", "dumpable", "%u", h->dumpable);
	if (h->nr_rlimits != CKPT_RLIM_NLIMITS)
		return ckpt_bad(ctx, "SIGNAL", "nr_rlimits", "%u, not %u",
				h->nr_rlimits, CKPT_RLIM_NLIMITS);
	if (h->nr_posix_timers > CKPT_POSIX_TIMERS_MAX)
		return ckpt_bad(ctx, "SIGNAL", "nr_posix_timers", "%u, more than %u",
				h->nr_posix_timers, CKPT_POSIX_TIMERS_MAX);
	if (h->next_posix_timer_id > INT_MAX)
		return ckpt_bad(ctx, "SIGNAL", "next_posix_timer_id", "%u",
				h->next_posix_timer_id);
	for (i = 0; i < CKPT_RLIM_NLIMITS; i++)
		if (h->rlim[i].cur > h->rlim[i].max)
			return ckpt_bad(ctx, "SIGNAL", "rlim",
					"%d: soft limit %llu above hard limit %llu",
					i, h->rlim[i].cur, h->rlim[i].max);
	for (i = 0; i < CKPT_NR_ITIMERS; i++)
		if (h->itimer[i].value_ns > KTIME_MAX ||
		    h->itimer[i].interval_ns > KTIME_MAX ||
		    (i == ITIMER_REAL && !h->itimer[i].value_ns &&
		     h->itimer[i].interval_ns))
			return ckpt_bad(ctx, "SIGNAL", "itimer",
					"%d: %llu ns left, interval %llu ns", i,
					h->itimer[i].value_ns,
					h->itimer[i].interval_ns);

	/* @h is only valid until the next record is read */
	nr = h->nr_posix_timers;
	objref = h->objref;
	obj = kvmalloc(struct_size(obj, timers, ckpt_verify_only(ctx) ? 0 : nr),
		       GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	obj->h = *h;
	for (i = 0; i < nr; i++) {
		pt = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_POSIX_TIMER);
		ret = PTR_ERR_OR_ZERO(pt) ?: posix_timer_check(ctx, pt);
		if (!ret && i && pt->id <= prev_id)
			ret = ckpt_bad(ctx, "POSIX_TIMER", "id",
				       "%u after %u: not in increasing order",
				       pt->id, prev_id);
		if (ret) {
			kvfree(obj);
			return ret;
		}
		prev_id = pt->id;
		if (!ckpt_verify_only(ctx))
			obj->timers[i] = *pt;
	}
	if (ckpt_verify_only(ctx)) {
		kvfree(obj);
		return ckpt_obj_define(ctx, objref, CKPT_OBJ_SIGNAL);
	}
	return ckpt_obj_insert(ctx, objref, CKPT_OBJ_SIGNAL, obj);
}

static void ckpt_signal_free(void *data)
{
	kvfree(data);
}

/* The thread a timer of current's group signals, in current's pid ns */
static int ckpt_timer_thread(struct ckpt_ctx *ctx,
			     const struct ckpt_hdr_posix_timer *pt, pid_t *tid)
{
	struct ckpt_rtask *rt = ckpt_rtask_of(ctx, pt->tid);

	if (!rt || !rt->task || rt->clone.flags & CKPT_CLONE_ZOMBIE ||
	    rt->tgid != ctx->rtask->tgid)
		return ckpt_err(ctx, -EINVAL,
				"POSIX timer %u: task %u is not a thread of its group",
				pt->id, pt->tid);
	*tid = task_pid_vnr(rt->task);
	return 0;
}

/* The POSIX timers of the image, each with its id; then the next id */
static int ckpt_posix_timers_apply(struct ckpt_ctx *ctx,
				   const struct ckpt_signal_obj *obj)
{
	const struct ckpt_hdr_posix_timer *pt;
	pid_t tid;
	u32 i;
	int ret;

	for (i = 0; i < obj->h.nr_posix_timers; i++) {
		pt = &obj->timers[i];
		tid = 0;
		ret = 0;
		if (pt->notify & SIGEV_THREAD_ID)
			ret = ckpt_timer_thread(ctx, pt, &tid);
		ret = ret ?: posix_timer_restore(ctx, pt, tid);
		if (ret)
			return ret;
	}
	WRITE_ONCE(current->signal->next_posix_timer_id,
		   obj->h.next_posix_timer_id);
	return 0;
}

/*
 * Deferred: the POSIX timers, the resource limits and the interval
 * timers of the image, as timer_create(2), setrlimit(2) and
 * setitimer(2) set them
 */
static int ckpt_signal_apply(struct ckpt_ctx *ctx, void *data)
{
	const struct ckpt_signal_obj *obj = data;
	const struct ckpt_hdr_signal *h = &obj->h;
	const struct ckpt_rlimit *rlim = h->rlim;
	struct itimerspec64 spec;
	struct rlimit new;
	int i, ret;

	ret = ckpt_posix_timers_apply(ctx, obj);
	if (ret)
		return ret;
	for (i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		new.rlim_cur = rlim[i].cur;
		new.rlim_max = rlim[i].max;
		ret = do_prlimit(current, i, &new, NULL);
		if (ret)
			return ckpt_err(ctx, ret,
					"signal: cannot set resource limit %d to %llu (hard %llu)",
					i, rlim[i].cur, rlim[i].max);
	}
	for (i = 0; i < CKPT_NR_ITIMERS; i++) {
		spec.it_value = ns_to_timespec64(h->itimer[i].value_ns);
		spec.it_interval = ns_to_timespec64(h->itimer[i].interval_ns);
		ret = do_setitimer(i, &spec, NULL);
		if (ret)
			return ckpt_err(ctx, ret, "signal: cannot set itimer %d",
					i);
	}
	return 0;
}

/**
 * ckpt_signal_take() - give current the thread group state of an image
 * @ctx: restart context
 * @objref: its CKPT_HDR_SIGNAL object, already checked
 *
 * Marks current a child subreaper as the image says, notes its dumpable
 * mode for the end of the restore, and defers setting its resource
 * limits and making its timers until everything else is restored.
 *
 * Return: 0, -EINVAL if the object was not built, or -ENOMEM.
 */
int ckpt_signal_take(struct ckpt_ctx *ctx, u32 objref)
{
	const struct ckpt_signal_obj *obj;
	const struct ckpt_hdr_signal *h;
	void *copy;

	obj = ckpt_obj_fetch(ctx, objref, CKPT_OBJ_SIGNAL);
	if (!obj)
		return ckpt_err(ctx, -EINVAL, "signal %u was not built", objref);
	h = &obj->h;
	/* No child to tell yet: the children it forks inherit the mark */
	if (h->flags & CKPT_SIGNAL_CHILD_SUBREAPER)
		current->signal->is_child_subreaper = 1;
	ctx->rtask->dumpable = h->dumpable;

	copy = kvmemdup(obj, struct_size(obj, timers, h->nr_posix_timers),
			GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	return ckpt_defer(ctx, ckpt_signal_apply, ckpt_signal_free, copy);
}

/* A queue of pending signals, walked under the siglock */
struct ckpt_sigpending_walk {
	struct ckpt_hdr_sigpending *recs;
	unsigned int nr;
	unsigned int size;
};

static int ckpt_sigpending_add(struct ckpt_sigpending_walk *w, u32 queue,
			       int sig, const kernel_siginfo_t *info)
{
	struct ckpt_hdr_sigpending *r;

	if (w->nr == w->size)
		return -ENOSPC;
	r = &w->recs[w->nr++];
	memset(r, 0, sizeof(*r));
	r->queue = queue;
	r->signo = sig;
	if (info) {
		memcpy(r->info, info, sizeof(*info));
	} else {
		/* What dequeue_signal() makes of a signal without an entry */
		kernel_siginfo_t si;

		clear_siginfo(&si);
		si.si_signo = sig;
		si.si_code = SI_USER;
		memcpy(r->info, &si, sizeof(si));
	}
	return 0;
}

/* The signals of one queue: each bit, with its entries in queue order */
static int ckpt_sigpending_queue(struct ckpt_sigpending_walk *w, u32 queue,
				 struct sigpending *pending)
{
	struct sigqueue *q;
	int sig, ret;
	bool found;

	for (sig = 1; sig <= CKPT_NSIG; sig++) {
		if (!sigismember(&pending->signal, sig))
			continue;
		found = false;
		list_for_each_entry(q, &pending->list, list) {
			if (q->info.si_signo != sig)
				continue;
			found = true;
			/* A POSIX timer's own entry: saved with the timer */
			if (q->flags & SIGQUEUE_PREALLOC)
				continue;
			ret = ckpt_sigpending_add(w, queue, sig, &q->info);
			if (ret)
				return ret;
		}
		if (!found) {
			ret = ckpt_sigpending_add(w, queue, sig, NULL);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Records @pending can need at most: one per entry, and one per signal
 * without an entry
 */
static unsigned int ckpt_sigpending_max(struct sigpending *pending)
{
	struct sigqueue *q;
	unsigned int nr = 0;

	list_for_each_entry(q, &pending->list, list)
		nr++;
	return nr + CKPT_NSIG;
}

/**
 * ckpt_sigpending_checkpoint() - write the pending signals of a task
 * @ctx: checkpoint context
 * @t: the task, stopped
 * @shared: write its thread group's too (for the group leader)
 *
 * The signals pending for the task alone, then those of its thread
 * group if @shared, each signal in increasing number, several of a real-time
 * signal in the order they would be delivered.  They are copied, not
 * dequeued.
 *
 * Return: 0; -EBUSY (with a log line) if the task is being killed or the
 * queues changed meanwhile; -ENOMEM; or the error of a write.
 */
int ckpt_sigpending_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			       bool shared)
{
	struct ckpt_sigpending_walk w = {};
	unsigned long irqflags;
	unsigned int i, size;
	int ret;

	BUILD_BUG_ON(sizeof(kernel_siginfo_t) > CKPT_SIGINFO_SIZE);
	BUILD_BUG_ON(sizeof(siginfo_t) != CKPT_SIGINFO_SIZE);

	if (!lock_task_sighand(t, &irqflags))
		return ckpt_err(ctx, -EBUSY, "pid %d is exiting",
				task_pid_vnr(t));
	size = ckpt_sigpending_max(&t->pending);
	if (shared)
		size += ckpt_sigpending_max(&t->signal->shared_pending);
	unlock_task_sighand(t, &irqflags);

	w.recs = kvcalloc(size, sizeof(*w.recs), GFP_KERNEL);
	if (!w.recs)
		return -ENOMEM;
	w.size = size;
	if (!lock_task_sighand(t, &irqflags)) {
		ret = ckpt_err(ctx, -EBUSY, "pid %d is exiting",
			       task_pid_vnr(t));
		goto free;
	}
	ret = ckpt_sigpending_queue(&w, CKPT_SIGQUEUE_TASK, &t->pending);
	if (!ret && shared)
		ret = ckpt_sigpending_queue(&w, CKPT_SIGQUEUE_SHARED,
					    &t->signal->shared_pending);
	unlock_task_sighand(t, &irqflags);
	if (ret) {
		ret = ckpt_err(ctx, -EBUSY, "pid %d got signals meanwhile",
			       task_pid_vnr(t));
		goto free;
	}

	for (i = 0; i < w.nr && !ret; i++) {
		if (sig_kernel_only(w.recs[i].signo))
			ret = ckpt_err(ctx, -EBUSY,
				       "pid %d has a pending signal %u: it is being killed or stopped",
				       task_pid_vnr(t), w.recs[i].signo);
		else
			ret = ckpt_write_obj(ctx, &w.recs[i],
					     CKPT_HDR_SIGPENDING);
	}
	if (w.nr)
		ckpt_log(ctx, "pid %d: %u pending signal(s)", task_pid_vnr(t),
			 w.nr);
free:
	kvfree(w.recs);
	return ret;
}

/* Deferred: queue the signal again, as the image had it pending */
static int ckpt_sigpending_apply(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_hdr_sigpending *h = data;
	kernel_siginfo_t info;
	int ret;

	memcpy(&info, h->info, sizeof(info));
	ret = do_send_sig_info(h->signo, &info, current,
			       h->queue == CKPT_SIGQUEUE_SHARED ?
			       PIDTYPE_TGID : PIDTYPE_PID);
	if (ret)
		return ckpt_err(ctx, ret, "signal: cannot queue signal %u again",
				h->signo);
	return 0;
}

/* Check one SIGPENDING record, after @prev (queue << 8 | signo) */
static int ckpt_sigpending_check(struct ckpt_ctx *ctx,
				 const struct ckpt_hdr_sigpending *h, u32 *prev)
{
	const kernel_siginfo_t *info = (const void *)h->info;
	u32 key = h->queue << 8 | h->signo;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->queue != CKPT_SIGQUEUE_TASK && h->queue != CKPT_SIGQUEUE_SHARED)
		return ckpt_bad(ctx, "SIGPENDING", "queue", "%u", h->queue);
	/* The group's queue comes with its leader */
	if (h->queue == CKPT_SIGQUEUE_SHARED &&
	    ctx->rtask->clone.flags & CKPT_CLONE_THREAD)
		return ckpt_bad(ctx, "SIGPENDING", "queue", "%u of a thread",
				h->queue);
	if (!h->signo || h->signo > CKPT_NSIG || sig_kernel_only(h->signo))
		return ckpt_bad(ctx, "SIGPENDING", "signo", "%u", h->signo);
	/* In order; a standard signal pends at most once per queue */
	if (key < *prev || (key == *prev && h->signo < SIGRTMIN))
		return ckpt_bad(ctx, "SIGPENDING", "signo",
				"%u of queue %u: out of order or twice",
				h->signo, h->queue);
	*prev = key;
	if (info->si_signo != h->signo)
		return ckpt_bad(ctx, "SIGPENDING", "info", "si_signo %d for %u",
				info->si_signo, h->signo);
	return ckpt_check_pad(ctx, h->info + sizeof(*info),
			      sizeof(h->info) - sizeof(*info),
			      "SIGPENDING record info");
}

/**
 * ckpt_sigpending_restore() - read the pending signals of a task
 * @ctx: restart context
 *
 * Reads the CKPT_HDR_SIGPENDING records that follow a task's SCHED
 * record, and, unless only verifying, defers queueing them to current
 * until the very end of the restore: a pending signal would interrupt
 * the waits of the rest of it.  The task may queue any signal with any
 * siginfo to itself (rt_tgsigqueueinfo(2)), so this grants nothing.
 *
 * Return: 0, -EINVAL with a log line naming the bad field, -ENOMEM, or
 * the error of a read.
 */
int ckpt_sigpending_restore(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_sigpending *h;
	struct ckpt_hdr *rec;
	u32 prev = 0;
	void *copy;
	int ret;

	for (;;) {
		rec = ckpt_read_rec(ctx);
		if (IS_ERR(rec))
			return PTR_ERR(rec);
		if (rec->type != CKPT_HDR_SIGPENDING) {
			ckpt_unread_rec(ctx);
			return 0;
		}
		h = (const void *)rec;
		ret = ckpt_sigpending_check(ctx, h, &prev);
		if (ret)
			return ret;
		if (ckpt_verify_only(ctx))
			continue;
		copy = kmemdup(h, sizeof(*h), GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
		ret = ckpt_defer(ctx, ckpt_sigpending_apply, ckpt_signal_free,
				 copy);
		if (ret)
			return ret;
	}
}
