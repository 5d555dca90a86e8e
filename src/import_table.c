#include "import_table.h"

#include "log.h"
#include "pod_schema.h"
#include "pod_tag_import.h"
#include "stop.h"
#include "utf8.h"

#include <inttypes.h>

#include <stdlib.h>
#include <string.h>

/* skipped: the rows are counted (or, with --onlytags, the reader only scans over them). */

static bool skipped_begin(ImportRun *run, ImportTable *t)
{
	if (run->settings->only_tags) {
		t->summary->note = "scanned over: --onlytags";
		t->summary->folded = true;
	} else {
		t->summary->note = "skipped: not in the target";
	}
	return true;
}

static bool skipped_row(ImportRun *run, ImportTable *t, const JsonField *fields, size_t count, uint64_t row)
{
	(void)run, (void)t, (void)fields, (void)count, (void)row;
	return true;
}

static bool skipped_end(ImportRun *run, ImportTable *t, uint64_t rows)
{
	t->summary->read = rows; /* also when the reader only scanned over them */
	t->summary->seconds = clock_now() - t->progress.started;
	progress_clear();
	if (run->settings->only_tags)
		return true;
	StrBuf shown = STRBUF_INIT; /* a name from the file may hold any byte */
	utf8_append_visible(&shown, t->name, strlen(t->name), 100);
	log_notice("  %-45s %12" PRIu64 " rows skipped: the target has no such table", shown.data,
	           t->summary->read);
	sb_free(&shown);
	return true;
}

static void skipped_free(ImportTable *t) { (void)t; }

static const TableKind skipped_table = {skipped_begin, skipped_row, skipped_end, skipped_free};

/* tags: a tag pseudo-table, converted to tagulous tags and links. */

static bool tags_begin(ImportRun *run, ImportTable *t)
{
	t->state = pod_tag_import_begin(run->db, pod_tag_source_find(t->name), t->summary);
	return t->state != NULL;
}

static bool tags_row(ImportRun *run, ImportTable *t, const JsonField *fields, size_t count, uint64_t row)
{
	(void)run;
	return !stop_requested() && pod_tag_import_row(t->state, fields, count, row);
}

static bool tags_end(ImportRun *run, ImportTable *t, uint64_t rows)
{
	(void)rows;
	PodTagImport *tags = t->state;
	t->state = NULL; /* freed by the end, whatever its outcome */
	bool ok = pod_tag_import_end(tags);
	/*
	 * In a full import the tag rows are checked with the other tables
	 * (objects may yet be left out, and their links with them). Alone,
	 * they need no check: the links are built from the ids the target
	 * holds and the tags written with them.
	 */
	if (ok && !run->settings->only_tags) {
		const PodTagSource *source = pod_tag_source_find(t->name);
		strlist_add(&run->written_tables, source->relation_table);
		strlist_add(&run->written_tables, source->tag_table);
	}
	t->summary->seconds = clock_now() - t->progress.started;
	return ok;
}

static void tags_free(ImportTable *t)
{
	pod_tag_import_abort(t->state);
}

static const TableKind tag_table = {tags_begin, tags_row, tags_end, tags_free};

/* The handler: one ImportTable at a time, its kind chosen by name. */

static const TableKind *kind_of(const ImportRun *run, const char *table)
{
	size_t unused;
	if (pod_tag_source_find(table))
		return &tag_table;
	if (run->settings->only_tags || !strmap_get(&run->target_index, table, strlen(table), &unused))
		return &skipped_table;
	return &import_loaded_table;
}

void import_table_abandon(ImportRun *run)
{
	ImportTable *t = run->table;
	if (!t)
		return;
	t->kind->free(t);
	free(t);
	run->table = NULL;
}

static bool on_table_begin(void *ctx, const char *table)
{
	ImportRun *run = ctx;
	if (stop_requested())
		return false;
	ImportTable *t = xmalloc(sizeof(*t));
	*t = (ImportTable){.kind = kind_of(run, table)};
	t->summary = summary_add(&run->summary, table);
	t->name = t->summary->table;
	progress_start(&t->progress, t->name);
	run->table = t;
	return t->kind->begin(run, t);
}

static bool on_row(void *ctx, const JsonField *fields, size_t count)
{
	ImportRun *run = ctx;
	ImportTable *t = run->table;
	return t->kind->row(run, t, fields, count, ++t->summary->read);
}

static bool on_table_end(void *ctx, const char *table, uint64_t rows)
{
	ImportRun *run = ctx;
	(void)table;
	bool ok = run->table->kind->end(run, run->table, rows);
	import_table_abandon(run);
	return ok;
}

/* --onlytags: the other tables are only scanned over, not parsed. */
static bool skip_table(void *ctx, const char *table)
{
	const ImportRun *run = ctx;
	return run->settings->only_tags && !pod_tag_source_find(table);
}

const JsonTableHandler import_table_handler = {
	.skip_table = skip_table,
	.table_begin = on_table_begin,
	.row = on_row,
	.table_end = on_table_end,
};
