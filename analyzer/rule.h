/*
 * rule.h - internal interface of the rule engine: the lexer, the parser,
 * the compiled ruleset (flat arrays) and the evaluator. Only analyzer/rule_*.c,
 * window.c, alert.c and rules_cli.c include it; everyone else uses engine.h.
 *
 * Dependency rule: the rule engine knows event *fields* (parsers/event.h),
 * never log formats. It never reads the wall clock: every time is event time.
 *
 * Layout of a compiled ruleset: every expression node of every rule lives in
 * one array (rs->nodes), children by index; regexes, sets and message
 * templates likewise in their own arrays. Rules are an array of struct
 * bw_rule; rs->index[source][kind] lists the rules an event of that
 * source/kind can possibly match.
 */
#ifndef BW_RULE_H
#define BW_RULE_H

#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "engine.h"
#include "identity.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* ------------------------------------------------------------ errors */

/* Error collector: every message is "file:line:col: text\n", appended. */
struct bw_rerr {
	char *buf;    /* NUL-terminated, grows */
	size_t len, cap;
	unsigned count;
};

void bw_rerr_add(struct bw_rerr *e, const char *file, int line, int col,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void bw_rerr_fini(struct bw_rerr *e);

/* ------------------------------------------------------------- lexer */

enum bw_rtok {
	RT_EOF, RT_NL, RT_WORD, RT_STR, RT_REGEX, RT_LISTREF,
	RT_LP, RT_RP, RT_LB, RT_RB, RT_COMMA,
	RT_EQ, RT_NE, RT_LT, RT_LE, RT_GT, RT_GE, RT_MATCH, RT_NMATCH,
	RT_PLUS, RT_MINUS, RT_STAR, RT_SLASH, RT_ASSIGN, RT_ERR,
};

struct bw_rtoken {
	enum bw_rtok t;
	const char *p;  /* the token's text in the source */
	size_t n;
	int line, col;  /* 1-based */
	char *val;      /* RT_STR / RT_REGEX: decoded text (malloc'd, owned by
	                   the lexer until taken); RT_ERR: static message */
	size_t vlen;
	uint32_t flags; /* RT_REGEX: PCRE2 option bits from /flags */
};

struct bw_rlexer {
	const char *file;
	const char *src, *cur, *end;
	int line;
	const char *line_start;
	enum bw_rtok prev; /* a '/' right after ~ or !~ starts a regex */
};

void bw_rlex_init(struct bw_rlexer *lx, const char *file, const char *src,
		  size_t n);
/* Lex the next token into *t. Strings and regexes are decoded into t->val
 * (malloc'd; the caller frees or takes it). RT_ERR carries a message. */
void bw_rlex_next(struct bw_rlexer *lx, struct bw_rtoken *t);
const char *bw_rtok_name(enum bw_rtok t);

/* Parse "2GiB", "10m", "1500", "1.5h". kind: 0 plain, 1 size, 2 duration.
 * @return 1 on success (value in *v: bytes, ms or the number), 0 if not
 * a number. */
int bw_rnum_parse(const char *p, size_t n, int64_t *v, int *kind);

/* ------------------------------------------------------- expressions */

enum bw_rop {
	RN_TRUE, RN_FALSE,
	RN_AND, RN_OR, RN_NOT,     /* a, b children (NOT: a) */
	RN_CMP_ENUM,               /* field ==/!= ival (source/kind/outcome) */
	RN_CMP_INT,                /* field cmp ival (ints, time, ports) */
	RN_CMP_STR,                /* field ==/!=/</.. str (RNF_LOWER) */
	RN_STARTS, RN_CONTAINS, RN_ENDS, /* field, str (RNF_LOWER) */
	RN_REGEX,                  /* field ~ rx[a]; cmp NE for !~ */
	RN_IN,                     /* field in set[a] */
	RN_EXISTS,                 /* field present */
	RN_HOUR,                   /* hour(ts) cmp ival, site zone */
	RN_RECENT,                 /* alert of rule a on our key within ival ms */
	RN_ALERT,                  /* sequence step: an alert of rules matching
	                              set[a] (ids, id globs or tags) */
	/* aggregates (trigger): numbers as double */
	RN_A_NUM, RN_A_COUNT, RN_A_DISTINCT, RN_A_SUM, /* a = slot */
	RN_A_ADD, RN_A_SUB, RN_A_MUL, RN_A_DIV,
	RN_A_CMP,                  /* a cmp b, both aggregate numbers */
};

enum bw_rcmp { RC_EQ, RC_NE, RC_LT, RC_LE, RC_GT, RC_GE };

/* a cmp b, cmp an enum bw_rcmp: what the engine evaluates, and what the
 * compiler assumes of it (status_of). */
static inline int bw_rcmp_int(int cmp, int64_t a, int64_t b)
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

/* RNF_DECODE: the field's value percent-decoded (urldecode(field)),
 * before RNF_LOWER when both are set. */
enum { RNF_LOWER = 1, RNF_DECODE = 2 };

#define BW_STATUS_BITS 1024     /* HTTP statuses a rule's dispatch judges */

/* 48 bytes: the fields eval() reads first share one cache line. */
struct bw_rnode {
	uint8_t op;     /* enum bw_rop */
	uint8_t cmp;    /* enum bw_rcmp */
	uint8_t flags;  /* RNF_* */
	uint8_t cost;   /* evaluation cost class, cheaper first in AND/OR */
	int16_t field;  /* enum bw_field_id, or -1 */
	int32_t a, b;   /* children / table indices, -1 = none */
	union {
		int64_t ival; /* ints, enums, ms, hour, regex flags */
		double dval;  /* RN_A_NUM */
	};
	char *str;      /* literal (lowercased when RNF_LOWER), or the rule id
	                   of RN_RECENT until compiled; owned */
	size_t slen;
	int line, col;  /* for errors reported after parsing ... */
	const char *file; /* ... and the file (bw_rs_file; NULL: the rule's) */
};

/* The literal filter entry (an index in bw_ruleset.rx) of node n: a
 * regex's own (a), or for a text `in` on a rule's and/or spine the
 * literals of its set (b, -1 when the set has none); -1 otherwise. */
static inline int32_t bw_rnode_filter(const struct bw_rnode *n)
{
	return n->op == RN_REGEX ? n->a : n->op == RN_IN ? n->b : -1;
}

/* A set of values: exact strings (hash), string globs with '*', integer
 * values, and IP networks. Built from `in [..]` or a list file. */
struct bw_rset {
	char *name;             /* "@list" name or NULL for inline */
	uint64_t *hash;         /* open addressing of exact string hashes */
	uint32_t hcap, hn;
	/* One bit per exact string from its length, byte 1 and last byte
	 * (of the bytes hashed): most values miss it and skip the hash of
	 * their whole text, e.g. paths against @probe-paths. */
	uint64_t sbloom[16];
	char **globs;           /* patterns containing '*' */
	uint8_t *gkind;         /* 0 general, 1 "lit*", 2 "*lit", 3 "*lit*" */
	uint32_t *glen;         /* strlen of each glob (bytes) */
	size_t nglobs;
	/* Which of globs 0..63 a value can match, so a lookup tries only
	 * those: "lit*" by the literal's second byte (first is mostly '/'),
	 * "*lit" by its last byte; other shapes always (gany). Globs from 64
	 * on are tried one by one. NULL until the first glob. */
	uint64_t *gsel;         /* [0..255] "lit*" by byte 1, [256..511] "*lit"
	                           by last byte (lowercased when lower) */
	uint64_t gany;
	int64_t *ints;
	size_t nints;
	struct { uint8_t addr[16]; uint8_t bits; } *nets; /* v4 as mapped /96+ */
	size_t nnets;
	int lower;              /* compare lowercased (allow agents); 2: as
	                           identities (user names, bw_rset_add) */
	int ftype;              /* field type of a @list set (shared by name) */
	/* A text value in the set contains one of these: each exact string
	 * whole, each glob's longest run without '*' (the engine's literal
	 * filter, bw_rnode.b). nolit: some entry has none (a bare "*"), or
	 * there are more than BW_RSET_MAX_LITS: no filter. */
	struct bw_rlit *lits;
	size_t nlits;
	int nolit;
};

#define BW_RSET_MAX_LITS 64

/* A literal some match must contain, lowercased (case-folded superset). */
struct bw_rlit {
	char *s;
	size_t n;
};

struct bw_regex {
	pcre2_code *code;
	char *lit;              /* one literal every match contains (prefilter
	                           by memmem) or NULL */
	size_t litlen;
	int lit_icase;          /* lit is lowercased; search case-insensitively */
	int jit;                /* JIT compiled */
	/* Every match contains at least one of these (from the alternation
	 * branches); checked first against the field's byte set and bigram
	 * bloom, so most subjects never reach PCRE2. nreq = 0: unknown. */
	struct bw_rlit *req;
	size_t nreq;
	/* The same, precompiled for the filter, one literal after another:
	 * n, first byte, n - 1 bigram bloom indices. */
	uint16_t *reqcode;
	size_t nreqcode;
	/* When there are many literals, all of two bytes or more: the union
	 * of their first bigrams, for a 16-word quick reject. */
	int all2;
	uint64_t first[16];
};

/* Bloom index of a pair of lowercased bytes (shared by the compiler and
 * the engine). */
static inline unsigned bw_bigram(unsigned a, unsigned b)
{
	return ((a * 33u) ^ b) & 1023u;
}

/* The requirement list of a regex (see bw_regex.req). @return the number
 * of literals (malloc'd into *out), 0 when nothing is certain. */
size_t bw_regex_requirements(const char *re, size_t n, uint32_t flags,
			     struct bw_rlit **out);

/* Message template piece: literal text or a placeholder. */
struct bw_rmsg_part {
	int kind;               /* 0 text, 1 field, 2 count, 3 distinct slot,
	                           4 sum slot, 5 suppressed, 6 window,
	                           7 runs (the counted step's) */
	int field;
	int slot;
	int line, col;          /* where it is written (for later checks) */
	char *text;
	size_t len;
};

enum bw_rkind { BW_RK_SIGNATURE, BW_RK_THRESHOLD, BW_RK_SEQUENCE,
		BW_RK_BASELINE };

#define BW_RMAX_GROUP 4
#define BW_RMAX_AGG 4
#define BW_RMAX_STEPS 8
#define BW_RMAX_ESC 4
#define BW_RMAX_TAGS 16
#define BW_RMAX_PRE 8

struct bw_rstep {
	int32_t cond;           /* node index */
	uint32_t runs;          /* events needed at this step (>= 1) */
	int is_alert;           /* cond is RN_ALERT: matched by alerts */
	int counted;            /* runs written (`with runs=N`): the step an
	                           override's `runs N` and {runs} refer to */
};

struct bw_rule {
	char *id, *title, *file;
	int line;               /* of the `rule` word */
	int kind;               /* enum bw_rkind */
	int severity;           /* enum bw_severity */
	char *tags[BW_RMAX_TAGS];
	int ntags;
	int32_t when;           /* node index, -1 = always */
	int group[BW_RMAX_GROUP];
	int ngroup;
	int64_t window_ms;      /* threshold window / sequence span */
	int32_t trigger;        /* aggregate node, -1 = count >= 1 */
	int64_t suppress_ms;    /* 0 = none */
	struct bw_rmsg_part *msg;
	int nmsg;
	struct { int severity; int32_t cond; } esc[BW_RMAX_ESC];
	int nesc;
	/* aggregates the trigger and message need */
	int dist_field[BW_RMAX_AGG];
	int ndist;
	int sum_field[BW_RMAX_AGG];
	int nsum;
	/* sequence */
	struct bw_rstep steps[BW_RMAX_STEPS];
	int nsteps;
	int has_alert_step;
	/* baseline */
	char *baseline;         /* its detector's name (bw_baseline_ops) */
	int noallow;            /* `allowlist off`: allowlists do not apply */
	int disabled;           /* `disabled yes` in an override: never runs */
	int noverride;          /* override blocks and --set that changed it */
	/* Regexes one of which every event passing `when` must match (an
	 * AND-conjunct, or each side of an OR), checked against the literal
	 * filter before eval(): npre = 0, none known. */
	int32_t pre_rx[BW_RMAX_PRE];
	int16_t pre_field[BW_RMAX_PRE];
	int npre;
	/* Outcomes (bit 1 << enum bw_outcome; bit BW_OUTCOME__COUNT for any
	 * value out of range) of events that can pass `when`. */
	uint8_t outcome_mask;
	/* status_known: only events whose http.status (1 .. BW_STATUS_BITS-1)
	 * has its bit in status_ok can pass `when`; other statuses and an
	 * absent one are not judged here. */
	uint8_t status_known;
	uint64_t status_ok[BW_STATUS_BITS / 64];
	/* Fields (bit = 1 << bw_field_id) every event passing `when` has. */
	uint64_t need_fields;
	uint64_t kind_mask[BW_SRC__COUNT]; /* kinds per source that can match */
};

struct bw_ruleset {
	struct bw_rule *rules;
	size_t nrules, caprules;
	struct bw_rnode *nodes;
	size_t nnodes, capnodes;
	struct bw_rset *sets;
	size_t nsets, capsets;
	struct bw_regex *rx;
	size_t nrx, caprx;
	char **files;           /* names nodes were parsed from (bw_rs_file) */
	size_t nfiles;
	const char *dir;        /* rules directory (lists/ below it) */
	/* How the run names accounts (--identity-domain, aliases): user
	 * names the rules compare with `user` are normalized with it, as
	 * the events' are; borrowed and read only while loading, NULL =
	 * case and DOMAIN\ folded only */
	const struct bw_identity *identity;
	uint64_t seed;
	/* rule indices per [source][kind] (event classification) */
	uint32_t *index[BW_SRC__COUNT][BW_KIND__COUNT];
	uint32_t nindex[BW_SRC__COUNT][BW_KIND__COUNT];
	uint32_t *alert_seq;    /* sequence rules with alert steps */
	uint32_t nalert_seq;
	/* allowlists across rules */
	struct bw_rset allow_ip, allow_user, allow_agent;
	/* "agent GLOB from NET, NET": the agent only from those networks (a
	 * user agent is whatever the client sends) */
	struct bw_allow_agent_from {
		struct bw_rset agent, nets;
	} *agent_from;
	size_t nagent_from;
	int has_allow;
};

/* Parse one rules file's text into rs (appending rules and nodes).
 * Errors go to err; parsing continues after an error. */
void bw_rule_parse(struct bw_ruleset *rs, const char *file, const char *src,
		   size_t n, struct bw_rerr *err);

/* Apply the `override ID` blocks of one rules file to rules already
 * parsed (bw_rule_parse skips those blocks; the loader parses every file
 * first, so an override may sit in any file). */
void bw_rule_parse_overrides(struct bw_ruleset *rs, const char *file,
			     const char *src, size_t n, struct bw_rerr *err);
/* Apply one command-line override "RULE-ID.DIRECTIVE=VALUE", e.g.
 * "auth.bruteforce-source.window=30m": the directive as an override block
 * would write it. Errors are reported as "--set:1:COL" with COL counted in
 * arg. */
void bw_rule_set(struct bw_ruleset *rs, const char *arg, struct bw_rerr *err);

/* Node and table allocation for the parser. @return the index, -1 on OOM. */
/* Room for element n of an array of elem-byte elements with capacity
 * *cap (doubling, `first` at the start). @return the array, possibly
 * moved; NULL on OOM with the old array untouched. */
void *bw_rs_grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first);
/* The index of the rule whose id is id[0..n), -1 when none. */
int bw_rs_find_rule(const struct bw_ruleset *rs, const char *id, size_t n);
/* The runs of r's first counted step (what `{runs}` prints), 0 when r has
 * none. */
static inline uint32_t bw_rule_counted_runs(const struct bw_rule *r)
{
	for (int i = 0; i < r->nsteps; i++)
		if (r->steps[i].counted)
			return r->steps[i].runs;
	return 0;
}
int32_t bw_rs_node(struct bw_ruleset *rs);
/* file's name kept by rs for as long as it lives (one copy per name), for
 * errors found after parsing. @return NULL when out of memory. */
const char *bw_rs_file(struct bw_ruleset *rs, const char *file);
int32_t bw_rs_set(struct bw_ruleset *rs);

/* Load @name from rs->dir/lists/NAME.txt into set (CIDRs for ip fields when
 * field_type is BW_FT_IP). Each bad line is reported into err as
 * list:line:col and skipped. @return 0, or -1 when the file cannot be
 * read (the message in msg). */
int bw_rset_load_list(struct bw_ruleset *rs, struct bw_rset *set,
		      const char *name, int field_type, char *msg,
		      size_t msglen, struct bw_rerr *err);
/* Add one textual value to a set, typed by the field it is compared with.
 * @return 0, or -1 (message in msg) when the value does not fit. */
int bw_rset_add(struct bw_ruleset *rs, struct bw_rset *set, const char *v,
		size_t n, int field_type, int lower, char *msg, size_t msglen);
int bw_rset_has_str(const struct bw_ruleset *rs, const struct bw_rset *set,
		    const char *p, size_t n);
int bw_rset_has_ip(const struct bw_rset *set, const bw_ip *ip);
int bw_rset_has_int(const struct bw_rset *set, int64_t v);
void bw_rset_fini(struct bw_rset *set);

/* Compile everything parsed: resolve rule references, compile regexes,
 * build the source/kind index. @return 0, or -1 with errors in err. */
int bw_ruleset_compile(struct bw_ruleset *rs, struct bw_rerr *err);
/* Load every *.rules in dir (sorted by name), parse and compile.
 * @return the ruleset (also on errors, check err->count), NULL on OOM. */
struct bw_ruleset *bw_ruleset_load(const char *dir, uint64_t seed,
				   struct bw_rerr *err);
/* The same, then the override blocks of every file, then sets[0..nsets)
 * (bw_rule_set), before compiling. */
struct bw_ruleset *bw_ruleset_load_set(const char *dir, uint64_t seed,
				       const char *const *sets, size_t nsets,
				       const struct bw_identity *id,
				       struct bw_rerr *err);
void bw_ruleset_free(struct bw_ruleset *rs);
/* Load an allowlist file into rs: kind 0 addresses/networks, 1 users,
 * 2 user agents (globs, case-insensitive), 3 mixed lines "ip X",
 * "user X", "agent X" or a bare address. A missing file is an error only
 * when required. @return 0, -1 (message in err). */
int bw_ruleset_load_allow(struct bw_ruleset *rs, const char *path, int kind,
			  int required, struct bw_rerr *err);

/* Case-insensitive glob with '*' only. */
int bw_glob_match(const char *pat, const char *s, size_t n, int icase);

/* Seeded 64-bit hash (SipHash-1-3). */
uint64_t bw_hash64(uint64_t seed, const void *p, size_t n);

const char *bw_rkind_name(int kind);

#endif /* BW_RULE_H */
