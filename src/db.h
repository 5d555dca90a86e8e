/*
 * Backend-neutral database interface: all the commands see of a database.
 * The engines (db_sqlite.c, db_pgsql.c, db_mysql.c) live behind it, their
 * shared internals in db_backend.h, which only db*.c include.
 *
 * Unless said otherwise, a function returning bool has logged why when it
 * returns false, and the caller only propagates the failure.
 */
#ifndef PODMIGRATE_DB_H
#define PODMIGRATE_DB_H

#include "db_url.h"
#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a column holds, derived from its catalog type on every engine. */
typedef enum {
	COL_TEXT,
	COL_INT,
	COL_BOOL,
	COL_FLOAT,
	COL_DECIMAL,
	COL_DATETIME,
	COL_DATE,
	COL_TIME,
	COL_UUID,
	COL_DURATION, /* read as integer microseconds, whatever the engine stores */
	COL_JSON,
	COL_BINARY,
} ColumnKind;

typedef struct DbColumn {
	char *name;
	char *type; /* as the catalog spells it, e.g. "tinyint(1)", "timestamp with time zone" */
	ColumnKind kind;
	bool not_null;
	bool primary_key;
	/* What the type allows, read from it the same way on every engine (db_columns_add): */
	int int_bits;     /* COL_INT: 8, 16, 24, 32 or 64 */
	bool is_unsigned; /* COL_INT: "unsigned" (MariaDB, and SQLite's Positive*Field) */
	size_t max_chars; /* COL_TEXT: N of char(N)/varchar(N), in characters; 0: no limit */
} DbColumn;

/*
 * A list of columns that always owns its strings (name, type): fill it only
 * with db_columns_add or db_columns_add_copy, free it with db_columns_free.
 * {0} is the empty list.
 */
typedef struct DbColumns {
	DbColumn *items;
	size_t count, cap;
} DbColumns;

/* One value of a streamed row: data == NULL means SQL NULL. Valid only during the callback. */
typedef struct DbValue {
	const char *data;
	size_t len;
} DbValue;

/*
 * Called once per row; returning false stops the query (the callback logged
 * why). It must not use the connection (no query, exec or load on it): the
 * rows are still being read from it.
 */
typedef bool (*DbRowFn)(void *ctx, const DbValue *values, size_t ncols);

typedef enum {
	DB_OPEN_READ,  /* export: the source is only read */
	DB_OPEN_WRITE, /* import: the target is written */
} DbOpenMode;

/* A connection (opaque). */
typedef struct Db Db;

/* A bulk load in progress into one table (opaque; see db_load_begin). */
typedef struct DbLoader DbLoader;

/* One single-column foreign key of a table (composite ones are not reported). */
typedef struct DbForeignKey {
	char *column;
	char *ref_table;
	char *ref_column;
} DbForeignKey;

/* Owns its strings, like DbColumns; {0} is the empty list. */
typedef struct DbForeignKeys {
	DbForeignKey *items;
	size_t count, cap;
} DbForeignKeys;

/* Connections. */

/* Parses the connection string, connects; logs and returns NULL on failure. Free with db_close. */
Db *db_open(const char *url, DbOpenMode mode);
/*
 * Whether two connection strings name the same database (same engine,
 * server and database name, or the same SQLite file), without connecting.
 * False (logged) when either does not parse.
 */
bool db_same_database(const char *url_a, const char *url_b, bool *same);
/* Closes and frees the connection (NULL: nothing); an open transaction is dropped by the server. */
void db_close(Db *db);
/* "SQLite", "PostgreSQL" or "MariaDB"; static. */
const char *db_engine_name(const Db *db);
/* The connection string without its password, for messages; owned by db. */
const char *db_display(const Db *db);
/*
 * Whether the engine keeps a value in the very text a load gave it, whatever
 * the column's type (SQLite), so that another text for the same value is
 * another value to Django; false where the type fixes the form (PostgreSQL,
 * MariaDB), read back in the engine's own spelling.
 */
bool db_stores_as_loaded(const Db *db);

/* Statements and queries. */

/* Runs one statement that returns no rows. */
bool db_exec(Db *db, const char *sql);
/* Runs sql, calling fn on each row in order; false if the query failed or fn returned false. */
bool db_query(Db *db, const char *sql, DbRowFn fn, void *ctx);
/* DELETE FROM table (a transaction keeps TRUNCATE's implicit commit on MariaDB away). */
bool db_delete_all(Db *db, const char *table);
/* Empties tables (children first) that no other table references. */
bool db_clear_tables(Db *db, const char *const *tables, size_t count);
/* Deletes the rows whose column is one of keys (quoted as text literals), in batched statements. */
bool db_delete_keys(Db *db, const char *table, const char *column, const StrList *keys);
/* The same with integer keys. */
bool db_delete_ids(Db *db, const char *table, const char *column, const int64_t *ids, size_t count);

/* Transactions. */

/* A read-only transaction seeing one consistent state of the database. */
bool db_begin_snapshot(Db *db);
/* A read-write transaction (SQLite: taking the write lock at once). */
bool db_begin(Db *db);
/* On failure the transaction is rolled back by the engine, or left for db_rollback. */
bool db_commit(Db *db);
/* Rolls back the open transaction; true when none is open. */
bool db_rollback(Db *db);
/* Foreign keys checked at commit (on MariaDB: not by the server at all, see integrity.h). */
bool db_defer_constraints(Db *db);

/* Catalog. */

/* Appends the tables of the database (PostgreSQL: of the current schema), sorted by name. */
bool db_list_tables(Db *db, StrList *tables);
/* Both fill an empty list; on failure it is left empty (nothing to free). */
bool db_list_columns(Db *db, const char *table, DbColumns *columns);
bool db_list_foreign_keys(Db *db, const char *table, DbForeignKeys *keys);
/* Appends a foreign key, its strings copied. */
void db_foreign_keys_add(DbForeignKeys *keys, const char *column, const char *ref_table, const char *ref_column);
/* Frees the strings and the array; the list is empty again. */
void db_foreign_keys_free(DbForeignKeys *keys);

/* SQL text, in the engine's dialect. */

/* Appends name as a quoted identifier. */
void db_quote_ident(Db *db, StrBuf *sb, const char *name);
/* Appends text as a quoted string literal (any byte but NUL). */
void db_quote_literal(Db *db, StrBuf *sb, const char *text);
/* An expression reading the column in the canonical text of its kind (unqualified). */
void db_select_expr(Db *db, StrBuf *sb, const DbColumn *column);
/* An expression sorting the column the same way on every engine (bytewise for text). */
void db_order_expr(Db *db, StrBuf *sb, const DbColumn *column);
/*
 * Appends "SELECT e1, e2, ... FROM t": each column with db_select_expr, in
 * order; the caller adds any alias, WHERE or ORDER BY.
 */
void db_append_select(Db *db, StrBuf *sql, const char *table, const DbColumns *columns);

/*
 * The id the engine gives the next row of table inserted without one (its
 * sequence, or AUTO_INCREMENT), in *next; 0 when the table has none. Engines
 * that always take the largest id plus one (SQLite) set *always_past.
 */
bool db_next_id(Db *db, const char *table, const DbColumn *column, int64_t *next, bool *always_past);

/* Writing. */

/* Moves the id sequence of table (column: its key) past its largest id. */
bool db_reset_sequence(Db *db, const char *table, const DbColumn *column);
/*
 * Sets aside the foreign keys from and to table for bulk writes, to be put
 * back (and validated in one pass each) by db_resume_foreign_keys; true
 * without doing anything where the engine gains nothing.
 * db_list_foreign_keys still reports the suspended keys.
 */
bool db_suspend_foreign_keys(Db *db, const char *table);
/* Puts back every suspended key, each validated: false if one does not hold. */
bool db_resume_foreign_keys(Db *db);
/*
 * The same, only if every row satisfies every suspended key: then *checked,
 * and the keys of the written tables need no check of their own (the engine
 * validated each on adding it back). Otherwise, and on engines that suspend
 * nothing, the keys stay as they are and *checked is false.
 */
bool db_resume_foreign_keys_checked(Db *db, bool *checked);
/*
 * The key under which the engine's case-insensitive comparison (Django's
 * iexact) on table.column finds each name, in order, appended to keys:
 * names with equal keys compare equal there. Names hold no NUL; a name that
 * is not valid UTF-8 fails where the engine needs to decode it.
 */
bool db_iexact_keys(Db *db, const char *table, const char *column, const StrList *names, StrList *keys);

/*
 * Bulk load into table's columns (matched to the catalog by the caller;
 * columns borrowed until the load ends). Values are in the canonical text
 * of their column kind (see values.h); rows may be buffered until
 * db_load_end, which reports the engine's refusal of any of them. Both
 * db_load_end and db_load_abort free the loader, whatever they return;
 * db_load_begin returns NULL on failure.
 */
DbLoader *db_load_begin(Db *db, const char *table, const DbColumns *columns);
/* One value per column, copied or sent before it returns; after false, only db_load_abort. */
bool db_load_row(DbLoader *loader, const DbValue *values);
/* Sends what is buffered; frees the loader. */
bool db_load_end(DbLoader *loader);
/* Stops the load, dropping the rows not yet sent (PostgreSQL: all of its COPY); frees the loader. */
void db_load_abort(DbLoader *loader);

/* Column lists. */

/* Frees the strings and the array; the list is empty again. */
void db_columns_free(DbColumns *columns);
/* Index of the column named name (len bytes), or -1. */
int db_column_index(const DbColumns *columns, const char *name, size_t len);
/*
 * Appends copies of the catalog columns of table named in names, in that
 * order; a missing one is an error (logged), out then holding those before it.
 */
bool db_pick_columns(Db *db, const char *table, const char *const *names, size_t count, DbColumns *out);
/*
 * Appends a column, name and type copied, its kind and limits read from
 * type; a backend that knows better (a text column with a JSON check) then
 * sets the kind itself.
 */
void db_columns_add(DbColumns *columns, const char *name, const char *type, bool not_null,
                    bool primary_key);
/* Appends a deep copy of column (strings, kind and limits as they are). */
void db_columns_add_copy(DbColumns *columns, const DbColumn *column);
/* Classifies a catalog type name the same way on every engine. */
ColumnKind column_kind_from_type(const char *type);
/* "text", "integer", ...: static. */
const char *column_kind_name(ColumnKind kind);

#endif
