/* Growable byte buffer; always NUL-terminated so it can be used as a C string. */
#ifndef PODMIGRATE_STRBUF_H
#define PODMIGRATE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct StrBuf {
	char *data;
	size_t len;
	size_t cap;
} StrBuf;

#define STRBUF_INIT {NULL, 0, 0}

void sb_reserve(StrBuf *sb, size_t extra);
void sb_append(StrBuf *sb, const char *data, size_t len);
void sb_puts(StrBuf *sb, const char *s);
void sb_putc(StrBuf *sb, char c);
void sb_printf(StrBuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Decimal text of v, without printf (hot path of every export). */
void sb_append_int64(StrBuf *sb, long long v);
/* The shortest decimal text that reads back as the same double (like Python's repr). */
void sb_append_double(StrBuf *sb, double value);
void sb_reset(StrBuf *sb);
void sb_free(StrBuf *sb);
/* Returns the buffer's string (never NULL) and leaves the buffer empty. */
char *sb_steal(StrBuf *sb);

/* A list of owned strings. */
typedef struct StrList {
	char **items;
	size_t count;
	size_t cap;
} StrList;

#define STRLIST_INIT {NULL, 0, 0}

void strlist_add(StrList *list, const char *s);
bool strlist_contains(const StrList *list, const char *s);
void strlist_free(StrList *list);

/* Memory helpers that abort on exhaustion: there is no sane recovery. */
void *xmalloc(size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Frees a string that holds a secret (a password, a connection string), overwritten first; NULL is fine. */
void xfree_secret(char *s);
/*
 * Makes room for one more item in an array of *cap items of size bytes,
 * doubling (a growth by one item is quadratic where realloc copies).
 */
void *xgrow(void *items, size_t count, size_t *cap, size_t size);

#endif
