/*
 * The tags check of verify: the tagulous rows that v3's django-tagging rows
 * (or the file's pseudo-table) must give, against what v4's tag table and
 * relation table hold, link by link. Names are matched with the target's
 * case rule (the engine's iexact, as the import does), each key is one tag
 * named by its first spelling, slugs as tagulous gives them in id order,
 * counts = the objects linked, protected false; tags of objects v4 does not
 * have are accounted for as skipped. Memory: the source's names (like the
 * import's) and v4's tags; the links are streamed.
 */
#ifndef PODMIGRATE_POD_TAG_VERIFY_H
#define PODMIGRATE_POD_TAG_VERIFY_H

#include "db.h"
#include "diff_report.h"
#include "pod_schema.h"

typedef struct PodTagVerify PodTagVerify;

PodTagVerify *pod_tag_verify_begin(const PodTagSource *source);
/* One object's tag string (the pseudo-table's row; names NULL: none); false (logged) on a bad id. */
bool pod_tag_verify_add_string(PodTagVerify *tv, const char *object_id, size_t id_len, const char *names, size_t len);
/* One name of an object (v3's rows, grouped by object); false (logged) on a bad id. */
bool pod_tag_verify_add_name(PodTagVerify *tv, const char *object_id, size_t id_len, const char *name, size_t len);
/* Compares with v4 (in check) and frees tv; false (logged) when a query failed. */
bool pod_tag_verify_end(PodTagVerify *tv, Db *v4, TableCheck *check);
void pod_tag_verify_abort(PodTagVerify *tv);

#endif
