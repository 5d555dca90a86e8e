#include "byte_channel.h"

#include "log.h"
#include "strbuf.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct ByteChannel {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	char *ring; /* BYTE_CHANNEL_SIZE bytes */
	size_t head, used; /* under lock: the oldest unread byte and how many follow it */
	bool writer_done, writer_ok, reader_done; /* under lock */
};

ByteChannel *byte_channel_new(void)
{
	ByteChannel *ch = xmalloc(sizeof(*ch));
	memset(ch, 0, sizeof(*ch));
	ch->ring = xmalloc(BYTE_CHANNEL_SIZE);
	pthread_mutex_init(&ch->lock, NULL);
	pthread_cond_init(&ch->changed, NULL);
	return ch;
}

void byte_channel_free(ByteChannel *ch)
{
	if (!ch)
		return;
	pthread_mutex_destroy(&ch->lock);
	pthread_cond_destroy(&ch->changed);
	free(ch->ring);
	free(ch);
}

bool byte_channel_write(ByteChannel *ch, const void *data, size_t n)
{
	const char *p = data;
	pthread_mutex_lock(&ch->lock);
	while (n > 0) {
		while (ch->used == BYTE_CHANNEL_SIZE && !ch->reader_done)
			pthread_cond_wait(&ch->changed, &ch->lock);
		if (ch->reader_done)
			break;
		size_t tail = (ch->head + ch->used) % BYTE_CHANNEL_SIZE;
		size_t room = BYTE_CHANNEL_SIZE - ch->used;
		size_t chunk = n < room ? n : room;
		if (chunk > BYTE_CHANNEL_SIZE - tail)
			chunk = BYTE_CHANNEL_SIZE - tail; /* up to the end of the ring; the rest next turn */
		memcpy(ch->ring + tail, p, chunk);
		ch->used += chunk;
		p += chunk;
		n -= chunk;
		pthread_cond_broadcast(&ch->changed);
	}
	bool ok = !ch->reader_done;
	pthread_mutex_unlock(&ch->lock);
	if (!ok)
		errno = ECANCELED;
	return ok;
}

void byte_channel_close_writer(ByteChannel *ch, bool ok)
{
	pthread_mutex_lock(&ch->lock);
	ch->writer_done = true;
	ch->writer_ok = ok;
	pthread_cond_broadcast(&ch->changed);
	pthread_mutex_unlock(&ch->lock);
}

ssize_t byte_channel_read(ByteChannel *ch, void *data, size_t n)
{
	pthread_mutex_lock(&ch->lock);
	while (ch->used == 0 && !ch->writer_done)
		pthread_cond_wait(&ch->changed, &ch->lock);
	ssize_t got;
	if (ch->used == 0) {
		got = ch->writer_ok ? 0 : -1;
	} else {
		size_t chunk = n < ch->used ? n : ch->used;
		if (chunk > BYTE_CHANNEL_SIZE - ch->head)
			chunk = BYTE_CHANNEL_SIZE - ch->head;
		memcpy(data, ch->ring + ch->head, chunk);
		ch->head = (ch->head + chunk) % BYTE_CHANNEL_SIZE;
		ch->used -= chunk;
		got = (ssize_t)chunk;
		pthread_cond_broadcast(&ch->changed);
	}
	pthread_mutex_unlock(&ch->lock);
	if (got < 0)
		errno = ECANCELED;
	return got;
}

void byte_channel_close_reader(ByteChannel *ch)
{
	pthread_mutex_lock(&ch->lock);
	ch->reader_done = true;
	pthread_cond_broadcast(&ch->changed);
	pthread_mutex_unlock(&ch->lock);
}

static ssize_t cookie_read(void *cookie, char *data, size_t n)
{
	return byte_channel_read(cookie, data, n);
}

FILE *byte_channel_reader_file(ByteChannel *ch)
{
	FILE *fp = fopencookie(ch, "r", (cookie_io_functions_t){.read = cookie_read});
	if (!fp) {
		log_error("cannot open the stream between the two halves: %s", strerror(errno));
		return NULL;
	}
	/*
	 * Buffered, although the JSON reader asks for large chunks: glibc reads
	 * an unbuffered cookie stream one byte per call (_IO_default_xsgetn).
	 */
	setvbuf(fp, NULL, _IOFBF, (size_t)256 << 10);
	return fp;
}
