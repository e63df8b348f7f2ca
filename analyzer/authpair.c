/*
 * authpair.c - pairing a DC's credential check with the 4625 of the
 * same attempt (authpair.h).
 *
 * Held checks are copies (bw_event_copy into a buffer per slot, kept for
 * reuse) in arrival order; 4625s already passed on are remembered, one
 * small record each, for BW_AUTHPAIR_MS in a ring, so a check logged
 * after its 4625 is found as well. Both lists are searched linearly:
 * they hold the attempts of the last two seconds, at most
 * BW_AUTHPAIR_HELD and AP_RECENT of them, and only Windows failure
 * events search (other events look at the held list only when it is not
 * empty, and only when they name a user or an address).
 */
#include "authpair.h"

#include <stdlib.h>
#include <string.h>

#define AP_RECENT 512u         /* 4625s remembered (a ring) */

enum { AP_OTHER, AP_CHECK, AP_LOGON };

struct ap_held {
	bw_event ev;
	uint64_t uh;
	char *buf;
	size_t cap;
};

#define AP_USER_MAX 64u        /* longer names never pair */

struct ap_recent {
	int64_t ts;
	uint64_t uh;
	bw_ip ip;
	int used;
	uint8_t ulen;
	char user[AP_USER_MAX];
};

struct bw_authpair {
	struct ap_held *slot[BW_AUTHPAIR_HELD]; /* [0, n): oldest first */
	struct ap_held *spare[BW_AUTHPAIR_HELD];
	uint32_t n, nspare;
	struct ap_recent rec[AP_RECENT];
	uint32_t rnext;              /* next ring position to write */
	struct bw_authpair_stats st;
};

struct bw_authpair *bw_authpair_new(void)
{
	return calloc(1, sizeof(struct bw_authpair));
}

static void held_free(struct ap_held *h)
{
	if (h) {
		free(h->buf);
		free(h);
	}
}

void bw_authpair_free(struct bw_authpair *ap)
{
	if (!ap)
		return;
	for (uint32_t i = 0; i < ap->n; i++)
		held_free(ap->slot[i]);
	for (uint32_t i = 0; i < ap->nspare; i++)
		held_free(ap->spare[i]);
	free(ap);
}

static int str_is(bw_str s, const char *lit, size_t n)
{
	return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

/* A failed Windows credential check (4776 NTLM, 4771 Kerberos
 * pre-authentication), a failed logon (4625), or neither. */
static int classify(const bw_event *ev)
{
	if (ev->outcome != BW_OUTCOME_FAILURE || !ev->user.p || !ev->user.n ||
	    !str_is(ev->program, "security", 8) || ev->action.n != 4)
		return AP_OTHER;
	if (str_is(ev->action, "4625", 4))
		return AP_LOGON;
	if (str_is(ev->action, "4776", 4) || str_is(ev->action, "4771", 4))
		return AP_CHECK;
	return AP_OTHER;
}

/* Case-insensitive hash of the account name (FNV-1a on ASCII-folded
 * bytes; never 0, which marks "no user"). A first test only: names are
 * the attacker's text, so a match is confirmed by comparing them. */
static uint64_t user_hash(bw_str u)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < u.n; i++) {
		unsigned char c = (unsigned char)u.p[i];
		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		h = (h ^ c) * 0x100000001b3ull;
	}
	return h | 1;
}

static int user_same(bw_str a, const char *b, size_t bn)
{
	if (a.n != bn)
		return 0;
	for (size_t i = 0; i < bn; i++) {
		unsigned char x = (unsigned char)a.p[i], y = (unsigned char)b[i];
		if (x >= 'A' && x <= 'Z')
			x |= 0x20;
		if (y >= 'A' && y <= 'Z')
			y |= 0x20;
		if (x != y)
			return 0;
	}
	return 1;
}

static int ip_same(const bw_ip *a, const bw_ip *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

/* Two records of one attempt may disagree on nothing they both have. */
static int ip_compatible(const bw_ip *a, const bw_ip *b)
{
	return !a->family || !b->family || ip_same(a, b);
}

static int64_t absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

/* Take slot i out of the held list, keeping the order of the rest. */
static struct ap_held *take(struct bw_authpair *ap, uint32_t i)
{
	struct ap_held *h = ap->slot[i];
	memmove(&ap->slot[i], &ap->slot[i + 1],
		(ap->n - i - 1) * sizeof(ap->slot[0]));
	ap->n--;
	return h;
}

static void recycle(struct bw_authpair *ap, struct ap_held *h)
{
	if (ap->nspare < BW_AUTHPAIR_HELD)
		ap->spare[ap->nspare++] = h;
	else
		held_free(h);
}

/* Pass held slot i on, flagged as held (not late). */
static void release(struct bw_authpair *ap, uint32_t i,
		    bw_authpair_next_fn next, void *arg)
{
	struct ap_held *h = take(ap, i);
	h->ev.flags |= BW_EF_HELD;
	next(arg, &h->ev);
	recycle(ap, h);
}

/* Hold a copy of ev. @return 0, -1 when it cannot be copied (then it
 * goes on at once). */
static int hold(struct bw_authpair *ap, const bw_event *ev, uint64_t uh,
		bw_authpair_next_fn next, void *arg)
{
	if (ap->n == BW_AUTHPAIR_HELD)
		release(ap, 0, next, arg);
	struct ap_held *h = ap->nspare ? ap->spare[--ap->nspare] :
					 calloc(1, sizeof(*h));
	if (!h)
		return -1;
	size_t need = bw_event_copy(&h->ev, ev, NULL, 0);
	if (need > h->cap) {
		char *nb = realloc(h->buf, need);
		if (!nb) {
			recycle(ap, h);
			return -1;
		}
		h->buf = nb;
		h->cap = need;
	}
	bw_event_copy(&h->ev, ev, h->buf, h->cap);
	h->uh = uh;
	ap->slot[ap->n++] = h;
	ap->st.held++;
	return 0;
}

static void remember(struct bw_authpair *ap, const bw_event *ev, uint64_t uh)
{
	if (ev->user.n > AP_USER_MAX)
		return;
	struct ap_recent *r = &ap->rec[ap->rnext];
	ap->rnext = (ap->rnext + 1) % AP_RECENT;
	r->ts = ev->ts_ms;
	r->uh = uh;
	r->ip = ev->src_ip;
	r->used = 0;
	r->ulen = (uint8_t)ev->user.n;
	memcpy(r->user, ev->user.p, ev->user.n);
}

/* The 4625 a check arriving after it belongs to: unused, same account,
 * compatible address, within the pairing time; the oldest such. */
static struct ap_recent *recent_match(struct bw_authpair *ap,
				      const bw_event *ev, uint64_t uh)
{
	for (uint32_t k = 0; k < AP_RECENT; k++) {
		struct ap_recent *r = &ap->rec[(ap->rnext + k) % AP_RECENT];
		if (r->uh == uh && !r->used &&
		    absdiff(r->ts, ev->ts_ms) <= BW_AUTHPAIR_MS &&
		    ip_compatible(&r->ip, &ev->src_ip) &&
		    user_same(ev->user, r->user, r->ulen))
			return r;
	}
	return NULL;
}

void bw_authpair_event(struct bw_authpair *ap, bw_event *ev,
		       bw_authpair_next_fn next, void *arg)
{
	/* checks whose 4625 did not come in time go on first */
	while (ap->n && ap->slot[0]->ev.ts_ms + BW_AUTHPAIR_MS < ev->ts_ms)
		release(ap, 0, next, arg);
	int k = classify(ev);
	if (k == AP_CHECK) {
		uint64_t uh = user_hash(ev->user);
		struct ap_recent *r = recent_match(ap, ev, uh);
		if (r) {
			r->used = 1;
			ap->st.merged++;
			return; /* its 4625 went on already */
		}
		if (hold(ap, ev, uh, next, arg) < 0)
			next(arg, ev);
		return;
	}
	if (k == AP_LOGON) {
		uint64_t uh = user_hash(ev->user);
		for (uint32_t i = 0; i < ap->n; i++) {
			struct ap_held *h = ap->slot[i];
			if (h->uh != uh ||
			    absdiff(h->ev.ts_ms, ev->ts_ms) > BW_AUTHPAIR_MS ||
			    !ip_compatible(&h->ev.src_ip, &ev->src_ip) ||
			    !user_same(ev->user, h->ev.user.p, h->ev.user.n))
				continue;
			ap->st.merged++;
			if (h->ev.src_ip.family && !ev->src_ip.family) {
				/* the check knows the client: it goes on */
				release(ap, i, next, arg);
				return;
			}
			recycle(ap, take(ap, i));
			next(arg, ev);
			return;
		}
		remember(ap, ev, uh);
	}
	/* an event of an account or address a held check names must not
	 * overtake it: a login after failures stays after them */
	if (ap->n && (ev->user.p || ev->src_ip.family)) {
		uint64_t uh = ev->user.p ? user_hash(ev->user) : 0;
		for (uint32_t i = 0; i < ap->n;) {
			const bw_event *he = &ap->slot[i]->ev;
			if ((uh && ap->slot[i]->uh == uh &&
			     user_same(ev->user, he->user.p, he->user.n)) ||
			    (ev->src_ip.family && ip_same(&he->src_ip, &ev->src_ip)))
				release(ap, i, next, arg);
			else
				i++;
		}
	}
	next(arg, ev);
}

void bw_authpair_flush(struct bw_authpair *ap, bw_authpair_next_fn next,
		       void *arg)
{
	while (ap->n)
		release(ap, 0, next, arg);
}

void bw_authpair_get_stats(const struct bw_authpair *ap,
			   struct bw_authpair_stats *st)
{
	*st = ap->st;
}
