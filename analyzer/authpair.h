/*
 * authpair.h - one failed NTLM logon, logged twice, counted once.
 *
 * A domain controller checks an NTLM response (4776) for the same
 * attempt that the machine being logged on to records as a failed logon
 * (4625); a member server checking a local account logs both itself.
 * When a responder reads both logs (or the DC's own, for a logon to the
 * DC itself) every attempt is two failure events, and the per-account
 * thresholds fire at half the attempts with twice the count.
 *
 * This stage, after the merge and the identity mapping, pairs a failed
 * 4776 with a failed 4625 that names the same account (compared without
 * case) and the same client workstation (4776 Workstation, 4625
 * WorkstationName: both must be logged), stamped within BW_AUTHPAIR_MS
 * of it, one with one, and passes the 4625 alone: it holds everything
 * the 4776 says, and the client address and logon type besides. Nothing
 * else is paired: a 4771 (Kerberos) may be the only record of its
 * client's address, and two attempts from different workstations are
 * two attempts.
 *
 * A 4776 arriving first is held back until its 4625 comes, an event of
 * the same identity arrives (which never overtakes it), BW_AUTHPAIR_MS of
 * event time pass, or the end of the input; bw_authpair_idle releases
 * those held for BW_AUTHPAIR_WALL_MS of wall-clock time (a live stream
 * that paused). Held events go on flagged BW_EF_HELD: they are not
 * late. A 4625 of another attempt of a held 4776's account does not
 * overtake it either.
 */
#ifndef BW_AUTHPAIR_H
#define BW_AUTHPAIR_H

#include <stdint.h>

#include "event.h"

#define BW_AUTHPAIR_MS 2000    /* ms between the two records of an attempt */
#define BW_AUTHPAIR_WALL_MS 10000 /* wall-clock ms a paused stream waits for
                                     a held 4776's 4625: two logs shipped to
                                     one pipe by two agents arrive seconds
                                     apart */
#define BW_AUTHPAIR_HELD 1024  /* 4776s held at most; the oldest goes on */

struct bw_authpair;

struct bw_authpair_stats {
	uint64_t held;     /* 4776s held back for their 4625 */
	uint64_t merged;   /* pairs passed as one event */
	uint64_t overflow; /* held 4776s sent on early: the list was full */
};

typedef void (*bw_authpair_next_fn)(void *arg, bw_event *ev);

/* @return a stage, NULL when out of memory. */
struct bw_authpair *bw_authpair_new(void);
void bw_authpair_free(struct bw_authpair *ap); /* NULL ok */

/* Pass one event through: next is called for ev (unless ev is held or
 * is the 4776 of a pair) and first for any held event that must go
 * before it. Events given to next are valid during the call. */
void bw_authpair_event(struct bw_authpair *ap, bw_event *ev,
		       bw_authpair_next_fn next, void *arg);

/* Before a read that may block: pass on the events held for
 * BW_AUTHPAIR_WALL_MS of wall-clock time or more. */
void bw_authpair_idle(struct bw_authpair *ap, bw_authpair_next_fn next,
		      void *arg);

/* At the end of the input: pass on every held event, oldest first. */
void bw_authpair_flush(struct bw_authpair *ap, bw_authpair_next_fn next,
		       void *arg);

void bw_authpair_get_stats(const struct bw_authpair *ap,
			   struct bw_authpair_stats *st);

#endif /* BW_AUTHPAIR_H */
