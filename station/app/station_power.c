/* The slots' hub port power: the port's `disable` file (io/port_power.c), found
 * from the module's tty when the power is cut and kept for switching it back on
 * (the links are gone by then). A file that is missing or refused is said once per
 * slot; the job's `power: {method: uhubctl}` then switches the port with uhubctl,
 * a child on the loop. docs/station.md, "Power cycling". */
#include <string.h>

#include "station_int.h"

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

bool station_power_cycle(station_t *st, const char *slot_name)
{
    slot_t *s = station_host_slot(st, slot_name, false);
    if (!s || !slot_power_request(s))
        return false;
    station_after(st, s);
    return true;
}
