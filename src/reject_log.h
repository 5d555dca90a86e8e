/*
 * The reject file: JSON Lines {"table": ..., "row": {...}, "reason": ...},
 * one per row left out of the import, next to the input file. Written under
 * a temporary name and renamed at the end, like the export.
 */
#ifndef PODMIGRATE_REJECT_LOG_H
#define PODMIGRATE_REJECT_LOG_H

#include "atomic_file.h"
#include "db.h"
#include "json_writer.h"

#include <stdint.h>

typedef struct RejectLog {
	char *path;
	AtomicFile file;
	JsonWriter *writer; /* opened at the first reject */
	uint64_t count;
} RejectLog;

/* The reject file of an input: "DIR/NAME.rejects.jsonl". */
void reject_log_init(RejectLog *log, const char *input_path);
bool reject_log_add(RejectLog *log, const char *table, const DbColumns *columns, const DbValue *values,
                    const char *reason);
/* Keeps the file if anything was rejected, else removes a stale one from an earlier run. */
bool reject_log_finish(RejectLog *log);
void reject_log_free(RejectLog *log);

#endif
