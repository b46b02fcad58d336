// SPDX-License-Identifier: GPL-2.0
/*
 * A mutation fuzzer for restart(): images of a few seed processes are
 * damaged with structured mutations (bit flips, truncation at record
 * boundaries, fields set to 0, 1, huge or negative values, object ids
 * forward, backward or nowhere, user and kernel addresses, record
 * lengths, records duplicated, dropped or swapped), most with their
 * CRC32C and record count made right again so that the parser, not the
 * checksum, is tested.  Each mutant is fed to restart() with
 * CKPT_RESTART_VERIFY and in full, as root or as uid 65534, by one of a
 * few persistent worker processes, replaced if it dies and killed if it
 * takes too long.  A kernel splat, a hang, or a restarted
 * process with more privilege than its restarter fails the run; the
 * image that caused it is printed (base64, between CKPT-FUZZ-IMAGE
 * markers) for the host to save under build/fuzz/.
 *
 * Knobs (environment): CKPT_FUZZ_IMAGES (default 3000), CKPT_FUZZ_SECS
 * (default 450), CKPT_FUZZ_SEED (default 1: the same mutants each run),
 * CKPT_FUZZ_WORKERS (mutants run at once; default one per CPU).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"
#include "ckpt_harness.h"

#define FUZZ_NOBODY		65534
#define FUZZ_RUN_SECS		20	/* one mutant, VERIFY and restart */
#define FUZZ_REAP_SECS		10	/* to die once killed */
#define FUZZ_SEEDS		4
/* The container seed, made differently: see seed_container() */
#define FUZZ_SEED_CT		3
#define FUZZ_ERRNOS		256
#define FUZZ_MAX_WORKERS	8
#define FUZZ_PROGRESS		5000	/* images between progress lines */

/* ---- seeds: processes of uid 65534 with some of everything ---- */

static void fuzz_handler(int sig)
{
	(void)sig;
}

/* Memory, a pipe with data, an eventfd, handlers, timers, a signal */
static int seed_simple_fn(void *arg)
{
	struct itimerval it = { { 5, 0 }, { 100, 0 } };
	struct sigaction sa = { .sa_handler = fuzz_handler };
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL,
				.sigev_signo = SIGUSR2 };
	struct itimerspec its = { { 1, 0 }, { 60, 0 } };
	int p[2], efd, id;
	sigset_t set;
	char *m;

	(void)arg;
	if (become_nobody())
		return 10;
	m = mmap(NULL, 4 * PS, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || pipe(p) || write(p[1], "fuzz", 4) != 4)
		return 11;
	fill_pattern(m, 4 * PS, 7);
	efd = eventfd(3, EFD_CLOEXEC);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (efd < 0 || sigaction(SIGUSR1, &sa, NULL) ||
	    sigaction(SIGUSR2, &sa, NULL) ||
	    sigprocmask(SIG_BLOCK, &set, NULL) || raise(SIGUSR1) ||
	    setitimer(ITIMER_REAL, &it, NULL) ||
	    syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) ||
	    syscall(SYS_timer_settime, id, 0, &its, NULL))
		return 12;
	raise(SIGSTOP);
	return 0;
}

/* A process with a thread and a stopped child */
static int seed_tree_fn(void *arg)
{
	pthread_t t;
	pid_t child;
	int st;

	(void)arg;
	if (become_nobody())
		return 10;
	child = fork();
	if (child < 0)
		return 11;
	if (!child) {
		raise(SIGSTOP);
		_exit(0);
	}
	if (waitpid(child, &st, WUNTRACED) != child || !WIFSTOPPED(st) ||
	    pthread_create(&t, NULL, pause_thread, NULL))
		return 12;
	usleep(10000);
	raise(SIGSTOP);
	return 0;
}

/* The bare minimum: a stopped process */
static int seed_small_fn(void *arg)
{
	(void)arg;
	if (become_nobody())
		return 10;
	raise(SIGSTOP);
	return 0;
}

#define CT_READY	"ckpt-ct-ready"

/*
 * The init of a container with user, pid, uts, ipc and network
 * namespaces of its own (root mapped to root by its parent: the workers
 * of uid 65534 may not restart it), with a
 * segment, a queue of two messages and a set with a SEM_UNDO
 * adjustment; it names itself CT_READY once ready
 */
static int seed_container_fn(void *arg)
{
	struct sembuf op = { .sem_num = 0, .sem_op = 2, .sem_flg = SEM_UNDO };
	struct { long type; char text[8]; } m = { 1, "fuzz" };
	int i, shm, msq, sem;
	char *p;

	(void)arg;
	/* Its parent writes its uid map, then its gid map */
	for (i = 0; (getuid() || getgid()) && i < 10000; i++)
		usleep(1000);
	if (getuid() || getgid())
		return 9;
	if (sethostname("fuzz-ct", 7))
		return 10;
	shm = shmget(IPC_PRIVATE, 3 * PS, IPC_CREAT | 0600);
	p = shm < 0 ? MAP_FAILED : shmat(shm, NULL, 0);
	msq = msgget(0x42, IPC_CREAT | 0600);
	sem = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	if (p == MAP_FAILED || msq < 0 || sem < 0)
		return 11;
	if (msgsnd(msq, &m, 5, 0) || msgsnd(msq, &m, 3, 0))
		return 12;
	if (semop(sem, &op, 1))
		return 13;
	fill_pattern(p, PS, 9);
	prctl(PR_SET_NAME, CT_READY, 0, 0, 0);
	for (;;)
		pause();
}

/* Start the container seed as root, stopped: its init's pid, or -1 */
static pid_t seed_container(void)
{
	char path[64], comm[32];
	int fd, i, st;
	pid_t pid;
	ssize_t n;

	pid = target_spawn_ns(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWUTS |
			      CLONE_NEWIPC | CLONE_NEWNET, seed_container_fn,
			      NULL);
	if (pid < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (write_str(path, "deny"))
		goto fail;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	if (write_str(path, "0 0 1"))
		goto fail;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	if (write_str(path, "0 0 1"))
		goto fail;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (i = 0; i < 60 * 100; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, comm, sizeof(comm) - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0 && !strncmp(comm, CT_READY, strlen(CT_READY)))
			break;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			target_setup_status = st;
			return -1;
		}
		usleep(10000);
	}
	/* An init stops on a SIGSTOP from its parent's namespace */
	if (kill(pid, SIGSTOP) || waitpid(pid, &st, WUNTRACED) != pid ||
	    !WIFSTOPPED(st))
		goto fail;
	return pid;
fail:
	target_kill(pid);
	return -1;
}

static const target_fn seed_fns[FUZZ_SEEDS] = {
	seed_simple_fn, seed_tree_fn, seed_small_fn, NULL,
};

/* ---- random numbers: xorshift64*, fixed by the seed ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---- mutations ---- */

struct mutant {
	unsigned char *buf;
	size_t len;
	size_t cap;
	size_t off[8192];	/* record offsets, TAIL included */
	unsigned int nr;
	unsigned int nr_objs;
	char what[160];
};

/* Find the record boundaries by the lengths (the image is sane here) */
static void index_records(struct mutant *m)
{
	size_t pos = 0;

	m->nr = 0;
	while (pos + sizeof(struct ckpt_hdr) <= m->len &&
	       m->nr < ARRAY_SIZE(m->off)) {
		const struct ckpt_hdr *h = (const void *)(m->buf + pos);

		if (h->len < sizeof(*h) || h->len > m->len - pos)
			break;
		m->off[m->nr++] = pos;
		pos += h->len;
	}
}

/* Length of record @i, as far as the buffer goes */
static size_t rec_len(const struct mutant *m, unsigned int i)
{
	size_t len = ((const struct ckpt_hdr *)(m->buf + m->off[i]))->len;

	return len < m->len - m->off[i] ? len : m->len - m->off[i];
}

/* An interesting 32-bit value */
static uint32_t value32(const struct mutant *m, uint32_t old)
{
	static const uint32_t pool[] = {
		0, 1, 2, 3, 7, 8, 63, 64, 65, 255, 4096, 65536, 0x7fffffff,
		0x80000000, 0xfffffffe, 0xffffffff, 1U << 20, 4097,
	};

	switch (rnd_below(5)) {
	case 0:
		return pool[rnd_below(ARRAY_SIZE(pool))];
	case 1:		/* an object id: backward, forward, nowhere */
		return rnd_below(m->nr_objs + 3);
	case 2:
		return old + (rnd_below(2) ? 1 : -1);
	case 3:
		return old ^ (1U << rnd_below(32));
	}
	return (uint32_t)rnd();
}

/* An interesting 64-bit value: addresses, sizes, times */
static uint64_t value64(uint64_t old)
{
	static const uint64_t pool[] = {
		0, 1, ~0ULL, 1ULL << 63, 0x7fffffffffffULL, 0x800000000000ULL,
		0xffff800000000000ULL, 0xffffffff81000000ULL, 4096,
		0x7ffffffff000ULL, 1ULL << 32, 0x7fffffffffffffffULL,
	};

	switch (rnd_below(4)) {
	case 0:
		return pool[rnd_below(ARRAY_SIZE(pool))];
	case 1:
		return old + (rnd_below(2) ? 4096 : -4096);
	case 2:
		return old ^ (1ULL << rnd_below(64));
	}
	return rnd();
}

/* Apply one mutation to an indexed mutant; false if none applied */
static bool mutate_once(struct mutant *m)
{
	unsigned int i = m->nr > 1 ? rnd_below(m->nr - 1) : 0; /* not TAIL */
	size_t off = m->off[i], len, n;
	unsigned char *r = m->buf + off;
	struct ckpt_hdr *h = (void *)r;

	if (m->nr < 2) {
		if (!m->len)
			return true;
		n = rnd_below(m->len);
		m->buf[n] ^= 1U << rnd_below(8);
		snprintf(m->what, sizeof(m->what), "bit flip at %zu", n);
		return true;
	}
	len = rec_len(m, i);
	switch (rnd_below(10)) {
	case 0:		/* a bit anywhere */
		n = rnd_below(m->len);
		m->buf[n] ^= 1U << rnd_below(8);
		snprintf(m->what, sizeof(m->what), "bit flip at %zu", n);
		return true;
	case 1:		/* truncate at a record boundary */
		m->len = m->off[1 + rnd_below(m->nr - 1)];
		snprintf(m->what, sizeof(m->what), "truncated to %zu", m->len);
		return true;
	case 2:		/* the length of a record */
		h->len = value32(m, h->len);
		snprintf(m->what, sizeof(m->what), "record %u: len %u", i,
			 h->len);
		return true;
	case 3:		/* the type of a record */
		h->type = value32(m, h->type);
		snprintf(m->what, sizeof(m->what), "record %u: type %u", i,
			 h->type);
		return true;
	case 4:
	case 5:
	case 6:		/* a 32-bit field of the payload */
		if (len < sizeof(*h) + 4)
			return false;
		n = sizeof(*h) + 4 * rnd_below((len - sizeof(*h)) / 4);
		*(uint32_t *)(r + n) = value32(m, *(uint32_t *)(r + n));
		snprintf(m->what, sizeof(m->what), "record %u (%s) +%zu: %#x",
			 i, ckpt_rec_name(h->type), n, *(uint32_t *)(r + n));
		return true;
	case 7:		/* a 64-bit field */
		if (len < sizeof(*h) + 8)
			return false;
		n = sizeof(*h) + 8 * rnd_below((len - sizeof(*h)) / 8);
		*(uint64_t *)(r + n) = value64(*(uint64_t *)(r + n));
		snprintf(m->what, sizeof(m->what),
			 "record %u (%s) +%zu: %#llx", i,
			 ckpt_rec_name(h->type), n,
			 (unsigned long long)*(uint64_t *)(r + n));
		return true;
	case 8:		/* duplicate or drop a record */
		if (i == 0)
			return false;
		if (rnd_below(2)) {
			if (m->len + len > m->cap)
				return false;
			memmove(r + len, r, m->len - off);
			m->len += len;
			snprintf(m->what, sizeof(m->what),
				 "record %u (%s) twice", i,
				 ckpt_rec_name(h->type));
		} else {
			snprintf(m->what, sizeof(m->what),
				 "record %u (%s) dropped", i,
				 ckpt_rec_name(h->type));
			memmove(r, r + len, m->len - off - len);
			m->len -= len;
		}
		return true;
	default: {	/* swap a record and the next one */
		size_t len2;
		unsigned char *tmp;

		if (i == 0 || i + 2 >= m->nr)
			return false;
		len2 = rec_len(m, i + 1);
		tmp = malloc(len);
		if (!tmp)
			return false;
		memcpy(tmp, r, len);
		memmove(r, r + len, len2);
		memcpy(r + len2, tmp, len);
		free(tmp);
		snprintf(m->what, sizeof(m->what), "records %u and %u swapped",
			 i, i + 1);
		return true;
	}
	}
}

/* One to three mutations, then usually a right CRC and record count */
static void mutate(struct mutant *m, const void *seed, size_t len,
		   unsigned int nr_objs)
{
	unsigned int k, n = 1 + rnd_below(3);

	memcpy(m->buf, seed, len);
	m->len = len;
	m->nr_objs = nr_objs;
	for (k = 0; k < n; k++) {
		index_records(m);
		while (!mutate_once(m))
			;
	}
	if (rnd_below(10) && m->len >= sizeof(struct ckpt_hdr_tail)) {
		index_records(m);
		ckpt_fix_tail(m->buf, m->len, rnd_below(2) ? (int)m->nr - 1 : -1);
	}
}

/* ---- running a mutant ---- */

/* What a runner reports through its pipe */
struct outcome {
	int verify;		/* errno of VERIFY, 0 if it passed */
	int restart;		/* errno of restart(), 0 if it made a process */
	char priv[160];		/* a restarted process above its restarter */
	double secs_verify;	/* time in VERIFY */
	double secs_restart;	/* time in restart() */
};

/* Read "Field:\tv1\tv2..." of /proc/PID/status */
static bool status_field(pid_t pid, const char *field, char *out, size_t size)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':') {
			snprintf(out, size, "%s", line + flen + 1);
			found = true;
			break;
		}
	fclose(f);
	return found;
}

/*
 * A process restarted by uid 65534 must be all 65534 with no
 * capability; report what is not (it may already have exited)
 */
static void check_privilege(pid_t pid, struct outcome *o)
{
	static const char * const caps[] = { "CapEff", "CapPrm", "CapAmb" };
	unsigned int a, b, c, d, i;
	unsigned long long v;
	char val[128];

	if (status_field(pid, "Uid", val, sizeof(val)) &&
	    sscanf(val, "%u %u %u %u", &a, &b, &c, &d) == 4 &&
	    (a != FUZZ_NOBODY || b != FUZZ_NOBODY || c != FUZZ_NOBODY ||
	     d != FUZZ_NOBODY))
		snprintf(o->priv, sizeof(o->priv), "Uid %u %u %u %u",
			 a, b, c, d);
	if (status_field(pid, "Gid", val, sizeof(val)) &&
	    sscanf(val, "%u %u %u %u", &a, &b, &c, &d) == 4 &&
	    (a != FUZZ_NOBODY || b != FUZZ_NOBODY || c != FUZZ_NOBODY ||
	     d != FUZZ_NOBODY))
		snprintf(o->priv, sizeof(o->priv), "Gid %u %u %u %u",
			 a, b, c, d);
	for (i = 0; i < ARRAY_SIZE(caps); i++)
		if (status_field(pid, caps[i], val, sizeof(val)) &&
		    sscanf(val, "%llx", &v) == 1 && v)
			snprintf(o->priv, sizeof(o->priv), "%s %#llx", caps[i],
				 v);
}

/*
 * A worker: a persistent child, as root or as uid 65534, that runs
 * the mutants it is handed.  The image is in memory shared with the
 * parent; the parent writes its length to the request pipe, the worker
 * answers with a struct outcome.  Every catchable signal is ignored, for
 * a restarted process may send any (its exit signal, kill()...) to its
 * parent; a worker killed anyway is replaced.
 */
struct worker {
	pid_t pid;
	int pidfd;
	int req;		/* parent -> worker: size_t length */
	int resp;		/* worker -> parent: struct outcome */
	bool nobody;
	bool busy;
	double started;
	unsigned int seed;	/* of the mutant in flight */
	struct mutant *m;	/* buf is the shared image */
};

static void worker_run(const struct mutant *m, size_t len, bool nobody,
		       struct outcome *o)
{
	pid_t pid;
	double t;

	memset(o, 0, sizeof(*o));
	t = now_mono();
	o->verify = ckpt_verify_buf(m->buf, len, NULL, 0);
	o->secs_verify = now_mono() - t;
	t = now_mono();
	pid = restart_img(m->buf, len, 0, NULL, 0);
	o->secs_restart = now_mono() - t;
	o->restart = pid > 0 ? 0 : -pid;
	if (pid > 0 && nobody)
		check_privilege(pid, o);
}

static void worker_main(struct worker *w)
{
	struct outcome o;
	size_t len;
	int sig;

	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGCHLD)
			signal(sig, SIG_IGN);
	if (w->nobody && become_nobody())
		_exit(90);
	/* A length of 0 ends it: other workers hold copies of the pipe */
	while (read(w->req, &len, sizeof(len)) == sizeof(len) && len) {
		if (len > w->m->cap)
			_exit(92);
		worker_run(w->m, len, w->nobody, &o);
		/* Before what it restarted can stop or kill it */
		if (write(w->resp, &o, sizeof(o)) != sizeof(o))
			_exit(91);
		reap_descendants();
	}
	_exit(0);
}

static int worker_start(struct worker *w)
{
	int req[2], resp[2];

	if (pipe2(req, O_CLOEXEC))
		return -1;
	if (pipe2(resp, O_CLOEXEC)) {
		close(req[0]);
		close(req[1]);
		return -1;
	}
	w->pid = fork();
	if (!w->pid) {
		close(req[1]);
		close(resp[0]);
		w->req = req[0];
		w->resp = resp[1];
		setpgid(0, 0);
		worker_main(w);
	}
	close(req[0]);
	close(resp[1]);
	w->req = req[1];
	w->resp = resp[0];
	w->busy = false;
	fcntl(w->resp, F_SETFL, O_NONBLOCK);
	w->pidfd = w->pid > 0 ? syscall(SYS_pidfd_open, w->pid, 0) : -1;
	if (w->pidfd < 0) {
		if (w->pid > 0) {
			kill(w->pid, SIGKILL);
			waitpid(w->pid, NULL, 0);
		}
		close(w->req);
		close(w->resp);
		return -1;
	}
	return 0;
}

/*
 * End a worker (and what it restarted).  Returns false if even SIGKILL
 * does not end it within FUZZ_REAP_SECS: a hang in the kernel.
 */
static bool worker_stop(struct worker *w, bool force)
{
	struct pollfd pfd = { .fd = w->pidfd, .events = POLLIN };
	size_t zero = 0;
	bool ended = true;

	if (!force && write(w->req, &zero, sizeof(zero)) != sizeof(zero))
		force = true;
	close(w->req);
	close(w->resp);
	if (force) {
		kill(-w->pid, SIGKILL);
		kill(w->pid, SIGKILL);
	}
	if (poll(&pfd, 1, FUZZ_REAP_SECS * 1000) != 1) {
		kill(-w->pid, SIGKILL);
		kill(w->pid, SIGKILL);
		ended = poll(&pfd, 1, FUZZ_REAP_SECS * 1000) == 1;
	}
	close(w->pidfd);
	w->pidfd = -1;
	if (ended)
		waitpid(w->pid, NULL, 0);
	return ended;
}

/*
 * RUN_KILLED: the worker died (or was stopped) before it could report,
 * of a signal the restarted process sent it: not a failure
 */
enum verdict { RUN_OK, RUN_HANG, RUN_RUNNER, RUN_PRIV, RUN_KILLED };

/*
 * Collect the answer of busy worker @w, which answered, died or is past
 * its time (@late); replaces it if it did not answer.  A late worker
 * that is only stopped (a restarted process may SIGSTOP its parent)
 * counts as killed; else it hangs.
 */
static enum verdict worker_collect(struct worker *w, bool late,
				   struct outcome *o)
{
	bool stopped;
	ssize_t n;

	w->busy = false;
	n = read(w->resp, o, sizeof(*o));
	if (n == sizeof(*o))
		return o->priv[0] ? RUN_PRIV : RUN_OK;
	stopped = proc_state(w->pid) == 'T';
	if (!worker_stop(w, true) || (late && !stopped))
		return RUN_HANG;
	if (worker_start(w))
		return RUN_RUNNER;
	return RUN_KILLED;
}

/* Print @m as base64 between markers, for the host to save */
static void dump_image(const struct mutant *m, const char *name)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[77];
	size_t i, k = 0;

	printf("CKPT-FUZZ-IMAGE-BEGIN %s\n", name);
	for (i = 0; i < m->len; i += 3) {
		uint32_t v = m->buf[i] << 16;
		size_t left = m->len - i;

		if (left > 1)
			v |= m->buf[i + 1] << 8;
		if (left > 2)
			v |= m->buf[i + 2];
		line[k++] = b64[v >> 18 & 63];
		line[k++] = b64[v >> 12 & 63];
		line[k++] = left > 1 ? b64[v >> 6 & 63] : '=';
		line[k++] = left > 2 ? b64[v & 63] : '=';
		if (k == 76 || i + 3 >= m->len) {
			line[k] = '\0';
			printf("%s\n", line);
			k = 0;
		}
	}
	printf("CKPT-FUZZ-IMAGE-END %s\n", name);
	fflush(stdout);
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

/* ---- the run ---- */

struct seed_image {
	void *buf;
	size_t len;
	unsigned int nr_objs;
};

FIXTURE(fuzz) {
	struct seed_image seeds[FUZZ_SEEDS];
	int kmsg;
};

FIXTURE_SETUP(fuzz)
{
	struct ckpt_image img;
	unsigned int i;
	pid_t pid;
	int err;

	self->kmsg = kmsg_open();
	/* A new network namespace with its loopback only */
	write_str("/proc/sys/net/core/fb_tunnels_only_for_init_net", "1");
	for (i = 0; i < FUZZ_SEEDS; i++) {
		pid = i == FUZZ_SEED_CT ? seed_container() :
		      target_spawn(seed_fns[i], NULL);
		ASSERT_GT(pid, 0) {
			TH_LOG("seed %u: setup status %#x", i,
			       target_setup_status);
		}
		err = ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1,
				   &self->seeds[i].buf, &self->seeds[i].len);
		target_kill(pid);
		ASSERT_EQ(0, err) {
			TH_LOG("seed %u: checkpoint: %s", i, strerror(err));
		}
		ASSERT_EQ(0, ckpt_parse(&img, self->seeds[i].buf,
					self->seeds[i].len)) {
			TH_LOG("seed %u: %s", i, img.err);
		}
		self->seeds[i].nr_objs = img.nr_objs;
		ckpt_image_free(&img);
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	unsigned int i;

	for (i = 0; i < FUZZ_SEEDS; i++)
		free(self->seeds[i].buf);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

static void print_errnos(const char *what, const unsigned long *counts)
{
	char line[1024];
	size_t k = 0;
	int e;

	for (e = 0; e < FUZZ_ERRNOS; e++)
		if (counts[e] && k < sizeof(line) - 32)
			k += snprintf(line + k, sizeof(line) - k, " %s:%lu",
				      e ? strerrorname_np(e) ?: "?" : "0",
				      counts[e]);
	line[k] = '\0';
	ksft_print_msg("%s:%s\n", what, line);
}

struct fuzz_stats {
	unsigned long verify_errs[FUZZ_ERRNOS];
	unsigned long restart_errs[FUZZ_ERRNOS];
	unsigned long tried, nobody_runs, made, killed, crashes;
	double secs_verify, secs_restart;
};

/* Account the verdict of worker @w; false if the run must stop */
static bool fuzz_account(struct fuzz_stats *st, struct worker *ws,
			 unsigned int nr, struct worker *w, enum verdict v,
			 const struct outcome *o, int kmsg)
{
	char line[1024], name[80];
	unsigned int k;

	st->tried++;
	st->nobody_runs += w->nobody;
	if (v == RUN_OK) {
		st->verify_errs[o->verify < FUZZ_ERRNOS ? o->verify : 0]++;
		st->restart_errs[o->restart < FUZZ_ERRNOS ? o->restart : 0]++;
		st->made += !o->restart;
		st->secs_verify += o->secs_verify;
		st->secs_restart += o->secs_restart;
	}
	st->killed += v == RUN_KILLED;
	if ((v == RUN_OK || v == RUN_KILLED) &&
	    !kmsg_splat(kmsg, line, sizeof(line)))
		return true;
	st->crashes++;
	snprintf(name, sizeof(name), "fuzz-%llu-%lu.img",
		 (unsigned long long)env_ul("CKPT_FUZZ_SEED", 1), st->tried);
	ksft_print_msg("image %lu (seed %u, %s, as %s): %s\n", st->tried,
		       w->seed, w->m->what, w->nobody ? "uid 65534" : "root",
		       v == RUN_HANG ? "hang" : v == RUN_RUNNER ?
		       "worker failed" : v == RUN_PRIV ? o->priv : line);
	dump_image(w->m, name);
	/* A splat may come of a mutant still in flight: save those too */
	for (k = 0; k < nr; k++) {
		if (!ws[k].busy || &ws[k] == w)
			continue;
		snprintf(name, sizeof(name), "fuzz-%llu-%lu-inflight%u.img",
			 (unsigned long long)env_ul("CKPT_FUZZ_SEED", 1),
			 st->tried, k);
		dump_image(ws[k].m, name);
	}
	return v != RUN_HANG && v != RUN_RUNNER;
}

/* A line now and then in a long run */
static void fuzz_progress(const struct fuzz_stats *st, double t0)
{
	ksft_print_msg("fuzz: %lu images in %.0f s, %lu restarted, %lu crashes\n",
		       st->tried, now_mono() - t0, st->made, st->crashes);
}

/*
 * Mutants are run by CKPT_FUZZ_WORKERS (default: one per CPU) at once,
 * each by an idle worker of the identity drawn for it; there are that
 * many workers of each identity.
 */
TEST_F_TIMEOUT(fuzz, mutants, 7200)
{
	unsigned long images = env_ul("CKPT_FUZZ_IMAGES", 3000);
	unsigned long secs = env_ul("CKPT_FUZZ_SECS", 450);
	unsigned long par = env_ul("CKPT_FUZZ_WORKERS",
				   sysconf(_SC_NPROCESSORS_ONLN));
	struct pollfd pfd[2 * 2 * FUZZ_MAX_WORKERS];
	struct worker ws[2 * FUZZ_MAX_WORKERS] = {};
	static struct fuzz_stats st;
	unsigned long sent = 0;
	unsigned int i, k, nr, busy = 0;
	double t0 = now_mono();
	bool go = true, ready, late;
	struct outcome o;
	size_t cap = 0;
	enum verdict v;
	bool nobody;

	signal(SIGPIPE, SIG_IGN);	/* a worker may die under a write */
	par = par < 1 ? 1 : par > FUZZ_MAX_WORKERS ? FUZZ_MAX_WORKERS : par;
	nr = 2 * par;
	rng = env_ul("CKPT_FUZZ_SEED", 1) | 1;
	ksft_print_msg("fuzz: seed %llu, up to %lu images in %lu s, %lu at once\n",
		       (unsigned long long)rng, images, secs, par);
	for (i = 0; i < FUZZ_SEEDS; i++)
		if (self->seeds[i].len > cap)
			cap = self->seeds[i].len;
	for (k = 0; k < nr; k++) {
		ws[k].nobody = k & 1;
		ws[k].m = calloc(1, sizeof(*ws[k].m));
		ASSERT_NE(NULL, ws[k].m);
		ws[k].m->cap = cap * 2 + 4096;
		ws[k].m->buf = mmap(NULL, ws[k].m->cap, PROT_READ | PROT_WRITE,
				    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, ws[k].m->buf);
		ASSERT_EQ(0, worker_start(&ws[k]));
	}

	while (go && (busy || (sent < images && now_mono() - t0 < secs))) {
		/* Hand out mutants while fewer than @par are running */
		while (busy < par && sent < images && now_mono() - t0 < secs) {
			nobody = rnd_below(2);
			for (k = nobody; k < nr && ws[k].busy; k += 2)
				;
			i = rnd_below(FUZZ_SEEDS);
			mutate(ws[k].m, self->seeds[i].buf, self->seeds[i].len,
			       self->seeds[i].nr_objs);
			ws[k].seed = i;
			ws[k].started = now_mono();
			ws[k].busy = true;
			busy++;
			sent++;
			if (write(ws[k].req, &ws[k].m->len, sizeof(size_t)) !=
			    sizeof(size_t))
				break;	/* it died: collected below */
		}
		for (k = 0; k < nr; k++) {
			pfd[2 * k].fd = ws[k].busy ? ws[k].resp : -1;
			pfd[2 * k].events = POLLIN;
			pfd[2 * k + 1].fd = ws[k].busy ? ws[k].pidfd : -1;
			pfd[2 * k + 1].events = POLLIN;
		}
		if (poll(pfd, 2 * nr, 1000) < 0 && errno != EINTR)
			break;
		for (k = 0; k < nr && go; k++) {
			if (!ws[k].busy)
				continue;
			ready = pfd[2 * k].revents || pfd[2 * k + 1].revents;
			late = now_mono() - ws[k].started > FUZZ_RUN_SECS;
			if (!ready && !late)
				continue;
			v = worker_collect(&ws[k], !ready, &o);
			busy--;
			go = fuzz_account(&st, ws, nr, &ws[k], v, &o,
					  self->kmsg);
			if (!(st.tried % FUZZ_PROGRESS))
				fuzz_progress(&st, t0);
		}
	}
	for (k = 0; k < nr; k++) {
		if (ws[k].pidfd >= 0)
			worker_stop(&ws[k], ws[k].busy);
		munmap(ws[k].m->buf, ws[k].m->cap);
		free(ws[k].m);
	}
	ksft_print_msg("fuzz: %lu images tried (%lu as uid 65534) in %.0f s\n",
		       st.tried, st.nobody_runs, now_mono() - t0);
	ksft_print_msg("fuzz: %lu restarted a process, %lu workers killed by it, %lu crashes\n",
		       st.made, st.killed, st.crashes);
	ksft_print_msg("fuzz: %.1f s in VERIFY, %.1f s in restart()\n",
		       st.secs_verify, st.secs_restart);
	print_errnos("fuzz: VERIFY errnos", st.verify_errs);
	print_errnos("fuzz: restart errnos", st.restart_errs);
	EXPECT_EQ(0, st.crashes);
	EXPECT_LT(0, st.tried);
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
