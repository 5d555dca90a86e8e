#include "pod_tag_import.h"

#include "log.h"
#include "pod_tags.h"
#include "spill.h"
#include "strmap.h"
#include "table_sync.h"
#include "values.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define SKIPPED_IDS_SHOWN 20

typedef struct Tag {
	char *name;
	size_t name_len;
	int64_t count;
} Tag; /* its slug: ti->slugs, by tag index */

/* A row of the pseudo-table in the rows spill, followed by its tag string's len bytes. */
typedef struct RowHeader {
	int64_t object_id;
	uint64_t row;
	uint32_t len;
} RowHeader;

/* An object of the target taking tags, in the objects spill, followed by its names' spelling indexes. */
typedef struct ObjectHeader {
	int64_t object_id;
	uint32_t names;
} ObjectHeader;

/* Where a row of the rows spill is, for reading them in ascending object id when the file was not. */
typedef struct RowPlace {
	int64_t object_id;
	uint64_t offset;
} RowPlace;

/*
 * What grows with the number of objects goes to two scratch files (spill.h):
 * the rows as read, then the objects the target has, in ascending id, each
 * with its names as indexes of spellings. Memory holds the distinct
 * spellings and tags, and 16 bytes per row only if the file did not list
 * its objects in ascending id (podmigrate's export does).
 */
struct PodTagImport {
	Db *db;
	const PodTagSource *source;
	TableSummary *summary;
	DbColumns relation_columns;
	Spill rows;
	uint64_t row_count;
	int64_t last_object_id;
	bool unsorted;
	RowPlace *places; /* when unsorted: every row, sorted */
	Spill objects;
	StrMap spelling_index; /* a name as written -> its index in spellings */
	StrList spellings;
	size_t *spelling_tag;  /* spelling index -> tag index */
	Tag *tags;
	size_t tag_count, tag_cap;
	PodSlugs slugs; /* the tags' slugs, in tag order */
	int64_t relation_count;
	size_t *object_tags; /* tag indexes of the current object, to drop repeats */
	size_t object_tags_cap;
	uint64_t skipped_objects;
	StrBuf skipped_ids;
};

/* The relation table's three columns, in the order the loader gets them. */
static bool relation_columns(Db *db, const PodTagSource *source, DbColumns *out)
{
	const char *const wanted[3] = {"id", source->relation_object_column, source->relation_tag_column};
	return db_pick_columns(db, source->relation_table, wanted, 3, out);
}

PodTagImport *pod_tag_import_begin(Db *db, const PodTagSource *source, TableSummary *summary)
{
	PodTagImport *ti = xmalloc(sizeof(*ti));
	memset(ti, 0, sizeof(*ti));
	ti->db = db;
	ti->source = source;
	ti->summary = summary;
	StrBuf purpose = STRBUF_INIT;
	sb_printf(&purpose, "the rows of %s", source->table);
	bool ok = relation_columns(db, source, &ti->relation_columns) && spill_open(&ti->rows, purpose.data);
	sb_free(&purpose);
	if (!ok) {
		pod_tag_import_abort(ti);
		return NULL;
	}
	return ti;
}

static void note_skipped(PodTagImport *ti, int64_t id)
{
	if (ti->skipped_objects++ < SKIPPED_IDS_SHOWN)
		sb_printf(&ti->skipped_ids, "%s%" PRId64, ti->skipped_ids.len ? ", " : "", id);
}

bool pod_tag_import_row(PodTagImport *ti, const JsonField *fields, size_t count, uint64_t row)
{
	const JsonField *id = NULL, *names = NULL;
	for (size_t i = 0; i < count; i++) {
		if (!strcmp(fields[i].key, ti->source->id_column))
			id = &fields[i];
		else if (!strcmp(fields[i].key, POD_TAG_STRING_KEY))
			names = &fields[i];
	}
	if (!id || id->type != JSON_NUMBER || !value_normalize_integer(id->text, id->len) || !names ||
	    (names->type != JSON_STRING && names->type != JSON_NULL)) {
		log_error("table %s, row %" PRIu64 ": expected {\"%s\": integer, \"%s\": string}",
		          ti->source->table, row, ti->source->id_column, POD_TAG_STRING_KEY);
		return false;
	}
	if (names->type == JSON_STRING && memchr(names->text, '\0', names->len)) {
		log_error("table %s, row %" PRIu64 ": a tag name holds a NUL character", ti->source->table, row);
		return false;
	}
	if (names->type == JSON_STRING && names->len > UINT32_MAX) {
		log_error("table %s, row %" PRIu64 ": a tag string of more than 4 GB", ti->source->table, row);
		return false;
	}
	RowHeader h;
	memset(&h, 0, sizeof(h)); /* its padding is written too */
	h.object_id = strtoll(id->text, NULL, 10);
	h.row = row;
	h.len = names->type == JSON_STRING ? (uint32_t)names->len : 0;
	if (ti->row_count++ && h.object_id < ti->last_object_id)
		ti->unsorted = true;
	ti->last_object_id = h.object_id;
	return spill_write(&ti->rows, &h, sizeof(h)) && spill_write(&ti->rows, names->text, h.len);
}

/* Ascending object id; file order among equal ids (reported as an error later). */
static int compare_places(const void *a, const void *b)
{
	const RowPlace *x = a, *y = b;
	if (x->object_id != y->object_id)
		return x->object_id < y->object_id ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The rows' places, sorted: for a file that did not list its objects in ascending id. */
static bool sort_rows(PodTagImport *ti)
{
	ti->places = xmalloc(sizeof(RowPlace) * (size_t)ti->row_count);
	StrBuf text = STRBUF_INIT;
	uint64_t offset = 0;
	bool ok = spill_seek(&ti->rows, 0);
	for (uint64_t r = 0; ok && r < ti->row_count; r++) {
		RowHeader h = {0};
		ok = spill_read(&ti->rows, &h, sizeof(h), NULL);
		sb_reset(&text);
		sb_reserve(&text, h.len);
		ok = ok && spill_read(&ti->rows, text.data, h.len, NULL);
		ti->places[r] = (RowPlace){h.object_id, offset};
		offset += sizeof(h) + h.len;
	}
	sb_free(&text);
	if (ok)
		qsort(ti->places, (size_t)ti->row_count, sizeof(RowPlace), compare_places);
	return ok;
}

/*
 * Rows in ascending object id are merged with the ids of the target's
 * objects (also ascending): a row whose object the target lacks is noted
 * and skipped, a second row of an object is an error; the others go to the
 * objects spill with their names' spellings, numbered in order of first
 * appearance (objects in ascending id, names in order).
 */
typedef struct Merge {
	PodTagImport *ti;
	uint64_t next;     /* rows read so far, in ascending object id */
	bool have;         /* row holds the next row */
	RowHeader row;
	StrBuf text;
	StrList names;
	bool failed;
} Merge;

static bool merge_advance(Merge *m)
{
	PodTagImport *ti = m->ti;
	m->have = false;
	if (m->next >= ti->row_count)
		return true;
	uint64_t at = ti->places ? ti->places[m->next].offset : 0;
	m->next++;
	if (ti->places ? !spill_read_at(&ti->rows, at, &m->row, sizeof(m->row))
	               : !spill_read(&ti->rows, &m->row, sizeof(m->row), NULL))
		return false;
	sb_reset(&m->text);
	sb_reserve(&m->text, (size_t)m->row.len + 1);
	if (ti->places ? !spill_read_at(&ti->rows, at + sizeof(m->row), m->text.data, m->row.len)
	               : !spill_read(&ti->rows, m->text.data, m->row.len, NULL))
		return false;
	m->text.len = m->row.len;
	m->text.data[m->text.len] = '\0';
	m->have = true;
	return true;
}

static bool take_object(Merge *m)
{
	PodTagImport *ti = m->ti;
	strlist_free(&m->names);
	pod_tags_parse(m->text.data, m->text.len, &m->names);
	ObjectHeader h;
	memset(&h, 0, sizeof(h)); /* its padding is written too */
	h.object_id = m->row.object_id;
	h.names = (uint32_t)m->names.count;
	if (!spill_write(&ti->objects, &h, sizeof(h)))
		return false;
	for (size_t n = 0; n < m->names.count; n++) {
		const char *name = m->names.items[n];
		size_t spelling;
		if (!strmap_get(&ti->spelling_index, name, strlen(name), &spelling)) {
			spelling = ti->spellings.count;
			strmap_put(&ti->spelling_index, name, strlen(name), spelling);
			strlist_add(&ti->spellings, name);
		}
		uint32_t index = (uint32_t)spelling;
		if (!spill_write(&ti->objects, &index, sizeof(index)))
			return false;
	}
	return true;
}

/* The rows before object id, whose objects the target lacks, then id's own if present; !present: every row left. */
static bool merge_upto(Merge *m, int64_t id, bool present)
{
	while (m->have && (!present || m->row.object_id < id)) {
		note_skipped(m->ti, m->row.object_id);
		if (!merge_advance(m))
			return false;
	}
	if (!present || !m->have || m->row.object_id != id)
		return true;
	if (!take_object(m) || !merge_advance(m))
		return false;
	if (m->have && m->row.object_id == id) {
		log_error("table %s, row %" PRIu64 ": %s %" PRId64 " has a second row", m->ti->source->table, m->row.row,
		          m->ti->source->id_column, id);
		return false;
	}
	return true;
}

static bool merge_id(void *ctx, const DbValue *values, size_t ncols)
{
	Merge *m = ctx;
	(void)ncols;
	if (!values[0].data)
		return true;
	if (!merge_upto(m, strtoll(values[0].data, NULL, 10), true)) {
		m->failed = true;
		return false;
	}
	return true;
}

static bool merge_objects(PodTagImport *ti)
{
	StrBuf purpose = STRBUF_INIT;
	sb_printf(&purpose, "the objects of %s", ti->source->table);
	bool ok = spill_open(&ti->objects, purpose.data);
	sb_free(&purpose);
	if (!ok || (ti->unsorted && !sort_rows(ti)) || !spill_seek(&ti->rows, 0))
		return false;
	Merge m = {.ti = ti};
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT id FROM ");
	db_quote_ident(ti->db, &sql, ti->source->object_table);
	sb_puts(&sql, " ORDER BY id");
	ok = merge_advance(&m) && db_query(ti->db, sql.data, merge_id, &m) && !m.failed && merge_upto(&m, 0, false);
	sb_free(&sql);
	sb_free(&m.text);
	strlist_free(&m.names);
	spill_close(&ti->rows); /* merged: not needed any more */
	free(ti->places);
	ti->places = NULL;
	return ok;
}

/* A spelling's iexact key, to group the spellings of one tag by sorting. */
typedef struct KeyedSpelling {
	const char *key;
	size_t spelling;
} KeyedSpelling;

static int compare_keyed(const void *a, const void *b)
{
	const KeyedSpelling *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->spelling > y->spelling) - (x->spelling < y->spelling);
}

/*
 * Tags for every spelling, in order of first appearance: spellings whose
 * iexact keys are equal make one tag, named by the first of them. The keys
 * are asked of the engine all at once (MariaDB computes them), then grouped
 * by sorting: no hash map of every tag.
 */
static bool assign_tags(PodTagImport *ti)
{
	strmap_free(&ti->spelling_index); /* the merge is done */
	StrList keys = STRLIST_INIT;
	StrList *spellings = &ti->spellings;
	size_t n = spellings->count;
	bool ok = db_iexact_keys(ti->db, ti->source->tag_table, "name", spellings, &keys);
	if (ok && keys.count != n) {
		log_error("%s: %zu keys for %zu tag names", ti->source->tag_table, keys.count, n);
		ok = false;
	}
	if (!ok) {
		strlist_free(&keys);
		return false;
	}
	KeyedSpelling *sorted = xmalloc(sizeof(KeyedSpelling) * (n ? n : 1));
	for (size_t i = 0; i < n; i++)
		sorted[i] = (KeyedSpelling){keys.items[i], i};
	qsort(sorted, n, sizeof(KeyedSpelling), compare_keyed);
	/* each spelling's first spelling of the same key, which comes first in spelling order */
	size_t *first = xmalloc(sizeof(size_t) * (n ? n : 1));
	for (size_t i = 0; i < n; i++)
		first[sorted[i].spelling] = i && !strcmp(sorted[i].key, sorted[i - 1].key) ? first[sorted[i - 1].spelling]
		                                                                           : sorted[i].spelling;
	free(sorted);
	strlist_free(&keys);
	ti->spelling_tag = xmalloc(sizeof(size_t) * (n ? n : 1));
	ti->tag_cap = n ? n : 1; /* at most one tag per spelling: no regrowth */
	ti->tags = xmalloc(sizeof(Tag) * ti->tag_cap);
	for (size_t i = 0; i < n; i++) {
		if (first[i] != i) {
			ti->spelling_tag[i] = ti->spelling_tag[first[i]];
			continue;
		}
		ti->tags = xgrow(ti->tags, ti->tag_count, &ti->tag_cap, sizeof(Tag));
		char *name = spellings->items[i];
		spellings->items[i] = NULL; /* the tag owns it now */
		ti->tags[ti->tag_count] = (Tag){name, strlen(name), 0};
		ti->spelling_tag[i] = ti->tag_count++;
	}
	free(first);
	strlist_free(spellings);
	return true;
}

/*
 * Walks the relations to write, in the order of their ids, from the objects
 * spill: objects in ascending id, then their names in order, a tag met
 * twice on one object ("Python" and "python") making one relation.
 */
typedef struct RelationCursor {
	PodTagImport *ti;
	uint32_t names_left; /* of the open object */
	int64_t object_id;
	size_t distinct; /* tags of the open object so far, in ti->object_tags */
	int64_t relation_id;
	bool failed;     /* the spill could not be read (logged) */
	char id_text[24], object_text[24], tag_text[24];
} RelationCursor;

static void relation_rewind(void *ctx)
{
	RelationCursor *c = ctx;
	PodTagImport *ti = c->ti;
	bool failed = c->failed;
	memset(c, 0, sizeof(*c));
	c->ti = ti;
	c->failed = failed || !spill_seek(&ti->objects, 0);
}

static bool relation_step(RelationCursor *c, size_t *tag)
{
	PodTagImport *ti = c->ti;
	bool end;
	if (c->failed)
		return false;
	for (;;) {
		while (c->names_left > 0) {
			c->names_left--;
			uint32_t spelling;
			if (!spill_read(&ti->objects, &spelling, sizeof(spelling), NULL)) {
				c->failed = true;
				return false;
			}
			size_t t = ti->spelling_tag[spelling];
			bool repeated = false;
			for (size_t k = 0; k < c->distinct && !repeated; k++)
				repeated = ti->object_tags[k] == t;
			if (repeated)
				continue;
			ti->object_tags = xgrow(ti->object_tags, c->distinct, &ti->object_tags_cap, sizeof(size_t));
			ti->object_tags[c->distinct++] = t;
			c->relation_id++;
			*tag = t;
			return true;
		}
		ObjectHeader h;
		if (!spill_read(&ti->objects, &h, sizeof(h), &end)) {
			c->failed = !end;
			return false;
		}
		c->names_left = h.names;
		c->distinct = 0;
		c->object_id = h.object_id;
	}
}

static bool relation_next(void *ctx, int64_t *id, DbValue *values)
{
	RelationCursor *c = ctx;
	size_t tag;
	if (!relation_step(c, &tag))
		return false;
	*id = c->relation_id;
	snprintf(c->id_text, sizeof(c->id_text), "%" PRId64, c->relation_id);
	snprintf(c->object_text, sizeof(c->object_text), "%" PRId64, c->object_id);
	snprintf(c->tag_text, sizeof(c->tag_text), "%zu", tag + 1);
	values[0] = (DbValue){c->id_text, strlen(c->id_text)};
	values[1] = (DbValue){c->object_text, strlen(c->object_text)};
	values[2] = (DbValue){c->tag_text, strlen(c->tag_text)};
	return true;
}

/* Each tag's count: the objects that carry it. */
static bool count_relations(PodTagImport *ti)
{
	RelationCursor c = {.ti = ti};
	relation_rewind(&c);
	size_t tag;
	while (relation_step(&c, &tag))
		ti->tags[tag].count++;
	ti->relation_count = c.relation_id;
	return !c.failed;
}

/* Slugs as tagulous gives them, tag after tag in id order (pod_tags.h), kept by ti->slugs. */
static void make_slugs(PodTagImport *ti)
{
	StrBuf slug = STRBUF_INIT;
	for (size_t t = 0; t < ti->tag_count; t++)
		pod_slugs_next(&ti->slugs, ti->tags[t].name, ti->tags[t].name_len, &slug);
	sb_free(&slug);
}

/* The tag rows, ids from 1 in order of first appearance. */
typedef struct TagCursor {
	PodTagImport *ti;
	size_t next;
	char id_text[24], count_text[24];
} TagCursor;

static void tag_rewind(void *ctx) { ((TagCursor *)ctx)->next = 0; }

static bool tag_next(void *ctx, int64_t *id, DbValue *values)
{
	TagCursor *c = ctx;
	if (c->next >= c->ti->tag_count)
		return false;
	const Tag *tag = &c->ti->tags[c->next++];
	*id = (int64_t)c->next;
	snprintf(c->id_text, sizeof(c->id_text), "%zu", c->next);
	snprintf(c->count_text, sizeof(c->count_text), "%" PRId64, tag->count);
	values[0] = (DbValue){c->id_text, strlen(c->id_text)};
	values[1] = (DbValue){tag->name, tag->name_len};
	size_t slug_len;
	const char *slug = pod_slugs_at(&c->ti->slugs, c->next - 1, &slug_len);
	values[2] = (DbValue){slug, slug_len};
	values[3] = (DbValue){c->count_text, strlen(c->count_text)};
	values[4] = (DbValue){"0", 1}; /* protected */
	return true;
}

/* Relations first, then tags: they are written in place, only where they differ. */
static bool write_rows(PodTagImport *ti, SyncResult *relations, SyncResult *tags)
{
	static const char *const tag_columns[5] = {"id", "name", "slug", "count", "protected"};
	DbColumns columns = {0};
	RelationCursor relation_cursor = {.ti = ti};
	TagCursor tag_cursor = {.ti = ti};
	const SyncSource relation_source = {&relation_cursor, relation_rewind, relation_next};
	const SyncSource tag_source = {&tag_cursor, tag_rewind, tag_next};
	bool ok = table_sync(ti->db, ti->source->relation_table, &ti->relation_columns, &relation_source, relations) &&
	          !relation_cursor.failed && db_pick_columns(ti->db, ti->source->tag_table, tag_columns, 5, &columns) &&
	          table_sync(ti->db, ti->source->tag_table, &columns, &tag_source, tags) &&
	          db_reset_sequence(ti->db, ti->source->tag_table, &columns.items[0]) &&
	          db_reset_sequence(ti->db, ti->source->relation_table, &ti->relation_columns.items[0]);
	db_columns_free(&columns);
	return ok;
}

bool pod_tag_import_end(PodTagImport *ti)
{
	SyncResult relations = {0}, tags = {0};
	bool ok = merge_objects(ti) && assign_tags(ti) && count_relations(ti);
	if (ok) {
		make_slugs(ti);
		ok = write_rows(ti, &relations, &tags);
	}
	if (ok) {
		ti->summary->inserted = relations.inserted;
		if (ti->skipped_objects)
			log_warn("%s: tags of %" PRIu64 " %s ids absent from the target were skipped (deleted in v3, "
			         "their tags stayed): %s%s", ti->source->table, ti->skipped_objects, ti->source->model,
			         ti->skipped_ids.data, ti->skipped_objects > SKIPPED_IDS_SHOWN ? ", ..." : "");
		log_info("  %-45s %12zu tags, %" PRId64 " links into %s", ti->source->table, ti->tag_count,
		         ti->relation_count, ti->source->relation_table);
		log_info("  %-45s %12s kept %" PRIu64 " tags and %" PRIu64 " links already right; tags: %" PRIu64
		         " written, %" PRIu64 " deleted; links: %" PRIu64 " written, %" PRIu64 " deleted",
		         ti->source->table, "", tags.kept, relations.kept, tags.inserted, tags.deleted,
		         relations.inserted, relations.deleted);
	}
	pod_tag_import_abort(ti);
	return ok;
}

bool pod_tag_import_recount(Db *db, const PodTagSource *source)
{
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "UPDATE ");
	db_quote_ident(db, &sql, source->tag_table);
	sb_puts(&sql, " SET ");
	db_quote_ident(db, &sql, "count");
	sb_puts(&sql, " = (SELECT COUNT(*) FROM ");
	db_quote_ident(db, &sql, source->relation_table);
	sb_puts(&sql, " r WHERE r.");
	db_quote_ident(db, &sql, source->relation_tag_column);
	sb_puts(&sql, " = ");
	db_quote_ident(db, &sql, source->tag_table);
	sb_putc(&sql, '.');
	db_quote_ident(db, &sql, "id");
	sb_putc(&sql, ')');
	bool ok = db_exec(db, sql.data);
	sb_reset(&sql);
	sb_puts(&sql, "DELETE FROM ");
	db_quote_ident(db, &sql, source->tag_table);
	sb_puts(&sql, " WHERE ");
	db_quote_ident(db, &sql, "count");
	sb_puts(&sql, " = 0 AND NOT ");
	db_quote_ident(db, &sql, "protected");
	ok = ok && db_exec(db, sql.data);
	sb_free(&sql);
	if (ok)
		log_info("  %s: tag counts recomputed, links having been left out", source->tag_table);
	return ok;
}

void pod_tag_import_abort(PodTagImport *ti)
{
	if (!ti)
		return;
	for (size_t t = 0; t < ti->tag_count; t++)
		free(ti->tags[t].name);
	pod_slugs_free(&ti->slugs);
	free(ti->tags);
	free(ti->object_tags);
	free(ti->spelling_tag);
	free(ti->places);
	strmap_free(&ti->spelling_index);
	strlist_free(&ti->spellings);
	db_columns_free(&ti->relation_columns);
	sb_free(&ti->skipped_ids);
	spill_close(&ti->rows);
	spill_close(&ti->objects);
	free(ti);
}
