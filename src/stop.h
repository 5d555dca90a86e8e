/*
 * Stopping cleanly on SIGINT, SIGTERM or SIGHUP: the handler only records
 * the signal; long loops ask stop_requested() and unwind, so the transaction
 * is rolled back and no file is left half-written. A second signal kills.
 */
#ifndef PODMIGRATE_STOP_H
#define PODMIGRATE_STOP_H

#include <stdbool.h>

/* Installed by each command before it touches a database or a file (SIGPIPE is ignored). */
void stop_install_handlers(void);
/* True (and logged, as an error) once a stop signal came. */
bool stop_requested(void);

#endif
