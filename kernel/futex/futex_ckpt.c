// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of a futex wait with a timeout.
 *
 * A futex wait that a signal interrupts before its timeout goes on
 * through a restart block, futex_wait_restart(): the futex, the value
 * it waits for, the bitset, its flags and the absolute timeout.  Only
 * waits on 32-bit futexes are described; the timeout is saved as the
 * time left on its clock, as for an interrupted nanosleep().
 */

#include <linux/checkpoint.h>
#include <linux/futex.h>
#include <linux/restart_block.h>
#include <linux/sched.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>

#include "futex.h"

/* The flags of a wait this file describes; FLAGS_SHARED may be 0 */
#define FUTEX_CKPT_FLAGS	(FLAGS_SIZE_MASK | FLAGS_SHARED |	\
				 FLAGS_CLOCKRT | FLAGS_HAS_TIMEOUT)

static ktime_t futex_ckpt_now(bool realtime)
{
	return realtime ? ktime_get_real() : ktime_get();
}

/**
 * futex_ckpt_is_wait() - whether a restart block goes on with a futex wait
 * @rb: the restart block of a stopped task
 *
 * Return: true for futex_wait_restart().
 */
bool futex_ckpt_is_wait(const struct restart_block *rb)
{
	return rb->fn == futex_wait_restart;
}

/**
 * futex_ckpt_save() - describe an interrupted futex wait
 * @rb: the restart block of a stopped task, futex_wait_restart()'s
 * @fw: what to save, on return
 *
 * Return: 0, or -EOPNOTSUPP for a wait on a futex other than 32 bits.
 */
int futex_ckpt_save(const struct restart_block *rb, struct ckpt_futex_wait *fw)
{
	unsigned int flags = rb->futex.flags;
	bool realtime = flags & FLAGS_CLOCKRT;

	if ((flags & ~FUTEX_CKPT_FLAGS) ||
	    (flags & FLAGS_SIZE_MASK) != FLAGS_SIZE_32 ||
	    !(flags & FLAGS_HAS_TIMEOUT))
		return -EOPNOTSUPP;
	fw->uaddr = (unsigned long)rb->futex.uaddr;
	fw->val = rb->futex.val;
	fw->bitset = rb->futex.bitset;
	fw->shared = !!(flags & FLAGS_SHARED);
	fw->clockid = realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	fw->left_ns = max_t(s64, 0, rb->futex.time - futex_ckpt_now(realtime));
	return 0;
}

/**
 * futex_ckpt_restore() - make current go on with a futex wait
 * @rb: current's restart block
 * @fw: the wait, checked: a user address, a non-zero bitset, a clock of
 *	CLOCK_MONOTONIC or CLOCK_REALTIME and a time left within ktime_t
 *
 * When current returns to user space with -ERESTART_RESTARTBLOCK, it
 * waits again on the futex, as the interrupted wait would have, until
 * the time left from now.
 */
void futex_ckpt_restore(struct restart_block *rb,
			const struct ckpt_futex_wait *fw)
{
	bool realtime = fw->clockid == CLOCK_REALTIME;
	unsigned int flags = FLAGS_SIZE_32 | FLAGS_HAS_TIMEOUT;

	if (fw->shared)
		flags |= FLAGS_SHARED;
	if (realtime)
		flags |= FLAGS_CLOCKRT;
	rb->futex.uaddr = u64_to_user_ptr(fw->uaddr);
	rb->futex.val = fw->val;
	rb->futex.bitset = fw->bitset;
	rb->futex.flags = flags;
	rb->futex.time = ktime_add_safe(futex_ckpt_now(realtime), fw->left_ns);
	set_restart_fn(rb, futex_wait_restart);
}
