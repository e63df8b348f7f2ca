/*
 * session.c - VPN session table (see session.h).
 *
 * Layout: a fixed power-of-two bucket array of chained entries, plus two
 * doubly linked lists in order of last activity (head = most recent):
 * `live` holds started sessions (eviction victims when the table is
 * full, and the time-ordered flush at end of input); `pending` holds
 * context-only entries (an IKE exchange not yet authenticated), capped
 * at a quarter of the table and evicted first, so a scanner opening
 * exchanges cannot push real sessions out.
 *
 *   buckets[h & mask] -> sess -> sess -> NULL        (hnext)
 *   live.head <-> sess <-> ... <-> live.tail         (least recent)
 *   pending.head <-> sess <-> ... <-> pending.tail
 *
 * Allocation happens per session (entry + copied strings), never per
 * line. Must never keep a pointer into an event after returning.
 */
#include "session.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PART 255 /* longest host / user / session id we key on */
#define KEY_CAP (3 * MAX_PART + 32) /* device, session id and user */
/* Longest duration computed from event times (100 years, ms): beyond it
 * the stamps are hostile and the duration is left absent, so consumers
 * can scale it to ns without overflow. */
#define MAX_DURATION_MS ((int64_t)100 * 366 * 86400 * 1000)
/* An open session is reported (a session_status event) each hour of its
 * first day and each day after, and when a statistics line shows another
 * whole GiB out. Reports follow the clock of the session's own device
 * (the newest time it logged), at most one look at its sessions per
 * minute of it: another device's stamps, however wild, age none of them. */
#define HOUR_MS ((int64_t)3600 * 1000)
#define DAY_MS (24 * HOUR_MS)
#define STATUS_SCAN_MS ((int64_t)60 * 1000)
#define GIB ((int64_t)1 << 30)
#define DEV_BUCKETS 1024
/* The last CLOSED_MAX ended sessions, remembered by key hash, start and
 * end in the order they ended (a ring: the oldest gives way; what is
 * remembered depends on the log alone, never on the seed), so that a
 * statistics line of one of them logged after its end does not open it
 * again. Looked up through CLOSED_BUCKETS chains. */
#define CLOSED_MAX 16384u
#define CLOSED_BUCKETS 16384u
#define CLOSED_NONE UINT32_MAX
/* a snapshot's start (its time - its duration, in whole seconds) within
 * this of an ended session's start is that session's */
#define CLOSED_SLACK_MS ((int64_t)5000)
/* ... and logged no later than this after that end (FortiGate writes a
 * tunnel's last statistics in the second of its tunnel-down or the next
 * few): a second tunnel of the key begun in the same seconds keeps its
 * later statistics */
#define CLOSED_LATE_MS ((int64_t)120000)
/* how long, by its device's clock, a removed session waits for its end
 * record (NetScaler's LOGOUT follows its REMOVE_SESSION within seconds) */
#define REMOVED_WAIT_MS ((int64_t)120000)
/* ends of a key's bucket looked at per statistics line, newest first */
#define CLOSED_LOOK 64u

/* |a - b|, for any two stamps (hostile ones too) without overflow. */
static uint64_t absdiff(int64_t a, int64_t b)
{
	return a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

static int64_t span(int64_t from, int64_t to)
{
	if (to < from || (uint64_t)to - (uint64_t)from > (uint64_t)MAX_DURATION_MS)
		return BW_NUM_ABSENT;
	return to - from;
}

struct dev;

struct sess {
	struct sess *hnext;
	struct sess *prev, *next; /* activity list */
	struct dev *dev;          /* the device that logs it */
	struct sess *dprev, *dnext; /* its device's started sessions */
	uint64_t hash;
	size_t key_n;
	char *key;
	char *user, *host, *sid; /* NUL-terminated copies in data[], except a
	                            user learnt later (user_heap) */
	size_t user_n, host_n, sid_n;
	const char *format;      /* static parser name */
	bw_ip src_ip, assigned_ip;
	uint16_t src_port;
	int64_t start_ms, last_ms;
	int64_t bytes_out, bytes_in; /* latest status snapshot, or absent */
	int64_t next_age_ms;         /* age at its next status report */
	int64_t reported_gib;        /* whole GiB out in the last report */
	uint32_t input_id;
	uint64_t line_no, offset;    /* provenance of the opening event */
	uint8_t started;             /* a start/assign/snapshot was seen; a
	                                context-only entry (pre-auth IKE
	                                exchange) is never flushed */
	uint8_t user_heap;           /* user was allocated on its own */
	uint8_t removed;             /* a logout said it is over
	                                (BW_EF_SESSION_GONE): not reported;
	                                its end record may follow, else it
	                                ends when removed (REMOVED_WAIT_MS) */
	int64_t removed_ms;
	uint32_t rm_input;           /* provenance of that logout */
	uint64_t rm_line, rm_offset;
	char data[];                 /* key, host, sid, user: one allocation */
};

struct lru {
	struct sess *head, *tail;
	size_t n;
};

/* A device (ev->host) and its clock. Sessions keep it alive (nsess). */
struct dev {
	struct dev *hnext;
	uint64_t hash;
	int64_t newest;          /* newest time it logged (INT64_MIN: none) */
	int64_t next_due;        /* no report of its sessions is due before */
	int64_t last_scan;       /* newest at its last look (INT64_MIN: none) */
	struct sess *head;       /* its started sessions */
	size_t nsess;            /* entries pointing at it */
	size_t host_n;
	char host[];
};

struct closed {
	uint64_t hash;           /* key hash */
	int64_t start_ms;        /* BW_NUM_ABSENT when not known */
	int64_t end_ms;
	uint32_t next, prev;     /* its bucket's chain (newest first),
	                            CLOSED_NONE at either end */
};

struct bw_sessions {
	struct sess **buckets;
	struct closed *closed;   /* ring of CLOSED_MAX */
	uint32_t *cbucket;       /* CLOSED_BUCKETS chain heads */
	uint32_t cnext, cn;      /* next ring slot; entries in use */
	size_t mask;
	size_t cap, count;       /* entries of both lists */
	size_t pending_cap;
	uint64_t seed;
	struct lru live, pending;
	struct dev *devs[DEV_BUCKETS];
	struct dev *cur_dev;     /* the device of the VPN event being taken
	                            (bw_sessions_tick's), NULL when none */
	bw_session_emit_fn emit; /* the caller's, for the end of a removed
	                            session the cap evicts (make_room) */
	void *emit_arg;
	struct bw_sessions_stats st;
};

/* Seeded 64-bit hash (multiply-xorshift over 8-byte words). Not
 * cryptographic; the per-table random seed keeps chain lengths out of an
 * attacker's control for practical purposes. */
static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t hash_bytes(uint64_t seed, const char *p, size_t n)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = mix(h ^ w) + 0x9e3779b97f4a7c15ULL;
		p += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, p, n);
	return mix(h ^ w ^ ((uint64_t)n << 56));
}

/* The age of a session's next report after one at age. */
static int64_t next_report_age(int64_t age)
{
	if (age < DAY_MS)
		return (age / HOUR_MS + 1) * HOUR_MS;
	return (age / DAY_MS + 1) * DAY_MS;
}

/* Note on e's device when e's next report falls due. A session whose
 * age cannot be told (stamps over 100 years apart) is never reported. */
static void due_at(struct sess *e)
{
	struct dev *d = e->dev;
	if (!d || !e->started)
		return;
	if (e->removed) {
		int64_t t = e->removed_ms > INT64_MAX - REMOVED_WAIT_MS ?
				    INT64_MAX : e->removed_ms + REMOVED_WAIT_MS;
		if (t < d->next_due)
			d->next_due = t;
		return;
	}
	if (d->newest != INT64_MIN && d->newest > e->start_ms &&
	    span(e->start_ms, d->newest) == BW_NUM_ABSENT)
		return;
	int64_t t = e->start_ms > INT64_MAX - e->next_age_ms ?
			    INT64_MAX : e->start_ms + e->next_age_ms;
	if (t < d->next_due)
		d->next_due = t;
}

static struct dev **dev_slot(struct bw_sessions *s, const char *host,
			     size_t n, uint64_t h)
{
	struct dev **pp = &s->devs[h & (DEV_BUCKETS - 1)];
	while (*pp && !((*pp)->hash == h && (*pp)->host_n == n &&
			memcmp((*pp)->host, host, n) == 0))
		pp = &(*pp)->hnext;
	return pp;
}

/* The name of ev's device in buf (room for DEV_NAME_MAX): 'h' and its
 * host, or for a log that names none (OpenVPN's and strongSwan's own
 * files, FortiGate without devname) 'p' and its product (the format, an
 * OpenVPN status file's with its log's). The first byte keeps the two
 * kinds apart: no host name, whatever its bytes, names a product. A
 * session begun in last night's rotated file keeps its clock in today's;
 * an OpenVPN log and a strongSwan log never share one. Session keys
 * begin with it too. @return its length, 0 for a host name too long to
 * key a session on (MAX_PART): no device, whose stamps move no clock. */
#define DEV_NAME_MAX (MAX_PART + 2)
static size_t dev_name(const bw_event *ev, char *buf)
{
	if (ev->host.n > MAX_PART)
		return 0;
	if (ev->host.n) {
		buf[0] = 'h';
		memcpy(buf + 1, ev->host.p, ev->host.n);
		return 1 + ev->host.n;
	}
	const char *f = ev->format ? ev->format : "";
	size_t n = strlen(f);
	if (n > 7 && strcmp(f + n - 7, "-status") == 0)
		n -= 7;
	if (n > MAX_PART)
		n = MAX_PART;
	buf[0] = 'p';
	memcpy(buf + 1, f, n);
	return 1 + n;
}

/* The device of ev, NULL when it has no session. */
static struct dev *dev_find(struct bw_sessions *s, const bw_event *ev)
{
	char buf[DEV_NAME_MAX];
	size_t n = dev_name(ev, buf);
	if (!n)
		return NULL;
	return *dev_slot(s, buf, n, hash_bytes(s->seed, buf, n));
}

/* Attach e to its device (dev_name of ev), made when new.
 * @return 0, -1 OOM. */
static int dev_attach(struct bw_sessions *s, struct sess *e, const bw_event *ev)
{
	char p[DEV_NAME_MAX];
	size_t n = dev_name(ev, p);
	if (!n) {
		e->dev = NULL; /* cannot happen: make_key refused the host */
		return 0;
	}
	uint64_t h = hash_bytes(s->seed, p, n);
	struct dev **pp = dev_slot(s, p, n, h);
	struct dev *d = *pp;
	if (!d) {
		d = calloc(1, sizeof(*d) + n + 1);
		if (!d)
			return -1;
		d->hash = h;
		d->host_n = n;
		memcpy(d->host, p, n);
		d->newest = ev->ts_ms;
		d->next_due = INT64_MAX;
		d->last_scan = INT64_MIN;
		*pp = d;
	}
	d->nsess++;
	e->dev = d;
	s->cur_dev = d; /* ev's device: attached for ev's session */
	return 0;
}

/* e has started: put it on its device's list. */
static void dev_link(struct sess *e)
{
	struct dev *d = e->dev;
	if (!d)
		return;
	e->dprev = NULL;
	e->dnext = d->head;
	if (d->head)
		d->head->dprev = e;
	d->head = e;
	due_at(e);
}

static void dev_detach(struct bw_sessions *s, struct sess *e)
{
	struct dev *d = e->dev;
	if (!d)
		return;
	if (e->started) {
		if (e->dprev)
			e->dprev->dnext = e->dnext;
		else
			d->head = e->dnext;
		if (e->dnext)
			e->dnext->dprev = e->dprev;
	}
	e->dev = NULL;
	if (--d->nsess)
		return;
	struct dev **pp = dev_slot(s, d->host, d->host_n, d->hash);
	*pp = d->hnext;
	if (s->cur_dev == d)
		s->cur_dev = NULL;
	free(d);
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	if (getentropy(&s, sizeof(s)) != 0)
		s = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&s;
	return s;
}

struct bw_sessions *bw_sessions_new(size_t cap)
{
	if (cap == 0)
		cap = 65536;
	struct bw_sessions *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	size_t nb = 16;
	while (nb < cap && nb < ((size_t)1 << 30))
		nb <<= 1;
	s->buckets = calloc(nb, sizeof(*s->buckets));
	s->closed = calloc(CLOSED_MAX, sizeof(*s->closed));
	s->cbucket = malloc(CLOSED_BUCKETS * sizeof(*s->cbucket));
	if (!s->buckets || !s->closed || !s->cbucket) {
		free(s->buckets);
		free(s->closed);
		free(s->cbucket);
		free(s);
		return NULL;
	}
	memset(s->cbucket, 0xff, CLOSED_BUCKETS * sizeof(*s->cbucket));
	s->mask = nb - 1;
	s->cap = cap;
	s->pending_cap = cap / 4 ? cap / 4 : 1;
	s->seed = random_seed();
	return s;
}

static void sess_free(struct sess *e)
{
	if (!e)
		return;
	if (e->user_heap)
		free(e->user);
	free(e);
}

void bw_sessions_free(struct bw_sessions *s)
{
	if (!s)
		return;
	for (int l = 0; l < 2; l++) {
		struct sess *e = l ? s->pending.head : s->live.head;
		while (e) {
			struct sess *n = e->next;
			sess_free(e);
			e = n;
		}
	}
	for (size_t b = 0; b < DEV_BUCKETS; b++)
		while (s->devs[b]) {
			struct dev *d = s->devs[b];
			s->devs[b] = d->hnext;
			free(d);
		}
	free(s->closed);
	free(s->cbucket);
	free(s->buckets);
	free(s);
}

/* The key of the one session of ev's user on its device (make_key's
 * 'U' key, whatever the event's address). @return its length, 0. */
static size_t user_key(const bw_event *ev, char *k)
{
	if (!ev->user.n || ev->user.n > MAX_PART)
		return 0;
	size_t n = dev_name(ev, k);
	if (!n)
		return 0;
	k[n++] = 0;
	k[n++] = 'U';
	memcpy(k + n, ev->user.p, ev->user.n);
	return n + ev->user.n;
}

/* Key: the device (dev_name: host, or product for a log that names
 * none, so a nameless FortiGate's tunnel 7 is not strongSwan's <7>), 0,
 * then 's' + session id, or 'u' + user + 0 + 16-byte IP, or 'U' + user
 * (user_key). */
static size_t make_key(const bw_event *ev, char *k, size_t cap)
{
	size_t n = dev_name(ev, k);
	if (!n)
		return 0;
	k[n++] = 0;
	if (ev->session_id.n) {
		if (ev->session_id.n > MAX_PART)
			return 0;
		k[n++] = 's';
		memcpy(k + n, ev->session_id.p, ev->session_id.n);
		n += ev->session_id.n;
		/* an id the product gives out again (BW_EF_SID_PER_USER) is
		 * a session's only with its account, as the session-reuse
		 * detector keys it */
		if ((ev->flags & BW_EF_SID_PER_USER) && ev->user.n &&
		    ev->user.n <= MAX_PART) {
			k[n++] = 0;
			memcpy(k + n, ev->user.p, ev->user.n);
			n += ev->user.n;
		}
	} else if (ev->user.n && ev->src_ip.family) {
		if (ev->user.n > MAX_PART)
			return 0;
		k[n++] = 'u';
		memcpy(k + n, ev->user.p, ev->user.n);
		n += ev->user.n;
		k[n++] = 0;
		memcpy(k + n, ev->src_ip.addr, 16);
		n += 16;
	} else if (ev->user.n) {
		/* a device that names no client address at the start or
		 * end (PAN-OS GlobalProtect SYSTEM logs: "configuration
		 * generated ... Private IP", "logout succeeded"): one session
		 * per user on that device */
		return user_key(ev, k);
	} else {
		return 0;
	}
	(void)cap;
	return n;
}

static struct sess **find_slot(struct bw_sessions *s, const char *k, size_t n,
			       uint64_t h)
{
	struct sess **pp = &s->buckets[h & s->mask];
	while (*pp) {
		struct sess *e = *pp;
		if (e->hash == h && e->key_n == n && memcmp(e->key, k, n) == 0)
			return pp;
		pp = &e->hnext;
	}
	return pp;
}

static struct lru *list_of(struct bw_sessions *s, const struct sess *e)
{
	return e->started ? &s->live : &s->pending;
}

static void list_unlink(struct lru *l, struct sess *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
	l->n--;
}

static void list_push_head(struct lru *l, struct sess *e)
{
	e->prev = NULL;
	e->next = l->head;
	if (l->head)
		l->head->prev = e;
	l->head = e;
	if (!l->tail)
		l->tail = e;
	l->n++;
}

/* Mark e as the most recently active of its list. */
static void touch(struct bw_sessions *s, struct sess *e)
{
	struct lru *l = list_of(s, e);
	list_unlink(l, e);
	list_push_head(l, e);
}

/* A context entry becomes a session. */
static void promote(struct bw_sessions *s, struct sess *e)
{
	list_unlink(&s->pending, e);
	e->started = 1;
	list_push_head(&s->live, e);
	dev_link(e);
}

/* Remove e from hash and list and free it. */
static void sess_remove(struct bw_sessions *s, struct sess *e)
{
	struct sess **pp = find_slot(s, e->key, e->key_n, e->hash);
	if (*pp == e)
		*pp = e->hnext;
	list_unlink(list_of(s, e), e);
	dev_detach(s, e);
	sess_free(e);
	s->count--;
}

static void removed_end(struct bw_sessions *s, struct sess *e,
			bw_session_emit_fn emit, void *arg);

/* Make room for one entry. Context entries go first; a session is
 * evicted only for another session. @return 0 when there is no room. */
static int make_room(struct bw_sessions *s, int started)
{
	if (!started && s->pending.n >= s->pending_cap && s->pending.tail) {
		sess_remove(s, s->pending.tail);
		s->st.abandoned++;
	}
	if (s->count < s->cap)
		return 1;
	if (s->pending.tail) {
		sess_remove(s, s->pending.tail);
		s->st.abandoned++;
		return 1;
	}
	if (!started || !s->live.tail)
		return 0;
	s->st.evicted++;
	/* a removed session waits (2 min) for its end record, whose end
	 * would then be a second one: the least recently active of the
	 * last few that do not wait goes first */
	struct sess *v = s->live.tail;
	for (int i = 0; v && v->removed && i < 16; i++)
		v = v->prev;
	if (!v || v->removed)
		v = s->live.tail;
	if (v->removed && s->emit) {
		/* its end is known: it goes out rather than with it */
		removed_end(s, v, s->emit, s->emit_arg);
		return 1;
	}
	sess_remove(s, v);
	return 1;
}

static char *dup_view(bw_str v, size_t *n)
{
	char *p = malloc(v.n + 1);
	if (!p)
		return NULL;
	if (v.n)
		memcpy(p, v.p, v.n);
	p[v.n] = 0;
	*n = v.n;
	return p;
}

/* Copy what the event knows and the session does not. */
static void absorb(struct sess *e, const bw_event *ev)
{
	if (!e->user && ev->user.n && ev->user.n <= MAX_PART) {
		e->user = dup_view(ev->user, &e->user_n);
		e->user_heap = e->user != NULL;
	}
	if (!e->src_ip.family && ev->src_ip.family) {
		e->src_ip = ev->src_ip;
		e->src_port = ev->src_port;
	}
	if (ev->assigned_ip.family)
		e->assigned_ip = ev->assigned_ip;
	if (!e->format)
		e->format = ev->format;
	if (ev->ts_ms > e->last_ms)
		e->last_ms = ev->ts_ms;
}

static struct sess *sess_create(struct bw_sessions *s, const char *k, size_t n,
				uint64_t h, const bw_event *ev, int64_t start,
				int started)
{
	if (!make_room(s, started))
		return NULL;
	struct sess **slot = find_slot(s, k, n, h); /* evictions change chains */
	/* one allocation: the entry, then key | host\0 | sid\0 | user\0 */
	size_t hn = ev->host.n <= MAX_PART ? ev->host.n : 0;
	size_t sn = ev->session_id.n <= MAX_PART ? ev->session_id.n : 0;
	size_t un = ev->user.n <= MAX_PART ? ev->user.n : 0;
	struct sess *e = calloc(1, sizeof(*e) + n + hn + 1 + sn + 1 + un + 1);
	if (!e)
		return NULL;
	char *d = e->data;
	e->key = d;
	memcpy(d, k, n);
	d += n;
	e->key_n = n;
	e->hash = h;
	if (hn) {
		e->host = d;
		memcpy(d, ev->host.p, hn);
		e->host_n = hn;
	}
	d += hn + 1;
	if (sn) {
		e->sid = d;
		memcpy(d, ev->session_id.p, sn);
		e->sid_n = sn;
	}
	d += sn + 1;
	if (un) {
		e->user = d;
		memcpy(d, ev->user.p, un);
		e->user_n = un;
	}
	e->start_ms = start;
	e->last_ms = ev->ts_ms;
	e->bytes_out = BW_NUM_ABSENT;
	e->bytes_in = BW_NUM_ABSENT;
	e->input_id = ev->input_id;
	e->line_no = ev->line_no;
	e->offset = ev->offset;
	e->started = (uint8_t)started;
	e->next_age_ms = HOUR_MS;
	if (dev_attach(s, e, ev) < 0) {
		free(e);
		return NULL;
	}
	*slot = e;
	list_push_head(list_of(s, e), e);
	s->count++;
	if (started) {
		s->st.opened++;
		dev_link(e);
	}
	return e;
}

static bw_str view(const char *p, size_t n)
{
	bw_str v = { p, n };
	return p ? v : BW_STR_NULL;
}

static int session_kind(const bw_event *ev)
{
	return ev->kind == BW_KIND_SESSION_START || ev->kind == BW_KIND_ADDRESS_ASSIGN ||
	       ev->kind == BW_KIND_SESSION_END;
}

/* A successful VPN login naming user and address, but no session id,
 * is context for a session of that user on that device that names no
 * address (GlobalProtect's gateway-auth-succ "Login from: IP" before
 * its config-succ). */
/* The entry of key k, touched; or a new context entry (not started)
 * when there is none and create says so. @return NULL when none. */
static struct sess *context_entry(struct bw_sessions *s, const char *k,
				  size_t n, const bw_event *ev, int create)
{
	uint64_t h = hash_bytes(s->seed, k, n);
	struct sess *e = *find_slot(s, k, n, h);
	if (e)
		touch(s, e);
	else if (create)
		e = sess_create(s, k, n, h, ev, ev->ts_ms, 0);
	return e;
}

static void login_context(struct bw_sessions *s, const bw_event *ev)
{
	char k[KEY_CAP];
	size_t n = user_key(ev, k);
	struct sess *e = n ? context_entry(s, k, n, ev, 1) : NULL;
	if (e && !e->started) /* an open session keeps its own address */
		absorb(e, ev);
}

/* Other events that name a session id carry context (the peer address
 * of an IKE exchange, the EAP identity) for the events after them. */
static void context_event(struct bw_sessions *s, const bw_event *ev)
{
	char k[KEY_CAP];
	size_t n = make_key(ev, k, sizeof(k));
	if (!n)
		return;
	/* only an exchange's opening lines (initiator address, EAP
	 * identity) start a context entry; probes and failures do not, so
	 * noise cannot fill the table */
	int opens = (ev->kind == BW_KIND_CONNECTION || ev->kind == BW_KIND_OTHER) &&
		    (ev->user.n || ev->src_ip.family);
	struct sess *e = context_entry(s, k, n, ev, opens);
	if (!e)
		return;
	if (!ev->assigned_ip.family) {
		absorb(e, ev);
	} else {
		bw_ip keep = e->assigned_ip;
		absorb(e, ev);
		e->assigned_ip = keep;
	}
}

/* The event that reports open session e at ts: a session_status (a
 * report while it is up) or a session_end flagged BW_EF_SESSION_OPEN
 * (end of input), with the provenance of the line that opened it. */
static void open_event(const struct sess *e, bw_event *out, int64_t ts,
		       enum bw_kind kind)
{
	bw_event_clear(out);
	out->ts_ms = ts;
	out->source = BW_SRC_VPN;
	out->kind = (uint8_t)kind;
	out->flags = BW_EF_SESSION_OPEN;
	out->format = e->format;
	out->user = view(e->user, e->user_n);
	out->host = view(e->host, e->host_n);
	out->session_id = view(e->sid, e->sid_n);
	out->src_ip = e->src_ip;
	out->src_port = e->src_port;
	out->assigned_ip = e->assigned_ip;
	out->duration_ms = span(e->start_ms, ts);
	out->bytes_out = e->bytes_out;
	out->bytes_in = e->bytes_in;
	if (kind == BW_KIND_SESSION_STATUS) {
		out->action = BW_STR_LIT("session-status");
		out->reason = BW_STR_LIT("still open");
	} else {
		out->action = BW_STR_LIT("session-open");
		out->reason = BW_STR_LIT("no end seen before end of input");
	}
	out->input_id = e->input_id;
	out->line_no = e->line_no;
	out->offset = e->offset;
}

/* out (open_event's, citing e's opening line) cites the line at input,
 * line and offset instead, and the opening one beside it when another. */
static void cite_line(bw_event *out, const struct sess *e, uint32_t input,
		      uint64_t line, uint64_t offset)
{
	if (e->line_no && (e->input_id != input || e->line_no != line)) {
		out->start_input = e->input_id;
		out->start_line = e->line_no;
	}
	out->input_id = input;
	out->line_no = line;
	out->offset = offset;
}

/* When what ev reports began: its time less its duration when it
 * carries one (a statistics snapshot, an end), else otherwise. */
static int64_t start_of(const bw_event *ev, int64_t otherwise)
{
	return span(0, ev->duration_ms) != BW_NUM_ABSENT ?
		       ev->ts_ms - ev->duration_ms : otherwise;
}

/* Remember that the session of key hash h, begun at start (or
 * BW_NUM_ABSENT), ended at end; the oldest remembered end gives way (out
 * of its chain in one step: a key ending thousands of times, a user
 * reconnecting in a loop, costs no walk). */
static void closed_note(struct bw_sessions *s, uint64_t h, int64_t start,
			int64_t end)
{
	uint32_t i = s->cnext;
	struct closed *c = &s->closed[i];
	if (s->cn == CLOSED_MAX) {
		if (c->prev != CLOSED_NONE)
			s->closed[c->prev].next = c->next;
		else
			s->cbucket[c->hash & (CLOSED_BUCKETS - 1)] = c->next;
		if (c->next != CLOSED_NONE)
			s->closed[c->next].prev = c->prev;
	} else {
		s->cn++;
	}
	c->hash = h;
	c->start_ms = start;
	c->end_ms = end;
	uint32_t *b = &s->cbucket[h & (CLOSED_BUCKETS - 1)];
	c->next = *b;
	c->prev = CLOSED_NONE;
	if (*b != CLOSED_NONE)
		s->closed[*b].prev = i;
	*b = i;
	s->cnext = (i + 1) & (CLOSED_MAX - 1);
}

/* Whether snapshot ev (start: its time - duration, or its time when it
 * has none) is of a session of key h that ended already: one with the
 * same start, or, where a start is missing to tell, one that ended no
 * earlier than ev was logged. A statistics line of a tunnel that began
 * at another time (two tunnels of one user from one address, keyed
 * alike) is not. */
static int closed_has(const struct bw_sessions *s, uint64_t h,
		      const bw_event *ev, int64_t start)
{
	int has_dur = span(0, ev->duration_ms) != BW_NUM_ABSENT;
	/* the newest ends first, and no more than CLOSED_LOOK of them: a
	 * tunnel's last statistics follow its own end closely */
	uint32_t look = 0;
	for (uint32_t i = s->cbucket[h & (CLOSED_BUCKETS - 1)];
	     i != CLOSED_NONE && look < CLOSED_LOOK; i = s->closed[i].next, look++) {
		const struct closed *c = &s->closed[i];
		if (c->hash != h || (ev->ts_ms > c->end_ms &&
				     (uint64_t)ev->ts_ms - (uint64_t)c->end_ms >
					     (uint64_t)CLOSED_LATE_MS))
			continue;
		if (has_dur && c->start_ms != BW_NUM_ABSENT) {
			if (absdiff(start, c->start_ms) <= (uint64_t)CLOSED_SLACK_MS)
				return 1;
		} else if (ev->ts_ms <= c->end_ms) {
			return 1;
		}
	}
	return 0;
}

/* A logout saying its session is over while the end record may follow
 * (BW_EF_SESSION_GONE): the session is no longer reported as open and
 * waits for that end record (one end, with its bytes); without one it
 * ends when removed (removed_end). */
static void session_gone(struct bw_sessions *s, const bw_event *ev)
{
	char k[KEY_CAP];
	size_t n = make_key(ev, k, sizeof(k));
	if (!n)
		return;
	uint64_t h = hash_bytes(s->seed, k, n);
	struct sess *e = *find_slot(s, k, n, h);
	if (!e)
		return;
	if (!e->started) {
		sess_remove(s, e);
		return;
	}
	if (e->removed)
		return;
	e->removed = 1;
	e->removed_ms = ev->ts_ms;
	e->rm_input = ev->input_id;
	e->rm_line = ev->line_no;
	e->rm_offset = ev->offset;
	s->st.gone++;
	due_at(e);
}

/* The end of removed session e, whose end record did not come: at the
 * logout that removed it, citing that line and the one that opened it;
 * emitted after newer lines (held back here, not late). */
static void removed_end(struct bw_sessions *s, struct sess *e,
			bw_session_emit_fn emit, void *arg)
{
	bw_event out;
	open_event(e, &out, e->removed_ms, BW_KIND_SESSION_END);
	out.flags = BW_EF_HELD;
	out.action = BW_STR_LIT("session-removed");
	out.reason = BW_STR_LIT("removed; no end record followed");
	cite_line(&out, e, e->rm_input, e->rm_line, e->rm_offset);
	s->st.removed++;
	closed_note(s, e->hash, e->start_ms, e->removed_ms);
	emit(arg, &out);
	sess_remove(s, e);
}

/* End d's removed sessions whose wait for an end record is over by d's
 * clock. d goes with its last session: read nothing of it after. */
static void removed_due(struct bw_sessions *s, struct dev *d,
			bw_session_emit_fn emit, void *arg)
{
	int64_t now = d->newest;
	struct sess *next;
	for (struct sess *e = d->head; e; e = next) {
		next = e->dnext;
		if (e->removed && now - REMOVED_WAIT_MS >= e->removed_ms)
			removed_end(s, e, emit, arg);
	}
}

/* bw_sessions_event for a VPN event; out of line, so that the other
 * events, most lines of a mixed run, pay for no frame of its size. */
__attribute__((noinline))
static int vpn_event(struct bw_sessions *s, const bw_event *ev,
		     bw_session_emit_fn emit, void *arg)
{
	s->emit = emit;
	s->emit_arg = arg;
	struct dev *d = dev_find(s, ev);
	s->cur_dev = d;
	if (d && ev->ts_ms > d->newest)
		d->newest = ev->ts_ms;
	if (!session_kind(ev)) {
		if ((ev->flags & BW_EF_SESSION_GONE) && ev->session_id.n) {
			session_gone(s, ev);
			return 0;
		}
		if (ev->session_id.n)
			context_event(s, ev);
		else if (ev->kind == BW_KIND_LOGIN &&
			 ev->outcome == BW_OUTCOME_SUCCESS && ev->src_ip.family)
			login_context(s, ev);
		return 0;
	}
	char k[KEY_CAP];
	size_t n = make_key(ev, k, sizeof(k));
	if (!n) {
		s->st.untracked++;
		return 0;
	}
	uint64_t h = hash_bytes(s->seed, k, n);
	struct sess **slot = find_slot(s, k, n, h);
	struct sess *e = *slot;
	int snapshot = ev->kind == BW_KIND_SESSION_END && (ev->flags & BW_EF_SESSION_OPEN);
	if (e && e->removed && ev->kind == BW_KIND_SESSION_START) {
		/* the key starts again (its id given out anew): the removed
		 * session it held has ended */
		removed_end(s, e, emit, arg);
		e = NULL;
	}

	if (ev->kind != BW_KIND_SESSION_END || snapshot) {
		int64_t start = snapshot ? start_of(ev, ev->ts_ms) : ev->ts_ms;
		/* FortiGate may log a tunnel's last tunnel-stats after its
		 * tunnel-down: that session's, not a new one */
		if (snapshot && (!e || !e->started) && closed_has(s, h, ev, start)) {
			s->st.stale++;
			return BW_SESSIONS_STALE;
		}
		if (!e) {
			e = sess_create(s, k, n, h, ev, start, 1);
			if (!e)
				return 0; /* out of memory: pass the event on */
		} else if (!e->started) {
			e->start_ms = start; /* context came before */
			e->input_id = ev->input_id;
			e->line_no = ev->line_no;
			e->offset = ev->offset;
			e->next_age_ms = HOUR_MS;
			/* its clock is that of the device that started it
			 * (moved only if another: a device kept alive by
			 * this entry alone keeps its clock) */
			if (e->dev != d) {
				dev_detach(s, e);
				if (dev_attach(s, e, ev) < 0) {
					sess_remove(s, e);
					return 0;
				}
			}
			s->st.opened++;
			promote(s, e);
		} else {
			if (start < e->start_ms) {
				e->start_ms = start;
				due_at(e);
			}
			touch(s, e);
		}
		absorb(e, ev);
		if (snapshot) {
			if (ev->bytes_out != BW_NUM_ABSENT)
				e->bytes_out = ev->bytes_out;
			if (ev->bytes_in != BW_NUM_ABSENT)
				e->bytes_in = ev->bytes_in;
			if (e->bytes_out > 0 && e->bytes_out / GIB > e->reported_gib) {
				/* another whole GiB out: reported now, citing
				 * the statistics line and the opening one */
				e->reported_gib = e->bytes_out / GIB;
				/* and counts as the report due by now */
				int64_t age = span(e->start_ms, ev->ts_ms);
				if (age != BW_NUM_ABSENT && age >= e->next_age_ms)
					e->next_age_ms = next_report_age(age);
				bw_event out;
				open_event(e, &out, ev->ts_ms, BW_KIND_SESSION_STATUS);
				cite_line(&out, e, ev->input_id, ev->line_no,
					  ev->offset);
				s->st.reported++;
				emit(arg, &out);
			}
			return 1;
		}
		return 0;
	}

	/* a real end */
	if (!e || !e->started) {
		/* a log that begins mid-session: its statistics may still
		 * follow the end */
		s->st.unmatched++;
		closed_note(s, h, start_of(ev, BW_NUM_ABSENT), ev->ts_ms);
		if (e)
			sess_remove(s, e);
		return 0;
	}
	bw_event out = *ev;
	if (!out.user.p && e->user)
		out.user = view(e->user, e->user_n);
	if (!out.src_ip.family) {
		out.src_ip = e->src_ip;
		out.src_port = e->src_port;
	}
	if (!out.assigned_ip.family)
		out.assigned_ip = e->assigned_ip;
	if (!out.session_id.p && e->sid)
		out.session_id = view(e->sid, e->sid_n);
	if (out.duration_ms == BW_NUM_ABSENT)
		out.duration_ms = span(e->start_ms, ev->ts_ms);
	if (out.bytes_out == BW_NUM_ABSENT)
		out.bytes_out = e->bytes_out;
	if (out.bytes_in == BW_NUM_ABSENT)
		out.bytes_in = e->bytes_in;
	if (e->line_no && (e->input_id != out.input_id || e->line_no != out.line_no)) {
		out.start_input = e->input_id;
		out.start_line = e->line_no;
	}
	s->st.closed++;
	/* the start of the tunnel that ended: its own duration says it
	 * where one key holds two tunnels (FortiGate's tunnelid=0) */
	closed_note(s, h, start_of(ev, e->start_ms), ev->ts_ms);
	emit(arg, &out);
	sess_remove(s, e);
	return 1;
}

int bw_sessions_event(struct bw_sessions *s, const bw_event *ev,
		      bw_session_emit_fn emit, void *arg)
{
	return ev->source == BW_SRC_VPN ? vpn_event(s, ev, emit, arg) : 0;
}

/* Report d's sessions whose next report is due by d's clock; flags is
 * added to each report's. */
static void report_due(struct bw_sessions *s, struct dev *d, uint32_t flags,
		       bw_session_emit_fn emit, void *arg)
{
	d->last_scan = d->newest;
	d->next_due = INT64_MAX;
	for (struct sess *e = d->head; e; e = e->dnext) {
		if (e->removed) {
			due_at(e);
			continue;
		}
		int64_t age = span(e->start_ms, d->newest);
		if (age != BW_NUM_ABSENT && age >= e->next_age_ms) {
			bw_event out;
			open_event(e, &out, d->newest, BW_KIND_SESSION_STATUS);
			out.flags |= flags;
			e->next_age_ms = next_report_age(age);
			s->st.reported++;
			emit(arg, &out);
		}
		due_at(e);
	}
}

void bw_sessions_tick(struct bw_sessions *s, const bw_event *ev,
		      bw_session_emit_fn emit, void *arg)
{
	if (ev->source != BW_SRC_VPN)
		return;
	/* the device bw_sessions_event found or made for ev, unless its
	 * last session went with ev */
	struct dev *d = s->cur_dev;
	if (!d || d->newest < d->next_due)
		return;
	if (d->last_scan != INT64_MIN && d->newest - d->last_scan < STATUS_SCAN_MS)
		return;
	removed_due(s, d, emit, arg);
	/* the device goes with its last session */
	if ((d = s->cur_dev) != NULL)
		report_due(s, d, 0, emit, arg);
}

void bw_sessions_finish(struct bw_sessions *s, bw_session_emit_fn emit,
			void *arg)
{
	while (s->pending.tail) {
		s->st.abandoned++;
		sess_remove(s, s->pending.tail);
	}
	/* removed sessions whose end record did not come end when they
	 * were removed */
	struct sess *prev;
	for (struct sess *e = s->live.tail; e; e = prev) {
		prev = e->prev;
		if (e->removed)
			removed_end(s, e, emit, arg);
	}
	/* a last look, without the minute's wait: the reports due by each
	 * device's clock (devices in the order of their sessions' activity,
	 * so the output depends on the log alone). What goes out now is
	 * stamped with its device's time, which may be older than other
	 * devices' lines: held back by this stage, not late. */
	for (struct sess *e = s->live.tail; e; e = e->prev)
		if (e->dev && e->dev->newest >= e->dev->next_due)
			report_due(s, e->dev, BW_EF_HELD, emit, arg);
	while (s->live.tail) {
		struct sess *e = s->live.tail;
		bw_event out;
		/* its device logged until then without its end: it was open
		 * at least that long */
		int64_t until = e->dev && e->dev->newest > e->last_ms ?
					e->dev->newest : e->last_ms;
		open_event(e, &out, until, BW_KIND_SESSION_END);
		out.flags |= BW_EF_HELD;
		s->st.flushed++;
		emit(arg, &out);
		sess_remove(s, e);
	}
}

int bw_sessions_enrich(struct bw_sessions *s, bw_event *ev)
{
	if (ev->source != BW_SRC_VPN || !ev->session_id.n ||
	    (ev->user.p && ev->src_ip.family))
		return 0;
	char k[KEY_CAP];
	size_t n = make_key(ev, k, sizeof(k));
	if (!n)
		return 0;
	struct sess *e = *find_slot(s, k, n, hash_bytes(s->seed, k, n));
	if (!e)
		return 0;
	int filled = 0;
	if (!ev->user.p && e->user) {
		ev->user = view(e->user, e->user_n);
		filled = 1;
	}
	if (!ev->src_ip.family && e->src_ip.family) {
		ev->src_ip = e->src_ip;
		ev->src_port = e->src_port;
		filled = 1;
	}
	s->st.enriched += (uint64_t)filled;
	return filled;
}

void bw_sessions_get_stats(const struct bw_sessions *s,
			   struct bw_sessions_stats *out)
{
	*out = s->st;
	out->active = s->live.n;
}
