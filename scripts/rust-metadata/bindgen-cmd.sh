# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The kernel's own bindgen command line (rust/bindings/.bindings_generated.rs.cmd),
# for modules that generate bindings of their own against a GCC-built
# kernel: its C flags are the kernel's, with the GCC-only ones its
# rust/Makefile filters out for libclang (modules/rust_misc/Kbuild reads
# them). The rebuilt tree's paths are relative to one folder (./include);
# Debian's headers split it in two: the flavour's folder, where Kbuild
# runs (generated files, config), and the -common folder beside it (the
# sources), which its Makefile includes. Each ./X is pointed where the
# headers have it, relative to the flavour's folder (../linux-headers-
# VERSION-common/X), so the file works wherever /usr/src is.
#
#   bindgen_cmd_for_headers KDIR SRC DEST

bindgen_cmd_for_headers() {
	bc_cmd=$2/rust/bindings/.bindings_generated.rs.cmd
	[ -f "$bc_cmd" ] || return 0
	# The -common folder: the one whose Makefile KDIR's Makefile includes.
	bc_common=$(sed -n 's|^include \(.*\)/Makefile$|\1|p' "$1/Makefile" | head -n 1)
	mkdir -p "$(dirname "$3")"
	awk -v kdir="$1" -v common="$bc_common" '
		function there(path) { return system("test -e \"" path "\"") == 0 }
		# Where ./X is for a build run in KDIR: KDIR has it, the -common
		# folder has it, or both (include folders: -common first, as
		# Kbuild orders them).
		function place(x, flag,   out) {
			out = ""
			if (common != "" && there(common "/" x))
				out = flag "../" name "/" x
			if (there(kdir "/" x))
				out = out (out == "" ? "" : " ") flag "./" x
			return out == "" ? flag "./" x : out
		}
		BEGIN { name = common; sub(/.*\//, "", name) }
		/^savedcmd_/ {
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^-I\.\//) $i = place(substr($i, 5), "-I")
				else if ($i ~ /^\.\//) $i = place(substr($i, 3), "")
			}
		}
		{ print }' "$bc_cmd" >"$3"
}
