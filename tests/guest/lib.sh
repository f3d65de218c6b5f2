# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest-side helpers, sourced by /init inside the test VM (busybox sh).
#
# Results go to file descriptor 3, the second serial port (/dev/ttyS1), one
# per line, printed by the workspace's one result printer (tests/lib/ktap.sh,
# the same file as on the host): ok NAME / not ok NAME # WHY /
# ok NAME # SKIP WHY / # DIAGNOSTIC (ok, not_ok, skip, diag, and result and
# check for a command's exit status); and "end" when the guest finished. The
# host labels and numbers them into KTAP (tests/ktap-report.sh). The kernel
# console stays on ttyS0, so printk output never splits a result.
KTAP_FD=3
# shellcheck source=tests/lib/ktap.sh
. /tests/lib/ktap.sh

# cmdline_value NAME: the value of NAME=... on the kernel command line.
cmdline_value() {
	read -r cmdline </proc/cmdline
	for word in $cmdline; do
		case "$word" in
		"$1="*) echo "${word#*=}" ;;
		esac
	done
}

# The kernel log since the last `dmesg -c`, without level prefixes or
# timestamps, so lines compare exactly.
kmsg() {
	dmesg | sed -e 's/^<[0-9]*>//' -e 's/^\[ *[0-9.]*\] //'
}

# expect_log LINE: the kernel log has exactly this line.
expect_log() {
	if kmsg | grep -qxF -- "$1"; then
		ok "$MOD: kernel log has '$1'"
	else
		not_ok "$MOD: kernel log has '$1'" "missing; the module logged:"
		kmsg | grep -F "$MOD" | sed 's/^/  /' | diag_lines
	fi
}

# Taint bits other than O (out-of-tree module loaded, 4096) and E
# (unsigned module loaded, 8192): loading one of our modules sets O, and
# on a kernel with module signing (Debian's stock kernel, the stock VM
# run) also E, as our modules are never signed with its key; nothing else
# may appear.
taint_but_oot() {
	echo $(($(cat /proc/sys/kernel/tainted) & ~(4096 | 8192)))
}

counters() {
	echo "taint=$(taint_but_oot) warn=$(cat /sys/kernel/warn_count) oops=$(cat /sys/kernel/oops_count)"
}

# counters_unchanged PREFIX BEFORE: "PREFIX: no new taint, WARN or oops",
# ok when the counters are still BEFORE (as counters printed them).
counters_unchanged() {
	after=$(counters)
	if [ "$2" = "$after" ]; then
		ok "$1: no new taint, WARN or oops"
	else
		not_ok "$1: no new taint, WARN or oops" "before: $2, after: $after"
	fi
}

# module_hooks NAME: the hooks of the module's guest test,
# /tests/modules/NAME/guest.sh (tests/modules/NAME/guest.sh in the
# workspace), each a no-op unless the script defines it:
#   after_load     its tests while it is loaded
#   after_unload   its tests once it is unloaded
#   use_module     a short use of the module while all are loaded together
#                  (test_together); fails when the use fails
#   CYCLE_DEVICE   the node the debug tests' load/unload cycles write and
#                  read back in each cycle (debug.sh), empty for none
module_hooks() {
	MOD=$1
	after_load() { :; }
	after_unload() { :; }
	# shellcheck disable=SC2317 # called by test_together
	use_module() { :; }
	CYCLE_DEVICE=
	# shellcheck disable=SC1090 # one test script per module
	. "/tests/modules/$MOD/guest.sh"
}

# test_module NAME: load /modules/NAME.ko, run the hooks of its guest test,
# unload it, and check that the kernel's taint, WARN and oops counters did
# not move. With ws.load=modprobe on the kernel command line (the DKMS run,
# tests/run-vm.sh --lib-modules), `modprobe NAME` and `modprobe -r NAME`
# instead, from /lib/modules/<release> and its modules.dep.
test_module() {
	module_hooks "$1"

	if [ "$(cmdline_value ws.load)" = modprobe ]; then
		dep=/lib/modules/$(uname -r)/modules.dep
		path=$(grep -o "^[^:]*/$MOD\.ko:" "$dep" 2>/dev/null | tr -d :)
		if [ -z "$path" ]; then
			not_ok "$MOD: in modules.dep" "no $MOD.ko in $dep"
			return
		fi
		ok "$MOD: in modules.dep as $path"
		load="modprobe $MOD" unload="modprobe -r $MOD"
	else
		ko=/modules/$MOD.ko
		if [ ! -f "$ko" ]; then
			not_ok "$MOD: module built" "$ko is not in the initramfs"
			return
		fi
		load="insmod $ko" unload="rmmod $MOD"
	fi
	before=$(counters)
	dmesg -c >/dev/null

	# shellcheck disable=SC2086 # a command and its arguments
	if $load 2>/tmp/load.err; then
		ok "$MOD: ${load% *}"
	else
		not_ok "$MOD: ${load% *}" "$(cat /tmp/load.err)"
		return
	fi
	check "$MOD: listed in /proc/modules" grep -q "^$MOD " /proc/modules
	after_load

	# shellcheck disable=SC2086 # a command and its arguments
	if $unload 2>/tmp/unload.err; then
		ok "$MOD: ${unload% *}"
	else
		not_ok "$MOD: ${unload% *}" "$(cat /tmp/unload.err)"
	fi
	check "$MOD: gone from /proc/modules" sh -c "! grep -q '^$MOD ' /proc/modules"
	after_unload

	# The module's own lines (printk's pr_fmt and Rust's pr_info! prefix
	# them with the module's name) are its log; whatever else the kernel
	# logged meanwhile (a mouse probed, a clocksource switched) is kept
	# apart, so that make run shows only what the module said.
	kmsg | grep "^$MOD: " | sed "s/^/$MOD log: /" | diag_lines
	kmsg | grep -v "^$MOD: " | sed "s/^/$MOD meanwhile: /" | diag_lines
	counters_unchanged "$MOD" "$before"
}

# test_together: every module of /tests/modules.list loaded at the same
# time, each used (its use_module hook) and heard from (a line of its own
# in the kernel log), then all unloaded, last loaded first: nothing of
# them may remain (/proc/modules, /sys/module, their symbols in
# /proc/kallsyms) and the taint, WARN and oops counters must not move.
# Self-contained modules (the stock run) each carry a private copy of the
# Rust support: loaded together is where two copies would clash.
test_together() {
	[ "$(cmdline_value ws.load)" != modprobe ] || return 0
	mods=$(tr '\n' ' ' </tests/modules.list)
	# shellcheck disable=SC2086 # a list of names
	set -- $mods
	[ $# -ge 2 ] || return 0
	pattern=$(echo "$mods" | sed 's/ *$//; s/ /|/g')
	# The tag each module's symbols have in /proc/kallsyms, "[NAME]", a
	# line each: grep -F -f, fixed strings, which busybox's grep scans a
	# few times faster than a regular expression (15,000 lines).
	printf '[%s]\n' "$@" >/tmp/kallsyms.tags
	before=$(counters)
	dmesg -c >/dev/null
	loaded=""
	for m; do
		if insmod "/modules/$m.ko" 2>/tmp/load.err; then
			loaded="$m $loaded"
		else
			not_ok "together: insmod $m with the others loaded" "$(cat /tmp/load.err)"
		fi
	done
	check "together: all $# modules loaded at once" \
		sh -c "[ \$(grep -cE '^($pattern) ' /proc/modules) -eq $# ]"
	check "together: each one's symbols are in /proc/kallsyms" \
		test "$(grep -oF -f /tmp/kallsyms.tags /proc/kallsyms | sort -u | wc -l)" -eq $#
	for m in $loaded; do
		module_hooks "$m"
		if use_module together && kmsg | grep -q "^$m: "; then
			ok "together: $m works and logs beside the others"
		else
			not_ok "together: $m works and logs beside the others" "use failed or no '$m: ' line in the log"
		fi
	done
	for m in $loaded; do
		rmmod "$m" 2>/tmp/unload.err || not_ok "together: rmmod $m" "$(cat /tmp/unload.err)"
	done
	check "together: none left in /proc/modules or /sys/module" \
		sh -c "! grep -qE '^($pattern) ' /proc/modules && for m in $mods; do [ ! -e /sys/module/\$m ] || exit 1; done"
	check "together: none of their symbols left in /proc/kallsyms" \
		sh -c "! grep -qF -f /tmp/kallsyms.tags /proc/kallsyms"
	counters_unchanged together "$before"
}

# The misc devices of the ABI of modules/rust_misc/rust_misc.h (rust_misc
# and its C twin c_misc), tested the same way: their guest tests call these
# with the node (/dev/NAME, NAME also being its name in /sys/class/misc) and
# the module's log prefix, which is $MOD.
#
# Settings, from the kernel command line (tests/run-vm.sh puts them there):
#   ws.fuzz_ops=N    operations of the fuzzer (required: make check and make
#                    check-debug each pass theirs)
#   ws.fuzz_seed=S   its seed, to replay a failed run; the seed is always
#                    printed. tests/run-vm.sh always gives one (drawn on the
#                    host: a first read of the guest's /dev/urandom waits
#                    about a second for its RNG); without it, 32 random
#                    bits from /dev/urandom.
#   ws.stress_ops=N  operations of each of the stress test's 8 processes
#                    (default 2000, make check's; make run's edit loop
#                    passes fewer)

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

# misc_store_after_load DEVICE: the node appears with the minor the module
# logs, the userspace test program checks every rule of the device (one
# result line per check), and the model-checked fuzzer and the
# multi-process stress test run against it (tests/modules/rust_misc/).
misc_store_after_load() {
	device=$1
	target="--device $device --module $MOD"
	dev=$(cat "/sys/class/misc/${device#/dev/}/dev" 2>/dev/null)
	expect_log "$MOD: Registered $device, misc minor ${dev#*:}"
	check "$MOD: $device is a character device" test -c "$device"
	check "$MOD: $device is misc major 10 (sysfs dev $dev)" \
		test "${dev%:*}" = 10

	# shellcheck disable=SC2086 # target is two options with their values
	run_program "userspace test program" /tests/bin/rust-misc-test $target

	ops=$(cmdline_value ws.fuzz_ops)
	seed=$(cmdline_value ws.fuzz_seed)
	[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	[ -n "$seed" ] || seed=$(date +%s)
	make_target=check
	[ "$(cmdline_value ws.debug)" != 1 ] || make_target=check-debug
	if [ -z "$ops" ]; then
		not_ok "$MOD: fuzzer length given (ws.fuzz_ops)" "missing on the kernel command line"
	else
		diag "$MOD: fuzz seed $seed, $ops ops (replay: FUZZ_SEED=$seed FUZZ_OPS=$ops make $make_target)"
		# shellcheck disable=SC2086
		run_program "fuzzer" /tests/bin/rust-misc-stress fuzz \
			--seed "$seed" --ops "$ops" $target
	fi
	stress_ops=$(cmdline_value ws.stress_ops)
	# shellcheck disable=SC2086
	run_program "stress test (8 processes x ${stress_ops:-2000} ops)" \
		/tests/bin/rust-misc-stress stress \
		--procs 8 --ops "${stress_ops:-2000}" --seed "$seed" $target
}

# misc_store_after_unload DEVICE: the module said goodbye, the node is gone.
misc_store_after_unload() {
	expect_log "$MOD: Unregistering $1"
	check "$MOD: $1 removed" test ! -e "$1"
}

# misc_store_use DEVICE WHAT: a write of WHAT and a read of it back.
misc_store_use() {
	echo "$2" >"$1" && [ "$(cat "$1")" = "$2" ]
}

# misc_store_hooks DEVICE: the hooks of the guest test of a driver of the
# ABI of rust_misc.h whose node is DEVICE: the steps above after load and
# unload, a write and a read back when all modules are loaded together,
# and DEVICE for the debug tests' load/unload cycles.
misc_store_hooks() {
	MISC_DEVICE=$1
	# shellcheck disable=SC2034 # read by debug.sh
	CYCLE_DEVICE=$1
	# shellcheck disable=SC2317 # called by test_module
	after_load() { misc_store_after_load "$MISC_DEVICE"; }
	# shellcheck disable=SC2317
	after_unload() { misc_store_after_unload "$MISC_DEVICE"; }
	# shellcheck disable=SC2317
	use_module() { misc_store_use "$MISC_DEVICE" "used with all modules loaded"; }
}
