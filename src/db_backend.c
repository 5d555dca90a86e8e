#include "db_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void quote_doubling(StrBuf *sb, const char *text, char quote)
{
	sb_putc(sb, quote);
	for (const char *p = text; *p; p++) {
		if (*p == quote)
			sb_putc(sb, quote);
		sb_putc(sb, *p);
	}
	sb_putc(sb, quote);
}

void quote_ident_double(StrBuf *sb, const char *name) { quote_doubling(sb, name, '"'); }

void quote_literal_standard(StrBuf *sb, const char *text) { quote_doubling(sb, text, '\''); }

void append_column_names(StrBuf *sb, void (*quote_ident)(StrBuf *, const char *), const DbColumns *columns)
{
	for (size_t i = 0; i < columns->count; i++) {
		if (i)
			sb_puts(sb, ", ");
		quote_ident(sb, columns->items[i].name);
	}
}

void build_insert_head(StrBuf *sb, void (*quote_ident)(StrBuf *, const char *), const char *table,
                       const DbColumns *columns)
{
	sb_puts(sb, "INSERT INTO ");
	quote_ident(sb, table);
	sb_puts(sb, " (");
	append_column_names(sb, quote_ident, columns);
	sb_puts(sb, ") VALUES ");
}

bool iexact_keys_each(Db *db, const StrList *names, StrList *keys,
                      bool (*key_of)(Db *db, const char *name, size_t len, StrBuf *key))
{
	StrBuf key = STRBUF_INIT;
	bool ok = true;
	for (size_t i = 0; i < names->count && ok; i++) {
		sb_reset(&key);
		ok = key_of(db, names->items[i], strlen(names->items[i]), &key);
		if (ok)
			strlist_add(keys, key.data ? key.data : "");
	}
	sb_free(&key);
	return ok;
}

bool collect_first_column_text(void *ctx, const DbValue *values, size_t ncols)
{
	(void)ncols;
	if (values[0].data) {
		/* the engines do not all end a value with NUL */
		char *text = xstrndup(values[0].data, values[0].len);
		strlist_add(ctx, text);
		free(text);
	}
	return true;
}
