/*
 * window.c - keyed state tables and sliding windows on event time (see
 * window.h). Never reads the wall clock; allocation happens when a key is
 * created or a ring/set grows, never for an event that fits.
 */
#include "window.h"

#include <stdlib.h>
#include <string.h>

#include "rule.h"

#define KEY_OVERHEAD 48 /* malloc header + slot, for the byte estimate */

void bw_wtable_init(struct bw_wtable *t, size_t state_size, uint64_t seed,
		    int64_t keep_ms, struct bw_wbudget *budget,
		    void (*fini)(void *state, struct bw_wbudget *b))
{
	memset(t, 0, sizeof(*t));
	t->state_size = (state_size + 7) & ~(size_t)7;
	t->seed = seed;
	t->keep_ms = keep_ms;
	t->budget = budget;
	t->fini = fini;
}

static size_t key_size(const struct bw_wtable *t, uint32_t keylen)
{
	return sizeof(struct bw_wkey) + t->state_size + keylen;
}

static void lru_unlink(struct bw_wtable *t, struct bw_wkey *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		t->head = k->next;
	if (k->next)
		k->next->prev = k->prev;
	else
		t->tail = k->prev;
	k->prev = k->next = NULL;
}

static void lru_push_head(struct bw_wtable *t, struct bw_wkey *k)
{
	k->prev = NULL;
	k->next = t->head;
	if (t->head)
		t->head->prev = k;
	t->head = k;
	if (!t->tail)
		t->tail = k;
}

void bw_wtable_del(struct bw_wtable *t, struct bw_wkey *k)
{
	uint32_t mask = t->cap - 1;
	uint32_t i = k->slot;
	lru_unlink(t, k);
	/* backward-shift deletion keeps probe chains intact without
	 * tombstones */
	t->slots[i] = NULL;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		struct bw_wkey *x = t->slots[j];
		if (!x)
			break;
		uint32_t home = (uint32_t)x->hash & mask;
		/* can x move to i? only if i lies cyclically in [home, j) */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slots[i] = x;
			x->slot = i;
			t->slots[j] = NULL;
			i = j;
		}
	}
	t->n--;
	if (t->budget) {
		t->budget->nkeys--;
		t->budget->bytes -= key_size(t, k->keylen) + KEY_OVERHEAD;
	}
	if (t->fini)
		t->fini(bw_wkey_state(k), t->budget);
	free(k);
}

void bw_wtable_fini(struct bw_wtable *t)
{
	while (t->head)
		bw_wtable_del(t, t->head);
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
}

static int grow(struct bw_wtable *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 64;
	struct bw_wkey **s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (uint32_t i = 0; i < t->cap; i++) {
		struct bw_wkey *k = t->slots[i];
		if (!k)
			continue;
		uint32_t j = (uint32_t)k->hash & (cap - 1);
		while (s[j])
			j = (j + 1) & (cap - 1);
		s[j] = k;
		k->slot = j;
	}
	if (t->budget)
		t->budget->bytes += (cap - t->cap) * sizeof(*s);
	free(t->slots);
	t->slots = s;
	t->cap = cap;
	return 0;
}

static struct bw_wkey *lookup(const struct bw_wtable *t, uint64_t h,
			      const void *key, uint32_t keylen, uint32_t *slot)
{
	uint32_t mask = t->cap - 1;
	uint32_t i = (uint32_t)h & mask;
	for (;;) {
		struct bw_wkey *k = t->slots[i];
		if (!k) {
			*slot = i;
			return NULL;
		}
		if (k->hash == h && k->keylen == keylen &&
		    memcmp(k->data + t->state_size, key, keylen) == 0)
			return k;
		i = (i + 1) & mask;
	}
}

struct bw_wkey *bw_wtable_find(const struct bw_wtable *t, const void *key,
			       uint32_t keylen)
{
	if (!t->n)
		return NULL;
	uint32_t slot;
	return lookup(t, bw_hash64(t->seed, key, keylen), key, keylen, &slot);
}

uint64_t bw_wtable_expire(struct bw_wtable *t, int64_t now)
{
	uint64_t n = 0;
	if (t->keep_ms <= 0)
		return 0;
	while (t->tail && t->tail->last_ts < now - t->keep_ms) {
		bw_wtable_del(t, t->tail);
		n++;
	}
	if (t->budget)
		t->budget->expired += n;
	return n;
}

struct bw_wkey *bw_wtable_get(struct bw_wtable *t, const void *key,
			      uint32_t keylen, int64_t now, int *created)
{
	uint64_t h = bw_hash64(t->seed, key, keylen);
	uint32_t slot = 0;
	*created = 0;
	struct bw_wkey *k = t->cap ? lookup(t, h, key, keylen, &slot) : NULL;
	if (k) {
		if (now > k->last_ts)
			k->last_ts = now;
		if (t->head != k) {
			lru_unlink(t, k);
			lru_push_head(t, k);
		}
		return k;
	}
	struct bw_wbudget *b = t->budget;
	if (b && b->nkeys >= b->max_keys) {
		if (!t->tail) {
			b->refused++;
			return NULL;
		}
		bw_wtable_del(t, t->tail);
		b->evictions++;
	}
	if ((t->n + 1) * 4 > t->cap * 3 || !t->cap) {
		if (grow(t))
			return NULL;
	}
	/* the slot may have moved (delete or grow): look again */
	if (lookup(t, h, key, keylen, &slot))
		return NULL; /* cannot happen */
	k = malloc(key_size(t, keylen));
	if (!k)
		return NULL;
	memset(k, 0, sizeof(*k) + t->state_size);
	k->hash = h;
	k->keylen = keylen;
	k->last_ts = now;
	k->slot = slot;
	memcpy(k->data + t->state_size, key, keylen);
	t->slots[slot] = k;
	t->n++;
	lru_push_head(t, k);
	if (b) {
		b->nkeys++;
		if (b->nkeys > b->peak)
			b->peak = b->nkeys;
		b->bytes += key_size(t, keylen) + KEY_OVERHEAD;
	}
	*created = 1;
	return k;
}

/* ------------------------------------------------------- distinct sets */

static int dset_grow(struct bw_dset *d, struct bw_wbudget *b)
{
	uint32_t cap = d->cap ? d->cap * 2 : 8;
	uint64_t *h = calloc(cap, sizeof(*h));
	uint32_t *c = calloc(cap, sizeof(*c));
	if (!h || !c) {
		free(h);
		free(c);
		return -1;
	}
	for (uint32_t i = 0; i < d->cap; i++) {
		if (!d->h[i])
			continue;
		uint32_t j = (uint32_t)d->h[i] & (cap - 1);
		while (h[j])
			j = (j + 1) & (cap - 1);
		h[j] = d->h[i];
		c[j] = d->c[i];
	}
	if (b)
		b->bytes += (cap - d->cap) * 12;
	free(d->h);
	free(d->c);
	d->h = h;
	d->c = c;
	d->cap = cap;
	return 0;
}

static int dset_add(struct bw_dset *d, uint64_t h, struct bw_wbudget *b)
{
	if ((d->n + 1) * 2 > d->cap && dset_grow(d, b))
		return -1;
	uint32_t mask = d->cap - 1, i = (uint32_t)h & mask;
	while (d->h[i]) {
		if (d->h[i] == h) {
			d->c[i]++;
			return 0;
		}
		i = (i + 1) & mask;
	}
	d->h[i] = h;
	d->c[i] = 1;
	d->n++;
	return 0;
}

static void dset_del(struct bw_dset *d, uint64_t h)
{
	if (!d->cap)
		return;
	uint32_t mask = d->cap - 1, i = (uint32_t)h & mask;
	while (d->h[i] && d->h[i] != h)
		i = (i + 1) & mask;
	if (!d->h[i] || --d->c[i])
		return;
	d->h[i] = 0;
	d->n--;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!d->h[j])
			break;
		uint32_t home = (uint32_t)d->h[j] & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			d->h[i] = d->h[j];
			d->c[i] = d->c[j];
			d->h[j] = 0;
			i = j;
		}
	}
}

/* ------------------------------------------------------------- rings */

static void rec_drop_front(struct bw_wring *w, int nsum, int ndist)
{
	const struct bw_wrec *r = &w->rec[w->head];
	w->count -= r->repeat;
	for (int i = 0; i < nsum; i++)
		w->sum[i] -= r->sum[i];
	for (int i = 0; i < ndist; i++)
		if (r->dh[i])
			dset_del(&w->dist[i], r->dh[i]);
	w->head = (w->head + 1) & (w->cap - 1);
	w->len--;
}

int bw_wring_push(struct bw_wring *w, const struct bw_wrec *r, int nsum,
		  int ndist, uint32_t max_events, struct bw_wbudget *b)
{
	int dropped = 0;
	if (w->len >= max_events && w->len) {
		rec_drop_front(w, nsum, ndist);
		dropped = 1;
	}
	if (w->len == w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : 2;
		struct bw_wrec *n = malloc(cap * sizeof(*n));
		if (!n)
			return -1;
		for (uint32_t i = 0; i < w->len; i++)
			n[i] = w->rec[(w->head + i) & (w->cap - 1)];
		if (b)
			b->bytes += (cap - w->cap) * sizeof(*n);
		free(w->rec);
		w->rec = n;
		w->head = 0;
		w->cap = cap;
	}
	for (int i = 0; i < ndist; i++)
		if (r->dh[i] && dset_add(&w->dist[i], r->dh[i], b))
			return -1;
	w->rec[(w->head + w->len) & (w->cap - 1)] = *r;
	w->len++;
	w->count += r->repeat;
	for (int i = 0; i < nsum; i++)
		w->sum[i] += r->sum[i];
	return dropped;
}

void bw_wring_expire(struct bw_wring *w, int64_t cutoff, int nsum, int ndist)
{
	while (w->len && w->rec[w->head].ts <= cutoff)
		rec_drop_front(w, nsum, ndist);
}

void bw_wring_clear(struct bw_wring *w, int ndist)
{
	w->head = w->len = 0;
	w->count = 0;
	memset(w->sum, 0, sizeof(w->sum));
	for (int i = 0; i < ndist; i++) {
		if (w->dist[i].cap) {
			memset(w->dist[i].h, 0, w->dist[i].cap * sizeof(uint64_t));
			memset(w->dist[i].c, 0, w->dist[i].cap * sizeof(uint32_t));
		}
		w->dist[i].n = 0;
	}
}

void bw_wring_fini(struct bw_wring *w, struct bw_wbudget *b)
{
	if (b) {
		b->bytes -= w->cap * sizeof(*w->rec);
		for (int i = 0; i < BW_WRING_MAX_AGG; i++)
			b->bytes -= w->dist[i].cap * 12;
	}
	free(w->rec);
	for (int i = 0; i < BW_WRING_MAX_AGG; i++) {
		free(w->dist[i].h);
		free(w->dist[i].c);
	}
	memset(w, 0, sizeof(*w));
}
