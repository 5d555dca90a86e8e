/* Bugs the fuzzers found (tests/fuzz/), one check each, beside their inputs in tests/fuzz/regressions/. */
#include "unit.h"

#include "tags.h"

/* The names of a tag string, joined by '|' for comparison. */
static const char *parsed(const char *s, size_t len)
{
	static StrBuf sb;
	StrList names = STRLIST_INIT;
	tags_parse(s, len, &names);
	sb_reset(&sb);
	for (size_t i = 0; i < names.count; i++) {
		if (i)
			sb_putc(&sb, '|');
		sb_puts(&sb, names.items[i]);
	}
	strlist_free(&names);
	return sb.data ? sb.data : "";
}

static const char *quoted(const char *name)
{
	static StrBuf sb;
	sb_reset(&sb);
	tags_append_name(&sb, name, strlen(name));
	return sb.data;
}

void test_fuzz_regressions(void)
{
	/* tags/nul-gives-empty-name: "\0:\0:" gave one empty name (a NUL ended it) */
	CHECK_STR(parsed("\0:\0:", 4), "::");
	CHECK_STR(parsed("a\0b, \0 c", 8), "ab|c");
	CHECK_STR(parsed("\0\0", 2), "");

	/* tags/leading-blank-lost: a name with a leading tab or newline lost it when quoted and parsed again */
	CHECK_STR(parsed("\"\ta\",b", 6), "\ta|b");
	CHECK_STR(quoted("\ta"), "\"\ta\"");
	CHECK_STR(quoted("a\nb"), "\"a\nb\"");
	CHECK_STR(parsed(quoted("\ta"), strlen(quoted("\ta"))), "\ta");
	/* "\0\0\n\v": the blank after the NULs is leading, the vertical tab is not a blank */
	CHECK_STR(parsed("\0\0\n\v", 4), "\v");
}
