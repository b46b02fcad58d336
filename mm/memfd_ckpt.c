// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of memfds and of shared anonymous memory.
 *
 * A memfd is an object of the image: a MEMFD record with its name,
 * size, permission bits and seals, followed by FILE_DATA records with
 * its contents, the holes left out.  The FILE records of the files open
 * on it (memfd_create(2), reopenings through /proc/PID/fd) refer to it;
 * so do the mappings of it.  Shared anonymous memory is the same: an
 * unnamed shmem file ("dev/zero") that the mappings sharing it map, so
 * that they share it again after restart.
 *
 * Restart makes a new memfd, charged to the restarter and owned by it,
 * writes the contents, gives it its size and permission bits, then its
 * seals; each FILE record then opens it anew with its own flags, as
 * opening /proc/PID/fd/N would.  Hugetlb memfds are refused.
 */

#include <linux/checkpoint.h>
#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/string.h>

#define MEMFD_PREFIX	"memfd:"
/* The name of the shmem file of shared anonymous memory (shmem_zero_setup()) */
#define SHMEM_ANON_NAME	"dev/zero"

/**
 * memfd_ckpt_file() - whether a file is a memfd that checkpoint can save
 * @file: the file
 *
 * Return: true for a file on a shmem inode made by memfd_create(2), or
 * for the file of shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS).
 */
bool memfd_ckpt_file(struct file *file)
{
	struct inode *inode = file_inode(file);
	const char *name = file_dentry(file)->d_name.name;

	if (!shmem_file(file) || !(inode->i_sb->s_flags & SB_KERNMOUNT))
		return false;
	/* Shared anonymous memory is such a file without a name */
	if (IS_PRIVATE(inode))
		return !strcmp(name, SHMEM_ANON_NAME);
	return !strncmp(name, MEMFD_PREFIX, strlen(MEMFD_PREFIX));
}

/**
 * file_data_checkpoint() - count or write the contents of a file
 * @ctx: checkpoint context
 * @rd: the file, open for reading, whose position this moves
 * @size: bytes to save, from offset 0
 * @nr: number of FILE_DATA records, on return
 * @write: whether to write them, or only count them
 *
 * The holes (as SEEK_DATA and SEEK_HOLE see them) are left out.
 *
 * Context: may sleep.
 * Return: 0, -EBUSY if the file shrinks meanwhile, or the error of a
 * read or a write.
 */
int file_data_checkpoint(struct ckpt_ctx *ctx, struct file *rd, loff_t size,
			 u32 *nr, bool write)
{
	struct ckpt_hdr_file_data h = {};
	loff_t off = 0, end, pos;
	void *buf = NULL;
	ssize_t n;
	int ret = 0;

	if (write) {
		buf = kvmalloc(CKPT_FILE_DATA_MAX, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
	}
	*nr = 0;
	while (off < size) {
		off = vfs_llseek(rd, off, SEEK_DATA);
		if (off == -ENXIO || off >= size)
			break;
		if (off < 0) {
			ret = off;
			break;
		}
		end = vfs_llseek(rd, off, SEEK_HOLE);
		if (end < 0) {
			ret = end;
			break;
		}
		end = min(end, size);
		while (off < end) {
			h.offset = off;
			h.len = min_t(loff_t, end - off, CKPT_FILE_DATA_MAX);
			(*nr)++;
			if (write) {
				pos = off;
				n = kernel_read(rd, buf, h.len, &pos);
				if (n != h.len) {
					ret = n < 0 ? n : -EBUSY;
					goto out;
				}
				ret = ckpt_write_rec(ctx, &h.h,
						     CKPT_HDR_FILE_DATA,
						     sizeof(h), buf, h.len);
				if (ret)
					goto out;
			}
			off += h.len;
		}
	}
out:
	kvfree(buf);
	return ret;
}

/* The MEMFD record of the memfd of @file, then its contents */
static int ckpt_memfd_write(struct ckpt_ctx *ctx, struct file *file,
			    const char *who, u32 objref)
{
	struct inode *inode = file_inode(file);
	const char *name = file_dentry(file)->d_name.name;
	struct ckpt_hdr_memfd h = {};
	u32 nr_again;
	struct file *rd;
	long seals;
	int ret;

	/* The image has the values of fcntl(2) */
	BUILD_BUG_ON(F_SEAL_SEAL != CKPT_SEAL_SEAL);
	BUILD_BUG_ON(F_SEAL_SHRINK != CKPT_SEAL_SHRINK);
	BUILD_BUG_ON(F_SEAL_GROW != CKPT_SEAL_GROW);
	BUILD_BUG_ON(F_SEAL_WRITE != CKPT_SEAL_WRITE);
	BUILD_BUG_ON(F_SEAL_FUTURE_WRITE != CKPT_SEAL_FUTURE_WRITE);
	BUILD_BUG_ON(F_SEAL_EXEC != CKPT_SEAL_EXEC);
	seals = memfd_fcntl(file, F_GET_SEALS, 0);
	if (seals < 0)
		return ckpt_err(ctx, seals, "%s: cannot get the seals", who);
	if (seals & ~CKPT_SEALS)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s: seals %#lx not supported",
				who, seals);
	/* Restart seals it before it maps it */
	if (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) &&
	    mapping_writably_mapped(file->f_mapping))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: write-sealed memfd with a writable shared mapping not supported",
				who);
	h.name_len = strlen(name) + 1;
	if (h.name_len > CKPT_MEMFD_NAME_MAX)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s: name too long", who);
	h.objref = objref;
	h.seals = seals;
	h.mode = inode->i_mode & 07777;
	h.size = i_size_read(inode);

	/* A reader of its own, whatever the flags of the task's file */
	rd = dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE, current_cred());
	if (IS_ERR(rd))
		return ckpt_err(ctx, PTR_ERR(rd), "%s: cannot read it", who);
	ret = file_data_checkpoint(ctx, rd, h.size, &h.nr_data, false);
	if (!ret)
		ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_MEMFD, sizeof(h), name,
				     h.name_len);
	if (!ret)
		ret = file_data_checkpoint(ctx, rd, h.size, &nr_again, true);
	if (!ret && nr_again != h.nr_data)
		ret = ckpt_err(ctx, -EBUSY, "%s: changed during the checkpoint",
			       who);
	fput(rd);
	return ret;
}

/**
 * memfd_checkpoint() - write the MEMFD record of the memfd of a file
 * @ctx: checkpoint context
 * @file: a file open on the memfd
 * @who: what @file is, for the log ("fd 3")
 * @objref: object id of the memfd, on return
 *
 * Writes the record and the contents of the memfd the first time it is
 * seen; later calls only return its id.  The contents are read through
 * a file of its own, without moving the position of @file.
 *
 * Context: may sleep.
 * Return: 0, -EOPNOTSUPP for seals or a name this format cannot hold,
 * -EBUSY if its size changes meanwhile (with a log line), or the error
 * of a read or a write.
 */
int memfd_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		     u32 *objref)
{
	int ret;

	ret = ckpt_obj_lookup_add(ctx, file_inode(file), CKPT_OBJ_MEMFD,
				  objref);
	if (ret <= 0)
		return ret;
	return ckpt_memfd_write(ctx, file, who, *objref);
}

/**
 * file_data_restore() - read FILE_DATA records, and write them to a file
 * @ctx: restart context
 * @nr_data: how many records
 * @size: size of the file: the data must fit in it
 * @objref: object id of the record they follow, for the log
 * @file: the file to write to, or NULL to only check the records
 *
 * Return: 0, -EINVAL for a bad record (with a log line), the error of a
 * read, or of a write (with a log line).
 */
int file_data_restore(struct ckpt_ctx *ctx, u32 nr_data, u64 size, u32 objref,
		      struct file *file)
{
	const struct ckpt_hdr_file_data *d;
	struct ckpt_hdr *rec;
	u64 next = 0;
	loff_t pos;
	ssize_t n;
	u32 i;
	int ret;

	for (i = 0; i < nr_data; i++) {
		rec = ckpt_read_rec_type(ctx, CKPT_HDR_FILE_DATA);
		if (IS_ERR(rec))
			return PTR_ERR(rec);
		d = (const void *)rec;
		if (!d->len || d->len > CKPT_FILE_DATA_MAX)
			return ckpt_bad(ctx, "FILE_DATA", "len", "%u", d->len);
		if (d->offset < next || d->offset > size ||
		    d->len > size - d->offset)
			return ckpt_bad(ctx, "FILE_DATA", "offset",
					"%llu (+%u) in %llu bytes after %llu",
					d->offset, d->len, size, next);
		ret = ckpt_rec_payload(ctx, rec, sizeof(*d), d->len);
		if (ret)
			return ret;
		ret = ckpt_check_pad(ctx, &d->__pad, sizeof(d->__pad),
				     "FILE_DATA record");
		if (ret)
			return ret;
		next = d->offset + d->len;
		if (!file)
			continue;
		pos = d->offset;
		n = kernel_write(file, d + 1, d->len, &pos);
		if (n != d->len)
			return ckpt_err(ctx, n < 0 ? (int)n : -EIO,
					"file %u: cannot write its contents",
					objref);
	}
	return 0;
}

/* A new memfd with the name, contents, size, mode and seals of @m */
static struct file *ckpt_memfd_new(struct ckpt_ctx *ctx,
				   const struct ckpt_hdr_memfd *m,
				   const char *name)
{
	struct file *file;
	char what[32];
	long ret;

	if (!strcmp(name, SHMEM_ANON_NAME))
		file = shmem_kernel_file_setup(name, 0, VM_NORESERVE);
	else
		file = shmem_file_setup(name, 0, VM_NORESERVE);
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "memfd %u: cannot make it",
			 m->objref);
		return file;
	}
	/* As memfd_create() */
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	file->f_flags |= O_LARGEFILE;

	ret = vfs_truncate(&file->f_path, m->size);
	if (ret) {
		ckpt_err(ctx, ret, "memfd %u: cannot make it %llu bytes",
			 m->objref, m->size);
		goto put;
	}
	ret = file_data_restore(ctx, m->nr_data, m->size, m->objref, file);
	if (ret)
		goto put;
	snprintf(what, sizeof(what), "memfd %u", m->objref);
	ret = file_restore_mode(ctx, file, m->mode, what);
	if (ret)
		goto put;
	/* Born with F_SEAL_SEAL: lift it, and add the seals of the image */
	SHMEM_I(file_inode(file))->seals = 0;
	ret = memfd_fcntl(file, F_ADD_SEALS, m->seals);
	if (ret) {
		ckpt_err(ctx, ret, "memfd %u: cannot seal it with %#x",
			 m->objref, m->seals);
		goto put;
	}
	return file;
put:
	fput(file);
	return ERR_PTR(ret);
}

/**
 * memfd_restore() - rebuild a memfd from a MEMFD record and its contents
 * @ctx: restart context
 * @h: the MEMFD record, as read
 *
 * Checks the record and reads its FILE_DATA records.  Unless only
 * verifying, makes a memfd with the restarter's limits and writes the
 * contents into it.
 *
 * Return: 0, -EINVAL for a bad record (with a log line naming the
 * field), the error of a read, or when restoring the error of making,
 * filling or sealing the memfd (-EFBIG, -ENOSPC above the limits).
 */
int memfd_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_memfd *h)
{
	const char *name = (const char *)(h + 1);
	struct ckpt_hdr_memfd m = *h;
	struct file *file = NULL;
	int ret;

	if (m.name_len < sizeof(SHMEM_ANON_NAME) ||
	    m.name_len > CKPT_MEMFD_NAME_MAX)
		return ckpt_bad(ctx, "MEMFD", "name_len", "%u", m.name_len);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), m.name_len);
	if (ret)
		return ret;
	ret = ckpt_check_string(ctx, name, m.name_len, "MEMFD record name");
	if (ret)
		return ret;
	if (strcmp(name, SHMEM_ANON_NAME) &&
	    (strncmp(name, MEMFD_PREFIX, strlen(MEMFD_PREFIX)) ||
	     strchr(name, '/')))
		return ckpt_bad(ctx, "MEMFD", "name", "%s", name);
	ret = ckpt_check_pad(ctx, &m.__pad, sizeof(m.__pad), "MEMFD record");
	if (ret)
		return ret;
	if (m.seals & ~CKPT_SEALS)
		return ckpt_bad(ctx, "MEMFD", "seals", "%#x", m.seals);
	if (m.mode & ~07777)
		return ckpt_bad(ctx, "MEMFD", "mode", "%#o", m.mode);
	if (m.size > MAX_LFS_FILESIZE)
		return ckpt_bad(ctx, "MEMFD", "size", "%llu", m.size);
	/* At least a byte each, in increasing offset order */
	if (m.nr_data > m.size)
		return ckpt_bad(ctx, "MEMFD", "nr_data", "%u for %llu bytes",
				m.nr_data, m.size);

	if (ckpt_verify_only(ctx)) {
		ret = file_data_restore(ctx, m.nr_data, m.size, m.objref, NULL);
		if (ret)
			return ret;
	} else {
		file = ckpt_memfd_new(ctx, &m, name);
		if (IS_ERR(file))
			return PTR_ERR(file);
	}
	return ckpt_obj_insert(ctx, m.objref, CKPT_OBJ_MEMFD, file);
}
