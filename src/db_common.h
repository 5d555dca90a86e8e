/* Number text shared by the database engines and values.c (no database types needed). */
#ifndef PODMIGRATE_DB_COMMON_H
#define PODMIGRATE_DB_COMMON_H

#include "strbuf.h"

/* Shortest decimal text that reads back as the same double (like Python's repr). */
void format_double_shortest(StrBuf *sb, double value);

#endif
