/*
 * vpn_stage.c - sessions, then leases, then attribution (vpn_stage.h).
 * Holds no event beyond a call; both tables copy what they keep.
 */
#include "vpn_stage.h"

#include <stdlib.h>

struct bw_vpn_stage {
	struct bw_sessions *sessions;
	struct bw_leases *leases;
};

struct bw_vpn_stage *bw_vpn_stage_new(size_t max_sessions, size_t max_leases)
{
	struct bw_vpn_stage *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->sessions = bw_sessions_new(max_sessions);
	st->leases = bw_leases_new(max_leases);
	if (!st->sessions || !st->leases) {
		bw_vpn_stage_free(st);
		return NULL;
	}
	return st;
}

void bw_vpn_stage_free(struct bw_vpn_stage *st)
{
	if (!st)
		return;
	bw_sessions_free(st->sessions);
	bw_leases_free(st->leases);
	free(st);
}

struct emit_ctx {
	struct bw_vpn_stage *st;
	bw_vpn_next_fn next;
	void *arg;
};

/* A session_end synthesized by the table: record its lease, pass it on. */
static void on_session(void *arg, const bw_event *ev)
{
	struct emit_ctx *c = arg;
	bw_event copy = *ev;
	bw_lease_event(c->st->leases, &copy);
	c->next(c->arg, &copy);
}

void bw_vpn_stage_event(struct bw_vpn_stage *st, bw_event *ev,
			bw_vpn_next_fn next, void *arg)
{
	struct emit_ctx c = { st, next, arg };
	int took = bw_sessions_event(st->sessions, ev, on_session, &c);
	if (took != BW_SESSIONS_PASS) {
		/* A status snapshot folded into its session still says who
		 * holds the address now; one of a session that ended does
		 * not. */
		if (took == BW_SESSIONS_TOOK && ev->kind == BW_KIND_SESSION_END &&
		    (ev->flags & BW_EF_SESSION_OPEN))
			bw_lease_event(st->leases, ev);
	} else {
		bw_sessions_enrich(st->sessions, ev);
		bw_lease_event(st->leases, ev);
		bw_lease_attribute(st->leases, ev);
		next(arg, ev);
	}
	/* after the event: a session it ended is not reported open. Only
	 * a VPN event moves a device's clock. */
	if (ev->source == BW_SRC_VPN)
		bw_sessions_tick(st->sessions, ev, on_session, &c);
}

void bw_vpn_stage_finish(struct bw_vpn_stage *st, bw_vpn_next_fn next, void *arg)
{
	struct emit_ctx c = { st, next, arg };
	bw_sessions_finish(st->sessions, on_session, &c);
}

void bw_vpn_stage_stats(const struct bw_vpn_stage *st,
			struct bw_sessions_stats *sessions,
			struct bw_leases_stats *leases)
{
	if (sessions)
		bw_sessions_get_stats(st->sessions, sessions);
	if (leases)
		bw_leases_get_stats(st->leases, leases);
}
