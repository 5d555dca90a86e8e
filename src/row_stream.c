#include "row_stream.h"

#include "log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_ROWS 2048
#define NULL_LEN SIZE_MAX /* a value's length when it is SQL NULL */

/* Rows end to end: their values' bytes in data, each value's offset and length in cells. */
typedef struct Batch {
	StrBuf data;
	size_t *cells; /* 2 per value: offset, length (NULL_LEN: NULL) */
	size_t cell_count, cell_cap;
	size_t rows, ncols;
} Batch;

struct RowStream {
	Db *db;
	char *sql;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	/*
	 * A ring: the consumer reads batches[head], the producer fills
	 * batches[tail]. Each index belongs to one thread; filled, the batches
	 * handed over and not yet given back, is under lock.
	 */
	Batch batches[ROW_STREAM_BATCHES];
	size_t head, tail, filled;
	bool done, failed, cancel; /* under lock */
	/* the consumer's side */
	bool holding; /* batches[head] is being read */
	size_t next_row;
	DbValue *values;
	size_t values_cap;
};

static Batch *producer_batch(RowStream *s) { return &s->batches[s->tail]; }

/* Hands the batch being filled over, then waits for a free one; false when the consumer stopped. */
static bool publish(RowStream *s)
{
	pthread_mutex_lock(&s->lock);
	s->filled++;
	s->tail = (s->tail + 1) % ROW_STREAM_BATCHES;
	pthread_cond_broadcast(&s->changed);
	while (s->filled == ROW_STREAM_BATCHES && !s->cancel)
		pthread_cond_wait(&s->changed, &s->lock);
	bool go_on = !s->cancel;
	pthread_mutex_unlock(&s->lock);
	if (go_on) {
		Batch *b = producer_batch(s); /* free: only the producer touches it now */
		sb_reset(&b->data);
		b->cell_count = b->rows = 0;
	}
	return go_on;
}

static bool add_row(void *ctx, const DbValue *values, size_t ncols)
{
	RowStream *s = ctx;
	Batch *b = producer_batch(s);
	if (b->rows > 0 && b->ncols != ncols && !publish(s))
		return false;
	b = producer_batch(s);
	b->ncols = ncols;
	for (size_t i = 0; i < ncols; i++) {
		if (b->cell_count + 2 > b->cell_cap) {
			b->cell_cap = b->cell_cap ? b->cell_cap * 2 : 256;
			b->cells = xrealloc(b->cells, b->cell_cap * sizeof(size_t));
		}
		b->cells[b->cell_count++] = b->data.len;
		b->cells[b->cell_count++] = values[i].data ? values[i].len : NULL_LEN;
		if (values[i].data)
			sb_append(&b->data, values[i].data, values[i].len);
	}
	b->rows++;
	if (b->rows >= BATCH_ROWS || b->data.len >= ROW_STREAM_BATCH_BYTES)
		return publish(s);
	return true;
}

static void *run_query(void *arg)
{
	RowStream *s = arg;
	bool ok = db_query(s->db, s->sql, add_row, s);
	pthread_mutex_lock(&s->lock);
	if (!s->cancel) {
		if (producer_batch(s)->rows > 0) { /* the last, partial batch */
			s->filled++;
			s->tail = (s->tail + 1) % ROW_STREAM_BATCHES;
		}
		s->failed = !ok;
	}
	s->done = true;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

RowStream *row_stream_open(Db *db, const char *sql)
{
	RowStream *s = xmalloc(sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->db = db;
	s->sql = xstrdup(sql);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->changed, NULL);
	int err = pthread_create(&s->thread, NULL, run_query, s);
	if (err != 0) {
		log_error("cannot start a reader thread: %s", strerror(err));
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->changed);
		free(s->sql);
		free(s);
		return NULL;
	}
	return s;
}

bool row_stream_next(RowStream *s, const DbValue **values, size_t *ncols)
{
	Batch *b = &s->batches[s->head];
	if (!s->holding || s->next_row == b->rows) {
		pthread_mutex_lock(&s->lock);
		if (s->holding) { /* give the batch read back to the producer */
			s->holding = false;
			s->head = (s->head + 1) % ROW_STREAM_BATCHES;
			s->filled--;
			pthread_cond_broadcast(&s->changed);
		}
		while (s->filled == 0 && !s->done)
			pthread_cond_wait(&s->changed, &s->lock);
		bool have = s->filled > 0;
		s->holding = have;
		pthread_mutex_unlock(&s->lock);
		if (!have)
			return false;
		b = &s->batches[s->head];
		s->next_row = 0;
	}
	if (b->ncols > s->values_cap) {
		s->values_cap = b->ncols;
		s->values = xrealloc(s->values, sizeof(DbValue) * s->values_cap);
	}
	const size_t *cell = b->cells + s->next_row * b->ncols * 2;
	for (size_t i = 0; i < b->ncols; i++, cell += 2)
		s->values[i] = cell[1] == NULL_LEN ? (DbValue){NULL, 0} : (DbValue){b->data.data + cell[0], cell[1]};
	s->next_row++;
	*values = s->values;
	*ncols = b->ncols;
	return true;
}

bool row_stream_close(RowStream *s)
{
	if (!s)
		return true;
	pthread_mutex_lock(&s->lock);
	s->cancel = !s->done;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	bool ok = !s->failed;
	for (size_t i = 0; i < ROW_STREAM_BATCHES; i++) {
		sb_free(&s->batches[i].data);
		free(s->batches[i].cells);
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->changed);
	free(s->values);
	free(s->sql);
	free(s);
	return ok;
}
