/*
 * The export's work: every table of Pod v3's list that the source has, then
 * the tag pseudo-tables, streamed from the source's snapshot into one JSON
 * object, table by table, with progress and a line per table.
 */
#ifndef PODMIGRATE_EXPORT_H
#define PODMIGRATE_EXPORT_H

#include "db.h"
#include "json_writer.h"

#include <stdint.h>

typedef struct ExportTotals {
	size_t tables;
	uint64_t rows;
	StrList absent; /* tables of the list the source lacks: owned, export_totals_free */
} ExportTotals;

/*
 * Begins the one consistent snapshot the whole export reads, lists the
 * source's tables into tables and checks they look like Pod v3.8 (a warning
 * only, with force). False, logged, when any of it fails.
 */
bool export_begin(Db *db, bool force, StrList *tables);
/* Ends the snapshot (it only read), whatever came between. */
void export_end(Db *db);

/*
 * Writes the whole document to w (present: the source's tables, read in the
 * snapshot the caller began), with a line and progress per table when
 * show_tables (migrate leaves those to its import). False, logged, at the
 * first failure: the output is then incomplete.
 */
bool export_run(Db *db, JsonWriter *w, const StrList *present, bool show_tables, ExportTotals *totals);
/* Tells which tables of the list were not there (normal for older sources). */
void export_report_absent(const ExportTotals *totals);
void export_totals_free(ExportTotals *totals);

#endif
