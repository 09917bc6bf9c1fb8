/* `fota-station probe`: which modules are present, one row per module (slot), without
 * changing anything on them: only ATI and AT+GSN are sent (echo is left as it is),
 * and only to the interfaces that may be an AT port (the same rule as `run`: the
 * profile's AT interface when its USB IDs say, every interface otherwise; never a
 * port of an unknown USB device). Every port at once, in one loop, each with its own
 * timeout. The module's AT port is its lowest-numbered interface that answered; a
 * module whose IMEI another row already has is listed as that module's other port,
 * unless both are hub ports (two modules, blank or cloned IMEIs: see slot_rules.c).
 * Every port is opened (its lock taken, see port.h) before anything is written to
 * any: a module one of whose ports another process holds (a running station in the
 * middle of an upload) gets nothing on any port, and its row names the holder. */
#include "probe.h"

#include <stdlib.h>
#include <string.h>

#include "fota_types.h"
#include "by_path.h"
#include "fd_budget.h"
#include "port.h"
#include "probe_plan.h"
#include "probe_print.h"
#include "profile.h"
#include "query.h"
#include "slot_rules.h"
#include "usb_sysfs.h"
#include "util.h"
#include "watch.h"

#define PROBE_CMD_TIMEOUT_MS 2000

static const char *const probe_cmds[] = {"ATI", "AT+GSN"};

static void probe_send(fota_probe_port_t *it)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%s\r", fota_query_command(&it->q));
    fota_port_write(it->port, (const uint8_t *)line, (size_t)n);
}

static void probe_end(fota_probe_port_t *it)
{
    uv_timer_stop(&it->timer);
    if (it->port) {
        fota_port_close(it->port);
        it->port = NULL;
    }
}

static void probe_data(void *ctx, const uint8_t *d, size_t n)
{
    fota_probe_port_t *it = ctx;
    if (fota_query_feed(&it->q, d, n)) {
        it->answered = true;
        if (fota_query_done(&it->q)) {
            probe_end(it);
        } else {
            probe_send(it);
            uv_timer_again(&it->timer);
        }
    }
}

static void probe_gone(void *ctx, int err)
{
    fota_probe_port_t *it = ctx;
    (void)err;
    fota_copy(it->note, sizeof it->note, "port vanished");
    probe_end(it);
}

static void probe_timeout(uv_timer_t *t)
{
    fota_probe_port_t *it = t->data;
    fota_copy(it->note, sizeof it->note, it->answered ? "AT+GSN: no answer" : "no answer");
    probe_end(it);
}

static void noop_close(uv_handle_t *h)
{
    (void)h;
}

/* Groups the links by slot (hub port); links come sorted by name, so one slot's
 * interfaces are next to each other. */
static size_t probe_group(fota_probe_port_t *items, size_t n, fota_probe_module_t *mods)
{
    size_t nm = 0;
    for (size_t i = 0; i < n; i++) {
        fota_by_path_t place;
        fota_by_path_parse(items[i].link.name, &place);
        if (!nm || strcmp(mods[nm - 1].slot, place.slot) != 0) {
            memset(&mods[nm], 0, sizeof mods[nm]);
            fota_copy(mods[nm].slot, sizeof mods[nm].slot, place.slot);
            mods[nm].first = i;
            nm++;
        }
        mods[nm - 1].count++;
        items[i].module = nm - 1;
        items[i].num = place.interface;
    }
    return nm;
}

static void probe_open_port(uv_loop_t *loop, const fota_profile_set_t *set, fota_probe_port_t *it)
{
    fota_port_describe(it->link.target, &it->info);
    if (it->info.usb && it->info.interface >= 0)
        it->num = it->info.interface;
    slot_usb_t id = {it->info.usb, it->info.vid, it->info.pid};
    /* the rule `run` chooses by (slot_rules.c) */
    if (!slot_rules_candidate(set, &id, it->num, &it->profile)) {
        it->skipped = true; /* DIAG, GPS, modem of a known module, or not a module */
        return;
    }
    fota_query_init(&it->q, probe_cmds, 2);
    fota_port_cbs_t cbs = {it, probe_data, NULL, probe_gone};
    int rc = fota_port_open(loop, it->link.target, &cbs, &it->port);
    char words[160];
    if (rc < 0) {
        it->port = NULL;
        it->busy = rc == FOTA_E_BUSY;
        if (it->busy)
            fota_port_holder(it->link.target, &it->holder);
        else if (rc == FOTA_E_MFILE)
            snprintf(it->note, sizeof it->note, "cannot open: %s",
                     fota_fd_words(words, sizeof words));
        else
            snprintf(it->note, sizeof it->note, "cannot open: %s", fota_strerror(rc));
    }
}

/* ATI on every port of the module, unless another process holds one of them: then
 * its ports are let go untouched and the row says who holds them. */
static void probe_start_module(fota_probe_port_t *items, fota_probe_module_t *mod)
{
    mod->held = -1;
    for (size_t i = mod->first; i < mod->first + mod->count && mod->held < 0; i++)
        if (items[i].busy)
            mod->held = (int)i;
    for (size_t i = mod->first; i < mod->first + mod->count; i++) {
        fota_probe_port_t *it = &items[i];
        if (!it->port)
            continue;
        if (mod->held >= 0) {
            probe_end(it);
            continue;
        }
        probe_send(it);
        uv_timer_start(&it->timer, probe_timeout, PROBE_CMD_TIMEOUT_MS, PROBE_CMD_TIMEOUT_MS);
    }
}

/* Each module's AT port, and whether its IMEI was already seen on an earlier row. */
static void probe_decide(fota_probe_port_t *items, fota_probe_module_t *mods, size_t nm)
{
    for (size_t m = 0; m < nm; m++) {
        fota_probe_module_t *mod = &mods[m];
        mod->at = mod->alias_of = -1;
        int nums[SLOT_MAX_IFS];
        bool answered[SLOT_MAX_IFS];
        size_t n = 0, index[SLOT_MAX_IFS];
        for (size_t i = mod->first; i < mod->first + mod->count && n < SLOT_MAX_IFS; i++) {
            fota_probe_port_t *it = &items[i];
            if (it->skipped)
                continue;
            mod->listed = true;
            nums[n] = it->num;
            answered[n] = it->answered;
            index[n++] = i;
        }
        int at = slot_rules_lowest(nums, answered, n); /* the port `run` would choose */
        if (at < 0)
            continue;
        mod->at = (int)index[at];
        const char *imei = items[mod->at].q.imei;
        for (size_t o = 0; o < m && mod->alias_of < 0; o++) /* two hub ports: two modules */
            if (mods[o].at >= 0 && slot_rules_same_module(mods[o].slot, items[mods[o].at].q.imei,
                                                          mod->slot, imei))
                mod->alias_of = (int)o;
    }
}

int fota_probe_main(const char *ports, const char *profiles_dir, bool json, FILE *out)
{
    return fota_probe_main_job(ports, profiles_dir, json, out, NULL);
}

int fota_probe_main_job(const char *ports, const char *profiles_dir, bool json, FILE *out,
                        const fota_job_t *job)
{
    size_t n = 0;
    fota_link_t *links = NULL;
    int rc = fota_watch_list(ports, &links, &n);
    if (rc < 0) {
        char words[160];
        fprintf(stderr, "fota-station probe: ports directory %s: %s\n", ports,
                rc == FOTA_E_NOENT   ? "not found"
                : rc == FOTA_E_MFILE ? fota_fd_words(words, sizeof words)
                                     : fota_strerror(rc));
        return 3;
    }
    fota_probe_port_t *items = calloc(n ? n : 1, sizeof *items);
    fota_probe_module_t *mods = calloc(n ? n : 1, sizeof *mods);
    if (!items || !mods) {
        free(links);
        free(items);
        free(mods);
        return 3;
    }
    fota_profile_set_t set = {0};
    fota_load_error_t err;
    if (fota_profile_set_load_dir(profiles_dir, &set, &err) < 0) {
        char msg[640];
        fota_load_error_format(&err, msg, sizeof msg);
        fprintf(stderr, "%s (profiles not matched)\n", msg);
        memset(&set, 0, sizeof set);
    }
    for (size_t i = 0; i < n; i++)
        items[i].link = links[i];
    size_t nm = probe_group(items, n, mods);
    uv_loop_t loop;
    uv_loop_init(&loop);
    for (size_t i = 0; i < n; i++) {
        uv_timer_init(&loop, &items[i].timer);
        items[i].timer.data = &items[i];
        probe_open_port(&loop, &set, &items[i]);
    }
    for (size_t m = 0; m < nm; m++)
        probe_start_module(items, &mods[m]);
    uv_run(&loop, UV_RUN_DEFAULT);
    probe_decide(items, mods, nm);
    /* Devices in a wrong USB mode have no AT port to probe (maybe no tty): sysfs
     * tells them, and they are listed with what they need. */
    fota_usb_dev_t *usb = NULL;
    size_t nu = 0;
    if (fota_usb_list(&usb, &nu) < 0)
        nu = 0;
    fota_probe_print(out, json, &set, items, mods, nm, usb, nu);
    free(usb);
    if (job)
        fota_probe_plan_print(out, job, &set, items, mods, nm); /* probe --job */
    for (size_t i = 0; i < n; i++)
        uv_close((uv_handle_t *)&items[i].timer, noop_close);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    fota_profile_set_free(&set);
    free(links);
    free(items);
    free(mods);
    return 0;
}
