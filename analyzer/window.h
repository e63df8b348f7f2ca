/*
 * window.h - rule state on event time: keyed tables and sliding windows.
 *
 * bw_wtable: a hash table (seeded SipHash, linear probing, backward-shift
 * delete) from a key (bytes) to a fixed-size state, with an LRU list ordered
 * by event time. Keys idle longer than keep_ms (event time) expire from the
 * LRU tail; when all tables together hold budget->max_keys keys, inserting
 * evicts this table's least recently seen key. Nothing here reads the wall
 * clock.
 *
 * bw_wring: the events of one key inside a sliding window (now - W, now]:
 * a ring of records (time, provenance, summed values, distinct-value
 * hashes) plus running count, sums and distinct sets with reference counts,
 * so each event costs O(1) amortized and no allocation once the ring and
 * sets have grown to the key's working size.
 */
#ifndef BW_WINDOW_H
#define BW_WINDOW_H

#include <stddef.h>
#include <stdint.h>

struct bw_wbudget {
	uint64_t nkeys;      /* keys live in all tables */
	uint64_t max_keys;   /* cap (> 0) */
	uint64_t peak;
	uint64_t evictions;  /* keys removed because of the cap */
	uint64_t expired;    /* keys removed on event time */
	uint64_t refused;    /* inserts refused: cap reached, table empty */
	uint64_t bytes;      /* approximate bytes of state (keys + rings) */
};

struct bw_wkey {
	struct bw_wkey *prev, *next;  /* LRU: head = most recently seen */
	uint64_t hash;
	int64_t last_ts;              /* ms, event time of the last touch */
	uint32_t keylen;
	uint32_t slot;                /* index in the table's slots */
	/* state (state_size bytes, 8-aligned) then the key bytes */
	_Alignas(8) unsigned char data[];
};

struct bw_wtable {
	struct bw_wkey **slots;
	uint32_t cap, n;
	struct bw_wkey *head, *tail;
	size_t state_size;            /* rounded up to 8 */
	uint64_t seed;
	int64_t keep_ms;              /* idle time after which a key expires */
	struct bw_wbudget *budget;
	void (*fini)(void *state, struct bw_wbudget *b); /* may be NULL */
};

void bw_wtable_init(struct bw_wtable *t, size_t state_size, uint64_t seed,
		    int64_t keep_ms, struct bw_wbudget *budget,
		    void (*fini)(void *state, struct bw_wbudget *b));
void bw_wtable_fini(struct bw_wtable *t);

static inline void *bw_wkey_state(struct bw_wkey *k) { return k->data; }

/* Find or create the key, mark it seen at now (LRU head). A created state
 * is zeroed and *created set. @return the key, NULL when out of memory or
 * refused by the cap. */
struct bw_wkey *bw_wtable_get(struct bw_wtable *t, const void *key,
			      uint32_t keylen, int64_t now, int *created);
/* Find without touching. @return the key or NULL. */
struct bw_wkey *bw_wtable_find(const struct bw_wtable *t, const void *key,
			       uint32_t keylen);
/* Remove keys idle since before now - keep_ms. @return how many. */
uint64_t bw_wtable_expire(struct bw_wtable *t, int64_t now);
/* Remove one key. */
void bw_wtable_del(struct bw_wtable *t, struct bw_wkey *k);

/* ----------------------------------------------------------- windows */

/* Distinct value hashes with reference counts. */
struct bw_dset {
	uint64_t *h;     /* 0 = empty slot */
	uint32_t *c;
	uint32_t cap, n;
};

#define BW_WRING_MAX_AGG 4

struct bw_wrec {
	int64_t ts;      /* ms */
	uint32_t input_id;
	uint32_t repeat;
	uint64_t line_no;
	int64_t sum[BW_WRING_MAX_AGG];
	uint64_t dh[BW_WRING_MAX_AGG];
};

struct bw_wring {
	struct bw_wrec *rec;
	uint32_t head, len, cap;
	uint64_t count;                   /* sum of repeat in the window */
	int64_t sum[BW_WRING_MAX_AGG];
	struct bw_dset dist[BW_WRING_MAX_AGG];
};

/* Add an event. nsum / ndist say how many sum / dh values are used.
 * When the ring holds max_events records the oldest is dropped first.
 * @return number of records dropped (0 or 1), -1 when out of memory. */
int bw_wring_push(struct bw_wring *w, const struct bw_wrec *r, int nsum,
		  int ndist, uint32_t max_events, struct bw_wbudget *b);
/* Drop records with ts <= cutoff from the front (the window is
 * (now - W, now], so cutoff = now - W). */
void bw_wring_expire(struct bw_wring *w, int64_t cutoff, int nsum, int ndist);
/* Forget everything (after an alert: the window starts over). */
void bw_wring_clear(struct bw_wring *w, int ndist);
void bw_wring_fini(struct bw_wring *w, struct bw_wbudget *b);
static inline const struct bw_wrec *bw_wring_at(const struct bw_wring *w,
						uint32_t i)
{
	return &w->rec[(w->head + i) & (w->cap - 1)];
}

#endif /* BW_WINDOW_H */
