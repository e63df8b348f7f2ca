/*
 * vpn_stage.h - the VPN stage of the pipeline, after the merge: the
 * session table (session.h) and the lease table (lease.h) wired in the
 * one order that works, behind a single per-event call.
 *
 *   merged events -> sessions (enrich / replace session_end)
 *                 -> leases (record assigned addresses)
 *                 -> attribute users of non-VPN events from leases
 *                 -> next stage
 *
 * Wiring (main.c / pipeline owner): call bw_vpn_stage_event() from the
 * pipeline's on_event with the next stage as `next`; after the pipeline
 * has run, call bw_vpn_stage_finish() with the same `next` so sessions
 * never ended are emitted (flagged BW_EF_SESSION_OPEN).
 */
#ifndef BW_VPN_STAGE_H
#define BW_VPN_STAGE_H

#include <stddef.h>

#include "event.h"
#include "lease.h"
#include "session.h"

struct bw_vpn_stage;

typedef void (*bw_vpn_next_fn)(void *arg, bw_event *ev);

/* @return a stage holding at most max_sessions open sessions and
 * max_leases leases (0 = 65536 each), or NULL when out of memory. */
struct bw_vpn_stage *bw_vpn_stage_new(size_t max_sessions, size_t max_leases);

void bw_vpn_stage_free(struct bw_vpn_stage *st); /* NULL ok */

/* Pass one event through. next is called zero or one time for ev
 * itself (zero when the session table took it over) and once for an
 * enriched session_end replacing it; events given to next are valid
 * only during the call and may be modified by it. */
void bw_vpn_stage_event(struct bw_vpn_stage *st, bw_event *ev,
			bw_vpn_next_fn next, void *arg);

/* End of input: emit the sessions still open (in time order). */
void bw_vpn_stage_finish(struct bw_vpn_stage *st, bw_vpn_next_fn next, void *arg);

void bw_vpn_stage_stats(const struct bw_vpn_stage *st,
			struct bw_sessions_stats *sessions,
			struct bw_leases_stats *leases);

#endif /* BW_VPN_STAGE_H */
