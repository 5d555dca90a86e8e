/*
 * The database of a Pod install, read from its own settings (--pod-dir).
 *
 * Pod composes its settings in Python: pod/settings.py runs every
 * pod/APP/settings.py, then every pod/APP/settings_local.py, and a local
 * file may compute its values from what came before. Only Python can give
 * the result, so the install's own interpreter is run from the install's
 * root, asks Django for DATABASES['default'] and BASE_DIR, and sends them as
 * JSON on a pipe (never in argv or the environment). Where that Python has
 * no Django, pod/custom/settings_local.py alone is evaluated, with a warning.
 */
#ifndef PODMIGRATE_POD_SETTINGS_H
#define PODMIGRATE_POD_SETTINGS_H

#include <stdbool.h>

/* Which install: it picks the virtualenv names Pod's docs give (django_pod3 or django_pod4, then django_pod). */
typedef enum { POD_INSTALL_V3, POD_INSTALL_V4 } PodInstallVersion;

/* Filled by pod_settings_read; every member owned; pod_settings_free wipes db_url before freeing it. */
typedef struct PodSettings {
	char *dir;         /* the install's root, as given */
	char *db_url;      /* a connection string db_open() accepts; holds the password */
	char *db_redacted; /* db_url with the password hidden: for messages */
	char *base_dir;    /* Pod's BASE_DIR (the install's pod/ folder), absolute */
	char *export_file; /* upstream's BASE_DIR/../../data_from_v3_to_v4/v3_exported_tables.json, normalized */
	char *python;      /* the interpreter that read the settings */
	bool by_django;    /* false: pod/custom/settings_local.py alone (no Django in that Python) */
} PodSettings;

/*
 * Reads the settings of the install at dir with python (NULL: dir/.venv,
 * $VIRTUAL_ENV, $WORKON_HOME/NAME, else python3 on PATH) and says which way
 * (log_info, or log_warn for the fallback). False (logged, naming the
 * settings file and line when Python gave them) on any failure; *out is then
 * safe to pod_settings_free.
 */
bool pod_settings_read(const char *dir, PodInstallVersion version, const char *python, PodSettings *out);
void pod_settings_free(PodSettings *settings);

/*
 * For an argument that is a Pod install or a database URL (migrate
 * --from/--to): *is_install is true when text names an existing directory.
 * False (logged) when that directory is no Pod install (no manage.py).
 */
bool pod_install_arg(const char *text, bool *is_install);
/* Whether dir holds a manage.py (Pod's, presumably); quiet. */
bool pod_install_has_manage_py(const char *dir);

#endif
