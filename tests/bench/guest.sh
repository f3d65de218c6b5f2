# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The benchmark's guest part, /tests/bench.sh in the initramfs of
# tests/bench/run.sh, run by /init (tests/guest/init) when the kernel
# command line has ws.run=bench: misc-bench measures (its results and raw
# timings go to fd 3, the results port), with hello_c loaded first and
# kept loaded meanwhile (see below), then the kernel's taint, WARN and
# oops counters must be unchanged and neither module loaded.
#
# Settings, from the kernel command line:
#   ws.bench_rounds=R     rounds of every operation
#   ws.bench_target_us=T  the least time of one batch on the fastest side

bench_main() {
	# The prefix of run_program's results (tests/guest/lib.sh).
	# shellcheck disable=SC2034
	MOD=bench
	before=$(counters)
	rounds=$(cmdline_value ws.bench_rounds)
	target=$(cmdline_value ws.bench_target_us)
	if [ -z "$rounds" ] || [ -z "$target" ]; then
		not_ok "bench: settings given (ws.bench_rounds, ws.bench_target_us)" \
			"missing on the kernel command line"
		return
	fi
	# How the kernel set up its clock (tests/bench/run.sh boots with
	# tsc=reliable; misc-bench checks the clocksource).
	dmesg | grep -iE 'tsc|clocksource' | sed 's/^/kernel: /' | diag_lines
	# The place of the first module loaded goes to hello_c for the whole
	# measurement, so that the twins only ever take the places after it:
	# in that first place, under TCG, one twin or the other (which one
	# changes from boot to boot) ran 15 to 25% slower (docs/bench.md).
	check "bench: hello_c loaded before the twins (the first module place)" \
		insmod /modules/hello_c.ko
	run_program "misc-bench measure" /tests/bin/misc-bench measure \
		--rounds "$rounds" --target-us "$target" \
		--rust-ko /modules/rust_misc.ko --c-ko /modules/c_misc.ko
	check "bench: hello_c unloaded after the measurement" rmmod hello_c
	check "bench: rust_misc and c_misc not loaded at the end" \
		sh -c "! grep -qE '^(rust_misc|c_misc) ' /proc/modules"
	counters_unchanged bench "$before"
}
