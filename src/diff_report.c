#include "diff_report.h"

#include "atomic_file.h"
#include "json_writer.h"
#include "log.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SHOWN_BYTES 80 /* of a value in a message */

static const char *const rule_names[ACCOUNT_RULES] = {"repaired", "merged", "rejected", "v4_only", "skipped"};
static const char *const kind_names[] = {"missing", "extra", "different"};

const char *account_rule_name(AccountRule rule) { return rule_names[rule]; }

TableCheck *diff_report_table(DiffReport *report, const char *table)
{
	report->items = xgrow(report->items, report->count, &report->cap, sizeof(TableCheck *));
	TableCheck *t = xmalloc(sizeof(*t));
	memset(t, 0, sizeof(*t));
	t->table = xstrdup(table);
	t->max_diffs = report->max_diffs;
	report->items[report->count++] = t;
	return t;
}

/* A value for a message: from start (moved back to a character's first byte), at most SHOWN_BYTES. */
static char *shown(const DbValue *v, size_t start)
{
	if (!v || !v->data)
		return NULL;
	while (start > 0 && start < v->len && ((unsigned char)v->data[start] & 0xC0) == 0x80)
		start--;
	StrBuf sb = STRBUF_INIT;
	if (start > 0 && start < v->len)
		sb_puts(&sb, "...");
	else
		start = 0;
	utf8_append_visible(&sb, v->data + start, v->len - start, SHOWN_BYTES);
	return sb_steal(&sb);
}

void table_check_note(TableCheck *t, DiffKind kind, const char *key, const char *column, const DbValue *expected,
                      const DbValue *actual, const char *detail)
{
	if (t->diff_count >= t->max_diffs)
		return;
	t->diffs = xgrow(t->diffs, t->diff_count, &t->diff_cap, sizeof(Difference));
	Difference *d = &t->diffs[t->diff_count++];
	*d = (Difference){.kind = kind, .key = xstrdup(key), .column = column ? xstrdup(column) : NULL};
	size_t start = 0;
	StrBuf more = STRBUF_INIT;
	if (expected && actual && expected->data && actual->data &&
	    (expected->len > SHOWN_BYTES || actual->len > SHOWN_BYTES)) {
		size_t n = expected->len < actual->len ? expected->len : actual->len;
		while (start < n && expected->data[start] == actual->data[start])
			start++;
		sb_printf(&more, "%zu and %zu bytes, first difference at byte %zu", expected->len, actual->len, start);
		start = start > 20 ? start - 20 : 0;
	}
	if (detail)
		sb_printf(&more, "%s%s", more.len ? "; " : "", detail);
	d->expected = shown(expected, start);
	d->actual = shown(actual, start);
	d->detail = more.len ? sb_steal(&more) : NULL;
	sb_free(&more);
}

void table_check_account(TableCheck *t, AccountRule rule, const char *key)
{
	if (t->accounted[rule]++ < t->max_diffs)
		strlist_add(&t->accounted_keys[rule], key);
}

uint64_t table_check_problems(const TableCheck *t) { return t->missing + t->extra + t->different; }

uint64_t diff_report_problems(const DiffReport *report)
{
	uint64_t n = 0;
	for (size_t i = 0; i < report->count; i++)
		n += table_check_problems(report->items[i]);
	return n;
}

static void append_accounted(StrBuf *sb, const TableCheck *t)
{
	for (int r = 0; r < ACCOUNT_RULES; r++)
		if (t->accounted[r])
			sb_printf(sb, ", %" PRIu64 " %s", t->accounted[r], rule_names[r]);
}

static void append_list(StrBuf *sb, const char *what, const StrList *list)
{
	if (!list->count)
		return;
	sb_printf(sb, "; %s: ", what);
	for (size_t i = 0; i < list->count; i++)
		sb_printf(sb, "%s%s", i ? ", " : "", list->items[i]);
}

void diff_report_print_table(const TableCheck *t)
{
	StrBuf line = STRBUF_INIT;
	if (t->note) {
		log_info("  %-45s %s", t->table, t->note);
		return;
	}
	sb_printf(&line, "%12" PRIu64 " compared, %" PRIu64 " equal", t->compared, t->equal);
	append_accounted(&line, t);
	if (table_check_problems(t))
		sb_printf(&line, ", %" PRIu64 " missing, %" PRIu64 " extra, %" PRIu64 " different", t->missing,
		          t->extra, t->different);
	append_list(&line, "not in v4", &t->dropped_columns);
	append_list(&line, "v4 only", &t->default_columns);
	if (table_check_problems(t))
		log_warn("%s: %s", t->table, line.data);
	else
		log_info("  %-45s %s", t->table, line.data);
	for (size_t i = 0; i < t->diff_count; i++) {
		const Difference *d = &t->diffs[i];
		if (d->kind == DIFF_DIFFERENT)
			log_warn("  %s %s, column %s: expected %s%s%s, found %s%s%s%s%s%s", t->table, d->key, d->column,
			         d->expected ? "'" : "", d->expected ? d->expected : "NULL", d->expected ? "'" : "",
			         d->actual ? "'" : "", d->actual ? d->actual : "NULL", d->actual ? "'" : "",
			         d->detail ? " (" : "", d->detail ? d->detail : "", d->detail ? ")" : "");
		else
			log_warn("  %s %s: %s%s%s%s", t->table, d->key,
			         d->kind == DIFF_MISSING ? "missing from v4" : "in v4 only",
			         d->detail ? " (" : "", d->detail ? d->detail : "", d->detail ? ")" : "");
	}
	uint64_t problems = table_check_problems(t);
	if (problems > t->diff_count)
		log_warn("  %s: %" PRIu64 " more differences not shown (--max-diffs)", t->table, problems - t->diff_count);
	sb_free(&line);
}

void diff_report_print_summary(const DiffReport *report, const char *source, double seconds)
{
	uint64_t compared = 0, equal = 0, accounted = 0, problems = diff_report_problems(report);
	size_t bad_tables = 0;
	for (size_t i = 0; i < report->count; i++) {
		const TableCheck *t = report->items[i];
		compared += t->compared;
		equal += t->equal;
		for (int r = 0; r < ACCOUNT_RULES; r++)
			accounted += t->accounted[r];
		bad_tables += table_check_problems(t) != 0;
	}
	log_info("Verified %zu tables in %.2f s: %" PRIu64 " rows compared, %" PRIu64 " equal, %" PRIu64
	         " accounted for", report->count, seconds, compared, equal, accounted);
	if (problems)
		log_error("%" PRIu64 " differences in %zu tables: v4 does not hold what %s gives", problems, bad_tables,
		          source);
	else
		log_info("v4 holds everything %s gives: every difference is accounted for", source);
}

static void write_string_or_null(JsonWriter *w, const char *key, const char *value)
{
	json_key(w, key, strlen(key));
	if (value)
		json_string(w, value, strlen(value));
	else
		json_null(w);
}

static void write_count(JsonWriter *w, const char *key, uint64_t n)
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);
	json_key(w, key, strlen(key));
	json_number(w, digits, (size_t)len);
}

static void write_list(JsonWriter *w, const char *key, const StrList *list)
{
	json_key(w, key, strlen(key));
	json_begin_array(w);
	for (size_t i = 0; i < list->count; i++)
		json_string(w, list->items[i], strlen(list->items[i]));
	json_end_array(w);
}

static void write_table(JsonWriter *w, const TableCheck *t)
{
	json_key(w, t->table, strlen(t->table));
	json_begin_object(w);
	if (t->note)
		write_string_or_null(w, "not_compared", t->note);
	write_count(w, "compared", t->compared);
	write_count(w, "equal", t->equal);
	write_count(w, "missing", t->missing);
	write_count(w, "extra", t->extra);
	write_count(w, "different", t->different);
	json_key(w, "accounted", 9);
	json_begin_object(w);
	for (int r = 0; r < ACCOUNT_RULES; r++)
		if (t->accounted[r])
			write_count(w, rule_names[r], t->accounted[r]);
	json_end_object(w);
	json_key(w, "accounted_rows", 14); /* the first of each rule */
	json_begin_object(w);
	for (int r = 0; r < ACCOUNT_RULES; r++)
		if (t->accounted_keys[r].count)
			write_list(w, rule_names[r], &t->accounted_keys[r]);
	json_end_object(w);
	write_list(w, "columns_not_in_v4", &t->dropped_columns);
	write_list(w, "columns_only_in_v4", &t->default_columns);
	json_key(w, "differences", 11);
	json_begin_array(w);
	for (size_t i = 0; i < t->diff_count; i++) {
		const Difference *d = &t->diffs[i];
		json_begin_object(w);
		write_string_or_null(w, "kind", kind_names[d->kind]);
		write_string_or_null(w, "key", d->key);
		if (d->kind == DIFF_DIFFERENT) {
			write_string_or_null(w, "column", d->column);
			write_string_or_null(w, "expected", d->expected);
			write_string_or_null(w, "actual", d->actual);
		}
		if (d->detail)
			write_string_or_null(w, "detail", d->detail);
		json_end_object(w);
	}
	json_end_array(w);
	json_end_object(w);
}

bool diff_report_write(const DiffReport *report, const char *path, const char *from, const char *to,
                       double seconds)
{
	AtomicFile file = {0};
	bool to_stdout = strcmp(path, "-") == 0;
	if (!to_stdout && !atomic_file_open(&file, path, S_IRUSR | S_IWUSR | S_IRGRP))
		return false;
	JsonWriter w;
	json_writer_init(&w, to_stdout ? stdout : file.fp, false, 2);
	uint64_t problems = diff_report_problems(report);
	json_begin_object(&w);
	write_string_or_null(&w, "from", from);
	write_string_or_null(&w, "to", to);
	write_string_or_null(&w, "result", problems ? "different" : "equal");
	write_count(&w, "differences", problems);
	char secs[32];
	int len = snprintf(secs, sizeof(secs), "%.3f", seconds);
	json_key(&w, "seconds", 7);
	json_number(&w, secs, (size_t)len);
	json_key(&w, "tables", 6);
	json_begin_object(&w);
	for (size_t i = 0; i < report->count; i++)
		write_table(&w, report->items[i]);
	json_end_object(&w);
	json_end_object(&w);
	json_finish(&w);
	bool ok = json_writer_ok(&w);
	json_writer_free(&w);
	if (to_stdout) {
		if (ok && fflush(stdout) == 0 && !ferror(stdout))
			return true;
		log_error("the report could not be written to standard output");
		return false;
	}
	if (ok)
		return atomic_file_commit(&file);
	atomic_file_abort(&file);
	log_error("%s: the report could not be written", path);
	return false;
}

void diff_report_free(DiffReport *report)
{
	for (size_t i = 0; i < report->count; i++) {
		TableCheck *t = report->items[i];
		for (size_t k = 0; k < t->diff_count; k++) {
			free(t->diffs[k].key);
			free(t->diffs[k].column);
			free(t->diffs[k].expected);
			free(t->diffs[k].actual);
			free(t->diffs[k].detail);
		}
		free(t->diffs);
		for (int r = 0; r < ACCOUNT_RULES; r++)
			strlist_free(&t->accounted_keys[r]);
		strlist_free(&t->dropped_columns);
		strlist_free(&t->default_columns);
		free(t->table);
		free(t);
	}
	free(report->items);
	*report = (DiffReport){0};
}
