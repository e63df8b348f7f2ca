/*
 * bench_auth.c - single-thread throughput of one line parser, without
 * reading, merging or output: the file is loaded into memory once, then
 * every line is parsed (copied first, since parsers may write into it).
 *
 *   bench_auth [--format syslog] [--tz UTC] [--year 2026] [--runs 3] FILE
 *
 * Prints lines/s and MB/s of the best run and the counts of each result.
 */
#include "parser.h"
#include "bw_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const char *format = "syslog", *zone_name = "UTC", *path = NULL;
	int year = 2025, runs = 3;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strcmp(argv[i], "--tz") == 0 && i + 1 < argc)
			zone_name = argv[++i];
		else if (strcmp(argv[i], "--year") == 0 && i + 1 < argc)
			year = atoi(argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else
			path = argv[i];
	}
	const struct bw_parser *p = bw_parser_find(format);
	const struct bw_tz *tz = bw_tz_get(zone_name);
	if (!path || !p || !tz) {
		fprintf(stderr, "usage: bench_auth [--format NAME] [--tz ZONE] [--year Y] [--runs N] FILE\n");
		return 2;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *data = malloc((size_t)size + 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: read failed\n", path);
		return 1;
	}
	fclose(f);
	char *buf = malloc(1 << 20);
	double best = 1e30;
	unsigned long long counts[4], lines = 0;
	for (int r = 0; r < runs; r++) {
		struct bw_parse_ctx ctx;
		memset(&ctx, 0, sizeof(ctx));
		ctx.tz = tz;
		ctx.year = year;
		ctx.default_year = year;
		ctx.state = p->state_size ? calloc(1, p->state_size) : NULL;
		memset(counts, 0, sizeof(counts));
		lines = 0;
		bw_event ev;
		double t0 = now();
		for (char *s = data, *end = data + size; s < end;) {
			char *nl = memchr(s, '\n', (size_t)(end - s));
			size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
			if (n > (1 << 20))
				n = 1 << 20;
			memcpy(buf, s, n);
			bw_event_clear(&ev);
			ev.line.p = buf;
			ev.line.n = n;
			ev.line_no = ++lines;
			enum bw_parse_rc rc = p->parse(&ctx, buf, n, &ev);
			counts[rc & 3]++;
			s = nl ? nl + 1 : end;
		}
		double dt = now() - t0;
		if (dt < best)
			best = dt;
		if (p->state_fini && ctx.state)
			p->state_fini(ctx.state);
		free(ctx.state);
	}
	printf("%s: %llu lines, %.1f MB in %.3f s: %.0f lines/s, %.1f MB/s\n", format, lines,
	       (double)size / 1e6, best, (double)lines / best, (double)size / 1e6 / best);
	printf("  ok %llu, not mine %llu, malformed %llu, ignored %llu\n", counts[0], counts[1],
	       counts[2], counts[3]);
	free(buf);
	free(data);
	bw_tz_free_all();
	return 0;
}
