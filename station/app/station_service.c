/* A slot taken out of service and put back: by the operator (x on the dashboard)
 * or by its port's health. The slot itself lets go of its ports (slot_service);
 * here, what the operator reads. */
#include <stdio.h>
#include <stdlib.h>

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
    if (on != !s->off && fota_results_port(st->results, s->name, !on, why, station_wall(st)) < 0)
        station_log(st, "%s: out of memory: its service state is not written to the results "
                        "database", s->name);
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

/* At start: the slots the results file keeps out of service (x, port health or
 * `fota-station port disable` in an earlier run) stay out. */
void station_service_start(station_t *st)
{
    enum { MAX = 4096 };
    fota_store_port_t *p = calloc(MAX, sizeof *p);
    int n = p ? fota_results_ports_off(st->results, p, MAX) : FOTA_E_NOMEM;
    if (n < 0)
        station_log(st, "results database: cannot read which slots are out of service; all "
                        "are in service");
    for (int i = 0; i < n && i < MAX; i++) {
        slot_t *s = station_host_slot(st, p[i].slot, true);
        if (!s)
            continue;
        station_log(st, "%s: out of service since %s%s%s (x on the dashboard or `fota-station "
                        "port enable` puts it back)", s->name, p[i].changed_at,
                    p[i].reason[0] ? ": " : "", p[i].reason);
        slot_service(s, false, p[i].reason);
        station_after(st, s);
    }
    free(p);
}
