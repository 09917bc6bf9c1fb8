/* A slot taken out of service and put back: by the operator (x on the dashboard)
 * or by its port's health. The slot itself lets go of its ports (slot_service);
 * here, what the operator reads. */
#include <stdio.h>

#include "port_health.h"
#include "station_int.h"

void station_service(station_t *st, slot_t *s, bool on, const char *why)
{
    if (on && s->off) {
        station_log(st, "%s: back in service", s->name);
        station_slot_of(s)->hw_streak = 0;
    }
    if (!on && s->off)
        return;
    slot_service(s, on, why);
    if (!on && s->a)
        station_log(st, "%s: goes out of service when its attempt ends", s->name);
    station_after(st, s);
}

void station_port_health(station_t *st, slot_t *s, const fota_attempt_t *a)
{
    unsigned k = st->job->limits.port_health_failures;
    if (!fota_port_health_note(&station_slot_of(s)->hw_streak, a->result, a->error_class, k))
        return;
    char why[64];
    snprintf(why, sizeof why, "%u hardware failure%s in a row", k, k == 1 ? "" : "s");
    station_service(st, s, false, why);
}
