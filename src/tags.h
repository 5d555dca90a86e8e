/* Tag strings as django-tagulous reads and writes them. */
#ifndef PODMIGRATE_TAGS_H
#define PODMIGRATE_TAGS_H

#include "strbuf.h"

/*
 * Appends one tag name to a tag string: names are joined by ',', and a name
 * holding a comma, a double quote or a space is quoted ("a,b", "" for a
 * quote) so that tagulous never splits or merges it, even when it is the only
 * name (tagulous splits a comma-less string on spaces).
 */
void tags_append_name(StrBuf *tag_string, const char *name, size_t len);

#endif
