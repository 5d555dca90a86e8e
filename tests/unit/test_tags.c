#include "unit.h"

#include "pod_tags.h"

static const char *join(const char *const *names)
{
	static StrBuf sb;
	sb_reset(&sb);
	for (; *names; names++)
		pod_tags_append_name(&sb, *names, strlen(*names));
	return sb.data ? sb.data : "";
}

void test_tags(void)
{
	CHECK_STR(join((const char *const[]){"python", "django", NULL}), "python,django");
	/* alone, a multi-word name would be split on spaces by tagulous: quote it */
	CHECK_STR(join((const char *const[]){"machine learning", NULL}), "\"machine learning\"");
	CHECK_STR(join((const char *const[]){"a,b", "c", NULL}), "\"a,b\",c");
	CHECK_STR(join((const char *const[]){"say \"hi\"", NULL}), "\"say \"\"hi\"\"\"");
	CHECK_STR(join((const char *const[]){"\xc3\xa9t\xc3\xa9", "x", NULL}), "\xc3\xa9t\xc3\xa9,x");
}
