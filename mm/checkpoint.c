// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checkpoint/restart of address spaces.
 *
 * An mm is saved as its MM record (layout fields and auxiliary vector),
 * then a VMA record per mapping in address order, each followed by
 * PAGES records with the contents of its anonymous pages: those of
 * private anonymous mappings and the copied-on-write pages of private
 * file mappings.  Everything else reads back from the mapped file or as
 * zeroes.  The FILE records of the executable and of the mapped files
 * come before the MM record, which refers to them.
 *
 * Mappings whose contents or behaviour could not be rebuilt are
 * refused, with a log line naming the range and the reason: device
 * mappings, hugetlb, special mappings other than the vDSO, userfaultfd,
 * swapped-out pages...  Shared anonymous memory is mapped through its
 * shmem file, saved as a memfd is (mm/memfd_ckpt.c).
 *
 * Restore runs in the task being rebuilt, with the restarter's
 * credentials and limits: it empties the mm the task inherited from
 * the restarter and maps everything again with mmap(), so that it
 * never gets a mapping the restarter could not make itself, then
 * writes the saved pages.  With CKPT_RESTART_VERIFY it only validates
 * the records.
 */

#include <linux/checkpoint.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/hugetlb_inline.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmap_lock.h>
#include <linux/overflow.h>
#include <linux/pagewalk.h>
#include <linux/pkeys.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/userfaultfd_k.h>

#include <asm/vdso.h>

/* vm_flags a VMA record carries: they must not change under us */
#define CKPT_VM_SAVED	(VM_READ | VM_WRITE | VM_EXEC | VM_MAYREAD |	\
			 VM_MAYWRITE | VM_MAYEXEC | VM_MAYSHARE |	\
			 VM_GROWSDOWN | VM_LOCKED | VM_DONTCOPY |	\
			 VM_DONTDUMP | VM_NORESERVE)

/* Page table entries one walk looks at before letting others run */
#define CKPT_WALK_BUDGET	(16 * 1024)

/* Times to wait (1 ms each) for a page under migration */
#define CKPT_MIGRATION_WAITS	1000

/* Longest name of a special mapping kept for the log */
#define CKPT_VMA_NAME_LEN	32

/**
 * struct ckpt_vma - a mapping, as seen under the mmap lock
 * @start: first address
 * @end: address past the end
 * @pgoff: offset in the file, in pages (0 unless @kind is FILE)
 * @vm_flags: its VM_* flags
 * @file: the mapped file, referenced, or NULL
 * @kind: CKPT_VMA_* kind
 * @prot: CKPT_PROT_* protection
 * @flags: CKPT_VMA_* flags
 * @file_ref: object id of @file, once written; for a SysV shm mapping,
 *	the segment's id
 * @shm_ns: for a SysV shm mapping, the ipc namespace of the segment
 */
struct ckpt_vma {
	unsigned long start;
	unsigned long end;
	unsigned long pgoff;
	vm_flags_t vm_flags;
	struct file *file;
	u32 kind;
	u32 prot;
	u32 flags;
	u32 file_ref;
	const struct ipc_namespace *shm_ns;
};

/* Why a walk of the page tables stopped before the end of its range */
enum ckpt_pages_stop {
	CKPT_PAGES_OK,		/* end of the range, of a run, or full */
	CKPT_PAGES_MIGRATING,	/* a page under migration: retry */
	CKPT_PAGES_SWAP,	/* a swapped-out page */
	CKPT_PAGES_POISON,	/* a page lost to a memory error */
	CKPT_PAGES_DEVICE,	/* a page in device memory */
};

/**
 * struct ckpt_pages - a run of consecutive pages found by a walk
 * @addr: address of @pages[0]
 * @next: where the next walk starts
 * @stop_addr: address of the entry that stopped the walk
 * @stop: why the walk stopped
 * @budget: entries the walk may still look at
 * @nr: number of pages in @pages, each with a reference on its folio
 * @pages: the pages
 */
struct ckpt_pages {
	unsigned long addr;
	unsigned long next;
	unsigned long stop_addr;
	enum ckpt_pages_stop stop;
	unsigned int budget;
	unsigned int nr;
	struct page *pages[CKPT_PAGES_MAX];
};

/**
 * struct ckpt_mm - snapshot of an mm being checkpointed
 * @h: its MM record
 * @auxv: its auxiliary vector, @h.auxv_len words
 * @exe_file: its executable, referenced, or NULL
 * @vmas: its mappings
 * @nr_vmas: number of entries of @vmas
 * @nr_pages: number of pages saved so far
 * @pg: the run of pages being saved
 */
struct ckpt_mm {
	struct ckpt_hdr_mm h;
	u64 auxv[CKPT_AUXV_MAX];
	struct file *exe_file;
	struct ckpt_vma *vmas;
	unsigned int nr_vmas;
	unsigned long nr_pages;
	struct ckpt_pages pg;
};

/**
 * struct ckpt_vma_refusal - a mapping we cannot save, for the log
 * @start: its first address
 * @end: the address past its end
 * @why: the reason
 * @name: the name of a special mapping, or ""
 */
struct ckpt_vma_refusal {
	unsigned long start;
	unsigned long end;
	const char *why;
	char name[CKPT_VMA_NAME_LEN];
};

/*
 * The kind of a mapping, or why it cannot be saved.  The vDSO text and
 * data are the special mappings named "[vdso]" and "[vvar]" that
 * arch/x86/entry/vdso/vma.c installs, the data right below the text at
 * mm->context.vdso.
 */
static const char *ckpt_vma_kind(struct vm_area_struct *vma, u32 *kind,
				 struct ckpt_vma_refusal *r)
	__must_hold(&vma->vm_mm->mmap_lock)
{
	unsigned long vdso = (unsigned long)vma->vm_mm->context.vdso;
	vm_flags_t f = vma->vm_flags;
	const char *name = NULL;

	if (!vma->vm_file && vma->vm_ops && vma->vm_ops->name)
		name = vma->vm_ops->name(vma);
	if (name && vdso) {
		if (!strcmp(name, "[vdso]") && vma->vm_start == vdso) {
			*kind = CKPT_VMA_VDSO;
			return NULL;
		}
		if (!strcmp(name, "[vvar]") && vma->vm_end == vdso) {
			*kind = CKPT_VMA_VVAR;
			return NULL;
		}
	}
	if (name) {
		strscpy(r->name, name);
		return "special mapping";
	}
	if (!vma->vm_file && !vma_is_anonymous(vma))
		return "special mapping";
	if (is_vm_hugetlb_page(vma))
		return "hugetlb mapping";
	if (f & (VM_IO | VM_PFNMAP | VM_MIXEDMAP))
		return "device mapping (VM_IO/VM_PFNMAP/VM_MIXEDMAP)";
	if (userfaultfd_armed(vma))
		return "userfaultfd-registered mapping";
	if (f & VM_SHADOW_STACK)
		return "shadow stack";
	if (f & VM_DROPPABLE)
		return "droppable mapping (MAP_DROPPABLE)";
	if (f & VM_WIPEONFORK)
		return "wipe-on-fork mapping (MADV_WIPEONFORK)";
	if (f & VM_LOCKONFAULT)
		return "lock-on-fault mapping (MLOCK_ONFAULT)";
	if (f & VM_SYNC)
		return "synchronous-fault mapping (MAP_SYNC)";
#ifdef VM_SEALED
	if (f & VM_SEALED)
		return "sealed mapping (mseal)";
#endif
	if (vma_pkey(vma))
		return "mapping with a protection key";
	if (vma->vm_file && shm_ckpt_vma_id(vma, NULL) >= 0) {
		/* Attached again whole, where it was: shmat(2) */
		if (vma->vm_pgoff || vma_pages(vma) !=
		    DIV_ROUND_UP(i_size_read(file_inode(vma->vm_file)),
				 PAGE_SIZE))
			return "part of a SysV shm segment";
		if (f & VM_LOCKED)
			return "locked SysV shm mapping";
		/* What shmat(2) gives: readable, writable if it may be */
		if (!(f & VM_READ) || !!(f & VM_WRITE) != !!(f & VM_MAYWRITE))
			return "SysV shm mapping with its protection changed";
		*kind = CKPT_VMA_SYSV_SHM;
		return NULL;
	}
	*kind = vma->vm_file ? CKPT_VMA_FILE : CKPT_VMA_ANON;
	return NULL;
}

/* VM_* flags of a mapping and their names in the image */
struct ckpt_vm_flag {
	vm_flags_t vm_flag;
	u32 ckpt_flag;
};

static const struct ckpt_vm_flag ckpt_vm_prot[] = {
	{ VM_READ,	CKPT_PROT_READ },
	{ VM_WRITE,	CKPT_PROT_WRITE },
	{ VM_EXEC,	CKPT_PROT_EXEC },
};

static const struct ckpt_vm_flag ckpt_vm_flags[] = {
	{ VM_MAYSHARE,	CKPT_VMA_SHARED },
	{ VM_GROWSDOWN,	CKPT_VMA_GROWSDOWN },
	{ VM_MAYREAD,	CKPT_VMA_MAYREAD },
	{ VM_MAYWRITE,	CKPT_VMA_MAYWRITE },
	{ VM_MAYEXEC,	CKPT_VMA_MAYEXEC },
	{ VM_LOCKED,	CKPT_VMA_LOCKED },
	{ VM_DONTCOPY,	CKPT_VMA_DONTFORK },
	{ VM_DONTDUMP,	CKPT_VMA_DONTDUMP },
	{ VM_NORESERVE,	CKPT_VMA_NORESERVE },
};

/* Protection and flags of a mapping in the image's terms */
static void ckpt_vma_flags(struct vm_area_struct *vma, struct ckpt_vma *v)
	__must_hold(&vma->vm_mm->mmap_lock)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_vm_prot); i++)
		if (vma->vm_flags & ckpt_vm_prot[i].vm_flag)
			v->prot |= ckpt_vm_prot[i].ckpt_flag;
	for (i = 0; i < ARRAY_SIZE(ckpt_vm_flags); i++)
		if (vma->vm_flags & ckpt_vm_flags[i].vm_flag)
			v->flags |= ckpt_vm_flags[i].ckpt_flag;
	if (v->kind == CKPT_VMA_ANON && vma_is_initial_heap(vma))
		v->flags |= CKPT_VMA_HEAP;
	if (vma_is_initial_stack(vma))
		v->flags |= CKPT_VMA_STACK;
}

/* Layout fields and auxiliary vector of @mm */
static void ckpt_mm_fields(struct mm_struct *mm, struct ckpt_mm *cm)
	__must_hold(&mm->mmap_lock)
{
	struct ckpt_hdr_mm *h = &cm->h;
	unsigned int i;

	h->start_code = mm->start_code;
	h->end_code = mm->end_code;
	h->start_data = mm->start_data;
	h->end_data = mm->end_data;
	h->start_brk = mm->start_brk;
	h->brk = mm->brk;
	h->start_stack = mm->start_stack;
	spin_lock(&mm->arg_lock);
	h->arg_start = mm->arg_start;
	h->arg_end = mm->arg_end;
	h->env_start = mm->env_start;
	h->env_end = mm->env_end;
	spin_unlock(&mm->arg_lock);

	/* Pairs up to and including AT_NULL, which always ends the vector */
	BUILD_BUG_ON(sizeof_field(struct mm_struct, saved_auxv) >
		     sizeof_field(struct ckpt_mm, auxv));
	for (i = 0; i < AT_VECTOR_SIZE; i += 2) {
		cm->auxv[i] = mm->saved_auxv[i];
		cm->auxv[i + 1] = mm->saved_auxv[i + 1];
		if (cm->auxv[i] == AT_NULL)
			break;
	}
	if (i == AT_VECTOR_SIZE) {
		i -= 2;
		cm->auxv[i] = AT_NULL;
		cm->auxv[i + 1] = 0;
	}
	h->auxv_len = i + 2;
}

/*
 * Under the mmap lock, copy the mappings of @mm (refusing those we
 * cannot save) and its layout fields; log a refusal once unlocked.
 */
static int ckpt_mm_snapshot(struct ckpt_ctx *ctx, struct mm_struct *mm,
			    struct ckpt_mm *cm)
{
	struct ckpt_vma_refusal r = {};
	struct vm_area_struct *vma;
	const char *why = NULL;
	int ret;

	VMA_ITERATOR(vmi, mm, 0);

	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	if (test_bit(MMF_HAS_MDWE, &mm->flags))
		why = "memory-deny-write-execute (PR_SET_MDWE)";
	else if (mm->def_flags & VM_LOCKED)
		why = "locking of future mappings (mlockall MCL_FUTURE)";
	if (why) {
		ret = -EOPNOTSUPP;
		goto unlock;
	}

	cm->vmas = kvcalloc(max(mm->map_count, 1), sizeof(*cm->vmas),
			    GFP_KERNEL);
	if (!cm->vmas) {
		ret = -ENOMEM;
		goto unlock;
	}
	for_each_vma(vmi, vma) {
		struct ckpt_vma *v;
		u32 kind;

		/* map_count counts the mappings: this cannot happen */
		if (cm->nr_vmas == mm->map_count) {
			ret = -EBUSY;
			goto unlock;
		}
		r.why = ckpt_vma_kind(vma, &kind, &r);
		if (r.why) {
			r.start = vma->vm_start;
			r.end = vma->vm_end;
			ret = -EOPNOTSUPP;
			goto unlock;
		}
		v = &cm->vmas[cm->nr_vmas++];
		v->start = vma->vm_start;
		v->end = vma->vm_end;
		v->vm_flags = vma->vm_flags;
		v->kind = kind;
		if (kind == CKPT_VMA_FILE) {
			v->pgoff = vma->vm_pgoff;
			v->file = get_file(vma->vm_file);
		}
		if (kind == CKPT_VMA_SYSV_SHM)
			v->file_ref = shm_ckpt_vma_id(vma, &v->shm_ns);
		ckpt_vma_flags(vma, v);
	}
	ckpt_mm_fields(mm, cm);
unlock:
	mmap_read_unlock(mm);
	if (why)
		return ckpt_err(ctx, ret, "mm: %s not supported", why);
	if (r.why)
		return ckpt_err(ctx, ret, "mm: %#lx-%#lx: %s%s%s not supported",
				r.start, r.end, r.why, r.name[0] ? " " : "",
				r.name);
	if (ret == -EBUSY)
		return ckpt_err(ctx, ret, "mm: more mappings than map_count %d",
				cm->nr_vmas);
	if (!ret && !cm->nr_vmas)
		return ckpt_err(ctx, -EINVAL, "mm: no mappings");
	return ret;
}

static void ckpt_mm_free(struct ckpt_mm *cm)
{
	unsigned int i;

	if (cm->exe_file)
		fput(cm->exe_file);
	for (i = 0; i < cm->nr_vmas; i++)
		if (cm->vmas[i].file)
			fput(cm->vmas[i].file);
	kvfree(cm->vmas);
	kfree(cm);
}

/* FILE records of the executable and of every mapped file */
static int ckpt_mm_files(struct ckpt_ctx *ctx, struct ckpt_mm *cm)
{
	struct file *last = NULL;
	u32 ref = 0;
	unsigned int i;
	int ret;

	if (cm->exe_file) {
		ret = file_checkpoint(ctx, cm->exe_file, &cm->h.exe_ref);
		if (ret)
			return ckpt_err(ctx, ret, "mm: executable %pD not saved",
					cm->exe_file);
	}
	for (i = 0; i < cm->nr_vmas; i++) {
		struct ckpt_vma *v = &cm->vmas[i];

		if (v->kind == CKPT_VMA_SYSV_SHM) {
			ret = ipc_ckpt_shm_attached(ctx, v->file_ref,
						    v->shm_ns);
			if (ret)
				return ret;
			continue;
		}
		if (!v->file)
			continue;
		/* Consecutive mappings of one file are the common case */
		if (v->file != last) {
			ret = file_checkpoint(ctx, v->file, &ref);
			if (ret)
				return ckpt_err(ctx, ret,
						"mm: %#lx-%#lx: mapped file %pD not saved",
						v->start, v->end, v->file);
			last = v->file;
		}
		v->file_ref = ref;
	}
	return 0;
}

static void ckpt_pages_put(struct ckpt_pages *pg)
{
	while (pg->nr)
		folio_put(page_folio(pg->pages[--pg->nr]));
}

/* An entry that is not a page to save: it ends the current run */
static int ckpt_pages_gap(struct ckpt_pages *pg, unsigned long addr)
{
	if (!pg->nr)
		return 0;
	pg->next = addr;
	return 1;
}

/*
 * Bound the time spent under the mmap lock by one walk: past its budget,
 * it stops at the current entry, which the next walk starts with.  The
 * first entry of a walk is always looked at, so walks make progress.
 */
static bool ckpt_pages_pause(struct ckpt_pages *pg, unsigned long addr)
{
	if (--pg->budget)
		return false;
	pg->next = addr;
	return true;
}

/* An entry the walk cannot go past: stop there */
static int ckpt_pages_stop(struct ckpt_pages *pg, unsigned long addr,
			   enum ckpt_pages_stop why)
{
	pg->stop = why;
	pg->stop_addr = addr;
	pg->next = addr;
	return 1;
}

/*
 * A present page at @addr (NULL for the zero page and special pages):
 * take it if anonymous and next to the run.  Called under the page
 * table lock, which keeps the page mapped while we take a reference.
 */
static int ckpt_pages_add(struct ckpt_pages *pg, struct page *page,
			  unsigned long addr)
{
	if (!page || !folio_test_anon(page_folio(page)))
		return ckpt_pages_gap(pg, addr);
	if (pg->nr && addr != pg->addr + pg->nr * PAGE_SIZE)
		return ckpt_pages_gap(pg, addr);
	if (!pg->nr)
		pg->addr = addr;
	folio_get(page_folio(page));
	pg->pages[pg->nr++] = page;
	if (pg->nr < CKPT_PAGES_MAX)
		return 0;
	pg->next = addr + PAGE_SIZE;
	return 1;
}

static int ckpt_pte_entry(pte_t *ptep, unsigned long addr, unsigned long next,
			  struct mm_walk *walk)
{
	struct ckpt_pages *pg = walk->private;
	pte_t pte = ptep_get(ptep);
	swp_entry_t entry;

	if (ckpt_pages_pause(pg, addr))
		return 1;
	if (pte_none(pte))
		return ckpt_pages_gap(pg, addr);
	if (pte_present(pte))
		return ckpt_pages_add(pg, vm_normal_page(walk->vma, addr, pte),
				      addr);

	entry = pte_to_swp_entry(pte);
	if (is_pte_marker_entry(entry)) {
		if (is_poisoned_swp_entry(entry))
			return ckpt_pages_stop(pg, addr, CKPT_PAGES_POISON);
		return ckpt_pages_gap(pg, addr);
	}
	if (is_migration_entry(entry))
		return ckpt_pages_stop(pg, addr, CKPT_PAGES_MIGRATING);
	if (is_hwpoison_entry(entry))
		return ckpt_pages_stop(pg, addr, CKPT_PAGES_POISON);
	if (is_device_private_entry(entry) || is_device_exclusive_entry(entry))
		return ckpt_pages_stop(pg, addr, CKPT_PAGES_DEVICE);
	return ckpt_pages_stop(pg, addr, CKPT_PAGES_SWAP);
}

/*
 * A huge pmd: handle its pages here rather than let the walk split it.
 * For a page table, return with the default action: walk its ptes.
 */
static int ckpt_pmd_entry(pmd_t *pmdp, unsigned long addr, unsigned long end,
			  struct mm_walk *walk)
{
	struct ckpt_pages *pg = walk->private;
	struct page *page;
	spinlock_t *ptl;	/* the lock of the huge pmd */
	pmd_t pmd;
	int ret = 0;

	if (!IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE))
		return 0;
	ptl = pmd_trans_huge_lock(pmdp, walk->vma);
	if (!ptl)
		return 0;
	walk->action = ACTION_CONTINUE;
	if (ckpt_pages_pause(pg, addr)) {
		spin_unlock(ptl);
		return 1;
	}
	pmd = pmdp_get(pmdp);
	if (pmd_present(pmd)) {
		page = vm_normal_page_pmd(walk->vma, addr, pmd);
		if (!page)
			ret = ckpt_pages_gap(pg, addr);
		for (; page && !ret && addr < end; addr += PAGE_SIZE)
			ret = ckpt_pages_add(pg,
					     nth_page(page, (addr & ~PMD_MASK) >>
							    PAGE_SHIFT),
					     addr);
	} else if (is_pmd_migration_entry(pmd)) {
		ret = ckpt_pages_stop(pg, addr, CKPT_PAGES_MIGRATING);
	}
	spin_unlock(ptl);
	return ret;
}

static const struct mm_walk_ops ckpt_pages_ops = {
	.pmd_entry = ckpt_pmd_entry,
	.pte_entry = ckpt_pte_entry,
	.walk_lock = PGWALK_RDLOCK,
};

/* Write the run of pages found, and drop them */
static int ckpt_pages_write(struct ckpt_ctx *ctx, struct ckpt_mm *cm)
{
	struct ckpt_pages *pg = &cm->pg;
	struct ckpt_hdr_pages h = {};
	size_t len = (size_t)pg->nr << PAGE_SHIFT;
	unsigned int i;
	int ret;

	if (!pg->nr)
		return 0;
	h.addr = pg->addr;
	h.nr_pages = pg->nr;
	ret = ckpt_rec_begin(ctx, &h.h, CKPT_HDR_PAGES, sizeof(h), len);
	for (i = 0; !ret && i < pg->nr; i++) {
		void *kaddr = kmap_local_page(pg->pages[i]);

		ret = ckpt_write(ctx, kaddr, PAGE_SIZE);
		kunmap_local(kaddr);
	}
	if (!ret)
		ret = ckpt_rec_end(ctx, &h.h, sizeof(h), len);
	if (!ret)
		cm->nr_pages += pg->nr;
	ckpt_pages_put(pg);
	return ret;
}

/* The mapping @v still is what its VMA record says */
static bool ckpt_vma_unchanged(struct vm_area_struct *vma,
			       const struct ckpt_vma *v)
{
	return vma && vma->vm_start == v->start && vma->vm_end == v->end &&
	       vma->vm_file == v->file &&
	       !((vma->vm_flags ^ v->vm_flags) & CKPT_VM_SAVED);
}

/*
 * PAGES records of the anonymous pages of a private mapping.  Each walk
 * of the page tables, under the mmap lock, collects one run of up to
 * CKPT_PAGES_MAX consecutive pages, skipping empty page tables at once;
 * the run is written with the lock dropped.
 */
static int ckpt_vma_pages(struct ckpt_ctx *ctx, struct mm_struct *mm,
			  struct ckpt_mm *cm, const struct ckpt_vma *v)
{
	struct ckpt_pages *pg = &cm->pg;
	unsigned long addr = v->start;
	struct vm_area_struct *vma;
	unsigned int waits = 0;
	int ret;

	while (addr < v->end) {
		if (fatal_signal_pending(current))
			return -EINTR;
		ret = mmap_read_lock_killable(mm);
		if (ret)
			return ret;
		vma = vma_lookup(mm, addr);
		if (!ckpt_vma_unchanged(vma, v)) {
			mmap_read_unlock(mm);
			return ckpt_err(ctx, -EBUSY,
					"mm: %#lx-%#lx changed during the checkpoint",
					v->start, v->end);
		}
		pg->stop = CKPT_PAGES_OK;
		pg->next = v->end;
		pg->budget = CKPT_WALK_BUDGET;
		ret = walk_page_range_vma(vma, addr, v->end, &ckpt_pages_ops,
					  pg);
		mmap_read_unlock(mm);
		if (ret < 0) {
			ckpt_pages_put(pg);
			return ckpt_err(ctx, ret, "mm: walking %#lx-%#lx",
					addr, v->end);
		}
		ret = ckpt_pages_write(ctx, cm);
		if (ret)
			return ret;

		switch (pg->stop) {
		case CKPT_PAGES_OK:
			waits = 0;
			break;
		case CKPT_PAGES_MIGRATING:
			if (++waits > CKPT_MIGRATION_WAITS)
				return ckpt_err(ctx, -EBUSY,
						"mm: %#lx-%#lx: page at %#lx stays under migration",
						v->start, v->end, pg->stop_addr);
			usleep_range(1000, 2000);
			break;
		case CKPT_PAGES_SWAP:
			return ckpt_err(ctx, -EOPNOTSUPP,
					"mm: %#lx-%#lx: swapped-out page at %#lx not supported",
					v->start, v->end, pg->stop_addr);
		case CKPT_PAGES_POISON:
			return ckpt_err(ctx, -EIO,
					"mm: %#lx-%#lx: page at %#lx lost to a memory error",
					v->start, v->end, pg->stop_addr);
		case CKPT_PAGES_DEVICE:
			return ckpt_err(ctx, -EOPNOTSUPP,
					"mm: %#lx-%#lx: device memory page at %#lx not supported",
					v->start, v->end, pg->stop_addr);
		}
		addr = pg->next;
		cond_resched();
	}
	return 0;
}

static int ckpt_vma_write(struct ckpt_ctx *ctx, const struct ckpt_vma *v)
{
	struct ckpt_hdr_vma h = {};

	h.start = v->start;
	h.end = v->end;
	h.pgoff = v->pgoff;
	h.kind = v->kind;
	h.prot = v->prot;
	h.flags = v->flags;
	h.file_ref = v->file_ref;
	return ckpt_write_obj(ctx, &h, CKPT_HDR_VMA);
}

/* Only private mappings have pages of their own */
static bool ckpt_vma_has_pages(const struct ckpt_vma *v)
{
	return (v->kind == CKPT_VMA_ANON || v->kind == CKPT_VMA_FILE) &&
	       !(v->vm_flags & VM_MAYSHARE);
}

/* The MM record, then each VMA record followed by its PAGES records */
static int ckpt_mm_write(struct ckpt_ctx *ctx, struct mm_struct *mm,
			 struct ckpt_mm *cm, u32 objref)
{
	unsigned int i;
	int ret;

	cm->h.objref = objref;
	cm->h.nr_vmas = cm->nr_vmas;
	ret = ckpt_write_rec(ctx, &cm->h.h, CKPT_HDR_MM, sizeof(cm->h),
			     cm->auxv, cm->h.auxv_len * sizeof(cm->auxv[0]));
	for (i = 0; !ret && i < cm->nr_vmas; i++) {
		ret = ckpt_vma_write(ctx, &cm->vmas[i]);
		if (!ret && ckpt_vma_has_pages(&cm->vmas[i]))
			ret = ckpt_vma_pages(ctx, mm, cm, &cm->vmas[i]);
	}
	if (!ret)
		ckpt_log(ctx, "mm %u: %u mappings, %lu pages saved", objref,
			 cm->nr_vmas, cm->nr_pages);
	return ret;
}

/**
 * mm_checkpoint() - write the address space of a task
 * @ctx: checkpoint context
 * @t: the task, stopped
 * @objref: object id of its mm, on return
 *
 * Writes the FILE records of the executable and of the mapped files,
 * then (the first time the mm is seen) the MM record, and for each
 * mapping a VMA record followed by PAGES records with its anonymous
 * pages.  Mappings that cannot be saved are refused (-EOPNOTSUPP) with
 * a log line naming the range and the reason; an mm that changes
 * during the checkpoint, or a task exiting meanwhile, fails it (-EBUSY).
 *
 * Context: may sleep; takes the mmap lock of the task's mm.
 * Return: 0 or a negative errno.
 */
int mm_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t, u32 *objref)
{
	struct mm_struct *mm;
	struct ckpt_mm *cm;
	int ret;

	/* Kernel threads were refused: it is exiting */
	mm = get_task_mm(t);
	if (!mm)
		return ckpt_err(ctx, -EBUSY, "pid %d has no mm (exiting)",
				task_pid_vnr(t));
	/* Its thread group's, written already */
	if (ckpt_obj_find(ctx, mm, CKPT_OBJ_MM, objref)) {
		ret = ckpt_obj_lookup_add(ctx, mm, CKPT_OBJ_MM, objref);
		goto put_mm;
	}
	cm = kzalloc(sizeof(*cm), GFP_KERNEL);
	if (!cm) {
		ret = -ENOMEM;
		goto put_mm;
	}
	ret = ckpt_mm_snapshot(ctx, mm, cm);
	if (ret)
		goto free_snapshot;
	cm->exe_file = get_mm_exe_file(mm);
	ret = ckpt_mm_files(ctx, cm);
	if (ret)
		goto free_snapshot;
	ret = ckpt_obj_lookup_add(ctx, mm, CKPT_OBJ_MM, objref);
	if (ret <= 0)
		goto free_snapshot;
	ret = ckpt_mm_write(ctx, mm, cm, *objref);
free_snapshot:
	ckpt_mm_free(cm);
put_mm:
	mmput(mm);
	return ret;
}

/**
 * struct ckpt_mm_image - what mm_restore() has read of an mm
 * @h: its MM record
 * @auxv: its auxiliary vector, @h.auxv_len words
 * @vma: the VMA record being read
 * @nr_vma: index of @vma
 * @next: lowest address the next VMA or PAGES record may start at
 * @vdso: a VDSO mapping was seen
 * @vvar: a VVAR mapping was seen
 * @vvar_vma: restore: the VVAR record, mapped with the VDSO that follows
 * @nr_pages: restore: pages written so far
 * @pages: restore: the pages of a PAGES record being written
 */
struct ckpt_mm_image {
	struct ckpt_hdr_mm h;
	u64 auxv[CKPT_AUXV_MAX];
	struct ckpt_hdr_vma vma;
	unsigned int nr_vma;
	u64 next;
	bool vdso;
	bool vvar;
	struct ckpt_hdr_vma vvar_vma;
	unsigned long nr_pages;
	struct page *pages[CKPT_PAGES_MAX];
};

#define CKPT_MM_FIELD(f)	{ offsetof(struct ckpt_hdr_mm, f), #f }

/* Address fields of an MM record: the pairs, then start_stack */
static const struct {
	size_t off;
	const char *name;
} ckpt_mm_addrs[] = {
	CKPT_MM_FIELD(start_code), CKPT_MM_FIELD(end_code),
	CKPT_MM_FIELD(start_data), CKPT_MM_FIELD(end_data),
	CKPT_MM_FIELD(start_brk), CKPT_MM_FIELD(brk),
	CKPT_MM_FIELD(arg_start), CKPT_MM_FIELD(arg_end),
	CKPT_MM_FIELD(env_start), CKPT_MM_FIELD(env_end),
	CKPT_MM_FIELD(start_stack),
};

static u64 ckpt_mm_addr(const struct ckpt_hdr_mm *h, unsigned int i)
{
	return *(const u64 *)((const void *)h + ckpt_mm_addrs[i].off);
}

static int ckpt_check_mm(struct ckpt_ctx *ctx, const struct ckpt_mm_image *mi)
{
	const struct ckpt_hdr_mm *h = &mi->h;
	unsigned int i;
	u64 val;

	for (i = 0; i < ARRAY_SIZE(ckpt_mm_addrs); i++) {
		val = ckpt_mm_addr(h, i);
		if (val >= TASK_SIZE_MAX)
			return ckpt_err(ctx, -EINVAL, "MM record: bad %s %#llx",
					ckpt_mm_addrs[i].name, val);
	}
	/* The pairs come first; start_stack, last, stands alone */
	for (i = 0; i < ARRAY_SIZE(ckpt_mm_addrs) - 1; i += 2) {
		u64 start = ckpt_mm_addr(h, i);
		u64 end = ckpt_mm_addr(h, i + 1);

		if (start > end)
			return ckpt_err(ctx, -EINVAL,
					"MM record: bad %s %#llx above %s %#llx",
					ckpt_mm_addrs[i].name, start,
					ckpt_mm_addrs[i + 1].name, end);
	}
	if (!h->nr_vmas || h->nr_vmas > (u32)READ_ONCE(sysctl_max_map_count))
		return ckpt_err(ctx, -EINVAL, "MM record: bad nr_vmas %u",
				h->nr_vmas);
	for (i = 0; i < h->auxv_len - 2; i += 2)
		if (mi->auxv[i] == AT_NULL)
			return ckpt_err(ctx, -EINVAL,
					"MM record: bad auxv: AT_NULL at word %u of %u",
					i, h->auxv_len);
	if (mi->auxv[i] != AT_NULL)
		return ckpt_err(ctx, -EINVAL,
				"MM record: bad auxv: ends with type %llu, not AT_NULL",
				mi->auxv[i]);
	return ckpt_obj_check(ctx, h->exe_ref, CKPT_OBJ_FILE, true,
			      "MM record exe_ref");
}

/* Log a bad field of the VMA record being read; return -EINVAL */
static __printf(3, 4) int ckpt_bad_vma(struct ckpt_ctx *ctx,
				       const struct ckpt_mm_image *mi,
				       const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	ckpt_err(ctx, -EINVAL, "VMA record %u (%#llx-%#llx): bad %pV",
		 mi->nr_vma, mi->vma.start, mi->vma.end, &vaf);
	va_end(args);
	return -EINVAL;
}

static int ckpt_check_vma_kind(struct ckpt_ctx *ctx, struct ckpt_mm_image *mi)
{
	const struct ckpt_hdr_vma *v = &mi->vma;
	u64 last;

	if (v->kind < 1 || v->kind > CKPT_VMA_KIND_MAX)
		return ckpt_bad_vma(ctx, mi, "kind %u", v->kind);
	if (v->kind == CKPT_VMA_FILE) {
		/* The file offset of the end must fit in loff_t */
		if (check_add_overflow(v->pgoff,
				       (v->end - v->start) >> PAGE_SHIFT, &last) ||
		    last > (u64)MAX_LFS_FILESIZE >> PAGE_SHIFT)
			return ckpt_bad_vma(ctx, mi, "pgoff %#llx", v->pgoff);
		return ckpt_obj_check(ctx, v->file_ref, CKPT_OBJ_FILE, false,
				      "VMA record file_ref");
	}
	if (v->kind == CKPT_VMA_SYSV_SHM) {
		if (v->pgoff || !(v->flags & CKPT_VMA_SHARED) ||
		    v->flags & (CKPT_VMA_HEAP | CKPT_VMA_GROWSDOWN |
				CKPT_VMA_LOCKED))
			return ckpt_bad_vma(ctx, mi, "pgoff %#llx flags %#x of a SysV shm mapping",
					    v->pgoff, v->flags);
		if (ipc_ckpt_lookup(ctx, CKPT_HDR_SHM, v->file_ref) !=
		    (v->end - v->start) >> PAGE_SHIFT)
			return ckpt_bad_vma(ctx, mi, "SysV shm segment %u of this size: none",
					    v->file_ref);
		return 0;
	}
	if (v->file_ref)
		return ckpt_bad_vma(ctx, mi, "file_ref %u for kind %u",
				    v->file_ref, v->kind);
	if (v->pgoff)
		return ckpt_bad_vma(ctx, mi, "pgoff %#llx for kind %u",
				    v->pgoff, v->kind);
	if (v->flags & CKPT_VMA_SHARED)
		return ckpt_bad_vma(ctx, mi, "flags %#x: shared kind %u",
				    v->flags, v->kind);
	if (v->kind != CKPT_VMA_ANON && v->flags & CKPT_VMA_HEAP)
		return ckpt_bad_vma(ctx, mi, "flags %#x: heap of kind %u",
				    v->flags, v->kind);
	if (v->kind == CKPT_VMA_VDSO) {
		if (mi->vdso)
			return ckpt_bad_vma(ctx, mi, "kind: a second vDSO");
		mi->vdso = true;
	}
	if (v->kind == CKPT_VMA_VVAR) {
		if (mi->vvar)
			return ckpt_bad_vma(ctx, mi, "kind: a second vvar");
		mi->vvar = true;
	}
	return 0;
}

/* Copy and check a VMA record */
static int ckpt_check_vma(struct ckpt_ctx *ctx, struct ckpt_mm_image *mi,
			  const struct ckpt_hdr *rec)
{
	const struct ckpt_hdr_vma *v = &mi->vma;
	int ret;

	ret = ckpt_rec_payload(ctx, rec, sizeof(*v), 0);
	if (ret)
		return ret;
	mi->vma = *(const struct ckpt_hdr_vma *)rec;

	if (!PAGE_ALIGNED(v->start) || !PAGE_ALIGNED(v->end) ||
	    v->start >= v->end || v->end > TASK_SIZE_MAX)
		return ckpt_bad_vma(ctx, mi, "range");
	if (v->start < mi->next)
		return ckpt_bad_vma(ctx, mi, "start: below the end %#llx of the previous VMA",
				    mi->next);
	if (v->prot & ~CKPT_PROT_FLAGS)
		return ckpt_bad_vma(ctx, mi, "prot %#x", v->prot);
	if (v->flags & ~CKPT_VMA_FLAGS)
		return ckpt_bad_vma(ctx, mi, "flags %#x", v->flags);
	/* mprotect() never grants what the MAY bits forbid */
	if ((v->prot & CKPT_PROT_READ && !(v->flags & CKPT_VMA_MAYREAD)) ||
	    (v->prot & CKPT_PROT_WRITE && !(v->flags & CKPT_VMA_MAYWRITE)) ||
	    (v->prot & CKPT_PROT_EXEC && !(v->flags & CKPT_VMA_MAYEXEC)))
		return ckpt_bad_vma(ctx, mi, "prot %#x beyond flags %#x",
				    v->prot, v->flags);
	ret = ckpt_check_vma_kind(ctx, mi);
	if (ret)
		return ret;
	mi->next = v->start;
	return 0;
}

/* Check a PAGES record following the VMA record mi->vma */
static int ckpt_check_pages(struct ckpt_ctx *ctx, struct ckpt_mm_image *mi,
			    const struct ckpt_hdr *rec)
{
	struct ckpt_hdr_pages p = *(const struct ckpt_hdr_pages *)rec;
	const struct ckpt_hdr_vma *v = &mi->vma;
	u64 len;
	int ret;

	if (v->kind != CKPT_VMA_ANON &&
	    (v->kind != CKPT_VMA_FILE || v->flags & CKPT_VMA_SHARED))
		return ckpt_bad_vma(ctx, mi, "PAGES record: kind %u flags %#x has no pages",
				    v->kind, v->flags);
	if (p.nr_pages < 1 || p.nr_pages > CKPT_PAGES_MAX)
		return ckpt_bad_vma(ctx, mi, "PAGES record: nr_pages %u",
				    p.nr_pages);
	/* The image header's page_size was checked to be PAGE_SIZE */
	len = (u64)p.nr_pages * PAGE_SIZE;
	ret = ckpt_rec_payload(ctx, rec, sizeof(p), len);
	if (ret)
		return ret;
	ret = ckpt_check_pad(ctx, &p.__pad, sizeof(p.__pad), "PAGES record");
	if (ret)
		return ret;
	if (!PAGE_ALIGNED(p.addr) || p.addr < mi->next || p.addr >= v->end ||
	    len > v->end - p.addr)
		return ckpt_bad_vma(ctx, mi, "PAGES record: %u pages at %#llx",
				    p.nr_pages, p.addr);
	mi->next = p.addr + len;
	return 0;
}

/*
 * Restore: the MM record's fields, checked again as prctl(PR_SET_MM_MAP)
 * checks them (kernel/sys.c, validate_prctl_map_addr()), against the
 * restarter's limits.
 */
static int ckpt_check_mm_limits(struct ckpt_ctx *ctx,
				const struct ckpt_hdr_mm *h)
{
	unsigned int i;
	u64 val;

	for (i = 0; i < ARRAY_SIZE(ckpt_mm_addrs); i++) {
		val = ckpt_mm_addr(h, i);
		if (val < mmap_min_addr || val >= TASK_SIZE)
			return ckpt_err(ctx, -EINVAL,
					"mm: %s %#llx outside %#lx-%#lx",
					ckpt_mm_addrs[i].name, val,
					mmap_min_addr, TASK_SIZE);
	}
	if (h->start_code == h->end_code)
		return ckpt_err(ctx, -EINVAL, "mm: empty text segment at %#llx",
				h->start_code);
	if (check_data_rlimit(rlimit(RLIMIT_DATA), h->brk, h->start_brk,
			      h->end_data, h->start_data))
		return ckpt_err(ctx, -EINVAL,
				"mm: data and heap of %llu bytes above RLIMIT_DATA %lu",
				h->brk - h->start_brk +
				h->end_data - h->start_data,
				rlimit(RLIMIT_DATA));
	return 0;
}

/* Restore: the executable, checked as prctl(PR_SET_MM_EXE_FILE) does */
static int ckpt_mm_exe(struct ckpt_ctx *ctx, u32 exe_ref, struct file **exe)
{
	struct file *file;
	int ret;

	*exe = NULL;
	if (!exe_ref)
		return 0;
	file = ckpt_obj_fetch(ctx, exe_ref, CKPT_OBJ_FILE);
	if (!file)
		return ckpt_err(ctx, -EINVAL, "mm: executable %u was not reopened",
				exe_ref);
	if (!S_ISREG(file_inode(file)->i_mode) || path_noexec(&file->f_path))
		return ckpt_err(ctx, -EACCES,
				"mm: executable %pD: not an executable file",
				file);
	ret = file_permission(file, MAY_EXEC);
	if (ret)
		return ckpt_err(ctx, ret,
				"mm: executable %pD: no permission to execute it",
				file);
	*exe = file;
	return 0;
}

/*
 * Restore: empty current's mm, a copy of the restarter's, and make
 * @exe its executable.  What fork() does not copy (locked mappings,
 * locked_vm, uprobes) needs no reset; its MMF_ flags (dumpable, THP
 * and memory-deny-write-execute policies) and def_flags stay the
 * restarter's, as fork() would leave them.
 */
static int ckpt_mm_reset(struct ckpt_ctx *ctx, struct mm_struct *mm,
			 struct file *exe)
{
	int ret, left;

	ret = vm_munmap(0, TASK_SIZE);
	if (ret)
		return ckpt_err(ctx, ret,
				"mm: cannot unmap the restarter's mappings");
	ret = mmap_write_lock_killable(mm);
	if (ret)
		return ret;
	left = mm->map_count;
	/* The vDSO is gone: map_vdso_once() may map it again */
	mm->context.vdso = NULL;
	mm->context.vdso_image = NULL;
	if (!exe)
		set_mm_exe_file(mm, NULL);
	mmap_write_unlock(mm);
	if (left)
		return ckpt_err(ctx, -EBUSY,
				"mm: %d mappings left after unmapping all",
				left);
	if (!exe)
		return 0;
	/* No mapping is left, so none of the old executable */
	ret = replace_mm_exe_file(mm, exe);
	if (ret)
		return ckpt_err(ctx, ret, "mm: cannot make %pD the executable",
				exe);
	return 0;
}

/* Restore: the VM_* flags a VMA record asks for */
static vm_flags_t ckpt_vma_vm_flags(const struct ckpt_hdr_vma *v)
{
	vm_flags_t vm_flags = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ckpt_vm_prot); i++)
		if (v->prot & ckpt_vm_prot[i].ckpt_flag)
			vm_flags |= ckpt_vm_prot[i].vm_flag;
	for (i = 0; i < ARRAY_SIZE(ckpt_vm_flags); i++)
		if (v->flags & ckpt_vm_flags[i].ckpt_flag)
			vm_flags |= ckpt_vm_flags[i].vm_flag;
	return vm_flags;
}

/*
 * VM_* flags mmap() sets as a VMA record says.  VM_NORESERVE depends on
 * the overcommit policy, VM_DONTCOPY and VM_DONTDUMP come with madvise()
 * after, and the vDSO and vvar are never locked: their records' flags
 * are compared without those.
 */
#define CKPT_VM_MAPPED	(VM_READ | VM_WRITE | VM_EXEC | VM_MAYREAD |	\
			 VM_MAYWRITE | VM_MAYEXEC | VM_MAYSHARE |	\
			 VM_GROWSDOWN | VM_LOCKED)

/*
 * Restore: the mapping of VMA record @v is in place: a VMA covers it
 * (it may have merged with a neighbour), of its kind, flags and file
 * offset.  Then mark it MADV_DONTFORK and MADV_DONTDUMP as saved.
 */
static int ckpt_check_mapped(struct ckpt_ctx *ctx, struct mm_struct *mm,
			     const struct ckpt_hdr_vma *v)
{
	vm_flags_t want = ckpt_vma_vm_flags(v), mask = CKPT_VM_MAPPED;
	unsigned long len = v->end - v->start;
	struct vm_area_struct *vma;
	vm_flags_t got = 0;
	const char *why;
	int ret;

	if (v->kind == CKPT_VMA_VDSO || v->kind == CKPT_VMA_VVAR)
		mask &= ~VM_LOCKED;
	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	vma = vma_lookup(mm, v->start);
	why = "not mapped";
	if (vma && vma->vm_end >= v->end) {
		got = vma->vm_flags;
		why = NULL;
		if ((got ^ want) & mask)
			why = "mapped with other flags";
		else if (v->kind == CKPT_VMA_ANON && !vma_is_anonymous(vma))
			why = "not anonymous";
		else if (v->kind == CKPT_VMA_FILE &&
			 (!vma->vm_file ||
			  vma->vm_pgoff + ((v->start - vma->vm_start) >>
					   PAGE_SHIFT) != v->pgoff))
			why = "not at its file offset";
	}
	mmap_read_unlock(mm);
	if (why)
		return ckpt_err(ctx, -EINVAL,
				"mm: %#llx-%#llx: %s (flags %#lx, want %#lx)",
				v->start, v->end, why, got & mask, want & mask);

	ret = 0;
	if (v->flags & CKPT_VMA_DONTFORK && !(got & VM_DONTCOPY))
		ret = do_madvise(mm, v->start, len, MADV_DONTFORK);
	if (!ret && v->flags & CKPT_VMA_DONTDUMP && !(got & VM_DONTDUMP))
		ret = do_madvise(mm, v->start, len, MADV_DONTDUMP);
	if (ret)
		return ckpt_err(ctx, ret, "mm: %#llx-%#llx: madvise() failed",
				v->start, v->end);
	return 0;
}

/*
 * Restore: map this kernel's vDSO where the image had it.  The vvar
 * record comes first, right below; the vDSO's contents are not saved,
 * so the image only fits a kernel whose vDSO has the same layout.
 */
static int ckpt_map_vdso(struct ckpt_ctx *ctx, struct ckpt_mm_image *mi,
			 struct mm_struct *mm)
{
	const struct vdso_image *image = &vdso_image_64;
	const struct ckpt_hdr_vma *v = &mi->vma, *vvar = &mi->vvar_vma;
	unsigned long vvar_len = -image->sym_vvar_start;
	unsigned long vdso;
	int ret;

	if (!mi->vvar || vvar->end != v->start)
		return ckpt_err(ctx, -EINVAL,
				"mm: vDSO at %#llx-%#llx without the vvar right below",
				v->start, v->end);
	if (v->end - v->start != image->size ||
	    vvar->end - vvar->start != vvar_len)
		return ckpt_err(ctx, -EINVAL,
				"mm: vDSO of %llu bytes and vvar of %llu, this kernel's are %lu and %lu",
				v->end - v->start, vvar->end - vvar->start,
				image->size, vvar_len);
	ret = map_vdso_once(image, vvar->start);
	if (ret)
		return ckpt_err(ctx, ret, "mm: cannot map the vDSO at %#llx",
				v->start);
	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;
	vdso = (unsigned long)mm->context.vdso;
	mmap_read_unlock(mm);
	if (vdso != v->start)
		return ckpt_err(ctx, -EBUSY,
				"mm: vDSO mapped at %#lx, not at %#llx",
				vdso, v->start);
	return ckpt_check_mapped(ctx, mm, vvar);
}

/* Restore: the mapping of the VMA record just read and checked */
static int ckpt_map_vma(struct ckpt_ctx *ctx, struct ckpt_mm_image *mi,
			struct mm_struct *mm)
{
	const struct ckpt_hdr_vma *v = &mi->vma;
	unsigned long len = v->end - v->start;
	unsigned long prot = 0, flags, addr;
	struct file *file = NULL;
	int ret;

	switch (v->kind) {
	case CKPT_VMA_VVAR:
		/* Mapped with the vDSO, whose record comes next */
		mi->vvar_vma = *v;
		return 0;
	case CKPT_VMA_VDSO:
		ret = ckpt_map_vdso(ctx, mi, mm);
		if (ret)
			return ret;
		return ckpt_check_mapped(ctx, mm, v);
	case CKPT_VMA_SYSV_SHM:
		ret = shm_ckpt_attach(ctx, v);
		if (ret)
			return ret;
		return ckpt_check_mapped(ctx, mm, v);
	case CKPT_VMA_FILE:
		file = ckpt_obj_fetch(ctx, v->file_ref, CKPT_OBJ_FILE);
		if (!file)
			return ckpt_err(ctx, -EINVAL,
					"mm: %#llx-%#llx: file %u was not reopened",
					v->start, v->end, v->file_ref);
		flags = v->flags & CKPT_VMA_SHARED ? MAP_SHARED : MAP_PRIVATE;
		break;
	default:
		flags = MAP_PRIVATE | MAP_ANONYMOUS;
		if (v->flags & CKPT_VMA_GROWSDOWN)
			flags |= MAP_GROWSDOWN;
	}
	flags |= MAP_FIXED_NOREPLACE;
	if (v->flags & CKPT_VMA_NORESERVE)
		flags |= MAP_NORESERVE;
	if (v->flags & CKPT_VMA_LOCKED)
		flags |= MAP_LOCKED;
	if (v->prot & CKPT_PROT_READ)
		prot |= PROT_READ;
	if (v->prot & CKPT_PROT_WRITE)
		prot |= PROT_WRITE;
	if (v->prot & CKPT_PROT_EXEC)
		prot |= PROT_EXEC;

	addr = vm_mmap(file, v->start, len, prot, flags,
		       v->pgoff << PAGE_SHIFT);
	if (IS_ERR_VALUE(addr)) {
		ret = (int)addr;
		if (file)
			return ckpt_err(ctx, ret,
					"mm: %#llx-%#llx: cannot map %pD (%s, prot %#lx)",
					v->start, v->end, file,
					flags & MAP_SHARED ? "shared" : "private",
					prot);
		return ckpt_err(ctx, ret,
				"mm: %#llx-%#llx: cannot map anonymous memory (prot %#lx)",
				v->start, v->end, prot);
	}
	/* MAP_FIXED_NOREPLACE maps there or fails */
	if (WARN_ON_ONCE(addr != v->start))
		return -EINVAL;
	return ckpt_check_mapped(ctx, mm, v);
}

/*
 * Restore: write the pages of a checked PAGES record into the private
 * mapping it follows, as ptrace(2) writes to a process: FOLL_FORCE
 * writes through a read-only private mapping, copying on write.  One
 * get_user_pages_unlocked() call (one mmap lock round trip) faults in
 * the pages of a whole record.
 */
static int ckpt_fill_pages(struct ckpt_ctx *ctx, struct ckpt_mm_image *mi,
			   const struct ckpt_hdr_pages *p)
{
	const u8 *data = (const u8 *)(p + 1);
	unsigned long addr = p->addr;
	unsigned long left = p->nr_pages;
	long i, n;

	while (left) {
		n = get_user_pages_unlocked(addr, left, mi->pages,
					    FOLL_WRITE | FOLL_FORCE);
		if (n <= 0)
			return ckpt_err(ctx, n ? (int)n : -EFAULT,
					"mm: %#llx-%#llx: cannot write the page at %#lx",
					mi->vma.start, mi->vma.end, addr);
		for (i = 0; i < n; i++) {
			memcpy_to_page(mi->pages[i], 0, data, PAGE_SIZE);
			set_page_dirty_lock(mi->pages[i]);
			put_page(mi->pages[i]);
			data += PAGE_SIZE;
		}
		addr += n * PAGE_SIZE;
		left -= n;
	}
	mi->nr_pages += p->nr_pages;
	return 0;
}

/*
 * Read and check the VMA records of an MM, each with its PAGES records;
 * unless only verifying, map each and write its pages into @mm.
 */
static int ckpt_read_vmas(struct ckpt_ctx *ctx, struct ckpt_mm_image *mi,
			  struct mm_struct *mm)
{
	struct ckpt_hdr *rec;
	int ret;

	for (mi->nr_vma = 0; mi->nr_vma < mi->h.nr_vmas; mi->nr_vma++) {
		rec = ckpt_read_rec_type(ctx, CKPT_HDR_VMA);
		if (IS_ERR(rec))
			return PTR_ERR(rec);
		ret = ckpt_check_vma(ctx, mi, rec);
		if (!ret && mm)
			ret = ckpt_map_vma(ctx, mi, mm);
		if (ret)
			return ret;
		for (;;) {
			rec = ckpt_read_rec(ctx);
			if (IS_ERR(rec))
				return PTR_ERR(rec);
			if (rec->type != CKPT_HDR_PAGES) {
				ckpt_unread_rec(ctx);
				break;
			}
			ret = ckpt_check_pages(ctx, mi, rec);
			if (!ret && mm)
				ret = ckpt_fill_pages(ctx, mi, (const void *)rec);
			if (ret)
				return ret;
			cond_resched();
		}
		mi->next = mi->vma.end;
	}
	if (mm && mi->vvar && !mi->vdso)
		return ckpt_err(ctx, -EINVAL, "mm: a vvar without a vDSO");
	return 0;
}

/*
 * Restore: the layout fields and auxiliary vector, as
 * prctl(PR_SET_MM_MAP) sets them
 */
static int ckpt_mm_set_fields(struct mm_struct *mm,
			      const struct ckpt_mm_image *mi)
{
	const struct ckpt_hdr_mm *h = &mi->h;
	unsigned int i;
	int ret;

	ret = mmap_write_lock_killable(mm);
	if (ret)
		return ret;
	spin_lock(&mm->arg_lock);
	mm->start_code = h->start_code;
	mm->end_code = h->end_code;
	mm->start_data = h->start_data;
	mm->end_data = h->end_data;
	mm->start_brk = h->start_brk;
	mm->brk = h->brk;
	mm->start_stack = h->start_stack;
	mm->arg_start = h->arg_start;
	mm->arg_end = h->arg_end;
	mm->env_start = h->env_start;
	mm->env_end = h->env_end;
	spin_unlock(&mm->arg_lock);
	memset(mm->saved_auxv, 0, sizeof(mm->saved_auxv));
	for (i = 0; i < h->auxv_len; i++)
		mm->saved_auxv[i] = mi->auxv[i];
	mmap_write_unlock(mm);
	return 0;
}

/*
 * Restore: check the MM record against the restarter's limits and
 * rights, then empty current's mm and give it the executable.
 */
static int ckpt_mm_prepare(struct ckpt_ctx *ctx, struct ckpt_mm_image *mi,
			   struct mm_struct *mm)
{
	struct file *exe;
	int ret;

	ret = ckpt_check_mm_limits(ctx, &mi->h);
	if (ret)
		return ret;
	ret = ckpt_mm_exe(ctx, mi->h.exe_ref, &exe);
	if (ret)
		return ret;
	return ckpt_mm_reset(ctx, mm, exe);
}

/**
 * mm_restore() - rebuild the address space of an MM record
 * @ctx: restart context
 * @h: the MM record, as read
 *
 * Checks the layout fields and the auxiliary vector, defines the mm's
 * object id, then reads exactly nr_vmas VMA records, each with the
 * PAGES records that follow it, and checks them: mappings in
 * increasing address order without overlap, pages inside their mapping
 * and only in private ones.
 *
 * Unless only verifying, current's mm (a copy of the restarter's) is
 * emptied and rebuilt with the restarter's rights and limits: the
 * executable set (it must be one the restarter may execute), each
 * mapping made again at its address with mmap() (file mappings from
 * the reopened files), the vDSO mapped where it was, the saved pages
 * written, and the layout fields and auxiliary vector set.
 *
 * Context: current is the task being rebuilt, when restoring.
 * Return: 0, -EINVAL (with a log line naming the field), or the
 * error of a read; when restoring also -EINVAL for layout fields
 * prctl(PR_SET_MM_MAP) would refuse or a mapping that does not come
 * out as saved, -EACCES for an executable the restarter may not
 * execute, -EBUSY for a vDSO that cannot go where it was, or the error
 * of mmap() or of writing the pages (each with a log line naming the
 * address range).
 */
int mm_restore(struct ckpt_ctx *ctx, const struct ckpt_hdr_mm *h)
{
	struct mm_struct *mm = NULL;
	struct ckpt_mm_image *mi;
	u32 auxv_len = h->auxv_len;
	int ret;

	if (auxv_len < 2 || auxv_len % 2 || auxv_len > CKPT_AUXV_MAX ||
	    auxv_len > AT_VECTOR_SIZE)
		return ckpt_err(ctx, -EINVAL, "MM record: bad auxv_len %u",
				auxv_len);
	ret = ckpt_rec_payload(ctx, &h->h, sizeof(*h),
			       auxv_len * sizeof(mi->auxv[0]));
	if (ret)
		return ret;

	mi = kzalloc(sizeof(*mi), GFP_KERNEL);
	if (!mi)
		return -ENOMEM;
	mi->h = *h;
	memcpy(mi->auxv, h + 1, auxv_len * sizeof(mi->auxv[0]));

	ret = ckpt_check_mm(ctx, mi);
	if (ret)
		goto free_image;
	ret = ckpt_obj_define(ctx, mi->h.objref, CKPT_OBJ_MM);
	if (ret)
		goto free_image;
	if (!ckpt_verify_only(ctx)) {
		mm = current->mm;
		if (WARN_ON_ONCE(!mm)) {
			ret = -EINVAL;
			goto free_image;
		}
		ret = ckpt_mm_prepare(ctx, mi, mm);
		if (ret)
			goto free_image;
	}
	ret = ckpt_read_vmas(ctx, mi, mm);
	if (ret || !mm)
		goto free_image;
	ret = ckpt_mm_set_fields(mm, mi);
	if (!ret)
		ckpt_log(ctx, "mm %u: %u mappings, %lu pages restored",
			 mi->h.objref, mi->h.nr_vmas, mi->nr_pages);
free_image:
	kfree(mi);
	return ret;
}
