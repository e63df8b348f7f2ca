/*
 * auth_windows.c - Windows Security log events as JSON lines, in the
 * shapes people export them:
 *
 *   Winlogbeat / ECS  {"@timestamp":..., "winlog":{"event_id":4624,
 *                      "computer_name":..., "event_data":{...}}, ...}
 *   EVTX to JSON      {"Event":{"System":{"EventID":4624 | "4624" |
 *                      {"#text":"4624"}, "TimeCreated":{"#attributes":
 *                      {"SystemTime":...}} | {"@SystemTime":...},
 *                      "Computer":...}, "EventData":{"TargetUserName":...}
 *                      | {"Data":[{"@Name":"TargetUserName","#text":...}]}}}
 *                      (evtx_dump, python-evtx + xmltodict)
 *   flat (NXLog)      {"EventID":4624, "EventTime":..., "Hostname":...,
 *                      "TargetUserName":...}
 *
 * Events modelled: 4624 logon (logon type as auth_method; the null
 * session, NT AUTHORITY service accounts and machine accounts are kind
 * other: not a person signing in; a "$" account only over the network),
 * 4625 failed
 * logon (Status/SubStatus as reason), 4634/4647 logoff, 4648 explicit
 * credentials, 4672 special privileges, 4740 lockout, 4768 Kerberos TGT,
 * 4771 Kerberos pre-auth failure, 4776 NTLM validation. Other event ids
 * are IGNORED. IpAddress "-" (and loopback) is the local machine:
 * src_host "local". User names are TargetDomainName\TargetUserName as
 * user/user_domain; identity mapping happens in the analyzer.
 *
 * Two readers fill one record (struct win_rec) that one function turns
 * into the event: a structural walk (bw_json_walk) that takes the wanted
 * values' spans and unescapes them in place, with no allocation, for the
 * common shapes; and Jansson, for the rest (python-evtx's Data arrays,
 * escaped keys) and for reporting broken JSON. Domain controllers log
 * millions of 4624/4634 events, so the walk matters.
 */
#include "parser.h"
#include "auth_json.h"
#include "bw_time.h"
#include "bw_util.h"

#include <string.h>


/* The EventData fields the events use. */
enum wf {
	WF_TARGET_USER, WF_TARGET_DOMAIN, WF_SUBJECT_USER, WF_SUBJECT_DOMAIN,
	WF_LOGON_TYPE, WF_IP, WF_PORT, WF_WORKSTATION_NAME, WF_WORKSTATION,
	WF_TARGET_LOGON_ID, WF_SUBJECT_LOGON_ID, WF_STATUS, WF_SUBSTATUS, WF__N
};
static const char *const wf_names[WF__N] = {
	"TargetUserName", "TargetDomainName", "SubjectUserName", "SubjectDomainName",
	"LogonType", "IpAddress", "IpPort", "WorkstationName", "Workstation",
	"TargetLogonId", "SubjectLogonId", "Status", "SubStatus",
};

/* One event's values as text views (absent = not logged). */
struct win_rec {
	int has_id;
	int64_t id;
	bw_str time;
	int time_local;   /* NXLog EventTime: no zone, use --tz */
	bw_str host;
	bw_str f[WF__N];
	bw_str ecs_ip, ecs_port; /* Winlogbeat moves IpAddress/IpPort here */
};

static int wf_lookup(bw_str key)
{
	for (int i = 0; i < WF__N; i++)
		if (strlen(wf_names[i]) == key.n && memcmp(wf_names[i], key.p, key.n) == 0)
			return i;
	return -1;
}

/* A decimal or 0x-hex integer in a view. @return 1 and *v. */
static int view_int(bw_str s, int64_t *v)
{
	if (!s.p || !s.n)
		return 0;
	uint64_t x = 0;
	if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) {
		if (!bw_parse_hex(s.p, s.n, &x))
			return 0;
		*v = (int64_t)x;
		return 1;
	}
	if (bw_parse_u64(s.p, s.p + s.n, &x) != s.n || x > INT64_MAX)
		return 0;
	*v = (int64_t)x;
	return 1;
}

/* A field's text, with Windows' "-" placeholder as absent. */
static bw_str fstr(const struct win_rec *r, enum wf f)
{
	bw_str v = r->f[f];
	if (!v.p || v.n == 0 || (v.n == 1 && v.p[0] == '-'))
		return BW_STR_NULL;
	return v;
}

static void set_addr(const struct win_rec *r, bw_event *ev)
{
	bw_str ip = r->f[WF_IP], port = r->f[WF_PORT];
	if (!ip.p) {
		ip = r->ecs_ip;
		port = r->ecs_port;
	}
	if (!ip.p)
		return; /* not logged: unknown, not local */
	if (ip.n == 0 || (ip.n == 1 && ip.p[0] == '-')) {
		ev->src_host = BW_STR_LIT("local");
		return;
	}
	if (!bw_ip_parse(ip.p, ip.n, &ev->src_ip)) {
		memset(&ev->src_ip, 0, sizeof(ev->src_ip));
		ev->src_host = ip;
		return;
	}
	static const uint8_t v4lo[4] = { 127, 0, 0, 1 };
	static const uint8_t v6lo[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	if ((ev->src_ip.family == 4 && memcmp(ev->src_ip.addr + 12, v4lo, 4) == 0) ||
	    (ev->src_ip.family == 6 && memcmp(ev->src_ip.addr, v6lo, 16) == 0))
		ev->src_host = BW_STR_LIT("local");
	int64_t pv;
	if (view_int(port, &pv) && pv > 0 && pv < 65536)
		ev->src_port = (uint16_t)pv;
}

static void set_user(const struct win_rec *r, bw_event *ev, enum wf user, int dom)
{
	ev->user = fstr(r, user);
	if (dom >= 0)
		ev->user_domain = fstr(r, (enum wf)dom);
}

static const char *logon_type_name(int64_t t)
{
	switch (t) {
	case 2: return "interactive";
	case 3: return "network";
	case 4: return "batch";
	case 5: return "service";
	case 7: return "unlock";
	case 8: return "network_cleartext";
	case 9: return "new_credentials";
	case 10: return "remote_interactive";
	case 11: return "cached_interactive";
	case 12: return "cached_remote_interactive";
	case 13: return "cached_unlock";
	}
	return NULL;
}

/* NTSTATUS of a failed logon -> short reason. */
static const char *ntstatus_reason(int64_t st)
{
	switch ((uint32_t)st) {
	case 0xC0000064: return "unknown_user";
	case 0xC000006A: return "bad_password";
	case 0xC000006D: return "bad_credentials";
	case 0xC000006E: return "account_restriction";
	case 0xC000006F: return "time_restriction";
	case 0xC0000070: return "workstation_restriction";
	case 0xC0000071: return "password_expired";
	case 0xC0000072: return "account_disabled";
	case 0xC0000133: return "clock_skew";
	case 0xC000015B: return "logon_type_not_granted";
	case 0xC0000192: return "netlogon_not_started";
	case 0xC0000193: return "account_expired";
	case 0xC0000224: return "must_change_password";
	case 0xC0000234: return "account_locked";
	case 0xC0000413: return "auth_firewall";
	case 0xC000005E: return "no_logon_servers";
	}
	return "logon_failure";
}

/* Kerberos result code (4768/4771) -> reason; NULL for success. */
static const char *kerberos_reason(int64_t st)
{
	switch (st) {
	case 0x0: return NULL;
	case 0x6: return "unknown_user";
	case 0x12: return "account_disabled_or_locked";
	case 0x17: return "password_expired";
	case 0x18: return "bad_password";
	case 0x25: return "clock_skew";
	}
	return "kerberos_error";
}

static void set_reason(bw_event *ev, const char *r)
{
	ev->reason = bw_str_make(r, strlen(r));
}

/* The event time: ECS @timestamp, EVTX TimeCreated, NXLog EventTime. */

static void set_logon_type(const struct win_rec *r, bw_event *ev)
{
	int64_t t;
	if (view_int(r->f[WF_LOGON_TYPE], &t)) {
		const char *name = logon_type_name(t);
		if (name)
			ev->auth_method = bw_str_make(name, strlen(name));
	}
}

/* A 4624 of an account that is no person signing in: the null session
 * (ANONYMOUS LOGON, which scanners open after their failed guesses), the
 * service accounts of NT AUTHORITY and the desktop/font-driver ones, and
 * machine accounts (WS017$). @return its reason, NULL for a person. */
static const char *not_a_person(bw_str user, bw_str dom, int64_t logon_type)
{
	if (!user.n)
		return NULL;
	if (bw_str_ieq(user, "ANONYMOUS LOGON"))
		return "anonymous";
	if (bw_str_ieq(dom, "NT AUTHORITY") || bw_str_ieq(dom, "Window Manager") ||
	    bw_str_ieq(dom, "Font Driver Host"))
		return "service_account";
	/* a computer authenticates over the network; an account named
	 * "x$" signing in at the console or over RDP is a person (a
	 * hidden account is an old trick) */
	if (user.p[user.n - 1] == '$' && logon_type == 3)
		return "machine_account";
	return NULL;
}

/* Turn a filled record into the event. @return OK or IGNORED. */
static enum bw_parse_rc win_build(struct bw_parse_ctx *ctx, const struct win_rec *r,
				  bw_event *ev)
{
	int64_t st = 0, sub = 0;
	switch (r->id) {
	case 4624:
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("4624");
		set_user(r, ev, WF_TARGET_USER, WF_TARGET_DOMAIN);
		set_logon_type(r, ev);
		set_addr(r, ev);
		ev->session_id = fstr(r, WF_TARGET_LOGON_ID);
		if (!ev->src_ip.family && !bw_str_present(ev->src_host))
			ev->src_host = fstr(r, WF_WORKSTATION_NAME);
		{
			int64_t lt = 0;
			view_int(r->f[WF_LOGON_TYPE], &lt);
			const char *np = not_a_person(ev->user, ev->user_domain, lt);
			if (np) {
				ev->kind = BW_KIND_OTHER;
				set_reason(ev, np);
			}
		}
		break;
	case 4625:
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("4625");
		set_user(r, ev, WF_TARGET_USER, WF_TARGET_DOMAIN);
		set_logon_type(r, ev);
		set_addr(r, ev);
		view_int(r->f[WF_STATUS], &st);
		view_int(r->f[WF_SUBSTATUS], &sub);
		if (((uint32_t)st == 0xC000006D || (uint32_t)st == 0xC000006E) && sub != 0)
			st = sub;
		set_reason(ev, ntstatus_reason(st));
		/* the client's name beside its address: the DC's 4776 for
		 * the same attempt names only it (analyzer/authpair.c) */
		if (!ev->src_host.p) {
			bw_str ws = fstr(r, WF_WORKSTATION_NAME);
			if (bw_str_present(ws))
				ev->src_host = ws;
		}
		break;
	case 4634:
	case 4647:
		ev->kind = BW_KIND_LOGOUT;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = r->id == 4634 ? BW_STR_LIT("4634") : BW_STR_LIT("4647");
		set_user(r, ev, WF_TARGET_USER, WF_TARGET_DOMAIN);
		set_logon_type(r, ev);
		ev->session_id = fstr(r, WF_TARGET_LOGON_ID);
		break;
	case 4648:
		ev->kind = BW_KIND_LOGIN;
		ev->action = BW_STR_LIT("4648");
		ev->auth_method = BW_STR_LIT("explicit_credentials");
		set_user(r, ev, WF_SUBJECT_USER, WF_SUBJECT_DOMAIN);
		ev->target_user = fstr(r, WF_TARGET_USER);
		set_addr(r, ev);
		break;
	case 4672:
		ev->kind = BW_KIND_PRIVILEGE;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("4672");
		set_user(r, ev, WF_SUBJECT_USER, WF_SUBJECT_DOMAIN);
		ev->session_id = fstr(r, WF_SUBJECT_LOGON_ID);
		break;
	case 4740:
		ev->kind = BW_KIND_LOCKOUT;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("4740");
		ev->reason = BW_STR_LIT("account_locked");
		ev->user = fstr(r, WF_TARGET_USER);
		/* In 4740 TargetDomainName is the caller computer. */
		ev->src_host = fstr(r, WF_TARGET_DOMAIN);
		break;
	case 4768:
	case 4771: {
		ev->kind = BW_KIND_LOGIN;
		ev->action = r->id == 4768 ? BW_STR_LIT("4768") : BW_STR_LIT("4771");
		ev->auth_method = BW_STR_LIT("kerberos");
		set_user(r, ev, WF_TARGET_USER, r->id == 4768 ? WF_TARGET_DOMAIN : -1);
		set_addr(r, ev);
		if (!view_int(r->f[WF_STATUS], &st))
			st = r->id == 4771 ? 0x18 : 0;
		const char *why = kerberos_reason(st);
		if (r->id == 4771 && !why)
			why = "bad_password";
		ev->outcome = why ? BW_OUTCOME_FAILURE : BW_OUTCOME_SUCCESS;
		if (why)
			set_reason(ev, why);
		break;
	}
	case 4776:
		ev->kind = BW_KIND_LOGIN;
		ev->action = BW_STR_LIT("4776");
		ev->auth_method = BW_STR_LIT("ntlm");
		ev->user = fstr(r, WF_TARGET_USER);
		ev->src_host = fstr(r, WF_WORKSTATION);
		view_int(r->f[WF_STATUS], &st);
		ev->outcome = st == 0 ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
		if (st)
			set_reason(ev, ntstatus_reason(st));
		break;
	default:
		ctx->reason = "windows: event id not modelled";
		return BW_PARSE_IGNORED;
	}
	if (r->host.p && r->host.n)
		ev->host = r->host;
	ev->program = BW_STR_LIT("security");
	return BW_PARSE_OK;
}

/* ------------------------------------------------------------------ */
/* Reader 1: the structural walk.                                      */

struct walk {
	struct win_rec *r;
	bw_str code;        /* ECS event.code, used when winlog.event_id is absent */
	bw_str id;          /* the event id's text */
	bw_str host2;       /* host.name */
	int shape;          /* 0 unknown, 'w' winlogbeat, 'e' evtx, 'f' flat */
	int need_jansson;   /* a shape only Jansson reads (Data arrays) */
};

static int key_is(bw_str k, const char *lit)
{
	size_t n = strlen(lit);
	return k.p && k.n == n && memcmp(k.p, lit, n) == 0;
}

static void walk_fn(void *ud, const bw_str *path, int depth, bw_str v, int type)
{
	struct walk *w = ud;
	struct win_rec *r = w->r;
	if (type != 's' && type != 'n') {
		return;
	}
	bw_str k0 = path[0];
	if (depth == 1 && k0.n && memchr(k0.p, '.', k0.n)) {
		/* flattened ECS ("winlog.event_data.TargetUserName"): the
		 * same value as its nested spelling */
		bw_str sp[BW_JWALK_DEPTH];
		int d = 0;
		const char *p = k0.p, *end = k0.p + k0.n;
		while (p <= end && d < BW_JWALK_DEPTH) {
			const char *dot = memchr(p, '.', (size_t)(end - p));
			const char *e = dot ? dot : end;
			sp[d++] = bw_str_make(p, (size_t)(e - p));
			p = e + 1;
		}
		if (d > 1) {
			walk_fn(ud, sp, d, v, type);
			return;
		}
	}
	if (depth == 1) {
		if (key_is(k0, "@timestamp")) {
			r->time = v;
		} else if (key_is(k0, "EventID")) {
			w->id = v;
			w->shape = w->shape ? w->shape : 'f';
		} else if (key_is(k0, "EventTime")) {
			if (!r->time.p) {
				r->time = v;
				r->time_local = 1;
			}
		} else if (key_is(k0, "Hostname") || key_is(k0, "Computer")) {
			w->host2 = v;
		} else {
			int f = wf_lookup(k0);
			if (f >= 0)
				r->f[f] = v; /* flat shape */
		}
		return;
	}
	bw_str k1 = path[1];
	if (key_is(k0, "winlog")) {
		w->shape = 'w';
		if (depth == 2 && key_is(k1, "event_id"))
			w->id = v;
		else if (depth == 2 && key_is(k1, "computer_name"))
			r->host = v;
		else if (depth == 3 && key_is(k1, "event_data")) {
			int f = wf_lookup(path[2]);
			if (f >= 0)
				r->f[f] = v;
		}
	} else if (depth == 2 && key_is(k0, "event") && key_is(k1, "code")) {
		w->code = v;
	} else if (depth == 2 && key_is(k0, "host") && key_is(k1, "name")) {
		w->host2 = v;
	} else if (depth == 2 && key_is(k0, "source")) {
		if (key_is(k1, "ip"))
			r->ecs_ip = v;
		else if (key_is(k1, "port"))
			r->ecs_port = v;
	} else if (key_is(k0, "Event")) {
		w->shape = 'e';
		if (key_is(k1, "System")) {
			bw_str k2 = depth > 2 ? path[2] : BW_STR_NULL;
			if (key_is(k2, "EventID") &&
			    (depth == 3 || (depth == 4 && key_is(path[3], "#text"))))
				w->id = v;
			else if (depth == 3 && key_is(k2, "Computer"))
				r->host = v;
			else if (key_is(k2, "TimeCreated") &&
				 ((depth == 4 && (key_is(path[3], "@SystemTime") ||
						  key_is(path[3], "SystemTime"))) ||
				  (depth == 5 && key_is(path[4], "SystemTime"))))
				r->time = v;
			else if (depth == 4 && key_is(k2, "TimeCreated_attributes") &&
				 key_is(path[3], "SystemTime"))
				r->time = v; /* evtx-rs, Chainsaw, Hayabusa */
		} else if (key_is(k1, "EventData") && depth >= 3) {
			if (depth == 3) {
				int f = wf_lookup(path[2]);
				if (f >= 0)
					r->f[f] = v;
			} else {
				w->need_jansson = 1; /* {"Data":[{"@Name":..}]} */
			}
		}
	}
}

/* @return 1 with r filled (strings decoded in place), 0 to use Jansson,
 * -1 on a bad escape (ctx->reason set). */
static int win_walk(struct bw_parse_ctx *ctx, char *line, size_t n, struct win_rec *r)
{
	struct walk w = { .r = r };
	if (!bw_json_walk(line, n, walk_fn, &w) || w.need_jansson)
		return 0;
	bw_str id = w.id.p ? w.id : w.code;
	if (!view_int(id, &r->id))
		return 0;
	r->has_id = 1;
	if (!r->host.p)
		r->host = w.host2;
	/* Decode the kept strings in place; every view is a distinct value. */
	bw_str *keep[WF__N + 4];
	size_t nk = 0;
	keep[nk++] = &r->time;
	keep[nk++] = &r->host;
	keep[nk++] = &r->ecs_ip;
	keep[nk++] = &r->ecs_port;
	for (int i = 0; i < WF__N; i++)
		keep[nk++] = &r->f[i];
	for (size_t i = 0; i < nk; i++) {
		bw_str *v = keep[i];
		if (!v->p || !memchr(v->p, '\\', v->n))
			continue;
		size_t k = bw_json_unescape_inplace(line + (v->p - line), v->n);
		if (k == (size_t)-1) {
			ctx->reason = "windows: bad string escape";
			return -1;
		}
		v->n = k;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Reader 2: Jansson, for every other shape.                           */

struct jctx {
	const json_t *data, *list, *root;
	struct bw_jpack pk;
};

static const json_t *jfield(const struct jctx *j, const char *name)
{
	if (j->data) {
		const json_t *v = json_object_get(j->data, name);
		if (v)
			return v;
	}
	if (j->list) {
		size_t i;
		const json_t *it;
		json_array_foreach(j->list, i, it) {
			const json_t *nm = json_object_get(it, "@Name");
			if (!nm)
				nm = json_object_get(it, "Name");
			if (nm && json_is_string(nm) && strcmp(json_string_value(nm), name) == 0) {
				const json_t *t = json_object_get(it, "#text");
				return t ? t : json_object_get(it, "text");
			}
		}
	}
	if (j->root)
		return json_object_get(j->root, name);
	return NULL;
}

/* The event time: ECS @timestamp, EVTX TimeCreated, NXLog EventTime. */
static const json_t *jtime(const json_t *root, const json_t *sys, int *local)
{
	const json_t *t = json_object_get(root, "@timestamp");
	*local = 0;
	if (!t && sys) {
		const json_t *tc = json_object_get(sys, "TimeCreated");
		t = bw_json_get(tc, "#attributes.SystemTime");
		if (!t)
			t = json_object_get(tc, "@SystemTime");
		if (!t)
			t = json_object_get(tc, "SystemTime");
		if (!t && json_is_string(tc) && *json_string_value(tc))
			t = tc;
		if (!t) /* evtx-rs, Chainsaw, Hayabusa */
			t = bw_json_get(sys, "TimeCreated_attributes.SystemTime");
	}
	if (!t) {
		t = json_object_get(root, "EventTime");
		*local = t != NULL;
	}
	return t;
}

/* @return OK with r filled, or MALFORMED / IGNORED (ctx->reason). */
static enum bw_parse_rc win_jansson(struct bw_parse_ctx *ctx, char *line, size_t n,
				    struct win_rec *r, bw_event *ev)
{
	json_t *root;
	enum bw_parse_rc rc = bw_json_line(ctx, line, n, &root);
	if (rc != BW_PARSE_OK)
		return rc;
	struct jctx j = { 0 };
	bw_jpack_init(&j.pk, line, n);
	const json_t *sys = NULL, *idv = NULL, *host = NULL, *ecs = NULL;
	const json_t *evt = json_object_get(root, "Event");
	if (json_object_get(root, "winlog") || json_object_get(root, "winlog.event_id")) {
		idv = bw_json_get(root, "winlog.event_id");
		if (!idv)
			idv = bw_json_get(root, "event.code");
		j.data = bw_json_get(root, "winlog.event_data");
		ecs = root;
		host = bw_json_get(root, "winlog.computer_name");
		if (!host)
			host = bw_json_get(root, "host.name");
	} else if (evt) {
		sys = json_object_get(evt, "System");
		idv = json_object_get(sys, "EventID");
		if (json_is_object(idv)) {
			const json_t *t = json_object_get(idv, "#text");
			idv = t ? t : json_object_get(idv, "Value");
		}
		host = json_object_get(sys, "Computer");
		const json_t *ed = json_object_get(evt, "EventData");
		const json_t *data = json_object_get(ed, "Data");
		if (json_is_array(data))
			j.list = data;
		else
			j.data = ed;
	} else if ((idv = json_object_get(root, "EventID")) != NULL) {
		j.root = root;
		host = json_object_get(root, "Hostname");
		if (!host)
			host = json_object_get(root, "Computer");
	}
	if (!bw_json_int(idv, &r->id)) {
		ctx->reason = "windows: no event id";
		rc = BW_PARSE_MALFORMED;
		goto out;
	}
	r->has_id = 1;
	r->time = bw_jpack_str(&j.pk, jtime(root, sys, &r->time_local));
	r->host = bw_jpack_str(&j.pk, host);
	for (int i = 0; i < WF__N; i++)
		r->f[i] = bw_jpack_str(&j.pk, jfield(&j, wf_names[i]));
	if (ecs) {
		r->ecs_ip = bw_jpack_str(&j.pk, bw_json_get(ecs, "source.ip"));
		r->ecs_port = bw_jpack_str(&j.pk, bw_json_get(ecs, "source.port"));
	}
	rc = BW_PARSE_OK;
out:
	bw_jpack_finish(&j.pk, ev);
	json_decref(root);
	return rc;
}

static enum bw_parse_rc windows_parse(struct bw_parse_ctx *ctx, char *line, size_t n,
				      bw_event *ev)
{
	struct win_rec r;
	memset(&r, 0, sizeof(r));
	ev->source = BW_SRC_AUTH;
	ev->format = "windows";
	int w = win_walk(ctx, line, n, &r);
	if (w < 0)
		return BW_PARSE_MALFORMED;
	if (w == 0) {
		memset(&r, 0, sizeof(r));
		enum bw_parse_rc rc = win_jansson(ctx, line, n, &r, ev);
		if (rc != BW_PARSE_OK)
			return rc;
	}
	if (!r.time.p ||
	    !bw_time_parse_iso(r.time.p, r.time.n, r.time_local ? ctx->tz : NULL, &ev->ts_ms)) {
		ctx->reason = "windows: no or bad event time";
		return BW_PARSE_MALFORMED;
	}
	return win_build(ctx, &r, ev);
}

static int windows_sniff(const char *line, size_t n)
{
	if (bw_json_sniff_key(line, n, "\"winlog\"") || bw_json_sniff_key(line, n, "\"winlog.event_id\""))
		return 95;
	if (bw_json_sniff_key(line, n, "\"EventID\""))
		return bw_json_sniff_key(line, n, "\"System\"") ||
		       bw_json_sniff_key(line, n, "UserName\"") ? 90 : 50;
	return 0;
}

const struct bw_parser bw_parser_windows = {
	"windows",
	"Windows Security events as JSON lines (Winlogbeat/ECS, EVTX-to-JSON, NXLog)",
	BW_SRC_AUTH, windows_sniff, windows_parse, 0, NULL, NULL,
};
