# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Refreshing apt's package lists from a test (tests/lib/debian-headers.sh,
# tests/lib/debian-kernel.sh fetch Debian's stock packages with
# `apt-get download`, which any user may run, from lists that may predate
# them), and reading them.

# apt_lists_update LOG: `apt-get update`, which only root may run: directly
# as root, else through sudo when sudo asks for no password (a test run
# never stops at a password prompt); its output in LOG. Fails when it could
# not run or failed; LOG then says why (with the command to run by hand).
apt_lists_update() {
	if [ "$(id -u)" -eq 0 ]; then
		apt-get update >"$1" 2>&1
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		# shellcheck disable=SC2024 # the log is the caller's, not root's
		sudo -n apt-get update >"$1" 2>&1
	else
		echo "apt-get update needs root and sudo asks for a password: run 'sudo apt-get update'" >"$1"
		return 1
	fi
}

# apt_cache ARG...: apt-cache on the host's package lists, with the binary
# cache it makes of them kept in the build folder. Without one (Debian's
# container images set Dir::Cache::pkgcache to "") every call parses the
# lists again, half a second; apt makes the file again itself when the
# lists or the installed packages change.
apt_cache() {
	mkdir -p "$BUILD_DIR/apt"
	apt-cache -o Dir::Cache::pkgcache="$BUILD_DIR/apt/host-pkgcache.bin" "$@"
}
