// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the namespaces of a tree.
 *
 * Every task of a checkpointed tree is in the same namespaces as its
 * root.  Each is either the checkpointer's, one the tree owns (no task
 * outside it is in it), or with CKPT_CHECKPOINT_NS_EXTERNAL one shared
 * with a task outside, left out of the image.  The image holds the
 * tree's own user, pid, uts, ipc and network namespaces; restart(2)
 * makes them anew for the root, which its descendants inherit, and puts
 * the tasks in the restarter's namespaces of the other kinds.  A pid
 * namespace of the tree's own has the root as its init, and must be a
 * child of the checkpointer's; a user namespace of its own (that of its
 * credentials) too, and then owns its other namespaces.
 */

#include <linux/checkpoint.h>
#include <linux/inetdevice.h>
#include <linux/ipc_namespace.h>
#include <linux/netdevice.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/utsname.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include <net/ip.h>
#include <net/net_namespace.h>

#include "checkpoint.h"

static const char *ckpt_ns_name(u32 kind)
{
	switch (kind) {
	case CKPT_NS_PID:	return "pid";
	case CKPT_NS_UTS:	return "uts";
	case CKPT_NS_IPC:	return "ipc";
	case CKPT_NS_NET:	return "network";
	case CKPT_NS_MNT:	return "mount";
	case CKPT_NS_CGROUP:	return "cgroup";
	case CKPT_NS_TIME:	return "time";
	default:		return "user";
	}
}

/* The user namespace that owns the namespace of kind @kind of @nsp */
static struct user_namespace *ckpt_ns_owner(const struct nsproxy *nsp,
					    struct pid_namespace *pid_ns,
					    u32 kind)
{
	switch (kind) {
	case CKPT_NS_PID:	return pid_ns->user_ns;
	case CKPT_NS_UTS:	return nsp->uts_ns->user_ns;
	case CKPT_NS_IPC:	return nsp->ipc_ns->user_ns;
	default:		return nsp->net_ns->user_ns;
	}
}

/* The kinds of namespaces in which @a and @b differ */
static u32 ckpt_ns_differ(const struct nsproxy *a, const struct nsproxy *b)
{
	u32 kinds = 0;

	if (a->pid_ns_for_children != b->pid_ns_for_children)
		kinds |= CKPT_NS_PID;
	if (a->uts_ns != b->uts_ns)
		kinds |= CKPT_NS_UTS;
	if (a->ipc_ns != b->ipc_ns)
		kinds |= CKPT_NS_IPC;
	if (a->net_ns != b->net_ns)
		kinds |= CKPT_NS_NET;
	if (a->mnt_ns != b->mnt_ns)
		kinds |= CKPT_NS_MNT;
	if (a->cgroup_ns != b->cgroup_ns)
		kinds |= CKPT_NS_CGROUP;
	if (a->time_ns != b->time_ns)
		kinds |= CKPT_NS_TIME;
	return kinds;
}

/*
 * The tree's own namespaces are owned by its user namespace: restart
 * makes them so, in the new one it makes for the tree (or the
 * restarter's)
 */
static int ckpt_ns_check_owners(struct ckpt_ctx *ctx, pid_t pid)
{
	u32 kinds = ctx->ns.new & ~CKPT_NS_USER, kind;

	while (kinds) {
		kind = kinds & -kinds;
		kinds &= ~kind;
		if (ckpt_ns_owner(ctx->nsproxy, ctx->pid_ns, kind) !=
		    ctx->user_ns)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d: its %s namespace is not owned by its user namespace: not supported",
					pid, ckpt_ns_name(kind));
	}
	return 0;
}

/**
 * ckpt_ns_prepare() - take the namespaces of the root of a checkpoint
 * @ctx: checkpoint context
 * @root: the root task
 *
 * Sets the pid namespace the image's pids are in, and which of the
 * root's namespaces differ from the checkpointer's: until
 * ckpt_ns_check_shared() has run, all of them count as the tree's own.
 *
 * Return: 0, -EBUSY if @root is exiting, or -EOPNOTSUPP with a log
 * line for namespaces an image cannot hold.
 */
int ckpt_ns_prepare(struct ckpt_ctx *ctx, struct task_struct *root)
{
	struct pid_namespace *pid_ns = task_active_pid_ns(root);
	pid_t pid = task_pid_vnr(root);
	struct nsproxy *nsp;
	u32 kinds, bad;

	ctx->pid_ns = get_pid_ns(pid_ns);
	rcu_read_lock();
	ctx->user_ns = get_user_ns(__task_cred(root)->user_ns);
	rcu_read_unlock();
	task_lock(root);
	nsp = root->nsproxy;
	if (nsp)
		get_nsproxy(nsp);
	task_unlock(root);
	if (!nsp)
		return ckpt_err(ctx, -EBUSY, "pid %d is exiting", pid);
	ctx->nsproxy = nsp;

	if (nsp->pid_ns_for_children != pid_ns)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: its children would be in another pid namespace: not supported",
				pid);
	kinds = ckpt_ns_differ(nsp, current->nsproxy);
	if (pid_ns != task_active_pid_ns(current)) {
		if (pid_ns->parent != task_active_pid_ns(current))
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d: in a pid namespace nested more than one level below the caller's: not supported",
					pid);
		if (task_pid_nr_ns(root, pid_ns) != 1)
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d: in a child pid namespace, but not its init: not supported",
					pid);
		kinds |= CKPT_NS_PID;
	} else {
		kinds &= ~CKPT_NS_PID;
	}

	if (ctx->user_ns != current_user_ns()) {
		if (ctx->user_ns->parent != current_user_ns())
			return ckpt_err(ctx, -EOPNOTSUPP,
					"pid %d: in a user namespace that is not a child of the caller's: not supported",
					pid);
		kinds |= CKPT_NS_USER;
	}
	/*
	 * The paths of its files are those of another mount namespace:
	 * not even an external one can be reused
	 */
	bad = kinds & ~CKPT_NS_NEW;
	if (ctx->flags & CKPT_CHECKPOINT_NS_EXTERNAL) {
		ctx->ns.external = bad & ~CKPT_NS_MNT;
		bad &= CKPT_NS_MNT;
	}
	if (bad)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: a %s namespace other than the caller's not supported",
				pid, ckpt_ns_name(bad & -bad));
	ctx->ns.new = kinds & CKPT_NS_NEW;
	return ckpt_ns_check_owners(ctx, pid);
}

/**
 * ckpt_ns_check_task() - check that a task is in the root's namespaces
 * @ctx: checkpoint context
 * @t: a task of the tree, alive
 *
 * Return: 0, -EBUSY if @t is exiting, or -EOPNOTSUPP with a log line.
 */
int ckpt_ns_check_task(struct ckpt_ctx *ctx, struct task_struct *t)
{
	pid_t pid = task_pid_vnr(t);
	u32 kinds = 0;
	int ret = 0;

	task_lock(t);
	if (!t->nsproxy)
		ret = -EBUSY;
	else
		kinds = ckpt_ns_differ(t->nsproxy, ctx->nsproxy);
	task_unlock(t);
	if (ret)
		return ckpt_err(ctx, ret, "pid %d is exiting", pid);
	if (task_active_pid_ns(t) != ctx->pid_ns)
		kinds |= CKPT_NS_PID;
	rcu_read_lock();
	if (__task_cred(t)->user_ns != ctx->user_ns)
		kinds |= CKPT_NS_USER;
	rcu_read_unlock();
	if (kinds)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: in a %s namespace other than its root's: not supported",
				pid, ckpt_ns_name(kinds & -kinds));
	return 0;
}

/*
 * The kinds of the tree's own namespaces that @t, outside it, is in.
 * Context: rcu_read_lock held.
 */
static u32 ckpt_ns_users(struct ckpt_ctx *ctx, struct task_struct *t)
	__must_hold(RCU)
{
	const struct nsproxy *own = ctx->nsproxy;
	struct nsproxy *nsp;
	u32 kinds = 0;

	/*
	 * A task with a pid in it.  One that would only fork into it (as
	 * unshare --fork --pid leaves the process that waits for the
	 * container's init) has no task there, and a task it makes later
	 * would not be in the snapshot anyway.
	 */
	if (task_pid_nr_ns(t, ctx->pid_ns))
		kinds |= CKPT_NS_PID;
	if (in_userns(ctx->user_ns, __task_cred(t)->user_ns))
		kinds |= CKPT_NS_USER;
	task_lock(t);
	nsp = t->nsproxy;
	if (nsp) {
		if (nsp->uts_ns == own->uts_ns)
			kinds |= CKPT_NS_UTS;
		if (nsp->ipc_ns == own->ipc_ns)
			kinds |= CKPT_NS_IPC;
		if (nsp->net_ns == own->net_ns)
			kinds |= CKPT_NS_NET;
	}
	task_unlock(t);
	return kinds & ctx->ns.new;
}

/**
 * ckpt_ns_check_shared() - find the tree's namespaces a task outside uses
 * @ctx: checkpoint context, every task of the tree claimed
 *
 * Such a namespace is external with %CKPT_CHECKPOINT_NS_EXTERNAL (but a
 * pid or a user namespace, whose pids or ids the image holds), else
 * refused.
 *
 * Return: 0, or -EBUSY with a log line naming a task outside.
 */
int ckpt_ns_check_shared(struct ckpt_ctx *ctx)
{
	char comm[CKPT_NS_USER + 1][TASK_COMM_LEN];
	pid_t who[CKPT_NS_USER + 1] = {};
	struct task_struct *g, *t;
	u32 shared = 0, kinds, kind;

	if (!ctx->ns.new)
		return 0;
	rcu_read_lock();
	for_each_process_thread(g, t) {
		if (ckpt_in_tree(ctx, t))
			continue;
		kinds = ckpt_ns_users(ctx, t) & ~shared;
		while (kinds) {
			kind = kinds & -kinds;
			who[kind] = task_pid_vnr(t);
			get_task_comm(comm[kind], t);
			kinds &= ~kind;
			shared |= kind;
		}
	}
	rcu_read_unlock();

	/* Not a pid namespace, nor a user one, whose ids the image holds */
	if (ctx->flags & CKPT_CHECKPOINT_NS_EXTERNAL) {
		ctx->ns.external |= shared & ~(CKPT_NS_PID | CKPT_NS_USER);
		ctx->ns.new &= ~(shared & ~(CKPT_NS_PID | CKPT_NS_USER));
		shared &= CKPT_NS_PID | CKPT_NS_USER;
	}
	if (shared) {
		kind = shared & -shared;
		return ckpt_err(ctx, -EBUSY,
				"%s namespace of the tree shared with pid %d (%s) outside it",
				ckpt_ns_name(kind), who[kind], comm[kind]);
	}
	return 0;
}

/* The maps of the tree's user namespace, as its id map files show them */
static int ckpt_user_checkpoint(struct ckpt_ctx *ctx)
{
	struct user_namespace *ns = ctx->user_ns;
	struct ckpt_hdr_user_ns h = {};
	struct uid_gid_extent *ext;
	struct ckpt_id_extent *ids;
	unsigned int i, n;
	int ret;

	BUILD_BUG_ON(CKPT_ID_EXTENTS_MAX != UID_GID_MAP_MAX_EXTENTS);
	ext = kvmalloc_array(2 * UID_GID_MAP_MAX_EXTENTS, sizeof(*ext),
			     GFP_KERNEL);
	ids = kvmalloc_array(2 * UID_GID_MAP_MAX_EXTENTS, sizeof(*ids),
			     GFP_KERNEL);
	ret = -ENOMEM;
	if (!ext || !ids)
		goto out;
	h.nr_uid = userns_ckpt_read_map(ns, false, ext);
	h.nr_gid = userns_ckpt_read_map(ns, true, ext + h.nr_uid);
	ret = -EOPNOTSUPP;
	if (!h.nr_uid || !h.nr_gid) {
		ckpt_err(ctx, ret,
			 "user namespace: its %s map is not written: not supported",
			 h.nr_uid ? "gid" : "uid");
		goto out;
	}
	if (!(READ_ONCE(ns->flags) & USERNS_SETGROUPS_ALLOWED))
		h.flags |= CKPT_USERNS_SETGROUPS_DENY;
	n = h.nr_uid + h.nr_gid;
	for (i = 0; i < n; i++) {
		ids[i].first = ext[i].first;
		ids[i].lower_first = ext[i].lower_first;
		ids[i].count = ext[i].count;
	}
	ckpt_log(ctx, "user namespace: %u uid and %u gid extent(s), uid %u maps to %u",
		 h.nr_uid, h.nr_gid, ids[0].first, ids[0].lower_first);
	ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_USER_NS, sizeof(h), ids,
			     n * sizeof(*ids));
out:
	kvfree(ids);
	kvfree(ext);
	return ret;
}

static int ckpt_uts_checkpoint(struct ckpt_ctx *ctx)
{
	struct uts_namespace *uts = ctx->nsproxy->uts_ns;
	struct ckpt_hdr_uts_ns h = {};

	BUILD_BUG_ON(sizeof(uts->name.nodename) != CKPT_UTS_LEN);
	BUILD_BUG_ON(sizeof(uts->name.domainname) != CKPT_UTS_LEN);
	down_read(&uts_sem);
	strscpy(h.nodename, uts->name.nodename, sizeof(h.nodename));
	strscpy(h.domainname, uts->name.domainname, sizeof(h.domainname));
	up_read(&uts_sem);
	ckpt_log(ctx, "uts namespace: host name %s", h.nodename);
	return ckpt_write_obj(ctx, &h, CKPT_HDR_UTS_NS);
}

static int ckpt_ipc_checkpoint(struct ckpt_ctx *ctx)
{
	struct ipc_namespace *ipc = ctx->nsproxy->ipc_ns;
	struct ckpt_hdr_ipc_ns *h = &ctx->ns.ipc;
	unsigned int i, n;

	BUILD_BUG_ON(ARRAY_SIZE(h->sem_ctls) != ARRAY_SIZE(ipc->sem_ctls));
	n = READ_ONCE(ipc->mq_queues_count);
	if (n)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"ipc namespace: %u POSIX message queues not supported",
				n);

	memset(h, 0, sizeof(*h));
	h->shm_ctlmax = READ_ONCE(ipc->shm_ctlmax);
	h->shm_ctlall = READ_ONCE(ipc->shm_ctlall);
	h->shm_ctlmni = READ_ONCE(ipc->shm_ctlmni);
	h->shm_rmid_forced = READ_ONCE(ipc->shm_rmid_forced);
	h->msg_ctlmax = READ_ONCE(ipc->msg_ctlmax);
	h->msg_ctlmnb = READ_ONCE(ipc->msg_ctlmnb);
	h->msg_ctlmni = READ_ONCE(ipc->msg_ctlmni);
	for (i = 0; i < ARRAY_SIZE(h->sem_ctls); i++)
		h->sem_ctls[i] = READ_ONCE(ipc->sem_ctls[i]);
	/* Its objects come after the root's CLONE record */
	ipc_ckpt_count(ipc, h);
	return ckpt_write_obj(ctx, h, CKPT_HDR_IPC_NS);
}

/* Why a network namespace cannot be saved or made, logged once unlocked */
struct ckpt_net_why {
	const char *what;
	char name[IFNAMSIZ];
	char addr[48];
};

/*
 * The addresses of a loopback device: none while down, its default ones
 * while up.  Context: rtnl_lock held.
 */
static int ckpt_lo_addrs(struct net_device *lo, bool up,
			 struct ckpt_net_why *why)
{
	struct in_device *in_dev = __in_dev_get_rtnl(lo);
	const struct in_ifaddr *ifa;
	unsigned int n = 0;

	if (in_dev) {
		in_dev_for_each_ifa_rtnl(ifa, in_dev) {
			if (!up || ifa->ifa_local != htonl(INADDR_LOOPBACK) ||
			    ifa->ifa_prefixlen != 8 || n++) {
				snprintf(why->addr, sizeof(why->addr), "%pI4/%u",
					 &ifa->ifa_local, ifa->ifa_prefixlen);
				return -EOPNOTSUPP;
			}
		}
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		struct inet6_dev *idev = __in6_dev_get(lo);
		struct inet6_ifaddr *ifp;
		int ret = 0;

		if (!idev)
			return 0;
		read_lock_bh(&idev->lock);
		list_for_each_entry(ifp, &idev->addr_list, if_list) {
			if (!up || !ipv6_addr_loopback(&ifp->addr) ||
			    ifp->prefix_len != 128) {
				snprintf(why->addr, sizeof(why->addr),
					 "%pI6c/%u", &ifp->addr,
					 ifp->prefix_len);
				ret = -EOPNOTSUPP;
				break;
			}
		}
		read_unlock_bh(&idev->lock);
		return ret;
	}
#else
	return 0;
#endif
}

static int ckpt_net_checkpoint(struct ckpt_ctx *ctx)
{
	struct net *net = ctx->nsproxy->net_ns;
	struct ckpt_net_why why = {};
	struct ckpt_hdr_net_ns h = {};
	struct net_device *dev, *lo;
	int ret = 0;

	rtnl_lock();
	lo = net->loopback_dev;
	strscpy(why.name, lo->name);
	for_each_netdev(net, dev) {
		if (dev != lo) {
			strscpy(why.name, dev->name);
			ret = -EOPNOTSUPP;
			break;
		}
	}
	if (!ret) {
		if (lo->flags & IFF_UP)
			h.flags |= CKPT_NET_LO_UP;
		h.lo_mtu = READ_ONCE(lo->mtu);
		ret = ckpt_lo_addrs(lo, lo->flags & IFF_UP, &why);
	}
	rtnl_unlock();
	if (ret && why.addr[0])
		return ckpt_err(ctx, ret,
				"network namespace: address %s of %s not supported",
				why.addr, why.name);
	if (ret)
		return ckpt_err(ctx, ret,
				"network namespace: device %s not supported (only a loopback)",
				why.name);
	return ckpt_write_obj(ctx, &h, CKPT_HDR_NET_NS);
}

/**
 * ckpt_ns_checkpoint() - write the namespace records of a tree
 * @ctx: checkpoint context
 *
 * Return: 0, -EOPNOTSUPP with a log line for state of a namespace this
 * version cannot save, or the error of a write.
 */
int ckpt_ns_checkpoint(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_ns h = {
		.new = ctx->ns.new,
		.external = ctx->ns.external,
	};
	int ret;

	if (h.new || h.external)
		ckpt_log(ctx, "namespaces: own %#x, external %#x", h.new,
			 h.external);
	ret = ckpt_write_obj(ctx, &h, CKPT_HDR_NS);
	if (!ret && h.new & CKPT_NS_USER)
		ret = ckpt_user_checkpoint(ctx);
	if (!ret && h.new & CKPT_NS_UTS)
		ret = ckpt_uts_checkpoint(ctx);
	if (!ret && h.new & CKPT_NS_IPC)
		ret = ckpt_ipc_checkpoint(ctx);
	if (!ret && h.new & CKPT_NS_NET)
		ret = ckpt_net_checkpoint(ctx);
	return ret;
}

/**
 * ckpt_ns_objects_checkpoint() - write the SysV objects of the tree's
 *	own ipc namespace
 * @ctx: checkpoint context, the root's CLONE record written
 *
 * The root reads them at restart, in its new ipc namespace.
 *
 * Return: 0 or a negative errno (with a log line).
 */
int ckpt_ns_objects_checkpoint(struct ckpt_ctx *ctx)
{
	if (!(ctx->ns.new & CKPT_NS_IPC))
		return 0;
	return ipc_ckpt_save(ctx, ctx->nsproxy->ipc_ns, &ctx->ns.ipc);
}

/* A name of a uts namespace: NUL-terminated, zero after its NUL */
static int ckpt_uts_name_ok(struct ckpt_ctx *ctx, const char *name,
			    const char *what)
{
	size_t len = strnlen(name, CKPT_UTS_LEN);

	if (len == CKPT_UTS_LEN ||
	    memchr_inv(name + len, 0, CKPT_UTS_LEN - len))
		return ckpt_err(ctx, -EINVAL,
				"UTS_NS record: %s not NUL-terminated and zero-filled",
				what);
	return 0;
}

static int ckpt_user_read(struct ckpt_ctx *ctx)
{
	const struct ckpt_id_extent *e;
	struct ckpt_hdr_user_ns *h;
	u32 i, n;
	int ret;

	h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_USER_NS);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (!h->nr_uid || h->nr_uid > CKPT_ID_EXTENTS_MAX ||
	    !h->nr_gid || h->nr_gid > CKPT_ID_EXTENTS_MAX)
		return ckpt_bad(ctx, "USER_NS", "extent counts", "%u/%u",
				h->nr_uid, h->nr_gid);
	n = h->nr_uid + h->nr_gid;
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), n * sizeof(*e));
	if (!ret)
		ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad),
				     "USER_NS");
	if (ret)
		return ret;
	if (h->flags & ~CKPT_USERNS_FLAGS)
		return ckpt_bad(ctx, "USER_NS", "flags", "%#x", h->flags);
	e = (const void *)(h + 1);
	/* The rest (overlaps, rights) is checked as the maps are written */
	for (i = 0; i < n; i++)
		if (!e[i].count || e[i].first == (u32)-1 ||
		    e[i].lower_first == (u32)-1 ||
		    e[i].first + e[i].count <= e[i].first ||
		    e[i].lower_first + e[i].count <= e[i].lower_first)
			return ckpt_bad(ctx, "USER_NS", "extent",
					"%u %u %u (%u of %u)", e[i].first,
					e[i].lower_first, e[i].count, i, n);
	ctx->ns.ids = kvmemdup(e, n * sizeof(*e), GFP_KERNEL);
	if (!ctx->ns.ids)
		return -ENOMEM;
	ctx->ns.user = *h;
	return 0;
}

static int ckpt_uts_read(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_uts_ns *h;
	int ret;

	h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_UTS_NS);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (!ret)
		ret = ckpt_uts_name_ok(ctx, h->nodename, "nodename");
	if (!ret)
		ret = ckpt_uts_name_ok(ctx, h->domainname, "domainname");
	if (!ret)
		ret = ckpt_check_pad(ctx, h->__pad, sizeof(h->__pad), "UTS_NS");
	if (!ret)
		ctx->ns.uts = *h;
	return ret;
}

static int ckpt_ipc_read(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_ipc_ns *h;
	unsigned int i;
	int ret;

	h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_IPC_NS);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	/* What the sysctls take; the ids of a namespace stay below ipc_mni */
	if (h->shm_ctlmax > ULONG_MAX || h->shm_ctlall > ULONG_MAX)
		return ckpt_bad(ctx, "IPC_NS", "shmmax/shmall", "%llu/%llu",
				h->shm_ctlmax, h->shm_ctlall);
	if (h->shm_ctlmni > INT_MAX || h->shm_rmid_forced > 1)
		return ckpt_bad(ctx, "IPC_NS", "shmmni/shm_rmid_forced",
				"%u/%u", h->shm_ctlmni, h->shm_rmid_forced);
	if (h->msg_ctlmax > INT_MAX || h->msg_ctlmnb > INT_MAX ||
	    h->msg_ctlmni > INT_MAX)
		return ckpt_bad(ctx, "IPC_NS", "msgmax/msgmnb/msgmni",
				"%u/%u/%u", h->msg_ctlmax, h->msg_ctlmnb,
				h->msg_ctlmni);
	for (i = 0; i < ARRAY_SIZE(h->sem_ctls); i++)
		if (h->sem_ctls[i] > INT_MAX)
			return ckpt_bad(ctx, "IPC_NS", "sem", "%u (item %u)",
					h->sem_ctls[i], i);
	ctx->ns.ipc = *h;
	return 0;
}

static int ckpt_net_read(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_net_ns *h;
	int ret;

	h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_NET_NS);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->flags & ~CKPT_NET_FLAGS)
		return ckpt_bad(ctx, "NET_NS", "flags", "%#x", h->flags);
	if (h->lo_mtu < IPV4_MIN_MTU || h->lo_mtu > CKPT_LO_MTU_MAX)
		return ckpt_bad(ctx, "NET_NS", "loopback MTU", "%u", h->lo_mtu);
	ctx->ns.net = *h;
	return 0;
}

/**
 * ckpt_ns_read() - read and check the namespace records of an image
 * @ctx: restart context, the header read
 *
 * Return: 0, or -EINVAL (or the error of a read) with a log line.
 */
int ckpt_ns_read(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_ns *h;
	int ret;

	h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_NS);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
	if (ret)
		return ret;
	if (h->new & ~CKPT_NS_NEW)
		return ckpt_bad(ctx, "NS", "kinds of own namespaces", "%#x",
				h->new);
	if (h->external & ~CKPT_NS_ALL || h->external & h->new)
		return ckpt_bad(ctx, "NS", "kinds of external namespaces",
				"%#x", h->external);
	if (h->new & CKPT_NS_PID && ctx->hdr.pid != 1)
		return ckpt_err(ctx, -EINVAL,
				"NS record: the root of its own pid namespace is pid %u, not 1",
				ctx->hdr.pid);
	/* The records read next reuse the buffer of this one */
	ctx->ns.new = h->new;
	ctx->ns.external = h->external;
	if (ctx->ns.new & CKPT_NS_USER)
		ret = ckpt_user_read(ctx);
	if (!ret && ctx->ns.new & CKPT_NS_UTS)
		ret = ckpt_uts_read(ctx);
	if (!ret && ctx->ns.new & CKPT_NS_IPC)
		ret = ckpt_ipc_read(ctx);
	if (!ret && ctx->ns.new & CKPT_NS_NET)
		ret = ckpt_net_read(ctx);
	if (!ret && (ctx->ns.new || ctx->ns.external))
		ckpt_log(ctx, "restart: own namespaces %#x, external %#x",
			 ctx->ns.new, ctx->ns.external);
	return ret;
}

/**
 * ckpt_ns_clone_flags() - the CLONE_NEW* flags the root is made with
 * @ctx: restart context, the namespace records read
 *
 * Return: the flags.
 */
unsigned long ckpt_ns_clone_flags(const struct ckpt_ctx *ctx)
{
	unsigned long flags = 0;

	if (ctx->ns.new & CKPT_NS_PID)
		flags |= CLONE_NEWPID;
	if (ctx->ns.new & CKPT_NS_UTS)
		flags |= CLONE_NEWUTS;
	if (ctx->ns.new & CKPT_NS_IPC)
		flags |= CLONE_NEWIPC;
	if (ctx->ns.new & CKPT_NS_NET)
		flags |= CLONE_NEWNET;
	if (ctx->ns.new & CKPT_NS_USER)
		flags |= CLONE_NEWUSER;
	return flags;
}

/* Write one map of @ns, as the restarter writing its map file would */
static int ckpt_user_map(struct ckpt_ctx *ctx, struct user_namespace *ns,
			 bool gid, const struct ckpt_id_extent *ids, u32 nr)
{
	struct uid_gid_extent *ext;
	u32 i;
	int ret;

	ext = kvmalloc_array(nr, sizeof(*ext), GFP_KERNEL);
	if (!ext)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		ext[i].first = ids[i].first;
		ext[i].lower_first = ids[i].lower_first;
		ext[i].count = ids[i].count;
	}
	ret = userns_ckpt_write_map(ns, gid, ext, nr, current_cred());
	kvfree(ext);
	if (ret)
		ckpt_err(ctx, ret,
			 "restart: cannot give the new user namespace its %s map (first extent %u %u %u)",
			 gid ? "gid" : "uid", ids[0].first, ids[0].lower_first,
			 ids[0].count);
	return ret;
}

/**
 * ckpt_ns_user_setup() - give the root's new user namespace its maps
 * @ctx: restart context
 * @root: the root, just made with ckpt_ns_clone_flags(), waiting for this
 *
 * Done by the task that made it, in the parent user namespace, as if it
 * wrote the root's setgroups, uid_map and gid_map files.  The root then
 * goes on (ckpt_ns_user_wait()).
 */
void ckpt_ns_user_setup(struct ckpt_ctx *ctx, struct ckpt_rtask *root)
{
	const struct ckpt_hdr_user_ns *h = &ctx->ns.user;
	struct user_namespace *ns = NULL;
	struct task_struct *t;
	int ret = -ESRCH;

	if (!(ctx->ns.new & CKPT_NS_USER))
		return;
	t = get_pid_task(root->pid, PIDTYPE_PID);
	if (t) {
		ns = get_user_ns(task_cred_xxx(t, user_ns));
		put_task_struct(t);
		ret = 0;
	}
	if (!ret && h->flags & CKPT_USERNS_SETGROUPS_DENY) {
		ret = userns_ckpt_deny_setgroups(ns);
		if (ret)
			ckpt_err(ctx, ret, "restart: cannot deny setgroups");
	}
	if (!ret)
		ret = ckpt_user_map(ctx, ns, false, ctx->ns.ids, h->nr_uid);
	if (!ret)
		ret = ckpt_user_map(ctx, ns, true, ctx->ns.ids + h->nr_uid,
				    h->nr_gid);
	if (ns)
		put_user_ns(ns);
	ctx->ns.user_err = ret;
	complete(&ctx->ns.user_done);
}

/**
 * ckpt_ns_user_wait() - wait in the root for its user namespace's maps
 * @ctx: restart context
 *
 * Return: 0, or why they could not be written.
 */
int ckpt_ns_user_wait(struct ckpt_ctx *ctx)
{
	if (!(ctx->ns.new & CKPT_NS_USER))
		return 0;
	wait_for_completion(&ctx->ns.user_done);
	return ctx->ns.user_err;
}

static void ckpt_uts_restore(const struct ckpt_hdr_uts_ns *h)
{
	struct new_utsname *u;

	down_write(&uts_sem);
	u = utsname();
	memcpy(u->nodename, h->nodename, sizeof(u->nodename));
	memcpy(u->domainname, h->domainname, sizeof(u->domainname));
	up_write(&uts_sem);
	uts_proc_notify(UTS_PROC_HOSTNAME);
	uts_proc_notify(UTS_PROC_DOMAINNAME);
}

static void ckpt_ipc_restore(const struct ckpt_hdr_ipc_ns *h)
{
	struct ipc_namespace *ipc = current->nsproxy->ipc_ns;
	unsigned int i;

	ipc->shm_ctlmax = h->shm_ctlmax;
	ipc->shm_ctlall = h->shm_ctlall;
	ipc->shm_ctlmni = h->shm_ctlmni;
	ipc->shm_rmid_forced = h->shm_rmid_forced;
	ipc->msg_ctlmax = h->msg_ctlmax;
	ipc->msg_ctlmnb = h->msg_ctlmnb;
	ipc->msg_ctlmni = h->msg_ctlmni;
	for (i = 0; i < ARRAY_SIZE(h->sem_ctls); i++)
		ipc->sem_ctls[i] = h->sem_ctls[i];
}

static int ckpt_net_restore(struct ckpt_ctx *ctx,
			    const struct ckpt_hdr_net_ns *h)
{
	struct net *net = current->nsproxy->net_ns;
	struct net_device *lo = net->loopback_dev, *dev;
	struct ckpt_net_why why = {};
	int ret = 0;

	rtnl_lock();
	strscpy(why.name, lo->name);
	/* Fallback tunnels (sit0...) unless fb_tunnels_only_for_init_net */
	for_each_netdev(net, dev) {
		if (dev != lo) {
			strscpy(why.name, dev->name);
			why.what = "the new one has a device besides its loopback:";
			ret = -EOPNOTSUPP;
			break;
		}
	}
	if (!ret && lo->mtu != h->lo_mtu) {
		why.what = "cannot set the MTU of";
		ret = dev_set_mtu(lo, h->lo_mtu);
	}
	if (!ret && h->flags & CKPT_NET_LO_UP) {
		why.what = "cannot bring up";
		ret = dev_change_flags(lo, lo->flags | IFF_UP, NULL);
	}
	rtnl_unlock();
	if (ret)
		return ckpt_err(ctx, ret, "network namespace: %s %s", why.what,
				why.name);
	return 0;
}

/**
 * ckpt_ns_restore() - give the root's new namespaces the image's state
 * @ctx: restart context
 *
 * Its SysV objects, whose records follow the root's CLONE record, are
 * read and made then.
 *
 * Context: in the root, made with ckpt_ns_clone_flags(), before it
 * makes any other task.
 * Return: 0, or a negative errno with a log line.
 */
int ckpt_ns_restore(struct ckpt_ctx *ctx)
{
	int ret = 0;

	if (ctx->ns.new & CKPT_NS_UTS)
		ckpt_uts_restore(&ctx->ns.uts);
	if (ctx->ns.new & CKPT_NS_NET)
		ret = ckpt_net_restore(ctx, &ctx->ns.net);
	if (!ret && ctx->ns.new & CKPT_NS_IPC) {
		ckpt_ipc_restore(&ctx->ns.ipc);
		ret = ipc_ckpt_load(ctx);
	}
	return ret;
}

/**
 * ckpt_ns_release() - drop what a checkpoint holds of the namespaces
 * @ctx: checkpoint context
 */
void ckpt_ns_release(struct ckpt_ctx *ctx)
{
	if (ctx->nsproxy)
		put_nsproxy(ctx->nsproxy);
	if (ctx->pid_ns)
		put_pid_ns(ctx->pid_ns);
	if (ctx->user_ns)
		put_user_ns(ctx->user_ns);
	ctx->nsproxy = NULL;
	ctx->pid_ns = NULL;
	ctx->user_ns = NULL;
}
