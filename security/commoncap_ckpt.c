// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of credentials: ids, groups, securebits and the
 * five capability sets.
 *
 * Ids are written as seen from the checkpointer's user namespace, and
 * each capability set as a __u64 bitmap, bit n for capability n.
 */

#include <linux/capability.h>
#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/securebits.h>
#include <linux/slab.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

static u64 cap_checkpoint(kernel_cap_t cap)
{
	BUILD_BUG_ON(sizeof(__u64) != sizeof(kernel_cap_t));
	return cap.val;
}

/**
 * cap_cred_checkpoint() - write a set of credentials, once
 * @ctx: checkpoint context
 * @cred: the credentials
 * @objref: their object id, on return
 *
 * Return: 0 or a negative errno.
 */
int cap_cred_checkpoint(struct ckpt_ctx *ctx, const struct cred *cred,
			u32 *objref)
{
	/* The tree's: the caller's, or a container's own */
	struct user_namespace *ns = ctx->user_ns;
	const struct group_info *gi = cred->group_info;
	struct ckpt_hdr_cred h = {};
	u32 *groups = NULL;
	int i, ret;

	ret = ckpt_obj_lookup_add(ctx, (void *)cred, CKPT_OBJ_CRED, objref);
	if (ret <= 0)
		return ret;

	h.objref = *objref;
	h.uid = from_kuid_munged(ns, cred->uid);
	h.euid = from_kuid_munged(ns, cred->euid);
	h.suid = from_kuid_munged(ns, cred->suid);
	h.fsuid = from_kuid_munged(ns, cred->fsuid);
	h.gid = from_kgid_munged(ns, cred->gid);
	h.egid = from_kgid_munged(ns, cred->egid);
	h.sgid = from_kgid_munged(ns, cred->sgid);
	h.fsgid = from_kgid_munged(ns, cred->fsgid);
	h.securebits = cred->securebits;
	h.cap_inheritable = cap_checkpoint(cred->cap_inheritable);
	h.cap_permitted = cap_checkpoint(cred->cap_permitted);
	h.cap_effective = cap_checkpoint(cred->cap_effective);
	h.cap_bset = cap_checkpoint(cred->cap_bset);
	h.cap_ambient = cap_checkpoint(cred->cap_ambient);

	h.ngroups = gi->ngroups;
	if (h.ngroups) {
		groups = kvmalloc_array(h.ngroups, sizeof(*groups), GFP_KERNEL);
		if (!groups)
			return -ENOMEM;
		for (i = 0; i < gi->ngroups; i++)
			groups[i] = from_kgid_munged(ns, gi->gid[i]);
	}
	ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_CRED, sizeof(h), groups,
			     h.ngroups * sizeof(*groups));
	kvfree(groups);
	return ret;
}

static int cap_check_uid(struct ckpt_ctx *ctx, u32 uid, const char *what)
{
	if (!uid_valid(make_kuid(current_user_ns(), uid)))
		return ckpt_err(ctx, -EINVAL, "cred: %s %u is not mapped",
				what, uid);
	return 0;
}

static int cap_check_gid(struct ckpt_ctx *ctx, u32 gid, const char *what)
{
	if (!gid_valid(make_kgid(current_user_ns(), gid)))
		return ckpt_err(ctx, -EINVAL, "cred: %s %u is not mapped",
				what, gid);
	return 0;
}

static int cap_check_ids(struct ckpt_ctx *ctx, const struct ckpt_hdr_cred *h)
{
	const u32 *groups = (const u32 *)(h + 1);
	int ret;
	u32 i;

	ret = cap_check_uid(ctx, h->uid, "uid");
	if (!ret)
		ret = cap_check_uid(ctx, h->euid, "euid");
	if (!ret)
		ret = cap_check_uid(ctx, h->suid, "suid");
	if (!ret)
		ret = cap_check_uid(ctx, h->fsuid, "fsuid");
	if (!ret)
		ret = cap_check_gid(ctx, h->gid, "gid");
	if (!ret)
		ret = cap_check_gid(ctx, h->egid, "egid");
	if (!ret)
		ret = cap_check_gid(ctx, h->sgid, "sgid");
	if (!ret)
		ret = cap_check_gid(ctx, h->fsgid, "fsgid");
	for (i = 0; !ret && i < h->ngroups; i++)
		ret = cap_check_gid(ctx, groups[i], "group");
	return ret;
}

static int cap_check_caps(struct ckpt_ctx *ctx, const struct ckpt_hdr_cred *h)
{
	if ((h->cap_inheritable | h->cap_permitted | h->cap_effective |
	     h->cap_bset | h->cap_ambient) & ~CAP_VALID_MASK)
		return ckpt_err(ctx, -EINVAL, "cred: unknown capabilities");
	if (h->cap_effective & ~h->cap_permitted)
		return ckpt_err(ctx, -EINVAL,
				"cred: effective capabilities not permitted");
	if (h->cap_ambient & ~(h->cap_permitted & h->cap_inheritable))
		return ckpt_err(ctx, -EINVAL,
				"cred: ambient capabilities not permitted and inheritable");
	if (h->securebits & ~(SECURE_ALL_BITS | SECURE_ALL_LOCKS))
		return ckpt_err(ctx, -EINVAL, "cred: unknown securebits %#x",
				h->securebits);
	return 0;
}

static kernel_cap_t cap_restore(u64 cap)
{
	return (kernel_cap_t) { cap };
}

/* Whether the restarter may take uid @uid: setresuid()'s rule */
static bool cap_uid_ok(const struct cred *old, kuid_t uid)
{
	return uid_eq(uid, old->uid) || uid_eq(uid, old->euid) ||
	       uid_eq(uid, old->suid) ||
	       ns_capable(old->user_ns, CAP_SETUID);
}

static bool cap_gid_ok(const struct cred *old, kgid_t gid)
{
	return gid_eq(gid, old->gid) || gid_eq(gid, old->egid) ||
	       gid_eq(gid, old->sgid) ||
	       ns_capable(old->user_ns, CAP_SETGID);
}

/* Without CAP_SETGID, the restarter keeps its own supplementary groups */
static bool cap_groups_ok(const struct cred *old, const struct group_info *gi)
{
	int i;

	if (ns_capable(old->user_ns, CAP_SETGID))
		return true;
	if (gi->ngroups != old->group_info->ngroups)
		return false;
	for (i = 0; i < gi->ngroups; i++)
		if (!groups_search(old->group_info, gi->gid[i]))
			return false;
	return true;
}

/*
 * The capability sets may be no wider than capset(2) would let the
 * restarter make its own: permitted set within its own, inheritable
 * within its inheritable and bounding sets and, without CAP_SETPCAP,
 * its inheritable and permitted sets; the bounding set within its own,
 * and only narrower with CAP_SETPCAP, as with PR_CAPBSET_DROP;
 * securebits only change with CAP_SETPCAP, as with
 * prctl(PR_SET_SECUREBITS), and never a locked bit or a lock; ambient
 * capabilities are not raised past a SECBIT_NO_CAP_AMBIENT_RAISE the
 * restarter cannot clear.
 */
static bool cap_caps_ok(const struct cred *old, const struct cred *new)
{
	bool setpcap = ns_capable(old->user_ns, CAP_SETPCAP);
	unsigned int locked = (old->securebits & SECURE_ALL_LOCKS) >> 1;
	unsigned int changed = old->securebits ^ new->securebits;

	if (!cap_issubset(new->cap_permitted, old->cap_permitted) ||
	    !cap_issubset(new->cap_bset, old->cap_bset) ||
	    !cap_issubset(new->cap_inheritable,
			  cap_combine(old->cap_inheritable, old->cap_bset)))
		return false;
	if (!setpcap &&
	    (!cap_issubset(new->cap_inheritable,
			   cap_combine(old->cap_inheritable,
				       old->cap_permitted)) ||
	     !cap_issubset(old->cap_bset, new->cap_bset)))
		return false;
	/* No locked bit changes, no lock is undone, even with CAP_SETPCAP */
	if ((changed & locked) ||
	    (old->securebits & SECURE_ALL_LOCKS & ~new->securebits))
		return false;
	/* Ambient capabilities are raised only where the restarter may */
	if ((old->securebits & SECBIT_NO_CAP_AMBIENT_RAISE) &&
	    (!setpcap || (locked & SECBIT_NO_CAP_AMBIENT_RAISE)) &&
	    !cap_issubset(new->cap_ambient, old->cap_ambient))
		return false;
	return setpcap || !(changed & ~SECBIT_KEEP_CAPS);
}

/*
 * setresuid(2) away from uid 0 (none of the real, effective and saved
 * uids 0 any more) clears the permitted set unless SECBIT_KEEP_CAPS or
 * SECBIT_NO_SETUID_FIXUP is set: the image may have uids other than
 * root and capabilities together only if the restarter could set one
 * of these two bits first.
 */
static bool cap_setuid_fixup_ok(const struct cred *old,
				const struct cred *new)
{
	kuid_t root = make_kuid(old->user_ns, 0);
	unsigned int sb = old->securebits;

	if ((!uid_eq(old->uid, root) && !uid_eq(old->euid, root) &&
	     !uid_eq(old->suid, root)) ||
	    uid_eq(new->uid, root) || uid_eq(new->euid, root) ||
	    uid_eq(new->suid, root) || cap_isclear(new->cap_permitted))
		return true;
	if ((sb & SECBIT_KEEP_CAPS) || !(sb & SECBIT_KEEP_CAPS_LOCKED) ||
	    (sb & SECBIT_NO_SETUID_FIXUP))
		return true;
	return !(sb & SECBIT_NO_SETUID_FIXUP_LOCKED) &&
	       ns_capable(old->user_ns, CAP_SETPCAP);
}

/* Build the credentials of a validated record, if the restarter may */
static int cap_cred_build(struct ckpt_ctx *ctx, const struct ckpt_hdr_cred *h,
			  struct cred **newp)
{
	struct user_namespace *ns = current_user_ns();
	const u32 *groups = (const u32 *)(h + 1);
	const struct cred *old = current_cred();
	struct group_info *gi;
	struct cred *new;
	int ret = -ENOMEM;
	u32 i;

	new = prepare_creds();
	if (!new)
		return -ENOMEM;
	gi = groups_alloc(h->ngroups);
	if (!gi)
		goto put_new;
	for (i = 0; i < h->ngroups; i++)
		gi->gid[i] = make_kgid(ns, groups[i]);
	groups_sort(gi);
	set_groups(new, gi);
	put_group_info(gi);

	new->uid = make_kuid(ns, h->uid);
	new->euid = make_kuid(ns, h->euid);
	new->suid = make_kuid(ns, h->suid);
	new->fsuid = make_kuid(ns, h->fsuid);
	new->gid = make_kgid(ns, h->gid);
	new->egid = make_kgid(ns, h->egid);
	new->sgid = make_kgid(ns, h->sgid);
	new->fsgid = make_kgid(ns, h->fsgid);
	new->securebits = h->securebits;
	new->cap_inheritable = cap_restore(h->cap_inheritable);
	new->cap_permitted = cap_restore(h->cap_permitted);
	new->cap_effective = cap_restore(h->cap_effective);
	new->cap_bset = cap_restore(h->cap_bset);
	new->cap_ambient = cap_restore(h->cap_ambient);

	ret = -EPERM;
	if (!cap_uid_ok(old, new->uid) || !cap_uid_ok(old, new->euid) ||
	    !cap_uid_ok(old, new->suid) ||
	    (!cap_uid_ok(old, new->fsuid) && !uid_eq(new->fsuid, old->fsuid))) {
		ckpt_err(ctx, ret, "cred: uids %u/%u/%u need CAP_SETUID",
			 h->uid, h->euid, h->suid);
		goto put_new;
	}
	if (!cap_gid_ok(old, new->gid) || !cap_gid_ok(old, new->egid) ||
	    !cap_gid_ok(old, new->sgid) ||
	    (!cap_gid_ok(old, new->fsgid) && !gid_eq(new->fsgid, old->fsgid)) ||
	    !cap_groups_ok(old, new->group_info)) {
		ckpt_err(ctx, ret, "cred: gids %u/%u/%u or groups need CAP_SETGID",
			 h->gid, h->egid, h->sgid);
		goto put_new;
	}
	if (!cap_setuid_fixup_ok(old, new)) {
		ckpt_err(ctx, ret,
			 "cred: uids %u/%u/%u with capabilities, and the restarter's securebits %#x drop them",
			 h->uid, h->euid, h->suid, old->securebits);
		goto put_new;
	}
	if (!cap_caps_ok(old, new)) {
		ckpt_err(ctx, ret,
			 "cred: capabilities %#llx or securebits %#x wider than the restarter's",
			 h->cap_permitted, h->securebits);
		goto put_new;
	}
	*newp = new;
	return 0;

put_new:
	abort_creds(new);
	return ret;
}

/**
 * cap_cred_restore() - validate and build a set of credentials
 * @ctx: restart context
 * @h: the CKPT_HDR_CRED record
 *
 * Every id must be mapped in the restarter's user namespace and the
 * capability sets consistent.  Unless only verifying, the credentials
 * are built, if the restarter could give them to itself (-EPERM
 * otherwise), for the driver to commit once the task is rebuilt.
 *
 * Return: 0, -EINVAL with a log line naming the bad field, -EPERM, or
 * -ENOMEM.
 */
int cap_cred_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_cred *h)
{
	struct cred *new;
	int ret;

	if (h->ngroups > CKPT_NGROUPS_MAX || h->ngroups > NGROUPS_MAX)
		return ckpt_err(ctx, -EINVAL, "cred: %u groups", h->ngroups);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h),
			       h->ngroups * sizeof(u32));
	if (!ret)
		ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad), "cred");
	if (!ret)
		ret = cap_check_ids(ctx, h);
	if (!ret)
		ret = cap_check_caps(ctx, h);
	if (ret)
		return ret;
	if (ckpt_verify_only(ctx))
		return ckpt_obj_define(ctx, h->objref, CKPT_OBJ_CRED);
	ret = cap_cred_build(ctx, h, &new);
	if (ret)
		return ret;
	return ckpt_obj_insert(ctx, h->objref, CKPT_OBJ_CRED, new);
}
