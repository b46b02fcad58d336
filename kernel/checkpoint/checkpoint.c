// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart: the checkpoint driver.
 *
 * Collects the tree of tasks below the given one, checks that each can
 * be checkpointed (stopped or a zombie, ours to ptrace, no state we
 * cannot save), then writes the header, for each task in depth-first
 * order its CLONE record, the objects it is the first to refer to, its
 * TASK record and CPU state, and the tail.
 */

#include <linux/checkpoint.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/fs_struct.h>
#include <linux/ktime.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/posix-timers.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seccomp.h>
#include <linux/utsname.h>

#include "checkpoint.h"

/* States a task may sleep in while it is checkpointed */
#define CKPT_TASK_SLEEP	(__TASK_STOPPED | __TASK_TRACED | TASK_INTERRUPTIBLE)

/*
 * The task must sit in a group stop, a ptrace stop, or the cgroup v2
 * freezer's trap: all three park it in get_signal(), at a clean point
 * on its way back to user space, where its whole state is in memory.
 */
static int ckpt_check_stopped(struct ckpt_ctx *ctx, struct task_struct *t,
			      u32 *state)
{
	unsigned long irqflags;
	const char *why = NULL;

	/* No logging under the siglock: writing the log may sleep */
	if (!lock_task_sighand(t, &irqflags))
		return ckpt_err(ctx, -EBUSY, "pid %d is exiting",
				task_pid_vnr(t));
	if (task_is_stopped(t))
		*state = CKPT_TASK_STOPPED;
	else if (task_is_traced(t))
		*state = CKPT_TASK_TRACED;
	else if (t->frozen && (t->jobctl & JOBCTL_TRAP_FREEZE))
		*state = CKPT_TASK_FROZEN;
	else
		why = "is neither stopped nor frozen";

	if (!why && t->signal->flags & SIGNAL_GROUP_EXIT)
		why = "is exiting";
	unlock_task_sighand(t, &irqflags);
	if (why)
		return ckpt_err(ctx, -EBUSY, "pid %d %s", task_pid_vnr(t),
				why);
	return 0;
}

/* Refuse what this version cannot save, naming it */
static int ckpt_check_supported(struct ckpt_ctx *ctx, struct task_struct *t)
{
	pid_t pid = task_pid_vnr(t);
	int ret;

	ret = arch_ckpt_check_task(ctx, t);
	if (ret)
		return ret;
	if (t->seccomp.mode == SECCOMP_MODE_FILTER)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: seccomp filters not supported", pid);

	task_lock(t);
	ret = !t->mm || !t->fs || !t->files ? -EBUSY : 0;
	task_unlock(t);
	if (ret)
		return ckpt_err(ctx, ret, "pid %d is exiting", pid);
	return ckpt_ns_check_task(ctx, t);
}

/**
 * struct ckpt_ctask - a task of the tree being checkpointed
 * @t: the task, referenced
 * @parent: index of its parent in the tree (0, itself, for the root)
 * @state: CKPT_TASK_STOPPED, _TRACED or _FROZEN; 0 for a zombie
 * @ncsw: its context switch count once off its CPU, 0 for a zombie
 * @busy: the global pid under which it is claimed in ckpt_busy
 */
struct ckpt_ctask {
	struct task_struct *t;
	unsigned int parent;
	u32 state;
	unsigned long ncsw;
	pid_t busy;
};

/**
 * struct ckpt_tree - the tasks of a checkpoint, in depth-first order
 * @tasks: the tasks, the root first
 * @nr: how many
 * @nr_claimed: how many, from the first, this checkpoint has in ckpt_busy
 *	(each under its &ckpt_ctask.busy)
 */
struct ckpt_tree {
	struct ckpt_ctask *tasks;
	unsigned int nr;
	unsigned int nr_claimed;
};

/*
 * The tasks that checkpoints are walking, by global pid.  A task is in
 * one checkpoint at a time: two at once would each count the other's
 * references to the objects they share as users outside the tree, and
 * both fail.
 */
static DEFINE_XARRAY(ckpt_busy);

/*
 * In the tree, the children of a task are the other threads of its
 * group if it leads one (the restart makes them), then the processes it
 * forked.  The thread of @p's group after @t, but @p; or NULL.
 */
static struct task_struct *ckpt_next_thread(struct task_struct *p,
					    struct task_struct *t)
{
	do
		t = __next_thread(t);
	while (t == p);
	return t;
}

static struct task_struct *ckpt_first_child(struct task_struct *p)
{
	struct task_struct *t;

	if (thread_group_leader(p)) {
		t = ckpt_next_thread(p, p);
		if (t)
			return t;
		/* The leader may not come first in the list of threads */
		for_each_thread(p, t)
			if (t != p)
				return t;
	}
	return list_first_entry_or_null(&p->children, struct task_struct,
					sibling);
}

/* The child of @p after @t: threads first, then processes */
static struct task_struct *ckpt_next_child(struct task_struct *p,
					   struct task_struct *t)
{
	if (same_thread_group(t, p)) {
		t = ckpt_next_thread(p, t);
		if (t)
			return t;
		return list_first_entry_or_null(&p->children,
						struct task_struct, sibling);
	}
	if (list_is_last(&t->sibling, &p->children))
		return NULL;
	return list_next_entry(t, sibling);
}

/*
 * The next task of a depth-first walk of the tree below @tree->tasks[0]
 * after *@cur: its first child, else the next sibling of *@cur or of
 * its nearest ancestor that has one.  Sets *@cur to the index of the
 * task's parent.  Context: tasklist_lock held.
 */
static struct task_struct *ckpt_tree_next(struct ckpt_tree *tree,
					  unsigned int *cur)
{
	struct task_struct *t = tree->tasks[*cur].t, *parent, *next;

	next = ckpt_first_child(t);
	if (next)
		return next;
	while (*cur) {
		*cur = tree->tasks[*cur].parent;
		parent = tree->tasks[*cur].t;
		next = ckpt_next_child(parent, t);
		if (next)
			return next;
		t = parent;
	}
	return NULL;
}

/* Collect @root and every descendant of it, referenced */
static int ckpt_tree_collect(struct ckpt_ctx *ctx, struct task_struct *root,
			     struct ckpt_tree *tree)
{
	struct task_struct *t;
	unsigned int cur = 0;
	int ret = 0;

	tree->tasks = kvcalloc(CKPT_TASKS_MAX, sizeof(*tree->tasks),
			       GFP_KERNEL);
	if (!tree->tasks)
		return -ENOMEM;
	tree->tasks[0].t = get_task_struct(root);
	tree->nr = 1;

	read_lock(&tasklist_lock);
	while ((t = ckpt_tree_next(tree, &cur))) {
		if (tree->nr == CKPT_TASKS_MAX) {
			ret = -EOPNOTSUPP;
			break;
		}
		tree->tasks[tree->nr].t = get_task_struct(t);
		tree->tasks[tree->nr].parent = cur;
		cur = tree->nr++;
	}
	read_unlock(&tasklist_lock);
	if (ret)
		return ckpt_err(ctx, ret, "pid %d: more than %u tasks in its tree",
				task_pid_vnr(root), CKPT_TASKS_MAX);
	return 0;
}

/*
 * Claim the next task of @tree for this checkpoint, by the pid it has
 * now (an exec by another thread of its group may give it another):
 * -EBUSY if another checkpoint has it
 */
static int ckpt_tree_claim(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	struct ckpt_ctask *ct = &tree->tasks[tree->nr_claimed];
	pid_t pid = task_pid_vnr(ct->t);
	int ret;

	ct->busy = task_pid_nr(ct->t);
	ret = xa_insert(&ckpt_busy, ct->busy, ctx, GFP_KERNEL);
	if (ret == -EBUSY && xa_load(&ckpt_busy, ct->busy) == ctx)
		return ckpt_err(ctx, ret, "pid %d: its group exec'ed", pid);
	if (ret == -EBUSY)
		return ckpt_err(ctx, ret, "pid %d: in another checkpoint", pid);
	if (ret)
		return ckpt_err(ctx, ret, "pid %d: cannot claim it", pid);
	tree->nr_claimed++;
	return 0;
}

static void ckpt_tree_free(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	unsigned int i;

	for (i = 0; i < tree->nr_claimed; i++)
		xa_cmpxchg(&ckpt_busy, tree->tasks[i].busy, ctx, NULL, 0);
	for (i = 0; tree->tasks && i < tree->nr; i++)
		put_task_struct(tree->tasks[i].t);
	kvfree(tree->tasks);
}

/* A zombie keeps no state but its exit code, credentials and pids */
static int ckpt_check_zombie(struct ckpt_ctx *ctx, struct task_struct *t)
{
	pid_t pid = task_pid_vnr(t);
	int ret = 0;

	read_lock(&tasklist_lock);
	if (t->exit_state != EXIT_ZOMBIE)
		ret = -EBUSY;
	else if (!thread_group_empty(t))
		ret = -EOPNOTSUPP;
	read_unlock(&tasklist_lock);
	if (ret == -EBUSY)
		return ckpt_err(ctx, ret, "pid %d is being reaped", pid);
	if (ret)
		return ckpt_err(ctx, ret,
				"pid %d: a zombie with live threads not supported",
				pid);
	if (task_active_pid_ns(t) != ctx->pid_ns)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: in a pid namespace other than its root's: not supported",
				pid);
	return 0;
}

/* Whether a task of the tree has (pid) @nr */
static bool ckpt_tree_has(struct ckpt_ctx *ctx, const struct ckpt_tree *tree,
			  pid_t nr)
{
	unsigned int i;

	for (i = 0; i < tree->nr; i++)
		if (ckpt_task_pid(ctx, tree->tasks[i].t) == nr)
			return true;
	return false;
}

/**
 * ckpt_in_tree() - whether a task is one this checkpoint has claimed
 * @ctx: checkpoint context
 * @t: the task
 *
 * Return: true if it is.
 */
bool ckpt_in_tree(struct ckpt_ctx *ctx, struct task_struct *t)
{
	return xa_load(&ckpt_busy, task_pid_nr(t)) == ctx;
}

/*
 * Sessions and process groups a restart can rebuild: a task's session
 * is its own or its parent's; its group is its own, one led by (the
 * pid of) a task of the tree, or the root's when that one is outside.
 */
static int ckpt_check_groups(struct ckpt_ctx *ctx, struct ckpt_tree *tree,
			     unsigned int i)
{
	struct task_struct *t = tree->tasks[i].t;
	struct task_struct *root = tree->tasks[0].t;
	struct task_struct *parent = tree->tasks[tree->tasks[i].parent].t;
	struct pid_namespace *ns = ctx->pid_ns;
	pid_t pid = ckpt_task_pid(ctx, t), pgid, sid;

	/* 0 for those outside the image's pid namespace */
	pgid = task_pgrp_nr_ns(t, ns);
	sid = task_session_nr_ns(t, ns);
	if (!i)
		return 0;
	if (sid != pid && sid != task_session_nr_ns(parent, ns))
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d: session %d is neither its own nor its parent's",
				pid, sid);
	if (pgid == pid || ckpt_tree_has(ctx, tree, pgid))
		return 0;
	if (pgid == task_pgrp_nr_ns(root, ns) &&
	    pgid != ckpt_task_pid(ctx, root))
		return 0;
	return ckpt_err(ctx, -EOPNOTSUPP,
			"pid %d: process group %d has no leader in the checkpoint",
			pid, pgid);
}

/* Check every task of the tree, and let the live ones get off their CPU */
static int ckpt_tree_check(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	struct ckpt_ctask *ct;
	unsigned int i;
	pid_t pid;
	int ret;

	for (i = 0; i < tree->nr; i++) {
		ct = &tree->tasks[i];
		pid = task_pid_vnr(ct->t);
		if (ct->t->flags & PF_KTHREAD)
			return ckpt_err(ctx, -EPERM, "pid %d is a kernel thread",
					pid);
		if (!ptrace_may_access(ct->t, PTRACE_MODE_ATTACH_REALCREDS))
			return ckpt_err(ctx, -EPERM,
					"no permission to ptrace pid %d", pid);
		/* Before anything counts the users of its objects */
		ret = ckpt_tree_claim(ctx, tree);
		if (ret)
			return ret;
		if (i && READ_ONCE(ct->t->exit_state)) {
			ret = ckpt_check_zombie(ctx, ct->t);
		} else {
			ret = ckpt_check_stopped(ctx, ct->t, &ct->state);
			if (!ret)
				ret = ckpt_check_supported(ctx, ct->t);
		}
		if (!ret)
			ret = ckpt_check_groups(ctx, tree, i);
		if (ret)
			return ret;
	}
	/* Off its CPU, its FPU state is in memory */
	for (i = 0; i < tree->nr; i++) {
		ct = &tree->tasks[i];
		if (!ct->state)
			continue;
		ct->ncsw = wait_task_inactive(ct->t, CKPT_TASK_SLEEP);
		if (!ct->ncsw)
			return ckpt_err(ctx, -EBUSY, "pid %d woke up",
					task_pid_vnr(ct->t));
	}
	return 0;
}

static int ckpt_write_header(struct ckpt_ctx *ctx, unsigned int nr_tasks)
{
	struct ckpt_hdr_header h = {};
	int ret;

	h.magic = CKPT_MAGIC;
	h.version = CKPT_VERSION;
	h.page_size = PAGE_SIZE;
	h.flags = ctx->flags;
	h.nr_tasks = nr_tasks;
	h.time_ns = ktime_get_real_ns();
	h.pid = ckpt_task_pid(ctx, ctx->root);
	down_read(&uts_sem);
	strscpy(h.release, utsname()->release, sizeof(h.release));
	up_read(&uts_sem);
	ret = arch_ckpt_header(&h);
	if (ret)
		return ret;
	return ckpt_write_obj(ctx, &h, CKPT_HDR_HEADER);
}

static int ckpt_write_tail(struct ckpt_ctx *ctx)
{
	struct ckpt_hdr_tail h = {};

	h.nr_records = ctx->nr_records;
	h.crc32c = ~ctx->crc;
	return ckpt_write_obj(ctx, &h, CKPT_HDR_TAIL);
}

/*
 * What a task shares with its parent: the restart clones it so.  An
 * fd table or fs state met before, but not the parent's, cannot be
 * rebuilt that way; nor can an address space shared by two processes.
 */
static int ckpt_clone_flags(struct ckpt_ctx *ctx, struct task_struct *t,
			    struct task_struct *parent, u32 *flags)
{
	pid_t pid = task_pid_vnr(t);
	const char *what = NULL;
	u32 ref;

	/* A thread shares its group's address space and handlers */
	if (same_thread_group(t, parent))
		*flags |= CKPT_CLONE_THREAD;
	task_lock(t);
	if (t->files == parent->files)
		*flags |= CKPT_CLONE_FILES;
	else if (ckpt_obj_find(ctx, t->files, CKPT_OBJ_FILES, &ref))
		what = "fd table";
	if (t->fs == parent->fs)
		*flags |= CKPT_CLONE_FS;
	else if (ckpt_obj_find(ctx, t->fs, CKPT_OBJ_FS, &ref))
		what = "fs state";
	if (!(*flags & CKPT_CLONE_THREAD) &&
	    ckpt_obj_find(ctx, t->mm, CKPT_OBJ_MM, &ref))
		what = "address space";
	task_unlock(t);
	if (what)
		return ckpt_err(ctx, -EOPNOTSUPP,
				"pid %d shares its %s with a process other than its parent",
				pid, what);
	return 0;
}

static int ckpt_write_clone(struct ckpt_ctx *ctx, struct ckpt_tree *tree,
			    unsigned int i)
{
	struct ckpt_ctask *ct = &tree->tasks[i];
	struct ckpt_hdr_clone h = {};
	int ret;

	h.pid = ckpt_task_pid(ctx, ct->t);
	if (i) {
		h.ppid = ckpt_task_pid(ctx, tree->tasks[ct->parent].t);
		if (!ct->state) {
			h.flags = CKPT_CLONE_ZOMBIE;
			h.exit_code = READ_ONCE(ct->t->exit_code);
		} else {
			ret = ckpt_clone_flags(ctx, ct->t,
					       tree->tasks[ct->parent].t,
					       &h.flags);
			if (ret)
				return ret;
		}
	}
	return ckpt_write_obj(ctx, &h, CKPT_HDR_CLONE);
}

/*
 * Write everything a task refers to, then the task, its scheduling, its
 * pending signals and its CPU state; of a zombie, its credentials and
 * its task record only.
 */
static int ckpt_write_task(struct ckpt_ctx *ctx, struct task_struct *t,
			   u32 state)
{
	struct ckpt_task_refs refs = {};
	const struct cred *cred;
	int ret;

	cred = get_task_cred(t);
	ret = cap_cred_checkpoint(ctx, cred, &refs.cred);
	put_cred(cred);
	if (ret)
		return ret;
	if (!state)
		return ckpt_task_checkpoint(ctx, t, &refs, state);
	ret = ckpt_sighand_checkpoint(ctx, t, &refs.sighand);
	if (ret)
		return ret;
	ret = ckpt_signal_checkpoint(ctx, t, &refs.signal);
	if (!ret)
		ret = sem_ckpt_undo_save(ctx, t, &refs.sem_undo);
	if (ret)
		return ret;
	ret = fs_checkpoint(ctx, t, &refs.fs);
	if (ret)
		return ret;
	ret = mm_checkpoint(ctx, t, &refs.mm);
	if (ret)
		return ret;
	ret = files_checkpoint(ctx, t, &refs.files);
	if (ret)
		return ret;
	ret = ckpt_task_checkpoint(ctx, t, &refs, state);
	if (ret)
		return ret;
	ret = ckpt_sched_checkpoint(ctx, t);
	if (ret)
		return ret;
	ret = ckpt_sigpending_checkpoint(ctx, t, thread_group_leader(t));
	if (ret)
		return ret;
	return arch_cpu_checkpoint(ctx, t);
}

/* A shared object of the tree must have no user outside it */
static int ckpt_check_users(struct ckpt_ctx *ctx, const char *what,
			    u32 objref, int count, unsigned int users)
{
	if (count > users)
		return ckpt_err(ctx, -EBUSY,
				"%s %u: shared with %d task(s) outside the checkpoint",
				what, objref, count - (int)users);
	return 0;
}

/* The counts of fd tables and fs states include the object table's */
static int ckpt_files_users(struct ckpt_ctx *ctx, void *ptr, u32 objref,
			    unsigned int users)
{
	struct files_struct *files = ptr;

	return ckpt_check_users(ctx, "fd table", objref,
				atomic_read(&files->count) - 1, users);
}

static int ckpt_fs_users(struct ckpt_ctx *ctx, void *ptr, u32 objref,
			 unsigned int users)
{
	struct fs_struct *fs = ptr;
	int count;

	spin_lock(&fs->lock);
	count = fs->users - 1;
	spin_unlock(&fs->lock);
	return ckpt_check_users(ctx, "fs state", objref, count, users);
}

static int ckpt_sighand_users(struct ckpt_ctx *ctx, void *ptr, u32 objref,
			      unsigned int users)
{
	struct sighand_struct *sighand = ptr;

	return ckpt_check_users(ctx, "signal handlers", objref,
				refcount_read(&sighand->count) - 1, users);
}

/* How many tasks (kernel threads that use it included) run on @mm */
static int ckpt_mm_tasks(struct mm_struct *mm)
{
	struct task_struct *p, *t;
	int nr = 0;

	rcu_read_lock();
	for_each_process_thread(p, t)
		nr += READ_ONCE(t->mm) == mm;
	rcu_read_unlock();
	return nr;
}

/*
 * mm_users also counts the short references of whoever reads the
 * address space (ps reading /proc/PID/cmdline or status, a debugger's
 * process_vm_readv()...): only when it says more than the tree's tasks
 * are they counted, and only other tasks refuse the checkpoint
 */
static int ckpt_mm_users(struct ckpt_ctx *ctx, void *ptr, u32 objref,
			 unsigned int users)
{
	struct mm_struct *mm = ptr;
	int count = atomic_read(&mm->mm_users);

	if (count > users)
		count = ckpt_mm_tasks(mm);
	return ckpt_check_users(ctx, "address space", objref, count, users);
}

static int ckpt_write_tree(struct ckpt_ctx *ctx, struct ckpt_tree *tree)
{
	unsigned int i;
	int ret;

	ret = ckpt_write_header(ctx, tree->nr);
	if (!ret)
		ret = ckpt_ns_checkpoint(ctx);
	for (i = 0; !ret && i < tree->nr; i++) {
		ctx->task = tree->tasks[i].t;
		ret = ckpt_write_clone(ctx, tree, i);
		if (!ret && !i)
			ret = ckpt_ns_objects_checkpoint(ctx);
		if (!ret)
			ret = ckpt_write_task(ctx, ctx->task,
					      tree->tasks[i].state);
	}
	ctx->task = NULL;
	if (!ret)
		ret = ckpt_obj_for_each(ctx, CKPT_OBJ_FILES, ckpt_files_users);
	if (!ret)
		ret = ckpt_obj_for_each(ctx, CKPT_OBJ_FS, ckpt_fs_users);
	if (!ret)
		ret = ckpt_obj_for_each(ctx, CKPT_OBJ_MM, ckpt_mm_users);
	if (!ret)
		ret = ckpt_obj_for_each(ctx, CKPT_OBJ_SIGHAND,
					ckpt_sighand_users);
	if (!ret)
		ret = ckpt_obj_for_each(ctx, CKPT_OBJ_SEM_UNDO,
					sem_ckpt_undo_users);
	if (!ret)
		ret = ipc_ckpt_finish(ctx);
	if (!ret)
		ret = file_checkpoint_finish(ctx);
	return ret;
}

/**
 * ckpt_do_checkpoint() - checkpoint a task and its descendants into ctx->file
 * @ctx: checkpoint context
 * @pid: the root task, in the caller's pid namespace
 *
 * Return: 0 or a negative errno, see sys_checkpoint().
 */
int ckpt_do_checkpoint(struct ckpt_ctx *ctx, pid_t pid)
{
	struct ckpt_tree tree = {};
	struct ckpt_ctask *ct;
	struct task_struct *t;
	unsigned int i;
	int ret;

	/* A thread stands for its process */
	rcu_read_lock();
	t = find_task_by_vpid(pid);
	if (t)
		t = get_task_struct(t->group_leader);
	rcu_read_unlock();
	if (!t)
		return ckpt_err(ctx, -ESRCH, "no process %d", pid);
	ctx->root = t;

	ret = -EPERM;
	if (t->flags & PF_KTHREAD) {
		ckpt_err(ctx, ret, "pid %d is a kernel thread", pid);
		goto put_task;
	}
	if (!ptrace_may_access(t, PTRACE_MODE_ATTACH_REALCREDS)) {
		ckpt_err(ctx, ret, "no permission to ptrace pid %d", pid);
		goto put_task;
	}
	ret = ckpt_ns_prepare(ctx, t);
	if (!ret)
		ret = ckpt_tree_collect(ctx, t, &tree);
	if (!ret)
		ret = ckpt_tree_check(ctx, &tree);
	if (!ret)
		ret = ckpt_ns_check_shared(ctx);
	if (!ret)
		ret = ckpt_write_tree(ctx, &tree);
	if (ret)
		goto put_tree;

	/* The image holds one consistent state only if no task ran */
	for (i = 0; i < tree.nr; i++) {
		ct = &tree.tasks[i];
		if (ct->state &&
		    wait_task_inactive(ct->t, CKPT_TASK_SLEEP) != ct->ncsw) {
			ret = ckpt_err(ctx, -EBUSY,
				       "pid %d ran during the checkpoint",
				       task_pid_vnr(ct->t));
			goto put_tree;
		}
	}
	ret = ckpt_write_tail(ctx);
	if (!ret)
		ret = ckpt_flush(ctx);
put_tree:
	ckpt_tree_free(ctx, &tree);
put_task:
	ctx->root = NULL;
	put_task_struct(t);
	return ret;
}
