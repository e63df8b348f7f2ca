/*
 * rule_lexer.c - tokens of the rule language (signatures/README.md).
 *
 * Line-oriented: newlines are tokens (directives end at a newline), '#'
 * starts a comment. Bare words cover identifiers, field names, rule ids,
 * ATT&CK/CVE tags, numbers with units and IP addresses; an address followed
 * by "/bits" is one word (a CIDR). A '/' right after `~` or `!~` opens a
 * regex, written without double escaping: only "\/" is unescaped (to '/').
 * Never reads outside [src, end).
 */
#include "rule.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bw_util.h"

void bw_rerr_add(struct bw_rerr *e, const char *file, int line, int col,
		 const char *fmt, ...)
{
	char raw[512], msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	/* messages quote rule text: one line each, no control bytes */
	size_t o = 0;
	for (const unsigned char *q = (const unsigned char *)raw; *q; q++) {
		if (*q < 0x20 || *q == 0x7f) {
			o += (size_t)snprintf(msg + o, sizeof(msg) - o, "\\x%02x", *q);
		} else {
			msg[o++] = (char)*q;
			msg[o] = 0;
		}
	}
	msg[o] = 0;
	char head[300];
	/* line 0: about the file itself (missing, unreadable, empty) */
	int hn = line > 0 ? snprintf(head, sizeof(head), "%s:%d:%d: ",
				     file ? file : "?", line, col) :
			    snprintf(head, sizeof(head), "%s: ", file ? file : "?");
	if (hn < 0)
		hn = 0;
	size_t need = (size_t)hn + strlen(msg) + 2;
	if (e->len + need + 1 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 1024;
		while (cap < e->len + need + 1)
			cap *= 2;
		char *p = realloc(e->buf, cap);
		if (!p)
			return;
		e->buf = p;
		e->cap = cap;
	}
	e->len += (size_t)snprintf(e->buf + e->len, e->cap - e->len, "%s%s\n",
				   head, msg);
	e->count++;
}

void bw_rerr_fini(struct bw_rerr *e)
{
	free(e->buf);
	memset(e, 0, sizeof(*e));
}

void bw_rlex_init(struct bw_rlexer *lx, const char *file, const char *src,
		  size_t n)
{
	lx->file = file;
	lx->src = lx->cur = src;
	lx->end = src + n;
	lx->line = 1;
	lx->line_start = src;
	lx->prev = RT_NL;
}

static int is_word_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == ':';
}

/* '*' continues a word so globs (web.*-cve-*) are words; write the
 * multiplication with spaces around it. */
static int is_word(int c)
{
	return is_word_start(c) || c == '.' || c == '-' || c == '*';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

const char *bw_rtok_name(enum bw_rtok t)
{
	static const char *const names[] = {
		"end of file", "end of line", "word", "string", "regex",
		"@list", "'('", "')'", "'['", "']'", "','", "'=='", "'!='",
		"'<'", "'<='", "'>'", "'>='", "'~'", "'!~'", "'+'", "'-'",
		"'*'", "'/'", "'='", "error",
	};
	return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void set_err(struct bw_rtoken *t, const char *msg)
{
	t->t = RT_ERR;
	t->val = (char *)(uintptr_t)msg; /* static text; never freed */
}

/* "..." with \" \\ \n \t \xHH; any other escape is an error. */
static void lex_string(struct bw_rlexer *lx, struct bw_rtoken *t)
{
	const char *p = lx->cur + 1;
	char *out = malloc((size_t)(lx->end - p) + 1);
	size_t n = 0;
	if (!out) {
		set_err(t, "out of memory");
		return;
	}
	while (p < lx->end && *p != '"' && *p != '\n') {
		if (*p == '\\' && p + 1 < lx->end) {
			p++;
			switch (*p) {
			case 'n': out[n++] = '\n'; break;
			case 't': out[n++] = '\t'; break;
			case 'x': {
				int v = 0, k;
				for (k = 1; k <= 2 && p + k < lx->end; k++) {
					int c = p[k], d;
					if (is_digit(c))
						d = c - '0';
					else if (c >= 'a' && c <= 'f')
						d = c - 'a' + 10;
					else if (c >= 'A' && c <= 'F')
						d = c - 'A' + 10;
					else
						break;
					v = v * 16 + d;
				}
				if (k != 3) {
					free(out);
					lx->cur = p;
					set_err(t, "bad \\x escape in string");
					return;
				}
				out[n++] = (char)v;
				p += 2;
				break;
			}
			case '"':
			case '\\': out[n++] = *p; break;
			default: {
				/* "CORP\alice" must not quietly mean CORPalice */
				static char msg[80];
				unsigned char c = (unsigned char)*p;
				if (c > 0x20 && c < 0x7f)
					snprintf(msg, sizeof(msg), "unknown escape '\\%c' "
						 "in string (\\\\ is a backslash)", c);
				else
					snprintf(msg, sizeof(msg), "a backslash before "
						 "byte 0x%02x in string (\\\\ is a backslash)", c);
				free(out);
				/* at the backslash: strings hold no newline */
				t->col += (int)(p - 1 - lx->cur);
				lx->cur = p - 1;
				set_err(t, msg);
				return;
			}
			}
			p++;
			continue;
		}
		out[n++] = *p++;
	}
	if (p >= lx->end || *p != '"') {
		free(out);
		set_err(t, "unterminated string");
		lx->cur = p;
		return;
	}
	out[n] = 0;
	t->t = RT_STR;
	t->val = out;
	t->vlen = n;
	lx->cur = p + 1;
}

/* /pattern/flags - only "\/" is rewritten; everything else reaches PCRE2
 * as written. */
static void lex_regex(struct bw_rlexer *lx, struct bw_rtoken *t)
{
	const char *p = lx->cur + 1;
	char *out = malloc((size_t)(lx->end - p) + 1);
	size_t n = 0;
	if (!out) {
		set_err(t, "out of memory");
		return;
	}
	int inclass = 0;
	while (p < lx->end && *p != '\n' && (*p != '/' || inclass)) {
		if (*p == '\\' && p + 1 < lx->end && p[1] != '\n') {
			if (p[1] == '/') {
				out[n++] = '/';
			} else {
				out[n++] = p[0];
				out[n++] = p[1];
			}
			p += 2;
			continue;
		}
		if (*p == '[')
			inclass = 1;
		else if (*p == ']')
			inclass = 0;
		out[n++] = *p++;
	}
	if (p >= lx->end || *p != '/') {
		free(out);
		lx->cur = p;
		set_err(t, "unterminated regex (a '/' inside must be written \\/)");
		return;
	}
	out[n] = 0;
	p++;
	uint32_t flags = 0;
	while (p < lx->end && is_word(*p)) {
		switch (*p) {
		case 'i': flags |= PCRE2_CASELESS; break;
		case 'm': flags |= PCRE2_MULTILINE; break;
		case 's': flags |= PCRE2_DOTALL; break;
		case 'x': flags |= PCRE2_EXTENDED; break;
		default:
			free(out);
			lx->cur = p;
			set_err(t, "unknown regex flag (use i, m, s or x)");
			return;
		}
		p++;
	}
	t->t = RT_REGEX;
	t->val = out;
	t->vlen = n;
	t->flags = flags;
	lx->cur = p;
}

void bw_rlex_next(struct bw_rlexer *lx, struct bw_rtoken *t)
{
	const char *p = lx->cur;
	memset(t, 0, sizeof(*t));
	for (;;) {
		while (p < lx->end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p < lx->end && *p == '#') {
			while (p < lx->end && *p != '\n')
				p++;
		}
		/* a backslash at the end of a line joins the next line */
		if (p + 1 < lx->end && *p == '\\' &&
		    (p[1] == '\n' || (p[1] == '\r' && p + 2 < lx->end && p[2] == '\n'))) {
			p += p[1] == '\n' ? 2 : 3;
			lx->line++;
			lx->line_start = p;
			continue;
		}
		break;
	}
	lx->cur = p;
	t->p = p;
	t->line = lx->line;
	t->col = (int)(p - lx->line_start) + 1;
	if (p >= lx->end) {
		t->t = RT_EOF;
		goto out;
	}
	int c = (unsigned char)*p;
	if (c == '\n') {
		lx->cur = p + 1;
		lx->line++;
		lx->line_start = lx->cur;
		t->t = RT_NL;
		t->n = 1;
		goto out;
	}
	if (c == '"') {
		lex_string(lx, t);
		goto done;
	}
	if (c == '/' && (lx->prev == RT_MATCH || lx->prev == RT_NMATCH)) {
		lex_regex(lx, t);
		goto done;
	}
	if (c == '@') {
		const char *q = p + 1;
		while (q < lx->end && is_word(*q))
			q++;
		if (q == p + 1) {
			lx->cur = q;
			set_err(t, "expected a list name after '@'");
			goto done;
		}
		t->t = RT_LISTREF;
		lx->cur = q;
		goto done;
	}
	if (is_word_start(c)) {
		const char *q = p;
		while (q < lx->end && is_word(*q))
			q++;
		/* an address followed by /bits is a CIDR word */
		bw_ip ip;
		if (q + 1 < lx->end && *q == '/' && is_digit(q[1]) &&
		    bw_ip_parse(p, (size_t)(q - p), &ip)) {
			q++;
			while (q < lx->end && is_digit(*q))
				q++;
		}
		t->t = RT_WORD;
		lx->cur = q;
		goto done;
	}
	lx->cur = p + 1;
	int n2 = p + 1 < lx->end ? p[1] : 0;
	switch (c) {
	case '(': t->t = RT_LP; break;
	case ')': t->t = RT_RP; break;
	case '[': t->t = RT_LB; break;
	case ']': t->t = RT_RB; break;
	case ',': t->t = RT_COMMA; break;
	case '+': t->t = RT_PLUS; break;
	case '-': t->t = RT_MINUS; break;
	case '*': t->t = RT_STAR; break;
	case '/': t->t = RT_SLASH; break;
	case '~': t->t = RT_MATCH; break;
	case '=':
		if (n2 == '=') {
			t->t = RT_EQ;
			lx->cur++;
		} else {
			t->t = RT_ASSIGN;
		}
		break;
	case '!':
		if (n2 == '=') {
			t->t = RT_NE;
			lx->cur++;
		} else if (n2 == '~') {
			t->t = RT_NMATCH;
			lx->cur++;
		} else {
			set_err(t, "unexpected '!' (use 'not', '!=' or '!~')");
		}
		break;
	case '<':
		if (n2 == '=') {
			t->t = RT_LE;
			lx->cur++;
		} else {
			t->t = RT_LT;
		}
		break;
	case '>':
		if (n2 == '=') {
			t->t = RT_GE;
			lx->cur++;
		} else {
			t->t = RT_GT;
		}
		break;
	default:
		set_err(t, "unexpected character");
		break;
	}
done:
	t->n = (size_t)(lx->cur - t->p);
out:
	lx->prev = t->t;
}

int bw_rnum_parse(const char *p, size_t n, int64_t *v, int *kind)
{
	size_t i = 0;
	double x = 0, frac = 0, scale = 1;
	int digits = 0;
	while (i < n && is_digit(p[i])) {
		x = x * 10 + (p[i] - '0');
		i++;
		digits++;
	}
	if (i < n && p[i] == '.' && i + 1 < n && is_digit(p[i + 1])) {
		i++;
		while (i < n && is_digit(p[i])) {
			scale /= 10;
			frac += (p[i] - '0') * scale;
			i++;
		}
	}
	if (!digits)
		return 0;
	x += frac;
	static const struct {
		const char *u;
		double mul;
		int kind;
	} units[] = {
		{ "", 1, 0 },
		{ "B", 1, 1 }, { "KB", 1e3, 1 }, { "MB", 1e6, 1 },
		{ "GB", 1e9, 1 }, { "TB", 1e12, 1 },
		{ "KiB", 1024.0, 1 }, { "MiB", 1048576.0, 1 },
		{ "GiB", 1073741824.0, 1 }, { "TiB", 1099511627776.0, 1 },
		{ "ms", 1, 2 }, { "s", 1e3, 2 }, { "m", 60e3, 2 },
		{ "h", 3600e3, 2 }, { "d", 86400e3, 2 }, { "w", 604800e3, 2 },
	};
	for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
		size_t ul = strlen(units[k].u);
		if (n - i == ul && memcmp(p + i, units[k].u, ul) == 0) {
			double r = x * units[k].mul;
			if (r > 9.2e18)
				return 0;
			*v = (int64_t)(r + 0.5);
			if (units[k].kind == 0 && frac != 0)
				return 0; /* plain numbers are integers */
			*kind = units[k].kind;
			return 1;
		}
	}
	return 0;
}
