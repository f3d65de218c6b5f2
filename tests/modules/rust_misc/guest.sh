# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest test of modules/rust_misc: the node appears with the minor the
# module logs, the userspace test program checks every rule of the device
# (one result line per check), the model-checked fuzzer and the
# multi-process stress test run, and the node goes away at unload.
#
# Settings, from the kernel command line (tests/run-vm.sh puts FUZZ_OPS and
# FUZZ_SEED of its environment there):
#   ws.fuzz_ops=N    operations of the fuzzer (default 200000)
#   ws.fuzz_seed=S   its seed (default: 32 random bits from /dev/urandom), to
#                 replay a failed run; the seed is always printed.

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
	expect_log "rust_misc: Registered /dev/rust-misc, misc minor ${dev#*:}"
	check "$MOD: /dev/rust-misc is a character device" test -c /dev/rust-misc
	check "$MOD: /dev/rust-misc is misc major 10 (sysfs dev $dev)" \
		test "${dev%:*}" = 10

	run_program "userspace test program" /tests/bin/rust-misc-test

	ops=$(cmdline_value ws.fuzz_ops)
	seed=$(cmdline_value ws.fuzz_seed)
	[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	[ -n "$seed" ] || seed=$(date +%s)
	target=check
	[ "$(cmdline_value ws.debug)" != 1 ] || target=check-debug
	diag "$MOD: fuzz seed $seed, ${ops:-200000} ops (replay: FUZZ_SEED=$seed FUZZ_OPS=${ops:-200000} make $target)"
	run_program "fuzzer" /tests/bin/rust-misc-stress fuzz \
		--seed "$seed" --ops "${ops:-200000}"
	run_program "stress test" /tests/bin/rust-misc-stress stress \
		--procs 8 --ops 2000 --seed "$seed"
}

after_unload() {
	expect_log "rust_misc: Unregistering /dev/rust-misc"
	check "$MOD: /dev/rust-misc removed" test ! -e /dev/rust-misc
}
