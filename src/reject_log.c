#include "reject_log.h"

#include "log.h"
#include "row_writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void reject_log_init(RejectLog *log, const char *input_path)
{
	memset(log, 0, sizeof(*log));
	StrBuf path = STRBUF_INIT;
	const char *dot = strrchr(input_path, '.');
	const char *slash = strrchr(input_path, '/');
	size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - input_path) : strlen(input_path);
	if (!strcmp(input_path, "-"))
		sb_puts(&path, "stdin");
	else
		sb_append(&path, input_path, stem);
	sb_puts(&path, ".rejects.jsonl");
	log->path = sb_steal(&path);
}

bool reject_log_add(RejectLog *log, const char *table, const DbColumns *columns, const DbValue *values,
                    const char *reason)
{
	if (!log->writer) {
		/* it may hold password hashes, like the export */
		if (!atomic_file_open(&log->file, log->path, S_IRUSR | S_IWUSR))
			return false;
		log->writer = xmalloc(sizeof(JsonWriter));
		json_writer_init(log->writer, log->file.fp, true, -1);
	}
	JsonWriter *w = log->writer;
	RowWriter rw;
	bool ok = row_writer_init(&rw, w, table, columns);
	json_begin_object(w);
	json_key(w, "table", 5);
	json_string(w, table, strlen(table));
	json_key(w, "row", 3);
	ok = ok && row_writer_write(&rw, w, values, columns->count, log->count + 1);
	json_key(w, "reason", 6);
	json_string(w, reason, strlen(reason));
	json_end_object(w);
	json_finish(w);
	row_writer_free(&rw);
	log->count++;
	return ok;
}

bool reject_log_finish(RejectLog *log)
{
	if (log->writer) {
		json_writer_flush(log->writer);
		return atomic_file_commit(&log->file);
	}
	if (unlink(log->path) != 0 && errno != ENOENT)
		log_warn("cannot remove the stale reject file %s: %s", log->path, strerror(errno));
	return true;
}

void reject_log_free(RejectLog *log)
{
	if (log->writer)
		atomic_file_abort(&log->file); /* no-op after a commit */
	free(log->writer);
	free(log->path);
	memset(log, 0, sizeof(*log));
}
