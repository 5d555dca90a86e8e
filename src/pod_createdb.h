/*
 * --createDB: Pod v4's own 'make createDB', run in the install on an empty
 * database, so that the schema is the one this site's Django makes (its
 * LANGUAGES columns, its makemigrations), before the rows are loaded.
 */
#ifndef PODMIGRATE_POD_CREATEDB_H
#define PODMIGRATE_POD_CREATEDB_H

#include "db.h"

typedef struct PodCreateDb {
	const char *pod_dir; /* where the command runs */
	const char *command; /* "make createDB" unless told otherwise */
	bool dry;            /* only say what would run */
} PodCreateDb;

/*
 * Lists db's tables into tables; with create, first runs its command (its
 * output goes straight to ours) on db, which must have no table, and lists
 * what it made (nothing on a dry run). False (logged) on any failure,
 * nothing then imported.
 */
bool pod_createdb_tables(Db *db, const PodCreateDb *create, StrList *tables);

#endif
