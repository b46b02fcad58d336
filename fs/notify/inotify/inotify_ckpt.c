// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of inotify files.
 *
 * An inotify file is an object of the image: an INOTIFY record, then an
 * INOTIFY_WATCH record per watch, in increasing wd order, each with the
 * path of what it watches and its mask, then an INOTIFY_EVENT record per
 * event not read yet, oldest first.  The watched inode is named by a
 * dentry of it, under a mount of its filesystem that the checkpointer's
 * root leads to; an inode with no such name is refused.
 *
 * Restart makes a new inotify file, looks every path up with the
 * restarter's rights (it needs read permission on each, as
 * inotify_add_watch() does), and once the whole image has been read,
 * so that restoring the other files reports nothing, adds each watch
 * with its wd and queues the events again.  The queue is limited by the
 * restarter's max_queued_events: beyond it, the events become an
 * IN_Q_OVERFLOW, as they would have.
 */

#include <linux/checkpoint.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/memcontrol.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "inotify.h"
#include "../fsnotify.h"

/* Bits an event of the queue may have */
#define CKPT_INOTIFY_EVENT_BITS						\
	(IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ISDIR)

/* Bits of the mask of a watch */
#define CKPT_INOTIFY_WATCH_BITS	(IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)

/* Tries at a snapshot of a queue that keeps changing under us */
#define CKPT_INOTIFY_TRIES	8

/**
 * inotify_ckpt_file() - whether a file is an inotify file
 * @file: the file
 *
 * Return: true for an inotify file.
 */
bool inotify_ckpt_file(struct file *file)
{
	return inotify_file_group(file);
}

/* A watch, with a reference to its inode */
struct ckpt_inotify_watch {
	struct inode *inode;
	u32 wd;
	u32 mask;
};

static int ckpt_inotify_wd_cmp(const void *a, const void *b)
{
	const struct ckpt_inotify_watch *x = a, *y = b;

	return x->wd < y->wd ? -1 : x->wd > y->wd;
}

static void ckpt_inotify_watches_put(struct ckpt_inotify_watch *w,
				     unsigned int nr)
{
	while (nr)
		iput(w[--nr].inode);
	kvfree(w);
}

/* Fill @w (room for @max) with the watches of @group; their count */
static unsigned int ckpt_inotify_collect(struct fsnotify_group *group,
					 struct ckpt_inotify_watch *w,
					 unsigned int max)
{
	struct inotify_inode_mark *i_mark;
	struct fsnotify_mark *mark;
	struct inode *inode;
	unsigned int nr = 0;
	int wd;

	fsnotify_group_lock(group);
	list_for_each_entry(mark, &group->marks_list, g_list) {
		/* Being removed: gone by the time the image is read */
		if (!(mark->flags & FSNOTIFY_MARK_FLAG_ATTACHED) ||
		    mark->connector->type != FSNOTIFY_OBJ_TYPE_INODE)
			continue;
		i_mark = container_of(mark, struct inotify_inode_mark,
				      fsn_mark);
		wd = READ_ONCE(i_mark->wd);
		if (wd < 1)
			continue;
		if (nr < max) {
			inode = igrab(fsnotify_conn_inode(mark->connector));
			if (!inode)
				continue;
			w[nr].inode = inode;
			w[nr].wd = wd;
			w[nr].mask = inotify_mark_user_mask(mark);
		}
		nr++;
	}
	fsnotify_group_unlock(group);
	return nr;
}

/* The watches of @group, sorted by wd, with a reference to each inode */
static int ckpt_inotify_watches(struct ckpt_ctx *ctx,
				struct fsnotify_group *group, const char *who,
				struct ckpt_inotify_watch **wp,
				unsigned int *nrp)
{
	struct ckpt_inotify_watch *w = NULL;
	unsigned int max = 0, nr;

	for (;;) {
		nr = ckpt_inotify_collect(group, w, max);
		if (nr <= max)
			break;
		/* More than room for: drop what was taken, and try bigger */
		ckpt_inotify_watches_put(w, max);
		if (nr > CKPT_INOTIFY_WATCHES_MAX)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s: %u inotify watches not supported",
					who, nr);
		max = nr + 8;
		w = kvcalloc(max, sizeof(*w), GFP_KERNEL);
		if (!w)
			return -ENOMEM;
	}
	sort(w, nr, sizeof(*w), ckpt_inotify_wd_cmp, NULL);
	*wp = w;
	*nrp = nr;
	return 0;
}

/* Looking for a mount of the collected tree under which @dentry is */
struct ckpt_inotify_mnt {
	struct dentry *dentry;
	struct vfsmount *mnt;
};

static int ckpt_inotify_mnt_match(struct vfsmount *mnt, void *arg)
{
	struct ckpt_inotify_mnt *m = arg;

	if (mnt->mnt_sb != m->dentry->d_sb ||
	    !is_subdir(m->dentry, mnt->mnt_root))
		return 0;
	m->mnt = mnt;
	return 1;
}

/*
 * Write the INOTIFY_WATCH record of @w: its path is that of a dentry of
 * its inode, under a mount of @tree (the mounts the checkpointer's root
 * leads to, collected).
 */
static int ckpt_inotify_watch_write(struct ckpt_ctx *ctx,
				    struct vfsmount *tree, const char *who,
				    const struct ckpt_inotify_watch *w,
				    char *buf)
{
	struct ckpt_hdr_inotify_watch h = {};
	struct ckpt_inotify_mnt m = {};
	struct path root, path;
	char *p;
	int ret = -EOPNOTSUPP;

	m.dentry = d_find_alias(w->inode);
	if (!m.dentry)
		return ckpt_err(ctx, ret,
				"%s: inotify watch %u: inode %lu has no name",
				who, w->wd, w->inode->i_ino);
	if (d_unlinked(m.dentry)) {
		ckpt_err(ctx, ret,
			 "%s: inotify watch %u on unlinked %pd not supported",
			 who, w->wd, m.dentry);
		goto put;
	}
	if (!iterate_mounts(ckpt_inotify_mnt_match, &m, tree)) {
		ckpt_err(ctx, ret,
			 "%s: inotify watch %u: %pd is not reachable from the checkpointer's root",
			 who, w->wd, m.dentry);
		goto put;
	}
	root.mnt = tree;
	root.dentry = tree->mnt_root;
	path.mnt = m.mnt;
	path.dentry = m.dentry;
	p = __d_path(&path, &root, buf, CKPT_PATH_MAX);
	if (IS_ERR_OR_NULL(p) || *p != '/') {
		ret = IS_ERR(p) ? PTR_ERR(p) : -EOPNOTSUPP;
		ckpt_err(ctx, ret, "%s: inotify watch %u: no path for %pd",
			 who, w->wd, m.dentry);
		goto put;
	}
	h.wd = w->wd;
	h.mask = w->mask;
	h.mode = w->inode->i_mode & S_IFMT;
	h.path_len = strlen(p) + 1;
	ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_INOTIFY_WATCH, sizeof(h), p,
			     h.path_len);
put:
	dput(m.dentry);
	return ret;
}

static int ckpt_inotify_watches_write(struct ckpt_ctx *ctx, const char *who,
				      const struct ckpt_inotify_watch *w,
				      unsigned int nr)
{
	struct vfsmount *tree;
	struct path root;
	unsigned int i;
	char *buf;
	int ret = 0;

	if (!nr)
		return 0;
	buf = kmalloc(CKPT_PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	get_fs_root(current->fs, &root);
	tree = collect_mounts(&root);
	path_put(&root);
	if (IS_ERR(tree)) {
		ret = ckpt_err(ctx, PTR_ERR(tree),
			       "%s: cannot list the mounts of the checkpointer",
			       who);
		goto free;
	}
	for (i = 0; !ret && i < nr; i++)
		ret = ckpt_inotify_watch_write(ctx, tree, who, &w[i], buf);
	drop_collected_mounts(tree);
free:
	kfree(buf);
	return ret;
}

/* A copy of the queue of a group: the records, then the names */
struct ckpt_inotify_queue {
	struct ckpt_hdr_inotify_event *ev;
	char *names;
	unsigned int nr;
	size_t names_len;
};

/* Copy the queue into @q if it fits; the sizes it needs otherwise */
static bool ckpt_inotify_queue_copy(struct fsnotify_group *group,
				    struct ckpt_inotify_queue *q,
				    unsigned int *nr, size_t *names_len)
{
	struct inotify_event_info *e;
	struct fsnotify_event *fse;
	size_t len = 0, need;
	unsigned int n = 0;
	bool fits = true;

	spin_lock(&group->notification_lock);
	list_for_each_entry(fse, &group->notification_list, list) {
		e = INOTIFY_E(fse);
		/* The name and its NUL, if it has one */
		need = e->name_len ? e->name_len + 1 : 0;
		if (n >= q->nr || len + need > q->names_len)
			fits = false;
		if (fits) {
			memset(&q->ev[n], 0, sizeof(q->ev[n]));
			q->ev[n].wd = fse == group->overflow_event ?
				      CKPT_INOTIFY_WD_NONE : e->wd;
			q->ev[n].mask = e->mask;
			q->ev[n].cookie = e->sync_cookie;
			q->ev[n].name_len = need;
			memcpy(q->names + len, e->name, need);
		}
		n++;
		len += need;
	}
	spin_unlock(&group->notification_lock);
	fits = fits && n == q->nr && len == q->names_len;
	*nr = n;
	*names_len = len;
	return fits;
}

static void ckpt_inotify_queue_free(struct ckpt_inotify_queue *q)
{
	kvfree(q->ev);
	kvfree(q->names);
	q->ev = NULL;
	q->names = NULL;
}

/* The events queued on @group, copied as it had them at one moment */
static int ckpt_inotify_queue(struct ckpt_ctx *ctx,
			      struct fsnotify_group *group, const char *who,
			      struct ckpt_inotify_queue *q)
{
	unsigned int nr, tries;
	size_t len;

	memset(q, 0, sizeof(*q));
	for (tries = 0; tries < CKPT_INOTIFY_TRIES; tries++) {
		if (ckpt_inotify_queue_copy(group, q, &nr, &len))
			return 0;
		ckpt_inotify_queue_free(q);
		if (nr > CKPT_INOTIFY_EVENTS_MAX)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"%s: %u queued inotify events not supported",
					who, nr);
		q->nr = nr;
		q->names_len = len;
		q->ev = kvcalloc(max(nr, 1U), sizeof(*q->ev), GFP_KERNEL);
		q->names = kvmalloc(max_t(size_t, len, 1), GFP_KERNEL);
		if (!q->ev || !q->names) {
			ckpt_inotify_queue_free(q);
			return -ENOMEM;
		}
	}
	ckpt_inotify_queue_free(q);
	return ckpt_err(ctx, -EBUSY, "%s: inotify events keep coming", who);
}

static int ckpt_inotify_events_write(struct ckpt_ctx *ctx,
				     const struct ckpt_inotify_queue *q)
{
	struct ckpt_hdr_inotify_event *ev;
	const char *name = q->names;
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < q->nr; i++) {
		ev = &q->ev[i];
		ret = ckpt_write_rec(ctx, &ev->h, CKPT_HDR_INOTIFY_EVENT,
				     sizeof(*ev), name, ev->name_len);
		name += ev->name_len;
	}
	return ret;
}

/**
 * inotify_checkpoint() - write the INOTIFY record of an inotify file
 * @ctx: checkpoint context
 * @file: the inotify file
 * @who: what @file is, for the log ("fd 3")
 * @objref: object id of its INOTIFY record, on return
 *
 * Writes the INOTIFY record, one INOTIFY_WATCH per watch and one
 * INOTIFY_EVENT per queued event, without changing the file.
 *
 * Context: may sleep; takes the group's mark mutex and the namespace
 * lock.
 * Return: 0 or a negative errno (with a log line): -EOPNOTSUPP for a
 * watched inode that has no path from the checkpointer's root.
 */
int inotify_checkpoint(struct ckpt_ctx *ctx, struct file *file,
		       const char *who, u32 *objref)
{
	struct fsnotify_group *group = inotify_file_group(file);
	struct ckpt_hdr_inotify h = {};
	struct ckpt_inotify_watch *w;
	struct ckpt_inotify_queue q;
	unsigned int nr, next;
	int ret;

	if (!group)
		return ckpt_err(ctx, -EINVAL, "%s: not an inotify file", who);
	ret = ckpt_inotify_watches(ctx, group, who, &w, &nr);
	if (ret)
		return ret;
	ret = ckpt_inotify_queue(ctx, group, who, &q);
	if (ret)
		goto put_watches;
	/* Its FILE is written once: so is it */
	ret = ckpt_obj_lookup_add(ctx, file, CKPT_OBJ_INOTIFY, objref);
	if (ret <= 0)
		goto free_queue;

	spin_lock(&group->inotify_data.idr_lock);
	next = idr_get_cursor(&group->inotify_data.idr);
	spin_unlock(&group->inotify_data.idr_lock);
	/* The search starts from 1 below it, and wraps past INT_MAX */
	h.next_wd = next < 1 || next > INT_MAX ? 1 : next;
	h.objref = *objref;
	h.nr_watches = nr;
	h.nr_events = q.nr;
	ret = ckpt_write_obj(ctx, &h, CKPT_HDR_INOTIFY);
	if (!ret)
		ret = ckpt_inotify_watches_write(ctx, who, w, nr);
	if (!ret)
		ret = ckpt_inotify_events_write(ctx, &q);
free_queue:
	ckpt_inotify_queue_free(&q);
put_watches:
	ckpt_inotify_watches_put(w, nr);
	return ret;
}

/* What restart adds to a new inotify file once the image is read */
struct ckpt_inotify_rst {
	struct file *file;
	u32 objref;
	u32 next_wd;
	u32 nr_watches;
	struct ckpt_inotify_rst_watch {
		struct path path;
		u32 wd;
		u32 mask;
	} *watches;
	/* inotify_event_info, linked by their fse.list */
	struct list_head events;
};

static void ckpt_inotify_rst_free(void *data)
{
	struct ckpt_inotify_rst *r = data;
	struct fsnotify_event *fse, *tmp;
	u32 i;

	list_for_each_entry_safe(fse, tmp, &r->events, list) {
		list_del(&fse->list);
		kfree(INOTIFY_E(fse));
	}
	for (i = 0; i < r->nr_watches; i++)
		path_put(&r->watches[i].path);
	kvfree(r->watches);
	if (r->file)
		fput(r->file);
	kfree(r);
}

/* Add the watches, queue the events: the deferred step of a restore */
static int ckpt_inotify_rst_run(struct ckpt_ctx *ctx, void *data)
{
	struct ckpt_inotify_rst *r = data;
	struct fsnotify_group *group = inotify_file_group(r->file);
	struct ckpt_inotify_rst_watch *w;
	struct fsnotify_event *fse, *tmp;
	u32 i;
	int ret;

	for (i = 0; i < r->nr_watches; i++) {
		w = &r->watches[i];
		ret = inotify_file_add_watch(r->file, &w->path, w->mask, w->wd);
		if (ret < 0)
			return ckpt_err(ctx, ret,
					"inotify %u: cannot add watch %u on %pd",
					r->objref, w->wd, w->path.dentry);
	}
	spin_lock(&group->inotify_data.idr_lock);
	idr_set_cursor(&group->inotify_data.idr, r->next_wd);
	spin_unlock(&group->inotify_data.idr_lock);

	list_for_each_entry_safe(fse, tmp, &r->events, list) {
		list_del_init(&fse->list);
		if (INOTIFY_E(fse)->mask & IN_Q_OVERFLOW) {
			kfree(INOTIFY_E(fse));
			fsnotify_queue_overflow(group);
		} else if (fsnotify_add_event(group, fse, NULL)) {
			/* Past the restarter's max_queued_events */
			kfree(INOTIFY_E(fse));
		}
	}
	return 0;
}

/* Check an INOTIFY_WATCH record, and look its path up into @w */
static int ckpt_inotify_watch_read(struct ckpt_ctx *ctx, u32 objref,
				   u32 *prev_wd, struct ckpt_inotify_rst_watch *w)
{
	const struct ckpt_hdr_inotify_watch *h;
	const char *name;
	struct ckpt_hdr *rec;
	umode_t mode;
	int ret;

	rec = ckpt_read_rec_type(ctx, CKPT_HDR_INOTIFY_WATCH);
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	h = (const void *)rec;
	name = (const char *)(h + 1);
	ret = ckpt_rec_payload(ctx, rec, sizeof(*h), h->path_len);
	if (ret)
		return ret;
	ret = file_check_path(ctx, name, h->path_len,
			      "INOTIFY_WATCH record path");
	if (ret)
		return ret;
	if (h->wd <= *prev_wd || h->wd > INT_MAX)
		return ckpt_bad(ctx, "INOTIFY_WATCH", "wd", "%u after %u",
				h->wd, *prev_wd);
	if (h->mask & ~CKPT_INOTIFY_WATCH_BITS)
		return ckpt_bad(ctx, "INOTIFY_WATCH", "mask", "%#x", h->mask);
	mode = h->mode;
	if (h->mode & ~S_IFMT || !(S_ISREG(mode) || S_ISDIR(mode) ||
				   S_ISCHR(mode) || S_ISBLK(mode) ||
				   S_ISFIFO(mode) || S_ISLNK(mode) ||
				   S_ISSOCK(mode)))
		return ckpt_bad(ctx, "INOTIFY_WATCH", "mode", "%#o", h->mode);
	*prev_wd = h->wd;
	if (!w)
		return 0;

	/* The name of the watched inode itself: no symlink to follow */
	ret = kern_path(name, 0, &w->path);
	if (ret)
		return ckpt_err(ctx, ret, "inotify %u: watch %u: %s: %s",
				objref, h->wd, name,
				ret == -ENOENT ? "no such file or directory" :
				"cannot look it up");
	if ((d_inode(w->path.dentry)->i_mode ^ mode) & S_IFMT) {
		ret = ckpt_err(ctx, -ESTALE,
			       "inotify %u: watch %u: %s now of type %#o, was %#o",
			       objref, h->wd, name,
			       d_inode(w->path.dentry)->i_mode & S_IFMT, mode);
		path_put(&w->path);
		return ret;
	}
	w->wd = h->wd;
	w->mask = h->mask;
	return 0;
}

/* Check an INOTIFY_EVENT record; make its event for @r, if any */
static int ckpt_inotify_event_read(struct ckpt_ctx *ctx,
				   struct ckpt_inotify_rst *r,
				   struct fsnotify_group *group)
{
	const struct ckpt_hdr_inotify_event *h;
	struct inotify_event_info *e;
	struct mem_cgroup *old_memcg;
	const char *name;
	struct ckpt_hdr *rec;
	bool overflow;
	int ret;

	rec = ckpt_read_rec_type(ctx, CKPT_HDR_INOTIFY_EVENT);
	if (IS_ERR(rec))
		return PTR_ERR(rec);
	h = (const void *)rec;
	name = (const char *)(h + 1);
	ret = ckpt_rec_payload(ctx, rec, sizeof(*h), h->name_len);
	if (ret)
		return ret;
	if (h->name_len) {
		if (h->name_len < 2 || h->name_len > NAME_MAX + 1)
			return ckpt_bad(ctx, "INOTIFY_EVENT", "name_len", "%u",
					h->name_len);
		ret = ckpt_check_string(ctx, name, h->name_len,
					"INOTIFY_EVENT record name");
		if (ret)
			return ret;
		if (strchr(name, '/'))
			return ckpt_bad(ctx, "INOTIFY_EVENT", "name", "%s",
					name);
	}
	if (!h->mask || h->mask & ~CKPT_INOTIFY_EVENT_BITS)
		return ckpt_bad(ctx, "INOTIFY_EVENT", "mask", "%#x", h->mask);
	overflow = h->mask & IN_Q_OVERFLOW;
	if (overflow && (h->mask != IN_Q_OVERFLOW ||
			 h->wd != CKPT_INOTIFY_WD_NONE || h->name_len))
		return ckpt_bad(ctx, "INOTIFY_EVENT", "overflow event",
				"wd %u mask %#x", h->wd, h->mask);
	if (!overflow && (h->wd < 1 || h->wd > INT_MAX))
		return ckpt_bad(ctx, "INOTIFY_EVENT", "wd", "%u", h->wd);
	if (!r)
		return 0;

	/* Charged where the events of the group are */
	old_memcg = set_active_memcg(group->memcg);
	e = kmalloc(struct_size(e, name, h->name_len), GFP_KERNEL_ACCOUNT);
	set_active_memcg(old_memcg);
	if (!e)
		return -ENOMEM;
	fsnotify_init_event(&e->fse);
	e->mask = h->mask;
	e->wd = overflow ? -1 : h->wd;
	e->sync_cookie = h->cookie;
	e->name_len = h->name_len ? h->name_len - 1 : 0;
	memcpy(e->name, name, h->name_len);
	list_add_tail(&e->fse.list, &r->events);
	return 0;
}

/* A new inotify file, and what to add to it once the image is read */
static struct ckpt_inotify_rst *ckpt_inotify_rst_new(struct ckpt_ctx *ctx,
						     const struct ckpt_hdr_inotify *h)
{
	struct ckpt_inotify_rst *r;
	int ret = -ENOMEM;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	INIT_LIST_HEAD(&r->events);
	r->objref = h->objref;
	r->next_wd = h->next_wd;
	r->watches = kvcalloc(max(h->nr_watches, 1U), sizeof(*r->watches),
			      GFP_KERNEL_ACCOUNT);
	if (!r->watches)
		goto free;
	r->file = inotify_file_create(0);
	if (IS_ERR(r->file)) {
		ret = ckpt_err(ctx, PTR_ERR(r->file),
			       "inotify %u: cannot make it", h->objref);
		r->file = NULL;
		goto free;
	}
	return r;
free:
	ckpt_inotify_rst_free(r);
	return ERR_PTR(ret);
}

/**
 * inotify_restore() - rebuild an inotify file from an INOTIFY record
 * @ctx: restart context
 * @h: the INOTIFY record, as read
 *
 * Checks the record and reads its INOTIFY_WATCH and INOTIFY_EVENT
 * records.  Unless only verifying, makes an inotify file, looks up the
 * path of every watch with the restarter's rights, and defers the
 * adding of the watches and the queueing of the events to the end of
 * the restore (ckpt_defer()).
 *
 * Return: 0, -EINVAL for a bad record (with a log line naming the
 * field), the error of a read, or when restoring the error of making
 * the file (-EMFILE above the restarter's limit of inotify instances)
 * or of a lookup (-ENOENT, -EACCES), or -ESTALE for a path that is now
 * of another type.
 */
int inotify_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_inotify *h)
{
	struct ckpt_hdr_inotify n = *h;
	struct fsnotify_group *group = NULL;
	struct ckpt_inotify_rst *r = NULL;
	u32 i, prev = 0;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (n.nr_watches > CKPT_INOTIFY_WATCHES_MAX)
		return ckpt_bad(ctx, "INOTIFY", "nr_watches", "%u",
				n.nr_watches);
	if (n.nr_events > CKPT_INOTIFY_EVENTS_MAX)
		return ckpt_bad(ctx, "INOTIFY", "nr_events", "%u",
				n.nr_events);
	if (n.next_wd < 1 || n.next_wd > INT_MAX)
		return ckpt_bad(ctx, "INOTIFY", "next_wd", "%u", n.next_wd);
	if (!ckpt_verify_only(ctx)) {
		r = ckpt_inotify_rst_new(ctx, &n);
		if (IS_ERR(r))
			return PTR_ERR(r);
		group = inotify_file_group(r->file);
	}

	for (i = 0; i < n.nr_watches; i++) {
		ret = ckpt_inotify_watch_read(ctx, n.objref, &prev,
					      r ? &r->watches[i] : NULL);
		if (ret)
			goto free;
		if (r)
			r->nr_watches++;
	}
	for (i = 0; i < n.nr_events; i++) {
		ret = ckpt_inotify_event_read(ctx, r, group);
		if (ret)
			goto free;
	}
	if (!r)
		return ckpt_obj_define(ctx, n.objref, CKPT_OBJ_INOTIFY);

	/* The table takes this reference, also on failure */
	ret = ckpt_obj_insert(ctx, n.objref, CKPT_OBJ_INOTIFY,
			      get_file(r->file));
	if (ret)
		goto free;
	return ckpt_defer(ctx, ckpt_inotify_rst_run, ckpt_inotify_rst_free, r);
free:
	if (r)
		ckpt_inotify_rst_free(r);
	return ret;
}
