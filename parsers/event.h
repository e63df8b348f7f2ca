/*
 * event.h - the one event model every parser fills and every analyzer
 * stage reads.
 *
 * Dependency rule: parsers/ include only this header, parser.h and the
 * small utilities in parsers/ (bw_util.h). They never include analyzer/
 * headers. The analyzer sees formats only through this struct and the
 * parser registry (parser.h).
 *
 * Lifetime: every bw_str in an event is a *borrowed view*. It points
 * either into the line buffer of the input that produced the event (valid
 * only until that input reads its next line) or into static storage
 * (constant strings such as "password"). Anything that must outlive the
 * line (state-table keys, leases, evidence) is copied by its owner.
 *
 * The struct is flat and fixed-size: a parser fills a caller-owned event,
 * nothing is allocated per line.
 */
#ifndef BW_EVENT_H
#define BW_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* A string view: not NUL-terminated, may contain any byte. n == 0 and
 * p == NULL mean "absent"; n == 0 with p != NULL means "present, empty". */
typedef struct bw_str {
	const char *p;
	size_t n;
} bw_str;

#define BW_STR_NULL ((bw_str){ NULL, 0 })
#define BW_STR_LIT(s) ((bw_str){ (s), sizeof(s) - 1 })

static inline int bw_str_present(bw_str s) { return s.p != NULL; }

/* Where the event came from. */
enum bw_source {
	BW_SRC_NONE = 0,
	BW_SRC_WEB,     /* HTTP server access logs */
	BW_SRC_PROXY,   /* forward proxies (squid, ...) */
	BW_SRC_VPN,     /* VPN concentrators */
	BW_SRC_AUTH,    /* system / directory / IdP authentication */
	BW_SRC__COUNT
};

/* What happened. */
enum bw_kind {
	BW_KIND_NONE = 0,
	BW_KIND_REQUEST,        /* one HTTP request/response */
	BW_KIND_LOGIN,          /* an authentication attempt (see outcome) */
	BW_KIND_LOGOUT,
	BW_KIND_SESSION_START,  /* a session (VPN tunnel, PAM session) opened */
	BW_KIND_SESSION_END,    /* a session closed; carries duration/bytes */
	BW_KIND_PRIVILEGE,      /* sudo, su, special privileges assigned */
	BW_KIND_ADDRESS_ASSIGN, /* an internal address handed to a user */
	BW_KIND_CONNECTION,     /* a connection without authentication */
	BW_KIND_LOCKOUT,        /* an account was locked */
	BW_KIND_PROBE,          /* protocol noise: no ident, bad kex, TLS junk */
	BW_KIND_OTHER,
	BW_KIND_SESSION_STATUS, /* a session still open, as of ts: duration
	                           and bytes so far (made by the session
	                           table, never by a parser) */
	BW_KIND__COUNT
};

enum bw_outcome {
	BW_OUTCOME_NONE = 0, /* unknown / not applicable */
	BW_OUTCOME_SUCCESS,
	BW_OUTCOME_FAILURE,
	BW_OUTCOME__COUNT
};

/* A binary IP address. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so one
 * 16-byte compare and one GeoIP call handle both families. */
typedef struct bw_ip {
	uint8_t family;   /* 0 = absent, 4 or 6 */
	uint8_t addr[16]; /* network byte order; v4 in addr[12..15] */
} bw_ip;

/* Event flags (bw_event.flags). */
enum {
	BW_EF_LINE_CUT   = 1u << 0, /* the line exceeded --max-line and was cut */
	BW_EF_USER_LEASE = 1u << 1, /* user filled from a VPN address lease */
	BW_EF_TS_GUESSED = 1u << 2, /* year or zone was inferred, not logged */
	BW_EF_LATE       = 1u << 3, /* released by the merge after newer events */
	BW_EF_SESSION_OPEN = 1u << 4, /* a session still open: its report
	                                 (session_status), a session_end
	                                 synthesized at end of input, or a
	                                 parser's statistics snapshot */
	BW_EF_HELD       = 1u << 5, /* held back by a stage after the merge
	                               (authpair, the session table at end of
	                               input): behind newer events by design,
	                               not late */
	BW_EF_SESSION_GONE = 1u << 6, /* a logout saying the session it names
	                                 is over, while its end record (with
	                                 duration and bytes) may follow:
	                                 the session table stops tracking it
	                                 and emits no end (NetScaler's
	                                 REMOVE_SESSION) */
	BW_EF_SID_PER_USER = 1u << 7, /* session_id names a session only
	                                 together with the user (NetScaler
	                                 numbers sessions from 1 again after
	                                 a restart, and appliances share the
	                                 default name "ns") */
};

/* Absent-value markers for numbers. */
#define BW_NUM_ABSENT INT64_MIN

typedef struct bw_event {
	/* --- time and classification --- */
	int64_t ts_ms;      /* event time, ms since the Unix epoch, UTC */
	uint8_t source;     /* enum bw_source */
	uint8_t kind;       /* enum bw_kind */
	uint8_t outcome;    /* enum bw_outcome */
	uint8_t _pad;
	uint32_t flags;     /* BW_EF_* */
	uint32_t repeat;    /* how many identical events this line stands for
	                       (syslog "message repeated N times"); >= 1 */
	const char *format; /* static name of the parser that produced it */

	/* --- who --- */
	bw_str user;        /* account name as logged (before identity mapping) */
	bw_str user_domain; /* domain / realm if logged separately */
	bw_str auth_method; /* password, publickey, keyboard-interactive, ... */
	bw_str action;      /* short machine name of what happened, e.g.
	                       "ssh_login", "ssl-login-fail", "4625" */
	bw_str reason;      /* why it failed / ended, as logged or normalized */
	bw_str session_id;
	bw_str target_user; /* the account acted as / switched to: sudo's
	                       USER=, su's target, Windows 4648 credentials */
	bw_str command;     /* command line run (sudo COMMAND=) */
	bw_str identity;    /* user normalized to one identity (identity.h),
	                       filled after the merge; rules' `user` means
	                       this when it is present */

	/* --- where --- */
	bw_ip src_ip;
	bw_ip dst_ip;
	bw_ip assigned_ip;  /* VPN: internal address given to the client */
	bw_ip vpn_client_ip; /* a request from a VPN address: the public
	                        address of the tunnel that held it (lease) */
	uint16_t src_port;  /* 0 = absent */
	uint16_t dst_port;  /* 0 = absent */
	bw_str src_host;    /* client given as a name, not an address */
	bw_str host;        /* the device / server that logged the event */
	bw_str program;     /* syslog programme name (sshd, sudo, ...) */
	bw_str forwarded_for; /* X-Forwarded-For as logged */

	/* --- HTTP --- */
	bw_str http_method;
	bw_str url_path;     /* request path, without the query */
	bw_str url_query;    /* after '?', without it; absent if no '?' */
	bw_str http_version; /* "1.1", "2.0" */
	bw_str referrer;
	bw_str user_agent;
	bw_str vhost;
	bw_str request;      /* the request line when it is not valid HTTP */
	int32_t http_status; /* 0 = absent */

	/* --- volume (organisation's point of view) --- */
	int64_t http_bytes;  /* response body bytes as logged; BW_NUM_ABSENT */
	int64_t bytes_out;   /* bytes that left the organisation; BW_NUM_ABSENT */
	int64_t bytes_in;    /* bytes that came in; BW_NUM_ABSENT */
	int64_t duration_ms; /* request or session duration; BW_NUM_ABSENT */

	/* --- provenance (evidence) --- */
	uint32_t input_id;   /* index of the input on the command line */
	uint64_t line_no;    /* 1-based line number in the decoded input */
	uint64_t offset;     /* byte offset of the line in the decoded input */
	uint32_t start_input; /* what this event ends began at start_input: */
	uint64_t start_line; /* start_line (a VPN session's opening line);
	                        0 = nothing, or this very line */
	bw_str line;         /* the whole line (after CRLF strip / cut); parsers
	                        may have unescaped fields inside it in place */
} bw_event;

/* Reset an event to "nothing known": every view absent, every number
 * absent, repeat = 1. Cheap; called once per line. */
void bw_event_clear(bw_event *ev);

/* Names for the enums (static strings, never NULL). */
const char *bw_source_name(unsigned source);
const char *bw_kind_name(unsigned kind);
const char *bw_outcome_name(unsigned outcome);

/* Map names back; @return the enum value, or -1 when unknown. */
int bw_source_from_name(const char *s, size_t n);
int bw_kind_from_name(const char *s, size_t n);
int bw_outcome_from_name(const char *s, size_t n);

/* Copy an event so that it no longer borrows anything: the line and every
 * view outside it are copied into buf. @return the bytes needed; the copy
 * is made only when that fits in cap (call with cap 0 to size). The event
 * is valid as long as buf is. */
size_t bw_event_copy(bw_event *dst, const bw_event *src, char *buf, size_t cap);

/* ------------------------------------------------------------------ */
/* Field table: the names rules and outputs use to reach event fields.  */

enum bw_field_type {
	BW_FT_STR,    /* a bw_str view */
	BW_FT_INT,    /* an int64 (absent = BW_NUM_ABSENT) */
	BW_FT_IP,     /* a bw_ip */
	BW_FT_ENUM,   /* source/kind/outcome: compared by name */
	BW_FT_TIME,   /* ts_ms */
};

enum bw_field_id {
	BW_F_TS, BW_F_SOURCE, BW_F_KIND, BW_F_OUTCOME, BW_F_REPEAT,
	BW_F_FORMAT,
	BW_F_USER, BW_F_USER_DOMAIN, BW_F_AUTH_METHOD, BW_F_ACTION,
	BW_F_REASON, BW_F_SESSION_ID,
	BW_F_SRC_IP, BW_F_DST_IP, BW_F_ASSIGNED_IP, BW_F_SRC_PORT,
	BW_F_DST_PORT, BW_F_SRC_HOST, BW_F_HOST, BW_F_PROGRAM,
	BW_F_FORWARDED_FOR,
	BW_F_HTTP_METHOD, BW_F_URL_PATH, BW_F_URL_QUERY, BW_F_HTTP_VERSION,
	BW_F_REFERRER, BW_F_USER_AGENT, BW_F_VHOST, BW_F_REQUEST,
	BW_F_HTTP_STATUS, BW_F_HTTP_BYTES, BW_F_BYTES_OUT, BW_F_BYTES_IN,
	BW_F_DURATION, BW_F_INPUT, BW_F_LINE_NO,
	BW_F_TARGET_USER, BW_F_COMMAND, BW_F_IDENTITY,
	BW_F_URL_PATH_NORM, /* computed by the rule engine from url.path
	                       (bw_path_normalize); not stored in events */
	BW_F_SRC_NET,       /* src.ip, an IPv6 address cut to its /64: the
	                       network one client holds (computed) */
	BW_F_VPN_CLIENT_IP,
	BW_F__COUNT
};

struct bw_field_desc {
	const char *name;     /* rule-language name, e.g. "src.ip" */
	const char *ecs;      /* ECS / output name, e.g. "source.ip" */
	enum bw_field_type type;
};

/* @return the descriptor of field id (0 <= id < BW_F__COUNT). */
const struct bw_field_desc *bw_field_desc(enum bw_field_id id);

/* Look a field up by its rule name or ECS name.
 * @return the field id, or -1 when there is no such field. */
int bw_field_lookup(const char *name, size_t n);

/* Read a field. @return 1 when present (value stored), 0 when absent.
 * Enum fields come back as their name in *s; ports and status as ints. */
int bw_field_get_str(const bw_event *ev, enum bw_field_id id, bw_str *s);
int bw_field_get_int(const bw_event *ev, enum bw_field_id id, int64_t *v);
int bw_field_get_ip(const bw_event *ev, enum bw_field_id id, const bw_ip **ip);

/* Bytes of an address that make its src.net: all of an IPv4 address,
 * an IPv6 address's /64. Two addresses are one source to the rules when
 * their families and these first bytes are equal. */
static inline size_t bw_ip_net_bytes(const bw_ip *ip)
{
	return ip->family == 6 ? 8 : 16;
}

#endif /* BW_EVENT_H */
