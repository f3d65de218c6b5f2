#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the workspace kernel in QEMU with an initramfs holding busybox, the
# built modules and the guest tests (tests/guest), then report in KTAP.
#
#   tests/run-vm.sh [--show] [--host-results FILE] [--modules DIR[:LABEL]]...
#
#   --show                 show each module's kernel log instead of KTAP
#                          (make run); the last line is the same summary
#   --host-results FILE    report the results in FILE first (same line format
#                          as the guest's, from tests/host-checks.sh)
#   --modules DIR[:LABEL]  test the .ko files found under DIR, in a VM run of
#                          its own whose results are prefixed "[LABEL] "
#                          (repeatable; default: the workspace's modules/)
#   --kdir DIR             boot the kernel of DIR (default: the workspace's)
#   --append ARGS          more kernel command line; ws.debug=1 makes the
#                          guest run tests/guest/debug.sh too
#
# The guest reports on its second serial port; the kernel console (first
# port) is kept in build/logs/console*.log and scanned for oopses, BUGs,
# WARNs and panics. The last line is "N passed, N failed", and the exit
# status 1 when anything failed. Run through the top-level Makefile.
set -eu
WS_TAG=vm
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

SHOW=0
HOST_RESULTS=
MODULE_SETS=()
KDIR=$DEFAULT_KDIR
APPEND=
while [ $# -gt 0 ]; do
	case "$1" in
	--show) SHOW=1 ;;
	--host-results) HOST_RESULTS=$2; shift ;;
	--modules) MODULE_SETS+=("$2"); shift ;;
	--kdir) KDIR=$2; shift ;;
	--append) APPEND=$2; shift ;;
	*) die "usage: $0 [--show] [--host-results FILE] [--modules DIR[:LABEL]]... [--kdir DIR] [--append ARGS]" ;;
	esac
	shift
done
[ ${#MODULE_SETS[@]} -gt 0 ] || MODULE_SETS=("$WS/modules")

VM_DIR=$BUILD_DIR/vm
LOG_DIR=$BUILD_DIR/logs
VM_TIMEOUT=${VM_TIMEOUT:-120}
VM_MEMORY=${VM_MEMORY:-256M}
BUSYBOX=/bin/busybox

# What on the console means the kernel is unhealthy, whatever the tests said.
# The debug kernel's reports come first, so that a failure names them.
CONSOLE_REPORTS=('BUG: KASAN' 'suspected memory leaks' 'possible recursive locking'
	'possible circular locking' 'inconsistent lock state'
	'sleeping function called from invalid context' 'ODEBUG'
	'Oops' 'BUG:' 'WARNING:' 'Call Trace' 'Kernel panic'
	'rust_kernel: panicked' 'general protection fault')

[ -f "$KDIR/arch/x86/boot/bzImage" ] || die "no kernel at $KDIR: run 'make kernel'"
[ -x "$KDIR/usr/gen_init_cpio" ] || die "$KDIR/usr/gen_init_cpio missing: run 'make kernel'"
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: run 'make deps' (package busybox-static)"

mkdir -p "$VM_DIR" "$LOG_DIR"

# --- userspace test programs ------------------------------------------------
# Rebuilt when a binary is missing or a source is newer than one of them.
USER_BIN=$VM_DIR/bin
misc_test=$USER_BIN/rust-misc-test
misc_stress=$USER_BIN/rust-misc-stress
stale=0
for bin in "$misc_test" "$misc_stress"; do
	if [ ! -x "$bin" ] || [ -n "$(find "$WS/tests/rust_misc" \
		"$WS/modules/rust_misc/rust_misc.h" -newer "$bin" -print -quit)" ]; then
		stale=1
	fi
done
if [ "$stale" -eq 1 ]; then
	step_start "building the userspace tests in $USER_BIN"
	BINDGEN=$WS_BINDGEN RUSTC=$WS_RUSTC "$WS/tests/rust_misc/build.sh" "$USER_BIN"
	step_done
fi

# Guest settings (tests/guest/modules/rust_misc.sh), passed on the kernel
# command line: FUZZ_OPS operations for the fuzzer (the guest's default
# when unset), FUZZ_SEED to replay a run.
GUEST_ARGS=""
[ -z "${FUZZ_OPS:-}" ] || GUEST_ARGS="$GUEST_ARGS ws.fuzz_ops=$FUZZ_OPS"
[ -z "${FUZZ_SEED:-}" ] || GUEST_ARGS="$GUEST_ARGS ws.fuzz_seed=$FUZZ_SEED"

# --- results ----------------------------------------------------------------
passed=0
failed=0
skipped=0
lines=()
diags=()
record() { # record ok|skip|fail NAME [WHY]
	local n=$((passed + failed + skipped + 1))
	case "$1" in
	ok) passed=$((passed + 1)); lines+=("ok $n - $2") ;;
	skip) skipped=$((skipped + 1)); lines+=("ok $n - $2 # SKIP $3") ;;
	*) failed=$((failed + 1)); lines+=("not ok $n - $2${3:+ # $3}") ;;
	esac
}

# parse FILE [PREFIX]: take the results of the guest's line format from FILE;
# sets `finished` when the end marker is there.
parse() {
	local line rest prefix=${2:-}
	finished=0
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		"ok "*) record ok "$prefix${line#ok }" ;;
		"not ok "*)
			rest=${line#not ok }
			record fail "$prefix${rest%% # *}" "$( [ "$rest" != "${rest#* # }" ] && echo "${rest#* # }")" ;;
		"# "*) lines+=("# $prefix${line#\# }"); diags+=("$prefix${line#\# }") ;;
		end) finished=1 ;;
		esac
	done <"$1"
}

# --- one VM run -------------------------------------------------------------
# vm_run DIR LABEL: boot with the modules under DIR, record the results.
vm_run() {
	local dir=$1 label=$2 prefix="" tag="" t name ko hit pattern
	if [ -n "$label" ]; then
		prefix="[$label] "
		tag="-$label"
	fi
	local list=$VM_DIR/initramfs$tag.list modlist=$VM_DIR/modules$tag.list
	local cpio=$VM_DIR/initramfs$tag.cpio
	local console=$LOG_DIR/console$tag.log results=$LOG_DIR/results$tag.log

	# One test script per module (tests/guest/modules/NAME.sh), tested in
	# the order of this list; NAME.ko is looked up under DIR.
	: >"$modlist"
	{
		echo "dir /bin 0755 0 0"
		echo "dir /dev 0755 0 0"
		echo "nod /dev/console 0600 0 0 c 5 1"
		echo "dir /proc 0755 0 0"
		echo "dir /sys 0755 0 0"
		echo "dir /tmp 1777 0 0"
		echo "dir /modules 0755 0 0"
		echo "dir /tests 0755 0 0"
		echo "dir /tests/modules 0755 0 0"
		echo "dir /tests/bin 0755 0 0"
		echo "file /tests/bin/rust-misc-test $misc_test 0755 0 0"
		echo "file /tests/bin/rust-misc-stress $misc_stress 0755 0 0"
		echo "file /bin/busybox $BUSYBOX 0755 0 0"
		echo "slink /bin/sh busybox 0777 0 0"
		echo "file /init $WS/tests/guest/init 0755 0 0"
		echo "file /tests/lib.sh $WS/tests/guest/lib.sh 0644 0 0"
		echo "file /tests/debug.sh $WS/tests/guest/debug.sh 0644 0 0"
		echo "file /tests/modules.list $modlist 0644 0 0"
		for t in "$WS"/tests/guest/modules/*.sh; do
			name=$(basename "$t" .sh)
			echo "$name" >>"$modlist"
			echo "file /tests/modules/$name.sh $t 0644 0 0"
			ko=$(find "$dir" -name "$name.ko" | head -n1)
			if [ -n "$ko" ]; then
				echo "file /modules/$name.ko $ko 0644 0 0"
			fi
		done
	} >"$list"
	"$KDIR/usr/gen_init_cpio" "$list" >"$cpio"

	# Before insmod: each module's vermagic and Rust symbols against the
	# kernel that boots (make doctor's module checks).
	local kos=() out
	mapfile -t kos < <(sed -n 's|^file /modules/[^ ]* \([^ ]*\) .*|--module\n\1|p' "$list")
	if out=$(KDIR=$KDIR RUSTC=$WS_RUSTC BINDGEN=$WS_BINDGEN LLVM=/usr/lib/llvm-$LLVM_VERSION/bin/ \
		"$WS/scripts/doctor.sh" --quiet "${kos[@]}" 2>&1); then
		record ok "${prefix}doctor: the modules' vermagic and Rust symbols fit the VM kernel"
	else
		record fail "${prefix}doctor: the modules' vermagic and Rust symbols fit the VM kernel" \
			"$(echo "$out" | grep -m1 PROBLEM)"
	fi

	# TCG on one vCPU: /dev/kvm may exist on these hosts but hangs a Linux
	# boot, and multi-threaded TCG with 2 vCPUs on 2 host cores is far
	# slower.
	: >"$console"
	: >"$results"
	say "booting $(sed -n 's/^source: //p' "$KDIR/.ws-inputs") in QEMU" \
		"(TCG, timeout ${VM_TIMEOUT} s) with the modules of $dir"
	local t0 vm_status=0
	t0=$(now)
	timeout --foreground -k 5 "$VM_TIMEOUT" \
		qemu-system-x86_64 -accel tcg -smp 1 -m "$VM_MEMORY" \
		-kernel "$KDIR/arch/x86/boot/bzImage" -initrd "$cpio" \
		-append "console=ttyS0 panic=-1$GUEST_ARGS $APPEND" \
		-display none -monitor none -no-reboot \
		-serial "file:$console" -serial "file:$results" \
		</dev/null || vm_status=$?

	parse "$results" "$prefix"
	if [ "$vm_status" -eq 124 ] || [ "$vm_status" -eq 137 ]; then
		record fail "${prefix}vm: finished within ${VM_TIMEOUT} s" "timed out"
	else
		record ok "${prefix}vm: finished within ${VM_TIMEOUT} s"
	fi
	if [ "$finished" -eq 1 ]; then
		record ok "${prefix}vm: guest ran every test (end marker seen)"
	else
		record fail "${prefix}vm: guest ran every test (end marker seen)" "no end marker; see $console"
	fi
	local patterns=()
	for pattern in "${CONSOLE_REPORTS[@]}"; do
		patterns+=(-e "$pattern")
		hit=$(grep -m1 -F -- "$pattern" "$console" || true)
		if [ -z "$hit" ]; then
			record ok "${prefix}console: no '$pattern'"
		else
			record fail "${prefix}console: no '$pattern'" "found: ${hit%$'\r'}"
		fi
	done
	lines+=("# ${prefix}figures: console lines reporting a kernel problem $(grep -cF "${patterns[@]}" "$console" || true) (expected 0)")
	lines+=("# ${prefix}VM run: $(($(now) - t0)) s; console log: $console")
}

[ -z "$HOST_RESULTS" ] || parse "$HOST_RESULTS"
for set in "${MODULE_SETS[@]}"; do
	case "$set" in
	*:*) vm_run "${set%%:*}" "${set#*:}" ;;
	*) vm_run "$set" "" ;;
	esac
done

# --- report -----------------------------------------------------------------
total=$((passed + failed + skipped))
if [ "$SHOW" -eq 1 ]; then
	for d in "${diags[@]}"; do
		case "$d" in
		*" log: "*) printf '  %-12s %s\n' "${d%% log: *}.ko" "${d#* log: }" ;;
		esac
	done
	for l in "${lines[@]}"; do
		case "$l" in "not ok "* | "# "*"VM run: "*) echo "$l" ;; esac
	done
else
	echo "KTAP version 1"
	echo "1..$total"
	printf '%s\n' "${lines[@]}"
fi
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
