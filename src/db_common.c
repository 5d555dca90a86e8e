#include "db_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quote_with(StrBuf *sb, const char *text, char quote)
{
	sb_putc(sb, quote);
	for (const char *p = text; *p; p++) {
		if (*p == quote)
			sb_putc(sb, quote);
		sb_putc(sb, *p);
	}
	sb_putc(sb, quote);
}

void quote_ident_double(StrBuf *sb, const char *name) { quote_with(sb, name, '"'); }

void quote_literal_standard(StrBuf *sb, const char *text) { quote_with(sb, text, '\''); }

void format_double_shortest(StrBuf *sb, double value)
{
	char buf[40];
	for (int precision = 15; precision <= 17; precision++) {
		snprintf(buf, sizeof(buf), "%.*g", precision, value);
		if (strtod(buf, NULL) == value)
			break;
	}
	sb_puts(sb, buf);
}
