#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The workspace's dkms.conf, generated: its module list is read from the
# Kbuild files (the top-level Kbuild's `obj-m += modules/DIR/` lines, then
# each folder's own `obj-m := NAME.o`), so that no list of modules is kept
# by hand in two places.
#
#   scripts/dkms-conf.sh [--build-dir DIR] [--version V]   print dkms.conf
#   scripts/dkms-conf.sh --check CONF [MODULES_ORDER]
#
# --build-dir DIR  the workspace's build folder, whose tools (bindgen
#                  0.69.5, 6.1's private toolchain) the DKMS build uses:
#                  written into MAKE (default: none, the copy's own build/)
# --version V      PACKAGE_VERSION (default: dev)
# --check CONF     exit 1, naming the difference, when CONF's modules are
#                  not those Kbuild lists now (a stale dkms.conf) or, with
#                  MODULES_ORDER (Kbuild's modules.order of a build), not
#                  those the build made. Run by `make dkms-modules`, the
#                  target of dkms.conf's MAKE.
set -eu

WS=${WS:-$(cd "$(dirname "$0")/.." && pwd)}
PACKAGE_NAME=rust-oot-modules

die() {
	echo "dkms-conf: error: $*" >&2
	exit 2
}

# modules_listed: the modules Kbuild builds, "DIR NAME" per line.
# shellcheck source=scripts/modules.sh
. "$WS/scripts/modules.sh"

print_conf() {
	build_dir=$1 version=$2
	cat <<EOT
# SPDX-License-Identifier: GPL-2.0
#
# DKMS configuration of the workspace's modules, written by
# scripts/dkms-conf.sh from the Kbuild files (make dkms-source): do not edit,
# regenerate it.
#
# DKMS runs MAKE in its copy of the sources with KDIR, the tree of the kernel
# it builds for (--kernelsourcedir, else /lib/modules/<release>/build). The
# workspace's Makefile takes rustc from that tree's rust-toolchain.toml (or
# its generation's kernels/*.conf), bindgen and LLVM from its generation,
# and runs its doctor first: a kernel without Rust fails with the doctor's
# diagnosis in make.log.
PACKAGE_NAME="$PACKAGE_NAME"
PACKAGE_VERSION="$version"
EOT
	if [ -n "$build_dir" ]; then
		cat <<EOT
# The tools not installed system-wide (bindgen 0.69.5, 6.1's unpacked
# toolchain) are those of the workspace this copy was made from.
MAKE[0]="make KDIR=\${kernel_source_dir} BUILD_DIR=$build_dir dkms-modules"
CLEAN="make KDIR=\${kernel_source_dir} BUILD_DIR=$build_dir clean"
EOT
	else
		cat <<'EOT'
MAKE[0]="make KDIR=${kernel_source_dir} dkms-modules"
CLEAN="make KDIR=${kernel_source_dir} clean"
EOT
	fi
	echo 'AUTOINSTALL="yes"'
	listed=$(modules_listed) || exit 2
	i=0
	echo "$listed" | while read -r dir name; do
		cat <<EOT
BUILT_MODULE_NAME[$i]="$name"
BUILT_MODULE_LOCATION[$i]="$dir/"
DEST_MODULE_LOCATION[$i]="/updates/dkms"
EOT
		i=$((i + 1))
	done
}

# "DIR/NAME" lines, sorted, of a dkms.conf's BUILT_MODULE_* records.
conf_modules() {
	sed -n 's/^BUILT_MODULE_\(NAME\|LOCATION\)\[\([0-9]*\)\]="\([^"]*\)"$/\2 \1 \3/p' "$1" |
		sort -n -k1,1 -k2,2 | awk '
			$2 == "LOCATION" { loc[$1] = $3 }
			$2 == "NAME" { name[$1] = $3 }
			END { for (i in name) { l = loc[i]; sub(/\/$/, "", l); print l "/" name[i] } }' |
		sort
}

# words LINES: the lines on one line.
words() {
	echo "$1" | paste -sd' '
}

check_conf() {
	conf=$1 order=${2:-}
	[ -f "$conf" ] || die "no $conf"
	have=$(conf_modules "$conf")
	listed=$(modules_listed) || exit 2
	want=$(echo "$listed" | tr ' ' / | sort)
	if [ "$have" != "$want" ]; then
		echo "dkms-conf: $conf is stale: it lists $(words "$have")" \
			"but Kbuild builds $(words "$want") (regenerate it: make dkms-source)" >&2
		exit 1
	fi
	[ -n "$order" ] || return 0
	# modules.order names NAME.o (6.12) or NAME.ko (6.1), relative to the
	# workspace or absolute.
	built=$(sed -e "s|^$WS/||" -e 's/\.k\{0,1\}o$//' "$order" | sort)
	if [ "$have" != "$built" ]; then
		echo "dkms-conf: $conf lists $(words "$have")" \
			"but the build made $(words "$built") (see $order)" >&2
		exit 1
	fi
}

case "${1:-}" in
--check)
	if [ $# -lt 2 ] || [ $# -gt 3 ]; then
		die "usage: $0 --check CONF [MODULES_ORDER]"
	fi
	check_conf "$2" "${3:-}"
	;;
*)
	build_dir=
	version=dev
	while [ $# -gt 0 ]; do
		case "$1" in
		--build-dir) build_dir=$2; shift ;;
		--version) version=$2; shift ;;
		*) die "usage: $0 [--build-dir DIR] [--version V] | --check CONF [MODULES_ORDER]" ;;
		esac
		shift
	done
	print_conf "$build_dir" "$version"
	;;
esac
