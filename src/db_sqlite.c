/* SQLite backend. */
#include "db_backend.h"
#include "log.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct SqliteDb {
	Db base;
	sqlite3 *conn;
} SqliteDb;

static sqlite3 *conn_of(Db *db) { return ((SqliteDb *)db)->conn; }

/*
 * Django registers this function on its SQLite connections, and a model's
 * CHECK constraint (a datetime compared as a date) may call it: without it
 * such a table cannot be written. Datetimes are stored in UTC, so the date
 * is the first 10 characters.
 */
static void django_datetime_cast_date(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	const unsigned char *text = sqlite3_value_text(argv[0]);
	int n = sqlite3_value_bytes(argv[0]);
	sqlite3_result_text(ctx, (const char *)text, n < 10 ? n : 10, SQLITE_TRANSIENT);
}

static bool sqlite_connect(Db *db, const DbUrl *url, DbOpenMode mode)
{
	SqliteDb *s = (SqliteDb *)db;
	/*
	 * Read-write even to export (never create: a wrong path is an error): a
	 * hot journal left by a killed writer must be rolled back before reading.
	 * query_only keeps the export from writing; a file we may not write is
	 * opened read-only. One connection, one thread: no SQLite mutexes.
	 */
	int rc = sqlite3_open_v2(url->path, &s->conn, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK && mode == DB_OPEN_READ && access(url->path, F_OK) == 0) {
		sqlite3_close(s->conn);
		s->conn = NULL;
		rc = sqlite3_open_v2(url->path, &s->conn, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	}
	if (rc == SQLITE_OK && mode == DB_OPEN_READ)
		rc = sqlite3_exec(s->conn, "PRAGMA query_only = ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot open SQLite database %s: %s", url->path,
		          s->conn ? sqlite3_errmsg(s->conn) : sqlite3_errstr(rc));
		return false;
	}
	sqlite3_busy_timeout(s->conn, 10000);
	sqlite3_extended_result_codes(s->conn, 1);
	rc = sqlite3_create_function(s->conn, "django_datetime_cast_date", 3,
	                             SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
	                             django_datetime_cast_date, NULL, NULL);
	if (rc != SQLITE_OK) {
		log_error("SQLite %s: cannot register django_datetime_cast_date: %s", url->path,
		          sqlite3_errmsg(s->conn));
		return false;
	}
	/* a larger page cache than the 2 MB default: big loads stop re-reading their indexes */
	if (mode == DB_OPEN_WRITE)
		sqlite3_exec(s->conn, "PRAGMA cache_size = -16384", NULL, NULL, NULL);
	if (mode == DB_OPEN_WRITE && sqlite3_exec(s->conn, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		log_error("SQLite %s: cannot enable foreign keys: %s", url->path, sqlite3_errmsg(s->conn));
		return false;
	}
	/* A file that is not a database only fails at the first read: check now. */
	char *err = NULL;
	rc = sqlite3_exec(s->conn, "SELECT count(*) FROM sqlite_master", NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		log_error("cannot read SQLite database %s: %s", url->path, err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return false;
	}
	return true;
}

static void sqlite_close(Db *db)
{
	SqliteDb *s = (SqliteDb *)db;
	sqlite3_close(s->conn);
	free(s);
}

static bool sqlite_exec(Db *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(conn_of(db), sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("SQLite: %s (in: %.200s)", err ? err : "unknown error", sql);
		sqlite3_free(err);
		return false;
	}
	return true;
}

/* Runs a statement, optionally binding one text parameter, streaming rows. */
static bool sqlite_run(Db *db, const char *sql, const char *param, DbRowFn fn, void *ctx)
{
	sqlite3 *conn = conn_of(db);
	sqlite3_stmt *stmt = NULL;
	if (sqlite3_prepare_v2(conn, sql, -1, &stmt, NULL) != SQLITE_OK) {
		log_error("SQLite: %s (in: %.200s)", sqlite3_errmsg(conn), sql);
		return false;
	}
	if (param)
		sqlite3_bind_text(stmt, 1, param, -1, SQLITE_STATIC);
	int ncols = sqlite3_column_count(stmt);
	DbValue *values = xmalloc(sizeof(DbValue) * (size_t)(ncols ? ncols : 1));
	StrBuf numbers = STRBUF_INIT; /* text of the numeric values of the current row */
	size_t *offsets = xmalloc(sizeof(size_t) * (size_t)(ncols ? ncols : 1));
	bool ok = true;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		sb_reset(&numbers);
		for (int i = 0; i < ncols; i++) {
			offsets[i] = (size_t)-1;
			switch (sqlite3_column_type(stmt, i)) {
			case SQLITE_NULL:
				values[i].data = NULL;
				values[i].len = 0;
				break;
			case SQLITE_INTEGER:
				offsets[i] = numbers.len;
				sb_append_int64(&numbers, (long long)sqlite3_column_int64(stmt, i));
				values[i].len = numbers.len - offsets[i];
				break;
			case SQLITE_FLOAT:
				/* sqlite3_column_text rounds to 15 digits: format it exactly ourselves */
				offsets[i] = numbers.len;
				sb_append_double(&numbers, sqlite3_column_double(stmt, i));
				values[i].len = numbers.len - offsets[i];
				break;
			default: {
				const void *blob = sqlite3_column_blob(stmt, i);
				values[i].len = (size_t)sqlite3_column_bytes(stmt, i);
				values[i].data = blob ? blob : "";
				break;
			}
			}
		}
		/* numbers may have moved while growing: point into it only now */
		for (int i = 0; i < ncols; i++)
			if (offsets[i] != (size_t)-1)
				values[i].data = numbers.data + offsets[i];
		if (!fn(ctx, values, (size_t)ncols)) {
			ok = false;
			break;
		}
	}
	if (ok && rc != SQLITE_DONE) {
		log_error("SQLite: %s (in: %.200s)", sqlite3_errmsg(conn), sql);
		ok = false;
	}
	sqlite3_finalize(stmt);
	free(values);
	free(offsets);
	sb_free(&numbers);
	return ok;
}

static bool sqlite_query(Db *db, const char *sql, DbRowFn fn, void *ctx)
{
	return sqlite_run(db, sql, NULL, fn, ctx);
}

static bool sqlite_list_tables(Db *db, StrList *tables)
{
	return sqlite_run(db,
	                  "SELECT name FROM sqlite_master WHERE type = 'table' "
	                  "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
	                  NULL, collect_first_column_text, tables);
}

static bool add_column_row(void *ctx, const DbValue *v, size_t ncols)
{
	(void)ncols;
	char *name = xstrndup(v[0].data, v[0].len);
	char *type = xstrndup(v[1].data ? v[1].data : "", v[1].len);
	bool not_null = v[2].data && v[2].data[0] != '0';
	bool pk = v[3].data && v[3].data[0] != '0';
	DbColumns *columns = ctx;
	db_columns_add(columns, name, type, not_null, pk);
	if (v[4].data && v[4].data[0] == '1')
		columns->items[columns->count - 1].kind = COL_JSON;
	free(name);
	free(type);
	return true;
}

static bool sqlite_list_columns(Db *db, const char *table, DbColumns *columns)
{
	/* Django's JSONField is text with a CHECK (JSON_VALID("column")) here */
	return sqlite_run(db,
	                  "SELECT name, type, \"notnull\", pk, instr(lower((SELECT sql FROM sqlite_master WHERE "
	                  "type = 'table' AND name = ?1)), lower('json_valid(\"' || replace(name, '\"', '\"\"') || "
	                  "'\")')) > 0 FROM pragma_table_info(?1) ORDER BY cid",
	                  table, add_column_row, columns);
}

static bool add_foreign_key_row(void *ctx, const DbValue *v, size_t ncols)
{
	(void)ncols;
	if (v[0].data && v[1].data && v[2].data)
		db_foreign_keys_add(ctx, v[0].data, v[1].data, v[2].data);
	return true;
}

static bool sqlite_list_foreign_keys(Db *db, const char *table, DbForeignKeys *keys)
{
	return sqlite_run(db, "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id",
	                  table, add_foreign_key_row, keys);
}

/* BEGIN takes its read lock at the first read and keeps it: one consistent snapshot. */
static bool sqlite_begin_snapshot(Db *db) { return sqlite_exec(db, "BEGIN"); }
static bool sqlite_begin(Db *db) { return sqlite_exec(db, "BEGIN IMMEDIATE"); }
static bool name_broken_key(void *ctx, const DbValue *v, size_t ncols)
{
	(void)ncols;
	unsigned *shown = ctx;
	if ((*shown)++ < 10)
		log_error("SQLite: table %.*s, rowid %.*s: its %.*s references %.*s.%.*s, which does not exist",
		          (int)v[0].len, v[0].data, (int)v[1].len, v[1].data ? v[1].data : "?", (int)v[4].len,
		          v[4].data ? v[4].data : "?", (int)v[2].len, v[2].data, (int)v[5].len, v[5].data ? v[5].data : "?");
	return true;
}

/*
 * A deferred foreign key broken at COMMIT is all SQLite says: the rows are
 * named from PRAGMA foreign_key_check (the transaction is still open then).
 */
static bool sqlite_commit(Db *db)
{
	sqlite3 *conn = conn_of(db);
	if (sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return true;
	int code = sqlite3_extended_errcode(conn);
	log_error("SQLite: %s (in: COMMIT)", sqlite3_errmsg(conn));
	if (code == SQLITE_CONSTRAINT_FOREIGNKEY && !sqlite3_get_autocommit(conn)) {
		unsigned shown = 0;
		sqlite_run(db,
		           "SELECT c.\"table\", c.rowid, c.parent, c.fkid, f.\"from\", f.\"to\" FROM pragma_foreign_key_check "
		           "c LEFT JOIN pragma_foreign_key_list(c.\"table\") f ON f.id = c.fkid",
		           NULL, name_broken_key, &shown);
	}
	return false;
}

static bool sqlite_rollback(Db *db)
{
	if (sqlite3_get_autocommit(conn_of(db)))
		return true; /* nothing open (an error already rolled it back) */
	return sqlite_exec(db, "ROLLBACK");
}

static void sqlite_select_expr(StrBuf *sb, const DbColumn *column)
{
	quote_ident_double(sb, column->name);
}

static void sqlite_order_expr(StrBuf *sb, const DbColumn *column)
{
	/* the default BINARY collation already sorts text bytewise */
	quote_ident_double(sb, column->name);
}

/* Django turns foreign keys on for its SQLite connections; checked at commit here. */
static bool sqlite_defer_constraints(Db *db)
{
	return sqlite_exec(db, "PRAGMA defer_foreign_keys = ON");
}

/* AUTOINCREMENT tables move sqlite_sequence past explicit ids by themselves. */
static bool sqlite_reset_sequence(Db *db, const char *table, const DbColumn *column)
{
	(void)db, (void)table, (void)column;
	return true;
}

/* Django's iexact on SQLite is LIKE, which folds ASCII letters only. */
static bool sqlite_iexact_key(Db *db, const char *name, size_t len,
                              StrBuf *key)
{
	(void)db;
	sb_append(key, name, len);
	for (size_t i = 0; i < len; i++)
		if (key->data[i] >= 'A' && key->data[i] <= 'Z')
			key->data[i] = (char)(key->data[i] - 'A' + 'a');
	return true;
}

static bool sqlite_iexact_keys(Db *db, const char *table, const char *column, const StrList *names, StrList *keys)
{
	(void)table, (void)column;
	return iexact_keys_each(db, names, keys, sqlite_iexact_key);
}

typedef struct SqliteLoader {
	DbLoader base;
	sqlite3_stmt *stmt;
} SqliteLoader;

static DbLoader *sqlite_load_begin(Db *db, const char *table, const DbColumns *columns)
{
	StrBuf sql = STRBUF_INIT;
	build_insert_head(&sql, quote_ident_double, table, columns);
	sb_putc(&sql, '(');
	for (size_t i = 0; i < columns->count; i++)
		sb_printf(&sql, "%s?%zu", i ? ", " : "", i + 1);
	sb_putc(&sql, ')');
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(conn_of(db), sql.data, (int)sql.len, &stmt, NULL);
	if (rc != SQLITE_OK) {
		log_error("SQLite: %s (in: %.200s)", sqlite3_errmsg(conn_of(db)), sql.data);
		sb_free(&sql);
		return NULL;
	}
	sb_free(&sql);
	SqliteLoader *l = xmalloc(sizeof(*l));
	db_loader_init(&l->base, db, table, columns);
	l->stmt = stmt;
	return &l->base;
}

static bool sqlite_load_row(DbLoader *loader, const DbValue *values)
{
	SqliteLoader *l = (SqliteLoader *)loader;
	for (size_t i = 0; i < loader->columns->count; i++) {
		/* text everywhere: the column affinity stores integers and booleans as numbers */
		if (values[i].data)
			sqlite3_bind_text64(l->stmt, (int)i + 1, values[i].data, values[i].len, SQLITE_STATIC,
			                    SQLITE_UTF8);
		else
			sqlite3_bind_null(l->stmt, (int)i + 1);
	}
	int rc = sqlite3_step(l->stmt);
	sqlite3_reset(l->stmt);
	if (rc != SQLITE_DONE) {
		log_error("SQLite: %s", sqlite3_errmsg(conn_of(loader->db)));
		return false;
	}
	return true;
}

static void sqlite_load_abort(DbLoader *loader)
{
	SqliteLoader *l = (SqliteLoader *)loader;
	sqlite3_finalize(l->stmt);
	db_loader_release(loader);
	free(l);
}

static bool sqlite_load_end(DbLoader *loader)
{
	sqlite_load_abort(loader);
	return true;
}

/* The file, links resolved; its directory's when the file does not exist yet (before --createDB). */
static char *sqlite_identity(const DbUrl *url)
{
	char *real = realpath(url->path, NULL);
	if (real)
		return real;
	const char *slash = strrchr(url->path, '/');
	char *dir = slash ? xstrndup(url->path, (size_t)(slash - url->path + (slash == url->path))) : xstrdup(".");
	char *real_dir = realpath(dir, NULL);
	StrBuf sb = STRBUF_INIT;
	if (real_dir)
		sb_printf(&sb, "%s/%s", real_dir, slash ? slash + 1 : url->path);
	else
		sb_puts(&sb, url->path);
	free(dir);
	free(real_dir);
	return sb_steal(&sb);
}

const DbOps db_sqlite_ops = {
	.stores_as_loaded = true,
	.engine_name = "SQLite",
	.db_size = sizeof(SqliteDb),
	.connect = sqlite_connect,
	.identity = sqlite_identity,
	.close = sqlite_close,
	.exec = sqlite_exec,
	.query = sqlite_query,
	.list_tables = sqlite_list_tables,
	.list_columns = sqlite_list_columns,
	.list_foreign_keys = sqlite_list_foreign_keys,
	.begin_snapshot = sqlite_begin_snapshot,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.quote_ident = quote_ident_double,
	.quote_literal = quote_literal_standard,
	.select_expr = sqlite_select_expr,
	.order_expr = sqlite_order_expr,
	.defer_constraints = sqlite_defer_constraints,
	.reset_sequence = sqlite_reset_sequence,
	.iexact_keys = sqlite_iexact_keys,
	.load_begin = sqlite_load_begin,
	.load_row = sqlite_load_row,
	.load_end = sqlite_load_end,
	.load_abort = sqlite_load_abort,
};
