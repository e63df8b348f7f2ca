/*
 * scan.h - the whole run behind `scan`, `parse` and `rules test`: the
 * pipeline (inputs -> parse -> merge), then after the merge the VPN stage
 * (sessions, leases), identity normalization, and the sinks: NDJSON
 * events (parse) and/or the rule engine (scan). One place composes the
 * stages, so a rule test sees exactly what a scan sees.
 */
#ifndef BW_SCAN_H
#define BW_SCAN_H

#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "pipeline.h"

struct bw_scan_opts {
	const struct bw_input_spec *specs;
	size_t nspecs;
	size_t max_line;           /* 0 = default */
	int strict;
	int64_t reorder_ms;        /* < 0 = automatic */
	const char *identity_domain;  /* NULL = none */
	const char *identity_aliases; /* NULL = none */
	/* or the configuration made of them, borrowed (the engine's rules
	 * normalize their user names with the same one) */
	const struct bw_identity *identity;
	FILE *events_out;          /* NDJSON events (parse), or NULL */
	struct bw_engine *engine;  /* borrowed; NULL = no rules */
	int engine_thread;         /* 1 = run the engine on a thread of its
	                              own (engine_thread.h); same alerts */
	FILE *diag;                /* errors, warnings, stats (stderr) */
	int stats;                 /* print --stats to diag at the end */
	void (*opened)(void);      /* called once the inputs are open (the
	                              program's signals then restart calls) */
};

struct bw_scan_result {
	uint64_t lines, events, skipped;
	uint64_t paired;  /* Windows attempts logged twice, passed once */
	uint64_t pair_overflow; /* 4776s, console 4625s passed unpaired: too many waited */
};

/* The account-naming configuration of --identity-domain and
 * --identity-aliases (either may be NULL). @return it, NULL after a
 * message on diag (a bad domain, an alias file error, no memory). */
struct bw_identity *bw_scan_identity(const char *domain, const char *aliases,
				     FILE *diag);

/* Run to the end of every input.
 * @return 0 when every input was read, 2 on an input or usage error
 * (messages on diag); the engine's alerts decide any status 1 (the
 * caller asks bw_engine_exit_status). result may be NULL. */
int bw_scan_run(const struct bw_scan_opts *o, struct bw_scan_result *result);

#endif /* BW_SCAN_H */
