// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of epoll files.
 *
 * An epoll file is an object of the image: an EPOLL record, then an
 * EPOLL_ITEM record per item of its interest list, each naming the
 * FILE record of its target (written first, so that targets, nested
 * epoll files included, come before the epoll files watching them),
 * the fd it was added with, its event mask and its user data.
 *
 * Restart makes a new epoll file and adds each item to it as
 * epoll_ctl(EPOLL_CTL_ADD) would, with every check of epoll_ctl(): the
 * restarter's limit on watches, CAP_BLOCK_SUSPEND for EPOLLWAKEUP, no
 * loops.  Readiness is not saved: adding an item polls its target, so
 * what is ready is reported again (once more for an edge-triggered
 * item whose event was already reported), and a disarmed EPOLLONESHOT
 * item comes back armed for EPOLLERR and EPOLLHUP only.
 */

#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
/* Not self-contained: needs struct file and __put_user() first */
#include <linux/eventpoll.h>

/* Event bits an item may have (include/uapi/linux/eventpoll.h) */
#define CKPT_EPOLL_EVENTS						\
	(EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLNVAL | \
	 EPOLLRDNORM | EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND |	\
	 EPOLLMSG | EPOLLRDHUP | EPOLLEXCLUSIVE | EPOLLWAKEUP |		\
	 EPOLLONESHOT | EPOLLET)

/**
 * epoll_ckpt_file() - whether a file is an epoll file
 * @file: the file
 *
 * Return: true for an epoll file.
 */
bool epoll_ckpt_file(struct file *file)
{
	return epoll_file_items(file, NULL, 0) >= 0;
}

/* The items of @file with a reference to each file, kvmalloc()ed */
static int ckpt_epoll_items(struct ckpt_ctx *ctx, struct file *file,
			    const char *who, struct epoll_item_info **itemsp,
			    unsigned int *nrp)
{
	struct epoll_item_info *items = NULL;
	unsigned int max = 0;
	int nr;

	for (;;) {
		nr = epoll_file_items(file, items, max);
		if (nr < 0 || nr <= max)
			break;
		/* Grew meanwhile: drop what was taken, and try bigger */
		while (max)
			fput(items[--max].file);
		kvfree(items);
		max = nr + 8;
		items = kvcalloc(max, sizeof(*items), GFP_KERNEL);
		if (!items)
			return -ENOMEM;
	}
	if (nr < 0) {
		kvfree(items);
		return ckpt_err(ctx, nr, "%s: not an epoll file", who);
	}
	*itemsp = items;
	*nrp = nr;
	return 0;
}

/* The targets of @items, then the EPOLL and EPOLL_ITEM records */
static int ckpt_epoll_write(struct ckpt_ctx *ctx, struct file *file,
			    const char *who, u32 *objref,
			    const struct epoll_item_info *items,
			    unsigned int nr)
{
	struct ckpt_hdr_epoll h = {};
	struct ckpt_hdr_epoll_item *recs;
	unsigned int i;
	int ret = 0;

	recs = kvcalloc(max(nr, 1U), sizeof(*recs), GFP_KERNEL);
	if (!recs)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (items[i].fd < 0 || items[i].fd >= CKPT_FD_MAX) {
			ret = ckpt_err(ctx, -EOPNOTSUPP,
				       "%s: item of fd %d not supported", who,
				       items[i].fd);
			goto out;
		}
		ret = file_checkpoint(ctx, items[i].file, &recs[i].file_ref);
		if (ret) {
			ckpt_err(ctx, ret, "%s: cannot save the file of fd %d",
				 who, items[i].fd);
			goto out;
		}
		recs[i].fd = items[i].fd;
		recs[i].events = (__force u32)items[i].events;
		recs[i].data = items[i].data;
	}
	/* After the targets, which took the ids before it */
	ret = ckpt_obj_lookup_add(ctx, file, CKPT_OBJ_EPOLL, objref);
	if (ret < 0)
		goto out;
	h.objref = *objref;
	h.nr_items = nr;
	ret = ckpt_write_obj(ctx, &h, CKPT_HDR_EPOLL);
	for (i = 0; !ret && i < nr; i++)
		ret = ckpt_write_obj(ctx, &recs[i], CKPT_HDR_EPOLL_ITEM);
out:
	kvfree(recs);
	return ret;
}

/**
 * epoll_checkpoint() - write the EPOLL record of an epoll file
 * @ctx: checkpoint context
 * @file: the epoll file
 * @who: what @file is, for the log ("fd 3")
 * @objref: object id of its EPOLL record, on return
 *
 * Writes the FILE records of the targets first (those not written yet),
 * then the EPOLL record and one EPOLL_ITEM per item.
 *
 * Context: may sleep; takes the epoll file's mutex.
 * Return: 0 or a negative errno (with a log line): -EOPNOTSUPP for a
 * target that cannot be saved.
 */
int epoll_checkpoint(struct ckpt_ctx *ctx, struct file *file, const char *who,
		     u32 *objref)
{
	struct epoll_item_info *items;
	unsigned int nr, i;
	int ret;

	ret = ckpt_epoll_items(ctx, file, who, &items, &nr);
	if (ret)
		return ret;
	ret = ckpt_epoll_write(ctx, file, who, objref, items, nr);
	for (i = 0; i < nr; i++)
		fput(items[i].file);
	kvfree(items);
	return ret;
}

/* Check an EPOLL_ITEM record, and add its item to @ep */
static int ckpt_epoll_item(struct ckpt_ctx *ctx, const struct ckpt_hdr_epoll *h,
			   const struct ckpt_hdr *rec, struct file *ep)
{
	const struct ckpt_hdr_epoll_item *it = (const void *)rec;
	struct ckpt_hdr_epoll_item i = *it;
	struct epoll_event ev;
	struct file *target;
	int ret;

	ret = ckpt_rec_payload(ctx, rec, sizeof(i), 0);
	if (ret)
		return ret;
	ret = ckpt_check_pad(ctx, &i.__pad, sizeof(i.__pad),
			     "EPOLL_ITEM record");
	if (ret)
		return ret;
	if (i.fd >= CKPT_FD_MAX)
		return ckpt_bad(ctx, "EPOLL_ITEM", "fd", "%u", i.fd);
	if (i.events & ~(__force u32)CKPT_EPOLL_EVENTS)
		return ckpt_bad(ctx, "EPOLL_ITEM", "events", "%#x", i.events);
	ret = ckpt_obj_check(ctx, i.file_ref, CKPT_OBJ_FILE, false,
			     "EPOLL_ITEM record file_ref");
	if (ret || !ep)
		return ret;

	target = ckpt_obj_fetch(ctx, i.file_ref, CKPT_OBJ_FILE);
	if (!target)
		return ckpt_err(ctx, -EINVAL, "epoll %u: file %u was not reopened",
				h->objref, i.file_ref);
	/* epoll_ctl() would drop it silently: refuse it instead */
	if (i.events & (__force u32)EPOLLWAKEUP && !capable(CAP_BLOCK_SUSPEND))
		return ckpt_err(ctx, -EPERM,
				"epoll %u: EPOLLWAKEUP on fd %u needs CAP_BLOCK_SUSPEND",
				h->objref, i.fd);
	ev.events = (__force __poll_t)i.events;
	ev.data = i.data;
	ret = epoll_file_ctl(ep, EPOLL_CTL_ADD, target, i.fd, &ev, false);
	if (ret)
		return ckpt_err(ctx, ret, "epoll %u: cannot add fd %u (%pD)",
				h->objref, i.fd, target);
	return 0;
}

/**
 * epoll_restore() - rebuild an epoll file from an EPOLL record
 * @ctx: restart context
 * @h: the EPOLL record, as read
 *
 * Checks the record and reads its EPOLL_ITEM records.  Unless only
 * verifying, makes an epoll file and adds every item to it, as
 * epoll_ctl(EPOLL_CTL_ADD) does.
 *
 * Return: 0, -EINVAL for a bad record (with a log line naming the
 * field), the error of a read, or when restoring -EPERM for EPOLLWAKEUP
 * without CAP_BLOCK_SUSPEND, or the error of epoll_ctl() (-ENOSPC above
 * the restarter's limit on watches, -ELOOP...).
 */
int epoll_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_epoll *h)
{
	struct ckpt_hdr_epoll e = *h;
	struct file *ep = NULL;
	struct ckpt_hdr *rec;
	u32 n;
	int ret;

	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (e.nr_items > CKPT_EPOLL_ITEMS_MAX)
		return ckpt_bad(ctx, "EPOLL", "nr_items", "%u", e.nr_items);
	if (!ckpt_verify_only(ctx)) {
		ep = epoll_file_create(0);
		if (IS_ERR(ep))
			return ckpt_err(ctx, PTR_ERR(ep), "epoll %u: cannot make it",
					e.objref);
	}
	for (n = 0; n < e.nr_items; n++) {
		rec = ckpt_read_rec_type(ctx, CKPT_HDR_EPOLL_ITEM);
		ret = PTR_ERR_OR_ZERO(rec);
		if (!ret)
			ret = ckpt_epoll_item(ctx, &e, rec, ep);
		if (ret)
			goto put;
	}
	return ckpt_obj_insert(ctx, e.objref, CKPT_OBJ_EPOLL, ep);
put:
	if (ep)
		fput(ep);
	return ret;
}
