/*
 * Tags from django-tagging (v3) to django-tagulous (v4), set-based: the rows
 * of a tag pseudo-table of the export file become relation rows streamed to
 * the bulk loader, and the tags themselves (name, slug, count) are written
 * at the end. Memory grows with the number of distinct tags (plus a sorted
 * array of the ids of the tagged model), not with the number of relations.
 */
#ifndef PODMIGRATE_TAG_IMPORT_H
#define PODMIGRATE_TAG_IMPORT_H

#include "db.h"
#include "json_reader.h"
#include "pod_schema.h"
#include "summary.h"

typedef struct TagImport TagImport;

/* Deletes the old tag rows (relations first) and starts loading; NULL on error. */
TagImport *tag_import_begin(Db *db, const PodTagSource *source, TableSummary *summary);
bool tag_import_row(TagImport *ti, const JsonField *fields, size_t count, uint64_t row);
/* Writes the tags, moves the sequences and frees; false on error. */
bool tag_import_end(TagImport *ti);
void tag_import_abort(TagImport *ti);

#endif
