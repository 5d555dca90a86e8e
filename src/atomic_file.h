/*
 * An output file that appears whole or not at all. It is written as an
 * unnamed file in the target's directory (O_TMPFILE) and linked in, synced,
 * only once complete: a failed, interrupted or killed run leaves the previous
 * file untouched and no partial file. Where the file system has no O_TMPFILE,
 * a hidden ".NAME.partial-XXXXXX" is used instead, locked while in use so
 * that the next run removes it if its writer died.
 *
 * The target may not be a symbolic link (refused, not followed) nor anything
 * but a regular file.
 */
#ifndef PODMIGRATE_ATOMIC_FILE_H
#define PODMIGRATE_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

/* Set up by atomic_file_open; all members owned; zeroed again by commit and abort. */
typedef struct AtomicFile {
	char *path;      /* the target */
	char *temp_path; /* the hidden name while in use, NULL for an unnamed file */
	FILE *fp;
	char *buffer;    /* fp's stdio buffer */
} AtomicFile;

/* Creates missing directories; the file gets the given mode (0600 for secrets). */
bool atomic_file_open(AtomicFile *af, const char *path, int mode);
/* Flushes, syncs and puts the file in place; a failed write (disk full) is reported here. */
bool atomic_file_commit(AtomicFile *af);
/* Drops the temporary file; safe after a failed commit or when never opened. */
void atomic_file_abort(AtomicFile *af);

/* mkdir -p of the directory part of path. */
bool make_parent_dirs(const char *path);

/* Whether both paths name the same existing file (links followed). */
bool same_file(const char *a, const char *b);

#endif
