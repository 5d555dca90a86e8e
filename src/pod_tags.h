/* Tag strings as django-tagulous reads and writes them. */
#ifndef PODMIGRATE_POD_TAGS_H
#define PODMIGRATE_POD_TAGS_H

#include "strbuf.h"
#include "strmap.h"

#include <stdint.h>

/*
 * Appends one tag name to a tag string: names are joined by ',', and a name
 * holding a comma, a double quote or a blank (space, tab, CR, LF) is quoted
 * ("a,b", "" for a quote) so that tagulous never splits or merges it, even
 * when it is the only name (tagulous splits a comma-less string on spaces),
 * and a leading blank is kept.
 */
void pod_tags_append_name(StrBuf *tag_string, const char *name, size_t len);

/*
 * Splits a tag string into names: comma-separated items, each optionally
 * quoted tagulous-style ("a,b"; "" for a quote inside quotes), trimmed, empty
 * ones dropped. Spaces never split a name (tagulous would split a lone
 * "machine learning" in two; upstream's files never quote). Leading blanks
 * inside quotes are kept. NUL bytes are dropped: a name is a C string
 * (import refuses them before).
 */
void pod_tags_parse(const char *s, size_t len, StrList *names);

/*
 * The slug tagulous 2.1 gives a name, before any clash: Django's slugify
 * without Unicode (NFKD, non-ASCII dropped, lowercased, only word characters,
 * spaces and hyphens kept, runs of spaces/hyphens made one '-', '-' and '_'
 * stripped at both ends), "_" when nothing is left. Not cut to length.
 */
void pod_tags_slugify(const char *name, size_t len, StrBuf *slug);

/*
 * The slugs tagulous gives tags created one after the other (in id order):
 * the slugified name cut to 50; if taken, the slug cut to 45 plus "_N", N one
 * more than the highest number already used with that base. {0} is empty.
 */
typedef struct PodSlugs {
	/* every slug given, end to end, each followed by a NUL: about 20 bytes a tag with the index */
	StrBuf arena;
	size_t *starts; /* slug i begins at arena.data + starts[i] */
	size_t count, cap;
	uint32_t *slots; /* open addressing over the slugs given: i + 1, 0 for none */
	size_t slot_count;
	StrMap highest; /* base -> highest N used in "base_N" */
	StrBuf full;
} PodSlugs;

/* The next tag's slug, in slug (reset first). */
void pod_slugs_next(PodSlugs *slugs, const char *name, size_t len, StrBuf *slug);
/* The slug given by the i-th call of pod_slugs_next, valid until pod_slugs_free. */
const char *pod_slugs_at(const PodSlugs *slugs, size_t i, size_t *len);
void pod_slugs_free(PodSlugs *slugs);

#endif
