/* Shared pieces of the command-line layer: exit codes, the --db argument, option checks. */
#ifndef PODMIGRATE_CLI_H
#define PODMIGRATE_CLI_H

#include "pod_settings.h"

#include <stdbool.h>

#define PODMIGRATE_VERSION "0.1.0"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,   /* nothing changed: the target is as it was */
	EXIT_USAGE = 2,
	EXIT_REJECTED = 3,  /* import completed, some rows were rejected */
	EXIT_DIFFERENT = 4, /* verify found differences */
};

/*
 * The --db argument as an owned copy; the password is then overwritten in
 * argv itself, as the MySQL client does: /proc/PID/cmdline is world-readable.
 */
char *cli_take_db_url(char *arg);

/* The variable name's non-empty value, as an owned copy, or NULL. */
char *cli_url_from_env(const char *name);
/* The --db default: PODMIGRATE_DB, as an owned copy, or NULL. */
char *cli_db_url_from_env(void);
/* After a bad option (getopt said which): "Try 'podmigrate COMMAND --help'." */
void cli_usage_hint(const char *command);
/* After getopt: no argument left over and a --db given; false (logged) is a usage error. */
bool cli_options_done(const char *command, int argc, char **argv, const char *db_url);

/* Parses a whole non-negative number for an option; logs and returns false if invalid. */
bool cli_parse_count(const char *option, const char *text, int max, int *value);

/* --- --pod-dir DIR and --python PATH: the database and the file from a Pod install's settings --- */

/*
 * Reads the settings of the install at pod_dir (pod_settings.h) into
 * *settings, then fills what the command was not given: *db_url (owned;
 * NULL when not given) with their database, and *file (when file_given is
 * false) with upstream's default path, borrowed from *settings. False
 * (logged) with *exit_code EXIT_USAGE when pod_dir is no Pod install,
 * EXIT_FAILED when its settings cannot be read.
 */
bool cli_use_pod_settings(const char *pod_dir, PodInstallVersion version, const char *python, PodSettings *settings,
                          char **db_url, const char **file, bool file_given, int *exit_code);

/*
 * Reads the settings of text when it names a Pod install (*is_install);
 * with option (its name, for the message), text must be one. False (logged,
 * *exit_code EXIT_USAGE, or EXIT_FAILED when the settings cannot be read)
 * when it names a folder that is no install.
 */
bool cli_read_install(const char *text, const char *option, PodInstallVersion version, const char *python,
                      PodSettings *settings, bool *is_install, int *exit_code);
/*
 * --createDB makes the schema in the database of the install's settings:
 * true when url (given as option) names that one, else false, logged (a
 * usage error, naming both, redacted).
 */
bool cli_createdb_target_is(const char *url, const char *option, const PodSettings *settings, const char *pod_dir);
/* migrate's and verify's --from/--to: an install's settings give the URL (*url, owned, replaced); a URL stays. */
bool cli_resolve_install(char **url, PodInstallVersion version, const char *python, PodSettings *settings,
                         int *exit_code);

/* --- end of --pod-dir --- */

int cmd_export(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_migrate(int argc, char **argv);

#endif
