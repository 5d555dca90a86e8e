/*
 * Rows that Pod v4's createDB wrote and that a v3 file has no counterpart for:
 * the content types and permissions of v4-only models (hyperlinks, tagulous,
 * django_cas_ng, ...). The import replaces django_content_type and
 * auth_permission with v3's rows; these are then added back with ids past
 * v3's, as 'manage.py migrate' would create them.
 */
#ifndef PODMIGRATE_POD_V4_ROWS_H
#define PODMIGRATE_POD_V4_ROWS_H

#include "db.h"

typedef struct PodV4Rows {
	StrList content_types; /* "app_label\tmodel" */
	StrList permissions;   /* "app_label\tmodel\tcodename\tname" */
} PodV4Rows;

/* Reads them before the import deletes anything. */
bool pod_v4_rows_snapshot(Db *db, PodV4Rows *rows);
/*
 * Adds back those now missing, the content types only of models whose table
 * v4 has (tables: v4's): one v4 has for a model it lacks is a leftover of an
 * earlier import, not createDB's, and is left out with its permissions
 * (named). Reports how many.
 */
bool pod_v4_rows_restore(Db *db, const PodV4Rows *rows, const StrList *tables);
void pod_v4_rows_free(PodV4Rows *rows);

#endif
