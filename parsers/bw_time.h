/*
 * bw_time.h - timestamp arithmetic for parsers: civil date to epoch,
 * month names, common stamp formats, and time zones for zone-less stamps.
 * Event time is always taken from the log line, never the wall clock.
 */
#ifndef BW_TIME_H
#define BW_TIME_H

#include <stddef.h>
#include <stdint.h>

struct bw_tz;

/* Days since 1970-01-01 of a proleptic Gregorian date (any year). */
int64_t bw_days_from_civil(int64_t y, unsigned m, unsigned d);

/* @return 1 when y-m-d h:mi:s is a real calendar time (leap years, month
 * lengths; s may be 60 for a leap second), else 0. */
int bw_civil_valid(int y, int m, int d, int h, int mi, int s);

/* Seconds since the epoch of a civil time taken as UTC. */
int64_t bw_epoch_from_civil(int y, int m, int d, int h, int mi, int s);

/* Month from a 3-letter English abbreviation ("Jan".."Dec", any case).
 * @return 1..12, or 0 when not a month. */
int bw_month_from_abbr(const char *p);

/* Parse the Apache/nginx %t stamp "25/Oct/2016:14:49:33 +0200" (without
 * brackets) of exactly n bytes. @return 1 and *ms (UTC) on success, 0 on
 * a malformed or impossible date. */
int bw_time_parse_clf(const char *p, size_t n, int64_t *ms);

/* Parse an RFC 3339 / ISO 8601 stamp "2026-11-27T13:04:01.123456+01:00"
 * ('T' or ' ' separator, optional fraction, 'Z', +hh:mm, +hhmm, or no
 * zone, in which case tz is applied; tz may be NULL for UTC).
 * @return number of bytes consumed (0 when malformed); *ms in UTC. */
size_t bw_time_parse_iso(const char *p, size_t n, const struct bw_tz *tz,
			 int64_t *ms);

/* Time zones. A bw_tz is obtained once per distinct name and lives until
 * bw_tz_free_all(); lookups of the UTC offset are cached per local hour,
 * so converting millions of stamps costs one hash probe each. */

/* @return the zone called name ("UTC", "Europe/Amsterdam", ":local" or
 * NULL for the process's local zone), or NULL when the name is unknown. */
const struct bw_tz *bw_tz_get(const char *name);

/* @return the zone's name as given. */
const char *bw_tz_name(const struct bw_tz *tz);

/* Convert a local civil time in tz (as seconds "since the epoch" of the
 * same wall-clock reading taken as UTC) to true UTC seconds. In a DST
 * gap the later offset is used; in the repeated hour the first. */
int64_t bw_tz_local_to_utc(const struct bw_tz *tz, int64_t local_secs);

/* Offset (local - UTC, seconds) of zone tz at the UTC instant utc_secs.
 * Not cached: slow (it sets TZ); callers cache. */
int32_t bw_tz_offset_at(const struct bw_tz *tz, int64_t utc_secs);

/* Free every zone handed out. */
void bw_tz_free_all(void);

#endif /* BW_TIME_H */
