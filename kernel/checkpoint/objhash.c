// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the object table.
 *
 * Kernel objects that tasks share (credentials, an mm, open files...)
 * are written once, by the record that defines them, and get an
 * object id: 1, 2, 3... in stream order.  Checkpoint maps kernel
 * pointers to ids and holds a reference on each object until the end,
 * so that no pointer is reused by another object meanwhile.  Restart
 * maps ids back to their type and to what it built, if anything: a
 * struct ckpt_robj holding a reference.
 */

#include <linux/checkpoint.h>
#include <linux/nsproxy.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/hashtable.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "checkpoint.h"

/**
 * struct ckpt_obj - an entry of the checkpoint object table
 * @node: link in ckpt_ctx.obj_hash
 * @ptr: the kernel object
 * @type: its type
 * @objref: its id
 * @users: how many times ckpt_obj_lookup_add() was called for it
 */
struct ckpt_obj {
	struct hlist_node node;
	void *ptr;
	enum ckpt_obj_type type;
	u32 objref;
	unsigned int users;
};

static void ckpt_obj_grab(void *ptr, enum ckpt_obj_type type)
{
	struct fs_struct *fs;

	switch (type) {
	case CKPT_OBJ_PIPE:
	case CKPT_OBJ_MEMFD:
	case CKPT_OBJ_GHOST:
		ihold(ptr);
		break;
	case CKPT_OBJ_EVENTFD:
	case CKPT_OBJ_SIGNALFD:
	case CKPT_OBJ_TIMERFD:
	case CKPT_OBJ_EPOLL:
	case CKPT_OBJ_INOTIFY:
	case CKPT_OBJ_PTY:
		get_file(ptr);
		break;
	case CKPT_OBJ_CRED:
		get_cred(ptr);
		break;
	case CKPT_OBJ_FILE:
		get_file(ptr);
		break;
	case CKPT_OBJ_FILES:
		atomic_inc(&((struct files_struct *)ptr)->count);
		break;
	case CKPT_OBJ_FS:
		fs = ptr;
		spin_lock(&fs->lock);
		fs->users++;
		spin_unlock(&fs->lock);
		break;
	case CKPT_OBJ_MM:
		mmgrab(ptr);
		break;
	case CKPT_OBJ_SIGHAND:
		refcount_inc(&((struct sighand_struct *)ptr)->count);
		break;
	case CKPT_OBJ_SIGNAL:
		/* Kept by the tasks of the checkpoint, which are referenced */
		break;
	case CKPT_OBJ_SEM_UNDO:
		/* The caller's reference goes to the table */
		break;
	}
}

/*
 * Drop the reference of the table: a checkpoint holds the objects
 * themselves, a restart what it built for them (see ckpt_obj_grab()
 * and the X_restore() functions).
 */
static void ckpt_obj_drop(struct ckpt_ctx *ctx, void *ptr,
			  enum ckpt_obj_type type, bool restart)
{
	struct fs_struct *fs;
	bool last;

	switch (type) {
	case CKPT_OBJ_PIPE:
	case CKPT_OBJ_MEMFD:
	case CKPT_OBJ_GHOST:
		/* The inode, or a file opened on a new one */
		if (restart)
			fput(ptr);
		else
			iput(ptr);
		break;
	case CKPT_OBJ_EVENTFD:
	case CKPT_OBJ_SIGNALFD:
	case CKPT_OBJ_TIMERFD:
	case CKPT_OBJ_EPOLL:
	case CKPT_OBJ_INOTIFY:
	case CKPT_OBJ_PTY:
		/* The file (a pty's master for a PTY), saved or made */
		fput(ptr);
		break;
	case CKPT_OBJ_CRED:
		put_cred(ptr);
		break;
	case CKPT_OBJ_FILE:
		fput(ptr);
		break;
	case CKPT_OBJ_FILES:
		put_files_struct(ptr);
		break;
	case CKPT_OBJ_FS:
		fs = ptr;
		spin_lock(&fs->lock);
		last = !--fs->users;
		spin_unlock(&fs->lock);
		if (last)
			free_fs_struct(fs);
		break;
	case CKPT_OBJ_MM:
		mmdrop(ptr);
		break;
	case CKPT_OBJ_SIGHAND:
		__cleanup_sighand(ptr);
		break;
	case CKPT_OBJ_SIGNAL:
		/* Restart keeps a copy of the record; checkpoint holds none */
		if (restart)
			kvfree(ptr);
		break;
	case CKPT_OBJ_SEM_UNDO:
		/* A checkpoint's reference (sem_ckpt_undo_save()) */
		if (!restart)
			sem_ckpt_undo_put(ptr, ctx->nsproxy->ipc_ns);
		break;
	}
}

/**
 * ckpt_obj_lookup_add() - find or add an object of a checkpoint
 * @ctx: checkpoint context
 * @ptr: the kernel object; the caller holds a reference to it
 * @type: its type
 * @objref: its id, on return
 *
 * When the object is new, it gets the next id and the table takes a
 * reference to it; the caller must then write the record defining it
 * before adding any other object, so that ids appear in order.
 *
 * Return: 1 if the object is new, 0 if it was known, or -ENOMEM.
 */
int ckpt_obj_lookup_add(struct ckpt_ctx *ctx, void *ptr,
			enum ckpt_obj_type type, u32 *objref)
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->obj_hash, obj, node, (unsigned long)ptr) {
		if (obj->ptr == ptr && obj->type == type) {
			obj->users++;
			*objref = obj->objref;
			return 0;
		}
	}
	obj = kmalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		return -ENOMEM;
	ckpt_obj_grab(ptr, type);
	obj->ptr = ptr;
	obj->type = type;
	obj->objref = ctx->next_objref++;
	obj->users = 1;
	hash_add(ctx->obj_hash, &obj->node, (unsigned long)ptr);
	*objref = obj->objref;
	return 1;
}

/**
 * ckpt_obj_find() - find an object of a checkpoint
 * @ctx: checkpoint context
 * @ptr: the kernel object
 * @type: its type
 * @objref: its id, on return, if it was found
 *
 * Return: whether the object is in the table.
 */
bool ckpt_obj_find(struct ckpt_ctx *ctx, void *ptr, enum ckpt_obj_type type,
		   u32 *objref)
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->obj_hash, obj, node, (unsigned long)ptr) {
		if (obj->ptr == ptr && obj->type == type) {
			*objref = obj->objref;
			return true;
		}
	}
	return false;
}

/**
 * ckpt_obj_for_each() - call a function for each object of a type
 * @ctx: checkpoint context
 * @type: the type
 * @fn: the function; it gets the object, its id and how many times
 *	ckpt_obj_lookup_add() was called for it, and returns 0 or an errno
 *
 * Return: 0, or the first error @fn returned (which stops the walk).
 */
int ckpt_obj_for_each(struct ckpt_ctx *ctx, enum ckpt_obj_type type,
		      int (*fn)(struct ckpt_ctx *ctx, void *ptr, u32 objref,
				unsigned int users))
{
	struct ckpt_obj *obj;
	int bkt, ret;

	hash_for_each(ctx->obj_hash, bkt, obj, node) {
		if (obj->type != type)
			continue;
		ret = fn(ctx, obj->ptr, obj->objref, obj->users);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * struct ckpt_robj - an object of an image being restarted
 * @type: its type
 * @claimed: a record took it for itself (ckpt_obj_claim())
 * @ptr: what was built for it, referenced, or NULL
 */
struct ckpt_robj {
	enum ckpt_obj_type type;
	bool claimed;
	void *ptr;
};

/**
 * ckpt_obj_insert() - note an object defined by a record of an image
 * @ctx: restart context
 * @objref: its id, from the record
 * @type: its type
 * @ptr: what was built for it, or NULL; the table takes over the
 *	caller's reference, also on failure
 *
 * Return: 0, -EINVAL if @objref is not the next id, or -ENOMEM.
 */
int ckpt_obj_insert(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type,
		    void *ptr)
{
	struct ckpt_robj *obj;
	int ret;

	if (objref != ctx->next_objref) {
		ret = ckpt_err(ctx, -EINVAL,
			       "%s object: id %u out of sequence, expected %u",
			       ckpt_rec_name(type), objref, ctx->next_objref);
		goto drop;
	}
	ret = -ENOMEM;
	obj = kmalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj)
		goto drop;
	obj->type = type;
	obj->claimed = false;
	obj->ptr = ptr;
	ret = xa_insert(&ctx->obj_ids, objref, obj, GFP_KERNEL);
	if (ret) {
		kfree(obj);
		goto drop;
	}
	ctx->next_objref++;
	return 0;

drop:
	if (ptr)
		ckpt_obj_drop(ctx, ptr, type, true);
	return ret;
}

/**
 * ckpt_obj_define() - note an object for which nothing was built
 * @ctx: restart context
 * @objref: its id, from the record
 * @type: its type
 *
 * Return: 0, -EINVAL if @objref is not the next id, or -ENOMEM.
 */
int ckpt_obj_define(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type)
{
	return ckpt_obj_insert(ctx, objref, type, NULL);
}

/**
 * ckpt_obj_fetch() - what was built for an object of an image
 * @ctx: restart context
 * @objref: its id, already checked with ckpt_obj_check()
 * @type: its type
 *
 * Return: the object (the table keeps the reference), or NULL.
 */
void *ckpt_obj_fetch(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type)
{
	struct ckpt_robj *obj = xa_load(&ctx->obj_ids, objref);

	return obj && obj->type == type ? obj->ptr : NULL;
}

/**
 * ckpt_obj_check() - check a reference to an object of an image
 * @ctx: restart context
 * @objref: the reference
 * @type: the type the object must have
 * @optional: whether 0 (no object) is allowed
 * @what: what the reference is, for the log
 *
 * Return: 0, or -EINVAL if the reference is dangling or of a wrong type.
 */
int ckpt_obj_check(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_type type,
		   bool optional, const char *what)
{
	struct ckpt_robj *obj;

	if (!objref) {
		if (optional)
			return 0;
		return ckpt_err(ctx, -EINVAL, "%s: missing object reference",
				what);
	}
	obj = xa_load(&ctx->obj_ids, objref);
	if (!obj)
		return ckpt_err(ctx, -EINVAL, "%s: dangling object reference %u",
				what, objref);
	if (obj->type != type)
		return ckpt_err(ctx, -EINVAL,
				"%s: object %u is a %s, not a %s", what, objref,
				ckpt_rec_name(obj->type), ckpt_rec_name(type));
	return 0;
}

/**
 * ckpt_obj_claim() - take an object of an image only one record may use
 * @ctx: restart context
 * @objref: its id, already checked with ckpt_obj_check()
 * @what: the record that takes it, for the log
 *
 * Return: 0, or -EINVAL (with a log line) if a record took it already.
 */
int ckpt_obj_claim(struct ckpt_ctx *ctx, u32 objref, const char *what)
{
	struct ckpt_robj *obj = xa_load(&ctx->obj_ids, objref);

	if (!obj)
		return ckpt_err(ctx, -EINVAL, "%s: dangling object reference %u",
				what, objref);
	if (obj->claimed)
		return ckpt_err(ctx, -EINVAL, "%s: object %u is taken already",
				what, objref);
	obj->claimed = true;
	return 0;
}

/* Drop every object of the table */
void ckpt_obj_table_free(struct ckpt_ctx *ctx)
{
	struct ckpt_robj *robj;
	struct hlist_node *tmp;
	struct ckpt_obj *obj;
	unsigned long id;
	int bkt;

	hash_for_each_safe(ctx->obj_hash, bkt, tmp, obj, node) {
		hash_del(&obj->node);
		ckpt_obj_drop(ctx, obj->ptr, obj->type, false);
		kfree(obj);
	}
	xa_for_each(&ctx->obj_ids, id, robj) {
		if (robj->ptr)
			ckpt_obj_drop(ctx, robj->ptr, robj->type, true);
		kfree(robj);
	}
	xa_destroy(&ctx->obj_ids);
}
