# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The workspace's modules and their tests, found from the files themselves:
# the one place the scripts and tests ask which modules there are, so that
# none keeps a list or a count of its own and adding a module (README,
# "Adding a module") needs no edit anywhere else. Sourced (POSIX sh) by
# scripts/lib.sh, hence by every script run through the Makefile, and by
# scripts/dkms-conf.sh and tests/doctor-cases.sh; WS is the workspace.
#
#   modules_in [--rust|--c] [DIR]  the module folders' names under DIR
#                       (default: $WS/modules), a folder being one with a
#                       Kbuild, in name order; --rust: those with Rust
#                       source, --c: those without
#   modules_is_rust FOLDER   FOLDER (a module folder) has Rust source
#   modules_listed      "DIR NAME" per module the top-level Kbuild builds,
#                       in its order: DIR its folder (modules/hello), NAME
#                       the .ko's name (its Kbuild's obj-m)
#   modules_crate_roots NAME  the Rust crate roots of module NAME (relative
#                       to WS): each object its Kbuild names whose .rs is
#                       in its folder
#   modules_guest_test NAME   its guest test, tests/modules/NAME/guest.sh
#   modules_test_folders      the names of the folders of tests/modules/
#   modules_program_builds    the build.sh of each folder of guest programs
#                       (tests/modules/*/, tests/tools/*/)
#   modules_program_roots BUILD...  the crate roots (relative to WS) of the
#                       programs those build.sh scripts build (their
#                       rust_program lines)

# modules_in [--rust|--c] [DIR]
# shellcheck disable=SC2120 # both arguments are optional
modules_in() {
	mi_kind=
	case "${1:-}" in
	--rust | --c)
		mi_kind=$1
		shift
		;;
	esac
	for mi_kbuild in "${1:-$WS/modules}"/*/Kbuild; do
		[ -f "$mi_kbuild" ] || continue
		mi_dir=${mi_kbuild%/Kbuild}
		case "$mi_kind" in
		--rust) modules_is_rust "$mi_dir" || continue ;;
		--c) ! modules_is_rust "$mi_dir" || continue ;;
		esac
		echo "${mi_dir##*/}"
	done
}

# modules_is_rust FOLDER
modules_is_rust() {
	[ -n "$(find "$1" -name '*.rs' ! -name bindings_generated.rs -print -quit)" ]
}

# modules_helper_calls KO: the kernel's C helpers for Rust (rust_helper_*)
# that the built module KO calls, one per line; none when its kernel has
# CONFIG_RUST_INLINE_HELPERS, whose bitcode Kbuild links into the module.
modules_helper_calls() {
	nm -u "$1" | awk '$2 ~ /^rust_helper_/ { print $2 }' | sort -u
}

# modules_listed: fails, saying why, when the top-level Kbuild lists a
# folder without a Kbuild or a folder's Kbuild names no module.
modules_listed() {
	sed -n 's|^obj-m[[:space:]]*+\{0,1\}:\{0,1\}=[[:space:]]*\(modules/[^[:space:]]*\)/[[:space:]]*$|\1|p' \
		"$WS/Kbuild" | while read -r ml_dir; do
		if [ ! -f "$WS/$ml_dir/Kbuild" ]; then
			echo "modules: the top-level Kbuild lists $ml_dir/, which has no Kbuild" >&2
			return 1
		fi
		ml_names=$(sed -n 's/^obj-m[[:space:]]*+\{0,1\}:\{0,1\}=//p' "$WS/$ml_dir/Kbuild" |
			tr -s ' \t' '\n' | sed -n 's/\.o$//p')
		if [ -z "$ml_names" ]; then
			echo "modules: $ml_dir/Kbuild names no obj-m module" >&2
			return 1
		fi
		for ml_name in $ml_names; do
			echo "$ml_dir $ml_name"
		done
	done
}

# modules_crate_roots NAME: the objects are the words X.o of the Kbuild's
# lines outside comments (obj-m, NAME-y, rules), $(obj)/ dropped.
modules_crate_roots() {
	mcr_dir=modules/$1
	# shellcheck disable=SC2016 # $(obj) is Kbuild's, not the shell's
	sed 's/#.*//' "$WS/$mcr_dir/Kbuild" | tr -s ' \t:=' '\n' |
		sed -n 's|^\(\$(obj)/\)\{0,1\}\([A-Za-z0-9_/-]*\)\.o$|\2|p' | sort -u |
		while read -r mcr_object; do
			[ ! -f "$WS/$mcr_dir/$mcr_object.rs" ] || echo "$mcr_dir/$mcr_object.rs"
		done
}

# modules_guest_test NAME
modules_guest_test() {
	echo "$WS/tests/modules/$1/guest.sh"
}

# modules_test_folders
modules_test_folders() {
	for mtf_dir in "$WS"/tests/modules/*/; do
		[ -d "$mtf_dir" ] || continue
		mtf_dir=${mtf_dir%/}
		echo "${mtf_dir##*/}"
	done
}

# modules_program_builds
modules_program_builds() {
	for mpb_build in "$WS"/tests/modules/*/build.sh "$WS"/tests/tools/*/build.sh; do
		[ ! -x "$mpb_build" ] || echo "$mpb_build"
	done
}

# modules_program_roots BUILD...: the roots are named as "$HERE/X.rs".
modules_program_roots() {
	for mpr_build; do
		mpr_dir=${mpr_build%/build.sh}
		# shellcheck disable=SC2016 # $HERE is the build.sh's own
		sed -n 's|^[[:space:]]*rust_program "\$HERE/\([^"]*\.rs\)".*|\1|p' "$mpr_build" |
			while read -r mpr_root; do
				echo "${mpr_dir#"$WS"/}/$mpr_root"
			done
	done
}
