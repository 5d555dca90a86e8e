/*
 * The tags check of verify: the tagulous rows that v3's django-tagging rows
 * (or the file's pseudo-table) must give, against what v4's tag table and
 * relation table hold, link by link. Names are matched with the target's
 * case rule (the engine's iexact, as the import does), each key is one tag
 * named by its first spelling (objects in ascending id, names in order),
 * slugs as tagulous gives them in id order, counts = the objects linked,
 * protected false; tags of objects v4 does not have are accounted for as
 * skipped.
 *
 * Two passes over the source: its distinct spellings first (their keys are
 * asked of the engine at once), then object by object against v4's links,
 * streamed by a second thread. Memory: the distinct names, v4's tags and
 * the ids of v4's objects; from v3 nothing else (the query runs twice), from
 * a file its pseudo-table's rows (a file is read once).
 */
#ifndef PODMIGRATE_POD_TAG_VERIFY_H
#define PODMIGRATE_POD_TAG_VERIFY_H

#include "db.h"
#include "diff_report.h"
#include "pod_schema.h"

/* From v3 (the tables of django-tagging), in check; false (logged) when a query failed. */
bool pod_tag_verify_db(Db *v3, Db *v4, const PodTagSource *source, TableCheck *check);

/* From the file: its pseudo-table's rows are kept, then compared. */
typedef struct PodTagVerify PodTagVerify;

PodTagVerify *pod_tag_verify_begin(const PodTagSource *source);
/* One row: the object's id and its tag string (names NULL: none); false (logged) on a bad id. */
bool pod_tag_verify_add_string(PodTagVerify *tv, const char *object_id, size_t id_len, const char *names, size_t len);
/* Compares with v4 (in check) and frees tv; false (logged) when a query failed. */
bool pod_tag_verify_end(PodTagVerify *tv, Db *v4, TableCheck *check);
void pod_tag_verify_abort(PodTagVerify *tv);

#endif
