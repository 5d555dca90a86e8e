#include "pod_repairs.h"

#include "log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define REPAIRS_SHOWN 20 /* per kind; then only counted */

/* Index of a load column, or -1 when the target has no such column. */
static int named(const DbColumns *columns, const char *name)
{
	return db_column_index(columns, name, strlen(name));
}

static PodRepairResult repair_meeting(PodRepairs *r, const DbColumns *columns, DbValue *values, uint64_t row)
{
	int start = named(columns, "start_at"), until = named(columns, "recurring_until");
	if (start < 0 || until < 0 || !values[start].data || !values[until].data || values[start].len < 10 ||
	    values[until].len != 10 || memcmp(values[until].data, values[start].data, 10) >= 0)
		return POD_REPAIR_NONE;
	if (!r->quiet && r->meetings_shown++ < REPAIRS_SHOWN)
		log_info("  repaired meeting row %" PRIu64 ": recurring_until %.10s is before the start date %.10s; "
		         "set to the start date", row, values[until].data, values[start].data);
	values[until].data = values[start].data; /* the date part of the UTC datetime */
	values[until].len = 10;
	return POD_REPAIR_CHANGED;
}

static PodRepairResult repair_video_to_delete(PodRepairs *r, const DbColumns *columns, DbValue *values, uint64_t row)
{
	int id = named(columns, "id"), date = named(columns, "date_deletion");
	if (id < 0 || date < 0 || !values[id].data || !values[date].data)
		return POD_REPAIR_NONE;
	size_t kept;
	if (!strmap_get(&r->date_to_id, values[date].data, values[date].len, &kept)) {
		char *copy = xstrndup(values[id].data, values[id].len);
		strlist_add(&r->kept_ids, copy);
		free(copy);
		strmap_put(&r->date_to_id, values[date].data, values[date].len, r->kept_ids.count - 1);
		return POD_REPAIR_NONE;
	}
	strmap_put(&r->merged_ids, values[id].data, values[id].len, kept);
	if (!r->quiet && r->merges_shown++ < REPAIRS_SHOWN)
		log_info("  repaired video_videotodelete row %" PRIu64 ": id %.*s has the same date_deletion %.*s as "
		         "id %s (unique in v4): merged into it", row, (int)values[id].len, values[id].data,
		         (int)values[date].len, values[date].data, r->kept_ids.items[kept]);
	return POD_REPAIR_DROPPED;
}

static PodRepairResult repair_video_to_delete_link(PodRepairs *r, const DbColumns *columns, DbValue *values)
{
	int todelete = named(columns, "videotodelete_id"), video = named(columns, "video_id");
	if (todelete < 0 || video < 0 || !values[todelete].data || !values[video].data)
		return POD_REPAIR_NONE;
	PodRepairResult result = POD_REPAIR_NONE;
	size_t kept;
	if (strmap_get(&r->merged_ids, values[todelete].data, values[todelete].len, &kept)) {
		const char *to = r->kept_ids.items[kept];
		values[todelete].data = to;
		values[todelete].len = strlen(to);
		result = POD_REPAIR_CHANGED;
	}
	/* a video linked to two merged rows would now be linked twice */
	sb_reset(&r->scratch);
	sb_append(&r->scratch, values[todelete].data, values[todelete].len);
	sb_putc(&r->scratch, ' ');
	sb_append(&r->scratch, values[video].data, values[video].len);
	size_t seen;
	if (strmap_get(&r->links, r->scratch.data, r->scratch.len, &seen))
		return POD_REPAIR_DROPPED;
	strmap_put(&r->links, r->scratch.data, r->scratch.len, 1);
	return result;
}

PodRepairResult pod_repairs_apply(PodRepairs *repairs, const char *table, const DbColumns *columns, DbValue *values,
                           uint64_t row)
{
	if (!strcmp(table, "meeting"))
		return repair_meeting(repairs, columns, values, row);
	if (!strcmp(table, "video_videotodelete"))
		return repair_video_to_delete(repairs, columns, values, row);
	if (!strcmp(table, "video_videotodelete_video"))
		return repair_video_to_delete_link(repairs, columns, values);
	return POD_REPAIR_NONE;
}

void pod_repairs_free(PodRepairs *repairs)
{
	strmap_free(&repairs->date_to_id);
	strlist_free(&repairs->kept_ids);
	strmap_free(&repairs->merged_ids);
	strmap_free(&repairs->links);
	sb_free(&repairs->scratch);
}
