/* podmigrate: move an Esup-Pod database from Pod v3.8 to Pod v4. */
#include "cli.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static void main_usage(FILE *out)
{
	fputs("Usage: podmigrate COMMAND [options]\n"
	      "\n"
	      "Moves the database of an Esup-Pod video platform from Pod v3.8 to Pod v4, on\n"
	      "MariaDB/MySQL, PostgreSQL or SQLite, in two steps:\n"
	      "\n"
	      "  export   read the Pod v3 database into one JSON file\n"
	      "           (data_from_v3_to_v4/v3_exported_tables.json)\n"
	      "  import   load that file into the Pod v4 database made by 'make createDB',\n"
	      "           in one transaction\n"
	      "  verify   prove that the v4 database holds what v3 (or the file) gives,\n"
	      "           row by row, tag by tag\n"
	      "  migrate  export, import and verify in one command, with no file between\n"
	      "           them (both databases reachable from this machine)\n"
	      "\n"
	      "Run 'podmigrate COMMAND --help' for the options of a command.\n"
	      "\n"
	      "Example:\n"
	      "  podmigrate export --db mysql://pod@localhost/pod_v3\n"
	      "  podmigrate import --db mysql://pod@localhost/pod_v4 --dry\n"
	      "  podmigrate import --db mysql://pod@localhost/pod_v4\n"
	      "  podmigrate verify --from mysql://pod@localhost/pod_v3 --to mysql://pod@localhost/pod_v4\n"
	      "or at once, with the databases Pod's settings name (upstream's layout):\n"
	      "  cd /usr/local/django_projects && podmigrate migrate --from podv3 --to podv4\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help       show this help\n"
	      "  -V, --version    show the version\n",
	      out);
}

/* The commands: a new one is a cmd_NAME.c file and a line here. */
static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{"export", cmd_export},
	{"import", cmd_import},
	{"verify", cmd_verify},
	{"migrate", cmd_migrate},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	const char *command = argv[1];
	if (!strcmp(command, "-h") || !strcmp(command, "--help") || !strcmp(command, "help")) {
		main_usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(command, "-V") || !strcmp(command, "--version")) {
		printf("podmigrate %s\n", PODMIGRATE_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(command, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	log_error("unknown command '%s' (try 'podmigrate --help')", command);
	return EXIT_USAGE;
}
