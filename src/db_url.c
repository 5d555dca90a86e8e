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

/* URL parts may be percent-encoded (a password with '@' or '/'). */
static char *percent_decode(const char *s, size_t n)
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
	return sb_steal(&sb);
}

/* Replaces the password of scheme://user:password@host... by "***". */
static char *redact_url(const char *text)
{
	const char *scheme_end = strstr(text, "://");
	if (!scheme_end)
		return xstrdup(text);
	const char *auth = scheme_end + 3;
	const char *at = strpbrk(auth, "@/?");
	if (!at || *at != '@')
		return xstrdup(text);
	const char *colon = memchr(auth, ':', (size_t)(at - auth));
	if (!colon)
		return xstrdup(text);
	StrBuf sb = STRBUF_INIT;
	sb_append(&sb, text, (size_t)(colon - text));
	sb_puts(&sb, ":***");
	sb_puts(&sb, at);
	return sb_steal(&sb);
}

/* libpq keyword strings hold "password=..." which must not be shown. */
static char *redact_keywords(const char *text)
{
	StrBuf sb = STRBUF_INIT;
	const char *p = text;
	while (*p) {
		const char *kw = strstr(p, "password");
		if (!kw) {
			sb_puts(&sb, p);
			break;
		}
		const char *q = kw + strlen("password");
		while (*q == ' ')
			q++;
		bool at_word_start = kw == text || isspace((unsigned char)kw[-1]);
		if (*q != '=' || !at_word_start) {
			sb_append(&sb, p, (size_t)(q - p));
			p = q;
			continue;
		}
		sb_append(&sb, p, (size_t)(kw - p));
		sb_puts(&sb, "password=***");
		q++;
		while (*q == ' ')
			q++;
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
		p = q;
	}
	return sb_steal(&sb);
}

static bool parse_mysql(const char *text, const char *rest, DbUrl *url)
{
	/* rest = [user[:password]@]host[:port][/database][?socket=PATH] */
	const char *query = strchr(rest, '?');
	const char *end = query ? query : rest + strlen(rest);
	const char *slash = memchr(rest, '/', (size_t)(end - rest));
	const char *hostpart_end = slash ? slash : end;
	const char *at = NULL;
	for (const char *p = rest; p < hostpart_end; p++)
		if (*p == '@')
			at = p;
	const char *host = rest;
	if (at) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		if (colon) {
			url->user = percent_decode(rest, (size_t)(colon - rest));
			url->password = percent_decode(colon + 1, (size_t)(at - colon - 1));
		} else {
			url->user = percent_decode(rest, (size_t)(at - rest));
		}
		host = at + 1;
	}
	size_t host_len = hostpart_end > host ? (size_t)(hostpart_end - host) : 0;
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
		if (host_end > host)
			url->host = percent_decode(host, (size_t)(host_end - host));
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
	if (slash && slash + 1 < end)
		url->database = percent_decode(slash + 1, (size_t)(end - slash - 1));
	if (query) {
		const char *q = query + 1;
		while (*q) {
			const char *amp = strchr(q, '&');
			size_t n = amp ? (size_t)(amp - q) : strlen(q);
			if (starts_with(q, "socket=") && n > 7)
				url->socket = percent_decode(q + 7, n - 7);
			else {
				log_error("unknown parameter '%.*s' in connection URL %s (known: socket=PATH)",
				          (int)n, q, url->redacted);
				return false;
			}
			q += n + (amp ? 1 : 0);
		}
	}
	(void)text;
	if (!url->database) {
		log_error("connection URL %s names no database (mysql://user@host:port/DATABASE)", url->redacted);
		return false;
	}
	return true;
}

bool db_url_parse(const char *text, DbUrl *url)
{
	memset(url, 0, sizeof(*url));
	if (starts_with(text, "mysql://") || starts_with(text, "mariadb://")) {
		url->engine = DB_ENGINE_MYSQL;
		url->redacted = redact_url(text);
		return parse_mysql(text, strstr(text, "://") + 3, url);
	}
	if (starts_with(text, "postgresql://") || starts_with(text, "postgres://")) {
		url->engine = DB_ENGINE_PGSQL;
		url->conninfo = xstrdup(text);
		url->redacted = redact_url(text);
		return true;
	}
	if (starts_with(text, "sqlite:")) {
		const char *path = text + strlen("sqlite:");
		if (starts_with(path, "//"))
			path += 2; /* sqlite:///abs/path and sqlite://rel/path */
		url->engine = DB_ENGINE_SQLITE;
		url->redacted = xstrdup(text);
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
		url->redacted = redact_keywords(text);
		return true;
	}
	char *shown = redact_url(text);
	log_error("cannot tell the database engine of '%s': use mysql://, mariadb://, postgresql://, "
	          "postgres://, a libpq keyword string (host=... dbname=...) or sqlite:PATH", shown);
	free(shown);
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
	free(url->redacted);
	memset(url, 0, sizeof(*url));
}
