/*
 * test_window.c - keyed state tables (seeded hash, LRU on event time,
 * cap and eviction, expiry, delete keeps probe chains) and sliding
 * windows (exact edges, running count/sum/distinct, per-key cap).
 */
#include "bw_test.h"
#include "window.h"
#include "rule.h" /* bw_hash64 */

#include <stdio.h>
#include <string.h>

struct st {
	int64_t v;
};

static void test_table_basic(void)
{
	struct bw_wbudget b = { .max_keys = 1000 };
	struct bw_wtable t;
	bw_wtable_init(&t, sizeof(struct st), 99, 60000, &b, NULL);
	int created;
	char key[32];
	for (int i = 0; i < 500; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		struct bw_wkey *k = bw_wtable_get(&t, key, (uint32_t)n, i, &created);
		CHECK(k && created);
		((struct st *)bw_wkey_state(k))->v = i;
	}
	CHECK_EQ_INT(t.n, 500);
	CHECK_EQ_INT(b.nkeys, 500);
	/* delete every third key: the rest must still be found */
	for (int i = 0; i < 500; i += 3) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		struct bw_wkey *k = bw_wtable_find(&t, key, (uint32_t)n);
		CHECK(k != NULL);
		if (k)
			bw_wtable_del(&t, k);
	}
	for (int i = 0; i < 500; i++) {
		int n = snprintf(key, sizeof(key), "k%d", i);
		struct bw_wkey *k = bw_wtable_find(&t, key, (uint32_t)n);
		if (i % 3 == 0) {
			CHECK(k == NULL);
		} else {
			CHECK(k != NULL);
			if (k)
				CHECK_EQ_INT(((struct st *)bw_wkey_state(k))->v, i);
		}
	}
	/* get on an existing key does not create */
	struct bw_wkey *k = bw_wtable_get(&t, "k1", 2, 600, &created);
	CHECK(k && !created);
	bw_wtable_fini(&t);
	CHECK_EQ_INT(b.nkeys, 0);
}

static void test_table_cap_lru(void)
{
	struct bw_wbudget b = { .max_keys = 3 };
	struct bw_wtable t;
	bw_wtable_init(&t, sizeof(struct st), 1, 0, &b, NULL);
	int c;
	bw_wtable_get(&t, "a", 1, 1, &c);
	bw_wtable_get(&t, "b", 1, 2, &c);
	bw_wtable_get(&t, "c", 1, 3, &c);
	bw_wtable_get(&t, "a", 1, 4, &c); /* a is fresh again */
	bw_wtable_get(&t, "d", 1, 5, &c); /* evicts b, the least recent */
	CHECK_EQ_INT(b.evictions, 1);
	CHECK(bw_wtable_find(&t, "b", 1) == NULL);
	CHECK(bw_wtable_find(&t, "a", 1) != NULL);
	CHECK(bw_wtable_find(&t, "c", 1) != NULL);
	CHECK(bw_wtable_find(&t, "d", 1) != NULL);
	CHECK_EQ_INT(b.nkeys, 3);
	CHECK_EQ_INT(b.peak, 3);
	/* a second table sharing the budget, empty: refused, not stolen */
	struct bw_wtable t2;
	bw_wtable_init(&t2, sizeof(struct st), 2, 0, &b, NULL);
	CHECK(bw_wtable_get(&t2, "x", 1, 6, &c) == NULL);
	CHECK_EQ_INT(b.refused, 1);
	bw_wtable_fini(&t2);
	bw_wtable_fini(&t);
}

static void test_table_expiry(void)
{
	struct bw_wbudget b = { .max_keys = 100 };
	struct bw_wtable t;
	bw_wtable_init(&t, sizeof(struct st), 1, 1000, &b, NULL);
	int c;
	bw_wtable_get(&t, "a", 1, 0, &c);
	bw_wtable_get(&t, "b", 1, 500, &c);
	bw_wtable_get(&t, "c", 1, 900, &c);
	CHECK_EQ_INT(bw_wtable_expire(&t, 1000), 0);  /* a idle exactly 1000 */
	CHECK_EQ_INT(bw_wtable_expire(&t, 1001), 1);  /* a out */
	CHECK_EQ_INT(bw_wtable_expire(&t, 1901), 2);  /* b, c out */
	CHECK_EQ_INT(b.expired, 3);
	CHECK_EQ_INT(t.n, 0);
	bw_wtable_fini(&t);
}

static void push(struct bw_wring *w, int64_t ts, int64_t sum, uint64_t dh,
		 uint32_t max)
{
	struct bw_wrec r;
	memset(&r, 0, sizeof(r));
	r.ts = ts;
	r.repeat = 1;
	r.sum[0] = sum;
	r.dh[0] = dh;
	bw_wring_push(w, &r, max, 1000, NULL);
}

static void test_ring_window(void)
{
	struct bw_wring w;
	memset(&w, 0, sizeof(w));
	bw_wring_setup(&w, 1, 1, 500, 0);
	for (int i = 0; i < 10; i++)
		push(&w, i * 100, 10, (uint64_t)(i % 3) + 1, 1000);
	CHECK_EQ_INT(w.count, 10);
	CHECK_EQ_INT(w.sum[0], 100);
	CHECK_EQ_INT(w.dist[0].n, 3);
	/* window (now - W, now] with now = 900, W = 500: cutoff 400 keeps
	 * 500..900 */
	bw_wring_expire(&w, 400);
	CHECK_EQ_INT(w.count, 5);
	CHECK_EQ_INT(w.sum[0], 50);
	CHECK_EQ_INT(bw_wring_rec_ts(&w, 0), 500);
	CHECK_EQ_INT(w.dist[0].n, 3);
	bw_wring_expire(&w, 800); /* keeps 900 only: value 9%3+1 = 1 */
	CHECK_EQ_INT(w.count, 1);
	CHECK_EQ_INT(w.dist[0].n, 1);
	bw_wring_clear(&w);
	CHECK_EQ_INT(w.count, 0);
	CHECK_EQ_INT(w.dist[0].n, 0);
	push(&w, 1000, 1, 5, 1000);
	CHECK_EQ_INT(w.dist[0].n, 1);
	bw_wring_fini(&w, NULL);
}

/* Past max_records, old records fold into W/256 buckets: totals stay
 * exact while events are in the window; a bucket leaves once all of its
 * span is out (never early). */
static void test_ring_buckets(void)
{
	struct bw_wring w;
	memset(&w, 0, sizeof(w));
	bw_wring_setup(&w, 1, 1, 256000, 0); /* buckets of 1000 ms */
	int folded = 0;
	for (int i = 0; i < 100; i++) {
		struct bw_wrec r;
		memset(&r, 0, sizeof(r));
		r.ts = i * 100;
		r.repeat = 1;
		r.sum[0] = 2;
		r.dh[0] = (uint64_t)i + 1;
		r.line_no = (uint64_t)i + 1;
		folded += bw_wring_push(&w, &r, 16, 1000, NULL) & 1;
	}
	CHECK_EQ_INT(folded, 84);
	CHECK_EQ_INT(w.len, 16);
	CHECK_EQ_INT(w.count, 100);
	CHECK_EQ_INT(w.sum[0], 200);
	CHECK_EQ_INT(w.dist[0].n, 100);
	CHECK_EQ_INT(bw_wring_bucketed(&w), 84);
	CHECK_EQ_INT(bw_wring_rec_line(&w, 0), 85);
	/* cutoff 950: events 0..900 are out, but bucket [0, 1000) holds them
	 * and is only partly out: kept */
	bw_wring_expire(&w, 950);
	CHECK_EQ_INT(w.count, 100);
	CHECK_EQ_INT(w.dist[0].n, 90);
	bw_wring_expire(&w, 999); /* the whole first bucket is out */
	CHECK_EQ_INT(w.count, 90);
	CHECK_EQ_INT(w.sum[0], 180);
	bw_wring_expire(&w, 1000000);
	CHECK_EQ_INT(w.count, 0);
	CHECK_EQ_INT(w.sum[0], 0);
	CHECK_EQ_INT(w.dist[0].n, 0);
	CHECK_EQ_INT(w.len, 0);
	bw_wring_fini(&w, NULL);
}

/* Push n records of line first_line.., ts 100 ms apart from ts0. */
static void push_lines(struct bw_wring *w, uint64_t first_line, int n,
		       int64_t ts0, uint32_t max_records)
{
	for (int i = 0; i < n; i++) {
		struct bw_wrec r;
		memset(&r, 0, sizeof(r));
		r.ts = ts0 + i * 100;
		r.repeat = 1;
		r.input_id = 3;
		r.line_no = first_line + (uint64_t)i;
		bw_wring_push(w, &r, max_records, 1000, NULL);
	}
}

/* The lines bw_wring_evidence gives, as "1 2 3". */
static const char *evidence_lines(const struct bw_wring *w, int64_t cutoff,
				  uint32_t max)
{
	static char buf[512];
	const uint64_t *r[64];
	uint32_t n = bw_wring_evidence(w, cutoff, r, max);
	size_t o = 0;
	buf[0] = 0;
	for (uint32_t i = 0; i < n && o < sizeof(buf) - 24; i++) {
		CHECK_EQ_INT(BW_WREC_INPUT(r[i]), 3);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%llu",
				      i ? " " : "",
				      (unsigned long long)BW_WREC_LINE(r[i]));
	}
	return buf;
}

/* Evidence is the window's first events: the records copied at the first
 * fold that are still inside, then the exact records not among them. */
static void test_ring_evidence(void)
{
	struct bw_wring w;
	memset(&w, 0, sizeof(w));
	bw_wring_setup(&w, 0, 0, 256000, 0); /* buckets of 1000 ms */
	push_lines(&w, 1, 4, 0, 4);
	CHECK_EQ_STR(evidence_lines(&w, -1, 20), "1 2 3 4"); /* no fold */
	push_lines(&w, 5, 2, 400, 4); /* lines 1 and 2 folded */
	CHECK_EQ_INT(w.len, 4);
	CHECK_EQ_STR(evidence_lines(&w, -1, 20), "1 2 3 4 5 6");
	CHECK_EQ_STR(evidence_lines(&w, 150, 20), "3 4 5 6"); /* ts 0, 100 out */
	CHECK_EQ_STR(evidence_lines(&w, -1, 3), "1 2 3");
	push_lines(&w, 7, 24, 600, 4); /* every copy folded: no overlap */
	CHECK_EQ_STR(evidence_lines(&w, -1, 20), "1 2 3 4 27 28 29 30");
	/* after an alert the window starts over: the exact records again */
	bw_wring_clear(&w);
	push_lines(&w, 31, 2, 5000, 4);
	CHECK_EQ_STR(evidence_lines(&w, -1, 20), "31 32");
	/* the buckets expire, then a new burst folds: new copies */
	push_lines(&w, 33, 3, 5200, 4);
	CHECK_EQ_STR(evidence_lines(&w, -1, 20), "31 32 33 34 35");
	bw_wring_expire(&w, 100000);
	CHECK_EQ_INT(w.count, 0);
	push_lines(&w, 40, 6, 200000, 4);
	CHECK_EQ_STR(evidence_lines(&w, 100000, 20), "40 41 42 43 44 45");
	bw_wring_fini(&w, NULL);

	/* more exact records than copies: 20 copied, the rest from the ring */
	memset(&w, 0, sizeof(w));
	bw_wring_setup(&w, 0, 0, 256000, 0);
	push_lines(&w, 1, 35, 0, 30);
	CHECK_EQ_STR(evidence_lines(&w, -1, 64),
		     "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 "
		     "21 22 23 24 25 26 27 28 29 30 31 32 33 34 35");
	CHECK_EQ_STR(evidence_lines(&w, -1, 20),
		     "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20");
	bw_wring_fini(&w, NULL);
}

/* A distinct set keeps at most its cap, dropping the least recently seen. */
static void test_distinct_cap(void)
{
	struct bw_wring w;
	memset(&w, 0, sizeof(w));
	bw_wring_setup(&w, 0, 1, 100000, 0);
	int dropped = 0;
	for (int i = 0; i < 50; i++) {
		struct bw_wrec r;
		memset(&r, 0, sizeof(r));
		r.ts = i;
		r.repeat = 1;
		r.dh[0] = (uint64_t)(i % 25) + 1;
		dropped += (bw_wring_push(&w, &r, 1000, 10, NULL) & 2) != 0;
	}
	CHECK_EQ_INT(w.dist[0].n, 10);
	CHECK_EQ_INT(dropped, 40);
	CHECK_EQ_INT(w.count, 50);
	bw_wring_fini(&w, NULL);
}

/* A late record placed among the records copied at the first fold is
 * listed in its place by time; records outside the window are not. */
static void test_ring_evidence_late(void)
{
	struct bw_wring w;
	memset(&w, 0, sizeof(w));
	struct bw_wbudget b = { .max_keys = 1 };
	bw_wring_setup(&w, 0, 0, 256000, 0); /* buckets of 1000 ms */
	struct bw_wrec r;
	memset(&r, 0, sizeof(r));
	r.repeat = 1;
	for (int i = 0; i <= 20; i++) {
		r.ts = 1000 + 100 * i;
		r.line_no = (uint64_t)i + 1;
		bw_wring_push(&w, &r, 20, 0, &b);
	}
	r.ts = 1550;
	r.line_no = 99;
	bw_wring_push(&w, &r, 20, 0, &b);
	const uint64_t *ev[20];
	uint32_t k = bw_wring_evidence(&w, 1450, ev, 20);
	/* lines 6..21 stamped after 1450, and 99 after line 6 */
	CHECK_EQ_INT(k, 17);
	uint64_t want[17] = { 6, 99 };
	for (int i = 2; i < 17; i++)
		want[i] = (uint64_t)i + 5;
	for (uint32_t i = 0; i < k && i < 17; i++)
		CHECK_EQ_INT(BW_WREC_LINE(ev[i]), want[i]);
	bw_wring_fini(&w, &b);
}

/* A distinct set against a model of what it promises: each value with
 * the last time it was seen (an older sighting changes nothing), kept in
 * order of that time (equal times in the order seen); a value leaves
 * when that time is at or before the cutoff, and at the cap the least
 * recently seen goes. Random touches, out-of-order times (a value first
 * seen late leaves with its time, not behind the values seen before
 * it), expiries and clears; caps on both sides of where a set changes
 * its layout, and sets growing past it. */
struct dmodel {
	uint64_t h[200];
	int64_t last[200];
	uint32_t n;
};

static void dmodel_del(struct dmodel *m, uint32_t i)
{
	memmove(m->h + i, m->h + i + 1, (m->n - i - 1) * sizeof(m->h[0]));
	memmove(m->last + i, m->last + i + 1,
		(m->n - i - 1) * sizeof(m->last[0]));
	m->n--;
}

/* Put h at its place by time: after every value seen at or before ts. */
static void dmodel_put(struct dmodel *m, uint64_t h, int64_t ts)
{
	uint32_t i = m->n;
	while (i && m->last[i - 1] > ts)
		i--;
	memmove(m->h + i + 1, m->h + i, (m->n - i) * sizeof(m->h[0]));
	memmove(m->last + i + 1, m->last + i, (m->n - i) * sizeof(m->last[0]));
	m->h[i] = h;
	m->last[i] = ts;
	m->n++;
}

/* @return 1 when a value was evicted at the cap */
static int dmodel_touch(struct dmodel *m, uint64_t h, int64_t ts,
			uint32_t maxn)
{
	for (uint32_t i = 0; i < m->n; i++) {
		if (m->h[i] != h)
			continue;
		if (ts >= m->last[i]) {
			dmodel_del(m, i);
			dmodel_put(m, h, ts);
		}
		return 0;
	}
	/* the least recently seen may be h itself */
	dmodel_put(m, h, ts);
	if (m->n > maxn) {
		dmodel_del(m, 0);
		return 1;
	}
	return 0;
}

/* Whether set d holds the model's values, in its order. */
static int dset_is(const struct bw_dset *d, const struct dmodel *m)
{
	struct bw_dval v[200];
	uint32_t n = bw_dset_values(d, v, 200);
	if (n != m->n)
		return 0;
	for (uint32_t i = 0; i < n; i++)
		if (v[i].h != m->h[i] || v[i].last != m->last[i])
			return 0;
	return 1;
}

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_distinct_model(void)
{
	static const uint32_t caps[] = { 1, 3, 15, 16, 17, 40, 150 };
	static const uint32_t domains[] = { 4, 20, 60, 400 };
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int bad = 0;
	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++)
	for (size_t d = 0; d < sizeof(domains) / sizeof(domains[0]); d++) {
		struct bw_wbudget b = { .max_keys = 10 };
		struct bw_wring w;
		struct dmodel m = { .n = 0 };
		memset(&w, 0, sizeof(w));
		bw_wring_setup(&w, 0, 1, 1000000, 0);
		int64_t now = 0, cutoff = INT64_MIN;
		for (int op = 0; op < 4000 && !bad; op++) {
			uint64_t r = rnd_next(&seed);
			if (r % 50 == 0) {
				/* expire: the cutoff moves, now and then far */
				cutoff = now - (int64_t)(rnd_next(&seed) % 400);
				bw_wring_expire(&w, cutoff);
				while (m.n && m.last[0] <= cutoff)
					dmodel_del(&m, 0);
			} else if (r % 997 == 1) {
				bw_wring_clear(&w);
				m.n = 0;
			} else {
				now += (int64_t)(rnd_next(&seed) % 5);
				/* one event in eight is late, some before the
				 * cutoff already applied */
				int64_t ts = rnd_next(&seed) % 8 ? now :
					     now - (int64_t)(rnd_next(&seed) % 300);
				uint64_t h = rnd_next(&seed) % domains[d] + 1;
				struct bw_wrec rec;
				memset(&rec, 0, sizeof(rec));
				rec.ts = ts;
				rec.repeat = 1;
				rec.dh[0] = h * 0x9e3779b97f4a7c15ull | 1;
				int got = bw_wring_push(&w, &rec, 20, caps[c], &b);
				int want = dmodel_touch(&m, rec.dh[0], ts, caps[c]);
				if (got < 0 || ((got & 2) != 0) != want)
					bad = 1;
			}
			if (w.dist[0].n != m.n || !dset_is(&w.dist[0], &m))
				bad = 1;
			if (bad)
				printf("  cap %u domain %u: op %d: n %u, model %u\n",
				       caps[c], domains[d], op, w.dist[0].n, m.n);
		}
		/* expiring everything, in steps, empties both alike */
		for (int64_t t = now - 300; t <= now && !bad; t += 7) {
			bw_wring_expire(&w, t);
			while (m.n && m.last[0] <= t)
				dmodel_del(&m, 0);
			if (w.dist[0].n != m.n) {
				printf("  cap %u domain %u: expire %lld: n %u, "
				       "model %u\n", caps[c], domains[d],
				       (long long)t, w.dist[0].n, m.n);
				bad = 1;
			}
		}
		bw_wring_fini(&w, &b);
		if (b.bytes != 0) {
			printf("  cap %u domain %u: %llu bytes left\n", caps[c],
			       domains[d], (unsigned long long)b.bytes);
			bad = 1;
		}
	}
	CHECK(!bad);
}

/* Equal times keep the order seen after 2^31 touches of a big set:
 * A and D at 100, fifteen values at 200+, one of them touched across
 * the wrap of the set's touch numbers, B seen late at 100 evicts A, and
 * C at 300 evicts D (seen long before B), not B. */
static void test_distinct_seq_wrap(void)
{
	struct bw_wring w;
	memset(&w, 0, sizeof(w));
	bw_wring_setup(&w, 0, 1, 1000000, 0);
	struct bw_wrec r;
	memset(&r, 0, sizeof(r));
	r.repeat = 1;
	const uint64_t A = 0xa1, B = 0xb1, C = 0xc1, D = 0xd1;
	uint64_t hs[] = { A, D };
	for (int i = 0; i < 2; i++) {
		r.ts = 100;
		r.dh[0] = hs[i];
		bw_wring_push(&w, &r, 20, 17, NULL);
	}
	for (int i = 0; i < 15; i++) {
		r.ts = 200 + i;
		r.dh[0] = 0x1000 + (uint64_t)i;
		bw_wring_push(&w, &r, 20, 17, NULL);
	}
	CHECK(w.dist[0].cap > BW_DSET_SMALL);
	w.dist[0].seq = 0x7ffffff0u; /* as after that many touches */
	for (int i = 0; i < 40; i++) {
		r.ts = 215;
		r.dh[0] = 0x1000;
		bw_wring_push(&w, &r, 20, 17, NULL);
	}
	r.ts = 100;
	r.dh[0] = B;
	CHECK_EQ_INT(bw_wring_push(&w, &r, 20, 17, NULL) & 2, 2);
	r.ts = 300;
	r.dh[0] = C;
	CHECK_EQ_INT(bw_wring_push(&w, &r, 20, 17, NULL) & 2, 2);
	struct bw_dval v[17];
	uint32_t n = bw_dset_values(&w.dist[0], v, 17);
	CHECK_EQ_INT(n, 17);
	int hasb = 0, hasd = 0;
	for (uint32_t i = 0; i < n; i++) {
		hasb |= v[i].h == B;
		hasd |= v[i].h == D;
	}
	CHECK(hasb && !hasd);
	bw_wring_fini(&w, NULL);
}

/* A window's count and sum against the events pushed, some of them late
 * (stamped before events pushed earlier, but inside the window, as
 * Apache logs a long download when it ends): with every record exact
 * they are the events inside (cutoff, now]; with records folded into
 * buckets, never fewer, and at most the events of one bucket width
 * before the cutoff more. A late event leaves at its own time, not
 * behind the events pushed before it. */
static void test_ring_late_model(void)
{
	static const int64_t W = 6000, lateness[] = { 0, 50, 900, 5999 };
	static const uint32_t maxrec[] = { 65535, 20, 3 };
	uint64_t seed = 0x2545f4914f6cdd1dull;
	int bad = 0;
	for (size_t m = 0; m < sizeof(maxrec) / sizeof(maxrec[0]); m++)
	for (size_t l = 0; l < sizeof(lateness) / sizeof(lateness[0]); l++) {
		struct bw_wbudget b = { .max_keys = 10 };
		struct bw_wring w;
		memset(&w, 0, sizeof(w));
		bw_wring_setup(&w, 1, 0, W, 0);
		static int64_t ts[6000], sum[6000];
		int n = 0, lo = 0; /* before lo: out for good */
		int64_t now = 0;
		for (int op = 0; op < 6000 && !bad; op++) {
			now += (int64_t)(rnd_next(&seed) % 40);
			int64_t cutoff = now - W;
			bw_wring_expire(&w, cutoff);
			int64_t late = lateness[l] ?
				(int64_t)(rnd_next(&seed) % (uint64_t)lateness[l]) : 0;
			struct bw_wrec r;
			memset(&r, 0, sizeof(r));
			r.ts = rnd_next(&seed) % 4 ? now : now - late;
			if (r.ts <= cutoff)
				r.ts = cutoff + 1; /* the engine judges those alone */
			r.repeat = 1;
			r.sum[0] = (int64_t)(rnd_next(&seed) % 1000) + 1;
			r.line_no = (uint64_t)op + 1;
			if (bw_wring_push(&w, &r, maxrec[m], 100, &b) < 0)
				bad = 1;
			ts[n] = r.ts;
			sum[n++] = r.sum[0];
			uint64_t want = 0, slack = 0;
			int64_t wsum = 0, ssum = 0;
			while (lo < n && ts[lo] <= cutoff - w.width)
				lo++;
			for (int i = lo; i < n; i++) {
				if (ts[i] > cutoff) {
					want++;
					wsum += sum[i];
				} else if (ts[i] > cutoff - w.width) {
					slack++;
					ssum += sum[i];
				}
			}
			int exact = maxrec[m] == 65535;
			if (w.count < want || w.sum[0] < wsum ||
			    w.count > want + (exact ? 0 : slack) ||
			    w.sum[0] > wsum + (exact ? 0 : ssum)) {
				printf("  max %u late %lld: op %d: count %llu sum "
				       "%lld, want %llu (+%llu) and %lld (+%lld)\n",
				       maxrec[m], (long long)lateness[l], op,
				       (unsigned long long)w.count,
				       (long long)w.sum[0],
				       (unsigned long long)want,
				       (unsigned long long)slack, (long long)wsum,
				       (long long)ssum);
				bad = 1;
			}
			/* exact records stay in time order: evidence lists the
			 * window's first events first */
			for (uint32_t i = 1; i < w.len && !bad; i++)
				if (bw_wring_rec_ts(&w, i - 1) > bw_wring_rec_ts(&w, i)) {
					printf("  max %u late %lld: op %d: records "
					       "out of order\n", maxrec[m],
					       (long long)lateness[l], op);
					bad = 1;
				}
		}
		bw_wring_fini(&w, &b);
		if (b.bytes != 0)
			bad = 1;
	}
	CHECK(!bad);
}

/* A ring set up with room after its distinct sets keeps its first
 * records there (no heap, nothing added to the budget), then moves them,
 * in order, to the heap when they outgrow it. */
static void test_ring_inline(void)
{
	struct {
		struct bw_wring w; /* all BW_WRING_MAX_AGG sets: ndist 4 */
		uint64_t room[3 * 3];
	} s;
	struct bw_wbudget b = { .max_keys = 1 };
	memset(&s, 0, sizeof(s));
	bw_wring_setup(&s.w, 1, BW_WRING_MAX_AGG, 100000, sizeof(s.room));
	CHECK(bw_wring_inline(&s.w) == s.room);
	CHECK(s.w.rec == s.room);
	CHECK_EQ_INT(s.w.cap, 3);
	struct bw_wrec r;
	memset(&r, 0, sizeof(r));
	r.repeat = 1;
	for (int i = 0; i < 3; i++) {
		r.ts = 10 * i;
		r.sum[0] = i + 1;
		r.line_no = (uint64_t)i + 100;
		CHECK_EQ_INT(bw_wring_push(&s.w, &r, 20, 10, &b), 0);
	}
	CHECK(s.w.rec == s.room);
	CHECK_EQ_INT(b.bytes, 0);
	bw_wring_expire(&s.w, 0); /* drops ts 0: the ring wraps inline */
	r.ts = 30;
	r.sum[0] = 4;
	r.line_no = 103;
	bw_wring_push(&s.w, &r, 20, 10, &b);
	CHECK(s.w.rec == s.room);
	r.ts = 40;
	r.sum[0] = 5;
	r.line_no = 104;
	bw_wring_push(&s.w, &r, 20, 10, &b);
	CHECK(s.w.rec != s.room);
	/* spilled: 6 heap records of 3 words (time, provenance, one sum),
	 * counted in the budget; the inline two are the state's own */
	CHECK_EQ_INT(s.w.cap, 6);
	CHECK_EQ_INT(b.bytes, 6 * 3 * 8);
	CHECK_EQ_INT(s.w.len, 4);
	CHECK_EQ_INT(s.w.count, 4);
	CHECK_EQ_INT(s.w.sum[0], 2 + 3 + 4 + 5);
	for (uint32_t i = 0; i < 4; i++) {
		CHECK_EQ_INT(bw_wring_rec_ts(&s.w, i), 10 * (int64_t)(i + 1));
		CHECK_EQ_INT(bw_wring_rec_line(&s.w, i), 101 + i);
	}
	bw_wring_fini(&s.w, &b);
	CHECK_EQ_INT(b.bytes, 0);
}

/* fini frees what the ring allocated (records, buckets, distinct sets)
 * and gives the budget back exactly its bytes; a ring that never left
 * its inline room frees nothing. */
static void test_ring_fini_budget(void)
{
	struct {
		struct bw_wring w;
		uint64_t room[2 * 3];
	} s;
	struct bw_wbudget b = { .max_keys = 1 };
	memset(&s, 0, sizeof(s));
	bw_wring_setup(&s.w, 1, 1, 256000, sizeof(s.room));
	struct bw_wrec r;
	memset(&r, 0, sizeof(r));
	r.repeat = 1;
	r.ts = 1;
	bw_wring_push(&s.w, &r, 20, 100, &b); /* no distinct value */
	CHECK_EQ_INT(s.w.heap, 0);
	bw_wring_fini(&s.w, &b);
	CHECK_EQ_INT(b.bytes, 0);
	memset(&s, 0, sizeof(s));
	bw_wring_setup(&s.w, 1, 1, 256000, sizeof(s.room));
	for (int i = 0; i < 100; i++) {
		r.ts = i * 100;
		r.dh[0] = (uint64_t)i + 1;
		bw_wring_push(&s.w, &r, 16, 100, &b);
	}
	CHECK_EQ_INT(s.w.heap, BW_WRING_HEAP_REC | BW_WRING_HEAP_BK |
				       BW_WRING_HEAP_DIST);
	CHECK(b.bytes > 0);
	bw_wring_fini(&s.w, &b);
	CHECK_EQ_INT(b.bytes, 0);
	CHECK(s.w.rec == NULL && s.w.bk == NULL && s.w.dist[0].e == NULL);
	CHECK_EQ_INT(s.w.len, 0);
}

/* Two lanes in one table: one key, a state per lane, each lane with its
 * own idle time; the key leaves with its last lane. */
static void test_table_lanes(void)
{
	struct bw_wbudget b = { .max_keys = 100 };
	struct bw_wtable t;
	int c;
	bw_wtable_init(&t, sizeof(struct st), 5, 1000, &b, NULL);
	int l1 = bw_wtable_add_lane(&t, sizeof(struct st), 5000, NULL);
	CHECK_EQ_INT(l1, 1);
	struct bw_wkey *k0 = bw_wtable_get_lane(&t, 0, "a", 1, 0, &c);
	CHECK(k0 != NULL && c == 1);
	((struct st *)bw_wkey_lane_state(&t, k0, 0))->v = 7;
	CHECK(bw_wtable_find_lane(&t, 1, "a", 1) == NULL);
	struct bw_wkey *k1 = bw_wtable_get_lane(&t, 1, "a", 1, 10, &c);
	CHECK(k1 == k0 && c == 1);
	CHECK_EQ_INT(((struct st *)bw_wkey_lane_state(&t, k1, 1))->v, 0);
	((struct st *)bw_wkey_lane_state(&t, k1, 1))->v = 9;
	CHECK_EQ_INT(((struct st *)bw_wkey_lane_state(&t, k0, 0))->v, 7);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(b.nkeys, 2);   /* the budget counts lanes */
	CHECK_EQ_INT(bw_wtable_add_lane(&t, 8, 0, NULL), -1); /* keys exist */
	/* lane 0 idles out at 1001, lane 1 stays */
	CHECK_EQ_INT(bw_wtable_expire_lane(&t, 0, 1001), 1);
	CHECK_EQ_INT(bw_wtable_expire_lane(&t, 1, 1001), 0);
	CHECK(bw_wtable_find_lane(&t, 0, "a", 1) == NULL);
	CHECK(bw_wtable_find_lane(&t, 1, "a", 1) == k0);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(b.nkeys, 1);
	CHECK_EQ_INT(b.expired, 1);
	/* lane 0 comes back zeroed, lane 1 untouched */
	k0 = bw_wtable_get_lane(&t, 0, "a", 1, 2000, &c);
	CHECK(k0 == k1 && c == 1);
	CHECK_EQ_INT(((struct st *)bw_wkey_lane_state(&t, k0, 0))->v, 0);
	CHECK_EQ_INT(((struct st *)bw_wkey_lane_state(&t, k0, 1))->v, 9);
	CHECK_EQ_INT(bw_wtable_expire_lane(&t, 0, 3001), 1);
	CHECK_EQ_INT(bw_wtable_expire_lane(&t, 1, 5011), 1);
	CHECK_EQ_INT(t.n, 0);
	CHECK_EQ_INT(b.nkeys, 0);
	CHECK(bw_wtable_find_lane(&t, 1, "a", 1) == NULL);
	bw_wtable_fini(&t);
}

/* At the cap a lane evicts its own least recently seen key, never
 * another lane's; a lane with nothing to evict is refused. */
static void test_table_lane_evict(void)
{
	struct bw_wbudget b = { .max_keys = 3 };
	struct bw_wtable t;
	int c;
	bw_wtable_init(&t, sizeof(struct st), 6, 0, &b, NULL);
	CHECK_EQ_INT(bw_wtable_add_lane(&t, sizeof(struct st), 0, NULL), 1);
	bw_wtable_get_lane(&t, 0, "a", 1, 1, &c);
	bw_wtable_get_lane(&t, 0, "b", 1, 2, &c);
	bw_wtable_get_lane(&t, 0, "c", 1, 3, &c);
	CHECK(bw_wtable_get_lane(&t, 1, "a", 1, 4, &c) == NULL);
	CHECK_EQ_INT(b.refused, 1);
	bw_wtable_get_lane(&t, 0, "a", 1, 5, &c);  /* a is fresh: b is LRU */
	bw_wtable_get_lane(&t, 0, "d", 1, 6, &c);
	CHECK_EQ_INT(b.evictions, 1);
	CHECK(bw_wtable_find_lane(&t, 0, "b", 1) == NULL);
	CHECK(bw_wtable_find_lane(&t, 0, "a", 1) != NULL);
	/* free a slot, then lane 1 takes a; at the cap again lane 1 evicts
	 * its own tail (a's lane 1), and a lives on in lane 0 */
	bw_wtable_del(&t, bw_wtable_find_lane(&t, 0, "c", 1));
	CHECK_EQ_INT(b.nkeys, 2);
	bw_wtable_get_lane(&t, 1, "a", 1, 7, &c);
	CHECK(c == 1 && b.nkeys == 3);
	bw_wtable_get_lane(&t, 1, "e", 1, 8, &c);
	CHECK_EQ_INT(b.evictions, 2);
	CHECK(bw_wtable_find_lane(&t, 1, "a", 1) == NULL);
	CHECK(bw_wtable_find_lane(&t, 0, "a", 1) != NULL);
	CHECK(bw_wtable_find_lane(&t, 1, "e", 1) != NULL);
	CHECK_EQ_INT(t.n, 3);  /* a, d, e */
	CHECK_EQ_INT(b.nkeys, 3);
	bw_wtable_fini(&t);
	CHECK_EQ_INT(b.nkeys, 0);
}

/* The table remembers the key touched last; deleting it must not leave
 * that shortcut pointing at a freed (or reused) key. */
static void test_table_last_key(void)
{
	struct bw_wbudget b = { .max_keys = 10 };
	struct bw_wtable t;
	int c;
	bw_wtable_init(&t, sizeof(struct st), 8, 0, &b, NULL);
	struct bw_wkey *k = bw_wtable_get(&t, "xy", 2, 1, &c);
	((struct st *)bw_wkey_state(k))->v = 3;
	bw_wtable_del(&t, k);
	CHECK(bw_wtable_find(&t, "xy", 2) == NULL);
	k = bw_wtable_get(&t, "xy", 2, 2, &c);  /* a new key, in the slots */
	CHECK(c == 1);
	CHECK_EQ_INT(((struct st *)bw_wkey_state(k))->v, 0);
	bw_wtable_get(&t, "zw", 2, 3, &c);
	CHECK(c == 1);
	CHECK(bw_wtable_find(&t, "xy", 2) == k); /* found by probing */
	CHECK_EQ_INT(t.n, 2);
	bw_wtable_fini(&t);
}

/* get with the caller's hash (bw_hash64 under the table's seed, its
 * slot prefetched) behaves as plain get: new keys land in the slot their
 * hash names (found later by probing), and the last key is found again. */
static void test_table_prefetch(void)
{
	struct bw_wbudget b = { .max_keys = 1000 };
	struct bw_wtable t;
	int c;
	char key[16];
	bw_wtable_init(&t, sizeof(struct st), 11, 0, &b, NULL);
	for (int i = 0; i < 300; i++) {
		int n = snprintf(key, sizeof(key), "p%d", i);
		uint64_t h = bw_hash64(t.seed, key, (size_t)n);
		bw_wtable_prefetch_slot(&t, h);
		struct bw_wkey *k = bw_wtable_get_lane_hashed(&t, 0, key,
			(uint32_t)n, h, i, &c);
		CHECK(k && c);
		CHECK(bw_wtable_get_lane_hashed(&t, 0, key, (uint32_t)n, h, i,
						&c) == k && !c);
	}
	for (int i = 0; i < 300; i++) {
		int n = snprintf(key, sizeof(key), "p%d", i);
		struct bw_wkey *k = bw_wtable_find(&t, key, (uint32_t)n);
		CHECK(k != NULL);
		uint64_t h = bw_hash64(t.seed, key, (size_t)n);
		bw_wtable_prefetch_slot(&t, h);
		CHECK(bw_wtable_find_lane_hashed(&t, 0, key, (uint32_t)n, h) == k);
		CHECK(bw_wtable_get_lane_hashed(&t, 0, key, (uint32_t)n, h,
						1000, &c) == k && !c);
	}
	CHECK_EQ_INT(t.n, 300);
	bw_wtable_fini(&t);
}

/* fini frees every key and lane state and gives the budget back all
 * the keys and bytes the table took (slots, keys, lane states, rings). */
static void ring_state_fini(void *state, struct bw_wbudget *b)
{
	bw_wring_fini(state, b);
}

static void test_table_fini_budget(void)
{
	struct bw_wbudget b = { .max_keys = 1000 };
	struct bw_wtable t;
	int c;
	char key[16];
	size_t sz = bw_wring_size(1) + 2 * 3 * sizeof(uint64_t);
	bw_wtable_init(&t, sz, 12, 0, &b, ring_state_fini);
	CHECK_EQ_INT(bw_wtable_add_lane(&t, sz, 0, ring_state_fini), 1);
	struct bw_wrec r;
	memset(&r, 0, sizeof(r));
	r.repeat = 1;
	for (int i = 0; i < 200; i++) {
		int n = snprintf(key, sizeof(key), "f%d", i % 70);
		uint32_t l = (uint32_t)(i % 3 == 0);
		struct bw_wkey *k = bw_wtable_get_lane(&t, l, key, (uint32_t)n,
						       i, &c);
		struct bw_wring *w = bw_wkey_lane_state(&t, k, l);
		if (c)
			bw_wring_setup(w, 1, 1, 100000, 2 * 3 * sizeof(uint64_t));
		r.ts = i;
		r.dh[0] = (uint64_t)i + 1;
		bw_wring_push(w, &r, 20, 100, &b);
	}
	CHECK(b.nkeys > 70);
	CHECK(b.bytes > 0);
	bw_wtable_fini(&t);
	CHECK_EQ_INT(b.nkeys, 0);
	CHECK_EQ_INT(b.bytes, 0);
	CHECK_EQ_INT(t.n, 0);
}

static const struct bw_test tests[] = {
	{ "table_basic", test_table_basic },
	{ "table_cap_lru", test_table_cap_lru },
	{ "table_expiry", test_table_expiry },
	{ "ring_window", test_ring_window },
	{ "ring_buckets", test_ring_buckets },
	{ "ring_evidence", test_ring_evidence },
	{ "ring_evidence_late", test_ring_evidence_late },
	{ "distinct_cap", test_distinct_cap },
	{ "distinct_model", test_distinct_model },
	{ "distinct_seq_wrap", test_distinct_seq_wrap },
	{ "ring_late_model", test_ring_late_model },
	{ "ring_inline", test_ring_inline },
	{ "ring_fini_budget", test_ring_fini_budget },
	{ "table_lanes", test_table_lanes },
	{ "table_lane_evict", test_table_lane_evict },
	{ "table_last_key", test_table_last_key },
	{ "table_prefetch", test_table_prefetch },
	{ "table_fini_budget", test_table_fini_budget },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("window", tests, argc, argv);
}
