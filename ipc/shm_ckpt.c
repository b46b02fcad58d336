// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of SysV shared memory segments.
 *
 * Included at the end of ipc/shm.c, whose structures it reads and
 * builds.  A segment is a SHM record with its contents in FILE_DATA
 * records; its attachments are the CKPT_VMA_SYSV_SHM mappings of the
 * address spaces, attached again (do_shmat()) as each is restored, so
 * the attach count comes back by itself.  A segment removed while
 * attached (SHM_DEST) is removed again once every task is rebuilt.
 */

#include <linux/checkpoint.h>

/**
 * shm_ckpt_vma_id() - the segment a mapping attaches
 * @vma: the mapping, its mm locked
 * @ns: if not NULL, the segment's ipc namespace, on return
 *
 * Return: its id, or -1: not a SysV shm mapping.
 */
int shm_ckpt_vma_id(struct vm_area_struct *vma,
		    const struct ipc_namespace **ns)
{
	struct file *file = vma->vm_file;

	if (!file || (file->f_op != &shm_file_operations &&
		      file->f_op != &shm_file_operations_huge))
		return -1;
	if (ns)
		*ns = shm_file_data(file)->ns;
	return shm_file_data(file)->id;
}

/*
 * Copy what a SHM record says of @shp, and a reference to its memory.
 * Context: rcu_read_lock held.
 */
static const char *shm_ckpt_copy(struct ckpt_ctx *ctx,
				 struct shmid_kernel *shp,
				 struct ckpt_hdr_shm *h, struct file **file,
				 unsigned long *nattch)
	__must_hold(RCU)
{
	const char *why = NULL;

	ipc_lock_object(&shp->shm_perm);
	if (!ipc_valid_object(&shp->shm_perm))
		why = "removed meanwhile";
	else if (is_file_hugepages(shp->shm_file))
		why = "on huge pages (SHM_HUGETLB)";
	else if (shp->shm_perm.mode & SHM_LOCKED)
		why = "locked (SHM_LOCK)";
	else if (shp->shm_segsz > shp->ns->shm_ctlmax)
		why = "larger than kernel.shmmax";
	if (!why) {
		ipc_ckpt_perm_save(ctx, &shp->shm_perm, &h->perm);
		h->segsz = shp->shm_segsz;
		h->atime = shp->shm_atim;
		h->dtime = shp->shm_dtim;
		h->ctime = shp->shm_ctim;
		h->cpid = ipc_ckpt_pid(ctx, shp->shm_cprid);
		h->lpid = ipc_ckpt_pid(ctx, shp->shm_lprid);
		*nattch = shp->shm_nattch;
		*file = get_file(shp->shm_file);
	}
	ipc_unlock_object(&shp->shm_perm);
	return why;
}

/**
 * shm_ckpt_save() - write the segments of an ipc namespace
 * @ctx: checkpoint context
 * @ns: the tree's own ipc namespace
 * @nr: how many its IPC_NS record announced
 *
 * Each is followed by its contents; how many times it is attached is
 * kept, for ipc_ckpt_finish() to check that the tree holds them all.
 *
 * Return: 0, -EBUSY if the segments changed meanwhile, -EOPNOTSUPP
 * (with a log line) for one that cannot be saved, or a negative errno.
 */
int shm_ckpt_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns, u32 nr)
{
	struct ipc_ids *ids = &shm_ids(ns);
	struct kern_ipc_perm *ipcp;
	unsigned long nattch = 0;
	struct file *file;
	const char *why = NULL;
	int ret = 0, idx, id = 0;
	u32 n = 0;

	down_read(&ids->rwsem);
	for (idx = 0; !ret; idx++) {
		struct ckpt_hdr_shm h = {};

		file = NULL;
		rcu_read_lock();
		ipcp = idr_get_next(&ids->ipcs_idr, &idx);
		if (ipcp) {
			struct shmid_kernel *shp;

			id = ipcp->id;
			shp = container_of(ipcp, struct shmid_kernel, shm_perm);
			why = shm_ckpt_copy(ctx, shp, &h, &file, &nattch);
		}
		rcu_read_unlock();
		if (!ipcp)
			break;
		if (why) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "ipc namespace: SysV shm segment %d %s not supported",
				       id, why);
			break;
		}
		if (++n > nr) {
			ret = -EBUSY;
		} else {
			ret = file_data_checkpoint(ctx, file, h.segsz,
						   &h.nr_data, false);
			if (!ret)
				ret = ckpt_write_obj(ctx, &h, CKPT_HDR_SHM);
			if (!ret)
				ret = file_data_checkpoint(ctx, file, h.segsz,
							   &h.nr_data, true);
			if (!ret)
				ret = ipc_ckpt_note(ctx, CKPT_HDR_SHM,
						    h.perm.id, nattch);
		}
		fput(file);
	}
	up_read(&ids->rwsem);
	if (!ret && n != nr)
		ret = -EBUSY;
	if (ret == -EBUSY)
		ckpt_err(ctx, ret, "ipc namespace: its segments changed meanwhile");
	return ret;
}

/* Remove a restored segment of SHM_DEST, now that it is attached */
static int shm_ckpt_rmid(struct ckpt_ctx *ctx, void *data)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct kern_ipc_perm *ipcp;
	int id = (long)data;

	down_write(&shm_ids(ns).rwsem);
	rcu_read_lock();
	ipcp = ipc_obtain_object_check(&shm_ids(ns), id);
	if (IS_ERR(ipcp)) {
		rcu_read_unlock();
		up_write(&shm_ids(ns).rwsem);
		return ckpt_err(ctx, PTR_ERR(ipcp),
				"SysV shm segment %d: gone before its removal", id);
	}
	ipc_lock_object(ipcp);
	/* Unlocks it and leaves the RCU section, as shmctl(IPC_RMID) */
	do_shm_rmid(ns, ipcp);
	up_write(&shm_ids(ns).rwsem);
	return 0;
}

static long shm_ckpt_get(void *arg)
{
	const struct ckpt_hdr_shm *h = arg;

	return ksys_shmget(h->perm.key, h->segsz, IPC_CREAT | IPC_EXCL | 0600);
}

/* Make the segment of a checked SHM record, and fill it */
static int shm_ckpt_make(struct ckpt_ctx *ctx, const struct ckpt_hdr_shm *h)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	const struct ckpt_ipc_perm *p = &h->perm;
	struct shmid_kernel *shp;
	struct file *file;
	int id = p->id, ret;
	s64 times[2];

	ret = ipc_ckpt_perm_allowed(ctx, ns, p);
	if (!ret)
		ret = ipc_ckpt_make(ctx, &shm_ids(ns), "shm segment", id,
				    shm_ckpt_get, (void *)h);
	if (ret)
		return ret;
	rcu_read_lock();
	shp = shm_obtain_object(ns, id);
	file = IS_ERR(shp) ? NULL : get_file(shp->shm_file);
	rcu_read_unlock();
	if (!file)
		return ckpt_err(ctx, -EBUSY, "SysV shm segment %u: gone", p->id);
	ret = file_data_restore(ctx, h->nr_data, h->segsz, p->id, file);
	fput(file);
	if (ret)
		return ret;

	rcu_read_lock();
	shp = shm_obtain_object(ns, id);
	if (IS_ERR(shp)) {
		rcu_read_unlock();
		return ckpt_err(ctx, -EBUSY, "SysV shm segment %u: gone", p->id);
	}
	ipc_ckpt_perm_set(&shp->shm_perm, p, 0);
	ipc_lock_object(&shp->shm_perm);
	shp->shm_ctim = h->ctime;
	ipc_unlock_object(&shp->shm_perm);
	rcu_read_unlock();
	times[0] = h->atime;
	times[1] = h->dtime;
	ret = ipc_ckpt_defer_pids(ctx, CKPT_HDR_SHM, id, h->cpid, h->lpid,
				  times);
	if (!ret && p->mode & CKPT_SHM_DEST)
		ret = ckpt_defer(ctx, shm_ckpt_rmid, NULL, (void *)(long)id);
	return ret;
}

/**
 * shm_ckpt_load() - read the SHM records of an image
 * @ctx: restart context, in the root of the image, in its new ipc
 *	namespace (or verifying)
 * @nr: how many the IPC_NS record announced
 *
 * Return: 0, or a negative errno with a log line.
 */
int shm_ckpt_load(struct ckpt_ctx *ctx, u32 nr)
{
	u64 max = ctx->ns.ipc.shm_ctlmax;
	const struct ckpt_hdr_shm *h;
	struct ckpt_hdr_shm copy;
	u32 i;
	int ret;

	for (i = 0; i < nr; i++) {
		h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_SHM);
		if (IS_ERR(h))
			return PTR_ERR(h);
		ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
		if (!ret)
			ret = ipc_ckpt_perm_check(ctx, &h->perm, CKPT_SHM_DEST,
						  "SHM");
		if (!ret)
			ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad),
					     "SHM record");
		if (ret)
			return ret;
		if (h->segsz < SHMMIN || h->segsz > min_t(u64, max, MAX_LFS_FILESIZE))
			return ckpt_bad(ctx, "SHM", "segsz", "%llu (shmmax %llu)",
					h->segsz, max);
		if (h->perm.mode & CKPT_SHM_DEST && h->perm.key != IPC_PRIVATE)
			return ckpt_bad(ctx, "SHM", "key", "%#x of a removed segment",
					h->perm.key);
		if (h->cpid > PID_MAX_LIMIT || h->lpid > PID_MAX_LIMIT)
			return ckpt_bad(ctx, "SHM", "pids", "%u/%u", h->cpid,
					h->lpid);
		ret = ipc_ckpt_note(ctx, CKPT_HDR_SHM, h->perm.id,
				    PAGE_ALIGN(h->segsz) >> PAGE_SHIFT);
		if (ret)
			return ret;
		/* The FILE_DATA records reuse the buffer */
		copy = *h;
		if (ckpt_verify_only(ctx))
			ret = file_data_restore(ctx, copy.nr_data, copy.segsz,
						copy.perm.id, NULL);
		else
			ret = shm_ckpt_make(ctx, &copy);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * shm_ckpt_attach() - attach a segment where a VMA record says
 * @ctx: restart context
 * @v: a checked VMA record of kind %CKPT_VMA_SYSV_SHM
 *
 * Return: 0, or a negative errno with a log line.
 */
int shm_ckpt_attach(struct ckpt_ctx *ctx, const struct ckpt_hdr_vma *v)
{
	unsigned long addr;
	int flags = 0;
	long ret;

	/* As it was attached: checkpoint refuses other protections */
	if (!(v->flags & CKPT_VMA_MAYWRITE))
		flags |= SHM_RDONLY;
	if (v->prot & CKPT_PROT_EXEC)
		flags |= SHM_EXEC;
	ret = do_shmat(v->file_ref, (char __user *)(unsigned long)v->start,
		       flags, &addr, SHMLBA);
	if (!ret && addr != v->start)
		ret = -EBUSY;
	if (ret)
		return ckpt_err(ctx, ret,
				"mm: %#llx-%#llx: cannot attach SysV shm segment %u",
				v->start, v->end, v->file_ref);
	return 0;
}

/*
 * Set the pids a segment keeps, and its shmat and shmdt times, once the
 * tasks are made
 */
void shm_ckpt_set_pids(struct ipc_namespace *ns, int id, struct pid *cpid,
		       struct pid *lpid, const s64 *time)
{
	struct shmid_kernel *shp;

	rcu_read_lock();
	shp = shm_obtain_object(ns, id);
	if (!IS_ERR(shp)) {
		ipc_lock_object(&shp->shm_perm);
		ipc_update_pid(&shp->shm_cprid, cpid);
		ipc_update_pid(&shp->shm_lprid, lpid);
		shp->shm_atim = time[0];
		shp->shm_dtim = time[1];
		ipc_unlock_object(&shp->shm_perm);
	}
	rcu_read_unlock();
}
