/*
 * output_json.h - NDJSON rendering of normalized events (`breachwatch
 * parse`): ECS field names, keys in one fixed order, absent fields left
 * out, so output is byte-identical across runs.
 */
#ifndef BW_OUTPUT_JSON_H
#define BW_OUTPUT_JSON_H

#include "buf.h"
#include "event.h"

/* Append one event as a JSON object and a newline to b. input_name is
 * the input's display name (log.file.path). */
void bw_output_event_json(struct bw_buf *b, const bw_event *ev,
			  const char *input_name);

#endif
