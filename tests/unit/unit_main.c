#include "unit.h"

#include "log.h"

int unit_passed, unit_failed;

int main(void)
{
	log_set_level(LOG_SILENT);
	test_json_writer();
	test_values();
	test_tags();
	test_db_url();
	test_strmap();
	test_json_reader();
	test_init();
	test_fuzz_regressions();
	test_row_stream();
	test_byte_channel();
	test_spill();
	printf("unit: %d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}
