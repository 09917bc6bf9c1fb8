/* method_common_*: what the upgrade methods (method_<name>.c) share: command
 * templates, names, progress words, and their two ways to end a transfer (the
 * package is on the module; the module takes over with AT+QFOTADL). */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void method_common_delivered(machine_t *m, uint64_t now)
{
    machine_action_transfer_end(m); /* the token is free as soon as the bytes are out */
    fota_machine_next(m, OUTCOME_DELIVERED, now);
}

void method_common_take_over(machine_t *m, const char *arg, uint64_t now)
{
    free(m->upd.arg);
    size_t n = strlen(arg) + 1;
    m->upd.arg = malloc(n);
    if (!m->upd.arg) {
        machine_finish_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    memcpy(m->upd.arg, arg, n);
    fota_machine_next(m, OUTCOME_TAKE_OVER, now);
}

char *method_common_command(const char *tmpl, const char *arg)
{
    size_t alen = strlen(arg), n = 0;
    for (const char *p = tmpl; *p;) {
        bool field = strncmp(p, "{arg}", 5) == 0 || strncmp(p, "{hex}", 5) == 0;
        n += field ? alen : 1;
        p += field ? 5 : 1;
    }
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "{arg}", 5) == 0 || strncmp(p, "{hex}", 5) == 0) {
            memcpy(o, arg, alen);
            o += alen;
            p += 5;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

const char *method_common_package_name(const fota_package_t *p)
{
    return fota_package_display_name(p);
}

/* The flow-control command: the USB AT port's, else the UART's (Quectel
 * EC200T&UC200T FOTA User Guide, §3.3). */
const char *method_common_flow_command(const fota_method_profile_t *mp)
{
    if (mp->flow_command && *mp->flow_command)
        return mp->flow_command;
    if (mp->flow_command_uart && *mp->flow_command_uart)
        return mp->flow_command_uart;
    return NULL;
}

void method_common_progress(machine_t *m, const char *verb, size_t off, int *last_percent)
{
    size_t size = m->pkg->size;
    int pct = (int)(off * 100 / size);
    if (pct / 5 != *last_percent / 5 || off == size) {
        *last_percent = pct;
        machine_action_progress(m, FOTA_PHASE_DL_PROGRESS, pct, "%s %zu/%zu KiB", verb,
                                off / 1024, size / 1024);
    }
}
