/*
 * Private to the database layer (db*.c only): what an engine provides and
 * the helpers the engines share. Callers see only db.h. Adding an engine is
 * one file filling a DbOps table and one row of the engines table in db.c.
 */
#ifndef PODMIGRATE_DB_BACKEND_H
#define PODMIGRATE_DB_BACKEND_H

#include "db.h"
#include "strbuf.h"

#include <stddef.h>

/*
 * What an engine provides. Every member is required unless its comment says
 * NULL is allowed; each does what the db.h function of the same name says
 * (db_exec, db_query, db_list_tables...), which only adds the logging.
 */
typedef struct DbOps {
	const char *engine_name; /* for messages: "SQLite", "PostgreSQL", "MariaDB" */
	/* See db_stores_as_loaded: true where no column type is enforced (SQLite). */
	bool stores_as_loaded;
	/* Size of the backend's connection struct, whose first member is a Db; db_open zeroes it. */
	size_t db_size;
	bool (*connect)(Db *db, const DbUrl *url, DbOpenMode mode);
	/*
	 * Which database url names, as text (owned by the caller) that is equal
	 * for two URLs of the same database: the server (host, port or socket,
	 * defaults filled in) and the database name, or the file.
	 */
	char *(*identity)(const DbUrl *url);
	/* Frees the backend struct too. */
	void (*close)(Db *db);
	bool (*exec)(Db *db, const char *sql);
	/* fn must not use the connection: the rows are still being read from it (COPY, mysql_use_result). */
	bool (*query)(Db *db, const char *sql, DbRowFn fn, void *ctx);
	bool (*list_tables)(Db *db, StrList *tables);
	bool (*list_columns)(Db *db, const char *table, DbColumns *columns);
	bool (*list_foreign_keys)(Db *db, const char *table, DbForeignKeys *keys);
	/* One consistent, read-only view for everything read until rollback (export). */
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
	/* See db_resume_foreign_keys_checked; NULL where nothing is suspended. */
	bool (*resume_foreign_keys_checked)(Db *db, bool *checked);
	/* Moves the id sequence of a table past its largest id (a no-op where none is kept apart). */
	bool (*reset_sequence)(Db *db, const char *table, const DbColumn *column);
	/* See db_next_id; NULL where new ids are always past the largest (SQLite's rowid, AUTOINCREMENT too). */
	bool (*next_id)(Db *db, const char *table, const DbColumn *column, int64_t *next);
	/* See db_iexact_keys. */
	bool (*iexact_keys)(Db *db, const char *table, const char *column, const StrList *names, StrList *keys);
	/*
	 * The engine's bulk path: COPY FROM STDIN, LOAD DATA or multi-row INSERT,
	 * prepared statement. load_end reports a refused row naming it; both
	 * load_end and load_abort free the loader.
	 */
	DbLoader *(*load_begin)(Db *db, const char *table, const DbColumns *columns);
	bool (*load_row)(DbLoader *loader, const DbValue *values);
	bool (*load_end)(DbLoader *loader);
	void (*load_abort)(DbLoader *loader);
} DbOps;

/* Backends embed a Db first in their connection struct. */
struct Db {
	const DbOps *ops;
	char *display; /* connection string without password, for messages */
};

/* Backends embed a DbLoader first in their loader struct and set it up with db_loader_init. */
struct DbLoader {
	Db *db;
	char *table;
	const DbColumns *columns; /* borrowed from the caller for the load's duration */
};

extern const DbOps db_sqlite_ops;
extern const DbOps db_pgsql_ops;
extern const DbOps db_mysql_ops;

void db_loader_init(DbLoader *loader, Db *db, const char *table, const DbColumns *columns);
/* Frees what db_loader_init allocated (the backend frees its own struct). */
void db_loader_release(DbLoader *loader);

/* text between two quote characters, any quote inside doubled. */
void quote_doubling(StrBuf *sb, const char *text, char quote);
/* "name" with embedded quotes doubled: the SQL standard form (PostgreSQL, SQLite). */
void quote_ident_double(StrBuf *sb, const char *name);
/* 'text' with embedded quotes doubled (no backslash escapes). */
void quote_literal_standard(StrBuf *sb, const char *text);

/* Row callback adding the first column's text (if not NULL) to a StrList. */
bool collect_first_column_text(void *ctx, const DbValue *values, size_t ncols);

/* DbOps.iexact_keys for engines that compute each name's key alone with key_of. */
bool iexact_keys_each(Db *db, const StrList *names, StrList *keys,
                      bool (*key_of)(Db *db, const char *name, size_t len, StrBuf *key));

/* "c1, c2, ..." with the engine's identifier quoting. */
void append_column_names(StrBuf *sb, void (*quote_ident)(StrBuf *, const char *), const DbColumns *columns);
/* "INSERT INTO t (c1, c2, ...) VALUES " with the engine's identifier quoting. */
void build_insert_head(StrBuf *sb, void (*quote_ident)(StrBuf *, const char *), const char *table,
                       const DbColumns *columns);

#endif
