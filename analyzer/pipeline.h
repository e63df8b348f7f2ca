/*
 * pipeline.h - inputs -> decode/frame -> sniff -> parse -> merge by event
 * time -> a per-event callback. The stages after the merge (enrichment,
 * sessions, rules, outputs) hang off the callback.
 *
 * Several inputs are merged k-way on their next event's time; a bounded
 * reorder window (event time) then sorts small local disorder, copying
 * events it holds. Events arriving later than the window are passed on
 * at once, flagged BW_EF_LATE and counted. Events given to the callback
 * are valid only during the call.
 */
#ifndef BW_PIPELINE_H
#define BW_PIPELINE_H

#include <stdint.h>
#include <stdio.h>

#include "event.h"

/* One input as given on the command line, with the positional options
 * in force where it appeared. */
struct bw_input_spec {
	const char *path;   /* "-" = stdin */
	const char *format; /* parser name, NULL = sniff */
	const char *tz;     /* zone for zone-less stamps, NULL = local */
	int year;           /* year for year-less stamps, 0 = infer */
};

struct bw_pipeline_opts {
	size_t max_line;    /* 0 = BW_MAX_LINE_DEFAULT */
	int strict;         /* a skipped line is fatal */
	int64_t reorder_ms; /* < 0: automatic (0 for one input, 2 s for more) */
	/* Called with every event in merged time order; may modify it. */
	void (*on_event)(void *arg, bw_event *ev);
	/* Called before the pipeline may block reading a pipe. */
	void (*flush)(void *arg);
	/* Called before a message on diag while events may still be on
	 * their way (NULL = none): the sinks write what they owe for
	 * earlier lines first, so a terminal shows both in line order. */
	void (*settle)(void *arg);
	void *arg;
	FILE *diag;         /* where errors and warnings go (stderr) */
};

struct bw_pipeline;

/* Open every input. Inputs that cannot be opened are reported on diag and
 * make the run's status 2; the others still run.
 * @return the pipeline, or NULL on a usage error (unknown --format or
 * --tz) with the message in err. */
struct bw_pipeline *bw_pipeline_new(const struct bw_input_spec *specs,
				    size_t nspecs,
				    const struct bw_pipeline_opts *opts,
				    char *err, size_t errlen);

/* Run to the end of every input.
 * @return 0 when everything was read, 2 when an input failed to open or
 * decode, or --strict stopped the run. */
int bw_pipeline_run(struct bw_pipeline *pl);

/* Print per-input and total statistics (--stats). */
void bw_pipeline_print_stats(const struct bw_pipeline *pl, FILE *f);

size_t bw_pipeline_ninputs(const struct bw_pipeline *pl);
/* @return the display name of input id (as on the command line). */
const char *bw_pipeline_input_name(const struct bw_pipeline *pl, uint32_t id);

/* Totals, for tests and summaries. */
uint64_t bw_pipeline_lines(const struct bw_pipeline *pl);
uint64_t bw_pipeline_events(const struct bw_pipeline *pl);
uint64_t bw_pipeline_skipped(const struct bw_pipeline *pl);

void bw_pipeline_free(struct bw_pipeline *pl);

#endif /* BW_PIPELINE_H */
