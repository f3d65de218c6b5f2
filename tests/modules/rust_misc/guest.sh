# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest test of modules/rust_misc: the node appears with the minor the
# module logs, the userspace test program checks every rule of the device
# (one result line per check), the model-checked fuzzer and the
# multi-process stress test run, and the node goes away at unload. The
# programs (this folder's build.sh) take the node and the module as
# options, so another driver of the same ABI is tested the same way.
#
# Settings, from the kernel command line (tests/run-vm.sh puts them there):
#   ws.fuzz_ops=N    operations of the fuzzer (required: make check and make
#                    check-debug each pass theirs)
#   ws.fuzz_seed=S   its seed (default: 32 random bits from /dev/urandom), to
#                    replay a failed run; the seed is always printed.

DEVICE=/dev/rust-misc
TARGET="--device $DEVICE --module rust_misc"

# Centiseconds since boot.
uptime_cs() {
	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}" | sed 's/^0*//;s/^$/0/'
}

# run_program NAME COMMAND...: run a test program with its results on fd 3;
# ok when it ran to completion (exit status 0 or 1, which its own results
# tell apart), with the time it took.
run_program() {
	name=$1
	shift
	t0=$(uptime_cs)
	"$@" >&3
	status=$?
	cs=$(($(uptime_cs) - t0))
	diag "$MOD: $name took $((cs / 100)).$(printf '%02d' $((cs % 100))) s"
	if [ "$status" -le 1 ]; then
		ok "$MOD: $name ran to completion"
	else
		not_ok "$MOD: $name ran to completion" "exit status $status"
	fi
}

after_load() {
	dev=$(cat /sys/class/misc/rust-misc/dev 2>/dev/null)
	expect_log "rust_misc: Registered $DEVICE, misc minor ${dev#*:}"
	check "$MOD: $DEVICE is a character device" test -c "$DEVICE"
	check "$MOD: $DEVICE is misc major 10 (sysfs dev $dev)" \
		test "${dev%:*}" = 10

	# shellcheck disable=SC2086 # TARGET is two options with their values
	run_program "userspace test program" /tests/bin/rust-misc-test $TARGET

	ops=$(cmdline_value ws.fuzz_ops)
	seed=$(cmdline_value ws.fuzz_seed)
	[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	[ -n "$seed" ] || seed=$(date +%s)
	target=check
	[ "$(cmdline_value ws.debug)" != 1 ] || target=check-debug
	if [ -z "$ops" ]; then
		not_ok "$MOD: fuzzer length given (ws.fuzz_ops)" "missing on the kernel command line"
	else
		diag "$MOD: fuzz seed $seed, $ops ops (replay: FUZZ_SEED=$seed FUZZ_OPS=$ops make $target)"
		# shellcheck disable=SC2086
		run_program "fuzzer" /tests/bin/rust-misc-stress fuzz \
			--seed "$seed" --ops "$ops" $TARGET
	fi
	# shellcheck disable=SC2086
	run_program "stress test" /tests/bin/rust-misc-stress stress \
		--procs 8 --ops 2000 --seed "$seed" $TARGET
}

after_unload() {
	expect_log "rust_misc: Unregistering $DEVICE"
	check "$MOD: $DEVICE removed" test ! -e "$DEVICE"
}

# In each load/unload cycle of the debug tests: a write and a read.
use_module() {
	echo "cycle $1" >"$DEVICE" && cat "$DEVICE" >/dev/null
}
