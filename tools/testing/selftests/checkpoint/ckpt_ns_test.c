// SPDX-License-Identifier: GPL-2.0
/*
 * Containers: a tree in pid, uts, ipc and network namespaces of its own
 * (made with clone flags, as "unshare --fork --pid --uts --ipc --net"
 * would) is checkpointed whole and restarted in new namespaces, where
 * its init checks from inside: its pids, host and domain names, the
 * loopback device up with its address, an ipc limit, its children.
 * A namespace shared with a process outside is refused, or left out
 * with CKPT_CHECKPOINT_NS_EXTERNAL; what an image cannot hold yet is
 * refused by name; damaged namespace records are rejected.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"
#include "ckpt_harness.h"

#define CT_FLAGS	(CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | \
			 CLONE_NEWNET)
#define CT_NS		(CKPT_NS_PID | CKPT_NS_UTS | CKPT_NS_IPC | CKPT_NS_NET)
#define CT_HOST		"ckpt-ct"
#define CT_DOMAIN	"ckpt-dom"
#define CT_MSGMNB	54321
#define CT_LO_MTU	65536

/* What the container's init sets up, and finds once restarted */
struct ct_opts {
	int (*setup)(void);	/* more state, refused by checkpoint */
	bool sysv;		/* SysV objects too (ct_sysv_setup()) */
	bool userns;		/* in a user namespace whose maps it waits for */
	bool shell;		/* child 2 runs a shell loop (ct_shell()) */
	/* The names it expects once restarted, "" for CT_HOST, CT_DOMAIN */
	char host[65];
	char domain[65];
};

/* The flags of lo (setting IFF_UP if @up), through a socket closed at once */
static int lo_flags(bool up)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s, ret = -1;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ret = ifr.ifr_flags;
		ifr.ifr_flags |= IFF_UP;
		if (up && ioctl(s, SIOCSIFFLAGS, &ifr))
			ret = -1;
	}
	close(s);
	return ret;
}

/* The IPv4 address of @name ("lo", "lo:1"), 0 if none */
static in_addr_t if_addr(const char *name)
{
	struct ifreq ifr = {};
	in_addr_t addr = 0;
	int s;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 0;
	if (!ioctl(s, SIOCGIFADDR, &ifr))
		addr = ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr;
	close(s);
	return addr;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

#define CT_SHM_KEY	0x1234
#define CT_MSG_KEY	0x4321
#define CT_SEM_KEY	0x5678
#define CT_SHM_SIZE	(3 * 4096 + 100)

/* The SysV objects of the container, made by its init */
static int ct_shm, ct_shm_rm, ct_msq, ct_sem;
static unsigned char *ct_shm_addr;

static const char *const ct_msgs[] = { "one", "two, longer", "three" };

struct ct_msgbuf {
	long mtype;
	char mtext[64];
};

/*
 * A segment (attached by the init and, inherited, by its two children:
 * 3 attachments), one removed while attached, a queue with 3 messages,
 * a set of 2 semaphores (5 and 7)
 */
static int ct_sysv_setup(void)
{
	struct ct_msgbuf m;
	unsigned int i;
	void *rm;

	ct_shm = shmget(CT_SHM_KEY, CT_SHM_SIZE, IPC_CREAT | 0640);
	if (ct_shm < 0)
		return fail(40, "shmget: %m");
	ct_shm_addr = shmat(ct_shm, NULL, 0);
	if (ct_shm_addr == (void *)-1)
		return fail(41, "shmat: %m");
	fill_pattern(ct_shm_addr, CT_SHM_SIZE, 77);
	ct_shm_rm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	rm = ct_shm_rm < 0 ? (void *)-1 : shmat(ct_shm_rm, NULL, 0);
	if (rm == (void *)-1 || shmctl(ct_shm_rm, IPC_RMID, NULL))
		return fail(42, "removed segment: %m");
	memset(rm, 0x5a, 4096);
	ct_msq = msgget(CT_MSG_KEY, IPC_CREAT | 0600);
	if (ct_msq < 0)
		return fail(43, "msgget: %m");
	for (i = 0; i < ARRAY_SIZE(ct_msgs); i++) {
		m.mtype = i + 1;
		snprintf(m.mtext, sizeof(m.mtext), "%s", ct_msgs[i]);
		if (msgsnd(ct_msq, &m, strlen(ct_msgs[i]) + 1, IPC_NOWAIT))
			return fail(44, "msgsnd: %m");
	}
	ct_sem = semget(CT_SEM_KEY, 2, IPC_CREAT | 0600);
	if (ct_sem < 0 || semctl(ct_sem, 0, SETVAL, 5) ||
	    semctl(ct_sem, 1, SETVAL, 7))
		return fail(45, "semaphores: %m");
	return 0;
}

/* Child 3's semop(+1, SEM_UNDO), which its exit undoes */
static int ct_sem_up(void)
{
	struct sembuf op = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };

	return semop(ct_sem, &op, 1);
}

/* The init, restarted: the objects as they were, with their ids */
static int ct_sysv_check(void)
{
	struct shmid_ds ds;
	struct ct_msgbuf m;
	int ret = 0, v;
	unsigned int i;
	ssize_t n;

	if (shmctl(ct_shm, IPC_STAT, &ds) || ds.shm_perm.__key != CT_SHM_KEY ||
	    ds.shm_segsz != CT_SHM_SIZE || (ds.shm_perm.mode & 0777) != 0640 ||
	    ds.shm_nattch != 3)
		ret = fail(50, "segment %d: key %#x size %zu mode %o nattch %lu (%m)",
			   ct_shm, ds.shm_perm.__key, ds.shm_segsz,
			   ds.shm_perm.mode, (unsigned long)ds.shm_nattch);
	if (!check_pattern(ct_shm_addr, CT_SHM_SIZE, 77))
		ret = fail(51, "segment contents differ");
	if (shmctl(ct_shm_rm, IPC_STAT, &ds) ||
	    !(ds.shm_perm.mode & SHM_DEST) || ds.shm_nattch != 3)
		ret = fail(52, "removed segment %d: mode %#o nattch %lu (%m)",
			   ct_shm_rm, ds.shm_perm.mode,
			   (unsigned long)ds.shm_nattch);
	if (shmget(CT_SHM_KEY, 0, 0) != ct_shm || msgget(CT_MSG_KEY, 0) != ct_msq ||
	    semget(CT_SEM_KEY, 0, 0) != ct_sem)
		ret = fail(53, "keys lead elsewhere: %m");
	for (i = 0; i < ARRAY_SIZE(ct_msgs); i++) {
		n = msgrcv(ct_msq, &m, sizeof(m.mtext), 0, IPC_NOWAIT);
		if (n != (ssize_t)strlen(ct_msgs[i]) + 1 || m.mtype != i + 1 ||
		    strcmp(m.mtext, ct_msgs[i]))
			ret = fail(54, "message %u: %zd bytes type %ld (%m)",
				   i, n, m.mtype);
	}
	if (msgrcv(ct_msq, &m, sizeof(m.mtext), 0, IPC_NOWAIT) >= 0 ||
	    errno != ENOMSG)
		ret = fail(55, "a fourth message");
	v = semctl(ct_sem, 0, GETVAL);
	if (v != 6 || semctl(ct_sem, 1, GETVAL) != 7)
		ret = fail(56, "semaphores %d %d, not 6 7", v,
			   semctl(ct_sem, 1, GETVAL));
	return ret;
}

static volatile sig_atomic_t ct_child_pid, ct_go;

/* The init goes on when told (SIGUSR1), once restarted */
static void ct_usr1(int sig)
{
	(void)sig;
	ct_go = 1;
}

/* A child checks, when told to go, the pids it sees */
static void ct_term(int sig)
{
	(void)sig;
	_exit(getpid() == ct_child_pid && getppid() == 1 ? 0 : 1);
}

/*
 * A shell loop, as a container runs one: it counts into the file
 * "counter" of the test's directory, forking a sleep(1) each round
 */
static void __attribute__((noreturn)) ct_shell(void)
{
	char cmd[PATH_MAX + 128];

	setsid();
	snprintf(cmd, sizeof(cmd),
		 "i=0; while :; do i=$((i + 1)); echo $i > %s/counter; sleep 0.2; done",
		 g_dir);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(99);
}

/* The shell loop's count so far, -1 if none */
static long ct_counter(void)
{
	char path[PATH_MAX + 16];

	path_of(path, sizeof(path), "counter");
	return read_long(path);
}

static void __attribute__((noreturn))
ct_child(pid_t expect, bool session, bool sem_up)
{
	struct sigaction sa = { .sa_handler = ct_term };

	ct_child_pid = expect;
	sigaction(SIGTERM, &sa, NULL);
	if (session)
		setsid();
	if (sem_up && ct_sem_up())
		_exit(9);
	raise(SIGSTOP);
	for (;;)
		pause();
}

/* Tell child @pid to check its pids and exit: 0 if it did with 0 */
static int ct_child_done(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	kill(pid, SIGCONT);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The init, once restarted (or let run on): every item, from inside */
static int ct_check(const struct ct_opts *o)
{
	const char *host = o->host[0] ? o->host : CT_HOST;
	const char *domain = o->domain[0] ? o->domain : CT_DOMAIN;
	char name[128] = "";
	int ret = 0, r, fl, st;
	long v;

	if (getpid() != 1)
		ret = fail(20, "pid %d, not 1", (int)getpid());
	if (o->userns && (getuid() || geteuid() || getgid()))
		ret = fail(29, "uid %d euid %d gid %d in its user namespace",
			   (int)getuid(), (int)geteuid(), (int)getgid());
	if (gethostname(name, sizeof(name)) || strcmp(name, host))
		ret = fail(21, "host name '%s', not '%s'", name, host);
	name[0] = '\0';
	if (getdomainname(name, sizeof(name)) || strcmp(name, domain))
		ret = fail(22, "domain name '%s', not '%s'", name, domain);
	fl = lo_flags(false);
	if (fl < 0 || !(fl & IFF_UP))
		ret = fail(23, "lo flags %#x", fl);
	if (if_addr("lo") != htonl(INADDR_LOOPBACK))
		ret = fail(24, "lo address %#x", ntohl(if_addr("lo")));
	v = read_long("/proc/sys/kernel/msgmnb");
	if (v != CT_MSGMNB)
		ret = fail(25, "kernel.msgmnb %ld", v);
	if (o->sysv)
		ret = ct_sysv_check() ?: ret;
	if (o->shell) {
		v = ct_counter();
		usleep(1500000);
		if (ct_counter() <= v)
			ret = fail(30, "the shell loop stays at %ld", v);
		if (getsid(4) != 4)
			ret = fail(31, "the shell's session %d", (int)getsid(4));
		kill(4, SIGKILL);
		if (waitpid(4, &st, 0) != 4 || !WIFSIGNALED(st))
			ret = fail(32, "the shell: status %#x", st);
	}
	r = ct_child_done(2);
	if (r)
		ret = fail(26, "child 2 (own session): %d", r);
	r = ct_child_done(3);
	if (r)
		ret = fail(27, "child 3: %d", r);
	/* Child 3's exit undid its semop */
	if (o->sysv && semctl(ct_sem, 0, GETVAL) != 5)
		ret = fail(28, "semaphore %d after the undo, not 5",
			   semctl(ct_sem, 0, GETVAL));
	return ret;
}

/* The container's init, pid 1 in its new namespaces */
static int ct_init(void *arg)
{
	struct sigaction sa = { .sa_handler = ct_usr1 };
	const struct ct_opts *o = arg;
	sigset_t set, old;
	char buf[16];
	pid_t a, b;
	int st;

	if (getpid() != 1)
		return fail(10, "pid %d, not 1", (int)getpid());
	/* Its maps come from its parent, the uid map first */
	for (st = 0; o->userns && (getuid() || getgid()) &&
	     st < WAIT_SECS * 1000; st++)
		usleep(1000);
	if (o->userns && (getuid() || getgid()))
		return fail(19, "uid %d gid %d, maps not written",
			    (int)getuid(), (int)getgid());
	if (sethostname(CT_HOST, strlen(CT_HOST)) ||
	    setdomainname(CT_DOMAIN, strlen(CT_DOMAIN)))
		return fail(11, "cannot set the names: %m");
	if (lo_flags(true) < 0)
		return fail(12, "cannot bring lo up: %m");
	snprintf(buf, sizeof(buf), "%d", CT_MSGMNB);
	if (write_str("/proc/sys/kernel/msgmnb", buf))
		return fail(13, "cannot set kernel.msgmnb: %m");
	if (o->setup && o->setup())
		return 14;
	if (o->sysv && ct_sysv_setup())
		return 18;
	a = fork();
	if (!a)
		ct_child(2, true, false);
	if (a != 2 || waitpid(a, &st, WUNTRACED) != a || !WIFSTOPPED(st))
		return fail(15, "child %d", (int)a);
	b = fork();
	if (!b)
		ct_child(3, false, o->sysv);
	if (b != 3 || waitpid(b, &st, WUNTRACED) != b || !WIFSTOPPED(st))
		return fail(16, "child %d", (int)b);
	/* The shell, pid 4, counts on its own */
	if (o->shell) {
		if (!fork())
			ct_shell();
		for (st = 0; ct_counter() < 2 && st < WAIT_SECS * 100; st++)
			usleep(10000);
		if (ct_counter() < 2)
			return fail(17, "the shell loop does not count");
	}
	/* Ready to be stopped from outside, checkpointed, restarted */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	sigaction(SIGUSR1, &sa, NULL);
	if (write_file("ready", "1", 1))
		return fail(17, "cannot write the ready file: %m");
	while (!ct_go)
		sigsuspend(&old);
	return ct_check(o);
}

/* Extra state of a container that checkpoint refuses */
static int ct_lo_alias(void)
{
	struct ifreq ifr = { .ifr_name = "lo:1" };
	struct sockaddr_in *sin = (void *)&ifr.ifr_addr;
	int s, ret;

	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = inet_addr("10.7.7.7");
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail(31, "socket: %m");
	ret = ioctl(s, SIOCSIFADDR, &ifr);
	close(s);
	return ret ? fail(32, "SIOCSIFADDR lo:1: %m") : 0;
}

/*
 * As container hosts do: a new network namespace gets no fallback
 * tunnel device (sit0, with CONFIG_IPV6_SIT), only its loopback
 */
#define FB_TUNNELS	"/proc/sys/net/core/fb_tunnels_only_for_init_net"

static void ct_fixture_setup(struct __test_metadata *_metadata,
			     struct rst *r, struct ct_opts *o)
{
	rst_init(r);
	test_dir_make(_metadata, "ckpt_ns");
	memset(o, 0, sizeof(*o));
	if (geteuid() != 0)
		SKIP(return, "new namespaces need CAP_SYS_ADMIN");
	/* Unprivileged containers write there too */
	ASSERT_EQ(0, chmod(g_dir, 0777));
	if (access(FB_TUNNELS, F_OK) == 0)
		ASSERT_EQ(0, write_str(FB_TUNNELS, "1"));
}

FIXTURE(ns) {
	struct rst r;
	struct ct_opts o;
};

FIXTURE_SETUP(ns)
{
	ct_fixture_setup(_metadata, &self->r, &self->o);
}

FIXTURE_TEARDOWN(ns)
{
	rst_cleanup(&self->r);
}

/* Map root of @pid's new user namespace to our uid and gid */
static int ct_write_maps(pid_t pid)
{
	char path[64], map[64];

	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (write_str(path, "deny"))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %d 1", (int)geteuid());
	if (write_str(path, map))
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %d 1", (int)getegid());
	return write_str(path, map);
}

/*
 * Stop the descendants of @pid, as ckpt does: each, once stopped, forks
 * no more, and its children are read then
 */
static int ct_stop_children(pid_t pid)
{
	char path[64], buf[512], *p, *end;
	long child;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (p = buf; (child = strtol(p, &end, 10)) > 0; p = end) {
		/* A second SIGSTOP would stay pending: checkpoint refuses it */
		if (proc_state(child) != 'T' && kill(child, SIGSTOP))
			return -1;
		for (i = 0; proc_state(child) != 'T' && i < WAIT_SECS * 100;
		     i++)
			usleep(10000);
		if (proc_state(child) != 'T' || ct_stop_children(child))
			return -1;
	}
	return 0;
}

/*
 * Start a container with @flags (its maps written if it has a user
 * namespace), and stop it once its init and children are ready:
 * its init's pid, or -1 with *@status (the init's wait status, or -1)
 */
static pid_t ct_start(struct ct_opts *o, unsigned long flags, int *status)
{
	char ready[PATH_MAX + 8];
	pid_t pid;
	int i;

	*status = -1;
	path_of(ready, sizeof(ready), "ready");
	unlink(ready);
	o->userns = flags & CLONE_NEWUSER;
	pid = target_spawn_ns(flags, ct_init, o);
	if (pid < 0)
		return -1;
	if (o->userns && ct_write_maps(pid)) {
		target_kill(pid);
		return -1;
	}
	for (i = 0; i < WAIT_SECS * 100 && access(ready, F_OK); i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return -1;
		usleep(10000);
	}
	/* From its parent's namespace, SIGSTOP stops an init */
	if (access(ready, F_OK) || kill(pid, SIGSTOP) ||
	    waitpid(pid, status, WUNTRACED) != pid || !WIFSTOPPED(*status) ||
	    ct_stop_children(pid)) {
		target_kill(pid);
		return -1;
	}
	return pid;
}

/* Spawn a container with @flags, its init stopped, all its tasks too */
static void ct_spawn(struct __test_metadata *_metadata, struct rst *r,
		     struct ct_opts *o, unsigned long flags)
{
	char buf[64];
	int st;

	r->orig = ct_start(o, flags, &st);
	ASSERT_GT(r->orig, 0) {
		TH_LOG("container setup: %s", describe(st, buf, sizeof(buf)));
		show_report(_metadata);
	}
}

/* Tell the restarted init to check, and wait for its exit status 0 */
static void ct_go_check(struct __test_metadata *_metadata, struct rst *r)
{
	ASSERT_EQ(0, kill(r->pid, SIGUSR1));
	expect_exit(_metadata, r, 0);
}

/* checkpoint() of @pid with @flags: 0 or its errno, the log in r->log */
static int ct_checkpoint(struct rst *r, pid_t pid, unsigned long flags)
{
	int err, logfd = memfd_create("ckpt-log", MFD_CLOEXEC);
	ssize_t n;

	free(r->img);
	r->img = NULL;
	err = ckpt_capture(pid, CKPT_SINK_MEMFD, flags, logfd, &r->img,
			   &r->len);
	n = logfd >= 0 ? pread(logfd, r->log, sizeof(r->log) - 1, 0) : 0;
	r->log[n > 0 ? n : 0] = '\0';
	if (logfd >= 0)
		close(logfd);
	return err;
}

/* The namespace of kind @ns ("pid", "uts"...) of @pid, as a string */
static void ns_link(pid_t pid, const char *ns, char *buf, size_t size)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	n = readlink(path, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
}

/*
 * The whole cycle: the image holds the container's namespaces and pids
 * 1, 2, 3; the container is killed; the restarted one is in new
 * namespaces, not ours, and its init finds everything as it was
 */
TEST_F_TIMEOUT(ns, container, 300)
{
	const struct ckpt_hdr_uts_ns *uts;
	const struct ckpt_hdr_ipc_ns *ipc;
	const struct ckpt_hdr_net_ns *net;
	const struct ckpt_hdr_clone *c;
	const struct ckpt_image *img;
	char ours[64], theirs[64], host[65] = "";
	static const char * const kinds[] = { "pid", "uts", "ipc", "net" };
	unsigned int i, n, seen;

	self->o.shell = true;
	ct_spawn(_metadata, &self->r, &self->o, CT_FLAGS);
	ASSERT_EQ(0, ct_checkpoint(&self->r, self->r.orig, 0)) {
		TH_LOG("checkpoint: log:\n%s", self->r.log);
	}
	img = parsed(_metadata, &self->r);
	ASSERT_NE(NULL, img->ns);
	EXPECT_EQ(CT_NS, img->ns->new);
	EXPECT_EQ(0, img->ns->external);
	EXPECT_EQ(1, img->hdr->pid);
	/* The init, children 2 and 3, the shell 4 and its sleep (if in one) */
	n = ckpt_count(img, CKPT_HDR_CLONE);
	ASSERT_TRUE(n == 4 || n == 5);
	for (i = 0, seen = 0; i < n; i++) {
		c = ckpt_find(img, CKPT_HDR_CLONE, i);
		/* The root first; the sleep's parent is the shell */
		EXPECT_EQ(!i, c->pid == 1);
		EXPECT_EQ(!i ? 0 : c->pid <= 4 ? 1 : 4, c->ppid);
		seen |= c->pid <= 4 ? 1U << c->pid : 0;
	}
	EXPECT_EQ(0x1e, seen);
	uts = ckpt_find(img, CKPT_HDR_UTS_NS, 0);
	ASSERT_NE(NULL, uts);
	EXPECT_STREQ(CT_HOST, uts->nodename);
	EXPECT_STREQ(CT_DOMAIN, uts->domainname);
	ipc = ckpt_find(img, CKPT_HDR_IPC_NS, 0);
	ASSERT_NE(NULL, ipc);
	EXPECT_EQ(CT_MSGMNB, ipc->msg_ctlmnb);
	net = ckpt_find(img, CKPT_HDR_NET_NS, 0);
	ASSERT_NE(NULL, net);
	EXPECT_EQ(CKPT_NET_LO_UP, net->flags);
	EXPECT_EQ(CT_LO_MTU, net->lo_mtu);
	EXPECT_EQ(0, ckpt_verify_buf(self->r.img, self->r.len, self->r.log,
				     sizeof(self->r.log))) {
		TH_LOG("verify: %s", self->r.log);
	}

	kill_and_restart(_metadata, &self->r, 0);
	EXPECT_NE(1, self->r.pid);
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		ns_link(getpid(), kinds[i], ours, sizeof(ours));
		ns_link(self->r.pid, kinds[i], theirs, sizeof(theirs));
		EXPECT_STRNE(ours, theirs) {
			TH_LOG("the restarted init is in our %s namespace",
			       kinds[i]);
		}
	}
	/* Our own names are untouched */
	EXPECT_EQ(0, gethostname(host, sizeof(host) - 1));
	EXPECT_STRNE(CT_HOST, host);
	ct_go_check(_metadata, &self->r);
	EXPECT_TRUE(no_child());
}

/*
 * With SysV objects: two segments (one removed while attached), a queue
 * of three messages, a set with a SEM_UNDO adjustment, all with their
 * ids, contents, attach counts and owners; the restarted init finds
 * them, and the restarted child's exit undoes its semop()
 */
TEST_F_TIMEOUT(ns, sysv_ipc, 300)
{
	const struct ckpt_hdr_ipc_ns *ipc;
	const struct ckpt_hdr_task *t;
	const struct ckpt_image *img;

	self->o.sysv = true;
	ct_spawn(_metadata, &self->r, &self->o, CT_FLAGS);
	ASSERT_EQ(0, ct_checkpoint(&self->r, self->r.orig, 0)) {
		TH_LOG("checkpoint: log:\n%s", self->r.log);
	}
	img = parsed(_metadata, &self->r);
	ipc = ckpt_find(img, CKPT_HDR_IPC_NS, 0);
	ASSERT_NE(NULL, ipc);
	EXPECT_EQ(2, ipc->nr_shm);
	EXPECT_EQ(1, ipc->nr_msq);
	EXPECT_EQ(1, ipc->nr_sem);
	EXPECT_EQ(2, ckpt_count(img, CKPT_HDR_SHM));
	EXPECT_EQ(3, ckpt_count(img, CKPT_HDR_MSG));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_SEM_UNDO));
	EXPECT_EQ(1, ckpt_count(img, CKPT_HDR_SEM_ADJ));
	/* The third task, child 3, has the undo list */
	t = ckpt_find(img, CKPT_HDR_TASK, 2);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(3, t->pid);
	EXPECT_NE(0, t->sem_undo_ref);
	EXPECT_EQ(0, ckpt_verify_buf(self->r.img, self->r.len, self->r.log,
				     sizeof(self->r.log))) {
		TH_LOG("verify: %s", self->r.log);
	}
	kill_and_restart(_metadata, &self->r, 0);
	ct_go_check(_metadata, &self->r);
	EXPECT_TRUE(no_child());
}

/*
 * A rootless container, all of it as uid 65534: its own user namespace
 * (root mapped to 65534), pid, uts, ipc and network ones.  The image
 * holds the maps; restart() as 65534 makes a new user namespace with
 * them, in which the init and its children are root again and find
 * everything; the same image with root mapped to uid 0 is refused.
 */
static int ct_rootless(struct rst *r, struct ct_opts *o)
{
	struct ckpt_hdr_user_ns *u;
	struct ckpt_id_extent *e;
	struct ckpt_image img;
	char log[LOG_SIZE];
	int st, err;
	pid_t pid;

	if (become_nobody())
		return 10;
	o->sysv = true;
	r->orig = ct_start(o, CT_FLAGS | CLONE_NEWUSER, &st);
	if (r->orig < 0) {
		fprintf(stderr, "# container setup: status %#x\n", st);
		return 11;
	}
	err = ckpt_capture(r->orig, CKPT_SINK_MEMFD, 0, -1, &r->img, &r->len);
	if (err) {
		fprintf(stderr, "# checkpoint as 65534: %s\n", strerror(err));
		return 12;
	}
	if (ckpt_parse(&img, r->img, r->len))
		return 13;
	u = (void *)ckpt_find(&img, CKPT_HDR_USER_NS, 0);
	if (img.ns->new != (CT_NS | CKPT_NS_USER) || !u || u->nr_uid != 1 ||
	    !(u->flags & CKPT_USERNS_SETGROUPS_DENY)) {
		ckpt_image_free(&img);
		return 14;
	}
	e = (void *)(u + 1);
	if (e->first != 0 || e->lower_first != 65534 || e->count != 1) {
		ckpt_image_free(&img);
		return 15;
	}
	target_kill(r->orig);
	r->orig = -1;

	r->pid = restart_img(r->img, r->len, 0, log, sizeof(log));
	if (r->pid < 0) {
		fprintf(stderr, "# restart as 65534: %s; log:\n%s\n",
			strerror(-r->pid), log);
		ckpt_image_free(&img);
		return 16;
	}
	kill(r->pid, SIGUSR1);
	st = wait_exit(r->pid, WAIT_SECS);
	r->pid = -1;
	if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "# restarted container: status %#x\n", st);
		ckpt_image_free(&img);
		return 17;
	}

	/* Root of the container as uid 0: not ours to map */
	e->lower_first = 0;
	ckpt_fix_tail(r->img, r->len, -1);
	ckpt_image_free(&img);
	pid = restart_img(r->img, r->len, 0, log, sizeof(log));
	if (pid > 0) {
		target_kill(pid);
		return 18;
	}
	if (pid != -EPERM ||
	    !strstr(log, "cannot give the new user namespace its uid map")) {
		fprintf(stderr, "# restart of a map to uid 0: %s; log:\n%s\n",
			strerror(-pid), log);
		return 19;
	}
	return no_child() ? 0 : 20;
}

TEST_F_TIMEOUT(ns, rootless, 300)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(ct_rootless(&self->r, &self->o));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("status %#x: %s", status,
		       "10: setuid, 11: setup, 12: checkpoint, 13-15: image, 16: restart, 17: restarted container, 18-19: map to uid 0 not refused, 20: child left");
		show_report(_metadata);
	}
}

/* A child of the container is not its init: refused, by name */
TEST_F_TIMEOUT(ns, not_init_refused, 120)
{
	char path[64];
	long child;

	ct_spawn(_metadata, &self->r, &self->o, CT_FLAGS);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children",
		 (int)self->r.orig, (int)self->r.orig);
	child = read_long(path);
	ASSERT_LT(0, child);
	EXPECT_EQ(EOPNOTSUPP, ct_checkpoint(&self->r, child, 0));
	EXPECT_NE(NULL, strstr(self->r.log, "but not its init")) {
		TH_LOG("log:\n%s", self->r.log);
	}
}

static void ns_joiner_fork(int sig)
{
	(void)sig;
	if (!fork()) {
		for (;;)
			pause();
	}
}

/*
 * A process of ours in a namespace of the container (for its children,
 * for a pid one), with PR_SET_PDEATHSIG
 */
static pid_t ns_joiner(pid_t target, const char *kind, int nstype)
{
	char path[64];
	int fd, p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)target,
			 kind);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, nstype))
			_exit(1);
		close(fd);
		/* On SIGUSR1, a child: in the namespace of a pid one */
		signal(SIGUSR1, ns_joiner_fork);
		if (write(p[1], "j", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1) {
		target_kill(pid);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/*
 * A task outside in the container's uts namespace: EBUSY naming it;
 * with CKPT_CHECKPOINT_NS_EXTERNAL the uts namespace is left out and
 * the restarted container is in ours, with our host name
 */
TEST_F_TIMEOUT(ns, shared_uts, 300)
{
	const struct ckpt_image *img;
	char want[96];
	pid_t joiner;

	ASSERT_EQ(0, gethostname(self->o.host, sizeof(self->o.host) - 1));
	ASSERT_EQ(0, getdomainname(self->o.domain,
				   sizeof(self->o.domain) - 1));
	ct_spawn(_metadata, &self->r, &self->o, CT_FLAGS);
	joiner = ns_joiner(self->r.orig, "uts", CLONE_NEWUTS);
	ASSERT_LT(0, joiner);
	EXPECT_EQ(EBUSY, ct_checkpoint(&self->r, self->r.orig, 0));
	snprintf(want, sizeof(want),
		 "uts namespace of the tree shared with pid %d (",
		 (int)joiner);
	EXPECT_NE(NULL, strstr(self->r.log, want)) {
		TH_LOG("log:\n%s", self->r.log);
	}

	ASSERT_EQ(0, ct_checkpoint(&self->r, self->r.orig,
				   CKPT_CHECKPOINT_NS_EXTERNAL)) {
		TH_LOG("log:\n%s", self->r.log);
	}
	target_kill(joiner);
	img = parsed(_metadata, &self->r);
	EXPECT_EQ(CT_NS & ~CKPT_NS_UTS, img->ns->new);
	EXPECT_EQ(CKPT_NS_UTS, img->ns->external);
	EXPECT_EQ(0, ckpt_count(img, CKPT_HDR_UTS_NS));
	kill_and_restart(_metadata, &self->r, 0);
	ct_go_check(_metadata, &self->r);
}

/*
 * A task outside with a pid in the container's pid namespace (one that
 * joined it, as setns(2) and a fork do): refused, even with NS_EXTERNAL.
 * One that would only fork into it (pid_for_children, what unshare
 * --fork --pid leaves its parent with) is not in it.
 */
TEST_F_TIMEOUT(ns, shared_pid_ns_refused, 120)
{
	pid_t joiner;

	ct_spawn(_metadata, &self->r, &self->o, CT_FLAGS);
	joiner = ns_joiner(self->r.orig, "pid", CLONE_NEWPID);
	ASSERT_LT(0, joiner);
	ASSERT_EQ(0, ct_checkpoint(&self->r, self->r.orig,
				   CKPT_CHECKPOINT_NS_EXTERNAL)) {
		TH_LOG("log:\n%s", self->r.log);
	}
	/* Its child is in the namespace */
	ASSERT_EQ(0, kill(joiner, SIGUSR1));
	usleep(100000);
	EXPECT_EQ(EBUSY, ct_checkpoint(&self->r, self->r.orig,
				       CKPT_CHECKPOINT_NS_EXTERNAL));
	EXPECT_NE(NULL, strstr(self->r.log, "pid namespace of the tree shared with pid")) {
		TH_LOG("log:\n%s", self->r.log);
	}
	target_kill(joiner);
}

FIXTURE(ns_refuse) {
	struct rst r;
	struct ct_opts o;
};

FIXTURE_SETUP(ns_refuse)
{
	ct_fixture_setup(_metadata, &self->r, &self->o);
}

FIXTURE_TEARDOWN(ns_refuse)
{
	rst_cleanup(&self->r);
}

struct ns_refusal {
	unsigned long clone_flags;
	int (*setup)(void);
	unsigned long ckpt_flags;
	int err;
	const char *log;
};

FIXTURE_VARIANT(ns_refuse) {
	struct ns_refusal refusal;
};

FIXTURE_VARIANT_ADD(ns_refuse, mount_ns) {
	.refusal = {
		.clone_flags = CT_FLAGS | CLONE_NEWNS,
		.err = EOPNOTSUPP,
		.log = "a mount namespace other than the caller's not supported",
	},
};

FIXTURE_VARIANT_ADD(ns_refuse, mount_ns_external) {
	.refusal = {
		.clone_flags = CT_FLAGS | CLONE_NEWNS,
		.ckpt_flags = CKPT_CHECKPOINT_NS_EXTERNAL,
		.err = EOPNOTSUPP,
		.log = "a mount namespace other than the caller's not supported",
	},
};

FIXTURE_VARIANT_ADD(ns_refuse, user_ns_mount_ns) {
	.refusal = {
		.clone_flags = CT_FLAGS | CLONE_NEWUSER | CLONE_NEWNS,
		.err = EOPNOTSUPP,
		.log = "a mount namespace other than the caller's not supported",
	},
};

FIXTURE_VARIANT_ADD(ns_refuse, lo_alias) {
	.refusal = {
		.clone_flags = CT_FLAGS,
		.setup = ct_lo_alias,
		.err = EOPNOTSUPP,
		.log = "network namespace: address 10.7.7.7/8 of lo not supported",
	},
};

/*
 * What an image cannot hold (yet) is refused with a log line naming
 * it; a mount namespace even with NS_EXTERNAL: the paths of the files
 * are those of another view
 */
TEST_F_TIMEOUT(ns_refuse, refusals, 120)
{
	const struct ns_refusal *v = &variant->refusal;
	int err;

	self->o.setup = v->setup;
	ct_spawn(_metadata, &self->r, &self->o, v->clone_flags);
	err = ct_checkpoint(&self->r, self->r.orig, v->ckpt_flags);
	EXPECT_EQ(v->err, err) {
		TH_LOG("checkpoint: %s; log:\n%s", strerror(err), self->r.log);
	}
	if (v->log)
		EXPECT_NE(NULL, strstr(self->r.log, v->log)) {
			TH_LOG("log:\n%s", self->r.log);
		}
	if (!err)
		EXPECT_EQ(0, ckpt_verify_buf(self->r.img, self->r.len,
					     self->r.log,
					     sizeof(self->r.log))) {
			TH_LOG("verify: %s", self->r.log);
		}
}

/*
 * Damage to the namespace records of an image, and what VERIFY says: the
 * __u32 at @off of the first record of @type set to @val, or with @len
 * the @len bytes there set to @val
 */
struct ns_damage {
	const char *what;
	uint32_t type;
	size_t off;
	size_t len;
	uint32_t val;
	const char *log;
};

#define NS_OFF(rec, field)	offsetof(struct ckpt_hdr_##rec, field)

static const struct ns_damage ns_damages[] = {
	{ "unknown kind of its own", CKPT_HDR_NS, NS_OFF(ns, new), 0,
	  CT_NS | 1U << 8, "bad kinds of own namespaces" },
	{ "user ns without its record", CKPT_HDR_NS, NS_OFF(ns, new), 0,
	  CT_NS | CKPT_NS_USER, "UTS_NS where USER_NS was expected" },
	{ "own and external", CKPT_HDR_NS, NS_OFF(ns, external), 0,
	  CKPT_NS_UTS, "bad kinds of external namespaces" },
	{ "unknown external", CKPT_HDR_NS, NS_OFF(ns, external), 0,
	  1U << 8, "bad kinds of external namespaces" },
	{ "nodename unterminated", CKPT_HDR_UTS_NS, NS_OFF(uts_ns, nodename),
	  CKPT_UTS_LEN, 'x', "nodename not NUL-terminated" },
	{ "domainname garbage", CKPT_HDR_UTS_NS,
	  NS_OFF(uts_ns, domainname) + 40, 1, 'x',
	  "domainname not NUL-terminated" },
	{ "uts padding", CKPT_HDR_UTS_NS, NS_OFF(uts_ns, __pad) + 5, 1, 1,
	  "UTS_NS" },
	{ "shm_rmid_forced 2", CKPT_HDR_IPC_NS,
	  NS_OFF(ipc_ns, shm_rmid_forced), 0, 2, "shmmni/shm_rmid_forced" },
	{ "msgmni 2^31", CKPT_HDR_IPC_NS, NS_OFF(ipc_ns, msg_ctlmni), 0,
	  1U << 31, "msgmax/msgmnb/msgmni" },
	{ "semmni ~0", CKPT_HDR_IPC_NS, NS_OFF(ipc_ns, sem_ctls[3]), 0, ~0U,
	  "bad sem" },
	{ "too many queues", CKPT_HDR_IPC_NS, NS_OFF(ipc_ns, nr_msq), 0,
	  CKPT_IPC_OBJS_MAX + 1, "bad object counts" },
	{ "lo MTU 10", CKPT_HDR_NET_NS, NS_OFF(net_ns, lo_mtu), 0, 10,
	  "bad loopback MTU 10" },
	{ "lo MTU too big", CKPT_HDR_NET_NS, NS_OFF(net_ns, lo_mtu), 0,
	  CKPT_LO_MTU_MAX + 1, "bad loopback MTU" },
	{ "net flags", CKPT_HDR_NET_NS, NS_OFF(net_ns, flags), 0, 2,
	  "bad flags 0x2" },
	{ "empty segment", CKPT_HDR_SHM, NS_OFF(shm, segsz), 8, 0,
	  "SHM record: bad segsz 0" },
	{ "segment mode", CKPT_HDR_SHM, NS_OFF(shm, perm.mode), 0, 04777,
	  "bad mode" },
	{ "key of a removed segment", CKPT_HDR_SHM, NS_OFF(shm, perm.mode), 0,
	  CKPT_SHM_DEST | 0600, "of a removed segment" },
	{ "queue of 2^32 bytes", CKPT_HDR_MSQ, NS_OFF(msq, qbytes) + 4, 0, 1,
	  "MSQ record: bad qbytes" },
	{ "message of 16 MiB", CKPT_HDR_MSG, NS_OFF(msg, len), 0, 1U << 24,
	  "MSG record: bad type or length" },
	{ "message type 0", CKPT_HDR_MSG, NS_OFF(msg, mtype), 8, 0,
	  "MSG record: bad type or length" },
	{ "semaphore 40000", CKPT_HDR_SEM, sizeof(struct ckpt_hdr_sem), 0,
	  40000, "SEM record: bad semaphore" },
	{ "set of 0 semaphores", CKPT_HDR_SEM, NS_OFF(sem, nsems), 0, 0,
	  "SEM record: bad nsems 0" },
	{ "adjustment -32768", CKPT_HDR_SEM_ADJ, sizeof(struct ckpt_hdr_sem_adj),
	  0, 0x80008000U, "SEM_ADJ record: bad adjustment" },
	{ "adjustment to no set", CKPT_HDR_SEM_ADJ, NS_OFF(sem_adj, semid), 0,
	  12345, "SEM_ADJ record: bad set" },
};

/* The image with record @type damaged; NULL if it has none */
static void *damaged(const struct rst *r, const struct ns_damage *d)
{
	struct ckpt_image img;
	void *copy;
	size_t off;

	copy = malloc(r->len);
	if (!copy)
		return NULL;
	memcpy(copy, r->img, r->len);
	if (ckpt_parse(&img, copy, r->len)) {
		free(copy);
		return NULL;
	}
	off = (const unsigned char *)ckpt_find(&img, d->type, 0) -
	      (const unsigned char *)copy;
	ckpt_image_free(&img);
	off += d->off;
	if (d->len)
		memset((unsigned char *)copy + off, d->val, d->len);
	else
		memcpy((unsigned char *)copy + off, &d->val, sizeof(d->val));
	ckpt_fix_tail(copy, r->len, -1);
	return copy;
}

/* Rewrite the NS record of a plain image to claim @kinds of its own */
static void *claim_ns(const struct rst *r, uint32_t kinds)
{
	struct ckpt_image img;
	struct ckpt_hdr_ns *ns;
	void *copy = malloc(r->len);

	if (!copy)
		return NULL;
	memcpy(copy, r->img, r->len);
	if (ckpt_parse(&img, copy, r->len)) {
		free(copy);
		return NULL;
	}
	ns = (void *)img.ns;
	ns->new = kinds;
	ckpt_image_free(&img);
	ckpt_fix_tail(copy, r->len, -1);
	return copy;
}

FIXTURE(ns_bad) {
	struct rst r;
};

FIXTURE_SETUP(ns_bad)
{
	static struct ct_opts o;

	ct_fixture_setup(_metadata, &self->r, &o);
}

FIXTURE_TEARDOWN(ns_bad)
{
	rst_cleanup(&self->r);
}

/*
 * Every damage to a container's image (with SysV objects) is rejected
 * by VERIFY and by restart() with EINVAL and a log line naming it,
 * leaving no process;
 * a plain image claiming namespaces whose records it lacks, or a pid
 * namespace with a root other than pid 1, too
 */
TEST_F_TIMEOUT(ns_bad, records, 300)
{
	static struct ct_opts o = { .sysv = true };
	char log[LOG_SIZE];
	unsigned int i;
	void *bad;
	pid_t pid;
	int err;

	ct_spawn(_metadata, &self->r, &o, CT_FLAGS);
	ASSERT_EQ(0, ct_checkpoint(&self->r, self->r.orig, 0)) {
		TH_LOG("log:\n%s", self->r.log);
	}
	for (i = 0; i < ARRAY_SIZE(ns_damages); i++) {
		const struct ns_damage *d = &ns_damages[i];

		bad = damaged(&self->r, d);
		ASSERT_NE(NULL, bad);
		err = ckpt_verify_buf(bad, self->r.len, log, sizeof(log));
		EXPECT_EQ(EINVAL, err) {
			TH_LOG("%s: verify gives %d; log:\n%s", d->what, err,
			       log);
		}
		EXPECT_NE(NULL, strstr(log, d->log)) {
			TH_LOG("%s: log lacks '%s':\n%s", d->what, d->log,
			       log);
		}
		pid = restart_img(bad, self->r.len, 0, log, sizeof(log));
		EXPECT_EQ(-EINVAL, pid) {
			TH_LOG("%s: restart gives %d", d->what, pid);
		}
		if (pid > 0)
			target_kill(pid);
		free(bad);
	}
	/* A plain image, with pids of our namespace */
	target_kill(self->r.orig);
	self->r.orig = target_spawn(target_stop_fn, NULL);
	ASSERT_LT(0, self->r.orig);
	ASSERT_EQ(0, ct_checkpoint(&self->r, self->r.orig, 0));
	bad = claim_ns(&self->r, CKPT_NS_PID);
	ASSERT_NE(NULL, bad);
	EXPECT_EQ(EINVAL, ckpt_verify_buf(bad, self->r.len, log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, "the root of its own pid namespace is pid")) {
		TH_LOG("log:\n%s", log);
	}
	free(bad);
	bad = claim_ns(&self->r, CKPT_NS_UTS);
	ASSERT_NE(NULL, bad);
	EXPECT_EQ(EINVAL, ckpt_verify_buf(bad, self->r.len, log, sizeof(log)));
	EXPECT_NE(NULL, strstr(log, "UTS_NS")) {
		TH_LOG("log:\n%s", log);
	}
	free(bad);
}

CKPT_NO_SPLAT_TEST()

TEST_HARNESS_MAIN
