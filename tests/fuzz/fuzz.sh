#!/bin/sh
# fuzz.sh - build and run the libFuzzer targets in tests/fuzz/, and replay
# their saved corpus without libFuzzer.
#
#   sh tests/fuzz/fuzz.sh [SECONDS]    replay (below), then clang
#                                      -fsanitize=fuzzer,address,undefined
#                                      sessions of SECONDS each (default 10)
#   sh tests/fuzz/fuzz.sh --replay     only the replay: $REPLAY_CC (default
#                                      gcc) with ASan+UBSan and
#                                      tests/fuzz/replay.c as main, over
#                                      tests/fuzz/corpus/<target>/
#   sh tests/fuzz/fuzz.sh --no-replay [SECONDS]   only the fuzzing
#
# Targets: parser-NAME for every line parser and msg-NAME for every syslog
# message parser in the registry (asked from the built binaries, so parsers
# merged later are covered without editing this file), input (decode and
# framing), escape-json/-term/-html/-time (buf.h escapers and the time
# formatter), rules (loader and evaluator, once analyzer/engine.h exists),
# pipeline (the whole thing, NDJSON output included) and scan (the stages
# after the merge and the rule engine, alerts included).
#
# Seeds: tests/fuzz/corpus/<target>/ (committed, small; its crash-* files
# are replayed, not fuzzed from, so a known unfixed bug fails once and
# does not stop the session), plus lines and files from testdata/ and
# signatures/*.rules when they exist. New coverage goes to
# build-fuzz/corpus/<target>/ (kept between runs, not committed). A new
# crash is saved as tests/fuzz/corpus/<target>/crash-* (leak-*, timeout-*,
# oom-*; not when the same bytes are already there), so it stays a
# regression seed: commit it, with the fix when there is one.
#
# Environment: FUZZ_JOBS (parallel sessions, default: CPUs), FUZZ_BUDGET
# (wall seconds for the whole script, replay and builds included, default
# 170; SECONDS per target shrinks to fit, never below 3), REPLAY_CC,
# FUZZ_CC (clang).
#
# Output ends with "fuzz: N passed, M failed" (replay and sessions summed;
# --replay alone: "fuzz-replay: ..."). Exit status: 0 all passed (the
# sessions are skipped with a note when libFuzzer is missing and we are
# not root), 1 a target failed, 2 the build failed.
set -u
cd "$(dirname "$0")/../.." || exit 2

MODE=fuzz
SECS=10
DO_REPLAY=1
case ${1:-} in
--replay) MODE=replay ;;
--no-replay) DO_REPLAY=0; shift ;;
esac
if [ "$MODE" = fuzz ]; then
	case ${1:-} in
	'') ;;
	*[!0-9]*) echo "usage: fuzz.sh [--no-replay] [SECONDS] | --replay" >&2; exit 2 ;;
	*) SECS=$1 ;;
	esac
fi

JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
BUDGET=${FUZZ_BUDGET:-170}
START=$(date +%s)
PKGS="libpcre2-8 libzstd jansson libmaxminddb zlib"
OUT=build-fuzz
CORPUS=tests/fuzz/corpus
pfx=fuzz
[ "$MODE" = replay ] && pfx=fuzz-replay

say() { echo "$pfx: $*"; }

passed=0
failed=0
# The replay first (quick, gcc): its counts join the sessions' total.
if [ "$MODE" = fuzz ] && [ "$DO_REPLAY" = 1 ]; then
	mkdir -p "$OUT/logs"
	sh tests/fuzz/fuzz.sh --replay > "$OUT/logs/replay.out" 2>&1
	rrc=$?
	cat "$OUT/logs/replay.out"
	line=$(grep -E '^fuzz-replay: [0-9]+ passed, [0-9]+ failed' "$OUT/logs/replay.out" | tail -1)
	if [ -n "$line" ]; then
		passed=$(echo "$line" | sed -E 's/^fuzz-replay: ([0-9]+) passed.*/\1/')
		failed=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	fi
	[ "$rrc" -gt 1 ] || [ -z "$line" ] && failed=$((failed + 1))
fi

if ! pkg-config --exists $PKGS 2>/dev/null; then
	say "missing libraries ($PKGS); run 'make deps'"
	say "$passed passed, $((failed + 1)) failed"
	exit 2
fi
PKG_CFLAGS=$(pkg-config --cflags $PKGS)
PKG_LIBS="$(pkg-config --libs $PKGS) -lm -pthread"
BASE="-std=c11 -D_GNU_SOURCE -g -fno-omit-frame-pointer -Iparsers -Ianalyzer -Itests/fuzz $PKG_CFLAGS"

# --------------------------------------------------------- toolchain
if [ "$MODE" = fuzz ]; then
	CC=${FUZZ_CC:-clang}
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
	OBJ_FLAGS="-O1 $BASE $SAN -fsanitize=fuzzer-no-link"
	LINK_FLAGS="$SAN -fsanitize=fuzzer"
	VARIANT=$OUT/fuzz
	probe() {
		mkdir -p "$OUT" &&
		printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' > "$OUT/probe.c" &&
		$CC $LINK_FLAGS -o "$OUT/probe" "$OUT/probe.c" >/dev/null 2>&1
	}
	if ! probe; then
		if [ "$(id -u)" = 0 ]; then
			say "installing clang and libFuzzer (libclang-rt-14-dev)"
			sh tests/deps.sh clang libclang-rt-14-dev >/dev/null 2>&1
		fi
		if ! probe; then
			say "sessions skipped: $CC cannot link -fsanitize=fuzzer (apt-get install clang libclang-rt-14-dev)"
			say "$passed passed, $failed failed"
			[ "$failed" = 0 ]
			exit $?
		fi
	fi
else
	CC=${REPLAY_CC:-gcc}
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
	# -O0: the replay runs a few hundred inputs, so compile time is what
	# counts (a cold build of the whole tree is a third faster)
	OBJ_FLAGS="-O0 $BASE $SAN"
	LINK_FLAGS="$SAN"
	VARIANT=$OUT/replay-$(basename "$CC")
fi

# ------------------------------------------------------------- build
# Library objects are rebuilt when their source, any header, or the
# flags changed; targets are relinked every time (cheap).
mkdir -p "$VARIANT/obj" "$OUT/logs" || exit 2
STAMP=$VARIANT/flags
if [ "$(cat "$STAMP" 2>/dev/null)" != "$CC $OBJ_FLAGS" ]; then
	rm -f "$VARIANT"/obj/*.o
	echo "$CC $OBJ_FLAGS" > "$STAMP"
fi
newest_h=$(ls -t parsers/*.h analyzer/*.h 2>/dev/null | head -1)
objs=""
pids=""
n=0
build_fail=0
for src in parsers/*.c analyzer/*.c; do
	[ "$src" = analyzer/main.c ] && continue
	o=$VARIANT/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	objs="$objs $o"
	if [ -f "$o" ] && [ ! "$src" -nt "$o" ] && [ ! "$newest_h" -nt "$o" ]; then
		continue
	fi
	# shellcheck disable=SC2086
	$CC $OBJ_FLAGS -c -o "$o" "$src" 2>"$o.log" &
	pids="$pids $!"
	n=$((n + 1))
	if [ "$n" -ge "$JOBS" ]; then
		for p in $pids; do wait "$p" || build_fail=1; done
		pids="" n=0
	fi
done
for p in $pids; do wait "$p" || build_fail=1; done
if [ "$build_fail" = 1 ]; then
	say "build failed:"
	cat "$VARIANT"/obj/*.log | head -40
	rm -f "$VARIANT"/obj/*.o
	say "$passed passed, $((failed + 1)) failed"
	exit 2
fi

bins=""
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	b=$VARIANT/$t
	extra=""
	[ "$MODE" = replay ] && extra=tests/fuzz/replay.c
	# shellcheck disable=SC2086
	if ! $CC $OBJ_FLAGS $LINK_FLAGS -o "$b" "$src" $extra $objs $PKG_LIBS 2>"$OUT/logs/$t.build"; then
		say "build of $t failed:"
		head -40 "$OUT/logs/$t.build"
		say "$passed passed, $((failed + 1)) failed"
		exit 2
	fi
	bins="$bins $t"
done

# ----------------------------------------------------------- targets
# One line per target: NAME BINARY ENV MAX_LEN SEEDKIND
TARGETS=$OUT/targets.$MODE
: > "$TARGETS"
for name in $(BW_FUZZ_LIST=1 "$VARIANT/fuzz_parser" 2>/dev/null); do
	echo "parser-$name fuzz_parser BW_FUZZ_PARSER=$name 4096 lines" >> "$TARGETS"
done
for name in $(BW_FUZZ_LIST=1 "$VARIANT/fuzz_msg" 2>/dev/null); do
	echo "msg-$name fuzz_msg BW_FUZZ_MSG=$name 4096 msgs" >> "$TARGETS"
done
for name in $(BW_FUZZ_LIST=1 "$VARIANT/fuzz_rules" 2>/dev/null); do
	echo "rules fuzz_rules BW_FUZZ_NONE=1 16384 rules" >> "$TARGETS"
done
echo "input fuzz_input BW_FUZZ_NONE=1 65536 input" >> "$TARGETS"
for name in $(BW_FUZZ_LIST=1 "$VARIANT/fuzz_escape" 2>/dev/null); do
	echo "escape-$name fuzz_escape BW_FUZZ_ESCAPE=$name 4096 none" >> "$TARGETS"
done
echo "pipeline fuzz_pipeline BW_FUZZ_NONE=1 65536 pipeline" >> "$TARGETS"
echo "scan fuzz_scan BW_FUZZ_NONE=1 65536 pipeline" >> "$TARGETS"
ntargets=$(wc -l < "$TARGETS" | tr -d ' ')

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# Print the useful part of a failure log: the sanitizer or check message,
# the first stack frames, and where the reproducer went.
show_failure() {
	log=$1
	grep -E '^replay: ' "$log" | tail -1 | sed 's/^replay: /    input: /'
	grep -E 'ERROR: |runtime error:|fuzz check failed|SUMMARY:|deadly signal|Test unit written|ALARM|out-of-memory' "$log" | head -8 | sed 's/^/    /'
	grep -E '^ *#[0-9]+ ' "$log" |
		grep -vE 'fuzzer::|__sanitizer|libc\.so|libc_start|_start |raise|abort|pthread_kill|fuzz_fail' |
		head -8 | sed 's/ (BuildId: [0-9a-f]*)//; s/^/    /'
}

# A failure's signature: where it happened (file:line of a UBSan report,
# the top project frame of an ASan report) or the check's message, with
# paths cut to their last two parts so replay and session logs compare.
signature() {
	sed -n -E \
		-e 's#^(.*/)?([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\.c:[0-9]+):[0-9]+: runtime error.*#\2#p' \
		-e 's#^fuzz check failed: (.{0,60}).*#\1#p' \
		-e 's#^ *\#[0-9]+ 0x[0-9a-f]+ in [A-Za-z_][A-Za-z0-9_]* (.*/)?([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+\.c):([0-9]+).*#\2:\3#p' \
		"$1" | grep -vE '^(tests/fuzz|fuzz)/' | head -1
}

# Move new reproducers from build-fuzz/artifacts/<target>/ into the
# committed corpus, unless a file there already has the same bytes, or
# the replay already failed the same way on a saved reproducer (the same
# known bug reached by other bytes: one reproducer is enough).
keep_artifacts() {
	t=$1
	sig=$(signature "$OUT/logs/$t.log")
	known=""
	if [ -f "$OUT/logs/replay-$t.log" ] && [ -n "$sig" ] &&
	   [ "$(signature "$OUT/logs/replay-$t.log")" = "$sig" ]; then
		known=$(grep -E '^replay: ' "$OUT/logs/replay-$t.log" | tail -1 | sed 's/^replay: //')
	fi
	for a in "$OUT/artifacts/$t"/*; do
		[ -f "$a" ] || continue
		dup=$known
		for c in "$CORPUS/$t"/*; do
			[ -z "$dup" ] && [ -f "$c" ] && cmp -s "$a" "$c" && dup=$c
		done
		if [ -n "$dup" ]; then
			say "$t: same failure as $dup ($sig)"
			rm -f "$a"
		else
			mv "$a" "$CORPUS/$t/" && say "$t: new reproducer $CORPUS/$t/$(basename "$a")"
			fresh=1
		fi
	done
}

# ------------------------------------------------------------ replay
if [ "$MODE" = replay ]; then
	while read -r t bin env maxlen kind; do
		d=$CORPUS/$t
		if [ ! -d "$d" ]; then
			say "$t: no saved corpus ($d)"
			passed=$((passed + 1))
			continue
		fi
		log=$OUT/logs/replay-$t.log
		if env "$env" "$VARIANT/$bin" "$d" > "$log" 2>&1; then
			say "$t: ok, $(sed -n 's/^replay: \([0-9]*\) inputs$/\1/p' "$log") inputs"
			passed=$((passed + 1))
		else
			say "$t: FAILED (log: $log)"
			show_failure "$log"
			failed=$((failed + 1))
		fi
	done < "$TARGETS"
	for d in "$CORPUS"/*/; do
		[ -d "$d" ] || continue
		t=$(basename "$d")
		grep -q "^$t " "$TARGETS" ||
			say "note: $d has no target in this tree (its parser or engine not merged yet, or renamed)"
	done
	say "$passed passed, $failed failed"
	[ "$failed" = 0 ]
	exit $?
fi

# ------------------------------------------------------------- seeds
# Lines (parsers), messages (text after "prog[pid]: "), and whole small
# files with the option bytes the input and pipeline targets expect.
SEEDS=$OUT/seeds
rm -rf "$SEEDS"
mkdir -p "$SEEDS/lines" "$SEEDS/msgs" "$SEEDS/input" "$SEEDS/pipeline" "$SEEDS/rules"
for f in signatures/*.rules; do
	[ -f "$f" ] && cp "$f" "$SEEDS/rules/"
done
if [ -d testdata ]; then
	i=0
	for f in $(find testdata -type f -size -64k 2>/dev/null | sort | head -300); do
		i=$((i + 1))
		case $f in
		*.gz|*.zst|*.bin) ;;
		*)
			head -n 20 "$f" | awk -v d="$SEEDS/lines" -v m="$SEEDS/msgs" -v i="$i" '
				length($0) < 4096 {
					f = d "/" i "-" NR; print > f; close(f)
					if (match($0, /[A-Za-z0-9_.\/-]+(\[[0-9]+\])?: /)) {
						g = m "/" i "-" NR
						print substr($0, RSTART + RLENGTH) > g; close(g)
					}
				}' ;;
		esac
		{ printf '\377'; cat "$f"; } > "$SEEDS/input/$i"
		{ printf '\000\000'; cat "$f"; } > "$SEEDS/pipeline/$i"
	done
fi

# --------------------------------------------------------------- run
# Sessions get what is left of the budget after the replay and builds
# (a cold build of both variants takes most of a minute on 2 CPUs, a
# warm one seconds), split over the batches of parallel sessions.
per=$SECS
batches=$(( (ntargets + JOBS - 1) / JOBS ))
left=$((BUDGET - ($(date +%s) - START) - 5))
if [ $((batches * per)) -gt "$left" ]; then
	per=$((left / batches - 2)) # ~2 s per session to start and load seeds
	[ "$per" -lt 3 ] && per=3
	say "$ntargets targets on $JOBS job(s): $per s each to end within ${BUDGET} s"
fi

run_one() { # NAME BIN ENV MAXLEN KIND
	t=$1 bin=$2 env=$3 maxlen=$4 kind=$5
	work=$OUT/corpus/$t
	mkdir -p "$work" "$CORPUS/$t" "$OUT/artifacts/$t" "$SEEDS/saved/$t"
	# Saved reproducers are the replay's job: a session that started on
	# a known, unfixed crash would stop at once and fuzz nothing else.
	for f in "$CORPUS/$t"/*; do
		case ${f##*/} in
		crash-*|leak-*|timeout-*|oom-*|slow-unit-*) ;;
		*) [ -f "$f" ] && cp "$f" "$SEEDS/saved/$t/" ;;
		esac
	done
	seeds="$SEEDS/saved/$t"
	case $kind in
	lines|msgs|input|pipeline|rules) seeds="$seeds $SEEDS/$kind" ;;
	esac
	dict=""
	case $kind in
	lines|msgs|input|pipeline) dict=-dict=tests/fuzz/logs.dict ;;
	esac
	# shellcheck disable=SC2086
	env "$env" "$VARIANT/$bin" $dict -max_total_time="$per" -timeout=10 \
		-rss_limit_mb=2048 -max_len="$maxlen" -print_final_stats=1 \
		-artifact_prefix="$OUT/artifacts/$t/" "$work" $seeds \
		> "$OUT/logs/$t.log" 2>&1
	echo $? > "$OUT/logs/$t.rc"
}

report_one() {
	t=$1
	log=$OUT/logs/$t.log
	if [ "$(cat "$OUT/logs/$t.rc")" = 0 ]; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
		say "$t: ok, ${runs:-?} runs, cov ${cov:-?}, $per s"
		passed=$((passed + 1))
	else
		fresh=0
		if ls "$OUT/artifacts/$t"/* >/dev/null 2>&1; then
			keep_artifacts "$t"
		else
			fresh=1 # no reproducer written: count it
		fi
		if [ "$fresh" = 1 ]; then
			say "$t: FAILED (log: $log)"
			show_failure "$log"
			failed=$((failed + 1))
		else
			# the replay has failed on this bug already: count it once
			say "$t: known failure again, counted once by the replay (log: $log)"
		fi
	fi
}

batch=""
nb=0
while read -r t bin env maxlen kind; do
	run_one "$t" "$bin" "$env" "$maxlen" "$kind" &
	batch="$batch $t"
	nb=$((nb + 1))
	if [ "$nb" -ge "$JOBS" ]; then
		wait
		for x in $batch; do report_one "$x"; done
		batch="" nb=0
	fi
done < "$TARGETS"
wait
for x in $batch; do report_one "$x"; done

say "$passed passed, $failed failed"
[ "$failed" = 0 ]
