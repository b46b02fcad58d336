// SPDX-License-Identifier: GPL-2.0
/*
 * ckptinfo - print and check a checkpoint image
 *
 *	ckptinfo [--verify] [-s|--summary] FILE
 *
 * Prints every record of the image (FILE, or stdin if FILE is "-") in
 * readable form, checking the framing, the object references, the
 * place of the records that must follow another (FD, FILE_LOCK,
 * PIPE_BUF, ...), the record count and the CRC32C of the tail on the
 * way.  --summary prints a table of records per type instead.
 * --verify also asks the kernel to validate the image (restart(2) with
 * CKPT_RESTART_VERIFY) and prints its verdict.  The exit status is
 * non-zero if the image is bad.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "ckpt_common.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC	0x0001U
#endif

struct type_stats {
	uint64_t count;
	uint64_t bytes;
};

struct info {
	const char *name;		/* of the image, for messages */
	int summary;
	/* where we are */
	uint64_t off;			/* of the current record */
	uint32_t nr_records;		/* records before the current one */
	uint32_t crc;			/* running, not inverted */
	int seen_header;
	int seen_tail;
	uint32_t page_size;
	uint32_t pid;			/* of the header */
	uint32_t clone_pid;		/* of the last CLONE record */
	uint32_t clone_flags;
	/* CKPT_NS_* kinds whose namespace records are still due */
	uint32_t ns_due;
	/* object table: type of object id i in objs[i] */
	uint32_t *objs;
	uint32_t nr_objs;
	/*
	 * Records that must come next: the PIPE_BUF, FILE_DATA or
	 * EPOLL_ITEM records of the object just defined, then the FD
	 * records (between which the records of files may come) and the
	 * FILE_LOCK records of the last FILES.
	 */
	unsigned int sub_type, sub_parent, sub_ref, sub_nr, sub_left;
	/* the INOTIFY_EVENT records due after the INOTIFY_WATCH ones */
	unsigned int ino_ref, ino_events;
	unsigned long long data_size, data_next;	/* of FILE_DATA */
	unsigned int files_ref, nr_fds, fds_left, nr_locks, locks_left;
	long long prev_fd;
	/* statistics */
	struct type_stats *stats;	/* one per ckpt_rec_desc, + unknown */
	uint64_t nr_pages;
	/* the first problem found, and how many */
	char error[512];
	unsigned int nr_errors;
};

static void problem(struct info *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct info *in, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!in->nr_errors++)
		snprintf(in->error, sizeof(in->error),
			 "record %u at offset %#" PRIx64 ": %s",
			 in->nr_records, in->off, msg);
	if (!in->summary)
		printf("    !! %s\n", msg);
}

static void out(struct info *in, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out(struct info *in, const char *fmt, ...)
{
	va_list ap;

	if (in->summary)
		return;
	fputs("    ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A string field of @len bytes, which must hold a NUL */
static const char *str_field(struct info *in, const char *s, size_t len,
			     const char *what)
{
	static char buf[4 * CKPT_PATH_MAX + 3];
	size_t i, n = strnlen(s, len), o = 0;

	if (n == len)
		problem(in, "%s is not NUL-terminated", what);
	buf[o++] = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			o += sprintf(buf + o, "\\%c", c);
		else if (isprint(c))
			buf[o++] = c;
		else
			o += sprintf(buf + o, "\\x%02x", c);
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

static void check_zero(struct info *in, const void *p, size_t len,
		       const char *what)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < len; i++) {
		if (c[i]) {
			problem(in, "nonzero %s (byte %zu is %#x)", what, i, c[i]);
			return;
		}
	}
}

/*
 * The record must be exactly its fixed part plus @payload bytes, then
 * zero padding to CKPT_ALIGN.  Returns 0 if the length is right.
 */
static int check_len(struct info *in, const struct ckpt_hdr *h, size_t size,
		     uint64_t payload)
{
	uint64_t want = CKPT_ALIGN_UP(size + payload);

	if (h->len != want) {
		problem(in, "length %u, expected %" PRIu64, h->len, want);
		return -1;
	}
	check_zero(in, (const char *)h + size + payload, want - size - payload,
		   "padding at the end");
	return 0;
}

static void define_obj(struct info *in, uint32_t objref, uint32_t type)
{
	if (objref != in->nr_objs + 1)
		problem(in, "object id %u, expected %u", objref, in->nr_objs + 1);
	in->objs = realloc(in->objs, (in->nr_objs + 2) * sizeof(*in->objs));
	if (!in->objs)
		die("out of memory");
	in->objs[++in->nr_objs] = type;
}

static void check_ref(struct info *in, uint32_t ref, uint32_t type,
		      int optional, const char *what)
{
	if (!ref) {
		if (!optional)
			problem(in, "%s is 0", what);
		return;
	}
	if (ref > in->nr_objs) {
		problem(in, "%s %u: no such object (yet)", what, ref);
		return;
	}
	if (in->objs[ref] != type)
		problem(in, "%s %u is a %s, not a %s", what, ref,
			ckpt_rec_name(in->objs[ref]), ckpt_rec_name(type));
}

/* The @nr records of type @type that must follow object @ref, a @parent */
static void expect_sub(struct info *in, unsigned int type,
		       unsigned int parent, unsigned int ref, unsigned int nr)
{
	in->sub_type = type;
	in->sub_parent = parent;
	in->sub_ref = ref;
	in->sub_nr = nr;
	in->sub_left = nr;
}

static const char *flag_names(char *buf, size_t size, uint64_t v,
			      const char *const *names, unsigned int nr)
{
	size_t o = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < nr && i < 64; i++) {
		if (!(v & (1ULL << i)) || !names[i])
			continue;
		o += snprintf(buf + o, size - o, "%s%s", o ? "|" : "", names[i]);
		v &= ~(1ULL << i);
		if (o >= size)
			return buf;
	}
	if (v)
		snprintf(buf + o, size - o, "%s%#" PRIx64, o ? "|" : "", v);
	else if (!o)
		snprintf(buf, size, "0");
	return buf;
}

static void print_header(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_header *r = (const void *)h;
	char magic[9], when[64] = "";
	time_t t = r->time_ns / 1000000000ULL;
	struct tm tm;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	memcpy(magic, &r->magic, 8);
	magic[8] = '\0';
	for (int i = 0; i < 8; i++)
		if (!isprint((unsigned char)magic[i]))
			magic[i] = '.';
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	out(in, "magic 0x%016" PRIx64 " \"%s\"  version %u  arch %u%s",
	    (uint64_t)r->magic, magic, r->version, r->arch,
	    r->arch == CKPT_ARCH_X86_64 ? " (x86_64)" : "");
	out(in, "page_size %u  flags %#x  nr_tasks %u", r->page_size, r->flags,
	    r->nr_tasks);
	out(in, "xfeatures %#" PRIx64 "  xstate_size %u",
	    (uint64_t)r->xfeatures, r->xstate_size);
	out(in, "time_ns %" PRIu64 " (%s)", (uint64_t)r->time_ns, when);
	out(in, "pid %u", r->pid);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	out(in, "release %s", str_field(in, r->release, sizeof(r->release),
					"release"));
	if (r->magic != CKPT_MAGIC)
		problem(in, "bad magic %#" PRIx64, (uint64_t)r->magic);
	if (r->version != CKPT_VERSION)
		problem(in, "unsupported version %u", r->version);
	if (r->arch != CKPT_ARCH_X86_64)
		problem(in, "unknown arch %u", r->arch);
	if (!r->page_size || (r->page_size & (r->page_size - 1)))
		problem(in, "bad page size %u", r->page_size);
	else
		in->page_size = r->page_size;
	if (!r->pid)
		problem(in, "pid 0");
	in->pid = r->pid;
}

static void print_tail(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_tail *r = (const void *)h;
	uint32_t crc = ~in->crc;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "nr_records %u (%s)  crc32c 0x%08x (%s, computed 0x%08x)",
	    r->nr_records, r->nr_records == in->nr_records ? "ok" : "WRONG",
	    r->crc32c, r->crc32c == crc ? "ok" : "MISMATCH", crc);
	if (r->nr_records != in->nr_records)
		problem(in, "tail says %u records, counted %u", r->nr_records,
			in->nr_records);
	if (r->crc32c != crc)
		problem(in, "CRC32C mismatch: tail says 0x%08x, computed 0x%08x",
			r->crc32c, crc);
}

static void print_task(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const fl[] = {
		"NO_NEW_PRIVS", "STOPPED", "FROZEN", "TRACED", "SECCOMP_STRICT",
	};
	const struct ckpt_hdr_task *r = (const void *)h;
	char buf[128];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "pid %u  tgid %u  ppid %u  pgid %u  sid %u", r->pid, r->tgid,
	    r->ppid, r->pgid, r->sid);
	out(in, "comm %s  exit_signal %u  pdeath_signal %u  personality %#x",
	    str_field(in, r->comm, sizeof(r->comm), "comm"), r->exit_signal,
	    r->pdeath_signal, r->personality);
	out(in, "flags %s", flag_names(buf, sizeof(buf), r->flags, fl,
				       ARRAY_SIZE(fl)));
	out(in, "cred_ref %u  mm_ref %u  files_ref %u  fs_ref %u  sighand_ref %u",
	    r->cred_ref, r->mm_ref, r->files_ref, r->fs_ref, r->sighand_ref);
	out(in, "signal_ref %u  sem_undo_ref %u", r->signal_ref,
	    r->sem_undo_ref);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	out(in, "blocked 0x%016" PRIx64, (uint64_t)r->blocked);
	out(in, "clear_child_tid %#" PRIx64 "  robust_list %#" PRIx64
	    " len %" PRIu64, (uint64_t)r->clear_child_tid,
	    (uint64_t)r->robust_list, (uint64_t)r->robust_list_len);
	out(in, "rseq %#" PRIx64 " len %u sig %#x", (uint64_t)r->rseq,
	    r->rseq_len, r->rseq_sig);
	out(in, "sigaltstack sp %#" PRIx64 " size %#" PRIx64 " flags %#x",
	    (uint64_t)r->sas_ss_sp, (uint64_t)r->sas_ss_size, r->sas_ss_flags);
	if (r->pid != in->clone_pid)
		problem(in, "task pid %u, its CLONE record says %u", r->pid,
			in->clone_pid);
	if (r->flags & ~CKPT_TASK_FLAGS)
		problem(in, "unknown task flags %#x", r->flags & ~CKPT_TASK_FLAGS);
	check_ref(in, r->cred_ref, CKPT_HDR_CRED, 0, "cred_ref");
	if (in->clone_flags & CKPT_CLONE_ZOMBIE) {
		if (r->mm_ref || r->files_ref || r->fs_ref || r->sighand_ref ||
		    r->signal_ref)
			problem(in, "zombie %u refers to objects", r->pid);
		return;
	}
	check_ref(in, r->mm_ref, CKPT_HDR_MM, 0, "mm_ref");
	check_ref(in, r->files_ref, CKPT_HDR_FILES, 0, "files_ref");
	check_ref(in, r->fs_ref, CKPT_HDR_FS, 0, "fs_ref");
	check_ref(in, r->sighand_ref, CKPT_HDR_SIGHAND, 0, "sighand_ref");
	check_ref(in, r->signal_ref, CKPT_HDR_SIGNAL, 0, "signal_ref");
	check_ref(in, r->sem_undo_ref, CKPT_HDR_SEM_UNDO, 1, "sem_undo_ref");
}

static void print_clone(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const fl[] = { "FILES", "FS", "ZOMBIE", "THREAD" };
	const struct ckpt_hdr_clone *r = (const void *)h;
	char buf[64];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "pid %u  ppid %u  flags %s  exit_code %#x", r->pid, r->ppid,
	    flag_names(buf, sizeof(buf), r->flags, fl, ARRAY_SIZE(fl)),
	    r->exit_code);
	if (r->flags & ~CKPT_CLONE_FLAGS)
		problem(in, "unknown clone flags %#x",
			r->flags & ~CKPT_CLONE_FLAGS);
	if (!in->clone_pid && (r->pid != in->pid || r->ppid))
		problem(in, "the first task is not the header's root %u",
			in->pid);
	in->clone_pid = r->pid;
	in->clone_flags = r->flags;
}

static const char *const ns_kinds[] = {
	"PID", "UTS", "IPC", "NET", "MNT", "CGROUP", "TIME", "USER",
};

static void print_ns(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_ns *r = (const void *)h;
	char own[96], ext[96];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "own %s  external %s",
	    flag_names(own, sizeof(own), r->new, ns_kinds,
		       ARRAY_SIZE(ns_kinds)),
	    flag_names(ext, sizeof(ext), r->external, ns_kinds,
		       ARRAY_SIZE(ns_kinds)));
	if (r->new & ~CKPT_NS_NEW)
		problem(in, "namespaces of kinds %#x cannot be the image's own",
			r->new & ~CKPT_NS_NEW);
	if (r->external & ~CKPT_NS_ALL || r->external & r->new)
		problem(in, "bad external namespaces %#x", r->external);
	if (r->new & CKPT_NS_PID && in->pid != 1)
		problem(in, "the root of its own pid namespace is pid %u, not 1",
			in->pid);
	in->ns_due = r->new & (CKPT_NS_USER | CKPT_NS_UTS | CKPT_NS_IPC |
			       CKPT_NS_NET);
}

static void print_user_ns(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_user_ns *r = (const void *)h;
	const struct ckpt_id_extent *e = (const void *)(r + 1);
	uint32_t i;

	if (r->nr_uid > CKPT_ID_EXTENTS_MAX || r->nr_gid > CKPT_ID_EXTENTS_MAX) {
		problem(in, "extent counts %u/%u above %u", r->nr_uid,
			r->nr_gid, CKPT_ID_EXTENTS_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), (r->nr_uid + r->nr_gid) * sizeof(*e)))
		return;
	out(in, "setgroups %s", r->flags & CKPT_USERNS_SETGROUPS_DENY ?
	    "deny" : "allow");
	for (i = 0; i < r->nr_uid + r->nr_gid; i++)
		out(in, "%s_map %u %u %u", i < r->nr_uid ? "uid" : "gid",
		    e[i].first, e[i].lower_first, e[i].count);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	if (!r->nr_uid || !r->nr_gid)
		problem(in, "an empty map");
	if (r->flags & ~CKPT_USERNS_FLAGS)
		problem(in, "unknown flags %#x", r->flags & ~CKPT_USERNS_FLAGS);
}

static void print_uts_ns(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_uts_ns *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "nodename %s",
	    str_field(in, r->nodename, sizeof(r->nodename), "nodename"));
	out(in, "domainname %s",
	    str_field(in, r->domainname, sizeof(r->domainname), "domainname"));
	check_zero(in, r->__pad, sizeof(r->__pad), "__pad");
}

static void print_ipc_ns(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_ipc_ns *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "shmmax %" PRIu64 "  shmall %" PRIu64
	    "  shmmni %u  shm_rmid_forced %u", (uint64_t)r->shm_ctlmax,
	    (uint64_t)r->shm_ctlall, r->shm_ctlmni, r->shm_rmid_forced);
	out(in, "msgmax %u  msgmnb %u  msgmni %u", r->msg_ctlmax,
	    r->msg_ctlmnb, r->msg_ctlmni);
	out(in, "sem %u %u %u %u", r->sem_ctls[0], r->sem_ctls[1],
	    r->sem_ctls[2], r->sem_ctls[3]);
	out(in, "SysV objects: %u segment(s), %u queue(s), %u semaphore set(s)",
	    r->nr_shm, r->nr_msq, r->nr_sem);
}

static void print_net_ns(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const fl[] = { "LO_UP" };
	const struct ckpt_hdr_net_ns *r = (const void *)h;
	char buf[64];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "flags %s  lo_mtu %u",
	    flag_names(buf, sizeof(buf), r->flags, fl, ARRAY_SIZE(fl)),
	    r->lo_mtu);
	if (r->flags & ~CKPT_NET_FLAGS)
		problem(in, "unknown net flags %#x", r->flags & ~CKPT_NET_FLAGS);
	if (r->lo_mtu < 68 || r->lo_mtu > CKPT_LO_MTU_MAX)
		problem(in, "bad loopback MTU %u", r->lo_mtu);
}

static void print_ipc_perm(struct info *in, const struct ckpt_ipc_perm *p,
			   uint32_t more_mode)
{
	out(in, "key %#x  id %u  owner %u:%u  creator %u:%u  mode %04o",
	    p->key, p->id, p->uid, p->gid, p->cuid, p->cgid, p->mode);
	check_zero(in, &p->__pad, sizeof(p->__pad), "perm.__pad");
	if (p->mode & ~(0777U | more_mode))
		problem(in, "mode %#o", p->mode);
	if (p->id > INT32_MAX)
		problem(in, "id %u above INT_MAX", p->id);
}

static void print_shm(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_shm *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	print_ipc_perm(in, &r->perm, CKPT_SHM_DEST);
	out(in, "segsz %" PRIu64 "  atime %" PRId64 "  dtime %" PRId64
	    "  ctime %" PRId64, (uint64_t)r->segsz, (int64_t)r->atime,
	    (int64_t)r->dtime, (int64_t)r->ctime);
	out(in, "cpid %u  lpid %u  nr_data %u%s", r->cpid, r->lpid,
	    r->nr_data, r->perm.mode & CKPT_SHM_DEST ? "  (removed)" : "");
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	expect_sub(in, CKPT_HDR_FILE_DATA, CKPT_HDR_SHM, r->perm.id,
		   r->nr_data);
	in->data_size = r->segsz;
	in->data_next = 0;
	if (!r->segsz)
		problem(in, "empty segment");
}

static void print_msq(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_msq *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	print_ipc_perm(in, &r->perm, 0);
	out(in, "qbytes %" PRIu64 "  stime %" PRId64 "  rtime %" PRId64
	    "  ctime %" PRId64, (uint64_t)r->qbytes, (int64_t)r->stime,
	    (int64_t)r->rtime, (int64_t)r->ctime);
	out(in, "lspid %u  lrpid %u  nr_msgs %u", r->lspid, r->lrpid,
	    r->nr_msgs);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	expect_sub(in, CKPT_HDR_MSG, CKPT_HDR_MSQ, r->perm.id, r->nr_msgs);
	if (r->nr_msgs > r->qbytes)
		problem(in, "%u messages in %" PRIu64 " bytes", r->nr_msgs,
			(uint64_t)r->qbytes);
}

static void print_msg(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_msg *r = (const void *)h;

	if (r->len > CKPT_MSG_MAX) {
		problem(in, "len %u above %u", r->len, CKPT_MSG_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->len))
		return;
	out(in, "mtype %" PRId64 "  len %u", (int64_t)r->mtype, r->len);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	if (r->mtype < 1)
		problem(in, "mtype %" PRId64 " below 1", (int64_t)r->mtype);
}

static void print_sem(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_sem *r = (const void *)h;
	const struct ckpt_sem *s = (const void *)(r + 1);
	char vals[256];
	size_t o = 0;
	uint32_t i;

	if (!r->nsems || r->nsems > CKPT_SEMS_MAX) {
		problem(in, "nsems %u: not 1 to %u", r->nsems, CKPT_SEMS_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->nsems * sizeof(*s)))
		return;
	print_ipc_perm(in, &r->perm, 0);
	out(in, "otime %" PRId64 "  ctime %" PRId64 "  nsems %u",
	    (int64_t)r->otime, (int64_t)r->ctime, r->nsems);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	vals[0] = '\0';
	for (i = 0; i < r->nsems && o < sizeof(vals) - 32; i++)
		o += snprintf(vals + o, sizeof(vals) - o, " %u(pid %u)",
			      s[i].semval, s[i].sempid);
	out(in, "values%s%s", vals, i < r->nsems ? " ..." : "");
	for (i = 0; i < r->nsems; i++)
		if (s[i].semval > 32767)
			problem(in, "semaphore %u: value %u above 32767", i,
				s[i].semval);
}

static void print_sem_undo(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_sem_undo *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_SEM_UNDO);
	out(in, "objref %u  nr_adjs %u", r->objref, r->nr_adjs);
	expect_sub(in, CKPT_HDR_SEM_ADJ, CKPT_HDR_SEM_UNDO, r->objref,
		   r->nr_adjs);
}

static void print_sem_adj(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_sem_adj *r = (const void *)h;
	const int16_t *adj = (const void *)(r + 1);
	char vals[256];
	size_t o = 0;
	uint32_t i;

	if (!r->nsems || r->nsems > CKPT_SEMS_MAX) {
		problem(in, "nsems %u: not 1 to %u", r->nsems, CKPT_SEMS_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->nsems * sizeof(*adj)))
		return;
	vals[0] = '\0';
	for (i = 0; i < r->nsems && o < sizeof(vals) - 16; i++)
		o += snprintf(vals + o, sizeof(vals) - o, " %d", adj[i]);
	out(in, "semid %u  nsems %u  adjustments%s%s", r->semid, r->nsems,
	    vals, i < r->nsems ? " ..." : "");
}

static void print_sched(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_sched *r = (const void *)h;
	const uint64_t *words = (const void *)(r + 1);
	uint32_t nr = (r->nr_cpus + 63) / 64, cpu, n = 0;
	char buf[256];
	size_t o = 0;

	if (!r->nr_cpus || r->nr_cpus > CKPT_CPUS_MAX) {
		problem(in, "nr_cpus %u: not 1 to %u", r->nr_cpus, CKPT_CPUS_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), nr * 8))
		return;
	out(in, "policy %u  flags %#x%s  nice %d  rt_priority %u", r->policy,
	    r->flags, r->flags & CKPT_SCHED_RESET_ON_FORK ? " RESET_ON_FORK" : "",
	    r->nice, r->rt_priority);
	out(in, "timer_slack_ns %" PRIu64 "  default %" PRIu64,
	    (uint64_t)r->timer_slack_ns, (uint64_t)r->default_timer_slack_ns);
	buf[0] = '\0';
	for (cpu = 0; cpu < r->nr_cpus; cpu++) {
		if (!(words[cpu / 64] & (1ULL << (cpu % 64))))
			continue;
		n++;
		if (o < sizeof(buf) - 16)
			o += snprintf(buf + o, sizeof(buf) - o, "%s%u",
				      o ? "," : "", cpu);
	}
	out(in, "affinity: %u of %u CPUs: %s", n, r->nr_cpus, buf);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	if (r->flags & ~CKPT_SCHED_FLAGS)
		problem(in, "unknown flags %#x", r->flags & ~CKPT_SCHED_FLAGS);
	if (r->nice < -20 || r->nice > 19)
		problem(in, "nice %d", r->nice);
	if (!n)
		problem(in, "no CPU in the affinity mask");
}

static void print_cred(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_cred *r = (const void *)h;
	const uint32_t *groups = (const void *)(r + 1);
	char buf[256];
	size_t o = 0;
	uint32_t i;

	if (r->ngroups > CKPT_NGROUPS_MAX) {
		problem(in, "ngroups %u > %u", r->ngroups, CKPT_NGROUPS_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), (uint64_t)r->ngroups * 4))
		return;
	define_obj(in, r->objref, CKPT_HDR_CRED);
	out(in, "objref %u", r->objref);
	out(in, "uid %u euid %u suid %u fsuid %u", r->uid, r->euid, r->suid,
	    r->fsuid);
	out(in, "gid %u egid %u sgid %u fsgid %u", r->gid, r->egid, r->sgid,
	    r->fsgid);
	out(in, "securebits %#x", r->securebits);
	out(in, "cap_inheritable 0x%016" PRIx64 "  cap_permitted 0x%016" PRIx64,
	    (uint64_t)r->cap_inheritable, (uint64_t)r->cap_permitted);
	out(in, "cap_effective   0x%016" PRIx64 "  cap_bset      0x%016" PRIx64,
	    (uint64_t)r->cap_effective, (uint64_t)r->cap_bset);
	out(in, "cap_ambient     0x%016" PRIx64, (uint64_t)r->cap_ambient);
	buf[0] = '\0';
	for (i = 0; i < r->ngroups && o < sizeof(buf) - 16; i++)
		o += snprintf(buf + o, sizeof(buf) - o, " %u", groups[i]);
	if (i < r->ngroups)
		snprintf(buf + o, sizeof(buf) - o, " ...");
	out(in, "ngroups %u:%s", r->ngroups, buf);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
}

static void print_cpu(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_cpu *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "ip      0x%016llx  sp      0x%016llx  flags %#llx",
	    r->ip, r->sp, r->flags);
	out(in, "ax      0x%016llx  orig_ax 0x%016llx", r->ax, r->orig_ax);
	out(in, "bx      0x%016llx  cx      0x%016llx  dx    0x%016llx",
	    r->bx, r->cx, r->dx);
	out(in, "si      0x%016llx  di      0x%016llx  bp    0x%016llx",
	    r->si, r->di, r->bp);
	out(in, "r8      0x%016llx  r9      0x%016llx  r10   0x%016llx",
	    r->r8, r->r9, r->r10);
	out(in, "r11     0x%016llx  r12     0x%016llx  r13   0x%016llx",
	    r->r11, r->r12, r->r13);
	out(in, "r14     0x%016llx  r15     0x%016llx", r->r14, r->r15);
	out(in, "cs %#llx  ss %#llx  ds %#llx  es %#llx  fs %#llx  gs %#llx",
	    r->cs, r->ss, r->ds, r->es, r->fs, r->gs);
	out(in, "fs_base 0x%016llx  gs_base 0x%016llx", r->fs_base, r->gs_base);
	out(in, "restart %u%s  clockid %u  expires %llu ns  addr %#llx  arg %u  bitset %#x",
	    r->restart,
	    r->restart == CKPT_RESTART_NONE ? " (none)" :
	    r->restart == CKPT_RESTART_NANOSLEEP ? " (nanosleep)" :
	    r->restart == CKPT_RESTART_POLL ? " (poll)" :
	    r->restart == CKPT_RESTART_FUTEX ? " (futex wait)" :
	    r->restart == CKPT_RESTART_FUTEX_SHARED ? " (shared futex wait)" : "",
	    r->restart_clockid, r->restart_expires, r->restart_addr,
	    r->restart_arg, r->restart_bitset);
}

static void print_xstate(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_xstate *r = (const void *)h;
	const unsigned char *area = (const void *)(r + 1);
	uint64_t v;
	uint32_t w;
	uint16_t fcw;

	if (r->size > CKPT_XSTATE_MAX) {
		problem(in, "XSAVE area size %u > %u", r->size, CKPT_XSTATE_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->size))
		return;
	out(in, "xfeatures %#" PRIx64 "  size %u", (uint64_t)r->xfeatures,
	    r->size);
	if (r->size >= 32) {
		memcpy(&fcw, area, 2);
		memcpy(&w, area + 24, 4);
		out(in, "fcw 0x%04x  mxcsr 0x%08x", fcw, w);
	}
	if (r->size >= 576) {
		memcpy(&v, area + 512, 8);
		out(in, "xstate_bv %#" PRIx64 "%s", v,
		    v == r->xfeatures ? "" : " (differs from xfeatures)");
		memcpy(&v, area + 520, 8);
		out(in, "xcomp_bv %#" PRIx64 "%s", v,
		    v ? " (compacted format!)" : "");
		if (v)
			problem(in, "XSAVE area in compacted format");
	}
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
}

static const char *file_kind(uint32_t kind)
{
	static const char *const names[] = {
		[CKPT_FILE_REG] = "REG", [CKPT_FILE_DIR] = "DIR",
		[CKPT_FILE_CHR] = "CHR", [CKPT_FILE_TTY] = "TTY",
		[CKPT_FILE_PIPE] = "PIPE", [CKPT_FILE_EVENTFD] = "EVENTFD",
		[CKPT_FILE_SIGNALFD] = "SIGNALFD",
		[CKPT_FILE_TIMERFD] = "TIMERFD", [CKPT_FILE_MEMFD] = "MEMFD",
		[CKPT_FILE_EPOLL] = "EPOLL", [CKPT_FILE_UNLINKED] = "UNLINKED",
		[CKPT_FILE_FIFO] = "FIFO", [CKPT_FILE_INOTIFY] = "INOTIFY",
		[CKPT_FILE_PTY] = "PTY",
	};

	if (kind < ARRAY_SIZE(names) && names[kind])
		return names[kind];
	return "?";
}

/* The type of the object a file of @kind opens; 0: it has a path */
static unsigned int file_obj_type(unsigned int kind)
{
	switch (kind) {
	case CKPT_FILE_PIPE:		return CKPT_HDR_PIPE;
	case CKPT_FILE_FIFO:		return CKPT_HDR_PIPE;
	case CKPT_FILE_EVENTFD:		return CKPT_HDR_EVENTFD;
	case CKPT_FILE_SIGNALFD:	return CKPT_HDR_SIGNALFD;
	case CKPT_FILE_TIMERFD:		return CKPT_HDR_TIMERFD;
	case CKPT_FILE_MEMFD:		return CKPT_HDR_MEMFD;
	case CKPT_FILE_EPOLL:		return CKPT_HDR_EPOLL;
	case CKPT_FILE_UNLINKED:	return CKPT_HDR_GHOST;
	case CKPT_FILE_INOTIFY:		return CKPT_HDR_INOTIFY;
	case CKPT_FILE_PTY:		return CKPT_HDR_PTY;
	}
	return 0;
}

static void print_file(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const fl[] = {
		NULL, NULL, "APPEND", "NONBLOCK", "NOATIME", "SYNC", "DSYNC",
		"DIRECT", "LARGEFILE", "PATH", "ASYNC",
	};
	static const char *const acc[] = { "RDONLY", "WRONLY", "RDWR", "ACC3" };
	const struct ckpt_hdr_file *r = (const void *)h;
	unsigned int obj_type = file_obj_type(r->kind);
	char buf[160];

	if (r->path_len > CKPT_PATH_MAX) {
		problem(in, "path_len %u > %u", r->path_len, CKPT_PATH_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->path_len))
		return;
	define_obj(in, r->objref, CKPT_HDR_FILE);
	out(in, "objref %u  kind %u (%s)  flags %#x (%s%s%s)  mode %#o",
	    r->objref, r->kind, file_kind(r->kind), r->flags,
	    acc[r->flags & CKPT_O_ACCMODE],
	    (r->flags & ~CKPT_O_ACCMODE) ? "|" : "",
	    (r->flags & ~CKPT_O_ACCMODE) ?
	    flag_names(buf, sizeof(buf), r->flags & ~CKPT_O_ACCMODE, fl,
		       ARRAY_SIZE(fl)) : "",
	    r->mode);
	out(in, "pos %" PRIu64 "  rdev %u:%u", (uint64_t)r->pos, r->rdev >> 20,
	    r->rdev & 0xfffff);
	if (r->path_len)
		out(in, "path %s", str_field(in, (const char *)(r + 1),
					     r->path_len, "path"));
	if (r->obj_ref || !r->path_len)
		out(in, "obj_ref %u", r->obj_ref);
	if (!r->kind || r->kind > CKPT_FILE_KIND_MAX)
		problem(in, "unknown file kind %u", r->kind);
	if (r->flags & ~CKPT_O_FLAGS)
		problem(in, "unknown open flags %#x", r->flags & ~CKPT_O_FLAGS);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	/* A path, or (pipes, eventfd, ...) the object it opens */
	if (!obj_type) {
		if (!r->path_len)
			problem(in, "empty path");
		if (r->obj_ref)
			problem(in, "obj_ref %u for a file of kind %s, expected 0",
				r->obj_ref, file_kind(r->kind));
		return;
	}
	if (r->kind == CKPT_FILE_FIFO && !r->path_len)
		problem(in, "a FIFO without a path");
	if (r->kind != CKPT_FILE_FIFO && r->path_len)
		problem(in, "a path for a file of kind %s, expected none",
			file_kind(r->kind));
	if (r->pos && r->kind != CKPT_FILE_MEMFD &&
	    r->kind != CKPT_FILE_UNLINKED)
		problem(in, "pos %llu for a file of kind %s, expected 0",
			r->pos, file_kind(r->kind));
	check_ref(in, r->obj_ref, obj_type, 0, "obj_ref");
}

static void print_pty_termios(struct info *in, const char *end,
			      const struct ckpt_pty_termios *t)
{
	out(in, "%s termios: iflag %#x oflag %#x cflag %#x lflag %#x speed %u/%u line %u",
	    end, t->iflag, t->oflag, t->cflag, t->lflag, t->ispeed, t->ospeed,
	    t->line);
	if (t->line)
		problem(in, "%s line discipline %u, not N_TTY", end, t->line);
	check_zero(in, t->__pad, sizeof(t->__pad), "termios __pad");
}

static void print_pty(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_pty *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_PTY);
	out(in, "objref %u  flags %#x%s%s%s  pktstatus %#x  nr_data %u",
	    r->objref, r->flags, r->flags & CKPT_PTY_LOCKED ? " LOCKED" : "",
	    r->flags & CKPT_PTY_PACKET ? " PACKET" : "",
	    r->flags & CKPT_PTY_SLAVE_CLOSED ? " SLAVE_CLOSED" : "",
	    r->pktstatus, r->nr_data);
	out(in, "winsize %ux%u (%ux%u pixels)", r->ws_row, r->ws_col,
	    r->ws_xpixel, r->ws_ypixel);
	print_pty_termios(in, "master", &r->master);
	print_pty_termios(in, "slave", &r->slave);
	expect_sub(in, CKPT_HDR_PTY_DATA, CKPT_HDR_PTY, r->objref, r->nr_data);
	if (r->flags & ~CKPT_PTY_FLAGS)
		problem(in, "unknown flags %#x", r->flags & ~CKPT_PTY_FLAGS);
	if (r->pktstatus & ~CKPT_PTY_PKTSTATUS)
		problem(in, "unknown pktstatus bits %#x", r->pktstatus);
	if (r->nr_data > 4)
		problem(in, "nr_data %u > 4", r->nr_data);
}

static void print_pty_data(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_pty_data *r = (const void *)h;
	uint32_t max = r->kind == CKPT_PTY_DATA_LDISC ? CKPT_PTY_LDISC_MAX :
		       CKPT_PTY_FLIP_MAX;
	uint32_t map = r->kind == CKPT_PTY_DATA_LDISC ? (r->len + 7) / 8 : 0;

	if (!r->len || r->len > max) {
		problem(in, "len %u: not 1 to %u", r->len, max);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->len + map))
		return;
	out(in, "end %u (%s)  kind %u (%s)  len %u  canon_len %u  flags %#x",
	    r->end, r->end == CKPT_PTY_END_MASTER ? "master" :
	    r->end == CKPT_PTY_END_SLAVE ? "slave" : "?", r->kind,
	    r->kind == CKPT_PTY_DATA_LDISC ? "ldisc" :
	    r->kind == CKPT_PTY_DATA_FLIP ? "flip" : "?", r->len,
	    r->canon_len, r->flags);
	if (r->end != CKPT_PTY_END_MASTER && r->end != CKPT_PTY_END_SLAVE)
		problem(in, "unknown end %u", r->end);
	if (r->kind != CKPT_PTY_DATA_LDISC && r->kind != CKPT_PTY_DATA_FLIP)
		problem(in, "unknown kind %u", r->kind);
	if (r->canon_len > r->len)
		problem(in, "canon_len %u > len %u", r->canon_len, r->len);
	if (r->flags & ~CKPT_PTY_DATA_FLAGS)
		problem(in, "unknown flags %#x", r->flags);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
}

static void print_files(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_files *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_FILES);
	out(in, "objref %u  nr_fds %u  nr_locks %u", r->objref, r->nr_fds,
	    r->nr_locks);
	if (r->nr_fds > CKPT_FD_MAX)
		problem(in, "nr_fds %u > %u", r->nr_fds, CKPT_FD_MAX);
	if (r->nr_locks > CKPT_LOCKS_MAX)
		problem(in, "nr_locks %u > %u", r->nr_locks, CKPT_LOCKS_MAX);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	/* Its FD records come next, then its FILE_LOCK records */
	in->files_ref = r->objref;
	in->nr_fds = r->nr_fds;
	in->fds_left = r->nr_fds;
	in->nr_locks = r->nr_locks;
	in->locks_left = r->nr_locks;
	in->prev_fd = -1;
}

static void print_fd(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_fd *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "fd %u  flags %#x%s  file_ref %u", r->fd, r->flags,
	    (r->flags & CKPT_FD_CLOEXEC) ? " (CLOEXEC)" : "", r->file_ref);
	if (r->fd >= CKPT_FD_MAX)
		problem(in, "fd %u out of range", r->fd);
	if ((long long)r->fd <= in->prev_fd)
		problem(in, "fd %u after fd %lld: not in increasing order",
			r->fd, in->prev_fd);
	in->prev_fd = r->fd;
	if (r->flags & ~CKPT_FD_FLAGS)
		problem(in, "unknown fd flags %#x", r->flags & ~CKPT_FD_FLAGS);
	check_ref(in, r->file_ref, CKPT_HDR_FILE, 0, "file_ref");
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
}

static void print_fs(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_fs *r = (const void *)h;
	const char *p = (const void *)(r + 1);

	if (r->root_len > CKPT_PATH_MAX || r->cwd_len > CKPT_PATH_MAX) {
		problem(in, "path length %u/%u > %u", r->root_len, r->cwd_len,
			CKPT_PATH_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), (uint64_t)r->root_len + r->cwd_len))
		return;
	define_obj(in, r->objref, CKPT_HDR_FS);
	out(in, "objref %u  umask %04o", r->objref, r->umask);
	out(in, "root %s", str_field(in, p, r->root_len, "root"));
	out(in, "cwd %s", str_field(in, p + r->root_len, r->cwd_len, "cwd"));
}

/* Signal names of @mask (bit n - 1 for signal n), "none" if empty */
static const char *sig_names(char *buf, size_t size, uint64_t mask)
{
	const char *name;
	size_t o = 0;
	unsigned int i;

	snprintf(buf, size, "none");
	for (i = 0; i < 64 && o < size; i++) {
		if (!(mask & (1ULL << i)))
			continue;
		name = sigabbrev_np(i + 1);
		if (name)
			o += snprintf(buf + o, size - o, "%sSIG%s", o ? " " : "",
				      name);
		else
			o += snprintf(buf + o, size - o, "%s%u", o ? " " : "",
				      i + 1);
	}
	return buf;
}

static void print_pipe(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_pipe *r = (const void *)h;
	unsigned int pages;

	if (r->path_len > CKPT_PATH_MAX) {
		problem(in, "path_len %u > %u", r->path_len, CKPT_PATH_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->path_len))
		return;
	define_obj(in, r->objref, CKPT_HDR_PIPE);
	out(in, "objref %u  size %u  nr_bufs %u", r->objref, r->size,
	    r->nr_bufs);
	if (r->path_len)
		out(in, "FIFO %s", str_field(in, (const char *)(r + 1),
					     r->path_len, "path"));
	expect_sub(in, CKPT_HDR_PIPE_BUF, CKPT_HDR_PIPE, r->objref, r->nr_bufs);
	if (!in->page_size)
		return;
	pages = r->size / in->page_size;
	if (!r->size || r->size % in->page_size || (pages & (pages - 1)) ||
	    pages > CKPT_PIPE_BUFS_MAX)
		problem(in, "size %u: not a power of 2 pages up to %u pages",
			r->size, CKPT_PIPE_BUFS_MAX);
	else if (r->nr_bufs > pages)
		problem(in, "nr_bufs %u > %u, the pages of the pipe",
			r->nr_bufs, pages);
}

static void print_pipe_buf(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_pipe_buf *r = (const void *)h;

	if (!r->len || (in->page_size && r->len > in->page_size)) {
		problem(in, "len %u: not 1 to the page size", r->len);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->len))
		return;
	out(in, "len %u", r->len);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
}

static void print_eventfd(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const fl[] = { "SEMAPHORE" };
	const struct ckpt_hdr_eventfd *r = (const void *)h;
	char buf[64];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_EVENTFD);
	out(in, "objref %u  count %llu  flags %s", r->objref, r->count,
	    flag_names(buf, sizeof(buf), r->flags, fl, ARRAY_SIZE(fl)));
	if (r->flags & ~CKPT_EFD_FLAGS)
		problem(in, "unknown eventfd flags %#x",
			r->flags & ~CKPT_EFD_FLAGS);
	if (r->count == UINT64_MAX)
		problem(in, "count 2^64 - 1");
}

static void print_signalfd(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_signalfd *r = (const void *)h;
	char buf[768];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_SIGNALFD);
	out(in, "objref %u  mask 0x%016llx (%s)", r->objref, r->mask,
	    sig_names(buf, sizeof(buf), r->mask));
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	if (r->mask & ((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1))))
		problem(in, "mask has SIGKILL or SIGSTOP");
}

static const char *clock_name(uint32_t clockid)
{
	switch (clockid) {
	case 0:	return "REALTIME";
	case 1:	return "MONOTONIC";
	case 7:	return "BOOTTIME";
	case 8:	return "REALTIME_ALARM";
	case 9:	return "BOOTTIME_ALARM";
	case 11: return "TAI";
	}
	return NULL;
}

static void print_timerfd(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const fl[] = { "ABSTIME", "CANCEL_ON_SET" };
	const struct ckpt_hdr_timerfd *r = (const void *)h;
	const char *clock = clock_name(r->clockid);
	char buf[64];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_TIMERFD);
	out(in, "objref %u  clockid %u (%s)  flags %s", r->objref, r->clockid,
	    clock ? clock : "?",
	    flag_names(buf, sizeof(buf), r->flags, fl, ARRAY_SIZE(fl)));
	out(in, "value %llu.%09llu s  interval %llu.%09llu s  ticks %llu",
	    r->value_ns / 1000000000ULL, r->value_ns % 1000000000ULL,
	    r->interval_ns / 1000000000ULL, r->interval_ns % 1000000000ULL,
	    r->ticks);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	if (!clock)
		problem(in, "unknown clockid %u", r->clockid);
	if (r->flags & ~CKPT_TFD_FLAGS)
		problem(in, "unknown timerfd flags %#x",
			r->flags & ~CKPT_TFD_FLAGS);
	if ((r->flags & CKPT_TFD_CANCEL_ON_SET) &&
	    !(r->flags & CKPT_TFD_ABSTIME))
		problem(in, "CANCEL_ON_SET without ABSTIME");
	if (r->value_ns > INT64_MAX || r->interval_ns > INT64_MAX)
		problem(in, "value or interval above 2^63 - 1 ns");
}

static void print_file_lock(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const kinds[] = { "?", "flock", "posix", "ofd" };
	static const char *const types[] = { "?", "read", "write" };
	const struct ckpt_hdr_file_lock *r = (const void *)h;
	char end[24] = "EOF";

	if (check_len(in, h, sizeof(*r), 0))
		return;
	if (r->end != INT64_MAX)
		snprintf(end, sizeof(end), "%llu", r->end);
	out(in, "file_ref %u  kind %u (%s)  type %u (%s)  range %llu-%s",
	    r->file_ref, r->kind,
	    r->kind < ARRAY_SIZE(kinds) ? kinds[r->kind] : "?", r->type,
	    r->type < ARRAY_SIZE(types) ? types[r->type] : "?", r->start, end);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	if (r->kind < CKPT_LOCK_FLOCK || r->kind > CKPT_LOCK_OFD)
		problem(in, "unknown lock kind %u", r->kind);
	if (r->type != CKPT_LOCK_READ && r->type != CKPT_LOCK_WRITE)
		problem(in, "unknown lock type %u", r->type);
	if (r->start > INT64_MAX || r->end > INT64_MAX || r->start > r->end)
		problem(in, "bad range %llu-%llu", r->start, r->end);
	else if (r->kind == CKPT_LOCK_FLOCK && (r->start || r->end != INT64_MAX))
		problem(in, "range %llu-%llu for flock(), expected 0-EOF",
			r->start, r->end);
	check_ref(in, r->file_ref, CKPT_HDR_FILE, 0, "file_ref");
}

static void print_memfd(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const fl[] = {
		"SEAL", "SHRINK", "GROW", "WRITE", "FUTURE_WRITE", "EXEC",
	};
	const struct ckpt_hdr_memfd *r = (const void *)h;
	const char *name = (const void *)(r + 1);
	char buf[96];

	if (r->name_len > CKPT_MEMFD_NAME_MAX) {
		problem(in, "name_len %u > %u", r->name_len,
			CKPT_MEMFD_NAME_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->name_len))
		return;
	define_obj(in, r->objref, CKPT_HDR_MEMFD);
	out(in, "objref %u  name %s  mode %04o", r->objref,
	    str_field(in, name, r->name_len, "name"), r->mode);
	out(in, "seals %s  size %llu  nr_data %u",
	    flag_names(buf, sizeof(buf), r->seals, fl, ARRAY_SIZE(fl)),
	    r->size, r->nr_data);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	expect_sub(in, CKPT_HDR_FILE_DATA, CKPT_HDR_MEMFD, r->objref,
		   r->nr_data);
	in->data_size = r->size;
	in->data_next = 0;
	if (r->name_len <= 6 || strncmp(name, "memfd:", 6) ||
	    memchr(name, '/', r->name_len))
		problem(in, "name: not \"memfd:\" and a name without '/'");
	if (r->seals & ~CKPT_SEALS)
		problem(in, "unknown seals %#x", r->seals & ~CKPT_SEALS);
	if (r->mode & ~07777)
		problem(in, "mode %#o: more than permission bits", r->mode);
	if (r->size > INT64_MAX)
		problem(in, "size %llu above 2^63 - 1", r->size);
	if (r->nr_data > r->size)
		problem(in, "nr_data %u for %llu bytes", r->nr_data, r->size);
}

static void print_ghost(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_ghost *r = (const void *)h;
	const char *dir = (const void *)(r + 1);

	if (r->dir_len > CKPT_PATH_MAX) {
		problem(in, "dir_len %u > %u", r->dir_len, CKPT_PATH_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->dir_len))
		return;
	define_obj(in, r->objref, CKPT_HDR_GHOST);
	out(in, "objref %u  dir %s  mode %04o", r->objref,
	    str_field(in, dir, r->dir_len, "dir"), r->mode);
	out(in, "size %llu  nr_data %u", r->size, r->nr_data);
	expect_sub(in, CKPT_HDR_FILE_DATA, CKPT_HDR_GHOST, r->objref,
		   r->nr_data);
	in->data_size = r->size;
	in->data_next = 0;
	if (r->dir_len < 2 || dir[0] != '/')
		problem(in, "dir: not an absolute path");
	if (r->mode & ~07777)
		problem(in, "mode %#o: more than permission bits", r->mode);
	if (r->size > INT64_MAX)
		problem(in, "size %llu above 2^63 - 1", r->size);
	if (r->nr_data > r->size)
		problem(in, "nr_data %u for %llu bytes", r->nr_data, r->size);
}

static void print_file_data(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_file_data *r = (const void *)h;

	if (!r->len || r->len > CKPT_FILE_DATA_MAX) {
		problem(in, "len %u: not 1 to %u", r->len, CKPT_FILE_DATA_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->len))
		return;
	out(in, "offset %llu  len %u", r->offset, r->len);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	if (r->offset < in->data_next)
		problem(in, "offset %llu before the end of the previous data, %llu",
			r->offset, in->data_next);
	else if (r->offset > in->data_size ||
		 r->len > in->data_size - r->offset)
		problem(in, "data past the size of the file, %llu bytes",
			in->data_size);
	in->data_next = r->offset + r->len;
}

static void print_epoll(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_epoll *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_EPOLL);
	out(in, "objref %u  nr_items %u", r->objref, r->nr_items);
	expect_sub(in, CKPT_HDR_EPOLL_ITEM, CKPT_HDR_EPOLL, r->objref,
		   r->nr_items);
	if (r->nr_items > CKPT_EPOLL_ITEMS_MAX)
		problem(in, "nr_items %u > %u", r->nr_items,
			CKPT_EPOLL_ITEMS_MAX);
}

/* EPOLL* bits of <linux/eventpoll.h> */
#define EPOLL_EVENTS_KNOWN	0xf00027ffU

static void print_epoll_item(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const ev[32] = {
		"IN", "PRI", "OUT", "ERR", "HUP", "NVAL", "RDNORM", "RDBAND",
		"WRNORM", "WRBAND", "MSG", [13] = "RDHUP", [28] = "EXCLUSIVE",
		"WAKEUP", "ONESHOT", "ET",
	};
	const struct ckpt_hdr_epoll_item *r = (const void *)h;
	char buf[160];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "fd %u  events %s  data %#llx  file_ref %u", r->fd,
	    flag_names(buf, sizeof(buf), r->events, ev, ARRAY_SIZE(ev)),
	    r->data, r->file_ref);
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
	if (r->fd >= CKPT_FD_MAX)
		problem(in, "fd %u out of range", r->fd);
	if (r->events & ~EPOLL_EVENTS_KNOWN)
		problem(in, "unknown events %#x",
			r->events & ~EPOLL_EVENTS_KNOWN);
	check_ref(in, r->file_ref, CKPT_HDR_FILE, 0, "file_ref");
}

/* IN_* bits of <linux/inotify.h>, for watches and events */
static const char *const inotify_bits[32] = {
	"ACCESS", "MODIFY", "ATTRIB", "CLOSE_WRITE", "CLOSE_NOWRITE", "OPEN",
	"MOVED_FROM", "MOVED_TO", "CREATE", "DELETE", "DELETE_SELF",
	"MOVE_SELF", [13] = "UNMOUNT", "Q_OVERFLOW", "IGNORED",
	[24] = "ONLYDIR", "DONT_FOLLOW", "EXCL_UNLINK", [28] = "MASK_CREATE",
	"MASK_ADD", "ISDIR", "ONESHOT",
};

#define INOTIFY_EVENTS		0x00000fffU
#define INOTIFY_WATCH_KNOWN	(INOTIFY_EVENTS | 0x84000000U)
#define INOTIFY_EVENT_KNOWN	(INOTIFY_EVENTS | 0x4000e000U)

/* The events of the INOTIFY just defined, once its watches are seen */
static void expect_inotify_events(struct info *in)
{
	if (in->sub_left || !in->ino_events)
		return;
	expect_sub(in, CKPT_HDR_INOTIFY_EVENT, CKPT_HDR_INOTIFY, in->ino_ref,
		   in->ino_events);
	in->ino_events = 0;
}

static void print_inotify(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_inotify *r = (const void *)h;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_INOTIFY);
	out(in, "objref %u  nr_watches %u  nr_events %u  next_wd %u",
	    r->objref, r->nr_watches, r->nr_events, r->next_wd);
	expect_sub(in, CKPT_HDR_INOTIFY_WATCH, CKPT_HDR_INOTIFY, r->objref,
		   r->nr_watches);
	in->ino_ref = r->objref;
	in->ino_events = r->nr_events;
	expect_inotify_events(in);
	if (r->nr_watches > CKPT_INOTIFY_WATCHES_MAX)
		problem(in, "nr_watches %u > %u", r->nr_watches,
			CKPT_INOTIFY_WATCHES_MAX);
	if (r->nr_events > CKPT_INOTIFY_EVENTS_MAX)
		problem(in, "nr_events %u > %u", r->nr_events,
			CKPT_INOTIFY_EVENTS_MAX);
	if (r->next_wd < 1 || r->next_wd > INT32_MAX)
		problem(in, "next_wd %u: not 1 to 2^31 - 1", r->next_wd);
}

static void print_inotify_watch(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_inotify_watch *r = (const void *)h;
	const char *path = (const void *)(r + 1);
	char buf[200];

	if (r->path_len > CKPT_PATH_MAX) {
		problem(in, "path_len %u > %u", r->path_len, CKPT_PATH_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->path_len))
		return;
	out(in, "wd %u  %s  mode %#o  mask %s", r->wd,
	    str_field(in, path, r->path_len, "path"), r->mode,
	    flag_names(buf, sizeof(buf), r->mask, inotify_bits,
		       ARRAY_SIZE(inotify_bits)));
	expect_inotify_events(in);
	if (r->path_len < 2 || path[0] != '/')
		problem(in, "path: not an absolute path");
	if (r->wd < 1 || r->wd > INT32_MAX)
		problem(in, "wd %u: not 1 to 2^31 - 1", r->wd);
	if (r->mask & ~INOTIFY_WATCH_KNOWN)
		problem(in, "unknown mask bits %#x",
			r->mask & ~INOTIFY_WATCH_KNOWN);
	if (!r->mode || r->mode & ~S_IFMT)
		problem(in, "mode %#o: not a file type", r->mode);
}

static void print_inotify_event(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_inotify_event *r = (const void *)h;
	const char *name = (const void *)(r + 1);
	char buf[200];

	if (r->name_len > 256) {
		problem(in, "name_len %u > 256", r->name_len);
		return;
	}
	if (check_len(in, h, sizeof(*r), r->name_len))
		return;
	out(in, "wd %d  mask %s  cookie %u  name %s", (int)r->wd,
	    flag_names(buf, sizeof(buf), r->mask, inotify_bits,
		       ARRAY_SIZE(inotify_bits)),
	    r->cookie,
	    r->name_len ? str_field(in, name, r->name_len, "name") : "-");
	if (!r->mask || r->mask & ~INOTIFY_EVENT_KNOWN)
		problem(in, "mask %#x: none, or unknown bits", r->mask);
	if (r->wd != CKPT_INOTIFY_WD_NONE && (r->wd < 1 || r->wd > INT32_MAX))
		problem(in, "wd %u: not 1 to 2^31 - 1", r->wd);
}

static const char *auxv_name(uint64_t type)
{
	static const char *const names[] = {
		[0] = "AT_NULL", [3] = "AT_PHDR", [4] = "AT_PHENT",
		[5] = "AT_PHNUM", [6] = "AT_PAGESZ", [7] = "AT_BASE",
		[8] = "AT_FLAGS", [9] = "AT_ENTRY", [11] = "AT_UID",
		[12] = "AT_EUID", [13] = "AT_GID", [14] = "AT_EGID",
		[15] = "AT_PLATFORM", [16] = "AT_HWCAP", [17] = "AT_CLKTCK",
		[23] = "AT_SECURE", [24] = "AT_BASE_PLATFORM",
		[25] = "AT_RANDOM", [26] = "AT_HWCAP2",
		[27] = "AT_RSEQ_FEATURE_SIZE", [28] = "AT_RSEQ_ALIGN",
		[31] = "AT_EXECFN", [33] = "AT_SYSINFO_EHDR",
		[51] = "AT_MINSIGSTKSZ",
	};

	if (type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return NULL;
}

static void print_mm(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_mm *r = (const void *)h;
	const uint64_t *auxv = (const void *)(r + 1);
	uint32_t i;

	if (r->auxv_len > CKPT_AUXV_MAX) {
		problem(in, "auxv_len %u > %u", r->auxv_len, CKPT_AUXV_MAX);
		return;
	}
	if (check_len(in, h, sizeof(*r), (uint64_t)r->auxv_len * 8))
		return;
	define_obj(in, r->objref, CKPT_HDR_MM);
	out(in, "objref %u  nr_vmas %u  exe_ref %u  auxv_len %u", r->objref,
	    r->nr_vmas, r->exe_ref, r->auxv_len);
	out(in, "code  %#llx-%#llx  data %#llx-%#llx", r->start_code,
	    r->end_code, r->start_data, r->end_data);
	out(in, "brk   %#llx-%#llx  start_stack %#llx", r->start_brk, r->brk,
	    r->start_stack);
	out(in, "args  %#llx-%#llx  env %#llx-%#llx", r->arg_start, r->arg_end,
	    r->env_start, r->env_end);
	for (i = 0; i + 1 < r->auxv_len; i += 2) {
		const char *n = auxv_name(auxv[i]);

		if (n)
			out(in, "auxv %-20s %#" PRIx64, n, auxv[i + 1]);
		else
			out(in, "auxv %-20" PRIu64 " %#" PRIx64, auxv[i],
			    auxv[i + 1]);
	}
	if (r->auxv_len & 1)
		problem(in, "odd auxv_len %u", r->auxv_len);
	check_ref(in, r->exe_ref, CKPT_HDR_FILE, 1, "exe_ref");
}

static void print_vma(struct info *in, const struct ckpt_hdr *h)
{
	static const char *const kinds[] = {
		"?", "ANON", "FILE", "VDSO", "VVAR", "SYSV_SHM",
	};
	static const char *const fl[] = {
		"SHARED", "GROWSDOWN", "MAYREAD", "MAYWRITE", "MAYEXEC",
		"LOCKED", "DONTFORK", "DONTDUMP", "NORESERVE", "HEAP", "STACK",
	};
	const struct ckpt_hdr_vma *r = (const void *)h;
	char buf[160];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "%#" PRIx64 "-%#" PRIx64 " %c%c%c  kind %u (%s)  pgoff %#"
	    PRIx64 "  file_ref %u", (uint64_t)r->start, (uint64_t)r->end,
	    (r->prot & CKPT_PROT_READ) ? 'r' : '-',
	    (r->prot & CKPT_PROT_WRITE) ? 'w' : '-',
	    (r->prot & CKPT_PROT_EXEC) ? 'x' : '-',
	    r->kind, r->kind <= CKPT_VMA_KIND_MAX ? kinds[r->kind] : "?",
	    (uint64_t)r->pgoff, r->file_ref);
	out(in, "flags %s", flag_names(buf, sizeof(buf), r->flags, fl,
				       ARRAY_SIZE(fl)));
	if (!r->kind || r->kind > CKPT_VMA_KIND_MAX)
		problem(in, "unknown vma kind %u", r->kind);
	if (r->prot & ~CKPT_PROT_FLAGS)
		problem(in, "unknown prot bits %#x", r->prot & ~CKPT_PROT_FLAGS);
	if (r->flags & ~CKPT_VMA_FLAGS)
		problem(in, "unknown vma flags %#x", r->flags & ~CKPT_VMA_FLAGS);
	if (r->start >= r->end)
		problem(in, "empty or inverted range");
	if (in->page_size && ((r->start | r->end) & (in->page_size - 1)))
		problem(in, "range not page aligned");
	/* A SysV shm mapping names its segment's id, not a FILE */
	if (r->kind != CKPT_VMA_SYSV_SHM)
		check_ref(in, r->file_ref, CKPT_HDR_FILE,
			  r->kind != CKPT_VMA_FILE, "file_ref");
}

static void print_pages(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_pages *r = (const void *)h;

	if (r->nr_pages < 1 || r->nr_pages > CKPT_PAGES_MAX) {
		problem(in, "nr_pages %u out of range", r->nr_pages);
		return;
	}
	if (!in->page_size) {
		problem(in, "page data but no page size");
		return;
	}
	if (check_len(in, h, sizeof(*r), (uint64_t)r->nr_pages * in->page_size))
		return;
	in->nr_pages += r->nr_pages;
	out(in, "addr %#" PRIx64 "  nr_pages %u", (uint64_t)r->addr,
	    r->nr_pages);
	if (r->addr & (in->page_size - 1))
		problem(in, "address not page aligned");
	check_zero(in, &r->__pad, sizeof(r->__pad), "__pad");
}

static void print_sighand(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_sighand *r = (const void *)h;
	unsigned int i, dfl = 0;
	const char *name;
	char sig[16];

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_SIGHAND);
	out(in, "objref %u  nr %u", r->objref, r->nr);
	if (r->nr != CKPT_NSIG)
		problem(in, "nr %u, expected %u", r->nr, CKPT_NSIG);
	for (i = 0; i < CKPT_NSIG; i++) {
		const struct ckpt_sigaction *a = &r->action[i];

		if (!a->handler && !a->flags && !a->restorer && !a->mask) {
			dfl++;
			continue;
		}
		name = sigabbrev_np(i + 1);
		if (name)
			snprintf(sig, sizeof(sig), "SIG%s", name);
		else
			snprintf(sig, sizeof(sig), "%u", i + 1);
		out(in, "%-9s handler %s%#" PRIx64 "  flags %#" PRIx64
		    "  restorer %#" PRIx64 "  mask %#" PRIx64, sig,
		    a->handler == 0 ? "SIG_DFL " : a->handler == 1 ? "SIG_IGN " : "",
		    (uint64_t)a->handler, (uint64_t)a->flags,
		    (uint64_t)a->restorer, (uint64_t)a->mask);
	}
	out(in, "(%u other signals: SIG_DFL, no flags)", dfl);
}

static void print_signal(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_signal *r = (const void *)h;
	unsigned int i;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	define_obj(in, r->objref, CKPT_HDR_SIGNAL);
	out(in, "objref %u  flags %#x%s  dumpable %u  nr_rlimits %u", r->objref,
	    r->flags, r->flags & CKPT_SIGNAL_CHILD_SUBREAPER ?
	    " CHILD_SUBREAPER" : "", r->dumpable, r->nr_rlimits);
	out(in, "nr_posix_timers %u  next_posix_timer_id %u",
	    r->nr_posix_timers, r->next_posix_timer_id);
	if (r->nr_posix_timers > CKPT_POSIX_TIMERS_MAX)
		problem(in, "nr_posix_timers %u, more than %u",
			r->nr_posix_timers, CKPT_POSIX_TIMERS_MAX);
	if (r->nr_rlimits != CKPT_RLIM_NLIMITS)
		problem(in, "nr_rlimits %u, expected %u", r->nr_rlimits,
			CKPT_RLIM_NLIMITS);
	for (i = 0; i < CKPT_RLIM_NLIMITS; i++) {
		out(in, "rlimit %2u  cur %" PRId64 "  max %" PRId64, i,
		    (int64_t)r->rlim[i].cur, (int64_t)r->rlim[i].max);
		if (r->rlim[i].cur > r->rlim[i].max)
			problem(in, "rlimit %u: soft limit above the hard one", i);
	}
	for (i = 0; i < CKPT_NR_ITIMERS; i++)
		out(in, "itimer %u  value %" PRIu64 " ns  interval %" PRIu64 " ns",
		    i, (uint64_t)r->itimer[i].value_ns,
		    (uint64_t)r->itimer[i].interval_ns);
	if (r->flags & ~CKPT_SIGNAL_FLAGS)
		problem(in, "unknown flags %#x", r->flags & ~CKPT_SIGNAL_FLAGS);
	if (r->dumpable > 1)
		problem(in, "dumpable %u", r->dumpable);
}

static void print_sigpending(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_sigpending *r = (const void *)h;
	const int32_t *w = (const void *)r->info;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	out(in, "queue %u (%s)  signo %u (%s)  si_signo %d  si_errno %d  si_code %d",
	    r->queue, r->queue == CKPT_SIGQUEUE_TASK ? "task" :
	    r->queue == CKPT_SIGQUEUE_SHARED ? "shared" : "?", r->signo,
	    r->signo && sigabbrev_np(r->signo) ? sigabbrev_np(r->signo) : "RT",
	    w[0], w[1], w[2]);
	if (r->queue != CKPT_SIGQUEUE_TASK && r->queue != CKPT_SIGQUEUE_SHARED)
		problem(in, "unknown queue %u", r->queue);
	if (!r->signo || r->signo > CKPT_NSIG || r->signo == 9 || r->signo == 19)
		problem(in, "signo %u", r->signo);
	if ((uint32_t)w[0] != r->signo)
		problem(in, "si_signo %d for signal %u", w[0], r->signo);
}

static void print_posix_timer(struct info *in, const struct ckpt_hdr *h)
{
	const struct ckpt_hdr_posix_timer *r = (const void *)h;
	static const char * const notify[] = {
		"SIGNAL", "NONE", "THREAD", "?", "THREAD_ID"
	};
	const char *clock;

	if (check_len(in, h, sizeof(*r), 0))
		return;
	clock = clock_name((uint32_t)r->clockid);
	out(in, "id %u  clock %d (%s)  notify %u (%s)  signo %u  tid %u  value %#" PRIx64,
	    r->id, r->clockid, clock ? clock : "?", r->notify,
	    r->notify < 5 ? notify[r->notify] : "?", r->signo, r->tid,
	    (uint64_t)r->value);
	out(in, "%s %" PRIu64 " ns  interval %" PRIu64 " ns  overrun %" PRId64
	    "  last %" PRId64 "%s%s  sig_overrun %u",
	    r->flags & CKPT_POSIX_TIMER_ABSTIME ? "expires at" : "value",
	    (uint64_t)r->value_ns, (uint64_t)r->interval_ns,
	    (int64_t)r->overrun, (int64_t)r->overrun_last,
	    r->flags & CKPT_POSIX_TIMER_PENDING ? "  PENDING" : "",
	    r->flags & CKPT_POSIX_TIMER_REARM ? " REARM" : "", r->sig_overrun);
	if (!clock)
		problem(in, "unknown clock %d", r->clockid);
	if (r->notify >= 5 || !strcmp(notify[r->notify], "?"))
		problem(in, "unknown notify %u", r->notify);
	if (r->flags & ~CKPT_POSIX_TIMER_FLAGS)
		problem(in, "unknown flags %#x",
			r->flags & ~CKPT_POSIX_TIMER_FLAGS);
	if (r->id > INT32_MAX)
		problem(in, "id %u", r->id);
}

typedef void (*print_fn)(struct info *in, const struct ckpt_hdr *h);

static print_fn printer(uint32_t type)
{
	switch (type) {
	case CKPT_HDR_HEADER:	return print_header;
	case CKPT_HDR_TAIL:	return print_tail;
	case CKPT_HDR_TASK:	return print_task;
	case CKPT_HDR_CLONE:	return print_clone;
	case CKPT_HDR_CRED:	return print_cred;
	case CKPT_HDR_CPU:	return print_cpu;
	case CKPT_HDR_XSTATE:	return print_xstate;
	case CKPT_HDR_FILE:	return print_file;
	case CKPT_HDR_FILES:	return print_files;
	case CKPT_HDR_FD:	return print_fd;
	case CKPT_HDR_FS:	return print_fs;
	case CKPT_HDR_PIPE:	return print_pipe;
	case CKPT_HDR_PIPE_BUF:	return print_pipe_buf;
	case CKPT_HDR_EVENTFD:	return print_eventfd;
	case CKPT_HDR_SIGNALFD:	return print_signalfd;
	case CKPT_HDR_TIMERFD:	return print_timerfd;
	case CKPT_HDR_FILE_LOCK: return print_file_lock;
	case CKPT_HDR_MEMFD:	return print_memfd;
	case CKPT_HDR_FILE_DATA: return print_file_data;
	case CKPT_HDR_EPOLL:	return print_epoll;
	case CKPT_HDR_EPOLL_ITEM: return print_epoll_item;
	case CKPT_HDR_GHOST:	return print_ghost;
	case CKPT_HDR_INOTIFY:	return print_inotify;
	case CKPT_HDR_INOTIFY_WATCH: return print_inotify_watch;
	case CKPT_HDR_INOTIFY_EVENT: return print_inotify_event;
	case CKPT_HDR_PTY:	return print_pty;
	case CKPT_HDR_PTY_DATA:	return print_pty_data;
	case CKPT_HDR_MM:	return print_mm;
	case CKPT_HDR_VMA:	return print_vma;
	case CKPT_HDR_PAGES:	return print_pages;
	case CKPT_HDR_SIGHAND:	return print_sighand;
	case CKPT_HDR_SIGNAL:	return print_signal;
	case CKPT_HDR_SIGPENDING:	return print_sigpending;
	case CKPT_HDR_POSIX_TIMER:	return print_posix_timer;
	case CKPT_HDR_SCHED:	return print_sched;
	case CKPT_HDR_NS:	return print_ns;
	case CKPT_HDR_USER_NS:	return print_user_ns;
	case CKPT_HDR_UTS_NS:	return print_uts_ns;
	case CKPT_HDR_IPC_NS:	return print_ipc_ns;
	case CKPT_HDR_NET_NS:	return print_net_ns;
	case CKPT_HDR_SHM:	return print_shm;
	case CKPT_HDR_MSQ:	return print_msq;
	case CKPT_HDR_MSG:	return print_msg;
	case CKPT_HDR_SEM:	return print_sem;
	case CKPT_HDR_SEM_UNDO:	return print_sem_undo;
	case CKPT_HDR_SEM_ADJ:	return print_sem_adj;
	}
	return NULL;
}

static void account(struct info *in, uint32_t type, uint32_t len)
{
	unsigned int i, n = ckpt_nr_rec_desc();

	for (i = 0; i < n; i++)
		if (ckpt_rec_desc_at(i)->type == type)
			break;
	in->stats[i].count++;
	in->stats[i].bytes += len;
}

/*
 * Check that a record of @type may come here: the records that follow
 * an object (PIPE_BUF, FILE_DATA, EPOLL_ITEM) come right after it, and
 * those of an fd table (FD, FILE_LOCK) after its FILES, with only the
 * records of files between the FD records.
 */
static uint32_t ns_rec_kind(uint32_t type)
{
	switch (type) {
	case CKPT_HDR_UTS_NS:	return CKPT_NS_UTS;
	case CKPT_HDR_IPC_NS:	return CKPT_NS_IPC;
	case CKPT_HDR_NET_NS:	return CKPT_NS_NET;
	case CKPT_HDR_USER_NS:	return CKPT_NS_USER;
	}
	return 0;
}

/* The namespace record due next: user, uts, ipc, then network */
static uint32_t ns_next_due(uint32_t due)
{
	static const uint32_t order[] = {
		CKPT_NS_USER, CKPT_NS_UTS, CKPT_NS_IPC, CKPT_NS_NET,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (due & order[i])
			return order[i];
	return 0;
}

/* NS second, then the records of the image's own namespaces, in order */
static int check_ns_place(struct info *in, uint32_t type)
{
	uint32_t kind = ns_rec_kind(type);

	if (in->nr_records == 1 && type != CKPT_HDR_NS) {
		problem(in, "second record is %s, not NS", ckpt_rec_name(type));
		return 1;
	}
	if (type == CKPT_HDR_NS && in->nr_records != 1) {
		problem(in, "NS record out of place");
		return 1;
	}
	if (in->ns_due) {
		if (kind == ns_next_due(in->ns_due)) {
			in->ns_due &= ~kind;
			return 1;
		}
		problem(in, "%s record where the namespace records are due",
			ckpt_rec_name(type));
		in->ns_due = 0;
		return 1;
	}
	if (kind) {
		problem(in, "%s record out of place", ckpt_rec_name(type));
		return 1;
	}
	return type == CKPT_HDR_NS;
}

static void check_place(struct info *in, uint32_t type)
{
	if (type != CKPT_HDR_HEADER && check_ns_place(in, type))
		return;
	if (in->sub_left) {
		if (type == in->sub_type) {
			in->sub_left--;
			return;
		}
		problem(in, "%s %u of %u of %s %u expected, not %s",
			ckpt_rec_name(in->sub_type),
			in->sub_nr - in->sub_left + 1, in->sub_nr,
			ckpt_rec_name(in->sub_parent), in->sub_ref,
			ckpt_rec_name(type));
		in->sub_left = 0;
	}
	switch (type) {
	case CKPT_HDR_PIPE_BUF:
	case CKPT_HDR_FILE_DATA:
	case CKPT_HDR_MSG:
	case CKPT_HDR_SEM_ADJ:
	case CKPT_HDR_EPOLL_ITEM:
	case CKPT_HDR_INOTIFY_WATCH:
	case CKPT_HDR_INOTIFY_EVENT:
	case CKPT_HDR_PTY_DATA:
		problem(in, "%s record out of place", ckpt_rec_name(type));
		return;
	}
	if (in->fds_left) {
		switch (type) {
		case CKPT_HDR_FD:
			in->fds_left--;
			return;
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
			return;
		}
		problem(in, "%s record after %u of the %u fds of FILES %u",
			ckpt_rec_name(type), in->nr_fds - in->fds_left,
			in->nr_fds, in->files_ref);
		in->fds_left = 0;
		in->locks_left = 0;
	} else if (in->locks_left) {
		if (type == CKPT_HDR_FILE_LOCK) {
			in->locks_left--;
			return;
		}
		problem(in, "%s record after %u of the %u locks of FILES %u",
			ckpt_rec_name(type), in->nr_locks - in->locks_left,
			in->nr_locks, in->files_ref);
		in->locks_left = 0;
	} else if (type == CKPT_HDR_FD || type == CKPT_HDR_FILE_LOCK) {
		problem(in, "%s record out of place", ckpt_rec_name(type));
	}
}

/*
 * Walk the image on @fd.  Returns 0 if it is good, -1 after a fatal
 * framing error or if any problem was found (in->error says which).
 */
static int walk(struct info *in, int fd)
{
	static unsigned char rec[CKPT_RECORD_MAX];
	struct ckpt_hdr *h = (void *)rec;
	const struct ckpt_rec_desc *d;
	print_fn fn;
	ssize_t n;

	for (;; in->off += h->len) {
		n = read_full(fd, rec, sizeof(*h));
		if (n < 0)
			die_errno("cannot read %s", in->name);
		if (n == 0 && in->seen_tail)
			break;
		if (n == 0) {
			problem(in, "image ends without a TAIL record");
			return -1;
		}
		if (n < (ssize_t)sizeof(*h)) {
			problem(in, "truncated record header (%zd bytes)", n);
			return -1;
		}
		if (in->seen_tail) {
			problem(in, "data after the TAIL record");
			return -1;
		}
		if (h->len < sizeof(*h) || h->len % CKPT_ALIGN ||
		    h->len > CKPT_RECORD_MAX) {
			problem(in, "bad record length %u (type %u)", h->len,
				h->type);
			return -1;
		}
		n = read_full(fd, rec + sizeof(*h), h->len - sizeof(*h));
		if (n < 0)
			die_errno("cannot read %s", in->name);
		if (n < (ssize_t)(h->len - sizeof(*h))) {
			problem(in, "truncated %s record: %zd of %u bytes",
				ckpt_rec_name(h->type), n + sizeof(*h), h->len);
			return -1;
		}

		d = ckpt_rec_desc(h->type);
		fn = printer(h->type);
		if (!in->summary)
			printf("0x%08" PRIx64 " %s len %u\n", in->off,
			       d ? d->name : "UNKNOWN", h->len);
		account(in, h->type, h->len);
		if (!in->seen_header && h->type != CKPT_HDR_HEADER) {
			problem(in, "first record is %s (type %u), not HEADER",
				ckpt_rec_name(h->type), h->type);
			return -1;
		}
		if (in->seen_header && h->type == CKPT_HDR_HEADER)
			problem(in, "a second HEADER record");
		in->seen_header = 1;
		check_place(in, h->type);

		if (!d)
			problem(in, "unknown record type %u", h->type);
		else if (h->len < d->size)
			problem(in, "%s record too short: %u < %zu bytes",
				d->name, h->len, d->size);
		else if (fn)
			fn(in, h);
		else
			out(in, "(no decoder for this record type)");

		if (h->type == CKPT_HDR_TAIL) {
			in->seen_tail = 1;
		} else {
			in->crc = crc32c_update(in->crc, rec, h->len);
			in->nr_records++;
		}
	}
	return in->nr_errors ? -1 : 0;
}

static void print_summary(struct info *in)
{
	unsigned int i, n = ckpt_nr_rec_desc();
	uint64_t count = 0, bytes = 0;

	printf("%-10s %10s %14s\n", "record", "count", "bytes");
	for (i = 0; i <= n; i++) {
		struct type_stats *s = &in->stats[i];

		if (!s->count)
			continue;
		printf("%-10s %10" PRIu64 " %14" PRIu64 "\n",
		       i < n ? ckpt_rec_desc_at(i)->name : "UNKNOWN",
		       s->count, s->bytes);
		count += s->count;
		bytes += s->bytes;
	}
	printf("%-10s %10" PRIu64 " %14" PRIu64 "\n", "total", count, bytes);
	printf("pages: %" PRIu64 " (%" PRIu64 " bytes of page data)\n",
	       in->nr_pages, in->nr_pages * in->page_size);
}

/* Copy @fd to an anonymous file that can be read twice */
static int spool(int fd, const char *name)
{
	static char buf[1 << 16];
	ssize_t n;
	int tmp;

	tmp = memfd_create("ckptinfo-image", MFD_CLOEXEC);
	if (tmp < 0) {
		FILE *f = tmpfile();

		if (!f)
			die_errno("cannot create a temporary file");
		tmp = dup(fileno(f));
		fclose(f);
		if (tmp < 0)
			die_errno("dup");
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_errno("cannot read %s", name);
		if (write_full(tmp, buf, n))
			die_errno("cannot copy %s to a memfd", name);
	}
	if (lseek(tmp, 0, SEEK_SET))
		die_errno("lseek");
	return tmp;
}

/* Ask the kernel; print its verdict and its log. Returns 0 if accepted. */
static int kernel_verify(int fd, off_t start, const char *name)
{
	static char buf[1 << 16];
	int logfd, err;
	long ret;
	ssize_t n;

	if (lseek(fd, start, SEEK_SET) != start)
		die_errno("cannot rewind %s", name);
	logfd = memfd_create("ckptinfo-log", MFD_CLOEXEC);
	ret = sys_restart(0, fd, CKPT_RESTART_VERIFY, logfd);
	err = errno;
	if (ret == 0)
		printf("kernel verify: image accepted\n");
	else
		printf("kernel verify: image REJECTED: %s (errno %d)\n",
		       strerror(err), err);
	if (ret && logfd >= 0 && lseek(logfd, 0, SEEK_SET) == 0) {
		while ((n = read(logfd, buf, sizeof(buf) - 1)) > 0) {
			char *line, *save = NULL;

			buf[n] = '\0';
			for (line = strtok_r(buf, "\n", &save); line;
			     line = strtok_r(NULL, "\n", &save))
				printf("kernel log: %s\n", line);
		}
	}
	if (logfd >= 0)
		close(logfd);
	errno = err;
	return ret ? -1 : 0;
}

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [--verify] [-s|--summary] FILE\n"
		"  FILE          the image, '-' for stdin\n"
		"  -s, --summary print a table of records per type\n"
		"  --verify      also have the kernel validate the image\n",
		progname);
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "summary", no_argument, NULL, 's' },
		{ "verify", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct info in = { .crc = ~0U, .prev_fd = -1 };
	int opt, verify = 0, fd, bad, vbad = 0;
	struct stat st;
	off_t start = 0;

	progname = "ckptinfo";
	while ((opt = getopt_long(argc, argv, "sh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			in.summary = 1;
			break;
		case 'V':
			verify = 1;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc - 1)
		usage(2);
	in.name = argv[optind];
	if (!strcmp(in.name, "-")) {
		fd = STDIN_FILENO;
		in.name = "stdin";
	} else {
		fd = open(in.name, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die_errno("cannot open %s", in.name);
	}
	/* The kernel reads the image again: it must be a file we can rewind */
	if (verify) {
		start = -1;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			start = lseek(fd, 0, SEEK_CUR);
		if (start < 0) {
			fd = spool(fd, in.name);
			start = 0;
		}
	}
	in.stats = calloc(ckpt_nr_rec_desc() + 1, sizeof(*in.stats));
	if (!in.stats)
		die("out of memory");

	bad = walk(&in, fd);
	if (in.summary)
		print_summary(&in);
	if (verify) {
		fflush(stdout);
		vbad = kernel_verify(fd, start, in.name);
	}
	fflush(stdout);
	if (bad) {
		if (in.nr_errors > 1)
			die("%s: bad image: %s (and %u more)", in.name,
			    in.error, in.nr_errors - 1);
		die("%s: bad image: %s", in.name, in.error);
	}
	if (vbad)
		die_errno("%s: the kernel rejects the image", in.name);
	return 0;
}
