// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of the SysV objects of an ipc namespace: what
 * segments, queues and semaphore sets have in common.
 *
 * The image holds the objects of a namespace of the tree's own, right
 * after its namespace records: the segments, then the queues, then the
 * sets, each in id order, each kind saved and rebuilt by code included
 * at the end of the file that owns its structures (shm_ckpt.c in shm.c,
 * msg_ckpt.c in msg.c, sem_ckpt.c in sem.c).  The root of the image,
 * in its new ipc namespace, makes them again with their ids, owners,
 * modes, times and contents before it makes any other task; the pids
 * they keep are set once every task is made.
 */

#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/ipc.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "util.h"

/* Key spaces of ctx->ipc_objs: ids of a kind, then their indexes */
#define CKPT_IPC_IDX	8

/* The key of object @id of kind @type in ctx->ipc_objs */
static unsigned long ipc_ckpt_key(u32 type, u32 id)
{
	return (unsigned long)(type - CKPT_HDR_SHM) << 32 | id;
}

/**
 * ipc_ckpt_note() - note an object of the image
 * @ctx: checkpoint or restart context
 * @type: CKPT_HDR_SHM, _MSQ or _SEM
 * @id: its id
 * @val: for a segment, its attach count (checkpoint) or its pages
 *	(restart); for a set, its semaphores
 *
 * Return: 0, -EINVAL (with a log line) for an id given twice, or -ENOMEM.
 */
int ipc_ckpt_note(struct ckpt_ctx *ctx, u32 type, u32 id, unsigned long val)
{
	/* Where the id's index is noted, apart from the ids */
	unsigned long idx = ipc_ckpt_key(type + CKPT_IPC_IDX, ipcid_to_idx(id));
	int ret;

	if (ctx->restart && ipcid_to_idx(id) >= ipc_mni)
		return ckpt_err(ctx, -EINVAL, "%s record: id %u beyond %d objects",
				ckpt_rec_name(type), id, ipc_mni);
	ret = xa_insert(&ctx->ipc_objs, ipc_ckpt_key(type, id),
			xa_mk_value(val), GFP_KERNEL);
	/* Only a restart makes them: a checkpoint reads ids the kernel gave */
	if (!ret && ctx->restart)
		ret = xa_insert(&ctx->ipc_objs, idx, xa_mk_value(id),
				GFP_KERNEL);
	if (ret == -EBUSY)
		return ckpt_err(ctx, -EINVAL,
				"%s record: id %u twice, or another with its index",
				ckpt_rec_name(type), id);
	return ret;
}

/**
 * ipc_ckpt_make() - make an object of the image with its id
 * @ctx: restart context, in the root, in its new ipc namespace
 * @ids: the ids of the object's kind there
 * @what: its kind, for the log ("shm segment"...)
 * @want: its id
 * @get: calls ksys_shmget(), ksys_msgget() or ksys_semget() for @arg,
 *	with @ids's next_id set to @want (as the kernel.*_next_id sysctls do)
 * @arg: the object's record
 *
 * Return: 0, or a negative errno with a log line: that of @get, or
 * -EBUSY if the object got another id.
 */
int ipc_ckpt_make(struct ckpt_ctx *ctx, struct ipc_ids *ids, const char *what,
		  u32 want, long (*get)(void *arg), void *arg)
{
	long id;

	down_write(&ids->rwsem);
	ids->next_id = want;
	up_write(&ids->rwsem);
	id = get(arg);
	if (id < 0)
		return ckpt_err(ctx, id, "SysV %s %u: cannot make it", what,
				want);
	if (id != want)
		return ckpt_err(ctx, -EBUSY, "SysV %s %u: made as %ld", what,
				want, id);
	return 0;
}

/**
 * ipc_ckpt_lookup() - what ipc_ckpt_note() noted of an object
 * @ctx: checkpoint or restart context
 * @type: CKPT_HDR_SHM, _MSQ or _SEM
 * @id: its id
 *
 * Return: the value, or -1 if the image has no such object.
 */
long ipc_ckpt_lookup(struct ckpt_ctx *ctx, u32 type, u32 id)
{
	void *entry = xa_load(&ctx->ipc_objs, ipc_ckpt_key(type, id));

	return entry ? (long)xa_to_value(entry) : -1;
}

/**
 * ipc_ckpt_shm_attached() - count a mapping of a segment (checkpoint)
 * @ctx: checkpoint context
 * @id: the segment
 * @ns: its ipc namespace
 *
 * Return: 0, -EOPNOTSUPP with a log line for a segment that the image
 * does not hold, or -EBUSY if it was attached meanwhile.
 */
int ipc_ckpt_shm_attached(struct ckpt_ctx *ctx, int id,
			  const struct ipc_namespace *ns)
{
	unsigned long key = ipc_ckpt_key(CKPT_HDR_SHM, id);
	void *entry = xa_load(&ctx->ipc_objs, key);

	if (!entry || ns != ctx->nsproxy->ipc_ns)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"SysV shm segment %d of an ipc namespace not the tree's own not supported",
				id);
	if (!xa_to_value(entry))
		return ckpt_err(ctx, -EBUSY,
				"SysV shm segment %d: attached meanwhile", id);
	return xa_err(xa_store(&ctx->ipc_objs, key,
			       xa_mk_value(xa_to_value(entry) - 1), GFP_KERNEL));
}

/**
 * ipc_ckpt_finish() - check that the tree holds every attachment
 * @ctx: checkpoint context, every address space written
 *
 * Return: 0, or -EBUSY with a log line for a segment that a process
 * outside the tree has attached.
 */
int ipc_ckpt_finish(struct ckpt_ctx *ctx)
{
	unsigned long key, first = ipc_ckpt_key(CKPT_HDR_SHM, 0);
	void *entry;

	xa_for_each_range(&ctx->ipc_objs, key, entry, first, first + U32_MAX)
		if (xa_to_value(entry))
			return ckpt_err(ctx, -EBUSY,
					"SysV shm segment %lu: attached %lu time(s) outside the checkpoint",
					key - first, xa_to_value(entry));
	return 0;
}

/**
 * ipc_ckpt_pid() - a pid an object keeps, in the image's pid namespace
 * @ctx: checkpoint context
 * @pid: the pid, or NULL
 *
 * Return: its number, 0 for none or one outside that namespace.
 */
u32 ipc_ckpt_pid(struct ckpt_ctx *ctx, struct pid *pid)
{
	return pid ? ckpt_pid_nr(ctx, pid) : 0;
}

/**
 * ipc_ckpt_perm_save() - the owner and mode of an object, for its record
 * @ctx: checkpoint context
 * @p: the object, locked
 * @out: where
 */
void ipc_ckpt_perm_save(struct ckpt_ctx *ctx, const struct kern_ipc_perm *p,
			struct ckpt_ipc_perm *out)
{
	struct user_namespace *ns = ctx->user_ns;

	out->key = p->key;
	out->id = p->id;
	out->uid = from_kuid_munged(ns, p->uid);
	out->gid = from_kgid_munged(ns, p->gid);
	out->cuid = from_kuid_munged(ns, p->cuid);
	out->cgid = from_kgid_munged(ns, p->cgid);
	out->mode = p->mode;
}

/**
 * ipc_ckpt_perm_check() - check the owner and mode of an object's record
 * @ctx: restart context
 * @p: the record's
 * @more_mode: mode bits allowed besides the access bits
 * @rec: the record's name, for the log
 *
 * Return: 0, or -EINVAL with a log line.
 */
int ipc_ckpt_perm_check(struct ckpt_ctx *ctx, const struct ckpt_ipc_perm *p,
			u32 more_mode, const char *rec)
{
	struct user_namespace *ns = current_user_ns();

	if (p->id > INT_MAX)
		return ckpt_err(ctx, -EINVAL, "%s record: bad id %u", rec,
				p->id);
	if (p->mode & ~(0777 | more_mode))
		return ckpt_err(ctx, -EINVAL, "%s record %u: bad mode %#o",
				rec, p->id, p->mode);
	if (!uid_valid(make_kuid(ns, p->uid)) ||
	    !uid_valid(make_kuid(ns, p->cuid)) ||
	    !gid_valid(make_kgid(ns, p->gid)) ||
	    !gid_valid(make_kgid(ns, p->cgid)))
		return ckpt_err(ctx, -EINVAL,
				"%s record %u: owner %u:%u or creator %u:%u not mapped",
				rec, p->id, p->uid, p->gid, p->cuid, p->cgid);
	return ckpt_check_pad(ctx, &p->__pad, sizeof(p->__pad), rec);
}

/**
 * ipc_ckpt_perm_allowed() - whether the restarter may give an object the
 *	owner of its record
 * @ctx: restart context
 * @ns: the object's namespace
 * @p: the checked record's
 *
 * Owners and creators other than the restarter are what IPC_SET gives
 * a caller with CAP_SYS_ADMIN in the namespace's user namespace; only
 * such a caller gets them.
 *
 * Return: 0, or -EPERM with a log line.
 */
int ipc_ckpt_perm_allowed(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
			  const struct ckpt_ipc_perm *p)
{
	struct user_namespace *user_ns = current_user_ns();

	if ((!uid_eq(make_kuid(user_ns, p->uid), current_euid()) ||
	     !uid_eq(make_kuid(user_ns, p->cuid), current_euid()) ||
	     !gid_eq(make_kgid(user_ns, p->gid), current_egid()) ||
	     !gid_eq(make_kgid(user_ns, p->cgid), current_egid())) &&
	    !ns_capable(ns->user_ns, CAP_SYS_ADMIN))
		return ckpt_err(ctx, -EPERM,
				"SysV object %u: owner %u:%u, creator %u:%u need CAP_SYS_ADMIN",
				p->id, p->uid, p->gid, p->cuid, p->cgid);
	return 0;
}

/**
 * ipc_ckpt_perm_set() - give a new object the owner and mode of its record
 * @ipcp: the object, just made; rcu_read_lock held
 * @p: the record's, which ipc_ckpt_perm_allowed() allowed
 * @keep_mode: mode bits of @ipcp to keep
 */
void ipc_ckpt_perm_set(struct kern_ipc_perm *ipcp,
		       const struct ckpt_ipc_perm *p, u32 keep_mode)
{
	struct user_namespace *user_ns = current_user_ns();

	ipc_lock_object(ipcp);
	ipcp->uid = make_kuid(user_ns, p->uid);
	ipcp->gid = make_kgid(user_ns, p->gid);
	ipcp->cuid = make_kuid(user_ns, p->cuid);
	ipcp->cgid = make_kgid(user_ns, p->cgid);
	ipcp->mode = (ipcp->mode & keep_mode) | (p->mode & 0777);
	ipc_unlock_object(ipcp);
}

/* The pids an object keeps, set once the tasks are made */
struct ipc_ckpt_pids {
	u32 type;
	int id;
	u32 pid[2];
	s64 time[2];
};

static void ipc_ckpt_free(void *data)
{
	kfree(data);
}

static int ipc_ckpt_set_pids(struct ckpt_ctx *ctx, void *data)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct ipc_ckpt_pids *ip = data;
	struct pid *a = ckpt_image_pid(ctx, ip->pid[0]);
	struct pid *b = ckpt_image_pid(ctx, ip->pid[1]);

	if (ip->type == CKPT_HDR_SHM)
		shm_ckpt_set_pids(ns, ip->id, a, b, ip->time);
	else
		msg_ckpt_set_pids(ns, ip->id, a, b);
	return 0;
}

/**
 * ipc_ckpt_defer_pids() - set the pids of a segment or a queue later
 * @ctx: restart context, in the root
 * @type: CKPT_HDR_SHM (creator, last shmat/shmdt) or CKPT_HDR_MSQ (last
 *	msgsnd, last msgrcv)
 * @id: the object
 * @a: first pid, of the image
 * @b: second one
 * @time: for a segment, its last shmat and shmdt times, which attaching
 *	it again changed
 *
 * Return: 0 or -ENOMEM.
 */
int ipc_ckpt_defer_pids(struct ckpt_ctx *ctx, u32 type, int id, u32 a, u32 b,
			const s64 *time)
{
	struct ipc_ckpt_pids *ip = kzalloc(sizeof(*ip), GFP_KERNEL);

	if (!ip)
		return -ENOMEM;
	ip->type = type;
	ip->id = id;
	ip->pid[0] = a;
	ip->pid[1] = b;
	if (time) {
		ip->time[0] = time[0];
		ip->time[1] = time[1];
	}
	return ckpt_defer(ctx, ipc_ckpt_set_pids, ipc_ckpt_free, ip);
}

/* The SysV objects of @ns, how many of each kind */
void ipc_ckpt_count(struct ipc_namespace *ns, struct ckpt_hdr_ipc_ns *h)
{
	u32 *nr[] = { &h->nr_sem, &h->nr_msq, &h->nr_shm };
	unsigned int i;

	BUILD_BUG_ON(IPC_SEM_IDS != 0 || IPC_MSG_IDS != 1 || IPC_SHM_IDS != 2);
	for (i = 0; i < ARRAY_SIZE(nr); i++) {
		down_read(&ns->ids[i].rwsem);
		*nr[i] = ns->ids[i].in_use;
		up_read(&ns->ids[i].rwsem);
	}
}

/**
 * ipc_ckpt_save() - write the SysV objects of an ipc namespace
 * @ctx: checkpoint context
 * @ns: the tree's own ipc namespace
 * @h: its IPC_NS record, written, with the counts of ipc_ckpt_count()
 *
 * Return: 0 or a negative errno (with a log line).
 */
int ipc_ckpt_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
		  const struct ckpt_hdr_ipc_ns *h)
{
	int ret;

	if (h->nr_shm > CKPT_IPC_OBJS_MAX || h->nr_msq > CKPT_IPC_OBJS_MAX ||
	    h->nr_sem > CKPT_IPC_OBJS_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"ipc namespace: more than %u SysV objects of a kind not supported",
				CKPT_IPC_OBJS_MAX);
	ret = shm_ckpt_save(ctx, ns, h->nr_shm);
	if (!ret)
		ret = msg_ckpt_save(ctx, ns, h->nr_msq);
	if (!ret)
		ret = sem_ckpt_save(ctx, ns, h->nr_sem);
	if (!ret && (h->nr_shm || h->nr_msq || h->nr_sem))
		ckpt_log(ctx, "ipc namespace: %u segment(s), %u queue(s), %u semaphore set(s)",
			 h->nr_shm, h->nr_msq, h->nr_sem);
	return ret;
}

/**
 * ipc_ckpt_load() - read (and unless verifying, make) the SysV objects
 *	of the image's ipc namespace
 * @ctx: restart context; in the root, in its new ipc namespace
 *
 * Return: 0, or a negative errno with a log line.
 */
int ipc_ckpt_load(struct ckpt_ctx *ctx)
{
	const struct ckpt_hdr_ipc_ns *h = &ctx->ns.ipc;
	int ret;

	if (h->nr_shm > CKPT_IPC_OBJS_MAX || h->nr_msq > CKPT_IPC_OBJS_MAX ||
	    h->nr_sem > CKPT_IPC_OBJS_MAX)
		return ckpt_bad(ctx, "IPC_NS", "object counts", "%u/%u/%u",
				h->nr_shm, h->nr_msq, h->nr_sem);
	ret = shm_ckpt_load(ctx, h->nr_shm);
	if (!ret)
		ret = msg_ckpt_load(ctx, h->nr_msq);
	if (!ret)
		ret = sem_ckpt_load(ctx, h->nr_sem);
	return ret;
}
