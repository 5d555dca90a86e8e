#include "integrity.h"

#include "log.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DANGLING_SHOWN 10 /* rows named one by one, per foreign key */

/* The dangling rows of one foreign key, collected for the reject file and the delete. */
typedef struct DanglingScan {
	const char *table;
	const DbColumns *columns;
	const DbForeignKey *fk;
	size_t fk_index, pk_index;
	RejectLog *rejects;
	bool strict;
	bool v4_own; /* a table the import did not write: its rows are not the file's to leave out */
	uint64_t v4_own_rows;
	StrList keys; /* primary keys of the rows to delete */
	StrBuf reason;
} DanglingScan;

static bool on_dangling_row(void *ctx, const DbValue *values, size_t ncols)
{
	DanglingScan *scan = ctx;
	(void)ncols;
	const DbValue *ref = &values[scan->fk_index], *pk = &values[scan->pk_index];
	sb_reset(&scan->reason);
	sb_printf(&scan->reason, "%s=", scan->fk->column);
	utf8_append_visible(&scan->reason, ref->data, ref->len, 64);
	sb_printf(&scan->reason, " references %s.%s, which does not exist", scan->fk->ref_table,
	          scan->fk->ref_column);
	if (scan->v4_own) {
		if (scan->v4_own_rows++ < DANGLING_SHOWN) {
			StrBuf key = STRBUF_INIT;
			utf8_append_visible(&key, pk->data, pk->len, 64);
			log_error("table %s, row %s=%s: %s in the file; this row is v4's own (the file does not hold "
			          "%s) and would be left broken", scan->table, scan->columns->items[scan->pk_index].name,
			          key.data, scan->reason.data, scan->table);
			sb_free(&key);
		}
		return true;
	}
	if (scan->strict) {
		StrBuf key = STRBUF_INIT;
		utf8_append_visible(&key, pk->data, pk->len, 64);
		log_error("table %s, row %s=%s: %s (--strict: nothing is left out)", scan->table,
		          scan->columns->items[scan->pk_index].name, key.data, scan->reason.data);
		sb_free(&key);
		return false;
	}
	char *key = xstrndup(pk->data, pk->len);
	strlist_add(&scan->keys, key);
	free(key);
	return reject_log_add(scan->rejects, scan->table, scan->columns, values, scan->reason.data);
}

static TableSummary *summary_of(Summary *summary, const char *table)
{
	TableSummary *t = summary_find(summary, table);
	return t ? t : summary_add(summary, table);
}

/* What one pass of the check needs, and what it found. */
typedef struct Check {
	Db *db;
	RejectLog *rejects;
	bool strict;
	Summary *summary;
	const StrList *written;
	uint64_t removed;     /* rows of written tables left out in this pass */
	uint64_t v4_own_rows; /* rows of other tables left dangling: the import must fail */
} Check;

static void build_dangling_query(Db *db, StrBuf *sql, const char *table, const DbColumns *columns,
                                 const DbForeignKey *fk)
{
	/* the select list unqualified: only the outer table is in scope there */
	db_append_select(db, sql, table, columns);
	sb_puts(sql, " c WHERE c.");
	db_quote_ident(db, sql, fk->column);
	sb_puts(sql, " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ");
	db_quote_ident(db, sql, fk->ref_table);
	sb_puts(sql, " p WHERE p.");
	db_quote_ident(db, sql, fk->ref_column);
	sb_puts(sql, " = c.");
	db_quote_ident(db, sql, fk->column);
	sb_putc(sql, ')');
}

/*
 * The foreign keys of one table: all of them for a table the import wrote
 * (its dangling rows are left out), only those pointing into a written
 * table for the others (v4's own rows, which may not be dropped).
 */
static bool check_table(Check *c, const char *table, bool v4_own)
{
	DbColumns columns = {0};
	DbForeignKeys fks = {0};
	if (!db_list_foreign_keys(c->db, table, &fks))
		return false;
	/* most tables of v4 point into nothing the file replaced: their columns are not needed */
	bool needed = false;
	for (size_t f = 0; f < fks.count && !needed; f++)
		needed = !v4_own || strlist_contains(c->written, fks.items[f].ref_table);
	bool ok = !needed || db_list_columns(c->db, table, &columns);
	int pk = -1;
	for (size_t i = 0; ok && i < columns.count; i++)
		if (columns.items[i].primary_key)
			pk = pk == -1 ? (int)i : -2;
	bool checkable = needed && pk >= 0;
	if (ok && needed && !checkable)
		log_warn("table %s has no single-column primary key: its foreign keys are not checked", table);
	for (size_t f = 0; ok && checkable && f < fks.count; f++) {
		const DbForeignKey *fk = &fks.items[f];
		int fk_index = db_column_index(&columns, fk->column, strlen(fk->column));
		if (fk_index < 0 || (v4_own && !strlist_contains(c->written, fk->ref_table)))
			continue;
		DanglingScan scan = {.table = table, .columns = &columns, .fk = fk, .fk_index = (size_t)fk_index,
		                     .pk_index = (size_t)pk, .rejects = c->rejects, .strict = c->strict,
		                     .v4_own = v4_own};
		StrBuf sql = STRBUF_INIT;
		build_dangling_query(c->db, &sql, table, &columns, fk);
		ok = db_query(c->db, sql.data, on_dangling_row, &scan);
		sb_free(&sql);
		c->v4_own_rows += scan.v4_own_rows;
		if (ok && scan.keys.count) {
			ok = db_delete_keys(c->db, table, columns.items[pk].name, &scan.keys);
			TableSummary *ts = summary_of(c->summary, table);
			ts->rejected += scan.keys.count;
			ts->inserted = ts->inserted >= scan.keys.count ? ts->inserted - scan.keys.count : 0;
			c->removed += scan.keys.count;
			if (c->rejects->write)
				log_warn("table %s: %zu rows left out: %s (see %s)", table, scan.keys.count, scan.reason.data,
				         c->rejects->path);
			else
				log_warn("table %s: %zu rows would be left out: %s (dry run: not written)", table,
				         scan.keys.count, scan.reason.data);
		}
		strlist_free(&scan.keys);
		sb_free(&scan.reason);
	}
	db_columns_free(&columns);
	db_foreign_keys_free(&fks);
	return ok;
}

bool integrity_remove_dangling(Db *db, const StrList *written, const StrList *all_tables, RejectLog *rejects,
                               bool strict, Summary *summary)
{
	Check c = {.db = db, .rejects = rejects, .strict = strict, .summary = summary, .written = written};
	for (int pass = 1;; pass++) {
		c.removed = 0;
		for (size_t t = 0; t < written->count; t++)
			if (!check_table(&c, written->items[t], false))
				return false;
		if (c.removed == 0)
			break;
		log_info("  integrity pass %d: %" PRIu64 " rows left out; checking again what referenced them", pass,
		         c.removed);
	}
	/* last: what the passes left out may be referenced from outside the file too */
	for (size_t t = 0; written->count && t < all_tables->count; t++)
		if (!strlist_contains(written, all_tables->items[t]) && !check_table(&c, all_tables->items[t], true))
			return false;
	if (c.v4_own_rows == 0)
		return true;
	log_error("%" PRIu64 " rows of tables the file does not hold reference rows the import replaced (see above); "
	          "nothing was changed. Import a file that holds those tables too, or remove those rows first",
	          c.v4_own_rows);
	return false;
}
