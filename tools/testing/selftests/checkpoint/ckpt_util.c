// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the checkpoint/restart selftests.
 */
#include <cpuid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "ckpt_util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif
#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC		0x0001U
#endif
#ifndef __NR_close_range
#define __NR_close_range	436
#endif

long sys_checkpoint(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_checkpoint, pid, fd, flags, logfd);
}

long sys_restart(pid_t pid, int fd, unsigned long flags, int logfd)
{
	return syscall(__NR_restart, pid, fd, flags, logfd);
}

/* CRC32C (Castagnoli), reflected polynomial 0x82f63b78 */
uint32_t ckpt_crc32c(const void *buf, size_t len)
{
	static uint32_t table[256];
	const unsigned char *p = buf;
	uint32_t crc = ~0U, c;
	int i, j;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			c = i;
			for (j = 0; j < 8; j++)
				c = (c >> 1) ^ ((c & 1) ? 0x82f63b78U : 0);
			table[i] = c;
		}
	}
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static const struct {
	uint32_t type;
	const char *name;
	size_t size;
} rec_desc[] = {
#define CKPT_REC(up, lc) { CKPT_HDR_##up, #up, sizeof(struct ckpt_hdr_##lc) },
#include "ckpt_names.h"
#undef CKPT_REC
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

const char *ckpt_rec_name(uint32_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rec_desc); i++)
		if (rec_desc[i].type == type)
			return rec_desc[i].name;
	return "UNKNOWN";
}

size_t ckpt_rec_size(uint32_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rec_desc); i++)
		if (rec_desc[i].type == type)
			return rec_desc[i].size;
	return 0;
}

/* ---- decoder ---- */

struct parse_state {
	struct ckpt_image *img;
	size_t off;
	uint32_t page_size;
	uint32_t fds_left;		/* FD records still due to a FILES */
	uint32_t locks_left;		/* FILE_LOCK records due after them */
	uint32_t bufs_left;		/* PIPE_BUF records due to a PIPE */
	uint32_t data_left;		/* FILE_DATA records due to a MEMFD */
	uint64_t data_next;		/* where the next FILE_DATA may start */
	uint64_t data_size;		/* size of that MEMFD */
	uint32_t items_left;		/* EPOLL_ITEM records due to an EPOLL */
	uint32_t watches_left;		/* INOTIFY_WATCH records of an INOTIFY */
	uint32_t events_left;		/* INOTIFY_EVENT records after them */
	uint32_t last_wd;
	int64_t last_fd;
	uint32_t vmas_left;		/* VMA records still due to an MM */
	const struct ckpt_hdr_vma *vma;	/* that PAGES may follow */
	uint64_t last_vma_end;
	uint64_t last_page_end;
	const struct ckpt_hdr_clone *clone;	/* of the task being read */
	uint32_t nr_clones;
};

static int __attribute__((format(printf, 2, 3)))
fail(struct parse_state *s, const char *fmt, ...)
{
	struct ckpt_image *img = s->img;
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(img->err, sizeof(img->err), "record %u (%s) at %#zx: %s",
		 img->nr ? img->nr - 1 : 0,
		 img->nr ? ckpt_rec_name(img->recs[img->nr - 1]->type) : "-",
		 s->off, msg);
	return -1;
}

static bool all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		if (*c++)
			return false;
	return true;
}

/* Exact length: fixed part, @payload bytes, zero padding */
static int check_len(struct parse_state *s, const struct ckpt_hdr *h,
		     size_t size, uint64_t payload)
{
	uint64_t want = CKPT_ALIGN_UP(size + payload);

	if (h->len != want)
		return fail(s, "length %u, expected %llu", h->len,
			    (unsigned long long)want);
	if (!all_zero((const char *)h + size + payload, want - size - payload))
		return fail(s, "nonzero padding at the end");
	return 0;
}

static int define_obj(struct parse_state *s, const struct ckpt_hdr *h,
		      uint32_t objref)
{
	struct ckpt_image *img = s->img;

	if (objref != img->nr_objs + 1)
		return fail(s, "object id %u, expected %u", objref,
			    img->nr_objs + 1);
	img->objs = realloc(img->objs, (objref + 1) * sizeof(*img->objs));
	if (!img->objs)
		return fail(s, "out of memory");
	img->objs[0] = NULL;
	img->objs[objref] = h;
	img->nr_objs = objref;
	return 0;
}

static int check_ref(struct parse_state *s, uint32_t ref, uint32_t type,
		     bool optional, const char *what)
{
	struct ckpt_image *img = s->img;

	if (!ref)
		return optional ? 0 : fail(s, "%s is 0", what);
	if (ref > img->nr_objs)
		return fail(s, "%s %u: no such object yet", what, ref);
	if (img->objs[ref]->type != type)
		return fail(s, "%s %u is a %s, not a %s", what, ref,
			    ckpt_rec_name(img->objs[ref]->type),
			    ckpt_rec_name(type));
	return 0;
}

static int check_str(struct parse_state *s, const char *p, size_t len,
		     const char *what)
{
	if (!len || strnlen(p, len) != len - 1)
		return fail(s, "%s is not a NUL-terminated string of %zu bytes",
			    what, len);
	return 0;
}

/* The record type a FILE record of @kind without a path refers to */
static uint32_t file_obj_type(uint32_t kind)
{
	switch (kind) {
	case CKPT_FILE_PIPE:
	case CKPT_FILE_FIFO:
		return CKPT_HDR_PIPE;
	case CKPT_FILE_EVENTFD:
		return CKPT_HDR_EVENTFD;
	case CKPT_FILE_SIGNALFD:
		return CKPT_HDR_SIGNALFD;
	case CKPT_FILE_TIMERFD:
		return CKPT_HDR_TIMERFD;
	case CKPT_FILE_MEMFD:
		return CKPT_HDR_MEMFD;
	case CKPT_FILE_EPOLL:
		return CKPT_HDR_EPOLL;
	case CKPT_FILE_UNLINKED:
		return CKPT_HDR_GHOST;
	case CKPT_FILE_INOTIFY:
		return CKPT_HDR_INOTIFY;
	case CKPT_FILE_PTY:
		return CKPT_HDR_PTY;
	}
	return 0;
}

static int parse_rec(struct parse_state *s, const struct ckpt_hdr *h)
{
	struct ckpt_image *img = s->img;
	size_t size = ckpt_rec_size(h->type);
	size_t n;

	if (!size)
		return fail(s, "unknown record type %u", h->type);
	if (h->len < size)
		return fail(s, "length %u shorter than %zu", h->len, size);

	/* Sequencing of the FD records of a FILES, the VMAs of an MM */
	if (s->bufs_left && h->type != CKPT_HDR_PIPE_BUF)
		return fail(s, "%u PIPE_BUF records missing", s->bufs_left);
	if (s->data_left && h->type != CKPT_HDR_FILE_DATA)
		return fail(s, "%u FILE_DATA records missing", s->data_left);
	if (s->items_left && h->type != CKPT_HDR_EPOLL_ITEM)
		return fail(s, "%u EPOLL_ITEM records missing", s->items_left);
	if (s->watches_left && h->type != CKPT_HDR_INOTIFY_WATCH)
		return fail(s, "%u INOTIFY_WATCH records missing",
			    s->watches_left);
	if (!s->watches_left && s->events_left &&
	    h->type != CKPT_HDR_INOTIFY_EVENT)
		return fail(s, "%u INOTIFY_EVENT records missing",
			    s->events_left);
	if (s->fds_left && h->type != CKPT_HDR_FD && h->type != CKPT_HDR_FILE &&
	    h->type != CKPT_HDR_PIPE && h->type != CKPT_HDR_PIPE_BUF &&
	    h->type != CKPT_HDR_EVENTFD && h->type != CKPT_HDR_SIGNALFD &&
	    h->type != CKPT_HDR_TIMERFD && h->type != CKPT_HDR_MEMFD &&
	    h->type != CKPT_HDR_FILE_DATA && h->type != CKPT_HDR_EPOLL &&
	    h->type != CKPT_HDR_EPOLL_ITEM && h->type != CKPT_HDR_GHOST &&
	    h->type != CKPT_HDR_INOTIFY && h->type != CKPT_HDR_INOTIFY_WATCH &&
	    h->type != CKPT_HDR_INOTIFY_EVENT &&
	    h->type != CKPT_HDR_PTY && h->type != CKPT_HDR_PTY_DATA)
		return fail(s, "%u FD records missing", s->fds_left);
	if (!s->fds_left && s->locks_left && h->type != CKPT_HDR_FILE_LOCK)
		return fail(s, "%u FILE_LOCK records missing", s->locks_left);
	if (h->type != CKPT_HDR_PAGES && h->type != CKPT_HDR_VMA) {
		if (s->vmas_left)
			return fail(s, "%u VMA records missing", s->vmas_left);
		s->vma = NULL;
	}

	switch (h->type) {
	case CKPT_HDR_HEADER: {
		const struct ckpt_hdr_header *r = (const void *)h;

		if (img->nr != 1)
			return fail(s, "HEADER is not the first record");
		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->magic != CKPT_MAGIC)
			return fail(s, "bad magic %#llx",
				    (unsigned long long)r->magic);
		if (r->version != CKPT_VERSION || r->arch != CKPT_ARCH_X86_64)
			return fail(s, "version %u arch %u", r->version, r->arch);
		if (!r->page_size || (r->page_size & (r->page_size - 1)))
			return fail(s, "page size %u", r->page_size);
		if (!r->pid || r->__pad)
			return fail(s, "pid %u pad %#x", r->pid, r->__pad);
		n = strnlen(r->release, sizeof(r->release));
		if (n == sizeof(r->release))
			return fail(s, "release is not NUL-terminated");
		if (!all_zero(r->release + n, sizeof(r->release) - n))
			return fail(s, "garbage after the release string");
		s->page_size = r->page_size;
		img->hdr = r;
		return 0;
	}
	case CKPT_HDR_TAIL: {
		const struct ckpt_hdr_tail *r = (const void *)h;
		uint32_t crc = ckpt_crc32c(img->buf, s->off);

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->nr_records != img->nr - 1)
			return fail(s, "nr_records %u, counted %u", r->nr_records,
				    img->nr - 1);
		if (r->crc32c != crc)
			return fail(s, "crc32c %#x, computed %#x", r->crc32c, crc);
		if (s->nr_clones != img->hdr->nr_tasks)
			return fail(s, "%u tasks, the header says %u",
				    s->nr_clones, img->hdr->nr_tasks);
		img->tail = r;
		return 0;
	}
	case CKPT_HDR_TASK: {
		const struct ckpt_hdr_task *r = (const void *)h;
		bool zombie;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->flags & ~CKPT_TASK_FLAGS)
			return fail(s, "flags %#x", r->flags);
		if (strnlen(r->comm, sizeof(r->comm)) == sizeof(r->comm))
			return fail(s, "comm is not NUL-terminated");
		if (!s->clone || r->pid != s->clone->pid)
			return fail(s, "task pid %u, not its CLONE record's", r->pid);
		zombie = s->clone->flags & CKPT_CLONE_ZOMBIE;
		s->clone = NULL;
		if (check_ref(s, r->cred_ref, CKPT_HDR_CRED, false, "cred_ref") ||
		    check_ref(s, r->mm_ref, CKPT_HDR_MM, zombie, "mm_ref") ||
		    check_ref(s, r->files_ref, CKPT_HDR_FILES, zombie,
			      "files_ref") ||
		    check_ref(s, r->fs_ref, CKPT_HDR_FS, zombie, "fs_ref") ||
		    check_ref(s, r->sighand_ref, CKPT_HDR_SIGHAND, zombie,
			      "sighand_ref") ||
		    check_ref(s, r->signal_ref, CKPT_HDR_SIGNAL, zombie,
			      "signal_ref") ||
		    check_ref(s, r->sem_undo_ref, CKPT_HDR_SEM_UNDO, true,
			      "sem_undo_ref"))
			return -1;
		if (r->__pad)
			return fail(s, "task pad %#x", r->__pad);
		if (zombie && (r->mm_ref || r->files_ref || r->fs_ref ||
			       r->sighand_ref || r->signal_ref ||
			       r->sem_undo_ref))
			return fail(s, "zombie %u refers to objects", r->pid);
		return 0;
	}
	case CKPT_HDR_CLONE: {
		const struct ckpt_hdr_clone *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->flags & ~CKPT_CLONE_FLAGS)
			return fail(s, "clone flags %#x", r->flags);
		if (!s->nr_clones++ ? r->pid != img->hdr->pid || r->ppid :
				      !r->ppid)
			return fail(s, "clone pid %u ppid %u", r->pid, r->ppid);
		if (s->nr_clones > img->hdr->nr_tasks)
			return fail(s, "more than %u tasks", img->hdr->nr_tasks);
		s->clone = r;
		return 0;
	}
	case CKPT_HDR_SCHED: {
		const struct ckpt_hdr_sched *r = (const void *)h;
		uint32_t words = (r->nr_cpus + 63) / 64;

		if (!r->nr_cpus || r->nr_cpus > CKPT_CPUS_MAX)
			return fail(s, "nr_cpus %u", r->nr_cpus);
		if (check_len(s, h, sizeof(*r), (uint64_t)words * 8))
			return -1;
		if (r->__pad || (r->flags & ~CKPT_SCHED_FLAGS))
			return fail(s, "pad %#x flags %#x", r->__pad, r->flags);
		return 0;
	}
	case CKPT_HDR_CRED: {
		const struct ckpt_hdr_cred *r = (const void *)h;

		if (r->ngroups > CKPT_NGROUPS_MAX)
			return fail(s, "ngroups %u", r->ngroups);
		if (check_len(s, h, sizeof(*r), (uint64_t)r->ngroups * 4))
			return -1;
		if (r->__pad)
			return fail(s, "nonzero __pad");
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_CPU: {
		const struct ckpt_hdr_cpu *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->restart_bitset && r->restart != CKPT_RESTART_FUTEX &&
		    r->restart != CKPT_RESTART_FUTEX_SHARED)
			return fail(s, "restart_bitset without a futex wait");
		return 0;
	}
	case CKPT_HDR_XSTATE: {
		const struct ckpt_hdr_xstate *r = (const void *)h;

		if (r->size > CKPT_XSTATE_MAX)
			return fail(s, "XSAVE size %u", r->size);
		if (check_len(s, h, sizeof(*r), r->size))
			return -1;
		if (r->__pad)
			return fail(s, "nonzero __pad");
		return 0;
	}
	case CKPT_HDR_FILE: {
		const struct ckpt_hdr_file *r = (const void *)h;

		if (r->path_len > CKPT_PATH_MAX)
			return fail(s, "path_len %u", r->path_len);
		if (check_len(s, h, sizeof(*r), r->path_len))
			return -1;
		if (!r->kind || r->kind > CKPT_FILE_KIND_MAX)
			return fail(s, "file kind %u", r->kind);
		if (r->flags & ~CKPT_O_FLAGS || r->__pad)
			return fail(s, "file flags %#x pad %#x", r->flags,
				    r->__pad);
		if (r->path_len) {
			if (check_str(s, (const char *)(r + 1), r->path_len,
				      "path"))
				return -1;
			if (r->obj_ref && r->kind != CKPT_FILE_FIFO)
				return fail(s, "file with a path and an obj_ref");
		}
		if ((!r->path_len || r->kind == CKPT_FILE_FIFO) &&
		    check_ref(s, r->obj_ref, file_obj_type(r->kind), false,
			      "obj_ref"))
			return -1;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_PIPE: {
		const struct ckpt_hdr_pipe *r = (const void *)h;

		if (r->path_len > CKPT_PATH_MAX)
			return fail(s, "path_len %u", r->path_len);
		if (check_len(s, h, sizeof(*r), r->path_len))
			return -1;
		if (r->path_len &&
		    check_str(s, (const char *)(r + 1), r->path_len, "path"))
			return -1;
		if (!r->size || r->size % s->page_size ||
		    r->nr_bufs > r->size / s->page_size)
			return fail(s, "pipe size %u nr_bufs %u", r->size,
				    r->nr_bufs);
		s->bufs_left = r->nr_bufs;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_PIPE_BUF: {
		const struct ckpt_hdr_pipe_buf *r = (const void *)h;

		if (!s->bufs_left)
			return fail(s, "PIPE_BUF record not announced by a PIPE");
		s->bufs_left--;
		if (!r->len || r->len > s->page_size || r->__pad)
			return fail(s, "len %u pad %#x", r->len, r->__pad);
		return check_len(s, h, sizeof(*r), r->len);
	}
	case CKPT_HDR_EVENTFD:
	case CKPT_HDR_SIGNALFD:
	case CKPT_HDR_TIMERFD: {
		const struct ckpt_hdr_eventfd *r = (const void *)h;

		if (check_len(s, h, size, 0))
			return -1;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_MEMFD: {
		const struct ckpt_hdr_memfd *r = (const void *)h;

		if (r->name_len > CKPT_MEMFD_NAME_MAX)
			return fail(s, "name_len %u", r->name_len);
		if (check_len(s, h, sizeof(*r), r->name_len))
			return -1;
		if (check_str(s, (const char *)(r + 1), r->name_len, "name"))
			return -1;
		if (r->__pad || r->seals & ~CKPT_SEALS || r->mode & ~07777 ||
		    r->nr_data > r->size)
			return fail(s, "seals %#x mode %#o nr_data %u pad %#x",
				    r->seals, r->mode, r->nr_data, r->__pad);
		s->data_left = r->nr_data;
		s->data_next = 0;
		s->data_size = r->size;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_FILE_DATA: {
		const struct ckpt_hdr_file_data *r = (const void *)h;

		if (!s->data_left)
			return fail(s, "FILE_DATA record not announced by a MEMFD or GHOST");
		s->data_left--;
		if (!r->len || r->len > CKPT_FILE_DATA_MAX || r->__pad ||
		    r->offset < s->data_next || r->offset > s->data_size ||
		    r->len > s->data_size - r->offset)
			return fail(s, "data %llu+%u in %llu bytes after %llu",
				    (unsigned long long)r->offset, r->len,
				    (unsigned long long)s->data_size,
				    (unsigned long long)s->data_next);
		s->data_next = r->offset + r->len;
		return check_len(s, h, sizeof(*r), r->len);
	}
	case CKPT_HDR_PTY: {
		const struct ckpt_hdr_pty *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->flags & ~CKPT_PTY_FLAGS || r->nr_data > 4)
			return fail(s, "flags %#x nr_data %u", r->flags,
				    r->nr_data);
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_PTY_DATA: {
		const struct ckpt_hdr_pty_data *r = (const void *)h;

		if (!r->len || r->len > CKPT_PTY_FLIP_MAX || r->__pad)
			return fail(s, "len %u pad %#x", r->len, r->__pad);
		return check_len(s, h, sizeof(*r), r->len +
				 (r->kind == CKPT_PTY_DATA_LDISC ?
				  (r->len + 7) / 8 : 0));
	}
	case CKPT_HDR_GHOST: {
		const struct ckpt_hdr_ghost *r = (const void *)h;

		if (r->dir_len > CKPT_PATH_MAX)
			return fail(s, "dir_len %u", r->dir_len);
		if (check_len(s, h, sizeof(*r), r->dir_len))
			return -1;
		if (check_str(s, (const char *)(r + 1), r->dir_len, "dir"))
			return -1;
		if (r->mode & ~07777 || r->nr_data > r->size)
			return fail(s, "mode %#o nr_data %u", r->mode, r->nr_data);
		s->data_left = r->nr_data;
		s->data_next = 0;
		s->data_size = r->size;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_EPOLL: {
		const struct ckpt_hdr_epoll *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->nr_items > CKPT_EPOLL_ITEMS_MAX)
			return fail(s, "nr_items %u", r->nr_items);
		s->items_left = r->nr_items;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_EPOLL_ITEM: {
		const struct ckpt_hdr_epoll_item *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (!s->items_left)
			return fail(s, "EPOLL_ITEM record not announced by an EPOLL");
		s->items_left--;
		if (r->__pad || r->fd >= CKPT_FD_MAX)
			return fail(s, "fd %u pad %#x", r->fd, r->__pad);
		return check_ref(s, r->file_ref, CKPT_HDR_FILE, false,
				 "file_ref");
	}
	case CKPT_HDR_INOTIFY: {
		const struct ckpt_hdr_inotify *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->nr_watches > CKPT_INOTIFY_WATCHES_MAX ||
		    r->nr_events > CKPT_INOTIFY_EVENTS_MAX ||
		    !r->next_wd || r->next_wd > INT32_MAX)
			return fail(s, "nr_watches %u nr_events %u next_wd %u",
				    r->nr_watches, r->nr_events, r->next_wd);
		s->watches_left = r->nr_watches;
		s->events_left = r->nr_events;
		s->last_wd = 0;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_INOTIFY_WATCH: {
		const struct ckpt_hdr_inotify_watch *r = (const void *)h;

		if (!s->watches_left)
			return fail(s, "INOTIFY_WATCH record not announced by an INOTIFY");
		s->watches_left--;
		if (r->path_len > CKPT_PATH_MAX)
			return fail(s, "path_len %u", r->path_len);
		if (check_len(s, h, sizeof(*r), r->path_len) ||
		    check_str(s, (const char *)(r + 1), r->path_len, "path"))
			return -1;
		if (r->wd <= s->last_wd || r->wd > INT32_MAX ||
		    r->mode & ~S_IFMT || !r->mode)
			return fail(s, "wd %u after %u, mode %#o", r->wd,
				    s->last_wd, r->mode);
		s->last_wd = r->wd;
		return 0;
	}
	case CKPT_HDR_INOTIFY_EVENT: {
		const struct ckpt_hdr_inotify_event *r = (const void *)h;

		if (s->watches_left || !s->events_left)
			return fail(s, "INOTIFY_EVENT record not announced by an INOTIFY");
		s->events_left--;
		if (r->name_len > 256)
			return fail(s, "name_len %u", r->name_len);
		if (check_len(s, h, sizeof(*r), r->name_len))
			return -1;
		if (r->name_len &&
		    check_str(s, (const char *)(r + 1), r->name_len, "name"))
			return -1;
		if (!r->mask)
			return fail(s, "event without a mask");
		return 0;
	}
	case CKPT_HDR_FILE_LOCK: {
		const struct ckpt_hdr_file_lock *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (s->fds_left || !s->locks_left)
			return fail(s, "FILE_LOCK record not announced by a FILES");
		s->locks_left--;
		if (!r->kind || r->kind > CKPT_LOCK_OFD || !r->type ||
		    r->type > CKPT_LOCK_WRITE || r->__pad || r->start > r->end)
			return fail(s, "lock kind %u type %u range %llu-%llu",
				    r->kind, r->type,
				    (unsigned long long)r->start,
				    (unsigned long long)r->end);
		return check_ref(s, r->file_ref, CKPT_HDR_FILE, false,
				 "file_ref");
	}
	case CKPT_HDR_FILES: {
		const struct ckpt_hdr_files *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->__pad)
			return fail(s, "nonzero __pad");
		s->fds_left = r->nr_fds;
		s->locks_left = r->nr_locks;
		s->last_fd = -1;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_FD: {
		const struct ckpt_hdr_fd *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (!s->fds_left)
			return fail(s, "FD record not announced by a FILES");
		s->fds_left--;
		if (r->fd >= CKPT_FD_MAX || (int64_t)r->fd <= s->last_fd)
			return fail(s, "fd %u after %lld", r->fd,
				    (long long)s->last_fd);
		s->last_fd = r->fd;
		if (r->__pad || (r->flags & ~CKPT_FD_FLAGS))
			return fail(s, "pad %#x flags %#x", r->__pad, r->flags);
		return check_ref(s, r->file_ref, CKPT_HDR_FILE, false,
				 "file_ref");
	}
	case CKPT_HDR_FS: {
		const struct ckpt_hdr_fs *r = (const void *)h;
		const char *p = (const char *)(r + 1);

		if (r->root_len > CKPT_PATH_MAX || r->cwd_len > CKPT_PATH_MAX)
			return fail(s, "path lengths %u %u", r->root_len,
				    r->cwd_len);
		if (check_len(s, h, sizeof(*r), (uint64_t)r->root_len + r->cwd_len))
			return -1;
		if (check_str(s, p, r->root_len, "root") ||
		    check_str(s, p + r->root_len, r->cwd_len, "cwd"))
			return -1;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_MM: {
		const struct ckpt_hdr_mm *r = (const void *)h;

		if (r->auxv_len > CKPT_AUXV_MAX)
			return fail(s, "auxv_len %u", r->auxv_len);
		if (check_len(s, h, sizeof(*r), (uint64_t)r->auxv_len * 8))
			return -1;
		if (check_ref(s, r->exe_ref, CKPT_HDR_FILE, true, "exe_ref"))
			return -1;
		s->vmas_left = r->nr_vmas;
		s->last_vma_end = 0;
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_VMA: {
		const struct ckpt_hdr_vma *r = (const void *)h;
		uint64_t mask = s->page_size - 1;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (!s->vmas_left)
			return fail(s, "VMA record not announced by an MM");
		s->vmas_left--;
		if (r->start >= r->end || ((r->start | r->end) & mask))
			return fail(s, "range %#llx-%#llx",
				    (unsigned long long)r->start,
				    (unsigned long long)r->end);
		if (r->start < s->last_vma_end)
			return fail(s, "VMAs overlap or out of order");
		if (!r->kind || r->kind > CKPT_VMA_KIND_MAX ||
		    (r->prot & ~CKPT_PROT_FLAGS) || (r->flags & ~CKPT_VMA_FLAGS))
			return fail(s, "kind %u prot %#x flags %#x", r->kind,
				    r->prot, r->flags);
		/* A SysV shm mapping names its segment, not a FILE */
		if (r->kind != CKPT_VMA_SYSV_SHM &&
		    check_ref(s, r->file_ref, CKPT_HDR_FILE,
			      r->kind != CKPT_VMA_FILE, "file_ref"))
			return -1;
		if (r->kind == CKPT_VMA_ANON && r->file_ref)
			return fail(s, "anonymous VMA with a file");
		s->last_vma_end = r->end;
		s->last_page_end = r->start;
		s->vma = r;
		return 0;
	}
	case CKPT_HDR_PAGES: {
		const struct ckpt_hdr_pages *r = (const void *)h;
		uint64_t end;

		if (!s->vma)
			return fail(s, "PAGES record not after a VMA");
		if (r->nr_pages < 1 || r->nr_pages > CKPT_PAGES_MAX)
			return fail(s, "nr_pages %u", r->nr_pages);
		if (check_len(s, h, sizeof(*r),
			      (uint64_t)r->nr_pages * s->page_size))
			return -1;
		if (r->__pad)
			return fail(s, "nonzero __pad");
		end = r->addr + (uint64_t)r->nr_pages * s->page_size;
		if ((r->addr & (s->page_size - 1)) || r->addr < s->last_page_end ||
		    end > s->vma->end)
			return fail(s, "pages %#llx-%#llx outside VMA %#llx-%#llx or out of order",
				    (unsigned long long)r->addr,
				    (unsigned long long)end,
				    (unsigned long long)s->vma->start,
				    (unsigned long long)s->vma->end);
		s->last_page_end = end;
		return 0;
	}
	case CKPT_HDR_SIGHAND: {
		const struct ckpt_hdr_sighand *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->nr != CKPT_NSIG)
			return fail(s, "nr %u", r->nr);
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_SIGPENDING: {
		const struct ckpt_hdr_sigpending *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if ((r->queue != CKPT_SIGQUEUE_TASK &&
		     r->queue != CKPT_SIGQUEUE_SHARED) ||
		    !r->signo || r->signo > CKPT_NSIG)
			return fail(s, "queue %u signo %u", r->queue, r->signo);
		return 0;
	}
	case CKPT_HDR_SIGNAL: {
		const struct ckpt_hdr_signal *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->nr_rlimits != CKPT_RLIM_NLIMITS ||
		    (r->flags & ~CKPT_SIGNAL_FLAGS))
			return fail(s, "nr_rlimits %u flags %#x", r->nr_rlimits,
				    r->flags);
		return define_obj(s, h, r->objref);
	}
	case CKPT_HDR_NS: {
		const struct ckpt_hdr_ns *r = (const void *)h;

		if (img->nr != 2)
			return fail(s, "NS is not the second record");
		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (r->new & ~CKPT_NS_NEW || r->external & r->new)
			return fail(s, "own namespaces %#x, external %#x",
				    r->new, r->external);
		img->ns = r;
		return 0;
	}
	case CKPT_HDR_USER_NS: {
		const struct ckpt_hdr_user_ns *r = (const void *)h;

		if (!r->nr_uid || r->nr_uid > CKPT_ID_EXTENTS_MAX ||
		    !r->nr_gid || r->nr_gid > CKPT_ID_EXTENTS_MAX)
			return fail(s, "user ns with %u/%u extents", r->nr_uid,
				    r->nr_gid);
		return check_len(s, h, sizeof(*r),
				 (r->nr_uid + r->nr_gid) *
				 sizeof(struct ckpt_id_extent));
	}
	case CKPT_HDR_UTS_NS:
		return check_len(s, h, sizeof(struct ckpt_hdr_uts_ns), 0);
	case CKPT_HDR_IPC_NS:
		return check_len(s, h, sizeof(struct ckpt_hdr_ipc_ns), 0);
	case CKPT_HDR_NET_NS:
		return check_len(s, h, sizeof(struct ckpt_hdr_net_ns), 0);
	case CKPT_HDR_SHM: {
		const struct ckpt_hdr_shm *r = (const void *)h;

		if (check_len(s, h, sizeof(*r), 0))
			return -1;
		if (!r->segsz || r->__pad || r->perm.__pad)
			return fail(s, "segment of %llu bytes",
				    (unsigned long long)r->segsz);
		s->data_left = r->nr_data;
		s->data_next = 0;
		s->data_size = r->segsz;
		return 0;
	}
	case CKPT_HDR_SEM_UNDO:
		if (check_len(s, h, sizeof(struct ckpt_hdr_sem_undo), 0))
			return -1;
		return define_obj(s, h,
				  ((const struct ckpt_hdr_sem_undo *)h)->objref);
	}
	/* A record type the decoder does not know the rules of */
	return 0;
}

int ckpt_parse(struct ckpt_image *img, void *buf, size_t len)
{
	struct parse_state s = { .img = img };
	const struct ckpt_hdr *h;
	unsigned int cap = 0;

	memset(img, 0, sizeof(*img));
	img->buf = buf;
	img->len = len;
	while (!img->tail) {
		if (s.off == len)
			return fail(&s, "image ends without a TAIL record");
		if (len - s.off < sizeof(*h))
			return fail(&s, "truncated record header");
		h = (const void *)(img->buf + s.off);
		if (h->len < sizeof(*h) || h->len % CKPT_ALIGN ||
		    h->len > CKPT_RECORD_MAX)
			return fail(&s, "bad record length %u", h->len);
		if (h->len > len - s.off)
			return fail(&s, "record of %u bytes runs past the end",
				    h->len);
		if (img->nr == cap) {
			cap = cap ? 2 * cap : 256;
			img->recs = realloc(img->recs, cap * sizeof(*img->recs));
			if (!img->recs)
				return fail(&s, "out of memory");
		}
		img->recs[img->nr++] = h;
		if (img->nr == 1 && h->type != CKPT_HDR_HEADER)
			return fail(&s, "the first record is not a HEADER");
		if (img->nr == 2 && h->type != CKPT_HDR_NS)
			return fail(&s, "the second record is not an NS");
		if (parse_rec(&s, h))
			return -1;
		s.off += h->len;
	}
	if (s.off != len)
		return fail(&s, "%zu bytes after the TAIL", len - s.off);
	return 0;
}

void ckpt_image_free(struct ckpt_image *img)
{
	free(img->recs);
	free(img->objs);
	img->recs = NULL;
	img->objs = NULL;
}

const void *ckpt_find(const struct ckpt_image *img, uint32_t type,
		      unsigned int n)
{
	unsigned int i;

	for (i = 0; i < img->nr; i++)
		if (img->recs[i]->type == type && !n--)
			return img->recs[i];
	return NULL;
}

unsigned int ckpt_count(const struct ckpt_image *img, uint32_t type)
{
	unsigned int i, n = 0;

	for (i = 0; i < img->nr; i++)
		n += img->recs[i]->type == type;
	return n;
}

const void *ckpt_obj(const struct ckpt_image *img, uint32_t id, uint32_t type)
{
	if (!id || id > img->nr_objs || img->objs[id]->type != type)
		return NULL;
	return img->objs[id];
}

int ckpt_index(const struct ckpt_image *img, const void *rec)
{
	unsigned int i;

	for (i = 0; i < img->nr; i++)
		if (img->recs[i] == rec)
			return i;
	return -1;
}

const struct ckpt_hdr_vma *ckpt_find_vma(const struct ckpt_image *img,
					 uint64_t addr)
{
	const struct ckpt_hdr_vma *v;
	unsigned int i;

	for (i = 0; (v = ckpt_find(img, CKPT_HDR_VMA, i)); i++)
		if (addr >= v->start && addr < v->end)
			return v;
	return NULL;
}

const void *ckpt_find_page(const struct ckpt_image *img, uint64_t addr)
{
	uint64_t ps = img->hdr->page_size;
	const struct ckpt_hdr_pages *p;
	unsigned int i;

	addr &= ~(ps - 1);
	for (i = 0; (p = ckpt_find(img, CKPT_HDR_PAGES, i)); i++)
		if (addr >= p->addr && addr < p->addr + p->nr_pages * ps)
			return (const char *)(p + 1) + (addr - p->addr);
	return NULL;
}

const char *ckpt_file_path(const struct ckpt_hdr_file *f)
{
	return (const char *)(f + 1);
}

void ckpt_fix_tail(void *buf, size_t len, int nr_records)
{
	struct ckpt_hdr_tail *t;

	if (len < sizeof(*t))
		return;
	t = (void *)((char *)buf + len - sizeof(*t));
	if (nr_records >= 0)
		t->nr_records = nr_records;
	t->crc32c = ckpt_crc32c(buf, len - sizeof(*t));
}

/* ---- capturing images ---- */

static void *drain_thread(void *arg)
{
	struct pipe_drain *d = arg;
	ssize_t n;

	for (;;) {
		if (d->cap - d->len < 65536) {
			char *nb = realloc(d->buf, d->cap * 2 + 65536);

			if (!nb) {
				d->err = ENOMEM;
				break;
			}
			d->buf = nb;
			d->cap = d->cap * 2 + 65536;
		}
		n = read(d->fd, d->buf + d->len, d->cap - d->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			d->err = errno;
			break;
		}
		if (n == 0)
			break;
		d->len += n;
	}
	if (d->buf)
		d->buf[d->len] = '\0';
	return NULL;
}

int pipe_drain_start(struct pipe_drain *d, int fd)
{
	memset(d, 0, sizeof(*d));
	d->fd = fd;
	return pthread_create(&d->thread, NULL, drain_thread, d);
}

int pipe_drain_finish(struct pipe_drain *d)
{
	pthread_join(d->thread, NULL);
	if (!d->buf && !d->err) {
		d->buf = calloc(1, 1);
		if (!d->buf)
			d->err = ENOMEM;
	}
	return d->err;
}

int memfd_with(const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;
	int fd;

	fd = memfd_create("ckpt-test", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += n;
	}
	if (lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -1;
	}
	return fd;
}

int read_all(int fd, void **bufp, size_t *lenp)
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nb;
	ssize_t n;

	for (;;) {
		if (cap - len < 65536) {
			cap = cap * 2 + 65536;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				errno = ENOMEM;
				return errno;
			}
			buf = nb;
		}
		n = pread(fd, buf + len, cap - len, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = errno;
			free(buf);
			return n;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

static const char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

int ckpt_capture(pid_t pid, enum ckpt_sink sink, unsigned long flags,
		 int logfd, void **buf, size_t *len)
{
	struct pipe_drain d;
	char path[4096];
	int fd, p[2], err = 0;
	long ret;

	*buf = NULL;
	*len = 0;
	switch (sink) {
	case CKPT_SINK_PIPE:
		if (pipe2(p, O_CLOEXEC))
			return errno;
		err = pipe_drain_start(&d, p[0]);
		if (err) {
			close(p[0]);
			close(p[1]);
			return err;
		}
		ret = sys_checkpoint(pid, p[1], flags, logfd);
		err = ret ? errno : 0;
		close(p[1]);
		pipe_drain_finish(&d);
		close(p[0]);
		if (ret < 0 || d.err) {
			free(d.buf);
			return ret < 0 ? err : d.err;
		}
		*buf = d.buf;
		*len = d.len;
		return ret ? -1 : 0;
	case CKPT_SINK_FILE:
		snprintf(path, sizeof(path), "%s/ckpt_image.XXXXXX", tmp_dir());
		fd = mkostemp(path, O_CLOEXEC);
		if (fd < 0)
			return errno;
		unlink(path);
		break;
	case CKPT_SINK_MEMFD:
		fd = memfd_create("ckpt-image", MFD_CLOEXEC);
		if (fd < 0)
			return errno;
		break;
	default:
		errno = EINVAL;
		return errno;
	}
	ret = sys_checkpoint(pid, fd, flags, logfd);
	if (ret < 0) {
		err = errno;
		close(fd);
		return err;
	}
	err = read_all(fd, buf, len);
	close(fd);
	if (err)
		return err;
	return ret ? -1 : 0;
}

int ckpt_verify_buf(const void *buf, size_t len, char *log, size_t logsize)
{
	int fd, logfd, err;
	ssize_t n;
	long ret;

	if (logsize)
		log[0] = '\0';
	fd = memfd_with(buf, len);
	if (fd < 0)
		return -1;
	logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	ret = sys_restart(0, fd, CKPT_RESTART_VERIFY, logfd);
	err = ret < 0 ? errno : ret ? -1 : 0;
	if (logfd >= 0 && logsize) {
		n = pread(logfd, log, logsize - 1, 0);
		log[n > 0 ? n : 0] = '\0';
	}
	if (logfd >= 0)
		close(logfd);
	close(fd);
	return err;
}

/* ---- target processes ---- */

int target_setup_status;

/* Unmap every shared mapping: the harness's bookkeeping is MAP_SHARED */
static void unmap_shared(void)
{
	static char maps[1 << 18];
	unsigned long start, end;
	char perms[8], *line;
	ssize_t n, len = 0;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (len < (ssize_t)sizeof(maps) - 1 &&
	       (n = read(fd, maps + len, sizeof(maps) - 1 - len)) > 0)
		len += n;
	close(fd);
	maps[len] = '\0';
	for (line = maps; line && *line; line = strchr(line, '\n'), line += !!line) {
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 &&
		    perms[3] == 's')
			munmap((void *)start, end - start);
	}
}

static void target_sanitize(void)
{
	int fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	unmap_shared();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (syscall(__NR_close_range, 3, ~0U, 0)) {
		for (fd = 3; fd < 1024; fd++)
			close(fd);
	}
}

static pid_t spawn(target_fn fn, void *arg, bool wait_stop,
		   unsigned long ns_flags)
{
	pid_t parent = getpid(), pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	/* Without a stack, clone(2) returns in the child as fork() does */
	pid = ns_flags ? syscall(SYS_clone, ns_flags | SIGCHLD, NULL, NULL,
				 NULL, 0) : fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		target_sanitize();
		/* Our pid is not in a new pid namespace of the child's */
		if (getppid() != (ns_flags & CLONE_NEWPID ? 0 : parent))
			_exit(120);
		_exit(fn(arg));
	}
	if (!wait_stop)
		return pid;
	while (waitpid(pid, &status, WUNTRACED) < 0) {
		if (errno != EINTR) {
			target_setup_status = -1;
			kill(pid, SIGKILL);
			return -1;
		}
	}
	if (WIFSTOPPED(status))
		return pid;
	target_setup_status = status;
	return -1;
}

pid_t target_spawn(target_fn fn, void *arg)
{
	return spawn(fn, arg, true, 0);
}

pid_t target_spawn_running(target_fn fn, void *arg)
{
	return spawn(fn, arg, false, 0);
}

pid_t target_spawn_ns(unsigned long ns_flags, target_fn fn, void *arg)
{
	return spawn(fn, arg, false, ns_flags);
}

void target_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int target_continue(pid_t pid)
{
	int status;

	if (kill(pid, SIGCONT))
		return -1;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

/* SIGKILL every child of ours (of any of our threads); how many */
static int kill_children(void)
{
	char path[300], buf[4096], *p, *end;
	struct dirent *de;
	int fd, nr = 0;
	ssize_t n;
	long pid;
	DIR *d;

	d = opendir("/proc/self/task");
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children",
			 de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (p = buf; (pid = strtol(p, &end, 10)) > 0; p = end) {
			kill(pid, SIGKILL);
			nr++;
		}
	}
	if (d)
		closedir(d);
	return nr;
}

void reap_descendants(void)
{
	int round;

	/* Each round's deaths may hand us their children */
	for (round = 0; round < 1000 && kill_children(); round++)
		while (waitpid(-1, NULL, __WALL) > 0)
			;
	while (waitpid(-1, NULL, __WALL) > 0)
		;
}

char proc_state(pid_t pid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

int target_stop_fn(void *arg)
{
	(void)arg;
	raise(SIGSTOP);
	return 0;
}

int target_sleep_fn(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

void *pause_thread(void *arg)
{
	target_sleep_fn(arg);
	return NULL;
}

int become_nobody(void)
{
	if (geteuid() == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			return -1;
	}
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* ---- known register state ---- */

struct known_regs {
	uint64_t vec[16][4];
	uint64_t gpr[KNOWN_NR_GPR];
	uint64_t pid;
	uint64_t avx;
	uint64_t stack;
	uint64_t saved_sp;
	uint32_t mxcsr;
	uint32_t saved_mxcsr;
	uint32_t after_mxcsr;
	uint32_t pad;
	uint64_t after_vec[16][4];
	uint64_t after_gpr[KNOWN_NR_GPR];
	uint64_t after_rax;
	uint64_t after_sp;
	uint64_t after_di;
	uint64_t after_si;
};

/* Offsets used by the assembly below */
#define KR_VEC		0
#define KR_GPR		512
#define KR_PID		592
#define KR_AVX		600
#define KR_STACK	608
#define KR_SAVED_SP	616
#define KR_MXCSR	624
#define KR_SAVED_MXCSR	628
#define KR_AFTER_MXCSR	632
#define KR_AFTER_VEC	640
#define KR_AFTER_GPR	1152
#define KR_AFTER_RAX	1232
#define KR_AFTER_SP	1240
#define KR_AFTER_DI	1248
#define KR_AFTER_SI	1256

_Static_assert(offsetof(struct known_regs, gpr) == KR_GPR, "KR_GPR");
_Static_assert(offsetof(struct known_regs, pid) == KR_PID, "KR_PID");
_Static_assert(offsetof(struct known_regs, avx) == KR_AVX, "KR_AVX");
_Static_assert(offsetof(struct known_regs, stack) == KR_STACK, "KR_STACK");
_Static_assert(offsetof(struct known_regs, saved_sp) == KR_SAVED_SP, "SP");
_Static_assert(offsetof(struct known_regs, mxcsr) == KR_MXCSR, "MXCSR");
_Static_assert(offsetof(struct known_regs, saved_mxcsr) == KR_SAVED_MXCSR, "");
_Static_assert(offsetof(struct known_regs, after_mxcsr) == KR_AFTER_MXCSR, "");
_Static_assert(offsetof(struct known_regs, after_vec) == KR_AFTER_VEC, "");
_Static_assert(offsetof(struct known_regs, after_gpr) == KR_AFTER_GPR, "");
_Static_assert(offsetof(struct known_regs, after_rax) == KR_AFTER_RAX, "");
_Static_assert(offsetof(struct known_regs, after_sp) == KR_AFTER_SP, "");
_Static_assert(offsetof(struct known_regs, after_di) == KR_AFTER_DI, "");
_Static_assert(offsetof(struct known_regs, after_si) == KR_AFTER_SI, "");
_Static_assert(sizeof(struct known_regs) < KNOWN_STACK - KNOWN_REGS_ADDR - 64,
	       "known_regs overlaps its stack");

#define __S(x)	#x
#define S(x)	__S(x)
#define KR_ADDR	0x7e0000300000
#define IRP16	".irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"

/*
 * void known_stop_asm(void): the state is at KR_ADDR.  Everything that
 * matters happens between the loads and the stores, in one function of
 * our own, so no compiler-generated code can touch a register.
 */
asm("	.pushsection .text\n"
	"	.globl known_stop_asm\n"
	"	.type known_stop_asm, @function\n"
	"known_stop_asm:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	movabs $" S(KR_ADDR) ", %rax\n"
	"	mov %rsp, " S(KR_SAVED_SP) "(%rax)\n"
	"	stmxcsr " S(KR_SAVED_MXCSR) "(%rax)\n"
	"	cmpq $0, " S(KR_AVX) "(%rax)\n"
	"	je 1f\n"
	IRP16
	"	vmovdqu (" S(KR_VEC) "+\\n*32)(%rax), %ymm\\n\n"
	"	.endr\n"
	"	jmp 2f\n"
	"1:\n"
	IRP16
	"	movdqu (" S(KR_VEC) "+\\n*32)(%rax), %xmm\\n\n"
	"	.endr\n"
	"2:\n"
	"	ldmxcsr " S(KR_MXCSR) "(%rax)\n"
	"	mov " S(KR_GPR) "+0(%rax), %rbx\n"
	"	mov " S(KR_GPR) "+8(%rax), %rbp\n"
	"	mov " S(KR_GPR) "+16(%rax), %r12\n"
	"	mov " S(KR_GPR) "+24(%rax), %r13\n"
	"	mov " S(KR_GPR) "+32(%rax), %r14\n"
	"	mov " S(KR_GPR) "+40(%rax), %r15\n"
	"	mov " S(KR_GPR) "+48(%rax), %rdx\n"
	"	mov " S(KR_GPR) "+56(%rax), %r8\n"
	"	mov " S(KR_GPR) "+64(%rax), %r9\n"
	"	mov " S(KR_GPR) "+72(%rax), %r10\n"
	"	mov " S(KR_PID) "(%rax), %edi\n"
	"	mov $" S(SIGSTOP) ", %esi\n"
	"	mov " S(KR_STACK) "(%rax), %rsp\n"
	"	mov $" S(__NR_kill) ", %eax\n"
	"	syscall\n"
	"	.globl known_stop_resume\n"
	"known_stop_resume:\n"
	"	movabs %rax, " S(KR_ADDR) "+" S(KR_AFTER_RAX) "\n"
	"	movabs $" S(KR_ADDR) ", %rax\n"
	"	mov %rsp, " S(KR_AFTER_SP) "(%rax)\n"
	"	stmxcsr " S(KR_AFTER_MXCSR) "(%rax)\n"
	"	mov %rbx, " S(KR_AFTER_GPR) "+0(%rax)\n"
	"	mov %rbp, " S(KR_AFTER_GPR) "+8(%rax)\n"
	"	mov %r12, " S(KR_AFTER_GPR) "+16(%rax)\n"
	"	mov %r13, " S(KR_AFTER_GPR) "+24(%rax)\n"
	"	mov %r14, " S(KR_AFTER_GPR) "+32(%rax)\n"
	"	mov %r15, " S(KR_AFTER_GPR) "+40(%rax)\n"
	"	mov %rdx, " S(KR_AFTER_GPR) "+48(%rax)\n"
	"	mov %r8, " S(KR_AFTER_GPR) "+56(%rax)\n"
	"	mov %r9, " S(KR_AFTER_GPR) "+64(%rax)\n"
	"	mov %r10, " S(KR_AFTER_GPR) "+72(%rax)\n"
	"	mov %rdi, " S(KR_AFTER_DI) "(%rax)\n"
	"	mov %rsi, " S(KR_AFTER_SI) "(%rax)\n"
	"	cmpq $0, " S(KR_AVX) "(%rax)\n"
	"	je 3f\n"
	IRP16
	"	vmovdqu %ymm\\n, (" S(KR_AFTER_VEC) "+\\n*32)(%rax)\n"
	"	.endr\n"
	"	vzeroupper\n"
	"	jmp 4f\n"
	"3:\n"
	IRP16
	"	movdqu %xmm\\n, (" S(KR_AFTER_VEC) "+\\n*32)(%rax)\n"
	"	.endr\n"
	"4:\n"
	"	ldmxcsr " S(KR_SAVED_MXCSR) "(%rax)\n"
	"	mov " S(KR_SAVED_SP) "(%rax), %rsp\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	"	.size known_stop_asm, . - known_stop_asm\n"
	"	.popsection\n");

uint64_t known_gpr(int i)
{
	return 0x0123456789abcdefULL ^ (0x1111111111111111ULL * (i + 1)) ^
	       ((uint64_t)(i + 1) << 56);
}

uint64_t known_vec(int reg, int word)
{
	return 0xc0de000000000000ULL | ((uint64_t)(reg + 1) << 40) |
	       ((uint64_t)(word + 1) << 32) | (0x5a5a5a5aU ^ (reg * 16 + word));
}

int known_stop(bool avx)
{
	struct known_regs *k;
	int i, j;

	_Static_assert(KR_ADDR == KNOWN_REGS_ADDR, "KR_ADDR");
	k = mmap((void *)KNOWN_REGS_ADDR, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (k != (void *)KNOWN_REGS_ADDR)
		return 90;
	for (i = 0; i < 16; i++)
		for (j = 0; j < 4; j++)
			k->vec[i][j] = known_vec(i, j);
	for (i = 0; i < KNOWN_NR_GPR; i++)
		k->gpr[i] = known_gpr(i);
	k->pid = getpid();
	k->avx = avx;
	k->stack = KNOWN_STACK;
	k->mxcsr = KNOWN_MXCSR;

	known_stop_asm();

	for (i = 0; i < KNOWN_NR_GPR; i++)
		if (k->after_gpr[i] != k->gpr[i])
			return 91;
	for (i = 0; i < 16; i++)
		for (j = 0; j < (avx ? 4 : 2); j++)
			if (k->after_vec[i][j] != k->vec[i][j])
				return 92;
	if (k->after_rax != 0)
		return 93;
	if (k->after_sp != KNOWN_STACK)
		return 94;
	if (k->after_mxcsr != KNOWN_MXCSR)
		return 95;
	/* The arguments of kill(), which a system call leaves alone */
	if (k->after_di != k->pid || k->after_si != SIGSTOP)
		return 96;
	return 0;
}

static void cpuid1(unsigned int *ecx)
{
	unsigned int a, b, d;

	if (!__get_cpuid(1, &a, &b, ecx, &d))
		*ecx = 0;
}

bool cpu_has_osxsave(void)
{
	unsigned int ecx;

	cpuid1(&ecx);
	return ecx & (1U << 27);
}

uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

bool cpu_has_avx(void)
{
	unsigned int ecx;

	cpuid1(&ecx);
	if (!(ecx & (1U << 28)) || !(ecx & (1U << 27)))
		return false;
	return (xgetbv0() & 6) == 6;
}

void fill_pattern(void *p, size_t len, unsigned int seed)
{
	unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		c[i] = (unsigned char)(i * 131 + seed * 71 + (i >> 8) + 1);
}

bool check_pattern(const void *p, size_t len, unsigned int seed)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (c[i] != (unsigned char)(i * 131 + seed * 71 + (i >> 8) + 1))
			return false;
	return true;
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = -1;

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) == (ssize_t)strlen(s))
		ret = 0;
	close(fd);
	return ret;
}

int capset3(uint64_t e, uint64_t p, uint64_t i)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {
		{ (uint32_t)e, (uint32_t)p, (uint32_t)i },
		{ e >> 32, p >> 32, i >> 32 },
	};

	return syscall(SYS_capset, &hdr, data);
}

/* ---- /dev/kmsg ---- */

int ckpt_kmsg_fd = -1;

/*
 * Where each /dev/kmsg reader is: between the fault marks, in an
 * allocation failure report (and how many lines into it)
 */
#define KMSG_FAULTS		0x100
#define KMSG_REPORT		0x200
#define KMSG_LINES		0x0ff
#define KMSG_REPORT_LINES	80	/* warn_alloc()'s stack and registers */
static unsigned int kmsg_state[64];

static void __attribute__((constructor)) kmsg_at_start(void)
{
	ckpt_kmsg_fd = kmsg_open();
}

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	if (fd >= 0 && fd < (int)ARRAY_SIZE(kmsg_state))
		kmsg_state[fd] = 0;
	return fd;
}

int kmsg_note(const char *msg)
{
	return write_str("/dev/kmsg", msg);
}

static const char *const kmsg_bad[] = {
	"BUG:", "WARNING:", "Oops", "general protection fault",
	"kernel BUG", "KASAN", "UBSAN", "KFENCE", "Call Trace:",
	"refcount_t:", "list_add corruption", "list_del corruption",
	"stack-protector", "kmemleak", "possible circular locking",
	"suspicious RCU usage", "sleeping function called",
	"BUG kmalloc", "Unable to handle", "RIP:",
};

/* The first lines of a report other than a failed allocation's */
static bool kmsg_other_report(const char *msg)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kmsg_bad); i++)
		if (strcmp(kmsg_bad[i], "Call Trace:") &&
		    strcmp(kmsg_bad[i], "RIP:") && strstr(msg, kmsg_bad[i]))
			return true;
	return false;
}

/*
 * Whether @msg is part of an allocation failure report that an injected
 * fault caused: between the fault marks, a warn_alloc() report of
 * vmalloc() (the page allocator fails injected allocations before it
 * would warn), to the end of its stack, at most KMSG_REPORT_LINES
 * lines, and only until another kind of report begins
 */
static bool kmsg_injected(int fd, const char *msg)
{
	unsigned int none = 0, *st;

	st = fd < (int)ARRAY_SIZE(kmsg_state) ? &kmsg_state[fd] : &none;
	if (strstr(msg, CKPT_KMSG_FAULTS_ON))
		*st = KMSG_FAULTS;
	else if (strstr(msg, CKPT_KMSG_FAULTS_OFF))
		*st = 0;
	if ((*st & KMSG_FAULTS) && strstr(msg, "vmalloc error:"))
		*st = KMSG_FAULTS | KMSG_REPORT;
	if (!(*st & KMSG_REPORT))
		return false;
	if (kmsg_other_report(msg) ||
	    (*st & KMSG_LINES) >= KMSG_REPORT_LINES) {
		*st = KMSG_FAULTS;
		return false;
	}
	if (strstr(msg, "</TASK>"))
		*st = KMSG_FAULTS;
	else
		(*st)++;
	return true;
}

bool kmsg_splat(int fd, char *line, size_t size)
{
	char buf[8192], *msg;
	bool found = false;
	size_t i;
	ssize_t n;

	if (fd < 0)
		return false;
	for (;;) {
		n = read(fd, buf, sizeof(buf) - 1);
		/* Lines lost (EPIPE): the end of a report may be among them */
		if (n < 0 && errno == EPIPE && fd < (int)ARRAY_SIZE(kmsg_state))
			kmsg_state[fd] &= KMSG_FAULTS;
		if (n < 0 && (errno == EINTR || errno == EPIPE))
			continue;
		if (n <= 0)
			break;
		buf[n] = '\0';
		msg = strchr(buf, ';');
		msg = msg ? msg + 1 : buf;
		/* A user-space fault (a process that crashed), not the kernel's */
		if (!strncmp(msg, "traps: ", 7) &&
		    strstr(msg, "] general protection fault ip:"))
			continue;
		if (kmsg_injected(fd, msg))
			continue;
		for (i = 0; i < ARRAY_SIZE(kmsg_bad) && !found; i++) {
			if (strstr(msg, kmsg_bad[i])) {
				found = true;
				snprintf(line, size, "%s", msg);
			}
		}
	}
	return found;
}
