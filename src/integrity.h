/*
 * Before the import commits: rows whose foreign keys point nowhere (objects
 * deleted in v3 but still referenced) are found with one anti-join per
 * foreign key, written to the reject file and deleted, again and again until
 * nothing dangles (a deleted row may leave its own children dangling). The
 * engines would refuse the commit (PostgreSQL, SQLite) or, with MariaDB's
 * foreign_key_checks off, keep a broken database.
 */
#ifndef PODMIGRATE_INTEGRITY_H
#define PODMIGRATE_INTEGRITY_H

#include "db.h"
#include "reject_log.h"
#include "summary.h"

/*
 * Checks the foreign keys of tables (those the import wrote). With strict,
 * the first dangling row fails the check. Rejected rows are counted in the
 * summary rows of their tables.
 */
bool integrity_remove_dangling(Db *db, const StrList *tables, RejectLog *rejects, bool strict, Summary *summary);

#endif
