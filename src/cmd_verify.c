/* podmigrate verify: options, help and the exit status; the work is in verify.c. */
#include "atomic_file.h"
#include "cli.h"
#include "db.h"
#include "log.h"
#include "pod_settings.h"
#include "stop.h"
#include "verify.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct CmdVerifyOptions {
	char *from; /* owned: the URL, or the install's, read into from_settings; holds any password */
	char *to;   /* owned, likewise */
	PodSettings from_settings, to_settings;
	const char *from_python, *to_python;
	const char *file;
	VerifyOptions verify;
} CmdVerifyOptions;

static void verify_usage(FILE *out)
{
	fputs("Usage: podmigrate verify --from V3 --to V4 [options]\n"
	      "       podmigrate verify --file FILE --to V4 [options]\n"
	      "\n"
	      "Proves that the Pod v4 database holds what the Pod v3 database (or the export\n"
	      "file the import read) gives: every table both have, row by row by primary\n"
	      "key, over the columns both have; values in one canonical form whatever the\n"
	      "engines (datetimes to the microsecond, booleans, uuids, durations, JSON\n"
	      "parsed), text byte for byte (on MariaDB an accent the collation ignores is\n"
	      "still a difference). What the import changes by rule is counted as\n"
	      "accounted for, not as a difference: repaired meetings, video_videotodelete\n"
	      "rows merged per date, rows left out because a reference pointed nowhere (and\n"
	      "what referenced them), the content types and permissions only v4 has, v3\n"
	      "columns v4 dropped, v4 columns at their model default. Then the tags, link by\n"
	      "link (names as the target's case rule sees them, slugs, counts), and every\n"
	      "sequence (the next id is past the largest). Both sides are only read, each in\n"
	      "one snapshot; tables are streamed, never held in memory.\n"
	      "\n"
	      "Run it right after the import, before Pod's own 'manage.py migrate' adds its\n"
	      "configuration keys, pages and playlists.\n"
	      "\n"
	      "Options:\n"
	      "  --from V3         the Pod v3 database (or PODMIGRATE_FROM), in --db's forms:\n"
	      "                      mysql://USER@HOST/DB, postgresql://USER@HOST/DB (or any\n"
	      "                      libpq URI or keyword string), sqlite:PATH\n"
	      "                    or the Pod v3 install's directory, whose settings name it\n"
	      "  --file FILE       instead of --from: the export file the import read\n"
	      "  --to V4           the Pod v4 database (or PODMIGRATE_TO, or PODMIGRATE_DB),\n"
	      "                    or the Pod v4 install's directory\n"
	      "  --from-python PATH, --to-python PATH  the Python that reads an install's\n"
	      "                    settings (as for migrate)\n"
	      "  --rejects FILE    the import's reject file: every row it lists must be one\n"
	      "                    that v3 leaves without a valid reference, and the reverse.\n"
	      "                    With --file, the rows it lists are those the import left\n"
	      "                    out (default: NAME.rejects.jsonl next to FILE, if there)\n"
	      "  --report FILE     also write what was found as JSON (per table counts, the\n"
	      "                    rows accounted for by rule, the differences shown);\n"
	      "                    '-' writes it to standard output\n"
	      "  --max-diffs N     differences shown per table (default 10)\n"
	      "  --force           verify even if a side does not look like Pod v3 / v4\n"
	      "  -v, --verbose     also print every SQL statement\n"
	      "  -q, --quiet       print only errors and differences\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "Examples:\n"
	      "  podmigrate verify --from mysql://pod@localhost/pod_v3 --to mysql://pod@localhost/pod_v4\n"
	      "  podmigrate verify --file data_from_v3_to_v4/v3_exported_tables.json \\\n"
	      "                    --to postgresql://pod@localhost/pod_v4 --report verify.json\n"
	      "\n"
	      "Exit status: 0 everything equal or accounted for, 1 could not verify,\n"
	      "2 usage, 4 differences found (listed, and in the report).\n",
	      out);
}

/* The URL parses; false (logged) if not: a usage error, found before connecting. */
static bool db_url_check(const char *text)
{
	DbUrl url;
	bool ok = db_url_parse(text, &url);
	db_url_free(&url);
	return ok;
}

/* The URL parses, and the report would not replace its SQLite file. */
static bool report_path_free(const char *report, const char *db_text, const char *what)
{
	DbUrl url;
	if (!db_url_parse(db_text, &url))
		return false;
	bool clash = url.engine == DB_ENGINE_SQLITE && same_file(report, url.path);
	if (clash)
		log_error("the report %s is %s itself: give another --report FILE", report, what);
	db_url_free(&url);
	return !clash;
}

static bool parse_verify_options(int argc, char **argv, CmdVerifyOptions *opts, int *exit_code)
{
	static const struct option long_options[] = {
		{"from", required_argument, NULL, 'F'},    {"to", required_argument, NULL, 'T'},
		{"file", required_argument, NULL, 'i'},    {"rejects", required_argument, NULL, 'r'},
		{"report", required_argument, NULL, 'R'},  {"max-diffs", required_argument, NULL, 'm'},
		{"force", no_argument, NULL, 'f'},         {"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
		{"from-python", required_argument, NULL, 'p'}, {"to-python", required_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	*opts = (CmdVerifyOptions){.verify = {.max_diffs = 10}};
	opts->from = cli_url_from_env("PODMIGRATE_FROM");
	opts->to = cli_url_from_env("PODMIGRATE_TO");
	if (!opts->to)
		opts->to = cli_db_url_from_env();
	optind = 1;
	int c, max_diffs;
	*exit_code = EXIT_USAGE;
	while ((c = getopt_long(argc, argv, "vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'F': xfree_secret(opts->from); opts->from = cli_take_db_url(optarg); break;
		case 'T': xfree_secret(opts->to); opts->to = cli_take_db_url(optarg); break;
		case 'i': opts->file = optarg; break;
		case 'r': opts->verify.rejects = optarg; break;
		case 'R': opts->verify.report = optarg; break;
		case 'm':
			if (!cli_parse_count("--max-diffs", optarg, 1000000, &max_diffs))
				return false;
			opts->verify.max_diffs = (size_t)max_diffs;
			break;
		case 'f': opts->verify.force = true; break;
		case 'p': opts->from_python = optarg; break;
		case 'P': opts->to_python = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'q': log_set_level(LOG_WARN); break; /* the differences are warnings: shown */
		case 'h': verify_usage(stdout); *exit_code = EXIT_OK; return false;
		default: cli_usage_hint("verify"); return false;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (try 'podmigrate verify --help')", argv[optind]);
		return false;
	}
	if (opts->file && opts->from && !getenv("PODMIGRATE_FROM")) {
		log_error("--from and --file are two ways to give the v3 side: give one (try 'podmigrate verify --help')");
		return false;
	}
	if (!opts->file && !opts->from) {
		log_error("--from URL (the v3 database) or --file FILE is required (try 'podmigrate verify --help')");
		return false;
	}
	if (!opts->to) {
		log_error("--to URL (the v4 database) is required (try 'podmigrate verify --help')");
		return false;
	}
	if ((opts->from && !opts->file &&
	     !cli_resolve_install(&opts->from, POD_INSTALL_V3, opts->from_python, &opts->from_settings, exit_code)) ||
	    !cli_resolve_install(&opts->to, POD_INSTALL_V4, opts->to_python, &opts->to_settings, exit_code))
		return false;
	const char *report = opts->verify.report;
	bool ok = !report || report_path_free(report, opts->to, "the v4 database");
	ok = ok && (!opts->file || db_url_check(opts->to));
	if (ok && !opts->file)
		ok = !report || report_path_free(report, opts->from, "the v3 database");
	if (ok && report && ((opts->file && same_file(report, opts->file)) ||
	                     (opts->verify.rejects && same_file(report, opts->verify.rejects)))) {
		log_error("the report %s is one of verify's inputs: give another --report FILE", report);
		ok = false;
	}
	return ok;
}

static void free_options(CmdVerifyOptions *opts)
{
	xfree_secret(opts->from);
	xfree_secret(opts->to);
	pod_settings_free(&opts->from_settings);
	pod_settings_free(&opts->to_settings);
}

static int verify_exit_status(VerifyOutcome outcome)
{
	return outcome == VERIFY_EQUAL ? EXIT_OK : outcome == VERIFY_DIFFERENT ? EXIT_DIFFERENT : EXIT_FAILED;
}

int cmd_verify(int argc, char **argv)
{
	CmdVerifyOptions opts;
	int exit_code;
	if (!parse_verify_options(argc, argv, &opts, &exit_code)) {
		free_options(&opts);
		return exit_code;
	}
	stop_install_handlers();
	VerifyOutcome outcome = VERIFY_FAILED;
	FILE *in = NULL;
	Db *v3 = NULL, *v4 = NULL;
	if (opts.file && strcmp(opts.file, "-") != 0 && !(in = fopen(opts.file, "rb")))
		log_error("cannot open %s: %m", opts.file);
	else if (opts.file && !in)
		in = stdin;
	else if (opts.file || (v3 = db_open(opts.from, DB_OPEN_READ)))
		v4 = db_open(opts.to, DB_OPEN_READ);
	if (v4)
		outcome = opts.file ? verify_file(in, opts.file, v4, &opts.verify) : verify_databases(v3, v4, &opts.verify);
	db_close(v3);
	db_close(v4);
	if (in && in != stdin)
		fclose(in);
	free_options(&opts);
	return verify_exit_status(outcome);
}
