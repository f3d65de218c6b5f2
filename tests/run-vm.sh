#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the workspace kernel in QEMU with an initramfs holding busybox, the
# built modules and the guest tests (tests/guest), then report in KTAP.
#
#   tests/run-vm.sh          the test suite: KTAP on stdout, then the line
#                            "N passed, N failed"; exit status 1 on a failure
#   tests/run-vm.sh --show   the same run, showing each module's kernel log
#   --host-results FILE      report the results in FILE (same line format as
#                            the guest's, from tests/host-checks.sh) first
#
# The guest reports on its second serial port; the kernel console (first
# port) is kept in build/logs/console.log and scanned for oopses, BUGs,
# WARNs and panics. Run through the top-level Makefile (make check, make run).
set -eu
WS_TAG=vm
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

SHOW=0
HOST_RESULTS=
while [ $# -gt 0 ]; do
	case "$1" in
	--show) SHOW=1 ;;
	--host-results) HOST_RESULTS=$2; shift ;;
	*) die "usage: $0 [--show] [--host-results FILE]" ;;
	esac
	shift
done

KDIR=$DEFAULT_KDIR
VM_DIR=$BUILD_DIR/vm
LOG_DIR=$BUILD_DIR/logs
CONSOLE=$LOG_DIR/console.log
RESULTS=$LOG_DIR/results.log
VM_TIMEOUT=${VM_TIMEOUT:-120}
VM_MEMORY=${VM_MEMORY:-256M}
BUSYBOX=/bin/busybox

# What on the console means the kernel is unhealthy, whatever the tests said.
CONSOLE_REPORTS=('Oops' 'BUG:' 'WARNING:' 'Call Trace' 'Kernel panic'
	'rust_kernel: panicked' 'general protection fault')

[ -f "$KDIR/arch/x86/boot/bzImage" ] || die "no kernel at $KDIR: run 'make kernel'"
[ -x "$KDIR/usr/gen_init_cpio" ] || die "$KDIR/usr/gen_init_cpio missing: run 'make kernel'"
[ -x "$BUSYBOX" ] || die "$BUSYBOX missing: run 'make deps' (package busybox-static)"

mkdir -p "$VM_DIR" "$LOG_DIR"

# --- userspace test programs ------------------------------------------------
# Rebuilt when a source is newer than the binary.
USER_BIN=$VM_DIR/bin
misc_test=$USER_BIN/misc-device-test
if [ ! -x "$misc_test" ] || [ -n "$(find "$WS/tests/misc_device" \
	"$WS/modules/misc_device/rust_misc.h" -newer "$misc_test" -print -quit)" ]; then
	step_start "building the userspace test $misc_test"
	BINDGEN=$WS_BINDGEN RUSTC=$WS_RUSTC "$WS/tests/misc_device/build.sh" "$USER_BIN"
	step_done
fi

# --- initramfs --------------------------------------------------------------
# One test script per module (tests/guest/modules/NAME.sh), tested in the
# order of this list; NAME.ko is looked up under modules/.
list=$VM_DIR/initramfs.list
modlist=$VM_DIR/modules.list
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
	echo "file /tests/bin/misc-device-test $misc_test 0755 0 0"
	echo "file /bin/busybox $BUSYBOX 0755 0 0"
	echo "slink /bin/sh busybox 0777 0 0"
	echo "file /init $WS/tests/guest/init 0755 0 0"
	echo "file /tests/lib.sh $WS/tests/guest/lib.sh 0644 0 0"
	echo "file /tests/modules.list $modlist 0644 0 0"
	for t in "$WS"/tests/guest/modules/*.sh; do
		name=$(basename "$t" .sh)
		echo "$name" >>"$modlist"
		echo "file /tests/modules/$name.sh $t 0644 0 0"
		ko=$(find "$WS/modules" -name "$name.ko" | head -n1)
		if [ -n "$ko" ]; then
			echo "file /modules/$name.ko $ko 0644 0 0"
		fi
	done
} >"$list"
"$KDIR/usr/gen_init_cpio" "$list" >"$VM_DIR/initramfs.cpio"

# --- boot -------------------------------------------------------------------
# TCG on one vCPU: /dev/kvm may exist on these hosts but hangs a Linux boot,
# and multi-threaded TCG with 2 vCPUs on 2 host cores is far slower.
: >"$CONSOLE"
: >"$RESULTS"
say "booting $(sed -n 's/^source: //p' "$KDIR/.ws-inputs") in QEMU (TCG, timeout ${VM_TIMEOUT} s)"
t0=$(now)
vm_status=0
timeout --foreground -k 5 "$VM_TIMEOUT" \
	qemu-system-x86_64 -accel tcg -smp 1 -m "$VM_MEMORY" \
	-kernel "$KDIR/arch/x86/boot/bzImage" -initrd "$VM_DIR/initramfs.cpio" \
	-append "console=ttyS0 panic=-1" \
	-display none -monitor none -no-reboot \
	-serial "file:$CONSOLE" -serial "file:$RESULTS" \
	</dev/null || vm_status=$?
vm_seconds=$(($(now) - t0))

# --- report -----------------------------------------------------------------
passed=0
failed=0
skipped=0
lines=()
record() { # record ok|not-ok NAME [WHY]
	local n=$((passed + failed + skipped + 1))
	case "$1" in
	ok) passed=$((passed + 1)); lines+=("ok $n - $2") ;;
	skip) skipped=$((skipped + 1)); lines+=("ok $n - $2 # SKIP $3") ;;
	*) failed=$((failed + 1)); lines+=("not ok $n - $2${3:+ # $3}") ;;
	esac
}
diags=()
finished=0
# parse FILE: take the results of the guest's line format from FILE.
parse() {
	local line rest
	while IFS= read -r line; do
		line=${line%$'\r'}
		case "$line" in
		"ok "*) record ok "${line#ok }" ;;
		"not ok "*)
			rest=${line#not ok }
			record fail "${rest%% # *}" "$( [ "$rest" != "${rest#* # }" ] && echo "${rest#* # }")" ;;
		"# "*) lines+=("$line"); diags+=("${line#\# }") ;;
		end) finished=1 ;;
		esac
	done <"$1"
}
[ -z "$HOST_RESULTS" ] || parse "$HOST_RESULTS"
parse "$RESULTS"

if [ "$vm_status" -eq 124 ] || [ "$vm_status" -eq 137 ]; then
	record fail "vm: finished within ${VM_TIMEOUT} s" "timed out"
else
	record ok "vm: finished within ${VM_TIMEOUT} s"
fi
if [ "$finished" -eq 1 ]; then
	record ok "vm: guest ran every test (end marker seen)"
else
	record fail "vm: guest ran every test (end marker seen)" "no end marker; see $CONSOLE"
fi
for pattern in "${CONSOLE_REPORTS[@]}"; do
	hit=$(grep -m1 -F -- "$pattern" "$CONSOLE" || true)
	if [ -z "$hit" ]; then
		record ok "console: no '$pattern'"
	else
		record fail "console: no '$pattern'" "found: ${hit%$'\r'}"
	fi
done

total=$((passed + failed + skipped))
if [ "$SHOW" -eq 1 ]; then
	for d in "${diags[@]}"; do
		case "$d" in
		*" log: "*) printf '  %-12s %s\n' "${d%% log: *}.ko" "${d#* log: }" ;;
		esac
	done
	for l in "${lines[@]}"; do
		case "$l" in "not ok "*) echo "$l" ;; esac
	done
else
	echo "KTAP version 1"
	echo "1..$total"
	printf '%s\n' "${lines[@]}"
fi
echo "# VM run: ${vm_seconds} s; console log: $CONSOLE"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
