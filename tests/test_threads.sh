#!/bin/sh
# test_threads.sh - `scan --threads 2` (the rule engine on a thread of its
# own, the default on two CPUs) prints exactly what `--threads 1` prints:
# the same alerts in the same order, the same summary, the same status.
# BW names the binary (run.sh passes the plain, ASan and TSan builds).
cd "$(dirname "$0")/.." || exit 2
BW=${BW:-./breachwatch}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "threads: FAIL $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# same NAME ARGS...: both thread counts, stdout, stderr (but --stats'
# timings) and status equal; $IN, when set, is each run's stdin
same() {
	name=$1
	shift
	"$BW" scan --threads 1 "$@" <"${IN:-/dev/null}" >"$tmp/o1" 2>"$tmp/e1"
	s1=$?
	"$BW" scan --threads 2 "$@" <"${IN:-/dev/null}" >"$tmp/o2" 2>"$tmp/e2"
	s2=$?
	sed -i '/ lines\/s, /d' "$tmp/e1" "$tmp/e2"
	if [ "$s1" != "$s2" ]; then
		bad "$name: status $s1 on one thread, $s2 on two"
	elif ! cmp -s "$tmp/o1" "$tmp/o2"; then
		bad "$name: alerts differ"
		diff "$tmp/o1" "$tmp/o2" | head -5
	elif ! cmp -s "$tmp/e1" "$tmp/e2"; then
		bad "$name: summaries differ"
		diff "$tmp/e1" "$tmp/e2" | head -5
	elif [ ! -s "$tmp/o1" ]; then
		bad "$name: no alerts at all (the comparison shows nothing)"
	else
		ok
	fi
}

same "demo, text" testdata/demo/*
same "demo, JSON, status 1" --json testdata/demo/*
IN=testdata/demo/bastion-auth.log same "demo, from stdin" --json --fail-on none -

# Many events, many batches: generated web and auth logs (the bench's
# generators, smaller).
tools=build/tools
if [ -x "$tools/gen_web" ] && [ -x "$tools/gen_auth" ]; then
	"$tools/gen_web" -n 60000 >"$tmp/web.log"
	"$tools/gen_auth" -n 60000 >"$tmp/auth.log"
	same "generated web log" --json --fail-on none "$tmp/web.log"
	same "generated auth log" --json --fail-on none --year 2026 "$tmp/auth.log"
	same "both merged, --stats" --json --fail-on none --stats --year 2026 \
		"$tmp/web.log" "$tmp/auth.log"
	# lines longer than a batch (256 KiB) run in their place in the order
	awk 'NR == 20000 { printf "203.0.113.250 - - [26/Nov/2026:03:00:00 +0100] \"GET /etc/passwd?"; for (i = 0; i < 40000; i++) printf "aaaaaaaaaa"; print " HTTP/1.1\" 200 1 \"-\" \"sqlmap/1.7\"" } { print }' \
		"$tmp/web.log" >"$tmp/big.log"
	same "a 400 KB line among others" --json --fail-on none --max-line 1M "$tmp/big.log"
	if grep -q '203.0.113.250' "$tmp/o2"; then ok; else bad "the 400 KB line raised no alert"; fi
else
	echo "threads: skip generated logs: no $tools/gen_web (make tests builds it)"
fi

# Zones: the reader converts local syslog stamps (TZ) while the engine
# takes hour(ts) in --site-tz; the C library knows one process zone at a
# time, so the two threads must not switch it under each other (an event
# stamped in New York time instead of Berlin's, an alert lost).
mkdir -p "$tmp/tzrules"
printf '%s\n' 'rule t.hour' '  severity low' '  when kind == login and hour(ts) == 3' \
	'  message "{user} at three"' 'rule t.every' '  severity low' \
	'  when kind == login' '  message "{user} login"' >"$tmp/tzrules/t.rules"
awk 'BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " ")
	for (i = 0; i < 4000; i++) { h = i % 24; d = int(i / 24); mo = int(d / 28)
		printf "%s %2d %02d:30:00 host sshd[1]: Failed password for user%d from 10.0.%d.%d port 22 ssh2\n",
			m[mo + 1], d % 28 + 1, h, i, int(i / 250), i % 250 } }' >"$tmp/hours.log"
TZ=Europe/Berlin same "local stamps, hour(ts) in another zone" --rules "$tmp/tzrules" \
	--site-tz America/New_York --year 2025 --fail-on none "$tmp/hours.log"

# One stream for both (a terminal, 2>&1, the journal): a message about
# line 101 comes after the alerts of lines 1-100, as on one thread.
head -100 "$tmp/hours.log" >"$tmp/strict.log"
echo "garbage here" >>"$tmp/strict.log"
sed -n 101,200p "$tmp/hours.log" >>"$tmp/strict.log"
for t in 1 2; do
	"$BW" scan --threads $t --rules "$tmp/tzrules" --tz UTC --year 2025 \
		--strict "$tmp/strict.log" >"$tmp/m$t" 2>&1
	echo "status $?" >>"$tmp/m$t"
done
if ! grep -q 'strict' "$tmp/m1"; then
	bad "--strict stopped nowhere (the test shows nothing)"
elif cmp -s "$tmp/m1" "$tmp/m2"; then
	ok
else
	bad "--strict into one stream: order differs"
	diff "$tmp/m1" "$tmp/m2" | head -5
fi
printf 'no log line here\n' >"$tmp/junk.txt"
for t in 1 2; do
	"$BW" scan --threads $t testdata/demo/bastion-auth.log "$tmp/junk.txt" >"$tmp/m$t" 2>&1
done
if grep -q 'no line in a known format' "$tmp/m1" && cmp -s "$tmp/m1" "$tmp/m2"; then ok; else
	bad "an unknown format's message into one stream: order differs"
	diff "$tmp/m1" "$tmp/m2" | head -5
fi

# the option itself
"$BW" scan --threads 3 testdata/demo/bastion-auth.log >/dev/null 2>"$tmp/err"
st=$?
if [ "$st" = 2 ] && grep -q -- "--threads" "$tmp/err"; then ok; else bad "--threads 3: status $st"; fi

echo "threads: $pass passed, $fail failed"
[ $fail = 0 ]
