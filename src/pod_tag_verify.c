#include "pod_tag_verify.h"

#include "log.h"
#include "pod_tag_export.h"
#include "pod_tags.h"
#include "row_stream.h"
#include "stop.h"
#include "strmap.h"
#include "utf8.h"
#include "values.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- the file's pseudo-table, kept: a file is read once ---- */

/* 32-bit counts and offsets: a million videos' tags stay in tens of MB (checked when added). */
typedef struct TagObject {
	int64_t id;
	uint32_t order;        /* arrival, to keep the sort stable */
	uint32_t first, count; /* its names: spans[first .. first + count) */
} TagObject;

struct PodTagVerify {
	const PodTagSource *source;
	TagObject *objects;
	size_t object_count, object_cap;
	StrBuf text; /* the names, end to end */
	struct Span { uint32_t off, len; } *spans;
	size_t span_count, span_cap;
	StrList parsed;
};

PodTagVerify *pod_tag_verify_begin(const PodTagSource *source)
{
	PodTagVerify *tv = xmalloc(sizeof(*tv));
	memset(tv, 0, sizeof(*tv));
	tv->source = source;
	return tv;
}

void pod_tag_verify_abort(PodTagVerify *tv)
{
	if (!tv)
		return;
	free(tv->objects);
	free(tv->spans);
	sb_free(&tv->text);
	strlist_free(&tv->parsed);
	free(tv);
}

static bool parse_id(const PodTagSource *src, const char *text, size_t len, int64_t *id)
{
	DbValue v = {text, len};
	if (!text || !value_int64(&v, id)) {
		log_error("table %s: %s '%.*s' is not an integer", src->table, src->id_column, text ? (int)len : 4,
		          text ? text : "NULL");
		return false;
	}
	return true;
}

bool pod_tag_verify_add_string(PodTagVerify *tv, const char *object_id, size_t id_len, const char *names, size_t len)
{
	int64_t id;
	if (!parse_id(tv->source, object_id, id_len, &id))
		return false;
	strlist_free(&tv->parsed);
	if (names)
		pod_tags_parse(names, len, &tv->parsed);
	size_t bytes = 0;
	for (size_t i = 0; i < tv->parsed.count; i++)
		bytes += strlen(tv->parsed.items[i]);
	if (tv->text.len + bytes >= UINT32_MAX || tv->span_count + tv->parsed.count >= UINT32_MAX ||
	    tv->object_count >= UINT32_MAX) {
		log_error("table %s: more tags than verify can hold (4 GB of names, or 4 billion of them)",
		          tv->source->table);
		return false;
	}
	tv->objects = xgrow(tv->objects, tv->object_count, &tv->object_cap, sizeof(TagObject));
	tv->objects[tv->object_count] = (TagObject){id, (uint32_t)tv->object_count, (uint32_t)tv->span_count,
	                                            (uint32_t)tv->parsed.count};
	tv->object_count++;
	for (size_t i = 0; i < tv->parsed.count; i++) {
		size_t n = strlen(tv->parsed.items[i]);
		tv->spans = xgrow(tv->spans, tv->span_count, &tv->span_cap, sizeof(*tv->spans));
		tv->spans[tv->span_count++] = (struct Span){(uint32_t)tv->text.len, (uint32_t)n};
		sb_append(&tv->text, tv->parsed.items[i], n);
	}
	return true;
}

/* ---- the comparison, whatever the source ---- */

/* v4's tags, in id order. */
typedef struct V4Tag {
	int64_t id;
	char *name, *slug;
	int64_t count;
	bool protected_;
	ssize_t expected; /* the expected tag it is, or -1 */
} V4Tag;

typedef struct ExpectedTag {
	char *name;    /* the first spelling */
	int64_t links; /* the present objects that carry it */
	ssize_t v4;    /* the v4 tag with its key, or -1 */
} ExpectedTag;

typedef struct TagCheck {
	const PodTagSource *src;
	TableCheck *check;
	int64_t *v4_objects; /* sorted */
	size_t v4_object_count, v4_object_cap;
	V4Tag *v4_tags;
	size_t v4_tag_count, v4_tag_cap;
	/* pass 1: the spellings of present objects, in order of first appearance */
	StrMap spelling_index;
	StrList spellings;
	size_t *spelling_tag; /* per spelling: its expected tag */
	ExpectedTag *expected;
	size_t expected_count, expected_cap;
	/* pass 2: object by object, against v4's links */
	bool second_pass;
	bool have_previous;
	int64_t previous; /* the last source object: a second row for it is an error */
	RowStream *links;
	const DbValue *link; /* v4's link in hand, or NULL at the end */
	int64_t link_object, link_tag;
	ssize_t *wanted, *have;
	size_t wanted_cap, have_cap;
	StrBuf key, scratch;
} TagCheck;

static bool sorted_has(const int64_t *ids, size_t count, int64_t id)
{
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < count && ids[lo] == id;
}

static ssize_t v4_tag_index(const TagCheck *c, int64_t id)
{
	size_t lo = 0, hi = c->v4_tag_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->v4_tags[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->v4_tag_count && c->v4_tags[lo].id == id ? (ssize_t)lo : -1;
}

static bool keep_object(void *ctx, const DbValue *v, size_t ncols)
{
	TagCheck *c = ctx;
	(void)ncols;
	if (v[0].data) {
		c->v4_objects = xgrow(c->v4_objects, c->v4_object_count, &c->v4_object_cap, sizeof(int64_t));
		value_int64(&v[0], &c->v4_objects[c->v4_object_count++]);
	}
	return true;
}

static bool keep_tag(void *ctx, const DbValue *v, size_t ncols)
{
	TagCheck *c = ctx;
	(void)ncols;
	c->v4_tags = xgrow(c->v4_tags, c->v4_tag_count, &c->v4_tag_cap, sizeof(V4Tag));
	V4Tag *tag = &c->v4_tags[c->v4_tag_count++];
	*tag = (V4Tag){
		.name = xstrndup(v[1].data ? v[1].data : "", v[1].len),
		.slug = xstrndup(v[2].data ? v[2].data : "", v[2].len),
		.protected_ = v[4].data && value_parse_bool(v[4].data, v[4].len) != 0,
		.expected = -1,
	};
	value_int64(&v[0], &tag->id);
	if (!v[3].data || !value_int64(&v[3], &tag->count))
		tag->count = -1;
	return true;
}

/* v4's object ids and tags, before both passes. */
static bool read_v4(TagCheck *c, Db *v4)
{
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT id FROM ");
	db_quote_ident(v4, &sql, c->src->object_table);
	sb_puts(&sql, " ORDER BY id");
	bool ok = db_query(v4, sql.data, keep_object, c);
	sb_reset(&sql);
	sb_puts(&sql, "SELECT id, name, slug, count, protected FROM ");
	db_quote_ident(v4, &sql, c->src->tag_table);
	sb_puts(&sql, " ORDER BY id");
	ok = ok && db_query(v4, sql.data, keep_tag, c);
	sb_free(&sql);
	return ok;
}

static void note(TagCheck *c, DiffKind kind, const char *what, const char *column, const char *expected,
                 const char *actual, const char *detail)
{
	DbValue e = {expected, expected ? strlen(expected) : 0}, a = {actual, actual ? strlen(actual) : 0};
	table_check_note(c->check, kind, what, column, expected ? &e : NULL, actual ? &a : NULL, detail);
}

static void tag_label(StrBuf *out, const char *prefix, const char *name)
{
	sb_reset(out);
	sb_puts(out, prefix);
	sb_puts(out, " '");
	utf8_append_visible(out, name, strlen(name), 80);
	sb_putc(out, '\'');
}

static void object_label(TagCheck *c, int64_t id)
{
	sb_reset(&c->key);
	sb_printf(&c->key, "%s=%" PRId64, c->src->relation_object_column, id);
}

/* Pass 1, per source object: its spellings, if v4 has the object (else its tags are skipped). */
static void first_pass_object(TagCheck *c, int64_t id, const StrList *names)
{
	if (!sorted_has(c->v4_objects, c->v4_object_count, id)) {
		object_label(c, id);
		table_check_account(c->check, ACCOUNT_SKIPPED, c->key.data);
		return;
	}
	for (size_t i = 0; i < names->count; i++)
		if (strmap_add(&c->spelling_index, names->items[i], strlen(names->items[i]), c->spellings.count))
			strlist_add(&c->spellings, names->items[i]);
}

/* Between the passes: each spelling's key (asked of the engine at once), the expected tags, v4's matched to them. */
static bool match_tags(TagCheck *c, Db *v4)
{
	StrList names = STRLIST_INIT, keys = STRLIST_INIT;
	for (size_t i = 0; i < c->spellings.count; i++)
		strlist_add(&names, c->spellings.items[i]);
	for (size_t t = 0; t < c->v4_tag_count; t++)
		strlist_add(&names, c->v4_tags[t].name);
	bool ok = db_iexact_keys(v4, c->src->tag_table, "name", &names, &keys);
	if (ok && keys.count != names.count) {
		log_error("%s: %zu keys for %zu tag names", c->src->tag_table, keys.count, names.count);
		ok = false;
	}
	StrMap by_key = {0};
	size_t n = c->spellings.count;
	c->spelling_tag = xmalloc(sizeof(size_t) * (n + 1));
	for (size_t i = 0; ok && i < n; i++) {
		size_t index;
		if (!strmap_get(&by_key, keys.items[i], strlen(keys.items[i]), &index)) {
			c->expected = xgrow(c->expected, c->expected_count, &c->expected_cap, sizeof(ExpectedTag));
			index = c->expected_count++;
			c->expected[index] = (ExpectedTag){xstrdup(c->spellings.items[i]), 0, -1};
			strmap_put(&by_key, keys.items[i], strlen(keys.items[i]), index);
		}
		c->spelling_tag[i] = index;
	}
	for (size_t t = 0; ok && t < c->v4_tag_count; t++) {
		const char *key = keys.items[n + t];
		size_t index;
		if (!strmap_get(&by_key, key, strlen(key), &index))
			continue;
		if (c->expected[index].v4 >= 0) {
			tag_label(&c->key, "tag", c->v4_tags[t].name);
			c->check->different++;
			note(c, DIFF_DIFFERENT, c->key.data, "name", c->v4_tags[c->expected[index].v4].name, c->v4_tags[t].name,
			     "two tags for one name");
			continue;
		}
		c->expected[index].v4 = (ssize_t)t;
		c->v4_tags[t].expected = (ssize_t)index;
	}
	strmap_free(&by_key);
	strlist_free(&names);
	strlist_free(&keys);
	strlist_free(&c->spellings); /* the expected tags have their names */
	return ok;
}

/* The next link of v4 in hand (c->link NULL at the end). */
static void next_link(TagCheck *c)
{
	size_t ncols;
	if (!row_stream_next(c->links, &c->link, &ncols)) {
		c->link = NULL;
		return;
	}
	value_int64(&c->link[0], &c->link_object);
	value_int64(&c->link[1], &c->link_tag);
}

/* Compares one object's links in v4 (c->have) with what the source gives it (c->wanted). */
static void compare_links(TagCheck *c, int64_t id, size_t wanted, size_t have)
{
	TableCheck *t = c->check;
	bool right = true;
	t->compared++;
	for (size_t k = 0; k < wanted; k++) {
		bool linked = false;
		for (size_t l = 0; l < have && !linked; l++)
			linked = c->have[l] == c->wanted[k];
		if (!linked) {
			right = false;
			t->missing++;
			object_label(c, id);
			tag_label(&c->scratch, "link to tag", c->expected[c->wanted[k]].name);
			note(c, DIFF_MISSING, c->key.data, NULL, NULL, NULL, c->scratch.data);
		}
	}
	for (size_t l = 0; l < have; l++) {
		bool is_wanted = false, repeated = false;
		for (size_t k = 0; k < wanted && !is_wanted; k++)
			is_wanted = c->have[l] == c->wanted[k];
		for (size_t p = 0; p < l && !repeated; p++)
			repeated = c->have[p] == c->have[l];
		if (is_wanted && !repeated)
			continue;
		right = false;
		t->extra++;
		object_label(c, id);
		note(c, DIFF_EXTRA, c->key.data, NULL, NULL, NULL,
		     repeated ? "a tag linked twice" : c->have[l] < 0 ? "a link to a tag v3 does not give"
		                                                      : "a link v3 does not give it");
	}
	if (right)
		t->equal++;
}

/* v4's links of object id (and before it, of objects the source has no row for) taken from the stream. */
static size_t take_links(TagCheck *c, int64_t id, bool all)
{
	size_t have = 0;
	while (c->link && (all || c->link_object <= id)) {
		int64_t object = c->link_object;
		have = 0;
		while (c->link && c->link_object == object) {
			ssize_t t = v4_tag_index(c, c->link_tag);
			c->have = xgrow(c->have, have, &c->have_cap, sizeof(ssize_t));
			c->have[have++] = t >= 0 ? c->v4_tags[t].expected : -1;
			next_link(c);
		}
		if (!all && object == id)
			return have;
		compare_links(c, object, 0, have); /* an object v3 gives no tags */
	}
	return 0;
}

/* Pass 2, per source object. */
static void second_pass_object(TagCheck *c, int64_t id, const StrList *names)
{
	if (c->have_previous && id <= c->previous) {
		object_label(c, id);
		c->check->different++;
		note(c, DIFF_DIFFERENT, c->key.data, c->src->id_column, NULL, NULL,
		     id == c->previous ? "a second row for one object" : "rows not in object order");
		return;
	}
	c->previous = id;
	c->have_previous = true;
	if (!sorted_has(c->v4_objects, c->v4_object_count, id))
		return; /* skipped, counted in pass 1 */
	size_t wanted = 0;
	for (size_t i = 0; i < names->count; i++) {
		size_t spelling;
		if (!strmap_get(&c->spelling_index, names->items[i], strlen(names->items[i]), &spelling))
			continue; /* cannot be: pass 1 saw it */
		ssize_t tag = (ssize_t)c->spelling_tag[spelling];
		bool repeated = false;
		for (size_t k = 0; k < wanted && !repeated; k++)
			repeated = c->wanted[k] == tag;
		if (repeated)
			continue;
		c->wanted = xgrow(c->wanted, wanted, &c->wanted_cap, sizeof(ssize_t));
		c->wanted[wanted++] = tag;
		c->expected[tag].links++;
	}
	compare_links(c, id, wanted, take_links(c, id, false));
}

static void source_object(TagCheck *c, int64_t id, const StrList *names)
{
	if (c->second_pass)
		second_pass_object(c, id, names);
	else
		first_pass_object(c, id, names);
}

/* Each tag: there, named by its first spelling, its slug, its count, not protected. */
static void check_tag_rows(TagCheck *c)
{
	TableCheck *t = c->check;
	PodSlugs slugs = {0};
	StrBuf slug = STRBUF_INIT;
	char want[24], got[24];
	for (size_t i = 0; i < c->v4_tag_count; i++) {
		V4Tag *tag = &c->v4_tags[i];
		const ExpectedTag *e = tag->expected >= 0 ? &c->expected[tag->expected] : NULL;
		const char *name = e ? e->name : tag->name;
		pod_slugs_next(&slugs, name, strlen(name), &slug);
		tag_label(&c->key, "tag", tag->name);
		if (!e || e->links == 0) {
			t->extra++;
			note(c, DIFF_EXTRA, c->key.data, NULL, NULL, NULL, "a tag v3 does not give");
			continue;
		}
		bool right = true;
		if (strcmp(e->name, tag->name) != 0) {
			right = false;
			note(c, DIFF_DIFFERENT, c->key.data, "name", e->name, tag->name, NULL);
		}
		if (strcmp(slug.data, tag->slug) != 0) {
			right = false;
			note(c, DIFF_DIFFERENT, c->key.data, "slug", slug.data, tag->slug, NULL);
		}
		if (tag->count != e->links) {
			right = false;
			snprintf(want, sizeof(want), "%" PRId64, e->links);
			snprintf(got, sizeof(got), "%" PRId64, tag->count);
			note(c, DIFF_DIFFERENT, c->key.data, "count", want, got, "the objects v3 tags with it");
		}
		if (tag->protected_) {
			right = false;
			note(c, DIFF_DIFFERENT, c->key.data, "protected", "false", "true", NULL);
		}
		t->different += !right;
	}
	for (size_t i = 0; i < c->expected_count; i++) {
		if (c->expected[i].v4 >= 0 || c->expected[i].links == 0)
			continue;
		tag_label(&c->key, "tag", c->expected[i].name);
		t->missing++;
		note(c, DIFF_MISSING, c->key.data, NULL, NULL, NULL, "a tag v3 gives");
	}
	pod_slugs_free(&slugs);
	sb_free(&slug);
}

static bool start_links(TagCheck *c, Db *v4)
{
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT ");
	db_quote_ident(v4, &sql, c->src->relation_object_column);
	sb_puts(&sql, ", ");
	db_quote_ident(v4, &sql, c->src->relation_tag_column);
	sb_puts(&sql, " FROM ");
	db_quote_ident(v4, &sql, c->src->relation_table);
	sb_puts(&sql, " ORDER BY 1, 2");
	c->links = row_stream_open(v4, sql.data);
	sb_free(&sql);
	if (!c->links)
		return false;
	c->second_pass = true;
	next_link(c);
	return true;
}

/* After pass 2: v4's links of objects past the source's last, the stream closed, then the tag rows. */
static bool finish(TagCheck *c)
{
	take_links(c, 0, true);
	bool ok = row_stream_close(c->links);
	c->links = NULL;
	if (ok)
		check_tag_rows(c);
	return ok;
}

static void check_free(TagCheck *c)
{
	row_stream_close(c->links);
	for (size_t i = 0; i < c->v4_tag_count; i++) {
		free(c->v4_tags[i].name);
		free(c->v4_tags[i].slug);
	}
	for (size_t i = 0; i < c->expected_count; i++)
		free(c->expected[i].name);
	free(c->v4_tags);
	free(c->v4_objects);
	free(c->expected);
	free(c->spelling_tag);
	strmap_free(&c->spelling_index);
	strlist_free(&c->spellings);
	free(c->wanted);
	free(c->have);
	sb_free(&c->key);
	sb_free(&c->scratch);
}

/* ---- the source is v3: its query, run once per pass ---- */

typedef struct V3Pass {
	TagCheck *c;
	int64_t object;
	bool have_object;
	StrList names;
	StrBuf one;
	bool failed;
} V3Pass;

static void flush_object(V3Pass *p)
{
	if (p->have_object)
		source_object(p->c, p->object, &p->names);
	strlist_free(&p->names);
	p->have_object = false;
}

static bool v3_row(void *ctx, const DbValue *values, size_t ncols)
{
	V3Pass *p = ctx;
	(void)ncols;
	if (stop_requested())
		return false;
	int64_t id;
	if (!parse_id(p->c->src, values[0].data, values[0].len, &id))
		return false;
	if (p->have_object && id != p->object)
		flush_object(p);
	p->object = id;
	p->have_object = true;
	if (values[1].data) { /* through a tag string and back, as export and import take it */
		sb_reset(&p->one);
		pod_tags_append_name(&p->one, values[1].data, values[1].len);
		pod_tags_parse(p->one.data, p->one.len, &p->names);
	}
	return true;
}

static bool v3_pass(TagCheck *c, Db *v3, const char *sql)
{
	V3Pass p = {.c = c};
	bool ok = db_query(v3, sql, v3_row, &p);
	if (ok)
		flush_object(&p);
	strlist_free(&p.names);
	sb_free(&p.one);
	return ok;
}

bool pod_tag_verify_db(Db *v3, Db *v4, const PodTagSource *source, TableCheck *check)
{
	TagCheck c = {.src = source, .check = check};
	StrBuf sql = STRBUF_INIT;
	pod_tag_export_query(v3, source, &sql);
	bool ok = read_v4(&c, v4) && v3_pass(&c, v3, sql.data) && match_tags(&c, v4) && start_links(&c, v4) &&
	          v3_pass(&c, v3, sql.data) && finish(&c);
	sb_free(&sql);
	check_free(&c);
	return ok;
}

/* ---- the source is the file's pseudo-table ---- */

static int by_id(const void *a, const void *b)
{
	const TagObject *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void kept_pass(TagCheck *c, PodTagVerify *tv)
{
	StrList names = STRLIST_INIT;
	for (size_t o = 0; o < tv->object_count; o++) {
		const TagObject *obj = &tv->objects[o];
		for (uint32_t s = obj->first; s < obj->first + obj->count; s++) {
			char *name = xstrndup(tv->text.data + tv->spans[s].off, tv->spans[s].len);
			strlist_add(&names, name);
			free(name);
		}
		source_object(c, obj->id, &names);
		strlist_free(&names);
	}
}

bool pod_tag_verify_end(PodTagVerify *tv, Db *v4, TableCheck *check)
{
	TagCheck c = {.src = tv->source, .check = check};
	if (tv->object_count)
		qsort(tv->objects, tv->object_count, sizeof(TagObject), by_id);
	bool ok = read_v4(&c, v4);
	if (ok)
		kept_pass(&c, tv);
	ok = ok && match_tags(&c, v4) && start_links(&c, v4);
	if (ok)
		kept_pass(&c, tv);
	ok = ok && finish(&c);
	check_free(&c);
	pod_tag_verify_abort(tv);
	return ok;
}
