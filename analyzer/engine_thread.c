/*
 * engine_thread.c - the rule engine on a thread of its own (see
 * engine_thread.h).
 *
 * A ring of NBATCH batches under one mutex: the reading thread fills the
 * batch at (head + count) % NBATCH and queues it (count++); the engine's
 * thread runs the batch at head and gives it back (head++, count--). A
 * batch holds records of
 *
 *   | size (8 bytes) | bw_event | the line and the views outside it |
 *
 * padded to 8 bytes, the event's views pointing into its own bytes
 * (bw_event_copy). The lock is taken once per batch, not per event.
 */
#include "engine_thread.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#define NBATCH 4
/* Big enough for a few hundred typical lines, so the lock and the wake-up
 * are paid rarely; small enough that the ring stays in the caches the
 * two cores share. */
#define BATCH_BYTES (256u * 1024u)

struct batch {
	unsigned char *buf;
	size_t used;     /* bytes of records */
};

struct bw_engine_thread {
	struct bw_engine *e;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;  /* a batch was queued, or stop */
	pthread_cond_t room;  /* a batch was given back */
	struct batch b[NBATCH];
	unsigned head, count; /* queued batches, under mu */
	unsigned cur;         /* the batch being filled (reading thread) */
	int stop;             /* under mu */
	int running;          /* the thread exists (reading thread) */
	uint64_t inline_events;
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void run_batch(struct bw_engine *e, const struct batch *b)
{
	for (size_t o = 0; o < b->used;) {
		uint64_t size;
		memcpy(&size, b->buf + o, sizeof(size));
		bw_engine_event(e, (const bw_event *)(const void *)(b->buf + o + 8));
		o += (size_t)size;
	}
}

static void *thread_main(void *arg)
{
	struct bw_engine_thread *t = arg;
	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->count && !t->stop)
			pthread_cond_wait(&t->work, &t->mu);
		if (!t->count)
			break; /* stop, and nothing left */
		const struct batch *b = &t->b[t->head];
		pthread_mutex_unlock(&t->mu);
		run_batch(t->e, b);
		pthread_mutex_lock(&t->mu);
		t->head = (t->head + 1) % NBATCH;
		t->count--;
		/* a reader waiting for room is woken when half the ring is
		 * free, not at each batch: it then fills two batches before
		 * it sleeps again (half the context switches on a log where
		 * the rules are the slower side) */
		if (t->count <= NBATCH / 2)
			pthread_cond_signal(&t->room);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

struct bw_engine_thread *bw_engine_thread_new(struct bw_engine *e)
{
	struct bw_engine_thread *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->e = e;
	for (int i = 0; i < NBATCH; i++)
		if (!(t->b[i].buf = malloc(BATCH_BYTES)))
			goto fail;
	if (pthread_mutex_init(&t->mu, NULL))
		goto fail;
	if (pthread_cond_init(&t->work, NULL)) {
		pthread_mutex_destroy(&t->mu);
		goto fail;
	}
	if (pthread_cond_init(&t->room, NULL)) {
		pthread_cond_destroy(&t->work);
		pthread_mutex_destroy(&t->mu);
		goto fail;
	}
	/* The stop signals must reach the reading thread: it is the one a
	 * signal has to wake from a blocking read. Synchronous signals
	 * (SIGPIPE on a closed alert pipe, faults) stay with the thread that
	 * caused them. */
	sigset_t all, old;
	sigemptyset(&all);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGHUP);
	sigaddset(&all, SIGQUIT);
	sigaddset(&all, SIGUSR1);
	sigaddset(&all, SIGUSR2);
	sigaddset(&all, SIGALRM);
	sigaddset(&all, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&t->thread, NULL, thread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&t->room);
		pthread_cond_destroy(&t->work);
		pthread_mutex_destroy(&t->mu);
		goto fail;
	}
	t->running = 1;
	return t;
fail:
	for (int i = 0; i < NBATCH; i++)
		free(t->b[i].buf);
	free(t);
	return NULL;
}

/* Queue the batch being filled (when it holds anything) and wait until
 * the next one is free. The engine's thread is woken when two batches
 * wait (half the wake-ups of one per batch while it keeps up), or at
 * once with now (a flush before a blocking read, a drain, the end). */
static void publish(struct bw_engine_thread *t, int now)
{
	int filled = t->b[t->cur].used != 0;
	if (!filled && !now)
		return;
	pthread_mutex_lock(&t->mu);
	if (filled)
		t->count++;
	if (t->count && (now || t->count >= 2))
		pthread_cond_signal(&t->work);
	while (t->count == NBATCH)
		pthread_cond_wait(&t->room, &t->mu);
	pthread_mutex_unlock(&t->mu);
	if (filled) {
		t->cur = (t->cur + 1) % NBATCH;
		t->b[t->cur].used = 0;
	}
}

void bw_engine_thread_event(struct bw_engine_thread *t, const bw_event *ev)
{
	if (!t->running) {
		bw_engine_event(t->e, ev);
		return;
	}
	const size_t hdr = 8 + sizeof(bw_event);
	for (int tries = 0; tries < 2; tries++) {
		struct batch *b = &t->b[t->cur];
		size_t room = BATCH_BYTES - b->used;
		if (room >= hdr) {
			unsigned char *rec = b->buf + b->used;
			size_t need = bw_event_copy((bw_event *)(void *)(rec + 8), ev,
						    (char *)rec + hdr, room - hdr);
			if (need <= room - hdr) {
				/* room is a multiple of 8: the padding fits */
				uint64_t size = align8(hdr + need);
				memcpy(rec, &size, sizeof(size));
				b->used += (size_t)size;
				return;
			}
		}
		publish(t, 0); /* and try an empty batch */
	}
	/* Bigger than a batch (a line near a --max-line of megabytes): wait
	 * until the engine's thread has run everything queued, then run it
	 * here. The lock orders the two threads' use of the engine. */
	bw_engine_thread_drain(t);
	bw_engine_event(t->e, ev);
	t->inline_events++;
}

void bw_engine_thread_flush(struct bw_engine_thread *t)
{
	if (t->running)
		publish(t, 1);
}

void bw_engine_thread_drain(struct bw_engine_thread *t)
{
	if (!t->running)
		return;
	publish(t, 1);
	pthread_mutex_lock(&t->mu);
	while (t->count)
		pthread_cond_wait(&t->room, &t->mu);
	pthread_mutex_unlock(&t->mu);
}

void bw_engine_thread_finish(struct bw_engine_thread *t)
{
	if (!t || !t->running)
		return;
	publish(t, 1);
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_signal(&t->work);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	t->running = 0;
	pthread_cond_destroy(&t->room);
	pthread_cond_destroy(&t->work);
	pthread_mutex_destroy(&t->mu);
}

void bw_engine_thread_free(struct bw_engine_thread *t)
{
	if (!t)
		return;
	bw_engine_thread_finish(t);
	for (int i = 0; i < NBATCH; i++)
		free(t->b[i].buf);
	free(t);
}

uint64_t bw_engine_thread_inline_events(const struct bw_engine_thread *t)
{
	return t ? t->inline_events : 0;
}
