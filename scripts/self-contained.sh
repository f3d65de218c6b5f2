#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-contained Rust modules for a kernel built without Rust, such as
# Debian's stock kernel (GCC, CONFIG_MODVERSIONS=y, CONFIG_RUST off, no
# rust/ metadata in its headers): `make SELF_CONTAINED=1 KDIR=<its tree>`.
#
#   self-contained.sh KDIR     the workspace's modules for KDIR, into
#                              modules/*/*.ko
#
# 1. The Rust support, once per kernel release (build/self-contained/
#    <release>/linux, reused while its inputs are unchanged): Debian's
#    linux-source of the same version, configured with KDIR's own .config
#    plus CONFIG_RUST=y (and MODVERSIONS off, which Kconfig requires for
#    Rust; checked to be the only other change), then the kernel's own
#    `make prepare`, which builds core, compiler_builtins, ffi, bindings,
#    uapi, build_error, macros and kernel with the flags that configuration
#    gives rustc (retpolines, return thunks, IBT, call padding...) and
#    what it leaves out (stack protector, CS prefix: see HARDENING; a
#    hardening option rustc cannot carry is refused). The kernel crate's
#    printing is patched (scripts/self-contained/*.patch): a kernel without
#    Rust has no %pA. objtool is left for step 3.
# 2. The modules' Rust objects, built by Kbuild against that tree.
# 3. Each Rust module linked with the support objects into one object
#    (ld -r --gc-sections: only what init_module/cleanup_module reach; every
#    symbol but those two made local: two modules' copies cannot meet; see
#    link_rust), then built by KDIR's own Kbuild with the
#    kernel's C helpers it uses (rust/helpers/, compiled by KDIR's compiler
#    and flags): objtool with KDIR's options, modpost with KDIR's
#    Module.symvers (__versions CRCs for every C import, undefined symbols
#    refused), KDIR's vermagic. The C twins are built by KDIR's Kbuild as
#    they are. Nothing outside the .ko is needed at load time.
#
# KDIR is only read. SELF_CONTAINED_DIR=dir: where the support is cached
# (default build/self-contained; a cached tree is only read, so another user
# can build with it). SELF_CONTAINED_OUT=dir: where steps 2-3 build (default
# <support>/ws). RUSTC, BINDGEN: the generation's unless given.
set -eu
WS_TAG=self-contained
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
DOCTOR_DIR=$WS/scripts/doctor
# shellcheck source=scripts/doctor/rust-config.sh
. "$DOCTOR_DIR/rust-config.sh"

[ $# -eq 1 ] || die "usage: $0 KDIR"
KDIR=$1

# --- KDIR --------------------------------------------------------------------
[ -e "$KDIR" ] || die "KDIR=$KDIR does not exist: point KDIR at a kernel's build tree or headers, e.g. /lib/modules/\$(uname -r)/build"
[ -d "$KDIR" ] || die "KDIR=$KDIR is not a directory: point KDIR at a kernel's build tree or headers, e.g. /lib/modules/\$(uname -r)/build"
AUTO_CONF=$KDIR/include/config/auto.conf
if [ ! -f "$AUTO_CONF" ] || [ ! -f "$KDIR/include/config/kernel.release" ]; then
	die "KDIR=$KDIR is not a configured kernel tree (no include/config/auto.conf and kernel.release): point KDIR at a kernel's build tree or headers, e.g. /lib/modules/\$(uname -r)/build"
fi
kdir_conf() {
	sed -n "s/^$1=//p" "$AUTO_CONF" | tr -d '"'
}
RELEASE=$(cat "$KDIR/include/config/kernel.release")
[ "$(kdir_conf CONFIG_RUST)" != y ] ||
	die "KDIR=$KDIR ($RELEASE) has CONFIG_RUST=y: build the modules normally, make KDIR=$KDIR (without SELF_CONTAINED=1)"
[ "$(kdir_conf CONFIG_X86_64)" = y ] ||
	die "$RELEASE is not an x86_64 kernel: self-contained builds support x86_64 only"
[ "$(kdir_conf CONFIG_HAVE_RUST)" = y ] ||
	die "$RELEASE's architecture configuration has no CONFIG_HAVE_RUST: the kernel cannot run Rust code"
[ "$(kdir_conf CONFIG_CC_IS_GCC)" = y ] ||
	die "$RELEASE was built with clang: self-contained builds support GCC-built kernels (such as Debian's); a clang-built kernel can have CONFIG_RUST=y itself"
if [ ! -f "$KDIR/.config" ] || [ ! -f "$KDIR/Module.symvers" ]; then
	die "KDIR=$KDIR lacks .config or Module.symvers: both are needed (a distribution's headers package has them)"
fi

# The kernel's version, from the tree's version.h (a release name need not
# have it: Debian's 6.1 kernels are 6.1.0-N-amd64).
VERSION_H=$KDIR/include/generated/uapi/linux/version.h
VERSION=$(awk '/^#define LINUX_VERSION_(MAJOR|PATCHLEVEL|SUBLEVEL) / { print $3 }' "$VERSION_H" 2>/dev/null | paste -sd.)
case "$VERSION" in
[0-9]*.[0-9]*.[0-9]*) ;;
*) die "KDIR=$KDIR: no kernel version in $VERSION_H" ;;
esac
SERIES=${VERSION%.*}
kconf_load "$SERIES" 2>/dev/null ||
	die "$RELEASE: Linux $SERIES is not a kernel generation this workspace knows (kernels/*.conf)"

SC_DIR=${SELF_CONTAINED_DIR:-$BUILD_DIR/self-contained}
SUP=$SC_DIR/$RELEASE
SC_RUSTC=${RUSTC:-$KCONF_RUSTC}
SC_BINDGEN=${BINDGEN:-$KCONF_BINDGEN}
"$SC_RUSTC" --version >/dev/null 2>&1 ||
	die "cannot run RUSTC=$SC_RUSTC, the Linux $SERIES generation's compiler: run make deps"
"$SC_BINDGEN" --version >/dev/null 2>&1 ||
	die "cannot run BINDGEN=$SC_BINDGEN, the Linux $SERIES generation's bindgen: run make deps"

# What KDIR enables that no Rust code can honour: refused, not ignored.
for opt in GCC_PLUGINS ZERO_CALL_USED_REGS KASAN KCSAN KMSAN UBSAN GCOV_KERNEL KCOV LTO_CLANG CFI_CLANG RANDSTRUCT; do
	[ "$(kdir_conf "CONFIG_$opt")" != y ] ||
		die "$RELEASE has CONFIG_$opt=y: it instruments or hardens C code in a way rustc cannot match, so a self-contained Rust module would be weaker than the kernel's own code; refused"
done

# KDIR's hardening options (Linux 6.9 renamed some: both names), the rustc
# option or target feature that must carry each to the Rust code, and the
# -Z option the compiler needs for it (none for a target feature). Checked
# twice: the compiler must know the option (before anything is built), and
# the support tree's rustc command line for the kernel crate or its target
# spec must have it (the kernel's arch Makefile and
# scripts/generate_rust_target.rs give most; KRUSTFLAGS below the rest).
HARDENING="RETPOLINE MITIGATION_RETPOLINE:+retpoline-external-thunk:
RETPOLINE MITIGATION_RETPOLINE:-Zindirect-branch-cs-prefix:indirect-branch-cs-prefix
SLS MITIGATION_SLS:+harden-sls-ret:
RETHUNK MITIGATION_RETHUNK:-Zfunction-return=thunk-extern:function-return
X86_KERNEL_IBT:-Zcf-protection=branch:cf-protection
CALL_PADDING:-Zpatchable-function-entry=:patchable-function-entry
STACKPROTECTOR:-Zstack-protector=:stack-protector"

# hardening_on "OPT OPT...": the first of these options KDIR has on.
hardening_on() {
	local opt
	for opt in $1; do
		if [ "$(kdir_conf "CONFIG_$opt")" = y ]; then
			echo "CONFIG_$opt"
			return 0
		fi
	done
	return 1
}

ZHELP=$(RUSTC_BOOTSTRAP=1 "$SC_RUSTC" -Z help 2>/dev/null || true)
MISSING=""
while IFS=: read -r opts flag zopt; do
	opt=$(hardening_on "$opts") || continue
	[ -z "$zopt" ] || grep -qE -- "-Z +$zopt=" <<<"$ZHELP" ||
		MISSING="$MISSING; $opt=y needs $flag"
done <<<"$HARDENING"
[ -z "$MISSING" ] ||
	die "$RELEASE's hardening cannot hold for Rust code built by $("$SC_RUSTC" --version) (Linux $SERIES's compiler), which lacks these options: ${MISSING#; }; refused"

# The rustc options the kernel's own Rust build leaves out (no stack
# protector, and no indirect-branch CS prefix in 6.12), added when KDIR's C
# code has them.
KRUSTFLAGS=
if [ "$(kdir_conf CONFIG_STACKPROTECTOR_STRONG)" = y ]; then
	KRUSTFLAGS="$KRUSTFLAGS -Zstack-protector=strong"
elif [ "$(kdir_conf CONFIG_STACKPROTECTOR)" = y ]; then
	KRUSTFLAGS="$KRUSTFLAGS -Zstack-protector=basic"
fi
hardening_on "RETPOLINE MITIGATION_RETPOLINE" >/dev/null && KRUSTFLAGS="$KRUSTFLAGS -Zindirect-branch-cs-prefix"
# A section per function and per datum, so that step 3 can drop what a
# module does not reach (as the kernel's LD_DEAD_CODE_DATA_ELIMINATION does).
KRUSTFLAGS="$KRUSTFLAGS -Zfunction-sections=y"
KRUSTFLAGS=${KRUSTFLAGS# }

# The kernel's source: Debian's package of the same version.
[ -f "$KCONF_TARBALL" ] ||
	die "the Rust support for $RELEASE is built from the kernel's source: $KCONF_TARBALL is missing; install Debian's $SOURCE_PACKAGE (apt-get install $SOURCE_PACKAGE, or make deps)"
SRC_PKG_VERSION=$(dpkg-query -W -f='${Version}' "$SOURCE_PACKAGE" 2>/dev/null) ||
	die "$SOURCE_PACKAGE is not installed (its tarball $KCONF_TARBALL is): install it, apt-get install $SOURCE_PACKAGE"
SRC_VERSION=${SRC_PKG_VERSION%%-*}
[ "$SRC_VERSION" = "$VERSION" ] ||
	die "KDIR=$KDIR is Linux $VERSION ($RELEASE) but $SOURCE_PACKAGE is $SRC_VERSION ($SRC_PKG_VERSION): the Rust support must come from the same version; install the matching $SOURCE_PACKAGE or the headers of kernel $SRC_VERSION"

# A Debian kernel's headers name their package version: the source must be
# that version too (Debian's patches change between revisions).
PKG_VERSION=$(sed -n 's/^#define LINUX_PACKAGE_ID " *Debian \([^ "]*\)".*/\1/p' \
	"$KDIR/include/generated/package.h" 2>/dev/null)
[ -z "$PKG_VERSION" ] || [ "$PKG_VERSION" = "$SRC_PKG_VERSION" ] ||
	die "KDIR=$KDIR is Debian's kernel $PKG_VERSION ($RELEASE) but $SOURCE_PACKAGE is $SRC_PKG_VERSION: the Rust support must come from the same version; install $SOURCE_PACKAGE=$PKG_VERSION or the headers of kernel $SRC_PKG_VERSION"

PATCHES=$(ls "$WS/scripts/self-contained/$SERIES-"*.patch 2>/dev/null || true)
[ -n "$PATCHES" ] ||
	die "Linux $SERIES: self-contained builds have no patch for its kernel crate (scripts/self-contained/$SERIES-*.patch)"

# pahole: Kconfig records its version (CONFIG_PAHOLE_VERSION) and BTF
# options depend on it; another one would change KDIR's configuration.
want_pahole=$(kdir_conf CONFIG_PAHOLE_VERSION)
have_pahole=$(pahole --version 2>/dev/null | sed -n 's/^v\([0-9]*\)\.\([0-9]*\).*/\1\2/p')
[ "${want_pahole:-0}" = 0 ] || [ "$have_pahole" = "$want_pahole" ] ||
	die "$RELEASE was configured with pahole version $want_pahole, this machine has ${have_pahole:-none}: install that pahole (Debian's dwarves package; make deps installs it)"

# The compiler KDIR was built with: the first word of its version text
# (Debian: x86_64-linux-gnu-gcc-12), which must report the same version.
CC_TEXT=$(kdir_conf CONFIG_CC_VERSION_TEXT)
KCC=${CC_TEXT%% *}
command -v "$KCC" >/dev/null ||
	die "$RELEASE was built by $CC_TEXT: $KCC is not installed"
[ "$("$KCC" --version | head -n1)" = "$CC_TEXT" ] ||
	die "$RELEASE was built by '$CC_TEXT', but $KCC is '$("$KCC" --version | head -n1)'"

# --- 1. The Rust support -------------------------------------------------------
TREE=$SUP/linux
export LIBCLANG_PATH="$KCONF_LIBCLANG_PATH"

# make arguments for the support tree: KDIR's compiler, the generation's
# rustc and bindgen, objtool off (step 3 runs KDIR's objtool on each whole
# module), the extra rustc options.
set -- ARCH=x86 CC="$KCC" HOSTCC=gcc RUSTC="$SC_RUSTC" HOSTRUSTC="$SC_RUSTC" \
	BINDGEN="$SC_BINDGEN" objtool-enabled= KRUSTFLAGS="$KRUSTFLAGS"

inputs=$(
	echo "release: $RELEASE"
	echo "source: $SOURCE_PACKAGE $SRC_PKG_VERSION"
	echo "config: $(sha256sum <"$KDIR/.config" | cut -d' ' -f1)"
	# shellcheck disable=SC2086 # paths without spaces
	echo "patches: $(cat $PATCHES | sha256sum | cut -d' ' -f1)"
	echo "script: $(sha256sum <"$0" | cut -d' ' -f1)"
	echo "cc: $CC_TEXT"
	# Versions, not paths: a copy of the tree, or another user with the
	# same tools elsewhere, reuses it.
	echo "rustc: $("$SC_RUSTC" --version)"
	echo "bindgen: $("$SC_BINDGEN" --version)"
	echo "rustc options: $KRUSTFLAGS"
)

# The options a .config may differ in from KDIR's: Rust's own and the
# symbol versions Kconfig makes Rust exclude.
ALLOWED_DIFF='^(CONFIG_RUST|CONFIG_RUSTC_|CONFIG_BINDGEN_VERSION_TEXT|CONFIG_MODVERSIONS|CONFIG_ASM_MODVERSIONS)'

# explain_rust_off: why Kconfig turned CONFIG_RUST off: the false "depends
# on" lines of config RUST in the source's init/Kconfig, with their symbols'
# values (the doctor's evaluation, scripts/doctor/rust-config.sh).
explain_rust_off() {
	local expr syms
	echo "Kconfig of $RELEASE's source turns CONFIG_RUST off with this kernel's configuration:"
	rust_depends "$TREE/init/Kconfig" | false_depends "$TREE/.config" |
		while IFS=$'\t' read -r expr syms; do
			echo "  depends on $expr   [$syms]"
		done
}

build_support() {
	if ! mkdir -p "$SC_DIR" 2>/dev/null || [ ! -w "$SC_DIR" ]; then
		die "the Rust support for $RELEASE is not built (or out of date) in $SC_DIR, which is not writable: build it there once as its owner (make SELF_CONTAINED=1 KDIR=$KDIR)"
	fi
	step_start "Rust support for $RELEASE: $SOURCE_PACKAGE $SRC_PKG_VERSION with KDIR's .config + CONFIG_RUST"
	rm -rf "$SUP"
	mkdir -p "$SUP"
	log=$SUP/build.log
	tar -C "$SUP" -xJf "$KCONF_TARBALL"
	mv "$SUP/$SOURCE_PACKAGE" "$TREE"
	tree_version=$(make -s -C "$TREE" kernelversion)
	[ "$tree_version" = "$VERSION" ] ||
		die "$KCONF_TARBALL unpacks Linux $tree_version, not $VERSION"
	for p in $PATCHES; do
		patch -s -d "$TREE" -p1 <"$p" || die "$p does not apply to $SOURCE_PACKAGE $SRC_PKG_VERSION"
	done
	cp "$KDIR/.config" "$TREE/.config"
	"$TREE/scripts/config" --file "$TREE/.config" --disable MODVERSIONS --enable RUST
	make -C "$TREE" "$@" olddefconfig >>"$log" 2>&1 || { tail -n 20 "$log" >&2; die "olddefconfig failed (log: $log)"; }
	if ! grep -qx 'CONFIG_RUST=y' "$TREE/.config"; then
		explain_rust_off >&2
		die "$RELEASE cannot have Rust support built for it (above)"
	fi
	grep '^CONFIG_' "$KDIR/.config" | sort >"$SUP/config.kdir"
	grep '^CONFIG_' "$TREE/.config" | sort >"$SUP/config.rust"
	diff_opts=$(diff "$SUP/config.kdir" "$SUP/config.rust" | sed -n 's/^[<>] //p' |
		grep -vE "$ALLOWED_DIFF" || true)
	[ -z "$diff_opts" ] ||
		die "enabling Rust changed more of $RELEASE's configuration than Rust and MODVERSIONS: $(echo "$diff_opts" | tr '\n' ' ')"
	with_progress "$log" make -C "$TREE" -j"$(nproc)" "$@" prepare modules_prepare ||
		{ tail -n 30 "$log" >&2; die "building the Rust support failed (log: $log)"; }
	while IFS=: read -r opts flag _; do
		opt=$(hardening_on "$opts") || continue
		cat "$TREE/rust/.kernel.o.cmd" "$TREE/scripts/target.json" | grep -q -e "$flag" ||
			die "$RELEASE has $opt=y, but Linux $SERIES's build gives its Rust code no $flag: refused"
	done <<<"$HARDENING"
	echo "$inputs" >"$SUP/.ws-inputs"
	step_done
}

if [ "$(cat "$SUP/.ws-inputs" 2>/dev/null)" != "$inputs" ]; then
	build_support "$@"
else
	say "Rust support for $RELEASE: up to date ($SUP)"
fi

# --- 2. The modules' Rust objects -----------------------------------------------
OUT=${SELF_CONTAINED_OUT:-$SUP/ws}
OUT=$(mkdir -p "$OUT" && cd -P "$OUT" && pwd)
# The copies are kept from one run to the next (sync_sources): Kbuild then
# rebuilds only what changed, as in the workspace itself.
sync_sources "$OUT/src"
step_start "Rust objects of the modules (against $TREE)"
make -C "$TREE" "$@" M="$OUT/src" KBUILD_MODPOST_WARN=1 modules >"$OUT/objects.log" 2>&1 ||
	{ tail -n 30 "$OUT/objects.log" >&2; die "building the modules' Rust objects failed (log: $OUT/objects.log)"; }
step_done

# --- 3. Each module linked and built by KDIR's Kbuild ---------------------------
# link_rust OUT SCRIPT OBJ...: the objects linked into OUT (ld -r), keeping
# only what init_module and cleanup_module reach: every function and datum
# has a section of its own (-Zfunction-sections), and the linker drops the
# sections nothing kept refers to. SCRIPT keeps every other section whole
# (.modinfo, .init.*, .exit.*...); __patchable_function_entries is not
# kept whole, its entries (SHF_LINK_ORDER) go with their functions. Then
# the undefined symbols no relocation uses any more are removed (they
# would be imports of the .ko), and every defined symbol but init_module
# and cleanup_module is made local.
link_rust() {
	local out=$1 script=$2 sec sym
	shift 2
	{
		echo "/* Generated by scripts/self-contained.sh: sections ld -r --gc-sections keeps whole. */"
		echo "SECTIONS {"
		readelf -SW "$@" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p' | sort -u |
			grep -vE '^\.(text|rodata|data|bss|data\.rel\.ro|tdata|tbss)\..|^\.rela|^\.(symtab|strtab|shstrtab|group|note\.GNU-stack)$|^\.debug|^__patchable_function_entries$|^NULL$|^$' |
			while read -r sec; do
				echo "	$sec 0 : { KEEP(*($sec)) }"
			done
		echo "}"
	} >"$script"
	ld -m elf_x86_64 -r --gc-sections -u init_module -u cleanup_module -T "$script" -o "$out" "$@"
	set --
	for sym in $(comm -23 <(nm -u "$out" | awk '{ print $2 }' | sort -u) \
		<(readelf -rW "$out" | awk 'NF >= 5 && $1 ~ /^[0-9a-f]+$/ { print $5 }' | sort -u)); do
		set -- "$@" --strip-symbol="$sym"
	done
	objcopy "$@" --keep-global-symbol=init_module --keep-global-symbol=cleanup_module "$out"
}

# The sources again, for KDIR's Kbuild: the C twins are built as they are,
# each Rust module folder gets a Kbuild of its own (below).
# The support objects: one per Rust library crate the support tree built
# (each rust/libNAME.rmeta has its object rust/NAME.o: core, kernel, and
# what the generation's kernel crate uses, pin_init or uapi), read from the
# tree rather than listed per generation. Proc-macro crates (.so) run at
# build time only.
SUPPORT_OBJS=$(for m in "$TREE"/rust/lib*.rmeta; do
	o=${m##*/lib}
	echo "$TREE/rust/${o%.rmeta}.o"
done)
for o in $SUPPORT_OBJS; do
	[ -f "$o" ] || die "the Rust support tree $TREE has ${o%.o}'s metadata but no $o"
done
sync_sources "$OUT/link"
listed=$(modules_listed) || die "the module folders the top-level Kbuild lists cannot be read"
echo "$listed" | while read -r dir m; do
	dst=$OUT/link/$dir
	modules_is_rust "$dst" || continue
	objs="$OUT/src/$dir/$m.o"
	for o in $SUPPORT_OBJS; do
		objs="$objs $o"
	done
	# (Each generated file replaces the last one only when it differs
	# (replace_if_changed, scripts/lib.sh), so that Kbuild finds the
	# module up to date when nothing changed.)
	# shellcheck disable=SC2086 # paths without spaces
	link_rust "$dst/$m-rust.linked.new" "$dst/$m-keep.ld" $objs
	replace_if_changed "$dst/$m-rust.linked"
	# The kernel's C helpers this module's Rust code calls: the files of
	# rust/helpers/ that define them (not all: some call functions KDIR
	# does not export, such as vrealloc_noprof on Debian's 6.12).
	: >"$dst/$m-helpers.c.new"
	for h in $(nm -u "$dst/$m-rust.linked" | sed -n 's/^ *U \(rust_helper_.*\)$/\1/p'); do
		file=$(grep -lE "^([a-z_].*[ *])?$h\\(" "$TREE"/rust/helpers/*.c | head -n1)
		[ -n "$file" ] || die "$m calls $h, which $TREE/rust/helpers/ does not define"
		grep -qx "#include \"$file\"" "$dst/$m-helpers.c.new" || echo "#include \"$file\"" >>"$dst/$m-helpers.c.new"
	done
	replace_if_changed "$dst/$m-helpers.c"
	cat >"$dst/Kbuild" <<EOF
# SPDX-License-Identifier: GPL-2.0
# Generated by scripts/self-contained.sh: $m's Rust code linked with the
# Rust support for $RELEASE, and the kernel's C helpers it calls.
obj-m := $m.o
$m-y := $m-rust.o $m-helpers.o
CFLAGS_REMOVE_$m-helpers.o := -Wmissing-prototypes -Wmissing-declarations
quiet_cmd_rust_support = COPY [M] \$@
      cmd_rust_support = cp \$< \$@
\$(obj)/$m-rust.o: \$(src)/$m-rust.linked FORCE
	\$(call if_changed,rust_support)
targets += $m-rust.o
EOF
done
step_start "modules for $RELEASE (KDIR's Kbuild)"
make -C "$KDIR" M="$OUT/link" modules >"$OUT/link.log" 2>&1 ||
	{ tail -n 30 "$OUT/link.log" >&2; die "building the modules with KDIR's Kbuild failed (log: $OUT/link.log)"; }
step_done
for ko in "$OUT"/link/modules/*/*.ko; do
	rel=${ko#"$OUT/link/"}
	cp "$ko" "$WS/$rel"
	say "$rel ($(stat -c %s "$ko") bytes)"
done
