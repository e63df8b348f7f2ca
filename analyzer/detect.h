/*
 * detect.h - the built-in baseline detectors (rules' `baseline NAME`):
 *
 *   session-address-change   one VPN session (device + session id) seen
 *                            from a second client address (detect_session.c)
 */
#ifndef BW_DETECT_H
#define BW_DETECT_H

#include "engine.h"

/* Register every built-in detector (bw_baseline_register); idempotent. */
void bw_detectors_register(void);

#endif /* BW_DETECT_H */
