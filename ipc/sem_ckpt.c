// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of SysV semaphore sets and SEM_UNDO adjustments.
 *
 * Included at the end of ipc/sem.c, whose structures it reads and
 * builds.  A set is a SEM record with its values.  The undo list of a
 * task (shared by the threads of a process, CLONE_SYSVSEM) is a
 * SEM_UNDO object with a SEM_ADJ record per set it adjusts; exit(2)
 * applies them, after a restart as before.
 */

#include <linux/checkpoint.h>

/*
 * Copy what a SEM record says of @sma, and the values of its @nsems
 * semaphores into @sems.  Context: rcu_read_lock held.
 */
static const char *sem_ckpt_copy(struct ckpt_ctx *ctx, struct sem_array *sma,
				 struct ckpt_hdr_sem *h, struct ckpt_sem *sems,
				 int nsems)
	__must_hold(RCU)
{
	const char *why = NULL;
	int i;

	sem_lock(sma, NULL, -1);
	if (!ipc_valid_object(&sma->sem_perm) || sma->sem_nsems != nsems) {
		why = "changed meanwhile";
		goto unlock;
	}
	if (!list_empty(&sma->pending_alter) ||
	    !list_empty(&sma->pending_const)) {
		why = "has a task waiting in semop()";
		goto unlock;
	}
	ipc_ckpt_perm_save(ctx, &sma->sem_perm, &h->perm);
	h->otime = get_semotime(sma);
	h->ctime = sma->sem_ctime;
	h->nsems = nsems;
	for (i = 0; i < nsems; i++) {
		if (!list_empty(&sma->sems[i].pending_alter) ||
		    !list_empty(&sma->sems[i].pending_const)) {
			why = "has a task waiting in semop()";
			break;
		}
		sems[i].semval = sma->sems[i].semval;
		sems[i].sempid = ipc_ckpt_pid(ctx, sma->sems[i].sempid);
	}
unlock:
	sem_unlock(sma, -1);
	return why;
}

/**
 * sem_ckpt_save() - write the semaphore sets of an ipc namespace
 * @ctx: checkpoint context
 * @ns: the tree's own ipc namespace
 * @nr: how many its IPC_NS record announced
 *
 * Return: 0, -EBUSY if the sets changed meanwhile or a task waits in
 * one, or a negative errno.
 */
int sem_ckpt_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns, u32 nr)
{
	struct ckpt_sem *sems = NULL;
	struct ipc_ids *ids = &sem_ids(ns);
	struct kern_ipc_perm *ipcp;
	const char *why = NULL;
	int ret = 0, idx, id = 0, nsems = 0, err = -EBUSY;
	u32 n = 0;

	sems = kvmalloc_array(CKPT_SEMS_MAX, sizeof(*sems), GFP_KERNEL);
	if (!sems)
		return -ENOMEM;
	down_read(&ids->rwsem);
	for (idx = 0; !ret; idx++) {
		struct ckpt_hdr_sem h = {};

		rcu_read_lock();
		ipcp = idr_get_next(&ids->ipcs_idr, &idx);
		if (ipcp) {
			struct sem_array *sma;

			sma = container_of(ipcp, struct sem_array, sem_perm);
			id = ipcp->id;
			nsems = READ_ONCE(sma->sem_nsems);
			err = -EOPNOTSUPP;
			why = "has more semaphores than kernel.sem's semmsl";
			if (nsems <= CKPT_SEMS_MAX &&
			    nsems <= READ_ONCE(ns->sem_ctls[0])) {
				err = -EBUSY;
				why = sem_ckpt_copy(ctx, sma, &h, sems, nsems);
			}
		}
		rcu_read_unlock();
		if (!ipcp)
			break;
		if (why) {
			ret = ckpt_err(ctx, err,
				       "ipc namespace: SysV semaphore set %d %s",
				       id, why);
		} else if (++n > nr) {
			ret = -EBUSY;
		} else {
			ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_SEM, sizeof(h),
					     sems, nsems * sizeof(*sems));
			if (!ret)
				ret = ipc_ckpt_note(ctx, CKPT_HDR_SEM, id, nsems);
		}
	}
	up_read(&ids->rwsem);
	kvfree(sems);
	if (!ret && n != nr)
		ret = -EBUSY;
	if (ret == -EBUSY && !why)
		ckpt_err(ctx, ret, "ipc namespace: its semaphore sets changed meanwhile");
	return ret;
}

/* The pids the semaphores of a restored set keep: struct sem_ckpt_pids */
struct sem_ckpt_pids {
	int id;
	int nsems;
	u32 pids[];
};

static void sem_ckpt_free(void *data)
{
	kvfree(data);
}

/* Set the pids of the semaphores of a set, once the tasks are made */
static int sem_ckpt_set_pids(struct ckpt_ctx *ctx, void *data)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct sem_ckpt_pids *sp = data;
	struct sem_array *sma;
	int i;

	rcu_read_lock();
	sma = sem_obtain_object(ns, sp->id);
	if (!IS_ERR(sma) && sma->sem_nsems == sp->nsems) {
		sem_lock(sma, NULL, -1);
		for (i = 0; i < sp->nsems; i++)
			ipc_update_pid(&sma->sems[i].sempid,
				       ckpt_image_pid(ctx, sp->pids[i]));
		sem_unlock(sma, -1);
	}
	rcu_read_unlock();
	return 0;
}

static long sem_ckpt_get(void *arg)
{
	const struct ckpt_hdr_sem *h = arg;

	return ksys_semget(h->perm.key, h->nsems, IPC_CREAT | IPC_EXCL | 0600);
}

/* Make the set of a checked SEM record, with its values */
static int sem_ckpt_make(struct ckpt_ctx *ctx, const struct ckpt_hdr_sem *h,
			 const struct ckpt_sem *sems)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct sem_ckpt_pids *sp;
	struct sem_array *sma;
	int id = h->perm.id;
	int i, ret;

	ret = ipc_ckpt_perm_allowed(ctx, ns, &h->perm);
	if (ret)
		return ret;
	sp = kvmalloc(struct_size(sp, pids, h->nsems), GFP_KERNEL);
	if (!sp)
		return -ENOMEM;
	sp->nsems = h->nsems;
	for (i = 0; i < h->nsems; i++)
		sp->pids[i] = sems[i].sempid;

	ret = ipc_ckpt_make(ctx, &sem_ids(ns), "semaphore set", id,
			    sem_ckpt_get, (void *)h);
	if (ret) {
		kvfree(sp);
		return ret;
	}
	sp->id = id;
	rcu_read_lock();
	sma = sem_obtain_object(ns, id);
	if (IS_ERR(sma) || sma->sem_nsems != h->nsems) {
		rcu_read_unlock();
		kvfree(sp);
		return ckpt_err(ctx, -EBUSY, "SysV semaphore set %u: gone",
				h->perm.id);
	}
	ipc_ckpt_perm_set(&sma->sem_perm, &h->perm, 0);
	sem_lock(sma, NULL, -1);
	for (i = 0; i < h->nsems; i++)
		sma->sems[i].semval = sems[i].semval;
	sma->sems[0].sem_otime = h->otime;
	sma->sem_ctime = h->ctime;
	sem_unlock(sma, -1);
	rcu_read_unlock();
	return ckpt_defer(ctx, sem_ckpt_set_pids, sem_ckpt_free, sp);
}

/**
 * sem_ckpt_load() - read the SEM records of an image
 * @ctx: restart context, in the root of the image, in its new ipc
 *	namespace (or verifying)
 * @nr: how many the IPC_NS record announced
 *
 * Return: 0, or a negative errno with a log line.
 */
int sem_ckpt_load(struct ckpt_ctx *ctx, u32 nr)
{
	u32 semmsl = min_t(u32, ctx->ns.ipc.sem_ctls[0], CKPT_SEMS_MAX);
	const struct ckpt_hdr_sem *h;
	const struct ckpt_sem *sems;
	u32 i, k;
	int ret;

	for (i = 0; i < nr; i++) {
		h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_SEM);
		if (IS_ERR(h))
			return PTR_ERR(h);
		if (!h->nsems || h->nsems > semmsl)
			return ckpt_bad(ctx, "SEM", "nsems", "%u (semmsl %u)",
					h->nsems, semmsl);
		ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h),
				       h->nsems * sizeof(*sems));
		if (!ret)
			ret = ipc_ckpt_perm_check(ctx, &h->perm, 0, "SEM");
		if (!ret)
			ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad),
					     "SEM record");
		if (ret)
			return ret;
		sems = (const void *)(h + 1);
		for (k = 0; k < h->nsems; k++)
			if (sems[k].semval > SEMVMX ||
			    sems[k].sempid > PID_MAX_LIMIT)
				return ckpt_bad(ctx, "SEM", "semaphore",
						"%u of set %u: value %u pid %u",
						k, h->perm.id, sems[k].semval,
						sems[k].sempid);
		ret = ipc_ckpt_note(ctx, CKPT_HDR_SEM, h->perm.id, h->nsems);
		if (!ret && !ckpt_verify_only(ctx))
			ret = sem_ckpt_make(ctx, h, sems);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A reference to the undo list of @t, a task of a checkpoint: exit_sem()
 * frees it when a SIGKILL makes it exit, unless we hold one.  NULL if it
 * has none, ERR_PTR(-EBUSY) if it is exiting.
 */
static struct sem_undo_list *sem_ckpt_undo_get(struct task_struct *t)
{
	struct sem_undo_list *ulp = ERR_PTR(-EBUSY);
	unsigned long flags;

	if (!lock_task_sighand(t, &flags))
		return ulp;
	if (!(t->flags & PF_EXITING)) {
		ulp = t->sysvsem.undo_list;
		if (ulp && !refcount_inc_not_zero(&ulp->refcnt))
			ulp = ERR_PTR(-EBUSY);
	}
	unlock_task_sighand(t, &flags);
	return ulp;
}

/**
 * sem_ckpt_undo_put() - drop a checkpoint's reference to an undo list
 * @ptr: the list
 * @ns: the ipc namespace of its sets
 *
 * If its task exited meanwhile, its adjustments apply now, as exit_sem()
 * would have applied them.
 */
void sem_ckpt_undo_put(void *ptr, struct ipc_namespace *ns)
{
	struct sem_undo_list *ulp = ptr;

	if (refcount_dec_and_test(&ulp->refcnt))
		exit_sem_undo_list(ulp, ns);
}

/* The ids of the sets @ulp adjusts, in increasing order, at most @max */
static int sem_ckpt_undo_ids(struct sem_undo_list *ulp, int *ids, int max)
{
	struct sem_undo *un;
	int n = 0, i, id;

	rcu_read_lock();
	spin_lock(&ulp->lock);
	list_for_each_entry(un, &ulp->list_proc, list_proc) {
		if (un->semid < 0)
			continue;	/* its set was removed */
		if (n == max) {
			n = -E2BIG;
			break;
		}
		/* Insertion sort: the lists are short */
		id = un->semid;
		for (i = n++; i > 0 && ids[i - 1] > id; i--)
			ids[i] = ids[i - 1];
		ids[i] = id;
	}
	spin_unlock(&ulp->lock);
	rcu_read_unlock();
	return n;
}

/* Write the SEM_ADJ record of @ulp for set @semid */
static int sem_ckpt_adj_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns,
			     struct sem_undo_list *ulp, int semid, short *adj)
{
	struct ckpt_hdr_sem_adj h = { .semid = semid };
	struct sem_array *sma;
	struct sem_undo *un;
	int ret = -EBUSY;

	rcu_read_lock();
	sma = sem_obtain_object(ns, semid);
	if (!IS_ERR(sma)) {
		sem_lock(sma, NULL, -1);
		spin_lock(&ulp->lock);
		un = __lookup_undo(ulp, semid);
		if (un && ipc_valid_object(&sma->sem_perm) &&
		    sma->sem_nsems <= CKPT_SEMS_MAX) {
			h.nsems = sma->sem_nsems;
			memcpy(adj, un->semadj, h.nsems * sizeof(*adj));
			ret = 0;
		}
		spin_unlock(&ulp->lock);
		sem_unlock(sma, -1);
	}
	rcu_read_unlock();
	if (ret)
		return ckpt_err(ctx, ret,
				"SEM_UNDO adjustments to set %d changed meanwhile",
				semid);
	return ckpt_write_rec(ctx, &h.h, CKPT_HDR_SEM_ADJ, sizeof(h), adj,
			      h.nsems * sizeof(*adj));
}

/**
 * sem_ckpt_undo_save() - write the SEM_UNDO adjustments of a task
 * @ctx: checkpoint context
 * @t: the task, stopped
 * @objref: the id of its SEM_UNDO object, 0 if it has none, on return
 *
 * Return: 0, -EOPNOTSUPP (with a log line) for adjustments in an ipc
 * namespace that the image does not hold, or a negative errno.
 */
int sem_ckpt_undo_save(struct ckpt_ctx *ctx, struct task_struct *t,
		       u32 *objref)
{
	struct ipc_namespace *ns = ctx->nsproxy->ipc_ns;
	struct sem_undo_list *ulp, *held;
	struct ckpt_hdr_sem_undo h = {};
	short *adj = NULL;
	int *ids = NULL;
	int n, i, ret;

	*objref = 0;
	ulp = sem_ckpt_undo_get(t);
	if (IS_ERR_OR_NULL(ulp))
		return ulp ? ckpt_err(ctx, PTR_ERR(ulp), "pid %d is exiting",
				      task_pid_vnr(t)) : 0;
	held = ulp;
	ids = kvmalloc_array(CKPT_SEM_ADJS_MAX, sizeof(*ids), GFP_KERNEL);
	if (!ids) {
		sem_ckpt_undo_put(held, ns);
		return -ENOMEM;
	}
	n = sem_ckpt_undo_ids(ulp, ids, CKPT_SEM_ADJS_MAX);
	ret = n;
	if (n < 0) {
		ckpt_err(ctx, n, "pid %d: SEM_UNDO adjustments to too many sets",
			 task_pid_vnr(t));
		goto out;
	}
	ret = 0;
	if (!(ctx->ns.new & CKPT_NS_IPC)) {
		if (n)
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "pid %d: SEM_UNDO adjustments in an ipc namespace not the tree's own not supported",
				       task_pid_vnr(t));
		goto out;
	}
	/* A new object takes our reference, a known one has one */
	ret = ckpt_obj_lookup_add(ctx, ulp, CKPT_OBJ_SEM_UNDO, objref);
	if (ret > 0)
		held = NULL;
	if (ret <= 0)
		goto out;
	adj = kvmalloc_array(CKPT_SEMS_MAX, sizeof(*adj), GFP_KERNEL);
	ret = -ENOMEM;
	if (!adj)
		goto out;
	h.objref = *objref;
	h.nr_adjs = n;
	ret = ckpt_write_obj(ctx, &h, CKPT_HDR_SEM_UNDO);
	for (i = 0; !ret && i < n; i++)
		ret = sem_ckpt_adj_save(ctx, ns, ulp, ids[i], adj);
out:
	if (held)
		sem_ckpt_undo_put(held, ns);
	kvfree(adj);
	kvfree(ids);
	return ret;
}

/**
 * sem_ckpt_undo_users() - check that only the tree shares an undo list
 * @ctx: checkpoint context
 * @ptr: the undo list
 * @objref: its object id
 * @users: tasks of the tree that refer to it
 *
 * Return: 0, or -EBUSY with a log line.
 */
int sem_ckpt_undo_users(struct ckpt_ctx *ctx, void *ptr, u32 objref,
			unsigned int users)
{
	struct sem_undo_list *ulp = ptr;
	/* Ours, and its tasks' */
	unsigned int count = refcount_read(&ulp->refcnt) - 1;

	if (count > users)
		return ckpt_err(ctx, -EBUSY,
				"SEM_UNDO list %u: shared with %u task(s) outside the checkpoint",
				objref, count - users);
	return 0;
}

/* Give current the adjustments of a checked SEM_ADJ record */
static int sem_ckpt_adj_make(struct ckpt_ctx *ctx,
			     const struct ckpt_hdr_sem_adj *h)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct sem_array *sma;
	struct sem_undo *un;
	int ret = 0;

	un = find_alloc_undo(ns, h->semid);
	if (IS_ERR(un))
		return ckpt_err(ctx, PTR_ERR(un),
				"SEM_UNDO: cannot adjust set %u", h->semid);
	/* find_alloc_undo() returned in an RCU read section */
	sma = sem_obtain_object(ns, h->semid);
	if (IS_ERR(sma) || sma->sem_nsems != h->nsems) {
		ret = -EBUSY;
	} else {
		sem_lock(sma, NULL, -1);
		memcpy(un->semadj, h + 1, h->nsems * sizeof(short));
		sem_unlock(sma, -1);
	}
	rcu_read_unlock();
	if (ret)
		return ckpt_err(ctx, ret, "SEM_UNDO: set %u changed", h->semid);
	return 0;
}

/**
 * sem_ckpt_undo_load() - read a SEM_UNDO object and its SEM_ADJ records
 * @ctx: restart context
 * @u: the SEM_UNDO record
 *
 * Unless verifying, current (the first task of the image to refer to
 * it) gets the adjustments, in its undo list.
 *
 * Return: 0, or a negative errno with a log line.
 */
int sem_ckpt_undo_load(struct ckpt_ctx *ctx, const struct ckpt_hdr_sem_undo *u)
{
	const struct ckpt_hdr_sem_adj *h;
	struct sem_undo_list *ulp;
	u32 objref = u->objref, nr = u->nr_adjs, i, k, prev = 0;
	const s16 *adj;
	int ret;

	ret = ckpt_rec_payload(ctx, &u->h, sizeof(*u), 0);
	if (ret)
		return ret;
	if (!(ctx->ns.new & CKPT_NS_IPC) || nr > CKPT_SEM_ADJS_MAX)
		return ckpt_bad(ctx, "SEM_UNDO", "nr_adjs",
				"%u (ipc namespace %s)", nr,
				ctx->ns.new & CKPT_NS_IPC ? "own" : "not own");
	if (!ckpt_verify_only(ctx) && current->sysvsem.undo_list)
		return ckpt_err(ctx, -EINVAL,
				"SEM_UNDO %u: task %u has adjustments already",
				objref, ctx->rtask->clone.pid);
	for (i = 0; i < nr; i++) {
		h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_SEM_ADJ);
		if (IS_ERR(h))
			return PTR_ERR(h);
		if ((i && h->semid <= prev) ||
		    ipc_ckpt_lookup(ctx, CKPT_HDR_SEM, h->semid) != h->nsems)
			return ckpt_bad(ctx, "SEM_ADJ", "set",
					"%u of %u semaphores (after %u)",
					h->semid, h->nsems, prev);
		prev = h->semid;
		ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h),
				       h->nsems * sizeof(*adj));
		if (ret)
			return ret;
		adj = (const void *)(h + 1);
		for (k = 0; k < h->nsems; k++)
			if (adj[k] < -SEMVMX || adj[k] > SEMVMX)
				return ckpt_bad(ctx, "SEM_ADJ", "adjustment",
						"%d of semaphore %u of set %u",
						adj[k], k, h->semid);
		if (!ckpt_verify_only(ctx)) {
			ret = sem_ckpt_adj_make(ctx, h);
			if (ret)
				return ret;
		}
	}
	if (ckpt_verify_only(ctx))
		return ckpt_obj_insert(ctx, objref, CKPT_OBJ_SEM_UNDO, NULL);
	ret = get_undo_list(&ulp);
	if (ret)
		return ret;
	return ckpt_obj_insert(ctx, objref, CKPT_OBJ_SEM_UNDO, ulp);
}

/**
 * sem_ckpt_undo_take() - give current the undo list of its task record
 * @ctx: restart context
 * @objref: the id of a SEM_UNDO object, or 0
 *
 * Shares it as CLONE_SYSVSEM does, unless current made it.
 *
 * Return: 0, or -EINVAL with a log line.
 */
int sem_ckpt_undo_take(struct ckpt_ctx *ctx, u32 objref)
{
	struct sem_undo_list *ulp;
	int ret;

	if (!objref)
		return 0;
	ret = ckpt_obj_check(ctx, objref, CKPT_OBJ_SEM_UNDO, false,
			     "TASK record sem_undo_ref");
	if (ret || ckpt_verify_only(ctx))
		return ret;
	ulp = ckpt_obj_fetch(ctx, objref, CKPT_OBJ_SEM_UNDO);
	if (current->sysvsem.undo_list == ulp)
		return 0;
	if (!ulp || current->sysvsem.undo_list)
		return ckpt_err(ctx, -EINVAL,
				"task %u: SEM_UNDO %u not its own",
				ctx->rtask->clone.pid, objref);
	refcount_inc(&ulp->refcnt);
	current->sysvsem.undo_list = ulp;
	return 0;
}
