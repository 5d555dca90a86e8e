#include "summary.h"

#include "log.h"
#include "strbuf.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TableSummary *summary_add(Summary *summary, const char *table)
{
	summary->items = xgrow(summary->items, summary->count, &summary->cap, sizeof(TableSummary *));
	TableSummary *t = xmalloc(sizeof(*t)); /* apart, so that it stays where it is */
	*t = (TableSummary){.table = xstrdup(table)};
	summary->items[summary->count++] = t;
	return t;
}

TableSummary *summary_find(const Summary *summary, const char *table)
{
	for (size_t i = 0; i < summary->count; i++)
		if (!strcmp(summary->items[i]->table, table))
			return summary->items[i];
	return NULL;
}

void summary_print(const Summary *summary)
{
	TableSummary total = {.table = "total"}, folded = {0};
	size_t folded_count = 0;
	log_info("%-45s %12s %12s %9s %9s %8s", "table", "read", "inserted", "repaired", "rejected",
	         "seconds");
	StrBuf shown = STRBUF_INIT; /* a table name from the file may hold any byte */
	for (size_t i = 0; i < summary->count; i++) {
		const TableSummary *t = summary->items[i];
		sb_reset(&shown);
		utf8_append_visible(&shown, t->table, strlen(t->table), 100);
		if (t->folded) {
			folded_count++;
			folded.read += t->read;
			folded.seconds += t->seconds;
			folded.note = t->note;
		} else {
			log_info("%-45s %12" PRIu64 " %12" PRIu64 " %9" PRIu64 " %9" PRIu64 " %8.2f%s%s", shown.data,
			         t->read, t->inserted, t->repaired, t->rejected, t->seconds, t->note ? "  " : "",
			         t->note ? t->note : "");
		}
		total.read += t->read;
		total.inserted += t->inserted;
		total.repaired += t->repaired;
		total.rejected += t->rejected;
		total.seconds += t->seconds;
	}
	sb_free(&shown);
	if (folded_count) {
		char label[64];
		snprintf(label, sizeof(label), "(%zu other tables)", folded_count);
		log_info("%-45s %12" PRIu64 " %12d %9d %9d %8.2f  %s", label, folded.read, 0, 0, 0, folded.seconds,
		         folded.note ? folded.note : "");
	}
	log_info("%-45s %12" PRIu64 " %12" PRIu64 " %9" PRIu64 " %9" PRIu64 " %8.2f", total.table, total.read,
	         total.inserted, total.repaired, total.rejected, total.seconds);
}

void summary_free(Summary *summary)
{
	for (size_t i = 0; i < summary->count; i++) {
		free(summary->items[i]->table);
		free(summary->items[i]);
	}
	free(summary->items);
	*summary = (Summary){0};
}
