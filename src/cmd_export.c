/* podmigrate export: options, help, the source and the output file; the work is in export.c. */
#include "atomic_file.h"
#include "cli.h"
#include "db.h"
#include "export.h"
#include "log.h"
#include "pod_schema.h"
#include "stop.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct ExportOptions {
	char *db_url; /* owned */
	const char *output;
	bool output_given;
	const char *pod_dir; /* --pod-dir: the Pod v3 install whose settings give the database and the file */
	const char *python;
	PodSettings settings; /* read when pod_dir is given; output may point into it */
	bool utf8;
	int indent;
	bool force;
} ExportOptions;

static void export_usage(FILE *out)
{
	fprintf(out,
		"Usage: podmigrate export --db URL [-o FILE] [options]\n"
		"       podmigrate export --pod-dir DIR [options]\n"
		"\n"
		"Reads every table of a Pod v3.8 database (the tables of Esup-Pod's\n"
		"export_data_from_v3_to_v4 list, plus the tags of each video and recorder) in\n"
		"one consistent snapshot, and writes them to one JSON file that podmigrate\n"
		"import, or Pod's own import_data_from_v3_to_v4, loads into Pod v4.\n"
		"Pod v3 may keep running meanwhile: the export only reads.\n"
		"\n"
		"Options:\n"
		"  --db URL          the Pod v3 database (or PODMIGRATE_DB; else --pod-dir's):\n"
		"                      mysql://USER@HOST:PORT/DB   (or mariadb://; ?socket=PATH)\n"
		"                      postgresql://USER@HOST:PORT/DB  (or any libpq URI or\n"
		"                                                   \"host=... dbname=...\" string)\n"
		"                      sqlite:PATH\n"
		"                    Passwords are best left out of the URL: MYSQL_PWD or\n"
		"                    ~/.my.cnf [client] for MariaDB; PGPASSWORD, ~/.pgpass or\n"
		"                    PGSERVICE for PostgreSQL. They never appear in messages.\n"
		"      --pod-dir DIR the root of the Pod v3 install (the folder with manage.py):\n"
		"                    without --db, its database is the one Pod's settings name\n"
		"                    (DATABASES['default'], as Django composes pod/*/settings.py\n"
		"                    and pod/*/settings_local.py), and the default file is\n"
		"                    upstream's: DIR/../data_from_v3_to_v4/\n"
		"                    v3_exported_tables.json, beside the install, where\n"
		"                    'import --pod-dir' of the v4 install looks for it\n"
		"      --python PATH the Python that reads the settings (default: DIR/.venv,\n"
		"                    $VIRTUAL_ENV, $WORKON_HOME/django_pod3 or django_pod,\n"
		"                    else python3); without Django, only\n"
		"                    pod/custom/settings_local.py is read (with a warning)\n"
		"  -o, --output FILE the JSON file (default: the one above with --pod-dir, else\n"
		"                    %s);\n"
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
		"  podmigrate export --pod-dir /usr/local/django_projects/podv3\n"
		"      # writes data_from_v3_to_v4/v3_exported_tables.json beside podv3\n"
		"\n"
		"Exit status: 0 done, 1 failed (no file written, any previous one kept), 2 usage.\n",
		POD_EXPORT_FILE);
}

static bool parse_export_options(int argc, char **argv, ExportOptions *opts, int *exit_code)
{
	static const struct option long_options[] = {
		{"db", required_argument, NULL, 'd'},   {"output", required_argument, NULL, 'o'},
		{"utf8", no_argument, NULL, 'u'},       {"indent", required_argument, NULL, 'i'},
		{"force", no_argument, NULL, 'f'},      {"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},      {"help", no_argument, NULL, 'h'},
		{"pod-dir", required_argument, NULL, 'p'}, {"python", required_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	*opts = (ExportOptions){.output = POD_EXPORT_FILE};
	opts->db_url = cli_db_url_from_env();
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "o:vqh", long_options, NULL)) != -1) {
		switch (c) {
		case 'd':
			free(opts->db_url);
			opts->db_url = cli_take_db_url(optarg);
			break;
		case 'o': opts->output = optarg; opts->output_given = true; break;
		case 'p': opts->pod_dir = optarg; break;
		case 'P': opts->python = optarg; break;
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
			cli_usage_hint("export");
			*exit_code = EXIT_USAGE;
			return false;
		}
	}
	*exit_code = EXIT_USAGE;
	if (optind == argc && opts->pod_dir &&
	    !cli_use_pod_settings(opts->pod_dir, POD_INSTALL_V3, opts->python, &opts->settings, &opts->db_url,
	                          &opts->output, opts->output_given, exit_code))
		return false;
	if (!cli_options_done("export", argc, argv, opts->db_url))
		return false;
	DbUrl url; /* a malformed URL is a usage error, found before connecting */
	bool ok = db_url_parse(opts->db_url, &url);
	if (ok && url.engine == DB_ENGINE_SQLITE && strcmp(opts->output, "-") != 0 && same_file(opts->output, url.path)) {
		log_error("the output %s is the source database itself: give another -o FILE", opts->output);
		ok = false;
	}
	db_url_free(&url);
	return ok;
}

int cmd_export(int argc, char **argv)
{
	ExportOptions opts;
	int exit_code = EXIT_FAILED;
	if (!parse_export_options(argc, argv, &opts, &exit_code)) {
		xfree_secret(opts.db_url);
		pod_settings_free(&opts.settings);
		return exit_code;
	}
	stop_install_handlers();

	double started = clock_now();
	Db *db = db_open(opts.db_url, DB_OPEN_READ);
	xfree_secret(opts.db_url);
	if (!db) {
		pod_settings_free(&opts.settings);
		return EXIT_FAILED;
	}
	log_info("Exporting Pod v3 database %s (%s)", db_display(db), db_engine_name(db));

	StrList present = STRLIST_INIT;
	ExportTotals totals = {0};
	AtomicFile out = {0};
	bool to_stdout = strcmp(opts.output, "-") == 0;
	bool ok = export_begin(db, opts.force, &present);
	if (ok && !to_stdout)
		ok = atomic_file_open(&out, opts.output, S_IRUSR | S_IWUSR);
	if (ok) {
		JsonWriter w;
		json_writer_init(&w, to_stdout ? stdout : out.fp, !opts.utf8, opts.indent);
		ok = export_run(db, &w, &present, true, &totals);
		json_writer_flush(&w);
		ok = ok && json_writer_ok(&w);
		json_writer_free(&w);
	}
	if (ok && to_stdout && (fflush(stdout) != 0 || ferror(stdout))) {
		log_error("cannot write to standard output");
		ok = false;
	}
	export_end(db);
	db_close(db);
	if (ok && !to_stdout)
		ok = atomic_file_commit(&out);
	else if (!to_stdout)
		atomic_file_abort(&out);

	if (ok) {
		export_report_absent(&totals);
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
	export_totals_free(&totals);
	pod_settings_free(&opts.settings);
	return ok ? EXIT_OK : EXIT_FAILED;
}
