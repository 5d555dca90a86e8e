/* MariaDB/MySQL backend (MariaDB Connector/C). Rows are streamed with mysql_use_result. */
#include "db_backend.h"
#include "log.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct MysqlDb {
	Db base;
	MYSQL *conn;
	bool in_transaction;
	bool load_data; /* the server takes LOAD DATA LOCAL INFILE: the bulk path */
	/* What the local-infile handler serves: the rows of the current LOAD DATA. */
	const char *infile_data;
	size_t infile_len, infile_pos;
} MysqlDb;

static MYSQL *conn_of(Db *db) { return ((MysqlDb *)db)->conn; }

static bool my_exec(Db *db, const char *sql)
{
	MYSQL *conn = conn_of(db);
	if (mysql_real_query(conn, sql, strlen(sql)) != 0) {
		log_error("MariaDB: %s (in: %.200s)", mysql_error(conn), sql);
		return false;
	}
	/* statements here return no rows, but drain any to keep the connection usable */
	do {
		MYSQL_RES *res = mysql_store_result(conn);
		if (res)
			mysql_free_result(res);
	} while (mysql_next_result(conn) == 0);
	return true;
}

/*
 * The local-infile handler: whatever file name a LOAD DATA LOCAL (or a
 * hostile server) asks for, it serves only the rows in memory, never a file.
 */
static int infile_init(void **state, const char *filename, void *userdata)
{
	(void)filename;
	MysqlDb *m = userdata;
	m->infile_pos = 0;
	*state = m;
	return m->infile_data ? 0 : 1;
}

static int infile_read(void *state, char *buf, unsigned int size)
{
	MysqlDb *m = state;
	size_t n = m->infile_len - m->infile_pos;
	if (n > size)
		n = size;
	memcpy(buf, m->infile_data + m->infile_pos, n);
	m->infile_pos += n;
	return (int)n;
}

static void infile_end(void *state) { (void)state; }

static int infile_error(void *state, char *msg, unsigned int size)
{
	(void)state;
	snprintf(msg, size, "podmigrate serves LOAD DATA LOCAL only for its own rows");
	return 2000; /* CR_UNKNOWN_ERROR */
}

static bool my_query(Db *db, const char *sql, DbRowFn fn, void *ctx);

/* SHOW WARNINGS: Level, Code, Message. */
static bool collect_warning_message(void *ctx, const DbValue *values, size_t ncols)
{
	return ncols < 3 || collect_first_column_text(ctx, values + 2, 1);
}

static bool my_connect(Db *db, const DbUrl *url, DbOpenMode mode)
{
	MysqlDb *m = (MysqlDb *)db;
	m->conn = mysql_init(NULL);
	if (!m->conn) {
		log_error("MariaDB: cannot allocate a connection");
		return false;
	}
	/* ~/.my.cnf [client] fills what the URL leaves out (password, socket, ...) */
	mysql_optionsv(m->conn, MYSQL_READ_DEFAULT_GROUP, "client");
	if (url->defaults_file) /* Django's OPTIONS read_default_file */
		mysql_optionsv(m->conn, MYSQL_READ_DEFAULT_FILE, url->defaults_file);
	mysql_optionsv(m->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	unsigned int local_infile = mode == DB_OPEN_WRITE;
	mysql_optionsv(m->conn, MYSQL_OPT_LOCAL_INFILE, &local_infile);
	const char *password = url->password;
	if (!password)
		password = getenv("MYSQL_PWD");
	if (!mysql_real_connect(m->conn, url->host, url->user, password, url->database, url->port,
	                        url->socket, 0)) {
		log_error("cannot connect to MariaDB %s: %s", url->redacted, mysql_error(m->conn));
		return false;
	}
	/*
	 * UTC for TIMESTAMP columns (Django's DATETIME columns already hold UTC),
	 * no backslash escapes so that quoting is the standard one.
	 */
	if (!my_exec(db, "SET time_zone = '+00:00', "
	                 "sql_mode = CONCAT_WS(',', NULLIF(@@sql_mode, ''), 'NO_BACKSLASH_ESCAPES')"))
		return false;
	if (mode != DB_OPEN_WRITE)
		return true;
	/* LOAD DATA skips the parsing of INSERT text; servers may refuse it (MySQL 8's default) */
	StrList on = STRLIST_INIT;
	bool ok = my_query(db, "SELECT @@local_infile", collect_first_column_text, &on);
	const char *value = on.count ? on.items[0] : "";
	m->load_data = ok && (strcmp(value, "1") == 0 || strcasecmp(value, "ON") == 0);
	strlist_free(&on);
	if (m->load_data)
		mysql_set_local_infile_handler(m->conn, infile_init, infile_read, infile_end, infile_error, m);
	log_debug("MariaDB: bulk loads with %s", m->load_data ? "LOAD DATA LOCAL INFILE" : "multi-row INSERT");
	return ok;
}

/* As the client library connects: no host or "localhost" is the socket (its port unused), else host and port. */
static char *my_identity(const DbUrl *url)
{
	StrBuf sb = STRBUF_INIT;
	if (!url->host || !strcmp(url->host, "localhost"))
		sb_printf(&sb, "socket %s", url->socket ? url->socket : "(default)");
	else
		sb_printf(&sb, "host %s port %u", url->host, url->port ? url->port : 3306);
	sb_printf(&sb, " database %s", url->database);
	return sb_steal(&sb);
}

static void my_close(Db *db)
{
	MysqlDb *m = (MysqlDb *)db;
	if (m->conn)
		mysql_close(m->conn);
	free(m);
}

static bool my_query(Db *db, const char *sql, DbRowFn fn, void *ctx)
{
	MYSQL *conn = conn_of(db);
	if (mysql_real_query(conn, sql, strlen(sql)) != 0) {
		log_error("MariaDB: %s (in: %.200s)", mysql_error(conn), sql);
		return false;
	}
	MYSQL_RES *res = mysql_use_result(conn);
	if (!res) {
		if (mysql_field_count(conn) == 0)
			return true;
		log_error("MariaDB: %s (in: %.200s)", mysql_error(conn), sql);
		return false;
	}
	size_t ncols = mysql_num_fields(res);
	DbValue *values = xmalloc(sizeof(DbValue) * (ncols ? ncols : 1));
	bool ok = true;
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res)) != NULL) {
		unsigned long *lengths = mysql_fetch_lengths(res);
		for (size_t i = 0; i < ncols; i++) {
			values[i].data = row[i];
			values[i].len = row[i] ? lengths[i] : 0;
		}
		if (!fn(ctx, values, ncols)) {
			ok = false;
			break;
		}
	}
	if (ok && mysql_errno(conn) != 0) {
		log_error("MariaDB: %s (in: %.200s)", mysql_error(conn), sql);
		ok = false;
	}
	mysql_free_result(res); /* also reads and drops the rest of an aborted result */
	free(values);
	return ok;
}

/* NO_BACKSLASH_ESCAPES is set on every connection: doubling quotes is enough */
static void my_quote_literal(StrBuf *sb, const char *text) { quote_literal_standard(sb, text); }

static void my_quote_ident(StrBuf *sb, const char *name) { quote_doubling(sb, name, '`'); }

static bool my_list_tables(Db *db, StrList *tables)
{
	return my_query(db,
	                "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
	                "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
	                collect_first_column_text, tables);
}

static bool add_column_row(void *ctx, const DbValue *v, size_t ncols)
{
	(void)ncols;
	char *name = xstrndup(v[0].data, v[0].len);
	char *type = xstrndup(v[1].data, v[1].len);
	bool not_null = v[2].len == 2 && memcmp(v[2].data, "NO", 2) == 0;
	bool pk = v[3].len == 3 && memcmp(v[3].data, "PRI", 3) == 0;
	db_columns_add(ctx, name, type, not_null, pk);
	free(name);
	free(type);
	return true;
}

static bool my_list_columns(Db *db, const char *table, DbColumns *columns)
{
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_KEY "
	              "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ");
	my_quote_literal(&sql, table);
	sb_puts(&sql, " ORDER BY ORDINAL_POSITION");
	size_t first = columns->count;
	bool ok = my_query(db, sql.data, add_column_row, columns);
	/*
	 * MariaDB's JSON is longtext with a json_valid check named after the
	 * column. Asked with constants only: correlated with COLUMNS, the server
	 * opens every table of every database (seconds per table).
	 */
	StrList clauses = STRLIST_INIT;
	sb_reset(&sql);
	sb_puts(&sql, "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
	              "DATABASE() AND TABLE_NAME = ");
	my_quote_literal(&sql, table);
	ok = ok && my_query(db, sql.data, collect_first_column_text, &clauses);
	StrBuf wanted = STRBUF_INIT;
	for (size_t i = first; ok && clauses.count && i < columns->count; i++) {
		sb_reset(&wanted);
		sb_puts(&wanted, "json_valid(");
		my_quote_ident(&wanted, columns->items[i].name);
		sb_putc(&wanted, ')');
		if (strlist_contains(&clauses, wanted.data))
			columns->items[i].kind = COL_JSON;
	}
	sb_free(&wanted);
	strlist_free(&clauses);
	sb_free(&sql);
	return ok;
}

static bool add_foreign_key_row(void *ctx, const DbValue *v, size_t ncols)
{
	(void)ncols;
	char *column = xstrndup(v[0].data, v[0].len), *table = xstrndup(v[1].data, v[1].len);
	char *ref = xstrndup(v[2].data, v[2].len);
	db_foreign_keys_add(ctx, column, table, ref);
	free(column), free(table), free(ref);
	return true;
}

static bool my_list_foreign_keys(Db *db, const char *table, DbForeignKeys *keys)
{
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME "
	              "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() "
	              "AND REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_NAME = ");
	my_quote_literal(&sql, table);
	sb_puts(&sql, " ORDER BY CONSTRAINT_NAME");
	bool ok = my_query(db, sql.data, add_foreign_key_row, keys);
	sb_free(&sql);
	return ok;
}

static bool my_begin_snapshot(Db *db)
{
	if (!my_exec(db, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ") ||
	    !my_exec(db, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"))
		return false;
	((MysqlDb *)db)->in_transaction = true;
	return true;
}

static bool my_begin(Db *db)
{
	if (!my_exec(db, "START TRANSACTION"))
		return false;
	((MysqlDb *)db)->in_transaction = true;
	return true;
}

static bool my_commit(Db *db)
{
	((MysqlDb *)db)->in_transaction = false;
	return my_exec(db, "COMMIT");
}

static bool my_rollback(Db *db)
{
	MysqlDb *m = (MysqlDb *)db;
	if (!m->in_transaction)
		return true;
	m->in_transaction = false;
	return my_exec(db, "ROLLBACK");
}

static void my_select_expr(StrBuf *sb, const DbColumn *column)
{
	my_quote_ident(sb, column->name);
}

static void my_order_expr(StrBuf *sb, const DbColumn *column)
{
	/* the table collation (utf8mb4_unicode_ci) does not sort bytewise */
	if (column->kind == COL_TEXT)
		sb_puts(sb, "CAST(");
	my_quote_ident(sb, column->name);
	if (column->kind == COL_TEXT)
		sb_puts(sb, " AS BINARY)");
}

/*
 * MariaDB cannot defer foreign keys: they are switched off for this session,
 * and the importer checks the references itself before commit.
 */
static bool my_defer_constraints(Db *db) { return my_exec(db, "SET SESSION foreign_key_checks = 0"); }

/*
 * InnoDB moves AUTO_INCREMENT past any explicit id it stores, and ALTER TABLE
 * would commit the import's transaction: nothing to do.
 */
static bool my_reset_sequence(Db *db, const char *table, const DbColumn *column)
{
	(void)db, (void)table, (void)column;
	return true;
}

static bool keep_first_value(void *ctx, const DbValue *values, size_t ncols)
{
	StrBuf *out = ctx;
	(void)ncols;
	sb_reset(out);
	if (values[0].data)
		sb_append(out, values[0].data, values[0].len);
	return true;
}

/* InnoDB's counter: never below the largest id plus one since MariaDB 10.2, but read, not assumed. */
static bool my_next_id(Db *db, const char *table, const DbColumn *column, int64_t *next)
{
	(void)column;
	StrBuf sql = STRBUF_INIT, value = STRBUF_INIT;
	sb_puts(&sql, "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
	              "AND TABLE_NAME = ");
	my_quote_literal(&sql, table);
	bool ok = my_query(db, sql.data, keep_first_value, &value);
	*next = ok && value.len ? strtoll(value.data, NULL, 10) : 0;
	sb_free(&sql);
	sb_free(&value);
	return ok;
}

static bool keep_all_values(void *ctx, const DbValue *values, size_t ncols)
{
	for (size_t i = 0; i < ncols; i++) {
		char *text = xstrndup(values[i].data ? values[i].data : "", values[i].len);
		strlist_add(ctx, text);
		free(text);
	}
	return true;
}

#define WEIGHTS_PER_QUERY 200

/*
 * Django's iexact on MariaDB is the column's collation (utf8mb4_unicode_ci:
 * case, accents, ß/ss and emoji all compare equal): its sort weights are the
 * key, asked from the server for many names per query.
 */
static bool my_iexact_keys(Db *db, const char *table, const char *column, const StrList *names, StrList *keys)
{
	StrBuf sql = STRBUF_INIT, collation = STRBUF_INIT;
	sb_puts(&sql, "SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
	              "AND TABLE_NAME = ");
	my_quote_literal(&sql, table);
	sb_puts(&sql, " AND COLUMN_NAME = ");
	my_quote_literal(&sql, column);
	bool ok = my_query(db, sql.data, keep_first_value, &collation) && collation.len > 0;
	if (!ok)
		log_error("MariaDB: cannot find the collation of %s.%s", table, column);
	for (size_t start = 0; ok && start < names->count; start += WEIGHTS_PER_QUERY) {
		sb_reset(&sql);
		sb_puts(&sql, "SELECT ");
		for (size_t i = start; i < names->count && i < start + WEIGHTS_PER_QUERY; i++) {
			sb_puts(&sql, i > start ? ", HEX(WEIGHT_STRING(CONVERT(" : "HEX(WEIGHT_STRING(CONVERT(");
			my_quote_literal(&sql, names->items[i]);
			sb_printf(&sql, " USING utf8mb4) COLLATE %s))", collation.data);
		}
		ok = my_query(db, sql.data, keep_all_values, keys);
	}
	sb_free(&sql);
	sb_free(&collation);
	return ok;
}

/* Multi-row INSERT statements capped by size, as mydumper does; LOAD DATA batches likewise. */
#define INSERT_MAX_BYTES (1024 * 1024)
#define LOAD_DATA_MAX_BYTES (4 * 1024 * 1024)

/*
 * Rows are buffered, then sent in one statement: LOAD DATA LOCAL INFILE of
 * tab-separated rows served from memory when the server allows it, else a
 * multi-row INSERT.
 */
typedef struct MysqlLoader {
	DbLoader base;
	bool load_data;
	StrBuf head;      /* INSERT INTO t (...) VALUES: the probe's, and the fallback's */
	StrBuf load_sql;  /* LOAD DATA LOCAL INFILE ... INTO TABLE t ... (...) */
	StrBuf statement; /* INSERT: head + the rows not yet sent; LOAD DATA: the rows */
	unsigned long long first_row; /* 1-based number of the first buffered row */
	size_t buffered;
	size_t *row_starts; /* offset of each buffered row in statement */
	size_t row_starts_cap;
} MysqlLoader;

static DbLoader *my_load_begin(Db *db, const char *table, const DbColumns *columns)
{
	MysqlLoader *l = xmalloc(sizeof(*l));
	memset(l, 0, sizeof(*l));
	db_loader_init(&l->base, db, table, columns);
	build_insert_head(&l->head, my_quote_ident, table, columns);
	l->load_data = ((MysqlDb *)db)->load_data;
	if (l->load_data) {
		/* NO_BACKSLASH_ESCAPES empties the default escape character: name it */
		sb_puts(&l->load_sql, "LOAD DATA LOCAL INFILE 'podmigrate-rows' INTO TABLE ");
		my_quote_ident(&l->load_sql, table);
		sb_puts(&l->load_sql, " CHARACTER SET utf8mb4 FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' "
		                      "LINES TERMINATED BY X'0A' (");
		append_column_names(&l->load_sql, my_quote_ident, columns);
		sb_putc(&l->load_sql, ')');
	}
	l->first_row = 1;
	return &l->base;
}

/* One value as SQL text: NULL, or quoted (NO_BACKSLASH_ESCAPES: quotes doubled, NUL bytes as they are). */
static void append_sql_value(StrBuf *sb, const char *s, size_t len, bool is_null)
{
	if (is_null) {
		sb_puts(sb, "NULL");
		return;
	}
	sb_putc(sb, '\'');
	size_t start = 0;
	for (size_t k = 0; k < len; k++) {
		if (s[k] != '\'')
			continue;
		sb_append(sb, s + start, k + 1 - start);
		sb_putc(sb, '\'');
		start = k + 1;
	}
	sb_append(sb, s + start, len - start);
	sb_putc(sb, '\'');
}

/* A buffered LOAD DATA row (escaped, without its newline) as an INSERT's "(...)". */
static void tsv_row_as_tuple(StrBuf *out, const char *row, size_t len)
{
	StrBuf value = STRBUF_INIT;
	sb_putc(out, '(');
	size_t i = 0;
	for (bool first = true;; first = false) {
		sb_reset(&value);
		size_t start = i;
		while (i < len && row[i] != '\t') {
			if (row[i] == '\\' && i + 1 < len) {
				char c = row[++i];
				sb_putc(&value, c == 't' ? '\t' : c == 'n' ? '\n' : c == '0' ? '\0' : c);
			} else {
				sb_putc(&value, row[i]);
			}
			i++;
		}
		if (!first)
			sb_putc(out, ',');
		bool is_null = i - start == 2 && row[start] == '\\' && row[start + 1] == 'N';
		append_sql_value(out, value.data ? value.data : "", value.len, is_null);
		if (i >= len)
			break;
		i++; /* the tab */
	}
	sb_putc(out, ')');
	sb_free(&value);
}

/*
 * A refused multi-row INSERT is undone whole by InnoDB and its error does not
 * say which row: the rows are then sent one by one, each kept (a row may
 * clash with an earlier one of the batch), to name the culprit. The import
 * fails anyway; the savepoint leaves the transaction as it was.
 */
static void find_refused_row(MysqlLoader *l)
{
	MYSQL *conn = conn_of(l->base.db);
	StrBuf one = STRBUF_INIT;
	if (mysql_real_query(conn, "SAVEPOINT podmigrate_probe", 26) != 0)
		return;
	for (size_t i = 0; i < l->buffered; i++) {
		size_t start = l->row_starts[i];
		size_t end = i + 1 < l->buffered ? l->row_starts[i + 1] - 1 : l->statement.len;
		if (l->load_data && i + 1 == l->buffered && end > start)
			end--; /* the last row's newline */
		sb_reset(&one);
		sb_append(&one, l->head.data, l->head.len);
		if (l->load_data)
			tsv_row_as_tuple(&one, l->statement.data + start, end - start);
		else
			sb_append(&one, l->statement.data + start, end - start);
		if (mysql_real_query(conn, one.data, one.len) != 0) {
			/* a duplicate key names the index, and PRIMARY is the key column */
			const char *msg = mysql_error(conn);
			const char *column = NULL;
			for (size_t c = 0; !column && strstr(msg, "for key 'PRIMARY'") && c < l->base.columns->count; c++)
				if (l->base.columns->items[c].primary_key)
					column = l->base.columns->items[c].name;
			log_error("MariaDB refused row %llu of %s%s%s: %s", l->first_row + i, l->base.table,
			          column ? ", column " : "", column ? column : "", msg);
			break;
		}
	}
	mysql_real_query(conn, "ROLLBACK TO SAVEPOINT podmigrate_probe", 38);
	sb_free(&one);
}

/*
 * LOAD DATA LOCAL cannot stop the client mid-file, so the server turns
 * errors (duplicate keys, values too long...) into warnings and skips or
 * cuts rows. A batch is accepted only whole and clean; otherwise it is
 * undone and its rows are tried one by one as INSERTs to name the culprit.
 */
static bool load_data_flush(MysqlLoader *l)
{
	MysqlDb *m = (MysqlDb *)l->base.db;
	MYSQL *conn = m->conn;
	if (mysql_real_query(conn, "SAVEPOINT podmigrate_load", 25) != 0) {
		log_error("MariaDB: %s (in: SAVEPOINT podmigrate_load)", mysql_error(conn));
		return false;
	}
	m->infile_data = l->statement.data;
	m->infile_len = l->statement.len;
	int failed = mysql_real_query(conn, l->load_sql.data, l->load_sql.len);
	m->infile_data = NULL;
	unsigned long long loaded = failed ? 0 : mysql_affected_rows(conn);
	unsigned int warnings = failed ? 0 : mysql_warning_count(conn);
	if (!failed && loaded == l->buffered && warnings == 0)
		return true;
	StrBuf why = STRBUF_INIT;
	if (failed) {
		sb_puts(&why, mysql_error(conn));
	} else {
		sb_printf(&why, "%llu of %zu rows loaded, %u warnings", loaded, l->buffered, warnings);
		StrList first = STRLIST_INIT;
		if (my_query(l->base.db, "SHOW WARNINGS LIMIT 1", collect_warning_message, &first) && first.count)
			sb_printf(&why, ", the first: %s", first.items[0]);
		strlist_free(&first);
	}
	log_error("MariaDB refused a row of %s among rows %llu to %llu: %s", l->base.table, l->first_row,
	          l->first_row + l->buffered - 1, why.data);
	sb_free(&why);
	if (mysql_real_query(conn, "ROLLBACK TO SAVEPOINT podmigrate_load", 37) == 0)
		find_refused_row(l);
	return false;
}

static bool my_flush(MysqlLoader *l)
{
	if (l->buffered == 0)
		return true;
	MYSQL *conn = conn_of(l->base.db);
	if (l->load_data) {
		if (!load_data_flush(l))
			return false;
	} else if (mysql_real_query(conn, l->statement.data, l->statement.len) != 0) {
		log_error("MariaDB refused a row of %s among rows %llu to %llu: %s", l->base.table, l->first_row,
		          l->first_row + l->buffered - 1, mysql_error(conn));
		find_refused_row(l);
		return false;
	}
	l->first_row += l->buffered;
	l->buffered = 0;
	sb_reset(&l->statement);
	return true;
}

/* Where the row about to be buffered starts in statement (find_refused_row splits there). */
static void note_row_start(MysqlLoader *l)
{
	l->row_starts = xgrow(l->row_starts, l->buffered, &l->row_starts_cap, sizeof(size_t));
	l->row_starts[l->buffered] = l->statement.len;
}

/* One row in LOAD DATA's text format: tab-separated, \N for NULL, backslash escapes. */
static bool load_data_row(MysqlLoader *l, const DbValue *values)
{
	note_row_start(l);
	StrBuf *sb = &l->statement;
	for (size_t i = 0; i < l->base.columns->count; i++) {
		if (i)
			sb_putc(sb, '\t');
		if (!values[i].data) {
			sb_append(sb, "\\N", 2);
			continue;
		}
		const char *s = values[i].data;
		size_t start = 0;
		for (size_t k = 0; k < values[i].len; k++) {
			char c = s[k];
			if (c != '\\' && c != '\t' && c != '\n' && c != '\0')
				continue;
			sb_append(sb, s + start, k - start);
			sb_putc(sb, '\\');
			sb_putc(sb, c == '\t' ? 't' : c == '\n' ? 'n' : c == '\0' ? '0' : '\\');
			start = k + 1;
		}
		sb_append(sb, s + start, values[i].len - start);
	}
	sb_putc(sb, '\n');
	l->buffered++;
	return l->statement.len < LOAD_DATA_MAX_BYTES || my_flush(l);
}

static bool my_load_row(DbLoader *loader, const DbValue *values)
{
	MysqlLoader *l = (MysqlLoader *)loader;
	if (l->load_data)
		return load_data_row(l, values);
	if (l->buffered == 0)
		sb_append(&l->statement, l->head.data, l->head.len);
	else
		sb_putc(&l->statement, ',');
	note_row_start(l);
	sb_putc(&l->statement, '(');
	for (size_t i = 0; i < loader->columns->count; i++) {
		if (i)
			sb_putc(&l->statement, ',');
		append_sql_value(&l->statement, values[i].data, values[i].len, !values[i].data);
	}
	sb_putc(&l->statement, ')');
	l->buffered++;
	return l->statement.len < INSERT_MAX_BYTES || my_flush(l);
}

static void my_load_abort(DbLoader *loader)
{
	MysqlLoader *l = (MysqlLoader *)loader;
	sb_free(&l->head);
	sb_free(&l->load_sql);
	sb_free(&l->statement);
	free(l->row_starts);
	db_loader_release(loader);
	free(l);
}

static bool my_load_end(DbLoader *loader)
{
	bool ok = my_flush((MysqlLoader *)loader);
	my_load_abort(loader);
	return ok;
}

const DbOps db_mysql_ops = {
	.engine_name = "MariaDB",
	.db_size = sizeof(MysqlDb),
	.connect = my_connect,
	.identity = my_identity,
	.close = my_close,
	.exec = my_exec,
	.query = my_query,
	.list_tables = my_list_tables,
	.list_columns = my_list_columns,
	.list_foreign_keys = my_list_foreign_keys,
	.begin_snapshot = my_begin_snapshot,
	.begin = my_begin,
	.commit = my_commit,
	.rollback = my_rollback,
	.quote_ident = my_quote_ident,
	.quote_literal = my_quote_literal,
	.select_expr = my_select_expr,
	.order_expr = my_order_expr,
	.defer_constraints = my_defer_constraints,
	.reset_sequence = my_reset_sequence,
	.next_id = my_next_id,
	.iexact_keys = my_iexact_keys,
	.load_begin = my_load_begin,
	.load_row = my_load_row,
	.load_end = my_load_end,
	.load_abort = my_load_abort,
};
