/*
 * identity.h - one identity per person, whatever the log calls them.
 *
 * Logs name the same account as "alice", "ALICE", "CORP\alice",
 * "alice@corp.example" or user "alice" + domain "CORP". Baselines and
 * rules key on the normalized identity this module computes:
 *
 *   1. Trim blanks. Empty and "-" are no identity.
 *   2. Split the domain off: "DOMAIN\user", else "user@domain" (at the
 *      last '@'), else the separately logged domain (Windows
 *      TargetDomainName), else none.
 *   3. Fold ASCII case in both parts (bytes >= 0x80 are kept as logged).
 *   4. Canonicalize the domain: a domain alias ("@CORP = corp.example" in
 *      the alias file) is applied; then the home domain
 *      (--identity-domain corp.example) and its first label as a NetBIOS
 *      name ("CORP") both mean "home".
 *   5. The identity is "user" for the home domain and for no domain, and
 *      "user@domain" for any other domain. Without --identity-domain,
 *      "CORP\alice" is "alice@corp" and distinct from "alice".
 *   6. A user alias ("jdoe = john.doe", "CORP\svc_x = alice") is applied
 *      last, once (no chains): both sides are normalized by steps 1-5.
 *
 * Alias file: one "from = to" per line; '#' starts a comment; a left side
 * starting with '@' is a domain alias. Errors are "file:line:col: msg".
 *
 * Setup order: set the home domain before adding aliases (alias keys are
 * stored normalized). Pure functions after setup: normalize never
 * allocates and is safe to call from several threads on one config.
 */
#ifndef BW_IDENTITY_H
#define BW_IDENTITY_H

#include <stddef.h>

#include "event.h"

struct bw_identity;

/* @return a new configuration with no home domain and no aliases, or
 * NULL when out of memory. */
struct bw_identity *bw_identity_new(void);

/* Free a configuration; NULL is accepted. */
void bw_identity_free(struct bw_identity *id);

/* Set the home domain (DNS form, e.g. "corp.example"; "CORP" works too).
 * @return 0, or -1 when the name is empty or holds blanks, '\\' or '@'. */
int bw_identity_set_domain(struct bw_identity *id, const char *domain);

/* Map every spelling of `from` to `to` (user alias), or, when from starts
 * with '@', the domain from[1..] to the domain `to`.
 * @return 0, or -1 on an empty side or out of memory. */
int bw_identity_add_alias(struct bw_identity *id, const char *from, const char *to);

/* Load an alias file (see above). @return 0, or -1 with a message
 * "path:line:col: what" in err (cap errcap). */
int bw_identity_load_aliases(struct bw_identity *id, const char *path, char *err,
			     size_t errcap);

/* Normalize user (as logged) with domain (logged separately; may be
 * absent) into out, NUL-terminated. id may be NULL (no domain, no alias).
 * @return the identity's length, or 0 when there is none (empty, "-") or
 * it does not fit in cap. */
size_t bw_identity_normalize(const struct bw_identity *id, bw_str user, bw_str domain,
			     char *out, size_t cap);

#endif /* BW_IDENTITY_H */
