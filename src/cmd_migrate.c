/* podmigrate migrate: options, help and the exit status; the work is in migrate.c. */
#include "atomic_file.h"
#include "cli.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "reject_log.h"
#include "stop.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct MigrateOptions {
	char *from; /* owned */
	char *to;   /* owned */
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
	      "  --from URL        the Pod v3 database (or PODMIGRATE_FROM), in --db's forms:\n"
	      "                      mysql://USER@HOST/DB, postgresql://USER@HOST/DB (or any\n"
	      "                      libpq URI or keyword string), sqlite:PATH\n"
	      "  --to URL          the Pod v4 database (or PODMIGRATE_TO), made by Pod v4's\n"
	      "                    'make createDB'\n"
	      "  --keep-file FILE  also write the export file on the way (the one\n"
	      "                    'podmigrate export' writes, mode 0600)\n"
	      "  --rejects FILE    where rows left out are written (JSON Lines, mode 0600;\n"
	      "                    default: NAME.rejects.jsonl next to --keep-file, or\n"
	      "                    ./podmigrate.rejects.jsonl)\n"
	      "  --dry             do the whole migration, report, then roll v4 back\n"
	      "                    (no verify; no reject file unless --rejects names one)\n"
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
	bool ok = from_ok && to_ok;
	if (ok && from.engine == to.engine &&
	    (from.engine == DB_ENGINE_SQLITE ? same_file(from.path, to.path) : !strcmp(from.redacted, to.redacted))) {
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
		{NULL, 0, NULL, 0},
	};
	*opts = (MigrateOptions){.max_diffs = 10};
	opts->from = cli_url_from_env("PODMIGRATE_FROM");
	opts->to = cli_url_from_env("PODMIGRATE_TO");
	optind = 1;
	int c;
	*exit_code = EXIT_USAGE;
	while ((c = getopt_long(argc, argv, "vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'F': free(opts->from); opts->from = cli_take_db_url(optarg); break;
		case 'T': free(opts->to); opts->to = cli_take_db_url(optarg); break;
		case 'k': opts->keep_file = optarg; break;
		case 'r': opts->rejects = optarg; break;
		case 'R': opts->report = optarg; break;
		case 'm':
			if (!cli_parse_count("--max-diffs", optarg, 1000000, &opts->max_diffs))
				return false;
			break;
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
	return check_paths(opts);
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
	if (!db_list_tables(v4, &tables))
		return MIGRATE_FAILED;
	char *rejects = opts->rejects ? xstrdup(opts->rejects) : reject_log_default_path(opts->keep_file ? opts->keep_file : "-");
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
		free(opts.from);
		free(opts.to);
		return exit_code;
	}
	stop_install_handlers();
	MigrateOutcome outcome = MIGRATE_FAILED;
	Db *v3 = db_open(opts.from, DB_OPEN_READ);
	Db *v4 = v3 ? db_open(opts.to, DB_OPEN_WRITE) : NULL;
	free(opts.from);
	free(opts.to);
	if (v4) {
		log_info("Migrating Pod v3 database %s (%s) to Pod v4 database %s (%s)%s", db_display(v3),
		         db_engine_name(v3), db_display(v4), db_engine_name(v4),
		         opts.dry ? ": dry run, nothing will be kept" : "");
		outcome = migrate_between(v3, v4, &opts);
	}
	db_close(v3);
	db_close(v4);
	return exit_status(outcome);
}
