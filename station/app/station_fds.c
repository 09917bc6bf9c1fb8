/* Descriptors and the line: how many modules the limit holds, and what the station
 * says when it runs short (fd_budget.h). Running short never fails a module: the port
 * that could not be opened is tried again (station/slot: slot_choose.c, slot_reboot.c) and the ports
 * folder that could not be listed keeps its links (watch.c). */
#include <limits.h>
#include <stdio.h>

#include "fd_budget.h"
#include "station_int.h"

#define FDS_SHORT_EVERY_MS 30000

void station_fds_start(station_t *st)
{
    fota_fd_budget_t b;
    fota_fd_budget_now(&b);
    st->fd_short_ms = -1;
    st->fd_modules = b.modules;
    if (b.limit == UINT64_MAX) {
        st->fd_modules = UINT_MAX;
        station_log(st, "descriptors: no limit, %u in use", b.in_use);
        return;
    }
    station_log(st, "descriptors: limit %llu, %u in use, enough for about %u modules (%d each "
                    "while its AT port is chosen)",
                (unsigned long long)b.limit, b.in_use, b.modules, FOTA_FD_PER_MODULE);
}

/* Links appear one by one: the log says it once, when the line first outgrows the
 * budget; the banner follows the count while it lasts. */
void station_fds_count(station_t *st)
{
    unsigned present = 0;
    for (size_t i = 0; i < st->n_slots; i++)
        present += st->slots[i]->present;
    if (present <= st->fd_modules) {
        st->fd_banner[0] = '\0';
        return;
    }
    snprintf(st->fd_banner, sizeof st->fd_banner,
             "%u modules on the line, descriptors for about %u: the others wait for a "
             "port to free up; raise LimitNOFILE",
             present, st->fd_modules);
    if (st->fd_over_said)
        return;
    st->fd_over_said = true;
    station_log(st, "more modules on the line than descriptors for (about %u): the others "
                    "wait for a port to free up; raise LimitNOFILE",
                st->fd_modules);
}

void station_fds_short(station_t *st, const char *who, const char *what)
{
    int64_t now = station_now(st);
    if (st->fd_short_ms >= 0 && now - st->fd_short_ms < FDS_SHORT_EVERY_MS)
        return;
    st->fd_short_ms = now;
    char words[160];
    station_log(st, "%s: cannot open %s: %s; it waits and is tried again", who, what,
                fota_fd_words(words, sizeof words));
}
