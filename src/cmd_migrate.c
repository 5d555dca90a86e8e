/* podmigrate migrate: options, help and the exit status; the work is in migrate.c. */
#include "atomic_file.h"
#include "cli.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "pod_createdb.h"
#include "pod_settings.h"
#include "reject_log.h"
#include "stop.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct MigrateOptions {
	char *from; /* owned: the URL, or the install read into from_settings; holds any password */
	char *to;   /* owned, likewise */
	PodSettings from_settings, to_settings, createdb_settings; /* read for a Pod install */
	const char *from_python, *to_python;
	bool create_db;
	const char *pod_dir; /* where --createDB runs, NULL: --to's install */
	const char *createdb_command;
	const char *keep_file;
	const char *rejects;
	const char *report;
	int max_diffs;
	bool dry, strict, force, no_verify;
} MigrateOptions;

static void migrate_usage(FILE *out)
{
	fputs("Usage: podmigrate migrate --from V3 --to V4 [options]\n"
	      "\n"
	      "Export and import in one command, with no file between them: the Pod v3\n"
	      "database is read in one snapshot by one thread while the other loads the\n"
	      "rows into the Pod v4 database in ONE transaction, as 'podmigrate export'\n"
	      "then 'podmigrate import' would (same conversions, repairs, rows left out,\n"
	      "tags). On any error, Ctrl-C, kill or a server going away, v4 stays exactly\n"
	      "as it was. Then v4 is proven against v3, as 'podmigrate verify' does.\n"
	      "Stop Pod v3 first (or put it in maintenance): what it writes during the\n"
	      "migration is not in the snapshot, and verify would report it.\n"
	      "\n"
	      "Options:\n"
	      "  --from V3         the Pod v3 database (or PODMIGRATE_FROM): a URL in --db's\n"
	      "                    forms (mysql://USER@HOST/DB, postgresql://USER@HOST/DB or\n"
	      "                    any libpq URI or keyword string, sqlite:PATH), or the Pod\n"
	      "                    v3 install's directory (the one with manage.py): then its\n"
	      "                    settings name the database, as Django composes them\n"
	      "  --to V4           the Pod v4 database (or PODMIGRATE_TO), made by Pod v4's\n"
	      "                    'make createDB': a URL, or the Pod v4 install's directory\n"
	      "  --from-python PATH, --to-python PATH  the Python that reads an install's\n"
	      "                    settings (default: DIR/.venv, $VIRTUAL_ENV,\n"
	      "                    $WORKON_HOME/django_pod3 or django_pod4, then django_pod,\n"
	      "                    else python3)\n"
	      "  --createDB        first run Pod v4's 'make createDB' in the --to install (or\n"
	      "                    --pod-dir DIR, whose settings must name the --to database);\n"
	      "                    the database must have no tables\n"
	      "  --createdb-command CMD  what --createDB runs (default: make createDB)\n"
	      "  --keep-file FILE  also write the export file on the way (the one\n"
	      "                    'podmigrate export' writes, mode 0600)\n"
	      "  --rejects FILE    where rows left out are written (JSON Lines, mode 0600;\n"
	      "                    default: NAME.rejects.jsonl next to --keep-file, else\n"
	      "                    upstream's data_from_v3_to_v4/v3_exported_tables.rejects.jsonl\n"
	      "                    beside the --to install, else ./podmigrate.rejects.jsonl)\n"
	      "  --dry             do the whole migration, report, then roll v4 back\n"
	      "                    (no verify; no reject file unless --rejects names one;\n"
	      "                    a --keep-file is still written)\n"
	      "  --strict          abort on any row that breaks the v4 database instead of\n"
	      "                    leaving it out\n"
	      "  --no-verify       skip the proof at the end\n"
	      "  --report FILE     verify's JSON report ('-': standard output)\n"
	      "  --max-diffs N     differences verify shows per table (default 10)\n"
	      "  --force           go on even if a side does not look like Pod v3 / v4\n"
	      "  -v, --verbose     also print every SQL statement\n"
	      "  -q, --quiet       print only errors (and verify's differences)\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "Examples:\n"
	      "  cd /usr/local/django_projects\n"
	      "  podmigrate migrate --from podv3 --to podv4 --createDB --dry\n"
	      "  podmigrate migrate --from podv3 --to podv4 --createDB\n"
	      "  podmigrate migrate --from mysql://pod@localhost/pod_v3 --to mysql://pod@localhost/pod_v4 --dry\n"
	      "  podmigrate migrate --from sqlite:/srv/pod3/db.sqlite3 \\\n"
	      "                     --to postgresql://pod@db.example.org/pod_v4 --keep-file /tmp/pod.json\n"
	      "\n"
	      "Exit status: 0 done and verified, 1 failed (v4 is unchanged), 2 usage,\n"
	      "3 done but rows were left out (see the reject file), 4 done but verify found\n"
	      "differences or could not finish (the migration is committed).\n",
	      out);
}

/* A usage error unless the two sides and the files are distinct things. */
static bool check_paths(const MigrateOptions *opts)
{
	DbUrl from, to;
	bool from_ok = db_url_parse(opts->from, &from), to_ok = db_url_parse(opts->to, &to);
	bool ok = from_ok && to_ok, same = false;
	ok = ok && db_same_database(opts->from, opts->to, &same);
	if (ok && same) {
		log_error("--from and --to are the same database (%s): v4 needs a database of its own", to.redacted);
		ok = false;
	}
	const char *files[] = {opts->keep_file, opts->rejects, opts->report};
	const char *names[] = {"--keep-file", "--rejects", "--report"};
	for (size_t i = 0; ok && i < 3; i++) {
		if (!files[i] || !strcmp(files[i], "-"))
			continue;
		const char *clash = from.engine == DB_ENGINE_SQLITE && same_file(files[i], from.path) ? "the v3 database"
		                    : to.engine == DB_ENGINE_SQLITE && same_file(files[i], to.path)   ? "the v4 database"
		                                                                                     : NULL;
		for (size_t j = 0; !clash && j < i; j++)
			if (files[j] && (same_file(files[i], files[j]) || !strcmp(files[i], files[j])))
				clash = names[j];
		if (clash) {
			log_error("%s %s is %s: give another file", names[i], files[i], clash);
			ok = false;
		}
	}
	db_url_free(&from);
	db_url_free(&to);
	return ok;
}

/* --createDB: where it runs, and proof that it makes the schema of the --to database. */
static bool check_create_db(MigrateOptions *opts, int *exit_code)
{
	if (!opts->pod_dir) {
		opts->pod_dir = opts->to_settings.dir;
		if (!opts->pod_dir)
			log_error("--createDB runs Pod v4's 'make createDB': give --to as the Pod v4 install's directory, "
			          "or --pod-dir DIR");
		return opts->pod_dir != NULL;
	}
	bool is_install;
	return cli_read_install(opts->pod_dir, "--pod-dir", POD_INSTALL_V4, opts->to_python, &opts->createdb_settings,
	                        &is_install, exit_code) &&
	       cli_createdb_target_is(opts->to, "--to", &opts->createdb_settings, opts->pod_dir);
}

static bool parse_migrate_options(int argc, char **argv, MigrateOptions *opts, int *exit_code)
{
	static const struct option long_options[] = {
		{"from", required_argument, NULL, 'F'},      {"to", required_argument, NULL, 'T'},
		{"keep-file", required_argument, NULL, 'k'}, {"rejects", required_argument, NULL, 'r'},
		{"report", required_argument, NULL, 'R'},    {"max-diffs", required_argument, NULL, 'm'},
		{"dry", no_argument, NULL, 'n'},             {"dry-run", no_argument, NULL, 'n'},
		{"strict", no_argument, NULL, 's'},          {"no-verify", no_argument, NULL, 'N'},
		{"force", no_argument, NULL, 'f'},           {"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},           {"help", no_argument, NULL, 'h'},
		{"from-python", required_argument, NULL, 'p'}, {"to-python", required_argument, NULL, 'P'},
		{"createDB", no_argument, NULL, 'c'},        {"createdb", no_argument, NULL, 'c'},
		{"create-db", no_argument, NULL, 'c'},       {"pod-dir", required_argument, NULL, 'D'},
		{"createdb-command", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	*opts = (MigrateOptions){.max_diffs = 10, .createdb_command = "make createDB"};
	opts->from = cli_url_from_env("PODMIGRATE_FROM");
	opts->to = cli_url_from_env("PODMIGRATE_TO");
	optind = 1;
	int c;
	*exit_code = EXIT_USAGE;
	while ((c = getopt_long(argc, argv, "vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'F': xfree_secret(opts->from); opts->from = cli_take_db_url(optarg); break;
		case 'T': xfree_secret(opts->to); opts->to = cli_take_db_url(optarg); break;
		case 'k': opts->keep_file = optarg; break;
		case 'r': opts->rejects = optarg; break;
		case 'R': opts->report = optarg; break;
		case 'm':
			if (!cli_parse_count("--max-diffs", optarg, 1000000, &opts->max_diffs))
				return false;
			break;
		case 'p': opts->from_python = optarg; break;
		case 'P': opts->to_python = optarg; break;
		case 'c': opts->create_db = true; break;
		case 'D': opts->pod_dir = optarg; break;
		case 'C': opts->createdb_command = optarg; break;
		case 'n': opts->dry = true; break;
		case 's': opts->strict = true; break;
		case 'N': opts->no_verify = true; break;
		case 'f': opts->force = true; break;
		case 'v': log_set_level(LOG_DEBUG); break;
		case 'q': log_set_level(LOG_WARN); break; /* verify's differences are warnings: shown */
		case 'h': migrate_usage(stdout); *exit_code = EXIT_OK; return false;
		default: cli_usage_hint("migrate"); return false;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (try 'podmigrate migrate --help')", argv[optind]);
		return false;
	}
	if (!opts->from || !opts->to) {
		log_error("--from (the v3 database) and --to (the v4 database) are both required "
		          "(try 'podmigrate migrate --help')");
		return false;
	}
	if (opts->keep_file && !strcmp(opts->keep_file, "-")) {
		log_error("--keep-file needs a file name (the rows go to v4, not to standard output)");
		return false;
	}
	if (opts->pod_dir && !opts->create_db) {
		log_error("--pod-dir only says where --createDB runs: give --from and --to as the installs' directories");
		return false;
	}
	if (!cli_resolve_install(&opts->from, POD_INSTALL_V3, opts->from_python, &opts->from_settings, exit_code) ||
	    !cli_resolve_install(&opts->to, POD_INSTALL_V4, opts->to_python, &opts->to_settings, exit_code))
		return false;
	if (opts->create_db && !check_create_db(opts, exit_code))
		return false;
	return check_paths(opts);
}

static void free_options(MigrateOptions *opts)
{
	xfree_secret(opts->from);
	xfree_secret(opts->to);
	pod_settings_free(&opts->from_settings);
	pod_settings_free(&opts->to_settings);
	pod_settings_free(&opts->createdb_settings);
}

static int exit_status(MigrateOutcome outcome)
{
	switch (outcome) {
	case MIGRATE_DONE: return EXIT_OK;
	case MIGRATE_REJECTED: return EXIT_REJECTED;
	case MIGRATE_DIFFERENT: return EXIT_DIFFERENT;
	case MIGRATE_FAILED: break;
	}
	return EXIT_FAILED;
}

static MigrateOutcome migrate_between(Db *v3, Db *v4, const MigrateOptions *opts)
{
	StrList tables = STRLIST_INIT;
	PodCreateDb create = {.pod_dir = opts->pod_dir, .command = opts->createdb_command, .dry = opts->dry};
	if (!pod_createdb_tables(v4, opts->create_db ? &create : NULL, &tables)) {
		strlist_free(&tables);
		return MIGRATE_FAILED;
	}
	if (opts->create_db && opts->dry) { /* said what it would run: nothing to migrate into */
		strlist_free(&tables);
		return MIGRATE_DONE;
	}
	/* beside the file, as import's: the kept one, or where import --pod-dir would read it */
	const char *beside = opts->keep_file ? opts->keep_file : opts->to_settings.export_file;
	char *rejects = opts->rejects ? xstrdup(opts->rejects) : reject_log_default_path(beside ? beside : "-");
	MigrateSettings settings = {
		.keep_file = opts->keep_file,
		.import = {
			.input = "the stream from v3",
			.rejects_path = rejects,
			.write_rejects = !opts->dry || opts->rejects,
			.dry = opts->dry,
			.strict = opts->strict,
			.force = opts->force,
		},
		.verify = !opts->no_verify,
		.verify_options = {.max_diffs = (size_t)opts->max_diffs, .report = opts->report, .force = opts->force},
	};
	MigrateOutcome outcome = migrate_run(v3, v4, &tables, &settings);
	free(rejects);
	strlist_free(&tables);
	return outcome;
}

int cmd_migrate(int argc, char **argv)
{
	MigrateOptions opts;
	int exit_code;
	if (!parse_migrate_options(argc, argv, &opts, &exit_code)) {
		free_options(&opts);
		return exit_code;
	}
	stop_install_handlers();
	MigrateOutcome outcome = MIGRATE_FAILED;
	Db *v3 = db_open(opts.from, DB_OPEN_READ);
	Db *v4 = v3 ? db_open(opts.to, DB_OPEN_WRITE) : NULL;
	if (v4) {
		log_info("Migrating Pod v3 database %s (%s) to Pod v4 database %s (%s)%s", db_display(v3),
		         db_engine_name(v3), db_display(v4), db_engine_name(v4),
		         opts.dry ? ": dry run, nothing will be kept" : "");
		outcome = migrate_between(v3, v4, &opts);
	}
	db_close(v3);
	db_close(v4);
	free_options(&opts);
	return exit_status(outcome);
}
