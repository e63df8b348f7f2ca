/*
 * authpair.h - one failed Windows logon, logged twice, counted once.
 *
 * A domain controller checks an NTLM response (4776) for the same
 * attempt that the machine being logged on to records as a failed logon
 * (4625); a member server checking a local account logs both itself.
 * For a password typed into the machine itself (console, lock screen,
 * RDP without NLA, a web server's basic or forms logon) the machine asks
 * the DC for the user's Kerberos ticket: the DC refuses it (4771, or a
 * failed 4768) and the machine logs its 4625. When a responder reads
 * both logs every attempt is two failure events, and the per-account
 * thresholds fire at half the attempts with twice the count.
 *
 * This stage, after the merge and the identity mapping, pairs a failed
 * check with a failed 4625 that names the same account (compared
 * without case), stamped within BW_AUTHPAIR_MS of it, one with one:
 *   - a 4776 with a 4625 of the same client workstation (4776
 *     Workstation, 4625 WorkstationName: both must be logged);
 *   - a 4771/4768 with a 4625 of logon type interactive, unlock,
 *     remote_interactive or network_cleartext that names no client
 *     address of its own ("-", loopback). Whichever refusal of the
 *     account such a 4625 takes (a spray may refuse the same account in
 *     the same second), one address is counted once; a 4625 naming its
 *     client is never paired with a refusal, whose address it would drop.
 * The 4625 goes on alone: it holds everything the check says, and the
 * logon type besides, and takes the address a Kerberos refusal names.
 *
 * A check arriving first is held back until its 4625 comes, an event of
 * the same identity arrives, or a login from its source (src.net: which
 * never overtakes it), BW_AUTHPAIR_MS of event time pass, or the end of
 * the input; so is a console 4625 waiting for its refusal (a 4625 with
 * an address goes on and a later 4776 merges into it). bw_authpair_idle
 * releases those held for BW_AUTHPAIR_WALL_MS of wall-clock time (a live
 * stream that paused). A refusal that went on unpaired is remembered, so
 * its console 4625 arriving within BW_AUTHPAIR_MS adds nothing. Held
 * events go on flagged BW_EF_HELD: they are not late. The 4625 of a pair
 * goes on at once, ahead of other held records of its account.
 */
#ifndef BW_AUTHPAIR_H
#define BW_AUTHPAIR_H

#include <stdint.h>

#include "event.h"

#define BW_AUTHPAIR_MS 2000    /* ms between the two records of an attempt */
#define BW_AUTHPAIR_WALL_MS 10000 /* wall-clock ms a paused stream waits for
                                     a held record's partner: two logs
                                     shipped to one pipe by two agents
                                     arrive seconds apart */
#define BW_AUTHPAIR_HELD 1024  /* records held at most; the oldest goes on */

struct bw_authpair;

struct bw_authpair_stats {
	uint64_t held;     /* records held back for their partner */
	uint64_t merged;   /* pairs passed as one event */
	uint64_t overflow; /* held 4776s and console 4625s sent on early: the
	                      list was full (refusals are remembered) */
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
