// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of pipes.
 *
 * A pipe is an object of the image: a PIPE record with its capacity,
 * followed by a PIPE_BUF record per buffer of data it holds, oldest
 * first.  The FILE records of its ends refer to it.  The data is
 * copied, not consumed: the checkpointed tasks find it still there if
 * they run on.
 *
 * The image must hold every opening of a pipe: a pipe with an end open
 * in a task that is not checkpointed would come back with that end
 * missing (a reader that never sees EOF becomes one that does, a
 * writer gets EPIPE), so it is refused.  Notification pipes
 * (O_NOTIFICATION_PIPE) and packet-mode pipes (O_DIRECT) are refused
 * too.
 *
 * Restart makes a new pipe, charged to the restarter, gives it the
 * capacity of the image (F_SETPIPE_SZ, with its limits) and writes the
 * data into it; then each FILE record of an end opens the pipe anew,
 * as opening /proc/PID/fd/N would, with the flags of the image.
 *
 * A FIFO is the same, with a path: restart opens it for reading and
 * writing with the restarter's rights (which it needs both of), without
 * waiting, refuses it if another process has it open (-EBUSY), and
 * fills it; each FILE record then opens the path again with its own
 * flags and the restarter's rights.  The
 * object table keeps the write end made with the pipe until the
 * restart is over, so that the readers see EOF only once every writer
 * of the image is there or gone.
 */

#include <linux/checkpoint.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pipe_fs_i.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/watch_queue.h>

/*
 * Copy the buffer @i (0 for the oldest) of @pipe into @data, PAGE_SIZE
 * bytes.  The pipe must be as it was when its first buffer was copied,
 * with @head and @tail: the tasks that hold it are stopped, but a
 * process that holds it too may not be (it is refused later, see
 * pipe_checkpoint_finish()).
 */
static int ckpt_pipe_copy_buf(struct ckpt_ctx *ctx, struct pipe_inode_info *pipe,
			      unsigned int head, unsigned int tail,
			      unsigned int i, void *data, u32 *len)
{
	struct pipe_buffer *buf;
	int ret = 0;

	mutex_lock(&pipe->mutex);
	if (pipe->head != head || pipe->tail != tail) {
		ret = ckpt_err(ctx, -EBUSY,
			       "pipe: its data changed during the checkpoint");
		goto unlock;
	}
	buf = pipe_buf(pipe, tail + i);
	if (buf->flags & PIPE_BUF_FLAG_PACKET) {
		ret = ckpt_err(ctx, -EOPNOTSUPP,
			       "pipe: packet-mode data (O_DIRECT) not supported");
		goto unlock;
	}
	ret = pipe_buf_confirm(pipe, buf);
	if (ret) {
		ckpt_err(ctx, ret, "pipe: cannot read buffer %u", i);
		goto unlock;
	}
	if (WARN_ON_ONCE(buf->offset + buf->len > PAGE_SIZE)) {
		ret = -EIO;
		goto unlock;
	}
	memcpy_from_page(data, buf->page, buf->offset, buf->len);
	*len = buf->len;
unlock:
	mutex_unlock(&pipe->mutex);
	return ret;
}

/* The PIPE record of @pipe (with the @path of a FIFO), then its data */
static int ckpt_pipe_write(struct ckpt_ctx *ctx, struct pipe_inode_info *pipe,
			   const char *path, u32 objref)
{
	struct ckpt_hdr_pipe h = {};
	struct ckpt_hdr_pipe_buf b = {};
	unsigned int head, tail, i;
	void *data;
	int ret;

	mutex_lock(&pipe->mutex);
	head = pipe->head;
	tail = pipe->tail;
	h.size = pipe->max_usage * PAGE_SIZE;
	mutex_unlock(&pipe->mutex);
	h.objref = objref;
	h.nr_bufs = pipe_occupancy(head, tail);
	if (WARN_ON_ONCE(h.nr_bufs > pipe->max_usage))
		return -EIO;

	h.path_len = path ? strlen(path) + 1 : 0;
	ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_PIPE, sizeof(h), path,
			     h.path_len);
	if (ret || !h.nr_bufs)
		return ret;
	data = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	for (i = 0; i < h.nr_bufs; i++) {
		/* Copied under the pipe's lock, written without it */
		ret = ckpt_pipe_copy_buf(ctx, pipe, head, tail, i, data, &b.len);
		if (ret)
			break;
		ret = ckpt_write_rec(ctx, &b.h, CKPT_HDR_PIPE_BUF, sizeof(b),
				     data, b.len);
		if (ret)
			break;
	}
	kfree(data);
	return ret;
}

/**
 * pipe_checkpoint() - write the PIPE record of the pipe of a pipe end
 * @ctx: checkpoint context
 * @file: an end of the pipe, or an opening of a FIFO
 * @who: what @file is, for the log ("fd 3")
 * @path: the path of a FIFO, NULL for a pipe
 * @objref: object id of the pipe, on return
 *
 * Writes the record and the data of the pipe the first time the pipe
 * is seen; later calls only return its id.  Each call counts one
 * opening of the pipe, for pipe_checkpoint_finish().
 *
 * Context: may sleep; takes the pipe's lock.
 * Return: 0, -EOPNOTSUPP for a notification or packet-mode pipe (with
 * a log line), -EBUSY if its data changes meanwhile, or the error of a
 * write.
 */
int pipe_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		    const char *path, u32 *objref)
{
	struct pipe_inode_info *pipe = get_pipe_info(file, false);
	int ret;

	if (!pipe)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s: not a pipe", who);
	if (pipe_has_watch_queue(pipe))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: notification pipe not supported", who);
	if (file->f_flags & O_DIRECT)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: packet-mode pipe (O_DIRECT) not supported",
				who);
	ret = ckpt_obj_lookup_add(ctx, file_inode(file), CKPT_OBJ_PIPE,
				  objref);
	if (ret <= 0)
		return ret;
	return ckpt_pipe_write(ctx, pipe, path, *objref);
}

/* A pipe of the image must have no opening outside the image */
static int ckpt_pipe_users(struct ckpt_ctx *ctx, void *ptr, u32 objref,
			   unsigned int users)
{
	struct inode *inode = ptr;
	struct pipe_inode_info *pipe = inode->i_pipe;
	unsigned int files;

	mutex_lock(&pipe->mutex);
	files = pipe->files;
	mutex_unlock(&pipe->mutex);
	if (files > users)
		return ckpt_err(ctx, -EBUSY,
				"pipe:[%lu]: open %u time(s) outside the checkpointed tasks",
				inode->i_ino, files - users);
	return 0;
}

/*
 * An end of a pipe of the image must have no reference outside it
 * either (an fd inherited by, or passed to, another process): the
 * image's fds and the object table hold all of them.
 */
static int ckpt_pipe_file_users(struct ckpt_ctx *ctx, void *ptr, u32 objref,
				unsigned int users)
{
	struct file *file = ptr;

	if (!get_pipe_info(file, false))
		return 0;
	if (file_count(file) > users + 1)
		return ckpt_err(ctx, -EBUSY,
				"pipe:[%lu]: an end is shared with another process (inherited or passed fd)",
				file_inode(file)->i_ino);
	return 0;
}

/**
 * pipe_checkpoint_finish() - check the pipes of a checkpoint
 * @ctx: checkpoint context
 *
 * Called once every task is written: refuses a pipe that is also open
 * outside the checkpointed tasks, by its own opening or by sharing one
 * of the image's, since it could not come back as it is.
 *
 * Return: 0, or -EBUSY with a log line naming the pipe.
 */
int pipe_checkpoint_finish(struct ckpt_ctx *ctx)
{
	int ret;

	ret = ckpt_obj_for_each(ctx, CKPT_OBJ_PIPE, ckpt_pipe_users);
	if (!ret)
		ret = ckpt_obj_for_each(ctx, CKPT_OBJ_FILE,
					ckpt_pipe_file_users);
	return ret;
}

/* The PIPE_BUF records of a PIPE: check them, and write them to @wr */
static int ckpt_pipe_fill(struct ckpt_ctx *ctx, const struct ckpt_hdr_pipe *h,
			  struct file *wr)
{
	const struct ckpt_hdr_pipe_buf *b;
	struct ckpt_hdr *rec;
	ssize_t n;
	loff_t pos;
	u32 i, len;
	int ret;

	for (i = 0; i < h->nr_bufs; i++) {
		rec = ckpt_read_rec_type(ctx, CKPT_HDR_PIPE_BUF);
		if (IS_ERR(rec))
			return PTR_ERR(rec);
		b = (const void *)rec;
		len = b->len;
		if (!len || len > PAGE_SIZE)
			return ckpt_bad(ctx, "PIPE_BUF", "len", "%u", len);
		ret = ckpt_rec_payload(ctx, rec, sizeof(*b), len);
		if (ret)
			return ret;
		ret = ckpt_check_pad(ctx, &b->__pad, sizeof(b->__pad),
				     "PIPE_BUF record");
		if (ret)
			return ret;
		if (!wr)
			continue;
		/* It fits: at most one page per slot, nr_bufs slots */
		pos = 0;
		n = kernel_write(wr, b + 1, len, &pos);
		if (n != len)
			return ckpt_err(ctx, n < 0 ? (int)n : -EIO,
					"pipe %u: cannot write its data back",
					h->objref);
	}
	return 0;
}

/*
 * Open the FIFO @path of a PIPE record for reading and writing, without
 * waiting, as the restarter may: nobody else may have it open.
 */
static int ckpt_fifo_open(struct ckpt_ctx *ctx, const struct ckpt_hdr_pipe *h,
			  const char *path, struct file **files)
{
	struct pipe_inode_info *pipe;
	struct file *file;
	bool busy;

	file = filp_open(path, O_RDWR | O_NONBLOCK | O_NOCTTY, 0);
	if (IS_ERR(file))
		return ckpt_err(ctx, PTR_ERR(file), "FIFO %s: cannot open it",
				path);
	pipe = get_pipe_info(file, false);
	if (!S_ISFIFO(file_inode(file)->i_mode) || !pipe) {
		fput(file);
		return ckpt_err(ctx, -ESTALE, "FIFO %s: not a FIFO any more",
				path);
	}
	mutex_lock(&pipe->mutex);
	busy = pipe->files != 1 || !pipe_empty(pipe->head, pipe->tail);
	mutex_unlock(&pipe->mutex);
	if (busy) {
		fput(file);
		return ckpt_err(ctx, -EBUSY, "FIFO %s: in use by another process",
				path);
	}
	files[0] = NULL;
	files[1] = file;
	return 0;
}

/* A new pipe, or the FIFO @path, of @size bytes; its write end in @wr */
static int ckpt_pipe_new(struct ckpt_ctx *ctx, const struct ckpt_hdr_pipe *h,
			 const char *path, struct file **wr)
{
	struct file *files[2];
	long size;
	int ret;

	if (path) {
		ret = ckpt_fifo_open(ctx, h, path, files);
		if (ret)
			return ret;
	} else {
		ret = create_pipe_files(files, 0);
		if (ret)
			return ckpt_err(ctx, ret, "pipe %u: cannot create it",
					h->objref);
	}
	size = pipe_fcntl(files[1], F_GETPIPE_SZ, 0);
	if (size != h->size)
		size = pipe_fcntl(files[1], F_SETPIPE_SZ, h->size);
	if (size < 0) {
		ret = ckpt_err(ctx, (int)size,
			       "pipe %u: cannot make it %u bytes (see F_SETPIPE_SZ)",
			       h->objref, h->size);
		goto put;
	}
	if (size != h->size) {
		ret = ckpt_err(ctx, -EINVAL, "pipe %u: made it %ld bytes, not %u",
			       h->objref, size, h->size);
		goto put;
	}
	/* The read ends of the image open it anew */
	if (files[0])
		fput(files[0]);
	*wr = files[1];
	return 0;
put:
	if (files[0])
		fput(files[0]);
	fput(files[1]);
	return ret;
}

/**
 * pipe_restore() - rebuild a pipe from a PIPE record and its data
 * @ctx: restart context
 * @h: the PIPE record, as read
 *
 * Checks the record and reads its PIPE_BUF records.  Unless only
 * verifying, makes a pipe of the size of the image, with the
 * restarter's limits, and writes the data into it.
 *
 * Return: 0, -EINVAL for a bad record (with a log line naming the
 * field), the error of a read, or when restoring the error of making
 * the pipe or of giving it its size (-EPERM above the restarter's
 * limits).
 */
int pipe_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_pipe *h)
{
	const char *path = (const char *)(h + 1);
	struct ckpt_hdr_pipe p = *h;
	struct file *wr = NULL;
	int ret;

	if (p.path_len > CKPT_PATH_MAX)
		return ckpt_bad(ctx, "PIPE", "path_len", "%u", p.path_len);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), p.path_len);
	if (ret)
		return ret;
	if (p.path_len) {
		ret = file_check_path(ctx, path, p.path_len, "PIPE record path");
		if (ret)
			return ret;
	} else {
		path = NULL;
	}
	if (!p.size || p.size % PAGE_SIZE ||
	    !is_power_of_2(p.size / PAGE_SIZE) ||
	    p.size / PAGE_SIZE > CKPT_PIPE_BUFS_MAX)
		return ckpt_bad(ctx, "PIPE", "size", "%u", p.size);
	if (p.nr_bufs > p.size / PAGE_SIZE)
		return ckpt_bad(ctx, "PIPE", "nr_bufs", "%u for %u bytes",
				p.nr_bufs, p.size);

	if (!ckpt_verify_only(ctx)) {
		ret = ckpt_pipe_new(ctx, &p, path, &wr);
		if (ret)
			return ret;
	}
	ret = ckpt_pipe_fill(ctx, &p, wr);
	if (ret) {
		if (wr)
			fput(wr);
		return ret;
	}
	return ckpt_obj_insert(ctx, p.objref, CKPT_OBJ_PIPE, wr);
}

/**
 * fifo_reopen() - open a FIFO of the image again
 * @ctx: restart context
 * @pipe_ref: object id of its PIPE record, already checked
 * @path: its path, from its FILE record
 * @flags: open flags of the file
 *
 * Opens @path with the restarter's rights; it does not wait, since the
 * restart holds the FIFO open for reading and writing meanwhile.
 *
 * Return: the new file, or an ERR_PTR() (with a log line): -ESTALE if
 * @path is no longer the FIFO the PIPE record rebuilt.
 */
struct file *fifo_reopen(struct ckpt_ctx *ctx, u32 pipe_ref, const char *path,
			 int flags)
{
	struct file *seed = ckpt_obj_fetch(ctx, pipe_ref, CKPT_OBJ_PIPE);
	struct file *file;

	if (!seed)
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"pipe %u was not rebuilt", pipe_ref));
	file = filp_open(path, flags, 0);
	if (IS_ERR(file))
		return ERR_PTR(ckpt_err(ctx, PTR_ERR(file),
					"FIFO %s: cannot open it", path));
	if (file_inode(file) != file_inode(seed)) {
		fput(file);
		return ERR_PTR(ckpt_err(ctx, -ESTALE,
					"FIFO %s: not the FIFO of pipe %u",
					path, pipe_ref));
	}
	return file;
}

/**
 * pipe_reopen() - open an end of a pipe of the image
 * @ctx: restart context
 * @pipe_ref: object id of its PIPE record, already checked
 * @flags: open flags of the end
 *
 * Return: the new file, or an ERR_PTR() (with a log line).
 */
struct file *pipe_reopen(struct ckpt_ctx *ctx, u32 pipe_ref, int flags)
{
	struct file *wr = ckpt_obj_fetch(ctx, pipe_ref, CKPT_OBJ_PIPE);
	struct file *file;

	if (!wr)
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"pipe %u was not rebuilt", pipe_ref));
	/* As an open of /proc/PID/fd/N: fifo_open() counts the end */
	file = dentry_open(&wr->f_path, flags, current_cred());
	if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "pipe %u: cannot open an end",
			 pipe_ref);
	return file;
}
