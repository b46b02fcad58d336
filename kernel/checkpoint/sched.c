// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the scheduling state of a task: policy, nice
 * value, real-time priority, SCHED_RESET_ON_FORK, CPU affinity and
 * timer slack.
 *
 * Restart sets them in a step deferred to the end of the restore
 * (ckpt_defer()), so that the restore itself does not run as a
 * real-time or an idle task, with sched_setattr() and
 * sched_setaffinity() and the restarter's rights: a real-time policy
 * or a lower nice value needs CAP_SYS_NICE or the RLIMIT_RTPRIO and
 * RLIMIT_NICE of the image (set just before), and the affinity is
 * restricted to the CPUs the restarter's cpuset allows.  SCHED_DEADLINE,
 * sched_ext and utilization clamps are refused at checkpoint.
 */

#include <linux/bitmap.h>
#include <linux/checkpoint.h>
#include <linux/cpumask.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/rt.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/sched/types.h>

#include "checkpoint.h"

/* Words of an affinity mask of @nr_cpus bits */
static u32 ckpt_cpu_words(u32 nr_cpus)
{
	return DIV_ROUND_UP(nr_cpus, 64);
}

static bool ckpt_sched_rt(u32 policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR;
}

/* What a SCHED record cannot hold */
static int ckpt_sched_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	pid_t pid = task_pid_vnr(t);

	switch (t->policy) {
	case SCHED_NORMAL:
	case SCHED_FIFO:
	case SCHED_RR:
	case SCHED_BATCH:
	case SCHED_IDLE:
		break;
	default:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: scheduling policy %u not supported",
				pid, t->policy);
	}
#ifdef CONFIG_UCLAMP_TASK
	if (t->uclamp_req[UCLAMP_MIN].user_defined ||
	    t->uclamp_req[UCLAMP_MAX].user_defined)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: utilization clamps not supported", pid);
#endif
	return 0;
}

/**
 * ckpt_sched_checkpoint() - write the scheduling state of a task
 * @ctx: checkpoint context
 * @t: the task, stopped
 *
 * Return: 0; -EOPNOTSUPP (with a log line) for a policy or a setting it
 * cannot save; -ENOMEM; or the error of a write.
 */
int ckpt_sched_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_sched h = {};
	unsigned long irqflags;
	cpumask_var_t mask;
	u64 *words;
	u32 nr;
	int ret;

	ret = ckpt_sched_check_task(ctx, t);
	if (ret)
		return ret;
	h.policy = t->policy;
	h.nice = task_nice(t);
	h.rt_priority = ckpt_sched_rt(t->policy) ? t->rt_priority : 0;
	if (t->sched_reset_on_fork)
		h.flags |= CKPT_SCHED_RESET_ON_FORK;
	h.timer_slack_ns = t->timer_slack_ns;
	h.default_timer_slack_ns = t->default_timer_slack_ns;
	h.nr_cpus = nr_cpu_ids;
	nr = ckpt_cpu_words(h.nr_cpus);

	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	words = kcalloc(nr, sizeof(*words), GFP_KERNEL);
	if (!words) {
		ret = -ENOMEM;
		goto free_mask;
	}
	/* As sched_getaffinity() reports it */
	raw_spin_lock_irqsave(&t->pi_lock, irqflags);
	cpumask_and(mask, &t->cpus_mask, cpu_active_mask);
	raw_spin_unlock_irqrestore(&t->pi_lock, irqflags);
	bitmap_to_arr64(words, cpumask_bits(mask), nr_cpu_ids);

	ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_SCHED, sizeof(h), words,
			     nr * sizeof(*words));
	kfree(words);
free_mask:
	free_cpumask_var(mask);
	return ret;
}

/**
 * struct ckpt_sched_state - what a deferred step sets
 * @h: the checked SCHED record
 * @mask: its affinity, on this machine's CPUs
 */
struct ckpt_sched_state {
	struct ckpt_hdr_sched h;
	cpumask_var_t mask;
};

static void ckpt_sched_free(void *data)
{
	struct ckpt_sched_state *st = data;

	free_cpumask_var(st->mask);
	kfree(st);
}

/* Deferred: the policy, nice value, affinity and timer slack */
static int ckpt_sched_apply(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_sched_state *st = data;
	const struct ckpt_hdr_sched *h = &st->h;
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = SCHED_NORMAL,
		.sched_nice = h->nice,
	};
	int ret;

	if (h->flags & CKPT_SCHED_RESET_ON_FORK)
		attr.sched_flags = SCHED_FLAG_RESET_ON_FORK;
	/* A real-time task keeps a nice value for when it leaves its policy */
	if (ckpt_sched_rt(h->policy)) {
		ret = sched_setattr(current, &attr);
		if (ret)
			return ckpt_err(ctx, ret, "sched: cannot set nice %d",
					h->nice);
	}
	attr.sched_policy = h->policy;
	attr.sched_priority = h->rt_priority;
	ret = sched_setattr(current, &attr);
	if (ret)
		return ckpt_err(ctx, ret,
				"sched: cannot set policy %u (nice %d, priority %u)",
				h->policy, h->nice, h->rt_priority);
	ret = sched_setaffinity(0, st->mask);
	if (ret)
		return ckpt_err(ctx, ret,
				"sched: cannot set the CPU affinity %*pbl",
				cpumask_pr_args(st->mask));
	/* After the policy, which sets it for real-time tasks */
	current->timer_slack_ns = h->timer_slack_ns;
	current->default_timer_slack_ns = h->default_timer_slack_ns;
	return 0;
}

/* Check the record and its affinity, and give it to @st->mask */
static int ckpt_sched_check(struct ckpt_ctx *ctx,
			    const struct ckpt_hdr_sched *h,
			    struct ckpt_sched_state *st)
{
	const u64 *words = (const u64 *)(h + 1);
	u32 nr;
	int ret;

	if (h->policy != SCHED_NORMAL && h->policy != SCHED_BATCH &&
	    h->policy != SCHED_IDLE && !ckpt_sched_rt(h->policy))
		return ckpt_bad(ctx, "SCHED", "policy", "%u", h->policy);
	if (h->flags & ~CKPT_SCHED_FLAGS)
		return ckpt_bad(ctx, "SCHED", "flags", "%#x", h->flags);
	if (h->nice < MIN_NICE || h->nice > MAX_NICE)
		return ckpt_bad(ctx, "SCHED", "nice", "%d", h->nice);
	if (ckpt_sched_rt(h->policy) ?
	    !h->rt_priority || h->rt_priority >= MAX_RT_PRIO : h->rt_priority)
		return ckpt_bad(ctx, "SCHED", "rt_priority", "%u for policy %u",
				h->rt_priority, h->policy);
	if (!h->nr_cpus || h->nr_cpus > CKPT_CPUS_MAX)
		return ckpt_bad(ctx, "SCHED", "nr_cpus", "%u", h->nr_cpus);
	nr = ckpt_cpu_words(h->nr_cpus);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), nr * sizeof(u64));
	if (!ret)
		ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad),
				     "SCHED record");
	if (ret)
		return ret;
	if (h->nr_cpus % 64 && words[nr - 1] >> (h->nr_cpus % 64))
		return ckpt_bad(ctx, "SCHED", "affinity", "CPUs past %u",
				h->nr_cpus);
	if (!memchr_inv(words, 0, nr * sizeof(*words)))
		return ckpt_bad(ctx, "SCHED", "affinity", "%s", "no CPU");
	if (!st)
		return 0;

	/* The CPUs this machine could have, the others left out */
	bitmap_from_arr64(cpumask_bits(st->mask), words,
			  min_t(u32, h->nr_cpus, nr_cpu_ids));
	if (!cpumask_intersects(st->mask, cpu_possible_mask))
		return ckpt_err(ctx, -EINVAL,
				"sched: no CPU of the affinity of the image is here");
	return 0;
}

/**
 * ckpt_sched_restore() - read and validate the scheduling state of a task
 * @ctx: restart context
 *
 * Reads the CKPT_HDR_SCHED record that follows a task record.  Unless
 * only verifying, defers giving it to current until the end of the
 * restore.
 *
 * Return: 0, -EINVAL with a log line naming the bad field, -ENOMEM, or
 * the error of a read.
 */
int ckpt_sched_restore(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_sched *h;
	struct ckpt_sched_state *st;
	int ret;

	h = (const void *)ckpt_read_rec_type(ctx, CKPT_HDR_SCHED);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (ckpt_verify_only(ctx))
		return ckpt_sched_check(ctx, h, NULL);

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	if (!zalloc_cpumask_var(&st->mask, GFP_KERNEL)) {
		kfree(st);
		return -ENOMEM;
	}
	ret = ckpt_sched_check(ctx, h, st);
	if (ret) {
		ckpt_sched_free(st);
		return ret;
	}
	st->h = *h;
	return ckpt_defer(ctx, ckpt_sched_apply, ckpt_sched_free, st);
}
