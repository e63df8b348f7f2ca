# breachwatch - top-level GNU Makefile.
#
#   make               build ./breachwatch
#   make demo          install missing packages, build, run the demo
#   make test          install missing packages, build, run every test
#                      (unit, golden, real corpora, ASan+UBSan, fuzz replay)
#   make bench         benchmark against peers (not part of test)
#   make fuzz          longer libFuzzer runs (FUZZ_SECONDS per target)
#   make deps          install missing Debian packages (as root)
#   make golden-update rewrite golden expectations (then read the diff!)
#
#   SANITIZE=address,undefined   instrumented build (into build-san/)
#   CC=clang                     any C11 compiler
#   V=1                          show full commands
#   WERROR=1                     warnings are errors (CI)

PKGS      := libpcre2-8 libzstd jansson libmaxminddb zlib
# Debian packages that provide $(PKGS), plus build and test tools.
DEB_LIBS  := libpcre2-dev libzstd-dev libjansson-dev libmaxminddb-dev zlib1g-dev
DEB_TOOLS := pkg-config zstd gzip tzdata
# Only `make test` needs these: clang for the sanitizer and fuzz builds.
DEB_TEST  := clang libclang-rt-14-dev

CC      ?= cc
ifeq ($(origin CC),default)
CC      := cc
endif

WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wconversion -Wno-sign-conversion \
           -Wpointer-arith -Wcast-qual -Wvla -Wundef
# -Wno-sign-conversion: size_t/ssize_t/int mixing in byte scanners is
# pervasive and checked by hand; -Wconversion still catches narrowing.
ifeq ($(WERROR),1)
WARN    += -Werror
endif

OPT     ?= -O2
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) -MMD -MP \
               -pthread -Iparsers -Ianalyzer
BASE_LDFLAGS :=

ifneq ($(SANITIZE),)
BUILD   := build-san
BASE_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
BASE_LDFLAGS += -fsanitize=$(SANITIZE)
else
BUILD   := build
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# pkg-config is asked only when a build actually needs it, so `make deps`
# works on a machine that has none of the libraries yet.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ALL_CFLAGS  = $(BASE_CFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(BASE_LDFLAGS) $(LDFLAGS)
LIBS        = $(PKG_LIBS) -lm -pthread

PARSER_SRC   := $(sort $(wildcard parsers/*.c))
ANALYZER_SRC := $(sort $(filter-out analyzer/main.c,$(wildcard analyzer/*.c)))
LIB_SRC      := $(PARSER_SRC) $(ANALYZER_SRC)
LIB_OBJ      := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ     := $(BUILD)/analyzer/main.o
TEST_SRC     := $(sort $(wildcard tests/test_*.c))
TEST_BIN     := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TOOL_SRC     := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN     := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)

ifneq ($(SANITIZE),)
PROG := $(BUILD)/breachwatch
else
PROG := breachwatch
endif

.PHONY: all deps check-deps demo test test-unit test-golden test-san test-tsan \
        test-fuzz golden-update bench clean tests tools fuzz

all: check-deps $(PROG)

# ---------------------------------------------------------------- deps
# Installs what pkg-config cannot find. As root: apt-get (with an update
# first when a package is unknown, as on a fresh machine). Otherwise it
# prints the exact command to run.
deps:
	@sh tests/deps.sh $(DEB_LIBS) $(DEB_TOOLS) $(EXTRA_DEBS)

check-deps:
	@pkg-config --exists $(PKGS) 2>/dev/null || { \
	  echo "breachwatch: missing libraries ($(PKGS)); running 'make deps'"; \
	  $(MAKE) --no-print-directory deps; } ; \
	 pkg-config --exists $(PKGS) || { \
	  for p in $(PKGS); do pkg-config --exists $$p || \
	    echo "missing: $$p (Debian: apt-get install $(DEB_LIBS) pkg-config)"; done; \
	  exit 1; }

# --------------------------------------------------------------- build
# Every compile waits for check-deps (order-only: it never forces a
# rebuild), so `make -j` on a fresh machine installs the headers before
# the first file that includes them is compiled.
$(BUILD)/%.o: %.c | check-deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libbw.a: $(LIB_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(PROG): $(MAIN_OBJ) $(BUILD)/libbw.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/%.c tests/bw_test.h $(BUILD)/libbw.a | check-deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libbw.a $(LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libbw.a | check-deps
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libbw.a $(LIBS)

tests: check-deps $(PROG) $(TEST_BIN) $(TOOL_BIN)
tools: check-deps $(TOOL_BIN)

# ---------------------------------------------------------------- test
# tests/run.sh runs every stage, sums them, and ends with
# "N passed, N failed". It rebuilds the sanitizer tree itself.
test: check-deps
	@sh tests/deps.sh $(DEB_LIBS) $(DEB_TOOLS) $(DEB_TEST)
	@$(MAKE) --no-print-directory tests
	@sh tests/run.sh

test-unit test-golden test-san test-tsan test-fuzz: check-deps
	@$(MAKE) --no-print-directory tests
	@sh tests/run.sh $(@:test-%=%)

golden-update: all
	@sh tests/golden.sh --update ./$(PROG)

# ---------------------------------------------------------------- demo
demo: all
	./$(PROG) scan --fail-on none testdata/demo/*

# ---------------------------------------------------------------- fuzz
# Longer fuzzing than make test's short runs: FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz: check-deps
	@sh tests/deps.sh $(DEB_TEST)
	@FUZZ_BUDGET=100000 sh tests/fuzz/fuzz.sh $(FUZZ_SECONDS)

# --------------------------------------------------------------- bench
bench: all tools
	@sh tests/bench/bench.sh

clean:
	rm -rf build build-san build-tsan build-fuzz breachwatch

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
