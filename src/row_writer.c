#include "row_writer.h"

#include "log.h"
#include "utf8.h"
#include "values.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

bool row_writer_init(RowWriter *rw, const JsonWriter *w, const char *table, const DbColumns *columns)
{
	*rw = (RowWriter){.table = table, .columns = columns, .pk_index = SIZE_MAX};
	size_t pk_count = 0;
	for (size_t i = 0; i < columns->count; i++)
		if (columns->items[i].primary_key) {
			rw->pk_index = i;
			pk_count++;
		}
	if (pk_count != 1)
		rw->pk_index = SIZE_MAX;
	rw->keys = xmalloc(sizeof(StrBuf) * (columns->count ? columns->count : 1));
	bool ok = true;
	for (size_t i = 0; i < columns->count; i++) {
		rw->keys[i] = (StrBuf)STRBUF_INIT;
		if (ok && !json_prepare_key(w, columns->items[i].name, strlen(columns->items[i].name), &rw->keys[i])) {
			log_error("table %s: column name %s is not valid UTF-8", table, columns->items[i].name);
			ok = false;
		}
	}
	return ok;
}

void row_writer_describe(const RowWriter *rw, const DbValue *values, uint64_t row_number, StrBuf *out)
{
	sb_printf(out, "row %" PRIu64, row_number);
	if (rw->pk_index != SIZE_MAX && values[rw->pk_index].data) {
		sb_printf(out, " (%s=", rw->columns->items[rw->pk_index].name);
		utf8_append_visible(out, values[rw->pk_index].data, values[rw->pk_index].len, 64);
		sb_putc(out, ')');
	}
}

static void report_bad_value(const RowWriter *rw, const DbValue *values, uint64_t row_number,
                             const DbColumn *col, const DbValue *value, const char *why)
{
	StrBuf msg = STRBUF_INIT;
	sb_printf(&msg, "table %s, ", rw->table);
	row_writer_describe(rw, values, row_number, &msg);
	sb_printf(&msg, ", column %s (%s): %s", col->name, col->type, why);
	size_t bad;
	if (!utf8_validate(value->data, value->len, &bad))
		sb_printf(&msg, " at byte %zu", bad);
	sb_puts(&msg, ": '");
	utf8_append_visible(&msg, value->data, value->len, 80);
	sb_putc(&msg, '\'');
	log_error("%s", msg.data);
	sb_free(&msg);
}

bool row_writer_write(RowWriter *rw, JsonWriter *w, const DbValue *values, size_t ncols,
                      uint64_t row_number)
{
	json_begin_object(w);
	for (size_t i = 0; i < ncols && i < rw->columns->count; i++) {
		const DbColumn *col = &rw->columns->items[i];
		const char *why;
		json_key_prepared(w, rw->keys[i].data, rw->keys[i].len);
		if (!value_write_json(w, col->kind, &values[i], &rw->scratch, &why)) {
			report_bad_value(rw, values, row_number, col, &values[i], why);
			return false;
		}
	}
	json_end_object(w);
	return true;
}

void row_writer_free(RowWriter *rw)
{
	for (size_t i = 0; rw->keys && i < rw->columns->count; i++)
		sb_free(&rw->keys[i]);
	free(rw->keys);
	sb_free(&rw->scratch);
	rw->keys = NULL;
}
