/*
 * A query's rows read by a thread of their own and handed over in batches
 * through a bounded queue, so that the caller can work on one stream (verify
 * merges it with another) while the engine sends the next rows. Memory: at
 * most ROW_STREAM_BATCHES batches of about ROW_STREAM_BATCH_BYTES (or one row,
 * when a row is larger).
 */
#ifndef PODMIGRATE_ROW_STREAM_H
#define PODMIGRATE_ROW_STREAM_H

#include "db.h"

#define ROW_STREAM_BATCHES 4
#define ROW_STREAM_BATCH_BYTES ((size_t)1 << 20)

typedef struct RowStream RowStream;

/*
 * Starts sql on db in a new thread. db belongs to the stream until
 * row_stream_close: the caller must not use it meanwhile. NULL (logged)
 * when the thread cannot start.
 */
RowStream *row_stream_open(Db *db, const char *sql);
/*
 * The next row: true with *values (*ncols of them), valid until the next
 * call; false at the end of the rows or when the query failed (then
 * row_stream_close returns false).
 */
bool row_stream_next(RowStream *s, const DbValue **values, size_t *ncols);
/*
 * Stops the query if it still runs, waits for the thread and frees the
 * stream. False when the query failed (the thread logged why); stopping it
 * early is not a failure.
 */
bool row_stream_close(RowStream *s);

#endif
