// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of eventfd, signalfd and timerfd files.
 *
 * Each such file is an object of the image: an EVENTFD, SIGNALFD or
 * TIMERFD record with its state, then the FILE record, which refers to
 * it and carries its open flags.  The state is read as fdinfo reads it,
 * without changing it (a timerfd is read as timerfd_gettime() does).
 *
 * Restart makes a new file of the kind with the state of the image,
 * with the restarter's rights: a timerfd on an alarm clock needs
 * CAP_WAKE_ALARM, as timerfd_create() does.  A timerfd set with an
 * absolute time expires at the same time of its clock (at once if that
 * time has passed); one set with a relative time gets the time it had
 * left, counted from the restart.
 */

#include <linux/checkpoint.h>
#include <linux/eventfd.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/signal.h>
#include <linux/signalfd.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include <linux/timerfd.h>

/**
 * anon_file_kind() - which kind of anonymous-inode file a file is
 * @file: the file
 * @kind: CKPT_FILE_EVENTFD, CKPT_FILE_SIGNALFD, CKPT_FILE_TIMERFD,
 *	CKPT_FILE_EPOLL or CKPT_FILE_INOTIFY, on return
 *
 * Return: 0, or -EOPNOTSUPP for another kind.
 */
int anon_file_kind(struct file *file, u32 *kind)
{
	struct itimerspec64 its;
	sigset_t mask;
	int clockid, flags;
	u64 count;

	if (!eventfd_file_state(file, &count, &flags))
		*kind = CKPT_FILE_EVENTFD;
	else if (!signalfd_file_mask(file, &mask))
		*kind = CKPT_FILE_SIGNALFD;
	else if (!timerfd_file_state(file, &clockid, &flags, &its, &count))
		*kind = CKPT_FILE_TIMERFD;
	else if (epoll_ckpt_file(file))
		*kind = CKPT_FILE_EPOLL;
	else if (inotify_ckpt_file(file))
		*kind = CKPT_FILE_INOTIFY;
	else
		return -EOPNOTSUPP;
	return 0;
}

static int ckpt_eventfd(struct ckpt_ctx *ctx, struct file *file, u32 objref)
{
	struct ckpt_hdr_eventfd h = {};
	int flags, ret;

	ret = eventfd_file_state(file, &h.count, &flags);
	if (ret)
		return ret;
	h.objref = objref;
	if (flags & EFD_SEMAPHORE)
		h.flags |= CKPT_EFD_SEMAPHORE;
	return ckpt_write_obj(ctx, &h, CKPT_HDR_EVENTFD);
}

static int ckpt_signalfd(struct ckpt_ctx *ctx, struct file *file, u32 objref)
{
	struct ckpt_hdr_signalfd h = {};
	sigset_t mask;
	int ret;

	BUILD_BUG_ON(sizeof(mask) != sizeof(h.mask));
	ret = signalfd_file_mask(file, &mask);
	if (ret)
		return ret;
	h.objref = objref;
	h.mask = mask.sig[0];
	return ckpt_write_obj(ctx, &h, CKPT_HDR_SIGNALFD);
}

/* The time of the clock of a timerfd, now */
static ktime_t ckpt_timerfd_now(u32 clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
		return ktime_get_real();
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return ktime_get_boottime();
	default:
		return ktime_get();
	}
}

static int ckpt_timerfd(struct ckpt_ctx *ctx, struct file *file, u32 objref)
{
	struct ckpt_hdr_timerfd h = {};
	struct itimerspec64 its;
	int clockid, flags, ret;

	ret = timerfd_file_state(file, &clockid, &flags, &its, &h.ticks);
	if (ret)
		return ret;
	h.objref = objref;
	h.clockid = clockid;
	if (flags & TFD_TIMER_ABSTIME)
		h.flags |= CKPT_TFD_ABSTIME;
	if (flags & TFD_TIMER_CANCEL_ON_SET)
		h.flags |= CKPT_TFD_CANCEL_ON_SET;
	h.value_ns = timespec64_to_ns(&its.it_value);
	/* An absolute timer keeps its expiry time: save that */
	if (h.value_ns && h.flags & CKPT_TFD_ABSTIME)
		h.value_ns += ktime_to_ns(ckpt_timerfd_now(clockid));
	h.interval_ns = timespec64_to_ns(&its.it_interval);
	return ckpt_write_obj(ctx, &h, CKPT_HDR_TIMERFD);
}

/**
 * anon_checkpoint() - write the state record of an eventfd, signalfd or
 *	timerfd
 * @ctx: checkpoint context
 * @file: the file
 * @kind: its kind, from anon_file_kind()
 * @who: what @file is, for the log ("fd 3")
 * @objref: object id of the state record, on return
 *
 * Context: may sleep.
 * Return: 0 or a negative errno.
 */
int anon_checkpoint(struct ckpt_ctx *ctx, struct file *file, u32 kind,
		    const char *who, u32 *objref)
{
	int ret;

	switch (kind) {
	case CKPT_FILE_EVENTFD:
		ret = ckpt_obj_lookup_add(ctx, file, CKPT_OBJ_EVENTFD, objref);
		if (ret > 0)
			ret = ckpt_eventfd(ctx, file, *objref);
		break;
	case CKPT_FILE_SIGNALFD:
		ret = ckpt_obj_lookup_add(ctx, file, CKPT_OBJ_SIGNALFD, objref);
		if (ret > 0)
			ret = ckpt_signalfd(ctx, file, *objref);
		break;
	case CKPT_FILE_TIMERFD:
		ret = ckpt_obj_lookup_add(ctx, file, CKPT_OBJ_TIMERFD, objref);
		if (ret > 0)
			ret = ckpt_timerfd(ctx, file, *objref);
		break;
	default:
		return ckpt_err(ctx, -EOPNOTSUPP, "%s: kind %u not supported",
				who, kind);
	}
	if (ret)
		ckpt_err(ctx, ret, "%s: cannot save its state", who);
	return ret > 0 ? 0 : ret;
}

static int ckpt_eventfd_restore(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_eventfd *h)
{
	struct ckpt_hdr_eventfd e = *h;
	struct file *file = NULL;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (e.flags & ~CKPT_EFD_FLAGS)
		return ckpt_bad(ctx, "EVENTFD", "flags", "%#x", e.flags);
	if (e.count == U64_MAX)
		return ckpt_bad(ctx, "EVENTFD", "count", "%llu", e.count);
	if (!ckpt_verify_only(ctx)) {
		file = eventfd_file_create(e.count, e.flags & CKPT_EFD_SEMAPHORE ?
					   EFD_SEMAPHORE : 0);
		if (IS_ERR(file))
			return ckpt_err(ctx, PTR_ERR(file),
					"eventfd %u: cannot make it", e.objref);
	}
	return ckpt_obj_insert(ctx, e.objref, CKPT_OBJ_EVENTFD, file);
}

static int ckpt_signalfd_restore(struct ckpt_ctx *ctx,
				 const struct ckpt_hdr_signalfd *h)
{
	struct ckpt_hdr_signalfd s = *h;
	struct file *file = NULL;
	sigset_t mask;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	ret = ckpt_check_pad(ctx, &s.__pad, sizeof(s.__pad), "SIGNALFD record");
	if (ret)
		return ret;
	mask.sig[0] = s.mask;
	if (sigismember(&mask, SIGKILL) || sigismember(&mask, SIGSTOP))
		return ckpt_bad(ctx, "SIGNALFD", "mask", "%#llx", s.mask);
	if (!ckpt_verify_only(ctx)) {
		file = signalfd_file_create(&mask, 0);
		if (IS_ERR(file))
			return ckpt_err(ctx, PTR_ERR(file),
					"signalfd %u: cannot make it", s.objref);
	}
	return ckpt_obj_insert(ctx, s.objref, CKPT_OBJ_SIGNALFD, file);
}

static bool ckpt_timerfd_clock(u32 clockid)
{
	return clockid == CLOCK_REALTIME || clockid == CLOCK_MONOTONIC ||
	       clockid == CLOCK_BOOTTIME || clockid == CLOCK_REALTIME_ALARM ||
	       clockid == CLOCK_BOOTTIME_ALARM;
}

/* Give a new timerfd the setting and expirations of a TIMERFD record */
static int ckpt_timerfd_set(struct ckpt_ctx *ctx,
			    const struct ckpt_hdr_timerfd *t, struct file *file)
{
	struct itimerspec64 its = {}, old;
	int flags = 0, ret;
	s64 value = t->value_ns;

	if (value && t->flags & CKPT_TFD_ABSTIME) {
		/* The same expiry time, on its clock */
		flags |= TFD_TIMER_ABSTIME;
		if (t->flags & CKPT_TFD_CANCEL_ON_SET)
			flags |= TFD_TIMER_CANCEL_ON_SET;
	}
	its.it_value = ns_to_timespec64(value);
	its.it_interval = ns_to_timespec64(t->interval_ns);
	ret = timerfd_file_settime(file, flags, &its, &old);
	if (ret)
		return ckpt_err(ctx, ret, "timerfd %u: cannot set it",
				t->objref);
	if (t->ticks) {
		ret = timerfd_file_set_ticks(file, t->ticks);
		if (ret)
			return ckpt_err(ctx, ret,
					"timerfd %u: cannot set its expirations",
					t->objref);
	}
	return 0;
}

static int ckpt_timerfd_restore(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_timerfd *h)
{
	struct ckpt_hdr_timerfd t = *h;
	struct file *file = NULL;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	ret = ckpt_check_pad(ctx, &t.__pad, sizeof(t.__pad), "TIMERFD record");
	if (ret)
		return ret;
	if (!ckpt_timerfd_clock(t.clockid))
		return ckpt_bad(ctx, "TIMERFD", "clockid", "%u", t.clockid);
	if (t.flags & ~CKPT_TFD_FLAGS ||
	    (t.flags & CKPT_TFD_CANCEL_ON_SET && !(t.flags & CKPT_TFD_ABSTIME)))
		return ckpt_bad(ctx, "TIMERFD", "flags", "%#x", t.flags);
	if (t.value_ns > KTIME_MAX)
		return ckpt_bad(ctx, "TIMERFD", "value_ns", "%llu", t.value_ns);
	if (t.interval_ns > KTIME_MAX)
		return ckpt_bad(ctx, "TIMERFD", "interval_ns", "%llu",
				t.interval_ns);
	if (!ckpt_verify_only(ctx)) {
		file = timerfd_file_create(t.clockid, 0);
		if (IS_ERR(file))
			return ckpt_err(ctx, PTR_ERR(file),
					"timerfd %u: cannot make it on clock %u",
					t.objref, t.clockid);
		ret = ckpt_timerfd_set(ctx, &t, file);
		if (ret) {
			fput(file);
			return ret;
		}
	}
	return ckpt_obj_insert(ctx, t.objref, CKPT_OBJ_TIMERFD, file);
}

/**
 * anon_restore() - rebuild an eventfd, signalfd or timerfd from its record
 * @ctx: restart context
 * @h: the EVENTFD, SIGNALFD or TIMERFD record, as read
 *
 * Checks every field; unless only verifying, makes the file.
 *
 * Return: 0, -EINVAL for a bad record (with a log line naming the
 * field), or when restoring the error of making the file (-EPERM for
 * an alarm timerfd without CAP_WAKE_ALARM).
 */
int anon_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr *h)
{
	switch (h->type) {
	case CKPT_HDR_EVENTFD:
		return ckpt_eventfd_restore(ctx, (const void *)h);
	case CKPT_HDR_SIGNALFD:
		return ckpt_signalfd_restore(ctx, (const void *)h);
	case CKPT_HDR_TIMERFD:
		return ckpt_timerfd_restore(ctx, (const void *)h);
	}
	return ckpt_err(ctx, -EINVAL, "%s record is not an anonymous file's",
			ckpt_rec_name(h->type));
}

/**
 * anon_reopen() - the file made for an EVENTFD, SIGNALFD, TIMERFD, EPOLL
 *	or INOTIFY record
 * @ctx: restart context
 * @kind: CKPT_FILE_* kind of the FILE record
 * @obj_ref: object id of the state record, already checked
 * @flags: open flags of the FILE record
 *
 * Return: a new reference to the file, with O_NONBLOCK as in @flags, or
 * an ERR_PTR() (with a log line).
 */
struct file *anon_reopen(struct ckpt_ctx *ctx, u32 kind, u32 obj_ref,
			 int flags)
{
	enum ckpt_obj_type type;
	struct file *file;

	switch (kind) {
	case CKPT_FILE_EVENTFD:
		type = CKPT_OBJ_EVENTFD;
		break;
	case CKPT_FILE_SIGNALFD:
		type = CKPT_OBJ_SIGNALFD;
		break;
	case CKPT_FILE_EPOLL:
		type = CKPT_OBJ_EPOLL;
		break;
	case CKPT_FILE_INOTIFY:
		type = CKPT_OBJ_INOTIFY;
		break;
	default:
		type = CKPT_OBJ_TIMERFD;
	}
	file = ckpt_obj_fetch(ctx, obj_ref, type);
	if (!file)
		return ERR_PTR(ckpt_err(ctx, -EINVAL, "%s %u was not rebuilt",
					ckpt_rec_name(type), obj_ref));
	spin_lock(&file->f_lock);
	if (flags & O_NONBLOCK)
		file->f_flags |= O_NONBLOCK;
	else
		file->f_flags &= ~O_NONBLOCK;
	spin_unlock(&file->f_lock);
	return get_file(file);
}
