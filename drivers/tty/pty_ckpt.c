// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of UNIX98 pseudo-terminal pairs.
 *
 * A pair whose master (an opening of /dev/ptmx) the checkpointed task
 * holds is an object of the image: a PTY record with the termios of
 * both ends, the window size, the lock and packet mode, followed by a
 * PTY_DATA record per kind of input an end has not read yet: the bytes
 * of its N_TTY read buffer, already processed, with the line ends of
 * canonical mode, then the bytes still in its port's flip buffers
 * (those the read buffer had no room for).  The data is copied, not
 * consumed.  The FILE records of its ends (kind CKPT_FILE_PTY) refer to
 * it; their rdev says which end they open.  A terminal from outside the
 * image (a slave whose master the task does not hold) stays a
 * CKPT_FILE_TTY, which becomes the restarter's terminal.
 *
 * The pair must be the task's alone: a master or slave also open
 * elsewhere is refused (-EBUSY), as are what cannot come back as it
 * was (-EOPNOTSUPP): a line discipline other than N_TTY, EXTPROC,
 * stopped output, locked termios, echoes not written yet, a pair that
 * is a controlling terminal.
 *
 * Restart opens /dev/ptmx as the restarter would, which makes a new
 * pair (with a new index) in the restarter's devpts, gives the slave
 * its termios and window size, puts the read buffers back as they were
 * and pushes the flip buffer bytes through the line disciplines again.
 * The master FILE takes the new master, each slave FILE opens the new
 * slave as TIOCGPTPEER does, with O_NOCTTY: it becomes nobody's
 * controlling terminal.
 */

#include <linux/checkpoint.h>
/* Before devpts_fs.h, whose declarations use struct tty_struct */
#include <linux/tty.h>
#include <linux/devpts_fs.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/major.h>
#include <linux/mount.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tty_driver.h>
#include <linux/tty_flip.h>

#include "tty.h"

/* Minor of /dev/ptmx (TTYAUX_MAJOR) */
#define PTY_CKPT_PTMX_MINOR	2

/* The ends, as indexes of the arrays below */
enum { PTY_CKPT_MASTER, PTY_CKPT_SLAVE, PTY_CKPT_ENDS };

static const char *const pty_ckpt_end_name[PTY_CKPT_ENDS] = {
	"master", "slave"
};

/**
 * struct pty_ckpt_state - what a checkpoint copies of a pair
 * @h: its PTY record
 * @ld: unread bytes of the read buffer of each end
 * @flip_len: bytes in @flip
 * @flip: bytes each end's port still holds for its read buffer
 */
struct pty_ckpt_state {
	struct ckpt_hdr_pty h;
	struct n_tty_ckpt ld[PTY_CKPT_ENDS];
	size_t flip_len[PTY_CKPT_ENDS];
	u8 flip[PTY_CKPT_ENDS][CKPT_PTY_FLIP_MAX];
};

/* The tty of an open UNIX98 pty end, or NULL for any other file */
static struct tty_struct *pty_ckpt_tty(struct file *file)
{
	const struct tty_file_private *priv;
	struct tty_struct *tty;

	/* A hung-up terminal has other file operations */
	if (file->f_op->unlocked_ioctl != tty_ioctl)
		return NULL;
	priv = file->private_data;
	tty = priv->tty;
	if (tty->driver->type != TTY_DRIVER_TYPE_PTY ||
	    !(tty->driver->flags & TTY_DRIVER_DEVPTS_MEM))
		return NULL;
	return tty;
}

static struct tty_struct *pty_ckpt_master(struct tty_struct *tty)
{
	return tty->driver->subtype == PTY_TYPE_MASTER ? tty : tty->link;
}

/*
 * Walk the fd table of the task being written for the files of the pair
 * of @master: its master file (referenced; NULL if the task does not
 * hold it) and the number of distinct openings of its slave.
 */
static int pty_ckpt_scan(struct ckpt_ctx *ctx, struct tty_struct *master,
			 struct file **mfile, unsigned int *nr_slaves)
{
	unsigned int fd, i, nr = 0, size = 0;
	struct file **seen = NULL, **more;
	struct tty_struct *tty;
	struct file *file;
	int ret = 0;

	*mfile = NULL;
	for (fd = 0;; fd++) {
		rcu_read_lock();
		file = task_lookup_next_fdget_rcu(ctx->task, &fd);
		rcu_read_unlock();
		if (!file)
			break;
		tty = pty_ckpt_tty(file);
		if (tty && tty == master && !*mfile) {
			*mfile = get_file(file);
		} else if (tty && tty == master->link) {
			/* Compared, never dereferenced: no reference kept */
			for (i = 0; i < nr && seen[i] != file; i++)
				;
			if (i == nr && nr == size) {
				size = size ? 2 * size : 8;
				more = krealloc_array(seen, size, sizeof(*seen),
						      GFP_KERNEL);
				if (!more)
					ret = -ENOMEM;
				else
					seen = more;
			}
			if (!ret && i == nr)
				seen[nr++] = file;
		}
		fput(file);
		if (ret)
			break;
	}
	kfree(seen);
	*nr_slaves = nr;
	if (ret && *mfile) {
		fput(*mfile);
		*mfile = NULL;
	}
	return ret;
}

/**
 * pty_ckpt_file() - whether a file is an end of a pty pair of the image
 * @ctx: checkpoint context
 * @file: an open file of the checkpointed task
 *
 * Return: true for the master of a UNIX98 pty, or for a slave whose
 * master the checkpointed task holds too; false for any other file (a
 * slave whose master is outside is a terminal like any other).
 */
bool pty_ckpt_file(struct ckpt_ctx *ctx, struct file *file)
{
	struct tty_struct *tty = pty_ckpt_tty(file);
	unsigned int nr_slaves;
	struct file *mfile;

	if (!tty)
		return false;
	if (tty->driver->subtype == PTY_TYPE_MASTER)
		return true;
	if (pty_ckpt_scan(ctx, tty->link, &mfile, &nr_slaves) || !mfile)
		return false;
	fput(mfile);
	return true;
}

static void pty_ckpt_termios(struct tty_struct *tty, struct ckpt_pty_termios *t)
{
	BUILD_BUG_ON(NCCS != CKPT_PTY_NCCS);
	BUILD_BUG_ON(N_TTY_BUF_SIZE != CKPT_PTY_LDISC_MAX);

	down_read(&tty->termios_rwsem);
	t->iflag = tty->termios.c_iflag;
	t->oflag = tty->termios.c_oflag;
	t->cflag = tty->termios.c_cflag;
	t->lflag = tty->termios.c_lflag;
	t->ispeed = tty->termios.c_ispeed;
	t->ospeed = tty->termios.c_ospeed;
	t->line = tty->termios.c_line;
	memcpy(t->cc, tty->termios.c_cc, NCCS);
	up_read(&tty->termios_rwsem);
}

/* What cannot come back of one end */
static int pty_ckpt_check_end(struct ckpt_ctx *ctx, struct tty_struct *tty,
			      const char *who, const char *end)
{
	struct tty_ldisc *ld;
	bool locked, session;
	int num;

	ld = tty_ldisc_ref(tty);
	if (!ld)
		return ckpt_err(ctx, -EIO, "%s: pty %s has no line discipline (hung up)",
				who, end);
	num = ld->ops->num;
	tty_ldisc_deref(ld);
	if (num != N_TTY)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: pty %s: line discipline %d (not N_TTY) not supported",
				who, end, num);
	spin_lock_irq(&tty->ctrl.lock);
	session = !!tty->ctrl.session;
	spin_unlock_irq(&tty->ctrl.lock);
	if (session)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: pty %s is the controlling terminal of a session: not supported",
				who, end);
	down_read(&tty->termios_rwsem);
	locked = !!memchr_inv(&tty->termios_locked, 0,
			    sizeof(tty->termios_locked));
	num = tty->termios.c_lflag & EXTPROC;
	up_read(&tty->termios_rwsem);
	if (locked)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: pty %s: locked termios (TIOCSLCKTRMIOS) not supported",
				who, end);
	if (num)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: pty %s: EXTPROC not supported", who, end);
	if (READ_ONCE(tty->flow.stopped) || READ_ONCE(tty->flow.tco_stopped))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: pty %s: output stopped (VSTOP, TCOOFF) not supported",
				who, end);
	return 0;
}

/* Copy the unread input of one end, without consuming it */
static int pty_ckpt_copy_input(struct ckpt_ctx *ctx, struct tty_struct *tty,
			       const char *who, struct pty_ckpt_state *st,
			       int end)
{
	const char *name = pty_ckpt_end_name[end];
	ssize_t n;
	int ret;

	/* What the port's work is pushing is in the read buffer after */
	tty_buffer_flush_work(tty->port);
	ret = n_tty_ckpt_save(tty, &st->ld[end]);
	if (ret == -EBUSY)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: pty %s: echoes not written yet, or input held back with IXON: not supported",
				who, name);
	if (ret)
		return ckpt_err(ctx, ret, "%s: pty %s: cannot copy its input",
				who, name);
	n = tty_buffer_ckpt_copy(tty->port, st->flip[end], CKPT_PTY_FLIP_MAX);
	if (n == -EOVERFLOW)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: pty %s: more than %u bytes of input not supported",
				who, name, CKPT_PTY_FLIP_MAX);
	if (n < 0)
		return ckpt_err(ctx, (int)n,
				"%s: pty %s: input with break, parity or overrun marks not supported",
				who, name);
	st->flip_len[end] = n;
	return 0;
}

/* Check the pair of @master and copy its state */
static int pty_ckpt_collect(struct ckpt_ctx *ctx, struct tty_struct *master,
			    unsigned int nr_slaves, const char *who,
			    struct pty_ckpt_state *st)
{
	struct tty_struct *slave = master->link;
	int ret, count;

	ret = pty_ckpt_check_end(ctx, master, who, "master");
	if (!ret)
		ret = pty_ckpt_check_end(ctx, slave, who, "slave");
	if (ret)
		return ret;
	/* The master holds one count of its slave, each opening one more */
	count = READ_ONCE(slave->count);
	if (count != nr_slaves + 1)
		return ckpt_err(ctx, -EBUSY,
				"%s: pty slave open %d time(s) outside the checkpointed task",
				who, count - 1 - (int)nr_slaves);

	pty_ckpt_termios(master, &st->h.master);
	pty_ckpt_termios(slave, &st->h.slave);
	mutex_lock(&slave->winsize_mutex);
	st->h.ws_row = slave->winsize.ws_row;
	st->h.ws_col = slave->winsize.ws_col;
	st->h.ws_xpixel = slave->winsize.ws_xpixel;
	st->h.ws_ypixel = slave->winsize.ws_ypixel;
	mutex_unlock(&slave->winsize_mutex);
	if (test_bit(TTY_PTY_LOCK, &master->flags))
		st->h.flags |= CKPT_PTY_LOCKED;
	if (test_bit(TTY_OTHER_CLOSED, &master->flags) && !nr_slaves)
		st->h.flags |= CKPT_PTY_SLAVE_CLOSED;
	spin_lock_irq(&master->ctrl.lock);
	if (master->ctrl.packet)
		st->h.flags |= CKPT_PTY_PACKET;
	spin_unlock_irq(&master->ctrl.lock);
	if (st->h.flags & CKPT_PTY_PACKET) {
		spin_lock_irq(&slave->ctrl.lock);
		st->h.pktstatus = slave->ctrl.pktstatus & CKPT_PTY_PKTSTATUS;
		spin_unlock_irq(&slave->ctrl.lock);
	}

	ret = pty_ckpt_copy_input(ctx, master, who, st, PTY_CKPT_MASTER);
	if (!ret)
		ret = pty_ckpt_copy_input(ctx, slave, who, st, PTY_CKPT_SLAVE);
	return ret;
}

/* One PTY_DATA record: @data, then for LDISC the line end bitmap */
static int pty_ckpt_write_data(struct ckpt_ctx *ctx, u32 end, u32 kind,
			       const struct n_tty_ckpt *ld, const u8 *data,
			       size_t len)
{
	struct ckpt_hdr_pty_data d = {};
	size_t i, payload = len;
	u8 *map = NULL;
	int ret;

	d.end = end;
	d.kind = kind;
	d.len = len;
	if (ld) {
		payload += DIV_ROUND_UP(len, 8);
		map = kzalloc(DIV_ROUND_UP(len, 8), GFP_KERNEL);
		if (!map)
			return -ENOMEM;
		for (i = 0; i < len; i++)
			if (test_bit(i, ld->eol))
				map[i / 8] |= 1U << (i % 8);
		d.canon_len = ld->canon_len;
		d.flags = (ld->lnext ? CKPT_PTY_DATA_LNEXT : 0) |
			  (ld->erasing ? CKPT_PTY_DATA_ERASING : 0) |
			  (ld->push ? CKPT_PTY_DATA_PUSH : 0);
	}
	ret = ckpt_rec_begin(ctx, &d.h, CKPT_HDR_PTY_DATA, sizeof(d), payload);
	if (!ret)
		ret = ckpt_write(ctx, data, len);
	if (!ret && map)
		ret = ckpt_write(ctx, map, DIV_ROUND_UP(len, 8));
	if (!ret)
		ret = ckpt_rec_end(ctx, &d.h, sizeof(d), payload);
	kfree(map);
	return ret;
}

/* The PTY record of a collected pair, then its PTY_DATA records */
static int pty_ckpt_write(struct ckpt_ctx *ctx, struct pty_ckpt_state *st)
{
	static const u32 ends[PTY_CKPT_ENDS] = {
		[PTY_CKPT_MASTER] = CKPT_PTY_END_MASTER,
		[PTY_CKPT_SLAVE] = CKPT_PTY_END_SLAVE,
	};
	int end, ret;

	for (end = 0; end < PTY_CKPT_ENDS; end++)
		st->h.nr_data += !!st->ld[end].len + !!st->flip_len[end];
	ret = ckpt_write_obj(ctx, &st->h, CKPT_HDR_PTY);
	for (end = 0; !ret && end < PTY_CKPT_ENDS; end++) {
		if (st->ld[end].len)
			ret = pty_ckpt_write_data(ctx, ends[end],
						  CKPT_PTY_DATA_LDISC,
						  &st->ld[end], st->ld[end].buf,
						  st->ld[end].len);
		if (!ret && st->flip_len[end])
			ret = pty_ckpt_write_data(ctx, ends[end],
						  CKPT_PTY_DATA_FLIP, NULL,
						  st->flip[end],
						  st->flip_len[end]);
	}
	if (!ret)
		ckpt_log(ctx, "pty %u: unread input: master %zu+%zu, slave %zu+%zu",
			 st->h.objref, st->ld[0].len, st->flip_len[0],
			 st->ld[1].len, st->flip_len[1]);
	return ret;
}

/**
 * pty_checkpoint() - write the PTY record of the pair of a pty end
 * @ctx: checkpoint context
 * @file: an end of the pair (see pty_ckpt_file())
 * @who: what @file is, for the log ("fd 3")
 * @objref: object id of the pair, on return
 *
 * Writes the record and the unread input of the pair the first time
 * the pair is seen; later calls only return its id.
 *
 * Context: may sleep; takes the termios, winsize and buffer locks of
 * both ends.
 * Return: 0; -EOPNOTSUPP for what cannot be restored (with a log line
 * naming it); -EBUSY for a slave also open outside the task; -ENOMEM;
 * or the error of a write.
 */
int pty_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		   u32 *objref)
{
	struct tty_struct *tty = pty_ckpt_tty(file), *master;
	struct pty_ckpt_state *st = NULL;
	unsigned int nr_slaves, f_flags;
	struct file *mfile;
	int ret;

	if (!tty)
		return ckpt_err(ctx, -EOPNOTSUPP, "%s: not a pty", who);
	master = pty_ckpt_master(tty);
	if (tty == master) {
		f_flags = READ_ONCE(file->f_flags);
		if ((f_flags & O_ACCMODE) != O_RDWR ||
		    f_flags & (O_APPEND | O_NOATIME | __O_SYNC | O_DSYNC |
			       O_DIRECT | FASYNC))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s: pty master open flags %#o not supported",
					who, f_flags);
	}
	ret = pty_ckpt_scan(ctx, master, &mfile, &nr_slaves);
	if (ret)
		return ret;
	if (!mfile)
		return ckpt_err(ctx, -EBUSY, "%s: pty master not in the task",
				who);
	if (ckpt_obj_find(ctx, mfile, CKPT_OBJ_PTY, objref)) {
		ret = ckpt_obj_lookup_add(ctx, mfile, CKPT_OBJ_PTY, objref);
		goto put_mfile;
	}

	ret = -ENOMEM;
	st = kvzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		goto put_mfile;
	ret = pty_ckpt_collect(ctx, master, nr_slaves, who, st);
	if (ret)
		goto free_st;
	ret = ckpt_obj_lookup_add(ctx, mfile, CKPT_OBJ_PTY, objref);
	if (ret <= 0)
		goto free_st;
	st->h.objref = *objref;
	ret = pty_ckpt_write(ctx, st);
free_st:
	kvfree(st);
put_mfile:
	fput(mfile);
	return ret;
}

/* The master file of a pty master tty: it has exactly one */
static struct file *pty_ckpt_master_file(struct tty_struct *master)
{
	struct tty_file_private *priv;
	struct file *file = NULL;

	spin_lock(&master->files_lock);
	priv = list_first_entry_or_null(&master->tty_files,
					struct tty_file_private, list);
	if (priv)
		file = priv->file;
	spin_unlock(&master->files_lock);
	return file;
}

/* An end of a pair of the image must have no reference outside it */
static int pty_ckpt_file_users(struct ckpt_ctx *ctx, void *ptr, u32 objref,
			       unsigned int users)
{
	struct file *file = ptr, *mfile;
	struct tty_struct *tty = pty_ckpt_tty(file);
	u32 pty_ref;

	if (!tty)
		return 0;
	mfile = pty_ckpt_master_file(pty_ckpt_master(tty));
	if (!mfile || !ckpt_obj_find(ctx, mfile, CKPT_OBJ_PTY, &pty_ref))
		return 0;	/* a terminal from outside */
	/* The fds, the table's FILE, and for the master its PTY */
	if (file_count(file) > users + (file == mfile ? 2 : 1))
		return ckpt_err(ctx, -EBUSY,
				"pty %u: its %s is shared with another process (inherited or passed fd)",
				pty_ref, file == mfile ? "master" : "slave");
	return 0;
}

/**
 * pty_checkpoint_finish() - check the pty pairs of a checkpoint
 * @ctx: checkpoint context
 *
 * Called once every task is written: refuses a pair an end of which is
 * shared with a process that is not checkpointed (an inherited or
 * passed fd), since it could not come back as it is.
 *
 * Return: 0, or -EBUSY with a log line naming the pair.
 */
int pty_checkpoint_finish(struct ckpt_ctx *ctx)
{
	return ckpt_obj_for_each(ctx, CKPT_OBJ_FILE, pty_ckpt_file_users);
}

/**
 * pty_check_file() - check the end a FILE record of kind CKPT_FILE_PTY opens
 * @ctx: restart context
 * @rdev: its rdev: /dev/ptmx for the master, a pty slave's for the slave
 * @flags: its CKPT_O_* flags
 *
 * Return: 0, or -EINVAL with a log line.
 */
int pty_check_file(struct ckpt_ctx *ctx, u32 rdev, u32 flags)
{
	u32 major = rdev >> 20, minor = rdev & 0xfffff;

	if (major == TTYAUX_MAJOR && minor == PTY_CKPT_PTMX_MINOR) {
		if ((flags & CKPT_O_ACCMODE) != CKPT_O_RDWR ||
		    flags & ~(CKPT_O_ACCMODE | CKPT_O_NONBLOCK |
			      CKPT_O_LARGEFILE))
			return ckpt_bad(ctx, "FILE", "flags",
					"%#x for a pty master", flags);
		return 0;
	}
	if (major < UNIX98_PTY_SLAVE_MAJOR ||
	    major >= UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT)
		return ckpt_bad(ctx, "FILE", "rdev", "%u:%u for a pty end",
				major, minor);
	if (flags & CKPT_O_PATH)
		return ckpt_bad(ctx, "FILE", "flags", "%#x for a pty slave",
				flags);
	return 0;
}

/* A termios of a PTY record */
static int pty_check_termios(struct ckpt_ctx *ctx,
			     const struct ckpt_pty_termios *t, const char *end)
{
	if (t->line != N_TTY)
		return ckpt_bad(ctx, "PTY", "line", "%u for the %s", t->line,
				end);
	if (t->lflag & EXTPROC)
		return ckpt_bad(ctx, "PTY", "lflag", "%#x (EXTPROC) for the %s",
				t->lflag, end);
	return ckpt_check_pad(ctx, t->__pad, sizeof(t->__pad),
			      "PTY record termios");
}

/*
 * Open the slave of the new pair of @mfile, as TIOCGPTPEER does; the
 * slave lock is lifted meanwhile, since the image's slave was open.
 */
static struct file *pty_open_slave(struct file *mfile, int flags)
{
	struct tty_struct *master = pty_ckpt_tty(mfile);
	struct file *file;
	struct path path;
	bool locked;

	path.mnt = devpts_mntget(mfile, master->driver_data);
	if (IS_ERR(path.mnt))
		return ERR_CAST(path.mnt);
	path.dentry = master->link->driver_data;
	locked = test_and_clear_bit(TTY_PTY_LOCK, &master->flags);
	file = dentry_open(&path, flags | O_NOCTTY, current_cred());
	if (locked)
		set_bit(TTY_PTY_LOCK, &master->flags);
	mntput(path.mnt);
	return file;
}

static void pty_restore_ktermios(const struct ckpt_pty_termios *t,
				 struct ktermios *kt)
{
	kt->c_iflag = t->iflag;
	kt->c_oflag = t->oflag;
	kt->c_cflag = t->cflag;
	kt->c_lflag = t->lflag;
	kt->c_ispeed = t->ispeed;
	kt->c_ospeed = t->ospeed;
	kt->c_line = t->line;
	memcpy(kt->c_cc, t->cc, NCCS);
}

/* Give the new pair of @mfile the state of a checked PTY record */
static int pty_restore_state(struct ckpt_ctx *ctx, const struct ckpt_hdr_pty *h,
			     struct file *mfile)
{
	struct tty_struct *master = pty_ckpt_tty(mfile), *slave = master->link;
	struct winsize ws = {
		.ws_row = h->ws_row, .ws_col = h->ws_col,
		.ws_xpixel = h->ws_xpixel, .ws_ypixel = h->ws_ypixel,
	};
	struct ktermios kt;
	struct file *file;
	int ret;

	/* A master's termios cannot be set: it must be the one made */
	down_read(&master->termios_rwsem);
	kt = master->termios;
	up_read(&master->termios_rwsem);
	pty_restore_ktermios(&h->master, &kt);
	if (memcmp(&kt, &master->termios, sizeof(kt)))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pty %u: master termios are not those of a new master",
				h->objref);

	down_read(&slave->termios_rwsem);
	kt = slave->termios;
	up_read(&slave->termios_rwsem);
	pty_restore_ktermios(&h->slave, &kt);
	ret = tty_set_termios(slave, &kt);
	if (ret)
		return ckpt_err(ctx, ret, "pty %u: cannot set the slave's termios",
				h->objref);
	ret = tty_do_resize(slave, &ws);
	if (ret)
		return ckpt_err(ctx, ret, "pty %u: cannot set the window size",
				h->objref);
	if (h->flags & CKPT_PTY_PACKET) {
		spin_lock_irq(&master->ctrl.lock);
		master->ctrl.packet = true;
		spin_unlock_irq(&master->ctrl.lock);
		spin_lock_irq(&slave->ctrl.lock);
		slave->ctrl.pktstatus = h->pktstatus;
		spin_unlock_irq(&slave->ctrl.lock);
	}
	/* A new master has its slave locked */
	if (!(h->flags & CKPT_PTY_LOCKED))
		clear_bit(TTY_PTY_LOCK, &master->flags);
	if (h->flags & CKPT_PTY_SLAVE_CLOSED) {
		/* Opened and closed, as in the image: its reads end in EIO */
		file = pty_open_slave(mfile, O_RDWR);
		if (IS_ERR(file))
			return ckpt_err(ctx, PTR_ERR(file),
					"pty %u: cannot open the slave", h->objref);
		fput(file);
	}
	return 0;
}

/* Check a PTY_DATA record after @prev (end << 8 | kind) */
static int pty_check_data(struct ckpt_ctx *ctx, const struct ckpt_hdr_pty *h,
			  const struct ckpt_hdr_pty_data *d, u32 *prev)
{
	const struct ckpt_pty_termios *t;
	u32 max, maplen = 0, i, canon, first = 0, last = 0;
	const u8 *map;
	int ret;

	if (d->end != CKPT_PTY_END_MASTER && d->end != CKPT_PTY_END_SLAVE)
		return ckpt_bad(ctx, "PTY_DATA", "end", "%u", d->end);
	if (d->kind != CKPT_PTY_DATA_LDISC && d->kind != CKPT_PTY_DATA_FLIP)
		return ckpt_bad(ctx, "PTY_DATA", "kind", "%u", d->kind);
	if ((d->end << 8 | d->kind) <= *prev)
		return ckpt_bad(ctx, "PTY_DATA", "end", "%u kind %u: out of order",
				d->end, d->kind);
	*prev = d->end << 8 | d->kind;
	max = d->kind == CKPT_PTY_DATA_LDISC ? CKPT_PTY_LDISC_MAX :
		CKPT_PTY_FLIP_MAX;
	if (!d->len || d->len > max)
		return ckpt_bad(ctx, "PTY_DATA", "len", "%u", d->len);
	if (d->kind == CKPT_PTY_DATA_LDISC)
		maplen = DIV_ROUND_UP(d->len, 8);
	ret = ckpt_rec_payload(ctx, &d->h, sizeof(*d), d->len + maplen);
	if (ret)
		return ret;
	ret = ckpt_check_pad(ctx, &d->__pad, sizeof(d->__pad),
			     "PTY_DATA record");
	if (ret)
		return ret;
	if (d->kind == CKPT_PTY_DATA_FLIP) {
		if (d->canon_len || d->flags)
			return ckpt_bad(ctx, "PTY_DATA", "canon_len",
					"%u or flags %#x for flip data",
					d->canon_len, d->flags);
		return 0;
	}
	if (d->flags & ~CKPT_PTY_DATA_FLAGS)
		return ckpt_bad(ctx, "PTY_DATA", "flags", "%#x", d->flags);
	if (d->canon_len > d->len)
		return ckpt_bad(ctx, "PTY_DATA", "canon_len", "%u for %u bytes",
				d->canon_len, d->len);

	/* The line ends must fit the mode of the end that reads them */
	t = d->end == CKPT_PTY_END_MASTER ? &h->master : &h->slave;
	canon = t->lflag & ICANON;
	map = (const u8 *)(d + 1) + d->len;
	if (d->len % 8 && map[maplen - 1] >> (d->len % 8))
		return ckpt_bad(ctx, "PTY_DATA", "line ends", "past byte %u",
				d->len);
	for (i = 0; i < d->len; i++) {
		if (!(map[i / 8] & (1U << (i % 8))))
			continue;
		if (!first)
			first = i + 1;
		last = i + 1;
	}
	if (!canon && (d->canon_len || first || d->flags & CKPT_PTY_DATA_PUSH))
		return ckpt_bad(ctx, "PTY_DATA", "canon_len",
				"%u or line ends outside canonical mode",
				d->canon_len);
	if (canon && (last > d->canon_len ||
		      (d->canon_len && last != d->canon_len)))
		return ckpt_bad(ctx, "PTY_DATA", "canon_len",
				"%u: last line end at %u", d->canon_len, last);
	return 0;
}

/* Give an end of the new pair of @mfile the input of a checked PTY_DATA */
static int pty_restore_data(struct ckpt_ctx *ctx, const struct ckpt_hdr_pty *h,
			    const struct ckpt_hdr_pty_data *d,
			    struct file *mfile)
{
	struct tty_struct *tty = pty_ckpt_tty(mfile);
	const u8 *data = (const u8 *)(d + 1), *map = data + d->len;
	struct n_tty_ckpt *st;
	int ret;
	u32 i;

	if (d->end == CKPT_PTY_END_SLAVE)
		tty = tty->link;
	if (d->kind == CKPT_PTY_DATA_FLIP) {
		/* Processed by its line discipline as it was not yet */
		if (tty_insert_flip_string_and_push_buffer(tty->port, data,
							   d->len) != d->len)
			return ckpt_err(ctx, -ENOSPC,
					"pty %u: no room for %u bytes of input",
					h->objref, d->len);
		return 0;
	}
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	memcpy(st->buf, data, d->len);
	for (i = 0; i < d->len; i++)
		if (map[i / 8] & (1U << (i % 8)))
			__set_bit(i, st->eol);
	st->len = d->len;
	st->canon_len = d->canon_len;
	st->lnext = d->flags & CKPT_PTY_DATA_LNEXT;
	st->erasing = d->flags & CKPT_PTY_DATA_ERASING;
	st->push = d->flags & CKPT_PTY_DATA_PUSH;
	ret = n_tty_ckpt_restore(tty, st);
	kfree(st);
	if (ret)
		return ckpt_err(ctx, ret, "pty %u: cannot restore the input of the %s",
				h->objref,
				d->end == CKPT_PTY_END_SLAVE ? "slave" : "master");
	return 0;
}

/* A new pair, in the restarter's devpts */
static struct file *pty_restore_open(struct ckpt_ctx *ctx, u32 objref)
{
	struct tty_struct *tty;
	struct file *file;

	file = filp_open("/dev/ptmx", O_RDWR | O_NOCTTY | O_LARGEFILE, 0);
	if (IS_ERR(file))
		return ERR_PTR(ckpt_err(ctx, PTR_ERR(file),
					"pty %u: cannot open /dev/ptmx", objref));
	tty = pty_ckpt_tty(file);
	if (!tty || tty->driver->subtype != PTY_TYPE_MASTER) {
		fput(file);
		return ERR_PTR(ckpt_err(ctx, -ENODEV,
					"pty %u: /dev/ptmx did not make a UNIX98 pty",
					objref));
	}
	return file;
}

/**
 * pty_restore() - rebuild a pty pair from a PTY record and its input
 * @ctx: restart context
 * @h: the PTY record, as read
 *
 * Checks the record and reads its PTY_DATA records.  Unless only
 * verifying, opens /dev/ptmx with the restarter's rights, which makes a
 * new pair, and gives it the termios, window size, lock, packet mode
 * and unread input of the image.
 *
 * Return: 0, -EINVAL for a bad record (with a log line naming the
 * field), the error of a read, or when restoring the error of opening
 * /dev/ptmx or of restoring the state (with a log line).
 */
int pty_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_pty *h)
{
	struct ckpt_hdr_pty p = *h;
	struct file *mfile = NULL;
	struct ckpt_hdr *rec;
	u32 i, prev = 0;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (p.flags & ~CKPT_PTY_FLAGS)
		return ckpt_bad(ctx, "PTY", "flags", "%#x", p.flags);
	if (p.pktstatus & ~CKPT_PTY_PKTSTATUS ||
	    (p.pktstatus && !(p.flags & CKPT_PTY_PACKET)))
		return ckpt_bad(ctx, "PTY", "pktstatus", "%#x", p.pktstatus);
	if (p.nr_data > 2 * PTY_CKPT_ENDS)
		return ckpt_bad(ctx, "PTY", "nr_data", "%u", p.nr_data);
	ret = pty_check_termios(ctx, &p.master, "master");
	if (!ret)
		ret = pty_check_termios(ctx, &p.slave, "slave");
	if (ret)
		return ret;

	if (!ckpt_verify_only(ctx)) {
		mfile = pty_restore_open(ctx, p.objref);
		if (IS_ERR(mfile))
			return PTR_ERR(mfile);
		ret = pty_restore_state(ctx, &p, mfile);
		if (ret)
			goto put_mfile;
	}
	for (i = 0; i < p.nr_data; i++) {
		rec = ckpt_read_rec_type(ctx, CKPT_HDR_PTY_DATA);
		ret = PTR_ERR_OR_ZERO(rec);
		if (!ret)
			ret = pty_check_data(ctx, &p, (const void *)rec, &prev);
		if (!ret && mfile)
			ret = pty_restore_data(ctx, &p, (const void *)rec, mfile);
		if (ret)
			goto put_mfile;
	}
	return ckpt_obj_insert(ctx, p.objref, CKPT_OBJ_PTY, mfile);

put_mfile:
	if (mfile)
		fput(mfile);
	return ret;
}

/**
 * pty_reopen() - open an end of a pty pair of the image
 * @ctx: restart context
 * @pty_ref: object id of its PTY record, already checked
 * @rdev: rdev of its FILE record, already checked: which end
 * @flags: open flags of the end
 *
 * The master is the file pty_restore() opened, given the O_NONBLOCK flag
 * of the image; a slave is opened anew, with O_NOCTTY.
 *
 * Return: the file, or an ERR_PTR() (with a log line).
 */
struct file *pty_reopen(struct ckpt_ctx *ctx, u32 pty_ref, u32 rdev, int flags)
{
	struct file *mfile = ckpt_obj_fetch(ctx, pty_ref, CKPT_OBJ_PTY);
	struct file *file;

	if (!mfile)
		return ERR_PTR(ckpt_err(ctx, -EINVAL, "pty %u was not rebuilt",
					pty_ref));
	if (rdev >> 20 == TTYAUX_MAJOR) {
		spin_lock(&mfile->f_lock);
		mfile->f_flags = (mfile->f_flags & ~O_NONBLOCK) |
				 (flags & O_NONBLOCK);
		spin_unlock(&mfile->f_lock);
		return get_file(mfile);
	}
	file = pty_open_slave(mfile, flags);
	if (IS_ERR(file))
		ckpt_err(ctx, PTR_ERR(file), "pty %u: cannot open the slave",
			 pty_ref);
	return file;
}
