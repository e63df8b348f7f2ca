/*
 * engine_thread.h - the rule engine on a thread of its own.
 *
 * The stages up to the merge (reading, decompressing, parsing) and the
 * rule engine each take about as long per line, so on a machine with a
 * second core `scan` runs them side by side: the pipeline's thread copies
 * each final event (the line and every view it borrows) into a batch,
 * and the engine's thread runs bw_engine_event on the batches in the
 * order they were filled. The engine sees exactly the events, in exactly
 * the order, it would see on one thread, so alerts and their order are
 * the same; only the wall clock differs.
 *
 * Ownership: while the thread runs, only it touches the engine (alerts,
 * flushes of cfg.out, its tables). The caller may use the engine again
 * after bw_engine_thread_finish. Nothing is allocated per event: batches
 * are allocated once and reused.
 */
#ifndef BW_ENGINE_THREAD_H
#define BW_ENGINE_THREAD_H

#include "engine.h"

struct bw_engine_thread;

/* Start a thread that feeds e, which it borrows until
 * bw_engine_thread_finish. The thread receives none of the process's
 * stop signals (SIGINT, SIGTERM, SIGHUP): the reading thread handles them.
 * @return NULL when out of memory or no thread could be started (the
 * caller then runs the engine on its own thread). */
struct bw_engine_thread *bw_engine_thread_new(struct bw_engine *e);

/* Queue a copy of ev for the engine; waits while every batch is queued.
 * An event too big for a batch waits until the engine thread has caught
 * up, then is run on the caller's thread. */
void bw_engine_thread_event(struct bw_engine_thread *t, const bw_event *ev);

/* Hand the partly filled batch over now (before a read that may block,
 * so a live tail's alerts do not wait for the next lines). */
void bw_engine_thread_flush(struct bw_engine_thread *t);

/* Hand the partly filled batch over and wait until the engine has run
 * everything queued (before a message on stderr, so a terminal shows
 * the alerts of earlier lines first, as on one thread). */
void bw_engine_thread_drain(struct bw_engine_thread *t);

/* Hand over what is queued, wait until the engine has run all of it and
 * stop the thread. The engine is the caller's again. Calling it twice is
 * harmless. */
void bw_engine_thread_finish(struct bw_engine_thread *t);

/* Finish (when not done yet) and free; NULL is fine. */
void bw_engine_thread_free(struct bw_engine_thread *t);

/* Events the engine ran on the caller's thread because they did not fit
 * a batch (a test hook). */
uint64_t bw_engine_thread_inline_events(const struct bw_engine_thread *t);

#endif /* BW_ENGINE_THREAD_H */
