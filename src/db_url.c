#include "db_url.h"

#include "log.h"
#include "strbuf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/*
 * URL parts may be percent-encoded (a password with '@' or '/'). A NUL would
 * silently cut the part in every C API, so it is refused, as libpq does.
 */
static bool percent_decode(const char *s, size_t n, const char *part, char **out)
{
	StrBuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
			sb_putc(&sb, (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
			i += 2;
		} else {
			sb_putc(&sb, s[i]);
		}
	}
	size_t len = sb.len;
	*out = sb_steal(&sb);
	if (strlen(*out) == len)
		return true;
	log_error("the %s in the connection URL holds a NUL character (%%00)", part);
	return false;
}

/* Where the secrets of a connection string are: one place decides, for messages and argv alike. */
typedef struct Spans {
	struct Span {
		size_t start, len;
	} *items;
	size_t count, cap;
} Spans;

static void add_span(Spans *spans, const char *text, const char *from, const char *to)
{
	spans->items = xgrow(spans->items, spans->count, &spans->cap, sizeof(*spans->items));
	spans->items[spans->count++] = (struct Span){(size_t)(from - text), (size_t)(to - from)};
}

/* "password=VALUE" parameters of a URL query (separated by '&'), wherever the query starts. */
static void query_spans(Spans *spans, const char *text, const char *from)
{
	for (const char *p = from; (p = strstr(p, "password=")) != NULL; p++) {
		if (p == from || (p[-1] != '?' && p[-1] != '&'))
			continue;
		const char *value = p + strlen("password=");
		const char *amp = strchr(value, '&');
		add_span(spans, text, value, amp ? amp : value + strlen(value));
	}
}

/* "password = VALUE" in a libpq keyword string, VALUE quoted or not. */
static void keyword_spans(Spans *spans, const char *text)
{
	for (const char *p = text; (p = strstr(p, "password")) != NULL;) {
		const char *q = p + strlen("password");
		bool at_word_start = p == text || isspace((unsigned char)p[-1]);
		while (isspace((unsigned char)*q))
			q++;
		if (*q != '=' || !at_word_start) {
			p = q;
			continue;
		}
		for (q++; isspace((unsigned char)*q);)
			q++;
		const char *value = q;
		if (*q == '\'') {
			for (q++; *q && *q != '\''; q++)
				if (*q == '\\' && q[1])
					q++;
			if (*q)
				q++;
		} else {
			while (*q && !isspace((unsigned char)*q))
				q++;
		}
		add_span(spans, text, value, q);
		p = q;
	}
}

static int by_start(const void *a, const void *b)
{
	const struct Span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * For messages and argv, masking too much is harmless and too little is a
 * leak: in a URL, everything from the first ':' of the authority to the last
 * '@' (the parser's user-info, or more when a query holds an '@'), and every
 * password= parameter. Overlapping spans are merged.
 */
static Spans secret_spans(const char *text)
{
	Spans spans = {0};
	if (starts_with(text, "sqlite:"))
		return spans;
	const char *scheme_end = strstr(text, "://");
	if (scheme_end) {
		const char *auth = scheme_end + 3;
		const char *at = strrchr(auth, '@');
		const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon)
			add_span(&spans, text, colon + 1, at);
		query_spans(&spans, text, auth);
	} else if (strchr(text, '=')) {
		keyword_spans(&spans, text);
	} else {
		/* a form we do not know (a mistyped scheme): hide what may be user-info */
		const char *at = strrchr(text, '@');
		const char *colon = strchr(text, ':');
		if (at)
			add_span(&spans, text, colon && colon < at ? colon + 1 : text, at);
	}
	if (spans.count > 1)
		qsort(spans.items, spans.count, sizeof(*spans.items), by_start);
	size_t merged = 0;
	for (size_t i = 0; i < spans.count; i++) {
		struct Span *last = merged ? &spans.items[merged - 1] : NULL;
		size_t end = spans.items[i].start + spans.items[i].len;
		if (last && spans.items[i].start <= last->start + last->len) {
			if (end > last->start + last->len)
				last->len = end - last->start;
		} else {
			spans.items[merged++] = spans.items[i];
		}
	}
	spans.count = merged;
	return spans;
}

char *db_url_redact(const char *text)
{
	Spans spans = secret_spans(text);
	StrBuf sb = STRBUF_INIT;
	size_t pos = 0;
	for (size_t i = 0; i < spans.count; i++) {
		sb_append(&sb, text + pos, spans.items[i].start - pos);
		sb_puts(&sb, "***");
		pos = spans.items[i].start + spans.items[i].len;
	}
	sb_puts(&sb, text + pos);
	free(spans.items);
	return sb_steal(&sb);
}

void db_url_hide_in_place(char *text)
{
	Spans spans = secret_spans(text);
	for (size_t i = 0; i < spans.count; i++)
		memset(text + spans.items[i].start, 'x', spans.items[i].len);
	free(spans.items);
}

static bool parse_mysql(const char *rest, DbUrl *url)
{
	/* rest = [user[:password]@]host[:port][/database][?socket=PATH], user-info up to the last '@' */
	const char *at = strrchr(rest, '@');
	const char *host = at ? at + 1 : rest;
	const char *query = strchr(host, '?');
	const char *end = query ? query : host + strlen(host);
	const char *slash = memchr(host, '/', (size_t)(end - host));
	const char *hostpart_end = slash ? slash : end;
	if (at) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		const char *user_end = colon ? colon : at;
		if (!percent_decode(rest, (size_t)(user_end - rest), "user", &url->user) ||
		    (colon && !percent_decode(colon + 1, (size_t)(at - colon - 1), "password", &url->password)))
			return false;
	}
	size_t host_len = (size_t)(hostpart_end - host);
	const char *port;
	const char *host_end;
	if (host_len && host[0] == '[') { /* [IPv6]:port */
		const char *close = memchr(host, ']', host_len);
		if (!close) {
			log_error("unclosed '[' in the host of connection URL %s", url->redacted);
			return false;
		}
		url->host = xstrndup(host + 1, (size_t)(close - host - 1));
		port = close + 1 < hostpart_end && close[1] == ':' ? close + 1 : NULL;
		host_end = close + 1;
	} else {
		port = memchr(host, ':', host_len);
		host_end = port ? port : hostpart_end;
		if (host_end > host && !percent_decode(host, (size_t)(host_end - host), "host", &url->host))
			return false;
	}
	if (port) {
		char *endp;
		long v = strtol(port + 1, &endp, 10);
		if (endp != hostpart_end || v <= 0 || v > 65535) {
			log_error("invalid port in connection URL %s", url->redacted);
			return false;
		}
		url->port = (unsigned)v;
	}
	if (slash && slash + 1 < end &&
	    !percent_decode(slash + 1, (size_t)(end - slash - 1), "database name", &url->database))
		return false;
	for (const char *q = query ? query + 1 : ""; *q;) {
		const char *amp = strchr(q, '&');
		size_t n = amp ? (size_t)(amp - q) : strlen(q);
		bool socket = starts_with(q, "socket=") && n > 7;
		bool defaults = starts_with(q, "read_default_file=") && n > 18;
		if (!socket && !defaults) {
			log_error("unknown parameter '%.*s' in connection URL %s (known: socket=PATH, read_default_file=PATH)",
			          (int)n, q, url->redacted);
			return false;
		}
		char **part = socket ? &url->socket : &url->defaults_file;
		size_t skip = socket ? 7 : 18;
		free(*part);
		if (!percent_decode(q + skip, n - skip, socket ? "socket path" : "option file path", part))
			return false;
		q += n + (amp ? 1 : 0);
	}
	if (!url->database) {
		log_error("connection URL %s names no database (mysql://user@host:port/DATABASE)", url->redacted);
		return false;
	}
	return true;
}

/*
 * libpq ends the user-info at the first '@' or '/': a raw '@' or '/' in a
 * password would be misread, and parts of it shown in libpq's messages.
 */
static bool check_pg_userinfo(const DbUrl *url, const char *text)
{
	const char *auth = strstr(text, "://") + 3;
	size_t host_len = strcspn(auth, "/?");
	const char *first_at = memchr(auth, '@', host_len);
	const char *query = strchr(auth, '?');
	char raw = 0;
	if (first_at && memchr(first_at + 1, '@', host_len - (size_t)(first_at + 1 - auth)))
		raw = '@';
	else if (!first_at && auth[host_len] == '/') {
		const char *later_at = strchr(auth + host_len, '@');
		if (later_at && (!query || later_at < query))
			raw = '/';
	}
	if (!raw)
		return true;
	log_error("the user-info of connection URL %s holds a raw '%c': percent-encode it (%s), or leave the "
	          "password out of the URL (PGPASSWORD, ~/.pgpass)", url->redacted, raw, raw == '@' ? "%40" : "%2F");
	return false;
}

bool db_url_parse(const char *text, DbUrl *url)
{
	memset(url, 0, sizeof(*url));
	url->redacted = db_url_redact(text);
	if (starts_with(text, "mysql://") || starts_with(text, "mariadb://")) {
		url->engine = DB_ENGINE_MYSQL;
		return parse_mysql(strstr(text, "://") + 3, url);
	}
	if (starts_with(text, "postgresql://") || starts_with(text, "postgres://")) {
		url->engine = DB_ENGINE_PGSQL;
		url->conninfo = xstrdup(text);
		return check_pg_userinfo(url, text);
	}
	if (starts_with(text, "sqlite:")) {
		const char *path = text + strlen("sqlite:");
		if (starts_with(path, "//"))
			path += 2; /* sqlite:///abs/path and sqlite://rel/path */
		url->engine = DB_ENGINE_SQLITE;
		if (!*path) {
			log_error("connection string '%s' names no file (sqlite:PATH)", text);
			return false;
		}
		url->path = xstrdup(path);
		return true;
	}
	if (strchr(text, '=') && !strstr(text, "://")) {
		/* a libpq keyword string: "host=... dbname=..." */
		url->engine = DB_ENGINE_PGSQL;
		url->conninfo = xstrdup(text);
		return true;
	}
	log_error("cannot tell the database engine of '%s': use mysql://, mariadb://, postgresql://, "
	          "postgres://, a libpq keyword string (host=... dbname=...) or sqlite:PATH", url->redacted);
	return false;
}

void db_url_free(DbUrl *url)
{
	free(url->conninfo);
	free(url->path);
	free(url->user);
	if (url->password) {
		/* do not leave the password lying in freed memory */
		memset(url->password, 0, strlen(url->password));
		free(url->password);
	}
	free(url->host);
	free(url->database);
	free(url->socket);
	free(url->defaults_file);
	free(url->redacted);
	memset(url, 0, sizeof(*url));
}
