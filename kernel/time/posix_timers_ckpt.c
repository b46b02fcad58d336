// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of POSIX timers (timer_create(2)).
 *
 * A timer is saved as timer_gettime(2) sees it (time left and period),
 * with its id, clock, sigevent and overrun counts, and whether its
 * signal is queued.  The queued signal of a timer is its own struct
 * sigqueue, which is saved here rather than among the task's pending
 * signals: restart queues that one again, so that delivering it rearms
 * a periodic timer and reports its overruns as it would have.
 *
 * Only the clocks the hrtimer and alarm code run are handled; timers on
 * a CPU-time clock are refused.  A timer armed with TIMER_ABSTIME on
 * CLOCK_REALTIME keeps its wall-clock expiry; every other one its time
 * left, counted again from the restart.
 *
 * Locking follows kernel/time/posix-timers.c: timer::it_lock nests
 * outside sighand::siglock, which protects signal::posix_timers; the
 * timers are freed after an RCU grace period, so a timer found on the
 * list can be locked after the siglock is dropped, and is still the
 * group's if its it_signal says so.
 */

#include <linux/checkpoint.h>
#include <linux/hrtimer.h>
#include <linux/posix-timers.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/time64.h>

#include "posix-timers.h"

/* The clocks whose timers are saved: hrtimer and alarm based */
static bool posix_timer_ckpt_clock(clockid_t clock)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		return true;
	}
	return false;
}

/* The sigev_notify values timer_create(2) takes */
static bool posix_timer_ckpt_notify(u32 notify)
{
	return notify == SIGEV_SIGNAL || notify == SIGEV_NONE ||
	       notify == SIGEV_THREAD ||
	       notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID);
}

/* What posix_timer_save() found wrong, for the log */
enum {
	PT_OK,
	PT_DELETED,
	PT_CLOCK,
	PT_THREAD,
	PT_LOST_SIGNAL,
	PT_EXITING,
};

/*
 * Read @timr of @t's thread group into @rec, under the timer's lock,
 * as timer_gettime(2) does (which may move a periodic timer's expiry
 * past now, counting the overruns)
 */
static int posix_timer_save(struct ckpt_ctx *ctx, struct task_struct *t,
			    struct k_itimer *timr,
			    struct ckpt_hdr_posix_timer *rec)
{
	struct itimerspec64 cur = {};
	const struct k_clock *kc;
	unsigned long flags, irqflags;
	bool pending = false;
	int sys_private = 0;
	u32 sig_overrun = 0;
	int ret = PT_OK;

	spin_lock_irqsave(&timr->it_lock, flags);
	if (timr->it_signal != t->signal) {
		ret = PT_DELETED;
		goto unlock;
	}
	rec->id = timr->it_id;
	rec->clockid = timr->it_clock;
	kc = timr->kclock;
	if (!posix_timer_ckpt_clock(timr->it_clock) || !kc->timer_arm) {
		ret = PT_CLOCK;
		goto unlock;
	}
	rec->notify = timr->it_sigev_notify;
	rec->signo = timr->sigq->info.si_signo;
	rec->value = (unsigned long)timr->sigq->info.si_value.sival_ptr;
	if (timr->it_sigev_notify & SIGEV_THREAD_ID) {
		rcu_read_lock();
		if (pid_task(timr->it_pid, PIDTYPE_PID))
			rec->tid = ckpt_pid_nr(ctx, timr->it_pid);
		rcu_read_unlock();
		if (!rec->tid) {
			ret = PT_THREAD;
			goto unlock;
		}
	}

	kc->timer_get(timr, &cur);
	rec->value_ns = timespec64_to_ns(&cur.it_value);
	rec->interval_ns = timespec64_to_ns(&cur.it_interval);
	/* A relative CLOCK_REALTIME timer runs on CLOCK_MONOTONIC */
	if (timr->it_clock == CLOCK_REALTIME && rec->value_ns &&
	    timr->it.real.timer.base->clockid == CLOCK_REALTIME) {
		rec->flags |= CKPT_POSIX_TIMER_ABSTIME;
		rec->value_ns = ktime_to_ns(hrtimer_get_expires(&timr->it.real.timer));
	}
	rec->overrun = timr->it_overrun;
	rec->overrun_last = timr->it_overrun_last;

	if (!lock_task_sighand(t, &irqflags)) {
		ret = PT_EXITING;
		goto unlock;
	}
	if (!list_empty(&timr->sigq->list)) {
		pending = true;
		sig_overrun = timr->sigq->info.si_overrun;
		sys_private = timr->sigq->info.si_sys_private;
	}
	unlock_task_sighand(t, &irqflags);

	if (pending) {
		rec->flags |= CKPT_POSIX_TIMER_PENDING;
		rec->sig_overrun = sig_overrun;
		if (timr->it_interval && sys_private &&
		    sys_private == timr->it_requeue_pending)
			rec->flags |= CKPT_POSIX_TIMER_REARM;
	} else if (timr->it_interval &&
		   timr->it_requeue_pending & REQUEUE_PENDING) {
		/* Its signal was flushed: only queueing one again rearms it */
		ret = PT_LOST_SIGNAL;
	}
unlock:
	spin_unlock_irqrestore(&timr->it_lock, flags);
	return ret;
}

static int posix_timer_cmp(const void *a, const void *b)
{
	const struct ckpt_hdr_posix_timer *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int posix_timers_log(struct ckpt_ctx *ctx, pid_t pid, int why,
			    const struct ckpt_hdr_posix_timer *rec)
{
	switch (why) {
	case PT_DELETED:
		return ckpt_err(ctx, -EBUSY,
				"pid %d: its POSIX timers changed meanwhile", pid);
	case PT_CLOCK:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: POSIX timer %u on clock %d not supported",
				pid, rec->id, rec->clockid);
	case PT_THREAD:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: POSIX timer %u signals a thread that exited: not supported",
				pid, rec->id);
	case PT_LOST_SIGNAL:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: POSIX timer %u expired while its signal was ignored: not supported",
				pid, rec->id);
	case PT_EXITING:
		return ckpt_err(ctx, -EBUSY, "pid %d is exiting", pid);
	}
	return 0;
}

/**
 * posix_timers_checkpoint() - read the POSIX timers of a thread group
 * @ctx: checkpoint context
 * @t: a task of the group, stopped, as all its threads are
 * @recs: the timers' records, in increasing id, on return; kvfree() them
 * @nr: how many, on return
 * @next_id: where the group's next timer_create(2) starts, on return
 *
 * Return: 0; -EOPNOTSUPP (with a log line) for a timer restart could
 * not give back; -EBUSY if the group is exiting or its timers changed;
 * or -ENOMEM.
 */
int posix_timers_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			    struct ckpt_hdr_posix_timer **recs, u32 *nr,
			    u32 *next_id)
{
	struct signal_struct *sig = t->signal;
	struct ckpt_hdr_posix_timer *r = NULL;
	struct k_itimer *timr, **timers = NULL;
	pid_t pid = task_pid_vnr(t);
	unsigned int n = 0, i = 0;
	unsigned long irqflags;
	int why = PT_OK;

	*recs = NULL;
	*nr = 0;
	if (!lock_task_sighand(t, &irqflags))
		return ckpt_err(ctx, -EBUSY, "pid %d is exiting", pid);
	hlist_for_each_entry(timr, &sig->posix_timers, list)
		n++;
	*next_id = READ_ONCE(sig->next_posix_timer_id);
	unlock_task_sighand(t, &irqflags);
	if (!n)
		return 0;
	if (n > CKPT_POSIX_TIMERS_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: %u POSIX timers, more than %u", pid,
				n, CKPT_POSIX_TIMERS_MAX);

	timers = kcalloc(n, sizeof(*timers), GFP_KERNEL);
	r = kvcalloc(n, sizeof(*r), GFP_KERNEL);
	if (!timers || !r) {
		kfree(timers);
		kvfree(r);
		return -ENOMEM;
	}

	rcu_read_lock();
	if (lock_task_sighand(t, &irqflags)) {
		hlist_for_each_entry(timr, &sig->posix_timers, list) {
			if (i == n) {
				why = PT_DELETED;
				break;
			}
			timers[i++] = timr;
		}
		unlock_task_sighand(t, &irqflags);
		if (i != n)
			why = PT_DELETED;
	} else {
		why = PT_EXITING;
	}
	for (i = 0; i < n && why == PT_OK; i++)
		why = posix_timer_save(ctx, t, timers[i], &r[i]);
	rcu_read_unlock();
	kfree(timers);
	if (why != PT_OK) {
		why = posix_timers_log(ctx, pid, why, &r[i ? i - 1 : 0]);
		kvfree(r);
		return why;
	}

	sort(r, n, sizeof(*r), posix_timer_cmp, NULL);
	*recs = r;
	*nr = n;
	ckpt_log(ctx, "pid %d: %u POSIX timer(s)", pid, n);
	return 0;
}

/**
 * posix_timer_check() - validate a POSIX timer record of an image
 * @ctx: restart context
 * @h: the record, of a known size
 *
 * Return: 0, or -EINVAL with a log line naming the bad field.
 */
int posix_timer_check(struct ckpt_ctx *ctx, const struct ckpt_hdr_posix_timer *h)
{
	bool pending = h->flags & CKPT_POSIX_TIMER_PENDING;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->id > INT_MAX)
		return ckpt_bad(ctx, "POSIX_TIMER", "id", "%u", h->id);
	if (!posix_timer_ckpt_clock(h->clockid))
		return ckpt_bad(ctx, "POSIX_TIMER", "clockid", "%d", h->clockid);
	if (!posix_timer_ckpt_notify(h->notify))
		return ckpt_bad(ctx, "POSIX_TIMER", "notify", "%#x", h->notify);
	if (h->notify != SIGEV_NONE && (!h->signo || h->signo > SIGRTMAX))
		return ckpt_bad(ctx, "POSIX_TIMER", "signo", "%u", h->signo);
	if ((h->notify & SIGEV_THREAD_ID) ? !h->tid || h->tid > PID_MAX_LIMIT
					  : h->tid)
		return ckpt_bad(ctx, "POSIX_TIMER", "tid", "%u for notify %#x",
				h->tid, h->notify);
	if (h->flags & ~CKPT_POSIX_TIMER_FLAGS ||
	    (h->flags & CKPT_POSIX_TIMER_ABSTIME &&
	     (h->clockid != CLOCK_REALTIME || !h->value_ns)) ||
	    (pending && h->notify == SIGEV_NONE) ||
	    (h->flags & CKPT_POSIX_TIMER_REARM &&
	     (!pending || !h->value_ns || !h->interval_ns)))
		return ckpt_bad(ctx, "POSIX_TIMER", "flags", "%#x", h->flags);
	if (h->value_ns > KTIME_MAX || h->interval_ns > KTIME_MAX ||
	    (!h->value_ns && h->interval_ns))
		return ckpt_bad(ctx, "POSIX_TIMER", "time",
				"%llu ns left, interval %llu ns", h->value_ns,
				h->interval_ns);
	if (h->overrun < -1 || h->overrun > INT_MAX ||
	    h->overrun_last < -1 || h->overrun_last > INT_MAX)
		return ckpt_bad(ctx, "POSIX_TIMER", "overrun", "%lld, last %lld",
				h->overrun, h->overrun_last);
	if (h->sig_overrun > INT_MAX || (!pending && h->sig_overrun))
		return ckpt_bad(ctx, "POSIX_TIMER", "sig_overrun", "%u",
				h->sig_overrun);
	return ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad),
			      "POSIX_TIMER record");
}

/* The timer of current's group with id @id, NULL if none */
static struct k_itimer *posix_timer_ckpt_find(timer_t id)
{
	struct k_itimer *timr, *found = NULL;
	unsigned long irqflags;

	if (!lock_task_sighand(current, &irqflags))
		return NULL;
	hlist_for_each_entry(timr, &current->signal->posix_timers, list) {
		if (timr->it_id == id) {
			found = timr;
			break;
		}
	}
	unlock_task_sighand(current, &irqflags);
	return found;
}

/*
 * Arm @timr as the image had it, and queue its signal again if it
 * was; called with its lock held.  Return: 0, or 1 if the signal is
 * now ignored.
 */
static int posix_timer_set(struct k_itimer *timr,
			   const struct ckpt_hdr_posix_timer *h)
{
	bool rearm = h->flags & CKPT_POSIX_TIMER_REARM;
	const struct k_clock *kc = timr->kclock;
	struct itimerspec64 spec;
	unsigned long irqflags;
	enum pid_type type;
	int ret;

	spec.it_value = ns_to_timespec64(h->value_ns);
	spec.it_interval = ns_to_timespec64(h->interval_ns);
	posix_timer_set_common(timr, &spec);
	if (h->value_ns) {
		/* One waiting for its signal to be delivered is not started */
		kc->timer_arm(timr, ns_to_ktime(h->value_ns),
			      h->flags & CKPT_POSIX_TIMER_ABSTIME,
			      h->notify == SIGEV_NONE || rearm);
		timr->it_active = !rearm;
	}
	timr->it_overrun = h->overrun;
	timr->it_overrun_last = h->overrun_last;
	if (!(h->flags & CKPT_POSIX_TIMER_PENDING))
		return 0;

	if (rearm)
		timr->it_requeue_pending |= REQUEUE_PENDING;
	timr->sigq->info.si_sys_private = rearm ? timr->it_requeue_pending : 0;
	type = h->notify & SIGEV_THREAD_ID ? PIDTYPE_PID : PIDTYPE_TGID;
	ret = send_sigqueue(timr->sigq, timr->it_pid, type);
	if (ret || !lock_task_sighand(current, &irqflags))
		return 1;
	timr->sigq->info.si_overrun = h->sig_overrun;
	unlock_task_sighand(current, &irqflags);
	return 0;
}

/**
 * posix_timer_restore() - give current's thread group a timer again
 * @ctx: restart context
 * @h: its record, checked by posix_timer_check()
 * @tid: for SIGEV_THREAD_ID, the thread to signal, in current's pid
 *	namespace
 *
 * Creates the timer as timer_create(2) would, with the restarter's
 * rights (an alarm clock needs CAP_WAKE_ALARM), with the image's id,
 * then arms it.  Called once the whole tree exists, before any of it
 * runs.
 *
 * Return: 0, or an error with a log line.
 */
int posix_timer_restore(struct ckpt_ctx *ctx,
			const struct ckpt_hdr_posix_timer *h, pid_t tid)
{
	struct signal_struct *sig = current->signal;
	struct k_itimer *timr;
	sigevent_t ev = {};
	unsigned long flags;
	timer_t id;
	int ret;

	ev.sigev_notify = h->notify;
	ev.sigev_signo = h->signo;
	ev.sigev_value.sival_ptr = u64_to_user_ptr(h->value);
	ev.sigev_notify_thread_id = tid;
	/* Nothing else creates timers in the group meanwhile */
	WRITE_ONCE(sig->next_posix_timer_id, h->id);
	ret = posix_timer_create_id(h->clockid, &ev, &id);
	if (ret)
		return ckpt_err(ctx, ret, "POSIX timer %u: cannot create it",
				h->id);
	if (id != h->id)
		return ckpt_err(ctx, -EINVAL,
				"POSIX timer %u: created as timer %d", h->id, id);

	rcu_read_lock();
	timr = posix_timer_ckpt_find(id);
	if (timr) {
		spin_lock_irqsave(&timr->it_lock, flags);
		if (timr->it_signal == sig)
			ret = posix_timer_set(timr, h);
		else
			ret = -ENOENT;
		spin_unlock_irqrestore(&timr->it_lock, flags);
	}
	rcu_read_unlock();
	if (!timr || ret < 0)
		return ckpt_err(ctx, -EBUSY, "POSIX timer %u: deleted meanwhile",
				h->id);
	if (ret)
		return ckpt_err(ctx, -EINVAL,
				"POSIX timer %u: its signal %u is ignored",
				h->id, h->signo);
	return 0;
}
