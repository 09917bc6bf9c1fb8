/* The slots' USB hardware (station_int.h, station_usb_*, station_host_power): wrong
 * USB modes on the slots, the host controllers' budget, and the hub ports' power. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "by_path.h"
#include "station_int.h"
#include "usb_sysfs.h"
#include "util.h"

/* The slot's device, judged by the profiles: a wrong mode is the slot's FAIL row
 * (once per device); anything else clears it. */
static void usb_judge(station_t *st, slot_t *s, const fota_usb_dev_t *d)
{
    char words[128], key[192];
    if (d && fota_usb_dev_mode(d, &st->profiles, words, sizeof words) != FOTA_USB_MODE_OK) {
        snprintf(key, sizeof key, "%04x:%04x %s", d->vid, d->pid, d->serial);
        slot_usb_mode(s, words, d->serial, key);
    } else {
        slot_usb_mode(s, NULL, NULL, NULL);
    }
}

static bool usb_warned(const station_t *st, const char *controller)
{
    for (size_t i = 0; i < st->n_usb_warned; i++)
        if (strcmp(st->usb_warned[i], controller) == 0)
            return true;
    return false;
}

/* An xHCI controller gives every USB device (hubs included) one of its device
 * slots and endpoint contexts; many controllers offer 32 slots (the MaxSlots of
 * their capability registers) and run out of endpoint or bandwidth resources
 * around there ("Not enough host controller resources for new device state" in
 * the kernel log): the next module is then refused by the kernel, not by the
 * station. Said once per controller, naming it, its driver and its hubs. */
static void usb_budget(station_t *st, const fota_usb_dev_t *d, size_t n)
{
    unsigned limit = st->job->limits.usb_devices_per_controller;
    if (!limit)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *c = d[i].controller;
        if (!c[0] || d[i].root_hub || usb_warned(st, c))
            continue;
        unsigned count = 0;
        char hubs[192] = "";
        size_t hl = 0;
        for (size_t j = 0; j < n; j++) {
            if (d[j].root_hub || strcmp(d[j].controller, c) != 0)
                continue;
            count++;
            if (d[j].hub && hl < sizeof hubs) {
                int k = snprintf(hubs + hl, sizeof hubs - hl, "%s%s %04x:%04x", hl ? ", " : "",
                                 d[j].sysname, d[j].vid, d[j].pid);
                hl += k > 0 ? (size_t)k : 0;
            }
        }
        if (count <= limit)
            continue;
        if (st->n_usb_warned < sizeof st->usb_warned / sizeof st->usb_warned[0])
            fota_copy(st->usb_warned[st->n_usb_warned++], sizeof st->usb_warned[0], c);
        snprintf(st->usb_banner, sizeof st->usb_banner,
                 "USB controller %s (%s) carries %u devices, more than "
                 "limits.usb_devices_per_controller %u; hubs: %s",
                 c, d[i].driver[0] ? d[i].driver : "driver unknown", count, limit,
                 hubs[0] ? hubs : "none");
        station_log(st, "%s: past that a controller runs out of device slots or endpoints "
                        "and the kernel refuses the next module; spread the hubs over "
                        "more controllers", st->usb_banner);
    }
}

/* After a listing: the slots whose device left its wrong mode (or went) are cleared;
 * the controllers' budget. The owner has made and judged the wrong ones' slots. */
void station_usb_listed(station_t *st, const fota_usb_dev_t *d, size_t n)
{
    for (size_t i = 0; i < st->n_slots; i++) { /* left the wrong mode, or gone */
        slot_t *s = st->slots[i];
        if (s->usb_wrong[0] && !fota_usb_find_slot(d, n, s->name))
            usb_judge(st, s, NULL);
    }
    usb_budget(st, d, n);
}

bool station_usb_wrong(const station_t *st, const fota_usb_dev_t *d)
{
    char words[128];
    return fota_usb_dev_mode(d, &st->profiles, words, sizeof words) != FOTA_USB_MODE_OK;
}

void station_usb_judge(station_t *st, slot_t *s, const fota_usb_dev_t *d)
{
    usb_judge(st, s, d);
}

void station_usb_slot(station_t *st, slot_t *s)
{
    if (!fota_by_path_is_hub_port(s->name))
        return; /* a pty or a UART: no USB device to read */
    fota_usb_dev_t *d = NULL;
    size_t n = 0;
    if (fota_usb_list(&d, &n) < 0)
        return;
    usb_judge(st, s, fota_usb_find_slot(d, n, s->name));
    free(d);
}

/* ---- hub port power ------------------------------------------------------------ */

/* The slots' hub port power: the port's `disable` file (io/port_power.c), found
 * from the module's tty when the power is cut and kept for switching it back on
 * (the links are gone by then). A file that is missing or refused is said once per
 * slot; the job's `power: {method: uhubctl}` then switches the port with uhubctl,
 * a child on the loop. docs/station.md, "Power cycling". */
static void power_uhubctl_done(void *ctx, int status)
{
    station_slot_t *ss = ctx;
    if (status != 0)
        station_log(ss->st, "%s: uhubctl -l %s -p %d ended with status %d", ss->slot.name,
                    ss->power.hub, ss->power.port, status);
}

static int power_find(station_slot_t *ss)
{
    const slot_t *s = &ss->slot;
    int rc = FOTA_E_NOENT;
    for (size_t i = 0; i < s->n_ifs && rc; i++)
        if (s->ifs[i].present && s->ifs[i].id.usb)
            rc = fota_port_power_find(s->ifs[i].tty, &ss->power);
    return rc;
}

int station_host_power(void *ctx, slot_t *s, bool on)
{
    station_t *st = ctx;
    station_slot_t *ss = station_slot_of(s);
    const fota_power_t *cfg = &st->job->power;
    if (!on) {
        int rc = power_find(ss);
        if (rc) {
            if (!ss->power_said)
                station_log(st, "%s: its USB device is not found in sysfs: not power-cycled",
                            s->name);
            ss->power_said = true;
            return rc;
        }
    }
    int rc = fota_port_power_write(&ss->power, on);
    if (rc == 0)
        return 0;
    if (!ss->power_said) {
        ss->power_said = true;
        station_log(st, "%s: %s: %s (%s)%s", s->name,
                    ss->power.file[0] ? ss->power.file : "no port power switch",
                    ss->power.file[0] ? fota_strerror(rc)
                                      : "its hub has no `disable` file: Linux 6.0 or later",
                    rc == FOTA_E_ACCES ? "install the udev rule" : "hub port power",
                    cfg->uhubctl ? "; uhubctl is used instead" : "; not power-cycled");
    }
    if (!cfg->uhubctl)
        return rc;
    return fota_port_power_uhubctl(st->loop, &ss->power, on, power_uhubctl_done, ss);
}

