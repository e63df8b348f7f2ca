/*
 * scan.c - compose the stages after the merge (see scan.h). Owns the
 * per-run scratch (identity buffer, output buffer); allocates nothing per
 * event.
 */
#include "scan.h"

#include <stdlib.h>
#include <string.h>

#include "authpair.h"
#include "buf.h"
#include "engine_thread.h"
#include "identity.h"
#include "output_json.h"
#include "vpn_stage.h"

struct run {
	const struct bw_scan_opts *o;
	struct bw_pipeline *pl;
	struct bw_vpn_stage *vpn;
	struct bw_authpair *pair; /* with an engine only: `parse` shows
	                             every event the logs hold */
	struct bw_engine_thread *et; /* the engine's thread, or NULL: the
	                                engine runs on this one */
	const struct bw_identity *identity;
	struct bw_identity *own_identity; /* when the options gave none */
	char identity_buf[512]; /* the current event's identity */
	struct bw_buf out;
};

/* The event's identity, in the run's buffer (a held copy takes it
 * along). */
static void set_identity(struct run *r, bw_event *ev)
{
	if (ev->user.p && !ev->identity.p) {
		size_t n = bw_identity_normalize(r->identity, ev->user, ev->user_domain,
						 r->identity_buf, sizeof(r->identity_buf));
		if (n)
			ev->identity = (bw_str){ r->identity_buf, n };
	}
}

/* After the VPN stage, identity and authpair: the sinks. */
static void on_final_event(void *arg, bw_event *ev)
{
	struct run *r = arg;
	set_identity(r, ev);
	if (r->o->events_out) {
		bw_output_event_json(&r->out, ev,
				     bw_pipeline_input_name(r->pl, ev->input_id));
		if (r->out.n >= 64 * 1024)
			bw_buf_write(&r->out, r->o->events_out);
	}
	if (r->et)
		bw_engine_thread_event(r->et, ev);
	else if (r->o->engine)
		bw_engine_event(r->o->engine, ev);
}

/* After the VPN stage: identity (authpair compares it), then a failed
 * Windows logon logged by the DC (4776, 4771) and as a 4625 is one
 * attempt (authpair.h), then on_final_event. */
static void on_vpn_event(void *arg, bw_event *ev)
{
	struct run *r = arg;
	set_identity(r, ev);
	if (r->pair)
		bw_authpair_event(r->pair, ev, on_final_event, r);
	else
		on_final_event(r, ev);
}

/* Merged events: sessions and leases first (they may replace an event or
 * fill its user), then on_vpn_event. */
static void on_event(void *arg, bw_event *ev)
{
	struct run *r = arg;
	bw_vpn_stage_event(r->vpn, ev, on_vpn_event, r);
}

/* Before a read that may block: everything decided so far goes out. */
static void on_flush(void *arg)
{
	struct run *r = arg;
	if (r->pair)
		bw_authpair_idle(r->pair, on_final_event, r);
	if (r->et)
		bw_engine_thread_flush(r->et);
	if (r->o->events_out) {
		bw_buf_write(&r->out, r->o->events_out);
		fflush(r->o->events_out);
	}
}

/* Before the pipeline's message on diag: the engine's thread catches up,
 * so the alerts of earlier lines come first, as on one thread. */
static void on_settle(void *arg)
{
	struct run *r = arg;
	if (r->et)
		bw_engine_thread_drain(r->et);
}

static void print_vpn_stats(FILE *f, const struct bw_vpn_stage *vpn)
{
	struct bw_sessions_stats s;
	struct bw_leases_stats l;
	bw_vpn_stage_stats(vpn, &s, &l);
	if (!s.opened && !s.unmatched && !l.opened)
		return;
	fprintf(f, "vpn sessions: opened %llu, closed %llu, open at end %llu, "
		"evicted %llu, end without start %llu, status reports %llu, "
		"statistics after the end %llu\n",
		(unsigned long long)s.opened, (unsigned long long)s.closed,
		(unsigned long long)s.flushed, (unsigned long long)s.evicted,
		(unsigned long long)s.unmatched, (unsigned long long)s.reported,
		(unsigned long long)s.stale);
	if (s.gone)
		fprintf(f, "vpn sessions removed before their end record: %llu, "
			"%llu of them ended there (no end record followed)\n",
			(unsigned long long)s.gone, (unsigned long long)s.removed);
	fprintf(f, "address leases: %llu, evicted %llu, events attributed %llu\n",
		(unsigned long long)l.opened, (unsigned long long)l.evicted,
		(unsigned long long)l.attributed);
}

struct bw_identity *bw_scan_identity(const char *domain, const char *aliases,
				     FILE *diag)
{
	char err[512];
	struct bw_identity *id = bw_identity_new();
	if (!id) {
		fprintf(diag, "breachwatch: out of memory\n");
		return NULL;
	}
	if (domain && bw_identity_set_domain(id, domain) < 0) {
		fprintf(diag, "breachwatch: bad --identity-domain '%s'\n", domain);
		bw_identity_free(id);
		return NULL;
	}
	if (aliases && bw_identity_load_aliases(id, aliases, err, sizeof(err)) < 0) {
		fprintf(diag, "breachwatch: %s\n", err);
		bw_identity_free(id);
		return NULL;
	}
	return id;
}

int bw_scan_run(const struct bw_scan_opts *o, struct bw_scan_result *result)
{
	struct run *r = calloc(1, sizeof(*r));
	FILE *diag = o->diag ? o->diag : stderr;
	char err[512];
	int status = 2;
	if (!r) {
		fprintf(diag, "breachwatch: out of memory\n");
		return 2;
	}
	r->o = o;
	bw_buf_init(&r->out);
	r->vpn = bw_vpn_stage_new(0, 0);
	if (!r->vpn) {
		fprintf(diag, "breachwatch: out of memory\n");
		goto out;
	}
	if (o->engine && !(r->pair = bw_authpair_new())) {
		fprintf(diag, "breachwatch: out of memory\n");
		goto out;
	}
	r->identity = o->identity;
	if (!r->identity) {
		r->own_identity = bw_scan_identity(o->identity_domain,
						   o->identity_aliases, diag);
		if (!r->own_identity)
			goto out;
		r->identity = r->own_identity;
	}
	struct bw_pipeline_opts po = {
		.max_line = o->max_line,
		.strict = o->strict,
		.reorder_ms = o->reorder_ms,
		.on_event = on_event,
		.flush = on_flush,
		.settle = on_settle,
		.arg = r,
		.diag = diag,
	};
	r->pl = bw_pipeline_new(o->specs, o->nspecs, &po, err, sizeof(err));
	if (!r->pl) {
		fprintf(diag, "breachwatch: %s\n", err);
		goto out;
	}
	if (o->opened)
		o->opened();
	if (o->engine)
		for (size_t i = 0; i < bw_pipeline_ninputs(r->pl); i++)
			bw_engine_set_input_name(o->engine, (uint32_t)i,
						 bw_pipeline_input_name(r->pl, (uint32_t)i));
	/* a thread for the engine when asked (and possible: else the
	 * engine runs here, with the same alerts) */
	if (o->engine && o->engine_thread)
		r->et = bw_engine_thread_new(o->engine);
	status = bw_pipeline_run(r->pl);
	bw_vpn_stage_finish(r->vpn, on_vpn_event, r);
	if (r->pair)
		bw_authpair_flush(r->pair, on_final_event, r);
	bw_engine_thread_finish(r->et);
	if (o->engine)
		bw_engine_finish(o->engine);
	on_flush(r);
	if (o->stats) {
		bw_pipeline_print_stats(r->pl, diag);
		print_vpn_stats(diag, r->vpn);
	}
	if (result) {
		result->lines = bw_pipeline_lines(r->pl);
		result->events = bw_pipeline_events(r->pl);
		result->skipped = bw_pipeline_skipped(r->pl);
		if (r->pair) {
			struct bw_authpair_stats ps;
			bw_authpair_get_stats(r->pair, &ps);
			result->paired = ps.merged;
			result->pair_overflow = ps.overflow;
		}
	}
	if (o->events_out && ferror(o->events_out)) {
		fprintf(diag, "breachwatch: error writing output\n");
		status = 2;
	}
out:
	bw_engine_thread_free(r->et);
	bw_pipeline_free(r->pl);
	bw_vpn_stage_free(r->vpn);
	bw_authpair_free(r->pair);
	bw_identity_free(r->own_identity);
	bw_buf_fini(&r->out);
	free(r);
	return status;
}
