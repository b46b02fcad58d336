# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers for the scripts in scripts/ckpt/ (sourced, not run).
#
# Layout (all under $BUILD, default <repo>/build):
#   src/            the Debian linux-source-6.12 tree, a git repo: base commit
#                   (tag ckpt-base), patches/series applied, our files overlaid
#                   as absolute symlinks into the checkout
#   obj-debug/      debug kernel (ckpt-qemu + selftests config + ckpt-debug)
#   obj-prod/       production kernel (same minus ckpt-debug)
#   obj-lint/       configured like prod, only for W=1/sparse builds of our objects
#   user-<kind>/    static user space: tools/ (ckpt, restart, ckptinfo), selftests/
#   initramfs/      cpio pieces, concatenated per run
#   runs/<name>/    console.log, output.log of each boot
#   lint/           lint logs and stamps
#   series/         make series output
#   .lock           every make inside build/ runs under `flock $BUILD/.lock`

set -o pipefail

CKPT_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${REPO:-$(cd "$CKPT_SCRIPTS/../.." && pwd)}
BUILD=${BUILD:-$REPO/build}
SRC=$BUILD/src
LOCK=$BUILD/.lock
TARBALL=${TARBALL:-/usr/src/linux-source-6.12.tar.xz}
SRCPKG=linux-source-6.12
JOBS=${JOBS:-3}
# Must stay exactly as the hand-made build used it: the compiler command line
# is recorded in every .cmd file, and a different one rebuilds everything.
KCC=${KCC:-ccache gcc}
# Lets ccache share results between checkouts at different paths (CI clones).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$BUILD}

# Our files: everything tracked or untracked-but-not-ignored under these paths
# is overlaid into $SRC.  scripts/ckpt/ is deliberately not part of the series.
OUR_PATHS=(kernel include security arch mm fs drivers ipc scripts/ckpthdr.sed Documentation tools)

# Kernel config fragments, in merge order.
FRAGS_PROD=(kernel/configs/ckpt-qemu.config tools/testing/selftests/checkpoint/config)
FRAGS_DEBUG=("${FRAGS_PROD[@]}" kernel/configs/ckpt-debug.config)

PLACEHOLDER='// placeholder'

msg()  { printf '%s\n' "$*" >&"${CKPT_MSG_FD:-1}"; }
step() { printf '==> %s\n' "$*" >&"${CKPT_MSG_FD:-1}"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Run make (or anything) inside build/ under the shared lock.  Never nest it.
locked() { mkdir -p "$BUILD"; flock "$LOCK" "$@"; }

kmake() { locked make -C "$SRC" "$@"; }

# Seconds since the epoch, and a "1m23s" formatter.
now() { date +%s; }
dur() { local s=$(( $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# The base kernel version, from the unpacked tree, else from dpkg.
base_version() {
	if [ -f "$SRC/Makefile" ]; then
		awk -F' = ' '/^VERSION =/{v=$2} /^PATCHLEVEL =/{p=$2}
			/^SUBLEVEL =/{s=$2} /^EXTRAVERSION =/{e=$2; exit}
			END{printf "%s.%s.%s%s\n", v, p, s, e}' "$SRC/Makefile"
	else
		pkg_version
	fi
}

# Debian package version of the kernel source, e.g. 6.12.117-1~deb12u1.
pkg_version() {
	dpkg-query -W -f='${Version}' "$SRCPKG" 2>/dev/null
}

# Upstream part of the package version: 6.12.117-1~deb12u1 -> 6.12.117.
pkg_upstream_version() {
	local v
	v=$(pkg_version) || return 1
	v=${v#*:}
	printf '%s\n' "${v%%-*}"
}

print_base() {
	msg "base: Linux $(base_version) (Debian $SRCPKG $(pkg_version 2>/dev/null || echo '?'))"
}

# kind -> object dir / fragments
objdir() { printf '%s/obj-%s\n' "$BUILD" "$1"; }
frags_of() {
	case $1 in
	debug) printf '%s\n' "${FRAGS_DEBUG[@]}" ;;
	prod|lint) printf '%s\n' "${FRAGS_PROD[@]}" ;;
	*) die "unknown kernel kind '$1' (debug|prod|lint)" ;;
	esac
}

# Our files (relative paths, one per line), existing ones only.
our_files() {
	git -C "$REPO" ls-files -co --exclude-standard -- "${OUR_PATHS[@]}" |
		while IFS= read -r f; do
			[ -f "$REPO/$f" ] && printf '%s\n' "$f"
		done | sort -u
}

# Our C sources that belong to the kernel proper (not tools/, not docs).
our_kernel_c() {
	our_files | grep -E "^(kernel|security|arch|mm|fs|drivers|ipc)/.*\.c$" || true
}

sha_of() { sha256sum | cut -c1-64; }
