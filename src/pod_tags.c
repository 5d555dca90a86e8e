#include "pod_tags.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define SLUG_MAX_LENGTH 50     /* tagulous' default TAGULOUS_SLUG_MAX_LENGTH */
#define SLUG_TRUNCATE_UNIQUE 5 /* TAGULOUS_SLUG_TRUNCATE_UNIQUE: room for "_N" */

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void pod_tags_append_name(StrBuf *tag_string, const char *name, size_t len)
{
	if (tag_string->len)
		sb_putc(tag_string, ',');
	bool needs_quotes = false;
	for (size_t i = 0; i < len && !needs_quotes; i++)
		needs_quotes = name[i] == ',' || name[i] == '"' || is_blank(name[i]);
	if (!needs_quotes) {
		sb_append(tag_string, name, len);
		return;
	}
	sb_putc(tag_string, '"');
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '"')
			sb_putc(tag_string, '"');
		sb_putc(tag_string, name[i]);
	}
	sb_putc(tag_string, '"');
}

void pod_tags_parse(const char *s, size_t len, StrList *names)
{
	StrBuf name = STRBUF_INIT;
	size_t i = 0;
	while (i <= len) {
		sb_reset(&name);
		while (i < len && is_blank(s[i]))
			i++;
		bool quoted = i < len && s[i] == '"';
		if (quoted) {
			for (i++; i < len; i++) {
				if (s[i] == '"') {
					if (i + 1 < len && s[i + 1] == '"') {
						sb_putc(&name, '"');
						i++;
						continue;
					}
					i++;
					break;
				}
				if (s[i])
					sb_putc(&name, s[i]);
			}
		}
		/* unquoted text, or what follows a closing quote, up to the next comma */
		for (; i < len && s[i] != ','; i++)
			if (s[i] && (quoted || name.len || !is_blank(s[i]))) /* blanks after a NUL are leading too */
				sb_putc(&name, s[i]);
		size_t end = name.len;
		while (end > 0 && is_blank(name.data[end - 1]))
			end--;
		if (end > 0) {
			name.data[end] = '\0';
			strlist_add(names, name.data);
		}
		i++; /* the comma, or past the end */
	}
	sb_free(&name);
}

/* What Python's re \s matches among ASCII characters (str.isspace). */
static bool is_python_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool is_word(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

void pod_tags_slugify(const char *name, size_t len, StrBuf *slug)
{
	utf8proc_uint8_t *decomposed = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)name, (utf8proc_ssize_t)len, &decomposed,
	                                  UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
	const unsigned char *src = n >= 0 ? decomposed : (const unsigned char *)name;
	size_t src_len = n >= 0 ? (size_t)n : len;
	size_t start = slug->len;
	bool in_separator_run = false;
	for (size_t i = 0; i < src_len; i++) {
		unsigned char c = src[i];
		if (c >= 0x80)
			continue; /* not ASCII after NFKD: dropped */
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c == '-' || is_python_space(c)) {
			in_separator_run = true;
			continue;
		}
		if (!is_word(c))
			continue; /* removed before runs are collapsed: "a - . - b" is "a-b" */
		if (in_separator_run)
			sb_putc(slug, '-');
		in_separator_run = false;
		sb_putc(slug, (char)c);
	}
	free(decomposed);
	/* leading separators were never written; strip '-' and '_' at both ends */
	size_t lead = start;
	while (lead < slug->len && (slug->data[lead] == '_' || slug->data[lead] == '-'))
		lead++;
	size_t end = slug->len;
	while (end > lead && (slug->data[end - 1] == '_' || slug->data[end - 1] == '-'))
		end--;
	memmove(slug->data + start, slug->data + lead, end - lead);
	slug->len = start + (end - lead);
	if (slug->len == start)
		sb_putc(slug, '_');
	slug->data[slug->len] = '\0';
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

/* FNV-1a: the slugs are short, the table only needs them spread. */
static uint64_t slug_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

const char *pod_slugs_at(const PodSlugs *s, size_t i, size_t *len)
{
	size_t end = i + 1 < s->count ? s->starts[i + 1] - 1 : s->arena.len;
	*len = end - s->starts[i];
	return s->arena.data + s->starts[i];
}

/* The slot of slug: the one holding it, else the empty one where it would go. */
static uint32_t *slug_slot(const PodSlugs *s, const char *slug, size_t len)
{
	size_t mask = s->slot_count - 1;
	for (size_t j = (size_t)slug_hash(slug, len) & mask;; j = (j + 1) & mask) {
		if (!s->slots[j])
			return &s->slots[j];
		size_t got_len;
		const char *got = pod_slugs_at(s, s->slots[j] - 1, &got_len);
		if (got_len == len && !memcmp(got, slug, len))
			return &s->slots[j];
	}
}

static bool slug_used(const PodSlugs *s, const char *slug, size_t len)
{
	return s->slot_count && *slug_slot(s, slug, len);
}

/* Keeps slug (not yet used) as the next one given; the table stays under half full. */
static void add_slug(PodSlugs *s, const char *slug, size_t len)
{
	if (s->count >= UINT32_MAX - 1)
		abort(); /* 4 G tags: out of memory long before */
	s->starts = xgrow(s->starts, s->count, &s->cap, sizeof(size_t));
	if (s->count)
		sb_putc(&s->arena, '\0');
	s->starts[s->count++] = s->arena.len;
	sb_append(&s->arena, slug, len);
	if (s->count * 2 > s->slot_count) {
		free(s->slots);
		s->slot_count = s->slot_count ? s->slot_count * 2 : 1024;
		s->slots = xmalloc(sizeof(uint32_t) * s->slot_count);
		memset(s->slots, 0, sizeof(uint32_t) * s->slot_count);
		for (size_t i = 0; i < s->count; i++) {
			size_t l;
			const char *g = pod_slugs_at(s, i, &l);
			*slug_slot(s, g, l) = (uint32_t)(i + 1);
		}
	} else {
		*slug_slot(s, slug, len) = (uint32_t)s->count;
	}
}

void pod_slugs_next(PodSlugs *s, const char *name, size_t len, StrBuf *slug)
{
	sb_reset(&s->full);
	pod_tags_slugify(name, len, &s->full);
	const StrBuf *full = &s->full;
	sb_reset(slug);
	sb_append(slug, full->data, full->len < SLUG_MAX_LENGTH ? full->len : SLUG_MAX_LENGTH);
	if (slug_used(s, slug->data, slug->len)) {
		size_t base_len = full->len < SLUG_MAX_LENGTH - SLUG_TRUNCATE_UNIQUE ? full->len
		                                                                    : SLUG_MAX_LENGTH - SLUG_TRUNCATE_UNIQUE;
		size_t n = 0;
		strmap_get(&s->highest, full->data, base_len, &n);
		sb_reset(slug);
		sb_append(slug, full->data, base_len);
		sb_printf(slug, "_%zu", n + 1);
	}
	add_slug(s, slug->data, slug->len);
	size_t base = numbered_base(slug->data, slug->len);
	if (base) {
		size_t n = (size_t)strtoull(slug->data + base + 1, NULL, 10), old = 0;
		if (!strmap_get(&s->highest, slug->data, base, &old) || n > old)
			strmap_put(&s->highest, slug->data, base, n);
	}
}

void pod_slugs_free(PodSlugs *s)
{
	sb_free(&s->arena);
	free(s->starts);
	free(s->slots);
	s->starts = NULL;
	s->slots = NULL;
	s->count = s->cap = s->slot_count = 0;
	strmap_free(&s->highest);
	sb_free(&s->full);
}
