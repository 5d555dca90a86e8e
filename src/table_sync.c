#include "table_sync.h"

#include "log.h"
#include "values.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct Plan {
	const char *table;
	const DbColumns *columns;
	const SyncSource *source;
	DbValue *wanted; /* the current wanted row */
	int64_t wanted_id;
	bool have_wanted;
	bool out_of_order; /* a bug of the source: the merge would be wrong */
	uint64_t wanted_index; /* its rank among the wanted rows */
	uint8_t *insert_bits;  /* by rank: that wanted row must be written */
	size_t bits_bytes;
	int64_t *deletes;
	size_t delete_count, delete_cap;
	uint64_t existing;
	bool have_existing;
	int64_t last_existing;
	SyncResult *result;
} Plan;

static void advance_wanted(Plan *p)
{
	if (p->have_wanted)
		p->wanted_index++;
	int64_t previous = p->wanted_id;
	bool had = p->have_wanted;
	p->have_wanted = p->source->next(p->source->ctx, &p->wanted_id, p->wanted);
	if (had && p->have_wanted && p->wanted_id <= previous && !p->out_of_order) {
		log_error("table %s: rows to write out of id order (%" PRId64 " after %" PRId64 ")", p->table,
		          p->wanted_id, previous);
		p->out_of_order = true;
	}
}

static void mark_insert(Plan *p)
{
	size_t byte = (size_t)(p->wanted_index / 8);
	/* kept rows leave no bit: the rank may jump past the end by more than one byte */
	while (byte >= p->bits_bytes) {
		size_t old = p->bits_bytes;
		p->insert_bits = xgrow(p->insert_bits, old, &p->bits_bytes, 1);
		memset(p->insert_bits + old, 0, p->bits_bytes - old);
	}
	p->insert_bits[byte] |= (uint8_t)(1u << (p->wanted_index % 8));
	p->result->inserted++;
}

static bool marked(const Plan *p, uint64_t index)
{
	size_t byte = (size_t)(index / 8);
	return byte < p->bits_bytes && (p->insert_bits[byte] >> (index % 8)) & 1;
}

static void mark_delete(Plan *p, int64_t id)
{
	p->deletes = xgrow(p->deletes, p->delete_count, &p->delete_cap, sizeof(int64_t));
	p->deletes[p->delete_count++] = id;
	p->result->deleted++;
}

static bool same_value(ColumnKind kind, const DbValue *a, const DbValue *b)
{
	if (!a->data || !b->data)
		return !a->data && !b->data;
	if (kind == COL_BOOL) {
		int x = value_parse_bool(a->data, a->len);
		return x >= 0 && x == value_parse_bool(b->data, b->len);
	}
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static bool parse_id(const DbValue *v, int64_t *id)
{
	if (!v->data || v->len == 0 || v->len > 20)
		return false;
	char text[24];
	memcpy(text, v->data, v->len);
	text[v->len] = '\0';
	char *end;
	errno = 0;
	long long n = strtoll(text, &end, 10);
	if (errno || *end)
		return false;
	*id = n;
	return true;
}

/* One row of the table as it is, ids ascending: matched against the wanted rows. */
static bool plan_row(void *ctx, const DbValue *values, size_t ncols)
{
	Plan *p = ctx;
	int64_t id;
	if (!parse_id(&values[0], &id)) {
		log_error("table %s: id '%.*s' is not an integer", p->table, values[0].data ? (int)values[0].len : 4,
		          values[0].data ? values[0].data : "NULL");
		return false;
	}
	if (p->have_existing && id <= p->last_existing) {
		log_error("table %s: ids not in ascending order (%" PRId64 " after %" PRId64 ")", p->table, id,
		          p->last_existing);
		return false;
	}
	p->have_existing = true;
	p->last_existing = id;
	p->existing++;
	if (p->out_of_order)
		return false;
	while (p->have_wanted && p->wanted_id < id) {
		mark_insert(p);
		advance_wanted(p);
	}
	if (!p->have_wanted || p->wanted_id > id) {
		mark_delete(p, id);
		return true;
	}
	bool same = true;
	for (size_t c = 1; c < ncols && same; c++)
		same = same_value(p->columns->items[c].kind, &values[c], &p->wanted[c]);
	if (same) {
		p->result->kept++;
	} else {
		mark_delete(p, id);
		mark_insert(p);
	}
	advance_wanted(p);
	return true;
}

static bool delete_rows(Db *db, const Plan *p)
{
	/* emptied whole, even when already empty: a bulk load into an emptied table may build its indexes after */
	if (p->delete_count == p->existing && (p->delete_count > 0 || p->result->inserted > 0))
		return db_clear_tables(db, &p->table, 1);
	if (p->delete_count == 0)
		return true;
	return db_delete_ids(db, p->table, p->columns->items[0].name, p->deletes, p->delete_count);
}

static bool insert_rows(Db *db, Plan *p)
{
	if (p->result->inserted == 0)
		return true;
	DbLoader *loader = db_load_begin(db, p->table, p->columns);
	if (!loader)
		return false;
	p->source->rewind(p->source->ctx);
	int64_t id;
	bool ok = true;
	for (uint64_t index = 0; ok && p->source->next(p->source->ctx, &id, p->wanted); index++) {
		if (!marked(p, index))
			continue;
		ok = db_load_row(loader, p->wanted);
		if (!ok)
			log_error("table %s: row id %" PRId64 " refused", p->table, id);
	}
	return ok ? db_load_end(loader) : (db_load_abort(loader), false);
}

bool table_sync(Db *db, const char *table, const DbColumns *columns, const SyncSource *source,
                SyncResult *result)
{
	*result = (SyncResult){0};
	Plan p = {.table = table, .columns = columns, .source = source, .result = result};
	p.wanted = xmalloc(sizeof(DbValue) * columns->count);
	StrBuf sql = STRBUF_INIT;
	db_append_select(db, &sql, table, columns);
	sb_puts(&sql, " ORDER BY ");
	db_quote_ident(db, &sql, columns->items[0].name);

	source->rewind(source->ctx);
	advance_wanted(&p);
	bool ok = db_query(db, sql.data, plan_row, &p);
	while (ok && p.have_wanted) {
		mark_insert(&p);
		advance_wanted(&p);
	}
	ok = ok && !p.out_of_order;
	/*
	 * Keys are set aside before any write, however few: on PostgreSQL, rows
	 * written under a deferred key leave trigger events that forbid putting
	 * back the keys the import set aside on this table for other reasons.
	 */
	if (ok && result->deleted + result->inserted > 0)
		ok = db_suspend_foreign_keys(db, table);
	ok = ok && delete_rows(db, &p) && insert_rows(db, &p);
	if (ok)
		log_debug("table %s: %" PRIu64 " rows kept, %" PRIu64 " deleted, %" PRIu64 " inserted", table,
		          result->kept, result->deleted, result->inserted);
	sb_free(&sql);
	free(p.wanted);
	free(p.insert_bits);
	free(p.deletes);
	return ok;
}
