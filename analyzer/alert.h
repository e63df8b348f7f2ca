/*
 * alert.h - one alert and its two renderings: an NDJSON line with ECS-style
 * names in a fixed key order (byte-stable across runs), and one line of
 * human text. Log text is attacker controlled: both renderings escape every
 * control byte, and the text form never emits raw bytes < 0x20 or 0x7f.
 *
 * An alert borrows everything (rule strings, the triggering event's views);
 * it is valid only for the call it is passed to.
 */
#ifndef BW_ALERT_H
#define BW_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"

#define BW_ALERT_MAX_EVIDENCE 20

struct bw_evidence {
	uint32_t input_id;
	uint64_t line_no;
};

struct bw_alert {
	int64_t ts_ms;                 /* event time of the triggering event */
	const char *rule_id, *rule_name, *rule_kind;
	int severity;                  /* enum bw_severity, after escalation */
	const char *const *tags;
	int ntags;
	const bw_event *ev;            /* triggering event (user, source.ip) */
	/* the group key, as field ids and values taken from the event */
	const int *group;
	int ngroup;
	/* url.path.normalized, which only the engine computes: its value
	 * when the group names it, else p == NULL */
	bw_str path_norm;
	/* aggregates; has_agg = 0 for signatures */
	int has_agg;
	uint64_t count;
	const int *dist_field;
	const uint64_t *dist;
	int ndist;
	const int *sum_field;
	const int64_t *sum;
	int nsum;
	uint64_t suppressed;           /* alerts held back on this key before */
	const char *message;
	size_t message_len;
	const struct bw_evidence *evidence;
	size_t nevidence;              /* <= BW_ALERT_MAX_EVIDENCE */
	uint64_t evidence_count;       /* all contributing events */
	const char *const *input_names;
	size_t ninputs;
};

/* printf into a buffer (bw_buf from buf.h has no printf of its own). */
void bw_alert_bprintf(struct bw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s as a quoted JSON string. */
void bw_alert_json_str(struct bw_buf *b, const char *s, size_t n);

/* Append a to b, ending with '\n'. */
void bw_alert_render_json(const struct bw_alert *a, struct bw_buf *b);
void bw_alert_render_text(const struct bw_alert *a, struct bw_buf *b);

/* Append the value of field id of ev as display text (IPs formatted, enums
 * by name). @return 1 when present, 0 when absent (nothing appended). */
int bw_alert_field_text(struct bw_buf *b, const bw_event *ev, int field);

#endif /* BW_ALERT_H */
