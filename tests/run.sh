#!/bin/sh
# run.sh [STAGE] - run every test stage of `make test` and sum them.
#
# Stages: unit (tests/test_*.c programs, incl. real-corpus tests),
# golden (tests/golden.sh), scripts (tests/*.sh shell tests), san (the
# unit and golden stages again under ASan+UBSan), tsan (the engine's
# thread under ThreadSanitizer), fuzz (short libFuzzer
# runs and corpus replay). Each stage prints "NAME: N passed, M failed";
# the last line is the total. Exit status 1 when anything failed.
cd "$(dirname "$0")/.." || exit 2
only=$1
total_pass=0 total_fail=0
MAKE=${MAKE:-make}

# Add a stage's "N passed, M failed" (last such line of its output).
tally() {
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	p=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\2/')
	f=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\3/')
	[ -z "$line" ] && { p=0; f=1; echo "run: $2 printed no result line: counted as a failure"; }
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
}

# counted NAME CMD...: run CMD, show its output, add its result line; a
# status above 1 (a crash, a sanitizer's report) is one more failure.
counted() {
	name=$1
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	if [ $rc -gt 1 ]; then
		echo "run: $name exited with status $rc (crash?)"
		total_fail=$((total_fail + 1))
	fi
	tally "$out" "$name"
	rm -f "$out"
}

stage_unit() { # $1 = build dir
	for t in "$1"/tests/test_*; do
		[ -x "$t" ] || continue
		counted "$t" "$t"
	done
}

stage_golden() { # $1 = breachwatch binary
	out=$(mktemp)
	sh tests/golden.sh "$1" >"$out" 2>&1
	cat "$out"
	tally "$out" golden
	rm -f "$out"
}

stage_scripts() { # $1 = breachwatch binary
	if [ -f tests/rules_corpora.sh ]; then # crowdsec hub scenario replay
		out=$(mktemp)
		sh tests/rules_corpora.sh "$1" >"$out" 2>&1
		cat "$out"
		tally "$out" rules_corpora
		rm -f "$out"
	fi
	for s in tests/test_*.sh; do
		[ -f "$s" ] || continue
		out=$(mktemp)
		BW="$1" sh "$s" >"$out" 2>&1
		cat "$out"
		tally "$out" "$s"
		rm -f "$out"
	done
}

if [ -z "$only" ] || [ "$only" = unit ]; then stage_unit build; fi
if [ -z "$only" ] || [ "$only" = golden ]; then stage_golden ./breachwatch; fi
if [ -z "$only" ] || [ "$only" = scripts ] || [ "$only" = golden ]; then stage_scripts ./breachwatch; fi
if [ -z "$only" ] || [ "$only" = san ]; then
	# clang here, gcc above: both compilers build the tree in every run.
	san_cc=clang
	command -v clang >/dev/null 2>&1 || san_cc=${CC:-cc}
	echo "run: building with CC=$san_cc SANITIZE=address,undefined"
	if $MAKE --no-print-directory CC=$san_cc SANITIZE=address,undefined tests >/dev/null; then
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		stage_unit build-san
		stage_golden build-san/breachwatch
		stage_scripts build-san/breachwatch
	else
		echo "run: sanitizer build failed"
		total_fail=$((total_fail + 1))
	fi
fi
if [ -z "$only" ] || [ "$only" = tsan ]; then
	# The engine's thread (engine_thread.c) under ThreadSanitizer: its
	# unit test, the one-thread/two-thread comparison and every rule case
	# on two threads.
	if command -v clang >/dev/null 2>&1; then
		echo "run: building with CC=clang SANITIZE=thread"
		T=build-tsan
		if $MAKE --no-print-directory CC=clang SANITIZE=thread BUILD=$T \
			PROG=$T/breachwatch $T/breachwatch $T/tests/test_engine_thread \
			>/dev/null; then
			export TSAN_OPTIONS=halt_on_error=1:exitcode=66
			counted "tsan test_engine_thread" "$T/tests/test_engine_thread"
			counted "tsan rules test" "$T/breachwatch" rules test --threads 2
			counted "tsan test_threads.sh" env BW=$T/breachwatch sh tests/test_threads.sh
		else
			echo "run: ThreadSanitizer build failed"
			total_fail=$((total_fail + 1))
		fi
	else
		echo "run: tsan stage skipped: no clang (apt-get install clang)"
	fi
fi
if { [ -z "$only" ] || [ "$only" = fuzz ]; } && [ -f tests/fuzz/fuzz.sh ]; then
	# The saved corpus (crash reproducers included) under gcc, then
	# short coverage-guided runs under clang's libFuzzer.
	for mode in --replay --no-replay; do
		counted "fuzz $mode" sh tests/fuzz/fuzz.sh "$mode"
	done
fi
echo "$total_pass passed, $total_fail failed"
[ $total_fail = 0 ]
