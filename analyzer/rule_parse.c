/*
 * rule_parse.c - recursive-descent parser of the *.rules files into the
 * flat ruleset arrays (rule.h). Field names are resolved here, so errors
 * point at the offending token; cross-rule references (recent(), alert())
 * and regexes are resolved by rule_compile.c.
 *
 * Error recovery: an error skips the rest of its directive line and
 * parsing goes on, so `rules check` reports every error of a file at once.
 */
#include "rule.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw_util.h"

struct P {
	struct bw_ruleset *rs;
	struct bw_rerr *err;
	struct bw_rlexer lx;
	struct bw_rtoken tok;
	int paren;      /* bracket depth: newlines are skipped inside */
	int bad;        /* an error was reported on this directive */
	int r;          /* current rule index, -1 before the first rule */
	int in_step;    /* parsing a sequence step (alert() allowed) */
	int rule_bad;   /* the current rule had an error: skip the checks
	                   that need the whole rule (they would only echo it) */
	int ovmode;     /* 1: apply `override` blocks, skip `rule` blocks;
	                   0: the reverse */
	int skip;       /* inside a block this pass does not parse */
	int ov_tags;    /* this override block replaced the tags ... */
	int ov_esc;     /* ... and the escalations */
	int ov_line, ov_col; /* where the override block (or --set) starts */
	const char *file;    /* the text's name, kept by rs (node errors) */
	unsigned seen;       /* bit i: once[i] met in this block */
};

/* Directives that hold one value: each once per rule or override block
 * (a second one is an error, not a silent replacement). */
static const char *const once[] = {
	"title", "severity", "group", "window", "trigger", "suppress",
	"sequence", "description", "allowlist", "disabled",
};

static void err_at(struct P *ps, const struct bw_rtoken *t, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
static void err_at(struct P *ps, const struct bw_rtoken *t, const char *fmt,
		   ...)
{
	if (ps->bad)
		return;
	ps->bad = 1;
	ps->rule_bad = 1;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bw_rerr_add(ps->err, ps->lx.file, t->line, t->col, "%s", msg);
}

static void tok_free(struct bw_rtoken *t)
{
	if ((t->t == RT_STR || t->t == RT_REGEX) && t->val)
		free(t->val);
	t->val = NULL;
}

static void advance(struct P *ps)
{
	tok_free(&ps->tok);
	do {
		bw_rlex_next(&ps->lx, &ps->tok);
	} while (ps->tok.t == RT_NL && ps->paren > 0);
	if (ps->tok.t == RT_ERR)
		err_at(ps, &ps->tok, "%s", ps->tok.val);
}

/* Take ownership of the current token's decoded value. */
static char *take_val(struct P *ps)
{
	char *v = ps->tok.val;
	ps->tok.val = NULL;
	return v;
}

static int is_word(const struct P *ps, const char *w)
{
	return ps->tok.t == RT_WORD && ps->tok.n == strlen(w) &&
	       memcmp(ps->tok.p, w, ps->tok.n) == 0;
}

static char *tok_dup(const struct bw_rtoken *t)
{
	char *s = malloc(t->n + 1);
	if (s) {
		memcpy(s, t->p, t->n);
		s[t->n] = 0;
	}
	return s;
}

/* The current token as text for messages. */
static const char *tok_text(const struct P *ps, char *buf, size_t cap)
{
	if (ps->tok.t == RT_WORD || ps->tok.t == RT_LISTREF) {
		snprintf(buf, cap, "'%.*s'", (int)(ps->tok.n > 60 ? 60 : ps->tok.n),
			 ps->tok.p);
		return buf;
	}
	return bw_rtok_name(ps->tok.t);
}

static void expected(struct P *ps, const char *what)
{
	char b[80], msg[200];
	snprintf(msg, sizeof(msg), "expected %s, found %s", what,
		 tok_text(ps, b, sizeof(b)));
	err_at(ps, &ps->tok, "%s", msg);
}

/* When the expression ends at a newline and the next line starts with
 * `and` / `or`, the expression continues there. */
static void continue_line(struct P *ps)
{
	if (ps->tok.t != RT_NL)
		return;
	struct bw_rlexer save = ps->lx;
	struct bw_rtoken t;
	do {
		bw_rlex_next(&ps->lx, &t);
		if (t.t == RT_STR || t.t == RT_REGEX)
			free(t.val);
	} while (t.t == RT_NL);
	int cont = t.t == RT_WORD &&
		   ((t.n == 3 && memcmp(t.p, "and", 3) == 0) ||
		    (t.n == 2 && memcmp(t.p, "or", 2) == 0));
	ps->lx = save;
	if (cont)
		while (ps->tok.t == RT_NL)
			advance(ps);
}

static int32_t node(struct P *ps, int op)
{
	int32_t i = bw_rs_node(ps->rs);
	if (i < 0) {
		err_at(ps, &ps->tok, "%s", "out of memory");
		return -1;
	}
	struct bw_rnode *n = &ps->rs->nodes[i];
	n->op = (uint8_t)op;
	n->field = -1;
	n->a = n->b = -1;
	n->line = ps->tok.line;
	n->col = ps->tok.col;
	n->file = ps->file;
	return i;
}

#define ND(i) (ps->rs->nodes[i])

static int parse_field(struct P *ps)
{
	if (ps->tok.t != RT_WORD) {
		expected(ps, "a field name");
		return -1;
	}
	int f = bw_field_lookup(ps->tok.p, ps->tok.n);
	if (f < 0) {
		char b[80];
		err_at(ps, &ps->tok, "unknown field %s", tok_text(ps, b, sizeof(b)));
		return -1;
	}
	advance(ps);
	return f;
}

static int cmp_of(enum bw_rtok t)
{
	switch (t) {
	case RT_EQ: return RC_EQ;
	case RT_NE: return RC_NE;
	case RT_LT: return RC_LT;
	case RT_LE: return RC_LE;
	case RT_GT: return RC_GT;
	case RT_GE: return RC_GE;
	default: return -1;
	}
}

static void lower_inplace(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] + 32);
}

/* `user` (and `identity`) in a rule is the event's normalized identity
 * (identity.h): the names rules compare it with are normalized too. */
static int is_user(int field)
{
	return field == BW_F_USER || field == BW_F_IDENTITY;
}

/* The user name s (sl bytes, malloc'd) as the identity an event of that
 * name gets: "Administrator" is administrator, "CORP\alice" alice@corp
 * (alice under --identity-domain corp.example). In place; unchanged
 * when it has no identity ("-", empty). */
static void identity_inplace(struct P *ps, char **s, size_t *sl)
{
	char b[512];
	size_t k = bw_identity_normalize(ps->rs->identity, bw_str_make(*s, *sl),
					 BW_STR_NULL, b, sizeof(b));
	if (!k) {
		lower_inplace(*s, *sl);
		return;
	}
	char *c = malloc(k + 1);
	if (!c) {
		lower_inplace(*s, *sl);
		return;
	}
	memcpy(c, b, k + 1);
	free(*s);
	*s = c;
	*sl = k;
}

/* ------------------------------------------------------------ units */

/* What a number with a unit is (bw_rnum_parse's kind): 0 a plain number
 * (a count, a status, a port), 1 a size, 2 a duration. */
static int field_unit(int f)
{
	switch ((enum bw_field_id)f) {
	case BW_F_BYTES_OUT:
	case BW_F_BYTES_IN:
	case BW_F_HTTP_BYTES: return 1;
	case BW_F_DURATION: return 2;
	default: return 0;
	}
}

static const char *unit_name(int kind)
{
	return kind == 1 ? "byte count" : kind == 2 ? "duration" : "number";
}

static const char *unit_list(int kind)
{
	return kind == 1 ? "(units B KB MB GB KiB MiB GiB TiB)" :
	       kind == 2 ? "(units ms s m h d w)" : "(no unit)";
}

/* A number token with unit kind (bw_rnum_parse's) compared with field f
 * (descriptor d): a unit that does not fit f is an error at the token.
 * @return 0, -1 after reporting it. */
static int unit_fits(struct P *ps, int kind, int f, const struct bw_field_desc *d)
{
	if (!kind || kind == field_unit(f))
		return 0;
	char b[80];
	err_at(ps, &ps->tok, "%s is a %s; %s is a %s %s",
	       tok_text(ps, b, sizeof(b)), unit_name(kind), d->name,
	       unit_name(field_unit(f)), unit_list(field_unit(f)));
	return -1;
}

/* One set element at the current token, added to set si. */
static int parse_set_value(struct P *ps, int32_t si, int ftype, int lower)
{
	char msg[200];
	const char *v;
	size_t n;
	if (ps->tok.t == RT_STR) {
		v = ps->tok.val;
		n = ps->tok.vlen;
	} else if (ps->tok.t == RT_WORD) {
		v = ps->tok.p;
		n = ps->tok.n;
	} else {
		expected(ps, "a value");
		return -1;
	}
	if (ftype == BW_FT_ENUM) {
		/* enums are stored as ints: their enum value */
		err_at(ps, &ps->tok, "%s", "internal: enum set");
		return -1;
	}
	if (bw_rset_add(ps->rs, &ps->rs->sets[si], v, n, ftype, lower, msg,
			sizeof(msg))) {
		err_at(ps, &ps->tok, "%s", msg);
		return -1;
	}
	advance(ps);
	return 0;
}

static int enum_value(int field, const char *p, size_t n)
{
	switch (field) {
	case BW_F_SOURCE: return bw_source_from_name(p, n);
	case BW_F_KIND: return bw_kind_from_name(p, n);
	case BW_F_OUTCOME: return bw_outcome_from_name(p, n);
	default: return -1;
	}
}

/* `in [a, b]` or `in @list` after a field; the `in` is consumed. */
static int32_t parse_in(struct P *ps, int field, int fl)
{
	int lower = is_user(field) ? 2 : fl & RNF_LOWER;
	const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)field);
	if (d->type == BW_FT_ENUM) {
		/* source in [web, vpn]: an OR of enum compares */
		if (ps->tok.t != RT_LB) {
			expected(ps, "'[' (lists of names for source/kind/outcome)");
			return -1;
		}
		ps->paren++;
		advance(ps);
		int32_t acc = -1;
		while (ps->tok.t != RT_RB) {
			const char *p = ps->tok.t == RT_STR ? ps->tok.val : ps->tok.p;
			size_t n = ps->tok.t == RT_STR ? ps->tok.vlen : ps->tok.n;
			if (ps->tok.t != RT_WORD && ps->tok.t != RT_STR) {
				expected(ps, "a name");
				ps->paren--;
				return -1;
			}
			int v = enum_value(field, p, n);
			if (v < 0) {
				char b[80];
				err_at(ps, &ps->tok, "unknown value %s for this field",
				       tok_text(ps, b, sizeof(b)));
				ps->paren--;
				return -1;
			}
			int32_t c = node(ps, RN_CMP_ENUM);
			if (c < 0)
				return -1;
			ND(c).field = (int16_t)field;
			ND(c).cmp = RC_EQ;
			ND(c).ival = v;
			if (acc < 0) {
				acc = c;
			} else {
				int32_t o = node(ps, RN_OR);
				if (o < 0)
					return -1;
				ND(o).a = acc;
				ND(o).b = c;
				acc = o;
			}
			advance(ps);
			if (ps->tok.t == RT_COMMA)
				advance(ps);
			else if (ps->tok.t != RT_RB) {
				expected(ps, "',' or ']'");
				ps->paren--;
				return -1;
			}
		}
		ps->paren--;
		advance(ps);
		if (acc < 0)
			acc = node(ps, RN_FALSE);
		return acc;
	}
	int32_t n = node(ps, RN_IN);
	if (n < 0)
		return -1;
	ND(n).field = (int16_t)field;
	ND(n).flags = (uint8_t)fl;
	if (ps->tok.t == RT_LISTREF) {
		char name[128], msg[300];
		size_t ln = ps->tok.n - 1 < sizeof(name) - 1 ? ps->tok.n - 1 :
							   sizeof(name) - 1;
		memcpy(name, ps->tok.p + 1, ln);
		name[ln] = 0;
		/* one set per list, type and case: rules share it, and the
		 * engine remembers its answer for the event */
		for (size_t k = 0; k < ps->rs->nsets; k++) {
			const struct bw_rset *o = &ps->rs->sets[k];
			if (o->name && !strcmp(o->name, name) && o->lower == lower &&
			    o->ftype == (int)d->type) {
				ND(n).a = (int32_t)k;
				advance(ps);
				return n;
			}
		}
		int32_t li = bw_rs_set(ps->rs);
		if (li < 0)
			return -1;
		ND(n).a = li;
		ps->rs->sets[li].lower = lower;
		ps->rs->sets[li].ftype = (int)d->type;
		if (bw_rset_load_list(ps->rs, &ps->rs->sets[li], name, (int)d->type,
				      msg, sizeof(msg), ps->err)) {
			err_at(ps, &ps->tok, "%s", msg);
			return -1;
		}
		advance(ps);
		return n;
	}
	int32_t si = bw_rs_set(ps->rs);
	if (si < 0)
		return -1;
	ND(n).a = si;
	ps->rs->sets[si].lower = lower;
	if (ps->tok.t != RT_LB) {
		expected(ps, "'[' or '@list'");
		return -1;
	}
	ps->paren++;
	advance(ps);
	while (ps->tok.t != RT_RB) {
		int64_t uv;
		int uk;
		if ((d->type == BW_FT_INT || d->type == BW_FT_TIME) &&
		    ps->tok.t == RT_WORD &&
		    bw_rnum_parse(ps->tok.p, ps->tok.n, &uv, &uk) &&
		    unit_fits(ps, uk, field, d)) {
			ps->paren--;
			return -1;
		}
		if (parse_set_value(ps, si, (int)d->type, lower)) {
			ps->paren--;
			return -1;
		}
		if (ps->tok.t == RT_COMMA) {
			advance(ps);
		} else if (ps->tok.t != RT_RB) {
			expected(ps, "',' or ']'");
			ps->paren--;
			return -1;
		}
	}
	ps->paren--;
	advance(ps);
	return n;
}

/* A string literal (quoted, or a bare word) for string compares. */
static int take_string(struct P *ps, struct bw_rnode *nd_unused, char **s,
		       size_t *n)
{
	(void)nd_unused;
	if (ps->tok.t == RT_STR) {
		*n = ps->tok.vlen;
		*s = take_val(ps);
	} else if (ps->tok.t == RT_WORD) {
		*n = ps->tok.n;
		*s = tok_dup(&ps->tok);
	} else {
		expected(ps, "a string");
		return -1;
	}
	if (!*s) {
		err_at(ps, &ps->tok, "%s", "out of memory");
		return -1;
	}
	advance(ps);
	return 0;
}

/* Step past a function's name and its '(', counting it as an open
 * parenthesis when nest. @return 0, -1 after reporting. */
static int open_paren(struct P *ps, int nest)
{
	advance(ps);
	if (ps->tok.t != RT_LP) {
		expected(ps, "'('");
		return -1;
	}
	ps->paren += nest;
	advance(ps);
	return 0;
}

/* Expect ')' and step past it. @return 0, -1 after reporting. */
static int close_paren(struct P *ps)
{
	if (ps->tok.t != RT_RP) {
		expected(ps, "')'");
		return -1;
	}
	advance(ps);
	return 0;
}

/* field, lower(X) or urldecode(X) with X one of these: @return the
 * field id, *fl its RNF_* transforms (decoding comes first, whatever the
 * order written: lowering never makes a %-escape). */
static int parse_field_arg(struct P *ps, int *fl)
{
	int t = is_word(ps, "lower") ? RNF_LOWER :
		is_word(ps, "urldecode") ? RNF_DECODE : 0;
	if (!t) {
		*fl = 0;
		return parse_field(ps);
	}
	const char *fname = t == RNF_LOWER ? "lower" : "urldecode";
	if (open_paren(ps, 1))
		return -1;
	struct bw_rtoken ft = ps->tok;
	int f = parse_field_arg(ps, fl);
	if (f < 0) {
		ps->paren--;
		return -1;
	}
	const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)f);
	if (d->type != BW_FT_STR) {
		err_at(ps, &ft, "%s() takes a text field", fname);
		ps->paren--;
		return -1;
	}
	ps->paren--;
	if (close_paren(ps))
		return -1;
	*fl |= t;
	return f;
}

static int32_t parse_or(struct P *ps);

static int32_t parse_strfunc(struct P *ps, int op)
{
	if (open_paren(ps, 1))
		return -1;
	int fl;
	struct bw_rtoken ft = ps->tok;
	int f = parse_field_arg(ps, &fl);
	if (f < 0)
		goto fail;
	if (bw_field_desc((enum bw_field_id)f)->type != BW_FT_STR) {
		err_at(ps, &ft, "%s", "this function takes a text field");
		goto fail;
	}
	if (ps->tok.t != RT_COMMA) {
		expected(ps, "','");
		goto fail;
	}
	advance(ps);
	int32_t n = node(ps, op);
	if (n < 0)
		goto fail;
	char *s;
	size_t sl;
	if (take_string(ps, NULL, &s, &sl))
		goto fail;
	ND(n).field = (int16_t)f;
	ND(n).str = s;
	ND(n).slen = sl;
	ND(n).flags = (uint8_t)fl;
	/* a part of a user name: its case folded, as the identity's is */
	if ((fl & RNF_LOWER) || is_user(f))
		lower_inplace(s, sl);
	ps->paren--;
	if (close_paren(ps))
		return -1;
	return n;
fail:
	ps->paren--;
	return -1;
}

/* hour(ts) cmp N */
static int32_t parse_hour(struct P *ps)
{
	if (open_paren(ps, 0))
		return -1;
	if (!is_word(ps, "ts") && !is_word(ps, "@timestamp")) {
		expected(ps, "'ts'");
		return -1;
	}
	advance(ps);
	if (close_paren(ps))
		return -1;
	int32_t n = node(ps, RN_HOUR);
	if (n < 0)
		return -1;
	if (is_word(ps, "in")) {
		/* hour(ts) in [22, 23, 0, 1] */
		advance(ps);
		int32_t si = bw_rs_set(ps->rs);
		if (si < 0 || ps->tok.t != RT_LB) {
			expected(ps, "'['");
			return -1;
		}
		ND(n).op = RN_IN;
		ND(n).field = BW_F_TS;
		ND(n).a = si;
		ps->paren++;
		advance(ps);
		while (ps->tok.t != RT_RB) {
			int64_t hv;
			int hk;
			if (ps->tok.t != RT_WORD ||
			    !bw_rnum_parse(ps->tok.p, ps->tok.n, &hv, &hk) ||
			    hk != 0 || hv > 23) {
				expected(ps, "an hour 0..23");
				ps->paren--;
				return -1;
			}
			if (parse_set_value(ps, si, BW_FT_INT, 0)) {
				ps->paren--;
				return -1;
			}
			if (ps->tok.t == RT_COMMA)
				advance(ps);
			else if (ps->tok.t != RT_RB) {
				expected(ps, "',' or ']'");
				ps->paren--;
				return -1;
			}
		}
		ps->paren--;
		advance(ps);
		return n;
	}
	int c = cmp_of(ps->tok.t);
	if (c < 0) {
		expected(ps, "a comparison");
		return -1;
	}
	advance(ps);
	int64_t v;
	int kind;
	if (ps->tok.t != RT_WORD || !bw_rnum_parse(ps->tok.p, ps->tok.n, &v, &kind) ||
	    kind != 0 || v > 23) {
		expected(ps, "an hour 0..23");
		return -1;
	}
	ND(n).cmp = (uint8_t)c;
	ND(n).ival = v;
	advance(ps);
	return n;
}

static int32_t parse_primary(struct P *ps)
{
	if (ps->tok.t == RT_LP) {
		ps->paren++;
		advance(ps);
		int32_t n = parse_or(ps);
		ps->paren--;
		if (n < 0)
			return -1;
		if (close_paren(ps))
			return -1;
		return n;
	}
	if (ps->tok.t != RT_WORD) {
		expected(ps, "a condition");
		return -1;
	}
	if (is_word(ps, "true") || is_word(ps, "false")) {
		int32_t n = node(ps, is_word(ps, "true") ? RN_TRUE : RN_FALSE);
		advance(ps);
		return n;
	}
	if (is_word(ps, "exists")) {
		if (open_paren(ps, 0))
			return -1;
		int32_t n = node(ps, RN_EXISTS);
		int f = parse_field(ps);
		if (n < 0 || f < 0)
			return -1;
		ND(n).field = (int16_t)f;
		if (close_paren(ps))
			return -1;
		return n;
	}
	if (is_word(ps, "startswith"))
		return parse_strfunc(ps, RN_STARTS);
	if (is_word(ps, "contains"))
		return parse_strfunc(ps, RN_CONTAINS);
	if (is_word(ps, "endswith"))
		return parse_strfunc(ps, RN_ENDS);
	if (is_word(ps, "hour"))
		return parse_hour(ps);
	if (is_word(ps, "recent")) {
		/* recent(rule.id, 3h) */
		struct bw_rtoken rt = ps->tok;
		if (open_paren(ps, 0))
			return -1;
		int32_t n = node(ps, RN_RECENT);
		if (n < 0)
			return -1;
		if (ps->tok.t != RT_WORD) {
			expected(ps, "a rule id");
			return -1;
		}
		ND(n).str = tok_dup(&ps->tok);
		ND(n).line = rt.line;
		ND(n).col = rt.col;
		advance(ps);
		if (ps->tok.t != RT_COMMA) {
			expected(ps, "','");
			return -1;
		}
		advance(ps);
		int64_t v;
		int kind;
		if (ps->tok.t != RT_WORD ||
		    !bw_rnum_parse(ps->tok.p, ps->tok.n, &v, &kind) || kind != 2) {
			expected(ps, "a duration such as 3h");
			return -1;
		}
		ND(n).ival = v;
		advance(ps);
		if (close_paren(ps))
			return -1;
		return n;
	}
	if (is_word(ps, "alert")) {
		/* alert(pattern, ...): rule ids, id globs, tags */
		struct bw_rtoken at = ps->tok;
		advance(ps);
		if (!ps->in_step) {
			err_at(ps, &at, "%s",
			       "alert(...) can only be a sequence step condition");
			return -1;
		}
		if (ps->tok.t != RT_LP) {
			expected(ps, "'('");
			return -1;
		}
		ps->paren++;
		advance(ps);
		int32_t n = node(ps, RN_ALERT);
		int32_t si = bw_rs_set(ps->rs);
		if (n < 0 || si < 0) {
			ps->paren--;
			return -1;
		}
		ND(n).a = si;
		while (ps->tok.t != RT_RP) {
			if (parse_set_value(ps, si, BW_FT_STR, 0)) {
				ps->paren--;
				return -1;
			}
			if (ps->tok.t == RT_COMMA)
				advance(ps);
			else if (ps->tok.t != RT_RP) {
				expected(ps, "',' or ')'");
				ps->paren--;
				return -1;
			}
		}
		ps->paren--;
		advance(ps);
		return n;
	}

	/* field-based comparison */
	struct bw_rtoken ft = ps->tok;
	int fl;
	int f = parse_field_arg(ps, &fl);
	int lower = fl & RNF_LOWER;
	if (f < 0)
		return -1;
	const struct bw_field_desc *d = bw_field_desc((enum bw_field_id)f);
	int neg = 0;
	if (is_word(ps, "not")) {
		neg = 1;
		advance(ps);
		if (!is_word(ps, "in")) {
			expected(ps, "'in' after 'not'");
			return -1;
		}
	}
	if (is_word(ps, "in")) {
		advance(ps);
		int32_t n = parse_in(ps, f, fl);
		if (n < 0 || !neg)
			return n;
		int32_t x = node(ps, RN_NOT);
		if (x < 0)
			return -1;
		ND(x).a = n;
		return x;
	}
	if (ps->tok.t == RT_MATCH || ps->tok.t == RT_NMATCH) {
		int nm = ps->tok.t == RT_NMATCH;
		if (d->type != BW_FT_STR && d->type != BW_FT_ENUM) {
			err_at(ps, &ft, "%s", "'~' takes a text field");
			return -1;
		}
		advance(ps);
		if (ps->tok.t != RT_REGEX) {
			expected(ps, "a /regex/");
			return -1;
		}
		int32_t n = node(ps, RN_REGEX);
		if (n < 0)
			return -1;
		ND(n).field = (int16_t)f;
		ND(n).cmp = nm ? RC_NE : RC_EQ;
		ND(n).flags = (uint8_t)fl;
		ND(n).ival = ps->tok.flags;
		ND(n).slen = ps->tok.vlen;
		ND(n).str = take_val(ps);
		advance(ps);
		return n;
	}
	int c = cmp_of(ps->tok.t);
	if (c < 0) {
		expected(ps, "a comparison ('==', '~', 'in', ...)");
		return -1;
	}
	struct bw_rtoken opt = ps->tok;
	advance(ps);
	int32_t n = -1;
	switch (d->type) {
	case BW_FT_ENUM: {
		if (c != RC_EQ && c != RC_NE) {
			err_at(ps, &opt, "%s", "only == and != compare names");
			return -1;
		}
		const char *p = ps->tok.t == RT_STR ? ps->tok.val : ps->tok.p;
		size_t ln = ps->tok.t == RT_STR ? ps->tok.vlen : ps->tok.n;
		if (ps->tok.t != RT_WORD && ps->tok.t != RT_STR) {
			expected(ps, "a name");
			return -1;
		}
		int v = enum_value(f, p, ln);
		if (v < 0) {
			char b[80];
			err_at(ps, &ps->tok, "unknown value %s for this field",
			       tok_text(ps, b, sizeof(b)));
			return -1;
		}
		n = node(ps, RN_CMP_ENUM);
		if (n < 0)
			return -1;
		ND(n).ival = v;
		advance(ps);
		break;
	}
	case BW_FT_INT:
	case BW_FT_TIME: {
		int64_t v;
		int kind;
		int negnum = 0;
		if (ps->tok.t == RT_MINUS) {
			negnum = 1;
			advance(ps);
		}
		if (ps->tok.t != RT_WORD ||
		    !bw_rnum_parse(ps->tok.p, ps->tok.n, &v, &kind)) {
			expected(ps, "a number");
			return -1;
		}
		if (unit_fits(ps, kind, f, d))
			return -1;
		n = node(ps, RN_CMP_INT);
		if (n < 0)
			return -1;
		ND(n).ival = negnum ? -v : v;
		advance(ps);
		break;
	}
	case BW_FT_IP: {
		if (c != RC_EQ && c != RC_NE) {
			err_at(ps, &opt, "%s", "addresses compare with == != or in");
			return -1;
		}
		if (ps->tok.t != RT_WORD && ps->tok.t != RT_STR) {
			expected(ps, "an address or network");
			return -1;
		}
		/* == with a CIDR means membership */
		n = node(ps, RN_IN);
		int32_t si = bw_rs_set(ps->rs);
		if (n < 0 || si < 0)
			return -1;
		ND(n).a = si;
		ND(n).field = (int16_t)f;
		if (parse_set_value(ps, si, BW_FT_IP, 0))
			return -1;
		if (c == RC_NE) {
			int32_t x = node(ps, RN_NOT);
			if (x < 0)
				return -1;
			ND(x).a = n;
			return x;
		}
		return n;
	}
	case BW_FT_STR: {
		if (c != RC_EQ && c != RC_NE) {
			err_at(ps, &opt, "%s",
			       "text compares with == != ~ in startswith() ...");
			return -1;
		}
		n = node(ps, RN_CMP_STR);
		if (n < 0)
			return -1;
		char *s;
		size_t sl;
		if (take_string(ps, NULL, &s, &sl))
			return -1;
		if (is_user(f))
			identity_inplace(ps, &s, &sl);
		else if (lower)
			lower_inplace(s, sl);
		ND(n).str = s;
		ND(n).slen = sl;
		ND(n).flags = (uint8_t)fl;
		break;
	}
	}
	ND(n).field = (int16_t)f;
	ND(n).cmp = (uint8_t)c;
	return n;
}

static int32_t parse_not(struct P *ps)
{
	if (is_word(ps, "not")) {
		advance(ps);
		int32_t a = parse_not(ps);
		if (a < 0)
			return -1;
		int32_t n = node(ps, RN_NOT);
		if (n < 0)
			return -1;
		ND(n).a = a;
		return n;
	}
	return parse_primary(ps);
}

/* sub (word sub)...: a left-leaning chain of op nodes. */
static int32_t parse_chain(struct P *ps, int32_t (*sub)(struct P *),
			   const char *word, int op)
{
	int32_t a = sub(ps);
	if (a < 0)
		return -1;
	for (;;) {
		continue_line(ps);
		if (!is_word(ps, word))
			return a;
		advance(ps);
		while (ps->tok.t == RT_NL)
			advance(ps);
		int32_t b = sub(ps);
		if (b < 0)
			return -1;
		int32_t n = node(ps, op);
		if (n < 0)
			return -1;
		ND(n).a = a;
		ND(n).b = b;
		a = n;
	}
}

static int32_t parse_and(struct P *ps)
{
	return parse_chain(ps, parse_not, "and", RN_AND);
}

static int32_t parse_or(struct P *ps)
{
	return parse_chain(ps, parse_and, "or", RN_OR);
}

/* ------------------------------------------------------- aggregates */

#define RULE (ps->rs->rules[ps->r])

/* @return the slot of field in the rule's distinct (sum = 0) or sum list. */
static int agg_slot(struct P *ps, int f, int sum)
{
	int *arr = sum ? RULE.sum_field : RULE.dist_field;
	int *cnt = sum ? &RULE.nsum : &RULE.ndist;
	for (int i = 0; i < *cnt; i++)
		if (arr[i] == f)
			return i;
	if (*cnt >= BW_RMAX_AGG) {
		err_at(ps, &ps->tok, "%s", "too many distinct()/sum() fields (max 4)");
		return -1;
	}
	arr[*cnt] = f;
	return (*cnt)++;
}

/* distinct(f) / sum(f) after the function word. @return slot. */
static int parse_agg_call(struct P *ps, int sum)
{
	if (open_paren(ps, 0))
		return -1;
	struct bw_rtoken ft = ps->tok;
	int f = parse_field(ps);
	if (f < 0)
		return -1;
	if (sum && bw_field_desc((enum bw_field_id)f)->type != BW_FT_INT) {
		err_at(ps, &ft, "%s", "sum() takes a numeric field");
		return -1;
	}
	if (close_paren(ps))
		return -1;
	return agg_slot(ps, f, sum);
}

/* Describe aggregate primary ni for a unit check: *unit as field_unit
 * (counts 0), its text in b. @return 0 when it is no primary (an
 * arithmetic node) or a number without a unit (fits anything). */
static int agg_describe(struct P *ps, int32_t ni, int *unit, char *b, size_t bn)
{
	const struct bw_rnode *n = &ND(ni);
	switch ((enum bw_rop)n->op) {
	case RN_A_NUM:
		*unit = n->cmp;
		snprintf(b, bn, "'%s'", n->str ? n->str : "");
		return n->cmp != 0;
	case RN_A_COUNT:
		*unit = 0;
		snprintf(b, bn, "'count'");
		return 1;
	case RN_A_SUM:
	case RN_A_DISTINCT: {
		int sum = n->op == RN_A_SUM;
		int f = sum ? RULE.sum_field[n->a] : RULE.dist_field[n->a];
		*unit = sum ? field_unit(f) : 0;
		snprintf(b, bn, "'%s(%s)'", sum ? "sum" : "distinct",
			 bw_field_desc((enum bw_field_id)f)->name);
		return 1;
	}
	default:
		return 0;
	}
}

/* a compared with b: a size against a duration, or either against a
 * count, is an error at the comparison. @return 0, -1 on error. */
static int agg_units(struct P *ps, int32_t a, int32_t b,
		     const struct bw_rtoken *at)
{
	char ta[80], tb[80];
	int ua, ub;
	if (!agg_describe(ps, a, &ua, ta, sizeof(ta)) ||
	    !agg_describe(ps, b, &ub, tb, sizeof(tb)) || ua == ub)
		return 0;
	const char *wa = ua == 1 ? "byte count" : ua == 2 ? "duration" : "count";
	const char *wb = ub == 1 ? "size" : ub == 2 ? "duration" : "count";
	err_at(ps, at, "%s is a %s, %s a %s", ta, wa, tb, wb);
	return -1;
}

/* Typed precedence climbing: *isbool tells whether the node is a truth
 * value or a number. */
static int32_t agg_expr(struct P *ps, int prec, int *isbool);

static int32_t agg_primary(struct P *ps, int *isbool)
{
	*isbool = 0;
	if (ps->tok.t == RT_LP) {
		ps->paren++;
		advance(ps);
		int32_t n = agg_expr(ps, 0, isbool);
		ps->paren--;
		if (n < 0)
			return -1;
		if (close_paren(ps))
			return -1;
		return n;
	}
	if (is_word(ps, "not")) {
		advance(ps);
		int b;
		int32_t a = agg_expr(ps, 3, &b);
		if (a < 0)
			return -1;
		int32_t n = node(ps, RN_NOT);
		if (n < 0)
			return -1;
		ND(n).a = a;
		*isbool = 1;
		return n;
	}
	if (ps->tok.t != RT_WORD) {
		expected(ps, "count, distinct(f), sum(f) or a number");
		return -1;
	}
	int32_t n;
	if (is_word(ps, "count")) {
		n = node(ps, RN_A_COUNT);
		advance(ps);
		return n;
	}
	if (is_word(ps, "distinct") || is_word(ps, "sum")) {
		int sum = is_word(ps, "sum");
		n = node(ps, sum ? RN_A_SUM : RN_A_DISTINCT);
		if (n < 0)
			return -1;
		int slot = parse_agg_call(ps, sum);
		if (slot < 0)
			return -1;
		ND(n).a = slot;
		return n;
	}
	int64_t v;
	int kind;
	if (bw_rnum_parse(ps->tok.p, ps->tok.n, &v, &kind)) {
		n = node(ps, RN_A_NUM);
		if (n < 0)
			return -1;
		ND(n).dval = (double)v;
		ND(n).cmp = (uint8_t)kind; /* its unit, for agg_units */
		ND(n).str = strndup(ps->tok.p, ps->tok.n);
		if (!ND(n).str)
			return -1;
		ND(n).slen = ps->tok.n;
		advance(ps);
		return n;
	}
	char b[80];
	err_at(ps, &ps->tok,
	       "unknown aggregate %s (count, distinct(f), sum(f); write '-' "
	       "with spaces around it)", tok_text(ps, b, sizeof(b)));
	return -1;
}

/* precedence: 1 or, 2 and, 4 compare, 5 + -, 6 * / */
static int binop(struct P *ps, int *prec, int *op)
{
	if (is_word(ps, "or")) {
		*prec = 1;
		*op = RN_OR;
	} else if (is_word(ps, "and")) {
		*prec = 2;
		*op = RN_AND;
	} else if (cmp_of(ps->tok.t) >= 0) {
		*prec = 4;
		*op = RN_A_CMP;
	} else if (ps->tok.t == RT_PLUS || ps->tok.t == RT_MINUS) {
		*prec = 5;
		*op = ps->tok.t == RT_PLUS ? RN_A_ADD : RN_A_SUB;
	} else if (ps->tok.t == RT_STAR || ps->tok.t == RT_SLASH) {
		*prec = 6;
		*op = ps->tok.t == RT_STAR ? RN_A_MUL : RN_A_DIV;
	} else {
		return 0;
	}
	return 1;
}

static int32_t agg_expr(struct P *ps, int minprec, int *isbool)
{
	int32_t a = agg_primary(ps, isbool);
	if (a < 0)
		return -1;
	for (;;) {
		int prec, op;
		continue_line(ps);
		if (!binop(ps, &prec, &op) || prec <= minprec)
			return a;
		struct bw_rtoken opt = ps->tok;
		int c = cmp_of(ps->tok.t);
		advance(ps);
		while (ps->tok.t == RT_NL && prec <= 2)
			advance(ps);
		int bb;
		int32_t b = agg_expr(ps, prec, &bb);
		if (b < 0)
			return -1;
		int wantbool = prec <= 2;
		if (wantbool != *isbool || wantbool != bb) {
			err_at(ps, &opt, "%s", wantbool ?
			       "'and'/'or' need comparisons on both sides" :
			       "arithmetic and comparisons need numbers on both sides");
			return -1;
		}
		int32_t n = node(ps, op);
		if (n < 0)
			return -1;
		ND(n).a = a;
		ND(n).b = b;
		ND(n).line = opt.line;
		ND(n).col = opt.col;
		if (op == RN_A_CMP) {
			ND(n).cmp = (uint8_t)c;
			*isbool = 1;
			if (agg_units(ps, a, b, &opt) < 0)
				return -1;
		}
		a = n;
	}
}

/* ---------------------------------------------------------- messages */

/* The file column of byte i of a string's value, whose token (quotes
 * included) is raw[0..rawn) at column col: escapes (\" \\ \n \xHH)
 * are longer in the file than in the value. */
static int str_col(const char *raw, size_t rawn, int col, size_t i)
{
	size_t k = 1; /* after the opening quote */
	for (size_t d = 0; d < i && k < rawn; d++)
		k += raw[k] != '\\' ? 1 : k + 1 < rawn && raw[k + 1] == 'x' ? 4 : 2;
	return col + (int)k;
}

static int parse_message(struct P *ps, const char *s, size_t n,
			 const char *raw, size_t rawn, int line, int col)
{
	struct bw_rule *r = &RULE;
	size_t i = 0;
	int nparts = 0;
	struct bw_rmsg_part *parts = calloc(n + 1, sizeof(*parts));
	if (!parts)
		return -1;
	while (i < n) {
		if (s[i] == '{') {
			size_t j = i + 1;
			while (j < n && s[j] != '}')
				j++;
			if (j >= n) {
				bw_rerr_add(ps->err, ps->lx.file, line, str_col(raw, rawn, col, i),
					    "unclosed '{' in message");
				ps->bad = 1;
				goto fail;
			}
			const char *nm = s + i + 1;
			size_t nl = j - i - 1;
			struct bw_rmsg_part *p = &parts[nparts];
			p->field = -1;
			p->line = line;
			p->col = str_col(raw, rawn, col, i);
			if (nl == 5 && memcmp(nm, "count", 5) == 0) {
				p->kind = 2;
			} else if (nl == 10 && memcmp(nm, "suppressed", 10) == 0) {
				p->kind = 5;
			} else if (nl == 6 && memcmp(nm, "window", 6) == 0) {
				p->kind = 6;
			} else if (nl == 4 && memcmp(nm, "runs", 4) == 0) {
				p->kind = 7; /* checked when the rule is whole */
			} else if ((nl > 10 && memcmp(nm, "distinct(", 9) == 0 &&
				    nm[nl - 1] == ')') ||
				   (nl > 5 && memcmp(nm, "sum(", 4) == 0 &&
				    nm[nl - 1] == ')')) {
				int sum = nm[0] == 's';
				size_t off = sum ? 4 : 9;
				int f = bw_field_lookup(nm + off, nl - off - 1);
				if (f < 0 || (sum && bw_field_desc((enum bw_field_id)f)->type !=
							     BW_FT_INT)) {
					bw_rerr_add(ps->err, ps->lx.file, line,
						    str_col(raw, rawn, col, i), f < 0 ?
						    "unknown field in '{%.*s}'" :
						    "sum() of a field that is no number in '{%.*s}'",
						    (int)nl, nm);
					ps->bad = 1;
					goto fail;
				}
				int slot = agg_slot(ps, f, sum);
				if (slot < 0)
					goto fail;
				p->kind = sum ? 4 : 3;
				p->slot = slot;
			} else {
				int f = bw_field_lookup(nm, nl);
				if (f < 0) {
					bw_rerr_add(ps->err, ps->lx.file, line,
						    str_col(raw, rawn, col, i),
						    "unknown placeholder '{%.*s}'",
						    (int)nl, nm);
					ps->bad = 1;
					goto fail;
				}
				p->kind = 1;
				p->field = f;
			}
			nparts++;
			i = j + 1;
			continue;
		}
		size_t j = i;
		while (j < n && s[j] != '{')
			j++;
		struct bw_rmsg_part *p = &parts[nparts++];
		p->kind = 0;
		p->text = malloc(j - i + 1);
		if (!p->text)
			goto fail;
		memcpy(p->text, s + i, j - i);
		p->text[j - i] = 0;
		p->len = j - i;
		i = j;
	}
	r->msg = parts;
	r->nmsg = nparts;
	return 0;
fail:
	for (int k = 0; k < nparts; k++)
		free(parts[k].text);
	free(parts);
	return -1;
}

/* -------------------------------------------------------- directives */

static int parse_duration(struct P *ps, int64_t *ms)
{
	int kind;
	if (ps->tok.t != RT_WORD || !bw_rnum_parse(ps->tok.p, ps->tok.n, ms, &kind) ||
	    kind != 2 || *ms <= 0) {
		expected(ps, "a duration such as 10m, 24h (units ms s m h d w)");
		return -1;
	}
	advance(ps);
	return 0;
}

/* F, ... into out: written only when the whole list parses, so a bad
 * override leaves the rule's fields as they were (one error, not one
 * more for every rule that uses them). */
static int parse_fields(struct P *ps, int *out, int *nout)
{
	int tmp[BW_RMAX_GROUP], n = 0;
	for (;;) {
		int f = parse_field(ps);
		if (f < 0)
			return -1;
		if (n >= BW_RMAX_GROUP) {
			err_at(ps, &ps->tok, "%s", "at most 4 group fields");
			return -1;
		}
		tmp[n++] = f;
		if (ps->tok.t != RT_COMMA)
			break;
		advance(ps);
	}
	memcpy(out, tmp, (size_t)n * sizeof(*tmp));
	*nout = n;
	return 0;
}

static int parse_severity(struct P *ps, int *sev)
{
	int s = ps->tok.t == RT_WORD ? bw_severity_from_name(ps->tok.p, ps->tok.n) :
				       -1;
	if (s <= 0) {
		expected(ps, "a severity (info, low, medium, high, critical)");
		return -1;
	}
	*sev = s;
	advance(ps);
	return 0;
}

/* A switch word: 1 for on, 0 for off (consumed), -1 after reporting
 * "expected 'on' or 'off'". */
static int parse_switch(struct P *ps, const char *on, const char *off)
{
	int v = is_word(ps, on) ? 1 : is_word(ps, off) ? 0 : -1;
	if (v < 0) {
		char b[64];
		snprintf(b, sizeof(b), "'%s' or '%s'", on, off);
		expected(ps, b);
		return -1;
	}
	advance(ps);
	return v;
}

/* A run count 1..1000 (`with runs=N`, override `runs N`). */
static int parse_count(struct P *ps, int64_t *v)
{
	int kind;
	if (ps->tok.t != RT_WORD ||
	    !bw_rnum_parse(ps->tok.p, ps->tok.n, v, &kind) || kind || *v < 1 ||
	    *v > 1000) {
		expected(ps, "a count 1..1000");
		return -1;
	}
	return 0;
}

static void new_rule(struct P *ps)
{
	struct bw_rtoken rt = ps->tok;
	advance(ps);
	if (ps->tok.t != RT_WORD) {
		expected(ps, "a rule id");
		ps->r = -1;
		return;
	}
	for (size_t i = 0; i < ps->tok.n; i++) {
		char c = ps->tok.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-')) {
			err_at(ps, &ps->tok, "%s",
			       "rule ids are lower case: [a-z0-9._-]+");
			break;
		}
	}
	struct bw_ruleset *rs = ps->rs;
	int dup = bw_rs_find_rule(rs, ps->tok.p, ps->tok.n);
	if (dup >= 0) {
		char msg[300];
		snprintf(msg, sizeof(msg), "duplicate rule id (first at %s:%d)",
			 rs->rules[dup].file, rs->rules[dup].line);
		err_at(ps, &ps->tok, "%s", msg);
	}
	struct bw_rule *p = bw_rs_grow(rs->rules, &rs->caprules, rs->nrules,
				       sizeof(*p), 64);
	if (!p) {
		err_at(ps, &rt, "%s", "out of memory");
		ps->r = -1;
		return;
	}
	rs->rules = p;
	struct bw_rule *r = &rs->rules[rs->nrules];
	memset(r, 0, sizeof(*r));
	r->id = tok_dup(&ps->tok);
	r->file = strdup(ps->lx.file);
	r->line = rt.line;
	r->when = -1;
	r->trigger = -1;
	r->severity = BW_SEV_MEDIUM;
	r->kind = BW_RK_SIGNATURE;
	ps->r = (int)rs->nrules++;
	ps->seen = 0;
	advance(ps);
}

/* One directive line inside a rule; the keyword is the current token. */
static void directive(struct P *ps)
{
	struct bw_rule *r = &RULE;
	struct bw_rtoken kw = ps->tok;
	for (unsigned i = 0; i < sizeof(once) / sizeof(*once); i++) {
		if (!is_word(ps, once[i]))
			continue;
		if (ps->seen & 1u << i) {
			err_at(ps, &kw, "duplicate '%s'", once[i]);
			return;
		}
		ps->seen |= 1u << i;
	}
	if (is_word(ps, "title") || is_word(ps, "message") ||
	    is_word(ps, "description")) {
		int which = is_word(ps, "title") ? 0 : is_word(ps, "message") ? 1 : 2;
		advance(ps);
		if (ps->tok.t != RT_STR) {
			expected(ps, "a \"string\"");
			return;
		}
		if (which == 0) {
			free(r->title);
			r->title = take_val(ps);
		} else if (which == 1) {
			if (r->msg && !ps->ovmode) {
				err_at(ps, &kw, "%s", "duplicate message");
				return;
			}
			if (r->msg) {
				for (int k = 0; k < r->nmsg; k++)
					free(r->msg[k].text);
				free(r->msg);
				r->msg = NULL;
				r->nmsg = 0;
			}
			if (parse_message(ps, ps->tok.val, ps->tok.vlen, ps->tok.p,
					  ps->tok.n, ps->tok.line, ps->tok.col))
				return;
		}
		advance(ps);
	} else if (is_word(ps, "severity")) {
		advance(ps);
		parse_severity(ps, &r->severity);
	} else if (is_word(ps, "tags")) {
		advance(ps);
		if (ps->ovmode && !ps->ov_tags) {
			for (int k = 0; k < r->ntags; k++)
				free(r->tags[k]);
			r->ntags = 0;
			ps->ov_tags = 1;
		}
		while (ps->tok.t == RT_WORD || ps->tok.t == RT_STR) {
			if (r->ntags >= BW_RMAX_TAGS) {
				err_at(ps, &ps->tok, "%s", "too many tags (max 16)");
				return;
			}
			r->tags[r->ntags++] = ps->tok.t == RT_STR ? take_val(ps) :
								  tok_dup(&ps->tok);
			advance(ps);
			if (ps->tok.t == RT_COMMA)
				advance(ps);
		}
	} else if (is_word(ps, "when")) {
		advance(ps);
		if (ps->ovmode)
			r->when = -1; /* replaced */
		if (r->when >= 0) {
			err_at(ps, &kw, "%s", "duplicate 'when' (join with 'and')");
			return;
		}
		r->when = parse_or(ps);
	} else if (is_word(ps, "group")) {
		advance(ps);
		parse_fields(ps, r->group, &r->ngroup);
	} else if (is_word(ps, "window")) {
		advance(ps);
		if (r->kind == BW_RK_SIGNATURE)
			r->kind = BW_RK_THRESHOLD;
		parse_duration(ps, &r->window_ms);
	} else if (is_word(ps, "trigger")) {
		advance(ps);
		if (ps->ovmode && (r->kind == BW_RK_SEQUENCE ||
				   r->kind == BW_RK_BASELINE)) {
			err_at(ps, &kw, "%s", "a sequence or baseline rule has no "
			       "trigger (override 'window' or 'runs')");
			return;
		}
		if (r->kind == BW_RK_SIGNATURE)
			r->kind = BW_RK_THRESHOLD;
		int isbool;
		struct bw_rtoken t0 = ps->tok;
		r->trigger = agg_expr(ps, 0, &isbool);
		if (r->trigger >= 0 && !isbool)
			err_at(ps, &t0, "%s", "trigger must be a comparison such as "
			       "count >= 20");
	} else if (is_word(ps, "suppress")) {
		advance(ps);
		parse_duration(ps, &r->suppress_ms);
	} else if (is_word(ps, "escalate")) {
		advance(ps);
		if (r->nesc >= BW_RMAX_ESC) {
			err_at(ps, &kw, "%s", "too many escalations (max 4)");
			return;
		}
		if (ps->ovmode && !ps->ov_esc) {
			r->nesc = 0; /* an override's escalations replace all */
			ps->ov_esc = 1;
		}
		int sev;
		if (parse_severity(ps, &sev))
			return;
		if (!is_word(ps, "when")) {
			expected(ps, "'when'");
			return;
		}
		advance(ps);
		int32_t c = parse_or(ps);
		if (c < 0)
			return;
		r->esc[r->nesc].severity = sev;
		r->esc[r->nesc].cond = c;
		r->nesc++;
	} else if (is_word(ps, "sequence")) {
		if (ps->ovmode && r->kind != BW_RK_SEQUENCE) {
			err_at(ps, &kw, "%s", "an override cannot turn a rule into a "
			       "sequence; copy the rule under a new id");
			return;
		}
		advance(ps);
		r->kind = BW_RK_SEQUENCE;
		if (!is_word(ps, "by")) {
			expected(ps, "'by'");
			return;
		}
		advance(ps);
		if (parse_fields(ps, r->group, &r->ngroup))
			return;
		if (!is_word(ps, "within")) {
			expected(ps, "'within'");
			return;
		}
		advance(ps);
		parse_duration(ps, &r->window_ms);
	} else if (ps->ovmode && (is_word(ps, "step") || is_word(ps, "baseline"))) {
		err_at(ps, &kw, "%s", "an override cannot change steps or "
		       "detectors ('runs N' sets a counted step); copy the rule "
		       "under a new id");
		return;
	} else if (ps->ovmode && is_word(ps, "runs")) {
		advance(ps);
		int64_t v;
		if (parse_count(ps, &v))
			return;
		struct bw_rstep *st = NULL;
		for (int i = 0; i < r->nsteps; i++)
			if (r->steps[i].counted) {
				if (st) {
					err_at(ps, &kw, "rule %s has several counted "
					       "steps; copy the rule under a new id",
					       r->id);
					return;
				}
				st = &r->steps[i];
			}
		if (!st) {
			err_at(ps, &kw, "rule %s has no counted step (with runs=N)",
			       r->id);
			return;
		}
		st->runs = (uint32_t)v;
		advance(ps);
	} else if (ps->ovmode && is_word(ps, "disabled")) {
		advance(ps);
		int v = parse_switch(ps, "yes", "no");
		if (v < 0)
			return;
		r->disabled = v;
	} else if (is_word(ps, "step")) {
		advance(ps);
		if (r->kind != BW_RK_SEQUENCE) {
			err_at(ps, &kw, "%s", "'step' needs a 'sequence by ... within ...' "
			       "line before it");
			return;
		}
		if (r->nsteps >= BW_RMAX_STEPS) {
			err_at(ps, &kw, "%s", "too many steps (max 8)");
			return;
		}
		ps->in_step = 1;
		int32_t c = parse_or(ps);
		ps->in_step = 0;
		if (c < 0)
			return;
		struct bw_rstep *st = &r->steps[r->nsteps];
		st->cond = c;
		st->runs = 1;
		st->is_alert = ps->rs->nodes[c].op == RN_ALERT;
		if (is_word(ps, "with")) {
			advance(ps);
			if (!is_word(ps, "runs")) {
				expected(ps, "'runs'");
				return;
			}
			advance(ps);
			if (ps->tok.t != RT_ASSIGN) {
				expected(ps, "'='");
				return;
			}
			advance(ps);
			int64_t v;
			if (parse_count(ps, &v))
				return;
			st->runs = (uint32_t)v;
			st->counted = 1;
			advance(ps);
		}
		r->nsteps++;
	} else if (is_word(ps, "baseline")) {
		advance(ps);
		r->kind = BW_RK_BASELINE;
		if (ps->tok.t != RT_WORD) {
			expected(ps, "a detector name");
			return;
		}
		free(r->baseline); /* a repeated directive: the last wins */
		r->baseline = tok_dup(&ps->tok);
		advance(ps);
	} else if (is_word(ps, "allowlist")) {
		advance(ps);
		int v = parse_switch(ps, "on", "off");
		if (v < 0)
			return;
		r->noallow = !v;
	} else {
		char b[80];
		if (ps->ovmode)
			err_at(ps, &ps->tok,
			       "unknown directive %s in an override (title severity "
			       "tags when group window trigger suppress message "
			       "escalate sequence runs allowlist disabled)",
			       tok_text(ps, b, sizeof(b)));
		else
			err_at(ps, &ps->tok,
			       "unknown directive %s (title severity tags when group "
			       "window trigger suppress message escalate sequence "
			       "step baseline allowlist)", tok_text(ps, b, sizeof(b)));
		return;
	}
	if (ps->tok.t != RT_NL && ps->tok.t != RT_EOF) {
		char b[80];
		err_at(ps, &ps->tok, "unexpected %s at end of directive",
		       tok_text(ps, b, sizeof(b)));
	}
}

/* Checks that need the whole rule. */
/* The `{runs}` placeholder of r's message that has nothing to quote (r is
 * no sequence with a counted step), or NULL. */
static const struct bw_rmsg_part *runs_without_count(const struct bw_rule *r)
{
	if (bw_rule_counted_runs(r))
		return NULL;
	for (int i = 0; i < r->nmsg; i++)
		if (r->msg[i].kind == 7)
			return &r->msg[i];
	return NULL;
}

#define RUNS_NEEDS "'{runs}' needs a sequence with a counted step (with runs=N)"

static void finish_rule(struct P *ps)
{
	if (ps->r < 0 || ps->rule_bad)
		return;
	struct bw_rule *r = &RULE;
	const char *f = ps->lx.file;
	if (!r->title)
		r->title = strdup(r->id);
	if (r->kind == BW_RK_THRESHOLD && r->window_ms <= 0)
		bw_rerr_add(ps->err, f, r->line, 1, "rule %s: a threshold needs 'window'",
			    r->id);
	if (r->kind == BW_RK_THRESHOLD && r->trigger < 0)
		bw_rerr_add(ps->err, f, r->line, 1, "rule %s: a threshold needs 'trigger'",
			    r->id);
	if (r->kind == BW_RK_SEQUENCE && r->nsteps < 2)
		bw_rerr_add(ps->err, f, r->line, 1,
			    "rule %s: a sequence needs at least two steps", r->id);
	if (r->kind != BW_RK_SEQUENCE && r->nsteps)
		bw_rerr_add(ps->err, f, r->line, 1, "rule %s: steps outside a sequence",
			    r->id);
	if (r->kind == BW_RK_SIGNATURE && r->when < 0)
		bw_rerr_add(ps->err, f, r->line, 1, "rule %s: a signature needs 'when'",
			    r->id);
	const struct bw_rmsg_part *p = runs_without_count(r);
	if (p)
		bw_rerr_add(ps->err, f, p->line, p->col, "%s", RUNS_NEEDS);
	for (int i = 0; i < r->nmsg; i++)
		if (r->msg[i].kind == 6 && (r->kind == BW_RK_SIGNATURE ||
					    r->kind == BW_RK_BASELINE))
			bw_rerr_add(ps->err, f, r->msg[i].line, r->msg[i].col,
				    "'{window}' needs a threshold or a sequence "
				    "(a signature has no window)");
}

/* `override ID`: the directives that follow change rule ID. */
static void new_override(struct P *ps)
{
	ps->ov_line = ps->tok.line;
	ps->ov_col = ps->tok.col;
	ps->ov_tags = ps->ov_esc = 0;
	ps->seen = 0;
	ps->r = -1;
	advance(ps);
	if (ps->tok.t != RT_WORD) {
		expected(ps, "a rule id");
		return;
	}
	int ri = bw_rs_find_rule(ps->rs, ps->tok.p, ps->tok.n);
	if (ri >= 0) {
		ps->r = ri;
		ps->rs->rules[ri].noverride++;
		advance(ps);
		return;
	}
	char b[80];
	err_at(ps, &ps->tok, "override: no rule %s", tok_text(ps, b, sizeof(b)));
}

/* The whole-rule checks again after an override, reported where the
 * override is (the rule itself was fine as written). */
static void finish_override(struct P *ps)
{
	if (ps->r < 0 || ps->rule_bad)
		return;
	const struct bw_rule *r = &RULE;
	const char *why = NULL;
	if (r->kind == BW_RK_THRESHOLD && r->window_ms <= 0)
		why = "a threshold needs 'window'";
	else if (r->kind == BW_RK_THRESHOLD && r->trigger < 0)
		why = "a threshold needs 'trigger'";
	else if (r->kind == BW_RK_SIGNATURE && r->when < 0)
		why = "a signature needs 'when'";
	else if (runs_without_count(r))
		why = RUNS_NEEDS;
	if (why)
		bw_rerr_add(ps->err, ps->lx.file, ps->ov_line, ps->ov_col,
			    "override of %s: %s", r->id, why);
}

static void finish_block(struct P *ps)
{
	if (ps->skip)
		return;
	if (ps->ovmode)
		finish_override(ps);
	else
		finish_rule(ps);
}

/* Parse a file's text: its `rule` blocks (ovmode 0) or its `override`
 * blocks (ovmode 1), skipping the other kind silently (the other pass
 * reports its errors). */
static void parse_text(struct bw_ruleset *rs, const char *file, const char *src,
		       size_t n, int ovmode, struct bw_rerr *err)
{
	struct P ps;
	memset(&ps, 0, sizeof(ps));
	ps.rs = rs;
	ps.err = err;
	ps.r = -1;
	ps.ovmode = ovmode;
	ps.skip = ovmode; /* before the first block: reported by pass 0 */
	ps.file = bw_rs_file(rs, file);
	bw_rlex_init(&ps.lx, file, src, n);
	ps.bad = ps.skip;
	advance(&ps);
	int have_rule = 0;
	while (ps.tok.t != RT_EOF) {
		ps.bad = ps.skip;
		ps.paren = 0;
		if (ps.tok.t == RT_NL) {
			advance(&ps);
			continue;
		}
		int is_rule = is_word(&ps, "rule"), is_ov = is_word(&ps, "override");
		if (is_rule || is_ov) {
			if (have_rule)
				finish_block(&ps);
			have_rule = 1;
			ps.rule_bad = 0;
			ps.skip = is_ov != ovmode;
			ps.bad = ps.skip;
			ps.r = -1;
			if (ps.skip)
				; /* the other pass's block */
			else if (is_ov)
				new_override(&ps);
			else
				new_rule(&ps);
		} else if (ps.skip) {
			; /* inside a block of the other pass */
		} else if (ps.r < 0) {
			if (!have_rule)
				err_at(&ps, &ps.tok, "%s",
				       "expected 'rule <id>' or 'override <id>'");
		} else {
			directive(&ps);
		}
		/* skip to the end of the line (after errors, or extra tokens) */
		ps.paren = 0;
		while (ps.tok.t != RT_NL && ps.tok.t != RT_EOF)
			advance(&ps);
	}
	if (have_rule)
		finish_block(&ps);
	tok_free(&ps.tok);
}

void bw_rule_parse(struct bw_ruleset *rs, const char *file, const char *src,
		   size_t n, struct bw_rerr *err)
{
	parse_text(rs, file, src, n, 0, err);
}

void bw_rule_parse_overrides(struct bw_ruleset *rs, const char *file,
			     const char *src, size_t n, struct bw_rerr *err)
{
	parse_text(rs, file, src, n, 1, err);
}

void bw_rule_set(struct bw_ruleset *rs, const char *arg, struct bw_rerr *err)
{
	/* "ID.DIRECTIVE=VALUE" becomes the directive line "DIRECTIVE VALUE"
	 * at the same columns, so errors point into arg */
	const char *eq = strchr(arg, '=');
	const char *dot = NULL;
	for (const char *p = arg; eq && p < eq; p++)
		if (*p == '.')
			dot = p;
	if (!eq || !dot || dot == arg || dot + 1 == eq) {
		bw_rerr_add(err, "--set", 1, 1, "%s",
			    "expected RULE-ID.DIRECTIVE=VALUE, e.g. "
			    "auth.bruteforce-source.window=30m");
		return;
	}
	size_t idlen = (size_t)(dot - arg);
	int ri = bw_rs_find_rule(rs, arg, idlen);
	if (ri < 0) {
		bw_rerr_add(err, "--set", 1, 1, "no rule %.*s", (int)idlen, arg);
		return;
	}
	size_t n = strlen(arg);
	char *line = malloc(n + 1);
	if (!line) {
		bw_rerr_add(err, "--set", 1, 1, "%s", "out of memory");
		return;
	}
	memset(line, ' ', idlen + 1);
	memcpy(line + idlen + 1, dot + 1, n - idlen - 1);
	line[eq - arg] = ' ';
	line[n] = 0;
	for (size_t i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' '; /* one directive, one line */
	struct P ps;
	memset(&ps, 0, sizeof(ps));
	ps.rs = rs;
	ps.err = err;
	ps.r = ri;
	ps.ovmode = 1;
	ps.ov_line = 1;
	ps.ov_col = 1;
	rs->rules[ri].noverride++;
	ps.file = bw_rs_file(rs, "--set");
	bw_rlex_init(&ps.lx, "--set", line, n);
	advance(&ps);
	if (!ps.bad)
		directive(&ps);
	finish_override(&ps);
	tok_free(&ps.tok);
	free(line);
}
