#!/bin/sh
# fuzz.sh - build and run the libFuzzer targets in tests/fuzz/, or replay
# their saved corpus without libFuzzer.
#
#   sh tests/fuzz/fuzz.sh [SECONDS]   clang -fsanitize=fuzzer,address,undefined;
#                                     each target runs SECONDS (default 10)
#   sh tests/fuzz/fuzz.sh --replay    $REPLAY_CC (default gcc) with ASan+UBSan,
#                                     tests/fuzz/replay.c as main; replays
#                                     tests/fuzz/corpus/<target>/ once
#
# Targets: parser-NAME for every line parser and msg-NAME for every syslog
# message parser in the registry (asked from the built binaries, so parsers
# merged later are covered without editing this file), input (decode and
# framing), escape-json/-term/-html/-time (buf.h escapers and the time
# formatter) and pipeline (the whole thing, NDJSON output included).
#
# Seeds: tests/fuzz/corpus/<target>/ (committed, small), plus lines and
# files from testdata/ when it exists. New coverage goes to
# build-fuzz/corpus/<target>/ (kept between runs, not committed). A new
# crash is saved as tests/fuzz/corpus/<target>/crash-* (leak-*, timeout-*,
# oom-*; not when the same bytes are already there), so it stays a
# regression seed: commit it, with the fix when there is one.
#
# Environment: FUZZ_JOBS (parallel sessions, default: CPUs), FUZZ_BUDGET
# (wall seconds the runs may take in all, default 150; SECONDS per target
# shrinks to fit, never below 3), REPLAY_CC.
#
# Output ends with "fuzz: N passed, M failed" (replay: "fuzz-replay: ...").
# Exit status: 0 all passed (or skipped: no libFuzzer and not root),
# 1 a target failed, 2 the build failed.
set -u
cd "$(dirname "$0")/../.." || exit 2

MODE=fuzz
SECS=10
case ${1:-} in
--replay) MODE=replay ;;
'') ;;
*[!0-9]*) echo "usage: fuzz.sh [SECONDS] | --replay" >&2; exit 2 ;;
*) SECS=$1 ;;
esac

JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
BUDGET=${FUZZ_BUDGET:-150}
PKGS="libpcre2-8 libzstd jansson libmaxminddb zlib"
OUT=build-fuzz
CORPUS=tests/fuzz/corpus
pfx=fuzz
[ "$MODE" = replay ] && pfx=fuzz-replay

say() { echo "$pfx: $*"; }

if ! pkg-config --exists $PKGS 2>/dev/null; then
	say "missing libraries ($PKGS); run 'make deps'"
	say "0 passed, 1 failed"
	exit 2
fi
PKG_CFLAGS=$(pkg-config --cflags $PKGS)
PKG_LIBS="$(pkg-config --libs $PKGS) -lm"
BASE="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Iparsers -Ianalyzer -Itests/fuzz $PKG_CFLAGS"

# --------------------------------------------------------- toolchain
if [ "$MODE" = fuzz ]; then
	CC=${FUZZ_CC:-clang}
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
	OBJ_FLAGS="$BASE $SAN -fsanitize=fuzzer-no-link"
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
			say "skipped: $CC cannot link -fsanitize=fuzzer (apt-get install clang libclang-rt-14-dev)"
			say "0 passed, 0 failed"
			exit 0
		fi
	fi
else
	CC=${REPLAY_CC:-gcc}
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
	OBJ_FLAGS="$BASE $SAN"
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
	say "0 passed, 1 failed"
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
		say "0 passed, 1 failed"
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
echo "input fuzz_input BW_FUZZ_NONE=1 65536 input" >> "$TARGETS"
for name in $(BW_FUZZ_LIST=1 "$VARIANT/fuzz_escape" 2>/dev/null); do
	echo "escape-$name fuzz_escape BW_FUZZ_ESCAPE=$name 4096 none" >> "$TARGETS"
done
echo "pipeline fuzz_pipeline BW_FUZZ_NONE=1 65536 pipeline" >> "$TARGETS"
ntargets=$(wc -l < "$TARGETS" | tr -d ' ')

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

passed=0
failed=0

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

# Move new reproducers from build-fuzz/artifacts/<target>/ into the
# committed corpus, unless a file there already has the same bytes (a
# known, still unfixed crash found again from its own seed).
keep_artifacts() {
	t=$1
	for a in "$OUT/artifacts/$t"/*; do
		[ -f "$a" ] || continue
		dup=""
		for c in "$CORPUS/$t"/*; do
			[ -f "$c" ] && cmp -s "$a" "$c" && dup=$c && break
		done
		if [ -n "$dup" ]; then
			say "$t: reproduces $dup"
			rm -f "$a"
		else
			mv "$a" "$CORPUS/$t/" && say "$t: new reproducer $CORPUS/$t/$(basename "$a")"
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
		grep -q "^$t " "$TARGETS" || say "note: $d has no target (parser renamed or removed?)"
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
mkdir -p "$SEEDS/lines" "$SEEDS/msgs" "$SEEDS/input" "$SEEDS/pipeline"
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
per=$SECS
batches=$(( (ntargets + JOBS - 1) / JOBS ))
if [ $((batches * per)) -gt "$BUDGET" ]; then
	per=$((BUDGET / batches))
	[ "$per" -lt 3 ] && per=3
	say "$ntargets targets on $JOBS job(s): $per s each to stay within ${BUDGET} s"
fi

run_one() { # NAME BIN ENV MAXLEN KIND
	t=$1 bin=$2 env=$3 maxlen=$4 kind=$5
	work=$OUT/corpus/$t
	mkdir -p "$work" "$CORPUS/$t" "$OUT/artifacts/$t"
	seeds="$CORPUS/$t"
	case $kind in
	lines|msgs|input|pipeline) seeds="$seeds $SEEDS/$kind" ;;
	esac
	# shellcheck disable=SC2086
	env "$env" "$VARIANT/$bin" -max_total_time="$per" -timeout=10 \
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
		say "$t: FAILED (log: $log)"
		show_failure "$log"
		keep_artifacts "$t"
		failed=$((failed + 1))
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
