#include "pod_tag_import.h"

#include "log.h"
#include "pod_tags.h"
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
	char *slug;
	size_t slug_len;
	int64_t count;
} Tag;

struct PodTagImport {
	Db *db;
	const PodTagSource *source;
	TableSummary *summary;
	int64_t *object_ids; /* ids of the tagged model in the target, sorted */
	bool *object_seen;   /* parallel: that object already had its row */
	size_t object_count, object_cap;
	Tag *tags;
	size_t tag_count, tag_cap;
	StrMap by_key;      /* the engine's iexact key -> tag index */
	DbColumns relation_columns;
	int64_t relation_count;
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
	/*
	 * The names parsed once: for each row, how many (none for an absent
	 * object), then each name's spelling, in order; each spelling's tag.
	 */
	uint32_t *row_names;
	uint32_t *occurrences;
	size_t occurrence_count, occurrence_cap;
	size_t *spelling_tag;
};

static bool collect_id(void *ctx, const DbValue *values, size_t ncols)
{
	PodTagImport *ti = ctx;
	(void)ncols;
	if (!values[0].data)
		return true;
	ti->object_ids = xgrow(ti->object_ids, ti->object_count, &ti->object_cap, sizeof(int64_t));
	ti->object_ids[ti->object_count++] = strtoll(values[0].data, NULL, 10);
	return true;
}

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
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT id FROM ");
	db_quote_ident(db, &sql, source->object_table);
	sb_puts(&sql, " ORDER BY id");
	bool ok = relation_columns(db, source, &ti->relation_columns) && db_query(db, sql.data, collect_id, ti);
	sb_free(&sql);
	if (ok) {
		ti->object_seen = xmalloc(ti->object_count + 1);
		memset(ti->object_seen, 0, ti->object_count + 1);
	}
	if (!ok) {
		pod_tag_import_abort(ti);
		return NULL;
	}
	return ti;
}

/* Index of id in the sorted ids, or -1. */
static ssize_t find_object(const PodTagImport *ti, int64_t id)
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

static void note_skipped(PodTagImport *ti, const char *id, size_t len)
{
	if (ti->skipped_objects++ < SKIPPED_IDS_SHOWN) {
		if (ti->skipped_ids.len)
			sb_puts(&ti->skipped_ids, ", ");
		sb_append(&ti->skipped_ids, id, len);
	}
}

/*
 * Whether a row's object takes tags: not when the target lacks it (noted
 * and skipped), nor for a second row of the same object (*failed, logged).
 */
static bool object_takes_tags(PodTagImport *ti, const struct TagRow *r, bool *failed)
{
	char id_text[24];
	snprintf(id_text, sizeof(id_text), "%" PRId64, r->object_id);
	ssize_t object = find_object(ti, r->object_id);
	if (object < 0) {
		note_skipped(ti, id_text, strlen(id_text));
		return false;
	}
	if (ti->object_seen[object]) {
		log_error("table %s, row %" PRIu64 ": %s %s has a second row", ti->source->table, r->row,
		          ti->source->id_column, id_text);
		*failed = true;
		return false;
	}
	ti->object_seen[object] = true;
	return true;
}

/*
 * Tags for every spelling, in order of first appearance (objects in ascending
 * id, names in order): a spelling whose iexact key is already a tag's joins
 * it (the first spelling names the tag), else it makes a new tag. The keys
 * are asked of the engine all at once (MariaDB computes them).
 */
static bool assign_tags(PodTagImport *ti)
{
	StrList spellings = STRLIST_INIT, keys = STRLIST_INIT, names = STRLIST_INIT;
	StrMap seen = {0};
	bool failed = false;
	ti->row_names = xmalloc(sizeof(uint32_t) * (ti->row_count ? ti->row_count : 1));
	for (size_t r = 0; r < ti->row_count && !failed; r++) {
		ti->row_names[r] = 0;
		if (!object_takes_tags(ti, &ti->rows[r], &failed))
			continue; /* an absent object's names make no tag */
		strlist_free(&names);
		pod_tags_parse(ti->text.data + ti->rows[r].offset, ti->rows[r].len, &names);
		ti->row_names[r] = (uint32_t)names.count;
		for (size_t n = 0; n < names.count; n++) {
			size_t spelling;
			const char *name = names.items[n];
			if (!strmap_get(&seen, name, strlen(name), &spelling)) {
				spelling = spellings.count;
				strmap_put(&seen, name, strlen(name), spelling);
				strlist_add(&spellings, name);
			}
			ti->occurrences = xgrow(ti->occurrences, ti->occurrence_count, &ti->occurrence_cap, sizeof(uint32_t));
			ti->occurrences[ti->occurrence_count++] = (uint32_t)spelling;
		}
	}
	sb_free(&ti->text); /* parsed: not needed any more */
	ti->spelling_tag = xmalloc(sizeof(size_t) * (spellings.count ? spellings.count : 1));
	strlist_free(&names);
	bool ok = !failed && db_iexact_keys(ti->db, ti->source->tag_table, "name", &spellings, &keys);
	if (ok && keys.count != spellings.count) {
		log_error("%s: %zu keys for %zu tag names", ti->source->tag_table, keys.count, spellings.count);
		ok = false;
	}
	for (size_t i = 0; ok && i < spellings.count; i++) {
		const char *name = spellings.items[i], *key = keys.items[i];
		size_t index;
		if (!strmap_get(&ti->by_key, key, strlen(key), &index)) {
			ti->tags = xgrow(ti->tags, ti->tag_count, &ti->tag_cap, sizeof(Tag));
			index = ti->tag_count++;
			ti->tags[index] = (Tag){xstrdup(name), strlen(name), NULL, 0, 0};
			strmap_put(&ti->by_key, key, strlen(key), index);
		}
		ti->spelling_tag[i] = index;
	}
	strlist_free(&spellings);
	strlist_free(&keys);
	strmap_free(&seen);
	return ok;
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
	ti->rows = xgrow(ti->rows, ti->row_count, &ti->row_cap, sizeof(*ti->rows));
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

/*
 * Walks the relations to write, in the order of their ids: objects in
 * ascending id, then their names in order, a tag met twice on one object
 * ("Python" and "python") making one relation.
 */
typedef struct RelationCursor {
	PodTagImport *ti;
	size_t next_row;        /* the row to open next */
	size_t next_occurrence; /* in ti->occurrences */
	uint32_t names_left;    /* of the open row */
	int64_t object_id;
	size_t distinct; /* tags of the open object so far, in ti->object_tags */
	int64_t relation_id;
	char id_text[24], object_text[24], tag_text[24];
} RelationCursor;

static void relation_rewind(void *ctx)
{
	RelationCursor *c = ctx;
	PodTagImport *ti = c->ti;
	memset(c, 0, sizeof(*c));
	c->ti = ti;
}

static bool relation_step(RelationCursor *c, size_t *tag)
{
	PodTagImport *ti = c->ti;
	for (;;) {
		while (c->names_left > 0) {
			c->names_left--;
			size_t t = ti->spelling_tag[ti->occurrences[c->next_occurrence++]];
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
		if (c->next_row >= ti->row_count)
			return false;
		size_t r = c->next_row++;
		c->names_left = ti->row_names[r];
		c->distinct = 0;
		c->object_id = ti->rows[r].object_id;
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
static void count_relations(PodTagImport *ti)
{
	RelationCursor c = {.ti = ti};
	size_t tag;
	while (relation_step(&c, &tag))
		ti->tags[tag].count++;
	ti->relation_count = c.relation_id;
}

/* Slugs as tagulous gives them, tag after tag in id order (pod_tags.h). */
static void make_slugs(PodTagImport *ti)
{
	PodSlugs slugs = {0};
	StrBuf slug = STRBUF_INIT;
	for (size_t t = 0; t < ti->tag_count; t++) {
		Tag *tag = &ti->tags[t];
		pod_slugs_next(&slugs, tag->name, tag->name_len, &slug);
		tag->slug_len = slug.len;
		tag->slug = sb_steal(&slug);
	}
	pod_slugs_free(&slugs);
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
	values[2] = (DbValue){tag->slug, tag->slug_len};
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
	          db_pick_columns(ti->db, ti->source->tag_table, tag_columns, 5, &columns) &&
	          table_sync(ti->db, ti->source->tag_table, &columns, &tag_source, tags) &&
	          db_reset_sequence(ti->db, ti->source->tag_table, &columns.items[0]) &&
	          db_reset_sequence(ti->db, ti->source->relation_table, &ti->relation_columns.items[0]);
	db_columns_free(&columns);
	return ok;
}

bool pod_tag_import_end(PodTagImport *ti)
{
	if (ti->row_count) /* an empty pseudo-table has no array at all */
		qsort(ti->rows, ti->row_count, sizeof(*ti->rows), compare_rows);
	SyncResult relations = {0}, tags = {0};
	bool ok = assign_tags(ti);
	if (ok) {
		count_relations(ti);
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
	for (size_t t = 0; t < ti->tag_count; t++) {
		free(ti->tags[t].name);
		free(ti->tags[t].slug);
	}
	free(ti->tags);
	free(ti->object_ids);
	free(ti->object_seen);
	free(ti->object_tags);
	free(ti->row_names);
	free(ti->occurrences);
	free(ti->spelling_tag);
	strmap_free(&ti->by_key);
	db_columns_free(&ti->relation_columns);
	sb_free(&ti->skipped_ids);
	free(ti->rows);
	sb_free(&ti->text);
	free(ti);
}
