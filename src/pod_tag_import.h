/*
 * Tags from django-tagging (v3) to django-tagulous (v4), set-based: the rows
 * of a tag pseudo-table of the export file go to a scratch file (spill.h),
 * are merged in ascending object id with the ids of the tagged model in the
 * target, then the tags (name, slug, count) and their relation rows are
 * computed and written with table_sync: only the rows that differ from those
 * already in the target are deleted and inserted, so a re-run over the same
 * data writes nothing. Memory grows with the number of distinct tags, not
 * with the objects (16 bytes per row only for a file not in id order).
 */
#ifndef PODMIGRATE_POD_TAG_IMPORT_H
#define PODMIGRATE_POD_TAG_IMPORT_H

#include "db.h"
#include "json_reader.h"
#include "pod_schema.h"
#include "summary.h"

typedef struct PodTagImport PodTagImport;

/* Reads the ids of the tagged model in the target; NULL on error. */
PodTagImport *pod_tag_import_begin(Db *db, const PodTagSource *source, TableSummary *summary);
bool pod_tag_import_row(PodTagImport *ti, const JsonField *fields, size_t count, uint64_t row);
/* Writes the difference (relations deleted before tags), moves the sequences and frees; false on error. */
bool pod_tag_import_end(PodTagImport *ti);
void pod_tag_import_abort(PodTagImport *ti);

/*
 * After links were left out (their object was, for a dangling reference):
 * each tag's count becomes the links left, and a tag left with none is
 * deleted, as tagulous does when a count drops to 0 (unless protected).
 */
bool pod_tag_import_recount(Db *db, const PodTagSource *source);

#endif
