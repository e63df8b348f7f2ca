/*
 * authpair.c - pairing a DC's failed check (4776 NTLM, 4771/4768
 * Kerberos) with the 4625 of the same attempt (authpair.h).
 *
 * Held records are copies (bw_event_copy into a buffer per slot, kept
 * for reuse) in arrival order: checks waiting for their 4625, and
 * addressless 4625s waiting for their 4771. 4625s already passed on are
 * remembered, one small record each, in a ring, so a check logged after
 * its 4625 is found as well. Both lists are searched linearly: they hold
 * the attempts of the last two seconds, at most BW_AUTHPAIR_HELD and
 * AP_RECENT of them, and only Windows failures search them. Other events
 * look at the held list only while it is not empty, to let the held
 * failures of their account go first.
 */
#include "authpair.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AP_RECENT 2048u        /* 4625s remembered (a ring) */
#define AP_NAME_MAX 64u        /* longer names or workstations never pair */

/* AP_NCHECK: a DC's failed NTLM check (4776); AP_KCHECK: a DC's
 * Kerberos refusal (4771, a failed 4768); AP_LOGON: a failed logon
 * (4625) as the machine logged on to records it. */
enum { AP_OTHER, AP_NCHECK, AP_KCHECK, AP_LOGON };

/* What a 4625 can pair with: a 4776 naming its workstation, a Kerberos
 * refusal of a logon whose machine asked the DC for the user's ticket. */
#define AP_BY_WS 1u
#define AP_BY_KRB 2u

struct ap_held {
	bw_event ev;
	int cls;                   /* AP_NCHECK, AP_KCHECK or AP_LOGON */
	unsigned by;               /* AP_LOGON: AP_BY_* */
	uint64_t wh;               /* hash of its identity (who) */
	int64_t wall;              /* monotonic ms when held */
	char *buf;
	size_t cap;
};

struct ap_recent {
	int64_t ts;
	int64_t hw;                /* newest ts of the ring up to this one */
	uint64_t uh;               /* hash of the user name; 0 = empty */
	int used;
	int role;                  /* AP_LOGON: a 4625 passed on; AP_KCHECK:
	                              a Kerberos refusal passed on unpaired */
	unsigned by;               /* AP_LOGON: AP_BY_* */
	uint8_t ulen, wlen;
	char user[AP_NAME_MAX];
	char ws[AP_NAME_MAX];
};

struct bw_authpair {
	struct ap_held *slot[BW_AUTHPAIR_HELD]; /* [0, n): oldest first */
	struct ap_held *spare[BW_AUTHPAIR_HELD];
	uint32_t n, nspare;
	struct ap_recent rec[AP_RECENT];
	uint32_t rnext;              /* next ring position to write */
	int64_t rhw;                 /* newest ts remembered */
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

static int64_t mono_ms(void)
{
	struct timespec t;
	if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
		return 0;
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int str_is(bw_str s, const char *lit, size_t n)
{
	return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

static unsigned char fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

/* Equal without case, both non-empty. */
static int name_eq(const char *a, size_t an, const char *b, size_t bn)
{
	if (!a || !b || !an || an != bn)
		return 0;
	for (size_t i = 0; i < an; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return 0;
	return 1;
}

/* FNV-1a of the case-folded bytes, never 0. A first test only: names
 * are the attacker's text, so a match is confirmed by name_eq. */
static uint64_t name_hash(bw_str s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < s.n; i++)
		h = (h ^ fold((unsigned char)s.p[i])) * 0x100000001b3ull;
	return h | 1;
}

/* The account as the rules group it. */
static bw_str who(const bw_event *ev)
{
	return ev->identity.p ? ev->identity : ev->user;
}

/* The logon types whose machine asks the DC for the user's ticket
 * itself, so that a wrong password is refused there (4771) as well:
 * console, unlock, RDP without NLA, and a server checking a password it
 * was sent (IIS basic or forms logon: OWA). Not network logons (the
 * client brings a ticket) nor cached ones (no DC). */
static int krb_logon_type(bw_str t)
{
	return str_is(t, "interactive", 11) || str_is(t, "unlock", 6) ||
	       str_is(t, "remote_interactive", 18) ||
	       str_is(t, "network_cleartext", 17);
}

/* A workstation name a 4776 can name: logged, and not the machine
 * itself ("local": IpAddress "-" or loopback). */
static int has_ws(const bw_event *ev)
{
	return ev->src_host.n && ev->src_host.n <= AP_NAME_MAX &&
	       !str_is(ev->src_host, "local", 5);
}

/* No client address but the machine's own (none, "-", loopback). */
static int addressless(const bw_event *ev)
{
	static const uint8_t v6lo[16] = { [15] = 1 };
	const bw_ip *ip = &ev->src_ip;
	return !ip->family || str_is(ev->src_host, "local", 5) ||
	       (ip->family == 4 && ip->addr[12] == 127) ||
	       (ip->family == 6 && memcmp(ip->addr, v6lo, 16) == 0);
}

/* Which record of a failed Windows logon ev is; *by says what a 4625
 * can pair with. Every one needs a user. */
static int classify(const bw_event *ev, unsigned *by)
{
	*by = 0;
	if (ev->outcome != BW_OUTCOME_FAILURE || !who(ev).n ||
	    who(ev).n > AP_NAME_MAX || !str_is(ev->program, "security", 8))
		return AP_OTHER;
	if (str_is(ev->action, "4625", 4)) {
		if (has_ws(ev))
			*by |= AP_BY_WS;
		/* only a 4625 that names no client of its own: whichever
		 * refusal of the account it takes, its address then counts
		 * once, per source as per account (a 4625 with an address
		 * might take an attacker's refusal and drop its address) */
		if (krb_logon_type(ev->auth_method) && addressless(ev))
			*by |= AP_BY_KRB;
		return *by ? AP_LOGON : AP_OTHER;
	}
	if (str_is(ev->action, "4776", 4))
		return has_ws(ev) ? AP_NCHECK : AP_OTHER;
	if (str_is(ev->action, "4771", 4) || str_is(ev->action, "4768", 4))
		return AP_KCHECK;
	return AP_OTHER;
}

static int64_t absdiff(int64_t a, int64_t b)
{
	return a > b ? a - b : b - a;
}

/* The two records of one attempt: same account (as the rules key it:
 * the identity; without --identity-domain the DC's "alice" and a
 * server's "COURT\alice" are two keys, neither counted twice), close in
 * time, and for NTLM the same client workstation; for Kerberos a logon
 * type whose machine asked the DC (by). */
static int same_attempt(const bw_event *check, int cls, const bw_event *logon,
			unsigned by)
{
	bw_str a = who(check), b = who(logon);
	if (absdiff(check->ts_ms, logon->ts_ms) > BW_AUTHPAIR_MS ||
	    !name_eq(a.p, a.n, b.p, b.n))
		return 0;
	if (cls == AP_KCHECK)
		return (by & AP_BY_KRB) != 0;
	return (by & AP_BY_WS) &&
	       name_eq(check->src_host.p, check->src_host.n,
		       logon->src_host.p, logon->src_host.n);
}

/* The one event of a pair: the 4625, which holds what the check says,
 * and the logon type besides; from a Kerberos refusal it takes the
 * client address the DC saw when it names none of its own. Its lines:
 * for a 4776 pair its own, with the 4776's before it (start_line); for
 * a Kerberos pair the refusal's (which holds the address the alert
 * counts, and is the one a threshold window records), with its own
 * before it. One-event alerts cite both. */
static void merge_into(bw_event *logon, const bw_event *check, int cls)
{
	if (cls == AP_KCHECK && addressless(logon) && check->src_ip.family) {
		logon->src_ip = check->src_ip;
		logon->src_port = check->src_port;
		logon->src_host = BW_STR_NULL;
		if (check->line_no) {
			logon->start_input = logon->input_id;
			logon->start_line = logon->line_no;
			logon->input_id = check->input_id;
			logon->line_no = check->line_no;
			logon->offset = check->offset;
		}
		return;
	}
	if (check->line_no) {
		logon->start_input = check->input_id;
		logon->start_line = check->line_no;
	}
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

static void remember(struct bw_authpair *ap, const bw_event *ev, unsigned by);
static void remember_check(struct bw_authpair *ap, const bw_event *ev);

/* Pass held slot i on unpaired, flagged as held (not late), and
 * remember it for a partner still to come: a refusal for a console 4625
 * (which then adds nothing), a 4625 for a 4776 naming its workstation. */
static void release(struct bw_authpair *ap, uint32_t i,
		    bw_authpair_next_fn next, void *arg)
{
	struct ap_held *h = take(ap, i);
	h->ev.flags |= BW_EF_HELD;
	next(arg, &h->ev);
	if (h->cls == AP_KCHECK)
		remember_check(ap, &h->ev);
	else if (h->cls == AP_LOGON && (h->by & AP_BY_WS))
		remember(ap, &h->ev, AP_BY_WS);
	recycle(ap, h);
}

/* Hold a copy of ev. @return 0, -1 when it cannot be copied (then it
 * goes on at once). */
static int hold(struct bw_authpair *ap, const bw_event *ev, int cls,
		unsigned by, bw_authpair_next_fn next, void *arg)
{
	if (ap->n == BW_AUTHPAIR_HELD) {
		/* a refusal sent on early is remembered, so its 4625
		 * still pairs: only the others may count twice */
		if (ap->slot[0]->cls != AP_KCHECK)
			ap->st.overflow++;
		release(ap, 0, next, arg);
	}
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
	h->cls = cls;
	h->by = by;
	h->wh = name_hash(who(ev));
	h->wall = mono_ms();
	ap->slot[ap->n++] = h;
	ap->st.held++;
	return 0;
}

static void remember(struct bw_authpair *ap, const bw_event *ev, unsigned by)
{
	struct ap_recent *r = &ap->rec[ap->rnext];
	ap->rnext = (ap->rnext + 1) % AP_RECENT;
	r->ts = ev->ts_ms;
	if (ap->rhw < ev->ts_ms || !ap->rhw)
		ap->rhw = ev->ts_ms;
	r->hw = ap->rhw;
	bw_str w = who(ev);
	r->uh = name_hash(w);
	r->used = 0;
	r->role = AP_LOGON;
	r->by = by;
	r->ulen = (uint8_t)w.n;
	memcpy(r->user, w.p, w.n);
	r->wlen = (by & AP_BY_WS) ? (uint8_t)ev->src_host.n : 0;
	if (r->wlen)
		memcpy(r->ws, ev->src_host.p, r->wlen);
}

/* A Kerberos refusal passed on before its 4625 came (its wait ran out,
 * the list was full, an event of its account went on): a console 4625
 * arriving after it is the same attempt, already counted. */
static void remember_check(struct bw_authpair *ap, const bw_event *ev)
{
	remember(ap, ev, 0);
	ap->rec[(ap->rnext + AP_RECENT - 1) % AP_RECENT].role = AP_KCHECK;
}

/* The unused record of role in the ring that ev, arriving after it, is
 * the other half of, the oldest: a passed 4625 for a 4776 (ws: the
 * workstation both name), a passed Kerberos refusal for a console 4625
 * (ws NULL). The ring is walked from the newest back to the first record
 * whose high-water time (the newest before it, as records may come out
 * of order on a pipe of two logs) is more than the pairing time older,
 * so a DC log of checks alone costs a look or two each. */
static struct ap_recent *recent_find(struct bw_authpair *ap,
				     const bw_event *ev, int role,
				     const bw_str *ws)
{
	bw_str w = who(ev);
	uint64_t uh = name_hash(w);
	struct ap_recent *found = NULL;
	for (uint32_t k = 1; k <= AP_RECENT; k++) {
		struct ap_recent *r = &ap->rec[(ap->rnext + AP_RECENT - k) % AP_RECENT];
		if (!r->uh || r->hw + BW_AUTHPAIR_MS < ev->ts_ms)
			break;
		if (r->role != role || r->uh != uh || r->used ||
		    absdiff(r->ts, ev->ts_ms) > BW_AUTHPAIR_MS ||
		    !name_eq(w.p, w.n, r->user, r->ulen))
			continue;
		if (!ws || ((r->by & AP_BY_WS) &&
			    name_eq(ws->p, ws->n, r->ws, r->wlen)))
			found = r;
	}
	return found;
}

/* Whether a and b are one source as the rules key it (src.net: an
 * IPv4 address, an IPv6 address's /64). */
static int same_net(const bw_ip *a, const bw_ip *b)
{
	if (!a->family || a->family != b->family)
		return 0;
	return memcmp(a->addr, b->addr, bw_ip_net_bytes(a)) == 0;
}

/* A login that completes a sequence after failures from its source
 * (success after failures, exploit then access). */
static int source_success(const bw_event *ev)
{
	return ((ev->kind == BW_KIND_LOGIN && ev->outcome == BW_OUTCOME_SUCCESS) ||
		ev->kind == BW_KIND_SESSION_START) &&
	       !addressless(ev);
}

/* Pass on, oldest first, the held records of ev's account, and for a
 * login those from its source (a Kerberos refusal names one): ev must
 * not overtake them, as the rules keyed by either see them in order. */
static void release_account(struct bw_authpair *ap, const bw_event *ev,
			    bw_authpair_next_fn next, void *arg)
{
	bw_str w = who(ev);
	int by_src = source_success(ev);
	if (!ap->n || (!w.n && !by_src))
		return;
	uint64_t wh = w.n ? name_hash(w) : 0;
	for (uint32_t i = 0; i < ap->n;) {
		const bw_event *h = &ap->slot[i]->ev;
		bw_str hw = who(h);
		int same = (w.n && ap->slot[i]->wh == wh &&
			    name_eq(hw.p, hw.n, w.p, w.n)) ||
			   (by_src && same_net(&h->src_ip, &ev->src_ip));
		if (same)
			release(ap, i, next, arg);
		else
			i++;
	}
}

void bw_authpair_event(struct bw_authpair *ap, bw_event *ev,
		       bw_authpair_next_fn next, void *arg)
{
	/* nothing held, and not a failure: the way of most lines */
	if (!ap->n && ev->outcome != BW_OUTCOME_FAILURE) {
		next(arg, ev);
		return;
	}
	/* records whose partner did not come in time go on first */
	while (ap->n && ap->slot[0]->ev.ts_ms + BW_AUTHPAIR_MS < ev->ts_ms)
		release(ap, 0, next, arg);
	unsigned by;
	int cls = classify(ev, &by);
	switch (cls) {
	case AP_NCHECK:
	case AP_KCHECK: {
		/* a 4625 held for its check (no address of its own): the
		 * oldest of this attempt goes on now, as the pair */
		for (uint32_t i = 0; i < ap->n; i++) {
			struct ap_held *h = ap->slot[i];
			if (h->cls != AP_LOGON ||
			    !same_attempt(ev, cls, &h->ev, h->by))
				continue;
			ap->st.merged++;
			take(ap, i);
			merge_into(&h->ev, ev, cls);
			h->ev.flags |= BW_EF_HELD;
			next(arg, &h->ev);
			recycle(ap, h);
			return;
		}
		/* a console 4625 is held, never passed before its refusal */
		struct ap_recent *r = cls == AP_NCHECK ?
			recent_find(ap, ev, AP_LOGON, &ev->src_host) : NULL;
		if (r) {
			r->used = 1;
			ap->st.merged++;
			return; /* its 4625 went on already */
		}
		if (hold(ap, ev, cls, 0, next, arg) < 0)
			next(arg, ev);
		return;
	}
	case AP_LOGON:
		/* the oldest held check of this attempt; the account's other
		 * held records wait on for their own partners (a burst) */
		for (uint32_t i = 0; i < ap->n; i++) {
			struct ap_held *h = ap->slot[i];
			if (h->cls == AP_LOGON ||
			    !same_attempt(&h->ev, h->cls, ev, by))
				continue;
			ap->st.merged++;
			merge_into(ev, &h->ev, h->cls);
			recycle(ap, take(ap, i));
			next(arg, ev);
			return;
		}
		if (by & AP_BY_KRB) {
			/* its refusal went on already: counted, with the
			 * address */
			struct ap_recent *r = recent_find(ap, ev, AP_KCHECK, NULL);
			if (r) {
				r->used = 1;
				ap->st.merged++;
				return;
			}
			/* a console typo logged before the DC's refusal:
			 * held for it, which alone names the address */
			if (hold(ap, ev, cls, by, next, arg) == 0)
				return;
		}
		remember(ap, ev, by);
		break; /* another attempt: it overtakes none of the account's */
	default:
		break;
	}
	/* an event of an account whose failure is held must not overtake
	 * it: a login after failures stays after them */
	release_account(ap, ev, next, arg);
	next(arg, ev);
}

void bw_authpair_idle(struct bw_authpair *ap, bw_authpair_next_fn next,
		      void *arg)
{
	if (!ap->n)
		return;
	int64_t now = mono_ms();
	while (ap->n && now - ap->slot[0]->wall >= BW_AUTHPAIR_WALL_MS)
		release(ap, 0, next, arg);
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
