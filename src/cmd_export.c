/* podmigrate export: Pod v3 database -> JSON file in upstream's format. */
#include "atomic_file.h"
#include "cli.h"
#include "db.h"
#include "json_writer.h"
#include "log.h"
#include "pod_schema.h"
#include "row_writer.h"
#include "pod_tags.h"
#include "utf8.h"
#include "values.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_OUTPUT "data_from_v3_to_v4/v3_exported_tables.json"
#define PROGRESS_EVERY_ROWS 8192

typedef struct ExportOptions {
	char *db_url; /* owned */
	const char *output;
	bool utf8;
	int indent;
	bool force;
} ExportOptions;

typedef struct ExportTotals {
	size_t tables;
	uint64_t rows;
	StrList absent;
} ExportTotals;

/* State of the table being streamed. */
typedef struct TableStream {
	JsonWriter *w;
	const char *table;
	RowWriter rw;
	uint64_t rows;
	double started;
	double last_progress;
} TableStream;

static void export_usage(FILE *out)
{
	fprintf(out,
		"Usage: podmigrate export --db URL [-o FILE] [options]\n"
		"\n"
		"Reads every table of a Pod v3.8 database (the tables of Esup-Pod's\n"
		"export_data_from_v3_to_v4 list, plus the tags of each video and recorder) in\n"
		"one consistent snapshot, and writes them to one JSON file that podmigrate\n"
		"import, or Pod's own import_data_from_v3_to_v4, loads into Pod v4.\n"
		"Pod v3 may keep running meanwhile: the export only reads.\n"
		"\n"
		"Options:\n"
		"  --db URL          the Pod v3 database (required unless PODMIGRATE_DB is set):\n"
		"                      mysql://USER@HOST:PORT/DB   (or mariadb://; ?socket=PATH)\n"
		"                      postgresql://USER@HOST:PORT/DB  (or any libpq URI or\n"
		"                                                   \"host=... dbname=...\" string)\n"
		"                      sqlite:PATH\n"
		"                    Passwords are best left out of the URL: MYSQL_PWD or\n"
		"                    ~/.my.cnf [client] for MariaDB; PGPASSWORD, ~/.pgpass or\n"
		"                    PGSERVICE for PostgreSQL. They never appear in messages.\n"
		"  -o, --output FILE the JSON file (default %s);\n"
		"                    '-' writes to standard output. The file is written under a\n"
		"                    temporary name and renamed when complete, mode 0600 (it\n"
		"                    holds password hashes and tokens).\n"
		"      --utf8        write non-ASCII text as raw UTF-8 instead of \\uXXXX escapes\n"
		"      --indent N    pretty-print with N spaces (upstream writes 4); default is\n"
		"                    compact, one row per line\n"
		"      --force       export even if the database does not look like Pod v3.8\n"
		"  -v, --verbose     also print every SQL statement\n"
		"  -q, --quiet       print only errors\n"
		"  -h, --help        show this help\n"
		"\n"
		"Examples:\n"
		"  podmigrate export --db sqlite:/srv/pod/db.sqlite3\n"
		"  MYSQL_PWD=secret podmigrate export --db mysql://pod@localhost/pod\n"
		"  podmigrate export --db postgresql://pod@db.example.org/pod -o /tmp/pod.json\n"
		"\n"
		"Exit status: 0 done, 1 failed (no file written, any previous one kept), 2 usage.\n",
		DEFAULT_OUTPUT);
}

static bool parse_export_options(int argc, char **argv, ExportOptions *opts, int *exit_code)
{
	static const struct option long_options[] = {
		{"db", required_argument, NULL, 'd'},   {"output", required_argument, NULL, 'o'},
		{"utf8", no_argument, NULL, 'u'},       {"indent", required_argument, NULL, 'i'},
		{"force", no_argument, NULL, 'f'},      {"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},      {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	*opts = (ExportOptions){.output = DEFAULT_OUTPUT};
	const char *env_url = getenv("PODMIGRATE_DB");
	opts->db_url = env_url ? xstrdup(env_url) : NULL;
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "o:vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			free(opts->db_url);
			opts->db_url = cli_take_db_url(optarg);
			break;
		case 'o': opts->output = optarg; break;
		case 'u': opts->utf8 = true; break;
		case 'i':
			if (!cli_parse_count("--indent", optarg, 16, &opts->indent)) {
				*exit_code = EXIT_USAGE;
				return false;
			}
			break;
		case 'f': opts->force = true; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'q': log_set_level(LOG_QUIET); break;
		case 'h': export_usage(stdout); *exit_code = EXIT_OK; return false;
		default:
			fputs("Try 'podmigrate export --help'.\n", stderr);
			*exit_code = EXIT_USAGE;
			return false;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (try 'podmigrate export --help')", argv[optind]);
		*exit_code = EXIT_USAGE;
		return false;
	}
	if (!opts->db_url || !*opts->db_url) {
		log_error("--db URL is required (try 'podmigrate export --help')");
		*exit_code = EXIT_USAGE;
		return false;
	}
	DbUrl url; /* a malformed URL is a usage error, found before connecting */
	bool ok = db_url_parse(opts->db_url, &url);
	if (ok && url.engine == DB_ENGINE_SQLITE && strcmp(opts->output, "-") != 0 && same_file(opts->output, url.path)) {
		log_error("the output %s is the source database itself: give another -o FILE", opts->output);
		ok = false;
	}
	db_url_free(&url);
	*exit_code = EXIT_USAGE;
	return ok;
}

static void show_progress(TableStream *ts)
{
	double now = clock_now();
	if (now - ts->last_progress < 0.5)
		return;
	ts->last_progress = now;
	double rate = (double)ts->rows / (now - ts->started > 0 ? now - ts->started : 1);
	progress_show("  %-45s %12" PRIu64 " rows  %10.0f rows/s", ts->table, ts->rows, rate);
}

/* A failed write (disk full) stops the export at once instead of at the end. */
static bool writer_ok(const JsonWriter *w)
{
	if (!w->error)
		return true;
	log_error("cannot write the output: %s", strerror(w->error));
	return false;
}

static bool write_table_row(void *ctx, const DbValue *values, size_t ncols)
{
	TableStream *ts = ctx;
	if (cli_stop_requested() || !writer_ok(ts->w))
		return false;
	if (!row_writer_write(&ts->rw, ts->w, values, ncols, ts->rows + 1))
		return false;
	ts->rows++;
	if (ts->rows % PROGRESS_EVERY_ROWS == 0)
		show_progress(ts);
	return true;
}

static char *build_select(Db *db, const char *table, const DbColumns *columns)
{
	StrBuf sql = STRBUF_INIT;
	sb_puts(&sql, "SELECT ");
	for (size_t i = 0; i < columns->count; i++) {
		if (i)
			sb_puts(&sql, ", ");
		db_select_expr(db, &sql, &columns->items[i]);
	}
	sb_puts(&sql, " FROM ");
	db_quote_ident(db, &sql, table);
	/* rows sorted by key, the same on every engine, so that exports compare */
	bool first = true;
	for (size_t i = 0; i < columns->count; i++) {
		if (!columns->items[i].primary_key)
			continue;
		sb_puts(&sql, first ? " ORDER BY " : ", ");
		db_order_expr(db, &sql, &columns->items[i]);
		first = false;
	}
	return sb_steal(&sql);
}

static void report_table(const char *table, uint64_t rows, double seconds)
{
	progress_clear();
	log_info("  %-45s %12" PRIu64 " rows %8.2f s", table, rows, seconds);
}

static bool export_table(Db *db, JsonWriter *w, const char *table, ExportTotals *totals)
{
	DbColumns columns = {0};
	if (!db_list_columns(db, table, &columns))
		return false;
	if (columns.count == 0) {
		log_error("table %s: the catalog lists no columns", table);
		return false;
	}
	TableStream ts = {.w = w, .table = table};
	bool ok = row_writer_init(&ts.rw, w, table, &columns);
	char *sql = build_select(db, table, &columns);
	ts.started = ts.last_progress = clock_now();
	json_key(w, table, strlen(table));
	json_begin_array(w);
	ok = ok && db_query(db, sql, write_table_row, &ts);
	json_end_array(w);
	free(sql);
	row_writer_free(&ts.rw);
	db_columns_free(&columns);
	if (!ok) {
		progress_clear();
		log_error("table %s: export failed after %" PRIu64 " rows", table, ts.rows);
		return false;
	}
	report_table(table, ts.rows, clock_now() - ts.started);
	totals->tables++;
	totals->rows += ts.rows;
	return true;
}

/* Groups the (object id, tag name) rows, sorted by object, into one tag string per object. */
typedef struct TagStream {
	TableStream ts;
	const PodTagSource *source;
	StrBuf object_id;
	StrBuf tag_string;
	bool have_object;
} TagStream;

static void flush_tag_row(TagStream *tags)
{
	if (!tags->have_object)
		return;
	JsonWriter *w = tags->ts.w;
	json_begin_object(w);
	json_key(w, tags->source->id_column, strlen(tags->source->id_column));
	json_number(w, tags->object_id.data, tags->object_id.len);
	json_key(w, POD_TAG_STRING_KEY, strlen(POD_TAG_STRING_KEY));
	json_string(w, tags->tag_string.data, tags->tag_string.len); /* names validated when added */
	json_end_object(w);
	tags->ts.rows++;
	tags->have_object = false;
	sb_reset(&tags->tag_string);
}

static bool add_tag_row(void *ctx, const DbValue *values, size_t ncols)
{
	TagStream *tags = ctx;
	(void)ncols;
	if (cli_stop_requested() || !writer_ok(tags->ts.w))
		return false;
	const DbValue *id = &values[0], *name = &values[1];
	if (!id->data || !value_normalize_integer(id->data, id->len) || !name->data) {
		log_error("tags of %s: tagging_taggeditem has a row with object_id '%.*s' and tag name %s",
		          tags->source->model, id->data ? (int)id->len : 4, id->data ? id->data : "NULL",
		          name->data ? "set" : "NULL");
		return false;
	}
	size_t bad;
	if (!utf8_validate(name->data, name->len, &bad)) {
		StrBuf shown = STRBUF_INIT;
		utf8_append_visible(&shown, name->data, name->len, 80);
		log_error("tags of %s %.*s: tag name '%s' has invalid UTF-8 at byte %zu", tags->source->model,
		          (int)id->len, id->data, shown.data, bad);
		sb_free(&shown);
		return false;
	}
	bool same = tags->have_object && tags->object_id.len == id->len &&
	            memcmp(tags->object_id.data, id->data, id->len) == 0;
	if (!same) {
		flush_tag_row(tags);
		sb_reset(&tags->object_id);
		sb_append(&tags->object_id, id->data, id->len);
		tags->have_object = true;
	}
	pod_tags_append_name(&tags->tag_string, name->data, name->len);
	if (tags->ts.rows % PROGRESS_EVERY_ROWS == 0)
		show_progress(&tags->ts);
	return true;
}

static bool export_tags(Db *db, JsonWriter *w, const PodTagSource *source, ExportTotals *totals)
{
	TagStream tags = {.ts = {.w = w, .table = source->table}, .source = source};
	StrBuf sql = STRBUF_INIT;
	/* Aggregated here, not with GROUP_CONCAT (MySQL cuts it at group_concat_max_len). */
	sb_puts(&sql, "SELECT ti.object_id, t.name FROM tagging_taggeditem ti "
	              "JOIN tagging_tag t ON t.id = ti.tag_id "
	              "JOIN django_content_type ct ON ct.id = ti.content_type_id WHERE ct.app_label = ");
	db_quote_literal(db, &sql, source->app_label);
	sb_puts(&sql, " AND ct.model = ");
	db_quote_literal(db, &sql, source->model);
	sb_puts(&sql, " ORDER BY ti.object_id, ti.id");
	tags.ts.started = tags.ts.last_progress = clock_now();
	json_key(w, source->table, strlen(source->table));
	json_begin_array(w);
	bool ok = db_query(db, sql.data, add_tag_row, &tags);
	if (ok)
		flush_tag_row(&tags);
	json_end_array(w);
	sb_free(&sql);
	sb_free(&tags.object_id);
	sb_free(&tags.tag_string);
	if (!ok) {
		progress_clear();
		log_error("table %s: export of the tags failed", source->table);
		return false;
	}
	report_table(source->table, tags.ts.rows, clock_now() - tags.ts.started);
	totals->tables++;
	totals->rows += tags.ts.rows;
	return true;
}

static bool export_all(Db *db, JsonWriter *w, const StrList *present, ExportTotals *totals)
{
	json_begin_object(w);
	for (size_t i = 0; i < pod_v3_table_count; i++) {
		const char *table = pod_v3_tables[i];
		if (!strlist_contains(present, table)) {
			strlist_add(&totals->absent, table);
			continue;
		}
		if (!export_table(db, w, table, totals))
			return false;
	}
	bool has_tagging = strlist_contains(present, "tagging_taggeditem") &&
	                   strlist_contains(present, "tagging_tag") &&
	                   strlist_contains(present, "django_content_type");
	for (size_t i = 0; i < pod_tag_source_count; i++) {
		if (!has_tagging) {
			strlist_add(&totals->absent, pod_tag_sources[i].table);
			continue;
		}
		if (!export_tags(db, w, &pod_tag_sources[i], totals))
			return false;
	}
	json_end_object(w);
	json_finish(w);
	return true;
}

static void report_absent(const StrList *absent)
{
	if (absent->count == 0)
		return;
	StrBuf list = STRBUF_INIT;
	for (size_t i = 0; i < absent->count; i++) {
		if (i)
			sb_puts(&list, ", ");
		sb_puts(&list, absent->items[i]);
	}
	log_notice("notice: %zu tables of the list are not in the source and were skipped "
	           "(normal for tables added after this Pod version): %s", absent->count, list.data);
	sb_free(&list);
}

int cmd_export(int argc, char **argv)
{
	ExportOptions opts;
	int exit_code = EXIT_FAILED;
	if (!parse_export_options(argc, argv, &opts, &exit_code)) {
		free(opts.db_url);
		return exit_code;
	}
	cli_install_signal_handlers();

	double started = clock_now();
	Db *db = db_open(opts.db_url, DB_OPEN_READ);
	free(opts.db_url);
	if (!db)
		return EXIT_FAILED;
	log_info("Exporting Pod v3 database %s (%s)", db_display(db), db_engine_name(db));

	StrList present = STRLIST_INIT;
	ExportTotals totals = {0};
	AtomicFile out = {0};
	bool to_stdout = strcmp(opts.output, "-") == 0;
	bool ok = db_begin_snapshot(db) && db_list_tables(db, &present) && pod_check_v3(&present, opts.force);
	if (ok && !to_stdout)
		ok = atomic_file_open(&out, opts.output, S_IRUSR | S_IWUSR);
	if (ok) {
		JsonWriter w;
		json_writer_init(&w, to_stdout ? stdout : out.fp, !opts.utf8, opts.indent);
		ok = export_all(db, &w, &present, &totals);
		json_writer_flush(&w);
		ok = ok && writer_ok(&w);
		json_writer_free(&w);
	}
	if (ok && to_stdout && (fflush(stdout) != 0 || ferror(stdout))) {
		log_error("cannot write to standard output");
		ok = false;
	}
	db_rollback(db); /* the snapshot only read */
	db_close(db);
	if (ok && !to_stdout)
		ok = atomic_file_commit(&out);
	else if (!to_stdout)
		atomic_file_abort(&out);

	if (ok) {
		report_absent(&totals.absent);
		struct stat st;
		long long size = !to_stdout && stat(opts.output, &st) == 0 ? (long long)st.st_size : -1;
		log_info("Exported %zu tables, %" PRIu64 " rows in %.2f s to %s%s%.1f MB%s", totals.tables,
		         totals.rows, clock_now() - started, to_stdout ? "standard output" : opts.output,
		         size >= 0 ? " (" : "", size >= 0 ? (double)size / 1e6 : 0.0, size >= 0 ? ")" : "");
	} else {
		log_error("export failed; %s", to_stdout ? "the output is incomplete"
		                                          : "no file was written and any previous file is unchanged");
	}
	strlist_free(&present);
	strlist_free(&totals.absent);
	return ok ? EXIT_OK : EXIT_FAILED;
}
