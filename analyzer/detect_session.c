/*
 * detect_session.c - baseline detector "session-address-change": one VPN
 * session, named by its device and session id, seen from a second client
 * address. That is what a stolen session token looks like when it is
 * replayed (Citrix Bleed, CVE-2023-4966, leaks NetScaler session cookies
 * that work from anywhere; Ivanti and GlobalProtect have had the like):
 * the gateway logs the session's traffic under its id with the new
 * client. A roaming user (Wi-Fi to LTE) looks the same, which the alert's
 * message lets the reader judge: both addresses, the first line and this
 * one are in it.
 *
 * State: device + account + session id -> the first client and the line that showed
 * it, and up to SEEN_MAX addresses alerted on (one alert per new
 * address). Bounded: at most MAX_SESSIONS sessions, the least recently
 * seen evicted first; sessions idle for a day expire on event time.
 */
#include "detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bw_util.h"
#include "rule.h"
#include "window.h"

#define MAX_SESSIONS 65536
#define SEEN_MAX 4
#define IDLE_MS (24LL * 3600 * 1000)
#define KEY_MAX 256

struct sess_seen {
	bw_ip first;
	uint32_t first_input;
	uint64_t first_line;
	bw_ip seen[SEEN_MAX];  /* addresses alerted on */
	uint32_t nseen;
};

struct det {
	struct bw_wtable tab;
	struct bw_wbudget budget;
	int64_t clock;        /* newest event time seen (ms), from 0 */
	int64_t last_expire;  /* clock at the last expiry */
	char msg[512];
};

static void *det_create(const char *rule_id)
{
	(void)rule_id;
	struct det *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->budget.max_keys = MAX_SESSIONS;
	bw_wtable_init(&d->tab, sizeof(struct sess_seen), 0x5e55104eull,
		       IDLE_MS, &d->budget, NULL);
	return d; /* clock and last_expire 0: as the engine starts */
}

static void det_destroy(void *st)
{
	struct det *d = st;
	if (!d)
		return;
	bw_wtable_fini(&d->tab);
	free(d);
}

static int ip_eq(const bw_ip *a, const bw_ip *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, 16);
}

static void det_judge(struct det *d, struct bw_engine *e, int rule,
		      const bw_event *ev, struct sess_seen *s, bw_str dev);

/* dev \0 user \0 id into key (KEY_MAX bytes); parts too long for it
 * are cut and the hashes of the whole parts appended, so that two long
 * ids sharing their first bytes stay two sessions. @return its length. */
static size_t key_of(char *key, bw_str dev, bw_str user, bw_str sid)
{
	const size_t part = (KEY_MAX - 3 - 24) / 3;
	bw_str p[3] = { dev, user, sid };
	size_t n = 0;
	int cut = 0;
	for (int i = 0; i < 3; i++) {
		size_t m = p[i].n < part ? p[i].n : part;
		cut |= m < p[i].n;
		if (m)
			memcpy(key + n, p[i].p, m);
		n += m;
		key[n++] = 0;
	}
	for (int i = 0; cut && i < 3; i++) {
		uint64_t h = bw_hash64(0x6b6579ull, p[i].p ? p[i].p : "", p[i].n);
		memcpy(key + n, &h, 8);
		n += 8;
	}
	return n;
}

static void det_event(void *st, struct bw_engine *e, int rule,
		      const bw_event *ev)
{
	struct det *d = st;
	if (!ev->session_id.n || !ev->src_ip.family || !ev->user.n)
		return; /* a session is an account's: lines naming none are
			   not told apart (strongSwan's restarted ids) */
	/* the detector's clock is the newest stamp seen, from 0, as the
	 * engine's: a hostile stamp far in the past cannot underflow the
	 * table's expiry */
	if (ev->ts_ms > d->clock)
		d->clock = ev->ts_ms;
	if (d->clock - d->last_expire >= 10000) {
		d->last_expire = d->clock;
		bw_wtable_expire(&d->tab, d->clock);
	}
	/* the device's name (or the format for a log naming none), the
	 * account and the id: two gateways may number their sessions
	 * alike, and a gateway restarted numbers them afresh, so an id
	 * alone may come back for another user (a stolen token is
	 * replayed as its own user) */
	char key[KEY_MAX], devbuf[64];
	bw_str dev = ev->host;
	if (!dev.p) {
		/* a log naming no device (strongSwan's, OpenVPN's own file):
		 * its product and its input, since two servers' files
		 * number their sessions alike */
		int m = snprintf(devbuf, sizeof(devbuf), "%s#%u",
				 ev->format ? ev->format : "", (unsigned)ev->input_id);
		dev = bw_str_make(devbuf, m > 0 && (size_t)m < sizeof(devbuf) ?
				  (size_t)m : 0);
	}
	size_t kn = key_of(key, dev, ev->user, ev->session_id);
	int created;
	struct bw_wkey *k = bw_wtable_get(&d->tab, key, (uint32_t)kn, d->clock, &created);
	if (!k)
		return;
	struct sess_seen *s = bw_wkey_state(k);
	/* a session that ended is forgotten once judged: its id may be
	 * given again (a restarted gateway numbers afresh) */
	int ends = ev->kind == BW_KIND_SESSION_END || ev->kind == BW_KIND_LOGOUT;
	if (created) {
		s->first = ev->src_ip;
		s->first_input = ev->input_id;
		s->first_line = ev->line_no;
	} else {
		det_judge(d, e, rule, ev, s, dev);
	}
	if (ends)
		bw_wtable_del(&d->tab, k);
}

/* A later event of session s: alert when its client is new. */
static void det_judge(struct det *d, struct bw_engine *e, int rule,
		      const bw_event *ev, struct sess_seen *s, bw_str dev)
{
	size_t sn = ev->session_id.n, dn = dev.n;
	if (ip_eq(&s->first, &ev->src_ip))
		return;
	for (uint32_t i = 0; i < s->nseen; i++)
		if (ip_eq(&s->seen[i], &ev->src_ip))
			return;
	if (s->nseen == SEEN_MAX)
		return; /* a session hopping further is alerted on enough */
	s->seen[s->nseen++] = ev->src_ip;
	char a[64], b[64];
	bw_ip_format(&s->first, a, sizeof(a));
	bw_ip_format(&ev->src_ip, b, sizeof(b));
	snprintf(d->msg, sizeof(d->msg),
		 "VPN session %.*s of %.*s on %.*s, first seen from %s, used from %s",
		 (int)(sn > 64 ? 64 : sn), ev->session_id.p,
		 (int)(ev->user.n > 64 ? 64 : ev->user.n), ev->user.p ? ev->user.p : "",
		 (int)(dn > 64 ? 64 : dn), dev.p ? dev.p : "", a, b);
	/* evidence: the line that showed the first address, then this one */
	bw_event cited = *ev;
	cited.start_input = s->first_input;
	cited.start_line = s->first_line;
	bw_baseline_emit(e, rule, &cited, d->msg);
}

static const struct bw_baseline_ops session_address_change = {
	"session-address-change", det_create, det_event, det_destroy,
};

void bw_detectors_register(void)
{
	bw_baseline_register(&session_address_change);
}
