#!/bin/sh
# golden.sh [--update] BREACHWATCH - golden-file tests.
#
# A case is an input file F under testdata/{input,web,auth,vpn}/ with an
# expected stdout F.expected, optional extra arguments F.args (one line,
# placed before the file name), an optional expected exit status
# F.status (default 0) and optional expected stderr F.stderr. The command
# runs inside the case's directory so paths in the output are stable:
#     breachwatch parse $(cat F.args) F
# --update rewrites F.expected (and F.status / F.stderr when they exist or
# the status is non-zero) for every input; read the diff before committing.
update=0
[ "$1" = "--update" ] && { update=1; shift; }
bw=$(cd "$(dirname "${1:-./breachwatch}")" && pwd)/$(basename "${1:-./breachwatch}")
root=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for dir in "$root"/testdata/input "$root"/testdata/web "$root"/testdata/auth "$root"/testdata/vpn; do
	[ -d "$dir" ] || continue
	for f in "$dir"/*; do
		case "$f" in
		*.expected|*.args|*.status|*.stderr|*.md|*/README*) continue ;;
		esac
		[ -f "$f" ] || continue
		[ $update = 1 ] || [ -f "$f.expected" ] || continue
		name=$(basename "$f")
		args=""
		[ -f "$f.args" ] && args=$(cat "$f.args")
		# shellcheck disable=SC2086
		(cd "$dir" && TZ=UTC "$bw" parse $args "$name" >"$tmp/out" 2>"$tmp/err")
		status=$?
		if [ $update = 1 ]; then
			cp "$tmp/out" "$f.expected"
			if [ $status != 0 ] || [ -f "$f.status" ]; then echo $status >"$f.status"; fi
			[ -f "$f.stderr" ] && cp "$tmp/err" "$f.stderr"
			continue
		fi
		want=0
		[ -f "$f.status" ] && want=$(cat "$f.status")
		ok=1
		if ! cmp -s "$tmp/out" "$f.expected"; then
			ok=0
			echo "golden: FAIL ${f#$root/}: output differs:"
			diff "$f.expected" "$tmp/out" | head -20
		fi
		if [ "$status" != "$want" ]; then
			ok=0
			echo "golden: FAIL ${f#$root/}: exit status $status, expected $want"
		fi
		if [ -f "$f.stderr" ] && ! cmp -s "$tmp/err" "$f.stderr"; then
			ok=0
			echo "golden: FAIL ${f#$root/}: stderr differs:"
			diff "$f.stderr" "$tmp/err" | head -10
		fi
		if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	done
done
[ $update = 1 ] && { echo "golden: expectations rewritten; review with git diff"; exit 0; }
echo "golden: $pass passed, $fail failed"
[ $fail = 0 ]
