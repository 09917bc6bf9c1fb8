/* by-path names -> slot (hub port) and interface number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "by_path.h"

static const struct {
    const char *name, *slot;
    int interface;
    bool usb;
} rows[] = {
    /* usb-serial (option driver): the four interfaces of one RG500Q share a slot */
    {"pci-0000:00:14.0-usb-0:1.4:1.0-port0", "pci-0000:00:14.0-usb-0:1.4", 0, true},
    {"pci-0000:00:14.0-usb-0:1.4:1.3-port0", "pci-0000:00:14.0-usb-0:1.4", 3, true},
    /* behind two hubs, and an ACM interface without -portN */
    {"pci-0000:00:14.0-usb-0:1.2.3:1.2-port0", "pci-0000:00:14.0-usb-0:1.2.3", 2, true},
    {"pci-0000:00:14.0-usb-0:1.2.3:1.12", "pci-0000:00:14.0-usb-0:1.2.3", 12, true},
    /* an embedded controller whose own name contains -usb- */
    {"platform-xhci-usb-hcd.0.auto-usb-0:1.1:1.2-port0", "platform-xhci-usb-hcd.0.auto-usb-0:1.1", 2, true},
    /* shapes that are not a USB interface: the link is its own slot */
    {"pci-0000:00:14.0-usb-0:1.4", "pci-0000:00:14.0-usb-0:1.4", -1, false},
    {"pci-0000:00:14.0-usb-0:1.4:1.2-portx", "pci-0000:00:14.0-usb-0:1.4:1.2-portx", -1, false},
    {"pci-0000:00:14.0-usb-0:1.4:1.2-port0-extra", "pci-0000:00:14.0-usb-0:1.4:1.2-port0-extra", -1, false},
    {"pci-0000:00:14.0-usb-0:1.4:.2", "pci-0000:00:14.0-usb-0:1.4:.2", -1, false},
    {"platform-serial8250-uart-3", "platform-serial8250-uart-3", -1, false},
    {"module-a-at", "module-a-at", -1, false},
    {"", "", -1, false},
};

static void by_path_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fota_by_path_t p;
        bool usb = fota_by_path_parse(rows[i].name, &p);
        print_message("%-50s -> %s iface %d\n", rows[i].name, p.slot, p.interface);
        assert_int_equal(usb, rows[i].usb);
        assert_string_equal(p.slot, rows[i].slot);
        assert_int_equal(p.interface, rows[i].interface);
    }
}

static void by_path_long_name_is_cut_not_overrun(void **state)
{
    (void)state;
    char name[400];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    fota_by_path_t p;
    assert_false(fota_by_path_parse(name, &p));
    assert_int_equal(strlen(p.slot), sizeof p.slot - 1);
}

/* Two hub ports are two modules, whatever IMEI each reports; a slot whose name hides
 * the hub could be another port of any module. */
static void one_device_only_where_names_allow(void **state)
{
    (void)state;
    const char *a = "pci-0000:00:14.0-usb-0:1.1.1", *b = "pci-0000:00:14.0-usb-0:1.1.2";
    assert_true(fota_by_path_is_hub_port(a));
    assert_true(fota_by_path_is_hub_port("platform-xhci-usb-hcd.0.auto-usb-0:1.1"));
    assert_false(fota_by_path_is_hub_port("m11-if2"));
    assert_false(fota_by_path_is_hub_port("pci-0000:00:14.0-usb-0:1.4:1.2-port0"));
    assert_false(fota_by_path_is_hub_port("pci-0000:00:14.0-usb-0:"));
    assert_false(fota_by_path_is_hub_port("platform-serial8250-uart-3"));
    assert_false(fota_by_path_one_device(a, b));
    assert_true(fota_by_path_one_device(a, a));
    assert_true(fota_by_path_one_device("m11-if2", "m11-if3"));
    assert_true(fota_by_path_one_device(a, "m11-if3"));
    assert_true(fota_by_path_one_device("platform-serial8250-uart-3", b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(by_path_table),
        cmocka_unit_test(by_path_long_name_is_cut_not_overrun),
        cmocka_unit_test(one_device_only_where_names_allow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
