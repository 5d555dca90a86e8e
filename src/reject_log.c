#include "reject_log.h"

#include "log.h"
#include "row_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_START "{\"table\":"

char *reject_log_default_path(const char *input_path)
{
	if (!strcmp(input_path, "-"))
		return xstrdup("podmigrate.rejects.jsonl");
	StrBuf path = STRBUF_INIT;
	const char *dot = strrchr(input_path, '.');
	const char *slash = strrchr(input_path, '/');
	size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - input_path) : strlen(input_path);
	sb_append(&path, input_path, stem);
	sb_puts(&path, ".rejects.jsonl");
	return sb_steal(&path);
}

void reject_log_init(RejectLog *log, const char *path, bool write)
{
	*log = (RejectLog){0};
	log->path = xstrdup(path);
	log->write = write;
}

bool reject_log_add(RejectLog *log, const char *table, const DbColumns *columns, const DbValue *values,
                    const char *reason)
{
	log->count++;
	if (!log->write)
		return true;
	if (!log->open) {
		/* it may hold password hashes, like the export */
		if (!atomic_file_open(&log->file, log->path, S_IRUSR | S_IWUSR))
			return false;
		json_writer_init(&log->writer, log->file.fp, true, -1);
		log->open = true;
	}
	JsonWriter *w = &log->writer;
	RowWriter rw;
	bool ok = row_writer_init(&rw, w, table, columns);
	json_begin_object(w);
	json_key(w, "table", 5);
	json_string(w, table, strlen(table));
	json_key(w, "row", 3);
	ok = ok && row_writer_write(&rw, w, values, columns->count, log->count);
	json_key(w, "reason", 6);
	json_string(w, reason, strlen(reason));
	json_end_object(w);
	json_finish(w);
	row_writer_free(&rw);
	return ok;
}

/* Whether path holds a reject file (its first record), so that removing it loses nothing of the user's. */
static bool is_reject_file(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char start[sizeof(RECORD_START)] = {0};
	bool ours = fread(start, 1, sizeof(start) - 1, f) == sizeof(start) - 1 && !strcmp(start, RECORD_START);
	fclose(f);
	return ours;
}

bool reject_log_finish(RejectLog *log)
{
	if (log->open) {
		json_writer_flush(&log->writer);
		log->open = false;
		json_writer_free(&log->writer);
		return atomic_file_commit(&log->file);
	}
	if (!log->write || access(log->path, F_OK) != 0)
		return true;
	/* an earlier run's rejects would now mislead */
	if (!is_reject_file(log->path))
		log_warn("%s is not a reject file of podmigrate: left as it is", log->path);
	else if (unlink(log->path) == 0)
		log_info("removed %s, the reject file of an earlier run (this one left nothing out)", log->path);
	else
		log_warn("cannot remove %s, the reject file of an earlier run: %s", log->path, strerror(errno));
	return true;
}

void reject_log_free(RejectLog *log)
{
	if (log->open) {
		json_writer_free(&log->writer);
		atomic_file_abort(&log->file);
	}
	free(log->path);
	*log = (RejectLog){0};
}

static JsonField field_of(const char *key, yajl_val v)
{
	JsonField f = {key, strlen(key), JSON_RAW, "", 0};
	if (YAJL_IS_STRING(v))
		f.type = JSON_STRING, f.text = v->u.string;
	else if (YAJL_IS_NUMBER(v))
		f.type = JSON_NUMBER, f.text = v->u.number.r;
	else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		f.type = JSON_BOOL, f.text = YAJL_IS_TRUE(v) ? "true" : "false";
	else if (YAJL_IS_NULL(v))
		f.type = JSON_NULL, f.text = NULL;
	f.len = f.text ? strlen(f.text) : 0;
	return f;
}

bool reject_log_read(const char *path, RejectRecordFn fn, void *ctx)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		log_error("cannot open the reject file %s: %s", path, strerror(errno));
		return false;
	}
	char *line = NULL;
	size_t cap = 0;
	uint64_t number = 0;
	bool ok = true;
	JsonField *fields = NULL;
	size_t field_cap = 0;
	ssize_t n;
	while (ok && (n = getline(&line, &cap, f)) >= 0) {
		number++;
		if (n == 0 || (n == 1 && line[0] == '\n'))
			continue;
		char why[256];
		yajl_val rec = memchr(line, '\0', (size_t)n) ? NULL : yajl_tree_parse(line, why, sizeof(why));
		const char *table_path[] = {"table", NULL}, *row_path[] = {"row", NULL}, *reason_path[] = {"reason", NULL};
		yajl_val table = rec ? yajl_tree_get(rec, table_path, yajl_t_string) : NULL;
		yajl_val row = rec ? yajl_tree_get(rec, row_path, yajl_t_object) : NULL;
		yajl_val reason = rec ? yajl_tree_get(rec, reason_path, yajl_t_string) : NULL;
		if (!table || !row) {
			log_error("%s: line %" PRIu64 ": not a reject record ({\"table\": ..., \"row\": {...}, "
			          "\"reason\": ...})", path, number);
			ok = false;
		} else {
			size_t count = row->u.object.len;
			if (count > field_cap) {
				field_cap = count;
				fields = xrealloc(fields, sizeof(JsonField) * field_cap);
			}
			for (size_t i = 0; i < count; i++)
				fields[i] = field_of(row->u.object.keys[i], row->u.object.values[i]);
			ok = fn(ctx, table->u.string, fields, count, reason ? reason->u.string : "", number);
		}
		yajl_tree_free(rec);
	}
	if (ok && ferror(f)) {
		log_error("cannot read the reject file %s: %s", path, strerror(errno));
		ok = false;
	}
	free(fields);
	free(line);
	fclose(f);
	return ok;
}
