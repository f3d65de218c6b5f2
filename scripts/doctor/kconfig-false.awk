# SPDX-License-Identifier: GPL-2.0
#
# Evaluates Kconfig `depends on` expressions against a kernel config, for
# scripts/doctor/rust-config.sh. The first file is the config (CONFIG_X=v
# lines; unset symbols are n); each line of the second (usually stdin) is
# one expression. Prints each false expression as
# "EXPR<TAB>SYM=value SYM=value..." (the symbols it read, with their values).
#
#   awk -f kconfig-false.awk include/config/auto.conf - <<< '!MODVERSIONS'
function tokenize(s) {
	nt = 0
	while (s != "") {
		if (match(s, /^[ \t]+/)) { s = substr(s, RLENGTH + 1); continue }
		if (match(s, /^(&&|\|\||!=|<=|>=|[!()=<>])/) ||
		    match(s, /^"[^"]*"/) || match(s, /^[A-Za-z0-9_]+/)) {
			T[++nt] = substr(s, 1, RLENGTH)
		} else {
			RLENGTH = 1
			T[++nt] = substr(s, 1, 1)
		}
		s = substr(s, RLENGTH + 1)
	}
	T[nt + 1] = ""
	p = 1
}
function tri(v) { return v == "y" ? 2 : (v == "m" ? 1 : 0) }
function term(t) {
	t = T[p++]
	if (t ~ /^"/) return substr(t, 2, length(t) - 2)
	if (t ~ /^-?[0-9]+$/ || t == "y" || t == "m" || t == "n") return t
	if (!(t in SEEN)) { SEEN[t] = 1; used = used " " t "=" ((t in V) ? V[t] : "n") }
	return (t in V) ? V[t] : "n"
}
function compare(a, op, b) {
	if (a ~ /^-?[0-9]+$/ && b ~ /^-?[0-9]+$/) { a += 0; b += 0 }
	else { a = a ""; b = b "" }
	if (op == "=") return a == b
	if (op == "!=") return a != b
	if (op == "<") return a < b
	if (op == "<=") return a <= b
	if (op == ">") return a > b
	return a >= b
}
function cmpx(a, op) {
	a = term()
	op = T[p]
	if (op ~ /^(=|!=|<|<=|>|>=)$/) { p++; return compare(a, op, term()) ? 2 : 0 }
	return tri(a)
}
function unary(v) {
	if (T[p] == "!") { p++; return 2 - unary() }
	if (T[p] == "(") { p++; v = orx(); p++; return v }
	return cmpx()
}
function andx(v, w) {
	v = unary()
	while (T[p] == "&&") { p++; w = unary(); if (w < v) v = w }
	return v
}
function orx(v, w) {
	v = andx()
	while (T[p] == "||") { p++; w = andx(); if (w > v) v = w }
	return v
}
NR == FNR {
	if (match($0, /^CONFIG_[A-Za-z0-9_]+=/)) {
		name = substr($0, 8, RLENGTH - 8)
		val = substr($0, RLENGTH + 1)
		gsub(/^"|"$/, "", val)
		V[name] = val
	}
	next
}
{
	split("", SEEN)
	used = ""
	tokenize($0)
	if (orx() == 0) print $0 "\t" substr(used, 2)
}
