# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Check 5: bindgen and the libclang it loads, and the clang Kbuild runs for
# a clang-built tree (from LLVM=): the kernel's minimum versions and its
# own clang (CONFIG_CLANG_VERSION).

min_tool_version() {
	local script=$KDIR/scripts/min-tool-version.sh
	if [ -f "$script" ]; then
		sh "$script" "$1" 2>/dev/null || true
	fi
}

# bindgen_libclang VERBOSE: the libclang version bindgen loads: from
# VERBOSE, the output of its `--version --verbose`, else the way the
# kernel's rust_is_available.sh does it (a #pragma message).
bindgen_libclang() {
	local out tmp
	out=$(printf '%s\n' "$1" | sed -n 's/^Clang: .*clang version //p')
	if [ -z "$out" ]; then
		tmp=$(mktemp --suffix=.h)
		echo '#pragma message("clang version " __clang_version__)' >"$tmp"
		out=$(LC_ALL=C "$BINDGEN" "$tmp" 2>&1 >/dev/null | sed -n 's/.*clang version //p' || true)
		rm -f "$tmp"
	fi
	first_version "$out"
}

check_bindgen() {
	if ! command -v "$BINDGEN" >/dev/null 2>&1; then
		doctor_problem "BINDGEN=$BINDGEN does not exist (modules with generated bindings need it)" \
			"fix: run 'make deps' (builds bindgen-cli into build/tools/), or pass BINDGEN=/path/to/bindgen"
		return
	fi
	local verbose ver min libclang minclang kclang kclang_text errors=()
	# One call for both versions where it prints them (bindgen through a
	# Debian environment costs a namespace and a chroot a call).
	verbose=$("$BINDGEN" --version --verbose 2>/dev/null || true)
	ver=$(first_version "$verbose")
	[ -n "$ver" ] || ver=$(first_version "$("$BINDGEN" --version 2>/dev/null || true)")
	min=$(min_tool_version bindgen)
	libclang=$(bindgen_libclang "$verbose")
	minclang=$(min_tool_version llvm)
	kclang=$(cfg CLANG_VERSION)
	if [ -z "$ver" ]; then
		errors+=("'$BINDGEN --version' prints no version")
	elif [ -n "$min" ] && [ "$(vnum "$ver")" -lt "$(vnum "$min")" ]; then
		errors+=("bindgen $ver is older than the kernel's minimum $min (scripts/min-tool-version.sh)")
	fi
	if [ -z "$libclang" ]; then
		errors+=("bindgen cannot load libclang (LIBCLANG_PATH=${LIBCLANG_PATH:-unset})")
	elif [ -n "$minclang" ] && [ "$(vnum "$libclang")" -lt "$(vnum "$minclang")" ]; then
		errors+=("libclang $libclang is older than the kernel's minimum $minclang")
	fi
	if [ "${kclang:-0}" != 0 ]; then
		kclang_text=$((kclang / 10000)).$((kclang / 100 % 100)).$((kclang % 100))
		if [ -n "$libclang" ] && [ "${libclang%%.*}" != "$((kclang / 10000))" ]; then
			errors+=("libclang $libclang is not the kernel's clang $kclang_text (CONFIG_CLANG_VERSION=$kclang)")
		fi
	fi
	if [ ${#errors[@]} -gt 0 ]; then
		doctor_problem "bindgen/libclang do not fit KDIR" "${errors[@]}" \
			"fix: use bindgen >= ${min:-the minimum of the kernel} and LIBCLANG_PATH=/usr/lib/llvm-<the kernel's clang major>/lib"
		return
	fi
	local vs=
	[ -z "${kclang_text:-}" ] || vs=" (the kernel's clang: $kclang_text)"
	doctor_ok "bindgen $ver (kernel minimum ${min:-unknown}), libclang $libclang$vs"
}

# The C compiler Kbuild runs for a clang-built tree, from LLVM=.
check_clang() {
	local kclang major cc ver
	kclang=$(cfg CLANG_VERSION)
	if [ "${kclang:-0}" = 0 ]; then
		doctor_skip "clang: KDIR was not built with clang (C compiler: $(cfg CC_VERSION_TEXT))"
		return
	fi
	major=$((kclang / 10000))
	# As the kernel's Makefile reads LLVM: any value but a prefix (ending
	# in /) or a suffix (starting with -) means plain clang, even LLVM=0.
	case $LLVM in
	'')
		doctor_problem "KDIR was built with clang $major but LLVM is not set: Kbuild would use gcc" \
			"fix: pass LLVM=1 (the Makefile then picks /usr/lib/llvm-$major/bin/ when needed)"
		return ;;
	-*) cc=clang$LLVM ;;
	*/) cc=${LLVM}clang ;;
	*) cc=clang ;;
	esac
	ver=$("$cc" -dumpversion 2>/dev/null || true)
	# KDIR's generation builds in a Debian environment (KCONF_RUN, from
	# check_generation's description) where its clang is, when the host
	# has none (6.1's clang 14 on Debian 12 and 13).
	if [ -z "$ver" ] && [ -n "${KCONF_RUN:-}" ]; then
		ver=$($KCONF_RUN "$cc" -dumpversion 2>/dev/null || true)
		[ -z "$ver" ] || cc="$cc (in the Debian environment ${KCONF_ENV:-})"
	fi
	if [ -z "$ver" ]; then
		doctor_problem "LLVM=$LLVM runs $cc, which does not exist" \
			"fix: install clang-$major (make deps) or pass LLVM=/usr/lib/llvm-$major/bin/"
	elif [ "${ver%%.*}" != "$major" ]; then
		doctor_problem "LLVM=$LLVM runs $cc $ver, but KDIR was built with clang $major (CONFIG_CLANG_VERSION=$kclang)" \
			"fix: pass LLVM=/usr/lib/llvm-$major/bin/ (or LLVM=-$major)"
	else
		doctor_ok "clang $ver ($cc, LLVM=$LLVM) matches the kernel's (CONFIG_CLANG_VERSION=$kclang)"
	fi
}
