// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of open files, fd tables and fs state.
 *
 * An open file is saved as what reopening it needs: its kind, open
 * flags, mode, position and path as seen from the checkpointer's root.
 * A pipe end has no path: it refers to the PIPE record of its pipe
 * (fs/pipe_ckpt.c); an eventfd, signalfd or timerfd refers to the
 * record of its state (fs/anon_ckpt.c), a memfd to the record of its
 * contents (mm/memfd_ckpt.c), an epoll file to the record of its
 * interest list (fs/epoll_ckpt.c), an unlinked file to the record of
 * its contents (fs/ghost_ckpt.c), an inotify file to the record of its
 * watches and events (fs/notify/inotify/inotify_ckpt.c), an end of a
 * pseudo-terminal pair whose master the task holds to the record of the
 * pair (drivers/tty/pty_ckpt.c).  A FIFO has a path and a PIPE record.
 * Other files that cannot be reopened by path are refused: sockets, other anonymous-inode files
 * (fanotify, userfaultfd...), files on internal filesystems (SysV shm, shared
 * anonymous memory, nsfs, pidfs...), files outside the
 * checkpointer's root, and devices other than the stateless memory
 * devices and terminals.
 *
 * An fd table is saved as the list of its fds, each referring to the
 * FILE record of its file; a file shared by several fds (dup(2)) is
 * written once.  The fs state is the root, the working directory and
 * the umask.
 *
 * Restore runs in the task being rebuilt, with the restarter's
 * credentials: files are reopened by path as the restarter could open
 * them, terminals become the restarter's terminal, and the fds are
 * installed at their numbers.  The paths of an image are those seen
 * from the checkpointer's root, so they are looked up from the
 * restarter's root; the task's own root takes effect only as it
 * leaves the kernel.  With CKPT_RESTART_VERIFY, restore only validates
 * the records.
 */

#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/hugetlb.h>
#include <linux/kdev_t.h>
#include <linux/limits.h>
#include <linux/magic.h>
#include <linux/major.h>
#include <linux/mm.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/security.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/string.h>
#include <linux/task_work.h>

/* Open flags kept in ckpt_hdr_file.flags, besides the access mode */
static const struct {
	unsigned int f_flag;
	u32 ckpt_flag;
} ckpt_open_flags[] = {
	{ O_APPEND,	CKPT_O_APPEND },
	{ O_NONBLOCK,	CKPT_O_NONBLOCK },
	{ O_NOATIME,	CKPT_O_NOATIME },
	{ __O_SYNC,	CKPT_O_SYNC },
	{ O_DSYNC,	CKPT_O_DSYNC },
	{ O_DIRECT,	CKPT_O_DIRECT },
	{ O_LARGEFILE,	CKPT_O_LARGEFILE },
	{ O_PATH,	CKPT_O_PATH },
	{ FASYNC,	CKPT_O_ASYNC },
};

/* The stateless character devices of drivers/char/mem.c we reopen */
static const struct {
	unsigned int minor;
	const char *name;
} ckpt_mem_devs[] = {
	{ 3, "null" },
	{ 5, "zero" },
	{ 7, "full" },
	{ 8, "random" },
	{ 9, "urandom" },
};

/* Length of a "who" label of the log: "fd 1048575", "file <name>" */
#define CKPT_WHO_LEN	64

static bool ckpt_mem_dev(unsigned int major, unsigned int minor)
{
	unsigned int i;

	if (major != MEM_MAJOR)
		return false;
	for (i = 0; i < ARRAY_SIZE(ckpt_mem_devs); i++)
		if (ckpt_mem_devs[i].minor == minor)
			return true;
	return false;
}

/**
 * ckpt_tty_major() - whether a character device major is a terminal's
 * @major: the major number
 *
 * Virtual consoles, serial ports, /dev/tty, /dev/console and ptys.
 *
 * Return: true for a terminal.
 */
bool ckpt_tty_major(unsigned int major)
{
	return major == TTY_MAJOR || major == TTYAUX_MAJOR ||
	       (major >= UNIX98_PTY_MASTER_MAJOR &&
		major < UNIX98_PTY_MASTER_MAJOR + UNIX98_PTY_MAJOR_COUNT) ||
	       (major >= UNIX98_PTY_SLAVE_MAJOR &&
		major < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT);
}

/* Device number as the image stores it: major << 20 | minor */
static u32 ckpt_encode_dev(unsigned int major, unsigned int minor)
{
	return (u32)major << 20 | minor;
}

/* The type of the object a FILE record of @kind opens; 0: a path */
static enum ckpt_obj_type ckpt_file_obj_type(u32 kind)
{
	switch (kind) {
	case CKPT_FILE_PIPE:
	case CKPT_FILE_FIFO:
		return CKPT_OBJ_PIPE;
	case CKPT_FILE_EVENTFD:
		return CKPT_OBJ_EVENTFD;
	case CKPT_FILE_SIGNALFD:
		return CKPT_OBJ_SIGNALFD;
	case CKPT_FILE_TIMERFD:
		return CKPT_OBJ_TIMERFD;
	case CKPT_FILE_MEMFD:
		return CKPT_OBJ_MEMFD;
	case CKPT_FILE_EPOLL:
		return CKPT_OBJ_EPOLL;
	case CKPT_FILE_UNLINKED:
		return CKPT_OBJ_GHOST;
	case CKPT_FILE_INOTIFY:
		return CKPT_OBJ_INOTIFY;
	case CKPT_FILE_PTY:
		return CKPT_OBJ_PTY;
	}
	return 0;
}

/* An anonymous-inode file: only its O_NONBLOCK flag changes */
static bool ckpt_file_anon(u32 kind)
{
	return kind == CKPT_FILE_EVENTFD || kind == CKPT_FILE_SIGNALFD ||
	       kind == CKPT_FILE_TIMERFD || kind == CKPT_FILE_EPOLL ||
	       kind == CKPT_FILE_INOTIFY;
}

/*
 * Say which kind of file @file is, or refuse it with a log line that
 * starts with @who and names the kind.
 */
static int ckpt_file_kind(struct ckpt_ctx *ctx, struct file *file,
			  const char *who, u32 *kind, u32 *rdev)
{
	const struct inode *inode = file_user_inode(file);
	const struct super_block *sb = inode->i_sb;
	umode_t mode = inode->i_mode;
	unsigned int major, minor;

	*rdev = 0;
	if (S_ISFIFO(mode) && sb->s_magic == PIPEFS_MAGIC) {
		*kind = CKPT_FILE_PIPE;
		return 0;
	}
	if (S_ISFIFO(mode)) {
		*kind = CKPT_FILE_FIFO;
		return 0;
	}
	if (S_ISSOCK(mode))
		return ckpt_err(ctx, -EOPNOTSUPP, "%s: socket not supported",
				who);
	if (sb->s_magic == ANON_INODE_FS_MAGIC) {
		if (!anon_file_kind(file, kind))
			return 0;
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: anonymous inode %pD not supported",
				who, file);
	}
	if (sb->s_flags & (SB_KERNMOUNT | SB_NOUSER)) {
		if (memfd_ckpt_file(file)) {
			*kind = CKPT_FILE_MEMFD;
			return 0;
		}
		if (shmem_file(file) || is_file_hugepages(file))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s: memfd or shared memory %pD not supported",
					who, file);
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: file on internal filesystem %s not supported",
				who, sb->s_type->name);
	}

	switch (mode & S_IFMT) {
	case S_IFREG:
		*kind = CKPT_FILE_REG;
		return 0;
	case S_IFDIR:
		*kind = CKPT_FILE_DIR;
		return 0;
	case S_IFCHR:
		major = imajor(inode);
		minor = iminor(inode);
		if (pty_ckpt_file(ctx, file))
			*kind = CKPT_FILE_PTY;
		else if (ckpt_mem_dev(major, minor))
			*kind = CKPT_FILE_CHR;
		else if (ckpt_tty_major(major))
			*kind = CKPT_FILE_TTY;
		else
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s: character device %u:%u not supported",
					who, major, minor);
		*rdev = ckpt_encode_dev(major, minor);
		return 0;
	case S_IFBLK:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: block device %u:%u not supported", who,
				imajor(inode), iminor(inode));
	case S_IFLNK:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: symbolic link (O_PATH) not supported", who);
	default:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: file type %#o not supported", who,
				mode & S_IFMT);
	}
}

/* Translate open flags to CKPT_O_*, or refuse the access mode */
static int ckpt_file_flags(struct ckpt_ctx *ctx, struct file *file,
			   const char *who, u32 *flags)
{
	unsigned int f_flags = READ_ONCE(file->f_flags);
	unsigned int i;

	switch (f_flags & O_ACCMODE) {
	case O_RDONLY:
		*flags = CKPT_O_RDONLY;
		break;
	case O_WRONLY:
		*flags = CKPT_O_WRONLY;
		break;
	case O_RDWR:
		*flags = CKPT_O_RDWR;
		break;
	default:
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: access mode %u (ioctl only) not supported",
				who, f_flags & O_ACCMODE);
	}
	for (i = 0; i < ARRAY_SIZE(ckpt_open_flags); i++)
		if (f_flags & ckpt_open_flags[i].f_flag)
			*flags |= ckpt_open_flags[i].ckpt_flag;
	return 0;
}

/**
 * file_ckpt_path() - the path of a file or directory, for an image
 * @ctx: checkpoint context
 * @path: the file or directory
 * @buf: a buffer of %CKPT_PATH_MAX bytes
 * @who: what @path is, for the log
 *
 * Return: the path seen from the checkpointer's root, in @buf, or an
 * ERR_PTR() after logging why there is none: -EOPNOTSUPP when it was
 * unlinked or is out of reach of that root, -ENAMETOOLONG.
 */
char *file_ckpt_path(struct ckpt_ctx *ctx, const struct path *path,
		     char *buf, const char *who)
{
	struct path root;
	char *p;

	if (d_unlinked(path->dentry))
		return ERR_PTR(ckpt_err(ctx, -EOPNOTSUPP,
					"%s: unlinked %pd not supported",
					who, path->dentry));
	get_fs_root(current->fs, &root);
	p = __d_path(path, &root, buf, CKPT_PATH_MAX);
	path_put(&root);
	if (!p)
		return ERR_PTR(ckpt_err(ctx, -EOPNOTSUPP,
					"%s: %pd is not reachable from the checkpointer's root",
					who, path->dentry));
	if (IS_ERR(p))
		return ERR_PTR(ckpt_err(ctx, PTR_ERR(p),
					"%s: path of %pd too long",
					who, path->dentry));
	if (WARN_ON_ONCE(*p != '/'))
		return ERR_PTR(ckpt_err(ctx, -EOPNOTSUPP,
					"%s: relative path %s", who, p));
	return p;
}

/*
 * The path of @file for its FILE record, in a buffer the caller frees
 * (also on failure), and its length with the NUL.
 */
static int ckpt_file_path(struct ckpt_ctx *ctx, struct file *file,
			  const char *who, char **bufp, char **pathp, u32 *len)
{
	char *path;

	*bufp = kmalloc(CKPT_PATH_MAX, GFP_KERNEL);
	if (!*bufp)
		return -ENOMEM;
	path = file_ckpt_path(ctx, file_user_path(file), *bufp, who);
	if (IS_ERR(path))
		return PTR_ERR(path);
	*pathp = path;
	*len = strlen(path) + 1;
	return 0;
}

/*
 * file_checkpoint() with a label for the log lines: "fd 5" when the
 * caller knows the fd, so that a refusal reads "fd 5: pipe not
 * supported".
 */
static int ckpt_file(struct ckpt_ctx *ctx, struct file *file,
		     const char *who, u32 *objref)
{
	struct ckpt_hdr_file h = {};
	char *buf = NULL, *path = NULL;
	loff_t pos;
	int ret;

	/* Written once, however many fds and mappings share it */
	if (ckpt_obj_find(ctx, file, CKPT_OBJ_FILE, objref))
		return ckpt_obj_lookup_add(ctx, file, CKPT_OBJ_FILE, objref);

	ret = ckpt_file_kind(ctx, file, who, &h.kind, &h.rdev);
	if (ret)
		return ret;
	ret = ckpt_file_flags(ctx, file, who, &h.flags);
	if (ret)
		return ret;
	/* The task is stopped: nobody moves the position of its files */
	pos = READ_ONCE(file->f_pos);
	if (pos < 0)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: negative position %lld not supported",
				who, pos);
	h.pos = pos;
	h.mode = file_user_inode(file)->i_mode;

	/* What a file without a path opens is an object, defined first */
	if (h.kind == CKPT_FILE_PIPE) {
		/* A stream: its position means nothing */
		h.pos = 0;
		ret = pipe_checkpoint(ctx, file, who, NULL, &h.obj_ref);
		if (ret)
			return ret;
	} else if (h.kind == CKPT_FILE_FIFO) {
		/* Both: a path to reopen it by, and its pipe with the data */
		h.pos = 0;
		ret = ckpt_file_path(ctx, file, who, &buf, &path, &h.path_len);
		if (!ret)
			ret = pipe_checkpoint(ctx, file, who, path, &h.obj_ref);
		if (ret)
			goto free_buf;
	} else if (ckpt_file_anon(h.kind) &&
		   h.flags & ~(CKPT_O_ACCMODE | CKPT_O_NONBLOCK)) {
		return ckpt_err(ctx, -EOPNOTSUPP,
				"%s: open flags %#x on %pD not supported",
				who, h.flags, file);
	} else if (h.kind == CKPT_FILE_INOTIFY) {
		h.pos = 0;
		ret = inotify_checkpoint(ctx, file, who, &h.obj_ref);
		if (ret)
			return ret;
	} else if (h.kind == CKPT_FILE_EPOLL) {
		h.pos = 0;
		/* Its targets first: they may be files not seen yet */
		ret = epoll_checkpoint(ctx, file, who, &h.obj_ref);
		if (ret)
			return ret;
	} else if (ckpt_file_anon(h.kind)) {
		h.pos = 0;
		ret = anon_checkpoint(ctx, file, h.kind, who, &h.obj_ref);
		if (ret)
			return ret;
	} else if (h.kind == CKPT_FILE_MEMFD) {
		ret = memfd_checkpoint(ctx, file, who, &h.obj_ref);
		if (ret)
			return ret;
	} else if (h.kind == CKPT_FILE_PTY) {
		/* Its pair first, rebuilt anew: no path, no position */
		h.pos = 0;
		ret = pty_checkpoint(ctx, file, who, &h.obj_ref);
		if (ret)
			return ret;
	} else if (h.kind == CKPT_FILE_REG && ghost_ckpt_file(file)) {
		/* No name to reopen it by: its contents go in the image */
		h.kind = CKPT_FILE_UNLINKED;
		ret = ghost_checkpoint(ctx, file, who, &h.obj_ref);
		if (ret)
			return ret;
	} else {
		ret = ckpt_file_path(ctx, file, who, &buf, &path, &h.path_len);
		if (ret)
			goto free_buf;
	}

	ret = ckpt_obj_lookup_add(ctx, file, CKPT_OBJ_FILE, objref);
	if (ret <= 0)
		goto free_buf;
	h.objref = *objref;
	ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_FILE, sizeof(h), path,
			     h.path_len);
free_buf:
	kfree(buf);
	return ret;
}

/**
 * file_checkpoint() - write the FILE record of an open file
 * @ctx: checkpoint context
 * @file: the file
 * @objref: its object id, on return
 *
 * Writes the record the first time @file is seen; later calls only
 * return its id.  Refuses (-EOPNOTSUPP, with a log line naming the
 * kind) a file that cannot be reopened by path.
 *
 * Context: may sleep.
 * Return: 0 or a negative errno.
 */
int file_checkpoint(struct ckpt_ctx *ctx, struct file *file, u32 *objref)
{
	char who[CKPT_WHO_LEN];

	snprintf(who, sizeof(who), "file %pD", file);
	return ckpt_file(ctx, file, who, objref);
}

/* One fd of a snapshot of an fd table; @file is referenced */
struct ckpt_fd {
	struct file *file;
	unsigned int fd;
	bool cloexec;
};

/* Open fds of @files, walked in increasing order under its lock */
static unsigned int ckpt_next_fd(struct files_struct *files,
				 unsigned int fd, struct file **file)
	__must_hold(&files->file_lock)
{
	struct fdtable *fdt = files_fdtable(files);

	for (;;) {
		fd = find_next_bit(fdt->open_fds, fdt->max_fds, fd);
		if (fd >= fdt->max_fds)
			return fd;
		/* NULL for an fd reserved but not installed yet */
		*file = files_lookup_fd_locked(files, fd);
		if (*file)
			return fd;
		fd++;
	}
}

static void ckpt_fds_put(struct ckpt_fd *fds, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		fput(fds[i].file);
	kvfree(fds);
}

/*
 * Take a reference on every open file of @files, with its fd and
 * close-on-exec flag, into a kvmalloc()ed array.
 */
static int ckpt_fds_snapshot(struct ckpt_ctx *ctx,
			     struct files_struct *files,
			     struct ckpt_fd **fdsp, unsigned int *nrp)
{
	unsigned int fd, nr, i;
	struct ckpt_fd *fds;
	struct file *file;
	bool changed;

	spin_lock(&files->file_lock);
	nr = 0;
	for (fd = ckpt_next_fd(files, 0, &file);
	     fd < files_fdtable(files)->max_fds;
	     fd = ckpt_next_fd(files, fd + 1, &file))
		nr++;
	spin_unlock(&files->file_lock);

	fds = kvcalloc(max(nr, 1U), sizeof(*fds), GFP_KERNEL);
	if (!fds)
		return -ENOMEM;

	i = 0;
	spin_lock(&files->file_lock);
	for (fd = ckpt_next_fd(files, 0, &file);
	     fd < files_fdtable(files)->max_fds && i < nr;
	     fd = ckpt_next_fd(files, fd + 1, &file)) {
		fds[i].file = get_file(file);
		fds[i].fd = fd;
		fds[i].cloexec = close_on_exec(fd, files);
		i++;
	}
	/* Stopped and not shared, the table cannot change; but check */
	changed = i != nr || fd < files_fdtable(files)->max_fds;
	spin_unlock(&files->file_lock);

	if (changed) {
		ckpt_fds_put(fds, i);
		return ckpt_err(ctx, -EBUSY,
				"fd table changed during the checkpoint");
	}
	*fdsp = fds;
	*nrp = nr;
	return 0;
}

/*
 * The FILES record, then a FD record per fd, each after its FILE, then
 * the FILE_LOCK records of its @nr_locks locks.
 */
static int ckpt_write_fds(struct ckpt_ctx *ctx, u32 objref,
			  const struct ckpt_fd *fds, unsigned int nr,
			  const struct ckpt_lock *locks, unsigned int nr_locks)
{
	struct ckpt_hdr_files h = {};
	char who[CKPT_WHO_LEN];
	unsigned int i;
	int ret;

	h.objref = objref;
	h.nr_fds = nr;
	h.nr_locks = nr_locks;
	ret = ckpt_write_obj(ctx, &h, CKPT_HDR_FILES);
	for (i = 0; !ret && i < nr; i++) {
		struct ckpt_hdr_fd fd = {};

		snprintf(who, sizeof(who), "fd %u", fds[i].fd);
		ret = ckpt_file(ctx, fds[i].file, who, &fd.file_ref);
		if (ret)
			break;
		fd.fd = fds[i].fd;
		fd.flags = fds[i].cloexec ? CKPT_FD_CLOEXEC : 0;
		ret = ckpt_write_obj(ctx, &fd, CKPT_HDR_FD);
	}
	if (!ret)
		ret = locks_checkpoint_write(ctx, locks, nr_locks);
	return ret;
}

/* The locks held through the files of a snapshot of @files */
static int ckpt_fds_locks(struct ckpt_ctx *ctx, struct files_struct *files,
			  const struct ckpt_fd *fds, unsigned int nr,
			  struct ckpt_lock **locks, unsigned int *nr_locks)
{
	struct file **filev;
	unsigned int i;
	int ret;

	filev = kvcalloc(max(nr, 1U), sizeof(*filev), GFP_KERNEL);
	if (!filev)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		filev[i] = fds[i].file;
	ret = locks_checkpoint_collect(ctx, files, filev, nr, locks, nr_locks);
	kvfree(filev);
	if (!ret && *nr_locks > CKPT_LOCKS_MAX) {
		ret = ckpt_err(ctx, -EOPNOTSUPP, "%u file locks: above %u not supported",
			       *nr_locks, CKPT_LOCKS_MAX);
		kvfree(*locks);
	}
	return ret;
}

/**
 * files_checkpoint() - write the fd table of a task
 * @ctx: checkpoint context
 * @t: the task, stopped
 * @objref: object id of its fd table, on return
 *
 * Writes a FILES record, then for each open fd in increasing order
 * the FILE record of its file (the first time the file is seen) and
 * its FD record; nothing for a table written already (shared with the
 * task's parent).  An fd whose file cannot be saved is refused
 * (-EOPNOTSUPP, with a log line naming the fd and the kind of file).
 *
 * Context: may sleep.
 * Return: 0 or a negative errno.
 */
int files_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t,
		     u32 *objref)
{
	struct files_struct *files;
	unsigned int nr, nr_locks;
	struct ckpt_lock *locks;
	struct ckpt_fd *fds;
	int ret;

	task_lock(t);
	files = t->files;
	if (files)
		atomic_inc(&files->count);
	task_unlock(t);
	if (!files)
		return ckpt_err(ctx, -EBUSY, "pid %d has no fd table (exiting)",
				task_pid_vnr(t));

	/* Shared with its parent, written already */
	if (ckpt_obj_find(ctx, files, CKPT_OBJ_FILES, objref)) {
		ret = ckpt_obj_lookup_add(ctx, files, CKPT_OBJ_FILES, objref);
		goto put_files;
	}

	ret = ckpt_fds_snapshot(ctx, files, &fds, &nr);
	if (ret)
		goto put_files;
	if (nr && fds[nr - 1].fd >= CKPT_FD_MAX) {
		ret = ckpt_err(ctx, -EOPNOTSUPP, "fd %u: above %u not supported",
			       fds[nr - 1].fd, CKPT_FD_MAX - 1);
		goto put_fds;
	}

	ret = ckpt_fds_locks(ctx, files, fds, nr, &locks, &nr_locks);
	if (ret)
		goto put_fds;
	ret = ckpt_obj_lookup_add(ctx, files, CKPT_OBJ_FILES, objref);
	if (ret > 0)
		ret = ckpt_write_fds(ctx, *objref, fds, nr, locks, nr_locks);
	if (!ret)
		ckpt_log(ctx, "fd table %u: %u fds, %u locks", *objref, nr,
			 nr_locks);
	kvfree(locks);
put_fds:
	ckpt_fds_put(fds, nr);
put_files:
	put_files_struct(files);
	return ret;
}

static void ckpt_put_fs(struct fs_struct *fs)
{
	bool last;

	spin_lock(&fs->lock);
	last = !--fs->users;
	spin_unlock(&fs->lock);
	if (last)
		free_fs_struct(fs);
}

/**
 * fs_checkpoint() - write the root, working directory and umask of a task
 * @ctx: checkpoint context
 * @t: the task, stopped
 * @objref: object id of its fs_struct, on return
 *
 * Both paths are seen from the checkpointer's root; a root or working
 * directory that is not reachable from it, or that was deleted, is
 * refused (-EOPNOTSUPP).
 *
 * Context: may sleep.
 * Return: 0 or a negative errno.
 */
int fs_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t, u32 *objref)
{
	struct ckpt_hdr_fs h = {};
	struct path root, pwd;
	struct fs_struct *fs;
	char *buf, *rpath, *cpath;
	size_t payload;
	int ret;

	task_lock(t);
	fs = t->fs;
	if (fs) {
		spin_lock(&fs->lock);
		fs->users++;
		spin_unlock(&fs->lock);
		get_fs_root(fs, &root);
		get_fs_pwd(fs, &pwd);
		h.umask = READ_ONCE(fs->umask);
	}
	task_unlock(t);
	if (!fs)
		return ckpt_err(ctx, -EBUSY, "pid %d has no fs state (exiting)",
				task_pid_vnr(t));

	ret = -ENOMEM;
	buf = kmalloc(2 * CKPT_PATH_MAX, GFP_KERNEL);
	if (!buf)
		goto put_paths;
	rpath = file_ckpt_path(ctx, &root, buf, "fs: root");
	ret = PTR_ERR_OR_ZERO(rpath);
	if (ret)
		goto free_buf;
	cpath = file_ckpt_path(ctx, &pwd, buf + CKPT_PATH_MAX,
			       "fs: working directory");
	ret = PTR_ERR_OR_ZERO(cpath);
	if (ret)
		goto free_buf;
	h.root_len = strlen(rpath) + 1;
	h.cwd_len = strlen(cpath) + 1;
	payload = h.root_len + h.cwd_len;

	ret = ckpt_obj_lookup_add(ctx, fs, CKPT_OBJ_FS, objref);
	if (ret <= 0)
		goto free_buf;
	h.objref = *objref;
	ret = ckpt_rec_begin(ctx, &h.h, CKPT_HDR_FS, sizeof(h), payload);
	if (!ret)
		ret = ckpt_write(ctx, rpath, h.root_len);
	if (!ret)
		ret = ckpt_write(ctx, cpath, h.cwd_len);
	if (!ret)
		ret = ckpt_rec_end(ctx, &h.h, sizeof(h), payload);
free_buf:
	kfree(buf);
put_paths:
	path_put(&pwd);
	path_put(&root);
	ckpt_put_fs(fs);
	return ret;
}

/**
 * file_check_path() - check a path of an image
 * @ctx: restart context
 * @path: the path
 * @len: its length in the record, NUL included
 * @what: what it is, for the log
 *
 * Return: 0 for a NUL-terminated absolute path of @len bytes, else
 * -EINVAL with a log line.
 */
int file_check_path(struct ckpt_ctx *ctx, const char *path, u32 len,
		    const char *what)
{
	int ret;

	if (len < 2 || len > CKPT_PATH_MAX)
		return ckpt_err(ctx, -EINVAL, "%s: bad length %u", what, len);
	ret = ckpt_check_string(ctx, path, len, what);
	if (ret)
		return ret;
	if (path[0] != '/')
		return ckpt_err(ctx, -EINVAL, "%s: not an absolute path", what);
	return 0;
}

/* The kinds of FILE record this kernel knows */
static bool ckpt_file_kind_known(u32 kind)
{
	switch (kind) {
	case CKPT_FILE_REG:
	case CKPT_FILE_DIR:
	case CKPT_FILE_CHR:
	case CKPT_FILE_TTY:
	case CKPT_FILE_PIPE:
	case CKPT_FILE_EVENTFD:
	case CKPT_FILE_SIGNALFD:
	case CKPT_FILE_TIMERFD:
	case CKPT_FILE_MEMFD:
	case CKPT_FILE_EPOLL:
	case CKPT_FILE_UNLINKED:
	case CKPT_FILE_FIFO:
	case CKPT_FILE_INOTIFY:
	case CKPT_FILE_PTY:
		return true;
	}
	return false;
}

static int ckpt_check_file_kind(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *h)
{
	static const umode_t kind_fmt[CKPT_FILE_KIND_MAX + 1] = {
		[CKPT_FILE_REG] = S_IFREG,
		[CKPT_FILE_DIR] = S_IFDIR,
		[CKPT_FILE_CHR] = S_IFCHR,
		[CKPT_FILE_TTY] = S_IFCHR,
		[CKPT_FILE_PIPE] = S_IFIFO,
		[CKPT_FILE_FIFO] = S_IFIFO,
		[CKPT_FILE_MEMFD] = S_IFREG,
		[CKPT_FILE_UNLINKED] = S_IFREG,
		[CKPT_FILE_PTY] = S_IFCHR,
	};
	unsigned int major = h->rdev >> 20, minor = h->rdev & 0xfffff;

	if (!ckpt_file_kind_known(h->kind))
		return ckpt_bad(ctx, "FILE", "kind", "%u", h->kind);
	if (h->mode & ~(S_IFMT | S_IALLUGO) ||
	    (h->mode & S_IFMT) != kind_fmt[h->kind])
		return ckpt_bad(ctx, "FILE", "mode", "%#o for kind %u",
				h->mode, h->kind);
	switch (h->kind) {
	case CKPT_FILE_CHR:
		if (!ckpt_mem_dev(major, minor))
			return ckpt_bad(ctx, "FILE", "rdev",
					"%u:%u for a memory device",
					major, minor);
		break;
	case CKPT_FILE_TTY:
		if (!ckpt_tty_major(major))
			return ckpt_bad(ctx, "FILE", "rdev",
					"%u:%u for a terminal", major, minor);
		break;
	case CKPT_FILE_PTY:
		return pty_check_file(ctx, h->rdev, h->flags);
	default:
		if (h->rdev)
			return ckpt_bad(ctx, "FILE", "rdev",
					"%#x for a file or directory",
					h->rdev);
	}
	return 0;
}

static int ckpt_check_file_flags(struct ckpt_ctx *ctx,
				 const struct ckpt_hdr_file *h)
{
	u32 acc = h->flags & CKPT_O_ACCMODE, anon_acc;

	if (h->flags & ~CKPT_O_FLAGS)
		return ckpt_bad(ctx, "FILE", "flags", "%#x", h->flags);
	if (acc != CKPT_O_RDONLY && acc != CKPT_O_WRONLY &&
	    acc != CKPT_O_RDWR)
		return ckpt_bad(ctx, "FILE", "access mode", "%u", acc);
	/* open(2) strips every other flag from O_PATH */
	if (h->flags & CKPT_O_PATH && h->flags != CKPT_O_PATH)
		return ckpt_bad(ctx, "FILE", "flags", "%#x with O_PATH",
				h->flags);
	/* O_SYNC is __O_SYNC | O_DSYNC */
	if (h->flags & CKPT_O_SYNC && !(h->flags & CKPT_O_DSYNC))
		return ckpt_bad(ctx, "FILE", "flags",
				"%#x: O_SYNC without O_DSYNC", h->flags);
	if (h->kind == CKPT_FILE_DIR && acc != CKPT_O_RDONLY)
		return ckpt_bad(ctx, "FILE", "access mode",
				"%u for a directory", acc);
	if ((h->kind == CKPT_FILE_PIPE || h->kind == CKPT_FILE_FIFO) &&
	    h->flags & (CKPT_O_DIRECT | CKPT_O_PATH))
		return ckpt_bad(ctx, "FILE", "flags", "%#x for a pipe",
				h->flags);
	/*
	 * Anonymous files are read-write (inotify files read-only), and
	 * only O_NONBLOCK changes
	 */
	anon_acc = h->kind == CKPT_FILE_INOTIFY ? CKPT_O_RDONLY : CKPT_O_RDWR;
	if (ckpt_file_anon(h->kind) && h->flags != anon_acc &&
	    h->flags != (anon_acc | CKPT_O_NONBLOCK))
		return ckpt_bad(ctx, "FILE", "flags", "%#x for kind %u",
				h->flags, h->kind);
	return 0;
}

/* Where the file comes from: a path, or an object of the image */
static int ckpt_check_file_source(struct ckpt_ctx *ctx,
				  const struct ckpt_hdr_file *h)
{
	enum ckpt_obj_type type = ckpt_file_obj_type(h->kind);
	int ret;

	ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad), "FILE record");
	if (ret)
		return ret;
	if (!type) {
		if (h->obj_ref)
			return ckpt_bad(ctx, "FILE", "obj_ref", "%u for kind %u",
					h->obj_ref, h->kind);
		if (h->path_len < 2 || h->path_len > CKPT_PATH_MAX)
			return ckpt_bad(ctx, "FILE", "path_len", "%u",
					h->path_len);
		return 0;
	}
	if (h->kind == CKPT_FILE_FIFO) {
		if (h->path_len < 2 || h->path_len > CKPT_PATH_MAX)
			return ckpt_bad(ctx, "FILE", "path_len", "%u for a FIFO",
					h->path_len);
	} else if (h->path_len)
		return ckpt_bad(ctx, "FILE", "path_len", "%u for kind %u",
				h->path_len, h->kind);
	if (h->pos && h->kind != CKPT_FILE_MEMFD &&
	    h->kind != CKPT_FILE_UNLINKED)
		return ckpt_bad(ctx, "FILE", "pos", "%llu for kind %u", h->pos,
				h->kind);
	ret = ckpt_obj_check(ctx, h->obj_ref, type, false,
			     "FILE record obj_ref");
	/* A pair has one master: each opening of /dev/ptmx makes a pair */
	if (!ret && h->kind == CKPT_FILE_PTY && h->rdev >> 20 == TTYAUX_MAJOR)
		ret = ckpt_obj_claim(ctx, h->obj_ref,
				     "FILE record of a pty master");
	return ret;
}

/* open(2) flags of a FILE record, already checked */
static int ckpt_open_flags_of(const struct ckpt_hdr_file *h)
{
	int flags;
	unsigned int i;

	switch (h->flags & CKPT_O_ACCMODE) {
	case CKPT_O_WRONLY:
		flags = O_WRONLY;
		break;
	case CKPT_O_RDWR:
		flags = O_RDWR;
		break;
	default:
		flags = O_RDONLY;
	}
	for (i = 0; i < ARRAY_SIZE(ckpt_open_flags); i++)
		if (h->flags & ckpt_open_flags[i].ckpt_flag)
			flags |= ckpt_open_flags[i].f_flag;
	if (h->kind == CKPT_FILE_DIR)
		flags |= O_DIRECTORY;
	/* A reopened device must not become the controlling terminal */
	if (!(flags & O_PATH) && !ckpt_file_obj_type(h->kind))
		flags |= O_NOCTTY;
	return flags;
}

/* The file reopened for a FILE record is the one that was saved */
static int ckpt_check_reopened(struct ckpt_ctx *ctx,
			       const struct ckpt_hdr_file *h, const char *path,
			       struct file *file)
{
	const struct inode *inode = file_inode(file);
	u32 rdev;
	loff_t pos;

	if ((inode->i_mode ^ h->mode) & S_IFMT)
		return ckpt_err(ctx, -ESTALE,
				"file %s: now of type %#o, was %#o", path,
				inode->i_mode & S_IFMT, h->mode & S_IFMT);
	if (h->kind == CKPT_FILE_CHR) {
		rdev = ckpt_encode_dev(imajor(inode), iminor(inode));
		if (rdev != h->rdev)
			return ckpt_err(ctx, -ESTALE,
					"file %s: now device %u:%u, was %u:%u",
					path, imajor(inode), iminor(inode),
					h->rdev >> 20, h->rdev & 0xfffff);
	}
	if (!h->pos)
		return 0;
	pos = vfs_llseek(file, h->pos, SEEK_SET);
	if (pos < 0)
		return ckpt_err(ctx, (int)pos, "file %s: cannot seek to %llu",
				path, h->pos);
	if (pos != h->pos)
		return ckpt_err(ctx, -ESPIPE,
				"file %s: seeking to %llu gave %lld", path,
				h->pos, pos);
	return 0;
}

/*
 * A memfd or unlinked file of a checked FILE record, opened anew with
 * @flags, as an open of /proc/PID/fd/N would.
 */
static struct file *ckpt_reopen_obj(struct ckpt_ctx *ctx,
				    const struct ckpt_hdr_file *h, int flags)
{
	enum ckpt_obj_type type = ckpt_file_obj_type(h->kind);
	struct file *seed = ckpt_obj_fetch(ctx, h->obj_ref, type);
	struct file *file;

	if (!seed)
		return ERR_PTR(ckpt_err(ctx, -EINVAL, "%s %u was not rebuilt",
					ckpt_rec_name(type), h->obj_ref));
	file = dentry_open(&seed->f_path, flags, current_cred());
	if (IS_ERR(file)) {
		ckpt_err(ctx, PTR_ERR(file), "%s %u: cannot open it",
			 ckpt_rec_name(type), h->obj_ref);
		return file;
	}
	file->f_mode |= FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	return file;
}

/*
 * The file of a checked FILE record: the restarter's terminal for a
 * terminal, else the path reopened with the restarter's rights.
 */
static struct file *ckpt_reopen(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_file *h, const char *path)
{
	struct file *file;
	int ret;

	if (h->kind == CKPT_FILE_PIPE)
		return pipe_reopen(ctx, h->obj_ref, ckpt_open_flags_of(h));
	if (h->kind == CKPT_FILE_FIFO)
		return fifo_reopen(ctx, h->obj_ref, path, ckpt_open_flags_of(h));
	if (h->kind == CKPT_FILE_PTY)
		return pty_reopen(ctx, h->obj_ref, h->rdev, ckpt_open_flags_of(h));
	if (ckpt_file_anon(h->kind))
		return anon_reopen(ctx, h->kind, h->obj_ref,
				   ckpt_open_flags_of(h));
	if (h->kind == CKPT_FILE_MEMFD || h->kind == CKPT_FILE_UNLINKED) {
		file = ckpt_reopen_obj(ctx, h, ckpt_open_flags_of(h));
		if (IS_ERR(file))
			return file;
		ret = ckpt_check_reopened(ctx, h, path, file);
		if (ret) {
			fput(file);
			return ERR_PTR(ret);
		}
		return file;
	}
	if (h->kind == CKPT_FILE_TTY) {
		if (!ctx->tty)
			return ERR_PTR(ckpt_err(ctx, -ENXIO,
						"file %s: no terminal to attach it to",
						path));
		/* The restarter's terminal, opened as the image had it */
		file = dentry_open(&ctx->tty->f_path,
				   ckpt_open_flags_of(h) | O_NOCTTY,
				   current_cred());
		if (IS_ERR(file))
			return ERR_PTR(ckpt_err(ctx, PTR_ERR(file),
						"file %s: cannot open the restarter's terminal",
						path));
		return file;
	}
	file = filp_open(path, ckpt_open_flags_of(h), 0);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		if (ret == -ENOENT)
			return ERR_PTR(ckpt_err(ctx, ret,
						"file %s: no such file or directory",
						path));
		return ERR_PTR(ckpt_err(ctx, ret, "file %s: cannot open it",
					path));
	}
	ret = ckpt_check_reopened(ctx, h, path, file);
	if (ret) {
		fput(file);
		return ERR_PTR(ret);
	}
	if (h->flags & CKPT_O_ASYNC)
		ckpt_log(ctx, "file %s: O_ASYNC kept without its owner: no SIGIO until F_SETOWN",
			 path);
	return file;
}

/**
 * file_restore() - reopen the file of a FILE record
 * @ctx: restart context
 * @h: the record, as read
 *
 * Checks every field and the path that follows.  Unless only
 * verifying, reopens the file with the restarter's rights (a terminal
 * becomes the restarter's terminal), checks that it is of the type
 * (and device) saved, sets its position, and records it in the object
 * table; else only defines the file's object id.
 *
 * Return: 0, or -EINVAL (with a log line naming the field); when
 * restoring also -ENOENT for a missing path, -ESTALE for a file of
 * another type or device, -ENXIO for a terminal when the restarter has
 * none, or the error of the open or seek (each with a log line naming
 * the path).
 */
int file_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_file *h)
{
	const char *path = (const char *)(h + 1);
	struct ckpt_hdr_file f = *h;
	struct file *file;
	int ret;

	ret = ckpt_check_file_kind(ctx, &f);
	if (ret)
		return ret;
	ret = ckpt_check_file_flags(ctx, &f);
	if (ret)
		return ret;
	if ((s64)f.pos < 0)
		return ckpt_bad(ctx, "FILE", "pos", "%llu", f.pos);
	ret = ckpt_check_file_source(ctx, &f);
	if (ret)
		return ret;
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), f.path_len);
	if (ret)
		return ret;
	if (f.path_len) {
		ret = file_check_path(ctx, path, f.path_len, "FILE record path");
		if (ret)
			return ret;
	} else {
		path = "(no path)";
	}
	if (ckpt_verify_only(ctx))
		return ckpt_obj_define(ctx, f.objref, CKPT_OBJ_FILE);

	file = ckpt_reopen(ctx, &f, path);
	if (IS_ERR(file))
		return PTR_ERR(file);
	return ckpt_obj_insert(ctx, f.objref, CKPT_OBJ_FILE, file);
}

/* One FD record of a FILES; @prev is the previous fd, or -1 */
static int ckpt_check_fd(struct ckpt_ctx *ctx, const struct ckpt_hdr *rec,
			 s64 prev)
{
	const struct ckpt_hdr_fd *h = (const void *)rec;
	struct ckpt_hdr_fd fd = *h;
	int ret;

	ret = ckpt_rec_payload(ctx, rec, sizeof(fd), 0);
	if (ret)
		return ret;
	if (fd.fd >= CKPT_FD_MAX)
		return ckpt_bad(ctx, "FD", "fd", "%u", fd.fd);
	if ((s64)fd.fd <= prev)
		return ckpt_bad(ctx, "FD", "fd", "%u after fd %lld",
				fd.fd, prev);
	if (fd.flags & ~CKPT_FD_FLAGS)
		return ckpt_bad(ctx, "FD", "flags", "%#x (fd %u)",
				fd.flags, fd.fd);
	ret = ckpt_check_pad(ctx, &fd.__pad, sizeof(fd.__pad), "FD record");
	if (ret)
		return ret;
	return ckpt_obj_check(ctx, fd.file_ref, CKPT_OBJ_FILE, false,
			      "FD record file_ref");
}

/* Install the file of a checked FD record at its fd number */
static int ckpt_install_fd(struct ckpt_ctx *ctx, const struct ckpt_hdr *rec)
{
	const struct ckpt_hdr_fd *h = (const void *)rec;
	unsigned long nofile = rlimit(RLIMIT_NOFILE);
	struct file *file;
	int ret;

	file = ckpt_obj_fetch(ctx, h->file_ref, CKPT_OBJ_FILE);
	if (!file)
		return ckpt_err(ctx, -EINVAL, "fd %u: file %u was not reopened",
				h->fd, h->file_ref);
	if (h->fd >= nofile)
		return ckpt_err(ctx, -EMFILE,
				"fd %u: at or above the limit on open files (RLIMIT_NOFILE %lu)",
				h->fd, nofile);
	ret = replace_fd(h->fd, file,
			 h->flags & CKPT_FD_CLOEXEC ? O_CLOEXEC : 0);
	if (ret == -EBADF)
		ret = -EMFILE;	/* RLIMIT_NOFILE, just lowered */
	if (ret)
		return ckpt_err(ctx, ret, "fd %u: cannot install %pD", h->fd,
				file);
	return 0;
}

/**
 * files_restore() - rebuild the fd table of a FILES record
 * @ctx: restart context
 * @h: the FILES record, as read
 *
 * Defines the fd table's object id, then reads exactly nr_fds FD
 * records (and the FILE records between them), checking that fds
 * increase and that each refers to a file already defined.  Unless
 * only verifying, first closes every fd of current (the restarter's
 * fds it inherited), then installs each file at its fd number with
 * its close-on-exec flag.
 *
 * Return: 0, -EINVAL (with a log line naming the field), the error of
 * a read, or when restoring -EMFILE for an fd at or above
 * RLIMIT_NOFILE, or the error of file_restore() or of installing an fd
 * (each with a log line naming the fd).
 */
int files_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_files *h)
{
	struct ckpt_hdr_files files = *h;
	struct ckpt_hdr *rec;
	unsigned int n = 0;
	s64 prev = -1;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (files.nr_fds > CKPT_FD_MAX)
		return ckpt_bad(ctx, "FILES", "nr_fds", "%u", files.nr_fds);
	if (files.nr_locks > CKPT_LOCKS_MAX)
		return ckpt_bad(ctx, "FILES", "nr_locks", "%u", files.nr_locks);
	ret = ckpt_check_pad(ctx, &files.__pad, sizeof(files.__pad),
			     "FILES record");
	if (ret)
		return ret;
	ret = ckpt_obj_define(ctx, files.objref, CKPT_OBJ_FILES);
	if (ret)
		return ret;
	if (!ckpt_verify_only(ctx)) {
		ret = __close_range(0, ~0U, 0);
		if (ret)
			return ckpt_err(ctx, ret,
					"fd table: cannot close the restarter's fds");
	}

	while (n < files.nr_fds) {
		rec = ckpt_read_rec(ctx);
		if (IS_ERR(rec))
			return PTR_ERR(rec);
		if (file_obj_rec(rec->type)) {
			ret = file_obj_restore(ctx, rec);
		} else if (rec->type == CKPT_HDR_FD) {
			ret = ckpt_check_fd(ctx, rec, prev);
			if (!ret && !ckpt_verify_only(ctx))
				ret = ckpt_install_fd(ctx, rec);
			prev = ((const struct ckpt_hdr_fd *)rec)->fd;
			n++;
		} else {
			ret = ckpt_err(ctx, -EINVAL,
				       "FILES record: %s record after %u of %u fds",
				       ckpt_rec_name(rec->type), n,
				       files.nr_fds);
		}
		if (ret)
			return ret;
	}
	for (n = 0; n < files.nr_locks; n++) {
		rec = ckpt_read_rec_type(ctx, CKPT_HDR_FILE_LOCK);
		if (IS_ERR(rec))
			return PTR_ERR(rec);
		ret = locks_restore(ctx, rec);
		if (ret)
			return ret;
	}
	return 0;
}

/* Look up the directory @name of an FS record from current's root */
static int ckpt_fs_dir(struct ckpt_ctx *ctx, const char *name,
		       const char *what, struct path *path)
{
	int ret;

	ret = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);
	if (ret == -ENOENT)
		return ckpt_err(ctx, ret, "fs: %s %s: no such directory", what,
				name);
	if (ret == -ENOTDIR)
		return ckpt_err(ctx, ret, "fs: %s %s: not a directory", what,
				name);
	if (ret)
		return ckpt_err(ctx, ret, "fs: %s %s: cannot look it up", what,
				name);
	/* As chdir(2) and chroot(2) require */
	ret = path_permission(path, MAY_EXEC | MAY_CHDIR);
	if (ret) {
		path_put(path);
		return ckpt_err(ctx, ret, "fs: %s %s: no search permission",
				what, name);
	}
	return 0;
}

/**
 * struct ckpt_fs_root - a root directory to take on leaving the kernel
 * @work: task_work of the task being rebuilt
 * @root: the directory, referenced
 */
struct ckpt_fs_root {
	struct callback_head work;
	struct path root;
};

static void ckpt_fs_set_root(struct callback_head *work)
{
	struct ckpt_fs_root *r = container_of(work, struct ckpt_fs_root, work);

	/* A restart that failed dies, after exit_fs() */
	if (!(current->flags & PF_EXITING))
		set_fs_root(current->fs, &r->root);
	path_put(&r->root);
	kfree(r);
}

/*
 * Make @root (the caller's reference) current's root as it first
 * leaves the kernel: until then, the paths of the image are looked up
 * from the restarter's root.  Changing it needs what chroot(2) needs.
 */
static int ckpt_fs_root(struct ckpt_ctx *ctx, struct path *root,
			const char *name)
{
	struct ckpt_fs_root *r;
	struct path cur;
	bool same;
	int ret;

	get_fs_root(current->fs, &cur);
	same = path_equal(root, &cur);
	path_put(&cur);
	if (same) {
		path_put(root);
		return 0;
	}
	ret = -EPERM;
	if (!ns_capable(current_user_ns(), CAP_SYS_CHROOT)) {
		ckpt_err(ctx, ret,
			 "fs: root %s: changing the root needs CAP_SYS_CHROOT",
			 name);
		goto put_root;
	}
	ret = security_path_chroot(root);
	if (ret) {
		ckpt_err(ctx, ret, "fs: root %s: refused by the LSM", name);
		goto put_root;
	}
	ret = -ENOMEM;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		goto put_root;
	r->root = *root;
	init_task_work(&r->work, ckpt_fs_set_root);
	ret = task_work_add(current, &r->work, TWA_RESUME);
	if (!ret)
		return 0;
	kfree(r);
put_root:
	path_put(root);
	return ret;
}

/* Give current the root, working directory and umask of an FS record */
static int ckpt_fs_set(struct ckpt_ctx *ctx, const struct ckpt_hdr_fs *h,
		       const char *rname, const char *cname)
{
	struct path root, pwd;
	int ret;

	/* Both paths are seen from the checkpointer's root */
	ret = ckpt_fs_dir(ctx, rname, "root", &root);
	if (ret)
		return ret;
	ret = ckpt_fs_dir(ctx, cname, "working directory", &pwd);
	if (ret) {
		path_put(&root);
		return ret;
	}
	ret = ckpt_fs_root(ctx, &root, rname);
	if (!ret)
		set_fs_pwd(current->fs, &pwd);
	path_put(&pwd);
	if (!ret)
		current->fs->umask = h->umask;
	return ret;
}

/**
 * fs_restore() - restore the root, working directory and umask of an FS
 *	record
 * @ctx: restart context
 * @h: the record, as read
 *
 * Checks every field and both paths.  Unless only verifying, looks both
 * directories up from the restarter's root with its rights, as chdir(2)
 * and chroot(2) would, makes the second the working directory of
 * current and sets its umask; a root other than the restarter's needs
 * CAP_SYS_CHROOT and is taken as current leaves the kernel, so that the
 * paths of later records are still looked up from the restarter's root.
 *
 * Return: 0, or -EINVAL (with a log line naming the field); when
 * restoring also -ENOENT or -ENOTDIR for a missing directory, -EACCES
 * without search permission on it, -EPERM for a root change without
 * CAP_SYS_CHROOT (each with a log line naming the directory), or
 * -ENOMEM.
 */
int fs_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_fs *h)
{
	const char *root = (const char *)(h + 1);
	struct ckpt_hdr_fs fs = *h;
	int ret;

	if (fs.umask & ~0777)
		return ckpt_bad(ctx, "FS", "umask", "%#o", fs.umask);
	if (fs.root_len < 2 || fs.root_len > CKPT_PATH_MAX)
		return ckpt_bad(ctx, "FS", "root_len", "%u", fs.root_len);
	if (fs.cwd_len < 2 || fs.cwd_len > CKPT_PATH_MAX)
		return ckpt_bad(ctx, "FS", "cwd_len", "%u", fs.cwd_len);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h),
			       fs.root_len + fs.cwd_len);
	if (ret)
		return ret;
	ret = file_check_path(ctx, root, fs.root_len, "FS record root");
	if (ret)
		return ret;
	ret = file_check_path(ctx, root + fs.root_len, fs.cwd_len,
			      "FS record cwd");
	if (ret)
		return ret;
	if (!ckpt_verify_only(ctx)) {
		ret = ckpt_fs_set(ctx, &fs, root, root + fs.root_len);
		if (ret)
			return ret;
	}
	return ckpt_obj_define(ctx, fs.objref, CKPT_OBJ_FS);
}

/**
 * file_obj_rec() - whether a record is a FILE or an object files open
 * @type: CKPT_HDR_* type of the record
 *
 * Return: true for the records file_obj_restore() reads.
 */
bool file_obj_rec(u32 type)
{
	switch (type) {
	case CKPT_HDR_FILE:
	case CKPT_HDR_PIPE:
	case CKPT_HDR_EVENTFD:
	case CKPT_HDR_SIGNALFD:
	case CKPT_HDR_TIMERFD:
	case CKPT_HDR_MEMFD:
	case CKPT_HDR_EPOLL:
	case CKPT_HDR_GHOST:
	case CKPT_HDR_INOTIFY:
	case CKPT_HDR_PTY:
		return true;
	}
	return false;
}

/**
 * file_restore_mode() - give a file rebuilt for an image its permissions
 * @ctx: restart context
 * @file: the file, made by the restart
 * @mode: permission bits of the image (07777), already checked
 * @what: what the file is, for the log ("memfd 5")
 *
 * As fchmod(2), with the restarter's rights over a file it owns.
 *
 * Return: 0, or the error of the change (with a log line).
 */
int file_restore_mode(struct ckpt_ctx *ctx, struct file *file, u32 mode,
		      const char *what)
{
	struct dentry *dentry = file->f_path.dentry;
	struct inode *inode = d_inode(dentry);
	struct iattr attr = {
		.ia_valid = ATTR_MODE,
		.ia_mode = (inode->i_mode & S_IFMT) | mode,
	};
	int ret;

	if (((inode->i_mode ^ mode) & 07777) == 0)
		return 0;
	inode_lock(inode);
	ret = notify_change(file_mnt_idmap(file), dentry, &attr, NULL);
	inode_unlock(inode);
	if (ret)
		return ckpt_err(ctx, ret, "%s: cannot set its mode %#o", what,
				mode);
	return 0;
}

/**
 * file_obj_restore() - restore a FILE record or an object files refer to
 * @ctx: restart context
 * @h: the record, as read: a FILE, or a record of what files open (PIPE,
 *	EVENTFD, SIGNALFD, TIMERFD, MEMFD, EPOLL, GHOST, INOTIFY, PTY)
 *
 * Return: 0 or a negative errno, see file_restore(), pipe_restore(),
 * anon_restore(), memfd_restore(), epoll_restore(), ghost_restore(),
 * inotify_restore() and pty_restore().
 */
int file_obj_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr *h)
{
	switch (h->type) {
	case CKPT_HDR_FILE:
		return file_restore(ctx, (const void *)h);
	case CKPT_HDR_PIPE:
		return pipe_restore(ctx, (const void *)h);
	case CKPT_HDR_EVENTFD:
	case CKPT_HDR_SIGNALFD:
	case CKPT_HDR_TIMERFD:
		return anon_restore(ctx, h);
	case CKPT_HDR_MEMFD:
		return memfd_restore(ctx, (const void *)h);
	case CKPT_HDR_EPOLL:
		return epoll_restore(ctx, (const void *)h);
	case CKPT_HDR_GHOST:
		return ghost_restore(ctx, (const void *)h);
	case CKPT_HDR_INOTIFY:
		return inotify_restore(ctx, (const void *)h);
	case CKPT_HDR_PTY:
		return pty_restore(ctx, (const void *)h);
	}
	return ckpt_err(ctx, -EINVAL, "%s record is not a file's",
			ckpt_rec_name(h->type));
}

/**
 * file_checkpoint_finish() - last checks of the files of a checkpoint
 * @ctx: checkpoint context
 *
 * Called once every task is written: refuses objects shared with
 * tasks that are not in the image (see pipe_checkpoint_finish() and
 * pty_checkpoint_finish()).
 *
 * Return: 0, or a negative errno with a log line.
 */
int file_checkpoint_finish(struct ckpt_ctx *ctx)
{
	int ret;

	ret = pipe_checkpoint_finish(ctx);
	if (!ret)
		ret = pty_checkpoint_finish(ctx);
	return ret;
}
