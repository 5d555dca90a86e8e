#include "pod_v4_rows.h"

#include "log.h"
#include "pod_schema.h"
#include "strmap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Joins the text columns of each row with tabs (names hold no tabs). */
static bool join_row(void *ctx, const DbValue *values, size_t ncols)
{
	StrBuf line = STRBUF_INIT;
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			sb_putc(&line, '\t');
		if (values[i].data)
			sb_append(&line, values[i].data, values[i].len);
	}
	strlist_add(ctx, line.data);
	sb_free(&line);
	return true;
}

static const char content_types_sql[] = "SELECT app_label, model FROM django_content_type ORDER BY id";
static const char permissions_sql[] =
	"SELECT ct.app_label, ct.model, p.codename, p.name FROM auth_permission p "
	"JOIN django_content_type ct ON ct.id = p.content_type_id ORDER BY p.id";

bool pod_v4_rows_snapshot(Db *db, PodV4Rows *rows)
{
	memset(rows, 0, sizeof(*rows));
	return db_query(db, content_types_sql, join_row, &rows->content_types) &&
	       db_query(db, permissions_sql, join_row, &rows->permissions);
}

static bool keep_int(void *ctx, const DbValue *values, size_t ncols)
{
	(void)ncols;
	*(long long *)ctx = values[0].data ? strtoll(values[0].data, NULL, 10) : 0;
	return true;
}

static bool max_id(Db *db, const char *table, long long *value)
{
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT max(id) FROM ");
	db_quote_ident(db, &sql, table);
	*value = 0;
	bool ok = db_query(db, sql.data, keep_int, value);
	sb_free(&sql);
	return ok;
}

/* Tab-separated fields of a snapshot line. */
static size_t split_tabs(char *line, const char **fields, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < max; i++)
		fields[i] = "";
	fields[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == '\t') {
			*p = '\0';
			fields[n++] = p + 1;
		}
	return n;
}

/* A bulk load into a table, begun at its first row; its end moves the table's id sequence. */
typedef struct LazyLoad {
	Db *db;
	const char *table;
	const char *const *names; /* the columns loaded, in the values' order */
	size_t count;
	DbColumns columns;
	DbLoader *loader;
} LazyLoad;

static bool lazy_load_row(LazyLoad *l, const DbValue *values)
{
	if (!l->loader && !(db_pick_columns(l->db, l->table, l->names, l->count, &l->columns) &&
	                    (l->loader = db_load_begin(l->db, l->table, &l->columns)) != NULL))
		return false;
	return db_load_row(l->loader, values);
}

/* Ends (ok) or aborts the load if one began, and frees it all; returns ok, or false if the end failed. */
static bool lazy_load_end(LazyLoad *l, bool ok)
{
	if (l->loader)
		ok = ok ? db_load_end(l->loader) : (db_load_abort(l->loader), false);
	if (ok && l->columns.count)
		ok = db_reset_sequence(l->db, l->table, &l->columns.items[0]);
	db_columns_free(&l->columns);
	return ok;
}

static bool restore_content_types(Db *db, const PodV4Rows *rows, const StrList *tables, StrMap *ids, size_t *added,
                                  StrBuf *stale)
{
	StrList now = STRLIST_INIT;
	long long next = 0;
	bool ok = db_query(db, "SELECT app_label, model, id FROM django_content_type", join_row, &now) &&
	          max_id(db, "django_content_type", &next);
	for (size_t i = 0; ok && i < now.count; i++) {
		char *tab = strrchr(now.items[i], '\t');
		strmap_put(ids, now.items[i], (size_t)(tab - now.items[i]), (size_t)strtoull(tab + 1, NULL, 10));
	}
	strlist_free(&now);
	static const char *const names[] = {"id", "app_label", "model"};
	LazyLoad load = {.db = db, .table = "django_content_type", .names = names, .count = 3};
	for (size_t i = 0; ok && i < rows->content_types.count; i++) {
		const char *key = rows->content_types.items[i];
		size_t id;
		if (strmap_get(ids, key, strlen(key), &id))
			continue;
		char *copy = xstrdup(key), number[24];
		const char *fields[2];
		split_tabs(copy, fields, 2);
		if (!pod_v4_model_has_table(fields[0], strlen(fields[0]), fields[1], strlen(fields[1]), tables)) {
			sb_printf(stale, "%s%s.%s", stale->len ? ", " : "", fields[0], fields[1]);
			free(copy);
			continue;
		}
		snprintf(number, sizeof(number), "%lld", ++next);
		DbValue values[3] = {{number, strlen(number)}, {fields[0], strlen(fields[0])},
		                     {fields[1], strlen(fields[1])}};
		ok = lazy_load_row(&load, values);
		free(copy);
		strmap_put(ids, key, strlen(key), (size_t)next);
		(*added)++;
	}
	return lazy_load_end(&load, ok);
}

static bool restore_permissions(Db *db, const PodV4Rows *rows, const StrMap *content_type_ids, size_t *added)
{
	StrList now = STRLIST_INIT;
	StrMap present = {0};
	long long next = 0;
	bool ok = db_query(db, permissions_sql, join_row, &now) && max_id(db, "auth_permission", &next);
	for (size_t i = 0; ok && i < now.count; i++) {
		char *last_tab = strrchr(now.items[i], '\t'); /* key without the name */
		strmap_put(&present, now.items[i], (size_t)(last_tab - now.items[i]), 1);
	}
	strlist_free(&now);
	static const char *const names[] = {"id", "name", "content_type_id", "codename"};
	LazyLoad load = {.db = db, .table = "auth_permission", .names = names, .count = 4};
	for (size_t i = 0; ok && i < rows->permissions.count; i++) {
		const char *line = rows->permissions.items[i];
		size_t key_len = (size_t)(strrchr(line, '\t') - line), dummy;
		if (strmap_get(&present, line, key_len, &dummy))
			continue;
		char *copy = xstrdup(line);
		const char *fields[4];
		split_tabs(copy, fields, 4);
		size_t ct_key_len = strlen(fields[0]) + 1 + strlen(fields[1]), ct_id;
		if (strmap_get(content_type_ids, line, ct_key_len, &ct_id)) {
			char number[24], ct[24];
			snprintf(number, sizeof(number), "%lld", ++next);
			snprintf(ct, sizeof(ct), "%zu", ct_id);
			DbValue values[4] = {{number, strlen(number)}, {fields[3], strlen(fields[3])},
			                     {ct, strlen(ct)}, {fields[2], strlen(fields[2])}};
			ok = lazy_load_row(&load, values);
			(*added)++;
		}
		free(copy);
	}
	strmap_free(&present);
	return lazy_load_end(&load, ok);
}

bool pod_v4_rows_restore(Db *db, const PodV4Rows *rows, const StrList *tables)
{
	StrMap ids = {0};
	StrBuf stale = STRBUF_INIT;
	size_t types = 0, permissions = 0;
	bool ok = restore_content_types(db, rows, tables, &ids, &types, &stale) &&
	          restore_permissions(db, rows, &ids, &permissions);
	strmap_free(&ids);
	if (ok && stale.len)
		log_notice("  not kept: content types of models v4 has no table for (left by an earlier import), with "
		           "their permissions: %s", stale.data);
	sb_free(&stale);
	if (ok && (types || permissions))
		log_info("  kept %zu content types and %zu permissions that Pod v4 created for its own models "
		         "(ids past v3's)", types, permissions);
	return ok;
}

void pod_v4_rows_free(PodV4Rows *rows)
{
	strlist_free(&rows->content_types);
	strlist_free(&rows->permissions);
}
