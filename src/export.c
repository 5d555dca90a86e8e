#include "export.h"

#include "log.h"
#include "pod_schema.h"
#include "pod_tag_export.h"
#include "row_stream.h"
#include "row_writer.h"
#include "stop.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* State of the table being streamed. */
typedef struct TableStream {
	JsonWriter *w;
	RowWriter rw;
	uint64_t rows;
	TableProgress progress;
} TableStream;

static bool write_table_row(void *ctx, const DbValue *values, size_t ncols)
{
	TableStream *ts = ctx;
	if (stop_requested() || !json_writer_ok(ts->w))
		return false;
	if (!row_writer_write(&ts->rw, ts->w, values, ncols, ts->rows + 1))
		return false;
	ts->rows++;
	progress_rows(&ts->progress, ts->rows);
	return true;
}

static char *build_select(Db *db, const char *table, const DbColumns *columns)
{
	StrBuf sql = STRBUF_INIT;
	db_append_select(db, &sql, table, columns);
	/* rows sorted by key, the same on every engine, so that exports compare */
	bool first = true;
	for (size_t i = 0; i < columns->count; i++) {
		if (!columns->items[i].primary_key)
			continue;
		sb_puts(&sql, first ? " ORDER BY " : ", ");
		db_order_expr(db, &sql, &columns->items[i]);
		first = false;
	}
	return sb_steal(&sql);
}

static void table_done(ExportTotals *totals, const TableProgress *progress, uint64_t rows)
{
	progress_clear();
	log_msg(progress->hidden ? LOG_DEBUG : LOG_INFO, "  %-45s %12" PRIu64 " rows %8.2f s", progress->table, rows,
	        clock_now() - progress->started);
	totals->tables++;
	totals->rows += rows;
}

static bool export_table(Db *db, JsonWriter *w, const char *table, bool show, ExportTotals *totals)
{
	DbColumns columns = {0};
	if (!db_list_columns(db, table, &columns))
		return false;
	if (columns.count == 0) {
		log_error("table %s: the catalog lists no columns", table);
		return false;
	}
	TableStream ts = {.w = w};
	bool ok = row_writer_init(&ts.rw, w, table, &columns);
	char *sql = build_select(db, table, &columns);
	progress_start(&ts.progress, table);
	ts.progress.hidden = !show;
	json_key(w, table, strlen(table));
	json_begin_array(w);
	/* read by a thread of its own: the engine's rows are fetched and split while this one writes JSON */
	RowStream *rows = ok ? row_stream_open(db, sql) : NULL;
	const DbValue *values;
	size_t ncols;
	ok = rows != NULL;
	while (ok && row_stream_next(rows, &values, &ncols))
		ok = write_table_row(&ts, values, ncols);
	ok = (!rows || row_stream_close(rows)) && ok;
	json_end_array(w);
	free(sql);
	row_writer_free(&ts.rw);
	db_columns_free(&columns);
	if (!ok) {
		progress_clear();
		if (!json_writer_cancelled(w)) /* else the reader stopped, and said why */
			log_error("table %s: export failed after %" PRIu64 " rows", table, ts.rows);
		return false;
	}
	table_done(totals, &ts.progress, ts.rows);
	return true;
}

static bool export_tags(Db *db, JsonWriter *w, const PodTagSource *source, bool show, ExportTotals *totals)
{
	TableProgress progress;
	progress_start(&progress, source->table);
	progress.hidden = !show;
	uint64_t rows;
	if (!pod_tag_export(db, w, source, &progress, &rows))
		return false;
	table_done(totals, &progress, rows);
	return true;
}

bool export_begin(Db *db, bool force, StrList *tables)
{
	return db_begin_snapshot(db) && db_list_tables(db, tables) && pod_check_v3(tables, force);
}

void export_end(Db *db)
{
	db_rollback(db);
}

bool export_run(Db *db, JsonWriter *w, const StrList *present, bool show_tables, ExportTotals *totals)
{
	json_begin_object(w);
	for (size_t i = 0; i < pod_v3_table_count; i++) {
		const char *table = pod_v3_tables[i];
		if (!strlist_contains(present, table)) {
			strlist_add(&totals->absent, table);
			continue;
		}
		if (!export_table(db, w, table, show_tables, totals))
			return false;
	}
	bool has_tagging = pod_tag_export_possible(present);
	for (size_t i = 0; i < pod_tag_source_count; i++) {
		if (!has_tagging) {
			strlist_add(&totals->absent, pod_tag_sources[i].table);
			continue;
		}
		if (!export_tags(db, w, &pod_tag_sources[i], show_tables, totals))
			return false;
	}
	json_end_object(w);
	json_finish(w);
	return !stop_requested(); /* a signal after the last row still leaves no file */
}

void export_report_absent(const ExportTotals *totals)
{
	const StrList *absent = &totals->absent;
	if (absent->count == 0)
		return;
	StrBuf list = STRBUF_INIT;
	for (size_t i = 0; i < absent->count; i++) {
		if (i)
			sb_puts(&list, ", ");
		sb_puts(&list, absent->items[i]);
	}
	log_notice("notice: %zu tables of the list are not in the source and were skipped "
	           "(normal for tables added after this Pod version): %s", absent->count, list.data);
	sb_free(&list);
}

void export_totals_free(ExportTotals *totals)
{
	strlist_free(&totals->absent);
}
