/*
 * What podmigrate knows of Pod's schema: the tables moved from v3 to v4 in
 * order, the tag pseudo-tables, the v3 and v4 checks, v4's model defaults
 * and the v3 columns v4 dropped.
 */
#ifndef PODMIGRATE_POD_SCHEMA_H
#define PODMIGRATE_POD_SCHEMA_H

#include "db.h"
#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

/* Where upstream's export command writes its file, relative to where it runs (the default of both commands). */
#define POD_EXPORT_FILE "data_from_v3_to_v4/v3_exported_tables.json"

/* The tables of upstream's export list, in its order (tags pseudo-tables excluded). */
extern const char *const pod_v3_tables[];
extern const size_t pod_v3_table_count;

/* The two pseudo-tables that carry the tags from django-tagging to tagulous. */
typedef struct PodTagSource {
	const char *table;     /* pseudo-table name in the JSON file */
	const char *id_column; /* "video_id" / "recorder_id" */
	const char *app_label; /* django_content_type of the tagged model */
	const char *model;
	/* In Pod v4: the tagged objects, the tagulous tag model, the M2M table and its columns. */
	const char *object_table;
	const char *tag_table;
	const char *relation_table;
	const char *relation_object_column;
	const char *relation_tag_column;
} PodTagSource;

extern const PodTagSource pod_tag_sources[];
extern const size_t pod_tag_source_count;

/* The tag pseudo-table named table, or NULL. */
const PodTagSource *pod_tag_source_find(const char *table);
/* The tag source whose v4 relation table (video_video_tags, ...) is table, or NULL. */
const PodTagSource *pod_tag_source_of_relation(const char *table);

/* The key of a pseudo-table row that holds its object's tag string. */
#define POD_TAG_STRING_KEY "tag_name"

/*
 * Whether the tables (a database's) look like the source or the target of
 * the move: not, they log why and return false, unless force (then a warning).
 */
bool pod_check_v3(const StrList *tables, bool force);
bool pod_check_v4(const StrList *tables, bool force);

/*
 * The default a Pod v4 model declares for a NOT NULL column (Django writes
 * none into the database), as canonical text; NULL when none is known.
 */
const char *pod_v4_model_default(const char *table, const char *column);

/* Whether v4 has the table of the model app_label.model (Django's default name, app_label_model). */
bool pod_v4_model_has_table(const char *app_label, size_t app_len, const char *model, size_t model_len,
                            const StrList *v4_tables);

/*
 * Whether a row of table, past v3's keys, is one of the rows v4 has of its
 * own that the import adds back (content types and permissions): a
 * content type must name a model whose table v4 has (Django's default name,
 * app_label_model); a permission is v4's if its content type is (the foreign
 * key holds). values are the row's, per columns.
 */
bool pod_v4_own_row(const char *table, const DbColumns *columns, const DbValue *values, const StrList *v4_tables);

/* Why a v3 column is absent from v4, when it is known and expected; NULL otherwise. */
const char *pod_v4_dropped_column(const char *table, const char *column);

#endif
