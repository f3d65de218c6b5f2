# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The unprivileged user of the host suites (tests/headers-cases.sh,
# tests/stock-cases.sh, tests/doctor-cases.sh): someone who builds against
# an installed kernel tree that is not theirs to change and who cannot
# reach the developer's workspace. Made without root and without a second
# account, from user and mount namespaces (unshare(1)), the same way for a
# normal user and for root:
#
# - the command runs with the caller's own uid and gid (root's shown as
#   nobody's, see unprivileged_id) but with no capability at all, also
#   when the caller is root: it can write only
#   where the permission bits let that uid write. A tree made read-only
#   (chmod -R a-w) stays so for it, even though it is the owner: a build
#   does not chmod (this is how a tree owned by root is to anybody else);
# - the workspace ($WS) is hidden under an empty folder that it cannot
#   enter (mode 0), as a clone in a private home is to other users: what
#   the command uses must be staged outside the workspace;
# - each --read-only DIR is mounted read-only for it (for copies made of
#   hard links, whose permission bits are those of the originals);
# - each --bind SRC DEST (SRC may be in the workspace) is mounted on DEST,
#   an existing folder outside it: what the command must still reach there,
#   such as a generation's Debian environment under build/envs, which
#   scripts/env-run.sh then enters in user namespaces of its own (a new
#   user namespace has every capability in itself, whatever this one
#   dropped, and nothing outside);
# - it starts in / (a working folder in the workspace would reach past
#   the hidden folder) with a plain environment, PATH and HOME only.
#
# Nothing changes outside the command: the mounts exist only in its own
# mount namespace and end with it.

# as_unprivileged [--read-only DIR | --bind SRC DEST]... COMMAND...: run
# COMMAND so.
as_unprivileged() {
	local ro=() binds=()
	while :; do
		case ${1:-} in
		--read-only) ro+=("$2"); shift 2 ;;
		--bind) binds+=("$2" "$3"); shift 3 ;;
		*) break ;;
		esac
	done
	# In the first namespace the caller is root (of nothing but its own
	# files) and makes the mounts; the second maps its own uid and gid
	# back, and setpriv drops every capability (the namespace grants a
	# full set, which execve would keep for uid 0) before COMMAND runs.
	# shellcheck disable=SC2016 # the inner shell expands them
	unshare --user --map-root-user --mount sh -c '
		ws=$1 uid=$2 gid=$3
		shift 3
		# Before the workspace is hidden: SRC may be in it.
		while [ "$1" != -- ]; do
			mount --bind "$1" "$2" || exit 125
			shift 2
		done
		shift
		mount -t tmpfs -o mode=0,size=4k ws-hidden "$ws" || exit 125
		while [ "$1" != -- ]; do
			mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 125
			shift
		done
		shift
		cd / || exit 125
		exec unshare --user --map-user="$uid" --map-group="$gid" --keep-caps \
			setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all --no-new-privs \
			env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/nonexistent "$@"
	' as_unprivileged "$WS" "$(unprivileged_id -u)" "$(unprivileged_id -g)" "${binds[@]}" -- "${ro[@]}" -- "$@"
}

# unprivileged_id -u|-g: the uid (gid) the command has in its namespace:
# the caller's, but for root nobody's (65534, nogroup), still the caller's
# identity outside, owning the same files. Whoever is uid 0 of a namespace
# cannot map uid 0 into a user namespace of its own without CAP_SETFCAP
# (the kernel's verify_root_map), which the command has dropped, and a
# command that enters a Debian environment (scripts/env-run.sh) makes one.
unprivileged_id() {
	if [ "$(id -u)" -eq 0 ]; then
		echo 65534
	else
		id "$1"
	fi
}

# unprivileged_check: as_unprivileged works here, or a message on stderr
# saying why not (user namespaces turned off, say) and a failure.
unprivileged_check() {
	local out
	if out=$(as_unprivileged sh -c 'grep "^CapEff:" /proc/self/status' 2>&1) &&
		[ "$out" = "$(printf 'CapEff:\t0000000000000000')" ]; then
		return 0
	fi
	echo "as_unprivileged does not work here (unshare --user --map-root-user --mount;" \
		"are user namespaces allowed? sysctl user.max_user_namespaces): $out" >&2
	return 1
}
