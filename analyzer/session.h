/*
 * session.h - the VPN session table: turns a product's start / address /
 * end messages into one session_end event that carries everything a
 * responder asks about a tunnel: user, public IP, assigned internal IP,
 * start (ts_ms - duration_ms), duration, bytes out and bytes in.
 *
 * Where it sits: after the merge stage (events in time order), before
 * the lease table (bw_lease_event wants the enriched session_end, which
 * carries the assigned address even when the product's end message, like
 * ASA 113019, does not).
 *
 * Other VPN events that carry a session_id (an IKE exchange's peer
 * address, an EAP identity) are kept as context, so that a later
 * failure of the same exchange can be given its user and address
 * (bw_sessions_enrich); such context entries are never emitted.
 *
 * Keys: device (ev->host) + ev->session_id when the parser set one
 * (OpenVPN peer ip:port, FortiGate tunnelid, strongSwan IKE_SA,
 * NetScaler SessionId), else
 * device + user + public IP (ASA, GlobalProtect, Ivanti). Keys and
 * strings are copied; the table never keeps a view into a line.
 *
 * Memory: at most `cap` open sessions; when full the least recently
 * active one is dropped and counted (bw_sessions_stats.evicted), never
 * emitted, so output order stays by event time. Hashing is seeded per
 * table (keys are attacker-controlled); output never depends on the seed.
 */
#ifndef BW_SESSION_H
#define BW_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct bw_sessions;

/* Receives synthesized events. Their string views point into the table
 * (or into the event being processed) and are valid only during the
 * call: copy what must outlive it. */
typedef void (*bw_session_emit_fn)(void *arg, const bw_event *ev);

/* @return a new table holding at most cap open sessions (0 = 65536), or
 * NULL when out of memory. */
struct bw_sessions *bw_sessions_new(size_t cap);

/* Free the table and every open session (without emitting). NULL ok. */
void bw_sessions_free(struct bw_sessions *s);

/* What bw_sessions_event did with an event. */
enum {
	BW_SESSIONS_PASS = 0,  /* pass it on */
	BW_SESSIONS_TOOK = 1,  /* taken over: drop it */
	BW_SESSIONS_STALE = 2, /* a snapshot of an ended session: drop it and
	                          record nothing of it */
};

/* Feed one event (any event; only source vpn kinds session_start,
 * address_assign and session_end are looked at).
 *
 * @return 1 when the caller must DROP ev because the table took it over:
 *   - a session_end of a known session: re-emitted at once through emit,
 *     enriched (user, public and assigned IP, session id, duration, bytes
 *     filled from the session where the end message lacks them);
 *   - a status snapshot (session_end flagged BW_EF_SESSION_OPEN, e.g. an
 *     OpenVPN status-file row): folded into its session's counters; when
 *     they show another whole GiB out, a session_status (see
 *     bw_sessions_tick) is emitted, citing the snapshot's line.
 * @return 2 when the caller must drop ev and record nothing of it: a
 *   status snapshot of a session that ended already (FortiGate may log a
 *   tunnel's last tunnel-stats after its tunnel-down; counted as stale).
 * @return 0 when ev must be passed on unchanged (everything else, and
 *   session_ends of sessions the table never saw start). */
int bw_sessions_event(struct bw_sessions *s, const bw_event *ev,
		      bw_session_emit_fn emit, void *arg);

/* Fill what ev lacks from its session: a VPN event with a session_id
 * whose session (or pre-session context, such as the peer address of
 * an IKE exchange and the EAP identity logged before a failure) is
 * known gets its user and src_ip filled. Views then point into the
 * table: valid until the next bw_sessions_* call.
 * @return 1 when something was filled. */
int bw_sessions_enrich(struct bw_sessions *s, bw_event *ev);

/* Report the sessions still open, after each event ev (bw_vpn_stage
 * does): a session_status event, flagged BW_EF_SESSION_OPEN, action
 * "session-status", for each session of ev's device (ev->host) whose age
 * has passed another whole hour in its first day, or another whole day
 * after, since its last report; stamped with the newest time that device
 * logged, with duration and bytes so far and the provenance of the line
 * that opened the session. A device's sessions are looked at no more
 * than once per minute of its time. (A statistics snapshot that shows
 * another whole GiB out is reported at once by bw_sessions_event, citing
 * that line.) So a live run judges a tunnel that is still up without
 * waiting for its end; the reports follow each device's own clock, never
 * the wall clock nor another device's stamps. */
void bw_sessions_tick(struct bw_sessions *s, const bw_event *ev,
		      bw_session_emit_fn emit, void *arg);

/* End of input: report what is due by each device's clock (as
 * bw_sessions_tick, without the minute's wait), then emit one
 * session_end per session still open, flagged BW_EF_SESSION_OPEN, with
 * ts_ms = the newest time its device logged (the logs run until then
 * without its end; its own last activity if later), duration = that -
 * start (open at least that long), action "session-open", and the
 * provenance of the event that opened it. The table is empty afterwards. */
void bw_sessions_finish(struct bw_sessions *s, bw_session_emit_fn emit,
			void *arg);

struct bw_sessions_stats {
	uint64_t opened;      /* sessions created */
	uint64_t closed;      /* closed by an end message (emitted enriched) */
	uint64_t flushed;     /* emitted open by bw_sessions_finish */
	uint64_t evicted;     /* sessions dropped because the table was full
	                         (least recently active first) */
	uint64_t unmatched;   /* end messages for sessions never seen */
	uint64_t gone;        /* sessions a logout said were over, whose
	                         end record did not come first
	                         (BW_EF_SESSION_GONE): no longer reported */
	uint64_t removed;     /* of those, ended at that logout: no end
	                         record followed (in REMOVED_WAIT_MS of
	                         their device's time, or before the input
	                         ended) */
	uint64_t untracked;   /* session events without a usable key */
	uint64_t abandoned;   /* context-only entries (no session started)
	                         dropped: at end of input, or first when
	                         the table is full (at most a quarter of
	                         the table holds them) */
	uint64_t enriched;    /* events given a user or address */
	uint64_t reported;    /* session_status reports of open sessions */
	uint64_t stale;       /* statistics snapshots of a session already
	                         ended, logged after its end: dropped */
	uint64_t active;      /* open now */
};

void bw_sessions_get_stats(const struct bw_sessions *s,
			   struct bw_sessions_stats *out);

#endif /* BW_SESSION_H */
