#include "tag_import.h"

#include "log.h"
#include "strmap.h"
#include "tags.h"
#include "values.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SLUG_MAX_LENGTH 50       /* tagulous' default TAGULOUS_SLUG_MAX_LENGTH */
#define SLUG_TRUNCATE_UNIQUE 5   /* TAGULOUS_SLUG_TRUNCATE_UNIQUE: room for "_N" */
#define SKIPPED_IDS_SHOWN 20

typedef struct Tag {
	char *name;
	size_t name_len;
	int64_t count;
} Tag;

struct TagImport {
	Db *db;
	const PodTagSource *source;
	TableSummary *summary;
	int64_t *object_ids; /* ids of the tagged model in the target, sorted */
	bool *object_seen;   /* parallel: that object already had its row */
	size_t object_count, object_cap;
	Tag *tags;
	size_t tag_count, tag_cap;
	StrMap by_spelling; /* exact name -> tag index */
	StrMap by_key;      /* the engine's iexact key -> tag index */
	DbColumns relation_columns;
	DbLoader *relations;
	int64_t relation_id;
	size_t *object_tags; /* tag indexes of the current object, to drop repeats */
	size_t object_tags_cap;
	uint64_t skipped_objects;
	StrBuf skipped_ids;
	/* the pseudo-table's rows, kept compactly to be taken in ascending object id */
	struct TagRow {
		int64_t object_id;
		uint64_t row;
		size_t offset, len; /* the tag string in text */
	} *rows;
	size_t row_count, row_cap;
	StrBuf text;
	StrList names;
};

static bool collect_id(void *ctx, const DbValue *values, size_t ncols)
{
	TagImport *ti = ctx;
	(void)ncols;
	if (!values[0].data)
		return true;
	if (ti->object_count == ti->object_cap) {
		ti->object_cap = ti->object_cap ? ti->object_cap * 2 : 1024;
		ti->object_ids = xrealloc(ti->object_ids, ti->object_cap * sizeof(int64_t));
	}
	ti->object_ids[ti->object_count++] = strtoll(values[0].data, NULL, 10);
	return true;
}

/* The relation table's three columns, in the order the loader gets them. */
static bool relation_columns(Db *db, const PodTagSource *source, DbColumns *out)
{
	const char *const wanted[3] = {"id", source->relation_object_column, source->relation_tag_column};
	return db_pick_columns(db, source->relation_table, wanted, 3, out);
}

TagImport *tag_import_begin(Db *db, const PodTagSource *source, TableSummary *summary)
{
	TagImport *ti = xmalloc(sizeof(*ti));
	memset(ti, 0, sizeof(*ti));
	ti->db = db;
	ti->source = source;
	ti->summary = summary;
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT id FROM ");
	db_quote_ident(db, &sql, source->object_table);
	sb_puts(&sql, " ORDER BY id");
	/* relations before tags: the other order breaks re-runs on MariaDB */
	const char *const old_rows[2] = {source->relation_table, source->tag_table};
	bool ok = relation_columns(db, source, &ti->relation_columns) &&
	          db_suspend_foreign_keys(db, source->relation_table) && db_suspend_foreign_keys(db, source->tag_table) &&
	          db_clear_tables(db, old_rows, 2) &&
	          db_query(db, sql.data, collect_id, ti);
	sb_free(&sql);
	if (ok) {
		ti->object_seen = xmalloc(ti->object_count + 1);
		memset(ti->object_seen, 0, ti->object_count + 1);
	}
	if (!ok) {
		tag_import_abort(ti);
		return NULL;
	}
	return ti;
}

/* Index of id in the sorted ids, or -1. */
static ssize_t find_object(const TagImport *ti, int64_t id)
{
	size_t lo = 0, hi = ti->object_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ti->object_ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ti->object_count && ti->object_ids[lo] == id ? (ssize_t)lo : -1;
}

/*
 * Tags for every spelling, in order of first appearance (objects in ascending
 * id, names in order): a spelling whose iexact key is already a tag's joins
 * it (the first spelling names the tag), else it makes a new tag. The keys
 * are asked of the engine all at once (MariaDB computes them).
 */
static bool assign_tags(TagImport *ti)
{
	StrList spellings = STRLIST_INIT, keys = STRLIST_INIT;
	StrMap seen = {0};
	for (size_t r = 0; r < ti->row_count; r++) {
		if (find_object(ti, ti->rows[r].object_id) < 0)
			continue; /* an absent object's names make no tag */
		strlist_free(&ti->names);
		tags_parse(ti->text.data + ti->rows[r].offset, ti->rows[r].len, &ti->names);
		for (size_t n = 0; n < ti->names.count; n++) {
			size_t dummy;
			const char *name = ti->names.items[n];
			if (!strmap_get(&seen, name, strlen(name), &dummy)) {
				strmap_put(&seen, name, strlen(name), spellings.count);
				strlist_add(&spellings, name);
			}
		}
	}
	bool ok = db_iexact_keys(ti->db, ti->source->tag_table, "name", &spellings, &keys);
	if (ok && keys.count != spellings.count) {
		log_error("%s: %zu keys for %zu tag names", ti->source->tag_table, keys.count, spellings.count);
		ok = false;
	}
	for (size_t i = 0; ok && i < spellings.count; i++) {
		const char *name = spellings.items[i], *key = keys.items[i];
		size_t index;
		if (!strmap_get(&ti->by_key, key, strlen(key), &index)) {
			if (ti->tag_count == ti->tag_cap) {
				ti->tag_cap = ti->tag_cap ? ti->tag_cap * 2 : 256;
				ti->tags = xrealloc(ti->tags, ti->tag_cap * sizeof(Tag));
			}
			index = ti->tag_count++;
			ti->tags[index] = (Tag){xstrdup(name), strlen(name), 0};
			strmap_put(&ti->by_key, key, strlen(key), index);
		}
		strmap_put(&ti->by_spelling, name, strlen(name), index);
	}
	strlist_free(&spellings);
	strlist_free(&keys);
	strmap_free(&seen);
	return ok;
}

static void note_skipped(TagImport *ti, const char *id, size_t len)
{
	if (ti->skipped_objects++ < SKIPPED_IDS_SHOWN) {
		if (ti->skipped_ids.len)
			sb_puts(&ti->skipped_ids, ", ");
		sb_append(&ti->skipped_ids, id, len);
	}
}

bool tag_import_row(TagImport *ti, const JsonField *fields, size_t count, uint64_t row)
{
	const JsonField *id = NULL, *names = NULL;
	for (size_t i = 0; i < count; i++) {
		if (!strcmp(fields[i].key, ti->source->id_column))
			id = &fields[i];
		else if (!strcmp(fields[i].key, "tag_name"))
			names = &fields[i];
	}
	if (!id || id->type != JSON_NUMBER || !value_normalize_integer(id->text, id->len) || !names ||
	    (names->type != JSON_STRING && names->type != JSON_NULL)) {
		log_error("table %s, row %" PRIu64 ": expected {\"%s\": integer, \"tag_name\": string}",
		          ti->source->table, row, ti->source->id_column);
		return false;
	}
	if (names->type == JSON_STRING && memchr(names->text, '\0', names->len)) {
		log_error("table %s, row %" PRIu64 ": a tag name holds a NUL character", ti->source->table, row);
		return false;
	}
	if (ti->row_count == ti->row_cap) {
		ti->row_cap = ti->row_cap ? ti->row_cap * 2 : 1024;
		ti->rows = xrealloc(ti->rows, ti->row_cap * sizeof(*ti->rows));
	}
	size_t len = names->type == JSON_STRING ? names->len : 0;
	ti->rows[ti->row_count++] = (struct TagRow){strtoll(id->text, NULL, 10), row, ti->text.len, len};
	sb_append(&ti->text, len ? names->text : "", len);
	return true;
}

/* Ascending object id; file order among equal ids (reported as an error later). */
static int compare_rows(const void *a, const void *b)
{
	const struct TagRow *x = a, *y = b;
	if (x->object_id != y->object_id)
		return x->object_id < y->object_id ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

static bool process_object(TagImport *ti, const struct TagRow *r)
{
	char id_text[24];
	snprintf(id_text, sizeof(id_text), "%" PRId64, r->object_id);
	ssize_t object = find_object(ti, r->object_id);
	if (object < 0) {
		note_skipped(ti, id_text, strlen(id_text));
		return true;
	}
	if (ti->object_seen[object]) {
		log_error("table %s, row %" PRIu64 ": %s %s has a second row", ti->source->table, r->row,
		          ti->source->id_column, id_text);
		return false;
	}
	ti->object_seen[object] = true;
	strlist_free(&ti->names);
	tags_parse(ti->text.data + r->offset, r->len, &ti->names);
	size_t distinct = 0;
	for (size_t n = 0; n < ti->names.count; n++) {
		const char *name = ti->names.items[n];
		size_t tag;
		strmap_get(&ti->by_spelling, name, strlen(name), &tag); /* every spelling has its tag */
		bool repeated = false;
		for (size_t k = 0; k < distinct && !repeated; k++)
			repeated = ti->object_tags[k] == tag;
		if (repeated)
			continue; /* "Python" and "python" on one video: one relation */
		if (distinct == ti->object_tags_cap) {
			ti->object_tags_cap = ti->object_tags_cap ? ti->object_tags_cap * 2 : 16;
			ti->object_tags = xrealloc(ti->object_tags, ti->object_tags_cap * sizeof(size_t));
		}
		ti->object_tags[distinct++] = tag;
		ti->tags[tag].count++;
		char rel_id[24], tag_id[24];
		snprintf(rel_id, sizeof(rel_id), "%" PRId64, ++ti->relation_id);
		snprintf(tag_id, sizeof(tag_id), "%zu", tag + 1);
		DbValue values[3] = {{rel_id, strlen(rel_id)}, {id_text, strlen(id_text)}, {tag_id, strlen(tag_id)}};
		if (!db_load_row(ti->relations, values)) {
			log_error("table %s, row %" PRIu64 ": relation refused", ti->source->relation_table, r->row);
			return false;
		}
	}
	return true;
}

/* Takes the objects in ascending id, streaming their relations to the loader. */
static bool write_relations(TagImport *ti)
{
	qsort(ti->rows, ti->row_count, sizeof(*ti->rows), compare_rows);
	if (!assign_tags(ti))
		return false;
	ti->relations = db_load_begin(ti->db, ti->source->relation_table, &ti->relation_columns);
	if (!ti->relations)
		return false;
	for (size_t i = 0; i < ti->row_count; i++)
		if (!process_object(ti, &ti->rows[i]))
			return false;
	DbLoader *relations = ti->relations;
	ti->relations = NULL;
	return db_load_end(relations);
}

/* "base_N" with N all digits: returns the length of base, or 0. */
static size_t numbered_base(const char *slug, size_t len)
{
	size_t i = len;
	while (i > 0 && slug[i - 1] >= '0' && slug[i - 1] <= '9')
		i--;
	if (i == len || i < 2 || slug[i - 1] != '_')
		return 0;
	return i - 1;
}

/*
 * Slugs as tagulous gives them, tag after tag in id order: the slugified
 * name cut to 50; if taken, the name's slug cut to 45 plus "_N", N one more
 * than the highest number already used with that base.
 */
static bool write_tags(TagImport *ti)
{
	static const char *const order[5] = {"id", "name", "slug", "count", "protected"};
	DbColumns load = {0};
	if (!db_pick_columns(ti->db, ti->source->tag_table, order, 5, &load)) {
		db_columns_free(&load);
		return false;
	}

	DbLoader *loader = db_load_begin(ti->db, ti->source->tag_table, &load);
	StrMap used = {0};        /* slug -> 1 */
	StrMap highest = {0};     /* base -> highest N used in "base_N" */
	StrBuf full = STRBUF_INIT, slug = STRBUF_INIT;
	bool ok = loader != NULL;
	for (size_t t = 0; t < ti->tag_count && ok; t++) {
		Tag *tag = &ti->tags[t];
		sb_reset(&full);
		tags_slugify(tag->name, tag->name_len, &full);
		sb_reset(&slug);
		sb_append(&slug, full.data, full.len < SLUG_MAX_LENGTH ? full.len : SLUG_MAX_LENGTH);
		size_t dummy;
		if (strmap_get(&used, slug.data, slug.len, &dummy)) {
			size_t base_len = full.len < SLUG_MAX_LENGTH - SLUG_TRUNCATE_UNIQUE
			                  ? full.len : SLUG_MAX_LENGTH - SLUG_TRUNCATE_UNIQUE;
			size_t n = 0;
			strmap_get(&highest, full.data, base_len, &n);
			sb_reset(&slug);
			sb_append(&slug, full.data, base_len);
			sb_printf(&slug, "_%zu", n + 1);
		}
		strmap_put(&used, slug.data, slug.len, 1);
		size_t base = numbered_base(slug.data, slug.len);
		if (base) {
			size_t n = (size_t)strtoull(slug.data + base + 1, NULL, 10), old = 0;
			if (!strmap_get(&highest, slug.data, base, &old) || n > old)
				strmap_put(&highest, slug.data, base, n);
		}
		char id[24], count[24];
		snprintf(id, sizeof(id), "%zu", t + 1);
		snprintf(count, sizeof(count), "%" PRId64, tag->count);
		DbValue values[5] = {{id, strlen(id)}, {tag->name, tag->name_len}, {slug.data, slug.len},
		                     {count, strlen(count)}, {"0", 1}};
		ok = db_load_row(loader, values);
		if (!ok)
			log_error("table %s: tag '%s' refused", ti->source->tag_table, tag->name);
	}
	if (loader)
		ok = ok ? db_load_end(loader) : (db_load_abort(loader), false);
	if (ok)
		ok = db_reset_sequence(ti->db, ti->source->tag_table, &load.items[0]);
	strmap_free(&used);
	strmap_free(&highest);
	sb_free(&full);
	sb_free(&slug);
	db_columns_free(&load);
	return ok;
}

bool tag_import_end(TagImport *ti)
{
	bool ok = write_relations(ti) && write_tags(ti) &&
	          db_reset_sequence(ti->db, ti->source->relation_table, &ti->relation_columns.items[0]);
	if (ok) {
		ti->summary->inserted = (uint64_t)ti->relation_id;
		if (ti->skipped_objects)
			log_warn("%s: tags of %" PRIu64 " %s ids absent from the target were skipped (deleted in v3, "
			         "their tags stayed): %s%s", ti->source->table, ti->skipped_objects, ti->source->model,
			         ti->skipped_ids.data, ti->skipped_objects > SKIPPED_IDS_SHOWN ? ", ..." : "");
		log_info("  %-45s %12zu tags, %" PRId64 " links into %s", ti->source->table, ti->tag_count,
		         ti->relation_id, ti->source->relation_table);
	}
	tag_import_abort(ti);
	return ok;
}

void tag_import_abort(TagImport *ti)
{
	if (!ti)
		return;
	if (ti->relations)
		db_load_abort(ti->relations);
	for (size_t t = 0; t < ti->tag_count; t++)
		free(ti->tags[t].name);
	free(ti->tags);
	free(ti->object_ids);
	free(ti->object_seen);
	free(ti->object_tags);
	strmap_free(&ti->by_spelling);
	strmap_free(&ti->by_key);
	db_columns_free(&ti->relation_columns);
	strlist_free(&ti->names);
	sb_free(&ti->skipped_ids);
	free(ti->rows);
	sb_free(&ti->text);
	free(ti);
}
