/*
 * engine_bench.c - throughput of the rule engine on real inputs:
 *   build/tools/engine_bench [--rules DIR] [--parse-only] [--max-keys N]
 *                            [--json] FILE...
 * Runs the pipeline over the files (parse only, or parse + every rule),
 * prints lines, seconds, lines/s, alerts and peak RSS on stderr; alerts
 * go to /dev/null unless --print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine.h"
#include "pipeline.h"

static void on_event(void *arg, bw_event *ev)
{
	if (arg)
		bw_engine_event(arg, ev);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *rules = "signatures";
	int parse_only = 0, json = 0, print = 0;
	unsigned long long max_keys = 0;
	struct bw_input_spec specs[64];
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rules") && i + 1 < argc)
			rules = argv[++i];
		else if (!strcmp(argv[i], "--parse-only"))
			parse_only = 1;
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--print"))
			print = 1;
		else if (!strcmp(argv[i], "--max-keys") && i + 1 < argc)
			max_keys = strtoull(argv[++i], NULL, 10);
		else if (n < 64) {
			memset(&specs[n], 0, sizeof(specs[n]));
			specs[n].path = argv[i];
			specs[n].tz = "UTC";
			n++;
		}
	}
	struct bw_engine *e = NULL;
	FILE *devnull = fopen("/dev/null", "w");
	char err[65536];
	if (!parse_only) {
		struct bw_engine_config cfg;
		memset(&cfg, 0, sizeof(cfg));
		cfg.rules_dir = rules;
		cfg.json = json;
		cfg.out = print ? stdout : devnull;
		cfg.max_keys = max_keys;
		cfg.fail_on = BW_SEV_HIGH;
		e = bw_engine_new(&cfg, err, sizeof(err));
		if (!e) {
			fputs(err, stderr);
			return 2;
		}
	}
	struct bw_pipeline_opts po;
	memset(&po, 0, sizeof(po));
	po.reorder_ms = -1;
	po.on_event = on_event;
	po.arg = e;
	po.diag = stderr;
	struct bw_pipeline *pl = bw_pipeline_new(specs, n, &po, err, sizeof(err));
	if (!pl) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	double t0 = now_s();
	bw_pipeline_run(pl);
	if (e)
		bw_engine_finish(e);
	double t = now_s() - t0;
	uint64_t lines = bw_pipeline_lines(pl);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	/* CPU time, not only wall time: the machine may be shared */
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	fprintf(stderr, "%s: %llu lines in %.3f s wall (%.0f lines/s), %.3f s CPU "
		"(%.0f lines/s), peak RSS %.1f MiB\n",
		parse_only ? "parse-only" : "scan", (unsigned long long)lines, t,
		(double)lines / t, cpu, (double)lines / cpu,
		(double)ru.ru_maxrss / 1024.0);
	if (e) {
		bw_engine_print_summary(e, stderr, 0);
		bw_engine_free(e);
	}
	bw_pipeline_free(pl);
	fclose(devnull);
	return 0;
}
