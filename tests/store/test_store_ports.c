/* Table port_service (schema 10): a slot's service state, written and read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store.h"
#include "store_ports.h"
#include "store_test_util.h"

#define SLOT_A "pci-0000:00:14.0-usb-0:1.3.2"
#define SLOT_B "pci-0000:00:14.0-usb-0:1.1.1"

static void service_state_round_trip(void **state)
{
    (void)state;
    tu_remove_db("ports.db");
    fota_store_t *s;
    assert_int_equal(fota_store_open("ports.db", &s, NULL, 0), 0);
    fota_store_port_t p[4];
    assert_int_equal(fota_store_port_list(s, false, p, 4), 0); /* all in service */
    assert_int_equal(fota_store_port_set(s, SLOT_A, true, "3 hardware failures in a row",
                                         1700000000000), 0);
    assert_int_equal(fota_store_port_set(s, SLOT_B, true, NULL, 1700000001000), 0);
    assert_int_equal(fota_store_port_list(s, true, p, 4), 2);
    assert_string_equal(p[0].slot, SLOT_B); /* by slot */
    assert_string_equal(p[0].reason, "");   /* the operator */
    assert_string_equal(p[1].reason, "3 hardware failures in a row");
    assert_string_equal(p[1].changed_at, "2023-11-14T22:13:20.000Z");
    /* back in service: one row per slot, listed after those out */
    assert_int_equal(fota_store_port_set(s, SLOT_A, false, NULL, 1700000002000), 0);
    assert_int_equal(fota_store_port_list(s, true, p, 4), 1);
    assert_int_equal(fota_store_port_list(s, false, p, 4), 2);
    assert_true(p[0].off);
    assert_false(p[1].off);
    assert_string_equal(p[1].slot, SLOT_A);
    fota_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(service_state_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
