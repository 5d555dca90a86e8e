/*
 * Backend-neutral database interface. The commands talk only to this; each
 * engine (db_sqlite.c, db_pgsql.c, db_mysql.c) fills a DbOps table.
 */
#ifndef PODMIGRATE_DB_H
#define PODMIGRATE_DB_H

#include "db_url.h"
#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

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

typedef struct DbColumns {
	DbColumn *items;
	size_t count, cap;
} DbColumns;

/* One value of a streamed row: data == NULL means SQL NULL. Valid only during the callback. */
typedef struct DbValue {
	const char *data;
	size_t len;
} DbValue;

/* Called once per row; returning false stops the query (the callback logged why). */
typedef bool (*DbRowFn)(void *ctx, const DbValue *values, size_t ncols);

typedef enum {
	DB_OPEN_READ,  /* export: the source is only read */
	DB_OPEN_WRITE, /* import: the target is written */
} DbOpenMode;

typedef struct Db Db;

/* One single-column foreign key of a table (Django makes no composite ones). */
typedef struct DbForeignKey {
	char *column;
	char *ref_table;
	char *ref_column;
} DbForeignKey;

typedef struct DbForeignKeys {
	DbForeignKey *items;
	size_t count, cap;
} DbForeignKeys;

/* A bulk load in progress into one table (see db_load_begin). */
typedef struct DbLoader {
	Db *db;
	char *table;
	const DbColumns *columns; /* borrowed from the caller for the load's duration */
	unsigned long long rows;  /* rows accepted so far */
} DbLoader;

typedef struct DbOps {
	const char *engine_name;
	bool (*connect)(Db *db, const DbUrl *url, DbOpenMode mode);
	void (*close)(Db *db);
	bool (*exec)(Db *db, const char *sql);
	bool (*query)(Db *db, const char *sql, DbRowFn fn, void *ctx);
	bool (*list_tables)(Db *db, StrList *tables);
	bool (*list_columns)(Db *db, const char *table, DbColumns *columns);
	bool (*list_foreign_keys)(Db *db, const char *table, DbForeignKeys *keys);
	bool (*begin_snapshot)(Db *db);
	bool (*begin)(Db *db);
	bool (*commit)(Db *db);
	bool (*rollback)(Db *db);
	void (*quote_ident)(StrBuf *sb, const char *name);
	void (*quote_literal)(StrBuf *sb, const char *text);
	/* SQL expression reading a column in the canonical form of its kind. */
	void (*select_expr)(StrBuf *sb, const DbColumn *column);
	/* SQL expression sorting a column the same way on every engine (bytewise for text). */
	void (*order_expr)(StrBuf *sb, const DbColumn *column);
	/* Foreign keys checked at commit (or, on MariaDB, not by the server at all). */
	bool (*defer_constraints)(Db *db);
	/*
	 * Empties tables whose incoming foreign keys are suspended (or that only
	 * reference each other), in one go; NULL: DELETE each.
	 */
	bool (*clear_tables)(Db *db, const char *const *tables, size_t count);
	/*
	 * Bulk loads without per-row foreign-key work: the keys from and to table
	 * are set aside, to be restored (and validated in one pass each) by
	 * resume_foreign_keys. NULL where the engine gains nothing.
	 */
	bool (*suspend_foreign_keys)(Db *db, const char *table);
	bool (*resume_foreign_keys)(Db *db);
	/* Moves the id sequence of a table past its largest id. */
	bool (*reset_sequence)(Db *db, const char *table, const DbColumn *column);
	/*
	 * The key under which Django's case-insensitive lookup (iexact) on
	 * table.column finds name on this engine: names with equal keys are one tag.
	 */
	bool (*iexact_keys)(Db *db, const char *table, const char *column, const StrList *names, StrList *keys);
	/* The engine's bulk path: COPY FROM STDIN, multi-row INSERT, prepared statement. */
	DbLoader *(*load_begin)(Db *db, const char *table, const DbColumns *columns);
	bool (*load_row)(DbLoader *loader, const DbValue *values);
	bool (*load_end)(DbLoader *loader);
	void (*load_abort)(DbLoader *loader);
} DbOps;

struct Db {
	const DbOps *ops;
	char *display; /* connection string without password, for messages */
	char *last_query; /* for error messages */
};

extern const DbOps db_sqlite_ops;
extern const DbOps db_pgsql_ops;
extern const DbOps db_mysql_ops;

/* Parses the connection string, connects; logs and returns NULL on failure. */
Db *db_open(const char *url, DbOpenMode mode);
void db_close(Db *db);

const char *db_engine_name(const Db *db);
const char *db_display(const Db *db);

bool db_exec(Db *db, const char *sql);
/* DELETE FROM table (a transaction keeps TRUNCATE's implicit commit on MariaDB away). */
bool db_delete_all(Db *db, const char *table);
/* Empties tables (children first) that no other table references. */
bool db_clear_tables(Db *db, const char *const *tables, size_t count);
bool db_query(Db *db, const char *sql, DbRowFn fn, void *ctx);
bool db_list_tables(Db *db, StrList *tables);
/* Both fill an empty list; on failure it is left empty (nothing to free). */
bool db_list_columns(Db *db, const char *table, DbColumns *columns);
bool db_list_foreign_keys(Db *db, const char *table, DbForeignKeys *keys);
void db_foreign_keys_add(DbForeignKeys *keys, const char *column, const char *ref_table, const char *ref_column);
void db_foreign_keys_free(DbForeignKeys *keys);
bool db_begin_snapshot(Db *db);
bool db_begin(Db *db);
bool db_commit(Db *db);
bool db_rollback(Db *db);
void db_quote_ident(Db *db, StrBuf *sb, const char *name);
void db_quote_literal(Db *db, StrBuf *sb, const char *text);
void db_select_expr(Db *db, StrBuf *sb, const DbColumn *column);
void db_order_expr(Db *db, StrBuf *sb, const DbColumn *column);

bool db_defer_constraints(Db *db);
bool db_reset_sequence(Db *db, const char *table, const DbColumn *column);
/* See DbOps; list_foreign_keys still reports the suspended keys. */
bool db_suspend_foreign_keys(Db *db, const char *table);
bool db_resume_foreign_keys(Db *db);
/* The iexact key of each name (see DbOps), in order; names hold no NUL. */
bool db_iexact_keys(Db *db, const char *table, const char *column, const StrList *names, StrList *keys);

/*
 * Bulk load into table's columns (matched to the catalog by the caller).
 * Values are in the canonical text of their column kind (see values.h);
 * rows may be buffered until db_load_end, which reports the engine's refusal
 * of any of them. Both db_load_end and db_load_abort free the loader.
 */
DbLoader *db_load_begin(Db *db, const char *table, const DbColumns *columns);
bool db_load_row(DbLoader *loader, const DbValue *values);
bool db_load_end(DbLoader *loader);
void db_load_abort(DbLoader *loader);

void db_columns_free(DbColumns *columns);
/* Index of the column named name (len bytes), or -1. */
int db_column_index(const DbColumns *columns, const char *name, size_t len);
/* The catalog columns of table named in names, in that order; a missing one is an error. */
bool db_pick_columns(Db *db, const char *table, const char *const *names, size_t count, DbColumns *out);
/*
 * Appends a column to the list (used by the backends), its kind and limits
 * read from type; a backend that knows better (a text column with a JSON
 * check) then sets the kind itself.
 */
void db_columns_add(DbColumns *columns, const char *name, const char *type, bool not_null,
                    bool primary_key);
/* Appends a copy of column (its strings copied: a DbColumns always owns its strings). */
void db_columns_add_copy(DbColumns *columns, const DbColumn *column);
/* Classifies a catalog type name the same way on every engine. */
ColumnKind column_kind_from_type(const char *type);
const char *column_kind_name(ColumnKind kind);

#endif
