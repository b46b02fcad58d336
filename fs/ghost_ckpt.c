// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of open files that were unlinked.
 *
 * A regular file still open after its last name was removed cannot be
 * reopened by path: its contents go into the image.  It is an object: a
 * GHOST record with the directory it was in, its permission bits and
 * size, followed by FILE_DATA records with its contents, the holes left
 * out.  The FILE records of the files open on it refer to it.
 *
 * Restart makes a new unnamed file in that directory, as
 * open(O_TMPFILE) does with the restarter's rights (and on a
 * filesystem that supports it), writes the contents and gives it its
 * size and permission bits; each FILE record then opens it anew with
 * its flags and position.  The new file has no name either, but
 * /proc/PID/fd shows another one ("/dir/#123 (deleted)").
 *
 * Refused: files opened write-only (the contents cannot be read through
 * them), files that still have a name elsewhere (a hard link), and
 * files whose directory was removed too.
 */

#include <linux/checkpoint.h>
#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/slab.h>
#include <linux/string.h>

/**
 * ghost_ckpt_file() - whether a file was unlinked
 * @file: the file
 *
 * Return: true for a file whose name was removed.
 */
bool ghost_ckpt_file(struct file *file)
{
	return d_unlinked(file->f_path.dentry);
}

/* The GHOST record of the inode of @file, then its contents */
static int ckpt_ghost_write(struct ckpt_ctx *ctx, struct file *file,
			    const char *who, u32 objref)
{
	struct inode *inode = file_inode(file);
	struct ckpt_hdr_ghost h = {};
	struct path dir;
	struct file *rd;
	char *buf, *p;
	u32 nr_again;
	int ret;

	if (!S_ISREG(inode->i_mode))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: unlinked file of type %#o not supported",
				who, inode->i_mode & S_IFMT);
	if (inode->i_nlink)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: unlinked %pD still has another name (hard link) not supported",
				who, file);
	if (file->f_mode & FMODE_PATH)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: unlinked %pD opened with O_PATH not supported",
				who, file);
	if (!(file->f_mode & FMODE_READ))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: unlinked %pD opened write-only not supported",
				who, file);

	buf = kmalloc(CKPT_PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	dir.mnt = file->f_path.mnt;
	dir.dentry = dget_parent(file->f_path.dentry);
	p = file_ckpt_path(ctx, &dir, buf, who);
	dput(dir.dentry);
	if (IS_ERR(p)) {
		ret = PTR_ERR(p);
		goto free_buf;
	}
	h.objref = objref;
	h.mode = inode->i_mode & 07777;
	h.size = i_size_read(inode);
	h.dir_len = strlen(p) + 1;

	/* A reader of its own: the task's file keeps its position */
	rd = dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(rd)) {
		ret = ckpt_err(ctx, PTR_ERR(rd), "%s: cannot read %pD", who,
			       file);
		goto free_buf;
	}
	ret = file_data_checkpoint(ctx, rd, h.size, &h.nr_data, false);
	if (!ret)
		ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_GHOST, sizeof(h), p,
				     h.dir_len);
	if (!ret)
		ret = file_data_checkpoint(ctx, rd, h.size, &nr_again, true);
	if (!ret && nr_again != h.nr_data)
		ret = ckpt_err(ctx, -EBUSY, "%s: %pD changed during the checkpoint",
			       who, file);
	fput(rd);
free_buf:
	kfree(buf);
	return ret;
}

/**
 * ghost_checkpoint() - write the GHOST record of an unlinked file
 * @ctx: checkpoint context
 * @file: a file open on it
 * @who: what @file is, for the log ("fd 3")
 * @objref: object id of the GHOST record, on return
 *
 * Writes the record and the contents the first time the inode is
 * seen; later calls only return its id.
 *
 * Context: may sleep.
 * Return: 0, -EOPNOTSUPP (with a log line) for a file this cannot save,
 * -EBUSY if it changes meanwhile, or the error of a read or a write.
 */
int ghost_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		     u32 *objref)
{
	int ret;

	ret = ckpt_obj_lookup_add(ctx, file_inode(file), CKPT_OBJ_GHOST,
				  objref);
	if (ret <= 0)
		return ret;
	return ckpt_ghost_write(ctx, file, who, *objref);
}

/* A new unnamed file in @dir with the contents, size and mode of @g */
static struct file *ckpt_ghost_new(struct ckpt_ctx *ctx,
				   const struct ckpt_hdr_ghost *g,
				   const char *dir)
{
	struct file *file;
	char what[32];
	int ret;

	file = filp_open(dir, O_TMPFILE | O_RDWR | O_LARGEFILE,
			 g->mode & 0777);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file),
			 "unlinked file %u: cannot make it in %s", g->objref,
			 dir);
		return file;
	}
	ret = vfs_truncate(&file->f_path, g->size);
	if (ret) {
		ckpt_err(ctx, ret, "unlinked file %u: cannot make it %llu bytes",
			 g->objref, g->size);
		goto put;
	}
	ret = file_data_restore(ctx, g->nr_data, g->size, g->objref, file);
	if (!ret) {
		snprintf(what, sizeof(what), "unlinked file %u", g->objref);
		ret = file_restore_mode(ctx, file, g->mode, what);
	}
	if (!ret)
		return file;
put:
	fput(file);
	return ERR_PTR(ret);
}

/**
 * ghost_restore() - rebuild an unlinked file from a GHOST record
 * @ctx: restart context
 * @h: the GHOST record, as read
 *
 * Checks the record and reads its FILE_DATA records.  Unless only
 * verifying, makes an unnamed file in the record's directory with the
 * restarter's rights, and writes the contents into it.
 *
 * Return: 0, -EINVAL for a bad record (with a log line naming the
 * field), the error of a read, or when restoring the error of making
 * or filling the file (-EACCES, -EOPNOTSUPP where O_TMPFILE is not
 * supported, -EFBIG, -ENOSPC).
 */
int ghost_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_ghost *h)
{
	const char *dir = (const char *)(h + 1);
	struct ckpt_hdr_ghost g = *h;
	struct file *file = NULL;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), g.dir_len);
	if (ret)
		return ret;
	ret = file_check_path(ctx, dir, g.dir_len, "GHOST record dir");
	if (ret)
		return ret;
	if (g.mode & ~07777)
		return ckpt_bad(ctx, "GHOST", "mode", "%#o", g.mode);
	if (g.size > MAX_LFS_FILESIZE)
		return ckpt_bad(ctx, "GHOST", "size", "%llu", g.size);
	if (g.nr_data > g.size)
		return ckpt_bad(ctx, "GHOST", "nr_data", "%u for %llu bytes",
				g.nr_data, g.size);

	if (ckpt_verify_only(ctx)) {
		ret = file_data_restore(ctx, g.nr_data, g.size, g.objref, NULL);
		if (ret)
			return ret;
	} else {
		file = ckpt_ghost_new(ctx, &g, dir);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	return ckpt_obj_insert(ctx, g.objref, CKPT_OBJ_GHOST, file);
}
