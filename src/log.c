#include "log.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static LogLevel threshold = LOG_INFO;
static bool progress_visible;
static char first_error[1024];
/* A message is written whole even when a reader thread (row_stream.c) logs meanwhile. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(LogLevel level) { threshold = level; }

bool log_enabled(LogLevel level)
{
	return level >= threshold || (level == LOG_ERROR && threshold != LOG_SILENT);
}

static const char *level_prefix(LogLevel level)
{
	switch (level) {
	case LOG_DEBUG: return "debug: ";
	case LOG_WARN: return "warning: ";
	case LOG_ERROR: return "error: ";
	default: return "";
	}
}

const char *log_first_error(void) { return first_error; }

void log_msg(LogLevel level, const char *fmt, ...)
{
	pthread_mutex_lock(&log_lock);
	if (level == LOG_ERROR && !first_error[0]) {
		va_list copy;
		va_start(copy, fmt);
		vsnprintf(first_error, sizeof(first_error), fmt, copy);
		va_end(copy);
	}
	if (log_enabled(level)) {
		progress_clear();
		va_list ap;
		va_start(ap, fmt);
		fputs(level >= LOG_WARN ? "podmigrate: " : "", stderr);
		fputs(level_prefix(level), stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	pthread_mutex_unlock(&log_lock);
}

bool progress_enabled(void) { return threshold <= LOG_INFO && isatty(STDERR_FILENO); }

void progress_show(const char *fmt, ...)
{
	if (!progress_enabled())
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_visible = true;
}

void progress_clear(void)
{
	if (!progress_visible)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_visible = false;
}

void progress_start(TableProgress *p, const char *table)
{
	*p = (TableProgress){.table = table, .started = clock_now()};
	p->last_shown = p->started;
}

void progress_rows(TableProgress *p, uint64_t rows)
{
	if (p->hidden || rows % 8192 != 0) /* the clock is read only now and then */
		return;
	double now = clock_now();
	if (now - p->last_shown < 0.5)
		return;
	p->last_shown = now;
	double rate = (double)rows / (now - p->started > 0 ? now - p->started : 1);
	progress_show("  %-45s %12" PRIu64 " rows  %10.0f rows/s", p->table, rows, rate);
}

double clock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
