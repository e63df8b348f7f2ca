/*
 * lease.h - address leases: which user held which internal address when.
 *
 * Every internal address a VPN hands out is recorded as a lease
 * (address, user, from, to). A later web, proxy or auth event whose
 * source address is a leased address, inside the lease, gets its user
 * filled from the lease and flagged BW_EF_USER_LEASE (output:
 * breachwatch.user_from = "vpn-lease"). That is what ties "10.8.0.6
 * downloaded 3 GB" to "alice, connected from abroad".
 *
 * Where it sits: after the session table (so session_end events carry
 * the assigned address) and before enrichment and rules. Events must
 * arrive in event-time order (the merge stage guarantees it); leases
 * are kept as history, so an event late by less than the table's
 * capacity still finds the lease it fell in.
 *
 * Memory: at most `cap` leases; when full the oldest recorded lease is
 * dropped and counted. Hashing is seeded per table.
 */
#ifndef BW_LEASE_H
#define BW_LEASE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct bw_leases;

/* @return a new table of at most cap leases (0 = 65536), or NULL when out
 * of memory. */
struct bw_leases *bw_leases_new(size_t cap);

/* Free the table. NULL ok. */
void bw_leases_free(struct bw_leases *l);

/* Record what ev says about an address: an event with an assigned_ip
 * and a user opens (or extends) a lease from its time - or from
 * ts - duration for a session_end flagged BW_EF_SESSION_OPEN (a status
 * snapshot or a session still open at end of input); a session_end
 * without that flag closes the user's open lease of that address at its
 * time (creating the closed lease [ts - duration, ts] when none was
 * open). A lease of the same address to another user closes the
 * previous one. Other events are ignored.
 * @return 1 when a lease was opened, extended or closed, else 0. */
int bw_lease_event(struct bw_leases *l, const bw_event *ev);

/* When ev has no user, a source address and is not itself a VPN event,
 * and the address was leased at ev->ts_ms (from <= ts <= to, an open
 * lease having no end), set ev->user to the lease's user and set
 * BW_EF_USER_LEASE. ev->user then points into the table: valid until
 * the next bw_lease_event() call (which may evict), so consume or copy
 * the event before recording more.
 * @return 1 when attributed, else 0. */
int bw_lease_attribute(struct bw_leases *l, bw_event *ev);

/* An open lease (no end seen) attributes events only up to this long
 * after the last event that confirmed it (assignment, session start,
 * status snapshot): lost end messages must not tie an address to a
 * user forever. Default 24 h of event time; 0 = no limit. */
#define BW_LEASE_MAX_OPEN_DEFAULT ((int64_t)24 * 3600 * 1000)
void bw_leases_set_max_open(struct bw_leases *l, int64_t ms);

struct bw_leases_stats {
	uint64_t opened;     /* leases created */
	uint64_t closed;     /* leases given an end */
	uint64_t evicted;    /* dropped because the table was full */
	uint64_t attributed; /* events given a user */
	uint64_t active;     /* leases held now (open or closed) */
};

void bw_leases_get_stats(const struct bw_leases *l, struct bw_leases_stats *out);

#endif /* BW_LEASE_H */
