#include "db_backend.h"

#include "log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/*
 * Keys per DELETE ... IN statement: even 1000 of the longest indexable keys
 * stay far below MariaDB's max_allowed_packet; SQLite and PostgreSQL set no
 * limit that near.
 */
#define DELETE_BATCH 1000

/* The backend of each engine db_url_parse knows: adding one is a row here and a db_<engine>.c. */
static const DbOps *const engines[] = {
	[DB_ENGINE_SQLITE] = &db_sqlite_ops,
	[DB_ENGINE_PGSQL] = &db_pgsql_ops,
	[DB_ENGINE_MYSQL] = &db_mysql_ops,
};
_Static_assert(sizeof(engines) / sizeof(engines[0]) == DB_ENGINE_COUNT, "an engine without its row in engines[]");

bool db_same_database(const char *url_a, const char *url_b, bool *same)
{
	DbUrl a, b;
	bool ok = db_url_parse(url_a, &a);
	ok = db_url_parse(url_b, &b) && ok;
	*same = false;
	if (ok && a.engine == b.engine) {
		char *ia = engines[a.engine]->identity(&a), *ib = engines[b.engine]->identity(&b);
		*same = strcmp(ia, ib) == 0;
		free(ia);
		free(ib);
	}
	db_url_free(&a);
	db_url_free(&b);
	return ok;
}

Db *db_open(const char *text, DbOpenMode mode)
{
	DbUrl url;
	if (!db_url_parse(text, &url)) {
		db_url_free(&url);
		return NULL;
	}
	const DbOps *ops = engines[url.engine];
	Db *db = xmalloc(ops->db_size);
	memset(db, 0, ops->db_size);
	db->ops = ops;
	db->display = xstrdup(url.redacted);
	bool ok = db->ops->connect(db, &url, mode);
	db_url_free(&url);
	if (!ok) {
		db_close(db);
		return NULL;
	}
	log_debug("connected to %s (%s)", db->display, db->ops->engine_name);
	return db;
}

void db_close(Db *db)
{
	if (!db)
		return;
	char *display = db->display;
	db->ops->close(db); /* frees the backend struct */
	free(display);
}

const char *db_engine_name(const Db *db) { return db->ops->engine_name; }
bool db_stores_as_loaded(const Db *db) { return db->ops->stores_as_loaded; }

const char *db_display(const Db *db) { return db->display; }

bool db_exec(Db *db, const char *sql)
{
	log_debug("%s: %s", db->ops->engine_name, sql);
	return db->ops->exec(db, sql);
}

bool db_delete_all(Db *db, const char *table)
{
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "DELETE FROM ");
	db->ops->quote_ident(&sql, table);
	bool ok = db_exec(db, sql.data);
	sb_free(&sql);
	return ok;
}

bool db_clear_tables(Db *db, const char *const *tables, size_t count)
{
	if (db->ops->clear_tables)
		return db->ops->clear_tables(db, tables, count);
	for (size_t i = 0; i < count; i++)
		if (!db_delete_all(db, tables[i]))
			return false;
	return true;
}

/* Writes key i of a DELETE ... IN list. */
typedef void (*AppendKeyFn)(Db *db, StrBuf *sql, const void *keys, size_t i);

static void append_text_key(Db *db, StrBuf *sql, const void *keys, size_t i)
{
	db_quote_literal(db, sql, ((const StrList *)keys)->items[i]);
}

static void append_int_key(Db *db, StrBuf *sql, const void *keys, size_t i)
{
	(void)db;
	sb_append_int64(sql, ((const int64_t *)keys)[i]);
}

/* DELETE FROM table WHERE column IN (k1, k2, ...), DELETE_BATCH keys a statement. */
static bool delete_in(Db *db, const char *table, const char *column, const void *keys, size_t count,
                      AppendKeyFn append_key)
{
	StrBuf sql = STRBUF_INIT;
	bool ok = true;
	for (size_t start = 0; start < count && ok; start += DELETE_BATCH) {
		sb_reset(&sql);
		sb_puts(&sql, "DELETE FROM ");
		db_quote_ident(db, &sql, table);
		sb_puts(&sql, " WHERE ");
		db_quote_ident(db, &sql, column);
		sb_puts(&sql, " IN (");
		for (size_t i = start; i < count && i < start + DELETE_BATCH; i++) {
			if (i > start)
				sb_puts(&sql, ", ");
			append_key(db, &sql, keys, i);
		}
		sb_putc(&sql, ')');
		ok = db_exec(db, sql.data);
	}
	sb_free(&sql);
	return ok;
}

bool db_delete_keys(Db *db, const char *table, const char *column, const StrList *keys)
{
	return delete_in(db, table, column, keys, keys->count, append_text_key);
}

bool db_delete_ids(Db *db, const char *table, const char *column, const int64_t *ids, size_t count)
{
	return delete_in(db, table, column, ids, count, append_int_key);
}

bool db_query(Db *db, const char *sql, DbRowFn fn, void *ctx)
{
	log_debug("%s: %s", db->ops->engine_name, sql);
	return db->ops->query(db, sql, fn, ctx);
}

bool db_list_tables(Db *db, StrList *tables) { return db->ops->list_tables(db, tables); }

/* A failed catalog query leaves the list empty, not half filled: callers free nothing then. */
bool db_list_columns(Db *db, const char *table, DbColumns *columns)
{
	bool ok = db->ops->list_columns(db, table, columns);
	if (!ok)
		db_columns_free(columns);
	return ok;
}

bool db_list_foreign_keys(Db *db, const char *table, DbForeignKeys *keys)
{
	bool ok = db->ops->list_foreign_keys(db, table, keys);
	if (!ok)
		db_foreign_keys_free(keys);
	return ok;
}

void db_foreign_keys_add(DbForeignKeys *keys, const char *column, const char *ref_table, const char *ref_column)
{
	keys->items = xgrow(keys->items, keys->count, &keys->cap, sizeof(DbForeignKey));
	DbForeignKey *k = &keys->items[keys->count++];
	k->column = xstrdup(column);
	k->ref_table = xstrdup(ref_table);
	k->ref_column = xstrdup(ref_column);
}

void db_foreign_keys_free(DbForeignKeys *keys)
{
	for (size_t i = 0; i < keys->count; i++) {
		free(keys->items[i].column);
		free(keys->items[i].ref_table);
		free(keys->items[i].ref_column);
	}
	free(keys->items);
	*keys = (DbForeignKeys){0};
}

bool db_begin_snapshot(Db *db) { return db->ops->begin_snapshot(db); }
bool db_begin(Db *db) { return db->ops->begin(db); }
bool db_commit(Db *db) { return db->ops->commit(db); }
bool db_rollback(Db *db) { return db->ops->rollback(db); }
void db_quote_ident(Db *db, StrBuf *sb, const char *name) { db->ops->quote_ident(sb, name); }
void db_quote_literal(Db *db, StrBuf *sb, const char *text) { db->ops->quote_literal(sb, text); }
void db_select_expr(Db *db, StrBuf *sb, const DbColumn *c) { db->ops->select_expr(sb, c); }
void db_order_expr(Db *db, StrBuf *sb, const DbColumn *c) { db->ops->order_expr(sb, c); }

void db_append_select(Db *db, StrBuf *sql, const char *table, const DbColumns *columns)
{
	sb_puts(sql, "SELECT ");
	for (size_t i = 0; i < columns->count; i++) {
		if (i)
			sb_puts(sql, ", ");
		db_select_expr(db, sql, &columns->items[i]);
	}
	sb_puts(sql, " FROM ");
	db_quote_ident(db, sql, table);
}

bool db_defer_constraints(Db *db) { return db->ops->defer_constraints(db); }

bool db_reset_sequence(Db *db, const char *table, const DbColumn *column)
{
	return db->ops->reset_sequence(db, table, column);
}

bool db_next_id(Db *db, const char *table, const DbColumn *column, int64_t *next, bool *always_past)
{
	*next = 0;
	*always_past = !db->ops->next_id;
	return *always_past || db->ops->next_id(db, table, column, next);
}

bool db_suspend_foreign_keys(Db *db, const char *table)
{
	return !db->ops->suspend_foreign_keys || db->ops->suspend_foreign_keys(db, table);
}

bool db_resume_foreign_keys(Db *db)
{
	return !db->ops->resume_foreign_keys || db->ops->resume_foreign_keys(db);
}

bool db_resume_foreign_keys_checked(Db *db, bool *checked)
{
	*checked = false;
	return !db->ops->resume_foreign_keys_checked || db->ops->resume_foreign_keys_checked(db, checked);
}

bool db_iexact_keys(Db *db, const char *table, const char *column, const StrList *names, StrList *keys)
{
	return db->ops->iexact_keys(db, table, column, names, keys);
}

DbLoader *db_load_begin(Db *db, const char *table, const DbColumns *columns)
{
	log_debug("%s: bulk load into %s (%zu columns)", db->ops->engine_name, table, columns->count);
	return db->ops->load_begin(db, table, columns);
}

bool db_load_row(DbLoader *loader, const DbValue *values)
{
	return loader->db->ops->load_row(loader, values);
}

bool db_load_end(DbLoader *loader) { return loader->db->ops->load_end(loader); }
void db_load_abort(DbLoader *loader) { loader->db->ops->load_abort(loader); }

void db_loader_init(DbLoader *loader, Db *db, const char *table, const DbColumns *columns)
{
	loader->db = db;
	loader->table = xstrdup(table);
	loader->columns = columns;
}

void db_loader_release(DbLoader *loader)
{
	free(loader->table);
}

static void column_limits_from_type(DbColumn *c);

void db_columns_add(DbColumns *columns, const char *name, const char *type, bool not_null,
                    bool primary_key)
{
	columns->items = xgrow(columns->items, columns->count, &columns->cap, sizeof(DbColumn));
	DbColumn *c = &columns->items[columns->count++];
	*c = (DbColumn){.name = xstrdup(name), .type = xstrdup(type ? type : ""), .not_null = not_null,
	                .primary_key = primary_key};
	c->kind = column_kind_from_type(c->type);
	column_limits_from_type(c);
}

void db_columns_add_copy(DbColumns *columns, const DbColumn *column)
{
	columns->items = xgrow(columns->items, columns->count, &columns->cap, sizeof(DbColumn));
	DbColumn *c = &columns->items[columns->count++];
	*c = *column;
	c->name = xstrdup(column->name);
	c->type = xstrdup(column->type);
}

int db_column_index(const DbColumns *columns, const char *name, size_t len)
{
	for (size_t i = 0; i < columns->count; i++)
		if (strlen(columns->items[i].name) == len && memcmp(columns->items[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

bool db_pick_columns(Db *db, const char *table, const char *const *names, size_t count, DbColumns *out)
{
	DbColumns all = {0};
	if (!db_list_columns(db, table, &all))
		return false;
	bool ok = true;
	for (size_t n = 0; n < count && ok; n++) {
		int i = db_column_index(&all, names[n], strlen(names[n]));
		ok = i >= 0;
		if (ok)
			db_columns_add_copy(out, &all.items[i]);
		else
			log_error("table %s has no column %s", table, names[n]);
	}
	db_columns_free(&all);
	return ok;
}

void db_columns_free(DbColumns *columns)
{
	for (size_t i = 0; i < columns->count; i++) {
		free(columns->items[i].name);
		free(columns->items[i].type);
	}
	free(columns->items);
	*columns = (DbColumns){0};
}

static bool contains(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

static void lowercase(const char *type, char *out, size_t size)
{
	size_t n = 0;
	for (; type[n] && n + 1 < size; n++)
		out[n] = (char)tolower((unsigned char)type[n]);
	out[n] = '\0';
}

/*
 * Integer widths and text lengths, which SQLite does not enforce and which
 * the servers report late: checked on every engine before a value is sent.
 * An INTEGER PRIMARY KEY is SQLite's 64-bit rowid (Django's BigAutoField
 * there); the servers check their own 32-bit keys anyway.
 */
static void column_limits_from_type(DbColumn *c)
{
	char lower[128];
	lowercase(c->type, lower, sizeof(lower));
	if (c->kind == COL_INT) {
		c->is_unsigned = contains(lower, "unsigned");
		c->int_bits = contains(lower, "big") || contains(lower, "int8") ? 64
		              : contains(lower, "small") || contains(lower, "int2") ? 16
		              : contains(lower, "tiny")                            ? 8
		              : contains(lower, "medium")                          ? 24
		              : c->primary_key && !strcmp(lower, "integer")        ? 64
		                                                                   : 32;
	} else if (c->kind == COL_TEXT && contains(lower, "char")) {
		const char *paren = strchr(lower, '(');
		c->max_chars = paren ? strtoul(paren + 1, NULL, 10) : 0;
	}
}

ColumnKind column_kind_from_type(const char *type)
{
	char lower[128];
	lowercase(type, lower, sizeof(lower));

	/* Order matters: "interval" and "point" contain "int", "datetime" contains "date". */
	if (strncmp(lower, "tinyint(1)", 10) == 0 || strncmp(lower, "bool", 4) == 0)
		return COL_BOOL;
	if (contains(lower, "interval"))
		return COL_DURATION;
	if (contains(lower, "timestamp") || contains(lower, "datetime"))
		return COL_DATETIME;
	if (contains(lower, "date"))
		return COL_DATE;
	if (contains(lower, "time"))
		return COL_TIME;
	if (contains(lower, "uuid"))
		return COL_UUID;
	if (contains(lower, "json"))
		return COL_JSON;
	if (contains(lower, "int") || contains(lower, "serial"))
		return COL_INT;
	if (contains(lower, "double") || contains(lower, "float") || contains(lower, "real"))
		return COL_FLOAT;
	if (contains(lower, "numeric") || contains(lower, "decimal"))
		return COL_DECIMAL;
	if (contains(lower, "blob") || contains(lower, "bytea") || contains(lower, "binary"))
		return COL_BINARY;
	return COL_TEXT;
}

const char *column_kind_name(ColumnKind kind)
{
	static const char *const names[] = {
		[COL_TEXT] = "text",     [COL_INT] = "integer",   [COL_BOOL] = "boolean",
		[COL_FLOAT] = "float",   [COL_DECIMAL] = "decimal", [COL_DATETIME] = "datetime",
		[COL_DATE] = "date",     [COL_TIME] = "time",     [COL_UUID] = "uuid",
		[COL_DURATION] = "duration", [COL_JSON] = "json", [COL_BINARY] = "binary",
	};
	return names[kind];
}
