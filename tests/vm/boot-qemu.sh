#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot KDIR's kernel with an initramfs in QEMU, the kernel console on the
# first serial port and the guest's results on the second, bounded by a
# timeout; the guest ends with `reboot -f` (-no-reboot makes that an exit).
#
#   tests/vm/boot-qemu.sh [--debug] [--append ARGS] [--icount]
#                         [--kernel FILE] KDIR INITRD CONSOLE RESULTS
#
#   --kernel FILE  boot that image (bzImage) instead of KDIR's
#                  arch/x86/boot/bzImage: the kernel a headers tree was
#                  packaged from (Debian's stock vmlinuz,
#                  tests/lib/debian-kernel.sh)
#   --debug        two vCPUs (the debug tests exercise SMP), single-threaded
#                  TCG; without it, one vCPU
#   --append ARGS  more kernel command line
#   --icount       the guest's clock counts instructions (-icount shift=0:
#                  one nanosecond per instruction executed): the guest's
#                  timings become counts of executed instructions, exact
#                  and repeatable (make bench runs one such boot per kernel)
#
# TCG always: /dev/kvm can exist on these hosts but hangs a Linux boot.
# Multi-threaded TCG is never used: with 2 vCPUs on 2 shared host cores it
# is many times slower than one thread running both vCPUs in turn.
# Environment: VM_TIMEOUT (seconds, default 120), VM_MEMORY (default 256M).
# Prints the result line of the timeout and the run's duration.
set -eu
WS_TAG=vm
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

SMP=(-smp 1 -accel tcg)
APPEND=
ICOUNT=()
IMAGE=
while [ $# -gt 4 ]; do
	case "$1" in
	--debug) SMP=(-smp 2 -accel "tcg,thread=single") ;;
	--append) APPEND=$2; shift ;;
	--icount) ICOUNT=(-icount "shift=0,align=off,sleep=off") ;;
	--kernel) IMAGE=$2; shift ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 4 ] || die "usage: $0 [--debug] [--append ARGS] [--icount] [--kernel FILE] KDIR INITRD CONSOLE RESULTS"
KDIR=$1
INITRD=$2
CONSOLE=$3
RESULTS=$4
VM_TIMEOUT=${VM_TIMEOUT:-120}
VM_MEMORY=${VM_MEMORY:-256M}
if [ -n "$IMAGE" ]; then
	[ -f "$IMAGE" ] || die "no kernel image $IMAGE"
	booted=$IMAGE
else
	IMAGE=$KDIR/arch/x86/boot/bzImage
	[ -f "$IMAGE" ] || die "no kernel at $KDIR: run 'make kernel'"
	booted=$(sed -n 's/^source: //p' "$KDIR/.ws-inputs" 2>/dev/null || echo "$KDIR")
fi

: >"$CONSOLE"
: >"$RESULTS"
say "booting $booted" \
	"in QEMU (${SMP[*]}${ICOUNT[*]:+ ${ICOUNT[*]}}, timeout ${VM_TIMEOUT} s)" >&2
t0=$(now)
status=0
# no_timer_check: under TCG on a busy host (make check builds rust-analyzer
# beside its VM runs) the IO-APIC timer check at boot can miss the timer
# interrupts it waits for and panic ("IO-APIC + timer doesn't work!", seen
# once in a fresh-clone run). The check is for broken timer hardware; a
# kernel that knows it runs under KVM skips it itself, one under TCG
# cannot tell, so the command line says so.
timeout --foreground -k 5 "$VM_TIMEOUT" \
	qemu-system-x86_64 "${SMP[@]}" "${ICOUNT[@]}" -m "$VM_MEMORY" \
	-kernel "$IMAGE" -initrd "$INITRD" \
	-append "console=ttyS0 panic=-1 no_timer_check $APPEND" \
	-display none -vga none -monitor none -no-reboot \
	-serial "file:$CONSOLE" -serial "file:$RESULTS" \
	</dev/null || status=$?

if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
	not_ok "vm: finished within ${VM_TIMEOUT} s" "timed out"
elif [ "$status" -ne 0 ]; then
	not_ok "vm: finished within ${VM_TIMEOUT} s" "qemu exit status $status"
else
	ok "vm: finished within ${VM_TIMEOUT} s"
fi
diag "VM run: $(($(now) - t0)) s (${SMP[*]}); kernel console in $CONSOLE"
say "VM run done in $(($(now) - t0)) s" >&2
