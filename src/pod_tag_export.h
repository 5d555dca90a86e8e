/*
 * Tags out of django-tagging (v3): one pseudo-table row per tagged object,
 * {"<id_column>": id, "tag_name": "tag string"}, the names joined as tagulous
 * parses them back (pod_tags.h), in object order.
 */
#ifndef PODMIGRATE_POD_TAG_EXPORT_H
#define PODMIGRATE_POD_TAG_EXPORT_H

#include "db.h"
#include "json_writer.h"
#include "log.h"
#include "pod_schema.h"

#include <stdint.h>

/* Whether the database (its tables) has django-tagging's tables to read tags from. */
bool pod_tag_export_possible(const StrList *tables);

/* Appends the query of v3's (object id, tag name) rows of source, by object then by link id. */
void pod_tag_export_query(Db *db, const PodTagSource *source, StrBuf *sql);

/*
 * Writes source's pseudo-table ("name": [rows]) inside the file's object,
 * counting rows in *rows and showing progress; false (logged) on a bad row,
 * a query or write failure, or a stop signal.
 */
bool pod_tag_export(Db *db, JsonWriter *w, const PodTagSource *source, TableProgress *progress,
                    uint64_t *rows);

#endif
