/*
 * Brings a table with an integer primary key to a wanted set of rows by
 * writing only the difference, like rsync for rows: a re-run that changes
 * nothing reads the table once and writes nothing. Rows whose values
 * differ are deleted then inserted again (all deletes before any insert,
 * so unique columns never clash with a row that is going away); rows the
 * table lacks are inserted, rows it has in excess are deleted.
 */
#ifndef PODMIGRATE_TABLE_SYNC_H
#define PODMIGRATE_TABLE_SYNC_H

#include "db.h"

#include <stdint.h>

/*
 * The wanted rows, in strictly ascending id. next fills values (one per
 * column, values[0] the id as decimal text, canonical text as for
 * db_load_row), valid until the next call; it returns false at the end.
 * It must not use the database: it runs inside a query's row callback.
 */
typedef struct SyncSource {
	void *ctx;
	void (*rewind)(void *ctx);
	bool (*next)(void *ctx, int64_t *id, DbValue *values);
} SyncSource;

typedef struct SyncResult {
	uint64_t kept;     /* already there, equal */
	uint64_t deleted;  /* removed: absent from the wanted rows, or changed */
	uint64_t inserted; /* written: new, or changed */
} SyncResult;

/*
 * columns: the table's columns in the order of the source's values, the
 * integer primary key first. Foreign keys from and to the table are
 * suspended (db_suspend_foreign_keys) when any row changes.
 */
bool table_sync(Db *db, const char *table, const DbColumns *columns, const SyncSource *source,
                SyncResult *result);

#endif
