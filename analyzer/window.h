/*
 * window.h - rule state on event time: keyed tables and sliding windows.
 *
 * bw_wtable: a hash table (seeded SipHash, linear probing, backward-shift
 * delete) from a key (bytes) to fixed-size states, one per lane, each lane
 * with an LRU list ordered by event time. A lane's keys idle longer than
 * its keep_ms (event time) expire from its LRU tail; when all tables
 * together hold budget->max_keys lanes of keys, inserting evicts the
 * lane's least recently seen key. Nothing here reads the wall clock.
 *
 * bw_wring: the events of one key inside a sliding window (now - W, now]:
 * a ring of exact records (time, provenance, summed values) in order of
 * time, time buckets for what overflows it, running count and sums, and
 * distinct sets keyed by last-seen time. An event costs O(1) amortized,
 * plus O(log n) in a distinct set of more than 16 values and a shift of
 * at most the 20 exact records for a late one (logged after newer ones,
 * it takes its place by time); nothing is allocated once the ring and
 * sets have grown to the key's working size.
 */
#ifndef BW_WINDOW_H
#define BW_WINDOW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct bw_wbudget {
	uint64_t nkeys;      /* keys live in all tables */
	uint64_t max_keys;   /* cap (> 0) */
	uint64_t peak;
	uint64_t evictions;  /* keys removed because of the cap */
	uint64_t expired;    /* keys removed on event time */
	uint64_t refused;    /* inserts refused: cap reached, table empty */
	uint64_t bytes;      /* approximate bytes of state (keys + rings) */
};

/* Lanes: rules grouped by the same fields share one table, each rule a
 * lane. A key holds per lane an LRU link and a state; each lane has its
 * own LRU list, idle time and eviction, so a lane behaves exactly like a
 * table of its own (the budget counts live lanes, not keys), while the
 * rules of one event cost one hash probe and one key line between them.
 * The key leaves the table when its last lane does. Lane 0's state lies
 * inside the key; each live further lane's state is a block of its own
 * that the key points to, so a lane that has expired while another lives
 * on (an hourly window beside a daily one) costs no more than its
 * pointer. Make lane 0 the one that lives longest. */
#define BW_WTABLE_MAX_LANES 8

struct bw_wlink {
	struct bw_wkey *prev, *next;  /* LRU: head = most recently seen */
	int64_t last_ts;              /* ms, event time of the last touch */
};

struct bw_wkey {
	struct bw_wlink l0;           /* lane 0's link */
	uint32_t keylen;
	uint32_t slot;                /* index in the table's slots */
	uint32_t live;                /* bit i: lane i holds state */
	uint32_t soff;                /* bytes from the key to lane 0's state */
	/* the links of lanes 1.., their state pointers (struct
	 * bw_wtable.koff bytes in all), the key bytes (padded to 8), then
	 * lane 0's state:
	 *
	 *   | header | links 1.. | pointers 1.. | key | lane 0's state |
	 *
	 * Everything a probe and a lane switch read sits in the first bytes:
	 * the rules of one event touch the same keys in the same order, so
	 * the links of their lanes share the lines one relink has loaded,
	 * and a probe that finds the slot reads the key on the line it
	 * loaded for keylen. */
	_Alignas(8) unsigned char data[];
};

/* A slot keeps the key's hash beside the pointer: probing compares
 * hashes in the slot array and dereferences only the key that matches
 * (on big tables each dereference is a cache miss). */
struct bw_wslot {
	uint64_t hash;
	struct bw_wkey *k;            /* NULL = empty */
};

struct bw_wlane {
	struct bw_wkey *head, *tail;
	int64_t keep_ms;              /* idle time after which it expires */
	size_t size;                  /* state bytes, rounded up to 8 */
	void (*fini)(void *state, struct bw_wbudget *b); /* may be NULL */
	void *spare;                  /* freed states kept for reuse, linked
	                                 through their first word */
	uint32_t nspare;
};

struct bw_wtable {
	struct bw_wslot *slots;
	uint32_t cap, n;              /* slots, keys */
	uint32_t nlane;
	struct bw_wlane lane[BW_WTABLE_MAX_LANES];
	size_t state_size;            /* lane 0's state */
	uint32_t poff;                /* bytes of data[] before the state
	                                 pointers of lanes 1.. */
	uint32_t koff;                /* bytes of data[] before the key */
	uint64_t seed;
	struct bw_wbudget *budget;
	/* The key touched last: the next rule of the same event, or the
	 * next event of the same source, finds it without hashing. */
	struct bw_wkey *last;
	/* Deleted keys kept for reuse (linked by l0.next), all of one key
	 * length: a key evicted or expired makes room for the next new one
	 * without a free() and malloc() per event. */
	struct bw_wkey *spare;
	uint32_t nspare, spare_keylen;
};

/* A table with one lane (lane 0). */
void bw_wtable_init(struct bw_wtable *t, size_t state_size, uint64_t seed,
		    int64_t keep_ms, struct bw_wbudget *budget,
		    void (*fini)(void *state, struct bw_wbudget *b));
/* Add a lane, before any key exists. @return its index, -1 when the
 * table has BW_WTABLE_MAX_LANES or keys already. */
int bw_wtable_add_lane(struct bw_wtable *t, size_t state_size,
		       int64_t keep_ms,
		       void (*fini)(void *state, struct bw_wbudget *b));
void bw_wtable_fini(struct bw_wtable *t);

/* Lane 0's state. */
static inline void *bw_wkey_state(struct bw_wkey *k)
{
	return (unsigned char *)k + k->soff;
}
static inline void *bw_wkey_lane_state(const struct bw_wtable *t,
				       struct bw_wkey *k, uint32_t lane)
{
	if (!lane)
		return (unsigned char *)k + k->soff;
	void *p;
	memcpy(&p, k->data + t->poff + (lane - 1) * sizeof(void *), sizeof(p));
	return p;
}

/* Find or create the key's lane, mark it seen at now (the lane's LRU
 * head). A created lane state is zeroed and *created set. @return the
 * key, NULL when out of memory or refused by the cap. */
struct bw_wkey *bw_wtable_get_lane(struct bw_wtable *t, uint32_t lane,
				   const void *key, uint32_t keylen,
				   int64_t now, int *created);
/* Start loading the slot of a key whose hash under t->seed the caller
 * has (tables sharing one seed share the hash of a key). */
static inline void bw_wtable_prefetch_slot(const struct bw_wtable *t,
					   uint64_t hash)
{
	if (t->cap)
		__builtin_prefetch(&t->slots[(uint32_t)hash & (t->cap - 1)]);
}
/* bw_wtable_get_lane with the key's hash under t->seed. */
struct bw_wkey *bw_wtable_get_lane_hashed(struct bw_wtable *t, uint32_t l,
					  const void *key, uint32_t keylen,
					  uint64_t hash, int64_t now,
					  int *created);
static inline struct bw_wkey *bw_wtable_get(struct bw_wtable *t,
					    const void *key, uint32_t keylen,
					    int64_t now, int *created)
{
	return bw_wtable_get_lane(t, 0, key, keylen, now, created);
}
/* Find the key when it holds the lane, without touching. @return the
 * key or NULL. */
struct bw_wkey *bw_wtable_find_lane(const struct bw_wtable *t, uint32_t lane,
				    const void *key, uint32_t keylen);
/* bw_wtable_find_lane with the key's hash under t->seed. */
struct bw_wkey *bw_wtable_find_lane_hashed(const struct bw_wtable *t,
					   uint32_t lane, const void *key,
					   uint32_t keylen, uint64_t hash);
static inline struct bw_wkey *bw_wtable_find(const struct bw_wtable *t,
					     const void *key, uint32_t keylen)
{
	return bw_wtable_find_lane(t, 0, key, keylen);
}
/* Remove the lane's keys idle since before now - keep_ms. @return how
 * many. */
uint64_t bw_wtable_expire_lane(struct bw_wtable *t, uint32_t lane,
			       int64_t now);
static inline uint64_t bw_wtable_expire(struct bw_wtable *t, int64_t now)
{
	return bw_wtable_expire_lane(t, 0, now);
}
/* Remove one key, all its lanes. */
void bw_wtable_del(struct bw_wtable *t, struct bw_wkey *k);

/* ----------------------------------------------------------- windows */

#define BW_WRING_MAX_AGG 4

/* Distinct values of one field in a window: value hash -> last time
 * seen, kept in order of that time (a value first seen late takes its
 * place by time, not at the newest end; equal times in the order seen),
 * so each value leaves the set when its last sighting leaves the window.
 * At most `maxn` values are kept: the least recently seen goes
 * (counted), which may be the value just seen late.
 *
 * Most sets hold a handful of values (the accounts one address tried
 * in a window): up to BW_DSET_SMALL values are a plain array of
 * struct bw_dval, oldest first, on one or two cache lines. A set that
 * outgrows it becomes a hash table of struct bw_dent beside a binary
 * min-heap of struct bw_dheap on (last, seq), in one block: a touch, an
 * insert, an eviction or an expiry costs O(log n) whatever the order
 * events come in. cap tells which: <= BW_DSET_SMALL is the array. */
#define BW_DSET_SMALL 16u

struct bw_dval {
	uint64_t h;          /* value hash, never 0 */
	int64_t last;        /* ms */
};

struct bw_dent {
	uint64_t h;          /* 0 = empty slot */
	uint32_t hpos;       /* its place in the heap */
};

struct bw_dheap {
	int64_t last;        /* ms */
	uint32_t seq;        /* order seen, for equal times (wraps) */
	uint32_t slot;       /* its entry in the table */
};

struct bw_dset {
	void *e;             /* struct bw_dval[cap], or struct bw_dent[cap]
	                        then struct bw_dheap[cap / 2] */
	uint32_t cap, n;     /* entries, values */
	uint32_t seq;        /* next touch's number (the heap) */
};

/* A key's sliding window (now - W, now]. The newest max_records events
 * are kept exactly (time, provenance, values); older ones in the window
 * are folded into time buckets W/256 wide, which expire when their whole
 * span is out, so a key with more events than max_records may count up
 * to one bucket width of events too many - never too few.
 *
 * The first fold of a run of buckets also copies the time and provenance
 * of the BW_WRING_FIRST oldest records (the first events of the window)
 * in front of the buckets, so evidence can name the events that started
 * a burst after they have been folded (bw_wring_evidence).
 *
 * Sized for the many keys of a busy table: indices are 16 bits (at most
 * 65535 records; a window holds at most 258 buckets), records and
 * buckets carry only the rule's sums. */
struct bw_wring {
	uint64_t *rec;       /* records of `stride` words (16 bytes + 8 per
	                        sum): repeat<<48 | ts (48-bit ms),
	                        input<<48 | line (48 bits), sums... Points
	                        past the distinct sets (bw_wring_inline) while
	                        the records fit there, else to the heap */
	int64_t *bk;         /* buckets of stride words, a ring of bcap (a
	                        power of two): start (ms, a multiple of
	                        width), count, sums... */
	uint16_t head, len, cap;
	uint16_t bhead, blen, bcap;
	uint8_t stride, nsum, ndist;
	uint8_t heap;        /* BW_WRING_HEAP_*: what fini must free, on the
	                        first line, so dropping a cold key that owns
	                        nothing reads no more of it */
	int64_t width;       /* bucket width, ms */
	uint64_t count;      /* events in the window (sum of repeat) */
	int64_t oldest;      /* ms: nothing expires before the cutoff reaches
	                        this, so expiry stops without touching records */
	int64_t sum[BW_WRING_MAX_AGG];
	struct bw_dset dist[BW_WRING_MAX_AGG];
};

#define BW_WRING_FIRST 20      /* first records kept once a key folds */

#define BW_WRING_HEAP_REC 1u   /* rec is malloc'd */
#define BW_WRING_HEAP_BK 2u    /* bk is malloc'd */
#define BW_WRING_HEAP_DIST 4u  /* a distinct set has entries allocated */

struct bw_wrec {
	int64_t ts;          /* ms */
	uint32_t input_id;
	uint32_t repeat;
	uint64_t line_no;
	int64_t sum[BW_WRING_MAX_AGG];
	uint64_t dh[BW_WRING_MAX_AGG]; /* distinct value hashes, 0 = absent */
};

/* Bytes of a bw_wring with only ndist distinct sets: the sets are the
 * last member, so a state embedding the ring last may be sized this way. */
#define bw_wring_size(ndist) \
	(offsetof(struct bw_wring, dist) + (size_t)(ndist) * sizeof(struct bw_dset))

/* Where a ring's inline records start: right after its distinct sets.
 *
 *   | bw_wring (ndist sets) | inline records ... | (one state block)
 *
 * Most keys see a handful of events in a window: their records live
 * on the state's own lines, with no malloc, free or pointer to chase;
 * a busier key moves them to the heap once and keeps them there. */
static inline uint64_t *bw_wring_inline(struct bw_wring *w)
{
	return (uint64_t *)((unsigned char *)w + bw_wring_size(w->ndist));
}

/* Prepare a zeroed ring for nsum sums and ndist distinct fields over a
 * window of window_ms, with inline_bytes after its distinct sets (a
 * multiple of 8, 0 for none) for its first records. */
void bw_wring_setup(struct bw_wring *w, int nsum, int ndist, int64_t window_ms,
		    size_t inline_bytes);
/* Add an event (max_records at most 65535) at its place by time: among
 * the exact records, or, stamped before the newest bucket's start, into
 * the bucket of its time. @return bit 1 when an old record was folded
 * into a bucket (or the event went to one), bit 2 when a distinct value
 * was dropped at max_distinct, -1 when out of memory. */
int bw_wring_push(struct bw_wring *w, const struct bw_wrec *r,
		  uint32_t max_records, uint32_t max_distinct,
		  struct bw_wbudget *b);
/* Forget events with ts <= cutoff (cutoff = now - W). */
void bw_wring_expire(struct bw_wring *w, int64_t cutoff);
/* Forget everything (after an alert the window starts over). */
void bw_wring_clear(struct bw_wring *w);
/* A distinct set's values, least recently seen first (equal times in
 * the order seen), into out. @return how many, at most max; 0 when out
 * of memory as well as for an empty set. */
uint32_t bw_dset_values(const struct bw_dset *d, struct bw_dval *out,
			uint32_t max);
/* Free what the ring allocated; it then owns nothing and holds no
 * records, and needs zeroing and bw_wring_setup before reuse. */
void bw_wring_fini(struct bw_wring *w, struct bw_wbudget *b);
#define BW_WREC_TS_MASK ((1ull << 48) - 1)
/* ts is 48 bits, two's complement: sign-extend */
#define BW_WREC_TS(r) ((int64_t)((r)[0] << 16) >> 16)
#define BW_WREC_REPEAT(r) ((uint32_t)((r)[0] >> 48))
#define BW_WREC_INPUT(r) ((uint32_t)((r)[1] >> 48))
#define BW_WREC_LINE(r) ((r)[1] & BW_WREC_TS_MASK)

/* Record i (0 = oldest exact record): time and provenance. */
static inline const uint64_t *bw_wring_rec(const struct bw_wring *w, uint32_t i)
{
	uint32_t slot = w->head + i;
	if (slot >= w->cap)
		slot -= w->cap;
	return w->rec + (size_t)slot * w->stride;
}
static inline int64_t bw_wring_rec_ts(const struct bw_wring *w, uint32_t i)
{
	return BW_WREC_TS(bw_wring_rec(w, i));
}
static inline uint64_t bw_wring_rec_line(const struct bw_wring *w, uint32_t i)
{
	return BW_WREC_LINE(bw_wring_rec(w, i));
}
/* The later of ts and the newest exact record's time: where a window
 * that takes an event at ts ends (records are newer than every bucket). */
static inline int64_t bw_wring_end(const struct bw_wring *w, int64_t ts)
{
	if (w->len && bw_wring_rec_ts(w, w->len - 1u) > ts)
		return bw_wring_rec_ts(w, w->len - 1u);
	return ts;
}
/* Start loading what the next push will read: the oldest record (folded
 * when the ring is full) and the newest bucket. */
static inline void bw_wring_prefetch(const struct bw_wring *w)
{
	if (w->len)
		__builtin_prefetch(bw_wring_rec(w, 0));
	if (w->blen)
		__builtin_prefetch(w->bk + (size_t)((w->bhead + w->blen - 1u) &
						    (w->bcap - 1u)) * w->stride);
}
/* Events in buckets (older than every exact record). */
uint64_t bw_wring_bucketed(const struct bw_wring *w);
/* The window's first events, oldest first, as far as the ring still
 * knows them, all inside (ts > cutoff): while events are folded, the
 * first records copied at the first fold merged by time with the exact
 * records that are not among them; else the exact records. Each out[i]
 * points to a record's time and provenance words (BW_WREC_TS/INPUT/LINE),
 * valid until the ring changes. @return how many, at most max. */
uint32_t bw_wring_evidence(const struct bw_wring *w, int64_t cutoff,
			   const uint64_t **out, uint32_t max);

#endif /* BW_WINDOW_H */
