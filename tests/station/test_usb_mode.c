/* Wrong USB modes: the emergency download ID table, the composition rule, the words
 * the slot shows, and the USB devices read from a sysfs tree (FOTA_SYSFS_ROOT). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usb_mode.h"
#include "usb_sysfs.h"

static void edl_table(void **state)
{
    (void)state;
    assert_true(fota_usb_mode_is_edl(0x05c6, 0x9008));
    /* Qualcomm's normal-mode and diagnostic IDs are not emergency download */
    assert_false(fota_usb_mode_is_edl(0x05c6, 0x9091));
    assert_false(fota_usb_mode_is_edl(0x05c6, 0x900e));
    assert_false(fota_usb_mode_is_edl(0x2c7c, 0x9008));
}

static void composition_rule(void **state)
{
    (void)state;
    /* EDL whatever the profiles say */
    assert_int_equal(fota_usb_mode_judge(0x05c6, 0x9008, false), FOTA_USB_MODE_EDL);
    assert_int_equal(fota_usb_mode_judge(0x05c6, 0x9008, true), FOTA_USB_MODE_EDL);
    /* a Quectel product a profile lists, and one no profile lists */
    assert_int_equal(fota_usb_mode_judge(0x2c7c, 0x0800, true), FOTA_USB_MODE_OK);
    assert_int_equal(fota_usb_mode_judge(0x2c7c, 0x0999, false), FOTA_USB_MODE_UNKNOWN);
    /* another vendor's device is none of the station's business (an FTDI adapter) */
    assert_int_equal(fota_usb_mode_judge(0x0403, 0x6001, false), FOTA_USB_MODE_OK);
    char w[128];
    fota_usb_mode_words(FOTA_USB_MODE_EDL, 0x05c6, 0x9008, 1, w, sizeof w);
    assert_string_equal(w, "emergency download mode: needs a full flash");
    fota_usb_mode_words(FOTA_USB_MODE_UNKNOWN, 0x2c7c, 0x0999, 2, w, sizeof w);
    assert_string_equal(w, "unexpected USB composition 2c7c:0999 (config 2)");
    fota_usb_mode_words(FOTA_USB_MODE_UNKNOWN, 0x2c7c, 0x0999, -1, w, sizeof w);
    assert_string_equal(w, "unexpected USB composition 2c7c:0999");
    fota_usb_mode_words(FOTA_USB_MODE_OK, 0x2c7c, 0x0800, 1, w, sizeof w);
    assert_string_equal(w, "");
    assert_string_equal(fota_usb_mode_name(FOTA_USB_MODE_EDL), "edl");
    assert_string_equal(fota_usb_mode_name(FOTA_USB_MODE_UNKNOWN), "unknown_composition");
}

static void put(const char *root, const char *rel, const char *text)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void mk(const char *root, const char *rel)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s'", root, rel);
    assert_int_equal(system(cmd), 0);
}

static void lnk(const char *root, const char *target, const char *rel)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    assert_int_equal(symlink(target, p), 0);
}

/* A controller with a hub, an EDL device (no serial attribute: "" then) and an
 * interface entry, which is not a device. */
static void sysfs_devices(void **state)
{
    (void)state;
    char root[] = "/tmp/fota-usb-sysfs-XXXXXX";
    assert_non_null(mkdtemp(root));
    const char *ctl = "sys/devices/pci0000:00/0000:00:14.0";
    char dev[512];
    mk(root, "sys/bus/usb/devices");
    mk(root, "sys/bus/pci/drivers/xhci_hcd");
    snprintf(dev, sizeof dev, "%s/usb1/1-1/1-1.2/1-1.2:1.0", ctl);
    mk(root, dev);
    lnk(root, "../../../../bus/pci/drivers/xhci_hcd", "sys/devices/pci0000:00/0000:00:14.0/driver");
    snprintf(dev, sizeof dev, "%s/usb1", ctl);
    put(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/idVendor", "1d6b\n");
    put(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/idProduct", "0002\n");
    put(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/bDeviceClass", "09\n");
    put(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/idVendor", "05e3\n");
    put(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/bDeviceClass", "09\n");
    put(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/idVendor", "05c6\n");
    put(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/idProduct", "9008\n");
    put(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/bConfigurationValue", "1\n");
    put(root, "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/bDeviceClass", "00\n");
    lnk(root, "../../../devices/pci0000:00/0000:00:14.0/usb1", "sys/bus/usb/devices/usb1");
    lnk(root, "../../../devices/pci0000:00/0000:00:14.0/usb1/1-1", "sys/bus/usb/devices/1-1");
    lnk(root, "../../../devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2",
        "sys/bus/usb/devices/1-1.2");
    lnk(root, "../../../devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.2/1-1.2:1.0",
        "sys/bus/usb/devices/1-1.2:1.0");
    setenv("FOTA_SYSFS_ROOT", root, 1);
    fota_usb_dev_t *d = NULL;
    size_t n = 0;
    assert_int_equal(fota_usb_list(&d, &n), 0);
    assert_int_equal(n, 3); /* 1-1, 1-1.2, usb1: the interface is left out */
    assert_string_equal(d[0].sysname, "1-1");
    assert_true(d[0].hub);
    assert_string_equal(d[1].slot, "pci-0000:00:14.0-usb-0:1.2");
    assert_int_equal(d[1].vid, 0x05c6);
    assert_int_equal(d[1].pid, 0x9008);
    assert_int_equal(d[1].config, 1);
    assert_string_equal(d[1].serial, "");
    assert_string_equal(d[1].controller, "0000:00:14.0");
    assert_string_equal(d[1].driver, "xhci_hcd");
    assert_true(d[2].root_hub);
    assert_string_equal(d[2].slot, "");
    assert_string_equal(d[2].controller, "0000:00:14.0");
    assert_ptr_equal(fota_usb_find_slot(d, n, "pci-0000:00:14.0-usb-0:1.2"), &d[1]);
    assert_null(fota_usb_find_slot(d, n, "pci-0000:00:14.0-usb-0:1.3"));
    char w[128];
    assert_int_equal(fota_usb_dev_mode(&d[1], NULL, w, sizeof w), FOTA_USB_MODE_EDL);
    assert_int_equal(fota_usb_dev_mode(&d[0], NULL, w, sizeof w), FOTA_USB_MODE_OK);
    free(d);
    /* no sysfs at all (a container): nothing, not an error */
    setenv("FOTA_SYSFS_ROOT", "/nonexistent-fota-root", 1);
    assert_int_equal(fota_usb_list(&d, &n), 0);
    assert_int_equal(n, 0);
    free(d);
    unsetenv("FOTA_SYSFS_ROOT");
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edl_table),
        cmocka_unit_test(composition_rule),
        cmocka_unit_test(sysfs_devices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
