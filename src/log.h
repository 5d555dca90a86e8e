/* Messages for the user (stderr) and a one-line progress display on a TTY. */
#ifndef PODMIGRATE_LOG_H
#define PODMIGRATE_LOG_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_NOTICE,
	LOG_WARN,
	LOG_ERROR,
	LOG_QUIET, /* only as a threshold: print nothing but errors */
	LOG_SILENT /* only as a threshold: print nothing (unit tests) */
} LogLevel;

void log_set_level(LogLevel level);
bool log_enabled(LogLevel level);
void log_msg(LogLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* The first error logged since the start ("" if none): repeated under a long summary. */
const char *log_first_error(void);

/* Progress lines are only drawn when stderr is a terminal and not quiet. */
bool progress_enabled(void);
void progress_show(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_clear(void);

/* The progress of one table: its rows so far and their rate, as export and import show it. */
typedef struct TableProgress {
	const char *table; /* borrowed: the caller's, for as long as the progress is shown */
	double started;    /* clock_now() at progress_start */
	double last_shown;
	bool hidden; /* counted but never drawn: a second job of the process draws its own */
} TableProgress;

void progress_start(TableProgress *p, const char *table);
/* Called per row: draws a line every 8192 rows, at most twice a second. */
void progress_rows(TableProgress *p, uint64_t rows);

/* Monotonic clock in seconds, for timings and rates. */
double clock_now(void);

#endif
