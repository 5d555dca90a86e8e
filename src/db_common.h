/* Helpers shared by the backends (not used by the commands). */
#ifndef PODMIGRATE_DB_COMMON_H
#define PODMIGRATE_DB_COMMON_H

#include "db.h"
#include "strbuf.h"

/* "name" with embedded quotes doubled: the SQL standard form (PostgreSQL, SQLite). */
void quote_ident_double(StrBuf *sb, const char *name);
/* 'text' with embedded quotes doubled (no backslash escapes). */
void quote_literal_standard(StrBuf *sb, const char *text);
/* Shortest decimal text that reads back as the same double (like Python's repr). */
void format_double_shortest(StrBuf *sb, double value);

/* Row callback adding the first column's text (if not NULL) to a StrList. */
bool collect_first_column_text(void *ctx, const DbValue *values, size_t ncols);

/* DbOps.iexact_keys for engines that compute each name's key alone with key_of. */
bool iexact_keys_each(Db *db, const StrList *names, StrList *keys,
                      bool (*key_of)(Db *db, const char *name, size_t len, StrBuf *key));

/* Backends embed a DbLoader first in their loader struct and set it up with this. */
void db_loader_init(DbLoader *loader, Db *db, const char *table, const DbColumns *columns);

/* "INSERT INTO t (c1, c2, ...) VALUES " with the engine's identifier quoting. */
void build_insert_head(StrBuf *sb, void (*quote_ident)(StrBuf *, const char *), const char *table,
                       const DbColumns *columns);

#endif
