#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Assemble the test VM's initramfs with the kernel's own usr/gen_init_cpio
# (for a headers tree, such as Debian's, which has none, that of the
# workspace's kernel, $DEFAULT_KDIR: a host tool, the same for every
# kernel; see below for trees built in a Debian environment): static busybox, the guest's /init and helpers (tests/guest, the
# result printer tests/lib/ktap.sh), the programs of BINDIR in /tests/bin,
# and, for each module folder under MODULES (a folder with a Kbuild:
# modules_in, scripts/modules.sh), its .ko and its guest test
# tests/modules/NAME/guest.sh.
#
#   tests/vm/make-initramfs.sh [--lib-modules DIR] [--only NAME]...
#                              [--file DEST=SRC]... KDIR MODULES BINDIR OUT
#
# --lib-modules DIR  a kernel's installed modules folder, ROOT/lib/modules/
#                    RELEASE (the DKMS run): copied as /lib/modules/RELEASE
#                    with its modules.dep, for the guest to modprobe; the
#                    modules' .ko files are then not put in /modules.
# --only NAME        only the module folder NAME (repeatable; default: all)
# --file DEST=SRC    also the file SRC, at DEST in the initramfs (such as
#                    the benchmark's guest script, tests/bench/guest.sh)
#
# writes OUT (the cpio archive), OUT.list (gen_init_cpio's input),
# OUT.modules (the modules the guest tests, in order) and OUT.c-modules
# (those of them written in C: folders without a .rs file; the debug tests
# give them fewer load/unload cycles). Prints a failed
# result for a module without a guest test (it is not tested: the suite
# must fail) and for a test folder without a module; the modules are
# tested all the same.
set -eu
WS_TAG=vm
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

LIB_MODULES=
ONLY=
FILES=
while [ $# -gt 4 ]; do
	case "$1" in
	--lib-modules) LIB_MODULES=$2 ;;
	--only) ONLY="$ONLY $2" ;;
	--file) FILES="$FILES $2" ;;
	*) break ;;
	esac
	shift 2
done
[ $# -eq 4 ] || die "usage: $0 [--lib-modules DIR] [--only NAME]... [--file DEST=SRC]... KDIR MODULES BINDIR OUT"
# Without a modules.dep (the install failed), the guest reports each module.
[ -z "$LIB_MODULES" ] || [ -f "$LIB_MODULES/modules.dep" ] ||
	not_ok "modules installed: $LIB_MODULES has a modules.dep" "it has none"
KDIR=$1
MODULES=$2
BIN=$3
OUT=$4
BUSYBOX=/bin/busybox
# The kernel's own gen_init_cpio (KDIR's, or a copy that runs here).
GEN_INIT_CPIO=$("$WS/tests/vm/gen-init-cpio.sh" "$KDIR")
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: run 'make deps' (package busybox-static)"

list=$OUT.list
modlist=$OUT.modules
c_modlist=$OUT.c-modules
: >"$modlist"
: >"$c_modlist"
{
	for d in /bin /dev /proc /sys /modules /tests /tests/bin /tests/lib /tests/modules; do
		echo "dir $d 0755 0 0"
	done
	echo "dir /tmp 1777 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /bin/busybox $BUSYBOX 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	echo "file /init $WS/tests/guest/init 0755 0 0"
	echo "file /tests/lib/ktap.sh $WS/tests/lib/ktap.sh 0644 0 0"
	echo "file /tests/lib.sh $WS/tests/guest/lib.sh 0644 0 0"
	echo "file /tests/debug.sh $WS/tests/guest/debug.sh 0644 0 0"
	echo "file /tests/modules.list $modlist 0644 0 0"
	echo "file /tests/c-modules.list $c_modlist 0644 0 0"
	for file in $FILES; do
		echo "file ${file%%=*} ${file#*=} 0644 0 0"
	done
	for prog in "$BIN"/*; do
		[ -x "$prog" ] || continue
		echo "file /tests/bin/$(basename "$prog") $prog 0755 0 0"
	done
	for name in $(modules_in "$MODULES"); do
		case " ${ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
		guest=$(modules_guest_test "$name")
		if [ ! -f "$guest" ]; then
			not_ok "$name: has a guest test" "no tests/modules/$name/guest.sh: the module is not tested" >&3
			continue
		fi
		echo "$name" >>"$modlist"
		modules_is_rust "$MODULES/$name" || echo "$name" >>"$c_modlist"
		echo "dir /tests/modules/$name 0755 0 0"
		echo "file /tests/modules/$name/guest.sh $guest 0644 0 0"
		ko=$MODULES/$name/$name.ko
		# A missing .ko is the guest's to report ("module built").
		[ -n "$LIB_MODULES" ] || [ ! -f "$ko" ] || echo "file /modules/$name.ko $ko 0644 0 0"
	done
	if [ -d "$LIB_MODULES" ]; then
		# Everything but the build and source links to the kernel's tree.
		lib=/lib/modules/$(basename "$LIB_MODULES")
		echo "dir /lib 0755 0 0"
		echo "dir /lib/modules 0755 0 0"
		echo "dir $lib 0755 0 0"
		(cd "$LIB_MODULES" && find . -mindepth 1 ! -path ./build ! -path ./source | sort) |
			while read -r f; do
				if [ -d "$LIB_MODULES/$f" ]; then
					echo "dir $lib/${f#./} 0755 0 0"
				else
					echo "file $lib/${f#./} $LIB_MODULES/${f#./} 0644 0 0"
				fi
			done
	fi
} 3>&1 >"$list"
for name in $(modules_test_folders); do
	case " ${ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
	[ -f "$MODULES/$name/Kbuild" ] ||
		not_ok "tests/modules/$name: tests a module" "no module $name under $MODULES"
done
"$GEN_INIT_CPIO" "$list" >"$OUT"
