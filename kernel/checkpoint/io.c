// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the record stream and the log.
 *
 * The image is written and read strictly sequentially, through a
 * buffer, so that it can be a pipe or a socket.  Every byte goes
 * through a running CRC32C that the tail record carries.
 */

#include <linux/checkpoint.h>
#include <linux/crc32.h>
#include <linux/fs.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "checkpoint.h"

/*
 * Write or read at the file position, as write(2)/read(2) do, or at no
 * position for stream files (pipes, sockets).
 */
static ssize_t ckpt_kernel_rw(struct file *file, void *buf, size_t len,
			      bool write)
{
	loff_t pos, *ppos = NULL;
	ssize_t ret;

	if (!(file->f_mode & FMODE_STREAM)) {
		pos = file->f_pos;
		ppos = &pos;
	}
	if (write)
		ret = kernel_write(file, buf, len, ppos);
	else
		ret = kernel_read(file, buf, len, ppos);
	if (ret > 0 && ppos)
		file->f_pos = pos;
	return ret;
}

/**
 * ckpt_log() - write a line to the log fd of a checkpoint or restart
 * @ctx: checkpoint or restart context
 * @fmt: printf-style format of the line, without the newline
 *
 * Does nothing when the caller passed no log fd.  Errors writing the
 * log are ignored: the log never makes the operation fail.
 */
void ckpt_log(struct ckpt_ctx *ctx, const char *fmt, ...)
{
	va_list args;
	size_t len;

	if (!ctx->logfile)
		return;
	va_start(args, fmt);
	len = vscnprintf(ctx->logbuf, CKPT_LOG_LINE - 1, fmt, args);
	va_end(args);
	ctx->logbuf[len++] = '\n';
	ckpt_kernel_rw(ctx->logfile, ctx->logbuf, len, true);
}

/* Hand everything buffered to the image file */
int ckpt_flush(struct ckpt_ctx *ctx)
{
	size_t done = 0;
	ssize_t ret;

	while (done < ctx->buf_used) {
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = ckpt_kernel_rw(ctx->file, ctx->buf + done,
				     ctx->buf_used - done, true);
		if (ret < 0)
			return ckpt_err(ctx, (int)ret,
					"writing the image at byte %llu",
					ctx->bytes);
		if (!ret)
			return ckpt_err(ctx, -EIO, "image file accepts no data");
		done += ret;
	}
	ctx->buf_used = 0;
	return 0;
}

/**
 * ckpt_write() - append bytes to the current record
 * @ctx: checkpoint context
 * @data: bytes to write
 * @len: how many
 *
 * Context: may sleep; no spinlock or mmap lock may be held.
 * Return: 0 or a negative errno.
 */
int ckpt_write(struct ckpt_ctx *ctx, const void *data, size_t len)
{
	size_t n;
	int ret;

	ctx->crc = __crc32c_le(ctx->crc, data, len);
	ctx->bytes += len;
	while (len) {
		if (ctx->buf_used == ctx->buf_size) {
			ret = ckpt_flush(ctx);
			if (ret)
				return ret;
		}
		n = min(len, ctx->buf_size - ctx->buf_used);
		memcpy(ctx->buf + ctx->buf_used, data, n);
		ctx->buf_used += n;
		data += n;
		len -= n;
	}
	return 0;
}

static int ckpt_write_zeroes(struct ckpt_ctx *ctx, size_t len)
{
	static const u8 zeroes[CKPT_ALIGN];

	return len ? ckpt_write(ctx, zeroes, len) : 0;
}

/**
 * ckpt_rec_begin() - start a record whose payload is written in pieces
 * @ctx: checkpoint context
 * @h: header of the record's fixed part; type and len are set here
 * @type: CKPT_HDR_* type
 * @size: size of the fixed part (the struct @h begins)
 * @payload: bytes that will follow the fixed part
 *
 * The caller then writes exactly @payload bytes with ckpt_write() and
 * finishes with ckpt_rec_end().
 *
 * Return: 0 or a negative errno.
 */
int ckpt_rec_begin(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		   size_t size, size_t payload)
{
	size_t len = ALIGN(size + payload, CKPT_ALIGN);

	if (WARN_ON_ONCE(len > CKPT_RECORD_MAX))
		return -E2BIG;
	h->type = type;
	h->len = len;
	ctx->nr_records++;
	return ckpt_write(ctx, h, size);
}

/**
 * ckpt_rec_end() - finish a record started with ckpt_rec_begin()
 * @ctx: checkpoint context
 * @h: header of the record
 * @size: size of the fixed part
 * @payload: bytes of payload written
 *
 * Return: 0 or a negative errno.
 */
int ckpt_rec_end(struct ckpt_ctx *ctx, const struct ckpt_hdr *h, size_t size,
		 size_t payload)
{
	return ckpt_write_zeroes(ctx, h->len - size - payload);
}

/**
 * ckpt_write_rec() - write a whole record
 * @ctx: checkpoint context
 * @h: header of the record's fixed part; type and len are set here
 * @type: CKPT_HDR_* type
 * @size: size of the fixed part
 * @payload: bytes following the fixed part, or NULL
 * @payload_len: how many
 *
 * Return: 0 or a negative errno.
 */
int ckpt_write_rec(struct ckpt_ctx *ctx, struct ckpt_hdr *h, u32 type,
		   size_t size, const void *payload, size_t payload_len)
{
	int ret;

	ret = ckpt_rec_begin(ctx, h, type, size, payload_len);
	if (!ret && payload_len)
		ret = ckpt_write(ctx, payload, payload_len);
	if (!ret)
		ret = ckpt_rec_end(ctx, h, size, payload_len);
	return ret;
}

/* Read exactly @len bytes of the image, or fail */
static int ckpt_read(struct ckpt_ctx *ctx, void *buf, size_t len)
{
	size_t done = 0;
	ssize_t ret;

	while (done < len) {
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = ckpt_kernel_rw(ctx->file, buf + done, len - done, false);
		if (ret < 0)
			return ckpt_err(ctx, (int)ret,
					"reading the image at byte %llu",
					ctx->bytes + done);
		if (!ret)
			return ckpt_err(ctx, -EINVAL,
					"image truncated at byte %llu",
					ctx->bytes + done);
		done += ret;
	}
	ctx->crc = __crc32c_le(ctx->crc, buf, len);
	ctx->bytes += len;
	return 0;
}

/**
 * ckpt_read_rec() - read the next record of the image
 * @ctx: restart context
 *
 * Checks the framing: a known type, a length that is a multiple of
 * %CKPT_ALIGN, no longer than %CKPT_RECORD_MAX and no shorter than the
 * type's fixed part.  The record stays valid until the next call.
 *
 * Return: the record, or an ERR_PTR().
 */
struct ckpt_hdr *ckpt_read_rec(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr *h = ctx->buf;
	size_t min;
	int ret;

	if (ctx->unread) {
		ctx->unread = false;
		return h;
	}
	ctx->crc_before = ctx->crc;
	ret = ckpt_read(ctx, h, sizeof(*h));
	if (ret)
		return ERR_PTR(ret);
	min = ckpt_rec_size(h->type);
	if (!min)
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"record %u at byte %llu: unknown type %u",
					ctx->nr_records, ctx->bytes - sizeof(*h),
					h->type));
	if (h->len < min || h->len > CKPT_RECORD_MAX ||
	    !IS_ALIGNED(h->len, CKPT_ALIGN))
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"record %u (%s) at byte %llu: bad length %u",
					ctx->nr_records, ckpt_rec_name(h->type),
					ctx->bytes - sizeof(*h), h->len));
	ret = ckpt_read(ctx, h + 1, h->len - sizeof(*h));
	if (ret)
		return ERR_PTR(ret);
	ctx->nr_records++;
	return h;
}

/**
 * ckpt_read_rec_type() - read the next record, which must be of a type
 * @ctx: restart context
 * @type: the CKPT_HDR_* type expected
 *
 * Return: the record, or an ERR_PTR().
 */
struct ckpt_hdr *ckpt_read_rec_type(struct ckpt_ctx *ctx, u32 type)
{
	struct ckpt_hdr *h = ckpt_read_rec(ctx);

	if (!IS_ERR(h) && h->type != type)
		return ERR_PTR(ckpt_err(ctx, -EINVAL,
					"record %u: %s where %s was expected",
					ctx->nr_records - 1,
					ckpt_rec_name(h->type),
					ckpt_rec_name(type)));
	return h;
}

/**
 * ckpt_unread_rec() - make ckpt_read_rec() return the last record again
 * @ctx: restart context
 */
void ckpt_unread_rec(struct ckpt_ctx *ctx)
{
	ctx->unread = true;
}

/**
 * ckpt_check_pad() - check that reserved bytes are zero
 * @ctx: restart context
 * @pad: the bytes
 * @len: how many
 * @what: what they are, for the log
 *
 * Return: 0, or -EINVAL.
 */
int ckpt_check_pad(struct ckpt_ctx *ctx, const void *pad, size_t len,
		   const char *what)
{
	if (memchr_inv(pad, 0, len))
		return ckpt_err(ctx, -EINVAL, "%s: reserved bytes not zero",
				what);
	return 0;
}

/**
 * ckpt_rec_payload() - check the length and padding of a record
 * @ctx: restart context
 * @h: the record
 * @size: size of its fixed part
 * @payload: bytes of payload it must carry after the fixed part
 *
 * Return: 0, or -EINVAL if the record's length is not exactly the
 * fixed part and the payload, padded with zeroes to %CKPT_ALIGN.
 */
int ckpt_rec_payload(struct ckpt_ctx *ctx, const struct ckpt_hdr *h,
		     size_t size, size_t payload)
{
	size_t used = size + payload;

	if (payload > CKPT_RECORD_MAX || h->len != ALIGN(used, CKPT_ALIGN))
		return ckpt_err(ctx, -EINVAL,
				"%s record: length %u, expected %zu",
				ckpt_rec_name(h->type), h->len,
				ALIGN(used, CKPT_ALIGN));
	return ckpt_check_pad(ctx, (const void *)h + used, h->len - used,
			      ckpt_rec_name(h->type));
}

/**
 * ckpt_check_string() - check a NUL-terminated string of an image
 * @ctx: restart context
 * @s: the string
 * @len: its length, terminating NUL included
 * @what: what it is, for the log
 *
 * Return: 0, or -EINVAL unless the only NUL in @s is at @s[@len - 1].
 */
int ckpt_check_string(struct ckpt_ctx *ctx, const char *s, size_t len,
		      const char *what)
{
	if (!len || strnlen(s, len) != len - 1)
		return ckpt_err(ctx, -EINVAL, "%s: not a NUL-terminated string",
				what);
	return 0;
}
