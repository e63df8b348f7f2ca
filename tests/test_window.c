/*
 * test_window.c - keyed state tables (seeded hash, LRU on event time,
 * cap and eviction, expiry, delete keeps probe chains) and sliding
 * windows (exact edges, running count/sum/distinct, per-key cap).
 */
#include "bw_test.h"
#include "window.h"

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
	bw_wring_push(w, &r, 1, 1, max, NULL);
}

static void test_ring_window(void)
{
	struct bw_wring w;
	memset(&w, 0, sizeof(w));
	for (int i = 0; i < 10; i++)
		push(&w, i * 100, 10, (uint64_t)(i % 3) + 1, 1000);
	CHECK_EQ_INT(w.count, 10);
	CHECK_EQ_INT(w.sum[0], 100);
	CHECK_EQ_INT(w.dist[0].n, 3);
	/* window (now - W, now] with now = 900, W = 500: cutoff 400 keeps
	 * 500..900 */
	bw_wring_expire(&w, 400, 1, 1);
	CHECK_EQ_INT(w.count, 5);
	CHECK_EQ_INT(w.sum[0], 50);
	CHECK_EQ_INT(bw_wring_at(&w, 0)->ts, 500);
	CHECK_EQ_INT(w.dist[0].n, 3);
	bw_wring_expire(&w, 800, 1, 1); /* keeps 900 only: value 9%3+1 = 1 */
	CHECK_EQ_INT(w.count, 1);
	CHECK_EQ_INT(w.dist[0].n, 1);
	bw_wring_clear(&w, 1);
	CHECK_EQ_INT(w.count, 0);
	CHECK_EQ_INT(w.dist[0].n, 0);
	push(&w, 1000, 1, 5, 1000);
	CHECK_EQ_INT(w.dist[0].n, 1);
	bw_wring_fini(&w, NULL);
}

static void test_ring_cap(void)
{
	struct bw_wring w;
	memset(&w, 0, sizeof(w));
	int dropped = 0;
	for (int i = 0; i < 100; i++) {
		struct bw_wrec r;
		memset(&r, 0, sizeof(r));
		r.ts = i;
		r.repeat = 1;
		r.dh[0] = (uint64_t)i + 1;
		dropped += bw_wring_push(&w, &r, 0, 1, 16, NULL);
	}
	CHECK_EQ_INT(dropped, 84);
	CHECK_EQ_INT(w.len, 16);
	CHECK_EQ_INT(w.count, 16);
	CHECK_EQ_INT(w.dist[0].n, 16);
	CHECK_EQ_INT(bw_wring_at(&w, 0)->ts, 84);
	bw_wring_fini(&w, NULL);
}

static const struct bw_test tests[] = {
	{ "table_basic", test_table_basic },
	{ "table_cap_lru", test_table_cap_lru },
	{ "table_expiry", test_table_expiry },
	{ "ring_window", test_ring_window },
	{ "ring_cap", test_ring_cap },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	return bw_test_main("window", tests, argc, argv);
}
