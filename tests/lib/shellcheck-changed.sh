#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs shellcheck -x on the workspace's shell scripts, again only on those
# that changed since they last passed (tests/workspace-checks.sh):
#
#   tests/lib/shellcheck-changed.sh CACHE SCRIPT...
#
# Run from the workspace's top folder, the scripts named relative to it.
# A script's key is a checksum of shellcheck's version, the .shellcheckrc
# files it would read (the workspace's, the user's), the script's content
# and that of every file it sources as shellcheck follows them (its
# `# shellcheck source=PATH` lines, and theirs in turn): shellcheck's
# verdict on a script depends on nothing else. CACHE keeps "KEY SCRIPT"
# for the scripts that passed; the scripts whose key is not there are
# checked, in one shellcheck run, and when all of them pass, CACHE is
# written again with every script's key. A failed run changes nothing in
# CACHE. Remove CACHE to check every script.
#
# Prints shellcheck's findings, then "checked N of M scripts", and exits
# with shellcheck's status (0 when none needed checking).
set -eu
[ $# -ge 2 ] || {
	echo "usage: $0 CACHE SCRIPT..." >&2
	exit 2
}
cache=$1
shift
version=$(shellcheck --version | sed -n 's/^version: //p')
version="$version $(cat .shellcheckrc "${HOME:-/nonexistent}/.shellcheckrc" \
	"${XDG_CONFIG_HOME:-${HOME:-/nonexistent}/.config}/shellcheckrc" 2>/dev/null | cksum)"

# The files each script sources: one grep of all the files met so far,
# then of the new ones, until no new file turns up.
declare -A sources=() content=()
todo=("$@")
while [ ${#todo[@]} -gt 0 ]; do
	for f in "${todo[@]}"; do
		sources[$f]=""
	done
	while IFS=: read -r file target; do
		sources[$file]="${sources[$file]} $target"
	done < <(grep -H -o '^[[:space:]]*# shellcheck source=[^ ]*' "${todo[@]}" |
		sed 's/:[[:space:]]*# shellcheck source=/:/')
	next=()
	for f in "${todo[@]}"; do
		for t in ${sources[$f]}; do
			[ -f "$t" ] && [ -z "${sources[$t]+set}" ] && next+=("$t")
		done
	done
	mapfile -t todo < <(printf '%s\n' "${next[@]}" | sed '/^$/d' | sort -u)
done
while read -r sum file; do
	content[$file]=$sum
done < <(sha256sum "${!sources[@]}")

# key SCRIPT: the checksum of shellcheck's version, SCRIPT's content and
# that of every file it sources, directly or not.
key() {
	local seen=" " queue=("$1") f t
	while [ ${#queue[@]} -gt 0 ]; do
		f=${queue[0]}
		queue=("${queue[@]:1}")
		case $seen in *" $f "*) continue ;; esac
		seen="$seen$f "
		for t in ${sources[$f]:-}; do
			[ -n "${content[$t]:-}" ] && queue+=("$t")
		done
	done
	for f in $seen; do
		echo "$f ${content[$f]}"
	done | sort | { echo "shellcheck $version"; cat; } | sha256sum | cut -d' ' -f1
}

declare -A passed=()
if [ -f "$cache" ]; then
	while read -r k file; do
		passed[$file]=$k
	done <"$cache"
fi
keys=() changed=()
for f; do
	k=$(key "$f")
	keys+=("$k $f")
	[ "${passed[$f]:-}" = "$k" ] || changed+=("$f")
done

status=0
[ ${#changed[@]} -eq 0 ] || shellcheck -x "${changed[@]}" || status=$?
if [ "$status" -eq 0 ]; then
	mkdir -p "$(dirname "$cache")"
	printf '%s\n' "${keys[@]}" >"$cache.new"
	mv "$cache.new" "$cache"
fi
echo "checked ${#changed[@]} of $# scripts"
exit "$status"
