// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the text of a SysV message, in and out of the
 * segments of a struct msg_msg.  Included at the end of ipc/msgutil.c.
 */

#include <linux/checkpoint.h>

/**
 * msg_ckpt_text() - copy the text of a message
 * @msg: the message, its queue locked
 * @buf: where, at least @msg->m_ts bytes
 *
 * Context: any; does not sleep.
 */
void msg_ckpt_text(const struct msg_msg *msg, void *buf)
{
	const struct msg_msgseg *seg;
	size_t len = msg->m_ts, alen;

	alen = min(len, DATALEN_MSG);
	memcpy(buf, msg + 1, alen);
	for (seg = msg->next; seg; seg = seg->next) {
		buf += alen;
		len -= alen;
		alen = min(len, DATALEN_SEG);
		memcpy(buf, seg + 1, alen);
	}
}

/**
 * msg_ckpt_alloc() - a new message with a text, as msgsnd(2) makes one
 * @text: its text
 * @len: its length
 *
 * Return: the message (m_type and m_list unset), or an ERR_PTR().
 */
struct msg_msg *msg_ckpt_alloc(const void *text, size_t len)
{
	struct msg_msgseg *seg;
	struct msg_msg *msg;
	size_t alen;
	int err;

	msg = alloc_msg(len);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	alen = min(len, DATALEN_MSG);
	memcpy(msg + 1, text, alen);
	for (seg = msg->next; seg; seg = seg->next) {
		len -= alen;
		text += alen;
		alen = min(len, DATALEN_SEG);
		memcpy(seg + 1, text, alen);
	}
	err = security_msg_msg_alloc(msg);
	if (err) {
		free_msg(msg);
		return ERR_PTR(err);
	}
	return msg;
}
