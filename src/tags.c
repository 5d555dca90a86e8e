#include "tags.h"

#include <string.h>

void tags_append_name(StrBuf *tag_string, const char *name, size_t len)
{
	if (tag_string->len)
		sb_putc(tag_string, ',');
	bool needs_quotes = false;
	for (size_t i = 0; i < len && !needs_quotes; i++)
		needs_quotes = name[i] == ',' || name[i] == '"' || name[i] == ' ';
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
