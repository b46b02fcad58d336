// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of file locks.
 *
 * The locks an fd table holds follow its FD records: flock(2) locks and
 * open file description locks (F_OFD_SETLK), which belong to an open
 * file of the table, and POSIX record locks (F_SETLK), which belong to
 * the table itself.  Each is a FILE_LOCK record naming the file it is
 * taken through, its kind, type and byte range.
 *
 * Restart takes each lock again, without waiting, through the file
 * rebuilt for the image, in the task being rebuilt, so that POSIX
 * locks belong to its new fd table: a lock that another process holds
 * meanwhile makes the restart fail with -EAGAIN.  Leases and locks on
 * filesystems with their own locking (->lock or ->flock, e.g. NFS) are
 * refused at checkpoint.
 */

#include <linux/checkpoint.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string_choices.h>

/**
 * struct ckpt_lock - a lock found in a file's lock lists
 * @file: the file of the table it is taken through (not referenced:
 *	the caller holds the table's files)
 * @kind: CKPT_LOCK_FLOCK, CKPT_LOCK_POSIX or CKPT_LOCK_OFD
 * @type: CKPT_LOCK_READ or CKPT_LOCK_WRITE
 * @start: first byte
 * @end: last byte, OFFSET_MAX for "to the end of the file"
 */
struct ckpt_lock {
	struct file *file;
	u32 kind;
	u32 type;
	loff_t start;
	loff_t end;
};

/*
 * The file of @filev[] to take POSIX lock @fl again through: the one it
 * was taken through if the table holds it (it has the access mode the
 * lock needs), else @file, on the same inode.
 */
static struct file *ckpt_lock_file(struct file **filev, unsigned int nr,
				   struct file_lock *fl, struct file *file)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (filev[i] == fl->c.flc_file)
			return filev[i];
	return file;
}

/*
 * Add the locks of @files held on the inode of @file to @locks (when
 * not NULL, room for @max), and count them in @nr.  POSIX locks are
 * counted once per inode: @posix says whether to take them here.
 */
static int ckpt_file_locks(struct ckpt_ctx *ctx, struct files_struct *files,
			   struct file **filev, unsigned int nr_files,
			   struct file *file, bool posix,
			   struct ckpt_lock *locks, unsigned int max,
			   unsigned int *nr)
{
	struct file_lock_context *flctx;
	struct file_lock *fl;
	struct file_lease *lease;
	unsigned int n = *nr;
	u32 kind;
	int ret = 0;

	flctx = locks_inode_context(file_inode(file));
	if (!flctx)
		return 0;
	spin_lock(&flctx->flc_lock);
	list_for_each_entry(lease, &flctx->flc_lease, c.flc_list) {
		if (lease->c.flc_file == file) {
			ret = -EOPNOTSUPP;
			goto unlock;
		}
	}
	list_for_each_entry(fl, &flctx->flc_flock, c.flc_list) {
		if (fl->c.flc_file != file)
			continue;
		if (locks && n < max)
			locks[n] = (struct ckpt_lock){ file, CKPT_LOCK_FLOCK,
				lock_is_read(fl) ? CKPT_LOCK_READ :
						   CKPT_LOCK_WRITE,
				0, OFFSET_MAX };
		n++;
	}
	list_for_each_entry(fl, &flctx->flc_posix, c.flc_list) {
		if (fl->c.flc_flags & FL_OFDLCK && fl->c.flc_file == file)
			kind = CKPT_LOCK_OFD;
		else if (posix && !(fl->c.flc_flags & FL_OFDLCK) &&
			 fl->c.flc_owner == files)
			kind = CKPT_LOCK_POSIX;
		else
			continue;
		if (locks && n < max)
			locks[n] = (struct ckpt_lock){
				kind == CKPT_LOCK_POSIX ?
				ckpt_lock_file(filev, nr_files, fl, file) :
				file, kind,
				lock_is_read(fl) ? CKPT_LOCK_READ :
						   CKPT_LOCK_WRITE,
				fl->fl_start, fl->fl_end };
		n++;
	}
unlock:
	spin_unlock(&flctx->flc_lock);
	if (ret)
		return ckpt_err(ctx, ret, "file %pD: lease not supported", file);
	if (n > *nr && (file->f_op->lock || file->f_op->flock))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"file %pD: locks on %s not supported", file,
				file_inode(file)->i_sb->s_type->name);
	*nr = n;
	return 0;
}

/*
 * Whether an earlier file of @files[] is files[i] itself (2), or on its
 * inode (1).  Only files with locks get here: a quadratic walk is fine.
 */
static int ckpt_file_seen(struct file **files, unsigned int i)
{
	int seen = 0;
	unsigned int j;

	for (j = 0; j < i; j++) {
		if (files[j] == files[i])
			return 2;
		if (file_inode(files[j]) == file_inode(files[i]))
			seen = 1;
	}
	return seen;
}

/* Walk the locks of every file of @files[]; see ckpt_file_locks() */
static int ckpt_walk_locks(struct ckpt_ctx *ctx, struct files_struct *owner,
			   struct file **files, unsigned int nr_files,
			   struct ckpt_lock *locks, unsigned int max,
			   unsigned int *nr)
{
	unsigned int i;
	int seen, ret;

	*nr = 0;
	for (i = 0; i < nr_files; i++) {
		if (!locks_inode_context(file_inode(files[i])))
			continue;
		seen = ckpt_file_seen(files, i);
		if (seen == 2)
			continue;
		ret = ckpt_file_locks(ctx, owner, files, nr_files, files[i],
				      !seen, locks, max, nr);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * locks_checkpoint_collect() - find the locks an fd table holds
 * @ctx: checkpoint context
 * @owner: the fd table, owner of its POSIX locks
 * @files: its distinct open files, referenced by the caller
 * @nr_files: how many
 * @locksp: a kvmalloc()ed array of the locks, on return, for
 *	locks_checkpoint_write() and kvfree()
 * @nrp: how many locks, on return
 *
 * Context: may sleep; takes the lock lists' spinlocks.
 * Return: 0, -EOPNOTSUPP (with a log line) for a lease or locks on a
 * filesystem with its own locking, -EBUSY if the locks change
 * meanwhile, or -ENOMEM.
 */
int locks_checkpoint_collect(struct ckpt_ctx *ctx, struct files_struct *owner,
			     struct file **files, unsigned int nr_files,
			     struct ckpt_lock **locksp, unsigned int *nrp)
{
	struct ckpt_lock *locks = NULL;
	unsigned int nr, again;
	int ret;

	*locksp = NULL;
	*nrp = 0;
	ret = ckpt_walk_locks(ctx, owner, files, nr_files, NULL, 0, &nr);
	if (ret || !nr)
		return ret;
	locks = kvcalloc(nr, sizeof(*locks), GFP_KERNEL);
	if (!locks)
		return -ENOMEM;
	ret = ckpt_walk_locks(ctx, owner, files, nr_files, locks, nr, &again);
	if (!ret && again != nr)
		ret = ckpt_err(ctx, -EBUSY,
			       "file locks changed during the checkpoint");
	if (ret) {
		kvfree(locks);
		return ret;
	}
	*locksp = locks;
	*nrp = nr;
	return 0;
}

/**
 * locks_checkpoint_write() - write the FILE_LOCK records of found locks
 * @ctx: checkpoint context
 * @locks: the locks, from locks_checkpoint_collect()
 * @nr: how many
 *
 * Every file of @locks must already have its FILE record.
 *
 * Return: 0 or a negative errno.
 */
int locks_checkpoint_write(struct ckpt_ctx *ctx, const struct ckpt_lock *locks,
			   unsigned int nr)
{
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		struct ckpt_hdr_file_lock h = {};

		if (!ckpt_obj_find(ctx, locks[i].file, CKPT_OBJ_FILE,
				   &h.file_ref))
			return -EIO;
		h.kind = locks[i].kind;
		h.type = locks[i].type;
		h.start = locks[i].start;
		h.end = locks[i].end;
		ret = ckpt_write_obj(ctx, &h, CKPT_HDR_FILE_LOCK);
		if (ret)
			return ret;
	}
	return 0;
}

/* Take the checked lock @h through @file, without waiting */
static int ckpt_take_lock(struct ckpt_ctx *ctx,
			  const struct ckpt_hdr_file_lock *h, struct file *file)
{
	unsigned char type = h->type == CKPT_LOCK_READ ? F_RDLCK : F_WRLCK;
	struct file_lock fl;
	int ret;

	if (!(file->f_mode & (type == F_RDLCK ? FMODE_READ : FMODE_WRITE)) &&
	    h->kind != CKPT_LOCK_FLOCK)
		return ckpt_err(ctx, -EBADF,
				"file %pD: a %s lock needs it open for %s",
				file, str_read_write(type == F_RDLCK),
				str_read_write(type == F_RDLCK));
	ret = security_file_lock(file, type);
	if (ret)
		return ckpt_err(ctx, ret, "file %pD: lock refused by the LSM",
				file);

	locks_init_lock(&fl);
	fl.c.flc_file = file;
	fl.c.flc_type = type;
	fl.c.flc_pid = current->tgid;
	fl.fl_start = h->start;
	fl.fl_end = h->end;
	switch (h->kind) {
	case CKPT_LOCK_FLOCK:
		fl.c.flc_flags = FL_FLOCK;
		fl.c.flc_owner = file;
		ret = locks_lock_file_wait(file, &fl);
		break;
	case CKPT_LOCK_OFD:
		fl.c.flc_flags = FL_POSIX | FL_OFDLCK;
		fl.c.flc_owner = file;
		fl.c.flc_pid = -1;
		ret = vfs_lock_file(file, F_SETLK, &fl, NULL);
		break;
	default:
		fl.c.flc_flags = FL_POSIX;
		fl.c.flc_owner = current->files;
		ret = vfs_lock_file(file, F_SETLK, &fl, NULL);
	}
	locks_release_private(&fl);
	if (ret == -EWOULDBLOCK)
		return ckpt_err(ctx, -EAGAIN,
				"file %pD: its lock on bytes %lld-%lld is held by another process",
				file, h->start, h->end);
	if (ret)
		return ckpt_err(ctx, ret, "file %pD: cannot take its lock",
				file);
	return 0;
}

/**
 * locks_restore() - check a FILE_LOCK record, and take its lock
 * @ctx: restart context
 * @rec: the record, as read
 *
 * Unless only verifying, takes the lock without waiting through the
 * file rebuilt for the record's file_ref, POSIX locks on behalf of
 * current's fd table.
 *
 * Return: 0, -EINVAL for a bad record (with a log line naming the
 * field), or when restoring -EAGAIN if another process holds a
 * conflicting lock, -EBADF for a lock the file's mode does not allow,
 * or the error of the LSM or of the filesystem.
 */
int locks_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr *rec)
{
	const struct ckpt_hdr_file_lock *h = (const void *)rec;
	struct ckpt_hdr_file_lock l = *h;
	struct file *file;
	int ret;

	ret = ckpt_rec_payload(ctx, rec, sizeof(l), 0);
	if (ret)
		return ret;
	ret = ckpt_check_pad(ctx, &l.__pad, sizeof(l.__pad),
			     "FILE_LOCK record");
	if (ret)
		return ret;
	if (l.kind < CKPT_LOCK_FLOCK || l.kind > CKPT_LOCK_OFD)
		return ckpt_bad(ctx, "FILE_LOCK", "kind", "%u", l.kind);
	if (l.type != CKPT_LOCK_READ && l.type != CKPT_LOCK_WRITE)
		return ckpt_bad(ctx, "FILE_LOCK", "type", "%u", l.type);
	if ((s64)l.start < 0 || (s64)l.end < 0 || l.start > l.end)
		return ckpt_bad(ctx, "FILE_LOCK", "range", "%llu-%llu",
				l.start, l.end);
	if (l.kind == CKPT_LOCK_FLOCK && (l.start || l.end != OFFSET_MAX))
		return ckpt_bad(ctx, "FILE_LOCK", "range",
				"%llu-%llu for flock()", l.start, l.end);
	ret = ckpt_obj_check(ctx, l.file_ref, CKPT_OBJ_FILE, false,
			     "FILE_LOCK record file_ref");
	if (ret || ckpt_verify_only(ctx))
		return ret;

	file = ckpt_obj_fetch(ctx, l.file_ref, CKPT_OBJ_FILE);
	if (!file)
		return ckpt_err(ctx, -EINVAL, "lock: file %u was not reopened",
				l.file_ref);
	return ckpt_take_lock(ctx, &l, file);
}
