/*
 * lease.c - address lease history (see lease.h).
 *
 * Layout: power-of-two buckets of chained leases keyed by the 16-byte
 * address; within a chain the newest lease of an address comes first,
 * so a lookup walks an address's history newest to oldest. A FIFO list
 * in creation order gives the eviction victim.
 *
 * One allocation per lease (entry with the user name inline), none per
 * event.
 */
#include "lease.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OPEN_END INT64_MAX
#define MAX_USER 255

struct lease {
	struct lease *hnext, *hprev; /* same bucket, newer first */
	struct lease *fprev, *fnext; /* creation order */
	uint64_t hash;
	bw_ip addr;
	bw_ip client;               /* the tunnel's public end, when logged */
	int64_t from_ms, to_ms;     /* to_ms == OPEN_END while held */
	int64_t seen_ms;            /* last event that confirmed an open lease */
	size_t user_n;
	char user[];                /* NUL-terminated copy */
};

struct bw_leases {
	struct lease **buckets;
	size_t mask, cap, count;
	uint64_t seed;
	int64_t max_open_ms;        /* an open lease unconfirmed for longer
	                               attributes nothing; 0 = no limit */
	struct lease *oldest, *newest;
	struct bw_leases_stats st;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_addr(uint64_t seed, const bw_ip *ip)
{
	uint64_t a, b;
	memcpy(&a, ip->addr, 8);
	memcpy(&b, ip->addr + 8, 8);
	return mix(mix(seed ^ a) ^ b);
}

struct bw_leases *bw_leases_new(size_t cap)
{
	if (cap == 0)
		cap = 65536;
	struct bw_leases *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	size_t nb = 16;
	while (nb < cap && nb < ((size_t)1 << 30))
		nb <<= 1;
	l->buckets = calloc(nb, sizeof(*l->buckets));
	if (!l->buckets) {
		free(l);
		return NULL;
	}
	l->mask = nb - 1;
	l->cap = cap;
	l->max_open_ms = BW_LEASE_MAX_OPEN_DEFAULT;
	if (getentropy(&l->seed, sizeof(l->seed)) != 0)
		l->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)l;
	return l;
}

void bw_leases_free(struct bw_leases *l)
{
	if (!l)
		return;
	struct lease *e = l->oldest;
	while (e) {
		struct lease *n = e->fnext;
		free(e);
		e = n;
	}
	free(l->buckets);
	free(l);
}

static int same_ip(const bw_ip *a, const bw_ip *b)
{
	return memcmp(a->addr, b->addr, 16) == 0;
}

static int same_user(const struct lease *e, bw_str u)
{
	return e->user_n == u.n && memcmp(e->user, u.p, u.n) == 0;
}

static void evict_oldest(struct bw_leases *l)
{
	struct lease *e = l->oldest;
	if (e->hprev)
		e->hprev->hnext = e->hnext;
	else
		l->buckets[e->hash & l->mask] = e->hnext;
	if (e->hnext)
		e->hnext->hprev = e->hprev;
	l->oldest = e->fnext;
	if (l->oldest)
		l->oldest->fprev = NULL;
	else
		l->newest = NULL;
	free(e);
	l->count--;
	l->st.evicted++;
}

static struct lease *lease_add(struct bw_leases *l, const bw_ip *ip, uint64_t h,
			       bw_str user, int64_t from, int64_t to)
{
	if (l->count >= l->cap && l->oldest)
		evict_oldest(l);
	struct lease *e = malloc(sizeof(*e) + user.n + 1);
	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->addr = *ip;
	e->from_ms = from;
	e->to_ms = to;
	e->seen_ms = to == OPEN_END ? from : to;
	e->user_n = user.n;
	memcpy(e->user, user.p, user.n);
	e->user[user.n] = 0;
	/* newest first in its chain */
	e->hnext = l->buckets[h & l->mask];
	e->hprev = NULL;
	if (e->hnext)
		e->hnext->hprev = e;
	l->buckets[h & l->mask] = e;
	e->fprev = l->newest;
	if (l->newest)
		l->newest->fnext = e;
	else
		l->oldest = e;
	l->newest = e;
	l->count++;
	l->st.opened++;
	return e;
}

/* The newest lease of ip, or NULL. */
static struct lease *newest_of(struct bw_leases *l, const bw_ip *ip, uint64_t h)
{
	for (struct lease *e = l->buckets[h & l->mask]; e; e = e->hnext)
		if (e->hash == h && same_ip(&e->addr, ip))
			return e;
	return NULL;
}

/* Whether ev comes from another public address than the tunnel that
 * holds lease e (both known). */
static int other_tunnel(const struct lease *e, const bw_event *ev)
{
	return ev->src_ip.family && e->client.family &&
	       !same_ip(&e->client, &ev->src_ip);
}

int bw_lease_event(struct bw_leases *l, const bw_event *ev)
{
	if (!ev->assigned_ip.family || !ev->user.n || ev->user.n > MAX_USER)
		return 0;
	int closing = ev->kind == BW_KIND_SESSION_END && !(ev->flags & BW_EF_SESSION_OPEN);
	int opening = ev->kind == BW_KIND_ADDRESS_ASSIGN ||
		      ev->kind == BW_KIND_SESSION_START ||
		      (ev->kind == BW_KIND_SESSION_END && !closing) ||
		      (ev->kind == BW_KIND_LOGIN && ev->outcome == BW_OUTCOME_SUCCESS);
	if (!closing && !opening)
		return 0;
	int64_t start = ev->ts_ms;
	if (ev->kind == BW_KIND_SESSION_END && ev->duration_ms != BW_NUM_ABSENT &&
	    ev->duration_ms >= 0 && ev->duration_ms <= ev->ts_ms)
		start = ev->ts_ms - ev->duration_ms;
	const bw_ip *ip = &ev->assigned_ip;
	uint64_t h = hash_addr(l->seed, ip);
	struct lease *cur = newest_of(l, ip, h);

	struct lease *made;
	if (opening) {
		if (cur && cur->to_ms == OPEN_END) {
			/* the holder again from elsewhere (a stolen
			 * password, a pool that keeps addresses) gets a
			 * lease of its own below, so lines before it keep
			 * the first tunnel's address */
			if (same_user(cur, ev->user) && !other_tunnel(cur, ev)) {
				if (!cur->client.family)
					cur->client = ev->src_ip;
				if (start < cur->from_ms)
					cur->from_ms = start;
				if (ev->ts_ms > cur->seen_ms)
					cur->seen_ms = ev->ts_ms;
				return 1;
			}
			/* handed to someone else (or another tunnel): the
			 * previous holder lost it */
			cur->to_ms = start > cur->from_ms ? start : cur->from_ms;
			l->st.closed++;
		}
		if (!(made = lease_add(l, ip, h, ev->user, start, OPEN_END)))
			return 0;
		made->client = ev->src_ip;
		return 1;
	}
	/* closing */
	if (cur && cur->to_ms == OPEN_END && same_user(cur, ev->user) &&
	    other_tunnel(cur, ev))
		return 0; /* the end of the tunnel the holder left */
	if (cur && cur->to_ms == OPEN_END && same_user(cur, ev->user)) {
		if (!cur->client.family)
			cur->client = ev->src_ip;
		cur->to_ms = ev->ts_ms > cur->from_ms ? ev->ts_ms : cur->from_ms;
		if (start < cur->from_ms)
			cur->from_ms = start;
		l->st.closed++;
		return 1;
	}
	if (cur && cur->to_ms == OPEN_END && cur->from_ms <= ev->ts_ms) {
		/* Someone else holds the address now: this end is stale (the
		 * pool reassigned it before the end was logged). */
		return 0;
	}
	if (!(made = lease_add(l, ip, h, ev->user, start, ev->ts_ms)))
		return 0;
	made->client = ev->src_ip;
	l->st.closed++;
	return 1;
}

int bw_lease_attribute(struct bw_leases *l, bw_event *ev)
{
	if (ev->user.p || !ev->src_ip.family || ev->source == BW_SRC_VPN ||
	    !l->count)
		return 0; /* no lease held: no hash (web-only runs) */
	uint64_t h = hash_addr(l->seed, &ev->src_ip);
	for (struct lease *e = l->buckets[h & l->mask]; e; e = e->hnext) {
		if (e->hash != h || !same_ip(&e->addr, &ev->src_ip))
			continue;
		int64_t to = e->to_ms;
		if (to == OPEN_END && l->max_open_ms > 0 &&
		    e->seen_ms < INT64_MAX - l->max_open_ms)
			to = e->seen_ms + l->max_open_ms;
		if (e->from_ms <= ev->ts_ms && ev->ts_ms <= to) {
			ev->user.p = e->user;
			ev->user.n = e->user_n;
			ev->vpn_client_ip = e->client;
			ev->flags |= BW_EF_USER_LEASE;
			l->st.attributed++;
			return 1;
		}
	}
	return 0;
}

void bw_leases_set_max_open(struct bw_leases *l, int64_t ms)
{
	l->max_open_ms = ms > 0 ? ms : 0;
}

void bw_leases_get_stats(const struct bw_leases *l, struct bw_leases_stats *out)
{
	*out = l->st;
	out->active = l->count;
}
