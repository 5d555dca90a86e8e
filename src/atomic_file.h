/*
 * Output file written under a temporary name in the target directory and
 * renamed over the target only once complete and synced: a failed or
 * interrupted run leaves the previous file untouched and no partial file.
 */
#ifndef PODMIGRATE_ATOMIC_FILE_H
#define PODMIGRATE_ATOMIC_FILE_H

#include <stdbool.h>
#include <stdio.h>

typedef struct AtomicFile {
	char *path;
	char *temp_path;
	FILE *fp;
} AtomicFile;

/* Creates missing directories; the file gets the given mode (0600 for secrets). */
bool atomic_file_open(AtomicFile *af, const char *path, int mode);
/* Flushes, syncs, closes and renames; a failed write (disk full) is reported here. */
bool atomic_file_commit(AtomicFile *af);
/* Drops the temporary file; safe after a failed commit or when never opened. */
void atomic_file_abort(AtomicFile *af);

/* mkdir -p of the directory part of path. */
bool make_parent_dirs(const char *path);

#endif
