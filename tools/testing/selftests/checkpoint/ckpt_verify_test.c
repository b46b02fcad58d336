// SPDX-License-Identifier: GPL-2.0
/*
 * restart(2) with CKPT_RESTART_VERIFY: accepts the images checkpoint(2)
 * writes, and rejects damaged ones with the right errno and no splat.
 * Structural damage is made with a correct CRC in the tail, so that the
 * kernel's checks of the fields, not the CRC, are what is tested: EINVAL.
 * Damage only the CRC can see gives EBADMSG.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "ckpt_util.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC	0x0001U
#endif

/* A page of known data in the target, to damage in the image */
#define DATA_ADDR	0x7e0000000000UL

static int data_fn(void *arg)
{
	char *p = mmap((void *)DATA_ADDR, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	(void)arg;
	if (p != (void *)DATA_ADDR)
		return 1;
	fill_pattern(p, 4096, 7);
	raise(SIGSTOP);
	return 0;
}

/* The decoder's CRC32C is the standard one: its check value */
TEST(crc32c_check_value)
{
	EXPECT_EQ(0xe3069283, ckpt_crc32c("123456789", 9));
	EXPECT_EQ(0, ckpt_crc32c("", 0));
}

/* An image, and a copy of it to damage */
struct image_copy {
	void *good;
	size_t len;
	struct ckpt_image img;
	unsigned char *buf;
	int kmsg;
};

FIXTURE(verify) {
	struct image_copy c;
};

FIXTURE_SETUP(verify)
{
	struct image_copy *ic = &self->c;
	pid_t pid;
	int err;

	ic->kmsg = -1;
	pid = target_spawn(data_fn, NULL);
	ASSERT_GT(pid, 0) {
		TH_LOG("target setup failed: wait status %#x",
		       target_setup_status);
	}
	err = ckpt_capture(pid, CKPT_SINK_MEMFD, 0, -1, &ic->good, &ic->len);
	target_kill(pid);
	ASSERT_EQ(0, err) {
		TH_LOG("checkpoint: %s", strerror(err));
	}
	ASSERT_EQ(0, ckpt_parse(&ic->img, ic->good, ic->len)) {
		TH_LOG("%s", ic->img.err);
	}
	ic->buf = malloc(ic->len + 4096);
	ASSERT_NE(NULL, ic->buf);
	memcpy(ic->buf, ic->good, ic->len);
	ic->kmsg = kmsg_open();
}

FIXTURE_TEARDOWN(verify)
{
	ckpt_image_free(&self->c.img);
	free(self->c.good);
	free(self->c.buf);
	if (self->c.kmsg >= 0)
		close(self->c.kmsg);
}

/* Offset in the image of a record of the good image */
static size_t off_of(const struct image_copy *ic, const void *rec)
{
	return (const unsigned char *)rec - (const unsigned char *)ic->good;
}

/* The copy's version of a record of the good image */
static void *in_copy(struct image_copy *ic, const void *rec)
{
	return ic->buf + off_of(ic, rec);
}

/*
 * VERIFY @len bytes of the copy, expecting @want (0 or an errno), and
 * expecting no oops or warning in the kernel log.
 */
static void expect_verify(struct __test_metadata *_metadata,
			  struct image_copy *ic, size_t len, int want,
			  const char *what)
{
	char log[4096], line[1024];
	int err;

	err = ckpt_verify_buf(ic->buf, len, log, sizeof(log));
	EXPECT_EQ(want, err) {
		TH_LOG("%s: got %s, want %s; log: %s", what,
		       err > 0 ? strerror(err) : "0",
		       want ? strerror(want) : "0", log);
	}
	EXPECT_FALSE(kmsg_splat(ic->kmsg, line, sizeof(line))) {
		TH_LOG("%s: kernel splat: %s", what, line);
	}
}

/* Structural damage: fix the CRC so that only the fields are wrong */
static void expect_einval(struct __test_metadata *_metadata,
			  struct image_copy *ic, const char *what)
{
	ckpt_fix_tail(ic->buf, ic->len, -1);
	expect_verify(_metadata, ic, ic->len, EINVAL, what);
	memcpy(ic->buf, ic->good, ic->len);
}

TEST_F(verify, good_image)
{
	struct image_copy *ic = &self->c;

	expect_verify(_metadata, ic, ic->len, 0, "good image");
}

/* Reading the image from a pipe and from a regular file works too */
TEST_F(verify, from_pipe_and_file)
{
	struct image_copy *ic = &self->c;
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	int p[2], fd;
	long ret;

	ASSERT_EQ(0, pipe(p));
	fd = fork();
	ASSERT_LE(0, fd);
	if (fd == 0) {
		size_t done = 0;
		ssize_t n;

		close(p[0]);
		while (done < ic->len) {
			n = write(p[1], ic->buf + done, ic->len - done);
			if (n <= 0)
				_exit(1);
			done += n;
		}
		_exit(0);
	}
	close(p[1]);
	ret = sys_restart(0, p[0], CKPT_RESTART_VERIFY, -1);
	EXPECT_EQ(0, ret) {
		TH_LOG("from a pipe: %s", strerror(errno));
	}
	close(p[0]);
	kill(fd, SIGKILL);
	waitpid(fd, NULL, 0);

	snprintf(path, sizeof(path), "%s/ckpt_verify.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	unlink(path);
	ASSERT_EQ((ssize_t)ic->len, write(fd, ic->buf, ic->len));
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	ret = sys_restart(0, fd, CKPT_RESTART_VERIFY, -1);
	EXPECT_EQ(0, ret) {
		TH_LOG("from a file: %s", strerror(errno));
	}
	close(fd);
}

TEST_F(verify, bad_arguments)
{
	struct image_copy *ic = &self->c;
	int fd = memfd_with(ic->buf, ic->len), closed;

	ASSERT_LE(0, fd);
	closed = dup(fd);
	ASSERT_LE(0, closed);
	close(closed);
	EXPECT_EQ(-1, sys_restart(1, fd, CKPT_RESTART_VERIFY, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(getpid(), fd, CKPT_RESTART_VERIFY, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(0, fd, CKPT_RESTART_VERIFY | (1UL << 40), -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(0, fd, ~0UL, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_restart(0, -1, CKPT_RESTART_VERIFY, -1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_restart(0, closed, CKPT_RESTART_VERIFY, -1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, sys_restart(0, fd, CKPT_RESTART_VERIFY, closed));
	EXPECT_EQ(EBADF, errno);
	/* None of that consumed the image */
	EXPECT_EQ(0, lseek(fd, 0, SEEK_CUR));
	EXPECT_EQ(0, sys_restart(0, fd, CKPT_RESTART_VERIFY, -1)) {
		TH_LOG("good image: %s", strerror(errno));
	}
	close(fd);
}

TEST_F(verify, truncated)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	size_t mid = off_of(ic, img->recs[img->nr / 2]);
	size_t cuts[] = {
		0,				/* empty */
		4,				/* mid record header */
		sizeof(struct ckpt_hdr),	/* just a record header */
		sizeof(struct ckpt_hdr_header) / 2, /* mid HEADER */
		sizeof(struct ckpt_hdr_header),	/* HEADER only */
		mid,				/* at a record boundary */
		mid + 4,			/* in a record header */
		mid + 12,			/* in a record */
		ic->len / 2,
		ic->len - sizeof(struct ckpt_hdr_tail), /* just before TAIL */
		ic->len - sizeof(struct ckpt_hdr_tail) + 8, /* mid TAIL */
		ic->len - 1,
	};
	char what[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cuts); i++) {
		snprintf(what, sizeof(what), "truncated to %zu of %zu bytes",
			 cuts[i], ic->len);
		expect_verify(_metadata, ic, cuts[i], EINVAL, what);
	}
}

/* Every byte of a record header flipped, CRC left alone */
TEST_F(verify, flipped_header_byte)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	size_t off;
	int err, i, r;
	int recs[] = { 0, (int)img->nr / 2, (int)img->nr - 2 };

	for (r = 0; r < 3; r++) {
		off = off_of(ic, img->recs[recs[r]]);
		for (i = 0; i < 8; i++) {
			ic->buf[off + i] ^= 0x40;
			err = ckpt_verify_buf(ic->buf, ic->len, NULL, 0);
			EXPECT_TRUE(err == EINVAL || err == EBADMSG) {
				TH_LOG("record %d byte %d: %s", recs[r], i,
				       err > 0 ? strerror(err) : "accepted");
			}
			ic->buf[off + i] ^= 0x40;
		}
	}
	expect_verify(_metadata, ic, ic->len, 0, "flipped back");
}

/* Bad lengths: past the end, huge, zero, short, unaligned, too long */
TEST_F(verify, bad_length)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr *last = img->recs[img->nr - 2];
	const struct ckpt_hdr *mid = img->recs[img->nr / 2];
	struct ckpt_hdr *h;

	h = in_copy(ic, last);
	h->len = ic->len - off_of(ic, last) + 8;
	expect_einval(_metadata, ic, "length past the end");

	h = in_copy(ic, mid);
	h->len = 0xfffffff8;
	expect_einval(_metadata, ic, "length 0xfffffff8");

	h = in_copy(ic, mid);
	h->len = CKPT_RECORD_MAX + CKPT_ALIGN;
	expect_einval(_metadata, ic, "length CKPT_RECORD_MAX + 8");

	h = in_copy(ic, mid);
	h->len = 0;
	expect_einval(_metadata, ic, "length 0");

	h = in_copy(ic, mid);
	h->len = 4;
	expect_einval(_metadata, ic, "length 4");

	h = in_copy(ic, mid);
	h->len += 4;
	expect_einval(_metadata, ic, "unaligned length");

	h = in_copy(ic, img->hdr);
	h->len -= 8;
	expect_einval(_metadata, ic, "HEADER 8 bytes short");
}

TEST_F(verify, unknown_record_type)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	size_t hlen = img->hdr->h.len;
	struct ckpt_hdr *h;

	/* A known record's type changed */
	h = in_copy(ic, ckpt_find(img, CKPT_HDR_SIGHAND, 0));
	h->type = 9999;
	expect_einval(_metadata, ic, "SIGHAND turned into type 9999");

	h = in_copy(ic, ckpt_find(img, CKPT_HDR_CPU, 0));
	h->type = 0;
	expect_einval(_metadata, ic, "CPU turned into type 0");

	/* A record of an unknown type inserted after the HEADER */
	memmove(ic->buf + hlen + 16, ic->buf + hlen, ic->len - hlen);
	memset(ic->buf + hlen, 0, 16);
	h = (void *)(ic->buf + hlen);
	h->type = 150;
	h->len = 16;
	ckpt_fix_tail(ic->buf, ic->len + 16, img->nr);
	expect_verify(_metadata, ic, ic->len + 16, EINVAL,
		      "inserted record of type 150");
	memcpy(ic->buf, ic->good, ic->len);
}

TEST_F(verify, bad_header)
{
	struct image_copy *ic = &self->c;
	struct ckpt_hdr_header *h = in_copy(ic, ic->img.hdr);

	h->magic ^= 1;
	expect_einval(_metadata, ic, "wrong magic");
	h->version = CKPT_VERSION + 1;
	expect_einval(_metadata, ic, "wrong version");
	h->version = 0;
	expect_einval(_metadata, ic, "version 0");
	h->arch = CKPT_ARCH_X86_64 + 1;
	expect_einval(_metadata, ic, "wrong arch");
	h->arch = 0;
	expect_einval(_metadata, ic, "arch 0");
	h->page_size = 12345;
	expect_einval(_metadata, ic, "page size 12345");
	h->xstate_size = CKPT_XSTATE_MAX + 64;
	expect_einval(_metadata, ic, "xstate_size too big");
	h->pid = 0;
	expect_einval(_metadata, ic, "header pid 0");
	h->pid = 4194304 + 1;
	expect_einval(_metadata, ic, "header pid above PID_MAX_LIMIT");
	h->pid++;
	expect_einval(_metadata, ic, "header pid not the task's");
	h->__pad = 1;
	expect_einval(_metadata, ic, "header __pad");
	memset(h->release, 'x', sizeof(h->release));
	expect_einval(_metadata, ic, "unterminated release");
}

TEST_F(verify, bad_tail)
{
	struct image_copy *ic = &self->c;
	struct ckpt_hdr_tail *t = in_copy(ic, ic->img.tail);

	/* Only the CRC can tell: EBADMSG */
	t->crc32c ^= 1;
	expect_verify(_metadata, ic, ic->len, EBADMSG, "tail CRC off by one bit");
	memcpy(ic->buf, ic->good, ic->len);

	t->nr_records++;
	expect_einval(_metadata, ic, "tail record count + 1");
	t->nr_records--;
	expect_einval(_metadata, ic, "tail record count - 1");
}

/* Page data damaged: only the CRC can tell */
TEST_F(verify, flipped_page_byte)
{
	struct image_copy *ic = &self->c;
	const unsigned char *page = ckpt_find_page(&ic->img, DATA_ADDR);
	size_t off;

	ASSERT_NE(NULL, page);
	ASSERT_TRUE(check_pattern(page, 4096, 7));
	off = page - (const unsigned char *)ic->good;
	ic->buf[off + 1000] ^= 0x01;
	expect_verify(_metadata, ic, ic->len, EBADMSG, "flipped page byte");
	memcpy(ic->buf, ic->good, ic->len);
	ic->buf[off + 4095] ^= 0x80;
	expect_verify(_metadata, ic, ic->len, EBADMSG, "flipped last page byte");
}

/* References to objects that do not exist */
TEST_F(verify, dangling_reference)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	struct ckpt_hdr_task *t = in_copy(ic, ckpt_find(img, CKPT_HDR_TASK, 0));
	struct ckpt_hdr_fd *fd = in_copy(ic, ckpt_find(img, CKPT_HDR_FD, 0));
	struct ckpt_hdr_mm *mm = in_copy(ic, ckpt_find(img, CKPT_HDR_MM, 0));

	t->cred_ref = 999;
	expect_einval(_metadata, ic, "TASK cred_ref 999");
	t->mm_ref = 999;
	expect_einval(_metadata, ic, "TASK mm_ref 999");
	t->files_ref = img->nr_objs + 1;
	expect_einval(_metadata, ic, "TASK files_ref one past the last id");
	t->sighand_ref = 0;
	expect_einval(_metadata, ic, "TASK sighand_ref 0");
	fd->file_ref = 999;
	expect_einval(_metadata, ic, "FD file_ref 999");
	ASSERT_NE(0, mm->exe_ref);
	mm->exe_ref = 999;
	expect_einval(_metadata, ic, "MM exe_ref 999");
}

/* References to objects of the wrong type */
TEST_F(verify, wrong_type_reference)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr_task *task = ckpt_find(img, CKPT_HDR_TASK, 0);
	const struct ckpt_hdr_file *file = ckpt_find(img, CKPT_HDR_FILE, 0);
	struct ckpt_hdr_task *t = in_copy(ic, task);
	struct ckpt_hdr_fd *fd = in_copy(ic, ckpt_find(img, CKPT_HDR_FD, 0));

	ASSERT_NE(NULL, file);
	t->cred_ref = file->objref;
	expect_einval(_metadata, ic, "TASK cred_ref -> a FILE");
	t->mm_ref = task->cred_ref;
	expect_einval(_metadata, ic, "TASK mm_ref -> a CRED");
	t->fs_ref = task->files_ref;
	expect_einval(_metadata, ic, "TASK fs_ref -> a FILES");
	fd->file_ref = task->cred_ref;
	expect_einval(_metadata, ic, "FD file_ref -> a CRED");
}

/* Object ids not handed out 1, 2, 3... */
TEST_F(verify, bad_object_id)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	struct ckpt_hdr_cred *c = in_copy(ic, ckpt_find(img, CKPT_HDR_CRED, 0));
	struct ckpt_hdr_file *f;

	c->objref = 999;
	expect_einval(_metadata, ic, "CRED objref 999");
	c->objref = 0;
	expect_einval(_metadata, ic, "CRED objref 0");
	ASSERT_LE(2, ckpt_count(img, CKPT_HDR_FILE));
	f = in_copy(ic, ckpt_find(img, CKPT_HDR_FILE, 1));
	f->objref = ((const struct ckpt_hdr_file *)ckpt_find(img, CKPT_HDR_FILE,
							     0))->objref;
	expect_einval(_metadata, ic, "FILE redefining an id");
}

static size_t padded(size_t n)
{
	return CKPT_ALIGN_UP(n) - n;
}

TEST_F(verify, nonzero_padding)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	struct ckpt_hdr_sched *sc = in_copy(ic, ckpt_find(img, CKPT_HDR_SCHED, 0));
	struct ckpt_hdr_cpu *c = in_copy(ic, ckpt_find(img, CKPT_HDR_CPU, 0));
	struct ckpt_hdr_pages *p = in_copy(ic, ckpt_find(img, CKPT_HDR_PAGES, 0));
	struct ckpt_hdr_xstate *x = in_copy(ic, ckpt_find(img, CKPT_HDR_XSTATE, 0));
	struct ckpt_hdr_fd *fd = in_copy(ic, ckpt_find(img, CKPT_HDR_FD, 0));
	struct ckpt_hdr_cred *cr = in_copy(ic, ckpt_find(img, CKPT_HDR_CRED, 0));
	const struct ckpt_hdr_file *f;
	bool tail_pad = false;
	unsigned int i;

	sc->__pad = 1;
	expect_einval(_metadata, ic, "SCHED __pad");
	c->restart_bitset = 0x100;
	expect_einval(_metadata, ic, "CPU restart_bitset of no futex wait");
	p->__pad = 1;
	expect_einval(_metadata, ic, "PAGES __pad");
	x->__pad = 1;
	expect_einval(_metadata, ic, "XSTATE __pad");
	fd->__pad = 1;
	expect_einval(_metadata, ic, "FD __pad");
	cr->__pad = 1;
	expect_einval(_metadata, ic, "CRED __pad");

	/* The padding after a FILE's path */
	for (i = 0; (f = ckpt_find(img, CKPT_HDR_FILE, i)); i++) {
		if (!padded(f->path_len))
			continue;
		ic->buf[off_of(ic, f) + f->h.len - 1] = 'x';
		expect_einval(_metadata, ic, "FILE path padding");
		tail_pad = true;
		break;
	}
	if (!tail_pad)
		TH_LOG("no FILE path with padding to damage");
}

/* Fields out of their range */
TEST_F(verify, out_of_range_fields)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	struct ckpt_hdr_task *t = in_copy(ic, ckpt_find(img, CKPT_HDR_TASK, 0));
	struct ckpt_hdr_file *f = in_copy(ic, ckpt_find(img, CKPT_HDR_FILE, 0));
	struct ckpt_hdr_fd *fd = in_copy(ic, ckpt_find(img, CKPT_HDR_FD, 0));
	const struct ckpt_hdr_vma *gv = ckpt_find_vma(img, DATA_ADDR);
	const struct ckpt_hdr_pages *gp = NULL, *pg;
	struct ckpt_hdr_sighand *s = in_copy(ic, ckpt_find(img, CKPT_HDR_SIGHAND, 0));
	struct ckpt_hdr_vma *v;
	struct ckpt_hdr_pages *p;
	unsigned int i;

	for (i = 0; (pg = ckpt_find(img, CKPT_HDR_PAGES, i)); i++)
		if (pg->addr == DATA_ADDR)
			gp = pg;
	ASSERT_NE(NULL, gv);
	ASSERT_NE(NULL, gp);
	v = in_copy(ic, gv);
	p = in_copy(ic, gp);

	t->flags |= 1U << 31;
	expect_einval(_metadata, ic, "TASK unknown flag");
	f->kind = CKPT_FILE_KIND_MAX + 1;
	expect_einval(_metadata, ic, "FILE kind out of range");
	f->kind = 0;
	expect_einval(_metadata, ic, "FILE kind 0");
	f->flags |= 1U << 30;
	expect_einval(_metadata, ic, "FILE unknown open flag");
	f->path_len = CKPT_PATH_MAX + 8;
	expect_einval(_metadata, ic, "FILE path_len too big");
	fd->flags |= 1U << 7;
	expect_einval(_metadata, ic, "FD unknown flag");
	fd->fd = CKPT_FD_MAX;
	expect_einval(_metadata, ic, "FD number CKPT_FD_MAX");
	v->kind = CKPT_VMA_KIND_MAX + 1;
	expect_einval(_metadata, ic, "VMA kind out of range");
	v->prot |= 1U << 5;
	expect_einval(_metadata, ic, "VMA unknown prot bit");
	v->flags |= 1U << 29;
	expect_einval(_metadata, ic, "VMA unknown flag");
	v->start += 1;
	expect_einval(_metadata, ic, "VMA start not page aligned");
	v->end = v->start;
	expect_einval(_metadata, ic, "empty VMA");
	p->nr_pages = 0;
	expect_einval(_metadata, ic, "PAGES nr_pages 0");
	p->addr += 1;
	expect_einval(_metadata, ic, "PAGES address not aligned");
	p->addr = gv->end;
	expect_einval(_metadata, ic, "PAGES outside the VMA");
	s->nr = CKPT_NSIG + 1;
	expect_einval(_metadata, ic, "SIGHAND nr");
}

/* Records out of their place */
TEST_F(verify, bad_order)
{
	struct image_copy *ic = &self->c;
	const struct ckpt_image *img = &ic->img;
	const struct ckpt_hdr *a = img->recs[1], *b;
	size_t off = img->hdr->h.len, alen = a->len;
	int t = ckpt_index(img, ckpt_find(img, CKPT_HDR_TASK, 0));

	/* The HEADER not first: swap it with the next record */
	memcpy(ic->buf, a, alen);
	memcpy(ic->buf + alen, ic->good, off);
	expect_einval(_metadata, ic, "HEADER second");

	/* The TASK before the objects it uses: swap it with the one before */
	ASSERT_LT(1, t);
	b = img->recs[t - 1];
	a = img->recs[t];
	off = off_of(ic, b);
	memcpy(ic->buf + off, a, a->len);
	memcpy(ic->buf + off + a->len, b, b->len);
	expect_einval(_metadata, ic, "TASK before its last object");

	/* CPU and XSTATE swapped */
	a = ckpt_find(img, CKPT_HDR_CPU, 0);
	b = ckpt_find(img, CKPT_HDR_XSTATE, 0);
	ASSERT_EQ((const char *)b, (const char *)a + a->len);
	off = off_of(ic, a);
	memcpy(ic->buf + off, b, b->len);
	memcpy(ic->buf + off + b->len, a, a->len);
	expect_einval(_metadata, ic, "XSTATE before CPU");
}

/* Last: nothing above made the kernel complain */
CKPT_NO_SPLAT_TEST();

TEST_HARNESS_MAIN
