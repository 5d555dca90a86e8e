/*
 * Bytes from one thread to another through a bounded in-memory ring, as a
 * pipe would carry them but inside the process, with the end of the stream
 * said as a success or a failure, so that each side can stop without
 * reporting the other's failure as its own (migrate: the export writes
 * JSON into it, the import reads it). The reading end is also offered as a
 * stdio FILE, which is what the JSON reader takes.
 */
#ifndef PODMIGRATE_BYTE_CHANNEL_H
#define PODMIGRATE_BYTE_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define BYTE_CHANNEL_SIZE ((size_t)4 << 20)

typedef struct ByteChannel ByteChannel;

/* A channel of BYTE_CHANNEL_SIZE bytes; freed by byte_channel_free once both ends are done. */
ByteChannel *byte_channel_new(void);
void byte_channel_free(ByteChannel *ch);

/*
 * Writes all n bytes, waiting while the ring is full. False with errno
 * ECANCELED when the reader has stopped (it logged why, if it failed).
 */
bool byte_channel_write(ByteChannel *ch, const void *data, size_t n);
/* The writer's last word: ok false tells the reader the stream is incomplete. */
void byte_channel_close_writer(ByteChannel *ch, bool ok);

/*
 * Up to n bytes, waiting while the ring is empty: > 0 read, 0 at the end of
 * a complete stream, -1 with errno ECANCELED when the writer closed with a
 * failure (it logged why).
 */
ssize_t byte_channel_read(ByteChannel *ch, void *data, size_t n);
/* The reader stops: writes from then on fail with ECANCELED. */
void byte_channel_close_reader(ByteChannel *ch);

/* The reading end as a stdio stream (fopencookie; fclose frees only the FILE). */
FILE *byte_channel_reader_file(ByteChannel *ch);

#endif
