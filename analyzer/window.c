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
#define SPARE_MAX 64    /* deleted keys kept per table for reuse */

void bw_wtable_init(struct bw_wtable *t, size_t state_size, uint64_t seed,
		    int64_t keep_ms, struct bw_wbudget *budget,
		    void (*fini)(void *state, struct bw_wbudget *b))
{
	memset(t, 0, sizeof(*t));
	t->nlane = 1;
	t->lane[0].keep_ms = keep_ms;
	t->lane[0].size = (state_size + 7) & ~(size_t)7;
	t->lane[0].fini = fini;
	t->state_size = t->lane[0].size;
	t->seed = seed;
	t->budget = budget;
}

int bw_wtable_add_lane(struct bw_wtable *t, size_t state_size,
		       int64_t keep_ms,
		       void (*fini)(void *state, struct bw_wbudget *b))
{
	if (t->nlane >= BW_WTABLE_MAX_LANES || t->n || t->nspare)
		return -1;
	struct bw_wlane *l = &t->lane[t->nlane];
	l->keep_ms = keep_ms;
	l->size = (state_size + 7) & ~(size_t)7;
	l->fini = fini;
	t->nlane++;
	t->poff = (t->nlane - 1) * (uint32_t)sizeof(struct bw_wlink);
	t->koff = t->poff + (t->nlane - 1) * (uint32_t)sizeof(void *);
	return (int)t->nlane - 1;
}

static size_t key_size(const struct bw_wtable *t, uint32_t keylen)
{
	return sizeof(struct bw_wkey) + t->koff + ((keylen + 7u) & ~(size_t)7) +
	       t->state_size;
}

static inline struct bw_wlink *lane_link(struct bw_wkey *k, uint32_t l)
{
	if (!l)
		return &k->l0;
	return (struct bw_wlink *)k->data + (l - 1);
}

static void lru_unlink(struct bw_wtable *t, uint32_t l, struct bw_wkey *k)
{
	struct bw_wlane *ln = &t->lane[l];
	struct bw_wlink *x = lane_link(k, l);
	if (x->prev)
		lane_link(x->prev, l)->next = x->next;
	else
		ln->head = x->next;
	if (x->next)
		lane_link(x->next, l)->prev = x->prev;
	else
		ln->tail = x->prev;
	x->prev = x->next = NULL;
}

static void lru_push_head(struct bw_wtable *t, uint32_t l, struct bw_wkey *k)
{
	struct bw_wlane *ln = &t->lane[l];
	struct bw_wlink *x = lane_link(k, l);
	x->prev = NULL;
	x->next = ln->head;
	if (ln->head)
		lane_link(ln->head, l)->prev = k;
	ln->head = k;
	if (!ln->tail)
		ln->tail = k;
}

/* Move k, in lane l's list but not its head, to the head: k has a
 * predecessor and the list a head, which spares lru_unlink's and
 * lru_push_head's tests for the ends. */
static inline void lru_to_head(struct bw_wtable *t, uint32_t l,
			       struct bw_wkey *k)
{
	struct bw_wlane *ln = &t->lane[l];
	struct bw_wlink *x = lane_link(k, l);
	lane_link(x->prev, l)->next = x->next;
	if (x->next)
		lane_link(x->next, l)->prev = x->prev;
	else
		ln->tail = x->prev;
	x->prev = NULL;
	x->next = ln->head;
	lane_link(ln->head, l)->prev = k;
	ln->head = k;
}

/* Take the key (no lane left) out of the slots; keep it for reuse. */
static void key_remove(struct bw_wtable *t, struct bw_wkey *k)
{
	uint32_t mask = t->cap - 1;
	uint32_t i = k->slot;
	if (t->last == k)
		t->last = NULL;
	/* backward-shift deletion keeps probe chains intact without
	 * tombstones */
	t->slots[i].k = NULL;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		struct bw_wkey *x = t->slots[j].k;
		if (!x)
			break;
		uint32_t home = (uint32_t)t->slots[j].hash & mask;
		/* can x move to i? only if i lies cyclically in [home, j) */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			t->slots[i] = t->slots[j];
			x->slot = i;
			t->slots[j].k = NULL;
			i = j;
		}
	}
	t->n--;
	if (t->budget)
		t->budget->bytes -= key_size(t, k->keylen) + KEY_OVERHEAD;
	if (t->nspare < SPARE_MAX &&
	    (t->nspare == 0 || k->keylen == t->spare_keylen)) {
		t->spare_keylen = k->keylen;
		k->l0.next = t->spare;
		t->spare = k;
		t->nspare++;
		return;
	}
	free(k);
}

static void **lane_slot(const struct bw_wtable *t, struct bw_wkey *k,
			uint32_t l)
{
	return (void **)(k->data + t->poff) + (l - 1);
}

/* A zeroed state block for lane l >= 1. */
static void *state_new(struct bw_wtable *t, uint32_t l)
{
	struct bw_wlane *ln = &t->lane[l];
	void *p = ln->spare;
	if (p) {
		memcpy(&ln->spare, p, sizeof(void *));
		ln->nspare--;
	} else {
		p = malloc(ln->size);
		if (!p)
			return NULL;
	}
	memset(p, 0, ln->size);
	if (t->budget)
		t->budget->bytes += ln->size + 16;
	return p;
}

static void state_free(struct bw_wtable *t, uint32_t l, void *p)
{
	struct bw_wlane *ln = &t->lane[l];
	if (t->budget)
		t->budget->bytes -= ln->size + 16;
	if (ln->nspare < SPARE_MAX) {
		memcpy(p, &ln->spare, sizeof(void *));
		ln->spare = p;
		ln->nspare++;
		return;
	}
	free(p);
}

/* Drop lane l of k; the key goes with its last lane. */
static void lane_drop(struct bw_wtable *t, uint32_t l, struct bw_wkey *k)
{
	lru_unlink(t, l, k);
	k->live &= ~(1u << l);
	if (t->budget)
		t->budget->nkeys--;
	void *st = bw_wkey_lane_state(t, k, l);
	if (t->lane[l].fini)
		t->lane[l].fini(st, t->budget);
	if (l) {
		state_free(t, l, st);
		*lane_slot(t, k, l) = NULL;
	}
	if (!k->live)
		key_remove(t, k);
}

void bw_wtable_del(struct bw_wtable *t, struct bw_wkey *k)
{
	uint32_t live = k->live;
	while (live) {
		uint32_t l = (uint32_t)__builtin_ctz(live);
		live &= live - 1;
		lane_drop(t, l, k); /* the last one frees k */
	}
}

void bw_wtable_fini(struct bw_wtable *t)
{
	/* everything goes: walk the slots in memory order and free each key
	 * whole, rather than drop lane by lane in LRU order (a random walk
	 * over the keys, relinking lists and shifting slots for nothing) */
	struct bw_wbudget *b = t->budget;
	for (uint32_t i = 0; i < t->cap; i++) {
		struct bw_wkey *k = t->slots[i].k;
		if (!k)
			continue;
		for (uint32_t m = k->live; m; m &= m - 1) {
			uint32_t l = (uint32_t)__builtin_ctz(m);
			void *st = bw_wkey_lane_state(t, k, l);
			if (t->lane[l].fini)
				t->lane[l].fini(st, b);
			if (b)
				b->nkeys--;
			if (l) {
				if (b)
					b->bytes -= t->lane[l].size + 16;
				free(st);
			}
		}
		if (b)
			b->bytes -= key_size(t, k->keylen) + KEY_OVERHEAD;
		free(k);
		t->slots[i].k = NULL;
	}
	t->n = 0;
	t->last = NULL;
	for (uint32_t l = 0; l < t->nlane; l++)
		t->lane[l].head = t->lane[l].tail = NULL;
	while (t->spare) {
		struct bw_wkey *k = t->spare;
		t->spare = k->l0.next;
		free(k);
	}
	t->nspare = 0;
	for (uint32_t l = 0; l < t->nlane; l++) {
		struct bw_wlane *ln = &t->lane[l];
		while (ln->spare) {
			void *p = ln->spare;
			memcpy(&ln->spare, p, sizeof(void *));
			free(p);
		}
		ln->nspare = 0;
	}
	if (b)
		b->bytes -= (size_t)t->cap * sizeof(*t->slots);
	free(t->slots);
	t->slots = NULL;
	t->cap = 0;
}

static int grow(struct bw_wtable *t)
{
	uint32_t cap = t->cap ? t->cap * 2 : 64;
	struct bw_wslot *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (uint32_t i = 0; i < t->cap; i++) {
		struct bw_wkey *k = t->slots[i].k;
		if (!k)
			continue;
		uint32_t j = (uint32_t)t->slots[i].hash & (cap - 1);
		while (s[j].k)
			j = (j + 1) & (cap - 1);
		s[j] = t->slots[i];
		k->slot = j;
	}
	if (t->budget)
		t->budget->bytes += (cap - t->cap) * sizeof(*s);
	free(t->slots);
	t->slots = s;
	t->cap = cap;
	return 0;
}

/* Most keys are one IP address (16 bytes): compare those inline. */
static inline int key_eq(const struct bw_wtable *t, const struct bw_wkey *k,
			 const void *key, uint32_t keylen)
{
	if (k->keylen != keylen)
		return 0;
	const unsigned char *kb = k->data + t->koff;
	if (keylen == 16) {
		uint64_t a[2], b[2];
		memcpy(a, kb, 16);
		memcpy(b, key, 16);
		return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
	}
	return memcmp(kb, key, keylen) == 0;
}

static struct bw_wkey *lookup(const struct bw_wtable *t, uint64_t h,
			      const void *key, uint32_t keylen, uint32_t *slot)
{
	uint32_t mask = t->cap - 1;
	uint32_t i = (uint32_t)h & mask;
	for (;;) {
		const struct bw_wslot *sl = &t->slots[i];
		if (!sl->k) {
			*slot = i;
			return NULL;
		}
		struct bw_wkey *k = sl->k;
		if (sl->hash == h && key_eq(t, k, key, keylen))
			return k;
		i = (i + 1) & mask;
	}
}

struct bw_wkey *bw_wtable_find_lane_hashed(const struct bw_wtable *t,
					   uint32_t lane, const void *key,
					   uint32_t keylen, uint64_t hash)
{
	if (!t->n)
		return NULL;
	struct bw_wkey *k = t->last;
	if (!k || !key_eq(t, k, key, keylen)) {
		uint32_t slot;
		k = lookup(t, hash, key, keylen, &slot);
	}
	return k && (k->live & (1u << lane)) ? k : NULL;
}

struct bw_wkey *bw_wtable_find_lane(const struct bw_wtable *t, uint32_t lane,
				    const void *key, uint32_t keylen)
{
	if (!t->n)
		return NULL;
	return bw_wtable_find_lane_hashed(t, lane, key, keylen,
					  bw_hash64(t->seed, key, keylen));
}

uint64_t bw_wtable_expire_lane(struct bw_wtable *t, uint32_t lane,
			       int64_t now)
{
	struct bw_wlane *ln = &t->lane[lane];
	uint64_t n = 0;
	if (ln->keep_ms <= 0)
		return 0;
	while (ln->tail &&
	       lane_link(ln->tail, lane)->last_ts < now - ln->keep_ms) {
		lane_drop(t, lane, ln->tail);
		n++;
	}
	if (t->budget)
		t->budget->expired += n;
	return n;
}

/* Make room for one more lane under the cap by evicting lane l's least
 * recently seen key. @return 0, -1 when refused. */
static int make_room(struct bw_wtable *t, uint32_t l)
{
	struct bw_wbudget *b = t->budget;
	if (!b || b->nkeys < b->max_keys)
		return 0;
	if (!t->lane[l].tail) {
		b->refused++;
		return -1;
	}
	lane_drop(t, l, t->lane[l].tail);
	b->evictions++;
	return 1;
}

static void lane_born(struct bw_wtable *t, uint32_t l, struct bw_wkey *k,
		      int64_t now)
{
	k->live |= 1u << l;
	lane_link(k, l)->last_ts = now;
	lru_push_head(t, l, k);
	struct bw_wbudget *b = t->budget;
	if (b) {
		b->nkeys++;
		if (b->nkeys > b->peak)
			b->peak = b->nkeys;
	}
}

/* hp: the key's hash when the caller has it, else NULL */
static struct bw_wkey *get_lane(struct bw_wtable *t, uint32_t l,
				const void *key, uint32_t keylen,
				const uint64_t *hp, int64_t now, int *created)
{
	uint64_t h = 0;
	uint32_t slot = 0;
	*created = 0;
	struct bw_wkey *k = t->last;
	if (!k || !key_eq(t, k, key, keylen)) {
		h = hp ? *hp : bw_hash64(t->seed, key, keylen);
		k = t->cap ? lookup(t, h, key, keylen, &slot) : NULL;
		/* this rule and the others of this event will want their
		 * lanes of this key next: start loading all their states'
		 * lines now, so the misses overlap instead of queuing one
		 * behind the other as each rule walks its state */
		for (uint32_t m = k ? k->live : 0; m; m &= m - 1) {
			uint32_t ml = (uint32_t)__builtin_ctz(m);
			const unsigned char *st = bw_wkey_lane_state(t, k, ml);
			for (size_t o = 0; o < t->lane[ml].size; o += 64)
				__builtin_prefetch(st + o);
		}
	}
	if (k && (k->live & (1u << l))) {
		struct bw_wlink *x = lane_link(k, l);
		if (now > x->last_ts)
			x->last_ts = now;
		if (t->lane[l].head != k)
			lru_to_head(t, l, k);
		t->last = k;
		return k;
	}
	if (k) {
		/* the key exists for other lanes: k holds one of them, so
		 * evicting this lane's tail cannot remove it */
		if (make_room(t, l) < 0)
			return NULL;
		memset(lane_link(k, l), 0, sizeof(struct bw_wlink));
		if (l) {
			void *st = state_new(t, l);
			if (!st)
				return NULL;
			*lane_slot(t, k, l) = st;
		} else {
			memset(bw_wkey_lane_state(t, k, l), 0, t->lane[l].size);
		}
		lane_born(t, l, k, now);
		t->last = k;
		*created = 1;
		return k;
	}
	int moved = make_room(t, l);
	if (moved < 0)
		return NULL;
	if ((t->n + 1) * 4 > t->cap * 3 || !t->cap) {
		if (grow(t))
			return NULL;
		moved = 1;
	}
	/* the free slot may have moved (delete or grow): look again */
	if (moved && lookup(t, h, key, keylen, &slot))
		return NULL; /* cannot happen */
	void *st = NULL;
	if (l && !(st = state_new(t, l)))
		return NULL;
	if (t->nspare && keylen == t->spare_keylen) {
		k = t->spare;
		t->spare = k->l0.next;
		t->nspare--;
	} else {
		k = malloc(key_size(t, keylen));
		if (!k) {
			if (st)
				state_free(t, l, st);
			return NULL;
		}
	}
	memset(k, 0, key_size(t, keylen));
	k->keylen = keylen;
	k->slot = slot;
	k->soff = (uint32_t)(sizeof(*k) + t->koff + ((keylen + 7u) & ~7u));
	memcpy(k->data + t->koff, key, keylen);
	if (st)
		*lane_slot(t, k, l) = st;
	t->slots[slot].hash = h;
	t->slots[slot].k = k;
	t->n++;
	if (t->budget)
		t->budget->bytes += key_size(t, keylen) + KEY_OVERHEAD;
	lane_born(t, l, k, now);
	t->last = k;
	*created = 1;
	return k;
}

struct bw_wkey *bw_wtable_get_lane(struct bw_wtable *t, uint32_t l,
				   const void *key, uint32_t keylen,
				   int64_t now, int *created)
{
	return get_lane(t, l, key, keylen, NULL, now, created);
}

struct bw_wkey *bw_wtable_get_lane_hashed(struct bw_wtable *t, uint32_t l,
					  const void *key, uint32_t keylen,
					  uint64_t hash, int64_t now,
					  int *created)
{
	return get_lane(t, l, key, keylen, &hash, now, created);
}

/* ------------------------------------------------------- distinct sets */

static inline struct bw_dval *dvals(const struct bw_dset *d)
{
	return d->e;
}

static inline struct bw_dent *dents(const struct bw_dset *d)
{
	return d->e;
}

static inline struct bw_dheap *dheap(const struct bw_dset *d)
{
	return (struct bw_dheap *)(void *)((struct bw_dent *)d->e + d->cap);
}

/* Bytes of a set's entries (and heap). */
static size_t dset_bytes(uint32_t cap)
{
	return cap <= BW_DSET_SMALL ? cap * sizeof(struct bw_dval) :
				      cap * sizeof(struct bw_dent) +
					      cap / 2 * sizeof(struct bw_dheap);
}

/* -- small sets: an array, oldest first */

/* Put (h, ts) after every value seen at or before ts; room is there. */
static inline void dval_put(struct bw_dset *d, uint64_t h, int64_t ts)
{
	struct bw_dval *v = dvals(d);
	uint32_t i = d->n;
	while (i && v[i - 1].last > ts)
		i--;
	if (i < d->n)
		memmove(v + i + 1, v + i, (d->n - i) * sizeof(*v));
	v[i].h = h;
	v[i].last = ts;
	d->n++;
}

static inline void dval_del(struct bw_dset *d, uint32_t i)
{
	struct bw_dval *v = dvals(d);
	d->n--;
	if (i < d->n)
		memmove(v + i, v + i + 1, (d->n - i) * sizeof(*v));
}

/* -- big sets: a hash table beside a min-heap on (last, seq) */

static inline int dh_less(const struct bw_dheap *a, const struct bw_dheap *b)
{
	return a->last < b->last ||
	       (a->last == b->last && (int32_t)(a->seq - b->seq) < 0);
}

static inline void dh_place(struct bw_dset *d, uint32_t pos,
			    struct bw_dheap x)
{
	dheap(d)[pos] = x;
	dents(d)[x.slot].hpos = pos;
}

static void dh_up(struct bw_dset *d, uint32_t pos)
{
	struct bw_dheap *hp = dheap(d), x = hp[pos];
	while (pos) {
		uint32_t p = (pos - 1) / 2;
		if (!dh_less(&x, &hp[p]))
			break;
		dh_place(d, pos, hp[p]);
		pos = p;
	}
	dh_place(d, pos, x);
}

static void dh_down(struct bw_dset *d, uint32_t pos)
{
	struct bw_dheap *hp = dheap(d), x = hp[pos];
	for (;;) {
		uint32_t c = 2 * pos + 1;
		if (c >= d->n)
			break;
		if (c + 1 < d->n && dh_less(&hp[c + 1], &hp[c]))
			c++;
		if (!dh_less(&hp[c], &x))
			break;
		dh_place(d, pos, hp[c]);
		pos = c;
	}
	dh_place(d, pos, x);
}

static int dh_cmp(const void *a, const void *b)
{
	return dh_less(a, b) ? -1 : dh_less(b, a) ? 1 : 0;
}

/* Touch numbers compare by their difference, right while the values
 * held were numbered less than 2^31 touches apart: every 2^30 touches
 * the heap is sorted (a sorted array is a heap) and numbered again
 * from 0, so a value held since long ago and one seen late at the same
 * millisecond keep the order they were seen in. */
#define DSEQ_BLOCK 0x3fffffffu

__attribute__((noinline))
static void dset_renumber(struct bw_dset *d)
{
	struct bw_dheap *hp = dheap(d);
	qsort(hp, d->n, sizeof(*hp), dh_cmp);
	for (uint32_t k = 0; k < d->n; k++) {
		hp[k].seq = k;
		dents(d)[hp[k].slot].hpos = k;
	}
	d->seq = d->n;
}

/* Drop the least recently seen value, the heap's top (values only ever
 * leave from there: expired or evicted at the cap), and its entry, with
 * the table's backward shift. */
static void dset_del_min(struct bw_dset *d)
{
	struct bw_dent *e = dents(d);
	struct bw_dheap *hp = dheap(d);
	uint32_t mask = d->cap - 1, i = hp[0].slot;
	if (--d->n) {
		hp[0] = hp[d->n];
		dh_down(d, 0);
	}
	e[i].h = 0;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!e[j].h)
			break;
		uint32_t home = (uint32_t)e[j].h & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			e[i] = e[j];
			hp[e[i].hpos].slot = i;
			e[j].h = 0;
			i = j;
		}
	}
}

/* Put h, not in the table, with time ts and number seq (room for it). */
static void dent_put(struct bw_dset *d, uint64_t h, int64_t ts, uint32_t seq)
{
	struct bw_dent *e = dents(d);
	uint32_t mask = d->cap - 1, i = (uint32_t)h & mask;
	while (e[i].h)
		i = (i + 1) & mask;
	e[i].h = h;
	dheap(d)[d->n] = (struct bw_dheap){ ts, seq, i };
	e[i].hpos = d->n;
	d->n++;
	dh_up(d, d->n - 1);
}

/* Grow: an array to a bigger array, or (past BW_DSET_SMALL) to a
 * table, a table to one twice as big. @return 0, -1 when out of
 * memory. */
static int dset_grow(struct bw_dset *d, struct bw_wbudget *b)
{
	uint32_t cap = !d->cap ? 2 : d->cap < BW_DSET_SMALL ? d->cap * 2 :
		       d->cap == BW_DSET_SMALL ? 4 * BW_DSET_SMALL : d->cap * 2;
	void *ne = calloc(1, dset_bytes(cap));
	if (!ne)
		return -1;
	struct bw_dset nd = { ne, cap, 0, d->seq };
	if (cap <= BW_DSET_SMALL) {
		if (d->n)
			memcpy(ne, d->e, d->n * sizeof(struct bw_dval));
		nd.n = d->n;
	} else if (d->cap <= BW_DSET_SMALL) {
		/* oldest first, numbered in that order: a sorted array is
		 * a heap already, each put stays where it lands */
		for (uint32_t i = 0; i < d->n; i++)
			dent_put(&nd, dvals(d)[i].h, dvals(d)[i].last, nd.seq++);
	} else {
		/* in heap order, which the new heap keeps */
		for (uint32_t k = 0; k < d->n; k++) {
			const struct bw_dheap *x = &dheap(d)[k];
			dent_put(&nd, dents(d)[x->slot].h, x->last, x->seq);
		}
	}
	if (b)
		b->bytes += dset_bytes(cap) - dset_bytes(d->cap);
	free(d->e);
	*d = nd;
	return 0;
}

/* Add h, not in the set, when that takes an eviction at maxn or more
 * room. @return 1 when a value was evicted at the cap (maybe h, seen
 * before every value kept), 0, -1 when out of memory. */
__attribute__((noinline))
static int dset_add_slow(struct bw_dset *d, uint64_t h, int64_t ts,
			 uint32_t maxn, struct bw_wbudget *b)
{
	int evicted = 0;
	if (d->n && d->n >= maxn) {
		int64_t oldest = d->cap <= BW_DSET_SMALL ? dvals(d)[0].last :
							   dheap(d)[0].last;
		if (ts < oldest)
			return 1; /* h is the least recently seen */
		if (d->cap <= BW_DSET_SMALL)
			dval_del(d, 0);
		else
			dset_del_min(d);
		evicted = 1;
	}
	if ((d->cap <= BW_DSET_SMALL ? d->n == d->cap :
				       (d->n + 1) * 2 > d->cap) &&
	    dset_grow(d, b))
		return -1;
	if (d->cap <= BW_DSET_SMALL)
		dval_put(d, h, ts);
	else
		dent_put(d, h, ts, d->seq++);
	return evicted;
}

/* @return 1 when a value was evicted at the cap, 0, -1 OOM. */
static inline int dset_touch(struct bw_dset *d, uint64_t h, int64_t ts,
			     uint32_t maxn, struct bw_wbudget *b)
{
	if (d->cap <= BW_DSET_SMALL) {
		struct bw_dval *v = dvals(d);
		/* newest first: a value seen again is most often recent */
		for (uint32_t i = d->n; i-- > 0;) {
			if (v[i].h != h)
				continue;
			if (ts >= v[i].last) {
				/* on past the values seen at or before ts:
				 * mostly to the newest end */
				uint32_t j = i;
				while (j + 1 < d->n && v[j + 1].last <= ts)
					j++;
				if (j > i)
					memmove(v + i, v + i + 1, (j - i) * sizeof(*v));
				v[j].h = h;
				v[j].last = ts;
			}
			return 0;
		}
		if (d->n >= maxn || d->n == d->cap)
			return dset_add_slow(d, h, ts, maxn, b);
		dval_put(d, h, ts);
		return 0;
	}
	if ((d->seq & DSEQ_BLOCK) == DSEQ_BLOCK)
		dset_renumber(d); /* this touch takes at most one number */
	struct bw_dent *e = dents(d);
	uint32_t mask = d->cap - 1, i = (uint32_t)h & mask;
	for (; e[i].h; i = (i + 1) & mask) {
		if (e[i].h != h)
			continue;
		struct bw_dheap *x = &dheap(d)[e[i].hpos];
		if (ts >= x->last) {
			/* a later key: down the heap */
			x->last = ts;
			x->seq = d->seq++;
			dh_down(d, e[i].hpos);
		}
		return 0;
	}
	/* a new value, and room for it without an eviction or a bigger
	 * table */
	if (d->n >= maxn || (d->n + 1) * 2 > d->cap)
		return dset_add_slow(d, h, ts, maxn, b);
	dent_put(d, h, ts, d->seq++);
	return 0;
}

/* Drop values last seen at or before cutoff. @return the oldest last
 * time left, INT64_MAX when none. */
static int64_t dset_expire(struct bw_dset *d, int64_t cutoff)
{
	if (d->cap <= BW_DSET_SMALL) {
		struct bw_dval *v = dvals(d);
		uint32_t k = 0;
		while (k < d->n && v[k].last <= cutoff)
			k++;
		if (k) {
			d->n -= k;
			memmove(v, v + k, d->n * sizeof(*v));
		}
		return d->n ? v[0].last : INT64_MAX;
	}
	while (d->n && dheap(d)[0].last <= cutoff)
		dset_del_min(d);
	return d->n ? dheap(d)[0].last : INT64_MAX;
}

static void dset_clear(struct bw_dset *d)
{
	/* the used slots only: a set grown to 4096 values is cleared at
	 * every alert of its key */
	if (d->cap > BW_DSET_SMALL)
		for (uint32_t k = 0; k < d->n; k++)
			dents(d)[dheap(d)[k].slot].h = 0;
	d->n = 0;
}

uint32_t bw_dset_values(const struct bw_dset *d, struct bw_dval *out,
			uint32_t max)
{
	uint32_t n = d->n < max ? d->n : max;
	if (d->cap <= BW_DSET_SMALL) {
		if (n)
			memcpy(out, d->e, n * sizeof(*out));
		return n;
	}
	struct bw_dheap *hp = malloc((d->n ? d->n : 1) * sizeof(*hp));
	if (!hp)
		return 0;
	memcpy(hp, dheap(d), d->n * sizeof(*hp));
	qsort(hp, d->n, sizeof(*hp), dh_cmp);
	for (uint32_t i = 0; i < n; i++) {
		out[i].h = dents(d)[hp[i].slot].h;
		out[i].last = hp[i].last;
	}
	free(hp);
	return n;
}

/* ------------------------------------------------------------- rings */

void bw_wring_setup(struct bw_wring *w, int nsum, int ndist, int64_t window_ms,
		    size_t inline_bytes)
{
	w->nsum = (uint8_t)nsum;
	w->ndist = (uint8_t)ndist;
	w->stride = (uint8_t)(2 + nsum);
	size_t n = inline_bytes / (w->stride * sizeof(uint64_t));
	if (n) {
		w->rec = bw_wring_inline(w);
		w->cap = (uint16_t)(n < UINT16_MAX ? n : UINT16_MAX);
	}
	w->width = window_ms / 256 > 0 ? window_ms / 256 : 1;
	w->oldest = INT64_MAX;
}

uint64_t bw_wring_bucketed(const struct bw_wring *w)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < w->blen; i++)
		n += (uint64_t)w->bk[((w->bhead + i) & (w->bcap - 1)) * w->stride + 1];
	return n;
}

/* Record i (0 = oldest), to write. */
static inline uint64_t *rec_slot(struct bw_wring *w, uint32_t i)
{
	uint32_t slot = w->head + i;
	if (slot >= w->cap)
		slot -= w->cap;
	return w->rec + (size_t)slot * w->stride;
}

static void rec_drop_front(struct bw_wring *w)
{
	const uint64_t *r = bw_wring_rec(w, 0);
	w->count -= BW_WREC_REPEAT(r);
	for (int i = 0; i < w->nsum; i++)
		w->sum[i] -= (int64_t)r[2 + i];
	w->head = w->head + 1 == w->cap ? 0 : (uint16_t)(w->head + 1);
	w->len--;
}

static inline int64_t *bucket(const struct bw_wring *w, uint32_t i)
{
	return w->bk + (size_t)((w->bhead + i) & (w->bcap - 1)) * w->stride;
}

/* The bucket array is the tail of a block whose head holds the first
 * records (see window.h):
 *
 *   | n | n first records (time and provenance, 2 words each) | buckets |
 */
#define FIRST_WORDS (1 + 2 * BW_WRING_FIRST)

static inline int64_t *first_block(const struct bw_wring *w)
{
	return w->bk - FIRST_WORDS;
}

/* The bucket ring is full: move it to one twice as big. @return 0, -1
 * when out of memory. Out of line: a key's buckets grow a few times. */
__attribute__((noinline))
static int bucket_grow(struct bw_wring *w, struct bw_wbudget *b)
{
	uint32_t cap = w->bcap ? w->bcap * 2u : 8;
	if (cap > UINT16_MAX)
		return -1; /* cannot happen: <= 258 in a window */
	size_t sz = (size_t)w->stride * sizeof(int64_t);
	int64_t *blk = malloc(FIRST_WORDS * sizeof(int64_t) + cap * sz);
	if (!blk)
		return -1;
	int64_t *n = blk + FIRST_WORDS;
	if (w->bk)
		memcpy(blk, first_block(w), FIRST_WORDS * sizeof(int64_t));
	else
		blk[0] = 0;
	for (uint32_t i = 0; i < w->blen; i++)
		memcpy(n + (size_t)i * w->stride, bucket(w, i), sz);
	if (b)
		b->bytes += (cap - w->bcap) * sz +
			    (w->bk ? 0 : FIRST_WORDS * sizeof(int64_t));
	free(w->bk ? first_block(w) : NULL);
	w->bk = n;
	w->heap |= BW_WRING_HEAP_BK;
	w->bhead = 0;
	w->bcap = (uint16_t)cap;
	return 0;
}

/* The first fold since the buckets were empty: the ring holds every
 * event of the window, so its oldest records are the window's first.
 * Keep their time and provenance. Out of line: once per burst. */
__attribute__((noinline))
static void first_copy(struct bw_wring *w)
{
	int64_t *fb = first_block(w);
	uint32_t n = w->len < BW_WRING_FIRST ? w->len : BW_WRING_FIRST;
	for (uint32_t i = 0; i < n; i++)
		memcpy(fb + 1 + 2 * i, bw_wring_rec(w, i), 2 * sizeof(int64_t));
	fb[0] = n;
}

/* Whether ring record r is one of the n first records copied at fb. */
static int is_first_copy(const uint64_t *fb, uint32_t n, const uint64_t *r)
{
	for (uint32_t i = 0; i < n; i++)
		if (fb[1 + 2 * i] == r[0] && fb[2 + 2 * i] == r[1])
			return 1;
	return 0;
}

uint32_t bw_wring_evidence(const struct bw_wring *w, int64_t cutoff,
			   const uint64_t **out, uint32_t max)
{
	/* while events are folded: the first records copied at the first
	 * fold, merged by time with the exact records that are not copies
	 * (the copies not folded yet are both; a late event may lie among
	 * them) */
	const uint64_t *fb = w->blen ? (const uint64_t *)first_block(w) : NULL;
	uint32_t nf = fb ? (uint32_t)fb[0] : 0, i = 0, j = 0, k = 0;
	while (k < max) {
		while (i < nf && BW_WREC_TS(fb + 1 + 2 * i) <= cutoff)
			i++;
		while (j < w->len &&
		       (BW_WREC_TS(bw_wring_rec(w, j)) <= cutoff ||
			(nf && is_first_copy(fb, nf, bw_wring_rec(w, j)))))
			j++;
		const uint64_t *c = i < nf ? fb + 1 + 2 * i : NULL;
		const uint64_t *x = j < w->len ? bw_wring_rec(w, j) : NULL;
		if (!c && !x)
			break;
		if (x && (!c || BW_WREC_TS(x) < BW_WREC_TS(c))) {
			out[k++] = x;
			j++;
		} else {
			out[k++] = c;
			i++;
		}
	}
	return k;
}

/* Fold the oldest record into the newest bucket (or a new one). */
static inline int rec_to_bucket(struct bw_wring *w, struct bw_wbudget *b)
{
	const uint64_t *r = bw_wring_rec(w, 0);
	int64_t ts = BW_WREC_TS(r);
	int64_t *last = w->blen ? bucket(w, w->blen - 1u) : NULL;
	/* records fold in time order, so nearly always into the newest
	 * bucket: a record before its end has a start at or before the
	 * newest's (both multiples of width), with no division needed */
	if (!last || ts >= last[0] + w->width) {
		int64_t start = ts - (((ts % w->width) + w->width) % w->width);
		if (w->blen == w->bcap && bucket_grow(w, b))
			return -1;
		if (!w->blen)
			first_copy(w);
		last = bucket(w, w->blen);
		memset(last, 0, (size_t)w->stride * sizeof(int64_t));
		last[0] = start;
		w->blen++;
	}
	/* records are in order of time and folded oldest first, and a late
	 * event older than the newest bucket goes to the bucket of its time
	 * (late_to_bucket): a bucket holds only events of its own span */
	last[1] += (int64_t)BW_WREC_REPEAT(r);
	for (int i = 0; i < w->nsum; i++)
		last[2 + i] += (int64_t)r[2 + i];
	/* the running totals stay: the events are still in the window */
	w->head = w->head + 1 == w->cap ? 0 : (uint16_t)(w->head + 1);
	w->len--;
	return 0;
}

/* The ring is at its cap: move its records, in order, to a heap array
 * twice as big (never past max_records). @return 0, -1 when out of
 * memory. Out of line: most pushes find room. */
__attribute__((noinline))
static int rec_grow(struct bw_wring *w, uint32_t max_records,
		    struct bw_wbudget *b)
{
	/* grow by doubling, but never past max_records: a busy key holds
	 * exactly max_records records (the ring wraps by compare, not by
	 * mask) */
	uint32_t cap = w->cap ? w->cap * 2 : 2;
	/* within a quarter of max_records, go straight there: one malloc
	 * and copy fewer for every busy key (16 -> 20) */
	if (max_records > w->cap &&
	    (cap > max_records || (uint64_t)cap * 4 >= (uint64_t)max_records * 3))
		cap = max_records;
	uint64_t *n = malloc((size_t)cap * w->stride * sizeof(*n));
	if (!n)
		return -1;
	for (uint32_t i = 0; i < w->len; i++)
		memcpy(n + (size_t)i * w->stride, bw_wring_rec(w, i),
		       w->stride * sizeof(*n));
	/* inline records are the state's bytes, counted with it */
	uint32_t had = w->heap & BW_WRING_HEAP_REC ? w->cap : 0;
	if (b)
		b->bytes += (size_t)(cap - had) * w->stride * sizeof(*n);
	free(had ? w->rec : NULL);
	w->heap |= BW_WRING_HEAP_REC;
	w->rec = n;
	w->head = 0;
	w->cap = (uint16_t)cap;
	return 0;
}

/* A late event stamped before the newest bucket's start: into the
 * bucket of its time, made in its place when there is none, so it
 * leaves with the events of its time (buckets stay in order of start).
 * Out of line: only events logged long after their stamp come here.
 * @return 0, -1 when out of memory. */
__attribute__((noinline))
static int late_to_bucket(struct bw_wring *w, const struct bw_wrec *r,
			  uint64_t rep, struct bw_wbudget *b)
{
	int64_t start = r->ts - (((r->ts % w->width) + w->width) % w->width);
	uint32_t k = w->blen; /* the first bucket starting after start */
	while (k && bucket(w, k - 1u)[0] > start)
		k--;
	int64_t *bk;
	if (k && bucket(w, k - 1u)[0] == start) {
		bk = bucket(w, k - 1u);
	} else {
		if (w->blen == w->bcap && bucket_grow(w, b))
			return -1;
		for (uint32_t j = w->blen; j > k; j--)
			memcpy(bucket(w, j), bucket(w, j - 1u),
			       (size_t)w->stride * sizeof(int64_t));
		bk = bucket(w, k);
		memset(bk, 0, (size_t)w->stride * sizeof(int64_t));
		bk[0] = start;
		w->blen++;
	}
	bk[1] += (int64_t)rep;
	for (int i = 0; i < w->nsum; i++)
		bk[2 + i] += r->sum[i];
	return 0;
}

/* rec_late's answer when the event went to a bucket. */
static uint64_t late_bucketed_word;
#define LATE_BUCKETED (&late_bucketed_word)

/* A late event: before the newest bucket's start into the bucket of its
 * time, else a slot made for it among the exact records (room is
 * there). Out of line: in-order events append. @return the slot,
 * LATE_BUCKETED, NULL when out of memory. */
__attribute__((noinline))
static uint64_t *rec_late(struct bw_wring *w, const struct bw_wrec *r,
			  uint64_t rep, struct bw_wbudget *b)
{
	if (w->blen && r->ts < bucket(w, w->blen - 1u)[0])
		return late_to_bucket(w, r, rep, b) ? NULL : LATE_BUCKETED;
	uint32_t pos = w->len;
	while (pos && bw_wring_rec_ts(w, pos - 1u) > r->ts)
		pos--;
	for (uint32_t i = w->len; i > pos; i--)
		memcpy(rec_slot(w, i), rec_slot(w, i - 1u),
		       (size_t)w->stride * sizeof(uint64_t));
	return rec_slot(w, pos);
}

int bw_wring_push(struct bw_wring *w, const struct bw_wrec *r,
		  uint32_t max_records, uint32_t max_distinct,
		  struct bw_wbudget *b)
{
	int flags = 0;
	if (max_records > UINT16_MAX)
		max_records = UINT16_MAX;
	if (w->len >= max_records && w->len) {
		if (rec_to_bucket(w, b))
			return -1;
		flags |= 1;
	}
	if (w->len == w->cap && rec_grow(w, max_records, b))
		return -1;
	for (int i = 0; i < w->ndist; i++) {
		if (!r->dh[i])
			continue;
		int rc = dset_touch(&w->dist[i], r->dh[i], r->ts, max_distinct, b);
		if (w->dist[i].cap)
			w->heap |= BW_WRING_HEAP_DIST;
		if (rc < 0)
			return -1;
		if (rc)
			flags |= 2;
	}
	if (r->ts < w->oldest)
		w->oldest = r->ts;
	/* repeat above 0xffff is counted as 0xffff: a syslog line does
	 * not stand for more identical events than that */
	uint64_t rep = r->repeat > 0xffff ? 0xffff : r->repeat;
	w->count += rep;
	for (int i = 0; i < w->nsum; i++)
		w->sum[i] += r->sum[i];
	/* Records are kept in order of time, so a late event (Apache logs
	 * a long download when it ends, stamped when it began) leaves the
	 * window at its own time, not behind the events logged before it:
	 * the newest record tells (records are newer than every bucket). */
	uint64_t *x;
	if (w->len ? bw_wring_rec_ts(w, w->len - 1u) > r->ts : w->blen != 0) {
		x = rec_late(w, r, rep, b);
		if (x == LATE_BUCKETED)
			return flags | 1;
		if (!x) {
			w->count -= rep;
			for (int i = 0; i < w->nsum; i++)
				w->sum[i] -= r->sum[i];
			return -1;
		}
	} else {
		x = rec_slot(w, w->len);
	}
	x[0] = ((uint64_t)r->ts & BW_WREC_TS_MASK) | rep << 48;
	x[1] = (uint64_t)(r->input_id & 0xffff) << 48 |
	       (r->line_no & BW_WREC_TS_MASK);
	for (int i = 0; i < w->nsum; i++)
		x[2 + i] = (uint64_t)r->sum[i];
	w->len++;
	return flags;
}

void bw_wring_expire(struct bw_wring *w, int64_t cutoff)
{
	if (w->oldest > cutoff)
		return; /* the common case: nothing to do, no record touched */
	/* a bucket leaves when all of its span is out */
	while (w->blen) {
		const int64_t *k = bucket(w, 0);
		if (k[0] + w->width - 1 > cutoff)
			break;
		w->count -= (uint64_t)k[1];
		for (int i = 0; i < w->nsum; i++)
			w->sum[i] -= k[2 + i];
		w->bhead = (uint16_t)((w->bhead + 1u) & (w->bcap - 1u));
		w->blen--;
	}
	if (!w->blen)
		while (w->len && bw_wring_rec_ts(w, 0) <= cutoff)
			rec_drop_front(w);
	int64_t o = INT64_MAX;
	for (int i = 0; i < w->ndist; i++) {
		int64_t d = dset_expire(&w->dist[i], cutoff);
		if (d < o)
			o = d;
	}
	if (w->blen && bucket(w, 0)[0] + w->width - 1 < o)
		o = bucket(w, 0)[0] + w->width - 1;
	if (w->len && bw_wring_rec_ts(w, 0) < o)
		o = bw_wring_rec_ts(w, 0);
	w->oldest = o;
}

void bw_wring_clear(struct bw_wring *w)
{
	w->head = w->len = 0;
	w->bhead = w->blen = 0;
	w->count = 0;
	w->oldest = INT64_MAX;
	memset(w->sum, 0, sizeof(w->sum));
	for (int i = 0; i < w->ndist; i++)
		dset_clear(&w->dist[i]);
}

void bw_wring_fini(struct bw_wring *w, struct bw_wbudget *b)
{
	if (w->heap & BW_WRING_HEAP_REC) {
		if (b)
			b->bytes -= (size_t)w->cap * w->stride * sizeof(uint64_t);
		free(w->rec);
	}
	if (w->heap & BW_WRING_HEAP_BK) {
		if (b)
			b->bytes -= (size_t)w->bcap * w->stride * sizeof(int64_t) +
				    FIRST_WORDS * sizeof(int64_t);
		free(first_block(w));
	}
	if (w->heap & BW_WRING_HEAP_DIST) {
		for (int i = 0; i < w->ndist; i++) {
			if (b)
				b->bytes -= dset_bytes(w->dist[i].cap);
			free(w->dist[i].e);
			w->dist[i].e = NULL;
			w->dist[i].cap = w->dist[i].n = 0;
		}
	}
	/* owns nothing now; the rest is left for the owner, which zeroes
	 * the state before its next setup (a key's lines stay unread) */
	w->rec = NULL;
	w->bk = NULL;
	w->head = w->len = w->cap = 0;
	w->bhead = w->blen = w->bcap = 0;
	w->heap = 0;
}
