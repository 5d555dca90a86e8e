/* Helpers shared by the backends (not used by the commands). */
#ifndef PODMIGRATE_DB_COMMON_H
#define PODMIGRATE_DB_COMMON_H

#include "strbuf.h"

/* "name" with embedded quotes doubled: the SQL standard form (PostgreSQL, SQLite). */
void quote_ident_double(StrBuf *sb, const char *name);
/* 'text' with embedded quotes doubled (no backslash escapes). */
void quote_literal_standard(StrBuf *sb, const char *text);
/* Shortest decimal text that reads back as the same double (like Python's repr). */
void format_double_shortest(StrBuf *sb, double value);

#endif
