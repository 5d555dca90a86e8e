#include "cli.h"

#include "db.h"
#include "db_url.h"
#include "log.h"
#include "strbuf.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cli_parse_count(const char *option, const char *text, int max, int *value)
{
	char *end;
	long v = strtol(text, &end, 10);
	if (!*text || *end || v < 0 || v > max) {
		log_error("%s takes a whole number from 0 to %d, not '%s'", option, max, text);
		return false;
	}
	*value = (int)v;
	return true;
}

char *cli_take_db_url(char *arg)
{
	char *copy = xstrdup(arg);
	db_url_hide_in_place(arg);
	return copy;
}

char *cli_url_from_env(const char *name)
{
	const char *value = getenv(name);
	return value && *value ? xstrdup(value) : NULL;
}

char *cli_db_url_from_env(void)
{
	return cli_url_from_env("PODMIGRATE_DB");
}

bool cli_read_install(const char *text, const char *option, PodInstallVersion version, const char *python,
                      PodSettings *settings, bool *is_install, int *exit_code)
{
	*exit_code = EXIT_USAGE;
	if (!pod_install_arg(text, is_install))
		return false;
	if (!*is_install && option) {
		log_error("%s %s is not a directory", option, text);
		return false;
	}
	if (*is_install && !pod_settings_read(text, version, python, settings)) {
		*exit_code = EXIT_FAILED;
		return false;
	}
	return true;
}

bool cli_use_pod_settings(const char *pod_dir, PodInstallVersion version, const char *python, PodSettings *settings,
                          char **db_url, const char **file, bool file_given, int *exit_code)
{
	bool is_install;
	if (!cli_read_install(pod_dir, "--pod-dir", version, python, settings, &is_install, exit_code))
		return false;
	if (!*db_url)
		*db_url = xstrdup(settings->db_url);
	if (!file_given)
		*file = settings->export_file;
	return true;
}

bool cli_createdb_target_is(const char *url, const char *option, const PodSettings *settings, const char *pod_dir)
{
	bool same;
	if (!db_same_database(url, settings->db_url, &same))
		return false;
	if (!same) {
		char *given = db_url_redact(url);
		log_error("--createDB would create the schema in %s (the settings of --pod-dir %s) but %s names %s: "
		          "they must name the same database", settings->db_redacted, pod_dir, option, given);
		free(given);
	}
	return same;
}

bool cli_resolve_install(char **url, PodInstallVersion version, const char *python, PodSettings *settings,
                         int *exit_code)
{
	bool is_install;
	if (!cli_read_install(*url, NULL, version, python, settings, &is_install, exit_code))
		return false;
	if (is_install) {
		free(*url); /* a path: no secret */
		*url = xstrdup(settings->db_url);
	}
	return true;
}

void cli_usage_hint(const char *command)
{
	fprintf(stderr, "Try 'podmigrate %s --help'.\n", command);
}

bool cli_options_done(const char *command, int argc, char **argv, const char *db_url)
{
	if (optind < argc) {
		log_error("unexpected argument '%s' (try 'podmigrate %s --help')", argv[optind], command);
		return false;
	}
	if (!db_url || !*db_url) {
		log_error("--db URL (or --pod-dir DIR) is required (try 'podmigrate %s --help')", command);
		return false;
	}
	return true;
}
