/*
 * bw_time.c - civil-time arithmetic and zone conversion.
 *
 * Zones use the C library (TZ + mktime) only on a cache miss: the UTC
 * offset of each local hour is remembered in a small direct-mapped table
 * per zone, so the per-line cost is one array probe. Never consults the
 * wall clock.
 *
 * The C library converts in one process-wide zone, chosen by TZ: a
 * conversion sets TZ, converts and puts it back, all under tz_lock, so a
 * parser on the reading thread and the rule engine's hour(ts) on its own
 * thread (engine_thread.h) never convert in each other's zone or read
 * the environment while the other rewrites it.
 */
#include "bw_time.h"
#include "bw_util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

int64_t bw_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's days_from_civil. */
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int bw_civil_valid(int y, int m, int d, int h, int mi, int s)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return 0;
	int md = mdays[m - 1] + (m == 2 && is_leap(y));
	return d <= md;
}

int64_t bw_epoch_from_civil(int y, int m, int d, int h, int mi, int s)
{
	return bw_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 +
	       h * 3600 + mi * 60 + s;
}

int bw_month_from_abbr(const char *p)
{
	/* Fold case and switch on the packed three letters. */
	unsigned a = (unsigned char)p[0] | 0x20, b = (unsigned char)p[1] | 0x20,
		 c = (unsigned char)p[2] | 0x20;
	unsigned k = a << 16 | b << 8 | c;
#define M(x, y, z) ((unsigned)(x) << 16 | (unsigned)(y) << 8 | (unsigned)(z))
	switch (k) {
	case M('j', 'a', 'n'): return 1;
	case M('f', 'e', 'b'): return 2;
	case M('m', 'a', 'r'): return 3;
	case M('a', 'p', 'r'): return 4;
	case M('m', 'a', 'y'): return 5;
	case M('j', 'u', 'n'): return 6;
	case M('j', 'u', 'l'): return 7;
	case M('a', 'u', 'g'): return 8;
	case M('s', 'e', 'p'): return 9;
	case M('o', 'c', 't'): return 10;
	case M('n', 'o', 'v'): return 11;
	case M('d', 'e', 'c'): return 12;
	}
#undef M
	return 0;
}

/* The 26 bytes of a CLF stamp as words, for a cheap equality test. */
struct clf_key {
	uint64_t w[3];
	uint16_t t;
};

static inline struct clf_key clf_key_of(const char *p)
{
	struct clf_key k;
	memcpy(k.w, p, 24);
	memcpy(&k.t, p + 24, 2);
	return k;
}

int bw_time_parse_clf(const char *p, size_t n, int64_t *ms)
{
	/* Access logs run in time order, so most lines repeat the previous
	 * line's stamp (ten per second is quiet for a web server). The memo
	 * holds the last stamp that parsed: the result of a pure function,
	 * so sharing it between inputs is harmless. Single-threaded, like
	 * the rest of the pipeline. */
	static struct clf_key last;
	static int64_t last_ms;
	static int have_last;
	if (n != 26)
		return 0;
	struct clf_key k = clf_key_of(p);
	if (have_last && ((k.w[0] ^ last.w[0]) | (k.w[1] ^ last.w[1]) |
			  (k.w[2] ^ last.w[2]) | (uint64_t)(k.t ^ last.t)) == 0) {
		*ms = last_ms;
		return 1;
	}
	/* 25/Oct/2016:14:49:33 +0200  (26 bytes) */
	if (p[2] != '/' || p[6] != '/' || p[11] != ':' ||
	    p[14] != ':' || p[17] != ':' || p[20] != ' ' ||
	    (p[21] != '+' && p[21] != '-'))
		return 0;
	int d = bw_parse_fixed(p, 2);
	int m = bw_month_from_abbr(p + 3);
	int y = bw_parse_fixed(p + 7, 4);
	int h = bw_parse_fixed(p + 12, 2);
	int mi = bw_parse_fixed(p + 15, 2);
	int s = bw_parse_fixed(p + 18, 2);
	int oh = bw_parse_fixed(p + 22, 2);
	int om = bw_parse_fixed(p + 24, 2);
	if (m == 0 || oh < 0 || om < 0 || oh > 23 || om > 59 ||
	    !bw_civil_valid(y, m, d, h, mi, s))
		return 0;
	int64_t off = (int64_t)(oh * 3600 + om * 60) * (p[21] == '-' ? -1 : 1);
	*ms = (bw_epoch_from_civil(y, m, d, h, mi, s) - off) * 1000;
	last = k;
	last_ms = *ms;
	have_last = 1;
	return 1;
}

size_t bw_time_parse_iso(const char *p, size_t n, const struct bw_tz *tz,
			 int64_t *ms)
{
	/* YYYY-MM-DDTHH:MM:SS */
	if (n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') ||
	    p[13] != ':' || p[16] != ':')
		return 0;
	int y = bw_parse_fixed(p, 4), m = bw_parse_fixed(p + 5, 2),
	    d = bw_parse_fixed(p + 8, 2), h = bw_parse_fixed(p + 11, 2),
	    mi = bw_parse_fixed(p + 14, 2), s = bw_parse_fixed(p + 17, 2);
	if (!bw_civil_valid(y, m, d, h, mi, s))
		return 0;
	size_t i = 19;
	int frac_ms = 0;
	if (i < n && (p[i] == '.' || p[i] == ',')) {
		i++;
		size_t digits = 0;
		while (i < n && p[i] >= '0' && p[i] <= '9') {
			if (digits < 3)
				frac_ms = frac_ms * 10 + (p[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0)
			return 0;
		for (size_t k = digits; k < 3; k++)
			frac_ms *= 10;
	}
	int64_t secs = bw_epoch_from_civil(y, m, d, h, mi, s);
	if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
		i++;
	} else if (i < n && (p[i] == '+' || p[i] == '-')) {
		int sign = p[i] == '-' ? -1 : 1;
		int oh, om;
		if (i + 6 <= n && p[i + 3] == ':') {
			oh = bw_parse_fixed(p + i + 1, 2);
			om = bw_parse_fixed(p + i + 4, 2);
			i += 6;
		} else if (i + 5 <= n) {
			oh = bw_parse_fixed(p + i + 1, 2);
			om = bw_parse_fixed(p + i + 3, 2);
			i += 5;
		} else {
			return 0;
		}
		if (oh < 0 || om < 0 || oh > 23 || om > 59)
			return 0;
		secs -= sign * (oh * 3600 + om * 60);
	} else if (tz) {
		secs = bw_tz_local_to_utc(tz, secs);
	}
	*ms = secs * 1000 + frac_ms;
	return i;
}

/* ------------------------------------------------------------------ */

#define TZ_CACHE 512

struct bw_tz {
	struct bw_tz *next;
	char *name;        /* as given; "" = process local zone */
	int utc;           /* fast path: offset always 0 */
	struct tz_cache *cache; /* memo, not semantic state: writable behind const */
};

struct tz_cache {
	int64_t hour[TZ_CACHE];   /* local hour cached, or INT64_MIN */
	int32_t offset[TZ_CACHE]; /* local - utc, seconds */
};

static struct bw_tz *zones;

static int zone_exists(const char *name)
{
	if (name[0] == '/')
		return access(name, R_OK) == 0;
	if (strstr(name, ".."))
		return 0;
	char path[512];
	pthread_mutex_lock(&tz_lock); /* getenv beside a setenv("TZ") */
	const char *dir = getenv("TZDIR");
	size_t dn = strlen(dir ? dir : "/usr/share/zoneinfo");
	int fits = dn + strlen(name) + 2 <= sizeof(path);
	if (fits)
		strcpy(path, dir ? dir : "/usr/share/zoneinfo");
	pthread_mutex_unlock(&tz_lock);
	if (!fits)
		return 0;
	path[dn] = '/';
	strcpy(path + dn + 1, name);
	return access(path, R_OK) == 0;
}

const struct bw_tz *bw_tz_get(const char *name)
{
	if (!name || strcmp(name, ":local") == 0)
		name = "";
	for (struct bw_tz *z = zones; z; z = z->next)
		if (strcmp(z->name, name) == 0)
			return z;
	int utc = strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0 ||
		  strcmp(name, "GMT") == 0 || strcmp(name, "Z") == 0;
	if (name[0] && !utc && !zone_exists(name))
		return NULL;
	struct bw_tz *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->name = strdup(name);
	z->cache = malloc(sizeof(*z->cache));
	if (!z->name || !z->cache) {
		free(z->name);
		free(z->cache);
		free(z);
		return NULL;
	}
	z->utc = utc;
	for (size_t i = 0; i < TZ_CACHE; i++)
		z->cache->hour[i] = INT64_MIN;
	z->next = zones;
	zones = z;
	return z;
}

const char *bw_tz_name(const struct bw_tz *tz)
{
	return tz->name[0] ? tz->name : "local";
}

/* Make tz the process zone for the C library's conversions, holding
 * tz_lock until tz_leave. The local zone is the process's own: TZ as
 * the process got it (outside these pairs TZ is never changed), else
 * /etc/localtime. @return what tz_leave needs: *switched says whether
 * TZ was changed, the result is its previous value (NULL = unset). */
static char *tz_enter(const struct bw_tz *tz, int *switched)
{
	pthread_mutex_lock(&tz_lock);
	char *saved = NULL;
	*switched = 0;
	if (tz->name[0]) {
		const char *old = getenv("TZ");
		if (old && !(saved = strdup(old)))
			return NULL; /* out of memory: the process zone */
		setenv("TZ", tz->name, 1);
		*switched = 1;
	}
	tzset();
	return saved;
}

static void tz_leave(char *saved, int switched)
{
	if (switched) {
		if (saved)
			setenv("TZ", saved, 1);
		else
			unsetenv("TZ");
		free(saved);
		tzset();
	}
	pthread_mutex_unlock(&tz_lock);
}

static int32_t offset_for(const struct bw_tz *tz, int64_t local)
{
	int sw;
	char *saved = tz_enter(tz, &sw);
	time_t t = (time_t)local;
	struct tm tm;
	gmtime_r(&t, &tm);
	tm.tm_isdst = -1;
	time_t utc = mktime(&tm);
	tz_leave(saved, sw);
	if (utc == (time_t)-1)
		return 0;
	return (int32_t)(local - (int64_t)utc);
}

int32_t bw_tz_offset_at(const struct bw_tz *tz, int64_t utc_secs)
{
	if (tz->utc)
		return 0;
	int sw;
	char *saved = tz_enter(tz, &sw);
	time_t t = (time_t)utc_secs;
	struct tm tm;
	int32_t off = 0;
	if (localtime_r(&t, &tm))
		off = (int32_t)tm.tm_gmtoff;
	tz_leave(saved, sw);
	return off;
}

int64_t bw_tz_local_to_utc(const struct bw_tz *tz, int64_t local_secs)
{
	struct tz_cache *c = tz->cache;
	if (tz->utc)
		return local_secs;
	int64_t hour = local_secs >= 0 ? local_secs / 3600 : (local_secs - 3599) / 3600;
	size_t slot = (size_t)((uint64_t)hour % TZ_CACHE);
	if (c->hour[slot] != hour) {
		c->offset[slot] = offset_for(tz, hour * 3600);
		c->hour[slot] = hour;
	}
	return local_secs - c->offset[slot];
}

void bw_tz_free_all(void)
{
	while (zones) {
		struct bw_tz *n = zones->next;
		free(zones->name);
		free(zones->cache);
		free(zones);
		zones = n;
	}
}
