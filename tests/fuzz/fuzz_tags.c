/*
 * Tag strings: pod_tags_parse, pod_tags_append_name, pod_tags_slugify. The promise is
 * that no name is ever split or merged: the names parsed from any string,
 * joined again and parsed again, are the same list; and any one name that
 * parsing can give comes back whole from its own quoting. A slug is never
 * empty, only [a-z0-9_-], and slugifying it again changes nothing.
 */
#include "log.h"
#include "pod_tags.h"

#include "fuzz.h"

#include <stdint.h>
#include <string.h>

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void check_slug(const char *name, size_t len)
{
	/* appended to what the buffer holds, which stays as it was */
	StrBuf slug = STRBUF_INIT;
	sb_puts(&slug, "prefix:");
	pod_tags_slugify(name, len, &slug);
	FUZZ_ASSERT(strncmp(slug.data, "prefix:", 7) == 0);
	const char *s = slug.data + 7;
	size_t n = slug.len - 7;
	FUZZ_ASSERT(n > 0 && strlen(s) == n);
	for (size_t i = 0; i < n; i++)
		FUZZ_ASSERT((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		            s[i] == '-');
	FUZZ_ASSERT(n == 1 || (s[0] != '-' && s[0] != '_' && s[n - 1] != '-' && s[n - 1] != '_'));
	FUZZ_ASSERT(!strstr(s, "--"));
	StrBuf again = STRBUF_INIT;
	pod_tags_slugify(s, n, &again);
	FUZZ_ASSERT(again.len == n && memcmp(again.data, s, n) == 0);
	sb_free(&again);
	sb_free(&slug);
}

static void join(const StrList *names, StrBuf *out)
{
	sb_reset(out);
	for (size_t i = 0; i < names->count; i++)
		pod_tags_append_name(out, names->items[i], strlen(names->items[i]));
}

static bool same_names(const StrList *a, const StrList *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return false;
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	log_set_level(LOG_SILENT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so that ASan sees any read past len */
	char *s = malloc(size ? size : 1);
	memcpy(s, data, size);

	StrList names = STRLIST_INIT;
	pod_tags_parse(s, size, &names);
	for (size_t i = 0; i < names.count; i++) {
		const char *name = names.items[i];
		size_t n = strlen(name);
		FUZZ_ASSERT(n > 0 && !is_blank(name[n - 1])); /* trimmed, empty ones dropped */
		check_slug(name, n);
		/* one name alone comes back whole */
		StrBuf one = STRBUF_INIT;
		pod_tags_append_name(&one, name, n);
		StrList back = STRLIST_INIT;
		pod_tags_parse(one.data, one.len, &back);
		FUZZ_ASSERT(back.count == 1 && strcmp(back.items[0], name) == 0);
		strlist_free(&back);
		sb_free(&one);
	}

	StrBuf joined = STRBUF_INIT;
	join(&names, &joined);
	StrList again = STRLIST_INIT;
	pod_tags_parse(joined.data ? joined.data : "", joined.len, &again);
	FUZZ_ASSERT(same_names(&names, &again));
	StrBuf rejoined = STRBUF_INIT;
	join(&again, &rejoined);
	FUZZ_ASSERT(rejoined.len == joined.len && (joined.len == 0 || memcmp(rejoined.data, joined.data, joined.len) == 0));

	/* any bytes, valid UTF-8 or not, give a clean slug */
	check_slug(s, size);

	sb_free(&rejoined);
	strlist_free(&again);
	sb_free(&joined);
	strlist_free(&names);
	free(s);
	return 0;
}
