/*
 * authpair.h - one failed Windows logon, logged twice, counted once.
 *
 * A domain controller checks an NTLM response (4776) or refuses a
 * Kerberos pre-authentication (4771) for the same attempt that the
 * machine being logged on to records as a failed logon (4625). When a
 * responder reads both logs (or the DC's own, for a logon to the DC
 * itself) every attempt is two failure events, and the per-account
 * thresholds fire at half the attempts with twice the count.
 *
 * This stage, after the merge, pairs a credential check with a 4625 of
 * the same account (user name compared case-insensitively, addresses
 * equal when both events carry one) stamped within BW_AUTHPAIR_MS of it,
 * one with one, and passes one event per pair: the one with the client
 * address, else the 4625 (it has the logon type). A check arriving first
 * is held back until its 4625 comes, a later event of the same account
 * or address needs it to keep its order, BW_AUTHPAIR_MS of event time
 * pass, or the stage is flushed (before a read that may block, and at
 * the end). Held events go on flagged BW_EF_HELD: they are not late.
 */
#ifndef BW_AUTHPAIR_H
#define BW_AUTHPAIR_H

#include <stdint.h>

#include "event.h"

#define BW_AUTHPAIR_MS 2000    /* ms between the two records of an attempt */
#define BW_AUTHPAIR_HELD 256   /* checks held at most; the oldest goes on */

struct bw_authpair;

struct bw_authpair_stats {
	uint64_t held;    /* checks held back for their 4625 */
	uint64_t merged;  /* pairs passed as one event */
};

typedef void (*bw_authpair_next_fn)(void *arg, bw_event *ev);

/* @return a stage, NULL when out of memory. */
struct bw_authpair *bw_authpair_new(void);
void bw_authpair_free(struct bw_authpair *ap); /* NULL ok */

/* Pass one event through: next is called for ev (unless ev is held or
 * is the half of a pair not passed) and first for any held event that
 * must go before it. Events given to next are valid during the call. */
void bw_authpair_event(struct bw_authpair *ap, bw_event *ev,
		       bw_authpair_next_fn next, void *arg);

/* Pass on every held event, oldest first. */
void bw_authpair_flush(struct bw_authpair *ap, bw_authpair_next_fn next,
		       void *arg);

void bw_authpair_get_stats(const struct bw_authpair *ap,
			   struct bw_authpair_stats *st);

#endif /* BW_AUTHPAIR_H */
