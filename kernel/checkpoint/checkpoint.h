/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Checkpoint/restart: declarations private to kernel/checkpoint/.
 */
#ifndef _KERNEL_CHECKPOINT_CHECKPOINT_H
#define _KERNEL_CHECKPOINT_CHECKPOINT_H

#include <linux/checkpoint.h>

/* Longest log line, newline included */
#define CKPT_LOG_LINE		256
/* Size of the write buffer of a checkpoint */
#define CKPT_WBUF_SIZE		(64 * 1024)

/* io.c */
int ckpt_flush(struct ckpt_ctx *ctx);

/* records.c */
size_t ckpt_rec_size(u32 type);

/* objhash.c */
void ckpt_obj_table_free(struct ckpt_ctx *ctx);

/* checkpoint.c, restart.c */
int ckpt_do_checkpoint(struct ckpt_ctx *ctx, pid_t pid);
int ckpt_do_verify(struct ckpt_ctx *ctx);
int ckpt_do_restart(struct ckpt_ctx *ctx);
void ckpt_rtasks_free(struct ckpt_ctx *ctx);
struct ckpt_rtask *ckpt_rtask_of(struct ckpt_ctx *ctx, u32 pid);

/* namespace.c */
int ckpt_ns_prepare(struct ckpt_ctx *ctx, struct task_struct *root);
int ckpt_ns_check_task(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_ns_check_shared(struct ckpt_ctx *ctx);
int ckpt_ns_checkpoint(struct ckpt_ctx *ctx);
int ckpt_ns_objects_checkpoint(struct ckpt_ctx *ctx);
void ckpt_ns_release(struct ckpt_ctx *ctx);
int ckpt_ns_read(struct ckpt_ctx *ctx);
unsigned long ckpt_ns_clone_flags(const struct ckpt_ctx *ctx);
int ckpt_ns_restore(struct ckpt_ctx *ctx);
void ckpt_ns_user_setup(struct ckpt_ctx *ctx, struct ckpt_rtask *root);
int ckpt_ns_user_wait(struct ckpt_ctx *ctx);
bool ckpt_in_tree(struct ckpt_ctx *ctx, struct task_struct *t);

/* task.c */
int ckpt_sighand_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			    u32 *objref);
int ckpt_sighand_restore(struct ckpt_ctx *ctx,
			 const struct ckpt_hdr_sighand *h);

/* signal.c */
int ckpt_signal_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			   u32 *objref);
int ckpt_signal_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_signal *h);
int ckpt_signal_take(struct ckpt_ctx *ctx, u32 objref);
int ckpt_sigpending_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			       bool shared);
int ckpt_sigpending_restore(struct ckpt_ctx *ctx);

/* sched.c */
int ckpt_sched_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t);
int ckpt_sched_restore(struct ckpt_ctx *ctx);

int ckpt_task_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
			 const struct ckpt_task_refs *refs, u32 state);
int ckpt_task_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_task *h);
int ckpt_join_pgrp(struct ckpt_ctx *ctx, struct pid *pgrp);

#endif /* _KERNEL_CHECKPOINT_CHECKPOINT_H */
