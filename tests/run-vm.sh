#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM tests: for each set of built modules, one VM run of the kernel of
# KDIR with them, then the KTAP report of everything (with the host
# suites' results). Each job is a script of its own under tests/vm/:
#
#   build-programs.sh   the guest's test programs (tests/modules/*/build.sh,
#                       tests/tools/*/build.sh)
#   make-initramfs.sh   the initramfs (usr/gen_init_cpio of KDIR, else of
#                       the workspace's kernel)
#   check-modules.sh    make doctor's module checks against KDIR
#   boot-qemu.sh        the VM run itself
#   scan-console.sh     the end marker and the kernel console
# and tests/ktap-report.sh reports.
#
#   tests/run-vm.sh --fuzz-ops N [--stress-ops N] [--variant-ops F:S]
#                   [--show] [--kdir DIR]
#                   [--kernel-image FILE]
#                   [--label LABEL] [--debug] [--parts N] [--append ARGS]
#                   [--host-results FILE]... [--more-results FILE:LABEL]...
#                   [--modules DIR[:VARIANT]]... [--lib-modules DIR:VARIANT]...
#
#   --fuzz-ops N           length of the modules' fuzzers (ws.fuzz_ops)
#   --stress-ops N         operations of each process of the misc devices'
#                          stress test (ws.stress_ops, default 2000)
#   --variant-ops F:S      the fuzzer's and the stress test's length in the
#                          runs of a VARIANT set (--modules DIR:VARIANT,
#                          --lib-modules): make check's headers and DKMS
#                          sets, the same sources built by the same
#                          compiler as the first set, which runs at
#                          --fuzz-ops/--stress-ops (default: those too)
#   --show                 each module's kernel log instead of KTAP (make run)
#   --kdir DIR             the kernel that boots (default: the workspace's),
#                          the tree its modules were built against
#   --kernel-image FILE    boot that image instead of KDIR's
#                          arch/x86/boot/bzImage: with --kdir a headers tree
#                          (Debian's stock headers), the kernel it was
#                          packaged from (tests/lib/debian-kernel.sh prints
#                          Debian's vmlinuz)
#   --label LABEL          the label of every result line, "[LABEL] NAME":
#                          the kernel generation, e.g. 6.12
#   --debug                the debug kernel's run: 2 vCPUs (single-threaded
#                          TCG) and the guest's debug tests (ws.debug=1)
#   --parts N              each module set in N VMs side by side (one host
#                          thread each), labelled "LABEL K/N": the debug
#                          tests' modules shared out among them, the
#                          per-module tests and the doctor's checks in the
#                          first (ws.part=K/N, tests/guest/debug.sh)
#   --append ARGS          more kernel command line
#   --host-results FILE    results of a host suite, reported first
#                          (labelled LABEL)
#   --more-results FILE:LABEL  results of another run, reported next,
#                          labelled LABEL (make check's short benchmark,
#                          "[bench]")
#   --modules DIR[:VARIANT]  the module folders under DIR (built), in a VM
#                          run of their own labelled "LABEL VARIANT"
#                          (repeatable; default: the workspace's modules/)
#   --lib-modules DIR:VARIANT  a kernel's installed modules folder,
#                          ROOT/lib/modules/RELEASE with its modules.dep (as
#                          DKMS and depmod made it), in a VM run of its own
#                          labelled "LABEL VARIANT": the guest loads the
#                          workspace's modules with modprobe and modprobe -r
#                          (ws.load=modprobe); repeatable
#   --changed-only FILE    make run's edit loop: test only the module folders
#                          whose sources, .ko or guest test changed since the run
#                          that wrote FILE; every module when none did, or
#                          when the kernel, the guest's harness, the test
#                          programs or the settings changed. FILE is written
#                          after a run that passed and removed after one
#                          that failed (the next run tests everything)
#   --report-list FILE     no report: append the results files (FILE:LABEL
#                          lines, as tests/ktap-report.sh takes them) to
#                          FILE, for one report of several runs (make check)
#
# FUZZ_SEED in the environment replays a fuzzer run. The raw results of a
# run are in build/logs/results-TAG.log (TAG: the label, "-" for spaces),
# its kernel console in console-TAG.log. Run through the top-level
# Makefile.
set -eu
WS_TAG=vm
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

SHOW=
KDIR=$DEFAULT_KDIR
IMAGE=
LABEL=
DEBUG=
APPEND=
FUZZ_OPS=
STRESS_OPS=2000
VARIANT_OPS=
HOST_RESULTS=()
MORE_RESULTS=()
MODULE_SETS=()
LIB_MODULE_SETS=()
REPORT_LIST=
CHANGED_ONLY=
PARTS=1
usage() {
	die "usage: $0 --fuzz-ops N [--stress-ops N] [--variant-ops F:S] [--show] [--kdir DIR] [--kernel-image FILE]" \
		"[--label LABEL] [--debug] [--parts N] [--append ARGS] [--host-results FILE]..." \
		"[--more-results FILE:LABEL]... [--modules DIR[:VARIANT]]..." \
		"[--lib-modules DIR:VARIANT]... [--changed-only FILE] [--report-list FILE]"
}
while [ $# -gt 0 ]; do
	case "$1" in
	--show) SHOW=--show ;;
	--kdir) KDIR=$2; shift ;;
	--kernel-image) IMAGE=$2; shift ;;
	--label) LABEL=$2; shift ;;
	--debug) DEBUG=--debug ;;
	--parts) PARTS=$2; shift ;;
	--append) APPEND=$2; shift ;;
	--fuzz-ops) FUZZ_OPS=$2; shift ;;
	--stress-ops) STRESS_OPS=$2; shift ;;
	--variant-ops) VARIANT_OPS=$2; shift ;;
	--host-results) HOST_RESULTS+=("$2"); shift ;;
	--more-results) MORE_RESULTS+=("$2"); shift ;;
	--modules) MODULE_SETS+=("$2"); shift ;;
	--lib-modules) LIB_MODULE_SETS+=("$2"); shift ;;
	--report-list) REPORT_LIST=$2; shift ;;
	--changed-only) CHANGED_ONLY=$2; shift ;;
	*) usage ;;
	esac
	shift
done
[ -n "$FUZZ_OPS" ] || usage
case "$VARIANT_OPS" in
'') VARIANT_OPS=$FUZZ_OPS:$STRESS_OPS ;;
*[!0-9:]* | :* | *: | *:*:*) die "--variant-ops $VARIANT_OPS: FUZZ_OPS:STRESS_OPS, two numbers" ;;
esac
case "$PARTS" in
'' | *[!0-9]* | 0) die "--parts $PARTS: a number of VMs, 1 or more" ;;
esac
[ ${#MODULE_SETS[@]} -gt 0 ] || [ ${#LIB_MODULE_SETS[@]} -gt 0 ] || MODULE_SETS=("$WS/modules")
BOOT_ARGS=()
if [ -n "$IMAGE" ]; then
	[ -f "$IMAGE" ] || die "--kernel-image $IMAGE: no such file"
	BOOT_ARGS=(--kernel "$IMAGE")
fi

# image_release FILE: the release a bzImage names in its setup header (the
# string at kernel_version, offset 0x20e, + 0x200), as `uname -r` will.
image_release() {
	local off
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$1" | tr -d ' ')
	dd if="$1" bs=1 skip=$((off + 0x200)) count=256 status=none |
		tr '\0' '\n' | head -n 1 | cut -d' ' -f1
}

# image_check: with --kernel-image, the image must be the kernel KDIR
# describes: the modules' vermagic is checked against KDIR's release.
image_check() {
	[ -n "$IMAGE" ] || return 0
	local want have
	want=$(cat "$KDIR/include/config/kernel.release" 2>/dev/null || echo "(none)")
	have=$(image_release "$IMAGE")
	if [ "$have" = "$want" ]; then
		ok "vm: the kernel image is of KDIR's release ($want)"
	else
		not_ok "vm: the kernel image is of KDIR's release ($want)" "$IMAGE is ${have:-of no release}"
	fi
}

VM_DIR=$BUILD_DIR/vm
LOG_DIR=$BUILD_DIR/logs

# file_tag LABEL: LABEL as a part of a file name ("6.12 headers" ->
# "6.12-headers"; "vm" for none).
file_tag() {
	echo "${1:-vm}" | tr ' /' '--'
}
mkdir -p "$VM_DIR" "$LOG_DIR"

# The results files of the report, in order: the host suites' first.
reports=()
for file in "${HOST_RESULTS[@]}"; do
	reports+=("$file:$LABEL")
done

# A run that stops early (a kernel tree it cannot read, a tool missing)
# still ends with its report, or its part of one (--report-list): what it
# has so far and a "not ok" line with the error it stopped on
# (scripts/lib.sh's die, here or in tests/vm/*.sh, copies it to
# WS_ERROR_FILE). With --report-list the failure is the report's to count.
STOPPED=$LOG_DIR/results-stopped-$(file_tag "$LABEL").log
export WS_ERROR_FILE=$STOPPED.err
rm -f "$STOPPED" "$WS_ERROR_FILE"
# shellcheck disable=SC2317 # run by the EXIT trap
report_stopped() {
	local status=$?
	[ "$status" -ne 0 ] || return 0
	echo "not ok vm: tests/run-vm.sh ran to completion # exit status $status$(sed -n '$s/^/: /p' "$WS_ERROR_FILE" 2>/dev/null)" >"$STOPPED"
	reports+=("$STOPPED:$LABEL")
	if [ -n "$REPORT_LIST" ]; then
		printf '%s\n' "${reports[@]}" >>"$REPORT_LIST"
		exit 0
	fi
	"$WS/tests/ktap-report.sh" ${SHOW:+"$SHOW"} "${reports[@]}" || true
	exit "$status"
}
trap report_stopped EXIT

# The guest's settings, on the kernel command line: those of the first
# set, and those of a variant set (VARIANT_ARGS, --variant-ops).
GUEST_ARGS="ws.fuzz_ops=$FUZZ_OPS ws.stress_ops=$STRESS_OPS"
VARIANT_ARGS="ws.fuzz_ops=${VARIANT_OPS%:*} ws.stress_ops=${VARIANT_OPS#*:}"
[ -z "${FUZZ_SEED:-}" ] || GUEST_ARGS="$GUEST_ARGS ws.fuzz_seed=$FUZZ_SEED"
[ -z "${FUZZ_SEED:-}" ] || VARIANT_ARGS="$VARIANT_ARGS ws.fuzz_seed=$FUZZ_SEED"
# Without FUZZ_SEED the seed is drawn here, one for the whole run (every
# device and set of it), and given to each boot (not to the signatures of
# --changed-only, below). The guest could read one from its /dev/urandom,
# but the first read waits until the guest's random number generator is
# seeded, which on a VM without a hardware RNG the kernel does by timing
# a busy loop: a second of emulated CPU at every boot, more than half of
# a short run's test time.
RUN_SEED=
[ -n "${FUZZ_SEED:-}" ] || RUN_SEED="ws.fuzz_seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
[ -z "$DEBUG" ] || GUEST_ARGS="$GUEST_ARGS ws.debug=1"
[ -z "$DEBUG" ] || VARIANT_ARGS="$VARIANT_ARGS ws.debug=1"

# Results of the programs' builds, shared by every run's report.
programs=$LOG_DIR/results-programs-$(file_tag "$LABEL").log
"$WS/tests/vm/build-programs.sh" "$VM_DIR/bin" "$VM_DIR/work" >"$programs"
reports+=("${MORE_RESULTS[@]}" "$programs:$LABEL")

# With --changed-only: the signature of what every module's test depends
# on (the kernel image, the guest's harness, the programs, the settings),
# then one line per module folder of the first set, "NAME SIGNATURE" (its
# sources, its .ko and its guest test folder).
ONLY_ARGS=()
run_signatures() {
	local dir=${MODULE_SETS[0]%%:*} name
	{
		echo "$GUEST_ARGS $APPEND"
		cat "${IMAGE:-$KDIR/arch/x86/boot/bzImage}" "$WS"/tests/guest/* \
			"$WS/tests/lib/ktap.sh" "$VM_DIR"/bin/* 2>/dev/null
	} | sha256sum | cut -d' ' -f1 | sed 's/^/common /'
	for name in $(modules_in "$dir"); do
		echo "$name $(find "$dir/$name" "$(dirname "$(modules_guest_test "$name")")" -type f \
			\( -name '*.rs' -o -name '*.c' -o -name '*.h' -o -name '*.sh' \
			-o -name Kbuild -o -name "$name.ko" \) ! -name bindings_generated.rs \
			-print0 2>/dev/null | sort -z | xargs -0 cat | sha256sum | cut -d' ' -f1)"
	done
}
if [ -n "$CHANGED_ONLY" ]; then
	signatures=$(run_signatures)
	changed=""
	if [ -f "$CHANGED_ONLY" ] &&
		[ "$(head -n 1 "$CHANGED_ONLY")" = "$(echo "$signatures" | head -n 1)" ]; then
		changed=$(echo "$signatures" | tail -n +2 | grep -vxFf "$CHANGED_ONLY" | cut -d' ' -f1 || true)
	fi
	if [ -n "$changed" ]; then
		for name in $changed; do
			ONLY_ARGS+=(--only "$name")
		done
		say "testing only what changed since the last run that passed:" \
			"$(echo "$changed" | tr '\n' ' ')(ALL=1 tests every module)" >&2
	fi
fi

# vm_run DIR LABEL [LIB_MODULES [PART]]: one VM run with the modules under
# DIR, or, with LIB_MODULES (a lib/modules/RELEASE folder), those of DIR
# loaded with modprobe from there; with PART (K/N), part K of N of the run
# (--parts), the doctor's checks in part 1 only. With VARIANT set, a
# variant set's run (--variant-ops).
vm_run() {
	local dir=$1 label=$2 lib_modules=${3:-} part=${4:-} tag
	tag=$(file_tag "$label")
	local cpio=$VM_DIR/initramfs-$tag.cpio results=$LOG_DIR/results-$tag.log
	local console=$LOG_DIR/console-$tag.log guest=$LOG_DIR/guest-$tag.log
	local kos=() initramfs_args=() guest_args=$GUEST_ARGS t0
	[ -z "${VARIANT:-}" ] || guest_args=$VARIANT_ARGS
	guest_args="$guest_args${RUN_SEED:+ $RUN_SEED}"
	t0=$(now)

	if [ -n "$lib_modules" ]; then
		initramfs_args+=(--lib-modules "$lib_modules")
		guest_args="$guest_args ws.load=modprobe"
	fi
	[ -z "$part" ] || guest_args="$guest_args ws.part=$part"
	"$WS/tests/vm/make-initramfs.sh" "${initramfs_args[@]}" "${ONLY_ARGS[@]}" "$KDIR" "$dir" \
		"$VM_DIR/bin" "$cpio" >"$results"
	mapfile -t kos < <(sed -n 's|^file /\(lib/\)\{0,1\}modules/[^ ]*\.ko \([^ ]*\) .*|\2|p' "$cpio.list")
	image_check >>"$results"
	# The doctor's module checks read only the .ko files and KDIR: they
	# run beside the VM (one host thread).
	local doctor=
	if [ "${part%%/*}" = 1 ] || [ -z "$part" ]; then
		"$WS/tests/vm/check-modules.sh" "$KDIR" "${kos[@]}" >"$results.doctor" &
		doctor=$!
	else
		: >"$results.doctor"
	fi
	"$WS/tests/vm/boot-qemu.sh" $DEBUG --append "$guest_args $APPEND" \
		"${BOOT_ARGS[@]}" "$KDIR" "$cpio" "$console" "$guest" >"$results.boot"
	[ -z "$doctor" ] || wait "$doctor" ||
		echo "not ok doctor: the module checks ran # exit status $?" >>"$results.doctor"
	# The doctor's result, the guest's, then the run's own.
	cat "$results.doctor" "$guest" "$results.boot" >>"$results"
	rm -f "$results.doctor" "$results.boot"
	"$WS/tests/vm/scan-console.sh" "$console" "$guest" >>"$results"
	reports+=("$results:$label")
	part_time "[$label] VM run" "$t0"
}

# vm_run_parts DIR LABEL: vm_run DIR LABEL, or its --parts N parts side by
# side, each in a subshell (their results are added here, in order).
vm_run_parts() {
	local dir=$1 label=$2 k pids=() status=0
	if [ "$PARTS" -eq 1 ]; then
		vm_run "$dir" "$label"
		return
	fi
	for k in $(seq "$PARTS"); do
		vm_run "$dir" "$label $k/$PARTS" "" "$k/$PARTS" &
		pids+=($!)
	done
	for k in "${!pids[@]}"; do
		wait "${pids[$k]}" || status=$?
	done
	for k in $(seq "$PARTS"); do
		reports+=("$LOG_DIR/results-$(file_tag "$label $k/$PARTS").log:$label $k/$PARTS")
	done
	[ "$status" -eq 0 ] || die "a part of the VM run \"$label\" stopped (exit status $status)"
}

for set in "${MODULE_SETS[@]}"; do
	case "$set" in
	*:*) VARIANT=1 vm_run_parts "${set%%:*}" "$LABEL${LABEL:+ }${set#*:}" ;;
	*) VARIANT='' vm_run_parts "$set" "$LABEL" ;;
	esac
done
for set in "${LIB_MODULE_SETS[@]}"; do
	VARIANT=1 vm_run "$WS/modules" "$LABEL${LABEL:+ }${set#*:}" "${set%%:*}"
done

trap - EXIT
if [ -n "$REPORT_LIST" ]; then
	printf '%s\n' "${reports[@]}" >>"$REPORT_LIST"
	exit 0
fi
[ -n "$CHANGED_ONLY" ] || exec "$WS/tests/ktap-report.sh" $SHOW "${reports[@]}"
status=0
"$WS/tests/ktap-report.sh" $SHOW "${reports[@]}" || status=$?
if [ "$status" -eq 0 ]; then
	echo "$signatures" >"$CHANGED_ONLY"
else
	rm -f "$CHANGED_ONLY"
fi
exit "$status"
