#include "verify.h"

#include "diff_report.h"
#include "log.h"
#include "pod_repairs.h"
#include "pod_schema.h"
#include "pod_tag_export.h"
#include "pod_tag_verify.h"
#include "reject_log.h"
#include "row_stream.h"
#include "stop.h"
#include "strmap.h"
#include "utf8.h"
#include "values.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The state of one verify, shared by its tables. */
typedef struct VerifyRun {
	Db *v3; /* NULL: the source is a file */
	Db *v4;
	const VerifyOptions *options;
	const char *from; /* for the report */
	StrList v3_tables, v4_tables;
	DiffReport report;
	PodRepairs repairs;  /* the import's rules, applied to the source to get what v4 must hold */
	StrMap rejected;     /* "table\tkey" of the rows v4 must not hold: left out for a dangling reference */
	StrList reject_keys; /* the same, in order, with their reasons in reject_reasons */
	StrList reject_reasons;
	/*
	 * File mode: the references of each row the reject file lists, 4 strings
	 * each ("table\tkey", referenced table, referenced column, value), to
	 * prove after the tables that one of them points nowhere in v4.
	 */
	StrList claims;
	struct TableMerge *merge;      /* file mode: the table being read */
	PodTagVerify *tags;            /* file mode: the tag pseudo-table being read */
	const PodTagSource *tag_source;
	StrList compared;              /* tables compared, for the sequences */
	StrList seen;                  /* file mode: the file's tables */
} VerifyRun;

/* One table: the source's rows (v3 or the file), merged by key with v4's, streamed in a thread. */
typedef struct TableMerge {
	VerifyRun *run;
	TableCheck *check;
	const char *table;      /* the check's copy */
	DbColumns v4;           /* the catalog's columns: what the stream reads, in order */
	int pk;                 /* in v4 */
	bool planned;
	bool *from_source;      /* per v4 column: the source has it */
	int *source_to_v4;      /* per source column (in plan order): its v4 column, or -1 */
	char **source_names;    /* the plan's names (file mode: to map the next rows fast) */
	size_t source_count;
	const char **defaults;  /* per v4 column the source lacks: the model default, or NULL */
	StrBuf *cells;          /* per v4 column: the expected canonical value */
	DbValue *expected;
	RowStream *stream;
	const DbValue *actual;  /* v4's row in hand, or NULL at its end */
	StrBuf actual_key, last_key, canon, scratch, key_text;
	JsonToken *tokens;        /* file mode: a row's values in the plan's order */
	const JsonToken **token_ptrs;
	bool have_last, have_actual_key;
	bool as_loaded; /* db_stores_as_loaded(v4) */
	DbForeignKeys fks; /* file mode, with a reject file: v4's, to prove the rows left out */
	bool failed;
	TableProgress progress;
	double started;
} TableMerge;

static bool is_integer_key(const DbColumn *pk) { return pk->kind == COL_INT; }

static int key_cmp(const DbColumn *pk, const char *a, size_t alen, const char *b, size_t blen)
{
	if (is_integer_key(pk)) {
		long long x = strtoll(a, NULL, 10), y = strtoll(b, NULL, 10);
		return x < y ? -1 : x > y;
	}
	int c = memcmp(a, b, alen < blen ? alen : blen); /* bytewise, as the streams are sorted */
	return c ? c : alen < blen ? -1 : alen > blen;
}

/* A v4 value in the canonical form of its column (out), as the import would have written it. */
static bool canonical(const DbColumn *col, const JsonToken *token, StrBuf *out, bool *is_null, const char **why)
{
	return value_from_json(col, token->type, token->text, token->len, out, is_null, why);
}

/*
 * v4's value in canonical form. Where the engine keeps the text as loaded
 * (SQLite), that text must be the very canonical form the import writes:
 * 't' for true, a 'T' in a datetime or a dashed uuid would be another value
 * to Django, so it is taken as it is. Numbers there are the engine's own
 * (its affinity converts them), read back in their canonical form.
 */
static bool canonical_actual(TableMerge *m, const DbColumn *col, const DbValue *raw, StrBuf *out, bool *is_null,
                             const char **why)
{
	if (m->as_loaded && col->kind != COL_FLOAT && col->kind != COL_DECIMAL) {
		sb_reset(out);
		*is_null = !raw->data;
		if (raw->data)
			sb_append(out, raw->data, raw->len);
		return true;
	}
	JsonToken token;
	return value_json_token(col->kind, raw, &m->scratch, &token, why) && canonical(col, &token, out, is_null, why);
}

static void reject_key(StrBuf *out, const char *table, const char *key, size_t len)
{
	sb_reset(out);
	sb_puts(out, table);
	sb_putc(out, '\t');
	sb_append(out, key, len);
}

/* The reason a row must be absent from v4, or NULL. */
static const char *rejected_reason(TableMerge *m, const char *key, size_t len)
{
	size_t index;
	if (!m->run->rejected.count)
		return NULL;
	reject_key(&m->scratch, m->table, key, len);
	if (!strmap_get(&m->run->rejected, m->scratch.data, m->scratch.len, &index))
		return NULL;
	return m->run->reject_reasons.items[index];
}

/* "id=12" for messages, in m->key_text (made only for a row that differs). */
static const char *key_text(TableMerge *m, const char *key, size_t len)
{
	StrBuf *out = &m->key_text;
	sb_reset(out);
	sb_puts(out, m->v4.items[m->pk].name);
	sb_putc(out, '=');
	utf8_append_visible(out, key, len, 100);
	return out->data;
}

static bool next_actual(TableMerge *m)
{
	size_t ncols;
	if (!row_stream_next(m->stream, &m->actual, &ncols)) {
		m->actual = NULL;
		return true;
	}
	bool is_null;
	const char *why;
	const DbColumn *pk = &m->v4.items[m->pk];
	if (!canonical_actual(m, pk, &m->actual[m->pk], &m->canon, &is_null, &why) || is_null) {
		log_error("table %s: v4 has a row whose key %s is %s", m->table, pk->name, is_null ? "NULL" : why);
		return false;
	}
	/* the merge is only right when both sides come in the same order */
	if (m->have_actual_key && key_cmp(pk, m->actual_key.data, m->actual_key.len, m->canon.data, m->canon.len) >= 0) {
		log_error("table %s: v4's rows do not come in key order (%s after %s): cannot compare", m->table,
		          m->canon.data, m->actual_key.data);
		return false;
	}
	StrBuf previous = m->actual_key;
	m->actual_key = m->canon;
	m->canon = previous;
	m->have_actual_key = true;
	return true;
}

/* v4's row in hand has no counterpart in the source. */
static void extra_row(TableMerge *m, bool past_the_source)
{
	TableCheck *t = m->check;
	t->compared++;
	/* v4's own content types and permissions, added back by the import with ids past v3's */
	if (past_the_source && pod_v4_own_row(m->table, &m->v4, m->actual, &m->run->v4_tables)) {
		table_check_account(t, ACCOUNT_V4_ONLY, key_text(m, m->actual_key.data, m->actual_key.len));
		return;
	}
	t->extra++;
	table_check_note(t, DIFF_EXTRA, key_text(m, m->actual_key.data, m->actual_key.len), NULL, NULL, NULL, NULL);
}

/* Compares the row in hand with the expected one; true when every column is equal. */
static bool same_row(TableMerge *m)
{
	bool same = true;
	StrBuf *canon = &m->canon;
	for (size_t c = 0; c < m->v4.count; c++) {
		const DbValue *e = &m->expected[c], *a = &m->actual[c];
		const DbColumn *col = &m->v4.items[c];
		bool equal;
		if (!e->data || !a->data)
			equal = !e->data && !a->data;
		else if (e->len == a->len && memcmp(e->data, a->data, e->len) == 0)
			equal = true;
		else {
			bool is_null;
			const char *why;
			if (!canonical_actual(m, col, a, canon, &is_null, &why))
				equal = false;
			else if (col->kind == COL_JSON && !m->as_loaded)
				equal = value_json_equal(e->data, e->len, canon->data, canon->len);
			else
				equal = canon->len == e->len && memcmp(canon->data, e->data, e->len) == 0;
		}
		if (!equal) {
			if (same) /* one row counted once, each column shown */
				m->check->different++;
			same = false;
			const DbValue *key = &m->expected[m->pk];
			table_check_note(m->check, DIFF_DIFFERENT, key_text(m, key->data, key->len), col->name, e, a, NULL);
		}
	}
	return same;
}

/*
 * File mode: the references of a row the import left out, as the file's row
 * has them (not as the reject file says), to be proven dangling after the
 * tables (prove_rejects).
 */
static void claim_references(TableMerge *m, const DbValue *key)
{
	StrList *claims = &m->run->claims;
	for (size_t k = 0; k < m->fks.count; k++) {
		const DbForeignKey *fk = &m->fks.items[k];
		int c = db_column_index(&m->v4, fk->column, strlen(fk->column));
		if (c < 0 || !m->expected[c].data)
			continue;
		reject_key(&m->scratch, m->table, key->data, key->len);
		strlist_add(claims, m->scratch.data);
		strlist_add(claims, fk->ref_table);
		strlist_add(claims, fk->ref_column);
		char *value = xstrndup(m->expected[c].data, m->expected[c].len);
		strlist_add(claims, value);
		free(value);
	}
}

/* One row of the source, its values already in m->expected. */
static bool merge_expected(TableMerge *m, PodRepairResult repair)
{
	TableCheck *t = m->check;
	const DbValue *key = &m->expected[m->pk];
	const DbColumn *pk = &m->v4.items[m->pk];
	if (m->have_last && key_cmp(pk, m->last_key.data, m->last_key.len, key->data, key->len) >= 0) {
		log_error("table %s: the source's row %s is not in key order (after %s): verify merges tables sorted "
		          "by key, as podmigrate's export writes them%s", m->table, key_text(m, key->data, key->len),
		          m->last_key.data, m->run->v3 ? "" : "; for a file written otherwise, verify --from the v3 database");
		return false;
	}
	sb_reset(&m->last_key);
	sb_append(&m->last_key, key->data, key->len);
	m->have_last = true;
	while (m->actual && key_cmp(pk, m->actual_key.data, m->actual_key.len, key->data, key->len) < 0) {
		extra_row(m, false);
		if (!next_actual(m))
			return false;
	}
	bool in_v4 = m->actual && key_cmp(pk, m->actual_key.data, m->actual_key.len, key->data, key->len) == 0;
	const char *reason = rejected_reason(m, key->data, key->len);
	t->compared++;
	if (repair == POD_REPAIR_DROPPED || reason) {
		if (!in_v4) {
			if (reason)
				claim_references(m, key);
			key_text(m, key->data, key->len);
			if (reason)
				sb_printf(&m->key_text, " (%s)", reason);
			table_check_account(t, reason ? ACCOUNT_REJECTED : ACCOUNT_MERGED, m->key_text.data);
		} else {
			t->extra++;
			table_check_note(t, DIFF_EXTRA, key_text(m, key->data, key->len), NULL, NULL, NULL,
			                 reason ? "left out by the import, yet in v4" : "merged by the import, yet in v4");
		}
	} else if (!in_v4) {
		t->missing++;
		table_check_note(t, DIFF_MISSING, key_text(m, key->data, key->len), NULL, NULL, NULL, NULL);
	} else if (same_row(m)) {
		if (repair == POD_REPAIR_CHANGED)
			table_check_account(t, !strcmp(m->table, "meeting") ? ACCOUNT_REPAIRED : ACCOUNT_MERGED,
			                    key_text(m, key->data, key->len));
		else
			t->equal++;
	}
	progress_rows(&m->progress, t->compared);
	return !in_v4 || next_actual(m);
}

static TableMerge *merge_open(VerifyRun *run, const char *table)
{
	TableMerge *m = xmalloc(sizeof(*m));
	memset(m, 0, sizeof(*m));
	m->run = run;
	m->check = diff_report_table(&run->report, table);
	m->table = m->check->table;
	m->pk = -1;
	m->as_loaded = db_stores_as_loaded(run->v4);
	m->started = clock_now();
	progress_start(&m->progress, m->table);
	if (!db_list_columns(run->v4, table, &m->v4)) {
		m->failed = true;
		return m;
	}
	int keys = 0;
	for (size_t c = 0; c < m->v4.count; c++)
		if (m->v4.items[c].primary_key)
			m->pk = (int)c, keys++;
	if (keys != 1) {
		log_error("table %s: v4's table has %s primary key: verify compares rows by key", table,
		          keys ? "a composite" : "no");
		m->failed = true;
	}
	return m;
}

/* The columns the source gives, in the order of its tokens; starts v4's stream. */
static bool merge_plan(TableMerge *m, const char *const *names, const size_t *lens, size_t count)
{
	size_t n = m->v4.count;
	m->from_source = xmalloc(sizeof(bool) * (n + 1));
	memset(m->from_source, 0, sizeof(bool) * (n + 1));
	m->source_to_v4 = xmalloc(sizeof(int) * (count + 1));
	m->source_names = xmalloc(sizeof(char *) * (count + 1));
	m->source_count = count;
	for (size_t i = 0; i < count; i++) {
		int c = db_column_index(&m->v4, names[i], lens[i]);
		m->source_to_v4[i] = c;
		m->source_names[i] = xstrndup(names[i], lens[i]);
		if (c >= 0)
			m->from_source[c] = true;
		else if (!strlist_contains(&m->check->dropped_columns, m->source_names[i]))
			strlist_add(&m->check->dropped_columns, m->source_names[i]);
	}
	m->tokens = xmalloc(sizeof(JsonToken) * (count + 1));
	m->token_ptrs = xmalloc(sizeof(JsonToken *) * (count + 1));
	m->defaults = xmalloc(sizeof(char *) * (n + 1));
	m->cells = xmalloc(sizeof(StrBuf) * (n + 1));
	m->expected = xmalloc(sizeof(DbValue) * (n + 1));
	for (size_t c = 0; c < n; c++) {
		const DbColumn *col = &m->v4.items[c];
		m->cells[c] = (StrBuf)STRBUF_INIT;
		m->defaults[c] = NULL;
		if (!m->from_source[c]) {
			strlist_add(&m->check->default_columns, col->name);
			if (col->not_null)
				m->defaults[c] = pod_v4_model_default(m->table, col->name);
		}
	}
	m->planned = true;
	if (!m->run->v3 && m->run->rejected.count && !db_list_foreign_keys(m->run->v4, m->table, &m->fks))
		return false;
	if (count && !m->from_source[m->pk]) {
		log_error("table %s: the source has no column %s, v4's primary key", m->table, m->v4.items[m->pk].name);
		return false;
	}
	StrBuf sql = STRBUF_INIT;
	db_append_select(m->run->v4, &sql, m->table, &m->v4);
	sb_puts(&sql, " ORDER BY ");
	db_order_expr(m->run->v4, &sql, &m->v4.items[m->pk]);
	m->stream = row_stream_open(m->run->v4, sql.data);
	sb_free(&sql);
	return m->stream && next_actual(m);
}

/* One source row: tokens[i] is the value of the plan's column i (NULL: the row lacks it). */
static bool merge_row(TableMerge *m, const JsonToken *const *tokens, uint64_t row)
{
	if (stop_requested())
		return false;
	for (size_t c = 0; c < m->v4.count; c++)
		m->expected[c] = m->defaults[c] ? (DbValue){m->defaults[c], strlen(m->defaults[c])} : (DbValue){NULL, 0};
	for (size_t i = 0; i < m->source_count; i++) {
		int c = m->source_to_v4[i];
		if (c < 0 || !tokens[i])
			continue;
		bool is_null;
		const char *why;
		if (!canonical(&m->v4.items[c], tokens[i], &m->cells[c], &is_null, &why)) {
			/* the import would have stopped: no v4 can hold it */
			StrBuf shown = STRBUF_INIT;
			utf8_append_visible(&shown, tokens[i]->text ? tokens[i]->text : "", tokens[i]->len, 100);
			log_error("table %s, row %" PRIu64 ", column %s: '%s' is %s for v4's %s", m->table, row,
			          m->v4.items[c].name, shown.data, why, m->v4.items[c].type);
			sb_free(&shown);
			return false;
		}
		m->expected[c] = is_null ? (DbValue){NULL, 0} : (DbValue){m->cells[c].data, m->cells[c].len};
	}
	if (!m->expected[m->pk].data) {
		log_error("table %s, row %" PRIu64 ": the key %s is NULL", m->table, row, m->v4.items[m->pk].name);
		return false;
	}
	PodRepairResult repair = pod_repairs_apply(&m->run->repairs, m->table, &m->v4, m->expected, row);
	return merge_expected(m, repair);
}

/* After the source's last row: what v4 still holds is extra. Prints the table's line. */
static bool merge_finish(TableMerge *m)
{
	while (m->actual) {
		extra_row(m, true);
		if (!next_actual(m))
			return false;
	}
	if (!row_stream_close(m->stream)) {
		m->stream = NULL;
		return false;
	}
	m->stream = NULL;
	m->check->seconds = clock_now() - m->started;
	progress_clear();
	diff_report_print_table(m->check);
	strlist_add(&m->run->compared, m->table);
	return true;
}

static void merge_free(TableMerge *m)
{
	if (!m)
		return;
	row_stream_close(m->stream); /* a failure was logged by the thread */
	if (m->planned) {
		for (size_t c = 0; c < m->v4.count; c++)
			sb_free(&m->cells[c]);
		for (size_t i = 0; i < m->source_count; i++)
			free(m->source_names[i]);
	}
	free(m->cells);
	free(m->expected);
	free(m->defaults);
	free(m->from_source);
	free(m->source_to_v4);
	free(m->source_names);
	free(m->tokens);
	free(m->token_ptrs);
	sb_free(&m->key_text);
	sb_free(&m->actual_key);
	sb_free(&m->last_key);
	sb_free(&m->canon);
	sb_free(&m->scratch);
	db_columns_free(&m->v4);
	db_foreign_keys_free(&m->fks);
	free(m);
}

/* ---- the source is the v3 database ---- */

typedef struct DbSource {
	TableMerge *m;
	const DbColumns *columns; /* v3's, in the plan's order */
	StrBuf *scratch;          /* one per column: the tokens (in m) point into them */
	uint64_t rows;
} DbSource;

static bool db_source_row(void *ctx, const DbValue *values, size_t ncols)
{
	DbSource *s = ctx;
	s->rows++;
	for (size_t i = 0; i < ncols; i++) {
		const char *why;
		if (!value_json_token(s->columns->items[i].kind, &values[i], &s->scratch[i], &s->m->tokens[i], &why)) {
			log_error("table %s, row %" PRIu64 ", column %s: %s", s->m->table, s->rows, s->columns->items[i].name,
			          why);
			return false;
		}
		s->m->token_ptrs[i] = &s->m->tokens[i];
	}
	return merge_row(s->m, s->m->token_ptrs, s->rows);
}

static const DbColumn *primary_key_of(const DbColumns *columns)
{
	for (size_t c = 0; c < columns->count; c++)
		if (columns->items[c].primary_key)
			return &columns->items[c];
	return NULL;
}

static bool compare_db_table(VerifyRun *run, const char *table)
{
	TableMerge *m = merge_open(run, table);
	DbColumns v3 = {0}, picked = {0};
	bool ok = !m->failed && db_list_columns(run->v3, table, &v3);
	const DbColumn *v3_pk = ok ? primary_key_of(&v3) : NULL;
	if (ok && (!v3_pk || strcmp(v3_pk->name, m->v4.items[m->pk].name) != 0)) {
		log_error("table %s: v3's primary key is not v4's %s", table, m->v4.items[m->pk].name);
		ok = false;
	}
	if (ok) {
		/* every v3 column: those v4 lacks are only named (dropped), not read */
		const char **names = xmalloc(sizeof(char *) * (v3.count + 1));
		size_t *lens = xmalloc(sizeof(size_t) * (v3.count + 1)), count = 0;
		for (size_t c = 0; c < v3.count; c++) {
			if (db_column_index(&m->v4, v3.items[c].name, strlen(v3.items[c].name)) < 0) {
				strlist_add(&m->check->dropped_columns, v3.items[c].name);
				continue;
			}
			db_columns_add_copy(&picked, &v3.items[c]);
			names[count] = v3.items[c].name;
			lens[count++] = strlen(v3.items[c].name);
		}
		ok = merge_plan(m, names, lens, count);
		free(names);
		free(lens);
	}
	if (ok) {
		DbSource s = {.m = m, .columns = &picked};
		size_t n = picked.count + 1;
		s.scratch = xmalloc(sizeof(StrBuf) * n);
		for (size_t i = 0; i < n; i++)
			s.scratch[i] = (StrBuf)STRBUF_INIT;
		StrBuf sql = STRBUF_INIT;
		db_append_select(run->v3, &sql, table, &picked);
		sb_puts(&sql, " ORDER BY ");
		db_order_expr(run->v3, &sql, v3_pk);
		ok = db_query(run->v3, sql.data, db_source_row, &s) && merge_finish(m);
		sb_free(&sql);
		for (size_t i = 0; i < n; i++)
			sb_free(&s.scratch[i]);
		free(s.scratch);
	}
	if (!ok) {
		progress_clear();
		log_error("table %s: verify stopped", table);
	}
	db_columns_free(&v3);
	db_columns_free(&picked);
	merge_free(m);
	return ok;
}

/* ---- rows left out by the import: derived from v3 itself ---- */

static void add_reject(VerifyRun *run, const char *table, const char *key, size_t len, const char *reason)
{
	StrBuf k = STRBUF_INIT;
	reject_key(&k, table, key, len);
	if (strmap_add(&run->rejected, k.data, k.len, run->reject_reasons.count)) {
		strlist_add(&run->reject_keys, k.data);
		strlist_add(&run->reject_reasons, reason);
	}
	sb_free(&k);
}

typedef struct DanglingScan {
	VerifyRun *run;
	const char *table;
	const DbForeignKey *fk;
	size_t added;
	StrBuf reason;
} DanglingScan;

static bool note_dangling(void *ctx, const DbValue *values, size_t ncols)
{
	DanglingScan *s = ctx;
	(void)ncols;
	if (!values[0].data)
		return true;
	sb_reset(&s->reason);
	sb_printf(&s->reason, "%s=%.*s: %s.%s %s", s->fk->column, values[1].data ? (int)values[1].len : 4,
	          values[1].data ? values[1].data : "NULL", s->fk->ref_table, s->fk->ref_column,
	          values[2].data ? "was left out" : "does not exist");
	size_t before = s->run->reject_keys.count;
	add_reject(s->run, s->table, values[0].data, values[0].len, s->reason.data);
	s->added += s->run->reject_keys.count - before;
	return true;
}

/*
 * The rows of table whose fk points at no row of the referenced table, or at
 * one left out already (the cascade): v3's rows, v4's foreign keys. Keys are
 * compared in v3's own text (integer keys, the only ones Pod references).
 */
static bool scan_dangling(VerifyRun *run, const char *table, const DbColumn *pk, const DbForeignKey *fk,
                          const DbColumn *ref_pk, size_t *added)
{
	Db *db = run->v3;
	StrBuf sql = STRBUF_INIT;
	DanglingScan s = {.run = run, .table = table, .fk = fk};
	sb_puts(&sql, "SELECT t.");
	db_quote_ident(db, &sql, pk->name);
	sb_puts(&sql, ", t.");
	db_quote_ident(db, &sql, fk->column);
	sb_puts(&sql, ", r.");
	db_quote_ident(db, &sql, ref_pk->name);
	sb_puts(&sql, " FROM ");
	db_quote_ident(db, &sql, table);
	sb_puts(&sql, " t LEFT JOIN ");
	db_quote_ident(db, &sql, fk->ref_table);
	sb_puts(&sql, " r ON r.");
	db_quote_ident(db, &sql, fk->ref_column);
	sb_puts(&sql, " = t.");
	db_quote_ident(db, &sql, fk->column);
	sb_puts(&sql, " WHERE t.");
	db_quote_ident(db, &sql, fk->column);
	sb_puts(&sql, " IS NOT NULL AND r.");
	db_quote_ident(db, &sql, fk->ref_column);
	sb_puts(&sql, " IS NULL");
	bool ok = db_query(db, sql.data, note_dangling, &s);
	/* the cascade: rows pointing at a row left out (referenced by its key) */
	if (ok && strcmp(fk->ref_column, ref_pk->name) == 0) {
		StrBuf prefix = STRBUF_INIT;
		sb_printf(&prefix, "%s\t", fk->ref_table);
		StrBuf in = STRBUF_INIT;
		size_t listed = 0;
		for (size_t i = 0; ok && i <= run->reject_keys.count; i++) {
			bool last = i == run->reject_keys.count;
			const char *k = last ? NULL : run->reject_keys.items[i];
			if (k && !strncmp(k, prefix.data, prefix.len) && is_integer_key(ref_pk)) {
				sb_printf(&in, "%s%s", listed ? ", " : "", k + prefix.len);
				listed++;
			}
			if (listed && (last || listed == 500)) {
				sb_reset(&sql);
				sb_puts(&sql, "SELECT ");
				db_quote_ident(db, &sql, pk->name);
				sb_puts(&sql, ", ");
				db_quote_ident(db, &sql, fk->column);
				sb_puts(&sql, ", 1 FROM ");
				db_quote_ident(db, &sql, table);
				sb_puts(&sql, " WHERE ");
				db_quote_ident(db, &sql, fk->column);
				sb_printf(&sql, " IN (%s)", in.data);
				ok = db_query(db, sql.data, note_dangling, &s);
				sb_reset(&in);
				listed = 0;
			}
		}
		sb_free(&prefix);
		sb_free(&in);
	}
	*added += s.added;
	sb_free(&s.reason);
	sb_free(&sql);
	return ok;
}

/* Again and again until nothing is added: a row left out may leave its own children dangling. */
static bool derive_rejects(VerifyRun *run, const StrList *tables)
{
	DbColumns *columns = xmalloc(sizeof(DbColumns) * (tables->count + 1));
	DbForeignKeys *keys = xmalloc(sizeof(DbForeignKeys) * (tables->count + 1));
	bool ok = true;
	for (size_t i = 0; i < tables->count; i++) {
		columns[i] = (DbColumns){0};
		keys[i] = (DbForeignKeys){0};
		ok = ok && db_list_columns(run->v3, tables->items[i], &columns[i]) &&
		     db_list_foreign_keys(run->v4, tables->items[i], &keys[i]);
	}
	for (size_t added = 1, round = 0; ok && added && round < 100; round++) {
		added = 0;
		for (size_t i = 0; ok && i < tables->count; i++) {
			const DbColumn *pk = primary_key_of(&columns[i]);
			ok = !stop_requested();
			for (size_t k = 0; ok && pk && k < keys[i].count; k++) {
				const DbForeignKey *fk = &keys[i].items[k];
				size_t r = 0;
				while (r < tables->count && strcmp(tables->items[r], fk->ref_table) != 0)
					r++;
				/* both ends in v3 (the import checks the others against v4's own rows) */
				if (r == tables->count || db_column_index(&columns[i], fk->column, strlen(fk->column)) < 0 ||
				    db_column_index(&columns[r], fk->ref_column, strlen(fk->ref_column)) < 0 ||
				    !primary_key_of(&columns[r]))
					continue;
				ok = scan_dangling(run, tables->items[i], pk, fk, primary_key_of(&columns[r]), &added);
			}
		}
	}
	for (size_t i = 0; i < tables->count; i++) {
		db_columns_free(&columns[i]);
		db_foreign_keys_free(&keys[i]);
	}
	free(columns);
	free(keys);
	return ok;
}

/* ---- the reject file ---- */

typedef struct RejectFileScan {
	VerifyRun *run;
	StrMap listed; /* "table\tkey" of the file's records */
	StrBuf key, canon;
	bool add;      /* file mode: the file says what was left out */
	bool ok;
} RejectFileScan;

/* A reject record's references (v4's foreign keys), kept to be proven dangling after the tables. */
static bool note_claims(RejectFileScan *s, const char *table, const DbColumns *columns, const JsonField *fields,
                        size_t count)
{
	DbForeignKeys keys = {0};
	if (!db_list_foreign_keys(s->run->v4, table, &keys))
		return false;
	StrBuf value = STRBUF_INIT;
	for (size_t k = 0; k < keys.count; k++) {
		const DbForeignKey *fk = &keys.items[k];
		int c = db_column_index(columns, fk->column, strlen(fk->column));
		for (size_t i = 0; c >= 0 && i < count; i++) {
			bool is_null;
			const char *why;
			if (strcmp(fields[i].key, fk->column) != 0 ||
			    !value_from_json(&columns->items[c], fields[i].type, fields[i].text, fields[i].len, &value,
			                     &is_null, &why) || is_null)
				continue;
			strlist_add(&s->run->claims, s->key.data);
			strlist_add(&s->run->claims, fk->ref_table);
			strlist_add(&s->run->claims, fk->ref_column);
			strlist_add(&s->run->claims, value.data);
		}
	}
	sb_free(&value);
	db_foreign_keys_free(&keys);
	return true;
}

static bool found_row(void *ctx, const DbValue *values, size_t ncols)
{
	(void)values, (void)ncols;
	*(bool *)ctx = true;
	return true;
}

/*
 * File mode: each row the reject file lists must have a reference that
 * points at no row of v4, or at a row left out itself; a row left out whose
 * references all hold is one the import lost.
 */
static bool prove_rejects(VerifyRun *run)
{
	if (!run->reject_keys.count)
		return true;
	TableCheck *t = diff_report_table(&run->report, "(reject file)");
	StrMap proven = {0};
	StrBuf sql = STRBUF_INIT, k = STRBUF_INIT;
	bool ok = true;
	for (size_t i = 0; ok && i + 3 < run->claims.count; i += 4) {
		ok = !stop_requested();
		const char *row = run->claims.items[i], *ref = run->claims.items[i + 1];
		const char *column = run->claims.items[i + 2], *value = run->claims.items[i + 3];
		size_t dummy;
		reject_key(&k, ref, value, strlen(value));
		bool dangles = strmap_get(&run->rejected, k.data, k.len, &dummy); /* in cascade */
		if (!dangles) {
			bool found = false;
			sb_reset(&sql);
			sb_puts(&sql, "SELECT 1 FROM ");
			db_quote_ident(run->v4, &sql, ref);
			sb_puts(&sql, " WHERE ");
			db_quote_ident(run->v4, &sql, column);
			sb_puts(&sql, " = ");
			db_quote_literal(run->v4, &sql, value);
			ok = db_query(run->v4, sql.data, found_row, &found);
			dangles = !found;
		}
		if (ok && dangles)
			strmap_put(&proven, row, strlen(row), 1);
	}
	for (size_t i = 0; ok && i < run->reject_keys.count; i++) {
		const char *row = run->reject_keys.items[i];
		size_t dummy;
		t->compared++;
		if (strmap_get(&proven, row, strlen(row), &dummy)) {
			t->equal++;
			continue;
		}
		t->missing++;
		table_check_note(t, DIFF_MISSING, row, NULL, NULL, NULL,
		                 "left out by the import, yet every reference of the file's row exists in v4");
	}
	if (ok)
		diff_report_print_table(t);
	strmap_free(&proven);
	sb_free(&sql);
	sb_free(&k);
	return ok;
}

static bool read_reject(void *ctx, const char *table, const JsonField *fields, size_t count, const char *reason,
                        uint64_t line)
{
	RejectFileScan *s = ctx;
	DbColumns columns = {0};
	if (!db_list_columns(s->run->v4, table, &columns))
		return false;
	if (!columns.count) {
		log_error("reject file, line %" PRIu64 ": v4 has no table %s", line, table);
		return false;
	}
	const DbColumn *pk = primary_key_of(&columns);
	const JsonField *f = NULL;
	for (size_t i = 0; pk && i < count && !f; i++)
		if (!strcmp(fields[i].key, pk->name))
			f = &fields[i];
	bool is_null = true;
	const char *why = "absent";
	bool ok = f && value_from_json(pk, f->type, f->text, f->len, &s->canon, &is_null, &why) && !is_null;
	if (!ok) {
		log_error("reject file, line %" PRIu64 ": table %s: the row's key is %s", line, table,
		          f && is_null ? "NULL" : why);
	} else if (s->add || !pod_tag_source_of_relation(table)) { /* v3 has no such rows: tags are the tag check's */
		reject_key(&s->key, table, s->canon.data, s->canon.len);
		strmap_put(&s->listed, s->key.data, s->key.len, 1);
		if (s->add) {
			add_reject(s->run, table, s->canon.data, s->canon.len, reason);
			/* tag links are not in the file: their record's object is the claim (the tag check has the rest) */
			if (pod_tag_source_of_relation(table))
				ok = note_claims(s, table, &columns, fields, count);
		}
	}
	db_columns_free(&columns);
	return ok;
}

/*
 * With a derived set (v3 given), the file must list the same rows: a row the
 * import left out that v3 does not explain, or the reverse, is a difference.
 * Relation rows of tags (of objects left out) are the tag check's.
 */
static bool read_reject_file(VerifyRun *run, const char *path, bool add)
{
	RejectFileScan s = {.run = run, .add = add, .ok = true};
	bool ok = reject_log_read(path, read_reject, &s);
	if (ok && !add) {
		TableCheck *t = diff_report_table(&run->report, "(reject file)");
		for (size_t i = 0; i < run->reject_keys.count; i++) {
			const char *k = run->reject_keys.items[i];
			size_t dummy;
			t->compared++;
			if (strmap_get(&s.listed, k, strlen(k), &dummy)) {
				t->equal++;
				continue;
			}
			t->missing++;
			table_check_note(t, DIFF_MISSING, k, NULL, NULL, NULL, "v3 gives this row no valid reference");
		}
		uint64_t extra = s.listed.count > t->equal ? s.listed.count - t->equal : 0;
		if (extra) {
			t->extra += extra;
			t->compared += extra;
			table_check_note(t, DIFF_EXTRA, path, NULL, NULL, NULL,
			                 "rows the file lists that v3 gives valid references");
		}
		diff_report_print_table(t);
	}
	strmap_free(&s.listed);
	sb_free(&s.key);
	sb_free(&s.canon);
	return ok;
}

/* ---- sequences ---- */

static bool keep_max(void *ctx, const DbValue *values, size_t ncols)
{
	(void)ncols;
	value_int64(&values[0], ctx);
	return true;
}

static bool check_sequence(VerifyRun *run, TableCheck *t, const char *table, bool *always_past_seen)
{
	DbColumns columns = {0};
	if (!db_list_columns(run->v4, table, &columns))
		return false;
	const DbColumn *pk = primary_key_of(&columns);
	bool ok = true;
	int64_t next = 0, max = 0;
	bool always_past = false;
	if (pk && is_integer_key(pk) && (ok = db_next_id(run->v4, table, pk, &next, &always_past)) && always_past)
		*always_past_seen = true;
	if (ok && !always_past && next > 0) {
		StrBuf sql = STRBUF_INIT;
		sb_puts(&sql, "SELECT MAX(");
		db_quote_ident(run->v4, &sql, pk->name);
		sb_puts(&sql, ") FROM ");
		db_quote_ident(run->v4, &sql, table);
		ok = db_query(run->v4, sql.data, keep_max, &max);
		sb_free(&sql);
		t->compared++;
		if (ok && next <= max) {
			char want[32], got[32];
			snprintf(want, sizeof(want), "> %" PRId64, max);
			snprintf(got, sizeof(got), "%" PRId64, next);
			DbValue e = {want, strlen(want)}, a = {got, strlen(got)};
			t->different++;
			table_check_note(t, DIFF_DIFFERENT, table, pk->name, &e, &a,
			                 "the next row inserted without an id would take one in use");
		} else if (ok) {
			t->equal++;
		}
	}
	db_columns_free(&columns);
	return ok;
}

static bool check_sequences(VerifyRun *run)
{
	TableCheck *t = diff_report_table(&run->report, "(sequences)");
	bool ok = true, always_past = false;
	for (size_t i = 0; ok && i < run->compared.count; i++)
		ok = !stop_requested() && check_sequence(run, t, run->compared.items[i], &always_past);
	for (size_t i = 0; ok && i < pod_tag_source_count; i++) {
		const PodTagSource *src = &pod_tag_sources[i];
		if (strlist_contains(&run->v4_tables, src->tag_table) && strlist_contains(&run->v4_tables, src->relation_table))
			ok = check_sequence(run, t, src->tag_table, &always_past) &&
			     check_sequence(run, t, src->relation_table, &always_past);
	}
	if (always_past && !t->compared)
		t->note = "none kept apart: the engine gives a new row the largest id plus one";
	if (ok)
		diff_report_print_table(t);
	return ok;
}

/* ---- tags ---- */

static bool tags_in_v4(const VerifyRun *run, const PodTagSource *src)
{
	return strlist_contains(&run->v4_tables, src->tag_table) && strlist_contains(&run->v4_tables, src->relation_table) &&
	       strlist_contains(&run->v4_tables, src->object_table);
}

static bool finish_tags(VerifyRun *run, PodTagVerify *tv, const PodTagSource *src)
{
	TableCheck *t = diff_report_table(&run->report, src->table);
	double started = clock_now();
	bool ok = pod_tag_verify_end(tv, run->v4, t);
	t->seconds = clock_now() - started;
	if (ok)
		diff_report_print_table(t);
	return ok;
}

static bool compare_db_tags(VerifyRun *run, const PodTagSource *src)
{
	TableCheck *t = diff_report_table(&run->report, src->table);
	double started = clock_now();
	bool ok = pod_tag_verify_db(run->v3, run->v4, src, t);
	t->seconds = clock_now() - started;
	if (ok)
		diff_report_print_table(t);
	return ok;
}

/* ---- the run ---- */

/* A table not compared, and why (a static string): its line, and its entry in the report. */
static void note_table(VerifyRun *run, const char *table, const char *why)
{
	TableCheck *t = diff_report_table(&run->report, table);
	t->note = why;
	diff_report_print_table(t);
}

static void run_init(VerifyRun *run, Db *v3, Db *v4, const VerifyOptions *options)
{
	memset(run, 0, sizeof(*run));
	run->v3 = v3;
	run->v4 = v4;
	run->options = options;
	run->report.max_diffs = options->max_diffs;
	run->repairs.quiet = true;
}

static void run_free(VerifyRun *run)
{
	strlist_free(&run->v3_tables);
	strlist_free(&run->v4_tables);
	diff_report_free(&run->report);
	pod_repairs_free(&run->repairs);
	strmap_free(&run->rejected);
	strlist_free(&run->reject_keys);
	strlist_free(&run->reject_reasons);
	strlist_free(&run->claims);
	strlist_free(&run->compared);
	strlist_free(&run->seen);
	merge_free(run->merge);
	if (run->tags)
		pod_tag_verify_abort(run->tags);
}

static VerifyOutcome run_end(VerifyRun *run, bool ok, double started)
{
	double seconds = clock_now() - started;
	progress_clear();
	ok = ok && !stop_requested(); /* a signal in the last checks: nothing is proven either */
	if (ok)
		diff_report_print_summary(&run->report, run->v3 ? "v3" : "the file", seconds);
	if (ok && run->options->report)
		ok = diff_report_write(&run->report, run->options->report, run->from, db_display(run->v4), seconds);
	VerifyOutcome outcome = !ok ? VERIFY_FAILED : diff_report_problems(&run->report) ? VERIFY_DIFFERENT : VERIFY_EQUAL;
	if (!ok)
		log_error("verify could not finish: nothing is proven");
	run_free(run);
	return outcome;
}

VerifyOutcome verify_databases(Db *v3, Db *v4, const VerifyOptions *options)
{
	VerifyRun run;
	run_init(&run, v3, v4, options);
	run.from = db_display(v3);
	double started = clock_now();
	log_info("Verifying Pod v4 database %s (%s) against Pod v3 database %s (%s)", db_display(v4),
	         db_engine_name(v4), db_display(v3), db_engine_name(v3));
	bool ok = db_begin_snapshot(v3) && db_begin_snapshot(v4) && db_list_tables(v3, &run.v3_tables) &&
	          db_list_tables(v4, &run.v4_tables) && pod_check_v3(&run.v3_tables, options->force) &&
	          pod_check_v4(&run.v4_tables, options->force);
	StrList common = STRLIST_INIT;
	for (size_t i = 0; ok && i < pod_v3_table_count; i++)
		if (strlist_contains(&run.v3_tables, pod_v3_tables[i]) && strlist_contains(&run.v4_tables, pod_v3_tables[i]))
			strlist_add(&common, pod_v3_tables[i]);
	ok = ok && derive_rejects(&run, &common);
	for (size_t i = 0; ok && i < pod_v3_table_count; i++) {
		const char *table = pod_v3_tables[i];
		if (strlist_contains(&common, table))
			ok = compare_db_table(&run, table);
		else if (strlist_contains(&run.v3_tables, table))
			note_table(&run, table, "not in v4: not compared (the import skips it too)");
		else if (strlist_contains(&run.v4_tables, table))
			note_table(&run, table, "not in v3: not compared (not in its export)");
	}
	for (size_t i = 0; ok && i < pod_tag_source_count; i++)
		if (pod_tag_export_possible(&run.v3_tables) && tags_in_v4(&run, &pod_tag_sources[i]))
			ok = compare_db_tags(&run, &pod_tag_sources[i]);
	ok = ok && check_sequences(&run);
	if (ok && options->rejects)
		ok = read_reject_file(&run, options->rejects, false);
	strlist_free(&common);
	/* ending a snapshot that only read cannot lose anything, but a failure there is still an error */
	bool ended = db_rollback(v3);
	ended = db_rollback(v4) && ended;
	return run_end(&run, ok && ended, started);
}

/* ---- the source is an export file ---- */

static bool file_table_begin(void *ctx, const char *table)
{
	VerifyRun *run = ctx;
	strlist_add(&run->seen, table);
	const PodTagSource *src = pod_tag_source_find(table);
	if (src) {
		run->tag_source = src;
		run->tags = tags_in_v4(run, src) ? pod_tag_verify_begin(src) : NULL;
		return true;
	}
	if (!strlist_contains(&run->v4_tables, table))
		return true; /* skipped (file_skip_table) */
	run->merge = merge_open(run, table);
	return !run->merge->failed;
}

static bool file_row(void *ctx, const JsonField *fields, size_t count)
{
	VerifyRun *run = ctx;
	if (run->tags) {
		const JsonField *id = NULL, *names = NULL;
		for (size_t i = 0; i < count; i++) {
			if (!strcmp(fields[i].key, run->tag_source->id_column))
				id = &fields[i];
			else if (!strcmp(fields[i].key, POD_TAG_STRING_KEY))
				names = &fields[i];
		}
		if (!id || id->type != JSON_NUMBER || !names || (names->type != JSON_STRING && names->type != JSON_NULL)) {
			log_error("table %s: expected {\"%s\": integer, \"%s\": string}", run->tag_source->table,
			          run->tag_source->id_column, POD_TAG_STRING_KEY);
			return false;
		}
		return pod_tag_verify_add_string(run->tags, id->text, id->len, names->text, names->len);
	}
	TableMerge *m = run->merge;
	if (!m)
		return true;
	uint64_t row = m->check->compared - m->check->extra + 1;
	if (!m->planned) {
		const char **names = xmalloc(sizeof(char *) * (count + 1));
		size_t *lens = xmalloc(sizeof(size_t) * (count + 1));
		for (size_t i = 0; i < count; i++)
			names[i] = fields[i].key, lens[i] = fields[i].key_len;
		bool ok = merge_plan(m, names, lens, count);
		free(names);
		free(lens);
		if (!ok)
			return false;
	}
	/* tokens in the plan's order: the rows of a file mostly repeat the first row's keys */
	const JsonToken **ptrs = m->token_ptrs;
	JsonToken *tokens = m->tokens;
	for (size_t i = 0; i < m->source_count; i++)
		ptrs[i] = NULL;
	for (size_t i = 0; i < count; i++) {
		size_t slot = i;
		if (slot >= m->source_count || strcmp(m->source_names[slot], fields[i].key) != 0) {
			slot = 0;
			while (slot < m->source_count && strcmp(m->source_names[slot], fields[i].key) != 0)
				slot++;
			if (slot == m->source_count)
				continue; /* a key the first row lacked: the import drops it too */
		}
		tokens[slot] = (JsonToken){fields[i].type, fields[i].text, fields[i].len};
		ptrs[slot] = &tokens[slot];
	}
	return merge_row(m, ptrs, row);
}

static bool file_table_end(void *ctx, const char *table, uint64_t rows)
{
	VerifyRun *run = ctx;
	(void)table, (void)rows;
	if (run->tags) {
		PodTagVerify *tv = run->tags;
		run->tags = NULL;
		return !tv || finish_tags(run, tv, run->tag_source);
	}
	TableMerge *m = run->merge;
	if (!m)
		return true;
	bool ok = true;
	if (!m->planned) { /* an empty table: v4's must be empty as well */
		ok = merge_plan(m, NULL, NULL, 0);
		strlist_free(&m->check->default_columns);
	}
	ok = ok && merge_finish(m);
	merge_free(m);
	run->merge = NULL;
	return ok;
}

static bool file_skip_table(void *ctx, const char *table)
{
	VerifyRun *run = ctx;
	strlist_add(&run->seen, table);
	const PodTagSource *src = pod_tag_source_find(table);
	if (src)
		return !tags_in_v4(run, src);
	if (strlist_contains(&run->v4_tables, table))
		return false;
	note_table(run, table, "not in v4: not compared (the import skips it too)");
	return true;
}

static const JsonTableHandler file_handler = {
	.table_begin = file_table_begin,
	.row = file_row,
	.table_end = file_table_end,
	.skip_table = file_skip_table,
};

VerifyOutcome verify_file(FILE *in, const char *path, Db *v4, const VerifyOptions *options)
{
	VerifyRun run;
	run_init(&run, NULL, v4, options);
	run.from = path;
	double started = clock_now();
	log_info("Verifying Pod v4 database %s (%s) against the file %s", db_display(v4), db_engine_name(v4), path);
	bool ok = db_begin_snapshot(v4) && db_list_tables(v4, &run.v4_tables) &&
	          pod_check_v4(&run.v4_tables, options->force);
	/* what the import left out, as its reject file says (the default one beside the file, if there) */
	char *default_rejects = options->rejects ? NULL : reject_log_default_path(path);
	const char *rejects = options->rejects ? options->rejects
	                      : access(default_rejects, F_OK) == 0 ? default_rejects : NULL;
	if (ok && rejects) {
		log_info("  rows left out by the import: as %s lists them", rejects);
		ok = read_reject_file(&run, rejects, true);
	}
	free(default_rejects);
	ok = ok && json_read_tables(in, path, &file_handler, &run, NULL, NULL);
	/* what the file does not hold, the import did not touch: said, not compared */
	for (size_t i = 0; ok && i < pod_v3_table_count; i++)
		if (strlist_contains(&run.v4_tables, pod_v3_tables[i]) && !strlist_contains(&run.seen, pod_v3_tables[i]))
			note_table(&run, pod_v3_tables[i], "not in the file: not compared");
	for (size_t i = 0; ok && i < pod_tag_source_count; i++)
		if (tags_in_v4(&run, &pod_tag_sources[i]) && !strlist_contains(&run.seen, pod_tag_sources[i].table))
			note_table(&run, pod_tag_sources[i].table, "not in the file: not compared");
	ok = ok && check_sequences(&run) && prove_rejects(&run);
	bool ended = db_rollback(v4);
	return run_end(&run, ok && ended, started);
}
