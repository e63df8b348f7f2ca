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
 * Events modelled: 4624 logon (logon type as auth_method), 4625 failed
 * logon (Status/SubStatus as reason), 4634/4647 logoff, 4648 explicit
 * credentials, 4672 special privileges, 4740 lockout, 4768 Kerberos TGT,
 * 4771 Kerberos pre-auth failure, 4776 NTLM validation. Other event ids
 * are IGNORED. IpAddress "-" (and loopback) is the local machine:
 * src_host "local". User names are TargetDomainName\TargetUserName as
 * user/user_domain; identity mapping happens in the analyzer.
 */
#include "parser.h"
#include "auth_json.h"
#include "bw_time.h"
#include "bw_util.h"

#include <string.h>

struct win_ctx {
	const json_t *data;   /* EventData object, or NULL */
	const json_t *list;   /* EventData.Data array of {@Name, #text} */
	const json_t *root;   /* flat shape: fields at the top */
	const json_t *ecs;    /* Winlogbeat document (source.ip lives here) */
	struct bw_jpack pk;
};

static const json_t *field(const struct win_ctx *w, const char *name)
{
	if (w->data) {
		const json_t *v = json_object_get(w->data, name);
		if (v)
			return v;
	}
	if (w->list) {
		size_t i;
		const json_t *it;
		json_array_foreach(w->list, i, it) {
			const json_t *nm = json_object_get(it, "@Name");
			if (!nm)
				nm = json_object_get(it, "Name");
			if (nm && json_is_string(nm) && strcmp(json_string_value(nm), name) == 0) {
				const json_t *t = json_object_get(it, "#text");
				return t ? t : json_object_get(it, "text");
			}
		}
	}
	if (w->root)
		return json_object_get(w->root, name);
	return NULL;
}

/* A field's text, with Windows' "-" placeholder as absent. */
static bw_str fstr(struct win_ctx *w, const char *name)
{
	const json_t *v = field(w, name);
	if (!v || (json_is_string(v) && (json_string_length(v) == 0 ||
					 strcmp(json_string_value(v), "-") == 0)))
		return BW_STR_NULL;
	return bw_jpack_str(&w->pk, v);
}

static void set_addr(struct win_ctx *w, bw_event *ev)
{
	const json_t *ip = field(w, "IpAddress");
	const json_t *port_v = field(w, "IpPort");
	if (!ip && w->ecs) {
		/* Winlogbeat's ingest moves IpAddress/IpPort to ECS source.* */
		ip = bw_json_get(w->ecs, "source.ip");
		port_v = bw_json_get(w->ecs, "source.port");
	}
	if (!ip || !json_is_string(ip))
		return; /* not logged: unknown, not local */
	const char *s = json_string_value(ip);
	if (!*s || strcmp(s, "-") == 0) {
		ev->src_host = BW_STR_LIT("local");
		return;
	}
	if (!bw_ip_parse(s, json_string_length(ip), &ev->src_ip)) {
		memset(&ev->src_ip, 0, sizeof(ev->src_ip));
		ev->src_host = bw_jpack_str(&w->pk, ip);
		return;
	}
	static const uint8_t v4lo[4] = { 127, 0, 0, 1 };
	static const uint8_t v6lo[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	if ((ev->src_ip.family == 4 && memcmp(ev->src_ip.addr + 12, v4lo, 4) == 0) ||
	    (ev->src_ip.family == 6 && memcmp(ev->src_ip.addr, v6lo, 16) == 0))
		ev->src_host = BW_STR_LIT("local");
	int64_t port;
	if (bw_json_int(port_v, &port) && port > 0 && port < 65536)
		ev->src_port = (uint16_t)port;
}

static void set_user(struct win_ctx *w, bw_event *ev, const char *user, const char *dom)
{
	ev->user = fstr(w, user);
	if (dom)
		ev->user_domain = fstr(w, dom);
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

static void set_logon_type(struct win_ctx *w, bw_event *ev)
{
	int64_t t;
	if (bw_json_int(field(w, "LogonType"), &t)) {
		const char *name = logon_type_name(t);
		if (name)
			ev->auth_method = bw_str_make(name, strlen(name));
	}
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
static int event_time(struct bw_parse_ctx *ctx, const json_t *root, const json_t *sys,
		      int64_t *ms)
{
	const json_t *t = json_object_get(root, "@timestamp");
	const struct bw_tz *tz = NULL; /* stamps carry Z; NXLog's do not */
	if (!t && sys) {
		const json_t *tc = json_object_get(sys, "TimeCreated");
		t = bw_json_get(tc, "#attributes.SystemTime");
		if (!t)
			t = json_object_get(tc, "@SystemTime");
		if (!t)
			t = json_object_get(tc, "SystemTime");
		if (!t && json_is_string(tc))
			t = tc;
	}
	if (!t) {
		t = json_object_get(root, "EventTime");
		tz = ctx->tz;
	}
	if (!t)
		t = json_object_get(root, "TimeCreated");
	if (!t || !json_is_string(t))
		return 0;
	return bw_time_parse_iso(json_string_value(t), json_string_length(t), tz, ms) != 0;
}

static enum bw_parse_rc windows_parse(struct bw_parse_ctx *ctx, char *line, size_t n,
				      bw_event *ev)
{
	json_t *root;
	enum bw_parse_rc rc = bw_json_line(ctx, line, n, &root);
	if (rc != BW_PARSE_OK) {
		if (rc == BW_PARSE_NOT_MINE) {
			ctx->reason = "not a JSON object";
			rc = BW_PARSE_MALFORMED;
		}
		return rc;
	}
	ev->source = BW_SRC_AUTH;
	ev->format = "windows";

	struct win_ctx w = { 0 };
	bw_jpack_init(&w.pk, line, n);
	const json_t *sys = NULL, *idv = NULL, *host = NULL;
	const json_t *winlog = json_object_get(root, "winlog");
	const json_t *evt = json_object_get(root, "Event");
	if (winlog || json_object_get(root, "winlog.event_id")) {
		idv = bw_json_get(root, "winlog.event_id");
		if (!idv)
			idv = bw_json_get(root, "event.code");
		w.data = bw_json_get(root, "winlog.event_data");
		w.ecs = root;
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
			w.list = data;
		else
			w.data = ed;
	} else if ((idv = json_object_get(root, "EventID")) != NULL) {
		w.root = root;
		host = json_object_get(root, "Hostname");
		if (!host)
			host = json_object_get(root, "Computer");
	}
	int64_t id;
	if (!bw_json_int(idv, &id)) {
		ctx->reason = "windows: no event id";
		rc = BW_PARSE_MALFORMED;
		goto out;
	}
	if (!event_time(ctx, root, sys, &ev->ts_ms)) {
		ctx->reason = "windows: no or bad event time";
		rc = BW_PARSE_MALFORMED;
		goto out;
	}

	int64_t st = 0, sub = 0;
	rc = BW_PARSE_OK;
	switch (id) {
	case 4624:
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("4624");
		set_user(&w, ev, "TargetUserName", "TargetDomainName");
		set_logon_type(&w, ev);
		set_addr(&w, ev);
		ev->session_id = fstr(&w, "TargetLogonId");
		if (!ev->src_ip.family && !bw_str_present(ev->src_host))
			ev->src_host = fstr(&w, "WorkstationName");
		break;
	case 4625:
		ev->kind = BW_KIND_LOGIN;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("4625");
		set_user(&w, ev, "TargetUserName", "TargetDomainName");
		set_logon_type(&w, ev);
		set_addr(&w, ev);
		bw_json_int(field(&w, "Status"), &st);
		bw_json_int(field(&w, "SubStatus"), &sub);
		if (((uint32_t)st == 0xC000006D || (uint32_t)st == 0xC000006E) && sub != 0)
			st = sub;
		set_reason(ev, ntstatus_reason(st));
		break;
	case 4634:
	case 4647:
		ev->kind = BW_KIND_LOGOUT;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = id == 4634 ? BW_STR_LIT("4634") : BW_STR_LIT("4647");
		set_user(&w, ev, "TargetUserName", "TargetDomainName");
		set_logon_type(&w, ev);
		ev->session_id = fstr(&w, "TargetLogonId");
		break;
	case 4648:
		ev->kind = BW_KIND_LOGIN;
		ev->action = BW_STR_LIT("4648");
		ev->auth_method = BW_STR_LIT("explicit_credentials");
		set_user(&w, ev, "SubjectUserName", "SubjectDomainName");
		ev->target_user = fstr(&w, "TargetUserName");
		set_addr(&w, ev);
		break;
	case 4672:
		ev->kind = BW_KIND_PRIVILEGE;
		ev->outcome = BW_OUTCOME_SUCCESS;
		ev->action = BW_STR_LIT("4672");
		set_user(&w, ev, "SubjectUserName", "SubjectDomainName");
		ev->session_id = fstr(&w, "SubjectLogonId");
		break;
	case 4740:
		ev->kind = BW_KIND_LOCKOUT;
		ev->outcome = BW_OUTCOME_FAILURE;
		ev->action = BW_STR_LIT("4740");
		ev->reason = BW_STR_LIT("account_locked");
		ev->user = fstr(&w, "TargetUserName");
		/* In 4740 TargetDomainName is the caller computer. */
		ev->src_host = fstr(&w, "TargetDomainName");
		break;
	case 4768:
	case 4771: {
		ev->kind = BW_KIND_LOGIN;
		ev->action = id == 4768 ? BW_STR_LIT("4768") : BW_STR_LIT("4771");
		ev->auth_method = BW_STR_LIT("kerberos");
		set_user(&w, ev, "TargetUserName", id == 4768 ? "TargetDomainName" : NULL);
		set_addr(&w, ev);
		if (!bw_json_int(field(&w, "Status"), &st))
			st = id == 4771 ? 0x18 : 0;
		const char *r = kerberos_reason(st);
		if (id == 4771 && !r)
			r = "bad_password";
		ev->outcome = r ? BW_OUTCOME_FAILURE : BW_OUTCOME_SUCCESS;
		if (r)
			set_reason(ev, r);
		break;
	}
	case 4776:
		ev->kind = BW_KIND_LOGIN;
		ev->action = BW_STR_LIT("4776");
		ev->auth_method = BW_STR_LIT("ntlm");
		ev->user = fstr(&w, "TargetUserName");
		ev->src_host = fstr(&w, "Workstation");
		bw_json_int(field(&w, "Status"), &st);
		ev->outcome = st == 0 ? BW_OUTCOME_SUCCESS : BW_OUTCOME_FAILURE;
		if (st)
			set_reason(ev, ntstatus_reason(st));
		break;
	default:
		ctx->reason = "windows: event id not modelled";
		rc = BW_PARSE_IGNORED;
		goto out;
	}
	ev->host = bw_jpack_str(&w.pk, host);
	ev->program = BW_STR_LIT("security");
out:
	bw_jpack_finish(&w.pk, ev);
	json_decref(root);
	return rc;
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
	BW_SRC_AUTH, windows_sniff, windows_parse, 0, NULL,
};
