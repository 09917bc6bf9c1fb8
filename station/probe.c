/* `fota-station probe`: which modules are present, without changing anything on
 * them: only ATI and AT+GSN are sent (echo is left as it is), every port at once in
 * one loop, each with its own timeout. */
#include "probe.h"

#include <stdlib.h>
#include <string.h>

#include "port.h"
#include "profile.h"
#include "query.h"
#include "util.h"
#include "watch.h"

#define PROBE_MAX 512
#define PROBE_CMD_TIMEOUT_MS 2000

static const char *const probe_cmds[] = {"ATI", "AT+GSN"};

typedef struct {
    fota_link_t link;
    fota_port_info_t info;
    fota_port_t *port;
    uv_timer_t timer;
    fota_query_t q;
    bool answered;
    bool skipped;        /* USB interface that is not a known AT port */
    const fota_profile_t *profile;
    char note[64];
} probe_item_t;

static void probe_send(probe_item_t *it)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%s\r", fota_query_command(&it->q));
    fota_port_write(it->port, (const uint8_t *)line, (size_t)n);
}

static void probe_end(probe_item_t *it)
{
    uv_timer_stop(&it->timer);
    if (it->port) {
        fota_port_close(it->port);
        it->port = NULL;
    }
}

static void probe_data(void *ctx, const uint8_t *d, size_t n)
{
    probe_item_t *it = ctx;
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
    probe_item_t *it = ctx;
    (void)err;
    fota_copy(it->note, sizeof it->note, "port vanished");
    probe_end(it);
}

static void probe_timeout(uv_timer_t *t)
{
    probe_item_t *it = t->data;
    fota_copy(it->note, sizeof it->note, it->answered ? "AT+GSN: no answer" : "no answer");
    probe_end(it);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void noop_close(uv_handle_t *h)
{
    (void)h;
}

int fota_probe_main(const char *ports, const char *profiles_dir, bool json, FILE *out)
{
    fota_link_t *links = calloc(PROBE_MAX, sizeof *links);
    probe_item_t *items = calloc(PROBE_MAX, sizeof *items);
    if (!links || !items) {
        free(links);
        free(items);
        return 3;
    }
    size_t n = 0;
    if (fota_watch_list(ports, links, PROBE_MAX, &n) < 0) {
        fprintf(stderr, "fota-station probe: ports directory %s not found\n", ports);
        free(links);
        free(items);
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
    uv_loop_t loop;
    uv_loop_init(&loop);
    for (size_t i = 0; i < n; i++) {
        probe_item_t *it = &items[i];
        it->link = links[i];
        uv_timer_init(&loop, &it->timer);
        it->timer.data = it;
        fota_port_describe(it->link.target, &it->info);
        if (it->info.usb) {
            it->profile = fota_profile_set_match_usb(&set, it->info.vid, it->info.pid,
                                                     it->info.interface);
            if (!it->profile) {
                it->skipped = true;
                continue;
            }
        }
        fota_query_init(&it->q, probe_cmds, 2);
        fota_port_cbs_t cbs = {it, probe_data, NULL, probe_gone};
        if (fota_port_open(&loop, it->link.target, &cbs, &it->port) < 0) {
            it->port = NULL;
            fota_copy(it->note, sizeof it->note, "cannot open");
            continue;
        }
        probe_send(it);
        uv_timer_start(&it->timer, probe_timeout, PROBE_CMD_TIMEOUT_MS, PROBE_CMD_TIMEOUT_MS);
    }
    uv_run(&loop, UV_RUN_DEFAULT);

    if (json)
        fputs("[", out);
    else
        fprintf(out, "%-34s %-14s %-18s %-16s %-26s %s\n", "SLOT", "PORT", "MODEL", "IMEI",
                "REVISION", "PROFILE");
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        probe_item_t *it = &items[i];
        if (it->skipped)
            continue;
        const fota_profile_t *p = it->q.model[0] ? fota_profile_set_match_model(&set, it->q.model)
                                                 : it->profile;
        const char *fam = p ? p->family : "";
        if (json) {
            fputs(shown ? ",\n {" : "\n {", out);
            fputs("\"slot\": ", out);
            json_str(out, it->link.name);
            fputs(", \"port\": ", out);
            json_str(out, it->link.target);
            fputs(", \"model\": ", out);
            json_str(out, it->q.model);
            fputs(", \"imei\": ", out);
            json_str(out, it->q.imei);
            fputs(", \"revision\": ", out);
            json_str(out, it->q.revision);
            fputs(", \"profile\": ", out);
            json_str(out, fam);
            fputs(", \"note\": ", out);
            json_str(out, it->note);
            if (it->info.usb)
                fprintf(out, ", \"usb\": \"%04x:%04x\", \"interface\": %d", it->info.vid,
                        it->info.pid, it->info.interface);
            fputs("}", out);
        } else {
            fprintf(out, "%-34s %-14s %-18s %-16s %-26s %s%s%s\n", it->link.name, it->link.target,
                    it->q.model[0] ? it->q.model : "-", it->q.imei[0] ? it->q.imei : "-",
                    it->q.revision[0] ? it->q.revision : "-", *fam ? fam : "-",
                    it->note[0] ? "  # " : "", it->note);
        }
        shown++;
    }
    if (json)
        fputs(shown ? "\n]\n" : "]\n", out);
    for (size_t i = 0; i < n; i++)
        uv_close((uv_handle_t *)&items[i].timer, noop_close);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    fota_profile_set_free(&set);
    free(links);
    free(items);
    return 0;
}
