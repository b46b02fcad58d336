// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of SysV message queues.
 *
 * Included at the end of ipc/msg.c, whose structures it reads and
 * builds.  A queue is an MSQ record followed by an MSG record per
 * message, the oldest first.  A task blocked in msgsnd(2) or msgrcv(2)
 * is stopped out of it and restarts its call: only the messages are
 * state.
 */

#include <linux/checkpoint.h>

/* Messages copied per round under the queue's lock, at most */
#define MSG_CKPT_BATCH		(64 * 1024)

struct msg_ckpt_staged {
	long mtype;
	size_t len;
};

/*
 * Copy, from the @skip-th on, the messages that fit in @buf (the first
 * one whatever its size: @buf holds CKPT_MSG_MAX bytes at least).
 * Returns how many, or -EBUSY if the queue changed.
 */
static int msg_ckpt_stage(struct msg_queue *msq, unsigned long qnum,
			  unsigned long skip, void *buf, size_t size)
	__must_hold(RCU)
{
	struct msg_ckpt_staged *st;
	struct msg_msg *msg;
	size_t used = 0;
	int n = 0;

	ipc_lock_object(&msq->q_perm);
	if (!ipc_valid_object(&msq->q_perm) || msq->q_qnum != qnum) {
		n = -EBUSY;
		goto unlock;
	}
	list_for_each_entry(msg, &msq->q_messages, m_list) {
		if (skip) {
			skip--;
			continue;
		}
		/* Checked in msg_ckpt_copy(), but the lock was dropped */
		if (msg->m_ts > CKPT_MSG_MAX) {
			n = -EBUSY;
			break;
		}
		if (n && used + sizeof(*st) + msg->m_ts > size)
			break;
		st = buf + used;
		st->mtype = msg->m_type;
		st->len = msg->m_ts;
		msg_ckpt_text(msg, st + 1);
		used += sizeof(*st) + ALIGN(msg->m_ts, sizeof(long));
		n++;
	}
unlock:
	ipc_unlock_object(&msq->q_perm);
	return n;
}

/* Write the MSG records of a queue whose MSQ record is written */
static int msg_ckpt_msgs(struct ckpt_ctx *ctx, struct msg_queue *msq,
			 unsigned long qnum, void *buf)
{
	const size_t size = MSG_CKPT_BATCH + CKPT_MSG_MAX;
	struct ckpt_hdr_msg h = {};
	struct msg_ckpt_staged *st;
	unsigned long done = 0;
	int n, i, ret = 0;
	size_t off;

	while (!ret && done < qnum) {
		rcu_read_lock();
		n = msg_ckpt_stage(msq, qnum, done, buf, size);
		rcu_read_unlock();
		if (n <= 0)
			return n ?: -EBUSY;
		for (i = 0, off = 0; !ret && i < n; i++) {
			st = buf + off;
			h.mtype = st->mtype;
			h.len = st->len;
			ret = ckpt_write_rec(ctx, &h.h, CKPT_HDR_MSG, sizeof(h),
					     st + 1, st->len);
			off += sizeof(*st) + ALIGN(st->len, sizeof(long));
		}
		done += n;
	}
	return ret;
}

/*
 * Copy what an MSQ record says of @msq, with a reference to it (unless
 * -EBUSY).  Context: rcu_read_lock held.
 */
static int msg_ckpt_copy(struct ckpt_ctx *ctx, struct msg_queue *msq,
			 size_t msgmax, struct ckpt_hdr_msq *h,
			 const char **why)
	__must_hold(RCU)
{
	struct msg_msg *msg;
	int ret = 0;

	*why = NULL;
	ipc_lock_object(&msq->q_perm);
	if (!ipc_valid_object(&msq->q_perm) ||
	    !ipc_rcu_getref(&msq->q_perm)) {
		*why = "removed meanwhile";
		ret = -EBUSY;
		goto unlock;
	}
	list_for_each_entry(msg, &msq->q_messages, m_list) {
		if (msg->m_ts > CKPT_MSG_MAX ||
		    msg->m_ts > msgmax) {
			*why = "holds a message longer than kernel.msgmax or CKPT_MSG_MAX";
			ret = -EOPNOTSUPP;
			break;
		}
	}
	if (!ret && msq->q_qbytes > INT_MAX) {
		*why = "holds more than INT_MAX bytes";
		ret = -EOPNOTSUPP;
	}
	ipc_ckpt_perm_save(ctx, &msq->q_perm, &h->perm);
	h->qbytes = msq->q_qbytes;
	h->stime = msq->q_stime;
	h->rtime = msq->q_rtime;
	h->ctime = msq->q_ctime;
	h->lspid = ipc_ckpt_pid(ctx, msq->q_lspid);
	h->lrpid = ipc_ckpt_pid(ctx, msq->q_lrpid);
	h->nr_msgs = msq->q_qnum;
unlock:
	ipc_unlock_object(&msq->q_perm);
	return ret;
}

/**
 * msg_ckpt_save() - write the message queues of an ipc namespace
 * @ctx: checkpoint context
 * @ns: the tree's own ipc namespace
 * @nr: how many its IPC_NS record announced
 *
 * Return: 0, -EBUSY if the queues changed meanwhile, -EOPNOTSUPP (with
 * a log line) for one that cannot be saved, or a negative errno.
 */
int msg_ckpt_save(struct ckpt_ctx *ctx, struct ipc_namespace *ns, u32 nr)
{
	struct ipc_ids *ids = &msg_ids(ns);
	struct kern_ipc_perm *ipcp;
	struct msg_queue *msq;
	const char *why = NULL;
	int ret = 0, idx, id = 0, err = 0;
	void *buf;
	u32 n = 0;

	buf = kvmalloc(MSG_CKPT_BATCH + CKPT_MSG_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	down_read(&ids->rwsem);
	for (idx = 0; !ret; idx++) {
		struct ckpt_hdr_msq h = {};

		msq = NULL;
		rcu_read_lock();
		ipcp = idr_get_next(&ids->ipcs_idr, &idx);
		if (ipcp) {
			id = ipcp->id;
			msq = container_of(ipcp, struct msg_queue, q_perm);
			err = msg_ckpt_copy(ctx, msq,
					    READ_ONCE(ns->msg_ctlmax), &h, &why);
		}
		rcu_read_unlock();
		if (!ipcp)
			break;
		if (err) {
			ret = ckpt_err(ctx, err,
				       "ipc namespace: SysV message queue %d %s",
				       id, why);
			/* Without a reference to put */
			if (err == -EBUSY)
				break;
		} else if (++n > nr) {
			ret = -EBUSY;
		} else {
			ret = ckpt_write_obj(ctx, &h, CKPT_HDR_MSQ);
			if (!ret)
				ret = msg_ckpt_msgs(ctx, msq, h.nr_msgs, buf);
		}
		ipc_rcu_putref(&msq->q_perm, msg_rcu_free);
	}
	up_read(&ids->rwsem);
	kvfree(buf);
	if (!ret && n != nr)
		ret = -EBUSY;
	if (ret == -EBUSY)
		ckpt_err(ctx, ret, "ipc namespace: its message queues changed meanwhile");
	return ret;
}

/* Put a message at the end of a queue, as msgsnd(2) does */
static void msg_ckpt_queue(struct ipc_namespace *ns, struct msg_queue *msq,
			   struct msg_msg *msg)
{
	list_add_tail(&msg->m_list, &msq->q_messages);
	msq->q_cbytes += msg->m_ts;
	msq->q_qnum++;
	percpu_counter_add_local(&ns->percpu_msg_bytes, msg->m_ts);
	percpu_counter_add_local(&ns->percpu_msg_hdrs, 1);
}

/* Read (and unless verifying, queue) the MSG records of a queue */
static int msg_ckpt_load_msgs(struct ckpt_ctx *ctx,
			      const struct ckpt_hdr_msq *q, int id)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	u64 bytes = 0, max = ctx->ns.ipc.msg_ctlmax;
	const struct ckpt_hdr_msg *h;
	struct msg_queue *msq;
	struct msg_msg *msg;
	u32 i;
	int ret;

	for (i = 0; i < q->nr_msgs; i++) {
		h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_MSG);
		if (IS_ERR(h))
			return PTR_ERR(h);
		if (h->mtype < 1 || h->len > min_t(u64, max, CKPT_MSG_MAX))
			return ckpt_bad(ctx, "MSG", "type or length",
					"%lld/%u (msgmax %llu) in queue %u",
					h->mtype, h->len, max, q->perm.id);
		ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), h->len);
		if (!ret)
			ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad),
					     "MSG record");
		if (ret)
			return ret;
		bytes += h->len;
		if (bytes > q->qbytes || i >= q->qbytes)
			return ckpt_bad(ctx, "MSG", "length",
					"%u: queue %u holds more than its %llu bytes",
					h->len, q->perm.id, q->qbytes);
		if (ckpt_verify_only(ctx))
			continue;
		msg = msg_ckpt_alloc(h + 1, h->len);
		if (IS_ERR(msg))
			return PTR_ERR(msg);
		msg->m_type = h->mtype;
		msg->m_ts = h->len;
		rcu_read_lock();
		msq = msq_obtain_object(ns, id);
		if (IS_ERR(msq)) {
			rcu_read_unlock();
			free_msg(msg);
			return ckpt_err(ctx, -EBUSY, "SysV message queue %u: gone",
					q->perm.id);
		}
		ipc_lock_object(&msq->q_perm);
		msg_ckpt_queue(ns, msq, msg);
		ipc_unlock_object(&msq->q_perm);
		rcu_read_unlock();
	}
	return 0;
}

static long msg_ckpt_get(void *arg)
{
	const struct ckpt_hdr_msq *h = arg;

	return ksys_msgget(h->perm.key, IPC_CREAT | IPC_EXCL | 0600);
}

/* Make the queue of a checked MSQ record, empty */
static int msg_ckpt_make(struct ckpt_ctx *ctx, const struct ckpt_hdr_msq *h)
{
	struct ipc_namespace *ns = current->nsproxy->ipc_ns;
	struct msg_queue *msq;
	int id = h->perm.id;
	int ret;

	if (h->qbytes > ns->msg_ctlmnb && !capable(CAP_SYS_RESOURCE))
		return ckpt_err(ctx, -EPERM,
				"SysV message queue %u: %llu bytes, above kernel.msgmnb, need CAP_SYS_RESOURCE",
				h->perm.id, h->qbytes);
	ret = ipc_ckpt_perm_allowed(ctx, ns, &h->perm);
	if (!ret)
		ret = ipc_ckpt_make(ctx, &msg_ids(ns), "message queue", id,
				    msg_ckpt_get, (void *)h);
	if (ret)
		return ret;
	rcu_read_lock();
	msq = msq_obtain_object(ns, id);
	if (IS_ERR(msq)) {
		rcu_read_unlock();
		return ckpt_err(ctx, -EBUSY, "SysV message queue %u: gone",
				h->perm.id);
	}
	ipc_ckpt_perm_set(&msq->q_perm, &h->perm, 0);
	ipc_lock_object(&msq->q_perm);
	msq->q_qbytes = h->qbytes;
	msq->q_stime = h->stime;
	msq->q_rtime = h->rtime;
	msq->q_ctime = h->ctime;
	ipc_unlock_object(&msq->q_perm);
	rcu_read_unlock();
	return ipc_ckpt_defer_pids(ctx, CKPT_HDR_MSQ, id, h->lspid, h->lrpid,
				   NULL);
}

/**
 * msg_ckpt_load() - read the MSQ records of an image, with their messages
 * @ctx: restart context, in the root of the image, in its new ipc
 *	namespace (or verifying)
 * @nr: how many the IPC_NS record announced
 *
 * Return: 0, or a negative errno with a log line.
 */
int msg_ckpt_load(struct ckpt_ctx *ctx, u32 nr)
{
	const struct ckpt_hdr_msq *h;
	struct ckpt_hdr_msq copy;
	u32 i;
	int ret;

	for (i = 0; i < nr; i++) {
		h = (void *)ckpt_read_rec_type(ctx, CKPT_HDR_MSQ);
		if (IS_ERR(h))
			return PTR_ERR(h);
		ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h), 0);
		if (!ret)
			ret = ipc_ckpt_perm_check(ctx, &h->perm, 0, "MSQ");
		if (!ret)
			ret = ckpt_check_pad(ctx, &h->__pad, sizeof(h->__pad),
					     "MSQ record");
		if (ret)
			return ret;
		if (h->qbytes > INT_MAX || h->nr_msgs > h->qbytes)
			return ckpt_bad(ctx, "MSQ", "qbytes", "%llu for %u messages",
					h->qbytes, h->nr_msgs);
		if (h->lspid > PID_MAX_LIMIT || h->lrpid > PID_MAX_LIMIT)
			return ckpt_bad(ctx, "MSQ", "pids", "%u/%u", h->lspid,
					h->lrpid);
		ret = ipc_ckpt_note(ctx, CKPT_HDR_MSQ, h->perm.id, 0);
		if (ret)
			return ret;
		/* The MSG records reuse the buffer */
		copy = *h;
		if (!ckpt_verify_only(ctx))
			ret = msg_ckpt_make(ctx, &copy);
		if (!ret)
			ret = msg_ckpt_load_msgs(ctx, &copy, copy.perm.id);
		if (ret)
			return ret;
	}
	return 0;
}

/* Set the pids a queue keeps, once the tasks are made */
void msg_ckpt_set_pids(struct ipc_namespace *ns, int id, struct pid *lspid,
		       struct pid *lrpid)
{
	struct msg_queue *msq;

	rcu_read_lock();
	msq = msq_obtain_object(ns, id);
	if (!IS_ERR(msq)) {
		ipc_lock_object(&msq->q_perm);
		ipc_update_pid(&msq->q_lspid, lspid);
		ipc_update_pid(&msq->q_lrpid, lrpid);
		ipc_unlock_object(&msq->q_perm);
	}
	rcu_read_unlock();
}
