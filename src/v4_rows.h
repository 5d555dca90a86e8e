/*
 * Rows that Pod v4's createDB wrote and that a v3 file has no counterpart for:
 * the content types and permissions of v4-only models (hyperlinks, tagulous,
 * django_cas_ng, ...). The import replaces django_content_type and
 * auth_permission with v3's rows; these are then added back with ids past
 * v3's, as 'manage.py migrate' would create them.
 */
#ifndef PODMIGRATE_V4_ROWS_H
#define PODMIGRATE_V4_ROWS_H

#include "db.h"

typedef struct V4Rows {
	StrList content_types; /* "app_label\tmodel" */
	StrList permissions;   /* "app_label\tmodel\tcodename\tname" */
} V4Rows;

/* Reads them before the import deletes anything. */
bool v4_rows_snapshot(Db *db, V4Rows *rows);
/* Adds back those now missing; reports how many. */
bool v4_rows_restore(Db *db, const V4Rows *rows);
void v4_rows_free(V4Rows *rows);

#endif
