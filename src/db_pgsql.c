/* PostgreSQL backend (libpq). Rows are streamed with COPY ... TO STDOUT. */
#include "db_backend.h"
#include "log.h"

#include <libpq-fe.h>
#include <utf8proc.h>
#include <stdlib.h>
#include <string.h>

/* A foreign key dropped for a bulk load, to be added back. */
typedef struct SuspendedKey {
	char *name, *table, *definition;
	char *column, *ref_table, *ref_column;
} SuspendedKey;

/* A plain index dropped for a load, built again before commit (pg_suspend_foreign_keys). */
typedef struct SuspendedIndex {
	char *name, *definition;
} SuspendedIndex;

/*
 * A unique key (primary key, unique constraint or plain unique index) of a
 * table just emptied, dropped for its load and built again, sorted, when the
 * load ends (pg_load_begin, pg_load_end).
 */
typedef struct UniqueKey {
	char *name;
	char *drop, *rebuild; /* the statements */
	char *columns;        /* quoted, comma-separated: to find the first duplicate */
} UniqueKey;

/* A sequence to move once the transaction has committed (see pg_reset_sequence). */
typedef struct PendingSetval {
	char *sequence;
	long long value;
} PendingSetval;

typedef struct PgDb {
	Db base;
	PGconn *conn;
	char *password;    /* as libpq reads it from the connection string: scrubbed from messages */
	char error[1024];  /* the last libpq message, one line (pg_error) */
	PendingSetval *pending;
	size_t pending_count, pending_cap;
	bool unicode_upper; /* upper() folds beyond ASCII (not the C locale) */
	SuspendedKey *suspended;
	size_t suspended_count, suspended_cap;
	SuspendedIndex *indexes;
	size_t index_count, index_cap;
	bool cannot_suspend; /* not the tables' owner: keep the keys and the indexes */
	StrList emptied;     /* tables TRUNCATEd in this transaction and not loaded since */
} PgDb;

static PGconn *conn_of(Db *db) { return ((PgDb *)db)->conn; }

/*
 * libpq's last message as one line, the password never in it (libpq may
 * echo parts of a connection string it misread).
 */
static const char *pg_error(PgDb *p)
{
	StrBuf sb = STRBUF_INIT;
	const char *msg = PQerrorMessage(p->conn);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	const char *secret = p->password && *p->password ? p->password : NULL;
	for (size_t i = 0; i < n;) {
		if (secret && !strncmp(msg + i, secret, strlen(secret))) {
			sb_puts(&sb, "***");
			i += strlen(secret);
		} else {
			sb_putc(&sb, msg[i] == '\n' ? ' ' : msg[i]);
			i++;
		}
	}
	snprintf(p->error, sizeof(p->error), "%s", sb.data ? sb.data : "");
	sb_free(&sb);
	return p->error;
}

static void pg_notice(void *arg, const char *message)
{
	(void)arg;
	log_debug("PostgreSQL: %s", message);
}

static bool pg_exec_quiet(PgDb *p, const char *sql)
{
	PGresult *res = PQexec(p->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		log_error("PostgreSQL: %s (in: %.200s)", pg_error(p), sql);
	PQclear(res);
	return ok;
}

/* A statement refused without a message (the caller rolls back to its savepoint, and says why at debug level). */
static bool exec_may_fail(PgDb *p, const char *sql)
{
	PGresult *res = PQexec(p->conn, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok;
}

static bool pg_connect(Db *db, const DbUrl *url, DbOpenMode mode)
{
	(void)mode;
	PgDb *p = (PgDb *)db;
	PQconninfoOption *options = PQconninfoParse(url->conninfo, NULL);
	for (PQconninfoOption *o = options; o && o->keyword; o++)
		if (!strcmp(o->keyword, "password") && o->val)
			p->password = xstrdup(o->val);
	PQconninfoFree(options);
	/* libpq itself reads PGPASSWORD, ~/.pgpass and PGSERVICE; the name lets an admin find us in pg_stat_activity */
	const char *const keywords[] = {"dbname", "fallback_application_name", NULL};
	const char *const values[] = {url->conninfo, "podmigrate", NULL};
	p->conn = PQconnectdbParams(keywords, values, 1);
	if (PQstatus(p->conn) != CONNECTION_OK) {
		log_error("cannot connect to PostgreSQL %s: %s", url->redacted, pg_error(p));
		return false;
	}
	PQsetNoticeProcessor(p->conn, pg_notice, NULL);
	PGresult *res = PQexec(p->conn, "SELECT upper(U&'\\00E9') = U&'\\00C9'");
	p->unicode_upper = PQresultStatus(res) == PGRES_TUPLES_OK && PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	/* Datetimes in UTC, text in UTF-8, floats with all their digits. */
	return pg_exec_quiet(p, "SET client_encoding = 'UTF8'; SET TimeZone = 'UTC'; "
	                              "SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3; "
	                              "SET standard_conforming_strings = on");
}

static void free_key(SuspendedKey *k)
{
	free(k->name), free(k->table), free(k->definition);
	free(k->column), free(k->ref_table), free(k->ref_column);
}

static void free_index(SuspendedIndex *i)
{
	free(i->name), free(i->definition);
}

static void free_suspended(PgDb *p)
{
	for (size_t i = 0; i < p->suspended_count; i++)
		free_key(&p->suspended[i]);
	free(p->suspended);
	p->suspended = NULL;
	p->suspended_count = p->suspended_cap = 0;
	for (size_t i = 0; i < p->index_count; i++)
		free_index(&p->indexes[i]);
	free(p->indexes);
	p->indexes = NULL;
	p->index_count = p->index_cap = 0;
	strlist_free(&p->emptied);
}

static void clear_pending(PgDb *p);

static void pg_close(Db *db)
{
	PgDb *p = (PgDb *)db;
	free_suspended(p);
	clear_pending(p);
	if (p->password)
		memset(p->password, 0, strlen(p->password));
	free(p->password);
	if (p->conn)
		PQfinish(p->conn);
	free(p);
}

static bool pg_exec(Db *db, const char *sql) { return pg_exec_quiet((PgDb *)db, sql); }

/* Undoes COPY text-format escaping in place; returns the new length. */
static size_t copy_unescape(char *s, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c != '\\' || i + 1 >= len) {
			s[out++] = c;
			continue;
		}
		c = s[++i];
		switch (c) {
		case 'b': s[out++] = '\b'; break;
		case 'f': s[out++] = '\f'; break;
		case 'n': s[out++] = '\n'; break;
		case 'r': s[out++] = '\r'; break;
		case 't': s[out++] = '\t'; break;
		case 'v': s[out++] = '\v'; break;
		case 'x': {
			int v = 0, digits = 0;
			while (digits < 2 && i + 1 < len && strchr("0123456789abcdefABCDEF", s[i + 1]) && s[i + 1]) {
				char h = s[++i];
				v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
				digits++;
			}
			s[out++] = (char)v;
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				int v = c - '0', digits = 1;
				while (digits < 3 && i + 1 < len && s[i + 1] >= '0' && s[i + 1] <= '7') {
					v = v * 8 + (s[++i] - '0');
					digits++;
				}
				s[out++] = (char)v;
			} else {
				s[out++] = c; /* \\ and any other escaped character */
			}
		}
	}
	return out;
}

/* Splits one COPY text row into values (in place); memchr finds tabs and escapes fast. */
static size_t copy_split_row(char *line, size_t len, DbValue **values, size_t *cap)
{
	if (len && line[len - 1] == '\n')
		len--;
	size_t n = 0;
	char *field = line, *end = line + len;
	for (;;) {
		char *tab = memchr(field, '\t', (size_t)(end - field));
		char *stop = tab ? tab : end;
		size_t flen = (size_t)(stop - field);
		*values = xgrow(*values, n, cap, sizeof(DbValue));
		if (flen == 2 && field[0] == '\\' && field[1] == 'N') {
			(*values)[n].data = NULL;
			(*values)[n].len = 0;
		} else {
			(*values)[n].data = field;
			(*values)[n].len = memchr(field, '\\', flen) ? copy_unescape(field, flen) : flen;
		}
		n++;
		if (!tab)
			return n;
		field = tab + 1;
	}
}

/* Ends an aborted COPY: ask the server to cancel, then read what is left. */
static void copy_drain(PGconn *conn)
{
	PGcancel *cancel = PQgetCancel(conn);
	if (cancel) {
		char err[256];
		PQcancel(cancel, err, sizeof(err));
		PQfreeCancel(cancel);
	}
	char *buf;
	while (PQgetCopyData(conn, &buf, 0) > 0)
		PQfreemem(buf);
	PGresult *res;
	while ((res = PQgetResult(conn)) != NULL)
		PQclear(res);
}

static bool pg_query(Db *db, const char *sql, DbRowFn fn, void *ctx)
{
	PGconn *conn = conn_of(db);
	StrBuf copy = STRBUF_INIT;
	sb_printf(&copy, "COPY (%s) TO STDOUT", sql);
	PGresult *res = PQexec(conn, copy.data);
	sb_free(&copy);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		log_error("PostgreSQL: %s (in: %.200s)", pg_error((PgDb *)db), sql);
		PQclear(res);
		return false;
	}
	PQclear(res);

	DbValue *values = NULL;
	size_t cap = 0;
	bool ok = true;
	char *buf;
	int n;
	while ((n = PQgetCopyData(conn, &buf, 0)) > 0) {
		size_t ncols = copy_split_row(buf, (size_t)n, &values, &cap);
		bool go_on = fn(ctx, values, ncols);
		PQfreemem(buf);
		if (!go_on) {
			copy_drain(conn);
			free(values);
			return false;
		}
	}
	free(values);
	if (n == -2) {
		log_error("PostgreSQL: %s (in: %.200s)", pg_error((PgDb *)db), sql);
		ok = false;
	}
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && ok) {
			log_error("PostgreSQL: %s (in: %.200s)", pg_error((PgDb *)db), sql);
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}

/* Catalog queries: small results, one text parameter. */
static bool pg_catalog_query(Db *db, const char *sql, const char *param, DbRowFn fn, void *ctx)
{
	PGconn *conn = conn_of(db);
	const char *params[1] = {param};
	PGresult *res = PQexecParams(conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_error("PostgreSQL: %s (in: %.200s)", pg_error((PgDb *)db), sql);
		PQclear(res);
		return false;
	}
	int nrows = PQntuples(res), ncols = PQnfields(res);
	DbValue *values = xmalloc(sizeof(DbValue) * (size_t)(ncols ? ncols : 1));
	bool ok = true;
	for (int r = 0; r < nrows && ok; r++) {
		for (int c = 0; c < ncols; c++) {
			values[c].data = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
			values[c].len = (size_t)PQgetlength(res, r, c);
		}
		ok = fn(ctx, values, (size_t)ncols);
	}
	free(values);
	PQclear(res);
	return ok;
}

static bool pg_list_tables(Db *db, StrList *tables)
{
	return pg_catalog_query(db,
	                        "SELECT c.relname FROM pg_catalog.pg_class c "
	                        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	                        "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() "
	                        "ORDER BY c.relname",
	                        NULL, collect_first_column_text, tables);
}

static bool add_column_row(void *ctx, const DbValue *v, size_t ncols)
{
	(void)ncols;
	db_columns_add(ctx, v[0].data, v[1].data, v[2].data[0] == 't', v[3].data[0] == 't');
	return true;
}

static bool pg_list_columns(Db *db, const char *table, DbColumns *columns)
{
	return pg_catalog_query(
		db,
		"SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, "
		"EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = a.attrelid "
		"        AND i.indisprimary AND a.attnum = ANY (i.indkey)) "
		"FROM pg_catalog.pg_attribute a "
		"WHERE a.attrelid = to_regclass(format('%I.%I', current_schema(), $1::text)) "
		"AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
		table, add_column_row, columns);
}

static bool add_foreign_key_row(void *ctx, const DbValue *v, size_t ncols)
{
	(void)ncols;
	db_foreign_keys_add(ctx, v[0].data, v[1].data, v[2].data);
	return true;
}

static bool pg_list_foreign_keys(Db *db, const char *table, DbForeignKeys *keys)
{
	PgDb *p = (PgDb *)db;
	for (size_t i = 0; i < p->suspended_count; i++)
		if (!strcmp(p->suspended[i].table, table))
			db_foreign_keys_add(keys, p->suspended[i].column, p->suspended[i].ref_table,
			                    p->suspended[i].ref_column);
	return pg_catalog_query(
		db,
		"SELECT a.attname, rc.relname, ra.attname FROM pg_catalog.pg_constraint c "
		"JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
		"JOIN pg_catalog.pg_class rc ON rc.oid = c.confrelid "
		"JOIN pg_catalog.pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] "
		"WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 "
		"AND c.conrelid = to_regclass(format('%I.%I', current_schema(), $1::text)) ORDER BY c.conname",
		table, add_foreign_key_row, keys);
}

static bool keep_suspended(void *ctx, const DbValue *v, size_t ncols)
{
	PgDb *p = ctx;
	(void)ncols;
	p->suspended = xgrow(p->suspended, p->suspended_count, &p->suspended_cap, sizeof(SuspendedKey));
	p->suspended[p->suspended_count++] = (SuspendedKey){xstrdup(v[0].data), xstrdup(v[1].data),
		xstrdup(v[2].data), xstrdup(v[3].data), xstrdup(v[4].data), xstrdup(v[5].data)};
	return true;
}

static bool keep_index(void *ctx, const DbValue *v, size_t ncols)
{
	PgDb *p = ctx;
	(void)ncols;
	p->indexes = xgrow(p->indexes, p->index_count, &p->index_cap, sizeof(SuspendedIndex));
	p->indexes[p->index_count++] = (SuspendedIndex){xstrdup(v[0].data), xstrdup(v[1].data)};
	return true;
}

/*
 * PostgreSQL checks foreign keys row by row with triggers (on the loaded rows
 * and on the deleted ones), which costs more than the load itself. Dropped
 * in the transaction and added back before commit, each key is validated by
 * one query instead. The table's plain indexes (neither unique nor a
 * constraint's: no error of the load is found by them) go the same way and
 * are built once, sorted, as pg_restore does, instead of row by row. Needs
 * the tables' ownership: without it, keys and indexes stay.
 */
static bool pg_suspend_foreign_keys(Db *db, const char *table)
{
	PgDb *p = (PgDb *)db;
	if (p->cannot_suspend)
		return true;
	size_t before = p->suspended_count;
	bool ok = pg_catalog_query(
		db,
		"SELECT c.conname, cl.relname, pg_catalog.pg_get_constraintdef(c.oid), a.attname, rc.relname, "
		"ra.attname FROM pg_catalog.pg_constraint c "
		"JOIN pg_catalog.pg_class cl ON cl.oid = c.conrelid JOIN pg_catalog.pg_class rc ON rc.oid = c.confrelid "
		"JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
		"JOIN pg_catalog.pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] "
		"WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND to_regclass(format('%I.%I', "
		"current_schema(), $1::text)) IN (c.conrelid, c.confrelid) ORDER BY c.conname",
		table, keep_suspended, p);
	size_t indexes_before = p->index_count;
	ok = ok && pg_catalog_query(
		db,
		"SELECT ci.relname, pg_catalog.pg_get_indexdef(i.indexrelid) FROM pg_catalog.pg_index i "
		"JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid "
		"WHERE i.indrelid = to_regclass(format('%I.%I', current_schema(), $1::text)) AND NOT i.indisunique "
		"AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
		table, keep_index, p);
	if (!ok || !pg_exec_quiet(p, "SAVEPOINT podmigrate_keys"))
		return false;
	StrBuf sql = STRBUF_INIT;
	for (size_t i = before; i < p->suspended_count && ok; i++) {
		sb_reset(&sql);
		sb_puts(&sql, "ALTER TABLE ");
		quote_ident_double(&sql, p->suspended[i].table);
		sb_puts(&sql, " DROP CONSTRAINT ");
		quote_ident_double(&sql, p->suspended[i].name);
		ok = exec_may_fail(p, sql.data);
	}
	for (size_t i = indexes_before; i < p->index_count && ok; i++) {
		sb_reset(&sql);
		sb_puts(&sql, "DROP INDEX ");
		quote_ident_double(&sql, p->indexes[i].name);
		ok = exec_may_fail(p, sql.data);
	}
	sb_free(&sql);
	if (ok)
		return pg_exec_quiet(p, "RELEASE SAVEPOINT podmigrate_keys");
	log_debug("PostgreSQL: cannot drop foreign keys and indexes for the load (%s): they stay", pg_error(p));
	p->cannot_suspend = true;
	while (p->suspended_count > before)
		free_key(&p->suspended[--p->suspended_count]);
	while (p->index_count > indexes_before)
		free_index(&p->indexes[--p->index_count]);
	return pg_exec_quiet(p, "ROLLBACK TO SAVEPOINT podmigrate_keys");
}

/* The plain indexes set aside, built once (they cannot fail on the rows). */
static bool build_indexes(PgDb *p)
{
	bool ok = true;
	size_t built = 0;
	for (; built < p->index_count && ok; built++)
		ok = pg_exec_quiet(p, p->indexes[built].definition); /* pg_get_indexdef: schema-qualified */
	if (!ok)
		return false;
	for (size_t i = 0; i < p->index_count; i++)
		free_index(&p->indexes[i]);
	p->index_count = 0;
	return true;
}

/*
 * Adds the suspended keys back, each validated by one query. If a row
 * dangles (SQLSTATE 23503) and may_dangle, the keys added so far are taken
 * back (to a savepoint), *dangling is set, and that is no error.
 */
static bool add_keys(PgDb *p, bool may_dangle, bool *dangling)
{
	*dangling = false;
	log_debug("PostgreSQL: the %zu foreign keys set aside added back, each validated by one query%s",
	          p->suspended_count, may_dangle ? " (undone if a row dangles)" : "");
	if (may_dangle && !pg_exec_quiet(p, "SAVEPOINT podmigrate_check"))
		return false;
	StrBuf sql = STRBUF_INIT;
	bool ok = true;
	for (size_t i = 0; i < p->suspended_count && ok; i++) {
		sb_reset(&sql);
		sb_puts(&sql, "ALTER TABLE ");
		quote_ident_double(&sql, p->suspended[i].table);
		sb_puts(&sql, " ADD CONSTRAINT ");
		quote_ident_double(&sql, p->suspended[i].name);
		sb_printf(&sql, " %s", p->suspended[i].definition);
		PGresult *res = PQexec(p->conn, sql.data);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		const char *state = ok ? NULL : PQresultErrorField(res, PG_DIAG_SQLSTATE);
		*dangling = may_dangle && state && !strcmp(state, "23503");
		PQclear(res);
		if (!ok && !*dangling)
			log_error("PostgreSQL: %s (in: %.200s)", pg_error(p), sql.data);
	}
	sb_free(&sql);
	if (*dangling)
		return pg_exec_quiet(p, "ROLLBACK TO SAVEPOINT podmigrate_check");
	if (ok)
		free_suspended(p);
	return ok && (!may_dangle || pg_exec_quiet(p, "RELEASE SAVEPOINT podmigrate_check"));
}

static bool pg_resume_foreign_keys(Db *db)
{
	PgDb *p = (PgDb *)db;
	bool dangling;
	return build_indexes(p) && add_keys(p, false, &dangling);
}

/*
 * Tried before the import's own check, which then has nothing to find when
 * the keys go back: a second anti-join per key saved. Not when some keys
 * could not be suspended (cannot_suspend): those are checked at commit.
 */
static bool pg_resume_foreign_keys_checked(Db *db, bool *checked)
{
	PgDb *p = (PgDb *)db;
	bool dangling;
	if (p->cannot_suspend)
		return true;
	if (!build_indexes(p) || !add_keys(p, true, &dangling))
		return false;
	*checked = !dangling;
	return true;
}

static bool pg_begin_snapshot(Db *db)
{
	/* more sort memory: big tables (500 k rows and more) are read sorted */
	return pg_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL work_mem = '64MB'");
}

static bool pg_begin(Db *db) { return pg_exec(db, "BEGIN"); }
static bool pg_commit(Db *db)
{
	PgDb *p = (PgDb *)db;
	bool ok = pg_exec(db, "COMMIT");
	StrBuf sql = STRBUF_INIT;
	for (size_t i = 0; ok && i < p->pending_count; i++) {
		sb_reset(&sql);
		sb_puts(&sql, "SELECT setval(");
		quote_literal_standard(&sql, p->pending[i].sequence);
		sb_printf(&sql, ", %lld, false)", p->pending[i].value);
		if (!pg_exec(db, sql.data))
			log_warn("the import is committed but sequence %s could not be moved past the largest id",
			         p->pending[i].sequence);
	}
	sb_free(&sql);
	clear_pending(p);
	strlist_free(&p->emptied);
	return ok;
}

static bool pg_rollback(Db *db)
{
	clear_pending((PgDb *)db);
	strlist_free(&((PgDb *)db)->emptied);
	if (PQtransactionStatus(conn_of(db)) == PQTRANS_IDLE)
		return true;
	return pg_exec(db, "ROLLBACK");
}

static void pg_select_expr(StrBuf *sb, const DbColumn *column)
{
	if (column->kind == COL_DURATION) {
		/* interval -> integer microseconds, what Django stores on the other engines */
		sb_puts(sb, "(EXTRACT(EPOCH FROM ");
		quote_ident_double(sb, column->name);
		sb_puts(sb, ") * 1000000)::bigint");
		return;
	}
	quote_ident_double(sb, column->name);
}

static void pg_order_expr(StrBuf *sb, const DbColumn *column)
{
	quote_ident_double(sb, column->name);
	if (column->kind == COL_TEXT)
		sb_puts(sb, " COLLATE \"C\"");
}

/* Django declares its foreign keys DEFERRABLE INITIALLY DEFERRED: make sure of it. */
static bool pg_defer_constraints(Db *db) { return pg_exec(db, "SET CONSTRAINTS ALL DEFERRED"); }

static bool keep_sequence(void *ctx, const DbValue *v, size_t ncols)
{
	(void)ncols;
	StrList *out = ctx;
	strlist_add(out, v[0].data);
	strlist_add(out, v[1].data);
	return true;
}

static void clear_pending(PgDb *p)
{
	for (size_t i = 0; i < p->pending_count; i++)
		free(p->pending[i].sequence);
	free(p->pending);
	p->pending = NULL;
	p->pending_count = p->pending_cap = 0;
}

/*
 * The sequence of table.column (serial and identity columns both have one
 * pg_get_serial_sequence finds), quoted and schema-qualified, then the value
 * of the expression also_select, both added to found; nothing when the
 * column has none.
 */
static bool find_serial_sequence(Db *db, const char *table, const DbColumn *column, const char *also_select,
                                 StrList *found)
{
	StrBuf ident = STRBUF_INIT, sql = STRBUF_INIT;
	quote_ident_double(&ident, table);
	sb_printf(&sql, "SELECT s, %s FROM pg_get_serial_sequence(", also_select);
	quote_literal_standard(&sql, ident.data);
	sb_puts(&sql, ", ");
	quote_literal_standard(&sql, column->name);
	sb_puts(&sql, ") AS s WHERE s IS NOT NULL");
	bool ok = pg_catalog_query(db, sql.data, NULL, keep_sequence, found);
	sb_free(&ident);
	sb_free(&sql);
	return ok;
}

/*
 * setval is never rolled back: a dry run, a failure or a kill would leave
 * the sequence set from the file (lower than the ids the table holds, the next
 * insert then failing). ALTER SEQUENCE ... RESTART is transactional since
 * PostgreSQL 10 (it gives the sequence a new file): it goes with the import's
 * transaction. Only the sequence's owner may; for anyone else setval is kept
 * for after the commit.
 */
static bool pg_reset_sequence(Db *db, const char *table, const DbColumn *column)
{
	PgDb *p = (PgDb *)db;
	StrBuf max = STRBUF_INIT, sql = STRBUF_INIT;
	StrList found = STRLIST_INIT;
	sb_puts(&max, "COALESCE((SELECT max(");
	quote_ident_double(&max, column->name);
	sb_puts(&max, ") FROM ");
	quote_ident_double(&max, table);
	sb_puts(&max, "), 0) + 1");
	bool ok = find_serial_sequence(db, table, column, max.data, &found);
	sb_free(&max);
	if (ok && found.count == 2) {
		/* the name comes quoted and schema-qualified from pg_get_serial_sequence */
		sb_reset(&sql);
		sb_printf(&sql, "SAVEPOINT podmigrate_seq; ALTER SEQUENCE %s RESTART WITH %s; RELEASE SAVEPOINT "
		          "podmigrate_seq", found.items[0], found.items[1]);
		if (!exec_may_fail(p, sql.data)) {
			log_debug("PostgreSQL: cannot restart %s (%s): set after the commit", found.items[0], pg_error(p));
			ok = pg_exec(db, "ROLLBACK TO SAVEPOINT podmigrate_seq");
			p->pending = xgrow(p->pending, p->pending_count, &p->pending_cap, sizeof(PendingSetval));
			p->pending[p->pending_count++] = (PendingSetval){xstrdup(found.items[0]), atoll(found.items[1])};
		}
	}
	strlist_free(&found);
	sb_free(&sql);
	return ok;
}

static bool keep_int64(void *ctx, const DbValue *v, size_t ncols)
{
	(void)ncols;
	if (v[0].data)
		*(int64_t *)ctx = strtoll(v[0].data, NULL, 10);
	return true;
}

static bool pg_next_id(Db *db, const char *table, const DbColumn *column, int64_t *next)
{
	StrBuf sql = STRBUF_INIT;
	StrList found = STRLIST_INIT;
	bool ok = find_serial_sequence(db, table, column, "0", &found);
	if (ok && found.count == 2) {
		/* the name comes quoted and schema-qualified */
		sb_printf(&sql, "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM %s",
		          found.items[0]);
		ok = pg_catalog_query(db, sql.data, NULL, keep_int64, next);
	}
	strlist_free(&found);
	sb_free(&sql);
	return ok;
}

/*
 * Django's iexact on PostgreSQL compares UPPER(), which follows the database's
 * LC_CTYPE: Unicode simple upper-casing, or ASCII only under the C locale
 * (found once at connect time). Computed here: the server cannot be asked
 * while a COPY is running on the connection.
 */
static bool pg_iexact_key(Db *db, const char *name, size_t len,
                          StrBuf *key)
{
	bool unicode = ((PgDb *)db)->unicode_upper;
	const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)name;
	utf8proc_ssize_t i = 0, n = (utf8proc_ssize_t)len;
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t step = utf8proc_iterate(s + i, n - i, &cp);
		if (step <= 0) {
			log_error("name '%.*s' is not valid UTF-8", (int)len, name);
			return false;
		}
		if (unicode)
			cp = utf8proc_toupper(cp);
		else if (cp >= 'a' && cp <= 'z')
			cp -= 'a' - 'A';
		utf8proc_uint8_t out[4];
		sb_append(key, (const char *)out, (size_t)utf8proc_encode_char(cp, out));
		i += step;
	}
	return true;
}

static bool pg_iexact_keys(Db *db, const char *table, const char *column, const StrList *names, StrList *keys)
{
	(void)table, (void)column;
	return iexact_keys_each(db, names, keys, pg_iexact_key);
}

/*
 * TRUNCATE, transactional here, leaves no dead rows behind (a re-run's
 * DELETE would leave millions, slowing every unique-index check of the
 * reload). Possible once the keys pointing to the tables are suspended.
 */
static bool pg_clear_tables(Db *db, const char *const *tables, size_t count)
{
	if (((PgDb *)db)->cannot_suspend) {
		for (size_t i = 0; i < count; i++)
			if (!db_delete_all(db, tables[i]))
				return false;
		return true;
	}
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "TRUNCATE ");
	for (size_t i = 0; i < count; i++) {
		if (i)
			sb_puts(&sql, ", ");
		quote_ident_double(&sql, tables[i]);
	}
	bool ok = pg_exec(db, sql.data);
	sb_free(&sql);
	for (size_t i = 0; ok && i < count; i++)
		if (!strlist_contains(&((PgDb *)db)->emptied, tables[i]))
			strlist_add(&((PgDb *)db)->emptied, tables[i]);
	return ok;
}

#define COPY_SEND_BYTES (256 * 1024)

typedef struct PgLoader {
	DbLoader base;
	StrBuf buffer;     /* COPY text rows not yet sent */
	UniqueKey *keys;   /* dropped for the load, built at its end */
	size_t key_count, key_cap;
} PgLoader;

static void free_unique_keys(PgLoader *l)
{
	for (size_t i = 0; i < l->key_count; i++)
		free(l->keys[i].name), free(l->keys[i].drop), free(l->keys[i].rebuild), free(l->keys[i].columns);
	free(l->keys);
	l->keys = NULL;
	l->key_count = l->key_cap = 0;
}

/* Whether table was emptied by pg_clear_tables and not loaded since; it no longer is, after. */
static bool take_emptied(PgDb *p, const char *table)
{
	for (size_t i = 0; i < p->emptied.count; i++) {
		if (strcmp(p->emptied.items[i], table) != 0)
			continue;
		free(p->emptied.items[i]);
		p->emptied.items[i] = p->emptied.items[--p->emptied.count];
		return true;
	}
	return false;
}

static bool keep_unique_key(void *ctx, const DbValue *v, size_t ncols)
{
	PgLoader *l = ctx;
	(void)ncols;
	l->keys = xgrow(l->keys, l->key_count, &l->key_cap, sizeof(UniqueKey));
	l->keys[l->key_count++] = (UniqueKey){xstrdup(v[0].data), xstrdup(v[1].data), xstrdup(v[2].data),
	                                      xstrdup(v[3].data)};
	return true;
}

/*
 * Into a table just emptied, COPY is twice as fast without its unique
 * indexes, which then are built once from sorted rows (pg_restore's order).
 * Only plain keys (columns, no expression, no predicate) of the table's own:
 * a duplicate is then found and named by its row (report_duplicate). If the
 * drop is refused (a key still referenced, not the owner), the keys stay.
 */
static void drop_unique_keys(PgLoader *l)
{
	PgDb *p = (PgDb *)l->base.db;
	bool ok = pg_catalog_query(
		l->base.db,
		"SELECT ci.relname, CASE WHEN c.oid IS NULL THEN format('DROP INDEX %I.%I', n.nspname, ci.relname) "
		"ELSE format('ALTER TABLE %I DROP CONSTRAINT %I', $1::text, c.conname) END, "
		"CASE WHEN c.oid IS NULL THEN pg_catalog.pg_get_indexdef(i.indexrelid) ELSE format('ALTER TABLE %I ADD "
		"CONSTRAINT %I %s', $1::text, c.conname, pg_catalog.pg_get_constraintdef(c.oid)) END, "
		"(SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH "
		"ORDINALITY k(attnum, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) "
		"FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ci ON ci.oid = i.indexrelid "
		"JOIN pg_catalog.pg_namespace n ON n.oid = ci.relnamespace "
		"LEFT JOIN pg_catalog.pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
		"AND c.contype IN ('p', 'u') "
		"WHERE i.indrelid = to_regclass(format('%I.%I', current_schema(), $1::text)) AND i.indisunique "
		"AND i.indexprs IS NULL AND i.indpred IS NULL AND 0 <> ALL (i.indkey::int2[]) "
		"ORDER BY c.contype = 'p' DESC NULLS LAST, 1",
		l->base.table, keep_unique_key, l);
	if (!ok || l->key_count == 0 || !pg_exec_quiet(p, "SAVEPOINT podmigrate_unique")) {
		free_unique_keys(l);
		return;
	}
	for (size_t i = 0; i < l->key_count && ok; i++)
		ok = exec_may_fail(p, l->keys[i].drop);
	if (ok && pg_exec_quiet(p, "RELEASE SAVEPOINT podmigrate_unique")) {
		log_debug("PostgreSQL: %zu unique keys of %s built after its load", l->key_count, l->base.table);
		return;
	}
	log_debug("PostgreSQL: the unique keys of %s stay during its load (%s)", l->base.table, pg_error(p));
	free_unique_keys(l);
	pg_exec_quiet(p, "ROLLBACK TO SAVEPOINT podmigrate_unique");
}

static void pg_load_free(PgLoader *l);

static DbLoader *pg_load_begin(Db *db, const char *table, const DbColumns *columns)
{
	PGconn *conn = conn_of(db);
	PgLoader *l = xmalloc(sizeof(*l));
	db_loader_init(&l->base, db, table, columns);
	l->buffer = (StrBuf)STRBUF_INIT;
	l->keys = NULL;
	l->key_count = l->key_cap = 0;
	if (take_emptied((PgDb *)db, table) && !((PgDb *)db)->cannot_suspend)
		drop_unique_keys(l);
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "COPY ");
	quote_ident_double(&sql, table);
	sb_puts(&sql, " (");
	append_column_names(&sql, quote_ident_double, columns);
	sb_puts(&sql, ") FROM STDIN");
	PGresult *res = PQexec(conn, sql.data);
	bool ok = PQresultStatus(res) == PGRES_COPY_IN;
	if (!ok)
		log_error("PostgreSQL: %s (in: %.200s)", pg_error((PgDb *)db), sql.data);
	PQclear(res);
	sb_free(&sql);
	if (!ok) {
		pg_load_free(l);
		return NULL;
	}
	return &l->base;
}

static void copy_escape(StrBuf *sb, const char *s, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		const char *esc;
		switch (s[i]) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		sb_append(sb, s + start, i - start);
		sb_puts(sb, esc);
		start = i + 1;
	}
	sb_append(sb, s + start, len - start);
}

/* Integer microseconds to the seconds PostgreSQL's interval input reads. */
static bool append_interval(StrBuf *sb, const char *s, size_t len)
{
	char digits[32];
	if (len == 0 || len >= sizeof(digits))
		return false;
	memcpy(digits, s, len);
	digits[len] = '\0';
	char *end;
	long long micros = strtoll(digits, &end, 10);
	if (*end)
		return false;
	long long whole = micros / 1000000, frac = micros % 1000000;
	if (frac < 0)
		frac = -frac;
	sb_printf(sb, "%s%lld.%06lld", micros < 0 && whole == 0 ? "-" : "", whole, frac);
	return true;
}

static bool pg_flush(PgLoader *l)
{
	if (l->buffer.len == 0)
		return true;
	PgDb *p = (PgDb *)l->base.db;
	if (PQputCopyData(p->conn, l->buffer.data, (int)l->buffer.len) != 1) {
		log_error("PostgreSQL: %s (COPY into %s)", pg_error(p), l->base.table);
		return false;
	}
	sb_reset(&l->buffer);
	return true;
}

static bool pg_load_row(DbLoader *loader, const DbValue *values)
{
	PgLoader *l = (PgLoader *)loader;
	for (size_t i = 0; i < loader->columns->count; i++) {
		const DbColumn *col = &loader->columns->items[i];
		if (i)
			sb_putc(&l->buffer, '\t');
		if (!values[i].data) {
			sb_puts(&l->buffer, "\\N");
		} else if (col->kind == COL_DURATION) {
			if (!append_interval(&l->buffer, values[i].data, values[i].len)) {
				log_error("column %s: '%.*s' is not a duration in microseconds", col->name,
				          (int)values[i].len, values[i].data);
				return false;
			}
		} else {
			if (memchr(values[i].data, '\0', values[i].len)) {
				log_error("column %s: PostgreSQL text cannot hold a NUL character (\\u0000)", col->name);
				return false;
			}
			copy_escape(&l->buffer, values[i].data, values[i].len);
		}
	}
	sb_putc(&l->buffer, '\n');
	return l->buffer.len < COPY_SEND_BYTES || pg_flush(l);
}

static void pg_load_free(PgLoader *l)
{
	free_unique_keys(l);
	sb_free(&l->buffer);
	db_loader_release(&l->base);
	free(l);
}

/* The loaded column a constraint Django or PostgreSQL named (t_pkey, t_col_check, t_col_key...) is about. */
static const char *constraint_column(const DbLoader *l, const char *constraint)
{
	size_t tlen = strlen(l->table);
	if (strncmp(constraint, l->table, tlen) != 0 || constraint[tlen] != '_')
		return NULL;
	const char *rest = constraint + tlen + 1;
	for (size_t i = 0; i < l->columns->count; i++) {
		const DbColumn *c = &l->columns->items[i];
		size_t clen = strlen(c->name);
		if (!strcmp(rest, "pkey") ? c->primary_key
		                          : !strncmp(rest, c->name, clen) && rest[clen] == '_' && !strchr(rest + clen + 1, '_'))
			return c->name;
	}
	return NULL;
}

/* A refused COPY row told as the import tells it: the row, the column, then PostgreSQL's words. */
static void report_refusal(PgDb *p, const PGresult *res, const DbLoader *l)
{
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
	const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	const char *line = context ? strstr(context, ", line ") : NULL;
	StrBuf msg = STRBUF_INIT;
	if (line)
		sb_printf(&msg, "PostgreSQL refused row %llu of the rows loaded into %s", strtoull(line + 7, NULL, 10),
		          l->table);
	else
		sb_printf(&msg, "PostgreSQL refused a row of %s", l->table);
	if (!column && constraint)
		column = constraint_column(l, constraint);
	if (column)
		sb_printf(&msg, ", column %s", column);
	log_error("%s: %s", msg.data, pg_error(p));
	sb_free(&msg);
}

static bool pg_copy_finish(PgDb *p, const char *error, const DbLoader *l)
{
	bool ok = PQputCopyEnd(p->conn, error) == 1;
	PGresult *res;
	while ((res = PQgetResult(p->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			if (ok && !error)
				report_refusal(p, res, l);
			ok = false;
		}
		PQclear(res);
	}
	return ok && !error;
}

/*
 * A unique key refused at its build, told as COPY would have told it: the
 * first loaded row whose key an earlier row already had. The table was
 * empty, so its physical order is the load's.
 */
static void report_duplicate(PgLoader *l, const UniqueKey *key, const char *error)
{
	PgDb *p = (PgDb *)l->base.db;
	StrBuf sql = STRBUF_INIT;
	sb_printf(&sql,
	          "SELECT s.n FROM (SELECT row_number() OVER (ORDER BY ctid) AS n, count(*) OVER (PARTITION BY %s "
	          "ORDER BY ctid ROWS UNBOUNDED PRECEDING) AS k, ROW(%s) IS NOT NULL AS whole FROM ",
	          key->columns, key->columns);
	quote_ident_double(&sql, l->base.table);
	sb_puts(&sql, ") s WHERE s.k > 1 AND s.whole ORDER BY s.n LIMIT 1");
	int64_t row = 0;
	if (!pg_exec_quiet(p, "ROLLBACK TO SAVEPOINT podmigrate_unique") ||
	    !pg_catalog_query(l->base.db, sql.data, NULL, keep_int64, &row))
		row = 0;
	sb_free(&sql);
	StrBuf msg = STRBUF_INIT;
	if (row > 0)
		sb_printf(&msg, "PostgreSQL refused row %lld of the rows loaded into %s", (long long)row, l->base.table);
	else
		sb_printf(&msg, "PostgreSQL refused a row of %s", l->base.table);
	sb_printf(&msg, ", %s %s", strchr(key->columns, ',') ? "columns" : "column", key->columns);
	log_error("%s: %s", msg.data, error);
	sb_free(&msg);
}

/* Builds the unique keys drop_unique_keys dropped; a duplicate is named by its row. */
static bool rebuild_unique_keys(PgLoader *l)
{
	PgDb *p = (PgDb *)l->base.db;
	if (l->key_count == 0)
		return true;
	if (!pg_exec_quiet(p, "SAVEPOINT podmigrate_unique"))
		return false;
	for (size_t i = 0; i < l->key_count; i++) {
		PGresult *res = PQexec(p->conn, l->keys[i].rebuild);
		bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		bool duplicate = !ok && state && !strcmp(state, "23505");
		PQclear(res);
		if (ok)
			continue;
		char *error = xstrdup(pg_error(p));
		if (duplicate)
			report_duplicate(l, &l->keys[i], error);
		else
			log_error("PostgreSQL: %s (in: %.200s)", error, l->keys[i].rebuild);
		free(error);
		return false;
	}
	return pg_exec_quiet(p, "RELEASE SAVEPOINT podmigrate_unique");
}

static bool pg_load_end(DbLoader *loader)
{
	PgLoader *l = (PgLoader *)loader;
	bool ok = pg_flush(l);
	ok = pg_copy_finish((PgDb *)loader->db, ok ? NULL : "podmigrate stopped the load", loader) && ok;
	ok = ok && rebuild_unique_keys(l);
	pg_load_free(l);
	return ok;
}

static void pg_load_abort(DbLoader *loader)
{
	PgLoader *l = (PgLoader *)loader;
	pg_copy_finish((PgDb *)loader->db, "podmigrate stopped the load", loader);
	pg_load_free(l);
}

/* A conninfo keyword's value, else libpq's environment variable for it, else "". */
static const char *pg_param(PQconninfoOption *options, const char *keyword, const char *env)
{
	for (PQconninfoOption *o = options; o && o->keyword; o++)
		if (!strcmp(o->keyword, keyword) && o->val && *o->val)
			return o->val;
	const char *value = getenv(env);
	return value ? value : "";
}

/* host (empty: the default socket directory), port and dbname, with libpq's defaults (dbname: the user). */
static char *pg_identity(const DbUrl *url)
{
	PQconninfoOption *options = PQconninfoParse(url->conninfo, NULL);
	const char *port = pg_param(options, "port", "PGPORT");
	const char *dbname = pg_param(options, "dbname", "PGDATABASE");
	StrBuf sb = STRBUF_INIT;
	sb_printf(&sb, "host %s port %s database %s", pg_param(options, "host", "PGHOST"), *port ? port : "5432",
	          *dbname ? dbname : pg_param(options, "user", "PGUSER"));
	PQconninfoFree(options);
	return sb_steal(&sb);
}

const DbOps db_pgsql_ops = {
	.engine_name = "PostgreSQL",
	.db_size = sizeof(PgDb),
	.connect = pg_connect,
	.identity = pg_identity,
	.close = pg_close,
	.exec = pg_exec,
	.query = pg_query,
	.list_tables = pg_list_tables,
	.list_columns = pg_list_columns,
	.list_foreign_keys = pg_list_foreign_keys,
	.begin_snapshot = pg_begin_snapshot,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.quote_ident = quote_ident_double,
	.quote_literal = quote_literal_standard,
	.select_expr = pg_select_expr,
	.order_expr = pg_order_expr,
	.defer_constraints = pg_defer_constraints,
	.reset_sequence = pg_reset_sequence,
	.clear_tables = pg_clear_tables,
	.suspend_foreign_keys = pg_suspend_foreign_keys,
	.resume_foreign_keys = pg_resume_foreign_keys,
	.resume_foreign_keys_checked = pg_resume_foreign_keys_checked,
	.next_id = pg_next_id,
	.iexact_keys = pg_iexact_keys,
	.load_begin = pg_load_begin,
	.load_row = pg_load_row,
	.load_end = pg_load_end,
	.load_abort = pg_load_abort,
};
