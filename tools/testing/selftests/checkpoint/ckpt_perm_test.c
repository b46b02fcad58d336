// SPDX-License-Identifier: GPL-2.0
/*
 * The permission matrix of checkpoint(2) and restart(2): who may
 * checkpoint which process, and who may restart which image, each row
 * run for real.
 *
 * A checkpoint row makes a caller with the row's identity (uids, gids,
 * capability sets, securebits, no_new_privs, user namespace) and a
 * stopped target with its own, the caller's child or not a descendant
 * of it, sets Yama's ptrace_scope, and has the caller checkpoint the
 * target.  A restart row has a process with the image's identity
 * checkpointed (by root, or by a process in a user namespace), the
 * image edited if the row says so (the CRC fixed), and the caller
 * restart it.  Each row expects 0 or an exact errno and, for a refusal,
 * a log line naming the reason; an allowed restart must give a process
 * with exactly the image's ids, capability sets, securebits and
 * no_new_privs (read from /proc/PID/status by the test, and from its
 * exit status for the securebits), and its pid with CKPT_RESTART_PIDS.
 *
 * The last test prints the matrix as a reStructuredText table, the one
 * of Documentation/checkpoint/security.rst, marking the rows that
 * failed or did not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"
#include "ckpt_harness.h"

#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER	36
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE	40
#endif

#define NOBODY		65534
#define OTHER		1000
/* Every capability the kernel knows */
#define ALL		(~0ULL)
#define YAMA_SCOPE	"/proc/sys/kernel/yama/ptrace_scope"
#define MAX_ROWS	128
#define STATUS_SIZE	4096

/* An identity: a caller's, a target's, or that of the image's process */
struct ident {
	const char *name;
	uid_t uid, euid, suid;
	gid_t gid;			/* real, effective and saved */
	uint64_t p, e, i, a;		/* capability sets, ALL for all */
	uint64_t bdrop;			/* left out of the bounding set */
	unsigned int sb;		/* securebits */
	bool nnp;			/* no_new_privs */
	bool nodump;			/* not dumpable */
	bool userns;			/* root of a new user namespace */
};

#define NB		.uid = NOBODY, .euid = NOBODY, .suid = NOBODY, \
			.gid = NOBODY
#define RAW		BIT(CAP_NET_RAW)
#define PCAP		BIT(CAP_SETPCAP)

static const struct ident id_root = {
	.name = "root", .p = ALL, .e = ALL,
};

static const struct ident id_nobody = {
	.name = "uid 65534", NB,
};

static const struct ident id_nobody_ptrace = {
	.name = "uid 65534 +SYS_PTRACE", NB,
	.p = BIT(CAP_SYS_PTRACE), .e = BIT(CAP_SYS_PTRACE),
};

static const struct ident id_nobody_cr = {
	.name = "uid 65534 +CHECKPOINT_RESTORE", NB,
	.p = BIT(CAP_CHECKPOINT_RESTORE), .e = BIT(CAP_CHECKPOINT_RESTORE),
};

static const struct ident id_nobody_setuid = {
	.name = "uid 65534 +SETUID", NB,
	.p = BIT(CAP_SETUID), .e = BIT(CAP_SETUID),
};

static const struct ident id_nobody_setugid = {
	.name = "uid 65534 +SETUID +SETGID", NB,
	.p = BIT(CAP_SETUID) | BIT(CAP_SETGID),
	.e = BIT(CAP_SETUID) | BIT(CAP_SETGID),
};

static const struct ident id_nobody_raw = {
	.name = "uid 65534 +NET_RAW", NB, .p = RAW, .e = RAW,
};

static const struct ident id_nobody_raw_i = {
	.name = "uid 65534 +NET_RAW (P, E, I)", NB,
	.p = RAW, .e = RAW, .i = RAW,
};

static const struct ident id_nobody_raw_amb = {
	.name = "uid 65534 +NET_RAW (P, E, I, A)", NB,
	.p = RAW, .e = RAW, .i = RAW, .a = RAW,
};

static const struct ident id_nobody_raw_ncar = {
	.name = "uid 65534 +NET_RAW (P, E, I), NO_CAP_AMBIENT_RAISE", NB,
	.p = RAW, .e = RAW, .i = RAW, .sb = SECBIT_NO_CAP_AMBIENT_RAISE,
};

static const struct ident id_nobody_raw_amb_ncar = {
	.name = "uid 65534 +NET_RAW (P, E, I, A), NO_CAP_AMBIENT_RAISE", NB,
	.p = RAW, .e = RAW, .i = RAW, .a = RAW,
	.sb = SECBIT_NO_CAP_AMBIENT_RAISE,
};

static const struct ident id_nobody_pcap_raw_ncar = {
	.name = "uid 65534 +SETPCAP +NET_RAW (P, E, I), NO_CAP_AMBIENT_RAISE",
	NB, .p = RAW | PCAP, .e = RAW | PCAP, .i = RAW,
	.sb = SECBIT_NO_CAP_AMBIENT_RAISE,
};

static const struct ident id_nobody_pcap_raw_amb_ncar = {
	.name = "uid 65534 +SETPCAP +NET_RAW (P, E, I, A), NO_CAP_AMBIENT_RAISE",
	NB, .p = RAW | PCAP, .e = RAW | PCAP, .i = RAW, .a = RAW,
	.sb = SECBIT_NO_CAP_AMBIENT_RAISE,
};

static const struct ident id_nobody_pcap_raw_ncar_lk = {
	.name = "uid 65534 +SETPCAP +NET_RAW (P, E, I), NO_CAP_AMBIENT_RAISE locked",
	NB, .p = RAW | PCAP, .e = RAW | PCAP, .i = RAW,
	.sb = SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
};

static const struct ident id_nobody_pcap_raw_amb_ncar_lk = {
	.name = "uid 65534 +SETPCAP +NET_RAW (P, E, I, A), NO_CAP_AMBIENT_RAISE locked",
	NB, .p = RAW | PCAP, .e = RAW | PCAP, .i = RAW, .a = RAW,
	.sb = SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
};

static const struct ident id_nobody_raw_nobset = {
	.name = "uid 65534 +NET_RAW (P, E), NET_RAW not in bounding set", NB,
	.p = RAW, .e = RAW, .bdrop = RAW,
};

static const struct ident id_nobody_raw_i_nobset = {
	.name = "uid 65534 +NET_RAW (P, E, I), NET_RAW not in bounding set",
	NB, .p = RAW, .e = RAW, .i = RAW, .bdrop = RAW,
};

static const struct ident id_nobody_noboot = {
	.name = "uid 65534, SYS_BOOT not in bounding set", NB,
	.bdrop = BIT(CAP_SYS_BOOT),
};

static const struct ident id_nobody_pcap = {
	.name = "uid 65534 +SETPCAP", NB, .p = PCAP, .e = PCAP,
};

static const struct ident id_nobody_pcap_noboot = {
	.name = "uid 65534 +SETPCAP, SYS_BOOT not in bounding set", NB,
	.p = PCAP, .e = PCAP, .bdrop = BIT(CAP_SYS_BOOT),
};

static const struct ident id_nobody_nnp = {
	.name = "uid 65534, no_new_privs", NB, .nnp = true,
};

static const struct ident id_nobody_nodump = {
	.name = "uid 65534, not dumpable", NB, .nodump = true,
};

static const struct ident id_nobody_keepcaps = {
	.name = "uid 65534, KEEP_CAPS", NB, .sb = SECBIT_KEEP_CAPS,
};

static const struct ident id_nobody_noroot = {
	.name = "uid 65534, NOROOT", NB, .sb = SECBIT_NOROOT,
};

static const struct ident id_nobody_pcap_noroot = {
	.name = "uid 65534 +SETPCAP, NOROOT", NB, .p = PCAP, .e = PCAP,
	.sb = SECBIT_NOROOT,
};

static const struct ident id_nobody_pcap_noroot_lk = {
	.name = "uid 65534 +SETPCAP, NOROOT locked", NB, .p = PCAP, .e = PCAP,
	.sb = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED,
};

static const struct ident id_nobody_pcap_kclk = {
	.name = "uid 65534 +SETPCAP, KEEP_CAPS off and locked", NB,
	.p = PCAP, .e = PCAP, .sb = SECBIT_KEEP_CAPS_LOCKED,
};

static const struct ident id_nobody_pcap_kc_kclk = {
	.name = "uid 65534 +SETPCAP, KEEP_CAPS on and locked", NB,
	.p = PCAP, .e = PCAP, .sb = SECBIT_KEEP_CAPS | SECBIT_KEEP_CAPS_LOCKED,
};

/* Leaving uid 0 would clear the capabilities, and nothing can stop it */
#define FIXUP_LK	(SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED)

static const struct ident id_root_fixup_lk = {
	.name = "root, KEEP_CAPS and NO_SETUID_FIXUP off and locked",
	.p = ALL, .e = ALL, .sb = FIXUP_LK,
};

static const struct ident id_root_kclk = {
	.name = "root, KEEP_CAPS off and locked", .p = ALL, .e = ALL,
	.sb = SECBIT_KEEP_CAPS_LOCKED,
};

static const struct ident id_nobody_fixup_lk = {
	.name = "uid 65534, the caller's securebits", NB, .sb = FIXUP_LK,
};

static const struct ident id_nobody_raw_fixup_lk = {
	.name = "uid 65534 +NET_RAW, the caller's securebits", NB,
	.p = RAW, .e = RAW, .sb = FIXUP_LK,
};

static const struct ident id_nobody_raw_kclk = {
	.name = "uid 65534 +NET_RAW, the caller's securebits", NB,
	.p = RAW, .e = RAW, .sb = SECBIT_KEEP_CAPS_LOCKED,
};

static const struct ident id_userns = {
	.name = "uid 65534 in a new user ns (its root)", NB, .userns = true,
};

/* How the test, in the initial user namespace, sees its root */
static const struct ident id_userns_root = {
	.name = "uid 65534, all capabilities", NB, .p = ALL, .e = ALL,
};

static const struct ident id_other = {
	.name = "uid 1000", .uid = OTHER, .euid = OTHER, .suid = OTHER,
	.gid = OTHER,
};

static const struct ident id_other_nbgid = {
	.name = "uid 1000, gid 65534", .uid = OTHER, .euid = OTHER,
	.suid = OTHER, .gid = NOBODY,
};

static const struct ident id_other_userns = {
	.name = "uid 1000 in a new user ns", .uid = OTHER, .euid = OTHER,
	.suid = OTHER, .gid = OTHER, .userns = true,
};

/* What a set-user-ID-root program run by uid 65534 is */
static const struct ident id_suid_root = {
	.name = "setuid-root: uids 65534/0/0, all caps, not dumpable",
	.uid = NOBODY, .euid = 0, .suid = 0, .gid = NOBODY,
	.p = ALL, .e = ALL, .nodump = true,
};

static uint64_t caps_all(void)
{
	static uint64_t all;
	char buf[16] = "";
	int fd, last = 40;

	if (all)
		return all;
	fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0)
		last = atoi(buf);
	if (fd >= 0)
		close(fd);
	all = last >= 63 ? ~0ULL : BIT(last + 1) - 1;
	return all;
}

static uint64_t caps_of(uint64_t caps)
{
	return caps == ALL ? caps_all() : caps;
}

/* Become the root of a new user namespace that maps 0 to our ids */
static int enter_userns(uid_t uid, gid_t gid)
{
	char map[64];

	if (unshare(CLONE_NEWUSER) || write_str("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_str("/proc/self/uid_map", map))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", gid);
	return write_str("/proc/self/gid_map", map);
}

/*
 * Take identity @id, from root with every capability: ids first
 * (keeping the capabilities), then the capability sets with CAP_SETPCAP
 * added, the bounding set, the ambient set and the securebits, which
 * need it, then the capability sets as they should be.
 */
static int ident_apply(const struct ident *id)
{
	uint64_t e = caps_of(id->e), p = caps_of(id->p), i = caps_of(id->i);
	int c, last = __builtin_popcountll(caps_all()) - 1;

	if (setgroups(0, NULL) || setresgid(id->gid, id->gid, id->gid) ||
	    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) ||
	    setresuid(id->uid, id->euid, id->suid) ||
	    capset3(e | PCAP, p | PCAP, i))
		return -1;
	for (c = 0; c <= last; c++) {
		if ((id->bdrop & BIT(c)) &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0))
			return -1;
		if ((caps_of(id->a) & BIT(c)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0))
			return -1;
	}
	if (prctl(PR_SET_SECUREBITS, id->sb, 0, 0, 0) || capset3(e, p, i))
		return -1;
	if (id->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	/* Taking another euid made us not dumpable */
	if (prctl(PR_SET_DUMPABLE, !id->nodump, 0, 0, 0))
		return -1;
	if (id->userns && enter_userns(id->uid, id->gid))
		return -1;
	return 0;
}

/*
 * A target: takes @id (unless NULL: it keeps its parent's), names
 * @ptracer for Yama, and stops.  Once continued or restored, it stops
 * again for the test to look at it, and exits with its securebits.
 */
struct target {
	const struct ident *id;
	pid_t ptracer;
};

static int perm_target_fn(void *arg)
{
	const struct target *t = arg;
	int sb;

	if (chdir("/"))
		return 201;
	if (t->id && ident_apply(t->id))
		return 202;
	/* Taking other credentials reset it */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		return 203;
	if (t->ptracer && prctl(PR_SET_PTRACER, t->ptracer, 0, 0, 0))
		return 204;
	raise(SIGSTOP);
	sb = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	raise(SIGSTOP);
	return sb;
}

/* ---- the rows ---- */

enum call { CKPT, RESTART };

/* Where a checkpoint's target is */
enum place {
	P_OWN,		/* the caller's child, forked with the caller's identity */
	P_CHILD,	/* the caller's child, forked while it was root */
	P_OTHER,	/* the test's child: not a descendant of the caller */
};

/* How a restart row changes its image */
enum edit { E_NONE, E_CAPS, E_UID0 };

/* A row of the matrix */
struct row {
	enum call call;
	const struct ident *caller;
	/* The checkpoint's target, or the process of the restart's image */
	const struct ident *target;
	const char *what;		/* the table's description of it */
	enum place place;
	bool ptracer;			/* the target names the caller */
	int yama;			/* ptrace_scope, with need_yama */
	bool need_yama;
	/* Restart: who checkpoints the image's process (root if NULL) */
	const struct ident *maker;
	enum edit edit;
	unsigned long flags;
	/* The restored process seen from the test, if not @target */
	const struct ident *view;
	int want;			/* 0 or an errno */
	const char *log;		/* in the log of a refusal */
};

/* The first member: a variant's data is also its row */
FIXTURE_VARIANT(perm) {
	struct row r;
};

/* What a caller saw, shared with the test */
struct obs {
	int err;		/* of checkpoint() or restart() */
	pid_t orig;		/* the checkpointed process */
	pid_t pid;		/* the restored process (the root, with NEWPID) */
	char state;		/* the target's state after a checkpoint */
	bool image_ok;		/* a checkpoint's image decodes */
	bool no_child;		/* nothing was left of a refused restart */
	int status;		/* the restored process's wait status */
	char log[LOG_SIZE];
};

enum { ROW_NOT_RUN, ROW_FAILED, ROW_PASSED, ROW_SKIPPED };

struct shared {
	struct obs obs;
	struct {
		int state;
		int got;
	} rows[MAX_ROWS];
};

static struct shared *g_sh;

/* Before the harness forks the tests, which all see it */
static void __attribute__((constructor)) shared_map(void)
{
	g_sh = mmap(NULL, sizeof(*g_sh), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g_sh == MAP_FAILED)
		g_sh = NULL;
}

static const char *err_name(int err)
{
	static char buf[16];

	switch (err) {
	case 0:
		return "0";
	case EPERM:
		return "EPERM";
	case EINVAL:
		return "EINVAL";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EBUSY:
		return "EBUSY";
	case EACCES:
		return "EACCES";
	case ESRCH:
		return "ESRCH";
	}
	snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

static int read_int(const char *path)
{
	char buf[16] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int set_yama(int scope)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%d", scope);
	return write_str(YAMA_SCOPE, buf);
}

/* Wait until @pid stops, for up to WAIT_SECS */
static bool wait_stopped(pid_t pid)
{
	int i;

	for (i = 0; i < WAIT_SECS * 100; i++) {
		if (proc_state(pid) == 'T')
			return true;
		usleep(10000);
	}
	return false;
}

/* The only child of the init of a new pid namespace: the root */
static pid_t ns_root(pid_t init)
{
	char path[64], buf[64];
	int fd, i;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", init, init);
	for (i = 0; i < WAIT_SECS * 100; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -1;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			return atoi(buf);
		}
		usleep(10000);
	}
	return -1;
}

/* ---- checkpoint rows ---- */

/* In the caller: checkpoint the row's target; 0, or a step number */
static int ckpt_caller(const struct row *v, int rfd)
{
	struct obs *o = &g_sh->obs;
	struct target t = { .id = v->target };
	struct ckpt_image img;
	pid_t pid = -1;
	size_t len;
	void *buf;
	ssize_t n;
	int logfd;

	if (v->place == P_CHILD) {
		pid = target_spawn(perm_target_fn, &t);
		if (pid < 0)
			return 10;
	}
	if (ident_apply(v->caller))
		return 11;
	if (v->place == P_OWN) {
		t.id = NULL;
		pid = target_spawn(perm_target_fn, &t);
		if (pid < 0)
			return 12;
	}
	if (v->place == P_OTHER && read(rfd, &pid, sizeof(pid)) != sizeof(pid))
		return 13;
	o->orig = pid;
	logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	if (logfd < 0)
		return 14;
	o->err = ckpt_capture(pid, CKPT_SINK_MEMFD, 0, logfd, &buf, &len);
	n = pread(logfd, o->log, sizeof(o->log) - 1, 0);
	o->log[n > 0 ? n : 0] = '\0';
	close(logfd);
	if (!o->err) {
		o->image_ok = !ckpt_parse(&img, buf, len);
		if (o->image_ok)
			ckpt_image_free(&img);
		free(buf);
	}
	o->state = proc_state(pid);
	if (v->place != P_OTHER)
		target_kill(pid);
	return 0;
}

static void run_ckpt(struct __test_metadata *_metadata,
		     const struct row *v)
{
	struct obs *o = &g_sh->obs;
	struct target t = { .id = v->target };
	pid_t caller, pid = -1;
	char want_log[64];
	int p[2], status;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	fflush(stdout);
	fflush(stderr);
	caller = fork();
	ASSERT_LE(0, caller);
	if (caller == 0) {
		close(p[1]);
		_exit(ckpt_caller(v, p[0]));
	}
	close(p[0]);
	if (v->place == P_OTHER) {
		t.ptracer = v->ptracer ? caller : 0;
		pid = target_spawn(perm_target_fn, &t);
		if (write(p[1], &pid, sizeof(pid)) != sizeof(pid))
			pid = -1;
	}
	close(p[1]);
	status = wait_exit(caller, WAIT_SECS + 30);
	if (pid > 0)
		target_kill(pid);
	ASSERT_TRUE(status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status)) {
		char buf[128];

		TH_LOG("the caller %s (10, 12: target, 11: identity, 13: %s)",
		       describe(status, buf, sizeof(buf)),
		       "no target");
	}
	EXPECT_EQ(v->want, o->err) {
		TH_LOG("checkpoint: %s, expected %s; log:\n%s",
		       err_name(o->err), err_name(v->want), o->log);
	}
	/* Refused or not, the target is left stopped */
	EXPECT_EQ('T', o->state);
	if (o->err) {
		snprintf(want_log, sizeof(want_log),
			 "checkpoint: failed with error -%d", o->err);
		EXPECT_NE(NULL, strstr(o->log, want_log)) {
			TH_LOG("no \"%s\" in the log:\n%s", want_log, o->log);
		}
	}
	if (v->want && v->log) {
		EXPECT_NE(NULL, strstr(o->log, v->log)) {
			TH_LOG("no \"%s\" in the log:\n%s", v->log, o->log);
		}
	}
	if (!o->err)
		EXPECT_TRUE(o->image_ok);
}

/* ---- restart rows ---- */

/* In the maker: checkpoint a process with the row's image identity */
static int make_image(const struct row *v, int fd)
{
	struct target t = { .id = v->target };
	pid_t pid;
	long ret;

	if (v->maker && ident_apply(v->maker))
		return 10;
	pid = target_spawn(perm_target_fn, &t);
	if (pid < 0)
		return 11;
	g_sh->obs.orig = pid;
	ret = sys_checkpoint(pid, fd, 0, -1);
	target_kill(pid);
	return ret ? 12 : 0;
}

/* The image's process has @id: the test of the image itself */
static void expect_image(struct __test_metadata *_metadata,
			 const struct ckpt_image *img, const struct ident *id)
{
	const struct ckpt_hdr_task *t = ckpt_find(img, CKPT_HDR_TASK, 0);
	const struct ckpt_hdr_cred *c;

	ASSERT_NE(NULL, t);
	c = ckpt_obj(img, t->cred_ref, CKPT_HDR_CRED);
	ASSERT_NE(NULL, c);
	EXPECT_TRUE(c->uid == id->uid && c->euid == id->euid &&
		    c->suid == id->suid && c->gid == id->gid &&
		    c->egid == id->gid && c->sgid == id->gid);
	EXPECT_EQ(caps_of(id->p), c->cap_permitted);
	EXPECT_EQ(caps_of(id->e), c->cap_effective);
	EXPECT_EQ(caps_of(id->i), c->cap_inheritable);
	EXPECT_EQ(caps_of(id->a), c->cap_ambient);
	EXPECT_EQ(caps_all() & ~id->bdrop, c->cap_bset);
	EXPECT_EQ(id->sb, c->securebits);
	EXPECT_EQ(id->nnp, !!(t->flags & CKPT_TASK_NO_NEW_PRIVS));
}

/* Change the image as the row says, and fix its tail */
static void edit_image(struct __test_metadata *_metadata, void *buf,
		       size_t len, enum edit edit)
{
	struct ckpt_hdr_cred *c;
	struct ckpt_image img;

	if (edit == E_NONE)
		return;
	ASSERT_EQ(0, ckpt_parse(&img, buf, len));
	c = (struct ckpt_hdr_cred *)ckpt_find(&img, CKPT_HDR_CRED, 0);
	ckpt_image_free(&img);
	ASSERT_NE(NULL, c);
	if (edit == E_CAPS) {
		c->cap_permitted |= BIT(CAP_SYS_ADMIN);
		c->cap_effective |= BIT(CAP_SYS_ADMIN);
	} else {
		c->uid = 0;
		c->euid = 0;
		c->suid = 0;
		c->fsuid = 0;
	}
	ckpt_fix_tail(buf, len, -1);
	/* Well formed: only the restart's permission checks refuse it */
	ASSERT_EQ(0, ckpt_verify_buf(buf, len, NULL, 0));
}

/*
 * In the caller: restart the image; if that works, wait for the new
 * process to stop, tell the test through @ready and wait for @go, then
 * let it exit.  0, or a step number.
 */
static int restart_caller(const struct row *v, const void *img,
			  size_t len, int ready, int go)
{
	struct obs *o = &g_sh->obs;
	pid_t pid, root;
	char c = 0;

	if (ident_apply(v->caller))
		return 20;
	pid = restart_img(img, len, v->flags, o->log, sizeof(o->log));
	if (pid < 0) {
		o->err = -pid;
		o->no_child = no_child();
		return 0;
	}
	o->err = 0;
	root = pid;
	if (v->flags & CKPT_RESTART_NEWPID)
		root = ns_root(pid);
	if (root < 0 || !wait_stopped(root)) {
		target_kill(pid);
		return 21;
	}
	o->pid = root;
	if (write(ready, &c, 1) != 1 || read(go, &c, 1) != 1) {
		target_kill(pid);
		return 22;
	}
	kill(root, SIGCONT);
	o->status = wait_exit(pid, WAIT_SECS);
	return 0;
}

/* The line of /proc/PID/status that starts with @key */
static const char *status_line(const char *st, const char *key, char *buf,
			       size_t size)
{
	const char *p = st, *end;

	for (; p && *p; p = strchr(p, '\n'), p += !!p) {
		if (strncmp(p, key, strlen(key)))
			continue;
		end = strchrnul(p, '\n');
		snprintf(buf, size, "%.*s", (int)(end - p), p);
		return buf;
	}
	snprintf(buf, size, "(no %s)", key);
	return buf;
}

static void expect_line(struct __test_metadata *_metadata, const char *st,
			const char *key, const char *want)
{
	char got[256];

	status_line(st, key, got, sizeof(got));
	EXPECT_STREQ(want, got);
}

/* The restored process, whose /proc/PID/status is @st, has @id */
static void expect_restored(struct __test_metadata *_metadata,
			    const char *st, const struct ident *id)
{
	char want[128], got[256];
	size_t i;

	snprintf(want, sizeof(want), "Uid:\t%u\t%u\t%u\t%u", id->uid,
		 id->euid, id->suid, id->euid);
	expect_line(_metadata, st, "Uid:", want);
	snprintf(want, sizeof(want), "Gid:\t%u\t%u\t%u\t%u", id->gid,
		 id->gid, id->gid, id->gid);
	expect_line(_metadata, st, "Gid:", want);
	status_line(st, "Groups:", got, sizeof(got));
	for (i = strlen("Groups:"); got[i]; i++)
		EXPECT_FALSE(got[i] >= '0' && got[i] <= '9') {
			TH_LOG("supplementary groups: %s", got);
			break;
		}
	snprintf(want, sizeof(want), "CapInh:\t%016llx",
		 (unsigned long long)caps_of(id->i));
	expect_line(_metadata, st, "CapInh:", want);
	snprintf(want, sizeof(want), "CapPrm:\t%016llx",
		 (unsigned long long)caps_of(id->p));
	expect_line(_metadata, st, "CapPrm:", want);
	snprintf(want, sizeof(want), "CapEff:\t%016llx",
		 (unsigned long long)caps_of(id->e));
	expect_line(_metadata, st, "CapEff:", want);
	snprintf(want, sizeof(want), "CapBnd:\t%016llx",
		 (unsigned long long)(caps_all() & ~id->bdrop));
	expect_line(_metadata, st, "CapBnd:", want);
	snprintf(want, sizeof(want), "CapAmb:\t%016llx",
		 (unsigned long long)caps_of(id->a));
	expect_line(_metadata, st, "CapAmb:", want);
	snprintf(want, sizeof(want), "NoNewPrivs:\t%d", id->nnp);
	expect_line(_metadata, st, "NoNewPrivs:", want);
}

static void run_restart(struct __test_metadata *_metadata,
			const struct row *v)
{
	const struct ident *view = v->view ?: v->target;
	struct obs *o = &g_sh->obs;
	char st[STATUS_SIZE] = "", path[64], want_log[64], c = 0;
	int imgfd, ready[2], go[2], status, fd;
	struct ckpt_image img;
	pid_t maker, caller, orig;
	size_t len;
	void *buf;
	ssize_t n;

	/* The image */
	imgfd = memfd_create("ckpt-image", MFD_CLOEXEC);
	ASSERT_LE(0, imgfd);
	fflush(stdout);
	fflush(stderr);
	maker = fork();
	ASSERT_LE(0, maker);
	if (maker == 0)
		_exit(make_image(v, imgfd));
	status = wait_exit(maker, WAIT_SECS + 30);
	ASSERT_TRUE(status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status)) {
		char buf[128];

		TH_LOG("making the image: %s (10: identity, 11: target, %s)",
		       describe(status, buf, sizeof(buf)), "12: checkpoint");
	}
	orig = o->orig;
	ASSERT_EQ(0, read_all(imgfd, &buf, &len));
	close(imgfd);
	ASSERT_EQ(0, ckpt_parse(&img, buf, len)) {
		TH_LOG("bad image: %s", img.err);
	}
	if (!v->maker)
		expect_image(_metadata, &img, v->target);
	ckpt_image_free(&img);
	edit_image(_metadata, buf, len, v->edit);

	/* The restart */
	ASSERT_EQ(0, pipe2(ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	caller = fork();
	ASSERT_LE(0, caller);
	if (caller == 0) {
		close(ready[0]);
		close(go[1]);
		_exit(restart_caller(v, buf, len, ready[1], go[0]));
	}
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) == 1) {
		snprintf(path, sizeof(path), "/proc/%d/status", o->pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, st, sizeof(st) - 1);
			st[n > 0 ? n : 0] = '\0';
			close(fd);
		}
		if (write(go[1], &c, 1) != 1)
			TH_LOG("cannot let the restored process go");
	}
	close(ready[0]);
	close(go[1]);
	status = wait_exit(caller, 2 * WAIT_SECS + 30);
	free(buf);
	ASSERT_TRUE(status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status)) {
		char buf[128];

		TH_LOG("the caller %s (20: identity, 21: %s, 22: test)",
		       describe(status, buf, sizeof(buf)),
		       "restored process did not stop");
	}
	EXPECT_EQ(v->want, o->err) {
		TH_LOG("restart: %s, expected %s; log:\n%s", err_name(o->err),
		       err_name(v->want), o->log);
	}
	if (o->err) {
		EXPECT_TRUE(o->no_child) {
			TH_LOG("a refused restart left a process behind");
		}
		snprintf(want_log, sizeof(want_log),
			 "restart: failed with error -%d", o->err);
		EXPECT_NE(NULL, strstr(o->log, want_log)) {
			TH_LOG("no \"%s\" in the log:\n%s", want_log, o->log);
		}
		if (v->log)
			EXPECT_NE(NULL, strstr(o->log, v->log)) {
				TH_LOG("no \"%s\" in the log:\n%s", v->log,
				       o->log);
			}
		return;
	}
	/* Restored: its credentials, securebits and pid */
	ASSERT_NE('\0', st[0]) {
		TH_LOG("cannot read the status of pid %d", o->pid);
	}
	expect_restored(_metadata, st, view);
	EXPECT_TRUE(o->status >= 0 && WIFEXITED(o->status) &&
		    WEXITSTATUS(o->status) == view->sb) {
		char buf[128];

		TH_LOG("restored process %s, expected exit %u (securebits)",
		       describe(o->status, buf, sizeof(buf)), view->sb);
	}
	if (v->flags & CKPT_RESTART_PIDS) {
		EXPECT_EQ(orig, o->pid);
	} else if (v->flags & CKPT_RESTART_NEWPID) {
		const char *ns = status_line(st, "NSpid:", path, sizeof(path));
		const char *last = strrchr(ns, '\t');

		EXPECT_EQ(orig, last ? atoi(last + 1) : -1) {
			TH_LOG("%s, image pid %d", ns, orig);
		}
	}
}

/* ---- the test ---- */

FIXTURE(perm) {
	int yama;	/* the ptrace_scope found, -1 without Yama */
};

FIXTURE_SETUP(perm)
{
	self->yama = read_int(YAMA_SCOPE);
	/* Orphans, restored processes included, come to us */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
}

FIXTURE_TEARDOWN(perm)
{
	reap_descendants();
	if (self->yama >= 0 && read_int(YAMA_SCOPE) != self->yama)
		set_yama(self->yama);
}

static const char *call_name(const struct row *v)
{
	if (v->call == CKPT)
		return "checkpoint";
	if (v->flags & CKPT_RESTART_NEWPID)
		return "restart NEWPID";
	if (v->flags & CKPT_RESTART_PIDS)
		return "restart PIDS";
	return "restart";
}

/* The row's index, in the order of the variants */
static int row_index(const void *v);

TEST_F_TIMEOUT(perm, row, 240)
{
	const struct row *v = &variant->r;
	int idx = row_index(variant);

	ASSERT_TRUE(g_sh && idx >= 0);
	g_sh->rows[idx].state = ROW_FAILED;
	g_sh->rows[idx].got = -1;
	if (geteuid() != 0) {
		g_sh->rows[idx].state = ROW_SKIPPED;
		SKIP(return, "needs root to make the identities");
	}
	if (v->need_yama && self->yama < 0) {
		g_sh->rows[idx].state = ROW_SKIPPED;
		SKIP(return, "no Yama (CONFIG_SECURITY_YAMA)");
	}
	/* Yama off, but for its own rows */
	if (self->yama >= 0)
		ASSERT_EQ(0, set_yama(v->yama));
	memset(&g_sh->obs, 0, sizeof(g_sh->obs));
	g_sh->obs.err = -1;
	if (v->call == CKPT)
		run_ckpt(_metadata, v);
	else
		run_restart(_metadata, v);
	g_sh->rows[idx].got = g_sh->obs.err;
	if (__test_passed(_metadata))
		g_sh->rows[idx].state = ROW_PASSED;
}

/*
 * The rows.  A target or image "like the caller" has the caller's
 * identity; P_OTHER targets are not descendants of the caller.
 */

/* checkpoint: the ptrace rules (Yama off) */
FIXTURE_VARIANT_ADD(perm, c_root_own) {
	.r = {
		.call = CKPT, .caller = &id_root, .what = "own child",
	},
};

FIXTURE_VARIANT_ADD(perm, c_root_other_uid) {
	.r = {
		.call = CKPT, .caller = &id_root, .target = &id_other,
		.place = P_OTHER, .what = "uid 1000's process",
	},
};

FIXTURE_VARIANT_ADD(perm, c_root_setuid_root) {
	.r = {
		.call = CKPT, .caller = &id_root, .target = &id_suid_root,
		.place = P_CHILD, .what = "setuid-root child (run by uid 65534)",
	},
};

FIXTURE_VARIANT_ADD(perm, c_nobody_own) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .what = "own child",
	},
};

FIXTURE_VARIANT_ADD(perm, c_nobody_own_nondumpable) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .target = &id_nobody_nodump,
		.place = P_CHILD, .what = "own child, not dumpable",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_nobody_own_wider_caps) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .target = &id_nobody_raw,
		.place = P_CHILD, .what = "own uid's child with CAP_NET_RAW",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_nobody_other_uid) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .target = &id_other,
		.place = P_OTHER, .what = "uid 1000's process",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_nobody_setuid_root) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .target = &id_suid_root,
		.place = P_CHILD, .what = "setuid-root child",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_cr_own) {
	.r = {
		.call = CKPT, .caller = &id_nobody_cr, .what = "own child",
	},
};

FIXTURE_VARIANT_ADD(perm, c_cr_other_uid) {
	.r = {
		.call = CKPT, .caller = &id_nobody_cr, .target = &id_other,
		.place = P_OTHER, .what = "uid 1000's process",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_cr_setuid_root) {
	.r = {
		.call = CKPT, .caller = &id_nobody_cr, .target = &id_suid_root,
		.place = P_CHILD, .what = "setuid-root child",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_ptrace_other_uid) {
	.r = {
		.call = CKPT, .caller = &id_nobody_ptrace, .target = &id_other,
		.place = P_OTHER, .what = "uid 1000's process",
	},
};

FIXTURE_VARIANT_ADD(perm, c_ptrace_setuid_root) {
	.r = {
		.call = CKPT, .caller = &id_nobody_ptrace, .target = &id_suid_root,
		.place = P_CHILD, .what = "setuid-root child",
	},
};

/* checkpoint: user namespaces */
FIXTURE_VARIANT_ADD(perm, c_nobody_own_userns) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .target = &id_userns,
		.place = P_CHILD, .what = "own child, in a new user ns",
	},
};

FIXTURE_VARIANT_ADD(perm, c_root_userns) {
	.r = {
		.call = CKPT, .caller = &id_root, .target = &id_userns,
		.place = P_CHILD, .what = "uid 65534's child, in a new user ns",
	},
};

FIXTURE_VARIANT_ADD(perm, c_nobody_other_userns) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .target = &id_other_userns,
		.place = P_OTHER, .what = "uid 1000's process, in a new user ns",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_userns_own) {
	.r = {
		.call = CKPT, .caller = &id_userns, .what = "own child, in its user ns",
	},
};

FIXTURE_VARIANT_ADD(perm, c_userns_parent_ns) {
	.r = {
		.call = CKPT, .caller = &id_userns, .target = &id_nobody,
		.place = P_CHILD, .what = "own uid's child, in the parent user ns",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_userns_root) {
	.r = {
		.call = CKPT, .caller = &id_userns, .target = &id_root,
		.place = P_OTHER, .what = "root's process",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

/* checkpoint: Yama */
FIXTURE_VARIANT_ADD(perm, c_yama0_nobody_nondescendant) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .target = &id_nobody,
		.place = P_OTHER, .need_yama = true, .yama = 0,
		.what = "own uid's process, not a descendant",
	},
};

FIXTURE_VARIANT_ADD(perm, c_yama1_nobody_nondescendant) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .target = &id_nobody,
		.place = P_OTHER, .need_yama = true, .yama = 1,
		.what = "own uid's process, not a descendant",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_yama1_nobody_own) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .need_yama = true, .yama = 1,
		.what = "own child",
	},
};

FIXTURE_VARIANT_ADD(perm, c_yama1_nobody_ptracer) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .target = &id_nobody,
		.place = P_OTHER, .ptracer = true, .need_yama = true, .yama = 1,
		.what = "own uid's process, not a descendant, PR_SET_PTRACER caller",
	},
};

FIXTURE_VARIANT_ADD(perm, c_yama1_cr_nondescendant) {
	.r = {
		.call = CKPT, .caller = &id_nobody_cr, .target = &id_nobody,
		.place = P_OTHER, .need_yama = true, .yama = 1,
		.what = "own uid's process, not a descendant",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_yama1_ptrace_nondescendant) {
	.r = {
		.call = CKPT, .caller = &id_nobody_ptrace, .target = &id_nobody,
		.place = P_OTHER, .need_yama = true, .yama = 1,
		.what = "uid 65534's process, not a descendant",
	},
};

FIXTURE_VARIANT_ADD(perm, c_yama1_root_nondescendant) {
	.r = {
		.call = CKPT, .caller = &id_root, .target = &id_nobody,
		.place = P_OTHER, .need_yama = true, .yama = 1,
		.what = "uid 65534's process, not a descendant",
	},
};

FIXTURE_VARIANT_ADD(perm, c_yama2_nobody_own) {
	.r = {
		.call = CKPT, .caller = &id_nobody, .need_yama = true, .yama = 2,
		.what = "own child",
		.want = EPERM, .log = "no permission to ptrace pid",
	},
};

FIXTURE_VARIANT_ADD(perm, c_yama2_ptrace_nondescendant) {
	.r = {
		.call = CKPT, .caller = &id_nobody_ptrace, .target = &id_nobody,
		.place = P_OTHER, .need_yama = true, .yama = 2,
		.what = "uid 65534's process, not a descendant",
	},
};

FIXTURE_VARIANT_ADD(perm, c_yama2_root_own) {
	.r = {
		.call = CKPT, .caller = &id_root, .need_yama = true, .yama = 2,
		.what = "own child",
	},
};

/* restart: ids */
FIXTURE_VARIANT_ADD(perm, r_nobody_own) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_nobody,
		.what = "uid 65534 (its own)",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nobody_root) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_root,
		.what = "root", .want = EPERM, .log = "cred: uids",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nobody_other_uid) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_other,
		.what = "uid 1000", .want = EPERM, .log = "cred: uids",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nobody_setuid_root) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_suid_root,
		.what = "setuid-root run by uid 65534", .want = EPERM,
		.log = "cred: uids",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nobody_edited_uid0) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_nobody,
		.edit = E_UID0, .what = "own, CRED edited: uids 0",
		.want = EPERM, .log = "cred: uids",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setuid_other_uid) {
	.r = {
		.call = RESTART, .caller = &id_nobody_setuid, .target = &id_other_nbgid,
		.what = "uid 1000, gid 65534",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setuid_other_gid) {
	.r = {
		.call = RESTART, .caller = &id_nobody_setuid, .target = &id_other,
		.what = "uid 1000, gid 1000", .want = EPERM, .log = "cred: gids",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setugid_other) {
	.r = {
		.call = RESTART, .caller = &id_nobody_setugid, .target = &id_other,
		.what = "uid 1000, gid 1000",
	},
};

/* restart: capabilities */
FIXTURE_VARIANT_ADD(perm, r_nobody_wider_caps) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_nobody_raw,
		.what = "uid 65534 +NET_RAW", .want = EPERM,
		.log = "cred: capabilities",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nobody_edited_caps) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_nobody,
		.edit = E_CAPS, .what = "own, CRED edited: +SYS_ADMIN (P, E)",
		.want = EPERM, .log = "cred: capabilities",
	},
};

FIXTURE_VARIANT_ADD(perm, r_raw_same_caps) {
	.r = {
		.call = RESTART, .caller = &id_nobody_raw, .target = &id_nobody_raw,
		.what = "uid 65534 +NET_RAW",
	},
};

FIXTURE_VARIANT_ADD(perm, r_root_nobody_caps) {
	.r = {
		.call = RESTART, .caller = &id_root, .target = &id_nobody_raw,
		.what = "uid 65534 +NET_RAW",
	},
};

FIXTURE_VARIANT_ADD(perm, r_raw_inheritable) {
	.r = {
		.call = RESTART, .caller = &id_nobody_raw, .target = &id_nobody_raw_i,
		.what = "uid 65534 +NET_RAW (P, E, I)",
	},
};

FIXTURE_VARIANT_ADD(perm, r_raw_inheritable_not_bset) {
	.r = {
		.call = RESTART, .caller = &id_nobody_raw_nobset,
		.target = &id_nobody_raw_i_nobset,
		.what = "uid 65534 +NET_RAW (P, E, I), NET_RAW not in bounding set",
		.want = EPERM, .log = "cred: capabilities",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nobody_narrower_bset) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_nobody_noboot,
		.what = "uid 65534, SYS_BOOT not in bounding set",
		.want = EPERM, .log = "cred: capabilities",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setpcap_narrower_bset) {
	.r = {
		.call = RESTART, .caller = &id_nobody_pcap,
		.target = &id_nobody_pcap_noboot,
		.what = "uid 65534 +SETPCAP, SYS_BOOT not in bounding set",
	},
};

FIXTURE_VARIANT_ADD(perm, r_raw_ambient) {
	.r = {
		.call = RESTART, .caller = &id_nobody_raw_i,
		.target = &id_nobody_raw_amb,
		.what = "uid 65534 +NET_RAW (P, E, I, A)",
	},
};

FIXTURE_VARIANT_ADD(perm, r_ncar_ambient) {
	.r = {
		.call = RESTART, .caller = &id_nobody_raw_ncar,
		.target = &id_nobody_raw_amb_ncar,
		.what = "like the caller, +NET_RAW ambient",
		.want = EPERM, .log = "cred: capabilities",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setpcap_ncar_ambient) {
	.r = {
		.call = RESTART, .caller = &id_nobody_pcap_raw_ncar,
		.target = &id_nobody_pcap_raw_amb_ncar,
		.what = "like the caller, +NET_RAW ambient",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setpcap_ncar_locked_ambient) {
	.r = {
		.call = RESTART, .caller = &id_nobody_pcap_raw_ncar_lk,
		.target = &id_nobody_pcap_raw_amb_ncar_lk,
		.what = "like the caller, +NET_RAW ambient",
		.want = EPERM, .log = "cred: capabilities",
	},
};

/* restart: securebits */
FIXTURE_VARIANT_ADD(perm, r_nobody_keepcaps) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_nobody_keepcaps,
		.what = "uid 65534, KEEP_CAPS",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nobody_higher_securebits) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_nobody_noroot,
		.what = "uid 65534, NOROOT", .want = EPERM,
		.log = "cred: capabilities",
	},
};

FIXTURE_VARIANT_ADD(perm, r_noroot_lower_securebits) {
	.r = {
		.call = RESTART, .caller = &id_nobody_noroot, .target = &id_nobody,
		.what = "uid 65534, no securebits", .want = EPERM,
		.log = "cred: capabilities",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setpcap_lower_securebits) {
	.r = {
		.call = RESTART, .caller = &id_nobody_pcap_noroot,
		.target = &id_nobody_pcap, .what = "uid 65534 +SETPCAP, no securebits",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setpcap_locked_bit_changed) {
	.r = {
		.call = RESTART, .caller = &id_nobody_pcap_noroot_lk,
		.target = &id_nobody_pcap, .what = "uid 65534 +SETPCAP, no securebits",
		.want = EPERM, .log = "cred: capabilities",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setpcap_lock_undone) {
	.r = {
		.call = RESTART, .caller = &id_nobody_pcap_noroot_lk,
		.target = &id_nobody_pcap_noroot,
		.what = "uid 65534 +SETPCAP, NOROOT not locked",
		.want = EPERM, .log = "cred: capabilities",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setpcap_locked_same) {
	.r = {
		.call = RESTART, .caller = &id_nobody_pcap_noroot_lk,
		.target = &id_nobody_pcap_noroot_lk, .what = "like the caller",
	},
};

FIXTURE_VARIANT_ADD(perm, r_setpcap_keepcaps_locked) {
	.r = {
		.call = RESTART, .caller = &id_nobody_pcap_kclk,
		.target = &id_nobody_pcap_kc_kclk,
		.what = "uid 65534 +SETPCAP, KEEP_CAPS on and locked",
		.want = EPERM, .log = "cred: capabilities",
	},
};

/*
 * restart: uids other than root with capabilities, by a root that would
 * lose them leaving uid 0 (setresuid() clears the permitted set unless
 * KEEP_CAPS or NO_SETUID_FIXUP is set), unless it can set one of them
 */
FIXTURE_VARIANT_ADD(perm, r_root_fixup_locked_caps) {
	.r = {
		.call = RESTART, .caller = &id_root_fixup_lk,
		.target = &id_nobody_raw_fixup_lk,
		.what = "uid 65534 +NET_RAW, the caller's securebits",
		.want = EPERM, .log = "securebits 0x28 drop them",
	},
};

FIXTURE_VARIANT_ADD(perm, r_root_fixup_locked_nocaps) {
	.r = {
		.call = RESTART, .caller = &id_root_fixup_lk,
		.target = &id_nobody_fixup_lk,
		.what = "uid 65534, the caller's securebits",
	},
};

FIXTURE_VARIANT_ADD(perm, r_root_kclk_caps) {
	.r = {
		.call = RESTART, .caller = &id_root_kclk,
		.target = &id_nobody_raw_kclk,
		.what = "uid 65534 +NET_RAW, the caller's securebits",
	},
};

/* restart: no_new_privs */
FIXTURE_VARIANT_ADD(perm, r_nobody_nnp_image) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_nobody_nnp,
		.what = "uid 65534, no_new_privs",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nnp_image_without) {
	.r = {
		.call = RESTART, .caller = &id_nobody_nnp, .target = &id_nobody,
		.what = "uid 65534, no no_new_privs", .want = EPERM,
		.log = "the restarter has no_new_privs, the image does not",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nnp_image_with) {
	.r = {
		.call = RESTART, .caller = &id_nobody_nnp, .target = &id_nobody_nnp,
		.what = "uid 65534, no_new_privs",
	},
};

/* restart: user namespaces */
FIXTURE_VARIANT_ADD(perm, r_userns_root_image) {
	.r = {
		.call = RESTART, .caller = &id_userns, .target = &id_root,
		.view = &id_userns_root, .what = "root (of the initial user ns)",
	},
};

FIXTURE_VARIANT_ADD(perm, r_userns_unmapped) {
	.r = {
		.call = RESTART, .caller = &id_userns, .target = &id_nobody,
		.what = "uid 65534 (not mapped in the caller's ns)",
		.want = EINVAL, .log = "cred: uid 65534 is not mapped",
	},
};

FIXTURE_VARIANT_ADD(perm, r_nobody_userns_image) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .maker = &id_userns,
		.what = "root of a user ns (made there)",
		.want = EPERM, .log = "cred: uids",
	},
};

FIXTURE_VARIANT_ADD(perm, r_userns_userns_image) {
	.r = {
		.call = RESTART, .caller = &id_userns, .maker = &id_userns,
		.view = &id_userns_root, .what = "root of a user ns (made there)",
	},
};

FIXTURE_VARIANT_ADD(perm, r_root_userns_image) {
	.r = {
		.call = RESTART, .caller = &id_root, .maker = &id_userns,
		.view = &id_root, .what = "root of a user ns (made there)",
	},
};

/* restart: pids */
FIXTURE_VARIANT_ADD(perm, r_pids_nobody) {
	.r = {
		.call = RESTART, .caller = &id_nobody, .target = &id_nobody,
		.flags = CKPT_RESTART_PIDS, .what = "uid 65534",
		.want = EPERM, .log = "needs CAP_CHECKPOINT_RESTORE",
	},
};

FIXTURE_VARIANT_ADD(perm, r_pids_cr) {
	.r = {
		.call = RESTART, .caller = &id_nobody_cr, .target = &id_nobody,
		.flags = CKPT_RESTART_PIDS, .what = "uid 65534",
	},
};

FIXTURE_VARIANT_ADD(perm, r_pids_root) {
	.r = {
		.call = RESTART, .caller = &id_root, .target = &id_nobody,
		.flags = CKPT_RESTART_PIDS, .what = "uid 65534",
	},
};

FIXTURE_VARIANT_ADD(perm, r_pids_userns) {
	.r = {
		.call = RESTART, .caller = &id_userns, .target = &id_root,
		.flags = CKPT_RESTART_PIDS, .what = "root (of the initial user ns)",
		.want = EPERM, .log = "needs CAP_CHECKPOINT_RESTORE",
	},
};

FIXTURE_VARIANT_ADD(perm, r_newpid_cr) {
	.r = {
		.call = RESTART, .caller = &id_nobody_cr, .target = &id_nobody,
		.flags = CKPT_RESTART_NEWPID, .what = "uid 65534",
		.want = EPERM, .log = "a new pid namespace needs CAP_SYS_ADMIN",
	},
};

FIXTURE_VARIANT_ADD(perm, r_newpid_root) {
	.r = {
		.call = RESTART, .caller = &id_root, .target = &id_nobody,
		.flags = CKPT_RESTART_NEWPID, .what = "uid 65534",
	},
};

FIXTURE_VARIANT_ADD(perm, r_newpid_userns) {
	.r = {
		.call = RESTART, .caller = &id_userns, .target = &id_root,
		.flags = CKPT_RESTART_NEWPID, .view = &id_userns_root,
		.what = "root (of the initial user ns)",
	},
};

static int row_index(const void *v)
{
	const struct __fixture_variant_metadata *m;
	int i = 1;

	for (m = _perm_fixture_object.variant; m && i < MAX_ROWS;
	     m = m->next, i++)
		if (m->data == v)
			return i;
	return -1;
}

/* Print @n columns of a table row, each padded to its width */
static void print_row(const int *width, const char *const *col, int n,
		      const char *note)
{
	char line[1024];
	int i, len = 0;

	for (i = 0; i < n && len < (int)sizeof(line); i++)
		len += snprintf(line + len, sizeof(line) - len, "%-*s%s",
				i < n - 1 ? width[i] : 0, col[i],
				i < n - 1 ? "  " : "");
	ksft_print_msg("%s%s\n", line, note);
}

#define NCOLS		6
#define YAMA_LEN	8

static void print_rule(const int *width)
{
	char rule[NCOLS][128];
	const char *col[NCOLS];
	int i, n;

	for (i = 0; i < NCOLS; i++) {
		n = width[i] < 127 ? width[i] : 127;
		memset(rule[i], '=', n);
		rule[i][n] = '\0';
		col[i] = rule[i];
	}
	print_row(width, col, NCOLS, "");
}

/* The columns of a row of the matrix */
static void row_cols(const struct __fixture_variant_metadata *m,
		     const char **col, char *yama)
{
	const struct row *v = m->data;

	snprintf(yama, YAMA_LEN, v->need_yama ? "%d" : "off", v->yama);
	col[0] = m->name;
	col[1] = call_name(v);
	col[2] = v->caller->name;
	col[3] = v->what;
	col[4] = yama;
	col[5] = err_name(v->want);
}

/*
 * Last: print the matrix, the table of Documentation/checkpoint/security.rst,
 * with a note after each row that failed or did not run
 */
FIXTURE(matrix) {};
FIXTURE_SETUP(matrix) {}
FIXTURE_TEARDOWN(matrix) {}

TEST_F(matrix, print)
{
	static const char *const head[NCOLS] = {
		"row", "call", "caller", "target or image", "Yama", "expected",
	};
	const struct __fixture_variant_metadata *m;
	int width[NCOLS], i, j, failed = 0, state, got;
	const char *col[NCOLS];
	char yama[YAMA_LEN], note[64];

	ASSERT_NE(NULL, g_sh);
	for (j = 0; j < NCOLS; j++)
		width[j] = strlen(head[j]);
	for (m = _perm_fixture_object.variant; m; m = m->next) {
		row_cols(m, col, yama);
		for (j = 0; j < NCOLS; j++)
			if ((int)strlen(col[j]) > width[j])
				width[j] = strlen(col[j]);
	}
	print_rule(width);
	print_row(width, head, NCOLS, "");
	print_rule(width);
	for (m = _perm_fixture_object.variant, i = 1; m && i < MAX_ROWS;
	     m = m->next, i++) {
		row_cols(m, col, yama);
		state = g_sh->rows[i].state;
		got = g_sh->rows[i].got;
		note[0] = '\0';
		if (state == ROW_SKIPPED)
			snprintf(note, sizeof(note), "  # skipped");
		else if (state == ROW_NOT_RUN)
			snprintf(note, sizeof(note), "  # not run");
		else if (state == ROW_FAILED)
			snprintf(note, sizeof(note), "  # FAILED, got %s",
				 got < 0 ? "nothing" : err_name(got));
		print_row(width, col, NCOLS, note);
		failed += state == ROW_FAILED;
	}
	print_rule(width);
	EXPECT_EQ(0, failed);
}

CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
