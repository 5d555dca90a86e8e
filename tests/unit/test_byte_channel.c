/*
 * byte_channel.c between two threads: every byte arrives once and in order
 * through writes larger and smaller than the ring and reads of any size; a
 * failed writer is seen by the reader as ECANCELED after the bytes it did
 * write; a reader that stops makes the writer's next write fail with
 * ECANCELED instead of blocking. Run under ThreadSanitizer too.
 */
#include "unit.h"

#include "byte_channel.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#define TOTAL ((size_t)11 << 20) /* more than twice the ring */

typedef struct Writer {
	ByteChannel *ch;
	size_t total;  /* bytes to write, then close with ok */
	bool ok;       /* how the writer closes */
	bool cancelled; /* a write failed with ECANCELED */
} Writer;

static unsigned char byte_at(size_t i) { return (unsigned char)(i * 131 + (i >> 13)); }

static void *writer_main(void *arg)
{
	Writer *w = arg;
	static const size_t sizes[] = {1, 7, 4096, 65536, (size_t)5 << 20, 3};
	unsigned char *buf = malloc((size_t)5 << 20);
	size_t done = 0;
	for (size_t k = 0; done < w->total; k++) {
		size_t n = sizes[k % 6];
		if (n > w->total - done)
			n = w->total - done;
		for (size_t i = 0; i < n; i++)
			buf[i] = byte_at(done + i);
		if (!byte_channel_write(w->ch, buf, n)) {
			w->cancelled = errno == ECANCELED;
			break;
		}
		done += n;
	}
	free(buf);
	byte_channel_close_writer(w->ch, w->ok);
	return NULL;
}

/* Reads until the end; returns the bytes that matched, or SIZE_MAX on a wrong byte. */
static size_t read_all(ByteChannel *ch, ssize_t *last)
{
	static const size_t sizes[] = {3, 100000, 1, 1 << 20};
	unsigned char *buf = malloc(1 << 20);
	size_t got = 0;
	for (size_t k = 0;; k++) {
		ssize_t n = byte_channel_read(ch, buf, sizes[k % 4]);
		*last = n;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != byte_at(got + (size_t)i)) {
				free(buf);
				return SIZE_MAX;
			}
		got += (size_t)n;
	}
	free(buf);
	return got;
}

void test_byte_channel(void)
{
	for (int ok = 1; ok >= 0; ok--) {
		ByteChannel *ch = byte_channel_new();
		Writer w = {.ch = ch, .total = TOTAL, .ok = ok};
		pthread_t t;
		CHECK(pthread_create(&t, NULL, writer_main, &w) == 0);
		ssize_t last;
		size_t got = read_all(ch, &last);
		pthread_join(t, NULL);
		CHECK(got == TOTAL);
		CHECK(last == (ok ? 0 : -1));
		if (!ok)
			CHECK(errno == ECANCELED);
		byte_channel_free(ch);
	}
	/* the reader stops early: the writer, blocked on a full ring, is released with ECANCELED */
	ByteChannel *ch = byte_channel_new();
	Writer w = {.ch = ch, .total = TOTAL, .ok = true};
	pthread_t t;
	CHECK(pthread_create(&t, NULL, writer_main, &w) == 0);
	unsigned char buf[1000];
	CHECK(byte_channel_read(ch, buf, sizeof(buf)) > 0);
	byte_channel_close_reader(ch);
	pthread_join(t, NULL);
	CHECK(w.cancelled);
	byte_channel_free(ch);
	/* the FILE of the reading end: fread sees the bytes, then EOF */
	ch = byte_channel_new();
	CHECK(byte_channel_write(ch, "hello", 5));
	byte_channel_close_writer(ch, true);
	FILE *fp = byte_channel_reader_file(ch);
	char text[16] = {0};
	CHECK(fp && fread(text, 1, sizeof(text), fp) == 5 && feof(fp) && !ferror(fp));
	CHECK_STR(text, "hello");
	if (fp)
		fclose(fp);
	byte_channel_free(ch);
}
