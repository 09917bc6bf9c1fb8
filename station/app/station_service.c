/* A slot taken out of service and put back: by the operator (x on the dashboard)
 * or by its port's health. The slot itself lets go of its ports (slot_service);
 * here, what the operator reads. */
#include "station_int.h"

void station_service(station_t *st, slot_t *s, bool on, const char *why)
{
    if (on && s->off)
        station_log(st, "%s: back in service", s->name);
    if (!on && s->off)
        return;
    slot_service(s, on, why);
    if (!on && s->a)
        station_log(st, "%s: goes out of service when its attempt ends", s->name);
    station_after(st, s);
}
