// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of the x86-64 CPU state of a task: the general
 * registers with the fs/gs bases, how to resume an interrupted system
 * call, and the FPU/SSE/AVX state as a standard-format XSAVE area.
 *
 * The state is read through the ptrace regsets, as a core dump does,
 * so the record layout does not depend on the kernel's internal one.
 */

#include <linux/checkpoint.h>
#include <linux/elf.h>
#include <linux/errno.h>
#include <linux/pid.h>
#include <linux/ptrace.h>
#include <linux/regset.h>
#include <linux/restart_block.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <asm/cpufeature.h>
#include <asm/fpu/types.h>
#include <asm/fpu/xstate.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/unistd.h>
#include <asm/user.h>

#include <linux/task_work.h>
#include <asm/fpu/api.h>
#include <asm/fpu/signal.h>
#include <asm/proto.h>
#include <asm/prctl.h>

#include "fpu/internal.h"
#include "fpu/context.h"
#include "fpu/legacy.h"
#include "fpu/xstate.h"

/* rflags bits a user task can have */
#define CKPT_X86_FLAGS	(X86_EFLAGS_CF | X86_EFLAGS_FIXED | X86_EFLAGS_PF |	\
			 X86_EFLAGS_AF | X86_EFLAGS_ZF | X86_EFLAGS_SF |	\
			 X86_EFLAGS_TF | X86_EFLAGS_IF | X86_EFLAGS_DF |	\
			 X86_EFLAGS_OF | X86_EFLAGS_NT | X86_EFLAGS_RF |	\
			 X86_EFLAGS_AC | X86_EFLAGS_ID)

/* Size of the legacy FXSAVE area, and of the XSAVE header after it */
#define CKPT_FXSAVE_SIZE	sizeof(struct fxregs_state)
#define CKPT_XSAVE_MIN		(CKPT_FXSAVE_SIZE + sizeof(struct xstate_header))

static bool ckpt_has_xsave(void)
{
	return cpu_feature_enabled(X86_FEATURE_XSAVE);
}

static const struct user_regset *ckpt_regset(struct task_struct *t,
					     unsigned int note)
{
	const struct user_regset_view *view = task_user_regset_view(t);
	unsigned int i;

	for (i = 0; i < view->n; i++)
		if (view->regsets[i].core_note_type == note)
			return &view->regsets[i];
	return NULL;
}

/**
 * arch_ckpt_header() - fill the arch fields of an image header
 * @h: the header
 *
 * Return: 0.
 */
int arch_ckpt_header(struct ckpt_hdr_header *h)
{
	h->arch = CKPT_ARCH_X86_64;
	if (ckpt_has_xsave()) {
		h->xfeatures = fpu_user_cfg.max_features;
		h->xstate_size = fpu_user_cfg.max_size;
	} else {
		h->xfeatures = XFEATURE_MASK_FPSSE;
		h->xstate_size = CKPT_FXSAVE_SIZE;
	}
	return 0;
}

/**
 * arch_ckpt_check_header() - check the arch fields of an image header
 * @ctx: restart context
 * @h: the header
 *
 * The image must come from x86-64 and use no XSAVE feature this CPU
 * lacks.
 *
 * Return: 0, or -EINVAL with a log line.
 */
int arch_ckpt_check_header(struct ckpt_ctx *ctx,
			   const struct ckpt_hdr_header *h)
{
	u64 have = ckpt_has_xsave() ? fpu_user_cfg.max_features :
				      XFEATURE_MASK_FPSSE;

	if (h->arch != CKPT_ARCH_X86_64)
		return ckpt_err(ctx, -EINVAL, "header: arch %u, not x86_64",
				h->arch);
	if ((h->xfeatures & XFEATURE_MASK_FPSSE) != XFEATURE_MASK_FPSSE ||
	    h->xfeatures & ~have)
		return ckpt_err(ctx, -EINVAL,
				"header: xfeatures %#llx, this CPU has %#llx",
				h->xfeatures, have);
	if (h->xstate_size == CKPT_FXSAVE_SIZE ?
	    h->xfeatures != XFEATURE_MASK_FPSSE :
	    h->xstate_size < CKPT_XSAVE_MIN ||
	    h->xstate_size > CKPT_XSTATE_MAX ||
	    !IS_ALIGNED(h->xstate_size, CKPT_ALIGN))
		return ckpt_err(ctx, -EINVAL, "header: bad xstate size %u",
				h->xstate_size);
	return 0;
}

static int ckpt_clock_now(clockid_t clockid, ktime_t *now)
{
	switch (clockid) {
	case CLOCK_REALTIME:
		*now = ktime_get_real();
		return 0;
	case CLOCK_MONOTONIC:
		*now = ktime_get();
		return 0;
	case CLOCK_BOOTTIME:
		*now = ktime_get_boottime();
		return 0;
	case CLOCK_TAI:
		*now = ktime_get_clocktai();
		return 0;
	}
	return -EOPNOTSUPP;
}

/* How to resume a system call that returned -ERESTART_RESTARTBLOCK */
static int ckpt_restart_block(struct ckpt_ctx *ctx, struct task_struct *t,
			      struct ckpt_hdr_cpu *h)
{
	struct restart_block *rb = &t->restart_block;
	struct timespec64 end;
	ktime_t now;

	if (rb->fn == do_no_restart_syscall)
		return 0;
	if (rb->fn == hrtimer_nanosleep_restart &&
	    rb->nanosleep.type != TT_COMPAT &&
	    !ckpt_clock_now(rb->nanosleep.clockid, &now)) {
		h->restart = CKPT_RESTART_NANOSLEEP;
		h->restart_clockid = rb->nanosleep.clockid;
		h->restart_expires = max_t(s64, 0, rb->nanosleep.expires - now);
		if (rb->nanosleep.type == TT_NATIVE)
			h->restart_addr = (unsigned long)rb->nanosleep.rmtp;
		return 0;
	}
	if (rb->fn == do_restart_poll) {
		h->restart = CKPT_RESTART_POLL;
		h->restart_clockid = CLOCK_MONOTONIC;
		h->restart_expires = U64_MAX;
		if (rb->poll.has_timeout) {
			end.tv_sec = rb->poll.tv_sec;
			end.tv_nsec = rb->poll.tv_nsec;
			h->restart_expires = max_t(s64, 0, timespec64_to_ktime(end) -
						   ktime_get());
		}
		h->restart_addr = (unsigned long)rb->poll.ufds;
		h->restart_arg = rb->poll.nfds;
		return 0;
	}
	if (futex_ckpt_is_wait(rb)) {
		struct ckpt_futex_wait fw;

		if (futex_ckpt_save(rb, &fw))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d: a wait on a futex other than 32 bits not supported",
					task_pid_vnr(t));
		h->restart = fw.shared ? CKPT_RESTART_FUTEX_SHARED :
					 CKPT_RESTART_FUTEX;
		h->restart_clockid = fw.clockid;
		h->restart_expires = fw.left_ns;
		h->restart_addr = fw.uaddr;
		h->restart_arg = fw.val;
		h->restart_bitset = fw.bitset;
		return 0;
	}
	return ckpt_err(ctx, -EOPNOTSUPP,
			"pid %d: system call %lld cannot be resumed yet",
			task_pid_vnr(t), (s64)h->orig_ax);
}

static int ckpt_write_cpu(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const struct user_regset *rs = ckpt_regset(t, NT_PRSTATUS);
	struct user_regs_struct regs;
	struct ckpt_hdr_cpu h = {};
	int ret;

	if (!rs)
		return -EINVAL;
	ret = regset_get(t, rs, sizeof(regs), &regs);
	if (ret < 0)
		return ckpt_err(ctx, ret, "pid %d: cannot read registers",
				task_pid_vnr(t));
	h.r15 = regs.r15;
	h.r14 = regs.r14;
	h.r13 = regs.r13;
	h.r12 = regs.r12;
	h.bp = regs.bp;
	h.bx = regs.bx;
	h.r11 = regs.r11;
	h.r10 = regs.r10;
	h.r9 = regs.r9;
	h.r8 = regs.r8;
	h.ax = regs.ax;
	h.cx = regs.cx;
	h.dx = regs.dx;
	h.si = regs.si;
	h.di = regs.di;
	h.orig_ax = regs.orig_ax;
	h.ip = regs.ip;
	h.cs = regs.cs;
	h.flags = regs.flags;
	h.sp = regs.sp;
	h.ss = regs.ss;
	h.fs_base = regs.fs_base;
	h.gs_base = regs.gs_base;
	h.ds = regs.ds;
	h.es = regs.es;
	h.fs = regs.fs;
	h.gs = regs.gs;
	if (regs.ds || regs.es || regs.fs || regs.gs)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: nonzero ds/es/fs/gs selectors not supported",
				task_pid_vnr(t));
	if ((long)regs.orig_ax >= 0 &&
	    (long)regs.ax == -ERESTART_RESTARTBLOCK) {
		ret = ckpt_restart_block(ctx, t, &h);
		if (ret)
			return ret;
	}
	return ckpt_write_obj(ctx, &h, CKPT_HDR_CPU);
}

static int ckpt_write_xstate(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_hdr_xstate h = {};
	const struct user_regset *rs;
	struct fxregs_state *fx;
	void *buf;
	int ret;

	if (ckpt_has_xsave()) {
		rs = ckpt_regset(t, NT_X86_XSTATE);
		h.size = fpu_user_cfg.max_size;
	} else {
		rs = ckpt_regset(t, NT_PRFPREG);
		h.size = CKPT_FXSAVE_SIZE;
	}
	if (!rs || h.size > rs->n * rs->size || h.size > CKPT_XSTATE_MAX)
		return ckpt_err(ctx, -EINVAL, "pid %d: no FPU regset",
				task_pid_vnr(t));
	buf = kvzalloc(h.size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = regset_get(t, rs, h.size, buf);
	if (ret < 0) {
		ckpt_err(ctx, ret, "pid %d: cannot read FPU state",
			 task_pid_vnr(t));
		goto free;
	}
	if (ckpt_has_xsave()) {
		fx = buf;
		h.xfeatures = ((struct xregs_state *)fx)->header.xfeatures;
	} else {
		h.xfeatures = XFEATURE_MASK_FPSSE;
	}
	ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_XSTATE, sizeof(h), buf,
			     h.size);
free:
	kvfree(buf);
	return ret;
}

/**
 * arch_ckpt_check_task() - refuse a task whose CPU state cannot be saved
 * @ctx: checkpoint context
 * @t: the task, stopped
 *
 * Return: 0, or -EOPNOTSUPP with a log line for a 32-bit task.
 */
int arch_ckpt_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	if (!user_64bit_mode(task_pt_regs(t)))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: 32-bit tasks not supported",
				task_pid_vnr(t));
	return 0;
}

/**
 * arch_cpu_checkpoint() - write the CPU state of a stopped task
 * @ctx: checkpoint context
 * @t: the task, off its CPU
 *
 * Writes a CKPT_HDR_CPU and a CKPT_HDR_XSTATE record.
 *
 * Return: 0 or a negative errno.
 */
int arch_cpu_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	int ret;

	ret = ckpt_write_cpu(ctx, t);
	if (!ret)
		ret = ckpt_write_xstate(ctx, t);
	return ret;
}

static int ckpt_check_cpu(struct ckpt_ctx *ctx, const struct ckpt_hdr_cpu *h)
{
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->restart != CKPT_RESTART_FUTEX &&
	    h->restart != CKPT_RESTART_FUTEX_SHARED && h->restart_bitset)
		return ckpt_err(ctx, -EINVAL, "cpu: stray restart bitset");
	if (h->cs != __USER_CS || h->ss != __USER_DS)
		return ckpt_err(ctx, -EINVAL, "cpu: cs %#llx ss %#llx not 64-bit user",
				h->cs, h->ss);
	if (h->ds || h->es || h->fs || h->gs)
		return ckpt_err(ctx, -EINVAL,
				"cpu: ds/es/fs/gs selectors must be 0 for 64-bit tasks");
	if (h->ip >= TASK_SIZE_MAX || h->fs_base >= TASK_SIZE_MAX ||
	    h->gs_base >= TASK_SIZE_MAX)
		return ckpt_err(ctx, -EINVAL,
				"cpu: ip or fs/gs base not in user space");
	if (h->flags & ~(u64)CKPT_X86_FLAGS || !(h->flags & X86_EFLAGS_FIXED) ||
	    !(h->flags & X86_EFLAGS_IF))
		return ckpt_err(ctx, -EINVAL, "cpu: bad rflags %#llx", h->flags);
	if ((s64)h->orig_ax < -1 || (s64)h->orig_ax >= NR_syscalls)
		return ckpt_err(ctx, -EINVAL, "cpu: bad system call number %lld",
				(s64)h->orig_ax);

	switch (h->restart) {
	case CKPT_RESTART_NONE:
		if (h->restart_clockid || h->restart_expires ||
		    h->restart_addr || h->restart_arg)
			return ckpt_err(ctx, -EINVAL, "cpu: stray restart fields");
		return 0;
	case CKPT_RESTART_NANOSLEEP:
		if ((s64)h->ax != -ERESTART_RESTARTBLOCK ||
		    h->restart_arg || h->restart_expires > KTIME_MAX ||
		    h->restart_addr >= TASK_SIZE_MAX ||
		    (h->restart_clockid != CLOCK_REALTIME &&
		     h->restart_clockid != CLOCK_MONOTONIC &&
		     h->restart_clockid != CLOCK_BOOTTIME &&
		     h->restart_clockid != CLOCK_TAI))
			return ckpt_err(ctx, -EINVAL, "cpu: bad interrupted sleep");
		return 0;
	case CKPT_RESTART_POLL:
		if ((s64)h->ax != -ERESTART_RESTARTBLOCK ||
		    h->restart_clockid != CLOCK_MONOTONIC ||
		    (h->restart_expires > KTIME_MAX &&
		     h->restart_expires != U64_MAX) ||
		    h->restart_arg > CKPT_FD_MAX ||
		    h->restart_addr >= TASK_SIZE_MAX)
			return ckpt_err(ctx, -EINVAL, "cpu: bad interrupted poll");
		return 0;
	case CKPT_RESTART_FUTEX:
	case CKPT_RESTART_FUTEX_SHARED:
		if ((s64)h->ax != -ERESTART_RESTARTBLOCK || !h->restart_bitset ||
		    h->restart_expires > KTIME_MAX ||
		    !IS_ALIGNED(h->restart_addr, sizeof(u32)) ||
		    h->restart_addr >= TASK_SIZE_MAX ||
		    (h->restart_clockid != CLOCK_REALTIME &&
		     h->restart_clockid != CLOCK_MONOTONIC))
			return ckpt_err(ctx, -EINVAL, "cpu: bad interrupted futex wait");
		return 0;
	}
	return ckpt_err(ctx, -EINVAL, "cpu: unknown restart kind %u",
			h->restart);
}

static int ckpt_check_xstate(struct ckpt_ctx *ctx,
			     const struct ckpt_hdr_xstate *h)
{
	const struct fxregs_state *fx = (const void *)(h + 1);
	const struct xstate_header *xh = (const void *)(fx + 1);
	int ret;

	if (h->size != ctx->hdr.xstate_size)
		return ckpt_err(ctx, -EINVAL, "xstate: size %u, header says %u",
				h->size, ctx->hdr.xstate_size);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), h->size);
	if (!ret)
		ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad), "xstate");
	if (ret)
		return ret;
	if (h->xfeatures & ~ctx->hdr.xfeatures)
		return ckpt_err(ctx, -EINVAL,
				"xstate: features %#llx not in the header's %#llx",
				h->xfeatures, ctx->hdr.xfeatures);
	if (fx->mxcsr & ~mxcsr_feature_mask)
		return ckpt_err(ctx, -EINVAL, "xstate: bad mxcsr %#x",
				fx->mxcsr);
	if (h->size == CKPT_FXSAVE_SIZE)
		return 0;
	if (xh->xfeatures != h->xfeatures || xh->xcomp_bv ||
	    memchr_inv(xh->reserved, 0, sizeof(xh->reserved)))
		return ckpt_err(ctx, -EINVAL, "xstate: bad XSAVE header");
	return 0;
}

/* Give current the registers of a validated record (rax comes last) */
static int ckpt_apply_cpu(struct ckpt_ctx *ctx, const struct ckpt_hdr_cpu *h)
{
	struct pt_regs *regs = current_pt_regs();
	struct restart_block *rb = &current->restart_block;
	struct timespec64 end;
	ktime_t now;
	long ret;

	regs->r15 = h->r15;
	regs->r14 = h->r14;
	regs->r13 = h->r13;
	regs->r12 = h->r12;
	regs->bp = h->bp;
	regs->bx = h->bx;
	regs->r11 = h->r11;
	regs->r10 = h->r10;
	regs->r9 = h->r9;
	regs->r8 = h->r8;
	regs->cx = h->cx;
	regs->dx = h->dx;
	regs->si = h->si;
	regs->di = h->di;
	regs->orig_ax = h->orig_ax;
	regs->ip = h->ip;
	regs->cs = h->cs;
	regs->flags = h->flags;
	regs->sp = h->sp;
	regs->ss = h->ss;
	ctx->rtask->ax = h->ax;

	ret = do_arch_prctl_64(current, ARCH_SET_FS, h->fs_base);
	if (!ret)
		ret = do_arch_prctl_64(current, ARCH_SET_GS, h->gs_base);
	if (ret)
		return ckpt_err(ctx, (int)ret, "cpu: cannot set fs/gs base");

	switch (h->restart) {
	case CKPT_RESTART_NANOSLEEP:
		if (ckpt_clock_now(h->restart_clockid, &now))
			return -EINVAL;
		rb->nanosleep.clockid = h->restart_clockid;
		rb->nanosleep.type = h->restart_addr ? TT_NATIVE : TT_NONE;
		rb->nanosleep.rmtp = u64_to_user_ptr(h->restart_addr);
		rb->nanosleep.expires = ktime_add_safe(now, h->restart_expires);
		set_restart_fn(rb, hrtimer_nanosleep_restart);
		break;
	case CKPT_RESTART_POLL:
		rb->poll.ufds = u64_to_user_ptr(h->restart_addr);
		rb->poll.nfds = h->restart_arg;
		rb->poll.has_timeout = h->restart_expires != U64_MAX;
		if (rb->poll.has_timeout) {
			end = ktime_to_timespec64(ktime_add_safe(ktime_get(),
								 h->restart_expires));
			rb->poll.tv_sec = end.tv_sec;
			rb->poll.tv_nsec = end.tv_nsec;
		}
		set_restart_fn(rb, do_restart_poll);
		break;
	case CKPT_RESTART_FUTEX:
	case CKPT_RESTART_FUTEX_SHARED: {
		struct ckpt_futex_wait fw = {
			.uaddr = h->restart_addr,
			.left_ns = h->restart_expires,
			.val = h->restart_arg,
			.bitset = h->restart_bitset,
			.clockid = h->restart_clockid,
			.shared = h->restart == CKPT_RESTART_FUTEX_SHARED,
		};

		futex_ckpt_restore(rb, &fw);
		break;
	}
	default:
		rb->fn = do_no_restart_syscall;
	}
	return 0;
}

/* Give current the FPU state of a validated record */
static int ckpt_apply_xstate(struct ckpt_ctx *ctx,
			     const struct ckpt_hdr_xstate *h)
{
	struct fpu *fpu = &current->thread.fpu;
	struct xregs_state *xsave;
	int ret = 0;

	if (!ckpt_has_xsave()) {
		fpregs_lock();
		memcpy(&fpu->fpstate->regs.fxsave, h + 1, CKPT_FXSAVE_SIZE);
		__fpu_invalidate_fpregs_state(fpu);
		set_thread_flag(TIF_NEED_FPU_LOAD);
		fpregs_unlock();
		return 0;
	}
	if (h->size > fpu_user_cfg.max_size)
		return ckpt_err(ctx, -EINVAL,
				"xstate: %u bytes, this CPU's area has %u",
				h->size, fpu_user_cfg.max_size);
	xsave = kvzalloc(fpu_user_cfg.max_size, GFP_KERNEL);
	if (!xsave)
		return -ENOMEM;
	memcpy(xsave, h + 1, h->size);
	if (h->size == CKPT_FXSAVE_SIZE)
		xsave->header.xfeatures = XFEATURE_MASK_FPSSE;

	fpregs_lock();
	ret = copy_uabi_from_kernel_to_xstate(fpu->fpstate, xsave,
					      &current->thread.pkru);
	__fpu_invalidate_fpregs_state(fpu);
	set_thread_flag(TIF_NEED_FPU_LOAD);
	fpregs_unlock();
	kvfree(xsave);
	if (ret)
		return ckpt_err(ctx, ret, "xstate: the CPU refuses the state");
	return 0;
}

/**
 * arch_cpu_restore() - read the CPU state records of a task
 * @ctx: restart context
 *
 * Reads the CKPT_HDR_CPU and CKPT_HDR_XSTATE records that follow a
 * task record and validates them; unless only verifying, current takes
 * the state they hold.
 *
 * Return: 0, or -EINVAL with a log line naming the bad field.
 */
int arch_cpu_restore(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr *h;
	int ret;

	h = ckpt_read_rec_type(ctx, CKPT_HDR_CPU);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = ckpt_check_cpu(ctx, (void *)h);
	if (!ret && !ckpt_verify_only(ctx))
		ret = ckpt_apply_cpu(ctx, (void *)h);
	if (ret)
		return ret;
	h = ckpt_read_rec_type(ctx, CKPT_HDR_XSTATE);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = ckpt_check_xstate(ctx, (void *)h);
	if (!ret && !ckpt_verify_only(ctx))
		ret = ckpt_apply_xstate(ctx, (void *)h);
	return ret;
}

/**
 * struct ckpt_ax_work - puts back rax on the way to user space
 * @work: the task work
 * @ax: the value
 */
struct ckpt_ax_work {
	struct callback_head work;
	u64 ax;
};

static void ckpt_set_ax(struct callback_head *work)
{
	struct ckpt_ax_work *w = container_of(work, struct ckpt_ax_work, work);

	current_pt_regs()->ax = w->ax;
	kfree(w);
}

/**
 * arch_restart_finish() - last step of rebuilding current
 * @ctx: restart context
 *
 * ret_from_fork() clears rax after the restart code has run; put back
 * the checkpointed value from a task work, which runs in get_signal()
 * on the way to user space, before the interrupted system call, if
 * any, is restarted there as it would have been after the stop.
 *
 * Return: 0 or -ENOMEM.
 */
int arch_restart_finish(struct ckpt_ctx *ctx)
{
	struct ckpt_ax_work *w;
	int ret;

	w = kmalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	w->ax = ctx->rtask->ax;
	init_task_work(&w->work, ckpt_set_ax);
	ret = task_work_add(current, &w->work, TWA_SIGNAL);
	if (ret)
		kfree(w);
	return ret;
}
