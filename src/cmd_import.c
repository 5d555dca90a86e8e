/* podmigrate import: JSON file -> Pod v4 database, in one transaction. */
#include "cli.h"
#include "db.h"
#include "json_reader.h"
#include "log.h"
#include "integrity.h"
#include "pod_schema.h"
#include "reject_log.h"
#include "repairs.h"
#include "summary.h"
#include "tag_import.h"
#include "v4_rows.h"
#include "utf8.h"
#include "values.h"

#include <errno.h>
#include <getopt.h>
#include <sys/wait.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_INPUT "data_from_v3_to_v4/v3_exported_tables.json"
#define PROGRESS_EVERY_ROWS 8192

typedef struct ImportOptions {
	const char *db_url;
	const char *input;
	bool dry;
	bool force;
	bool only_tags;
	bool strict;
	bool create_db;
	const char *pod_dir;
	const char *createdb_command;
} ImportOptions;

/* A file column the target table lacks: reported once, with the values dropped. */
typedef struct DroppedColumn {
	char *name;
	uint64_t non_null;
} DroppedColumn;

/* The table being loaded. */
typedef struct TableLoad {
	const char *name;   /* as in the file, matched to the catalog */
	TableSummary *summary;
	bool skip;          /* not in the target (or --onlytags): rows counted, not loaded */
	TagImport *tags;    /* a tag pseudo-table: converted to tagulous */
	const PodTagSource *tag_source;
	DbColumns catalog;  /* the target's columns */
	DbColumns load;     /* the columns given to the loader (catalog minus generated keys) */
	int *load_to_catalog;
	const char **defaults; /* per load column: model default for a missing NOT NULL value */
	bool columns_known; /* load columns decided (at the first row) */
	DbLoader *loader;
	DroppedColumn *dropped;
	size_t dropped_count;
	StrBuf *cells;      /* converted values of the current row, per load column */
	DbValue *values;
	bool *present;      /* per catalog column: given in the current row */
	double started, last_progress;
} TableLoad;

typedef struct ImportState {
	Db *db;
	const ImportOptions *opts;
	StrList target_tables;
	StrList seen_tables;
	StrList written_tables; /* what the import replaced: checked before commit */
	Summary summary;
	TableLoad table;
	bool in_table;
	Repairs repairs;
	RejectLog rejects;
	V4Rows v4_rows; /* createDB's content types and permissions, before the import */
} ImportState;

static void import_usage(FILE *out)
{
	fprintf(out,
		"Usage: podmigrate import --db URL [-i FILE] [--dry] [options]\n"
		"\n"
		"Loads the JSON file written by 'podmigrate export' (or by Esup-Pod's\n"
		"export_data_from_v3_to_v4) into a Pod v4 database made by 'make createDB':\n"
		"for every table of the file that v4 has, the old rows are deleted and the\n"
		"file's rows inserted, all in ONE transaction: on any error, Ctrl-C or kill,\n"
		"the v4 database stays exactly as it was. Columns and types come from the v4\n"
		"catalog; values are converted for it (booleans, datetimes with microseconds,\n"
		"uuids, ...), so the file may come from another engine.\n"
		"\n"
		"Options:\n"
		"  --db URL          the Pod v4 database (or PODMIGRATE_DB): mysql://USER@HOST/DB,\n"
		"                    postgresql://USER@HOST/DB (any libpq URI or keyword string),\n"
		"                    sqlite:PATH. Passwords: MYSQL_PWD, ~/.my.cnf, PGPASSWORD,\n"
		"                    ~/.pgpass, PGSERVICE.\n"
		"  -i, --input FILE  the JSON file (default %s)\n"
		"      --dry         do the whole import, report, then roll everything back\n"
		"      --createDB    first create the v4 schema and initial data by running Pod's\n"
		"                    'make createDB' in --pod-dir; the database must be empty\n"
		"                    (no tables). With --dry, only says what would be run.\n"
		"      --pod-dir DIR the Pod v4 directory for --createDB (default: .)\n"
		"      --createdb-command CMD  what --createDB runs (default: make createDB)\n"
		"      --onlytags    only (re)build the tags: the tagulous tables are brought to\n"
		"                    what the file's video_tagging_tag_2_tagulous and\n"
		"                    recorder_tagging_tag_2_tagulous give, writing only the rows\n"
		"                    that differ; other tables are untouched, and only scanned\n"
		"                    over in the file (brackets, strings, UTF-8)\n"
		"      --strict      abort on any row that breaks the v4 database instead of\n"
		"                    leaving it out (see below)\n"
		"      --force       import even if the target does not look like Pod v4\n"
		"  -v, --verbose     also print every SQL statement\n"
		"  -q, --quiet       print only errors\n"
		"  -h, --help        show this help\n"
		"\n"
		"Examples:\n"
		"  podmigrate import --db postgresql://pod@localhost/pod_v4 --dry\n"
		"  MYSQL_PWD=secret podmigrate import --db mysql://pod@localhost/pod_v4\n"
		"  podmigrate import --db sqlite:/srv/pod4/db.sqlite3 -i /tmp/pod.json\n"
		"\n"
		"Before commit, rows that would break the v4 database are found. Known v3 data\n"
		"is repaired and reported: meetings whose recurring_until is before their\n"
		"start date get the start date; video_videotodelete rows sharing a\n"
		"date_deletion are merged. Rows whose foreign key points to a missing row\n"
		"(objects deleted in v3 but still referenced) are left out, with what\n"
		"referenced them, and written to FILE's reject file (JSON Lines, next to\n"
		"the input: v3_exported_tables.rejects.jsonl).\n"
		"\n"
		"Exit status: 0 done, 1 failed (the database is unchanged), 2 usage,\n"
		"3 done but rows were left out (see the reject file).\n",
		DEFAULT_INPUT);
}

static bool parse_import_options(int argc, char **argv, ImportOptions *opts, int *exit_code)
{
	static const struct option long_options[] = {
		{"db", required_argument, NULL, 'd'},   {"input", required_argument, NULL, 'i'},
		{"dry", no_argument, NULL, 'n'},        {"dry-run", no_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'f'},      {"verbose", no_argument, NULL, 'v'},
		{"onlytags", no_argument, NULL, 't'},   {"only-tags", no_argument, NULL, 't'},
		{"strict", no_argument, NULL, 's'},
		{"createDB", no_argument, NULL, 'c'},   {"createdb", no_argument, NULL, 'c'},
		{"create-db", no_argument, NULL, 'c'},  {"pod-dir", required_argument, NULL, 'p'},
		{"createdb-command", required_argument, NULL, 'C'},
		{"quiet", no_argument, NULL, 'q'},      {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	memset(opts, 0, sizeof(*opts));
	opts->input = DEFAULT_INPUT;
	opts->db_url = getenv("PODMIGRATE_DB");
	opts->pod_dir = ".";
	opts->createdb_command = "make createDB";
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "i:vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'd': opts->db_url = optarg; break;
		case 'i': opts->input = optarg; break;
		case 'n': opts->dry = true; break;
		case 'f': opts->force = true; break;
		case 't': opts->only_tags = true; break;
		case 's': opts->strict = true; break;
		case 'c': opts->create_db = true; break;
		case 'p': opts->pod_dir = optarg; break;
		case 'C': opts->createdb_command = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'q': log_set_level(LOG_QUIET); break;
		case 'h': import_usage(stdout); *exit_code = EXIT_OK; return false;
		default:
			fputs("Try 'podmigrate import --help'.\n", stderr);
			*exit_code = EXIT_USAGE;
			return false;
		}
	}
	*exit_code = EXIT_USAGE;
	if (optind < argc) {
		log_error("unexpected argument '%s' (try 'podmigrate import --help')", argv[optind]);
		return false;
	}
	if (!opts->db_url || !*opts->db_url) {
		log_error("--db URL is required (try 'podmigrate import --help')");
		return false;
	}
	DbUrl url;
	bool url_ok = db_url_parse(opts->db_url, &url);
	db_url_free(&url);
	return url_ok;
}

/*
 * --createDB: on an empty database only, runs Pod's command (its output goes
 * straight to ours) and stops with its exit status if it fails.
 */
static bool run_create_db(const ImportOptions *opts, const StrList *tables, int *exit_code)
{
	if (tables->count) {
		log_error("--createDB needs an empty database, and this one has %zu tables (%s, ...). Drop and "
		          "recreate it, or import without --createDB", tables->count, tables->items[0]);
		return false;
	}
	if (opts->dry) {
		log_info("Dry run: would run '%s' in %s, then import into the new schema.", opts->createdb_command,
		         opts->pod_dir);
		return true;
	}
	log_info("Running '%s' in %s ...", opts->createdb_command, opts->pod_dir);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		log_error("cannot start '%s': %s", opts->createdb_command, strerror(errno));
		return false;
	}
	if (pid == 0) {
		if (chdir(opts->pod_dir) != 0) {
			fprintf(stderr, "podmigrate: error: cannot enter --pod-dir %s: %s\n", opts->pod_dir, strerror(errno));
			_exit(126);
		}
		execl("/bin/sh", "sh", "-c", opts->createdb_command, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			log_error("cannot wait for '%s': %s", opts->createdb_command, strerror(errno));
			return false;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return true;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	log_error("'%s' failed with exit status %d: nothing was imported", opts->createdb_command, code);
	*exit_code = code;
	return false;
}

/* Refuses a target that is not a Pod v4 schema: wrong database, or still v3. */
static bool check_pod_v4(const StrList *tables, bool force)
{
	const char *problem = NULL;
	if (!strlist_contains(tables, "video_video"))
		problem = tables->count == 0 ? "it has no tables (run Pod v4's 'make createDB' first)"
		                             : "it has no video_video table";
	else if (!strlist_contains(tables, "video_tagulous_video_tags"))
		problem = "it has no tagulous tables (video_tagulous_video_tags): it is not a Pod v4 database";
	if (!problem)
		return true;
	if (force) {
		log_warn("the target does not look like a Pod v4 database: %s; importing anyway (--force)", problem);
		return true;
	}
	log_error("the target does not look like a Pod v4 database: %s. Check --db, or use --force", problem);
	return false;
}

static JsonValueKind value_kind_of(JsonValueType type)
{
	switch (type) {
	case JSON_NULL: return JSON_VALUE_NULL;
	case JSON_BOOL: return JSON_VALUE_BOOL;
	case JSON_NUMBER: return JSON_VALUE_NUMBER;
	case JSON_STRING: return JSON_VALUE_STRING;
	default: return JSON_VALUE_RAW;
	}
}

static void table_load_free(TableLoad *t)
{
	if (t->loader)
		db_load_abort(t->loader);
	tag_import_abort(t->tags);
	for (size_t i = 0; i < t->load.count; i++)
		sb_free(&t->cells[i]);
	free(t->cells);
	free(t->values);
	free(t->present);
	free(t->load_to_catalog);
	free(t->defaults);
	/* load shares its strings with catalog */
	free(t->load.items);
	db_columns_free(&t->catalog);
	for (size_t i = 0; i < t->dropped_count; i++)
		free(t->dropped[i].name);
	free(t->dropped);
	memset(t, 0, sizeof(*t));
}

static bool on_table_begin(void *ctx, const char *table)
{
	ImportState *st = ctx;
	TableLoad *t = &st->table;
	memset(t, 0, sizeof(*t));
	if (cli_stop_requested())
		return false;
	t->summary = summary_add(&st->summary, table);
	t->name = t->summary->table;
	t->started = t->last_progress = clock_now();
	st->in_table = true;
	if (strlist_contains(&st->seen_tables, table)) {
		log_error("table %s appears twice in the file", table);
		return false;
	}
	strlist_add(&st->seen_tables, table);
	for (size_t i = 0; i < pod_tag_source_count; i++) {
		if (strcmp(table, pod_tag_sources[i].table) != 0)
			continue;
		t->tag_source = &pod_tag_sources[i];
		t->tags = tag_import_begin(st->db, t->tag_source, t->summary);
		return t->tags != NULL;
	}
	if (st->opts->only_tags) {
		t->skip = true;
		t->summary->note = "scanned over: --onlytags";
		t->summary->folded = true;
		return true;
	}
	if (!strlist_contains(&st->target_tables, table)) {
		t->skip = true;
		t->summary->note = "skipped: not in the target";
		return true;
	}
	if (!db_list_columns(st->db, table, &t->catalog))
		return false;
	t->present = xmalloc(sizeof(bool) * (t->catalog.count ? t->catalog.count : 1));
	strlist_add(&st->written_tables, table);
	return db_suspend_foreign_keys(st->db, table) && db_clear_tables(st->db, &table, 1);
}

static void note_dropped(TableLoad *t, const JsonField *f)
{
	size_t i = 0;
	while (i < t->dropped_count && (strlen(t->dropped[i].name) != f->key_len ||
	                                memcmp(t->dropped[i].name, f->key, f->key_len) != 0))
		i++;
	if (i == t->dropped_count) {
		t->dropped = xrealloc(t->dropped, (t->dropped_count + 1) * sizeof(DroppedColumn));
		t->dropped[i].name = xstrndup(f->key, f->key_len);
		t->dropped[i].non_null = 0;
		t->dropped_count++;
	}
	if (f->type != JSON_NULL)
		t->dropped[i].non_null++;
}

/*
 * At the first row: the loader gets every catalog column but the generated
 * keys the file leaves out; a NOT NULL column the file lacks takes the model
 * default, or stops the import naming it.
 */
static bool decide_columns(ImportState *st, const JsonField *fields, size_t count)
{
	TableLoad *t = &st->table;
	size_t n = t->catalog.count;
	bool *in_file = xmalloc(sizeof(bool) * (n ? n : 1));
	memset(in_file, 0, sizeof(bool) * (n ? n : 1));
	for (size_t i = 0; i < count; i++) {
		int c = db_column_index(&t->catalog, fields[i].key, fields[i].key_len);
		if (c >= 0)
			in_file[c] = true;
	}
	t->load.items = xmalloc(sizeof(DbColumn) * (n ? n : 1));
	t->load_to_catalog = xmalloc(sizeof(int) * (n ? n : 1));
	t->defaults = xmalloc(sizeof(char *) * (n ? n : 1));
	bool ok = true;
	for (size_t c = 0; c < n; c++) {
		const DbColumn *col = &t->catalog.items[c];
		const char *def = NULL;
		if (!in_file[c] && col->not_null) {
			if (col->primary_key)
				continue; /* generated by the database */
			def = pod_v4_model_default(t->name, col->name);
			if (!def) {
				log_error("table %s: column %s is NOT NULL in the target, absent from the file, and Pod "
				          "v4 declares no default for it", t->name, col->name);
				ok = false;
			} else {
				log_notice("table %s: column %s is not in the file: set to the Pod v4 default '%s'",
				           t->name, col->name, def);
			}
		}
		t->load_to_catalog[t->load.count] = (int)c;
		t->defaults[t->load.count] = def;
		t->load.items[t->load.count++] = *col;
	}
	free(in_file);
	t->cells = xmalloc(sizeof(StrBuf) * (t->load.count ? t->load.count : 1));
	for (size_t i = 0; i < t->load.count; i++)
		t->cells[i] = (StrBuf)STRBUF_INIT;
	t->values = xmalloc(sizeof(DbValue) * (t->load.count ? t->load.count : 1));
	t->columns_known = true;
	if (!ok)
		return false;
	t->loader = db_load_begin(st->db, t->name, &t->load);
	return t->loader != NULL;
}

static void report_bad_json_value(const TableLoad *t, uint64_t row, const JsonField *f, const char *why)
{
	StrBuf msg = STRBUF_INIT;
	sb_printf(&msg, "table %s, row %" PRIu64 ", column %.*s: %s: ", t->name, row, (int)f->key_len, f->key, why);
	utf8_append_visible(&msg, f->text, f->len, 80);
	log_error("%s", msg.data);
	sb_free(&msg);
}

static bool on_row(void *ctx, const JsonField *fields, size_t count)
{
	ImportState *st = ctx;
	TableLoad *t = &st->table;
	uint64_t row = ++t->summary->read;
	if (t->skip)
		return true;
	if (t->tags)
		return tag_import_row(t->tags, fields, count, row);
	if (cli_stop_requested())
		return false;
	if (!t->columns_known && !decide_columns(st, fields, count))
		return false;

	memset(t->present, 0, sizeof(bool) * t->catalog.count);
	for (size_t i = 0; i < t->load.count; i++)
		t->values[i] = (DbValue){NULL, 0};
	for (size_t i = 0; i < count; i++) {
		const JsonField *f = &fields[i];
		int c = db_column_index(&t->catalog, f->key, f->key_len);
		if (c < 0) {
			note_dropped(t, f);
			continue;
		}
		t->present[c] = true;
		size_t slot = 0;
		while (slot < t->load.count && t->load_to_catalog[slot] != c)
			slot++;
		if (slot == t->load.count) {
			log_error("table %s, row %" PRIu64 ": column %.*s is set here but absent from the first row, "
			          "where the database was left to generate it", t->name, row, (int)f->key_len, f->key);
			return false;
		}
		bool is_null;
		const char *why;
		if (!value_from_json(&t->catalog.items[c], value_kind_of(f->type), f->text, f->len, &t->cells[slot],
		                     &is_null, &why)) {
			report_bad_json_value(t, row, f, why);
			return false;
		}
		t->values[slot] = is_null ? (DbValue){NULL, 0} : (DbValue){t->cells[slot].data, t->cells[slot].len};
	}
	for (size_t slot = 0; slot < t->load.count; slot++) {
		int c = t->load_to_catalog[slot];
		if (!t->present[c] && t->defaults[slot])
			t->values[slot] = (DbValue){t->defaults[slot], strlen(t->defaults[slot])};
	}
	RepairResult repair = repairs_apply(&st->repairs, t->name, &t->load, t->values, row);
	if (repair != REPAIR_NONE)
		t->summary->repaired++;
	if (repair == REPAIR_DROPPED)
		return true;
	if (!db_load_row(t->loader, t->values)) {
		log_error("table %s: row %" PRIu64 " was refused", t->name, row);
		return false;
	}
	t->summary->inserted++;
	if (row % PROGRESS_EVERY_ROWS == 0) {
		double now = clock_now();
		if (now - t->last_progress >= 0.5) {
			t->last_progress = now;
			progress_show("  %-45s %12" PRIu64 " rows  %10.0f rows/s", t->name, row,
			              (double)row / (now - t->started > 0 ? now - t->started : 1));
		}
	}
	return true;
}

/* The integer primary key of a table, the one with an id sequence, if any. */
static const DbColumn *integer_key(const DbColumns *columns)
{
	const DbColumn *key = NULL;
	for (size_t i = 0; i < columns->count; i++) {
		if (!columns->items[i].primary_key)
			continue;
		if (key || columns->items[i].kind != COL_INT)
			return NULL;
		key = &columns->items[i];
	}
	return key;
}

static bool on_table_end(void *ctx, const char *table, uint64_t rows)
{
	ImportState *st = ctx;
	TableLoad *t = &st->table;
	bool ok = true;
	if (t->skip)
		t->summary->read = rows; /* also when the reader only scanned over them */
	if (t->tags) {
		TagImport *tags = t->tags;
		t->tags = NULL;
		ok = tag_import_end(tags);
		/*
		 * In a full import the tag rows are checked with the other tables
		 * (objects may yet be left out, and their links with them). Alone,
		 * they need no check: the links are built from the ids the target
		 * holds and the tags written with them.
		 */
		if (ok && !st->opts->only_tags) {
			strlist_add(&st->written_tables, t->tag_source->relation_table);
			strlist_add(&st->written_tables, t->tag_source->tag_table);
		}
		t->summary->seconds = clock_now() - t->started;
		table_load_free(t);
		st->in_table = false;
		return ok;
	}
	if (t->loader) {
		DbLoader *loader = t->loader;
		t->loader = NULL;
		ok = db_load_end(loader);
		if (!ok)
			log_error("table %s: the load failed", table);
	}
	if (ok && !t->skip) {
		const DbColumn *key = integer_key(&t->catalog);
		if (key)
			ok = db_reset_sequence(st->db, table, key);
	}
	for (size_t i = 0; i < t->dropped_count; i++) {
		const char *why = pod_v4_dropped_column(table, t->dropped[i].name);
		if (why)
			log_info("  %s.%s not loaded (%s)", table, t->dropped[i].name, why);
		else
			log_warn("table %s: column %s is not in the target: %" PRIu64 " non-null values dropped", table,
			         t->dropped[i].name, t->dropped[i].non_null);
	}
	t->summary->seconds = clock_now() - t->started;
	if (ok) {
		progress_clear();
		if (t->skip && !st->opts->only_tags)
			log_notice("  %-45s %12" PRIu64 " rows skipped: the target has no such table", table,
			           t->summary->read);
		else if (t->skip)
			;
		else
			log_info("  %-45s %12" PRIu64 " rows %8.2f s", table, t->summary->inserted, t->summary->seconds);
	}
	table_load_free(t);
	st->in_table = false;
	return ok;
}

/* --onlytags: the other tables are only scanned over, not parsed. */
static bool skip_table(void *ctx, const char *table)
{
	const ImportState *st = ctx;
	if (!st->opts->only_tags)
		return false;
	for (size_t i = 0; i < pod_tag_source_count; i++)
		if (strcmp(table, pod_tag_sources[i].table) == 0)
			return false;
	return true;
}

static const JsonTableHandler import_handler = {
	.skip_table = skip_table,
	.table_begin = on_table_begin,
	.row = on_row,
	.table_end = on_table_end,
};

static bool import_file(ImportState *st, FILE *in)
{
	bool has_v4_rows = strlist_contains(&st->target_tables, "django_content_type") &&
	                   strlist_contains(&st->target_tables, "auth_permission");
	bool ok = (!has_v4_rows || v4_rows_snapshot(st->db, &st->v4_rows)) &&
	          json_read_tables(in, st->opts->input, &import_handler, st, NULL);
	if (st->in_table)
		table_load_free(&st->table);
	/* the file replaced them: add back what only v4 has */
	if (ok && has_v4_rows && strlist_contains(&st->written_tables, "django_content_type") &&
	    strlist_contains(&st->written_tables, "auth_permission"))
		ok = v4_rows_restore(st->db, &st->v4_rows);
	return ok;
}

/* Tags whose links the integrity check left out get their counts right again. */
static bool recount_tags(ImportState *st)
{
	for (size_t i = 0; i < pod_tag_source_count; i++) {
		const PodTagSource *source = &pod_tag_sources[i];
		for (size_t k = 0; k < st->summary.count; k++) {
			const TableSummary *t = &st->summary.items[k];
			if (t->rejected && !strcmp(t->table, source->relation_table) && !tag_import_recount(st->db, source))
				return false;
		}
	}
	return true;
}

/* Creates the schema if asked, then imports, checks and commits; returns the exit status. */
static int import_into_target(ImportState *st, FILE *in)
{
	const ImportOptions *opts = st->opts;
	int failure = EXIT_FAILED;
	if (!db_list_tables(st->db, &st->target_tables))
		return EXIT_FAILED;
	if (opts->create_db) {
		if (!run_create_db(opts, &st->target_tables, &failure))
			return failure;
		if (opts->dry)
			return EXIT_OK;
		strlist_free(&st->target_tables);
		if (!db_list_tables(st->db, &st->target_tables))
			return EXIT_FAILED;
		if (st->target_tables.count == 0) {
			log_error("'%s' succeeded but %s still has no tables: do Pod's settings point to it?",
			          opts->createdb_command, db_display(st->db));
			return EXIT_FAILED;
		}
	}
	double started = clock_now();
	bool ok = check_pod_v4(&st->target_tables, opts->force) && db_begin(st->db) &&
	          db_defer_constraints(st->db) && import_file(st, in) &&
	          integrity_remove_dangling(st->db, &st->written_tables, &st->rejects, opts->strict, &st->summary) &&
	          recount_tags(st) &&
	          db_resume_foreign_keys(st->db) && reject_log_finish(&st->rejects);
	if (ok && opts->dry) {
		ok = db_rollback(st->db);
		log_info("Dry run: everything was rolled back, the database is unchanged.");
	} else if (ok) {
		ok = db_commit(st->db);
		if (!ok)
			log_error("the commit failed (see above): the database is unchanged");
	} else {
		db_rollback(st->db);
	}
	summary_print(&st->summary);
	if (!ok) {
		log_error("import failed (first error: %s); everything was rolled back, the database is unchanged",
		          log_first_error());
		return EXIT_FAILED;
	}
	log_info("Imported in %.2f s%s.", clock_now() - started, opts->dry ? " (dry run: rolled back)" : "");
	if (!opts->dry && !opts->only_tags)
		log_info("Next steps: make Pod v3's MEDIA_ROOT reachable from Pod v4, then run "
		         "'python manage.py index_videos --all' in Pod v4.");
	if (st->rejects.count == 0)
		return EXIT_OK;
	log_warn("%" PRIu64 " rows were left out%s: they are in %s", st->rejects.count,
	         opts->dry ? " (dry run)" : "", st->rejects.path);
	return EXIT_REJECTED;
}

int cmd_import(int argc, char **argv)
{
	ImportOptions opts;
	int exit_code = EXIT_FAILED;
	if (!parse_import_options(argc, argv, &opts, &exit_code))
		return exit_code;
	cli_install_signal_handlers();

	FILE *in = strcmp(opts.input, "-") == 0 ? stdin : fopen(opts.input, "rb");
	if (!in) {
		log_error("cannot open %s: %m", opts.input);
		return EXIT_FAILED;
	}
	ImportState st = {.opts = &opts};
	st.db = db_open(opts.db_url, DB_OPEN_WRITE);
	if (st.db) {
		log_info("Importing %s into Pod v4 database %s (%s)%s", opts.input, db_display(st.db),
		         db_engine_name(st.db), opts.dry ? ": dry run, nothing will be kept" : "");
		reject_log_init(&st.rejects, opts.input);
		exit_code = import_into_target(&st, in);
		db_close(st.db);
	}
	if (in != stdin)
		fclose(in);
	summary_free(&st.summary);
	strlist_free(&st.target_tables);
	strlist_free(&st.seen_tables);
	strlist_free(&st.written_tables);
	repairs_free(&st.repairs);
	v4_rows_free(&st.v4_rows);
	reject_log_free(&st.rejects);
	return exit_code;
}
