# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest tests that only the debug kernel runs (make check-debug), after the
# per-module tests; sourced by /init with the helpers of lib.sh.
#
# - load/unload cycles of every module, by /tests/bin/load-cycles
#   (tests/tools/module-load, generic: finit_module(2), delete_module(2),
#   and for a misc store a write and a read of its node in each cycle, the
#   node named by the CYCLE_DEVICE of its guest test);
# - allocation failures: every slab allocation made by each module's init
#   (failslab through /proc/thread-self/fail-nth, limited by the stack trace
#   filter to allocations with module code on the stack) made to fail in
#   turn by /tests/bin/fault-load (tests/tools/module-load, generic): the
#   load must fail cleanly with ENOMEM, and a normal load must work
#   afterwards. A kernel without that filter (6.1 on x86-64) fails every
#   allocation of the whole load in turn, the module loader's and the
#   init's: a superset. The loader's vmalloc() failures print a warn_alloc()
#   report with a stack trace; the guest brackets these loads with
#   "ws: fault injection without a stack filter: begin/end" on the kernel
#   log, and tests/vm/scan-console.sh accepts exactly those reports there;
# - a kmemleak scan done the reliable way (its list emptied before the
#   run's first test, kmemleak_start, so that it covers them all): scan,
#   wait past the minimum object age (5 s), scan again, read: no
#   suspected leak.
# Figures go out as diagnostics.
#
# With ws.part=K/N on the kernel command line (tests/run-vm.sh --parts N:
# N VMs side by side, one host thread each), this VM runs the debug tests
# of its share of the modules (part_modules) and part 1 also the
# per-module tests (init).

KMEMLEAK=/sys/kernel/debug/kmemleak
FAILSLAB=/sys/kernel/debug/failslab
# Load/unload cycles per Rust module: ws.cycles=N on the kernel command
# line (make check-debug CYCLES=N), 1000 by default; per C module (the C
# twins, /tests/c-modules.list): ws.c_cycles=N (C_CYCLES=N), 100 by
# default. The cycles look for leaks and lifetime bugs in the Rust modules
# and the kernel crate's registration paths; the C twins are the reference
# the benchmark compares with, and a tenth of the cycles still exercises
# their load and unload under KASAN, kmemleak and lockdep.
CYCLES=$(cmdline_value ws.cycles)
CYCLES=${CYCLES:-1000}
C_CYCLES=$(cmdline_value ws.c_cycles)
C_CYCLES=${C_CYCLES:-100}
FAULT_LOAD=/tests/bin/fault-load
LOAD_CYCLES=/tests/bin/load-cycles

# cycles MOD: load and unload MOD $CYCLES times ($C_CYCLES for a C
# module), using its node in each cycle when it has one.
cycles() {
	mod=$1
	n=$CYCLES
	! grep -qx "$mod" /tests/c-modules.list || n=$C_CYCLES
	module_hooks "$mod"
	# shellcheck disable=SC2086 # CYCLE_DEVICE: empty or one path
	if line=$("$LOAD_CYCLES" "$n" "/modules/$mod.ko" $CYCLE_DEVICE 2>&1); then
		ok "$mod: $n load/unload cycles"
		diag "figures: $line"
		CYCLES_DONE=$((CYCLES_DONE + n))
	else
		not_ok "$mod: $n load/unload cycles" "${line:-load-cycles printed nothing}"
		# A failed use leaves the module unloaded; a failed unload does not.
		rmmod "$mod" 2>/dev/null || true
	fi
}

# x86_64's module area (MODULES_VADDR with the largest kernel image size, to
# MODULES_END): while a module loads, only its init runs code there.
MODULE_AREA_START=0xffffffffa0000000
MODULE_AREA_END=0xffffffffff000000

# failing_loads MOD: fail the 1st, 2nd, ... allocation of MOD's init until a
# load goes through with no fault left to inject.
failing_loads() {
	mod=$1
	n=1
	injected=0
	bad=""
	while [ "$n" -le 5000 ]; do
		line=$("$FAULT_LOAD" "$n" "/modules/$mod.ko")
		case "$line" in
		*"injected=1 result=ENOMEM"*) injected=$((injected + 1)) ;;
		*"injected=1 result=ok"*)
			# The failed allocation had a fallback: the load went through.
			injected=$((injected + 1))
			rmmod "$mod" || bad="$bad; rmmod after $line failed" ;;
		*"injected=0 result=ok"*) break ;;
		*error=* | "")
			bad="$bad; fault-load: ${line:-no output}"
			break ;;
		*) bad="$bad; $line" ;;
		esac
		n=$((n + 1))
	done
	FAULTS=$((FAULTS + injected))
	diag "$mod: $injected allocations of $FAULT_SCOPE failed in turn, $((n - 1)) loads refused"
	if [ -z "$bad" ] && grep -q "^$mod " /proc/modules; then
		ok "$mod: each allocation of $FAULT_SCOPE failing in turn gives ENOMEM"
	else
		not_ok "$mod: each allocation of $FAULT_SCOPE failing in turn gives ENOMEM" \
			"injected $injected${bad:+, unexpected:$bad}"
	fi
	check "$mod: unloads after the fault-injection loads" rmmod "$mod"
	check "$mod: a normal load works after the failures" insmod "/modules/$mod.ko"
	check "$mod: and unloads" rmmod "$mod"
}

# part_modules: the modules of /tests/modules.list whose debug tests run
# here. Without ws.part, all; with ws.part=K/N, the Rust modules are dealt
# out in turn from part N down, and the C twins (a tenth of the cycles)
# all go to part 1, which also runs the per-module tests: the parts' run
# times come out close.
part_modules() {
	part=$(cmdline_value ws.part)
	if [ -z "$part" ]; then
		cat /tests/modules.list
		return
	fi
	k=${part%%/*}
	n=${part#*/}
	i=0
	while read -r mod; do
		if grep -qx "$mod" /tests/c-modules.list; then
			[ "$k" -ne 1 ] || echo "$mod"
		else
			[ $((n - i % n)) -ne "$k" ] || echo "$mod"
			i=$((i + 1))
		fi
	done </tests/modules.list
}

# kmemleak_leaks: suspected leaks after two scans 6 s apart (a leak must be
# seen by consecutive scans; newer objects are not reported).
kmemleak_leaks() {
	echo scan >"$KMEMLEAK"
	sleep 6
	echo scan >"$KMEMLEAK"
	grep -c '^unreferenced object' "$KMEMLEAK"
}

# kmemleak_start: before the run's first test (init), automatic scans
# off and the list emptied: what boot left is not the tests'.
kmemleak_start() {
	check "debug: kmemleak is running" test -w "$KMEMLEAK"
	echo scan=off >"$KMEMLEAK"
	echo scan >"$KMEMLEAK"
	echo clear >"$KMEMLEAK"
}

debug_tests() {
	CYCLES_DONE=0
	FAULTS=0

	part_modules >/tmp/debug-modules.list
	diag "debug tests of: $(tr '\n' ' ' </tmp/debug-modules.list)"
	while read -r mod; do
		cycles "$mod"
	done </tmp/debug-modules.list

	echo N >"$FAILSLAB/ignore-gfp-wait"
	echo 0 >"$FAILSLAB/verbose"
	if [ -e "$FAILSLAB/require-start" ]; then
		echo "$MODULE_AREA_START" >"$FAILSLAB/require-start"
		echo "$MODULE_AREA_END" >"$FAILSLAB/require-end"
		FAULT_SCOPE="its init"
	else
		FAULT_SCOPE="its load (loader and init: no stack trace filter)"
		echo "ws: fault injection without a stack filter: begin" >/dev/kmsg
	fi
	while read -r mod; do
		failing_loads "$mod"
	done </tmp/debug-modules.list
	[ -e "$FAILSLAB/require-start" ] ||
		echo "ws: fault injection without a stack filter: end" >/dev/kmsg

	leaks=$(kmemleak_leaks 2>/dev/null) || true
	if [ -z "$leaks" ]; then
		leaks=unknown
		not_ok "debug: kmemleak finds no leak after the tests, cycles and failed loads" \
			"$KMEMLEAK cannot be read"
	elif [ "$leaks" -eq 0 ]; then
		ok "debug: kmemleak finds no leak after the tests, cycles and failed loads"
	else
		not_ok "debug: kmemleak finds no leak after the tests, cycles and failed loads" "$leaks suspected leaks"
		sed -n '1,30s/^/  /p' "$KMEMLEAK" | diag_lines
	fi
	diag "figures: load/unload cycles $CYCLES_DONE, faults injected $FAULTS, kmemleak leaks $leaks"
}
