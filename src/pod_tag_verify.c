#include "pod_tag_verify.h"

#include "log.h"
#include "pod_tags.h"
#include "stop.h"
#include "strmap.h"
#include "utf8.h"
#include "values.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* 32-bit counts and offsets: a million videos' tags stay in tens of MB (checked when added). */
typedef struct TagObject {
	int64_t id;
	uint32_t order;        /* arrival, to keep the sort stable */
	uint32_t first, count; /* its names: spans[first .. first + count) */
	bool absent;           /* v4 has no such object */
} TagObject;

struct PodTagVerify {
	const PodTagSource *source;
	TagObject *objects;
	size_t object_count, object_cap;
	StrBuf text;                     /* the names, end to end */
	struct Span { uint32_t off, len; } *spans;
	size_t span_count, span_cap;
	StrList parsed;
};

/* v4's tags, in id order. */
typedef struct V4Tag {
	int64_t id;
	char *name, *slug;
	int64_t count;
	bool protected_;
	ssize_t expected; /* the expected tag it is, or -1 */
	bool matched;
} V4Tag;

typedef struct ExpectedTag {
	const char *name; /* the first spelling */
	ssize_t v4;       /* the v4 tag with its key, or -1 */
} ExpectedTag;

PodTagVerify *pod_tag_verify_begin(const PodTagSource *source)
{
	PodTagVerify *tv = xmalloc(sizeof(*tv));
	memset(tv, 0, sizeof(*tv));
	tv->source = source;
	return tv;
}

static bool parse_id(const PodTagVerify *tv, const char *text, size_t len, int64_t *id)
{
	if (!text || !value_normalize_integer(text, len)) {
		log_error("table %s: %s '%.*s' is not an integer", tv->source->table, tv->source->id_column,
		          text ? (int)len : 4, text ? text : "NULL");
		return false;
	}
	*id = strtoll(text, NULL, 10);
	return true;
}

static bool too_many(const PodTagVerify *tv, size_t len)
{
	if (tv->text.len + len < UINT32_MAX && tv->span_count < UINT32_MAX - 1 && tv->object_count < UINT32_MAX - 1)
		return false;
	log_error("table %s: more tags than verify can hold (4 GB of names, or 4 billion of them)", tv->source->table);
	return true;
}

static bool add_span(PodTagVerify *tv, const char *name, size_t len)
{
	if (too_many(tv, len))
		return false;
	tv->spans = xgrow(tv->spans, tv->span_count, &tv->span_cap, sizeof(*tv->spans));
	tv->spans[tv->span_count++] = (struct Span){(uint32_t)tv->text.len, (uint32_t)len};
	sb_append(&tv->text, name, len);
	tv->objects[tv->object_count - 1].count++;
	return true;
}

static bool new_object(PodTagVerify *tv, int64_t id)
{
	if (too_many(tv, 0))
		return false;
	tv->objects = xgrow(tv->objects, tv->object_count, &tv->object_cap, sizeof(TagObject));
	tv->objects[tv->object_count] =
		(TagObject){id, (uint32_t)tv->object_count, (uint32_t)tv->span_count, 0, false};
	tv->object_count++;
	return true;
}

bool pod_tag_verify_add_string(PodTagVerify *tv, const char *object_id, size_t id_len, const char *names, size_t len)
{
	int64_t id;
	if (!parse_id(tv, object_id, id_len, &id))
		return false;
	if (!new_object(tv, id))
		return false;
	strlist_free(&tv->parsed);
	if (names)
		pod_tags_parse(names, len, &tv->parsed);
	for (size_t i = 0; i < tv->parsed.count; i++)
		if (!add_span(tv, tv->parsed.items[i], strlen(tv->parsed.items[i])))
			return false;
	return true;
}

bool pod_tag_verify_add_name(PodTagVerify *tv, const char *object_id, size_t id_len, const char *name, size_t len)
{
	int64_t id;
	if (!parse_id(tv, object_id, id_len, &id))
		return false;
	if ((!tv->object_count || tv->objects[tv->object_count - 1].id != id) && !new_object(tv, id))
		return false;
	bool ok = true;
	if (name) {
		/* through a tag string and back, as export and import take it */
		StrBuf one = STRBUF_INIT;
		pod_tags_append_name(&one, name, len);
		strlist_free(&tv->parsed);
		pod_tags_parse(one.data, one.len, &tv->parsed);
		for (size_t i = 0; ok && i < tv->parsed.count; i++)
			ok = add_span(tv, tv->parsed.items[i], strlen(tv->parsed.items[i]));
		sb_free(&one);
	}
	return ok;
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

static int by_id(const void *a, const void *b)
{
	const TagObject *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The state of the comparison, once both sides are read. */
typedef struct TagCheck {
	PodTagVerify *tv;
	TableCheck *check;
	int64_t *v4_objects;
	size_t v4_object_count, v4_object_cap;
	V4Tag *v4_tags;
	size_t v4_tag_count, v4_tag_cap;
	ExpectedTag *expected;
	size_t expected_count, expected_cap;
	uint32_t *span_tag; /* per span: its expected tag */
	/* the link walk */
	size_t next_object; /* in tv->objects (sorted) */
	int64_t current;    /* the v4 object whose links are being gathered */
	bool have_current;
	ssize_t *links;     /* expected tag (or -1) of each of its links */
	size_t link_count, link_cap;
	ssize_t *wanted;
	size_t wanted_cap;
	StrBuf key, scratch;
} TagCheck;

static bool has_object(const TagCheck *c, int64_t id)
{
	size_t lo = 0, hi = c->v4_object_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->v4_objects[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->v4_object_count && c->v4_objects[lo] == id;
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

/* Every spelling's key, the expected tags (first spelling, in order of appearance) and v4's tags matched by key. */
static bool match_tags(TagCheck *c, Db *v4)
{
	PodTagVerify *tv = c->tv;
	StrList names = STRLIST_INIT, keys = STRLIST_INIT;
	StrMap seen = {0};
	uint32_t *span_spelling = xmalloc(sizeof(uint32_t) * (tv->span_count + 1));
	for (size_t o = 0; o < tv->object_count; o++) {
		const TagObject *obj = &tv->objects[o];
		for (size_t s = obj->first; !obj->absent && s < obj->first + obj->count; s++) {
			size_t index;
			const char *name = tv->text.data + tv->spans[s].off;
			if (!strmap_get(&seen, name, tv->spans[s].len, &index)) {
				index = names.count;
				char *copy = xstrndup(name, tv->spans[s].len);
				strlist_add(&names, copy);
				free(copy);
				strmap_put(&seen, name, tv->spans[s].len, index);
			}
			span_spelling[s] = (uint32_t)index;
		}
	}
	size_t spellings = names.count;
	for (size_t t = 0; t < c->v4_tag_count; t++)
		strlist_add(&names, c->v4_tags[t].name);
	bool ok = db_iexact_keys(v4, tv->source->tag_table, "name", &names, &keys) && keys.count == names.count;
	StrMap by_key = {0};
	size_t *spelling_tag = xmalloc(sizeof(size_t) * (spellings + 1));
	for (size_t i = 0; ok && i < spellings; i++) {
		size_t index;
		if (!strmap_get(&by_key, keys.items[i], strlen(keys.items[i]), &index)) {
			c->expected = xgrow(c->expected, c->expected_count, &c->expected_cap, sizeof(ExpectedTag));
			index = c->expected_count++;
			c->expected[index] = (ExpectedTag){xstrdup(names.items[i]), -1};
			strmap_put(&by_key, keys.items[i], strlen(keys.items[i]), index);
		}
		spelling_tag[i] = index;
	}
	for (size_t t = 0; ok && t < c->v4_tag_count; t++) {
		const char *key = keys.items[spellings + t];
		size_t index;
		if (!strmap_get(&by_key, key, strlen(key), &index))
			continue;
		if (c->expected[index].v4 >= 0) {
			tag_label(&c->key, "tag", c->v4_tags[t].name);
			c->check->different++;
			note(c, DIFF_DIFFERENT, c->key.data, "name", c->v4_tags[c->expected[index].v4].name,
			     c->v4_tags[t].name, "two tags for one name");
			continue;
		}
		c->expected[index].v4 = (ssize_t)t;
		c->v4_tags[t].expected = (ssize_t)index;
	}
	sb_free(&tv->text); /* the names are not needed past here: the expected tags have their own */
	c->span_tag = xmalloc(sizeof(uint32_t) * (tv->span_count + 1));
	for (size_t o = 0; ok && o < tv->object_count; o++) {
		const TagObject *obj = &tv->objects[o];
		for (size_t s = obj->first; !obj->absent && s < obj->first + obj->count; s++)
			c->span_tag[s] = (uint32_t)spelling_tag[span_spelling[s]];
	}
	if (!ok && keys.count != names.count)
		log_error("%s: the tag names' keys could not be computed", tv->source->tag_table);
	free(span_spelling);
	free(spelling_tag);
	strmap_free(&seen);
	strmap_free(&by_key);
	strlist_free(&names);
	strlist_free(&keys);
	return ok;
}

/* The distinct expected tags of a source object, in c->wanted; returns how many. */
static size_t wanted_tags(TagCheck *c, const TagObject *obj)
{
	size_t n = 0;
	for (size_t s = obj->first; s < obj->first + obj->count; s++) {
		ssize_t t = (ssize_t)c->span_tag[s];
		bool repeated = false;
		for (size_t k = 0; k < n && !repeated; k++)
			repeated = c->wanted[k] == t;
		if (repeated)
			continue;
		c->wanted = xgrow(c->wanted, n, &c->wanted_cap, sizeof(ssize_t));
		c->wanted[n++] = t;
	}
	return n;
}

static void object_label(TagCheck *c, int64_t id)
{
	sb_reset(&c->key);
	sb_printf(&c->key, "%s=%" PRId64, c->tv->source->relation_object_column, id);
}

/* Compares the links gathered for object id with what the source gives it (obj, or NULL). */
static void close_object(TagCheck *c, int64_t id, const TagObject *obj)
{
	TableCheck *t = c->check;
	size_t n = obj ? wanted_tags(c, obj) : 0;
	bool right = true;
	t->compared++;
	for (size_t k = 0; k < n; k++) {
		bool linked = false;
		for (size_t l = 0; l < c->link_count && !linked; l++)
			linked = c->links[l] == c->wanted[k];
		if (!linked) {
			right = false;
			t->missing++;
			object_label(c, id);
			tag_label(&c->scratch, "link to tag", c->expected[c->wanted[k]].name);
			note(c, DIFF_MISSING, c->key.data, NULL, NULL, NULL, c->scratch.data);
		}
	}
	for (size_t l = 0; l < c->link_count; l++) {
		bool wanted = false, repeated = false;
		for (size_t k = 0; k < n && !wanted; k++)
			wanted = c->links[l] == c->wanted[k];
		for (size_t p = 0; p < l && !repeated; p++)
			repeated = c->links[p] == c->links[l];
		if (wanted && !repeated)
			continue;
		right = false;
		t->extra++;
		object_label(c, id);
		note(c, DIFF_EXTRA, c->key.data, NULL, NULL, NULL,
		     repeated ? "a tag linked twice" : c->links[l] < 0 ? "a link to a tag v3 does not give it"
		                                                       : "a link v3 does not give it");
	}
	if (right)
		t->equal++;
	c->link_count = 0;
}

/* Source objects before id (or all, at the end) that have no link in v4. */
static void close_objects_before(TagCheck *c, int64_t id, bool all)
{
	PodTagVerify *tv = c->tv;
	while (c->next_object < tv->object_count && (all || tv->objects[c->next_object].id < id)) {
		const TagObject *obj = &tv->objects[c->next_object++];
		if (obj->absent)
			continue;
		if (obj->count == 0) {
			c->check->compared++;
			c->check->equal++;
			continue;
		}
		c->link_count = 0;
		close_object(c, obj->id, obj);
	}
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

static void finish_current(TagCheck *c)
{
	if (!c->have_current)
		return;
	PodTagVerify *tv = c->tv;
	close_objects_before(c, c->current, false);
	const TagObject *obj = NULL;
	while (c->next_object < tv->object_count && tv->objects[c->next_object].id == c->current) {
		if (!tv->objects[c->next_object].absent && !obj)
			obj = &tv->objects[c->next_object];
		c->next_object++;
	}
	close_object(c, c->current, obj);
	c->have_current = false;
}

static bool take_link(void *ctx, const DbValue *v, size_t ncols)
{
	TagCheck *c = ctx;
	(void)ncols;
	if (stop_requested())
		return false;
	int64_t object, tag;
	value_int64(&v[0], &object);
	value_int64(&v[1], &tag);
	if (c->have_current && object != c->current)
		finish_current(c);
	c->current = object;
	c->have_current = true;
	ssize_t t = v4_tag_index(c, tag);
	c->links = xgrow(c->links, c->link_count, &c->link_cap, sizeof(ssize_t));
	c->links[c->link_count++] = t >= 0 ? c->v4_tags[t].expected : -1;
	return true;
}

/* Each tag: there, named by its first spelling, its slug, its count (the objects the source links), not protected. */
static void check_tag_rows(TagCheck *c, const int64_t *links_per_tag)
{
	TableCheck *t = c->check;
	PodSlugs slugs = {0};
	StrBuf slug = STRBUF_INIT;
	char want[24], got[24];
	for (size_t i = 0; i < c->v4_tag_count; i++) {
		V4Tag *tag = &c->v4_tags[i];
		const ExpectedTag *e = tag->expected >= 0 ? &c->expected[tag->expected] : NULL;
		pod_slugs_next(&slugs, e ? e->name : tag->name, strlen(e ? e->name : tag->name), &slug);
		tag_label(&c->key, "tag", tag->name);
		if (!e) {
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
		int64_t expected_count = links_per_tag[tag->expected];
		if (tag->count != expected_count) {
			right = false;
			snprintf(want, sizeof(want), "%" PRId64, expected_count);
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
		if (c->expected[i].v4 >= 0 || links_per_tag[i] == 0)
			continue;
		tag_label(&c->key, "tag", c->expected[i].name);
		t->missing++;
		note(c, DIFF_MISSING, c->key.data, NULL, NULL, NULL, "a tag v3 gives");
	}
	pod_slugs_free(&slugs);
	sb_free(&slug);
}

bool pod_tag_verify_end(PodTagVerify *tv, Db *v4, TableCheck *check)
{
	const PodTagSource *src = tv->source;
	TagCheck c = {.tv = tv, .check = check};
	if (tv->object_count)
		qsort(tv->objects, tv->object_count, sizeof(TagObject), by_id);
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT id FROM ");
	db_quote_ident(v4, &sql, src->object_table);
	sb_puts(&sql, " ORDER BY id");
	bool ok = db_query(v4, sql.data, keep_object, &c);
	sb_reset(&sql);
	sb_puts(&sql, "SELECT id, name, slug, count, protected FROM ");
	db_quote_ident(v4, &sql, src->tag_table);
	sb_puts(&sql, " ORDER BY id");
	ok = ok && db_query(v4, sql.data, keep_tag, &c);
	for (size_t o = 0; ok && o < tv->object_count; o++) {
		TagObject *obj = &tv->objects[o];
		obj->absent = !has_object(&c, obj->id);
		if (obj->absent) {
			object_label(&c, obj->id);
			table_check_account(check, ACCOUNT_SKIPPED, c.key.data);
		}
		else if (o > 0 && tv->objects[o - 1].id == obj->id && !tv->objects[o - 1].absent) {
			object_label(&c, obj->id);
			check->different++;
			note(&c, DIFF_DIFFERENT, c.key.data, src->id_column, NULL, NULL, "a second row for one object");
			obj->absent = true;
		}
	}
	ok = ok && match_tags(&c, v4);
	int64_t *links_per_tag = NULL;
	if (ok) {
		/* what each expected tag's count must be: the present objects that carry it */
		links_per_tag = xmalloc(sizeof(int64_t) * (c.expected_count + 1));
		memset(links_per_tag, 0, sizeof(int64_t) * (c.expected_count + 1));
		for (size_t o = 0; o < tv->object_count; o++) {
			if (tv->objects[o].absent)
				continue;
			size_t n = wanted_tags(&c, &tv->objects[o]);
			for (size_t k = 0; k < n; k++)
				links_per_tag[c.wanted[k]]++;
		}
		sb_reset(&sql);
		sb_puts(&sql, "SELECT ");
		db_quote_ident(v4, &sql, src->relation_object_column);
		sb_puts(&sql, ", ");
		db_quote_ident(v4, &sql, src->relation_tag_column);
		sb_puts(&sql, " FROM ");
		db_quote_ident(v4, &sql, src->relation_table);
		sb_puts(&sql, " ORDER BY 1, 2");
		ok = db_query(v4, sql.data, take_link, &c);
	}
	if (ok) {
		finish_current(&c);
		close_objects_before(&c, 0, true);
		check_tag_rows(&c, links_per_tag);
	}
	free(links_per_tag);
	for (size_t i = 0; i < c.v4_tag_count; i++) {
		free(c.v4_tags[i].name);
		free(c.v4_tags[i].slug);
	}
	for (size_t i = 0; i < c.expected_count; i++)
		free((char *)c.expected[i].name);
	free(c.v4_tags);
	free(c.v4_objects);
	free(c.expected);
	free(c.span_tag);
	free(c.links);
	free(c.wanted);
	sb_free(&c.key);
	sb_free(&c.scratch);
	sb_free(&sql);
	pod_tag_verify_abort(tv);
	return ok;
}
