/*
 * engine.h - the rule engine's public API: load and compile a rules
 * directory, feed events in time order, get alerts (NDJSON or one-line
 * text) and a summary, and an exit status for `breachwatch scan`.
 *
 * Time: the engine runs on event time only (bw_event.ts_ms). Events should
 * arrive in time order (the merge stage sorts them); an event older than
 * the newest seen is still counted into its windows, and expiry never runs
 * backwards, so small reorderings give the same alerts.
 *
 * Memory: state tables are capped by max_keys (all rules together); the
 * least recently seen key is evicted first and evictions are counted.
 */
#ifndef BW_ENGINE_H
#define BW_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

enum bw_severity {
	BW_SEV_NONE = 0, /* as --fail-on: never fail on alerts */
	BW_SEV_INFO = 1,
	BW_SEV_LOW,
	BW_SEV_MEDIUM,
	BW_SEV_HIGH,
	BW_SEV_CRITICAL,
};

/* @return the severity named s ("info".."critical", "none"), or -1. */
int bw_severity_from_name(const char *s, size_t n);
/* @return "info".."critical" ("none" for 0). Static string. */
const char *bw_severity_name(int sev);

/* Default --max-keys: sized for a 256 MiB RSS budget. Measured: 1M web
 * lines from 1M distinct sources (gen_web --distinct-ips) through the
 * default ruleset reach the cap (600000 keys, ~735k evicted) at 191 MiB
 * peak RSS; the rest is headroom for keys holding windows and distinct
 * sets, which cost more than a bare per-source key. */
#define BW_ENGINE_DEFAULT_MAX_KEYS 600000u

struct bw_alert; /* alert.h */

struct bw_engine_config {
	const char *rules_dir;        /* holds *.rules, lists/, allow/; NULL =
	                                 "signatures" */
	const char *const *allow_files; /* extra allowlists (--allow), borrowed */
	size_t nallow_files;
	const char *const *sets;      /* overrides "ID.DIRECTIVE=VALUE" (--set),
	                                 borrowed */
	size_t nsets;
	uint64_t max_keys;            /* state keys, all rules; 0 = default */
	int fail_on;                  /* enum bw_severity; BW_SEV_NONE = never.
	                                 Use BW_SEV_HIGH for the default. */
	int json;                     /* 1 = NDJSON alerts, 0 = one-line text */
	int min_print;                /* enum bw_severity: alerts below it are
	                                 counted, not printed; 0 = all */
	FILE *out;                    /* alert sink; NULL = no printing */
	int flush;                    /* fflush(out) after each alert */
	const char *const *input_names; /* evidence names by event.input_id,
	                                   borrowed; may be NULL */
	size_t ninputs;
	const char *site_tz;          /* zone for hour(ts); NULL = UTC */
	/* how the run names accounts (--identity-domain, aliases): the user
	 * names in rules are normalized with it while loading; borrowed,
	 * NULL = none */
	const struct bw_identity *identity;
	uint64_t seed;                /* hash seed; 0 = from getrandom() */
	/* Called for every alert after it is printed (incidents, tests). The
	 * alert is valid only during the call. */
	void (*on_alert)(void *ctx, const struct bw_alert *a);
	void *on_alert_ctx;
	/* The rules already loaded by bw_engine_rules_load from a config
	 * with the same rules_dir, sets, allow_files, identity and seed:
	 * engines run from one load share it (read only), each with state of
	 * its own. Borrowed: free it after them. NULL = load here. */
	const struct bw_ruleset *rules;
};

struct bw_engine;
struct bw_ruleset;

/* Load every *.rules file in cfg->rules_dir (sorted), its lists, the
 * allowlists in rules_dir/allow/ and cfg->allow_files, with cfg->sets
 * applied, and compile them, for cfg->rules of any number of engines.
 * @return the rules, or NULL with every error, one per line as
 * "file:line:col: message", in err (truncated to errlen). */
struct bw_ruleset *bw_engine_rules_load(const struct bw_engine_config *cfg,
					char *err, size_t errlen);
void bw_engine_rules_free(struct bw_ruleset *rs);

/* An engine over cfg->rules, else over the rules bw_engine_rules_load
 * would give for cfg, loaded here and freed with the engine.
 * @return the engine, or NULL with every error, one per line as
 * "file:line:col: message", in err (truncated to errlen). */
struct bw_engine *bw_engine_new(const struct bw_engine_config *cfg,
				char *err, size_t errlen);

/* Feed one event. Views in ev are only read during the call. */
void bw_engine_event(struct bw_engine *e, const bw_event *ev);

/* End of input: report sequences/keys still pending nothing; flushes out. */
void bw_engine_finish(struct bw_engine *e);

/* Set or change the evidence name of input id (copied). @return 0, -1 OOM. */
int bw_engine_set_input_name(struct bw_engine *e, uint32_t id,
			     const char *name);

struct bw_engine_stats {
	uint64_t events;        /* events fed */
	uint64_t allowed;       /* skipped by allowlists */
	uint64_t alerts;        /* alerts emitted */
	uint64_t suppressed;    /* alerts held back by suppress */
	uint64_t evictions;     /* state keys evicted under the cap */
	uint64_t expired;       /* state keys expired on event time */
	uint64_t keys;          /* state keys live now */
	uint64_t keys_peak;
	uint64_t window_drops;  /* window records folded into time buckets */
	uint64_t distinct_drops;/* distinct values dropped at a set's cap */
	uint64_t regex_limit;   /* regex match/depth limit hits */
	uint64_t late;          /* events older than the newest seen */
	int max_severity;       /* highest alert severity, 0 = none */
};
void bw_engine_get_stats(const struct bw_engine *e, struct bw_engine_stats *s);

/* Per-rule counters (alerts, suppressed, regex limit hits) by rule index
 * (0 <= i < bw_engine_nrules). @return rule id, NULL past the end. */
size_t bw_engine_nrules(const struct bw_engine *e);
const char *bw_engine_rule_stats(const struct bw_engine *e, size_t i,
				 uint64_t *alerts, uint64_t *suppressed,
				 uint64_t *regex_limit);

/* Print the summary: alerts per rule, suppressed counts, evictions,
 * regex limit hits. json = one JSON object line, else human text. */
void bw_engine_print_summary(const struct bw_engine *e, FILE *f, int json);

/* @return the highest severity alerted so far (0 = no alert). */
int bw_engine_max_severity(const struct bw_engine *e);
/* @return 1 when an alert at or above cfg->fail_on was emitted, else 0
 * (the `scan` exit status when there were no errors). */
int bw_engine_exit_status(const struct bw_engine *e);

void bw_engine_free(struct bw_engine *e);

/* ------------------------------------------------------- baselines */
/* A baseline detector plugs into rules of the form
 *     rule login.new-country
 *       severity medium
 *       when     kind == login and outcome == success
 *       baseline new-country
 * The engine calls ->event for each event passing the rule's `when`; the
 * detector calls bw_baseline_emit() to raise the rule's alert. */
struct bw_baseline_ops {
	const char *name;
	void *(*create)(const char *rule_id);   /* @return state, NULL = OOM */
	void (*event)(void *state, struct bw_engine *e, int rule,
		      const bw_event *ev);
	void (*destroy)(void *state);
};
/* Register a detector before bw_engine_new. @return 0, -1 when full. */
int bw_baseline_register(const struct bw_baseline_ops *ops);
/* Raise rule's alert for ev with a message (NULL = the rule's template). */
void bw_baseline_emit(struct bw_engine *e, int rule, const bw_event *ev,
		      const char *message);

/* `breachwatch rules check|list|test [DIR]`. @return the exit code. */
int bw_rules_main(int argc, char **argv);
/* The rules directory when none is given: ./signatures, else signatures/
 * beside the binary (an installed or out-of-tree run), in buf. @return
 * it, NULL when neither exists. */
const char *bw_default_rules_dir(char *buf, size_t cap);

#endif /* BW_ENGINE_H */
