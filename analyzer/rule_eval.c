/*
 * rule_eval.c - the engine: evaluates compiled rules against each event
 * (signature, threshold, sequence, baseline), keeps per-key state in
 * window.c tables on event time, applies suppression and escalation, and
 * emits alerts through alert.c.
 *
 * Hot path: an event meets only rs->index[source][kind]; a rule's `when`
 * runs cheapest test first; regexes run only after their literal
 * prefilter, with match limits; the key and message are built in fixed or
 * reused buffers. Allocation happens only when a state key is created or
 * a window grows.
 */
#include "rule.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "alert.h"
#include "bw_time.h"
#include "detect.h"
#include "bw_util.h"
#include "window.h"

#define REGEX_MATCH_LIMIT 200000u
#define REGEX_DEPTH_LIMIT 2000u
#define WINDOW_MAX_RECORDS 20u    /* exact records per key; older ones in
                                     the window are folded into buckets */
#define THR_INLINE_RECORDS 2u     /* records kept in a threshold state
                                     before its ring needs the heap: the
                                     records of most keys, which see one
                                     or two events per window */
#define DISTINCT_MAX 4096u        /* values per distinct set, unless the
                                     trigger needs fewer (dist_cap) */
#define KEY_MAX 512
#define ALERT_DEPTH_MAX 4          /* alert -> sequence -> alert ... */

/* A key's `suppress` period: alerts of the rule on the key before `until`
 * are held back (counted) unless more severe than the one that began it
 * (a probe's high, then its critical success, both go out). */
struct supp {
	int64_t until;           /* ms; 0: no period */
	uint32_t held;           /* held back since the last alert */
	int16_t sev;             /* severity of the alert that began it */
	uint16_t slot;           /* its entry in the engine's held-back list
	                            + 1, 0 = none (struct held) */
};

#define HELD_SLOTS 256u      /* keys the end-of-run summary lists */

/* A key whose alerts suppress holds back, for the end-of-run summary:
 * the summary per rule says how many, this says for whom and when. An
 * entry ends when the key's next alert carries the count; one whose key
 * expired first stays (no alert will carry its count). When the list
 * is full, a key that has held back more takes the least one's entry. */
struct held {
	const struct supp *owner; /* the key's state; NULL: free */
	int32_t rule;
	uint32_t count;
	int64_t first, last;     /* ms, the earliest and latest event
	                            times held back */
	char key[160];           /* "user=m.visser", as the alert line */
};

/* Per-key state of a threshold rule; signatures and baselines keep only
 * the first field (the table's state size says how much exists), and
 * the ring holds only the rule's distinct sets (bw_wring_size), then
 * THR_INLINE_RECORDS records (bw_wring_inline). */
struct thr_state {
	struct supp sup;
	struct bw_wring ring;    /* must stay last, its inline records follow */
};

/* Bytes of the records a threshold state holds inline (2 words each and
 * one per sum). */
static size_t thr_inline_bytes(const struct bw_rule *r)
{
	return THR_INLINE_RECORDS * (2 + (size_t)r->nsum) * sizeof(uint64_t);
}

/* Per-key state of a sequence rule: the step reached, and the events of
 * the run so far in a window ring over the rule's span (count and
 * evidence, as a threshold keeps them). The ring's inline records
 * follow it, then the run stamps of the current step (seq_runs). */
struct seq_state {
	struct supp sup;
	int64_t first_ts;        /* event time the sequence began */
	int64_t step_ts;         /* event time the current step was reached:
	                            a later step's event stamped before it
	                            does not follow it */
	uint32_t step;           /* next step to match */
	uint32_t nrun, runhead;  /* run stamps held for the current step */
	struct bw_wring ring;    /* must stay last: see above */
};

#define SEQ_INLINE_BYTES (THR_INLINE_RECORDS * 2 * sizeof(uint64_t))

static size_t seq_size(uint32_t maxruns)
{
	return offsetof(struct seq_state, ring) + bw_wring_size(0) +
	       SEQ_INLINE_BYTES + (size_t)maxruns * sizeof(int64_t);
}

/* The run stamps: a ring of maxruns event times. */
static inline int64_t *seq_runs(struct seq_state *s)
{
	return (int64_t *)((unsigned char *)s + seq_size(0));
}

static void seq_fini(void *state, struct bw_wbudget *b)
{
	struct seq_state *s = state;
	bw_wring_fini(&s->ring, b);
}

struct recent_state {
	int64_t last_alert;      /* ms */
};

struct rrun {
	struct bw_wtable tab;      /* threshold / sequence / suppress state */
	/* Where the rule's state lives: its own tab, lane 0, or for a
	 * threshold rule a lane of an earlier rule's tab when both group by
	 * the same fields and meet the same events (shared_space) */
	struct bw_wtable *st;
	uint32_t lane;
	struct bw_wtable recent;   /* last alert per key, when referenced */
	int64_t recent_keep;       /* longest recent() window on this rule */
	uint32_t maxruns;
	/* A sequence's steps: for step i, source src and kind k, bit o of
	 * stepok[(i * BW_SRC__COUNT + src) * BW_KIND__COUNT + k] says its
	 * condition can hold for an event of outcome o (step_table): a
	 * failed login is not tested against "logged in". NULL: test all. */
	uint8_t *stepok;
	uint32_t dist_cap;         /* values kept per distinct set */
	uint32_t gid;              /* index in bw_engine.kmemo: rules
	                              grouping by the same fields share it */
	/* A threshold's trigger starts, under its `and`s, with a test
	 * `aggregate cmp number` it cannot be true without (count >= 20,
	 * distinct(user) >= 10): tried on the ring first, so a window short
	 * of it costs one compare. first_agg: the node of the aggregate,
	 * -1 when the trigger has no such test. */
	int32_t first_agg;
	int first_cmp;
	double first_num;
	uint64_t alerts, suppressed, rx_limit;
	/* a baseline rule's detector and its state (this engine's) */
	const struct bw_baseline_ops *bops;
	void *bstate;
};

/* The literal filter of one field: says, in one pass over the value,
 * which regexes on that field can match at all, from their required
 * literals (bw_regex.req, lowercased; the test is case-insensitive).
 * Small enough to stay in L1 next to the rule state tables:
 *
 *   start  24 KB: three 8 KB bitmaps (64-bit words) over raw byte
 *          pairs (b0 | b1 << 8) and triples, laid out at ac_run: a gate
 *          every byte is tested against, then the exact tests for two-
 *          byte literals and for the start of longer ones
 *   lone   raw byte -> bit (group of one-byte literals, mod 64) whose
 *          regexes the byte alone satisfies; ORed over the value
 *   slot   hash of folded first pairs -> run of lit[] to compare
 *
 * A hit in start only costs two bitmap tests, then a slot probe and a
 * few compares; bytes that begin no literal cost one bitmap test. Every answer is a superset:
 * lone groups shared by two bytes report both bytes' regexes. */
struct aclit {
	uint64_t head;       /* first bytes (up to 8), each | 0x20 */
	uint64_t hmask;      /* which bytes of head count */
	uint32_t off;        /* into text: the literal, lowercased */
	uint32_t n;          /* bytes, >= 2 */
	uint32_t rx;         /* regex index */
	uint16_t anc;        /* offset of the anchor pair (ac_anchor) */
};

struct acslot {
	uint32_t key;        /* folded b0 | b1 << 8 */
	uint32_t cnt;        /* literals in the run; 0 = empty slot */
	uint32_t first;      /* index of the run in lit[] */
};

#define ACACHE_SLOTS 256     /* recent values per field (acache) */

struct acfield {
	uint64_t *start;     /* NULL: no regex with literals on this field */
	uint64_t *lone;      /* 256 entries, or NULL: no one-byte literal */
	uint64_t *lonemask;  /* 64 * W: regexes of each lone bit */
	struct acslot *slot;
	uint32_t slotbits;   /* log2 of the slot count */
	struct aclit *lit;
	char *text;
	uint64_t *always;    /* W words: regexes without a usable filter */
	/* 2W words, or NULL: [0, W) the regexes on the decoded value
	 * (urldecode(field) ~), whose bits come from a second scan, of the
	 * decoded text, when the value holds a %-escape; [W, 2W) that
	 * scan's answer */
	uint64_t *pct;
	int voff;            /* offset of the field's bw_str in bw_event, or
	                        -1: read through str_field */
	/* When at most 8 raw bytes can begin a literal (as the ${ and jndi
	 * of log4shell on referrers): libc memchr finds the first of them,
	 * or that there is none (the usual answer), in a few instructions
	 * per 32 bytes, and the pair test starts there. */
	uint8_t sbyte[8];
	int nsbyte;          /* 0: dense, every byte is tested */
	uint8_t sbtab[256];  /* 1 for the sbyte values: short values (user
	                        names) are walked a table look-up a byte */
	/* ACACHE_SLOTS recent values and their bits, in three arrays so a
	 * probe reads one small tag array and touches the text only when
	 * the tag agrees */
	uint64_t *ctag;      /* hash of the value held, never 0; 0 = empty */
	struct acache *cache;
	uint64_t *cbits;     /* ACACHE_SLOTS * W */
	/* Set when a slot's value was found again: a miss then clears it
	 * instead of taking the slot (second chance), so that one-off paths
	 * do not push out /search and /login. */
	uint8_t cref[ACACHE_SLOTS];
};

/* Values repeat across events (user agents, referrers, popular paths):
 * a direct-mapped cache of recent values per field and their filter
 * bits. The slot hash samples a few words only; a hit is confirmed by
 * comparing the whole value, so a collision (chosen or not) only costs
 * the scan the cache would have saved. */
#define ACACHE_MAX 240       /* bytes; longer values are always scanned */
#define ACACHE_MIN 8         /* bytes; shorter values are scanned: the
                                probe (hash, compare) costs more than
                                their scan. Popular short paths (/login,
                                /api/v1/cases) are worth caching since
                                the scan tests one gate per byte */
struct acache {
	uint32_t n;          /* bytes */
	char text[ACACHE_MAX];
};

static inline uint64_t load8(const char *p, size_t n)
{
	uint64_t v = 0;
	memcpy(&v, p, n < 8 ? n : 8);
	return v;
}

/* @return the value's cache hash, never 0; the top 8 bits are its slot. */
static inline uint64_t acache_hash(const char *p, size_t n)
{
	uint64_t h = n * 0x9e3779b97f4a7c15ull;
	h ^= load8(p, n);
	if (n > 8) {
		h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
		h ^= load8(p + n - 8, 8);
		h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull;
		h ^= load8(p + n / 2 - 4, 8);
	}
	h = (h ^ (h >> 31)) * 0x94d049bb133111ebull;
	return h | 1;
}

/* The filter's answer for one field of the current event. */
struct fhits {
	uint64_t gen;        /* e->gen when computed */
	const bw_event *ev;
	const uint64_t *bits; /* W words: regexes whose literals are present;
	                         points at own, the cache slot or always */
	uint64_t *own;       /* W words: the answer when no slot holds it */
};

/* A lowercased copy of one field of the current event, shared by every
 * caseless regex on it. */
struct flow {
	uint64_t gen;
	const bw_event *ev;
	char *p;
	size_t cap;          /* bytes */
};

/* The percent-decoded value of one field of the current event
 * (urldecode()), shared by every node and the filter reading it. A value
 * without '%' is its own decoding: view points at the event's bytes. */
struct fdec {
	uint64_t gen;
	const bw_event *ev;
	bw_str view;
	char *buf;
	size_t cap;          /* bytes */
};

/* A @list set's answer for one field of the current event. */
struct smemo {
	uint64_t gen;
	int16_t field;
	int8_t res;
};

/* A step of a rule's `when` program (when_run). */
#define WS_TRUE  (-1)
#define WS_FALSE (-2)
#define WS_OOM   (-3)             /* building a program ran out of memory */
#define WS_NONE  (-4)             /* e->prog: node is no condition root */

struct wstep {
	int32_t node;              /* test node index */
	int32_t on_true, on_false; /* step index or WS_TRUE / WS_FALSE */
	uint8_t fast;              /* WF_*: a short cut for the node's test */
	uint16_t off;              /* WF_EXISTS_*: offset in bw_event */
	uint64_t mask;             /* WF_ENUM_IN: values in the set;
	                              WF_STATUS_IN: statuses lo + bit */
	int64_t lo;                /* WF_ENUM_IN: values in the model */
};

/* Common tests answered in when_run itself, from facts gathered when the
 * program is built (step_fast), instead of eval_slow's field descriptor
 * lookups and set searches. */
enum {
	WF_NONE,        /* eval_leaf */
	WF_ENUM_IN,     /* source/kind/outcome in a set: bit per value */
	WF_STATUS_IN,   /* http.status in a set of close integers */
	WF_EXISTS_PTR,  /* exists() of a string field: its pointer */
	WF_EXISTS_IP,   /* exists() of an address: its family */
	WF_EXISTS_USER, /* exists(user): the user or the identity */
	WF_STR_CMP,     /* a string field == or != a string */
};

/* What the dispatch loop reads of a rule before eval(), packed: struct
 * bw_rule is ~550 bytes, so reading these from it costs a cache line per
 * candidate rule and event. */
struct rgate {
	int32_t when;              /* entry of the `when` program (wsteps) or
	                              WS_TRUE */
	uint8_t kind;              /* bw_rule.kind */
};

#define OKMEMO_SLOTS 16

/* A group key built for the current event (gen, ev), with its hash
 * under bw_engine.kseed: the rules grouping by the same fields, and
 * their tables, share one build and one hash per event. */
struct kmemo {
	uint64_t gen;
	const bw_event *ev;
	uint64_t hash;
	uint32_t len;
	int ok;                    /* 0: a group field is absent */
	char key[KEY_MAX];
};

/* A distinct() value hash of the current event, per field. */
struct vmemo {
	uint64_t gen;
	const bw_event *ev;
	uint64_t h;
};

struct bw_engine {
	const struct bw_ruleset *rs;
	struct bw_ruleset *own_rs; /* rs when this engine loaded it, else
	                              NULL: cfg.rules, shared, borrowed */
	struct held *held;         /* HELD_SLOTS, made at the first hold */
	uint64_t nheld_lost;       /* entries given up to busier keys */
	uint64_t nheld_full;       /* keys that found the list full */
	uint64_t gen;              /* bumped per event: invalidates memos */
	struct kmemo *kmemo;       /* per group (rrun.gid) */
	uint64_t kseed;            /* every rule table's hash seed */
	struct vmemo vmemo[BW_F__COUNT];
	struct smemo *smemo;       /* per set */
	struct acfield ac[BW_F__COUNT];
	struct fhits hits[BW_F__COUNT];
	/* lowercased copies: [f] of the value, [BW_F__COUNT + f] of the
	 * decoded value */
	struct flow low[2 * BW_F__COUNT];
	struct fdec dec[BW_F__COUNT];
	struct fdec pnorm;         /* url.path.normalized of the event */
	uint64_t *hitwords;        /* BW_F__COUNT * rxw: hits[].bits */
	size_t rxw;                /* 64-bit words per regex bitmask */
	/* Rule candidates from the literal filter: a rule with prefilter
	 * regexes (bw_rule.pre_rx) stays only when one of them can match. */
	size_t rw;                 /* 64-bit words per rule bitmask */
	uint64_t *rx_rules;        /* nrx * rw: rules listing regex i in pre */
	uint64_t *nopre;           /* rw: rules without a prefilter */
	uint64_t *cand;            /* rw: the current event's candidates */
	uint64_t *imask;           /* [source][kind] * rw: rs->index as bits */
	/* The dispatch's tests as rule masks, so that rules an event cannot
	 * reach cost nothing: fields (and outcomes) are tested once per event
	 * and strike every rule that needs them at once. */
	uint64_t needany[BW_SRC__COUNT][BW_KIND__COUNT]; /* fields some rule
	                              of the index needs */
	uint64_t *needmask;        /* BW_F__COUNT * rw: rules needing field f */
	uint64_t *ocmask;          /* (BW_OUTCOME__COUNT + 1) * rw: rules taking
	                              outcome o; last: an outcome out of range */
	uint64_t *allowmask;       /* rw: rules the allowlist applies to */
	uint64_t *normrules;       /* rw: rules with a prefilter regex on
	                              url.path.normalized (rule_candidates) */
	/* Rules by level, nlv * rw: level 0 names no recent(), level k
	 * names rules of levels below k. Each event meets the levels in
	 * order, so a rule escalating on recent(x) sees x triggered by the
	 * same event whatever file defines either, down a chain too. */
	uint64_t *lvmask;
	int nlv;
	uint64_t *todo;            /* rw: the current event's rules */
	uint64_t *stmask;          /* BW_STATUS_BITS * rw: rules an event of
	                              http.status s can pass (row 0: all, for
	                              an absent or larger status) */
	/* rules of a source, kind and set of missing fields whose fields
	 * the event has: OKMEMO_SLOTS * rw, direct-mapped by okkey */
	uint64_t okkey[OKMEMO_SLOTS]; /* 0: empty (a key is never 0) */
	uint64_t *okmask;
	struct rgate *gate;        /* per rule: the dispatch loop's tests */
	struct wstep *wsteps;      /* every rule's `when` program */
	size_t nwsteps;
	int32_t *prog;             /* per node: entry of the program of the
	                              condition rooted there, or WS_NONE */
	uint64_t prefields[BW_SRC__COUNT][BW_KIND__COUNT]; /* fields to scan */
	struct bw_engine_config cfg;
	struct rrun *run;
	struct bw_wbudget budget;
	int64_t clock;             /* newest event time seen (ms) */
	int64_t last_expire;
	const struct bw_tz *tz;
	int64_t tz_hour_base;      /* UTC hour cached ... */
	int32_t tz_off;            /* ... and its offset (s) */
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	struct bw_buf out, msg, tmp;
	char **names;              /* input names (copied) */
	size_t nnames;
	struct bw_engine_stats st;
	int depth;                 /* alert recursion */
};

/* ------------------------------------------------------- evaluation */

struct ectx {
	struct bw_engine *e;
	int rule;
	const bw_event *ev;
	const struct bw_rule *alert_rule; /* set when matching alert steps */
};

static int cmp_dbl(int cmp, double a, double b)
{
	switch (cmp) {
	case RC_EQ: return a == b;
	case RC_NE: return a != b;
	case RC_LT: return a < b;
	case RC_LE: return a <= b;
	case RC_GT: return a > b;
	default: return a >= b;
	}
}

static int ieq_mem(const char *a, const char *lower_b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = a[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lower_b[i])
			return 0;
	}
	return 1;
}

/* Case-insensitive search for a lowercased needle. */
static const char *ci_find(const char *h, size_t hn, const char *nd, size_t nn)
{
	if (nn == 0)
		return h;
	if (hn < nn)
		return NULL;
	char c0 = nd[0], c1 = c0 >= 'a' && c0 <= 'z' ? (char)(c0 - 32) : c0;
	const char *end = h + hn - nn + 1;
	for (const char *p = h; p < end; p++)
		if ((*p == c0 || *p == c1) && ieq_mem(p, nd, nn))
			return p;
	return NULL;
}

static void path_normalized(struct bw_engine *e, const bw_event *ev, bw_str *s);

/* Text field f of ev; url.path.normalized is computed once per event. */
static inline int str_field(struct bw_engine *e, const bw_event *ev, int f,
			    bw_str *s)
{
	switch (f) {
	case BW_F_URL_PATH_NORM:
		if (!ev->url_path.p)
			return 0;
		path_normalized(e, ev, s);
		return 1;
	case BW_F_URL_PATH: *s = ev->url_path; return s->p != NULL;
	case BW_F_URL_QUERY: *s = ev->url_query; return s->p != NULL;
	case BW_F_USER_AGENT: *s = ev->user_agent; return s->p != NULL;
	case BW_F_USER: /* the normalized identity when known (event.h) */
		*s = ev->identity.p ? ev->identity : ev->user;
		return s->p != NULL;
	default: return bw_field_get_str(ev, (enum bw_field_id)f, s);
	}
}

static int64_t local_hour(struct bw_engine *e, int64_t ms)
{
	int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	if (e->tz) {
		int64_t base = secs - ((secs % 900) + 900) % 900; /* 15 min */
		if (base != e->tz_hour_base) {
			/* offsets change on the quarter hour at most */
			e->tz_hour_base = base;
			e->tz_off = bw_tz_offset_at(e->tz, base);
		}
		secs += e->tz_off;
	}
	int64_t h = (secs / 3600) % 24;
	return h < 0 ? h + 24 : h;
}

static unsigned char lowtab[256]; /* ASCII lowercase, filled at start */

static void lowtab_init(void)
{
	for (unsigned c = 0; c < 256; c++)
		lowtab[c] = (unsigned char)(c - 'A' < 26u ? c + 32 : c);
}

static inline void ac_run(const struct bw_engine *e, const struct acfield *a,
			  uint64_t *bits, const char *p, size_t len);
static void pct_merge(struct bw_engine *e, int f, const bw_event *ev,
		      uint64_t *bits, const char *p, size_t n);
static int str_offset(int f);
static inline void field_decoded(struct bw_engine *e, int f,
				 const bw_event *ev, bw_str *s);

/* Which regexes on field f can match value p (n bytes): the cached
 * answer of an equal recent value, else one filter pass. @return the
 * answer, read in place (cache slot or h->own) and never copied: it
 * changes only at this field's next scan, a later event. */
__attribute__((noinline))
static const uint64_t *field_scan(struct bw_engine *e, int f,
				  const bw_event *ev, const char *p, size_t n)
{
	struct acfield *a = &e->ac[f];
	uint64_t *bits = e->hits[f].own;
	struct acache *c = NULL;
	if (a->cache && n > ACACHE_MIN && n <= ACACHE_MAX) {
		uint64_t tag = acache_hash(p, n);
		unsigned slot = (unsigned)(tag >> 56) & (ACACHE_SLOTS - 1);
		struct acache *cs = &a->cache[slot];
		uint64_t *cb = a->cbits + (size_t)slot * e->rxw;
		if (a->ctag[slot] == tag && cs->n == n &&
		    memcmp(cs->text, p, n) == 0) {
			a->cref[slot] = 1;
			return cb;
		}
		if (a->cref[slot]) {
			a->cref[slot] = 0; /* kept this time: scan into own */
		} else {
			c = cs;
			bits = cb;
			a->ctag[slot] = tag; /* filled below */
		}
	}
	for (size_t w = 0; w < e->rxw; w++)
		bits[w] = a->always[w];
	ac_run(e, a, bits, p, n);
	if (a->pct && memchr(p, '%', n))
		pct_merge(e, f, ev, bits, p, n);
	if (c) {
		c->n = (uint32_t)n;
		memcpy(c->text, p, n);
	}
	return bits;
}

/* Which regexes on field f can match the current event's value, at
 * most one field_scan per event and field. Inline: most calls find the
 * answer made, or no value (absent fields answer always). */
static inline const uint64_t *field_hits(struct bw_engine *e, int f,
					 const bw_event *ev)
{
	struct fhits *h = &e->hits[f];
	if (h->gen == e->gen && h->ev == ev)
		return h->bits;
	h->gen = e->gen;
	h->ev = ev;
	const struct acfield *a = &e->ac[f];
	bw_str v;
	if (a->voff >= 0)
		memcpy(&v, (const char *)ev + a->voff, sizeof(v));
	else if (!str_field(e, ev, f, &v))
		v.p = NULL;
	/* url.path's filter knows the literals of url.path.normalized's
	 * regexes too (ac_covers): a path that normalizes to itself is
	 * scanned once for both */
	if (f == BW_F_URL_PATH_NORM && v.p && v.p == ev->url_path.p)
		return h->bits = field_hits(e, BW_F_URL_PATH, ev);
	return h->bits = v.p ? field_scan(e, f, ev, v.p, v.n) : a->always;
}

static inline uint32_t acfield_tri(unsigned b0, unsigned b1, unsigned b2)
{
	return ((b0 | b1 << 8) ^ (b2 * 0x9e5u)) & 0xffffu;
}

static inline uint32_t acslot_of(uint32_t key, uint32_t bits)
{
	return (key * 0x9e3779b1u) >> (32 - bits);
}

/* An anchor pair is at u[i] (i + 1 < len): compare the literals filed
 * under it, each from where it would start, OR-ing those present into
 * bits. */
__attribute__((noinline))
static void ac_verify(const struct acfield *a, uint64_t *bits,
		      const unsigned char *u, size_t len, size_t i)
{
	uint32_t key = lowtab[u[i]] | (uint32_t)lowtab[u[i + 1]] << 8;
	uint32_t m = (1u << a->slotbits) - 1;
	for (uint32_t h = acslot_of(key, a->slotbits);; h = (h + 1) & m) {
		const struct acslot *sl = &a->slot[h];
		if (!sl->cnt)
			return; /* a false hit of the triple hash */
		if (sl->key != key)
			continue;
		/* heads compare with every byte | 0x20: equal for a letter in
		 * either case, and for a non-letter lets through at most its
		 * | 0x20 twin (a superset, as a filter may) */
		const struct aclit *l = a->lit + sl->first;
		for (uint32_t k = 0; k < sl->cnt; k++, l++) {
			if (l->anc > i)
				continue; /* would start before the value */
			const char *q = (const char *)u + i - l->anc;
			size_t avail = len - (i - l->anc);
			if (l->n > avail)
				continue;
			uint64_t w = load8(q, avail) | 0x2020202020202020ull;
			if ((w & l->hmask) == l->head &&
			    (l->n <= 8 ||
			     ieq_mem(q + 8, a->text + l->off + 8, l->n - 8)))
				bits[l->rx >> 6] |= 1ull << (l->rx & 63);
		}
		return;
	}
}

/* How often each byte (lowercased) occurs in the text the filter scans,
 * per 10,000 bytes: measured over the paths, referrers and agents of the
 * bench web log, with '=', '&' and '%' raised to what query strings hold.
 * Unlisted bytes: 1. Only the order matters (ac_anchor). */
static const uint16_t byte_freq[256] = {
	['/'] = 652, ['e'] = 635, [' '] = 592, ['i'] = 495, ['t'] = 456,
	['.'] = 451, ['a'] = 444, ['o'] = 399, ['s'] = 394, ['l'] = 375,
	['1'] = 374, ['0'] = 367, ['n'] = 320, ['c'] = 302, ['r'] = 297,
	['m'] = 277, ['p'] = 270, ['w'] = 265, ['6'] = 185, ['k'] = 184,
	['5'] = 179, ['h'] = 170, ['-'] = 140, ['3'] = 133, ['2'] = 124,
	['g'] = 121, ['x'] = 110, ['d'] = 106, ['b'] = 102, [';'] = 102,
	['u'] = 99, ['f'] = 99, ['7'] = 99, ['('] = 96, [')'] = 96,
	['4'] = 78, ['v'] = 56, ['z'] = 56, [':'] = 54, ['='] = 50,
	['&'] = 50, ['%'] = 50, ['9'] = 46, [','] = 40, ['_'] = 38,
	['8'] = 30, ['j'] = 24, ['y'] = 15, ['?'] = 10, ['+'] = 8,
	['q'] = 6,
};

/* The 256 most frequent byte pairs of that text (lowercased), most
 * frequent first: 89% of all pairs. A gate on one of them opens at
 * nearly every value, whatever its bytes weigh alone ("ta" of static). */
static const char common_pairs[] =
	".0/5le/1; 0. (in) 0 htntewarliww5.plil7.e/11moens/e ecgeonritiap"
	"20la.3363753a/wslloz l.1ziatcone10itt/keikpp gckko1/s /2chi/.c a"
	" sttosst xebtp64re/s//tmrowe:/ic15exwisa 1omfamlmaio/waf, khmpki"
	"bk(kl,ammeo)6 02ou ct.acw.s:pstendrtur6/26/nta m.e01xaeser/an/ o"
	"se/ehrdo9.c/4;19an0;1.de/iowim60si/61 vec  n wt or(wn6x6_1ss ipa"
	"r/tripngal17x toeljs4)sh/cg/e-12-sbieaed05n-ci-0obprcersph04idfi"
	"/v/fho-rot4.nuasnst-bofoncble;ral (mh;mgpucaef.j:15  v14s-0)00rv"
	" rv:irtsctuxvifr/r-a1;he-p0_5__77)r-c-dgis48/je15e/d-to/cp(iu x)";

/* The offset of the pair of literal l (n >= 2 bytes) the filter looks
 * for: the rarest in log text (common_pairs, then byte_freq), not always
 * the first, so that ".tar" is found by ".t", not by the "ta" of every
 * /static/ path. Literals
 * of three bytes or more keep a third byte after the pair, for the
 * triple test to screen the pair's false hits; among equal pairs, the
 * rarest triple. */
static size_t ac_anchor(const unsigned char *l, size_t n,
			const uint16_t *prank)
{
	size_t best = 0, last = n >= 3 ? n - 3 : 0;
	uint64_t bestw = UINT64_MAX;
	for (size_t o = 0; o <= last; o++) {
		unsigned c0 = lowtab[l[o]], c1 = lowtab[l[o + 1]];
		/* below 1,000,000 for any pair outside the list */
		uint64_t w2 = (uint64_t)(byte_freq[c0] | 1) * (byte_freq[c1] | 1);
		unsigned r = prank[c0 | c1 << 8];
		if (r)
			w2 = 1000000 + r; /* more frequent: higher */
		uint64_t w3 = o + 2 < n ? byte_freq[lowtab[l[o + 2]]] | 1 : 1;
		uint64_t w = w2 << 16 | w3;
		if (w < bestw) {
			bestw = w;
			best = o;
		}
	}
	return best;
}

/* The raw pair at u (u[0] | u[1] << 8), in one load. */
static inline uint32_t pair_at(const unsigned char *u)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint16_t k;
	memcpy(&k, u, 2);
	return k;
#else
	return u[0] | (uint32_t)u[1] << 8;
#endif
}

/* The gate passed at u[i] (i + 1 < len): the byte may be a one-byte
 * literal, the pair a two-byte one or the start of a longer one. Out of
 * line, so the scan loop stays a few registers. @return the lone groups
 * of u[i]. */
__attribute__((noinline))
static uint64_t ac_hit(const struct acfield *a, uint64_t *bits,
		       const unsigned char *u, size_t len, size_t i)
{
	const uint64_t *p2 = a->start + 1024, *t3 = a->start + 2048;
	uint32_t k = u[i] | (uint32_t)u[i + 1] << 8;
	uint32_t hit = (uint32_t)(p2[k >> 6] >> (k & 63)) & 1;
	if (i + 2 < len) {
		uint32_t t = acfield_tri(u[i], u[i + 1], u[i + 2]);
		hit |= (uint32_t)(t3[t >> 6] >> (t & 63)) & 1;
	}
	if (hit)
		ac_verify(a, bits, u, len, i);
	return a->lone ? a->lone[u[i]] : 0;
}

/* Index of the first of u[0..len) that is one of a's sbyte, or len.
 * SSE2 (the x86-64 baseline) tests 16 bytes against all of them at once
 * where libc memchr would make one pass per byte value. */
static size_t ac_first_sbyte(const struct acfield *a, const unsigned char *u,
			     size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	if (len >= 16) {
		__m128i nd[8];
		for (int k = 0; k < a->nsbyte; k++)
			nd[k] = _mm_set1_epi8((char)a->sbyte[k]);
		for (;; i += 16) {
			if (i + 16 > len)
				i = len - 16; /* last block overlaps the one before */
			__m128i v = _mm_loadu_si128((const __m128i *)(u + i));
			__m128i m = _mm_cmpeq_epi8(v, nd[0]);
			for (int k = 1; k < a->nsbyte; k++)
				m = _mm_or_si128(m, _mm_cmpeq_epi8(v, nd[k]));
			unsigned mask = (unsigned)_mm_movemask_epi8(m);
			if (mask)
				return i + (size_t)__builtin_ctz(mask);
			if (i + 16 == len)
				return len;
		}
	}
#endif
	for (; i < len; i++)
		if (a->sbtab[u[i]])
			return i;
	return len;
}

/* Run the filter over p, OR-ing the regexes found into bits.
 *
 *   start  [0, 1024)     gate: raw pairs folding to a literal's first
 *                        pair, and every pair whose first byte is a
 *                        one-byte literal
 *          [1024, 2048)  raw pairs folding to a two-byte literal
 *          [2048, 3072)  hash of raw triples (acfield_tri) folding to
 *                        the start of a longer literal
 *
 * Each byte costs one gate test; the pair and triple tables (triples,
 * because in paths and agents many pairs start some literal: "/e",
 * "co", "in") are read only where the gate passed. */
static inline __attribute__((always_inline))
void ac_run(const struct bw_engine *e, const struct acfield *a,
	    uint64_t *bits, const char *p, size_t len)
{
	const unsigned char *u = (const unsigned char *)p;
	const uint64_t *gate = a->start;
	if (a->nsbyte) {
		size_t skip = ac_first_sbyte(a, u, len);
		u += skip; /* nothing before can start a literal */
		len -= skip;
	}
	if (!len)
		return;
	/* one-byte literals: the groups seen are resolved once at the end */
	uint64_t seen = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		uint32_t k = pair_at(u + i);
		if (__builtin_expect((gate[k >> 6] >> (k & 63)) & 1, 0))
			seen |= ac_hit(a, bits, u, len, i);
	}
	if (a->lone)
		seen |= a->lone[u[len - 1]];
	while (seen) {
		const uint64_t *m = a->lonemask + (size_t)__builtin_ctzll(seen) *
						      e->rxw;
		seen &= seen - 1;
		for (size_t w = 0; w < e->rxw; w++)
			bits[w] |= m[w];
	}
}

/* bits holds the filter's answer for value p of field f: give the
 * regexes on the decoded value (urldecode()) the answer for the decoded
 * text instead, when decoding changes it. The result is a function of p,
 * as the value cache wants. Out of line: few values hold a '%'. */
__attribute__((noinline))
static void pct_merge(struct bw_engine *e, int f, const bw_event *ev,
		      uint64_t *bits, const char *p, size_t n)
{
	const struct acfield *a = &e->ac[f];
	bw_str d = { .p = p, .n = n };
	field_decoded(e, f, ev, &d);
	if (d.p == p)
		return;
	uint64_t *t = a->pct + e->rxw;
	for (size_t w = 0; w < e->rxw; w++)
		t[w] = a->always[w];
	ac_run(e, a, t, d.p, d.n);
	for (size_t w = 0; w < e->rxw; w++)
		bits[w] = (bits[w] & ~a->pct[w]) | (t[w] & a->pct[w]);
}

/* @return 0 when regex idx (on field f) cannot match this event. */
static inline int rx_maybe(struct bw_engine *e, int f, const bw_event *ev,
			   int idx)
{
	if (!e->ac[f].start)
		return 1;
	const uint64_t *b = field_hits(e, f, ev);
	return (b[(unsigned)idx >> 6] >> (idx & 63)) & 1;
}

/* Whether field f's filter takes the literals of regex nodes on field nf:
 * its own, and for url.path those of url.path.normalized as well
 * (field_hits answers the latter from url.path's scan when the path is
 * already normal). */
static inline int ac_covers(int f, int nf)
{
	return nf == f || (f == BW_F_URL_PATH && nf == BW_F_URL_PATH_NORM);
}

/* Build the filter of field f from the regex nodes on it.
 * @return 0, -1 on OOM. */
static int ac_build(struct bw_engine *e, int f)
{
	const struct bw_ruleset *rs = e->rs;
	struct acfield *a = &e->ac[f];
	size_t W = e->rxw, nlit = 0, ntext = 0;
	int any = 0;
	for (size_t i = 0; i < rs->nnodes; i++) {
		const struct bw_rnode *n = &rs->nodes[i];
		int32_t xi = bw_rnode_filter(n);
		if (xi < 0 || !ac_covers(f, n->field) || !rs->rx[xi].nreq)
			continue;
		const struct bw_regex *rx = &rs->rx[xi];
		for (size_t k = 0; k < rx->nreq; k++) {
			nlit++;
			ntext += rx->req[k].n;
		}
		any = 1;
	}
	if (!any)
		return 0;
	int rc = -1;
	uint32_t nl = 0, nkey = 0;
	uint16_t *keys = malloc(nlit * sizeof(*keys));
	uint16_t *prank = NULL;
	a->lit = malloc(nlit * sizeof(*a->lit));
	a->text = malloc(ntext + 1);
	a->start = calloc(3072, sizeof(*a->start));
	a->always = calloc(W, sizeof(*a->always));
	/* common_pairs by pair: 256 - rank, 0 for the others */
	prank = calloc(65536, sizeof(*prank));
	if (!keys || !a->lit || !a->text || !a->start || !a->always || !prank)
		goto out;
	for (unsigned k = 0; k + 1 < sizeof(common_pairs); k += 2)
		prank[(unsigned char)common_pairs[k] |
		      (unsigned)(unsigned char)common_pairs[k + 1] << 8] =
			(uint16_t)(256 - k / 2);
	uint8_t lonebit[256], first[256] = { 0 };
	int nlone = 0;
	memset(lonebit, 0xff, sizeof(lonebit));
	for (size_t i = 0; i < rs->nnodes; i++) {
		const struct bw_rnode *n = &rs->nodes[i];
		int32_t xi = bw_rnode_filter(n);
		if (xi < 0 || !ac_covers(f, n->field))
			continue;
		const struct bw_regex *rx = &rs->rx[xi];
		for (size_t k = 0; k < rx->nreq; k++)
			if (rx->req[k].n)
				first[lowtab[(unsigned char)rx->req[k].s[0]]] = 1;
	}
	int ns0 = 0;
	for (unsigned c = 0; c < 256 && ns0 <= 8; c++) {
		int starts = first[lowtab[c]];
		if (starts && ns0 < 8)
			a->sbyte[ns0] = (uint8_t)c;
		ns0 += starts;
	}
	a->nsbyte = ns0 <= 8 ? ns0 : 0;
	for (int k = 0; k < a->nsbyte; k++)
		a->sbtab[a->sbyte[k]] = 1;
	ntext = 0;
	for (size_t i = 0; i < rs->nnodes; i++) {
		const struct bw_rnode *n = &rs->nodes[i];
		int32_t xi = bw_rnode_filter(n);
		if (xi < 0 || !ac_covers(f, n->field) || !rs->rx[xi].nreq)
			continue;
		const struct bw_regex *rx = &rs->rx[xi];
		uint64_t bit = 1ull << (xi & 63);
		size_t word = (size_t)xi >> 6;
		for (size_t k = 0; k < rx->nreq; k++) {
			const unsigned char *l = (const unsigned char *)rx->req[k].s;
			size_t ln = rx->req[k].n;
			if (!ln) {
				a->always[word] |= bit; /* empty literal: always */
				continue;
			}
			unsigned c0 = lowtab[l[0]];
			if (ln == 1) {
				if (!a->lone) {
					a->lone = calloc(256, sizeof(*a->lone));
					a->lonemask = calloc(64 * W,
							     sizeof(*a->lonemask));
					if (!a->lone || !a->lonemask)
						goto out;
				}
				if (lonebit[c0] == 0xff)
					lonebit[c0] = (uint8_t)(nlone++ & 63);
				a->lonemask[lonebit[c0] * W + word] |= bit;
				continue;
			}
			/* sparse fields skip to a literal's first byte, so
			 * their anchor is the first pair */
			size_t o = a->nsbyte ? 0 : ac_anchor(l, ln, prank);
			unsigned c1 = lowtab[l[o]], c2 = lowtab[l[o + 1]];
			/* every raw pair or triple folding to the anchor's */
			unsigned c3 = o + 2 < ln ? lowtab[l[o + 2]] : 0;
			for (unsigned v = 0; v < 8; v++) {
				unsigned x = v & 1 && c1 - 'a' < 26u ? c1 - 32 : c1;
				unsigned y = v & 2 && c2 - 'a' < 26u ? c2 - 32 : c2;
				unsigned z = v & 4 && c3 - 'a' < 26u ? c3 - 32 : c3;
				unsigned g = x | y << 8;
				unsigned kk = o + 2 == ln ? 1024 * 64 + g :
					      2048 * 64 + acfield_tri(x, y, z);
				a->start[g >> 6] |= 1ull << (g & 63);
				a->start[kk >> 6] |= 1ull << (kk & 63);
			}
			keys[nl] = (uint16_t)(c1 | c2 << 8);
			a->lit[nl].anc = (uint16_t)o;
			a->lit[nl].off = (uint32_t)ntext;
			a->lit[nl].n = (uint32_t)ln;
			a->lit[nl].rx = (uint32_t)xi;
			uint64_t head = 0, hmask = 0;
			for (size_t j = 0; j < ln && j < 8; j++) {
				head |= (uint64_t)(lowtab[l[j]] | 0x20) << (8 * j);
				hmask |= 0xffull << (8 * j);
			}
			/* load8 reads memory order: little-endian layout */
			uint8_t hb[8], mb[8];
			for (int j = 0; j < 8; j++) {
				hb[j] = (uint8_t)(head >> (8 * j));
				mb[j] = (uint8_t)(hmask >> (8 * j));
			}
			memcpy(&a->lit[nl].head, hb, 8);
			memcpy(&a->lit[nl].hmask, mb, 8);
			for (size_t j = 0; j < ln; j++)
				a->text[ntext++] = (char)lowtab[l[j]];
			nl++;
		}
	}
	if (a->lone)
		for (unsigned c = 0; c < 256; c++)
			if (lonebit[lowtab[c]] != 0xff) {
				a->lone[c] = 1ull << lonebit[lowtab[c]];
				for (unsigned y = 0; y < 256; y++) {
					unsigned g = c | y << 8;
					a->start[g >> 6] |= 1ull << (g & 63);
				}
			}
	/* group the literals by anchor pair into contiguous runs (a few
	 * hundred literals at most: quadratic is fine) */
	for (uint32_t k = 0; k < nl; k++) {
		int seen = 0;
		for (uint32_t j = 0; j < k && !seen; j++)
			seen = keys[j] == keys[k];
		nkey += !seen;
	}
	a->slotbits = 4;
	while ((1u << a->slotbits) < nkey * 2)
		a->slotbits++;
	a->slot = calloc((size_t)1 << a->slotbits, sizeof(*a->slot));
	struct aclit *sorted = malloc((nl ? nl : 1) * sizeof(*sorted));
	if (!a->slot || !sorted) {
		free(sorted);
		goto out;
	}
	uint32_t ns = 0, m = (1u << a->slotbits) - 1;
	for (uint32_t k = 0; k < nl; k++) {
		uint32_t h = acslot_of(keys[k], a->slotbits);
		while (a->slot[h].cnt && a->slot[h].key != keys[k])
			h = (h + 1) & m;
		if (a->slot[h].cnt)
			continue; /* key filed with its first literal */
		a->slot[h].key = keys[k];
		a->slot[h].first = ns;
		for (uint32_t j = k; j < nl; j++)
			if (keys[j] == keys[k])
				sorted[ns++] = a->lit[j];
		a->slot[h].cnt = ns - a->slot[h].first;
	}
	assert(ns == nl);
	memcpy(a->lit, sorted, nl * sizeof(*sorted));
	free(sorted);
	for (size_t i = 0; i < rs->nnodes; i++) {
		const struct bw_rnode *n = &rs->nodes[i];
		int32_t xi = bw_rnode_filter(n);
		if (xi < 0 || !ac_covers(f, n->field) || !rs->rx[xi].nreq ||
		    !(n->flags & RNF_DECODE))
			continue;
		if (!a->pct && !(a->pct = calloc(2 * W, sizeof(*a->pct))))
			goto out;
		a->pct[(size_t)xi >> 6] |= 1ull << (xi & 63);
	}
	/* no cache is no error: every value is then scanned */
	a->ctag = calloc(ACACHE_SLOTS, sizeof(*a->ctag));
	a->cache = calloc(ACACHE_SLOTS, sizeof(*a->cache));
	a->cbits = calloc(ACACHE_SLOTS * W, sizeof(*a->cbits));
	if (!a->ctag || !a->cache || !a->cbits) {
		free(a->ctag);
		free(a->cache);
		free(a->cbits);
		a->ctag = NULL;
		a->cache = NULL;
		a->cbits = NULL;
	}
	rc = 0;
out:
	free(keys);
	free(prank);
	return rc;
}

static void ac_fini(struct acfield *a)
{
	free(a->pct);
	free(a->start);
	free(a->lone);
	free(a->lonemask);
	free(a->slot);
	free(a->lit);
	free(a->text);
	free(a->always);
	free(a->ctag);
	free(a->cache);
	free(a->cbits);
}

/* A lowercased copy of field f of ev (value s), made once per event.
 * @return it, NULL on OOM. */
static const char *field_lower(struct bw_engine *e, int slot,
			       const bw_event *ev, const bw_str *s)
{
	struct flow *l = &e->low[slot];
	if (l->gen == e->gen && l->ev == ev)
		return l->p;
	if (s->n > l->cap || !l->p) {
		size_t cap = s->n * 2 + 64;
		char *q = realloc(l->p, cap);
		if (!q)
			return NULL;
		l->p = q;
		l->cap = cap;
	}
	const unsigned char *u = (const unsigned char *)s->p;
	for (size_t i = 0; i < s->n; i++)
		l->p[i] = (char)lowtab[u[i]];
	l->gen = e->gen;
	l->ev = ev;
	return l->p;
}

/* field_decoded's work, done once per event and field. */
__attribute__((noinline))
static void decode_into(struct bw_engine *e, struct fdec *d, const bw_event *ev,
			bw_str *s)
{
	d->gen = e->gen;
	d->ev = ev;
	d->view = *s;
	if (!s->n || !memchr(s->p, '%', s->n))
		return;
	if (s->n > d->cap) {
		size_t cap = s->n * 2 + 64;
		char *q = realloc(d->buf, cap);
		if (!q)
			return;
		d->buf = q;
		d->cap = cap;
	}
	d->view.p = d->buf;
	d->view.n = bw_pct_decode(s->p, s->n, d->buf);
	*s = d->view;
}

/* url.path.normalized: the path the server serves for the one asked
 * (bw_path_normalize), once per event, for the rules that name it. */
__attribute__((noinline))
static void path_normalized(struct bw_engine *e, const bw_event *ev, bw_str *s)
{
	struct fdec *d = &e->pnorm;
	if (d->gen == e->gen && d->ev == ev) {
		*s = d->view;
		return;
	}
	d->gen = e->gen;
	d->ev = ev;
	const bw_str *p = &ev->url_path;
	if (bw_path_is_normal(p->p, p->n)) {
		d->view = *p; /* most paths: the path itself, no copy */
		*s = d->view;
		return;
	}
	if (p->n > d->cap) {
		size_t cap = p->n * 2 + 64;
		char *q = realloc(d->buf, cap);
		if (!q) { /* out of memory: the path as logged */
			d->view = *p;
			*s = d->view;
			return;
		}
		d->buf = q;
		d->cap = cap;
	}
	d->view.p = d->buf ? d->buf : "";
	d->view.n = p->n ? bw_path_normalize(p->p, p->n, d->buf) : 0;
	*s = d->view;
}

/* Field f of ev (value s) percent-decoded, once per event: *s becomes
 * the decoded view (unchanged when the value holds no '%', or when out
 * of memory: the raw value is then what the rule sees). */
static inline void field_decoded(struct bw_engine *e, int f,
				 const bw_event *ev, bw_str *s)
{
	struct fdec *d = &e->dec[f];
	if (d->gen == e->gen && d->ev == ev)
		*s = d->view;
	else
		decode_into(e, d, ev, s);
}

/* Which view of its field node n reads, for memos kept per view: the
 * value (the field id) or its decoding (BW_F__COUNT + field id). */
static inline int node_view(const struct bw_rnode *n)
{
	return n->field + (n->flags & RNF_DECODE ? BW_F__COUNT : 0);
}

/* The text node n tests: its field's value, decoded for urldecode().
 * @return 0 when the event lacks the field. */
static inline int node_str(struct bw_engine *e, const struct bw_rnode *n,
			   const bw_event *ev, bw_str *s)
{
	if (!str_field(e, ev, n->field, s))
		return 0;
	if (n->flags & RNF_DECODE)
		field_decoded(e, n->field, ev, s);
	return 1;
}

/* The rules of this event's source/kind whose prefilter passes: scans
 * each field the index's prefilters read (once per event), then maps the
 * regexes whose literals are present to the rules that list them. */
static const uint64_t *rule_candidates(struct bw_engine *e, const bw_event *ev,
				       unsigned src, unsigned kind, uint64_t miss,
				       const uint64_t *ok)
{
	size_t rw = e->rw;
	const uint64_t *im = e->imask + ((size_t)src * BW_KIND__COUNT + kind) * rw;
	memcpy(e->cand, e->nopre, rw * sizeof(*e->cand));
	/* a filtered node on a field the event lacks is false (pre_set
	 * takes no !~), so that field makes no rule a candidate */
	uint64_t fm = e->prefields[src][kind] & ~miss;
	while (fm) {
		int f = __builtin_ctzll(fm);
		fm &= fm - 1;
		/* url.path.normalized is computed: not when every rule
		 * filtering on it lacks another of its fields (the bulk
		 * rules' when the request has no user) */
		if (f == BW_F_URL_PATH_NORM) {
			uint64_t any = 0;
			for (size_t k = 0; k < rw; k++)
				any |= e->normrules[k] & ok[k];
			if (!any)
				continue;
		}
		const uint64_t *b = field_hits(e, f, ev);
		for (size_t w = 0; w < e->rxw; w++) {
			uint64_t x = b[w];
			while (x) {
				size_t r = w * 64 + (size_t)__builtin_ctzll(x);
				x &= x - 1;
				if (r >= e->rs->nrx)
					break;
				const uint64_t *m = e->rx_rules + r * rw;
				for (size_t k = 0; k < rw; k++)
					e->cand[k] |= m[k];
			}
		}
	}
	for (size_t k = 0; k < rw; k++)
		e->cand[k] &= im[k];
	return e->cand;
}

#define RECENT_LEVELS 8

/* The deepest level among the rules node ni's recent() names, plus one. */
static int recent_depth(const struct bw_ruleset *rs, int32_t ni, const int *lv)
{
	if (ni < 0)
		return 0;
	const struct bw_rnode *n = &rs->nodes[ni];
	switch ((enum bw_rop)n->op) {
	case RN_AND:
	case RN_OR: {
		int a = recent_depth(rs, n->a, lv), b = recent_depth(rs, n->b, lv);
		return a > b ? a : b;
	}
	case RN_NOT:
		return recent_depth(rs, n->a, lv);
	case RN_RECENT:
		return n->a >= 0 ? lv[n->a] + 1 : 0;
	default:
		return 0;
	}
}

/* Each rule's level: 0 when it names no recent(), else one above the
 * rules it names (a cycle stops at RECENT_LEVELS - 1). @return 0, -1
 * on OOM. */
static int recent_levels(struct bw_engine *e, size_t rw)
{
	const struct bw_ruleset *rs = e->rs;
	int *lv = calloc(rs->nrules ? rs->nrules : 1, sizeof(*lv));
	if (!lv)
		return -1;
	int top = 0;
	for (int it = 0; it < RECENT_LEVELS; it++) {
		int changed = 0;
		for (size_t ri = 0; ri < rs->nrules; ri++) {
			const struct bw_rule *r = &rs->rules[ri];
			int d = recent_depth(rs, r->when, lv);
			for (int k = 0; k < r->nesc; k++) {
				int x = recent_depth(rs, r->esc[k].cond, lv);
				d = x > d ? x : d;
			}
			for (int k = 0; k < r->nsteps; k++) {
				int x = recent_depth(rs, r->steps[k].cond, lv);
				d = x > d ? x : d;
			}
			if (d > RECENT_LEVELS - 1)
				d = RECENT_LEVELS - 1;
			if (d != lv[ri]) {
				lv[ri] = d;
				changed = 1;
			}
			top = d > top ? d : top;
		}
		if (!changed)
			break;
	}
	e->nlv = top + 1;
	e->lvmask = calloc((size_t)e->nlv * rw, sizeof(*e->lvmask));
	if (!e->lvmask) {
		free(lv);
		return -1;
	}
	for (size_t ri = 0; ri < rs->nrules; ri++)
		e->lvmask[(size_t)lv[ri] * rw + (ri >> 6)] |= 1ull << (ri & 63);
	free(lv);
	return 0;
}

/* Fill the rule candidate tables (after ac_build). @return 0, -1 on OOM. */
static int cand_build(struct bw_engine *e)
{
	const struct bw_ruleset *rs = e->rs;
	size_t rw = (rs->nrules + 63) / 64 + 1;
	e->rw = rw;
	e->rx_rules = calloc((rs->nrx ? rs->nrx : 1) * rw, sizeof(*e->rx_rules));
	e->nopre = calloc(rw, sizeof(*e->nopre));
	e->cand = calloc(rw, sizeof(*e->cand));
	e->imask = calloc((size_t)BW_SRC__COUNT * BW_KIND__COUNT * rw,
			  sizeof(*e->imask));
	e->needmask = calloc((size_t)BW_F__COUNT * rw, sizeof(*e->needmask));
	e->ocmask = calloc((size_t)(BW_OUTCOME__COUNT + 1) * rw,
			   sizeof(*e->ocmask));
	e->allowmask = calloc(rw, sizeof(*e->allowmask));
	if (recent_levels(e, rw) < 0)
		return -1;
	e->todo = calloc(rw, sizeof(*e->todo));
	e->normrules = calloc(rw, sizeof(*e->normrules));
	e->okmask = calloc(OKMEMO_SLOTS * rw, sizeof(*e->okmask));
	e->stmask = calloc((size_t)BW_STATUS_BITS * rw, sizeof(*e->stmask));
	if (!e->rx_rules || !e->nopre || !e->cand || !e->imask ||
	    !e->needmask || !e->ocmask || !e->allowmask || !e->okmask ||
	    !e->stmask || !e->normrules || !e->todo)
		return -1;
	for (size_t ri = 0; ri < rs->nrules; ri++) {
		const struct bw_rule *r = &rs->rules[ri];
		size_t w = ri >> 6;
		uint64_t bit = 1ull << (ri & 63);
		for (int f = 0; f < BW_F__COUNT; f++)
			if (r->need_fields & (1ull << f))
				e->needmask[(size_t)f * rw + w] |= bit;
		/* o == BW_OUTCOME__COUNT: an outcome out of range */
		for (int o = 0; o <= BW_OUTCOME__COUNT; o++)
			if (r->outcome_mask & (1u << o))
				e->ocmask[(size_t)o * rw + w] |= bit;
		if (!r->noallow)
			e->allowmask[w] |= bit;
		for (size_t st = 0; st < BW_STATUS_BITS; st++)
			if (!st || !r->status_known ||
			    (r->status_ok[st >> 6] >> (st & 63)) & 1)
				e->stmask[st * rw + w] |= bit;
	}
	for (int sidx = 0; sidx < BW_SRC__COUNT; sidx++)
		for (int kd = 0; kd < BW_KIND__COUNT; kd++) {
			uint64_t *im = e->imask +
				       ((size_t)sidx * BW_KIND__COUNT + kd) * rw;
			for (uint32_t i = 0; i < rs->nindex[sidx][kd]; i++) {
				uint32_t ri = rs->index[sidx][kd][i];
				/* bit order is index order (rules ascending) */
				assert(i == 0 || ri > rs->index[sidx][kd][i - 1]);
				im[ri >> 6] |= 1ull << (ri & 63);
				e->needany[sidx][kd] |= rs->rules[ri].need_fields;
			}
		}
	for (size_t ri = 0; ri < rs->nrules; ri++) {
		const struct bw_rule *r = &rs->rules[ri];
		uint64_t bit = 1ull << (ri & 63);
		int filtered = r->npre > 0;
		for (int k = 0; k < r->npre; k++)
			if (!e->ac[r->pre_field[k]].start)
				filtered = 0; /* no literal table: no filter */
		if (!filtered) {
			e->nopre[ri >> 6] |= bit;
			continue;
		}
		for (int k = 0; k < r->npre; k++) {
			e->rx_rules[(size_t)r->pre_rx[k] * rw + (ri >> 6)] |= bit;
			if (r->pre_field[k] == BW_F_URL_PATH_NORM)
				e->normrules[ri >> 6] |= bit;
		}
		for (int sidx = 0; sidx < BW_SRC__COUNT; sidx++)
			for (int kd = 0; kd < BW_KIND__COUNT; kd++)
				if (r->kind_mask[sidx] & (1ull << kd))
					for (int k = 0; k < r->npre; k++)
						e->prefields[sidx][kd] |=
							1ull << r->pre_field[k];
	}
	return 0;
}

/* Out of line: keeps eval()'s frame small for the cheap node kinds. */
__attribute__((noinline))
static int regex_run(struct ectx *x, const struct bw_rnode *n, const char *p,
		     size_t len)
{
	struct bw_engine *e = x->e;
	const struct bw_regex *rx = &e->rs->rx[n->a];
	if (rx->nreq && !rx_maybe(e, n->field, x->ev, n->a))
		return 0;
	if (rx->lit) {
		if (rx->lit_icase ? !ci_find(p, len, rx->lit, rx->litlen) :
				    !bw_memmem(p, len, rx->lit, rx->litlen))
			return 0;
	}
	int rc = pcre2_match(rx->code, (PCRE2_SPTR)p, len, 0, 0, e->md, e->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	/* limits (match, depth, heap, JIT stack) or bad input: no match,
	 * counted */
	e->run[x->rule].rx_limit++;
	e->st.regex_limit++;
	return 0;
}

static inline const struct kmemo *group_key(struct bw_engine *e, int ri,
					    const bw_event *ev);

static int eval_recent(struct ectx *x, const struct bw_rnode *n)
{
	struct bw_engine *e = x->e;
	if (n->a < 0)
		return 0;
	const struct kmemo *km = group_key(e, n->a, x->ev);
	if (!km)
		return 0;
	struct bw_wkey *k = bw_wtable_find_lane_hashed(&e->run[n->a].recent, 0,
						       km->key, km->len,
						       km->hash);
	if (!k)
		return 0;
	const struct recent_state *s = bw_wkey_state(k);
	return s->last_alert >= e->clock - n->ival;
}

static int alert_matches(const struct bw_ruleset *rs, const struct bw_rset *set,
			 const struct bw_rule *ar)
{
	if (bw_rset_has_str(rs, set, ar->id, strlen(ar->id)))
		return 1;
	for (int i = 0; i < ar->ntags; i++)
		if (bw_rset_has_str(rs, set, ar->tags[i], strlen(ar->tags[i])))
			return 1;
	return 0;
}

static int eval_in(struct ectx *x, const struct bw_rnode *n,
		   const struct bw_rset *set)
{
	struct bw_engine *e = x->e;
	const bw_event *ev = x->ev;
	const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)n->field);
	int64_t v;
	bw_str s;
	if (n->field == BW_F_TS)
		return bw_rset_has_int(set, local_hour(e, ev->ts_ms));
	if (d->type == BW_FT_IP) {
		const bw_ip *ip;
		return bw_field_get_ip(ev, (enum bw_field_id)n->field, &ip) &&
		       bw_rset_has_ip(set, ip);
	}
	if (d->type == BW_FT_INT) {
		if (!bw_field_get_int(ev, (enum bw_field_id)n->field, &v))
			return 0;
		return bw_rset_has_int(set, v);
	}
	if (!node_str(e, n, ev, &s))
		return 0;
	return bw_rset_has_str(e->rs, set, s.p, s.n);
}

/* `f == "s"` / `f != "s"` (RN_CMP_STR) on the field's value, NULL when
 * the event lacks it: an absent field is unequal to everything. */
static inline int cmp_str(const struct bw_rnode *n, const bw_str *v)
{
	if (!v)
		return n->cmp == RC_NE;
	int eq = v->n == n->slen &&
		 (n->flags & RNF_LOWER ? ieq_mem(v->p, n->str, v->n) :
					 memcmp(v->p, n->str, v->n) == 0);
	return eq == (n->cmp == RC_EQ);
}

/* Node kinds that read strings, sets or regexes: out of line, so eval()
 * stays a small frame for the enum/int tests and the AND/OR walk. */
__attribute__((noinline))
static int eval_slow(struct ectx *x, const struct bw_rnode *n)
{
	struct bw_engine *e = x->e;
	const bw_event *ev = x->ev;
	bw_str s;
	int64_t v;
	switch ((enum bw_rop)n->op) {
	case RN_CMP_STR:
		return cmp_str(n, node_str(e, n, ev, &s) ? &s : NULL);
	case RN_STARTS:
		if (!node_str(e, n, ev, &s) || s.n < n->slen)
			return 0;
		return n->flags & RNF_LOWER ? ieq_mem(s.p, n->str, n->slen) :
					      memcmp(s.p, n->str, n->slen) == 0;
	case RN_ENDS:
		if (!node_str(e, n, ev, &s) || s.n < n->slen)
			return 0;
		return n->flags & RNF_LOWER ?
			       ieq_mem(s.p + s.n - n->slen, n->str, n->slen) :
			       memcmp(s.p + s.n - n->slen, n->str, n->slen) == 0;
	case RN_CONTAINS:
		if (!node_str(e, n, ev, &s))
			return 0;
		return (n->flags & RNF_LOWER ? ci_find(s.p, s.n, n->str, n->slen) :
					       bw_memmem(s.p, s.n, n->str, n->slen)) != NULL;
	case RN_REGEX: {
		if (!node_str(e, n, ev, &s))
			return n->cmp == RC_NE;
		const char *p = s.p;
		if (n->flags & RNF_LOWER) {
			p = field_lower(e, node_view(n), ev, &s);
			if (!p)
				return 0;
		}
		return regex_run(x, n, p, s.n) == (n->cmp == RC_EQ);
	}
	case RN_IN: {
		const struct bw_rset *set = &e->rs->sets[n->a];
		struct smemo *sm = &e->smemo[n->a];
		/* the decoded value is another value */
		int16_t mf = (int16_t)node_view(n);
		if (set->name && sm->gen == e->gen && sm->field == mf)
			return sm->res;
		/* none of the set's literals in the value: not in it */
		int res = n->b >= 0 && e->rs->rx[n->b].nreq &&
				  !rx_maybe(e, n->field, ev, n->b) ?
				  0 : eval_in(x, n, set);
		if (set->name) {
			sm->gen = e->gen;
			sm->field = mf;
			sm->res = (int8_t)res;
		}
		return res;
	}
	case RN_EXISTS: {
		const struct bw_field_desc *d =
			bw_field_desc((enum bw_field_id)n->field);
		const bw_ip *ip;
		switch (d->type) {
		case BW_FT_STR: return str_field(e, ev, n->field, &s);
		case BW_FT_IP: return bw_field_get_ip(ev, (enum bw_field_id)n->field, &ip);
		default: return bw_field_get_int(ev, (enum bw_field_id)n->field, &v);
		}
	}
	case RN_HOUR:
		return bw_rcmp_int(n->cmp, local_hour(e, ev->ts_ms), n->ival);
	case RN_RECENT:
		return eval_recent(x, n);
	case RN_ALERT:
		return x->alert_rule &&
		       alert_matches(e->rs, &e->rs->sets[n->a], x->alert_rule);
	default:
		return 0;
	}
}

/* One test node (not AND/OR/NOT/TRUE/FALSE). */
static inline __attribute__((always_inline)) int
eval_leaf(struct ectx *x, const struct bw_rnode *n)
{
	const bw_event *ev = x->ev;
	int64_t v;
	switch ((enum bw_rop)n->op) {
	case RN_CMP_ENUM: {
		int64_t have = n->field == BW_F_SOURCE ? ev->source :
			       n->field == BW_F_KIND ? ev->kind : ev->outcome;
		return (have == n->ival) == (n->cmp == RC_EQ);
	}
	case RN_CMP_INT:
		if (n->field == BW_F_HTTP_STATUS) {
			if (!ev->http_status)
				return 0;
			return bw_rcmp_int(n->cmp, ev->http_status, n->ival);
		}
		if (n->field == BW_F_BYTES_OUT) {
			if (ev->bytes_out == BW_NUM_ABSENT)
				return 0;
			return bw_rcmp_int(n->cmp, ev->bytes_out, n->ival);
		}
		if (!bw_field_get_int(ev, (enum bw_field_id)n->field, &v))
			return 0;
		return bw_rcmp_int(n->cmp, v, n->ival);
	default:
		return eval_slow(x, n);
	}
}

static int when_run(struct ectx *x, int32_t pc);

/* Condition node ni: through its program when it is the root of a rule's
 * when, escalate or sequence step (gate_build), else the tree. */
/* An escalation or sequence step condition: gate_build made a program
 * for every one. */
static int eval(struct ectx *x, int32_t ni)
{
	int32_t pc = x->e->prog[ni];
	assert(pc != WS_NONE);
	return when_run(x, pc);
}

/* A rule's `when` as a flat program of its tests (struct wstep), each
 * saying where to go on true and on false: the AND/OR/NOT tree is
 * walked once at engine start instead of recursively per event. The
 * tests run in the tree's order, left to right, with its short cuts, so
 * the answer and every side effect (memos, regex limit counts) are those
 * of walking the tree. */
static int when_run(struct ectx *x, int32_t pc)
{
	const struct wstep *st = x->e->wsteps;
	const struct bw_rnode *nodes = x->e->rs->nodes;
	const bw_event *ev = x->ev;
	const char *base = (const char *)ev;
	while (pc >= 0) {
		const struct wstep *s = &st[pc];
		int r;
		switch (s->fast) {
		case WF_ENUM_IN: {
			unsigned v = s->off == BW_F_SOURCE ? ev->source :
				     s->off == BW_F_KIND ? ev->kind : ev->outcome;
			r = v < s->lo ? (int)((s->mask >> v) & 1) :
					eval_leaf(x, &nodes[s->node]);
			break;
		}
		case WF_STATUS_IN: {
			uint64_t d = (uint64_t)((int64_t)ev->http_status - s->lo);
			r = ev->http_status && d < 64 && ((s->mask >> d) & 1);
			break;
		}
		case WF_EXISTS_PTR: {
			const char *p;
			memcpy(&p, base + s->off, sizeof(p));
			r = p != NULL;
			break;
		}
		case WF_EXISTS_IP:
			r = ((const bw_ip *)(const void *)(base + s->off))->family != 0;
			break;
		case WF_EXISTS_USER:
			r = ev->user.p != NULL || ev->identity.p != NULL;
			break;
		case WF_STR_CMP: {
			/* eval_slow's RN_CMP_STR on a plain member */
			bw_str v;
			memcpy(&v, base + s->off, sizeof(v));
			r = cmp_str(&nodes[s->node], v.p ? &v : NULL);
			break;
		}
		default:
			r = eval_leaf(x, &nodes[s->node]);
		}
		pc = r ? s->on_true : s->on_false;
	}
	return pc == WS_TRUE;
}

/* Where str_field reads string field f in a bw_event. @return the
 * offset of its bw_str, or -1 (not a plain member: computed, or USER). */
static int str_offset(int f)
{
	switch ((enum bw_field_id)f) {
	case BW_F_USER_DOMAIN: return (int)offsetof(bw_event, user_domain);
	case BW_F_AUTH_METHOD: return (int)offsetof(bw_event, auth_method);
	case BW_F_ACTION: return (int)offsetof(bw_event, action);
	case BW_F_REASON: return (int)offsetof(bw_event, reason);
	case BW_F_SESSION_ID: return (int)offsetof(bw_event, session_id);
	case BW_F_TARGET_USER: return (int)offsetof(bw_event, target_user);
	case BW_F_COMMAND: return (int)offsetof(bw_event, command);
	case BW_F_IDENTITY: return (int)offsetof(bw_event, identity);
	case BW_F_SRC_HOST: return (int)offsetof(bw_event, src_host);
	case BW_F_HOST: return (int)offsetof(bw_event, host);
	case BW_F_PROGRAM: return (int)offsetof(bw_event, program);
	case BW_F_FORWARDED_FOR: return (int)offsetof(bw_event, forwarded_for);
	case BW_F_HTTP_METHOD: return (int)offsetof(bw_event, http_method);
	case BW_F_URL_PATH: return (int)offsetof(bw_event, url_path);
	case BW_F_URL_QUERY: return (int)offsetof(bw_event, url_query);
	case BW_F_HTTP_VERSION: return (int)offsetof(bw_event, http_version);
	case BW_F_REFERRER: return (int)offsetof(bw_event, referrer);
	case BW_F_USER_AGENT: return (int)offsetof(bw_event, user_agent);
	case BW_F_VHOST: return (int)offsetof(bw_event, vhost);
	case BW_F_REQUEST: return (int)offsetof(bw_event, request);
	default: return -1;
	}
}

/* Fill the short cut of step s (node ni), when its test has one. The
 * answers are the slow path's: enum sets are asked about every value
 * once, here. */
static void step_fast(struct bw_engine *e, struct wstep *s, int32_t ni)
{
	const struct bw_rnode *n = &e->rs->nodes[ni];
	const struct bw_field_desc *d;
	s->fast = WF_NONE;
	if (n->op == RN_IN && n->a >= 0 &&
	    (n->field == BW_F_SOURCE || n->field == BW_F_KIND ||
	     n->field == BW_F_OUTCOME)) {
		int count = n->field == BW_F_SOURCE ? BW_SRC__COUNT :
			    n->field == BW_F_KIND ? BW_KIND__COUNT :
			    BW_OUTCOME__COUNT;
		if (count > 64)
			return;
		uint64_t m = 0;
		for (int v = 0; v < count; v++) {
			bw_event t;
			memset(&t, 0, sizeof(t));
			t.source = (uint8_t)v;
			t.kind = (uint8_t)v;
			t.outcome = (uint8_t)v;
			struct ectx x = { e, 0, &t, NULL };
			if (eval_in(&x, n, &e->rs->sets[n->a]))
				m |= 1ull << v;
		}
		s->fast = WF_ENUM_IN;
		s->off = (uint16_t)n->field;
		s->mask = m;
		s->lo = count; /* values from count on: the slow path */
		return;
	}
	if (n->op == RN_IN && n->a >= 0 && n->field == BW_F_HTTP_STATUS) {
		const struct bw_rset *set = &e->rs->sets[n->a];
		if (!set->nints)
			return;
		int64_t lo = set->ints[0], hi = set->ints[0];
		for (size_t i = 1; i < set->nints; i++) {
			if (set->ints[i] < lo)
				lo = set->ints[i];
			if (set->ints[i] > hi)
				hi = set->ints[i];
		}
		if (hi - lo >= 64 || lo <= INT32_MIN || hi > INT32_MAX)
			return;
		s->mask = 0;
		for (size_t i = 0; i < set->nints; i++)
			s->mask |= 1ull << (set->ints[i] - lo);
		s->lo = lo;
		s->fast = WF_STATUS_IN;
		return;
	}
	if (n->op == RN_CMP_STR && !(n->flags & RNF_DECODE) &&
	    str_offset(n->field) >= 0) {
		s->fast = WF_STR_CMP;
		s->off = (uint16_t)str_offset(n->field);
		return;
	}
	if (n->op != RN_EXISTS)
		return;
	d = bw_field_desc((enum bw_field_id)n->field);
	if (n->field == BW_F_USER) {
		s->fast = WF_EXISTS_USER;
	} else if (d->type == BW_FT_IP) {
		s->fast = WF_EXISTS_IP;
		s->off = n->field == BW_F_SRC_IP ? offsetof(bw_event, src_ip) :
			 n->field == BW_F_DST_IP ? offsetof(bw_event, dst_ip) :
			 offsetof(bw_event, assigned_ip);
		if (n->field != BW_F_SRC_IP && n->field != BW_F_DST_IP &&
		    n->field != BW_F_ASSIGNED_IP)
			s->fast = WF_NONE;
	} else if (d->type == BW_FT_STR && str_offset(n->field) >= 0) {
		s->fast = WF_EXISTS_PTR;
		s->off = (uint16_t)(str_offset(n->field) +
				    (int)offsetof(bw_str, p));
	}
}

/* Append the steps of node ni, which continue at t when it is true and
 * at f when false. @return its entry (a step, or t / f), WS_OOM. */
static int32_t when_emit(struct bw_engine *e, int32_t ni, int32_t t, int32_t f,
			 size_t *cap)
{
	if (t == WS_OOM || f == WS_OOM)
		return WS_OOM;
	const struct bw_rnode *n = &e->rs->nodes[ni];
	switch ((enum bw_rop)n->op) {
	case RN_TRUE: return t;
	case RN_FALSE: return f;
	case RN_NOT: return when_emit(e, n->a, f, t, cap);
	case RN_AND:
		return when_emit(e, n->a, when_emit(e, n->b, t, f, cap), f,
				 cap);
	case RN_OR:
		return when_emit(e, n->a, t, when_emit(e, n->b, t, f, cap),
				 cap);
	default:
		break;
	}
	struct wstep *p = bw_rs_grow(e->wsteps, cap, e->nwsteps, sizeof(*p), 64);
	if (!p)
		return WS_OOM;
	e->wsteps = p;
	struct wstep *st = &e->wsteps[e->nwsteps];
	memset(st, 0, sizeof(*st));
	st->node = ni;
	st->on_true = t;
	st->on_false = f;
	step_fast(e, st, ni);
	return (int32_t)e->nwsteps++;
}

static inline __attribute__((always_inline)) int
field_present(const bw_event *ev, int f);

/* Is step s's test true of every event the dispatch hands rule r?
 * The dispatch hands r only events of an index cell (source, kind) that
 * lists r, out-of-range values counting as 0, and only events having
 * every field of r->need_fields that field_present knows: tests of the
 * class and such exists() are answered before when_run. The tests are
 * tried on made-up events, so the answer is the test's own. */
static int test_implied(struct bw_engine *e, const struct bw_rule *r,
			const struct wstep *s)
{
	const struct bw_rnode *n = &e->rs->nodes[s->node];
	bw_event t;
	memset(&t, 0, sizeof(t));
	if (s->fast == WF_EXISTS_USER || s->fast == WF_EXISTS_IP ||
	    s->fast == WF_EXISTS_PTR)
		/* the dispatch's test is the step's: a field field_present
		 * knows is absent from a zeroed event */
		return (r->need_fields >> n->field) & 1 &&
		       !field_present(&t, n->field);
	if (n->op == RN_CMP_ENUM && n->field == BW_F_OUTCOME) {
		/* the dispatch hands r only events of the outcomes in
		 * r->outcome_mask (BW_OUTCOME__COUNT: any out of range) */
		for (unsigned v = 0; v <= BW_OUTCOME__COUNT; v++) {
			if (!((r->outcome_mask >> v) & 1))
				continue;
			t.outcome = (uint8_t)v;
			struct ectx x = { e, 0, &t, NULL };
			if (!eval_leaf(&x, n))
				return 0;
		}
		return 1;
	}
	if ((n->op != RN_CMP_ENUM && n->op != RN_IN) ||
	    (n->field != BW_F_SOURCE && n->field != BW_F_KIND))
		return 0;
	int src = n->field == BW_F_SOURCE;
	/* every value out of range reads alike: COUNT stands for them */
	unsigned count = src ? BW_SRC__COUNT : BW_KIND__COUNT;
	for (unsigned v = 0; v <= count; v++) {
		int reach = 0;
		if (src) {
			reach = r->kind_mask[v < BW_SRC__COUNT ? v : 0] != 0;
		} else {
			unsigned k = v < BW_KIND__COUNT ? v : 0;
			for (int c = 0; c < BW_SRC__COUNT; c++)
				reach |= (int)((r->kind_mask[c] >> k) & 1);
		}
		if (!reach)
			continue;
		t.source = (uint8_t)(src ? v : 0);
		t.kind = (uint8_t)(src ? 0 : v);
		struct ectx x = { e, 0, &t, NULL };
		if (!eval_leaf(&x, n))
			return 0;
	}
	return 1;
}

/* Where a jump to step pc really goes: past the steps marked implied. */
static int32_t skip_implied(const struct bw_engine *e, const uint8_t *imp,
			    size_t first, int32_t pc)
{
	while (pc >= 0 && (size_t)pc >= first && imp[(size_t)pc - first])
		pc = e->wsteps[pc].on_true;
	return pc;
}

/* The program of condition ni, which rule r tests only on events the
 * dispatch hands it (its `when`, a sequence's event steps), without the
 * tests the dispatch has answered for every such event (test_implied):
 * a jump to such a step goes where its true branch leads. These tests
 * have no side effects, so only time changes. @return its entry,
 * WS_OOM. */
static int32_t when_prog(struct bw_engine *e, const struct bw_rule *r,
			 int32_t ni, size_t *cap)
{
	size_t first = e->nwsteps;
	int32_t entry = when_emit(e, ni, WS_TRUE, WS_FALSE, cap);
	if (entry == WS_OOM)
		return WS_OOM;
	size_t n = e->nwsteps - first;
	uint8_t *imp = calloc(n ? n : 1, 1);
	if (!imp)
		return WS_OOM;
	for (size_t i = 0; i < n; i++)
		imp[i] = (uint8_t)test_implied(e, r, &e->wsteps[first + i]);
	for (size_t i = 0; i < n; i++) {
		struct wstep *st = &e->wsteps[first + i];
		st->on_true = skip_implied(e, imp, first, st->on_true);
		st->on_false = skip_implied(e, imp, first, st->on_false);
	}
	entry = skip_implied(e, imp, first, entry);
	free(imp);
	return entry;
}

/* The program of the condition rooted at node ni, made once.
 * @return its entry, WS_OOM. */
static int32_t prog_of(struct bw_engine *e, int32_t ni, size_t *cap)
{
	if (e->prog[ni] == WS_NONE)
		e->prog[ni] = when_emit(e, ni, WS_TRUE, WS_FALSE, cap);
	return e->prog[ni];
}

/* Fill e->gate and the condition programs (when, escalate, sequence
 * steps). @return 0, -1 on OOM. */
static int gate_build(struct bw_engine *e)
{
	const struct bw_ruleset *rs = e->rs;
	e->gate = calloc(rs->nrules ? rs->nrules : 1, sizeof(*e->gate));
	e->prog = malloc((rs->nnodes ? rs->nnodes : 1) * sizeof(*e->prog));
	if (!e->gate || !e->prog)
		return -1;
	for (size_t i = 0; i < rs->nnodes; i++)
		e->prog[i] = WS_NONE;
	size_t cap = 0;
	for (size_t ri = 0; ri < rs->nrules; ri++) {
		const struct bw_rule *r = &rs->rules[ri];
		int32_t w = r->when < 0 ? WS_TRUE : when_prog(e, r, r->when, &cap);
		if (w == WS_OOM)
			return -1;
		for (int i = 0; i < r->nesc; i++)
			if (r->esc[i].cond >= 0 && prog_of(e, r->esc[i].cond, &cap) == WS_OOM)
				return -1;
		for (int i = 0; i < r->nsteps; i++) {
			int32_t c = r->steps[i].cond;
			if (c < 0)
				continue;
			/* an event step meets only the events the dispatch
			 * hands the rule (on_sequence with no alert) */
			if (!r->steps[i].is_alert && e->prog[c] == WS_NONE)
				e->prog[c] = when_prog(e, r, c, &cap);
			if (prog_of(e, c, &cap) == WS_OOM)
				return -1;
		}
		e->gate[ri] = (struct rgate){ w, (uint8_t)r->kind };
	}
	return 0;
}

/* Aggregates over a window. */
struct agg {
	uint64_t count;
	uint64_t dist[BW_RMAX_AGG];
	int64_t sum[BW_RMAX_AGG];
};

static double aval(const struct bw_ruleset *rs, int32_t ni, const struct agg *g)
{
	const struct bw_rnode *n = &rs->nodes[ni];
	switch (n->op) {
	case RN_A_NUM: return n->dval;
	case RN_A_COUNT: return (double)g->count;
	case RN_A_DISTINCT: return (double)g->dist[n->a];
	case RN_A_SUM: return (double)g->sum[n->a];
	case RN_A_ADD: return aval(rs, n->a, g) + aval(rs, n->b, g);
	case RN_A_SUB: return aval(rs, n->a, g) - aval(rs, n->b, g);
	case RN_A_MUL: return aval(rs, n->a, g) * aval(rs, n->b, g);
	case RN_A_DIV: {
		double d = aval(rs, n->b, g);
		return d == 0 ? 0 : aval(rs, n->a, g) / d;
	}
	default: return 0;
	}
}

static int atrue(const struct bw_ruleset *rs, int32_t ni, const struct agg *g)
{
	const struct bw_rnode *n = &rs->nodes[ni];
	switch (n->op) {
	case RN_AND: return atrue(rs, n->a, g) && atrue(rs, n->b, g);
	case RN_OR: return atrue(rs, n->a, g) || atrue(rs, n->b, g);
	case RN_NOT: return !atrue(rs, n->a, g);
	case RN_A_CMP: return cmp_dbl(n->cmp, aval(rs, n->a, g), aval(rs, n->b, g));
	default: return aval(rs, ni, g) != 0;
	}
}

/* The aggregate of node ni (RN_A_COUNT, _SUM or _DISTINCT) in ring w,
 * as aval would see it. */
static double ring_agg(const struct bw_ruleset *rs, int32_t ni,
		       const struct bw_wring *w)
{
	const struct bw_rnode *n = &rs->nodes[ni];
	switch (n->op) {
	case RN_A_COUNT: return (double)w->count;
	case RN_A_DISTINCT: return (double)w->dist[n->a].n;
	default: return (double)w->sum[n->a];
	}
}

/* Fill rr's first_* from rule r's trigger (see struct rrun). */
static void first_test(const struct bw_ruleset *rs, const struct bw_rule *r,
		       struct rrun *rr)
{
	rr->first_agg = -1;
	int32_t ni = r->trigger;
	while (ni >= 0 && rs->nodes[ni].op == RN_AND)
		ni = rs->nodes[ni].a;
	if (ni < 0 || rs->nodes[ni].op != RN_A_CMP)
		return;
	const struct bw_rnode *n = &rs->nodes[ni];
	int op = rs->nodes[n->a].op;
	if ((op != RN_A_COUNT && op != RN_A_SUM && op != RN_A_DISTINCT) ||
	    rs->nodes[n->b].op != RN_A_NUM)
		return;
	rr->first_agg = n->a;
	rr->first_cmp = n->cmp;
	rr->first_num = rs->nodes[n->b].dval;
}

/* ------------------------------------------------------------- keys */

/* Build the group key of r from ev. @return 0 when a group field is
 * absent (the event cannot be attributed), else 1. No group: empty key. */
static int key_of(struct bw_engine *e, const struct bw_rule *r,
		  const bw_event *ev, char *buf,
		  uint32_t *len)
{
	uint32_t n = 0;
	for (int i = 0; i < r->ngroup; i++) {
		int f = r->group[i];
		const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)f);
		if (d->type == BW_FT_IP) {
			const bw_ip *ip;
			if (!bw_field_get_ip(ev, (enum bw_field_id)f, &ip))
				return 0;
			memcpy(buf + n, ip->addr, 16);
			n += 16;
		} else if (d->type == BW_FT_STR || d->type == BW_FT_ENUM) {
			bw_str s;
			if (!str_field(e, ev, f, &s) || s.n == 0)
				return 0;
			uint32_t room = KEY_MAX - n - 4 - 16 * BW_RMAX_GROUP;
			if (s.n < room / 2) {
				uint32_t l = (uint32_t)s.n;
				memcpy(buf + n, &l, 4);
				memcpy(buf + n + 4, s.p, l);
				n += 4 + l;
			} else {
				/* longer: its start and a hash of all of it,
				 * under its full length (which no value kept
				 * whole has), so values that differ only
				 * past the start stay apart */
				uint32_t l = room / 2 - 8;
				uint32_t full = s.n > UINT32_MAX ? UINT32_MAX :
								   (uint32_t)s.n;
				uint64_t h = bw_hash64(0x6b65796c6f6e67ull,
						       s.p, s.n);
				memcpy(buf + n, &full, 4);
				memcpy(buf + n + 4, s.p, l);
				memcpy(buf + n + 4 + l, &h, 8);
				n += 4 + l + 8;
			}
		} else {
			int64_t v;
			if (!bw_field_get_int(ev, (enum bw_field_id)f, &v))
				return 0;
			memcpy(buf + n, &v, 8);
			n += 8;
		}
	}
	*len = n;
	return 1;
}

/* The group key of rule ri for ev: built and hashed once per event for
 * all rules grouping by the same fields. @return NULL when a group field
 * is absent (the event cannot be attributed). */
__attribute__((noinline))
static void group_key_build(struct bw_engine *e, int ri, const bw_event *ev,
			    struct kmemo *m)
{
	m->gen = e->gen;
	m->ev = ev;
	m->ok = key_of(e, &e->rs->rules[ri], ev, m->key, &m->len);
	if (m->ok)
		m->hash = bw_hash64(e->kseed, m->key, m->len);
}

/* Inline: after the first rule of a group, the answer is made (the
 * build saves the registers key_of needs, a third of the cost of a call
 * that only finds the memo). */
static inline const struct kmemo *group_key(struct bw_engine *e, int ri,
					    const bw_event *ev)
{
	struct kmemo *m = &e->kmemo[e->run[ri].gid];
	if (m->gen != e->gen || m->ev != ev)
		group_key_build(e, ri, ev, m);
	return m->ok ? m : NULL;
}

/* Hash of a field value for distinct(); 0 = absent. Several rules count
 * the same field (distinct(user) by source, by network, ...): hashed
 * once per event. */
static uint64_t value_hash(struct bw_engine *e, const bw_event *ev, int f)
{
	struct vmemo *m = &e->vmemo[f];
	if (m->gen == e->gen && m->ev == ev)
		return m->h;
	const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)f);
	uint64_t h;
	m->gen = e->gen;
	m->ev = ev;
	m->h = 0;
	if (d->type == BW_FT_IP) {
		const bw_ip *ip;
		if (!bw_field_get_ip(ev, (enum bw_field_id)f, &ip))
			return 0;
		h = bw_hash64(e->rs->seed, ip->addr, 16);
	} else if (d->type == BW_FT_STR || d->type == BW_FT_ENUM) {
		bw_str s;
		if (!str_field(e, ev, f, &s))
			return 0;
		h = bw_hash64(e->rs->seed, s.p, s.n);
	} else {
		int64_t v;
		if (!bw_field_get_int(ev, (enum bw_field_id)f, &v))
			return 0;
		h = bw_hash64(e->rs->seed, &v, 8);
	}
	return m->h = h ? h : 1;
}

/* ----------------------------------------------------------- alerts */

static void fmt_duration(struct bw_buf *b, int64_t ms)
{
	static const struct { int64_t ms; const char *u; } u[] = {
		{ 604800000, "w" }, { 86400000, "d" }, { 3600000, "h" },
		{ 60000, "m" }, { 1000, "s" }, { 1, "ms" },
	};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		/* a day reads as 24h, as rules write it: days from 2d */
		if (ms >= u[i].ms && ms % u[i].ms == 0 &&
		    !(u[i].ms == 86400000 && ms < 2 * 86400000)) {
			bw_alert_bprintf(b, "%lld%s", (long long)(ms / u[i].ms), u[i].u);
			return;
		}
	bw_alert_bprintf(b, "%lldms", (long long)ms);
}

/* A measured duration (an event's duration field) as people read it:
 * 29h59m56s, 2h0m0s, 45s, 850ms; never "107996000 ms". */
static void fmt_elapsed(struct bw_buf *b, int64_t ms)
{
	if (ms < 0) {
		bw_buf_addc(b, '-');
		ms = ms == INT64_MIN ? INT64_MAX : -ms;
	}
	if (ms < 1000) {
		bw_alert_bprintf(b, "%lldms", (long long)ms);
		return;
	}
	int64_t s = ms / 1000, h = s / 3600, m = s / 60 % 60;
	if (h)
		bw_alert_bprintf(b, "%lldh%lldm%llds", (long long)h,
				 (long long)m, (long long)(s % 60));
	else if (m)
		bw_alert_bprintf(b, "%lldm%llds", (long long)m,
				 (long long)(s % 60));
	else
		bw_alert_bprintf(b, "%llds", (long long)s);
}

static void render_message(struct bw_engine *e, const struct bw_rule *r,
			   const bw_event *ev, const struct agg *g,
			   uint64_t suppressed)
{
	struct bw_buf *b = &e->msg;
	bw_buf_reset(b);
	if (!r->nmsg) {
		bw_buf_adds(b, r->title);
		if (g && r->kind == BW_RK_THRESHOLD) {
			bw_alert_bprintf(b, ": %llu events in ", (unsigned long long)g->count);
			fmt_duration(b, r->window_ms);
		}
		return;
	}
	for (int i = 0; i < r->nmsg; i++) {
		const struct bw_rmsg_part *p = &r->msg[i];
		switch (p->kind) {
		case 0: bw_buf_add(b, p->text, p->len); break;
		case 1: {
			/* url.path.normalized exists only in the engine */
			bw_str sv;
			int64_t ms;
			if (p->field == BW_F_URL_PATH_NORM &&
			    str_field(e, ev, p->field, &sv))
				bw_buf_add(b, sv.p, sv.n);
			else if (p->field == BW_F_DURATION &&
				 bw_field_get_int(ev, BW_F_DURATION, &ms))
				fmt_elapsed(b, ms);
			else if (!bw_alert_field_text(b, ev, p->field))
				bw_buf_adds(b, "-");
			break;
		}
		case 2: bw_alert_bprintf(b, "%llu", (unsigned long long)(g ? g->count : 1)); break;
		case 3: bw_alert_bprintf(b, "%llu", (unsigned long long)(g ? g->dist[p->slot] : 1)); break;
		case 4: {
			int64_t v = g ? g->sum[p->slot] : 0;
			if (!g) {
				int64_t x;
				if (bw_field_get_int(ev, (enum bw_field_id)r->sum_field[p->slot], &x))
					v = x;
			}
			bw_alert_bprintf(b, "%lld", (long long)v);
			break;
		}
		case 5: bw_alert_bprintf(b, "%llu", (unsigned long long)suppressed); break;
		case 6: fmt_duration(b, r->window_ms); break;
		case 7: bw_alert_bprintf(b, "%u", bw_rule_counted_runs(r)); break;
		}
	}
}

static void feed_alert_steps(struct bw_engine *e, int rule, const bw_event *ev);
static void note_alert(struct bw_engine *e, int ri, const bw_event *ev);

/* The severity of rule ri's alert on ev: its own, raised by the first
 * escalations that hold. */
static int alert_severity(struct bw_engine *e, int ri, const bw_event *ev)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	struct ectx x = { e, ri, ev, NULL };
	int sev = r->severity;
	for (int i = 0; i < r->nesc; i++)
		if (r->esc[i].severity > sev && eval(&x, r->esc[i].cond))
			sev = r->esc[i].severity;
	return sev;
}

/* Emit one alert (severity sev, from alert_severity) for rule ri
 * triggered by ev. */
static void emit(struct bw_engine *e, int ri, const bw_event *ev, int sev,
		 const struct agg *g, const struct bw_evidence *evd, size_t nevd,
		 uint64_t evcount, uint64_t suppressed, const char *message)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	if (message) {
		bw_buf_reset(&e->msg);
		bw_buf_adds(&e->msg, message);
	} else {
		render_message(e, r, ev, g, suppressed);
	}
	/* one event: its line, after the line that began what it ends (a
	 * VPN session's start) when that is elsewhere */
	struct bw_evidence one[2] = { { ev->start_input, ev->start_line },
				      { ev->input_id, ev->line_no } };
	if (!evd) {
		int two = ev->start_line != 0;
		evd = one + !two;
		nevd = 1 + (size_t)two;
		evcount = nevd;
	}
	bw_str pn = { 0 };
	for (int i = 0; i < r->ngroup; i++)
		if (r->group[i] == BW_F_URL_PATH_NORM &&
		    !str_field(e, ev, BW_F_URL_PATH_NORM, &pn))
			pn.p = NULL;
	struct bw_alert a = {
		.ts_ms = ev->ts_ms,
		.rule_id = r->id,
		.rule_name = r->title,
		.rule_kind = bw_rkind_name(r->kind),
		.severity = sev,
		.tags = (const char *const *)r->tags,
		.ntags = r->ntags,
		.ev = ev,
		.group = r->group,
		.ngroup = r->ngroup,
		.path_norm = pn,
		.has_agg = g != NULL && r->kind == BW_RK_THRESHOLD,
		.count = g ? g->count : 1,
		.dist_field = r->dist_field,
		.dist = g ? g->dist : NULL,
		.ndist = g ? r->ndist : 0,
		.sum_field = r->sum_field,
		.sum = g ? g->sum : NULL,
		.nsum = g ? r->nsum : 0,
		.suppressed = suppressed,
		.message = e->msg.p ? e->msg.p : "",
		.message_len = e->msg.n,
		.evidence = evd,
		.nevidence = nevd,
		.evidence_count = evcount,
		.input_names = (const char *const *)e->names,
		.ninputs = e->nnames,
	};
	e->st.alerts++;
	e->run[ri].alerts++;
	if (sev > e->st.max_severity)
		e->st.max_severity = sev;
	if (e->cfg.out && sev >= e->cfg.min_print) {
		bw_buf_reset(&e->out);
		if (e->cfg.json)
			bw_alert_render_json(&a, &e->out);
		else
			bw_alert_render_text(&a, &e->out);
		bw_buf_write(&e->out, e->cfg.out);
		if (e->cfg.flush)
			fflush(e->cfg.out);
	}
	if (e->cfg.on_alert)
		e->cfg.on_alert(e->cfg.on_alert_ctx, &a);
	note_alert(e, ri, ev);
}

/* What every trigger of rule ri on ev does, shown or held back by
 * suppress (which only spares the reader repeats): recent() remembers
 * it, and sequences with alert steps see it. */
static void note_alert(struct bw_engine *e, int ri, const bw_event *ev)
{
	struct rrun *rr = &e->run[ri];
	if (rr->recent_keep > 0) {
		const struct kmemo *km = group_key(e, ri, ev);
		int created;
		if (km) {
			struct bw_wkey *k = bw_wtable_get_lane_hashed(
				&rr->recent, 0, km->key, km->len, km->hash,
				e->clock, &created);
			if (k) {
				struct recent_state *s = bw_wkey_state(k);
				if (ev->ts_ms > s->last_alert || created)
					s->last_alert = ev->ts_ms;
			}
		}
	}
	if (e->rs->nalert_seq && e->depth < ALERT_DEPTH_MAX) {
		e->depth++;
		feed_alert_steps(e, ri, ev);
		e->depth--;
	}
}

/* Suppression bookkeeping. @return 1 when the alert may go out. */
/* One more alert of rule ri held back on the key of sp (event ev). */
static void held_note(struct bw_engine *e, int ri, struct supp *sp,
		      const bw_event *ev)
{
	if (sp->slot && e->held[sp->slot - 1].owner == sp) {
		struct held *h = &e->held[sp->slot - 1];
		h->count = sp->held;
		/* the span of event times, whatever the order read */
		if (ev->ts_ms > h->last)
			h->last = ev->ts_ms;
		if (ev->ts_ms < h->first)
			h->first = ev->ts_ms;
		return;
	}
	/* a key without an entry looks for one at its 1st, 2nd, 4th, 8th...
	 * hold: a full list costs a key log2(holds) scans, not one per
	 * suppressed event (an attacker's flood holds millions) */
	if (sp->held & (sp->held - 1))
		return;
	if (!e->held) {
		e->held = calloc(HELD_SLOTS, sizeof(*e->held));
		if (!e->held)
			return;
	}
	/* a free entry, else the least held one if this key has held more
	 * (an attacker filling the list first does not hide the busiest) */
	struct held *h = NULL, *least = NULL;
	for (uint32_t i = 0; i < HELD_SLOTS && !h; i++) {
		if (!e->held[i].owner)
			h = &e->held[i];
		else if (!least || e->held[i].count < least->count)
			least = &e->held[i];
	}
	if (!h) {
		if (!least || least->count >= sp->held) {
			if (sp->held == 1)
				e->nheld_full++; /* once per key and life */
			return;
		}
		if (!sp->slot && e->nheld_full)
			e->nheld_full--; /* counted there at its first hold */
		h = least;
		e->nheld_lost++;
	}
	const struct bw_rule *r = &e->rs->rules[ri];
	struct bw_buf b;
	bw_buf_init(&b);
	for (int g = 0; g < r->ngroup; g++) {
		size_t mark = b.n;
		bw_alert_bprintf(&b, "%s%s=", g ? " " : "",
				 bw_field_desc((enum bw_field_id)r->group[g])->name);
		bw_str pn;
		if (r->group[g] == BW_F_URL_PATH_NORM &&
		    str_field(e, ev, BW_F_URL_PATH_NORM, &pn))
			bw_buf_add(&b, pn.p, pn.n);
		else if (!bw_alert_field_text(&b, ev, r->group[g]))
			b.n = mark;
	}
	snprintf(h->key, sizeof(h->key), "%.*s", (int)b.n, b.p ? b.p : "");
	bw_buf_fini(&b);
	h->owner = sp;
	h->rule = ri;
	h->count = sp->held;
	h->first = h->last = ev->ts_ms;
	sp->slot = (uint16_t)(h - e->held + 1);
}

/* The key's next alert carries its count: its entry ends. */
static void held_end(struct bw_engine *e, struct supp *sp)
{
	if (sp->slot && e->held && e->held[sp->slot - 1].owner == sp)
		e->held[sp->slot - 1].owner = NULL;
	sp->slot = 0;
}

static int suppress_check(struct bw_engine *e, int ri, struct supp *sp,
			  const bw_event *ev, int sev)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	int64_t ts = ev->ts_ms;
	if (!r->suppress_ms)
		return 1;
	if (ts < sp->until && sev <= sp->sev) {
		if (sp->held < UINT32_MAX)
			sp->held++;
		held_note(e, ri, sp, ev);
		e->run[ri].suppressed++;
		e->st.suppressed++;
		note_alert(e, ri, ev);
		return 0;
	}
	sp->until = ts > INT64_MAX - r->suppress_ms ? INT64_MAX : ts + r->suppress_ms;
	sp->sev = (int16_t)sev;
	return 1;
}

/* The alert's held-back count, which it carries; the period restarts it. */
static uint64_t supp_take(struct bw_engine *e, struct supp *sp)
{
	held_end(e, sp);
	uint64_t n = sp->held;
	sp->held = 0;
	return n;
}

/* ------------------------------------------------------------ kinds */

static void on_signature(struct bw_engine *e, int ri, const bw_event *ev)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	int sev = alert_severity(e, ri, ev);
	if (!r->suppress_ms) {
		emit(e, ri, ev, sev, NULL, NULL, 0, 0, 0, NULL);
		return;
	}
	/* events lacking a group field share the empty key (a present
	 * field always adds bytes): held back together, never dropped */
	const struct kmemo *km = group_key(e, ri, ev);
	int created;
	struct bw_wkey *k = km ?
		bw_wtable_get_lane_hashed(&e->run[ri].tab, 0, km->key, km->len,
					  km->hash, e->clock, &created) :
		bw_wtable_get_lane(&e->run[ri].tab, 0, "", 0, e->clock, &created);
	if (!k) {
		emit(e, ri, ev, sev, NULL, NULL, 0, 0, 0, NULL);
		return;
	}
	struct thr_state *s = bw_wkey_state(k);
	if (!suppress_check(e, ri, &s->sup, ev, sev))
		return;
	emit(e, ri, ev, sev, NULL, NULL, 0, 0, supp_take(e, &s->sup), NULL);
}

/* The window state of rule ri's key km, created when new (its ring set
 * up). @return NULL when out of memory or refused by the cap. */
static inline __attribute__((always_inline)) struct thr_state *
thr_state_get(struct bw_engine *e, int ri, const struct kmemo *km, int *created)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	struct rrun *rr = &e->run[ri];
	struct bw_wkey *k = bw_wtable_get_lane_hashed(rr->st, rr->lane, km->key,
						      km->len, km->hash,
						      e->clock, created);
	if (!k)
		return NULL;
	struct thr_state *s = bw_wkey_lane_state(rr->st, k, rr->lane);
	if (*created)
		bw_wring_setup(&s->ring, r->nsum, r->ndist, r->window_ms,
			       thr_inline_bytes(r));
	return s;
}

/* An event (record rec) older than its rule's window: the window it
 * would belong to is gone, so it counts on its own; the key's
 * suppression still holds. */
__attribute__((noinline))
static void on_threshold_late(struct bw_engine *e, int ri, const bw_event *ev,
			      const struct kmemo *km, const struct bw_wrec *rec)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	struct agg g;
	g.count = rec->repeat;
	for (int i = 0; i < r->nsum; i++)
		g.sum[i] = rec->sum[i];
	for (int i = 0; i < r->ndist; i++)
		g.dist[i] = rec->dh[i] != 0;
	if (r->trigger >= 0 ? !atrue(e->rs, r->trigger, &g) : g.count < 1)
		return;
	int created;
	struct thr_state *s = thr_state_get(e, ri, km, &created);
	if (!s)
		return;
	int sev = alert_severity(e, ri, ev);
	if (!suppress_check(e, ri, &s->sup, ev, sev))
		return;
	emit(e, ri, ev, sev, &g, NULL, 0, 0, supp_take(e, &s->sup), NULL);
}

static void on_threshold(struct bw_engine *e, int ri, const bw_event *ev)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	const struct kmemo *km = group_key(e, ri, ev);
	if (!km)
		return;
	struct rrun *rr = &e->run[ri];
	/* the slot is a likely cache miss on a big table: start it, and
	 * build the record while it loads */
	bw_wtable_prefetch_slot(rr->st, km->hash);
	struct bw_wrec rec;
	rec.ts = ev->ts_ms;
	rec.input_id = ev->input_id;
	rec.repeat = ev->repeat ? ev->repeat : 1;
	rec.line_no = ev->line_no;
	for (int i = 0; i < r->nsum; i++) {
		int64_t v;
		rec.sum[i] = bw_field_get_int(ev, (enum bw_field_id)r->sum_field[i], &v) ?
				     v * (int64_t)rec.repeat : 0;
	}
	for (int i = 0; i < r->ndist; i++)
		rec.dh[i] = value_hash(e, ev, r->dist_field[i]);
	int created;
	struct thr_state *s = thr_state_get(e, ri, km, &created);
	if (!s)
		return;
	/* The window ends at this key's newest event (this one, or one
	 * before it), not at the newest of the whole run: a line stamped a
	 * year ahead (a device's clock) moves only its own key's window. */
	int64_t cutoff = bw_wring_end(&s->ring, ev->ts_ms) - r->window_ms;
	if (ev->ts_ms <= cutoff) {
		/* too late for the key's window, which has moved on: judged
		 * alone (Apache logs a long download when it ends, stamped
		 * when it began) */
		on_threshold_late(e, ri, ev, km, &rec);
		return;
	}
	if (!created)
		bw_wring_prefetch(&s->ring);
	bw_wring_expire(&s->ring, cutoff);
	int rc = bw_wring_push(&s->ring, &rec, WINDOW_MAX_RECORDS,
			       e->run[ri].dist_cap, &e->budget);
	if (rc > 0 && (rc & 1))
		e->st.window_drops++;
	if (rc > 0 && (rc & 2))
		e->st.distinct_drops++;
	if (rr->first_agg >= 0 &&
	    !cmp_dbl(rr->first_cmp, ring_agg(e->rs, rr->first_agg, &s->ring),
		     rr->first_num))
		return;
	struct agg g;
	g.count = s->ring.count;
	for (int i = 0; i < r->ndist; i++)
		g.dist[i] = s->ring.dist[i].n;
	for (int i = 0; i < r->nsum; i++)
		g.sum[i] = s->ring.sum[i];
	if (r->trigger >= 0 ? !atrue(e->rs, r->trigger, &g) : g.count < 1)
		return;
	int sev = alert_severity(e, ri, ev);
	if (!suppress_check(e, ri, &s->sup, ev, sev)) {
		bw_wring_clear(&s->ring);
		return;
	}
	_Static_assert(BW_WRING_FIRST >= BW_ALERT_MAX_EVIDENCE,
		       "a folded key keeps the records evidence lists");
	struct bw_evidence evd[BW_ALERT_MAX_EVIDENCE];
	const uint64_t *recs[BW_ALERT_MAX_EVIDENCE];
	size_t nevd = bw_wring_evidence(&s->ring, cutoff, recs,
					BW_ALERT_MAX_EVIDENCE);
	for (size_t i = 0; i < nevd; i++) {
		evd[i].input_id = BW_WREC_INPUT(recs[i]);
		evd[i].line_no = BW_WREC_LINE(recs[i]);
	}
	/* the window starts over: one alert per burst */
	bw_wring_clear(&s->ring);
	emit(e, ri, ev, sev, &g, evd, nevd, g.count, supp_take(e, &s->sup), NULL);
}

/* Whether node ni can hold for an event whose source, kind and outcome
 * are those of t, knowing nothing else: 0 never, 1 always, 2 maybe. */
static int step_tri(struct bw_engine *e, int32_t ni, const bw_event *t)
{
	const struct bw_rnode *n = &e->rs->nodes[ni];
	int a, b;
	switch ((enum bw_rop)n->op) {
	case RN_TRUE:
		return 1;
	case RN_FALSE:
		return 0;
	case RN_AND:
		if (!(a = step_tri(e, n->a, t)) || !(b = step_tri(e, n->b, t)))
			return 0;
		return a == 1 && b == 1 ? 1 : 2;
	case RN_OR:
		if ((a = step_tri(e, n->a, t)) == 1 || (b = step_tri(e, n->b, t)) == 1)
			return 1;
		return !a && !b ? 0 : 2;
	case RN_NOT:
		a = step_tri(e, n->a, t);
		return a == 2 ? 2 : !a;
	case RN_CMP_ENUM:
	case RN_IN:
		if (n->field != BW_F_SOURCE && n->field != BW_F_KIND &&
		    n->field != BW_F_OUTCOME)
			return 2;
		if (n->op == RN_IN && n->a < 0)
			return 2;
		{
			struct ectx x = { e, 0, t, NULL };
			return eval_leaf(&x, n) ? 1 : 0;
		}
	default:
		return 2;
	}
}

/* rr->stepok for sequence rule ri. @return 0, -1 when out of memory. */
static int step_table(struct bw_engine *e, size_t ri)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	size_t per = (size_t)BW_SRC__COUNT * BW_KIND__COUNT;
	_Static_assert(BW_OUTCOME__COUNT <= 8, "outcomes fit a byte");
	uint8_t *t = calloc((size_t)r->nsteps * per, 1);
	if (!t)
		return -1;
	for (int i = 0; i < r->nsteps; i++)
		for (unsigned src = 0; src < BW_SRC__COUNT; src++)
			for (unsigned k = 0; k < BW_KIND__COUNT; k++)
				for (unsigned o = 0; o < BW_OUTCOME__COUNT; o++) {
					bw_event ev;
					bw_event_clear(&ev);
					ev.source = (uint8_t)src;
					ev.kind = (uint8_t)k;
					ev.outcome = (uint8_t)o;
					if (r->steps[i].is_alert ||
					    step_tri(e, r->steps[i].cond, &ev))
						t[i * per + src * BW_KIND__COUNT + k] |=
							(uint8_t)(1u << o);
				}
	e->run[ri].stepok = t;
	return 0;
}

/* Can step i of rule ri hold for ev? (a cheap no before eval) */
static inline int step_may(const struct bw_engine *e, int ri, int i,
			   const bw_event *ev)
{
	const uint8_t *t = e->run[ri].stepok;
	unsigned src = ev->source < BW_SRC__COUNT ? ev->source : 0;
	unsigned k = ev->kind < BW_KIND__COUNT ? ev->kind : 0;
	unsigned o = ev->outcome < BW_OUTCOME__COUNT ? ev->outcome : 0;
	if (!t || src != ev->source || k != ev->kind || o != ev->outcome)
		return 1;
	return (t[((size_t)i * BW_SRC__COUNT + src) * BW_KIND__COUNT + k] >> o) & 1;
}

static void seq_reset(struct seq_state *s)
{
	s->step = 0;
	s->nrun = s->runhead = 0;
	s->first_ts = 0;
	s->step_ts = INT64_MIN;
	bw_wring_clear(&s->ring);
}

/* The oldest event time a sequence completing at ts may include: its
 * span is inclusive (a last step exactly `within` after the first
 * completes it). */
static inline int64_t seq_cutoff(const struct bw_rule *r, int64_t ts)
{
	return ts - r->window_ms - 1;
}

/* Add an event of the run: the ring forgets those before the span that
 * ends at its newest, so a key waiting long at a counted step lists and
 * counts only the events of its last span. */
static void seq_evidence(struct bw_engine *e, const struct bw_rule *r,
			 struct seq_state *s, const bw_event *ev)
{
	struct bw_wrec rec;
	rec.ts = ev->ts_ms;
	rec.input_id = ev->input_id;
	rec.repeat = ev->repeat ? ev->repeat : 1;
	rec.line_no = ev->line_no;
	/* the span ends at the newest event held: an event logged late
	 * goes to its place in it, one older than the whole span is not
	 * kept (a log read newest first would otherwise grow a bucket
	 * per line) */
	int64_t cutoff = seq_cutoff(r, bw_wring_end(&s->ring, ev->ts_ms));
	bw_wring_expire(&s->ring, cutoff);
	if (ev->ts_ms <= cutoff)
		return;
	int rc = bw_wring_push(&s->ring, &rec, WINDOW_MAX_RECORDS, 0,
			       &e->budget);
	if (rc > 0 && (rc & 1))
		e->st.window_drops++;
}

/* The later of ts and the run's newest stamp. */
static int64_t seq_run_end(struct seq_state *s, uint32_t cap, int64_t ts)
{
	if (!s->nrun)
		return ts;
	uint32_t i = s->runhead + s->nrun - 1;
	int64_t newest = seq_runs(s)[i >= cap ? i - cap : i];
	return newest > ts ? newest : ts;
}

/* Record a run event at the current step, in order of time (a failure
 * logged after newer ones takes its place; one older than every stamp of
 * a full run is not kept), then drop stamps outside the span that ends
 * at the newest of ts and the stamps (inclusive: a stamp exactly span
 * before stays). @return the number of runs now held. */
static uint32_t seq_run(struct seq_state *s, uint32_t cap, int64_t ts,
			int64_t span, uint32_t repeat)
{
	int64_t *run = seq_runs(s);
	/* stamp i of the run (0 = oldest), i <= cap: no division */
#define RUN(i) run[s->runhead + (i) >= cap ? s->runhead + (i) - cap : \
			   s->runhead + (i)]
	for (uint32_t k = 0; k < repeat && k < cap; k++) {
		if (s->nrun == cap) {
			if (ts < run[s->runhead])
				break;
			s->runhead = s->runhead + 1 == cap ? 0 : s->runhead + 1;
			s->nrun--;
		}
		uint32_t i = s->nrun;
		for (; i && RUN(i - 1) > ts; i--)
			RUN(i) = RUN(i - 1);
		RUN(i) = ts;
		s->nrun++;
	}
	int64_t end = seq_run_end(s, cap, ts);
	while (s->nrun && run[s->runhead] < end - span) {
		s->runhead = s->runhead + 1 == cap ? 0 : s->runhead + 1;
		s->nrun--;
	}
#undef RUN
	return s->nrun;
}

/* The time of the first of the newest need stamps held (need <= nrun):
 * where a run of need that ends at the newest one begins. */
static int64_t seq_run_start(struct seq_state *s, uint32_t cap, uint32_t need)
{
	return seq_runs(s)[(s->runhead + s->nrun - need) % cap];
}

/* Whether window record r is event ev's (records keep 16 bits of the
 * input and 48 of the line). */
static int is_rec_of(const uint64_t *r, const bw_event *ev)
{
	return BW_WREC_LINE(r) == (ev->line_no & BW_WREC_TS_MASK) &&
	       BW_WREC_INPUT(r) == (ev->input_id & 0xffff) &&
	       BW_WREC_TS(r) == ev->ts_ms;
}

/* One event (or alert, when ar != NULL) against sequence rule ri. */
static void on_sequence(struct bw_engine *e, int ri, const bw_event *ev,
			const struct bw_rule *ar)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	struct ectx x = { e, ri, ev, ar };
	/* Step 0 first: it alone can start a key. A later step acts only on
	 * a key that exists, so it is evaluated only after that key is found
	 * (exploit-then-login's login step is not tested for every web
	 * request, only for those of addresses that exploited). */
	uint32_t match = r->steps[0].is_alert == (ar != NULL) &&
			 step_may(e, ri, 0, ev) && eval(&x, r->steps[0].cond);
	const struct kmemo *km = NULL;
	struct bw_wkey *k = NULL;
	if (!match) {
		if (!(km = group_key(e, ri, ev)))
			return;
		k = bw_wtable_find_lane_hashed(&e->run[ri].tab, 0, km->key,
					       km->len, km->hash);
		if (!k)
			return;
	}
	for (int i = 1; i < r->nsteps; i++)
		if (r->steps[i].is_alert == (ar != NULL) &&
		    step_may(e, ri, i, ev) && eval(&x, r->steps[i].cond))
			match |= 1u << i;
	if (!match)
		return;
	if (!km && !(km = group_key(e, ri, ev)))
		return;
	int created;
	k = bw_wtable_get_lane_hashed(&e->run[ri].tab, 0, km->key, km->len,
				      km->hash, e->clock, &created);
	if (!k)
		return;
	struct seq_state *s = bw_wkey_state(k);
	if (created) {
		bw_wring_setup(&s->ring, 0, 0, r->window_ms, SEQ_INLINE_BYTES);
		s->step_ts = INT64_MIN;
	}
	uint32_t cap = e->run[ri].maxruns;
	int64_t ts = ev->ts_ms;
	uint32_t rep = ev->repeat ? ev->repeat : 1;
	/* Step 0's stamps stay while waiting for step 1 (when step 1 has no
	 * runs of its own), so a later step-0 event starts the span again:
	 * the sequence begins at the newest run of step 0 (its newest event
	 * when it has no runs), and "A then B within 24h" fires for a B 5 h
	 * after the second A, 25 h after the first. */
	int keep0 = r->steps[1].runs <= 1;
	uint32_t need0 = r->steps[0].runs > 1 ? r->steps[0].runs : 1;
	if (s->step > 0 && ts - s->first_ts > r->window_ms) {
		/* expired: start over - from the step-0 events still inside
		 * the span when they are kept (four failures of the last 30
		 * minutes and this one are a run of five) */
		if (keep0 && s->step == 1 &&
		    seq_run(s, cap, ts, r->window_ms, 0) >= need0)
			s->first_ts = seq_run_start(s, cap, need0);
		else if (keep0 && s->step == 1)
			s->step = 0;
		else
			seq_reset(s);
	}
	uint32_t cur = s->step;
	/* a late line of a later step, stamped before the step it would
	 * follow was reached (a login read after the failures it preceded),
	 * neither advances the sequence nor answers its run */
	if (ts < s->step_ts)
		match &= 1u;
	if (match & (1u << cur)) {
		const struct bw_rstep *st = &r->steps[cur];
		seq_evidence(e, r, s, ev);
		if (st->runs > 1 || (cur == 0 && keep0)) {
			uint32_t have = seq_run(s, cap, ts, cur == 0 ? r->window_ms :
						INT64_MAX / 4, rep);
			if (cur == 0 && have >= need0)
				s->first_ts = seq_run_start(s, cap, need0);
			if (have < (st->runs > 1 ? st->runs : 1u))
				return;
		} else if (cur == 0) {
			s->first_ts = ts;
		}
		s->step++;
		/* a counted step is reached at the newest event of its run,
		 * which a late event completing the run is not */
		s->step_ts = ts;
		if (st->runs > 1 || (cur == 0 && keep0))
			s->step_ts = seq_run_end(s, cap, ts);
		if (!(cur == 0 && keep0))
			s->nrun = s->runhead = 0;
	} else if (cur == 1 && (match & 1u) && keep0) {
		seq_evidence(e, r, s, ev);
		seq_run(s, cap, ts, r->window_ms, rep);
		s->first_ts = seq_run_start(s, cap, need0);
		return;
	} else {
		/* a later step's event while step 0's run is short answers
		 * the run: 3 failed passwords and a login, then 2 more and a
		 * login, are no login after 5 failures */
		if (cur == 0 && s->nrun && (match & 2u))
			seq_reset(s);
		return;
	}
	if (s->step < (uint32_t)r->nsteps)
		return;
	/* complete: the first events of the run, and last the one that
	 * completed it, even when more than the list holds (a late one may
	 * be stamped before others, or folded into a bucket) */
	struct bw_evidence evd[BW_ALERT_MAX_EVIDENCE];
	const uint64_t *recs[BW_ALERT_MAX_EVIDENCE];
	size_t n = bw_wring_evidence(&s->ring, seq_cutoff(r, ts), recs,
				     BW_ALERT_MAX_EVIDENCE);
	size_t nevd = 0;
	for (size_t i = 0; i < n && nevd < BW_ALERT_MAX_EVIDENCE - 1; i++) {
		if (is_rec_of(recs[i], ev))
			continue;
		evd[nevd].input_id = BW_WREC_INPUT(recs[i]);
		evd[nevd++].line_no = BW_WREC_LINE(recs[i]);
	}
	evd[nevd].input_id = ev->input_id;
	evd[nevd++].line_no = ev->line_no;
	uint64_t evcount = s->ring.count;
	seq_reset(s);
	int sev = alert_severity(e, ri, ev);
	if (!suppress_check(e, ri, &s->sup, ev, sev))
		return;
	emit(e, ri, ev, sev, NULL, evd, nevd, evcount, supp_take(e, &s->sup),
	     NULL);
}

static void feed_alert_steps(struct bw_engine *e, int rule, const bw_event *ev)
{
	const struct bw_rule *ar = &e->rs->rules[rule];
	for (uint32_t i = 0; i < e->rs->nalert_seq; i++) {
		int ri = (int)e->rs->alert_seq[i];
		if (ri == rule)
			continue;
		on_sequence(e, ri, ev, ar);
	}
}

/* ---------------------------------------------------------- baselines */

#define MAX_BASELINES 16
static const struct bw_baseline_ops *baselines[MAX_BASELINES];

int bw_baseline_register(const struct bw_baseline_ops *ops)
{
	for (int i = 0; i < MAX_BASELINES; i++) {
		if (baselines[i] == ops || (baselines[i] &&
					    !strcmp(baselines[i]->name, ops->name)))
			return 0;
		if (!baselines[i]) {
			baselines[i] = ops;
			return 0;
		}
	}
	return -1;
}

void bw_baseline_emit(struct bw_engine *e, int ri, const bw_event *ev,
		      const char *message)
{
	const struct bw_rule *r = &e->rs->rules[ri];
	int sev = alert_severity(e, ri, ev);
	if (r->suppress_ms) {
		const struct kmemo *km = group_key(e, ri, ev);
		int created;
		if (km) {
			struct bw_wkey *k = bw_wtable_get_lane_hashed(
				&e->run[ri].tab, 0, km->key, km->len, km->hash,
				e->clock, &created);
			if (k) {
				struct thr_state *s = bw_wkey_state(k);
				if (!suppress_check(e, ri, &s->sup, ev,
						    sev))
					return;
				emit(e, ri, ev, sev, NULL, NULL, 0, 0,
				     supp_take(e, &s->sup), message);
				return;
			}
		}
	}
	emit(e, ri, ev, sev, NULL, NULL, 0, 0, 0, message);
}

/* ------------------------------------------------------------ engine */

static size_t thr_size(const struct bw_rule *r)
{
	return offsetof(struct thr_state, ring) + bw_wring_size(r->ndist) +
	       thr_inline_bytes(r);
}

static void thr_fini(void *state, struct bw_wbudget *b)
{
	struct thr_state *s = state;
	bw_wring_fini(&s->ring, b);
}

/* How many values a distinct set must hold for the trigger to be exact:
 * when every distinct(f) only meets constants in >= / > / < / <= compares,
 * the largest such constant + 1 suffices (more values cannot change the
 * outcome); otherwise (ratios, sums of them) DISTINCT_MAX. */
static int dist_uses_ok(const struct bw_ruleset *rs, int32_t ni, double *maxc)
{
	if (ni < 0)
		return 1;
	const struct bw_rnode *n = &rs->nodes[ni];
	switch (n->op) {
	case RN_AND:
	case RN_OR:
		return dist_uses_ok(rs, n->a, maxc) && dist_uses_ok(rs, n->b, maxc);
	case RN_NOT:
		return dist_uses_ok(rs, n->a, maxc);
	case RN_A_CMP: {
		const struct bw_rnode *a = &rs->nodes[n->a], *b = &rs->nodes[n->b];
		int simple_a = a->op == RN_A_DISTINCT && b->op == RN_A_NUM;
		int simple_b = b->op == RN_A_DISTINCT && a->op == RN_A_NUM;
		if ((simple_a || simple_b) && n->cmp != RC_EQ && n->cmp != RC_NE) {
			double c = simple_a ? b->dval : a->dval;
			if (c > *maxc)
				*maxc = c;
			return 1;
		}
		return dist_uses_ok(rs, n->a, maxc) && dist_uses_ok(rs, n->b, maxc);
	}
	case RN_A_DISTINCT:
		return 0; /* used inside arithmetic */
	case RN_A_ADD: case RN_A_SUB: case RN_A_MUL: case RN_A_DIV:
		return dist_uses_ok(rs, n->a, maxc) && dist_uses_ok(rs, n->b, maxc);
	default:
		return 1;
	}
}

static uint32_t dist_cap(const struct bw_ruleset *rs, const struct bw_rule *r)
{
	double maxc = 0;
	if (!r->ndist || r->kind != BW_RK_THRESHOLD)
		return DISTINCT_MAX;
	/* a message printing {distinct(f)} then shows at most the cap: the
	 * trigger's threshold + 1, enough to say "at least" */
	/* maxc == 0: distinct() only in the message, which wants real counts */
	if (!dist_uses_ok(rs, r->trigger, &maxc) || maxc <= 0 ||
	    maxc + 1 > DISTINCT_MAX)
		return DISTINCT_MAX;
	return (uint32_t)maxc + 1;
}

static int in_index(const uint32_t *idx, uint32_t n, size_t ri)
{
	for (uint32_t i = 0; i < n; i++)
		if (idx[i] == ri)
			return 1;
	return 0;
}

static int64_t rule_keep(const struct bw_rule *r)
{
	return r->window_ms > r->suppress_ms ? r->window_ms : r->suppress_ms;
}

/* Can threshold rules a and b share a table? Same group fields (so the
 * same key for every event) and the same index cells (so, whens alike,
 * their keys come and go together). */
static int same_space(const struct bw_ruleset *rs, size_t a, size_t b)
{
	const struct bw_rule *x = &rs->rules[a], *y = &rs->rules[b];
	if (x->kind != BW_RK_THRESHOLD || y->kind != BW_RK_THRESHOLD ||
	    !x->ngroup || x->ngroup != y->ngroup ||
	    memcmp(x->group, y->group, sizeof(x->group[0]) * (size_t)x->ngroup))
		return 0;
	for (int s = 0; s < BW_SRC__COUNT; s++)
		for (int k = 0; k < BW_KIND__COUNT; k++)
			if (in_index(rs->index[s][k], rs->nindex[s][k], a) !=
			    in_index(rs->index[s][k], rs->nindex[s][k], b))
				return 0;
	return 1;
}

/* The rule whose table threshold rule ri joins as a lane: of the rules
 * it can share with, the one kept longest (its state lies inside the
 * key, and outlives the others'), the first of equals. @return ri when
 * it leads (or shares with none). */
static size_t lane_leader(const struct bw_engine *e, size_t ri)
{
	const struct bw_ruleset *rs = e->rs;
	size_t lead = ri;
	for (size_t j = 0; j < rs->nrules; j++) {
		if (j == ri || !same_space(rs, ri, j))
			continue;
		int64_t kj = rule_keep(&rs->rules[j]);
		int64_t kl = rule_keep(&rs->rules[lead]);
		if (kj > kl || (kj == kl && j < lead))
			lead = j;
	}
	return lead;
}

/* How an event shows that it has field f: a pointer set, an address
 * family set, a number not 0 or not BW_NUM_ABSENT, at an offset in
 * bw_event. Fields not listed (added to the model later) count as
 * present, which only costs a full evaluation. field_present and the
 * dispatch's presence masks (fp_masks) both read this table. */
enum { FP_ALWAYS, FP_PTR, FP_IP, FP_U16, FP_I32, FP_I64, FP_USER, FP__COUNT };

#define FP(k, m) { (k), (uint16_t)offsetof(bw_event, m) }
static const struct fpres {
	uint8_t kind;
	uint16_t off;
} fpres[BW_F__COUNT] = {
	[BW_F_FORMAT] = FP(FP_PTR, format),
	[BW_F_USER] = FP(FP_USER, user), /* or the identity */
	[BW_F_IDENTITY] = FP(FP_PTR, identity.p),
	[BW_F_USER_DOMAIN] = FP(FP_PTR, user_domain.p),
	[BW_F_AUTH_METHOD] = FP(FP_PTR, auth_method.p),
	[BW_F_ACTION] = FP(FP_PTR, action.p),
	[BW_F_REASON] = FP(FP_PTR, reason.p),
	[BW_F_SESSION_ID] = FP(FP_PTR, session_id.p),
	[BW_F_SRC_IP] = FP(FP_IP, src_ip),
	[BW_F_DST_IP] = FP(FP_IP, dst_ip),
	[BW_F_ASSIGNED_IP] = FP(FP_IP, assigned_ip),
	[BW_F_VPN_CLIENT_IP] = FP(FP_IP, vpn_client_ip),
	[BW_F_SRC_PORT] = FP(FP_U16, src_port),
	[BW_F_DST_PORT] = FP(FP_U16, dst_port),
	[BW_F_SRC_HOST] = FP(FP_PTR, src_host.p),
	[BW_F_HOST] = FP(FP_PTR, host.p),
	[BW_F_PROGRAM] = FP(FP_PTR, program.p),
	[BW_F_FORWARDED_FOR] = FP(FP_PTR, forwarded_for.p),
	[BW_F_HTTP_METHOD] = FP(FP_PTR, http_method.p),
	[BW_F_URL_PATH] = FP(FP_PTR, url_path.p),
	[BW_F_URL_QUERY] = FP(FP_PTR, url_query.p),
	[BW_F_HTTP_VERSION] = FP(FP_PTR, http_version.p),
	[BW_F_REFERRER] = FP(FP_PTR, referrer.p),
	[BW_F_USER_AGENT] = FP(FP_PTR, user_agent.p),
	[BW_F_VHOST] = FP(FP_PTR, vhost.p),
	[BW_F_REQUEST] = FP(FP_PTR, request.p),
	[BW_F_HTTP_STATUS] = FP(FP_I32, http_status),
	[BW_F_HTTP_BYTES] = FP(FP_I64, http_bytes),
	[BW_F_BYTES_OUT] = FP(FP_I64, bytes_out),
	[BW_F_BYTES_IN] = FP(FP_I64, bytes_in),
	[BW_F_DURATION] = FP(FP_I64, duration_ms),
	[BW_F_TARGET_USER] = FP(FP_PTR, target_user.p),
	[BW_F_URL_PATH_NORM] = FP(FP_PTR, url_path.p), /* computed from it */
	[BW_F_SRC_NET] = FP(FP_IP, src_ip),
};
#undef FP

/* The fields of each kind, by bit. */
static uint64_t fp_mask[FP__COUNT];

static void fp_masks(void)
{
	uint64_t m[FP__COUNT] = { 0 };
	for (int f = 0; f < BW_F__COUNT; f++)
		m[fpres[f].kind] |= 1ull << f;
	memcpy(fp_mask, m, sizeof(m));
}

/* Whether a field of kind k at base + off is absent. */
static inline __attribute__((always_inline)) int
fp_absent(const char *base, unsigned k, unsigned off)
{
	const char *q = base + off;
	const void *p;
	uint16_t u16;
	int32_t i32;
	int64_t i64;
	switch (k) {
	case FP_PTR: memcpy(&p, q, sizeof(p)); return p == NULL;
	case FP_IP: return ((const bw_ip *)(const void *)q)->family == 0;
	case FP_U16: memcpy(&u16, q, sizeof(u16)); return u16 == 0;
	case FP_I32: memcpy(&i32, q, sizeof(i32)); return i32 == 0;
	case FP_I64: memcpy(&i64, q, sizeof(i64)); return i64 == BW_NUM_ABSENT;
	case FP_USER: {
		const bw_event *ev = (const void *)base;
		return ev->user.p == NULL && ev->identity.p == NULL;
	}
	default: return 0;
	}
}

/* @return 0 when ev lacks field f (fpres). */
static inline __attribute__((always_inline)) int
field_present(const bw_event *ev, int f)
{
	if ((unsigned)f >= BW_F__COUNT)
		return 1;
	return !fp_absent((const char *)ev, fpres[f].kind, fpres[f].off);
}

/* The fields of need that ev lacks, as bits: one loop per kind, so
 * each field costs a load and a compare, without a switch. */
static inline uint64_t fields_missing(const bw_event *ev, uint64_t need)
{
	const char *base = (const char *)ev;
	uint64_t miss = 0;
	for (uint64_t m = need & fp_mask[FP_PTR]; m; m &= m - 1) {
		int f = __builtin_ctzll(m);
		miss |= (uint64_t)fp_absent(base, FP_PTR, fpres[f].off) << f;
	}
	for (uint64_t m = need & fp_mask[FP_IP]; m; m &= m - 1) {
		int f = __builtin_ctzll(m);
		miss |= (uint64_t)fp_absent(base, FP_IP, fpres[f].off) << f;
	}
	for (uint64_t m = need & (fp_mask[FP_U16] | fp_mask[FP_I32] |
				  fp_mask[FP_I64] | fp_mask[FP_USER]);
	     m; m &= m - 1) {
		int f = __builtin_ctzll(m);
		miss |= (uint64_t)fp_absent(base, fpres[f].kind, fpres[f].off) << f;
	}
	return miss;
}

/* Calls fn on each address of the event's forwarded list; stops when
 * fn returns 0. @return 0 when stopped. */
static int forwarded_each(const bw_event *ev,
			  int (*fn)(const bw_ip *ip, const void *arg),
			  const void *arg)
{
	const char *p = ev->forwarded_for.p;
	const char *end = p ? p + ev->forwarded_for.n : NULL;
	bw_ip ip;
	int ok;
	while ((p = bw_ip_list_elem(p, end, 1, &ip, &ok))) {
		if (ok && !fn(&ip, arg))
			return 0;
	}
	return 1;
}

static int ip_differs(const bw_ip *ip, const void *arg)
{
	return memcmp(ip->addr, ((const bw_ip *)arg)->addr, 16) != 0;
}

static int public_in(const bw_ip *ip, const void *nets)
{
	return bw_ip_is_private(ip) || bw_rset_has_ip(nets, ip);
}

/* Whether the event's address stands up to its forwarded list. When
 * src.ip was taken from that list (behind a private proxy), the client
 * wrote it: "198.51.100.7, 203.0.113.66" must not pass for the
 * allowlisted 198.51.100.7, so every public address of the list must be
 * in the set. When src.ip is the peer itself (the list only kept), the
 * list does not matter. Elements are "addr", "addr:port" or
 * "[v6]:port"; what is no address is ignored. */
static int forwarded_allowed(const bw_event *ev, const struct bw_rset *nets)
{
	if (!ev->forwarded_for.p ||
	    forwarded_each(ev, ip_differs, &ev->src_ip))
		return 1; /* no list, or src.ip is not from it */
	return forwarded_each(ev, public_in, nets);
}

static int is_allowed(struct bw_engine *e, const bw_event *ev)
{
	const struct bw_ruleset *rs = e->rs;
	if (ev->src_ip.family && rs->allow_ip.nnets &&
	    bw_rset_has_ip(&rs->allow_ip, &ev->src_ip) &&
	    forwarded_allowed(ev, &rs->allow_ip))
		return 1;
	/* the identity, as rules see `user` ("svc_backup" is not
	 * EVIL\\svc_backup), the logged name only when there is none */
	bw_str u = ev->identity.p ? ev->identity : ev->user;
	if (u.p && (rs->allow_user.hn || rs->allow_user.nglobs) &&
	    bw_rset_has_str(rs, &rs->allow_user, u.p, u.n))
		return 1;
	if (ev->user_agent.p && (rs->allow_agent.hn || rs->allow_agent.nglobs) &&
	    bw_rset_has_str(rs, &rs->allow_agent, ev->user_agent.p,
			    ev->user_agent.n))
		return 1;
	for (size_t i = 0; ev->user_agent.p && ev->src_ip.family &&
			   i < rs->nagent_from; i++)
		if (bw_rset_has_ip(&rs->agent_from[i].nets, &ev->src_ip) &&
		    forwarded_allowed(ev, &rs->agent_from[i].nets) &&
		    bw_rset_has_str(rs, &rs->agent_from[i].agent,
				    ev->user_agent.p, ev->user_agent.n))
			return 1;
	return 0;
}

void bw_engine_event(struct bw_engine *e, const bw_event *ev)
{
	e->st.events++;
	e->gen++;
	/* held back by a stage after the merge is not late; released by
	 * the merge after newer events is, held or not */
	if (ev->ts_ms > e->clock)
		e->clock = ev->ts_ms;
	else if (ev->ts_ms < e->clock &&
		 (!(ev->flags & BW_EF_HELD) || (ev->flags & BW_EF_LATE)))
		e->st.late++;
	/* Expire idle keys every 10 s of event time. Windows, sequences and
	 * suppression check their own times when a key is used, so a key
	 * kept a little longer fires no other alert; what an expired key
	 * takes with it is its count of alerts held back by `suppress`
	 * (still in the rule's summary, no longer in that key's next alert)
	 * and its sequence evidence. */
	if (e->clock - e->last_expire >= 10000) {
		e->last_expire = e->clock;
		for (size_t i = 0; i < e->rs->nrules; i++) {
			struct rrun *rr = &e->run[i];
			if (rr->st->lane[rr->lane].tail)
				bw_wtable_expire_lane(rr->st, rr->lane, e->clock);
			if (rr->recent.lane[0].tail)
				bw_wtable_expire(&rr->recent, e->clock);
		}
	}
	unsigned src = ev->source < BW_SRC__COUNT ? ev->source : 0;
	unsigned kind = ev->kind < BW_KIND__COUNT ? ev->kind : 0;
	if (!e->rs->nindex[src][kind])
		return; /* no rule looks at this source and kind */
	/* which fields the event has, of those the index's rules need (rules
	 * needing others are struck from ok) or filter on (rule_candidates
	 * scans only present ones: Log4Shell's seven fields on an sshd
	 * line are its user) */
	size_t rw = e->rw;
	uint64_t miss = fields_missing(ev, e->needany[src][kind] |
					       e->prefields[src][kind]);
	/* events of one source and kind mostly lack the same fields: the
	 * mask for that shape is kept (okmemo) */
	_Static_assert(BW_F__COUNT <= 48, "okmemo key: fields below bit 48");
	uint64_t key = miss | (uint64_t)(src * BW_KIND__COUNT + kind + 1) << 48;
	unsigned slot = (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 60) &
			(OKMEMO_SLOTS - 1);
	uint64_t *ok = e->okmask + (size_t)slot * rw;
	if (e->okkey[slot] != key) {
		const uint64_t *im = e->imask +
				     ((size_t)src * BW_KIND__COUNT + kind) * rw;
		memcpy(ok, im, rw * sizeof(*ok));
		for (uint64_t m = miss; m; m &= m - 1) {
			const uint64_t *nm = e->needmask +
					     (size_t)__builtin_ctzll(m) * rw;
			for (size_t k = 0; k < rw; k++)
				ok[k] &= ~nm[k];
		}
		e->okkey[slot] = key;
	}
	/* allowlisted: counted once when a rule the allowlist applies to has
	 * the event's fields; then only `allowlist off` rules see it */
	int allowed = 0;
	if (e->rs->has_allow) {
		uint64_t any = 0;
		for (size_t k = 0; k < rw; k++)
			any |= ok[k] & e->allowmask[k];
		if (any) {
			allowed = is_allowed(e, ev);
			if (allowed)
				e->st.allowed++;
		}
	}
	/* the index's rules whose prefilter passes, in index order; nothing
	 * below feeds another event to the engine, so cand stays put */
	const uint64_t *cand = rule_candidates(e, ev, src, kind, miss, ok);
	const uint64_t *om = e->ocmask +
			     (size_t)(ev->outcome < BW_OUTCOME__COUNT ? ev->outcome :
				      BW_OUTCOME__COUNT) * rw;
	const uint64_t *sm = e->stmask +
			     (size_t)(ev->http_status > 0 &&
				      ev->http_status < BW_STATUS_BITS ?
				      ev->http_status : 0) * rw;
	/* the rules this event meets, level by level (recent_levels) */
	uint64_t *todo = e->todo, up = 0;
	for (size_t w = 0; w < rw; w++) {
		uint64_t m = cand[w] & ok[w] & om[w] & sm[w];
		if (allowed)
			m &= ~e->allowmask[w];
		todo[w] = m;
		up |= m & ~e->lvmask[w]; /* any above level 0 */
	}
	int nlv = up ? e->nlv : 1;
	for (int lv = 0; lv < nlv; lv++)
	for (size_t w = 0; w < rw; w++) {
		uint64_t m = todo[w];
		if (up)
			m &= e->lvmask[(size_t)lv * rw + w];
		while (m) {
			int ri = (int)(w * 64) + __builtin_ctzll(m);
			m &= m - 1;
			const struct rgate *g = &e->gate[ri];
			struct ectx x = { e, ri, ev, NULL };
			if (g->when != WS_TRUE && !when_run(&x, g->when))
				continue;
			switch (g->kind) {
			case BW_RK_SIGNATURE: on_signature(e, ri, ev); break;
			case BW_RK_THRESHOLD: on_threshold(e, ri, ev); break;
			case BW_RK_SEQUENCE: on_sequence(e, ri, ev, NULL); break;
			case BW_RK_BASELINE:
				if (e->run[ri].bops)
					e->run[ri].bops->event(e->run[ri].bstate,
							       e, ri, ev);
				break;
			}
		}
	}
}

void bw_engine_finish(struct bw_engine *e)
{
	if (e->cfg.out)
		fflush(e->cfg.out);
}

int bw_engine_set_input_name(struct bw_engine *e, uint32_t id, const char *name)
{
	if (id >= e->nnames) {
		size_t n = (size_t)id + 1;
		char **p = realloc(e->names, n * sizeof(*p));
		if (!p)
			return -1;
		for (size_t i = e->nnames; i < n; i++)
			p[i] = NULL;
		e->names = p;
		e->nnames = n;
	}
	char *c = strdup(name);
	if (!c)
		return -1;
	free(e->names[id]);
	e->names[id] = c;
	return 0;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec;
	}
	return s ? s : 1;
}

/* What bw_engine_rules_load and bw_engine_new share: the directory. */
static const char *rules_dir_of(const struct bw_engine_config *cfg)
{
	return cfg->rules_dir ? cfg->rules_dir : "signatures";
}

/* Load and compile the rules, lists and allowlists of cfg into a new
 * ruleset, errors into re. @return NULL only when out of memory. */
static struct bw_ruleset *rules_load(const struct bw_engine_config *cfg,
				     uint64_t seed, struct bw_rerr *re)
{
	const char *dir = rules_dir_of(cfg);
	struct bw_ruleset *rs = bw_ruleset_load_set(dir, seed, cfg->sets,
						    cfg->nsets, cfg->identity,
						    re);
	if (!rs)
		return NULL;
	static const char *const allow[3] = { "cidrs", "users", "agents" };
	for (int i = 0; i < 3; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/allow/%s.txt", dir, allow[i]);
		bw_ruleset_load_allow(rs, path, i, 0, re);
	}
	for (size_t i = 0; i < cfg->nallow_files; i++)
		bw_ruleset_load_allow(rs, cfg->allow_files[i], 3, 1, re);
	return rs;
}

/* Every error of re into err, as bw_engine_new gives them. */
static void rules_errors(struct bw_rerr *re, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", re->buf ? re->buf : "unknown error\n");
	bw_rerr_fini(re);
}

struct bw_ruleset *bw_engine_rules_load(const struct bw_engine_config *cfg,
					char *err, size_t errlen)
{
	struct bw_rerr re = { 0 };
	lowtab_init();
	fp_masks();
	struct bw_ruleset *rs = rules_load(cfg, cfg->seed ? cfg->seed : random_seed(),
					   &re);
	if (!rs)
		bw_rerr_add(&re, rules_dir_of(cfg), 0, 0, "out of memory");
	if (re.count) {
		rules_errors(&re, err, errlen);
		bw_ruleset_free(rs);
		return NULL;
	}
	bw_rerr_fini(&re);
	return rs;
}

void bw_engine_rules_free(struct bw_ruleset *rs)
{
	bw_ruleset_free(rs);
}

struct bw_engine *bw_engine_new(const struct bw_engine_config *cfg, char *err,
				size_t errlen)
{
	struct bw_rerr re = { 0 };
	bw_detectors_register();
	struct bw_engine *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "out of memory\n");
		return NULL;
	}
	e->cfg = *cfg;
	e->cfg.rules_dir = rules_dir_of(cfg);
	if (!e->cfg.max_keys)
		e->cfg.max_keys = BW_ENGINE_DEFAULT_MAX_KEYS;
	e->budget.max_keys = e->cfg.max_keys;
	e->tz_hour_base = INT64_MIN;
	lowtab_init();
	fp_masks();
	if (cfg->rules) {
		e->rs = cfg->rules;
	} else {
		e->rs = e->own_rs = rules_load(cfg, cfg->seed ? cfg->seed :
						       random_seed(), &re);
		if (!e->rs) {
			bw_rerr_add(&re, e->cfg.rules_dir, 0, 0, "out of memory");
			goto fail;
		}
	}
	if (cfg->site_tz) {
		e->tz = bw_tz_get(cfg->site_tz);
		if (!e->tz)
			bw_rerr_add(&re, "--site-tz", 0, 0, "unknown time zone '%s'",
				    cfg->site_tz);
	}
	if (re.count)
		goto fail;
	e->run = calloc(e->rs->nrules ? e->rs->nrules : 1, sizeof(*e->run));
	if (!e->run)
		goto oom;
	/* baselines: this engine's detector states */
	for (size_t i = 0; i < e->rs->nrules; i++) {
		const struct bw_rule *r = &e->rs->rules[i];
		struct rrun *rr = &e->run[i];
		if (r->kind != BW_RK_BASELINE)
			continue;
		for (int k = 0; k < MAX_BASELINES && baselines[k]; k++)
			if (!strcmp(baselines[k]->name, r->baseline))
				rr->bops = baselines[k];
		if (rr->bops) {
			rr->bstate = rr->bops->create(r->id);
			if (!rr->bstate)
				rr->bops = NULL;
		}
	}
	/* one seed for every table, so a key hashed once serves them all */
	e->kseed = e->rs->seed ^ 0x9e3779b97f4a7c15ull;
	uint32_t ngid = 0;
	for (size_t i = 0; i < e->rs->nrules; i++) {
		const struct bw_rule *r = &e->rs->rules[i];
		size_t j = 0;
		while (j < i && (e->rs->rules[j].ngroup != r->ngroup ||
				 memcmp(e->rs->rules[j].group, r->group,
					sizeof(r->group[0]) * (size_t)r->ngroup)))
			j++;
		e->run[i].gid = j < i ? e->run[j].gid : ngid++;
	}
	e->kmemo = calloc(ngid ? ngid : 1, sizeof(*e->kmemo));
	if (!e->kmemo)
		goto oom;
	for (size_t i = 0; i < e->rs->nrules; i++) {
		const struct bw_rule *r = &e->rs->rules[i];
		struct rrun *rr = &e->run[i];
		int64_t keep = rule_keep(r);
		rr->st = &rr->tab;
		rr->lane = 0;
		if (r->kind == BW_RK_SEQUENCE) {
			uint32_t mr = 1;
			for (int k = 0; k < r->nsteps; k++)
				if (r->steps[k].runs > mr)
					mr = r->steps[k].runs;
			rr->maxruns = mr;
			bw_wtable_init(&rr->tab, seq_size(mr), e->kseed, keep,
				       &e->budget, seq_fini);
			if (step_table(e, i) < 0)
				goto oom;
		} else if (r->kind == BW_RK_THRESHOLD) {
			/* lanes join their leader's table below */
			if (lane_leader(e, i) == i)
				bw_wtable_init(&rr->tab, thr_size(r),
					       e->kseed, keep,
					       &e->budget, thr_fini);
		} else {
			bw_wtable_init(&rr->tab, offsetof(struct thr_state, ring),
				       e->kseed, keep, &e->budget, NULL);
		}
	}
	for (size_t i = 0; i < e->rs->nrules; i++) {
		const struct bw_rule *r = &e->rs->rules[i];
		struct rrun *rr = &e->run[i];
		if (r->kind != BW_RK_THRESHOLD)
			continue;
		size_t j = lane_leader(e, i);
		if (j == i)
			continue;
		int l = bw_wtable_add_lane(&e->run[j].tab, thr_size(r),
					   rule_keep(r), thr_fini);
		if (l > 0) {
			rr->st = &e->run[j].tab;
			rr->lane = (uint32_t)l;
		} else { /* more than BW_WTABLE_MAX_LANES alike */
			bw_wtable_init(&rr->tab, thr_size(r), e->kseed,
				       rule_keep(r), &e->budget, thr_fini);
		}
	}
	for (size_t i = 0; i < e->rs->nrules; i++) {
		e->run[i].dist_cap = dist_cap(e->rs, &e->rs->rules[i]);
		first_test(e->rs, &e->rs->rules[i], &e->run[i]);
	}
	/* recent() targets keep their last alert per key */
	for (size_t i = 0; i < e->rs->nnodes; i++) {
		const struct bw_rnode *n = &e->rs->nodes[i];
		if (n->op == RN_RECENT && n->a >= 0 &&
		    e->run[n->a].recent_keep < n->ival)
			e->run[n->a].recent_keep = n->ival;
	}
	for (size_t i = 0; i < e->rs->nrules; i++)
		bw_wtable_init(&e->run[i].recent, sizeof(struct recent_state),
			       e->kseed, e->run[i].recent_keep,
			       &e->budget, NULL);
	e->rxw = (e->rs->nrx + 63) / 64 + 1;
	e->hitwords = calloc(BW_F__COUNT * e->rxw, sizeof(*e->hitwords));
	if (!e->hitwords)
		goto oom;
	for (int f = 0; f < BW_F__COUNT; f++) {
		e->hits[f].own = e->hitwords + (size_t)f * e->rxw;
		e->hits[f].bits = e->hits[f].own;
		e->ac[f].voff = str_offset(f);
		if (ac_build(e, f))
			goto oom;
	}
	if (cand_build(e) || gate_build(e))
		goto oom;
	e->smemo = calloc(e->rs->nsets ? e->rs->nsets : 1, sizeof(*e->smemo));
	if (!e->smemo)
		goto oom;
	e->md = pcre2_match_data_create(1, NULL);
	e->mctx = pcre2_match_context_create(NULL);
	e->jstack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	if (!e->md || !e->mctx)
		goto oom;
	pcre2_set_match_limit(e->mctx, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(e->mctx, REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(e->mctx, 20 * 1024); /* KiB */
	if (e->jstack)
		pcre2_jit_stack_assign(e->mctx, NULL, e->jstack);
	for (size_t i = 0; i < cfg->ninputs && cfg->input_names; i++)
		if (cfg->input_names[i] &&
		    bw_engine_set_input_name(e, (uint32_t)i, cfg->input_names[i]))
			goto oom;
	bw_rerr_fini(&re);
	return e;
oom:
	bw_rerr_add(&re, e->cfg.rules_dir, 0, 0, "out of memory");
fail:
	rules_errors(&re, err, errlen);
	bw_engine_free(e);
	return NULL;
}

void bw_engine_get_stats(const struct bw_engine *e, struct bw_engine_stats *s)
{
	*s = e->st;
	s->evictions = e->budget.evictions;
	s->expired = e->budget.expired;
	s->keys = e->budget.nkeys;
	s->keys_peak = e->budget.peak;
}

size_t bw_engine_nrules(const struct bw_engine *e)
{
	return e->rs->nrules;
}

const char *bw_engine_rule_stats(const struct bw_engine *e, size_t i,
				 uint64_t *alerts, uint64_t *suppressed,
				 uint64_t *regex_limit)
{
	if (i >= e->rs->nrules)
		return NULL;
	if (alerts)
		*alerts = e->run[i].alerts;
	if (suppressed)
		*suppressed = e->run[i].suppressed;
	if (regex_limit)
		*regex_limit = e->run[i].rx_limit;
	return e->rs->rules[i].id;
}

#define HELD_PRINT 20

/* Most held back first; then by rule and key, for a stable order. */
static int held_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Rule and key order (held_cmp's tie-break). */
static int held_key_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The live entries into out (HELD_SLOTS), one per rule and key (a key
 * that expired holding and came back has two entries: added up), most
 * held back first. @return how many. */
static uint32_t held_collect(const struct bw_engine *e, struct held *out)
{
	uint32_t n = 0;
	for (uint32_t i = 0; e->held && i < HELD_SLOTS; i++)
		if (e->held[i].owner)
			out[n++] = e->held[i];
	qsort(out, n, sizeof(*out), held_key_cmp);
	uint32_t m = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (m && !held_key_cmp(&out[m - 1], &out[i])) {
			struct held *h = &out[m - 1];
			h->count = h->count + out[i].count < h->count ?
					   UINT32_MAX : h->count + out[i].count;
			if (out[i].first < h->first)
				h->first = out[i].first;
			if (out[i].last > h->last)
				h->last = out[i].last;
			continue;
		}
		out[m++] = out[i];
	}
	qsort(out, m, sizeof(*out), held_cmp);
	return m;
}

void bw_engine_print_summary(const struct bw_engine *e, FILE *f, int json)
{
	struct bw_engine_stats s;
	bw_engine_get_stats(e, &s);
	if (json) {
		struct bw_buf b;
		bw_buf_init(&b);
		bw_alert_bprintf(&b, "{\"breachwatch.summary\":{\"events\":%llu,"
			      "\"alerts\":%llu,\"suppressed\":%llu,\"allowed\":%llu,"
			      "\"keys_peak\":%llu,\"evictions\":%llu,\"expired\":%llu,"
			      "\"window_drops\":%llu,\"distinct_drops\":%llu,"
			      "\"regex_limit\":%llu,\"late\":%llu,"
			      "\"max_severity\":\"%s\",\"rules\":[",
			      (unsigned long long)s.events, (unsigned long long)s.alerts,
			      (unsigned long long)s.suppressed,
			      (unsigned long long)s.allowed,
			      (unsigned long long)s.keys_peak,
			      (unsigned long long)s.evictions,
			      (unsigned long long)s.expired,
			      (unsigned long long)s.window_drops,
			      (unsigned long long)s.distinct_drops,
			      (unsigned long long)s.regex_limit,
			      (unsigned long long)s.late,
			      bw_severity_name(s.max_severity));
		int first = 1;
		for (size_t i = 0; i < e->rs->nrules; i++) {
			const struct rrun *rr = &e->run[i];
			if (!rr->alerts && !rr->suppressed && !rr->rx_limit)
				continue;
			bw_alert_bprintf(&b, "%s{\"rule.id\":", first ? "" : ",");
			bw_alert_json_str(&b, e->rs->rules[i].id,
					strlen(e->rs->rules[i].id));
			bw_alert_bprintf(&b, ",\"alerts\":%llu,\"suppressed\":%llu,"
				      "\"regex_limit\":%llu}",
				      (unsigned long long)rr->alerts,
				      (unsigned long long)rr->suppressed,
				      (unsigned long long)rr->rx_limit);
			first = 0;
		}
		bw_buf_adds(&b, "],\"held_back\":[");
		struct held *hl = malloc(HELD_SLOTS * sizeof(*hl));
		uint32_t nh = hl ? held_collect(e, hl) : 0;
		for (uint32_t i = 0; i < nh; i++) {
			const struct held *h = &hl[i];
			bw_alert_bprintf(&b, "%s{\"rule.id\":", i ? "," : "");
			bw_alert_json_str(&b, e->rs->rules[h->rule].id,
					  strlen(e->rs->rules[h->rule].id));
			bw_buf_adds(&b, ",\"key\":");
			bw_alert_json_str(&b, h->key, strlen(h->key));
			bw_alert_bprintf(&b, ",\"count\":%u,\"first\":\"",
					 h->count);
			bw_buf_add_time(&b, h->first);
			bw_buf_adds(&b, "\",\"last\":\"");
			bw_buf_add_time(&b, h->last);
			bw_buf_adds(&b, "\"}");
		}
		free(hl);
		bw_alert_bprintf(&b, "],\"held_back_gave_way\":%llu,"
				 "\"held_back_no_room\":%llu}}\n",
				 (unsigned long long)e->nheld_lost,
				 (unsigned long long)e->nheld_full);
		bw_buf_write(&b, f);
		bw_buf_fini(&b);
		return;
	}
	fprintf(f, "rules: %llu events, %llu alerts, %llu suppressed, %llu "
		"allowlisted\n", (unsigned long long)s.events,
		(unsigned long long)s.alerts, (unsigned long long)s.suppressed,
		(unsigned long long)s.allowed);
	fprintf(f, "state: %llu keys peak (cap %llu), %llu evicted, %llu expired, "
		"%llu window drops, %llu distinct values dropped; regex limit "
		"hits %llu; late events %llu\n",
		(unsigned long long)s.keys_peak,
		(unsigned long long)e->budget.max_keys,
		(unsigned long long)s.evictions, (unsigned long long)s.expired,
		(unsigned long long)s.window_drops,
		(unsigned long long)s.distinct_drops,
		(unsigned long long)s.regex_limit, (unsigned long long)s.late);
	for (size_t i = 0; i < e->rs->nrules; i++) {
		const struct rrun *rr = &e->run[i];
		if (!rr->alerts && !rr->suppressed && !rr->rx_limit)
			continue;
		fprintf(f, "  %-40s %8llu alerts %8llu suppressed", e->rs->rules[i].id,
			(unsigned long long)rr->alerts,
			(unsigned long long)rr->suppressed);
		if (rr->rx_limit)
			fprintf(f, " %llu regex limit hits",
				(unsigned long long)rr->rx_limit);
		fputc('\n', f);
	}
	/* per key: who kept going after their alert, and until when; the
	 * busiest HELD_PRINT, so a nightly mail stays readable */
	struct held *hl = malloc(HELD_SLOTS * sizeof(*hl));
	uint32_t ntop = hl ? held_collect(e, hl) : 0, more = 0;
	if (ntop > HELD_PRINT) {
		more = ntop - HELD_PRINT;
		ntop = HELD_PRINT;
	}
	struct bw_buf b;
	bw_buf_init(&b);
	if (ntop)
		fprintf(f, "held back by suppress, in no alert since (most first):\n");
	for (uint32_t i = 0; i < ntop; i++) {
		const struct held *h = &hl[i];
		bw_buf_reset(&b);
		bw_alert_bprintf(&b, "  %s ", e->rs->rules[h->rule].id);
		bw_buf_add_term_str(&b, h->key, strlen(h->key));
		bw_alert_bprintf(&b, ": %u held back, ", h->count);
		bw_buf_add_time(&b, h->first);
		bw_buf_adds(&b, " to ");
		bw_buf_add_time(&b, h->last);
		bw_buf_addc(&b, '\n');
		bw_buf_write(&b, f);
	}
	if (more)
		fprintf(f, "  and %u more key(s)\n", more);
	if (e->nheld_full)
		fprintf(f, "  %llu key(s) held back found no room in this list "
			"(%u keys; busier ones take the place of the least)\n",
			(unsigned long long)e->nheld_full, HELD_SLOTS);
	if (e->nheld_lost)
		fprintf(f, "  (%llu key(s) that held back less gave way to busier "
			"ones in this list)\n", (unsigned long long)e->nheld_lost);
	free(hl);
	bw_buf_fini(&b);
}

int bw_engine_max_severity(const struct bw_engine *e)
{
	return e->st.max_severity;
}

int bw_engine_exit_status(const struct bw_engine *e)
{
	if (e->cfg.fail_on <= BW_SEV_NONE)
		return 0;
	return e->st.max_severity >= e->cfg.fail_on ? 1 : 0;
}

void bw_engine_free(struct bw_engine *e)
{
	if (e)
		free(e->held);
	if (!e)
		return;
	if (e->run) {
		for (size_t i = 0; i < e->rs->nrules; i++) {
			struct rrun *rr = &e->run[i];
			bw_wtable_fini(&rr->tab); /* with shared lanes */
			bw_wtable_fini(&rr->recent);
			free(rr->stepok);
			if (rr->bops && rr->bstate)
				rr->bops->destroy(rr->bstate);
		}
		free(e->run);
	}
	free(e->kmemo);
	bw_ruleset_free(e->own_rs);
	pcre2_match_data_free(e->md);
	pcre2_match_context_free(e->mctx);
	pcre2_jit_stack_free(e->jstack);
	bw_buf_fini(&e->out);
	bw_buf_fini(&e->msg);
	bw_buf_fini(&e->tmp);
	for (int f = 0; f < BW_F__COUNT; f++) {
		ac_fini(&e->ac[f]);
		free(e->low[f].p);
		free(e->low[BW_F__COUNT + f].p);
		free(e->dec[f].buf);
	}
	free(e->pnorm.buf);
	free(e->hitwords);
	free(e->rx_rules);
	free(e->nopre);
	free(e->cand);
	free(e->imask);
	free(e->needmask);
	free(e->ocmask);
	free(e->stmask);
	free(e->allowmask);
	free(e->lvmask);
	free(e->todo);
	free(e->normrules);
	free(e->okmask);
	free(e->gate);
	free(e->wsteps);
	free(e->prog);
	free(e->smemo);
	for (size_t i = 0; i < e->nnames; i++)
		free(e->names[i]);
	free(e->names);
	free(e);
}
