/*
 * identity.c - identity normalization (see identity.h for the rule).
 *
 * Aliases live in two small open-addressing tables built at start-up
 * (user aliases and domain aliases); keys are stored normalized, so a
 * lookup is one hash of the normalized text and a compare. Normalizing
 * writes only into the caller's buffer.
 */
#include "identity.h"
#include "bw_util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct alias {
	char *key;  /* normalized */
	char *val;  /* normalized */
};

struct alias_table {
	struct alias *slot;
	size_t cap;   /* power of two, or 0 */
	size_t count;
};

struct bw_identity {
	char *home;        /* lower-case DNS domain, or NULL */
	size_t home_n;
	size_t netbios_n;  /* length of home's first label */
	struct alias_table users, domains;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static const char *table_get(const struct alias_table *t, const char *k, size_t n)
{
	if (!t->cap)
		return NULL;
	size_t mask = t->cap - 1;
	for (size_t i = (size_t)hash(k, n) & mask;; i = (i + 1) & mask) {
		const struct alias *a = &t->slot[i];
		if (!a->key)
			return NULL;
		if (strlen(a->key) == n && memcmp(a->key, k, n) == 0)
			return a->val;
	}
}

static int table_put(struct alias_table *t, const char *k, const char *v)
{
	if ((t->count + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct alias *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return -1;
		for (size_t i = 0; i < t->cap; i++) {
			struct alias *a = &t->slot[i];
			if (!a->key)
				continue;
			size_t j = (size_t)hash(a->key, strlen(a->key)) & (ncap - 1);
			while (ns[j].key)
				j = (j + 1) & (ncap - 1);
			ns[j] = *a;
		}
		free(t->slot);
		t->slot = ns;
		t->cap = ncap;
	}
	size_t n = strlen(k), mask = t->cap - 1;
	size_t i = (size_t)hash(k, n) & mask;
	while (t->slot[i].key && strcmp(t->slot[i].key, k) != 0)
		i = (i + 1) & mask;
	char *nv = strdup(v);
	if (!nv)
		return -1;
	if (t->slot[i].key) { /* a later line wins */
		free(t->slot[i].val);
		t->slot[i].val = nv;
		return 0;
	}
	char *nk = strdup(k);
	if (!nk) {
		free(nv);
		return -1;
	}
	t->slot[i].key = nk;
	t->slot[i].val = nv;
	t->count++;
	return 0;
}

static void table_free(struct alias_table *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->slot[i].key);
		free(t->slot[i].val);
	}
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

struct bw_identity *bw_identity_new(void)
{
	return calloc(1, sizeof(struct bw_identity));
}

void bw_identity_free(struct bw_identity *id)
{
	if (!id)
		return;
	free(id->home);
	table_free(&id->users);
	table_free(&id->domains);
	free(id);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static int valid_domain(const char *d)
{
	if (!*d)
		return 0;
	for (; *d; d++)
		if (*d == ' ' || *d == '\t' || *d == '\\' || *d == '@')
			return 0;
	return 1;
}

int bw_identity_set_domain(struct bw_identity *id, const char *domain)
{
	if (!domain || !valid_domain(domain))
		return -1;
	char *h = strdup(domain);
	if (!h)
		return -1;
	for (char *p = h; *p; p++)
		*p = lower(*p);
	free(id->home);
	id->home = h;
	id->home_n = strlen(h);
	const char *dot = strchr(h, '.');
	id->netbios_n = dot ? (size_t)(dot - h) : id->home_n;
	return 0;
}

static bw_str trim(bw_str s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
		s.p++, s.n--;
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	return s;
}

/* Steps 1-5 into out. @return length, 0 for none / no room. */
static size_t normalize_base(const struct bw_identity *id, bw_str user, bw_str domain,
			     char *out, size_t cap)
{
	user = trim(user);
	if (!user.p || user.n == 0 || (user.n == 1 && user.p[0] == '-'))
		return 0;
	bw_str name = user, dom = BW_STR_NULL;
	const char *bs = memchr(user.p, '\\', user.n);
	if (bs) {
		dom = bw_str_make(user.p, (size_t)(bs - user.p));
		name = bw_str_make(bs + 1, user.n - (size_t)(bs - user.p) - 1);
	} else {
		const char *at = NULL;
		for (size_t i = user.n; i-- > 0;)
			if (user.p[i] == '@') {
				at = user.p + i;
				break;
			}
		if (at && at > user.p) {
			name = bw_str_make(user.p, (size_t)(at - user.p));
			dom = bw_str_make(at + 1, user.n - (size_t)(at - user.p) - 1);
		} else {
			dom = trim(domain);
		}
	}
	name = trim(name);
	dom = trim(dom);
	if (name.n == 0)
		return 0;
	if (dom.p && (dom.n == 0 || (dom.n == 1 && (dom.p[0] == '-' || dom.p[0] == '.'))))
		dom = BW_STR_NULL;

	/* Domain: fold, alias, then compare with home. */
	char dbuf[256];
	size_t dn = 0;
	if (dom.p && dom.n) {
		if (dom.n >= sizeof(dbuf))
			return 0;
		for (size_t i = 0; i < dom.n; i++)
			dbuf[i] = lower(dom.p[i]);
		dn = dom.n;
		if (id) {
			const char *a = table_get(&id->domains, dbuf, dn);
			if (a) {
				dn = strlen(a);
				if (dn >= sizeof(dbuf))
					return 0;
				memcpy(dbuf, a, dn);
			}
			if (id->home && ((dn == id->home_n && memcmp(dbuf, id->home, dn) == 0) ||
					 (dn == id->netbios_n && memcmp(dbuf, id->home, dn) == 0)))
				dn = 0;
		}
	}
	size_t need = name.n + (dn ? dn + 1 : 0);
	if (need + 1 > cap)
		return 0;
	for (size_t i = 0; i < name.n; i++)
		out[i] = lower(name.p[i]);
	if (dn) {
		out[name.n] = '@';
		memcpy(out + name.n + 1, dbuf, dn);
	}
	out[need] = '\0';
	return need;
}

size_t bw_identity_normalize(const struct bw_identity *id, bw_str user, bw_str domain,
			     char *out, size_t cap)
{
	size_t n = normalize_base(id, user, domain, out, cap);
	if (n && id) {
		const char *a = table_get(&id->users, out, n);
		if (a) {
			size_t an = strlen(a);
			if (an + 1 > cap)
				return 0;
			memcpy(out, a, an + 1);
			n = an;
		}
	}
	return n;
}

int bw_identity_add_alias(struct bw_identity *id, const char *from, const char *to)
{
	char k[512], v[512];
	if (!from || !to)
		return -1;
	if (from[0] == '@') {
		bw_str f = trim(bw_str_make(from + 1, strlen(from + 1)));
		bw_str t = trim(bw_str_make(to, strlen(to)));
		if (!f.n || !t.n || f.n >= sizeof(k) || t.n >= sizeof(v))
			return -1;
		for (size_t i = 0; i < f.n; i++)
			k[i] = lower(f.p[i]);
		k[f.n] = '\0';
		for (size_t i = 0; i < t.n; i++)
			v[i] = lower(t.p[i]);
		v[t.n] = '\0';
		return table_put(&id->domains, k, v);
	}
	/* Both sides normalized without user aliases (no chains). */
	if (!normalize_base(id, bw_str_make(from, strlen(from)), BW_STR_NULL, k, sizeof(k)) ||
	    !normalize_base(id, bw_str_make(to, strlen(to)), BW_STR_NULL, v, sizeof(v)))
		return -1;
	return table_put(&id->users, k, v);
}

int bw_identity_load_aliases(struct bw_identity *id, const char *path, char *err,
			     size_t errcap)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return -1;
	}
	char line[1024];
	unsigned lineno = 0;
	int rc = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
			snprintf(err, errcap, "%s:%u:1: line too long", path, lineno);
			rc = -1;
			goto out;
		}
		char *hash_ = strchr(line, '#');
		if (hash_)
			*hash_ = '\0';
		n = strlen(line);
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
			     line[n - 1] == '\t'))
			line[--n] = '\0';
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			continue;
		char *eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errcap, "%s:%u:%zu: expected 'from = to'", path, lineno,
				 (size_t)(p - line) + 1);
			rc = -1;
			goto out;
		}
		*eq = '\0';
		char *to = eq + 1;
		while (*to == ' ' || *to == '\t')
			to++;
		if (!*to) {
			snprintf(err, errcap, "%s:%u:%zu: empty alias target", path, lineno,
				 (size_t)(eq - line) + 2);
			rc = -1;
			goto out;
		}
		if (bw_identity_add_alias(id, p, to) != 0) {
			snprintf(err, errcap, "%s:%u:%zu: bad alias", path, lineno,
				 (size_t)(p - line) + 1);
			rc = -1;
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errcap, "%s: read error", path);
		rc = -1;
	}
out:
	fclose(f);
	return rc;
}
