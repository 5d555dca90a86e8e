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
 * Checks the foreign keys of the tables the import wrote (written), leaving
 * out their dangling rows; with strict, the first one fails the check.
 * Rejected rows are counted in the summary rows of their tables. Then the
 * keys from every other table of the target (all_tables) into the written
 * ones: such a row is v4's own, not the file's, so one that dangles fails
 * the import, named (the engines would refuse the commit, or on MariaDB keep
 * a broken database).
 */
bool integrity_remove_dangling(Db *db, const StrList *written, const StrList *all_tables, RejectLog *rejects,
                               bool strict, Summary *summary);

#endif
