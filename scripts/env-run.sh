#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run a command inside a Debian environment of the build folder (made by
# scripts/debian-env.sh): chroot into $BUILD_DIR/envs/NAME with the host's
# /dev, a /proc of its own, and the folders the command works in bound at
# the same paths, so that a path means the same file inside and outside.
#
#   env-run.sh NAME COMMAND [ARG...]
#
# Bound: the workspace (WS), the build folder (BUILD_DIR), /tmp, the
# current folder, and each folder of WS_ENV_BINDS (colon-separated; a
# KDIR or DEST outside the workspace, say). The command starts in the
# current folder with the environment's PATH; WS_ENV is set to NAME inside,
# which the toolchain wrappers of scripts/install-deps.sh read to run the
# environment's programs directly instead of entering it again.
#
# No root needed: a user namespace in which the caller is root (unshare
# --map-root-user), with mount and PID namespaces of its own; files the
# command writes belong to the caller outside. Root itself gets the mount
# and PID namespaces alone: it needs no user namespace, and where the
# kernel refuses one (a chrooted process; its / must still be a mount
# point for the mount namespace) it works all the same.
set -eu
: "${WS:?env-run.sh needs WS (run it through the Makefile)}"
: "${BUILD_DIR:?env-run.sh needs BUILD_DIR}"

[ $# -ge 2 ] || {
	echo "usage: $0 NAME COMMAND [ARG...]" >&2
	exit 2
}
name=$1
shift
root=$BUILD_DIR/envs/$name
if [ ! -f "$BUILD_DIR/envs/$name.inputs" ] || [ ! -x "$root/bin/sh" ]; then
	echo "error: no Debian environment '$name' in $BUILD_DIR/envs (make deps makes it)" >&2
	exit 1
fi

# Already inside it (a wrapper called by a build that runs there).
if [ "${WS_ENV:-}" = "$name" ]; then
	exec "$@"
fi

# (The current folder by its physical path, without a subshell.)
cd -P .
binds="$WS:$BUILD_DIR:/tmp:$PWD${WS_ENV_BINDS:+:$WS_ENV_BINDS}"

# Held shared while the command runs (the command inherits it):
# scripts/debian-env.sh takes it exclusively before it makes the root again.
exec 9>"$BUILD_DIR/envs/.$name.lock"
flock -s 9

# The inner script runs as root of the new namespaces: it mounts, then
# chroots as that root (the caller's own uid outside).
# shellcheck disable=SC2016 # expanded by the inner shell
inner='
set -eu
root=$1 binds=$2 cwd=$3
shift 3
[ -d "$root/dev" ] || mkdir -p "$root/dev"
[ -d "$root/proc" ] || mkdir -p "$root/proc"
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
# Each folder at its physical path; a path through a symbolic link (a
# build/ that links elsewhere) is bound at its own path too when it does
# not lead to that folder in the root yet. Recursively: a folder may hold mounts
# of a namespace above this one (tests/lib/unprivileged.sh binds the
# environment into a build folder): the kernel refuses to bind such a
# folder alone, which would uncover what those mounts cover.
# (Shell builtins only, cd -P for the physical paths and test -ef for
# "the same folder", but for mkdir and mount: this runs for every call of
# the environment'"'"'s compiler.)
start=$PWD
bound=
IFS=:
for dir in $binds; do
	[ -n "$dir" ] && [ -d "$dir" ] || continue
	cd "$start" && cd -P "$dir"
	phys=$PWD
	# A command started in / (as tests/lib/unprivileged.sh starts one):
	# binding the host root over the environment root would leave it. Nor
	# the system folders of the host (a toolchain of the host in /usr,
	# named by a Makefile run for another generation): the environment
	# has its own. /usr/src is bound (a KDIR of installed headers).
	case $phys in
	/ | /usr | /usr/bin* | /usr/sbin* | /usr/lib* | /usr/libexec* | /usr/share* | \
		/usr/include* | /usr/local | /usr/local/bin* | /bin* | /sbin* | /lib* | /etc*)
		continue ;;
	esac
	# A folder inside one bound before (the current folder and the build
	# folder inside the workspace, as a rule) is there already: the binds
	# are recursive.
	covered=
	for b in $bound; do
		case $phys/ in "$b"/*) covered=1 ;; esac
	done
	if [ -z "$covered" ]; then
		if [ ! -d "$root$phys" ] || ! cd -P "$root$phys" 2>/dev/null || [ "$PWD" != "$phys" ]; then
			[ -d "$root$phys" ] || mkdir -p "$root$phys"
			mount --rbind "$phys" "$root$phys"
		fi
		bound=${bound:+$bound:}$phys
	fi
	# (Not the same folder, by device and inode: an empty folder an earlier
	# run made there for its mount would hide it.)
	if [ "$phys" != "$dir" ] && ! [ "$root$dir" -ef "$phys" ]; then
		[ -d "$root$dir" ] || mkdir -p "$root$dir"
		mount --rbind "$phys" "$root$dir"
	fi
done
unset IFS
exec /usr/sbin/chroot "$root" /bin/sh -c "cd \"\$1\" && shift && exec \"\$@\"" sh "$cwd" "$@"
'
# The caller's make jobserver, when a GNU make 4.4 (Debian 13) passes it
# as a named pipe (--jobserver-auth=fifo:PATH): 4.3 (Debian 12) stops at
# it ("invalid --jobserver-auth string"); a make in the environment then
# runs the jobs of MAKEFLAGS' -j on its own.
case ${MAKEFLAGS:-} in
*--jobserver-auth=fifo:*)
	MAKEFLAGS=$(printf '%s\n' "$MAKEFLAGS" | sed 's/ *--jobserver-auth=fifo:[^ ]*//g')
	export MAKEFLAGS ;;
esac

userns="--user --map-root-user"
[ "$(id -u)" -ne 0 ] || userns=""
# shellcheck disable=SC2086 # no option, or two
PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
	WS_ENV=$name exec unshare $userns --mount --pid --fork \
	--kill-child /bin/sh -c "$inner" sh "$root" "$binds" "$PWD" "$@"
