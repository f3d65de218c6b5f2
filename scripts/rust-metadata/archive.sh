# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# What the Debian archive has, for scripts/rust-metadata.sh: the versions
# of a package in a list of suites, read with apt from a private state
# folder (the host's apt may list another release; nothing of it is
# touched, and no root is needed). The archive is the one the host's apt
# configuration already uses. The state of a list of suites is kept in
# the build folder ($BUILD_DIR/archive/), so that the next apt-get update
# of those suites only checks that their lists are current; one user at a
# time (flock on file descriptor 7, from archive_open to archive_close).
#
#   archive_open SUITE...      fetch the suites' package lists
#   archive_versions PACKAGE   its versions there, one a line, newest first
#   archive_apt_cache ARG...   apt-cache on their lists
#   archive_close              let the next user have the state
#
# ARCHIVE_MIRROR holds the archive's address after archive_open.

# archive_mirror: the address of the repository that serves the host's
# own release in its apt configuration (not its security suite).
archive_mirror() {
	kconf_repo_uri "$(kconf_host_repos)" "$(kconf_host_release)"
}

archive_open() {
	ARCHIVE_MIRROR=$(archive_mirror)
	[ -n "$ARCHIVE_MIRROR" ] || die "cannot tell the Debian archive from the host's apt" \
		"configuration (run 'apt-get update' first)"
	ARCHIVE_STATE=$BUILD_DIR/archive/$(echo "$*" | tr ' ' '+')-$(echo "$ARCHIVE_MIRROR" | cksum | cut -d' ' -f1)
	mkdir -p "$ARCHIVE_STATE/lists/partial" "$ARCHIVE_STATE/cache/archives/partial"
	exec 7>"$ARCHIVE_STATE.lock"
	flock 7
	for ao_suite in "$@"; do
		echo "deb $ARCHIVE_MIRROR $ao_suite main"
	done >"$ARCHIVE_STATE/sources.list"
	cat >"$ARCHIVE_STATE/apt.conf" <<EOT
Dir::Etc::SourceList "$ARCHIVE_STATE/sources.list";
Dir::Etc::SourceParts "/nonexistent";
Dir::State::Lists "$ARCHIVE_STATE/lists";
Dir::Cache "$ARCHIVE_STATE/cache";
Dir::State::status "/dev/null";
Debug::NoLocking "1";
EOT
	APT_CONFIG=$ARCHIVE_STATE/apt.conf apt-get -qq \
		-o Dir::Cache::pkgcache="$ARCHIVE_STATE/cache/pkgcache.bin" update >"$ARCHIVE_STATE/update.log" 2>&1 ||
		die "cannot read the package lists of $* from $ARCHIVE_MIRROR:" \
			"$(tail -n 2 "$ARCHIVE_STATE/update.log" | tr '\n' ' ')"
}

# archive_apt_cache ARG...: apt-cache on the suites' lists, with the binary
# cache apt makes of them (see apt_cache in tests/lib/apt-lists.sh), on the
# command line: the host's apt.conf.d, read after APT_CONFIG, may turn it
# off.
archive_apt_cache() {
	APT_CONFIG=$ARCHIVE_STATE/apt.conf apt-cache \
		-o Dir::Cache::pkgcache="$ARCHIVE_STATE/cache/pkgcache.bin" "$@"
}

archive_versions() {
	archive_apt_cache madison "$1" 2>/dev/null |
		awk -F'|' '{ gsub(/ /, "", $2); print $2 }' | sort -urV
}

# archive_upstream PACKAGE UPSTREAM [--components]: the newest version of
# PACKAGE whose upstream part is UPSTREAM (1.85.1 matches
# 1.85.1+dfsg1-1+deb13u1 and 1.85.1-2, not 1.85.10-1), nothing when there
# is none. --components: UPSTREAM is the first components of it, all a
# tool's version Kconfig records (binutils 2.47.50 matches the snapshot
# 2.47.50.20261021-1 too).
archive_upstream() {
	archive_versions "$1" | awk -v u="$2" -v after="${3:+[-+~.]}" '
		BEGIN { if (after == "") after = "[-+~]" }
		{ v = $0; sub(/^[0-9]+:/, "", v) }
		index(v, u) == 1 && substr(v, length(u) + 1, 1) ~ after { print; exit }'
}

archive_close() {
	[ -z "${ARCHIVE_STATE:-}" ] || exec 7>&-
	ARCHIVE_STATE=
}
