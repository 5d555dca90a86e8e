/* podmigrate import: options, help, --createDB and the exit status; the work is in import.c. */
#include "atomic_file.h"
#include "cli.h"
#include "db.h"
#include "import.h"
#include "log.h"
#include "pod_createdb.h"
#include "pod_schema.h"
#include "reject_log.h"
#include "stop.h"
#include "verify.h"

#include <errno.h>
#include <getopt.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

typedef struct ImportOptions {
	char *db_url; /* owned */
	const char *input;
	const char *rejects; /* the reject file, NULL: the default next to the input */
	bool dry;
	bool force;
	bool only_tags;
	bool strict;
	bool create_db;
	bool verify; /* after the commit, prove the result (verify --file) */
	const char *pod_dir;
	bool pod_dir_given;  /* then its settings give the database and the file not given */
	bool input_given;
	const char *python;
	PodSettings settings; /* read when pod_dir_given; input may point into it */
	const char *createdb_command;
} ImportOptions;

static void import_usage(FILE *out)
{
	fprintf(out,
		"Usage: podmigrate import --db URL [-i FILE] [--dry] [options]\n"
		"       podmigrate import --pod-dir DIR [--createDB] [--dry] [options]\n"
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
		"      --pod-dir DIR the root of the Pod v4 install (the folder with manage.py):\n"
		"                    without --db, its database is the one Pod's settings name\n"
		"                    (DATABASES['default'], as Django composes them), and the\n"
		"                    default file is upstream's,\n"
		"                    DIR/../data_from_v3_to_v4/v3_exported_tables.json, where\n"
		"                    'export --pod-dir' of the v3 install beside it writes it.\n"
		"                    --createDB runs there (default: the current directory;\n"
		"                    with --db, DIR may also be a folder without manage.py)\n"
		"      --python PATH the Python that reads the settings (default: DIR/.venv,\n"
		"                    $VIRTUAL_ENV, $WORKON_HOME/django_pod4 or django_pod,\n"
		"                    else python3); without Django, only\n"
		"                    pod/custom/settings_local.py is read (with a warning)\n"
		"  -i, --input FILE  the JSON file (default: the one above with --pod-dir, else\n"
		"                    %s)\n"
		"      --rejects FILE  where rows left out are written (JSON Lines, mode 0600;\n"
		"                    default: next to the input, NAME.rejects.jsonl, or\n"
		"                    ./podmigrate.rejects.jsonl when the input is '-')\n"
		"      --dry         do the whole import, report, then roll everything back;\n"
		"                    writes no file (no reject file unless --rejects names one)\n"
		"      --createDB    first create the v4 schema and initial data by running Pod's\n"
		"                    'make createDB' in --pod-dir; the database must be empty\n"
		"                    (no tables). With --dry, only says what would be run.\n"
		"                    With --pod-dir and --db, both must name the same database.\n"

		"      --createdb-command CMD  what --createDB runs (default: make createDB)\n"
		"      --onlytags    only (re)build the tags: the tagulous tables are brought to\n"
		"                    what the file's video_tagging_tag_2_tagulous and\n"
		"                    recorder_tagging_tag_2_tagulous give, writing only the rows\n"
		"                    that differ; other tables are untouched, and only scanned\n"
		"                    over in the file (brackets, strings, UTF-8)\n"
		"      --strict      abort on any row that breaks the v4 database instead of\n"
		"                    leaving it out (see below)\n"
		"      --verify      after the commit, prove that the database holds what the\n"
		"                    file gives, as 'podmigrate verify --file' does (the rows\n"
		"                    read again from the file and the database): exit status 4\n"
		"                    if it does not, the import staying committed\n"
		"      --force       import even if the target does not look like Pod v4\n"
		"  -v, --verbose     also print every SQL statement\n"
		"  -q, --quiet       print only errors\n"
		"  -h, --help        show this help\n"
		"\n"
		"Examples:\n"
		"  podmigrate import --db postgresql://pod@localhost/pod_v4 --dry\n"
		"  MYSQL_PWD=secret podmigrate import --db mysql://pod@localhost/pod_v4\n"
		"  podmigrate import --db sqlite:/srv/pod4/db.sqlite3 -i /tmp/pod.json\n"
		"  podmigrate import --pod-dir /usr/local/django_projects/podv4 --createDB\n"
		"      # reads data_from_v3_to_v4/v3_exported_tables.json beside podv4\n"
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
		"3 done but rows were left out (see the reject file), 4 done but --verify\n"
		"found differences or could not finish (the import is committed).\n",
		POD_EXPORT_FILE);
}

/* The reject file: --rejects, or the default next to the input (owned by the caller). */
static char *reject_path(const ImportOptions *opts)
{
	return opts->rejects ? xstrdup(opts->rejects) : reject_log_default_path(opts->input);
}

/* The reject file may be neither the input nor the database (a sqlite: path given twice by mistake). */
static bool check_reject_path(const ImportOptions *opts, const DbUrl *url)
{
	char *path = reject_path(opts);
	const char *clash = strcmp(opts->input, "-") != 0 && same_file(path, opts->input) ? "the input file"
	                    : url->engine == DB_ENGINE_SQLITE && same_file(path, url->path) ? "the database"
	                                                                                     : NULL;
	if (clash)
		log_error("the reject file %s is %s itself: give another --rejects FILE", path, clash);
	free(path);
	return !clash;
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
		{"rejects", required_argument, NULL, 'r'},
		{"verify", no_argument, NULL, 'V'},
		{"python", required_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	*opts = (ImportOptions){.input = POD_EXPORT_FILE, .pod_dir = ".", .createdb_command = "make createDB"};
	opts->db_url = cli_db_url_from_env();
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "i:vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			free(opts->db_url);
			opts->db_url = cli_take_db_url(optarg);
			break;
		case 'i': opts->input = optarg; opts->input_given = true; break;
		case 'P': opts->python = optarg; break;
		case 'r': opts->rejects = optarg; break;
		case 'n': opts->dry = true; break;
		case 'f': opts->force = true; break;
		case 't': opts->only_tags = true; break;
		case 's': opts->strict = true; break;
		case 'c': opts->create_db = true; break;
		case 'V': opts->verify = true; break;
		case 'p': opts->pod_dir = optarg; opts->pod_dir_given = true; break;
		case 'C': opts->createdb_command = optarg; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'q': log_set_level(LOG_QUIET); break;
		case 'h': import_usage(stdout); *exit_code = EXIT_OK; return false;
		default:
			cli_usage_hint("import");
			*exit_code = EXIT_USAGE;
			return false;
		}
	}
	*exit_code = EXIT_USAGE;
	/* with --db, a --pod-dir without manage.py keeps its first meaning: only where --createDB runs */
	bool db_given = opts->db_url != NULL;
	if (optind == argc && opts->pod_dir_given && (!db_given || pod_install_has_manage_py(opts->pod_dir))) {
		if (!cli_use_pod_settings(opts->pod_dir, POD_INSTALL_V4, opts->python, &opts->settings, &opts->db_url,
		                          &opts->input, opts->input_given, exit_code))
			return false;
		if (db_given && opts->create_db &&
		    !cli_createdb_target_is(opts->db_url, "--db", &opts->settings, opts->pod_dir))
			return false;
	}
	if (!cli_options_done("import", argc, argv, opts->db_url))
		return false;
	if (opts->verify && strcmp(opts->input, "-") == 0) {
		log_error("--verify reads the file again: it needs -i FILE, not standard input");
		return false;
	}
	DbUrl url;
	bool ok = db_url_parse(opts->db_url, &url);
	ok = ok && check_reject_path(opts, &url);
	db_url_free(&url);
	return ok;
}

/* --verify: the file read again against the committed database; false when it is not proven. */
static bool verify_after(Db *db, const ImportOptions *opts, const char *rejects)
{
	FILE *in = fopen(opts->input, "rb");
	if (!in) {
		log_error("--verify: cannot open %s again: %m", opts->input);
		return false;
	}
	VerifyOptions verify = {.max_diffs = 10, .rejects = access(rejects, F_OK) == 0 ? rejects : NULL,
	                        .force = opts->force};
	VerifyOutcome outcome = verify_file(in, opts->input, db, &verify);
	fclose(in);
	if (outcome != VERIFY_EQUAL)
		log_error("--verify: the import is committed, but %s", outcome == VERIFY_DIFFERENT
		          ? "the database does not hold what the file gives (see above)"
		          : "verify could not finish");
	return outcome == VERIFY_EQUAL;
}

static int import_into(Db *db, FILE *in, const ImportOptions *opts)
{
	StrList tables = STRLIST_INIT;
	int exit_code = EXIT_FAILED;
	PodCreateDb create = {.pod_dir = opts->pod_dir, .command = opts->createdb_command, .dry = opts->dry};
	if (pod_createdb_tables(db, opts->create_db ? &create : NULL, &tables)) {
		if (opts->create_db && opts->dry) {
			exit_code = EXIT_OK; /* said what it would run: nothing to import into */
		} else {
			char *rejects = reject_path(opts);
			ImportSettings settings = {
				.input = opts->input,
				.rejects_path = rejects,
				.write_rejects = !opts->dry || opts->rejects, /* a dry run writes no file the user did not name */
				.dry = opts->dry,
				.only_tags = opts->only_tags,
				.strict = opts->strict,
				.force = opts->force,
			};
			ImportOutcome outcome = import_run(db, in, &tables, &settings);
			exit_code = outcome == IMPORT_DONE ? EXIT_OK : outcome == IMPORT_REJECTED ? EXIT_REJECTED : EXIT_FAILED;
			if (opts->verify && !opts->dry && exit_code != EXIT_FAILED && !verify_after(db, opts, rejects))
				exit_code = EXIT_DIFFERENT;
			free(rejects);
		}
	}
	strlist_free(&tables);
	return exit_code;
}

int cmd_import(int argc, char **argv)
{
	ImportOptions opts;
	int exit_code = EXIT_FAILED;
	if (!parse_import_options(argc, argv, &opts, &exit_code)) {
		xfree_secret(opts.db_url);
		pod_settings_free(&opts.settings);
		return exit_code;
	}
	stop_install_handlers();

	FILE *in = strcmp(opts.input, "-") == 0 ? stdin : fopen(opts.input, "rb");
	if (!in) {
		log_error("cannot open %s: %m", opts.input);
		xfree_secret(opts.db_url);
		pod_settings_free(&opts.settings);
		return EXIT_FAILED;
	}
	Db *db = db_open(opts.db_url, DB_OPEN_WRITE);
	xfree_secret(opts.db_url);
	exit_code = EXIT_FAILED;
	if (db) {
		log_info("Importing %s into Pod v4 database %s (%s)%s", opts.input, db_display(db), db_engine_name(db),
		         opts.dry ? ": dry run, nothing will be kept" : "");
		exit_code = import_into(db, in, &opts);
		db_close(db);
	}
	if (in != stdin)
		fclose(in);
	pod_settings_free(&opts.settings);
	return exit_code;
}
