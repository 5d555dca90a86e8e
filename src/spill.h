/*
 * A scratch file for data that would otherwise grow memory with the size of
 * the database (the tag pseudo-tables of a big Pod): written once, read back
 * any number of times, gone when closed or when the process dies (unnamed,
 * in $TMPDIR or /tmp, mode 0600: it holds data of the export file). A failed
 * write (full disk) is reported, naming what the file was for and where,
 * by spill_rewind at the latest.
 */
#ifndef PODMIGRATE_SPILL_H
#define PODMIGRATE_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Set up by spill_open; all members owned; zero it before use, spill_close zeroes it again. */
typedef struct Spill {
	FILE *fp;
	char *purpose; /* for messages: "the tags of video_tagging_tag_2_tagulous" */
	char *dir;
	bool failed;   /* a write or read failed: logged once */
	uint64_t size; /* bytes written */
} Spill;

bool spill_open(Spill *s, const char *purpose);
bool spill_write(Spill *s, const void *data, size_t len);
/* Flushes what was written and goes back to offset (0: the start) for reading. */
bool spill_seek(Spill *s, uint64_t offset);
/* Reads exactly len bytes: false at the end (*end set, nothing logged; end NULL: an error) or on an error (logged). */
bool spill_read(Spill *s, void *data, size_t len, bool *end);
/* Reads exactly len bytes at offset, leaving the stream's position alone; after spill_seek (data flushed). */
bool spill_read_at(Spill *s, uint64_t offset, void *data, size_t len);
void spill_close(Spill *s);

#endif
