#include "unit.h"

#include "json_writer.h"
#include "utf8.h"

#include <stdlib.h>

/* Runs fn with a writer on a memory stream and returns what it wrote. */
static char *render(void (*fn)(JsonWriter *), bool ascii, int indent)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	JsonWriter writer;
	json_writer_init(&writer, f, ascii, indent);
	fn(&writer);
	json_writer_flush(&writer);
	json_writer_free(&writer);
	fclose(f);
	return buf;
}

static const char tricky[] = "a\"b\\c\n\t\x01\x1f\x7f/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";

static void write_string(JsonWriter *w) { json_string(w, tricky, sizeof(tricky) - 1); }

static void write_nul(JsonWriter *w) { json_string(w, "a\0b", 3); }

static void write_doc(JsonWriter *w)
{
	json_begin_object(w);
	json_key(w, "t", 1);
	json_begin_array(w);
	json_begin_object(w);
	json_key(w, "id", 2);
	json_number(w, "1", 1);
	json_key(w, "ok", 2);
	json_bool(w, true);
	json_key(w, "x", 1);
	json_null(w);
	json_end_object(w);
	json_begin_object(w);
	json_key(w, "id", 2);
	json_number(w, "2", 1);
	json_end_object(w);
	json_end_array(w);
	json_key(w, "empty", 5);
	json_begin_array(w);
	json_end_array(w);
	json_end_object(w);
	json_finish(w);
}

void test_json_writer(void)
{
	char *s = render(write_string, true, 0);
	/* Python: json.dumps(s) with ensure_ascii=True gives exactly this */
	CHECK_STR(s, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7f/\\u00e9\\u20ac\\ud83d\\ude00\"");
	free(s);
	s = render(write_string, false, 0);
	CHECK_STR(s, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f\x7f/\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	free(s);
	s = render(write_nul, true, 0);
	CHECK_STR(s, "\"a\\u0000b\"");
	free(s);

	s = render(write_doc, true, 0);
	CHECK_STR(s, "{\n\"t\":[\n{\"id\":1,\"ok\":true,\"x\":null},\n{\"id\":2}\n],\n\"empty\":[]\n}\n");
	free(s);
	s = render(write_doc, true, 4);
	CHECK_STR(s, "{\n    \"t\": [\n        {\n            \"id\": 1,\n            \"ok\": true,\n"
	             "            \"x\": null\n        },\n        {\n            \"id\": 2\n        }\n"
	             "    ],\n    \"empty\": []\n}\n");
	free(s);

	/* a prepared key renders like json_key */
	StrBuf key = STRBUF_INIT;
	JsonWriter writer;
	json_writer_init(&writer, stdout, true, 4);
	CHECK(json_prepare_key(&writer, "caf\xc3\xa9", 5, &key));
	CHECK_STR(key.data, "\"caf\\u00e9\": ");
	sb_free(&key);
	CHECK(!json_prepare_key(&writer, "\xff", 1, &key));
	json_writer_free(&writer);

	/* invalid UTF-8 is refused, whatever the output mode */
	size_t bad = 99;
	CHECK(!utf8_validate("ab\xff", 3, &bad) && bad == 2);
	CHECK(!utf8_validate("\xc0\xaf", 2, &bad) && bad == 0);         /* overlong '/' */
	CHECK(!utf8_validate("\xed\xa0\x80", 3, &bad));                  /* UTF-16 surrogate */
	CHECK(!utf8_validate("\xf4\x90\x80\x80", 4, &bad));              /* past U+10FFFF */
	CHECK(!utf8_validate("\xe2\x82", 2, &bad) && bad == 0);          /* truncated */
	CHECK(utf8_validate("\xf0\x9f\x98\x80 \xc3\x9f", 7, &bad));
	FILE *f = fopen("/dev/null", "w");
	json_writer_init(&writer, f, true, 0);
	CHECK(!json_string(&writer, "\xff", 1));
	CHECK(!json_key(&writer, "\xc3", 1));
	json_writer_flush(&writer);
	json_writer_free(&writer);
	fclose(f);
}
