# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Checks 7, 8 (with --module): a built .ko against the target kernel, its
# vermagic against the target release and the Rust symbols it imports
# against KDIR's Module.symvers.

check_vermagic() {
	local ko=$1 name=${1##*/} vermagic modrel
	if ! command -v modinfo >/dev/null 2>&1; then
		doctor_problem "$name vermagic: no modinfo to read it (PATH=$PATH)" \
			"fix: install Debian's kmod ('make deps' does); it is in /usr/sbin, which the Makefile adds to PATH"
		return
	fi
	vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
	vermagic=${vermagic% }
	modrel=${vermagic%% *}
	if [ -z "$RELEASE" ]; then
		doctor_skip "$name vermagic: no target release (no --release, no KDIR kernel.release)"
	elif [ -z "$modrel" ]; then
		doctor_problem "$name has no vermagic: not a kernel module?" "fix: rebuild it with 'make'"
	elif [ "$modrel" != "$RELEASE" ]; then
		doctor_problem "$name was built for $modrel, not for the target kernel $RELEASE: insmod fails with 'Invalid module format'" \
			"vermagic: $vermagic" \
			"fix: build it against that kernel's tree: make KDIR=/path/to/the $RELEASE build (or its headers)"
	else
		doctor_ok "$name vermagic matches release $RELEASE ($vermagic)"
	fi
}

# The Rust symbols a module needs from the kernel (v0-mangled, __rust_*).
rust_imports() {
	local nm
	nm=$(command -v nm || command -v llvm-nm || echo "${LLVM%/}/llvm-nm")
	"$nm" -u "$1" 2>/dev/null | awk '$2 ~ /^(_R|__rust)/ { print $2 }' | sort -u
}

check_rust_symbols() {
	local ko=$1 name=${1##*/} needed missing count
	local symvers=$KDIR/Module.symvers
	[ -f "$symvers" ] || return 0
	needed=$(rust_imports "$ko")
	if [ -z "$needed" ]; then
		doctor_ok "$name needs no Rust symbols from the kernel"
		return
	fi
	missing=$(awk 'NR == FNR { have[$2] = 1; next } !($1 in have)' "$symvers" - <<<"$needed")
	count=$(echo "$needed" | wc -l)
	if [ -z "$missing" ]; then
		doctor_ok "$name: the $count Rust symbols it needs are exported (Module.symvers)"
		return
	fi
	local first nmiss has_rust rust_cfg
	first=$(echo "$missing" | head -n 1)
	nmiss=$(echo "$missing" | wc -l)
	rust_cfg=$(cfg RUST)
	has_rust=$(awk '$2 ~ /^(_R|__rust)/ { n++ } END { print n + 0 }' "$symvers")
	if [ "$has_rust" = 0 ]; then
		doctor_problem "$name needs $nmiss Rust symbols (e.g. $first) that KDIR's Module.symvers does not export:" \
			"the target kernel was built without Rust (CONFIG_RUST=${rust_cfg:-n}, no Rust symbol in Module.symvers); insmod fails with 'Unknown symbol'" \
			"fix: boot and build against a kernel with CONFIG_RUST=y ('make kernel' builds the workspace's)"
	else
		doctor_problem "$name needs $nmiss of its $count Rust symbols (e.g. $first) that KDIR's Module.symvers does not export:" \
			"the target kernel has Rust, but from another build (Rust symbol names carry a hash of the kernel crate)" \
			"fix: rebuild the module against exactly the target kernel's tree"
	fi
}

check_module() {
	if [ -d "$1" ]; then
		doctor_problem "module $1 is a directory, not a .ko file" "fix: give the path of a built module (MODULE=modules/<name>/<name>.ko)"
		return
	fi
	if [ ! -f "$1" ]; then
		doctor_problem "module $1 does not exist" "fix: build it first ('make')"
		return
	fi
	check_vermagic "$1"
	[ "$KDIR_OK" = 0 ] || check_rust_symbols "$1"
}
