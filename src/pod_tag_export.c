#include "pod_tag_export.h"

#include "pod_tags.h"
#include "stop.h"
#include "utf8.h"
#include "values.h"

#include <string.h>

/* Groups the (object id, tag name) rows, sorted by object, into one tag string per object. */
typedef struct TagStream {
	JsonWriter *w;
	const PodTagSource *source;
	TableProgress *progress;
	uint64_t rows; /* pseudo-table rows written */
	StrBuf object_id;
	StrBuf tag_string;
	bool have_object;
} TagStream;

bool pod_tag_export_possible(const StrList *tables)
{
	return strlist_contains(tables, "tagging_taggeditem") && strlist_contains(tables, "tagging_tag") &&
	       strlist_contains(tables, "django_content_type");
}

static void flush_tag_row(TagStream *tags)
{
	if (!tags->have_object)
		return;
	JsonWriter *w = tags->w;
	json_begin_object(w);
	json_key(w, tags->source->id_column, strlen(tags->source->id_column));
	json_number(w, tags->object_id.data, tags->object_id.len);
	json_key(w, POD_TAG_STRING_KEY, strlen(POD_TAG_STRING_KEY));
	json_string(w, tags->tag_string.data, tags->tag_string.len); /* names validated when added */
	json_end_object(w);
	tags->rows++;
	tags->have_object = false;
	sb_reset(&tags->tag_string);
}

static bool add_tag_row(void *ctx, const DbValue *values, size_t ncols)
{
	TagStream *tags = ctx;
	(void)ncols;
	if (stop_requested() || !json_writer_ok(tags->w))
		return false;
	const DbValue *id = &values[0], *name = &values[1];
	if (!id->data || !value_normalize_integer(id->data, id->len) || !name->data) {
		log_error("tags of %s: tagging_taggeditem has a row with object_id '%.*s' and tag name %s",
		          tags->source->model, id->data ? (int)id->len : 4, id->data ? id->data : "NULL",
		          name->data ? "set" : "NULL");
		return false;
	}
	size_t bad;
	if (!utf8_validate(name->data, name->len, &bad)) {
		StrBuf shown = STRBUF_INIT;
		utf8_append_visible(&shown, name->data, name->len, 80);
		log_error("tags of %s %.*s: tag name '%s' has invalid UTF-8 at byte %zu", tags->source->model,
		          (int)id->len, id->data, shown.data, bad);
		sb_free(&shown);
		return false;
	}
	bool same = tags->have_object && tags->object_id.len == id->len &&
	            memcmp(tags->object_id.data, id->data, id->len) == 0;
	if (!same) {
		flush_tag_row(tags);
		sb_reset(&tags->object_id);
		sb_append(&tags->object_id, id->data, id->len);
		tags->have_object = true;
	}
	pod_tags_append_name(&tags->tag_string, name->data, name->len);
	progress_rows(tags->progress, tags->rows);
	return true;
}

void pod_tag_export_query(Db *db, const PodTagSource *source, StrBuf *sql)
{
	/* Aggregated by the caller, not with GROUP_CONCAT (MySQL cuts it at group_concat_max_len). */
	sb_puts(sql, "SELECT ti.object_id, t.name FROM tagging_taggeditem ti "
	             "JOIN tagging_tag t ON t.id = ti.tag_id "
	             "JOIN django_content_type ct ON ct.id = ti.content_type_id WHERE ct.app_label = ");
	db_quote_literal(db, sql, source->app_label);
	sb_puts(sql, " AND ct.model = ");
	db_quote_literal(db, sql, source->model);
	sb_puts(sql, " ORDER BY ti.object_id, ti.id");
}

bool pod_tag_export(Db *db, JsonWriter *w, const PodTagSource *source, TableProgress *progress,
                    uint64_t *rows)
{
	TagStream tags = {.w = w, .source = source, .progress = progress};
	StrBuf sql = STRBUF_INIT;
	pod_tag_export_query(db, source, &sql);
	json_key(w, source->table, strlen(source->table));
	json_begin_array(w);
	bool ok = db_query(db, sql.data, add_tag_row, &tags);
	if (ok)
		flush_tag_row(&tags);
	json_end_array(w);
	sb_free(&sql);
	sb_free(&tags.object_id);
	sb_free(&tags.tag_string);
	*rows = tags.rows;
	if (!ok) {
		progress_clear();
		if (!json_writer_cancelled(w)) /* else the reader stopped, and said why */
			log_error("table %s: export of the tags failed", source->table);
	}
	return ok;
}
