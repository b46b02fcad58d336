# SPDX-License-Identifier: GPL-2.0
#
# Build, boot, test and lint pipeline of the in-kernel checkpoint/restart
# series for Linux 6.12.  The work lives in scripts/ckpt/; see README.md.
#
#   make check     debug kernel + lint + selftests under QEMU (what CI runs)
#   make lint      checkpatch, sparse + W=1, coccicheck on our files
#   make demo      production kernel: checkpoint a program, kill it, restart it
#                  (CONTAINER=1: a container in namespaces of its own)
#   make bench     production kernel: checkpoint/restart times vs write()
#   make fuzz      debug kernel: a long pass of the restart() image fuzzer
#   make run GUEST_DIR=dir GUEST_CMD='cmd' [KERNEL=debug|prod]
#   make series    git format-patch series against the base, in build/series
#   make kernel / kernel-prod / src / deps / clean

BUILD   := $(CURDIR)/build
CKPT    := $(CURDIR)/scripts/ckpt
MEM     ?= 2G
KERNEL  ?= debug
JOBS    ?= 3

export BUILD MEM JOBS
export REPO := $(CURDIR)

.NOTPARALLEL:
.PHONY: check lint demo bench fuzz run series kernel kernel-prod src deps user clean help

help:
	@sed -n '3,14p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

check:
	@$(CKPT)/check

deps:
	@$(CKPT)/deps

src: deps
	@$(CKPT)/prepare-src

lint: src
	@$(CKPT)/lint

kernel: src
	@$(CKPT)/kernel debug build headers

kernel-prod: src
	@$(CKPT)/kernel prod build headers

user: kernel
	@$(CKPT)/user debug

# tsc=reliable: with two sockets under TCG the kernel finds the TSCs
# unsynchronized and falls back to jiffies (4 ms), too coarse for timing.
demo: src
	@$(CKPT)/kernel prod build headers
	@$(CKPT)/user prod tools
	@$(CKPT)/initramfs prod base
	@KERNEL_ARGS="tsc=reliable $$KERNEL_ARGS" \
		$(CKPT)/qemu-run --kernel prod --stream demo \
		$(CKPT)/guest/$(if $(CONTAINER),demo-container,demo).job

# The table to stdout, the CSV to build/bench-DATE.csv and build/bench.csv.
bench:
	@$(CKPT)/bench

# FUZZ_IMAGES, FUZZ_SECS, FUZZ_SEED; crashing images go to build/fuzz/.
fuzz:
	@$(CKPT)/fuzz

# The guest's output goes to stdout, everything else to stderr.  make turns
# the command's non-zero status into 2; scripts/ckpt/run exits with it.
run:
	@$(if $(value GUEST_CMD),:,echo "usage: make run GUEST_DIR=dir GUEST_CMD='cmd' [KERNEL=debug|prod]" >&2; exit 2)
	@$(CKPT)/run $(KERNEL) "$(if $(GUEST_DIR),$(abspath $(GUEST_DIR)))" \
		'$(subst ','\'',$(value GUEST_CMD))'

series: src
	@$(CKPT)/series

# Everything in build/ but the ccache (which lives in ~/.cache/ccache).
clean:
	rm -rf $(BUILD)
