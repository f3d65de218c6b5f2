#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Write rust-project.json, the project description rust-analyzer reads
# (`make rust-analyzer`): every module crate of modules/ with KDIR's
# kernel crates as dependencies, and the userspace test programs of tests/.
#
#   rust-analyzer.sh OUT -- KERNEL-GENERATOR-COMMAND...
#   rust-analyzer.sh --check     only check that KDIR can be described
#
# The command is the kernel's own rule, `make -C KDIR M=<ws>/modules
# rust-analyzer` (the Makefile passes it with KDIR's toolchain): it runs
# KDIR's scripts/generate_rust_analyzer.py, which lists the kernel's crates
# (core, macros, bindings, kernel...) with the tree's cfgs, edition and
# sysroot, and the module crate roots the Kbuild files of modules/ name,
# into modules/rust-project.json. scripts/rust_project.py then adds what
# the generator does not know (see there): the workspace's cfg, the crate
# attributes and --extern crates Kbuild gives modules, the paths of the
# bindings generated at build time (include!(env!(..))) and the test
# programs, and the result is written to OUT.
#
# Environment (from the Makefile): KDIR, RUSTC (KDIR's compiler),
# WS_PROGRAMS_RUSTC, WS_PROGRAMS_BINDGEN, WS_PROGRAMS_LIBCLANG_PATH (the
# test programs' compiler and bindgen).
set -eu
WS_TAG=rust-analyzer
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

CHECK_ONLY=0
if [ "${1:-}" = --check ] && [ $# -eq 1 ]; then
	CHECK_ONLY=1
elif [ $# -lt 3 ] || [ "$2" != -- ]; then
	die "usage: $0 --check | $0 OUT -- KERNEL-GENERATOR-COMMAND..."
fi

# The kernel's generator reads the kernel's Rust sources (rust/kernel/...)
# and the tree's build outputs: a full build tree has both, a headers-only
# tree (Debian's linux-headers, `make headers`) has no Rust sources.
srctree=$KDIR
[ ! -L "$KDIR/source" ] || srctree=$(cd "$KDIR/source" && pwd)
for need in scripts/generate_rust_analyzer.py rust/kernel/lib.rs; do
	[ -f "$srctree/$need" ] || die "KDIR=$KDIR has no $need: rust-analyzer needs the" \
		"kernel's Rust sources, which a headers-only tree does not have; use the" \
		"kernel's full build tree (KDIR=/path/to/linux after make) for the editor"
done
[ -f "$KDIR/include/generated/rustc_cfg" ] ||
	die "KDIR=$KDIR has no include/generated/rustc_cfg: is it a built tree with CONFIG_RUST=y?"
[ "$CHECK_ONLY" -eq 0 ] || exit 0
OUT=$1
shift 2

release=$(cat "$KDIR/include/config/kernel.release")
# The capabilities of KDIR's kernel crate, as ./Kbuild finds them: those of
# the description (kernels/*.conf) whose KERNEL_SERIES is KDIR's series.
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
series=$(echo "$release" | cut -d. -f1-2)
conf=$(kconf_find "$series")
[ -n "$conf" ] || die "KDIR=$KDIR is Linux $series, which no kernels/*.conf describes"
# shellcheck disable=SC1090 # one of kernels/*.conf
capabilities=$(KERNEL_CRATE_HAS= && . "$conf" && echo "$KERNEL_CRATE_HAS")
work=$BUILD_DIR/rust-analyzer/$release
mkdir -p "$work"

# 1. The kernel's generator.
generated=$WS/modules/rust-project.json
rm -f "$generated"
"$@" >"$work/generator.log" 2>&1 || {
	cat "$work/generator.log" >&2
	die "the kernel's generator failed: $*"
}
[ -s "$generated" ] || die "the kernel's generator wrote no $generated (log: $work/generator.log)"
mv "$generated" "$work/kernel-project.json"

# 2. What Kbuild adds to every module crate (KDIR's scripts/Makefile.build:
#    -Zcrate-attr=no_std, --extern alloc on 6.1; the generator already
#    depends on kernel), and the workspace's own cfgs (./Kbuild).
set --
attrs=$(grep -o -- '-Zcrate-attr=[a-z_][a-z_]*' "$srctree/scripts/Makefile.build" | sort -u)
for attr in $attrs; do
	set -- "$@" --crate-attr "${attr#-Zcrate-attr=}"
done
externs=$(grep -o -- '--extern [a-z_]*' "$srctree/scripts/Makefile.build" | cut -d' ' -f2 | sort -u)
for crate in $externs; do
	[ "$crate" = kernel ] || set -- "$@" --module-dep "$crate"
done
for name in $(modules_in --rust); do
	set -- "$@" --kbuild-env "$WS/modules/$name/Kbuild"
done
for capability in $capabilities; do
	set -- "$@" --cfg "ws_has_$capability"
done
# The cfgs the kernel's Makefile gives every module object
# (KBUILD_RUSTFLAGS_MODULE: --cfg MODULE), which the generator leaves out:
# without MODULE, rust-analyzer reads module!'s items for a built-in
# module instead (its initcall's global_asm!, whose expansion 1.85's
# rust-analyzer cannot parse: "Syntax Error in Expansion").
module_cfgs=$(sed -n 's/^KBUILD_RUSTFLAGS_MODULE *:= *//p' "$srctree/Makefile" |
	grep -o -- '--cfg [A-Za-z_][A-Za-z0-9_]*' | cut -d' ' -f2)
for cfg in $module_cfgs; do
	set -- "$@" --cfg "$cfg"
done

# 3. The sysroot: that of the test programs' compiler (the default
#    generation's), for their standard library, for the kernel's crates'
#    core (rust-analyzer of today reads neither 6.1's 1.63 library nor 7.3's
#    1.85 one: on those the editor sees the kernel's crates against the
#    programs' core) and for rust-analyzer's proc-macro server, which
#    expands the kernel's proc macros (module!, #[vtable], #[pin_data]) and
#    loads only libraries its own rustc built (7.3's environment has a 1.85
#    server, which today's rust-analyzer cannot talk to): when another
#    compiler built KDIR's (told by their versions: an environment's
#    compiler reports a sysroot of its own root), every proc-macro crate is
#    built again by the programs' compiler for the editor, with the crates
#    it uses (rust_project.py; one it cannot build stays unexpanded).
#    A generation whose packages include a rust-analyzer of its own
#    compiler's release (7.3: Debian 13's rust-analyzer and rustc, both
#    1.85.1; its command is beside the compiler's, in
#    build/toolchains/LABEL/bin, and runs in the environment, or in /usr
#    on a Debian 13 host) is described
#    for that rust-analyzer instead: the sysroot is KDIR's compiler's (its
#    path on the host, which is also its path in the environment), whose
#    proc-macro server loads the kernel's own proc macros as they are.
kconf_load "$(basename "$conf" .conf)" || exit 1
server=libexec/rust-analyzer-proc-macro-srv
if kconf_rust_package rust-analyzer && [ -x "$(dirname "$RUSTC")/rust-analyzer" ]; then
	kdir_sysroot=$KCONF_ENV_ROOT$("$RUSTC" --print sysroot)
	[ -x "$kdir_sysroot/$server" ] ||
		die "$kdir_sysroot has no $server: rust-analyzer could not expand the kernel's macros"
	set -- "$@" --sysroot "$kdir_sysroot"
	rebuild=0
else
	programs_sysroot=$("$WS_PROGRAMS_RUSTC" --print sysroot)
	[ -x "$programs_sysroot/$server" ] ||
		die "$programs_sysroot has no $server: rust-analyzer could not expand the kernel's macros"
	set -- "$@" --sysroot "$programs_sysroot"
	rebuild=1
	[ "$("$RUSTC" --version)" != "$("$WS_PROGRAMS_RUSTC" --version)" ] || rebuild=0
fi
if [ "$rebuild" -eq 1 ]; then
	rm -rf "$work/proc-macros"
	set -- "$@" --rebuild-proc-macros "$WS_PROGRAMS_RUSTC" "$work/proc-macros"
fi

# 4. The test programs: every crate root (a file with `fn main`) under
#    tests/, and the ABI module their abi.rs includes (tests/modules/
#    rust_misc/abi.sh, as their build.sh scripts make it).
roots=$(grep -rl --include='*.rs' '^fn main' "$WS/tests" | sort)
for root in $roots; do
	set -- "$@" --test-crate "$root"
done
# shellcheck source=tests/modules/rust_misc/abi.sh
. "$WS/tests/modules/rust_misc/abi.sh"
BINDGEN=$WS_PROGRAMS_BINDGEN LIBCLANG_PATH=$WS_PROGRAMS_LIBCLANG_PATH misc_abi_bindings "$work"
set -- "$@" --test-env "RUST_MISC_ABI_RS=$RUST_MISC_ABI_RS"

python3 "$WS/scripts/rust_project.py" "$work/kernel-project.json" "$WS" "$@" >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
say "$OUT: $(grep -c '"root_module"' "$OUT") crates for $release (KDIR=$KDIR)"
