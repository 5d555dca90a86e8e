#include "integrity.h"

#include "log.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DELETE_BATCH 500

/* The dangling rows of one foreign key, collected for the reject file and the delete. */
typedef struct DanglingScan {
	const char *table;
	const DbColumns *columns;
	const DbForeignKey *fk;
	size_t fk_index, pk_index;
	RejectLog *rejects;
	bool strict;
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

static void select_all(Db *db, StrBuf *sql, const char *table, const DbColumns *columns)
{
	sb_puts(sql, "SELECT ");
	for (size_t i = 0; i < columns->count; i++) {
		if (i)
			sb_puts(sql, ", ");
		/* unqualified: only the outer table is in scope here */
		db_select_expr(db, sql, &columns->items[i]);
	}
	sb_puts(sql, " FROM ");
	db_quote_ident(db, sql, table);
	sb_puts(sql, " c");
}

static bool delete_keys(Db *db, const char *table, const char *pk, const StrList *keys)
{
	for (size_t start = 0; start < keys->count; start += DELETE_BATCH) {
		StrBuf sql = STRBUF_INIT;
		sb_puts(&sql, "DELETE FROM ");
		db_quote_ident(db, &sql, table);
		sb_puts(&sql, " WHERE ");
		db_quote_ident(db, &sql, pk);
		sb_puts(&sql, " IN (");
		for (size_t i = start; i < keys->count && i < start + DELETE_BATCH; i++) {
			if (i > start)
				sb_puts(&sql, ", ");
			db_quote_literal(db, &sql, keys->items[i]);
		}
		sb_putc(&sql, ')');
		bool ok = db_exec(db, sql.data);
		sb_free(&sql);
		if (!ok)
			return false;
	}
	return true;
}

static TableSummary *summary_of(Summary *summary, const char *table)
{
	for (size_t i = 0; i < summary->count; i++)
		if (!strcmp(summary->items[i].table, table))
			return &summary->items[i];
	return summary_add(summary, table);
}

/* One pass over the foreign keys of one table; *removed counts what it deleted. */
static bool check_table(Db *db, const char *table, RejectLog *rejects, bool strict, Summary *summary,
                        uint64_t *removed)
{
	DbColumns columns = {0};
	DbForeignKeys fks = {0};
	bool ok = db_list_columns(db, table, &columns) && db_list_foreign_keys(db, table, &fks);
	int pk = -1;
	for (size_t i = 0; ok && i < columns.count; i++)
		if (columns.items[i].primary_key)
			pk = pk == -1 ? (int)i : -2;
	bool checkable = pk >= 0;
	if (ok && fks.count && !checkable)
		log_warn("table %s has no single-column primary key: its foreign keys are not checked", table);
	for (size_t f = 0; ok && checkable && f < fks.count; f++) {
		const DbForeignKey *fk = &fks.items[f];
		int fk_index = db_column_index(&columns, fk->column, strlen(fk->column));
		if (fk_index < 0)
			continue;
		DanglingScan scan = {.table = table, .columns = &columns, .fk = fk, .fk_index = (size_t)fk_index,
		                     .pk_index = (size_t)pk, .rejects = rejects, .strict = strict};
		StrBuf sql = STRBUF_INIT;
		select_all(db, &sql, table, &columns);
		sb_puts(&sql, " WHERE c.");
		db_quote_ident(db, &sql, fk->column);
		sb_puts(&sql, " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ");
		db_quote_ident(db, &sql, fk->ref_table);
		sb_puts(&sql, " p WHERE p.");
		db_quote_ident(db, &sql, fk->ref_column);
		sb_puts(&sql, " = c.");
		db_quote_ident(db, &sql, fk->column);
		sb_putc(&sql, ')');
		ok = db_query(db, sql.data, on_dangling_row, &scan);
		sb_free(&sql);
		if (ok && scan.keys.count) {
			ok = delete_keys(db, table, columns.items[pk].name, &scan.keys);
			TableSummary *ts = summary_of(summary, table);
			ts->rejected += scan.keys.count;
			ts->inserted = ts->inserted >= scan.keys.count ? ts->inserted - scan.keys.count : 0;
			*removed += scan.keys.count;
			log_warn("table %s: %zu rows left out: %s (see %s)", table, scan.keys.count, scan.reason.data,
			         rejects->path);
		}
		strlist_free(&scan.keys);
		sb_free(&scan.reason);
	}
	db_columns_free(&columns);
	db_foreign_keys_free(&fks);
	return ok;
}

bool integrity_remove_dangling(Db *db, const StrList *tables, RejectLog *rejects, bool strict, Summary *summary)
{
	for (int pass = 1;; pass++) {
		uint64_t removed = 0;
		for (size_t t = 0; t < tables->count; t++)
			if (!check_table(db, tables->items[t], rejects, strict, summary, &removed))
				return false;
		if (removed == 0)
			return true;
		log_info("  integrity pass %d: %" PRIu64 " rows left out; checking again what referenced them", pass,
		         removed);
	}
}
