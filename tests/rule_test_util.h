/*
 * rule_test_util.h - helpers for the rule engine tests: a throw-away rules
 * directory, an engine whose alerts are collected in memory, and events
 * built in C.
 */
#ifndef RULE_TEST_UTIL_H
#define RULE_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert.h"
#include "bw_util.h"
#include "engine.h"
#include "event.h"

#define MAX_GOT 256
#define RT_UNUSED __attribute__((unused))

struct got_alert {
	char rule[96];
	int severity;
	uint64_t count, suppressed, evidence_count;
	size_t nevidence;
	uint64_t first_line, last_line;
	char message[256];
	int64_t ts;
};

static struct got_alert got[MAX_GOT];
static int ngot;

RT_UNUSED static void collect(void *ctx, const struct bw_alert *a)
{
	(void)ctx;
	if (ngot >= MAX_GOT)
		return;
	struct got_alert *g = &got[ngot++];
	snprintf(g->rule, sizeof(g->rule), "%s", a->rule_id);
	g->severity = a->severity;
	g->count = a->count;
	g->suppressed = a->suppressed;
	g->evidence_count = a->evidence_count;
	g->nevidence = a->nevidence;
	g->first_line = a->nevidence ? a->evidence[0].line_no : 0;
	g->last_line = a->nevidence ? a->evidence[a->nevidence - 1].line_no : 0;
	snprintf(g->message, sizeof(g->message), "%.*s", (int)a->message_len,
		 a->message);
	g->ts = a->ts_ms;
}

static char tdir[256];

/* Create a fresh rules dir holding one file "t.rules" with text. */
RT_UNUSED static void rules_dir(const char *text)
{
	snprintf(tdir, sizeof(tdir), "/tmp/bwrt.XXXXXX");
	if (!mkdtemp(tdir)) {
		perror("mkdtemp");
		exit(2);
	}
	char p[512];
	snprintf(p, sizeof(p), "%s/t.rules", tdir);
	FILE *f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

RT_UNUSED static void rules_file(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", tdir, rel);
	/* mkdir -p of the parents below tdir */
	for (char *q = p + strlen(tdir) + 1; (q = strchr(q, '/')) != NULL; q++) {
		*q = 0;
		mkdir(p, 0755);
		*q = '/';
	}
	FILE *f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

RT_UNUSED static void rules_dir_rm(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tdir);
	if (system(cmd) != 0)
		perror("rm");
}

static char errbuf[8192];

/* An engine on the rules directory made by rules_dir (and rules_file),
 * its alerts given to on_alert(ctx, alert); NULL (errors printed) when
 * the rules are bad. */
RT_UNUSED static struct bw_engine *
engine_in_dir_to(uint64_t max_keys, void (*on_alert)(void *, const struct bw_alert *),
		 void *ctx)
{
	struct bw_engine_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.rules_dir = tdir;
	cfg.max_keys = max_keys;
	cfg.fail_on = BW_SEV_HIGH;
	cfg.seed = 42;
	cfg.on_alert = on_alert;
	cfg.on_alert_ctx = ctx;
	errbuf[0] = 0;
	struct bw_engine *e = bw_engine_new(&cfg, errbuf, sizeof(errbuf));
	if (!e)
		fprintf(stderr, "  engine errors:\n%s", errbuf);
	return e;
}

/* engine_in_dir_to with the alerts collected in got[]. */
RT_UNUSED static struct bw_engine *engine_in_dir(uint64_t max_keys)
{
	ngot = 0;
	return engine_in_dir_to(max_keys, collect, NULL);
}

RT_UNUSED static struct bw_engine *engine_with(const char *text, uint64_t max_keys)
{
	rules_dir(text);
	return engine_in_dir(max_keys);
}

RT_UNUSED static bw_event mkev(int64_t ts_s, int src, int kind, int outcome,
		     const char *ip, const char *user, uint64_t line)
{
	bw_event ev;
	bw_event_clear(&ev);
	ev.ts_ms = ts_s * 1000;
	ev.source = (uint8_t)src;
	ev.kind = (uint8_t)kind;
	ev.outcome = (uint8_t)outcome;
	if (ip)
		bw_ip_parse(ip, strlen(ip), &ev.src_ip);
	if (user)
		ev.user = bw_str_make(user, strlen(user));
	ev.line_no = line;
	return ev;
}

RT_UNUSED static bw_event mkweb(int64_t ts_s, const char *ip, const char *path,
		      const char *query, int status, uint64_t line)
{
	bw_event ev = mkev(ts_s, BW_SRC_WEB, BW_KIND_REQUEST, BW_OUTCOME_NONE, ip,
			   NULL, line);
	ev.url_path = bw_str_make(path, strlen(path));
	if (query)
		ev.url_query = bw_str_make(query, strlen(query));
	ev.http_status = status;
	return ev;
}

RT_UNUSED static int count_rule(const char *id)
{
	int n = 0;
	for (int i = 0; i < ngot; i++)
		if (strcmp(got[i].rule, id) == 0)
			n++;
	return n;
}

#endif
