/*
 * rule_compile.c - turns parsed rules into what the evaluator runs: PCRE2
 * programs (JIT, no auto-capture) with a literal prefilter, value sets
 * (hashed strings, globs, integers, networks), resolved rule references,
 * AND/OR operands ordered cheapest first, and the [source][kind] index so
 * an event only meets the rules that can match it.
 * Also loads a rules directory (*.rules, lists/, allow/).
 */
#include "rule.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bw_util.h"

/* ------------------------------------------------------------- hash */

/* Seeded multiply-mix hash (wyhash style): attackers pick our keys
 * (addresses, user names), so the table hash depends on a random seed
 * they cannot see; one 64x64->128 multiply per 16 bytes keeps it cheap on
 * the short keys the engine hashes several times per event. */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

uint64_t bw_hash64(uint64_t seed, const void *key, size_t n)
{
	static const uint64_t s0 = 0xa0761d6478bd642full, s1 = 0xe7037ed1a0b428dbull,
			      s2 = 0x8ebc6af09c88c6e3ull;
	const uint8_t *p = key;
	uint64_t h = seed ^ mum(seed ^ s0, (uint64_t)n ^ s1);
	uint64_t a, b;
	if (n <= 16) {
		if (n >= 4) {
			a = rd32(p) << 32 | rd32(p + ((n >> 3) << 2));
			b = rd32(p + n - 4) << 32 | rd32(p + n - 4 - ((n >> 3) << 2));
		} else if (n > 0) {
			a = (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = n;
		while (i > 16) {
			h = mum(rd64(p) ^ s1, rd64(p + 8) ^ h);
			p += 16;
			i -= 16;
		}
		a = rd64(p + i - 16);
		b = rd64(p + i - 8);
	}
	return mum(s1 ^ (uint64_t)n, mum(a ^ s1, b ^ h) ^ s2);
}

static char lc(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

int bw_glob_match(const char *pat, const char *s, size_t n, int icase)
{
	/* iterative '*' matcher with one backtrack point */
	size_t si = 0, star_s = 0;
	const char *star_p = NULL;
	while (si < n) {
		if (*pat == '*') {
			star_p = ++pat;
			star_s = si;
			continue;
		}
		if (*pat && (icase ? lc(*pat) == lc(s[si]) : *pat == s[si])) {
			pat++;
			si++;
			continue;
		}
		if (!star_p)
			return 0;
		pat = star_p;
		si = ++star_s;
	}
	while (*pat == '*')
		pat++;
	return *pat == 0;
}

const char *bw_rkind_name(int kind)
{
	static const char *const n[] = { "signature", "threshold", "sequence",
					 "baseline" };
	return kind >= 0 && kind < 4 ? n[kind] : "?";
}

/* ------------------------------------------------------------ tables */

void *bw_rs_grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first)
{
	if (arr && n < *cap)
		return arr;
	size_t nc = *cap ? *cap * 2 : first;
	void *p = realloc(arr, nc * elem);
	if (p)
		*cap = nc;
	return p;
}

const char *bw_rs_file(struct bw_ruleset *rs, const char *file)
{
	for (size_t i = rs->nfiles; i-- > 0;)
		if (!strcmp(rs->files[i], file))
			return rs->files[i];
	char **p = realloc(rs->files, (rs->nfiles + 1) * sizeof(*p));
	if (!p)
		return NULL;
	rs->files = p;
	if (!(p[rs->nfiles] = strdup(file)))
		return NULL;
	return p[rs->nfiles++];
}

int32_t bw_rs_node(struct bw_ruleset *rs)
{
	struct bw_rnode *p = bw_rs_grow(rs->nodes, &rs->capnodes, rs->nnodes,
					sizeof(*p), 256);
	if (!p)
		return -1;
	rs->nodes = p;
	memset(&rs->nodes[rs->nnodes], 0, sizeof(rs->nodes[0]));
	return (int32_t)rs->nnodes++;
}

int32_t bw_rs_set(struct bw_ruleset *rs)
{
	struct bw_rset *p = bw_rs_grow(rs->sets, &rs->capsets, rs->nsets,
				       sizeof(*p), 32);
	if (!p)
		return -1;
	rs->sets = p;
	memset(&rs->sets[rs->nsets], 0, sizeof(rs->sets[0]));
	return (int32_t)rs->nsets++;
}

/* ------------------------------------------------------------- sets */

static uint64_t str_hash(const struct bw_ruleset *rs, const char *p, size_t n,
			 int lower)
{
	if (!lower) {
		uint64_t h = bw_hash64(rs->seed, p, n);
		return h ? h : 1;
	}
	char tmp[256];
	if (n > sizeof(tmp))
		n = sizeof(tmp); /* long values: hash the lowered head */
	for (size_t i = 0; i < n; i++)
		tmp[i] = lc(p[i]);
	uint64_t h = bw_hash64(rs->seed, tmp, n);
	return h ? h : 1;
}

/* The sbloom bit of value p (n bytes) as str_hash reads it. */
static inline unsigned sbloom_bit(const char *p, size_t n, int lower)
{
	if (lower && n > 256)
		n = 256; /* str_hash's head */
	unsigned a = n ? (unsigned char)(lower ? lc(p[n - 1]) : p[n - 1]) : 0;
	unsigned b = n > 1 ? (unsigned char)(lower ? lc(p[1]) : p[1]) : 0;
	uint32_t k = ((uint32_t)n * 0x01000193u ^ a << 8 ^ b) * 0x9e3779b1u;
	return k >> 22;
}

static int hset_add(struct bw_rset *s, uint64_t h)
{
	if ((s->hn + 1) * 2 > s->hcap) {
		uint32_t cap = s->hcap ? s->hcap * 2 : 16;
		uint64_t *t = calloc(cap, sizeof(*t));
		if (!t)
			return -1;
		for (uint32_t i = 0; i < s->hcap; i++) {
			if (!s->hash[i])
				continue;
			uint32_t j = (uint32_t)s->hash[i] & (cap - 1);
			while (t[j])
				j = (j + 1) & (cap - 1);
			t[j] = s->hash[i];
		}
		free(s->hash);
		s->hash = t;
		s->hcap = cap;
	}
	uint32_t j = (uint32_t)h & (s->hcap - 1);
	while (s->hash[j]) {
		if (s->hash[j] == h)
			return 0;
		j = (j + 1) & (s->hcap - 1);
	}
	s->hash[j] = h;
	s->hn++;
	return 0;
}

/* Note the literal l (n bytes) a text value matching a new entry of set
 * contains (bw_rset.lits). @return 0, -1 on OOM. */
static int rset_lit(struct bw_rset *set, const char *l, size_t n)
{
	if (set->nolit)
		return 0;
	if (!n || set->nlits >= BW_RSET_MAX_LITS) {
		/* no filter for this set: drop what was kept for one */
		set->nolit = 1;
		for (size_t i = 0; i < set->nlits; i++)
			free(set->lits[i].s);
		free(set->lits);
		set->lits = NULL;
		set->nlits = 0;
		return 0;
	}
	struct bw_rlit *p = realloc(set->lits, (set->nlits + 1) * sizeof(*p));
	if (!p)
		return -1;
	set->lits = p;
	char *c = malloc(n + 1);
	if (!c)
		return -1;
	for (size_t i = 0; i < n; i++)
		c[i] = lc(l[i]);
	c[n] = 0;
	set->lits[set->nlits].s = c;
	set->lits[set->nlits].n = n;
	set->nlits++;
	return 0;
}

int bw_rset_add(struct bw_ruleset *rs, struct bw_rset *set, const char *v,
		size_t n, int field_type, int lower, char *msg, size_t msglen)
{
	char idb[512];
	if (lower == 2 && field_type == BW_FT_STR) {
		/* a user name: the identity an event of it gets ("CORP\Alice"
		 * is alice@corp, or alice under --identity-domain corp.example),
		 * else the name lowercased; globs too ("CORP\svc_*" is svc_*
		 * there). A glob without '@' matches no identity with one
		 * (glob_try): svc_* is not svc_x@evil, * not evil@attacker. */
		size_t k = bw_identity_normalize(rs->identity, bw_str_make(v, n),
						 BW_STR_NULL, idb, sizeof(idb));
		if (k) {
			v = idb;
			n = k;
		}
	}
	if (field_type == BW_FT_IP) {
		const char *slash = memchr(v, '/', n);
		size_t an = slash ? (size_t)(slash - v) : n;
		bw_ip ip;
		if (!bw_ip_parse(v, an, &ip)) {
			snprintf(msg, msglen, "'%.*s' is not an address or network",
				 (int)(n > 60 ? 60 : n), v);
			return -1;
		}
		int bits = ip.family == 4 ? 32 : 128;
		if (slash) {
			uint64_t b;
			size_t d = bw_parse_u64(slash + 1, v + n, &b);
			if (!d || slash + 1 + d != v + n || b > (uint64_t)bits) {
				snprintf(msg, msglen, "bad prefix length in '%.*s'",
					 (int)(n > 60 ? 60 : n), v);
				return -1;
			}
			bits = (int)b;
		}
		if (ip.family == 4)
			bits += 96;
		void *p = realloc(set->nets, (set->nnets + 1) * sizeof(*set->nets));
		if (!p)
			goto oom;
		set->nets = p;
		memcpy(set->nets[set->nnets].addr, ip.addr, 16);
		set->nets[set->nnets].bits = (uint8_t)bits;
		set->nnets++;
		return 0;
	}
	if (field_type == BW_FT_INT || field_type == BW_FT_TIME) {
		int64_t x;
		int kind;
		if (!bw_rnum_parse(v, n, &x, &kind)) {
			snprintf(msg, msglen, "'%.*s' is not a number",
				 (int)(n > 60 ? 60 : n), v);
			return -1;
		}
		int64_t *p = realloc(set->ints, (set->nints + 1) * sizeof(*p));
		if (!p)
			goto oom;
		set->ints = p;
		set->ints[set->nints++] = x;
		return 0;
	}
	if (memchr(v, '*', n)) {
		if (!set->gsel) {
			set->gsel = calloc(512, sizeof(*set->gsel));
			if (!set->gsel)
				goto oom;
		}
		char **p = realloc(set->globs, (set->nglobs + 1) * sizeof(*p));
		if (!p)
			goto oom;
		set->globs = p;
		char *g = malloc(n + 1);
		if (!g)
			goto oom;
		memcpy(g, v, n);
		g[n] = 0;
		if (lower)
			for (size_t i = 0; i < n; i++)
				g[i] = lc(g[i]);
		uint8_t *k = realloc(set->gkind, (set->nglobs + 1) * sizeof(*k));
		if (!k) {
			free(g);
			goto oom;
		}
		set->gkind = k;
		uint32_t *gl = realloc(set->glen, (set->nglobs + 1) * sizeof(*gl));
		if (!gl) {
			free(g);
			goto oom;
		}
		set->glen = gl;
		set->glen[set->nglobs] = (uint32_t)n;
		/* where the stars are decides a cheaper test than the matcher */
		size_t stars = 0;
		for (size_t i = 0; i < n; i++)
			stars += g[i] == '*';
		uint8_t kind = 0;
		if (stars == 1 && g[n - 1] == '*')
			kind = 1;
		else if (stars == 1 && g[0] == '*')
			kind = 2;
		else if (stars == 2 && n > 2 && g[0] == '*' && g[n - 1] == '*')
			kind = 3;
		set->gkind[set->nglobs] = kind;
		size_t best = 0, bestn = 0;
		for (size_t i = 0; i < n;) {
			size_t j = i;
			while (j < n && g[j] != '*')
				j++;
			if (j - i > bestn) {
				best = i;
				bestn = j - i;
			}
			i = j + 1;
		}
		if (rset_lit(set, g + best, bestn)) {
			free(g);
			goto oom;
		}
		if (set->nglobs < 64) {
			/* glob_try's first test, as a table (n >= 2: byte 1) */
			uint64_t bit = 1ull << set->nglobs;
			if (kind == 1 && n - 1 >= 2)
				set->gsel[(unsigned char)g[1]] |= bit;
			else if (kind == 2 && n - 1 >= 1)
				set->gsel[256 + (unsigned char)g[n - 1]] |= bit;
			else
				set->gany |= bit;
		}
		set->globs[set->nglobs++] = g;
		return 0;
	}
	if (hset_add(set, str_hash(rs, v, n, lower)) || rset_lit(set, v, n))
		goto oom;
	unsigned k = sbloom_bit(v, n, lower);
	set->sbloom[k >> 6] |= 1ull << (k & 63);
	return 0;
oom:
	snprintf(msg, msglen, "out of memory");
	return -1;
}

/* Compare n bytes; b is lowercased when icase. */
static int mem_eq(const char *a, const char *b, size_t n, int icase)
{
	if (!icase)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (lc(a[i]) != b[i])
			return 0;
	return 1;
}

/* Does value p (n bytes) match glob i of set? */
static int glob_try(const struct bw_rset *set, size_t i, const char *p,
		    size_t n)
{
	const char *g = set->globs[i];
	size_t gl;
	/* identities: a pattern of bare names never reaches another domain
	 * (name@domain, or DOMAIN\name when no identity could be made) */
	if (set->lower == 2 && !strchr(g, '@') &&
	    (memchr(p, '@', n) || memchr(p, '\\', n)))
		return 0;
	switch (set->gkind[i]) {
	case 1: /* "lit*": second byte (paths share the first) first */
		gl = set->glen[i] - 1;
		return n >= gl &&
		       (gl < 2 || (set->lower ? lc(p[1]) : p[1]) == g[1]) &&
		       mem_eq(p, g, gl, set->lower);
	case 2: /* "*lit": last byte before the compare */
		gl = set->glen[i] - 1;
		return n >= gl &&
		       (gl == 0 || (set->lower ? lc(p[n - 1]) : p[n - 1]) == g[gl]) &&
		       mem_eq(p + n - gl, g + 1, gl, set->lower);
	case 3:
		gl = set->glen[i] - 2;
		for (size_t k = 0; k + gl <= n; k++)
			if (lc(p[k]) == g[1] || p[k] == g[1])
				if (mem_eq(p + k, g + 1, gl, set->lower))
					return 1;
		return 0;
	default:
		return bw_glob_match(g, p, n, set->lower);
	}
}

int bw_rset_has_str(const struct bw_ruleset *rs, const struct bw_rset *set,
		    const char *p, size_t n)
{
	/* glob-only sets (agent allowlists) skip the filter's bit */
	unsigned k = set->hn ? sbloom_bit(p, n, set->lower) : 0;
	if (set->hn && ((set->sbloom[k >> 6] >> (k & 63)) & 1)) {
		uint64_t h = str_hash(rs, p, n, set->lower);
		uint32_t j = (uint32_t)h & (set->hcap - 1);
		while (set->hash[j]) {
			if (set->hash[j] == h)
				return 1;
			j = (j + 1) & (set->hcap - 1);
		}
	}
	if (!set->nglobs)
		return 0;
	/* globs 0..63: only those whose first test the value passes */
	uint64_t m = set->gany;
	if (n) {
		unsigned char last = (unsigned char)p[n - 1];
		m |= set->gsel[256 + (set->lower ? (unsigned char)lc((char)last) : last)];
		if (n >= 2) {
			unsigned char c1 = (unsigned char)p[1];
			m |= set->gsel[set->lower ? (unsigned char)lc((char)c1) : c1];
		}
	}
	while (m) {
		size_t i = (size_t)__builtin_ctzll(m);
		m &= m - 1;
		if (glob_try(set, i, p, n))
			return 1;
	}
	for (size_t i = 64; i < set->nglobs; i++)
		if (glob_try(set, i, p, n))
			return 1;
	return 0;
}

int bw_rset_has_ip(const struct bw_rset *set, const bw_ip *ip)
{
	for (size_t i = 0; i < set->nnets; i++) {
		unsigned bits = set->nets[i].bits;
		const uint8_t *a = set->nets[i].addr;
		size_t full = bits / 8;
		if (memcmp(a, ip->addr, full) != 0)
			continue;
		unsigned rem = bits % 8;
		if (rem) {
			uint8_t mask = (uint8_t)(0xff << (8 - rem));
			if ((a[full] & mask) != (ip->addr[full] & mask))
				continue;
		}
		return 1;
	}
	return 0;
}

int bw_rset_has_int(const struct bw_rset *set, int64_t v)
{
	for (size_t i = 0; i < set->nints; i++)
		if (set->ints[i] == v)
			return 1;
	return 0;
}

void bw_rset_fini(struct bw_rset *set)
{
	free(set->name);
	free(set->hash);
	for (size_t i = 0; i < set->nglobs; i++)
		free(set->globs[i]);
	free(set->globs);
	free(set->gkind);
	free(set->glen);
	free(set->gsel);
	free(set->ints);
	free(set->nets);
	for (size_t i = 0; i < set->nlits; i++)
		free(set->lits[i].s);
	free(set->lits);
	memset(set, 0, sizeof(*set));
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (n < cap - 1)
			break;
		cap *= 2;
		char *p = realloc(buf, cap);
		if (!p) {
			free(buf);
			buf = NULL;
		}
		buf = p;
	}
	fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

/* One value per line, '#' comments, surrounding blanks trimmed. The
 * callback gets each value with its line and column (and reports a bad
 * one itself: every error, not the first). */
static void each_line(const char *buf, size_t n,
		      void (*fn)(void *ctx, const char *v, size_t vn, int line,
				 int col),
		      void *ctx)
{
	int line = 0;
	const char *p = buf, *end = buf + n;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		line++;
		const char *a = p, *b = e;
		const char *hash = memchr(a, '#', (size_t)(b - a));
		if (hash && (hash == a || hash[-1] == ' ' || hash[-1] == '\t'))
			b = hash;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
			b--;
		if (b > a)
			fn(ctx, a, (size_t)(b - a), line, (int)(a - p) + 1);
		p = e + 1;
	}
}

struct list_ctx {
	struct bw_ruleset *rs;
	struct bw_rset *set;
	int ftype;
	const char *path;
	struct bw_rerr *err;
};

/* One value of a list file; a bad one is reported where it is. */
static void list_add(void *c, const char *v, size_t n, int line, int col)
{
	struct list_ctx *x = c;
	char m[200];
	if (bw_rset_add(x->rs, x->set, v, n, x->ftype, x->set->lower, m, sizeof(m)))
		bw_rerr_add(x->err, x->path, line, col, "%s", m);
}

int bw_rset_load_list(struct bw_ruleset *rs, struct bw_rset *set,
		      const char *name, int field_type, char *msg, size_t msglen,
		      struct bw_rerr *err)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/lists/%s.txt", rs->dir ? rs->dir : ".",
		 name);
	size_t n;
	char *buf = read_file(path, &n);
	if (!buf) {
		snprintf(msg, msglen, "cannot read list @%s (%s: %s)", name, path,
			 strerror(errno));
		return -1;
	}
	free(set->name);
	set->name = strdup(name);
	struct list_ctx x = { rs, set, field_type == BW_FT_ENUM ? BW_FT_STR :
					field_type, path, err };
	each_line(buf, n, list_add, &x);
	free(buf);
	return 0;
}

/* ---------------------------------------------------------- regexes */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lc(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The end of a braced argument starting at p[i] ('{', '<' or '\''): the
 * index after its closing byte, or i when there is none. */
static size_t esc_arg_end(const char *p, size_t n, size_t i)
{
	char close = p[i] == '{' ? '}' : p[i] == '<' ? '>' : '\'';
	for (size_t j = i + 1; j < n; j++)
		if (p[j] == close)
			return j + 1;
	return i;
}

/* The byte of a braced number p[i..end) ("{41}", base 16 or 8), or -1
 * when it is empty, not a number or above 0xff. */
static int braced_byte(const char *p, size_t i, size_t end, int base)
{
	long x = 0;
	if (end < i + 3)
		return -1; /* no closing brace, or "{}" */
	for (size_t k = i + 1; k + 1 < end && x <= 0xff; k++) {
		int d = base == 16 ? hexval(p[k]) :
			p[k] >= '0' && p[k] <= '7' ? p[k] - '0' : -1;
		x = d < 0 ? 0x100 : x * base + d;
	}
	return x <= 0xff ? (int)x : -1;
}

/* The escape at p[i] ('\\', i + 1 < n): *len gets its bytes (\xHH,
 * \x{..}, \o{..}, \0oo, \p{..}, \g{..}, \k<..>, \cX, \Q..\E are longer
 * than two). @return the byte it stands for (punctuation, \xHH, \x{..},
 * \o{..}, \0oo up to 0xff), or -1 when it is not one literal byte: a
 * class (\d \w \s), an assertion, a back reference, a property, quoted
 * text. Letters after it are never literal text of the pattern. */
static int regex_escape(const char *p, size_t n, size_t i, size_t *len)
{
	char e = p[i + 1];
	size_t j = i + 2;
	int v = -1;
	if (!((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') ||
	      (e >= '0' && e <= '9'))) {
		*len = 2;
		return (unsigned char)e;
	}
	switch (e) {
	case 'x':
		if (j < n && p[j] == '{') {
			size_t end = esc_arg_end(p, n, j);
			v = braced_byte(p, j, end, 16);
			j = end;
		} else {
			v = 0;
			for (int k = 0; k < 2 && j < n && hexval(p[j]) >= 0; k++)
				v = v * 16 + hexval(p[j++]);
		}
		break;
	case 'o':
		if (j < n && p[j] == '{') {
			size_t end = esc_arg_end(p, n, j);
			v = braced_byte(p, j, end, 8);
			j = end;
		}
		break;
	case '0':
		v = 0;
		for (int k = 0; k < 2 && j < n && p[j] >= '0' && p[j] <= '7'; k++)
			v = v * 8 + (p[j++] - '0');
		break;
	case 'c':
		if (j < n)
			j++;
		break;
	case 'p': case 'P': case 'N':
		if (j < n && p[j] == '{')
			j = esc_arg_end(p, n, j);
		else if (e != 'N' && j < n)
			j++;
		break;
	case 'g': case 'k':
		if (j < n && (p[j] == '{' || p[j] == '<' || p[j] == '\'')) {
			j = esc_arg_end(p, n, j);
		} else {
			if (j < n && (p[j] == '+' || p[j] == '-'))
				j++;
			while (j < n && p[j] >= '0' && p[j] <= '9')
				j++;
		}
		break;
	case 'Q':
		while (j < n && !(p[j] == '\\' && j + 1 < n && p[j + 1] == 'E'))
			j++;
		j = j < n ? j + 2 : n;
		break;
	default:
		if (e >= '1' && e <= '9') /* back reference or octal */
			while (j < n && p[j] >= '0' && p[j] <= '9')
				j++;
		break;
	}
	*len = j - i;
	return v;
}

/* Bytes of the escape at p[i] ('\'), to step over it; 1 for a lone
 * backslash at the end. */
static size_t esc_len(const char *p, size_t n, size_t i)
{
	size_t el = 1;
	if (i + 1 < n)
		regex_escape(p, n, i, &el);
	return el;
}

/* The closing ']' of the class opened at p[i] ('['), n when unclosed.
 * A ']' first (after an optional '^') is a member, as are POSIX names
 * ([:digit:], [.x.], [=x=]) and escapes: "[[:digit:]]" and "[]x]" are one
 * class each, not a class and a stray ']'. */
static size_t class_end(const char *p, size_t n, size_t i)
{
	size_t k = i + 1;
	if (k < n && p[k] == '^')
		k++;
	if (k < n && p[k] == ']')
		k++;
	for (; k < n; k++) {
		if (p[k] == '\\') {
			k += esc_len(p, n, k) - 1;
			continue;
		}
		if (p[k] == '[' && k + 1 < n &&
		    (p[k + 1] == ':' || p[k + 1] == '.' || p[k + 1] == '=')) {
			char d = p[k + 1];
			size_t m = k + 2;
			while (m + 1 < n && !(p[m] == d && p[m + 1] == ']'))
				m++;
			if (m + 1 < n) {
				k = m + 1;
				continue;
			}
		}
		if (p[k] == ']')
			return k;
	}
	return n;
}

/* Bytes of the counted quantifier at p[i] ('{'): {n}, {n,}, {n,m}, and
 * {,m} (a quantifier from PCRE2 10.43, a literal before: skipping it is
 * safe either way). 0 when the brace is a literal one. */
static size_t count_len(const char *p, size_t n, size_t i)
{
	size_t k = i + 1, digits = 0;
	while (k < n && p[k] >= '0' && p[k] <= '9')
		k++, digits++;
	if (k < n && p[k] == ',') {
		k++;
		while (k < n && p[k] >= '0' && p[k] <= '9')
			k++, digits++;
	}
	return digits && k < n && p[k] == '}' ? k + 1 - i : 0;
}

/* Whether the pattern holds what the literal filters do not model, and
 * must then go to PCRE2 unfiltered: \Q..\E quoting and a stray \E (PCRE2
 * ignores an empty \Q\E or a \E between an atom and its quantifier,
 * and a \E first in a class), (?#comments) (likewise), and (*VERBS):
 * (*ACCEPT) ends a match early, (*UTF) makes \x{e9} two bytes and (?i)k
 * match U+212A. A plain substring test: a false "yes" only costs speed. */
static int regex_unfiltered(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if ((p[i] == '\\' && (p[i + 1] == 'Q' || p[i + 1] == 'E')) ||
		    (p[i] == '(' && (p[i + 1] == '*' ||
				     (p[i + 1] == '?' && i + 2 < n && p[i + 2] == '#'))))
			return 1;
	return 0;
}

/* Options the pattern sets for itself, in "(?i)" or "(?xi:...)":
 * PCRE2_CASELESS or PCRE2_EXTENDED when any group turns them on, so the
 * literal filters stay as wide as the widest part of the pattern. */
static uint32_t regex_inline_flags(const char *p, size_t n)
{
	uint32_t f = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\') {
			i += esc_len(p, n, i) - 1;
			continue;
		}
		if (p[i] == '[') {
			i = class_end(p, n, i);
			continue;
		}
		if (p[i] != '(' || i + 1 >= n || p[i + 1] != '?')
			continue;
		uint32_t g = 0;
		size_t k = i + 2;
		for (; k < n && ((p[k] >= 'a' && p[k] <= 'z') ||
				 (p[k] >= 'A' && p[k] <= 'Z') || p[k] == '-' ||
				 p[k] == '^'); k++) {
			if (p[k] == 'i')
				g |= PCRE2_CASELESS;
			else if (p[k] == 'x')
				g |= PCRE2_EXTENDED;
		}
		if (k < n && (p[k] == ')' || p[k] == ':'))
			f |= g;
	}
	return f;
}

/* The longest literal run that every match must contain, from the top
 * level of the pattern; no alternation at top level. Conservative: any
 * construct it does not understand ends the run. */
static void regex_literal(const char *re, size_t n, uint32_t flags,
			  char **lit, size_t *litlen)
{
	*lit = NULL;
	*litlen = 0;
	flags |= regex_inline_flags(re, n);
	if ((flags & PCRE2_EXTENDED) || regex_unfiltered(re, n))
		return;
	/* alternation at depth 0 kills it */
	int depth = 0;
	for (size_t i = 0; i < n; i++) {
		char c = re[i];
		if (c == '\\') {
			i += esc_len(re, n, i) - 1;
			continue;
		}
		if (c == '[')
			i = class_end(re, n, i);
		else if (c == '(')
			depth++;
		else if (c == ')')
			depth--;
		else if (c == '|' && depth == 0)
			return;
	}
	char *best = NULL, *cur = malloc(n + 1);
	size_t bestn = 0, curn = 0;
	if (!cur)
		return;
	best = malloc(n + 1);
	if (!best) {
		free(cur);
		return;
	}
	depth = 0;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? re[i] : 0;
		int litc = -1;       /* literal char to append, or -1 = break */
		size_t adv = 0;
		if (i == n) {
			litc = -1;
		} else if (depth > 0) {
			if (c == '\\') {
				i += esc_len(re, n, i) - 1;
			} else if (c == '(') {
				depth++;
			} else if (c == ')') {
				depth--;
			} else if (c == '[') {
				i = class_end(re, n, i);
			}
			litc = -2; /* inside a group: run already broken */
		} else if (c == '\\' && i + 1 < n) {
			size_t el;
			litc = regex_escape(re, n, i, &el); /* -1: \d \b \Q.. */
			adv = el - 1;
		} else if (c == '(') {
			depth = 1;
			litc = -1;
		} else if (c == '[') {
			adv = class_end(re, n, i) - i;
			if (i + adv >= n)
				adv = n - i - 1;
			litc = -1;
		} else if (c == '{') {
			size_t q = count_len(re, n, i);
			adv = q ? q - 1 : 0; /* "{2}" is a count, not text */
			litc = -1;
		} else if (strchr(".^$|)*+?", c)) {
			litc = -1;
		} else {
			litc = (unsigned char)c;
		}
		/* a quantifier after this char makes it optional/repeated */
		size_t nx = i + adv + 1;
		if (litc >= 0 && nx < n && strchr("*?{", re[nx]))
			litc = -1;
		if (litc >= 0 && nx < n && re[nx] == '+') {
			/* at least one: keep it, then break the run */
			cur[curn++] = (char)litc;
			litc = -1;
		}
		if (litc >= 0) {
			cur[curn++] = (char)litc;
		} else if (litc == -1 || i == n) {
			if (curn > bestn) {
				memcpy(best, cur, curn);
				bestn = curn;
			}
			curn = 0;
		} else if (curn) {
			if (curn > bestn) {
				memcpy(best, cur, curn);
				bestn = curn;
			}
			curn = 0;
		}
		i += adv;
	}
	free(cur);
	if (bestn < 3) {
		free(best);
		return;
	}
	if (flags & PCRE2_CASELESS)
		for (size_t i = 0; i < bestn; i++)
			best[i] = lc(best[i]);
	best[bestn] = 0;
	*lit = best;
	*litlen = bestn;
}

/* ------------------------------------------- regex requirement lists */

#define REQ_MAX 64

struct reqlist {
	struct bw_rlit v[REQ_MAX];
	size_t n;
	int known;
};

static void req_free(struct reqlist *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].s);
	r->n = 0;
	r->known = 0;
}

/* How selective a literal is against log text: its length, plus 3 for
 * each byte that URLs, agents and user names rarely hold ('<', '$', '{',
 * quotes, ';', ...), so "<" (score 4) beats "img" (3): a filter on <|%3c
 * lets through far fewer paths than one on script|img|svg. ';' counts as
 * rare: it is in 0.3% of logged requests, while the web shell command
 * words it competes with (id, ls, sh) are in 3% of query strings. */
static size_t lit_score(const char *s, size_t n)
{
	size_t sc = n;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(" /._-=&+%:,()", c)))
			sc += 3;
	}
	return sc;
}

static size_t req_minscore(const struct reqlist *r)
{
	size_t m = SIZE_MAX;
	for (size_t i = 0; i < r->n; i++) {
		size_t sc = lit_score(r->v[i].s, r->v[i].n);
		if (sc < m)
			m = sc;
	}
	return r->n ? m : 0;
}

/* Is candidate a better requirement than best? The higher score of its
 * least selective literal first, then fewer alternatives. Any candidate
 * is sound (every match contains one of its literals); this only picks
 * the one that lets fewest values through. */
static int req_better(const struct reqlist *a, const struct reqlist *best)
{
	if (!a->known)
		return 0;
	if (!best->known)
		return 1;
	size_t ma = req_minscore(a), mb = req_minscore(best);
	return ma > mb || (ma == mb && a->n < best->n);
}

static void req_take(struct reqlist *dst, struct reqlist *src)
{
	req_free(dst);
	*dst = *src;
	src->n = 0;
	src->known = 0;
}

/* End of the group or class starting at p[i] ('(' or '['). */
static size_t skip_group(const char *p, size_t n, size_t i)
{
	int depth = 0;
	for (; i < n; i++) {
		char c = p[i];
		if (c == '\\') {
			i += esc_len(p, n, i) - 1;
			continue;
		}
		if (c == '[') {
			i = class_end(p, n, i);
			if (depth == 0)
				return i; /* the class we started at */
		} else if (c == '(') {
			depth++;
		} else if (c == ')') {
			if (--depth == 0)
				return i;
		}
	}
	return n;
}

static void req_alt(const char *p, size_t n, struct reqlist *out, int depth,
		    size_t cap);

/* A chain: the strings one of which every match holds contiguously up
 * to the current point of a branch (a run of literal bytes, times the
 * alternatives of literal groups met since), so that "\.(pdf|doc)" asks
 * for ".pdf" or ".doc" and "__(class|mro)__" for "__class__" or
 * "__mro__", not for the bare words. Strings stop growing together at
 * CHAIN_LEN bytes (a prefix of a required string is required too). */
#define CHAIN_LEN 96

struct chain {
	char s[REQ_MAX][CHAIN_LEN];
	size_t len[REQ_MAX];
	size_t n;            /* strings; 0: no chain */
	int frozen;          /* a string is full: append no more */
};

/* The bytes \s matches, for a group alternative that is only \s: the C
 * locale's white space, plus 0x85 and 0xa0 in case tables say so (extra
 * literals only widen the filter). */
static const char ws_bytes[] = " \t\n\v\f\r\x85\xa0";

/* The literal prefixes of the alternatives of group p[0..n): each
 * alternative's leading literal bytes, up to anything else (a class, a
 * nested group, an optional byte). @return their count (into out, each
 * at most CHAIN_LEN bytes, *exact set when every alternative is wholly
 * literal), 0 when an alternative has no literal prefix or there are
 * more than REQ_MAX. */
static size_t group_prefixes(const char *p, size_t n,
			     char out[][CHAIN_LEN], size_t *outlen, int *exact)
{
	size_t cnt = 0;
	*exact = 1;
	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n) {
			if (p[i] == '\\') {
				i += esc_len(p, n, i) - 1;
				continue;
			}
			if (p[i] == '(' || p[i] == '[') {
				i = skip_group(p, n, i);
				continue;
			}
			if (p[i] != '|')
				continue;
		}
		const char *a = p + start;
		size_t an = i - start;
		start = i + 1;
		if (an == 2 && a[0] == '\\' && a[1] == 's') {
			for (size_t k = 0; k < sizeof(ws_bytes) - 1; k++) {
				if (cnt == REQ_MAX)
					return 0;
				out[cnt][0] = ws_bytes[k];
				outlen[cnt++] = 1;
			}
			continue;
		}
		if (cnt == REQ_MAX)
			return 0;
		size_t l = 0, j = 0;
		while (j < an && l < CHAIN_LEN) {
			char c = a[j];
			size_t next = j + 1;
			if (c == '\\' && j + 1 < an) {
				size_t el;
				int v = regex_escape(a, an, j, &el);
				if (v < 0)
					break;
				c = (char)v;
				next = j + el;
			} else if (strchr("()[].^$*+?{|", c)) {
				break;
			}
			if (next < an && strchr("?*{", a[next]))
				break; /* optional, or a count we do not read */
			out[cnt][l++] = lc(c);
			j = next;
			if (j < an && a[j] == '+')
				break; /* one copy is certain, then more */
		}
		if (!l)
			return 0;
		if (j < an)
			*exact = 0;
		outlen[cnt++] = l;
	}
	return cnt;
}

/* Offer the chain as a requirement (into best) and end it. */
static void chain_flush(struct chain *ch, struct reqlist *best)
{
	if (!ch->n)
		return;
	struct reqlist r = { .known = 1 };
	for (size_t i = 0; i < ch->n; i++) {
		char *c = malloc(ch->len[i] + 1);
		if (!c) {
			req_free(&r);
			ch->n = 0;
			return;
		}
		memcpy(c, ch->s[i], ch->len[i]);
		c[ch->len[i]] = 0;
		r.v[r.n].s = c;
		r.v[r.n++].n = ch->len[i];
	}
	if (req_better(&r, best))
		req_take(best, &r);
	req_free(&r);
	ch->n = 0;
	ch->frozen = 0;
}

/* Append byte c to every string of the chain (or start one). */
static void chain_byte(struct chain *ch, char c)
{
	if (!ch->n) {
		ch->n = 1;
		ch->len[0] = 0;
		ch->frozen = 0;
	}
	if (ch->frozen)
		return;
	for (size_t i = 0; i < ch->n; i++)
		if (ch->len[i] == CHAIN_LEN)
			ch->frozen = 1;
	if (ch->frozen)
		return;
	for (size_t i = 0; i < ch->n; i++)
		ch->s[i][ch->len[i]++] = lc(c);
}

/* Follow the chain with one of the group's prefixes. When the product
 * would hold more than cap strings the chain is flushed into best and
 * restarts from the prefixes (if they are at most cap). */
static void chain_group(struct chain *ch, char pre[][CHAIN_LEN],
			const size_t *plen, size_t np, size_t cap,
			struct reqlist *best)
{
	if (ch->n && (ch->frozen || ch->n * np > cap))
		chain_flush(ch, best);
	if (np > cap)
		return;
	if (!ch->n) {
		for (size_t k = 0; k < np; k++) {
			memcpy(ch->s[k], pre[k], plen[k]);
			ch->len[k] = plen[k];
		}
		ch->n = np;
		ch->frozen = 0;
		return;
	}
	struct chain *nc = malloc(sizeof(*nc));
	if (!nc) {
		chain_flush(ch, best);
		return;
	}
	nc->n = 0;
	nc->frozen = 0;
	for (size_t i = 0; i < ch->n; i++)
		for (size_t k = 0; k < np; k++) {
			size_t l = ch->len[i], add = plen[k];
			if (l + add > CHAIN_LEN) {
				add = CHAIN_LEN - l;
				nc->frozen = 1;
			}
			memcpy(nc->s[nc->n], ch->s[i], l);
			memcpy(nc->s[nc->n] + l, pre[k], add);
			nc->len[nc->n++] = l + add;
		}
	memcpy(ch, nc, sizeof(*ch));
	free(nc);
}


/* One branch (no top-level '|'). */
static void req_seq(const char *p, size_t n, struct reqlist *out, int depth,
		    size_t cap)
{
	struct reqlist best = { .known = 0 }, cand = { .known = 0 };
	struct chain ch;
	char pre[REQ_MAX][CHAIN_LEN];
	size_t plen[REQ_MAX];
	ch.n = 0;
	ch.frozen = 0;
	out->n = 0;
	out->known = 0;
	for (size_t i = 0; i < n;) {
		int litc = -1;  /* a literal byte, or -1 */
		int group = 0;  /* cand holds a group's requirement */
		size_t np = 0;  /* literal prefixes of the group (pre) */
		int gexact = 0; /* ... each the whole of its alternative */
		size_t next;
		char c = p[i];
		if (c == '\\' && i + 1 < n) {
			size_t el;
			litc = regex_escape(p, n, i, &el);
			next = i + el;
		} else if (c == '(') {
			size_t end = skip_group(p, n, i);
			if (end >= n) {
				req_free(&best);
				return;
			}
			const char *in = p + i + 1;
			size_t inn = end - i - 1;
			if (inn && in[0] == '?') {
				if (inn >= 2 && in[1] == ':') {
					in += 2;
					inn -= 2;
					req_alt(in, inn, &cand, depth + 1, cap);
					group = cand.known;
					np = group_prefixes(in, inn, pre, plen, &gexact);
				} else {
					req_free(&cand); /* lookaround, inline flags */
				}
			} else {
				req_alt(in, inn, &cand, depth + 1, cap);
				group = cand.known;
				np = group_prefixes(in, inn, pre, plen, &gexact);
			}
			next = end + 1;
		} else if (c == '[') {
			next = skip_group(p, n, i) + 1;
		} else if (strchr(".^$", c)) {
			next = i + 1;
		} else if (strchr("*+?{|)", c)) {
			/* stray quantifier: give up on this branch */
			req_free(&best);
			req_free(&cand);
			return;
		} else {
			litc = (unsigned char)c;
			next = i + 1;
		}
		/* quantifier? */
		int optional = 0, repeat = 0;
		if (next < n) {
			char q = p[next];
			if (q == '?' || q == '*') {
				optional = 1;
				next++;
			} else if (q == '+') {
				repeat = 1;
				next++;
			} else if (q == '{') {
				size_t k = next + 1;
				unsigned lo = 0;
				int digits = 0;
				while (k < n && p[k] >= '0' && p[k] <= '9') {
					lo = lo * 10 + (unsigned)(p[k] - '0');
					k++;
					digits++;
				}
				while (k < n && p[k] != '}')
					k++;
				if (digits) {
					optional = lo == 0;
					repeat = 1;
					next = k + 1;
				}
			}
			if ((optional || repeat) && next < n &&
			    (p[next] == '?' || p[next] == '+'))
				next++; /* lazy / possessive */
		}
		if (litc >= 0 && !optional) {
			chain_byte(&ch, (char)litc);
			if (repeat)
				chain_flush(&ch, &best); /* ends after one copy */
		} else {
			if (np && !optional) {
				/* a repeated group: its first copy follows the
				 * chain, but the last precedes what comes next */
				chain_group(&ch, pre, plen, np, cap, &best);
				if (!gexact || repeat)
					chain_flush(&ch, &best);
			} else {
				chain_flush(&ch, &best);
			}
			if (group && !optional && req_better(&cand, &best))
				req_take(&best, &cand);
			req_free(&cand);
		}
		i = next;
	}
	chain_flush(&ch, &best);
	*out = best;
}

/* The requirement of alternation p[0..n); chains (struct chain) of at
 * most cap strings. */
static void req_alt(const char *p, size_t n, struct reqlist *out, int depth,
		    size_t cap)
{
	out->n = 0;
	out->known = 0;
	if (depth > 8)
		return;
	struct reqlist acc = { .known = 1 };
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n) {
			char c = p[i];
			if (c == '\\') {
				i += esc_len(p, n, i) - 1;
				continue;
			}
			if (c == '(' || c == '[') {
				i = skip_group(p, n, i);
				continue;
			}
			if (c != '|')
				continue;
		}
		struct reqlist b;
		req_seq(p + start, i - start, &b, depth, cap);
		if (!b.known || acc.n + b.n > REQ_MAX) {
			req_free(&b);
			req_free(&acc);
			return;
		}
		for (size_t k = 0; k < b.n; k++)
			acc.v[acc.n++] = b.v[k];
		b.n = 0;
		start = i + 1;
	}
	*out = acc;
}

size_t bw_regex_requirements(const char *re, size_t n, uint32_t flags,
			     struct bw_rlit **out)
{
	*out = NULL;
	if (((flags | regex_inline_flags(re, n)) & PCRE2_EXTENDED) ||
	    regex_unfiltered(re, n))
		return 0;
	/* longer chains make rarer literals, but the branches' literals
	 * must fit REQ_MAX together: fewer strings per chain until they do
	 * (cap 1 joins only groups of one alternative) */
	static const size_t caps[] = { REQ_MAX, 16, 4, 1 };
	struct reqlist r = { .known = 0 };
	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]) && !r.known; k++)
		req_alt(re, n, &r, 0, caps[k]);
	if (!r.known || !r.n) {
		req_free(&r);
		return 0;
	}
	*out = malloc(r.n * sizeof(**out));
	if (!*out) {
		req_free(&r);
		return 0;
	}
	memcpy(*out, r.v, r.n * sizeof(**out));
	return r.n;
}

/* The file column of byte off of a regex node's pattern: the pattern
 * starts one column after the opening slash, and each '/' in it was
 * written "\/", two columns. */
static int regex_col(const struct bw_rnode *nd, size_t off)
{
	int col = nd->col + 1 + (int)off;
	for (size_t i = 0; i < off && i < nd->slen; i++)
		col += nd->str[i] == '/';
	return col;
}

/* A capital letter the regex must match as written, on text that holds
 * none (lower(...), or `user`, a case-folded identity): the offset of the
 * first, or -1. Escapes (\W, \x41) and classes ([A-Z]) are not text. */
static long regex_capital(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\') {
			i += esc_len(p, n, i) - 1;
		} else if (p[i] == '[') {
			i = class_end(p, n, i);
		} else if (p[i] == '(' && i + 1 < n && p[i + 1] == '*') {
			while (i < n && p[i] != ')') /* (*UCP), (*LIMIT_MATCH=9) */
				i++;
		} else if (p[i] == '(' && i + 2 < n && p[i + 1] == '?') {
			char c = p[i + 2];
			if (strchr(":=!>|", c)) {
				i += 2; /* a group: its text follows */
			} else if (c == '<' && i + 3 < n &&
				   (p[i + 3] == '=' || p[i + 3] == '!')) {
				i += 3; /* lookbehind */
			} else if (c == '<' || c == '\'' ||
				   (c == 'P' && i + 3 < n && p[i + 3] == '<')) {
				/* (?<Name>, (?P<Name>, (?'Name' */
				char close = c == '\'' ? '\'' : '>';
				i += c == 'P' ? 4 : 3;
				while (i < n && p[i] != close)
					i++;
			} else {
				/* options: "(?s)" ends, "(?s-i:" opens a group
				 * whose text follows; (?P>Name), (?&Name),
				 * (?#..), (?R) end at their ')' */
				size_t k = i + 2;
				while (k < n && ((p[k] >= 'a' && p[k] <= 'z') ||
						 p[k] == '-' || p[k] == '^'))
					k++;
				if (k < n && p[k] == ':') {
					i = k;
				} else {
					while (i < n && p[i] != ')')
						i++;
				}
			}
		} else if (p[i] >= 'A' && p[i] <= 'Z') {
			return (long)i;
		}
	}
	return -1;
}

static int compile_regex(struct bw_ruleset *rs, struct bw_rnode *nd,
			 const char *file, struct bw_rerr *err)
{
	/* byte mode, not UTF: log text is bytes (URLs percent-encoded), and
	 * caseless matching without UTF is a plain table lookup */
	uint32_t opts = (uint32_t)nd->ival | PCRE2_NO_AUTO_CAPTURE;
	int ec;
	PCRE2_SIZE off;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)nd->str, nd->slen, opts, &ec,
					 &off, NULL);
	if (!code) {
		PCRE2_UCHAR m[256];
		pcre2_get_error_message(ec, m, sizeof(m));
		bw_rerr_add(err, file, nd->line, regex_col(nd, off),
			    "bad regex: %s", (const char *)m);
		return -1;
	}
	if (((nd->flags & RNF_LOWER) || nd->field == BW_F_USER ||
	     nd->field == BW_F_IDENTITY) &&
	    !((nd->ival | regex_inline_flags(nd->str, nd->slen)) &
	      (PCRE2_CASELESS | PCRE2_EXTENDED))) {
		long cap = regex_capital(nd->str, nd->slen);
		if (cap >= 0) {
			bw_rerr_add(err, file, nd->line, regex_col(nd, (size_t)cap),
				    "'%c' in a regex on lowercased text never "
				    "matches (the text is %s): write it in "
				    "lowercase or add the i flag", nd->str[cap],
				    (nd->flags & RNF_LOWER) ? "lower(...)" :
				    "the case-folded identity");
			pcre2_code_free(code);
			return -1;
		}
	}
	struct bw_regex *p = bw_rs_grow(rs->rx, &rs->caprx, rs->nrx, sizeof(*p), 32);
	if (!p) {
		pcre2_code_free(code);
		return -1;
	}
	rs->rx = p;
	struct bw_regex *x = &rs->rx[rs->nrx];
	memset(x, 0, sizeof(*x));
	x->code = code;
	x->jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	regex_literal(nd->str, nd->slen, (uint32_t)nd->ival, &x->lit, &x->litlen);
	x->lit_icase = ((nd->ival | regex_inline_flags(nd->str, nd->slen)) &
			PCRE2_CASELESS) != 0;
	x->nreq = bw_regex_requirements(nd->str, nd->slen, (uint32_t)nd->ival,
					&x->req);
	if (x->nreq) {
		size_t words = 0;
		for (size_t k = 0; k < x->nreq; k++)
			words += 1 + x->req[k].n;
		x->reqcode = malloc(words * sizeof(*x->reqcode));
		if (!x->reqcode) {
			x->nreq = 0; /* no filter: still correct */
		} else {
			size_t w = 0;
			for (size_t k = 0; k < x->nreq; k++) {
				const unsigned char *l =
					(const unsigned char *)x->req[k].s;
				x->reqcode[w++] = (uint16_t)x->req[k].n;
				x->reqcode[w++] = l[0];
				if (x->req[k].n >= 2) {
					unsigned g = bw_bigram(l[0], l[1]);
					x->first[g >> 6] |= 1ull << (g & 63);
				}
				for (size_t j = 1; j < x->req[k].n; j++)
					x->reqcode[w++] = (uint16_t)bw_bigram(l[j - 1], l[j]);
			}
			x->nreqcode = w;
			x->all2 = x->nreq >= 8;
			for (size_t k = 0; k < x->nreq; k++)
				if (x->req[k].n < 2)
					x->all2 = 0;
		}
	}
	nd->a = (int32_t)rs->nrx++;
	return 0;
}

/* ------------------------------------------------- source/kind masks */

#define ALL_KINDS ((1ull << BW_KIND__COUNT) - 1)

struct skmask {
	uint64_t m[BW_SRC__COUNT];
};

static void mask_all(struct skmask *s)
{
	for (int i = 0; i < BW_SRC__COUNT; i++)
		s->m[i] = ALL_KINDS;
}

/* Which (source, kind) pairs can make node true. Conservative. */
static void node_mask(const struct bw_ruleset *rs, int32_t ni, struct skmask *out)
{
	mask_all(out);
	if (ni < 0)
		return;
	const struct bw_rnode *n = &rs->nodes[ni];
	struct skmask a, b;
	switch (n->op) {
	case RN_FALSE:
		memset(out, 0, sizeof(*out));
		return;
	case RN_AND:
		node_mask(rs, n->a, &a);
		node_mask(rs, n->b, &b);
		for (int i = 0; i < BW_SRC__COUNT; i++)
			out->m[i] = a.m[i] & b.m[i];
		return;
	case RN_OR:
		node_mask(rs, n->a, &a);
		node_mask(rs, n->b, &b);
		for (int i = 0; i < BW_SRC__COUNT; i++)
			out->m[i] = a.m[i] | b.m[i];
		return;
	case RN_NOT:
		/* exact for a plain enum compare, else "anything" */
		if (rs->nodes[n->a].op == RN_CMP_ENUM) {
			node_mask(rs, n->a, &a);
			for (int i = 0; i < BW_SRC__COUNT; i++)
				out->m[i] = ~a.m[i] & ALL_KINDS;
			/* a NOT of a source test also allows all kinds of
			 * the other sources: recomputed by the complement */
		}
		return;
	case RN_CMP_ENUM: {
		if (n->field == BW_F_OUTCOME)
			return;
		int eq = n->cmp == RC_EQ;
		for (int s = 0; s < BW_SRC__COUNT; s++) {
			if (n->field == BW_F_SOURCE) {
				int hit = s == n->ival;
				out->m[s] = (hit == eq) ? ALL_KINDS : 0;
			} else {
				uint64_t k = 1ull << n->ival;
				out->m[s] = eq ? k : (ALL_KINDS & ~k);
			}
		}
		return;
	}
	default:
		return;
	}
}

/* Sort AND/OR operands so the cheaper side runs first. */
static int node_cost(struct bw_ruleset *rs, int32_t ni)
{
	if (ni < 0)
		return 0;
	struct bw_rnode *n = &rs->nodes[ni];
	int c;
	switch (n->op) {
	case RN_TRUE: case RN_FALSE: c = 0; break;
	case RN_CMP_ENUM: case RN_CMP_INT: case RN_EXISTS: case RN_HOUR: c = 1; break;
	case RN_CMP_STR: c = 2; break;
	case RN_STARTS: case RN_ENDS: c = 3; break;
	case RN_IN: case RN_CONTAINS: c = 4; break;
	case RN_RECENT: c = 5; break;
	case RN_REGEX: c = 8; break;
	case RN_NOT: c = node_cost(rs, n->a); break;
	case RN_AND:
	case RN_OR: {
		int ca = node_cost(rs, n->a), cb = node_cost(rs, n->b);
		n = &rs->nodes[ni];
		if (cb < ca) {
			int32_t t = n->a;
			n->a = n->b;
			n->b = t;
		}
		c = ca > cb ? ca : cb;
		break;
	}
	default: c = 1; break;
	}
	rs->nodes[ni].cost = (uint8_t)c;
	return c;
}

/* How many of the n filter nodes set[] are on url.path.normalized. */
static int pre_norm(const struct bw_ruleset *rs, const int32_t *set, int n)
{
	int k = 0;
	for (int i = 0; i < n; i++)
		k += rs->nodes[set[i]].field == BW_F_URL_PATH_NORM;
	return k;
}

/* Regex nodes (indices into out) at least one of which must match for
 * node ni to be true: a regex with a literal filter, the smaller list of
 * an AND's two sides, both lists of an OR. @return the count, 0 when
 * nothing is certain. */
static int pre_set(const struct bw_ruleset *rs, int32_t ni, int32_t *out,
		   int max)
{
	if (ni < 0 || max <= 0)
		return 0;
	const struct bw_rnode *n = &rs->nodes[ni];
	switch (n->op) {
	case RN_AND: {
		int32_t b[BW_RMAX_PRE];
		int na = pre_set(rs, n->a, out, max);
		int nb = pre_set(rs, n->b, b, max);
		/* fewer filters, else filters on fields scanned as logged:
		 * one on url.path.normalized makes every event's path be
		 * normalized before the filter can say no */
		if (nb && (!na || nb < na ||
			   (nb == na && pre_norm(rs, out, na) > pre_norm(rs, b, nb)))) {
			memcpy(out, b, (size_t)nb * sizeof(*b));
			return nb;
		}
		return na;
	}
	case RN_OR: {
		int na = pre_set(rs, n->a, out, max);
		if (!na)
			return 0;
		int nb = pre_set(rs, n->b, out + na, max - na);
		return nb ? na + nb : 0;
	}
	case RN_REGEX:
	case RN_IN: {
		int32_t x = bw_rnode_filter(n);
		if ((n->op == RN_REGEX && n->cmp != RC_EQ) || x < 0 ||
		    n->field < 0 || !rs->rx[x].nreq)
			return 0;
		out[0] = ni;
		return 1;
	}
	default:
		return 0;
	}
}

/* Give each text `in` on the and/or spine below ni (not under a `not`:
 * only there can it decide alone) a filter entry made of its set's
 * literals, so that the values containing none of them skip the rule
 * (pre_set) or the set lookup. Only for sets with globs (matched one by
 * one) on fields the filter scans for regexes anyway (a field scanned
 * for a set alone costs more than the lookup saves: tried on auth
 * events). @return 0, -1 on OOM. */
static int in_filters(struct bw_ruleset *rs, int32_t ni)
{
	if (ni < 0)
		return 0;
	struct bw_rnode *n = &rs->nodes[ni];
	if (n->op == RN_AND || n->op == RN_OR)
		return in_filters(rs, n->a) ? -1 : in_filters(rs, n->b);
	if (n->op != RN_IN || n->b >= 0 || n->a < 0 || n->field < 0 ||
	    bw_field_desc((enum bw_field_id)n->field)->type != BW_FT_STR)
		return 0;
	const struct bw_rset *set = &rs->sets[n->a];
	if (set->nolit || !set->nlits || set->nnets || set->nints ||
	    !set->nglobs)
		return 0; /* exact strings: the set's own bloom bit is cheaper */
	/* only where the filter scans the field anyway, for a regex */
	int scanned = 0;
	for (size_t i = 0; i < rs->nnodes && !scanned; i++)
		scanned = rs->nodes[i].op == RN_REGEX &&
			  rs->nodes[i].field == n->field && rs->nodes[i].a >= 0 &&
			  rs->rx[rs->nodes[i].a].nreq;
	if (!scanned)
		return 0;
	struct bw_regex *p = bw_rs_grow(rs->rx, &rs->caprx, rs->nrx, sizeof(*p), 32);
	if (!p)
		return -1;
	rs->rx = p;
	struct bw_regex *x = &rs->rx[rs->nrx];
	memset(x, 0, sizeof(*x)); /* no code: only ever a filter */
	x->req = calloc(set->nlits, sizeof(*x->req));
	if (!x->req)
		return -1;
	for (size_t k = 0; k < set->nlits; k++) {
		x->req[k].s = malloc(set->lits[k].n + 1);
		if (!x->req[k].s)
			return -1;
		memcpy(x->req[k].s, set->lits[k].s, set->lits[k].n + 1);
		x->req[k].n = set->lits[k].n;
		x->nreq = k + 1;
	}
	rs->nodes[ni].b = (int32_t)rs->nrx++;
	return 0;
}

/* Fields a node cannot be true without. */
static uint64_t need_of(const struct bw_ruleset *rs, int32_t ni)
{
	if (ni < 0)
		return 0;
	const struct bw_rnode *n = &rs->nodes[ni];
	switch (n->op) {
	case RN_AND:
		return need_of(rs, n->a) | need_of(rs, n->b);
	case RN_OR:
		return need_of(rs, n->a) & need_of(rs, n->b);
	case RN_CMP_STR:
	case RN_REGEX:
		return n->cmp == RC_EQ && n->field >= 0 ? 1ull << n->field : 0;
	case RN_CMP_INT:
	case RN_IN:
	case RN_STARTS:
	case RN_ENDS:
	case RN_CONTAINS:
	case RN_EXISTS:
		return n->field >= 0 && n->field != BW_F_TS ? 1ull << n->field : 0;
	default:
		return 0;
	}
}

/* Every outcome, and bit BW_OUTCOME__COUNT for a value out of range
 * (which `outcome == failure` does not meet, `outcome != failure` does). */
#define ALL_OUTCOMES ((1u << (BW_OUTCOME__COUNT + 1)) - 1)
_Static_assert(BW_OUTCOME__COUNT + 1 <= 8, "outcome_mask is a byte");

/* Outcomes for which node ni can be true (bit BW_OUTCOME__COUNT: any
 * out of range). Conservative: only enum compares under AND/OR narrow
 * it (eval() reads the outcome for every RN_CMP_ENUM field but source
 * and kind). */
static unsigned outcome_of(const struct bw_ruleset *rs, int32_t ni)
{
	if (ni < 0)
		return ALL_OUTCOMES;
	const struct bw_rnode *n = &rs->nodes[ni];
	switch (n->op) {
	case RN_AND:
		return outcome_of(rs, n->a) & outcome_of(rs, n->b);
	case RN_OR:
		return outcome_of(rs, n->a) | outcome_of(rs, n->b);
	case RN_CMP_ENUM:
		if (n->field == BW_F_SOURCE || n->field == BW_F_KIND ||
		    n->ival < 0 || n->ival >= BW_OUTCOME__COUNT)
			return ALL_OUTCOMES;
		if (n->cmp == RC_EQ)
			return 1u << n->ival;
		if (n->cmp == RC_NE)
			return ALL_OUTCOMES & ~(1u << n->ival);
		return ALL_OUTCOMES;
	default:
		return ALL_OUTCOMES;
	}
}

#define ST_WORDS (BW_STATUS_BITS / 64)

/* HTTP statuses (1 .. BW_STATUS_BITS-1) for which node ni can be true,
 * into st. @return 0 when the node says nothing of the status (any may
 * do; st is then undefined), 1 when st holds the set. */
static int status_of(const struct bw_ruleset *rs, int32_t ni, uint64_t *st)
{
	if (ni < 0)
		return 0;
	const struct bw_rnode *n = &rs->nodes[ni];
	uint64_t sb[ST_WORDS];
	switch (n->op) {
	case RN_AND: {
		int ka = status_of(rs, n->a, st);
		int kb = status_of(rs, n->b, sb);
		if (ka && kb)
			for (int w = 0; w < ST_WORDS; w++)
				st[w] &= sb[w];
		else if (kb)
			memcpy(st, sb, sizeof(sb));
		return ka || kb;
	}
	case RN_OR: {
		if (!status_of(rs, n->a, st) || !status_of(rs, n->b, sb))
			return 0;
		for (int w = 0; w < ST_WORDS; w++)
			st[w] |= sb[w];
		return 1;
	}
	case RN_CMP_INT:
		if (n->field != BW_F_HTTP_STATUS)
			return 0;
		memset(st, 0, sizeof(sb));
		for (int64_t s = 1; s < BW_STATUS_BITS; s++)
			if (bw_rcmp_int(n->cmp, s, n->ival))
				st[s >> 6] |= 1ull << (s & 63);
		return 1;
	case RN_IN: {
		if (n->field != BW_F_HTTP_STATUS || n->a < 0)
			return 0;
		const struct bw_rset *set = &rs->sets[n->a];
		memset(st, 0, sizeof(sb));
		for (size_t i = 0; i < set->nints; i++)
			if (set->ints[i] >= 1 && set->ints[i] < BW_STATUS_BITS)
				st[set->ints[i] >> 6] |= 1ull << (set->ints[i] & 63);
		return 1;
	}
	default:
		return 0;
	}
}

static void pick_pre(const struct bw_ruleset *rs, struct bw_rule *r)
{
	r->need_fields = r->kind == BW_RK_SEQUENCE ? 0 : need_of(rs, r->when);
	r->npre = 0;
	r->outcome_mask = ALL_OUTCOMES;
	r->status_known = 0;
	if (r->kind == BW_RK_SEQUENCE)
		return; /* `when` is not all that decides: steps have their own */
	r->outcome_mask = (uint8_t)outcome_of(rs, r->when);
	r->status_known = (uint8_t)status_of(rs, r->when, r->status_ok);
	int32_t set[BW_RMAX_PRE];
	int n = pre_set(rs, r->when, set, BW_RMAX_PRE);
	for (int i = 0; i < n; i++) {
		r->pre_rx[i] = bw_rnode_filter(&rs->nodes[set[i]]);
		r->pre_field[i] = rs->nodes[set[i]].field;
	}
	r->npre = n;
}

int bw_rs_find_rule(const struct bw_ruleset *rs, const char *id, size_t n)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (strlen(rs->rules[i].id) == n &&
		    memcmp(rs->rules[i].id, id, n) == 0)
			return (int)i;
	return -1;
}

static int index_add(uint32_t **arr, uint32_t *n, uint32_t v)
{
	uint32_t *p = realloc(*arr, (*n + 1) * sizeof(*p));
	if (!p)
		return -1;
	p[(*n)++] = v;
	*arr = p;
	return 0;
}

int bw_ruleset_compile(struct bw_ruleset *rs, struct bw_rerr *err)
{
	unsigned before = err->count;
	/* Regexes and references: walk each rule's trees, so an error names
	 * the rule's own file. */
	for (size_t ri = 0; ri < rs->nrules; ri++) {
		struct bw_rule *r = &rs->rules[ri];
		int32_t roots[2 + BW_RMAX_ESC + BW_RMAX_STEPS];
		int nroots = 0;
		roots[nroots++] = r->when;
		roots[nroots++] = r->trigger;
		for (int i = 0; i < r->nesc; i++)
			roots[nroots++] = r->esc[i].cond;
		for (int i = 0; i < r->nsteps; i++)
			roots[nroots++] = r->steps[i].cond;
		int32_t stack[256];
		for (int k = 0; k < nroots; k++) {
			int sp = 0;
			if (roots[k] >= 0)
				stack[sp++] = roots[k];
			while (sp > 0) {
				int32_t ni = stack[--sp];
				struct bw_rnode *nd = &rs->nodes[ni];
				switch (nd->op) {
				case RN_AND: case RN_OR: case RN_A_ADD: case RN_A_SUB:
				case RN_A_MUL: case RN_A_DIV: case RN_A_CMP:
					if (sp + 2 <= 256) {
						stack[sp++] = nd->a;
						stack[sp++] = nd->b;
					}
					break;
				case RN_NOT:
					if (sp < 256)
						stack[sp++] = nd->a;
					break;
				case RN_REGEX:
					compile_regex(rs, nd, nd->file ? nd->file :
							  r->file, err);
					break;
				case RN_RECENT: {
					const char *nf = nd->file ? nd->file : r->file;
					int t = bw_rs_find_rule(rs, nd->str, strlen(nd->str));
					if (t < 0) {
						bw_rerr_add(err, nf, nd->line, nd->col,
							    "recent(): no rule '%s'", nd->str);
					} else if (rs->rules[t].ngroup == 0) {
						bw_rerr_add(err, nf, nd->line, nd->col,
							    "recent(): rule '%s' has no group or "
							    "sequence key", nd->str);
					}
					nd->a = t;
					break;
				}
				default:
					break;
				}
			}
		}
		if (r->when >= 0)
			node_cost(rs, r->when);
		for (int i = 0; i < r->nesc; i++)
			node_cost(rs, r->esc[i].cond);
		for (int i = 0; i < r->nsteps; i++)
			node_cost(rs, r->steps[i].cond);
	}
	if (err->count != before)
		return -1;
	for (size_t ri = 0; ri < rs->nrules; ri++) {
		struct bw_rule *r = &rs->rules[ri];
		if (r->kind != BW_RK_SEQUENCE && in_filters(rs, r->when)) {
			bw_rerr_add(err, r->file, r->line, 1, "out of memory");
			return -1;
		}
		pick_pre(rs, r);
	}
	/* the source/kind index */
	for (size_t ri = 0; ri < rs->nrules; ri++) {
		struct bw_rule *r = &rs->rules[ri];
		struct skmask m, w;
		if (r->disabled)
			continue; /* in no index: meets no event, no alert */
		if (r->kind == BW_RK_SEQUENCE) {
			memset(&m, 0, sizeof(m));
			for (int i = 0; i < r->nsteps; i++) {
				if (r->steps[i].is_alert)
					continue;
				struct skmask s;
				node_mask(rs, r->steps[i].cond, &s);
				for (int k = 0; k < BW_SRC__COUNT; k++)
					m.m[k] |= s.m[k];
			}
			int any = 0;
			for (int i = 0; i < r->nsteps; i++)
				any |= r->steps[i].is_alert;
			r->has_alert_step = any;
			if (any && index_add(&rs->alert_seq, &rs->nalert_seq,
					     (uint32_t)ri))
				return -1;
		} else {
			mask_all(&m);
		}
		node_mask(rs, r->when, &w);
		for (int k = 0; k < BW_SRC__COUNT; k++) {
			r->kind_mask[k] = m.m[k] & w.m[k];
			for (int kd = 0; kd < BW_KIND__COUNT; kd++)
				if (r->kind_mask[k] & (1ull << kd))
					if (index_add(&rs->index[k][kd], &rs->nindex[k][kd],
						      (uint32_t)ri))
						return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ loading */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct bw_ruleset *bw_ruleset_load(const char *dir, uint64_t seed,
				   struct bw_rerr *err)
{
	return bw_ruleset_load_set(dir, seed, NULL, 0, NULL, err);
}

struct bw_ruleset *bw_ruleset_load_set(const char *dir, uint64_t seed,
				       const char *const *sets, size_t nsets,
				       const struct bw_identity *id,
				       struct bw_rerr *err)
{
	struct bw_ruleset *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	rs->dir = dir;
	rs->seed = seed;
	rs->identity = id;
	DIR *d = opendir(dir);
	if (!d) {
		bw_rerr_add(err, dir, 0, 0, "cannot open rules directory: %s",
			    strerror(errno));
		return rs;
	}
	char **names = NULL;
	size_t nn = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l > 6 && strcmp(de->d_name + l - 6, ".rules") == 0 &&
		    de->d_name[0] != '.') {
			char **p = realloc(names, (nn + 1) * sizeof(*p));
			if (!p)
				break;
			names = p;
			names[nn] = malloc(strlen(dir) + l + 2);
			if (!names[nn])
				break;
			sprintf(names[nn], "%s/%s", dir, de->d_name);
			nn++;
		}
	}
	closedir(d);
	if (nn)
		qsort(names, nn, sizeof(*names), cmp_str);
	else /* a mistyped --rules must not scan clean with no rule */
		bw_rerr_add(err, dir, 0, 0, "no *.rules file in the rules "
			    "directory ('--rules none' scans without rules)");
	/* two passes: every rule first, then the override blocks, which may
	 * name a rule of any file */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < nn; i++) {
			size_t len;
			char *src = read_file(names[i], &len);
			if (!src) {
				if (!pass)
					bw_rerr_add(err, names[i], 0, 0,
						    "cannot read: %s", strerror(errno));
			} else if (!pass) {
				bw_rule_parse(rs, names[i], src, len, err);
			} else {
				bw_rule_parse_overrides(rs, names[i], src, len, err);
			}
			free(src);
		}
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	for (size_t i = 0; i < nsets; i++)
		bw_rule_set(rs, sets[i], err);
	/* compile even after parse errors, so regex and reference errors are
	 * reported in the same run */
	bw_ruleset_compile(rs, err);
	return rs;
}

void bw_ruleset_free(struct bw_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nrules; i++) {
		struct bw_rule *r = &rs->rules[i];
		free(r->id);
		free(r->title);
		free(r->file);
		free(r->baseline);
		for (int k = 0; k < r->ntags; k++)
			free(r->tags[k]);
		for (int k = 0; k < r->nmsg; k++)
			free(r->msg[k].text);
		free(r->msg);
	}
	free(rs->rules);
	for (size_t i = 0; i < rs->nnodes; i++) {
		free(rs->nodes[i].str);
	}
	free(rs->nodes);
	for (size_t i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->files);
	for (size_t i = 0; i < rs->nsets; i++)
		bw_rset_fini(&rs->sets[i]);
	free(rs->sets);
	for (size_t i = 0; i < rs->nrx; i++) {
		pcre2_code_free(rs->rx[i].code);
		free(rs->rx[i].lit);
		for (size_t k = 0; k < rs->rx[i].nreq; k++)
			free(rs->rx[i].req[k].s);
		free(rs->rx[i].req);
		free(rs->rx[i].reqcode);
	}
	free(rs->rx);
	for (int s = 0; s < BW_SRC__COUNT; s++)
		for (int k = 0; k < BW_KIND__COUNT; k++)
			free(rs->index[s][k]);
	free(rs->alert_seq);
	bw_rset_fini(&rs->allow_ip);
	bw_rset_fini(&rs->allow_user);
	bw_rset_fini(&rs->allow_agent);
	for (size_t i = 0; i < rs->nagent_from; i++) {
		bw_rset_fini(&rs->agent_from[i].agent);
		bw_rset_fini(&rs->agent_from[i].nets);
	}
	free(rs->agent_from);
	free(rs);
}

/* ------------------------------------------------------- allowlists */

struct allow_ctx {
	struct bw_ruleset *rs;
	int kind;             /* 0 ip, 1 user, 2 agent, 3 mixed (--allow) */
	const char *path;
	struct bw_rerr *err;
};

/* "GLOB from NET, NET ..." (agent lines): the agent allowlisted only from
 * those networks. @return 1 when the line had " from " (added, or an
 * error reported at the bad network), 0 for a plain GLOB. */
static int allow_agent_from(struct allow_ctx *x, const char *v, size_t n,
			    int line, int col)
{
	const char *f = NULL;
	for (size_t i = 0; i + 6 <= n; i++)
		if (!memcmp(v + i, " from ", 6))
			f = v + i; /* the last: an agent may hold " from " */
	if (!f)
		return 0;
	struct bw_ruleset *rs = x->rs;
	struct bw_allow_agent_from *a = realloc(rs->agent_from,
						(rs->nagent_from + 1) * sizeof(*a));
	if (!a) {
		bw_rerr_add(x->err, x->path, line, col, "out of memory");
		return 1;
	}
	rs->agent_from = a;
	a += rs->nagent_from++;
	memset(a, 0, sizeof(*a));
	a->agent.lower = 1;
	char m[200];
	size_t gn = (size_t)(f - v);
	while (gn && v[gn - 1] == ' ')
		gn--;
	if (bw_rset_add(rs, &a->agent, v, gn, BW_FT_STR, 1, m, sizeof(m)))
		bw_rerr_add(x->err, x->path, line, col, "%s", m);
	const char *p = f + 6, *end = v + n;
	int ntok = 0;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		const char *q = p;
		while (q < end && *q != ' ' && *q != ',')
			q++;
		ntok += q > p;
		if (q > p && bw_rset_add(rs, &a->nets, p, (size_t)(q - p),
					 BW_FT_IP, 0, m, sizeof(m)))
			bw_rerr_add(x->err, x->path, line, col + (int)(p - v),
				    "%s", m);
		p = q;
	}
	if (!ntok)
		bw_rerr_add(x->err, x->path, line, col + (int)(f + 6 - v),
			    "'from' needs an address or network");
	rs->has_allow = 1;
	return 1;
}

static void allow_add(void *c, const char *v, size_t n, int line, int col)
{
	struct allow_ctx *x = c;
	char m[200];
	int kind = x->kind;
	if (kind == 3) {
		/* "ip 10.0.0.0/8", "user alice", "agent Nagios*", or a bare
		 * address / network */
		static const char *const kw[] = { "ip", "cidr", "user", "agent" };
		for (size_t k = 0; k < 4; k++)
			if (n == strlen(kw[k]) && !memcmp(v, kw[k], n)) {
				bw_rerr_add(x->err, x->path, line, col,
					    "'%s' needs a value ('%s VALUE')",
					    kw[k], kw[k]);
				return;
			}
		const char *sp = memchr(v, ' ', n);
		size_t kl = sp ? (size_t)(sp - v) : 0;
		if (sp && ((kl == 2 && !memcmp(v, "ip", 2)) ||
			   (kl == 4 && !memcmp(v, "cidr", 4))))
			kind = 0;
		else if (sp && kl == 4 && !memcmp(v, "user", 4))
			kind = 1;
		else if (sp && kl == 5 && !memcmp(v, "agent", 5))
			kind = 2;
		if (kind != 3) {
			v = sp;
			while (*v == ' ')
				v++;
			col += (int)(v - (sp - kl)); /* errors point at the value */
			n -= (size_t)(v - (sp - kl));
		} else {
			kind = 0;
		}
	}
	if (kind == 2 && allow_agent_from(x, v, n, line, col))
		return;
	struct bw_rset *set = kind == 0 ? &x->rs->allow_ip :
			      kind == 1 ? &x->rs->allow_user : &x->rs->allow_agent;
	/* agents fold case; users compare as identities, as rules do */
	set->lower = kind == 2 ? 1 : kind == 1 ? 2 : 0;
	if (bw_rset_add(x->rs, set, v, n, kind == 0 ? BW_FT_IP : BW_FT_STR,
			set->lower, m, sizeof(m)))
		bw_rerr_add(x->err, x->path, line, col, "%s", m);
	x->rs->has_allow = 1;
}

/* Load one allowlist file (kind 0 ip, 1 user, 2 agent, 3 mixed).
 * Missing files are fine unless required. */
int bw_ruleset_load_allow(struct bw_ruleset *rs, const char *path, int kind,
			  int required, struct bw_rerr *err)
{
	size_t n;
	char *buf = read_file(path, &n);
	if (!buf) {
		if (required)
			bw_rerr_add(err, path, 0, 0, "cannot read allowlist: %s",
				    strerror(errno));
		return required ? -1 : 0;
	}
	struct allow_ctx x = { rs, kind, path, err };
	each_line(buf, n, allow_add, &x);
	free(buf);
	return 0;
}
