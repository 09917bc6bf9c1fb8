#include "fake_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "util.h"

static const char job_yaml[] =
    "name: test-batch\n"
    "station: st1\n"
    "targets:\n"
    "  - models: [RG500Q]\n"
    "    to: " A07 "\n"
    "    method: url\n"
    "    packages:\n"
    "      - from: " A06 "\n"
    "        to: " A07 "\n"
    "        url: http://10.1.2.3/a06-a07.zip\n";

static int slot_k(const fh_t *fh, const slot_t *s)
{
    return (int)(s - fh->slots);
}

static int64_t h_now(void *ctx)
{
    return ((fh_t *)ctx)->now;
}

static int64_t h_wall(void *ctx)
{
    return 1700000000000 + ((fh_t *)ctx)->now;
}

static void h_log(void *ctx, const char *line)
{
    fh_t *fh = ctx;
    int n = snprintf(fh->log + fh->log_len, sizeof fh->log - fh->log_len, "%s\n", line);
    if (n > 0 && fh->log_len + (size_t)n < sizeof fh->log)
        fh->log_len += (size_t)n;
}

static fh_port_t *port_of(fh_t *fh, slot_t *s, size_t i)
{
    return &fh->port[slot_k(fh, s)][i];
}

static int h_port_open(void *ctx, slot_t *s, size_t i)
{
    fh_port_t *p = port_of(ctx, s, i);
    assert_false(p->open); /* never two handles on one tty */
    if (p->open_rc)
        return p->open_rc;
    p->open = true;
    p->opens++;
    return 0;
}

/* A module with echo off: one answer per command line, queued until fh_after. */
static void module_answer(fh_module_t *m, const char *cmd)
{
    char a[512];
    if (!strcmp(cmd, "ATI"))
        snprintf(a, sizeof a, "\r\nQuectel\r\n%s\r\nRevision: %s\r\n\r\nOK\r\n", m->model, m->rev);
    else if (!strcmp(cmd, "AT+GSN") || !strcmp(cmd, "AT+CGSN")) {
        if (m->gsn_silent > 0) {
            m->gsn_silent--;
            return;
        }
        snprintf(a, sizeof a, "\r\n%s\r\n\r\nOK\r\n", m->imei);
    } else
        snprintf(a, sizeof a, "\r\nOK\r\n");
    size_t n = strlen(a);
    if (m->out_len + n < sizeof m->out) {
        memcpy(m->out + m->out_len, a, n);
        m->out_len += n;
    }
}

static int h_port_write(void *ctx, slot_t *s, size_t i, const uint8_t *d, size_t n)
{
    fh_port_t *p = port_of(ctx, s, i);
    assert_true(p->open);
    if (p->tx_len + n < sizeof p->tx) {
        memcpy(p->tx + p->tx_len, d, n);
        p->tx_len += n;
        p->tx[p->tx_len] = '\0';
    }
    if (p->mod.on && !p->mod.silent) {
        char line[256];
        size_t len = 0;
        for (size_t k = 0; k < n; k++) {
            if (d[k] == '\r') {
                line[len] = '\0';
                module_answer(&p->mod, line);
                len = 0;
            } else if (len + 1 < sizeof line) {
                line[len++] = (char)d[k];
            }
        }
    }
    return 0;
}

static int h_port_flow(void *ctx, slot_t *s, size_t i, bool on)
{
    (void)ctx, (void)s, (void)i, (void)on;
    return 0;
}

static void h_port_close(void *ctx, slot_t *s, size_t i)
{
    fh_port_t *p = port_of(ctx, s, i);
    assert_true(p->open);
    p->open = false;
    p->closes++;
    p->mod.out_len = 0;
}

static void h_port_held(void *ctx, slot_t *s, size_t i)
{
    char line[640];
    snprintf(line, sizeof line, "%s: %s held", s->name, s->ifs[i].tty);
    h_log(ctx, line);
}

static void h_fd_short(void *ctx, slot_t *s, size_t i)
{
    char line[640];
    snprintf(line, sizeof line, "%s: %s: too many open files", s->name, s->ifs[i].tty);
    h_log(ctx, line);
}

static void h_port_refused(void *ctx, slot_t *s, size_t i, int err)
{
    char line[640];
    snprintf(line, sizeof line, "%s: cannot open %s: %d", s->name, s->ifs[i].tty, err);
    h_log(ctx, line);
}

static slot_row_t *h_row_begin(void *ctx, slot_t *s, const fota_attempt_t *a)
{
    fh_t *fh = ctx;
    (void)s;
    assert_true(fh->n_rows < FH_ROWS);
    fh_row_t *r = &fh->rows[fh->n_rows];
    r->begun = true;
    r->begin = *a;
    r->id = fh->row_id_next >= 0 ? 100 + fh->n_rows : -1;
    fh->n_rows++;
    return r;
}

static int64_t h_row_id(void *ctx, slot_row_t *row)
{
    (void)ctx;
    return ((fh_row_t *)row)->id;
}

static bool h_row_pending(void *ctx, slot_row_t *row)
{
    (void)row;
    return ((fh_t *)ctx)->row_pending;
}

static void h_row_identify(void *ctx, slot_t *s, slot_row_t *row, const fota_attempt_t *a)
{
    (void)ctx, (void)s;
    fh_row_t *r = row;
    assert_false(r->finished);
    r->identifies++;
    r->identify = *a;
}

static void h_row_event(void *ctx, slot_t *s, slot_row_t *row, fota_trace_dir_t dir,
                        const char *text)
{
    (void)ctx, (void)s, (void)row, (void)dir, (void)text;
}

static int h_row_finish(void *ctx, slot_t *s, slot_row_t *row, const fota_attempt_t *a)
{
    (void)ctx, (void)s;
    fh_row_t *r = row;
    assert_false(r->finished); /* one verdict per row */
    r->finished = true;
    r->finish = *a;
    return 0;
}

static bool h_rows_failing(void *ctx)
{
    return ((fh_t *)ctx)->rows_failing;
}

static int h_rework_latest(void *ctx, slot_t *s, const char *imei, fota_result_t *out)
{
    fh_t *fh = ctx;
    (void)s, (void)imei;
    fh->rework_calls++;
    if (fh->rework_rc == 1)
        *out = fh->rework_result;
    return fh->rework_rc;
}

static void h_adopt(void *ctx, slot_t *s, const char *imei)
{
    (void)ctx, (void)s, (void)imei;
}

static void h_mm_hold(void *ctx, slot_t *s)
{
    (void)s;
    ((fh_t *)ctx)->mm_holds++;
}

static bool h_mm_answered(void *ctx, slot_t *s)
{
    (void)s;
    return ((fh_t *)ctx)->mm_answered;
}

static int h_power(void *ctx, slot_t *s, bool on)
{
    fh_t *fh = ctx;
    (void)s;
    if (fh->power_n + 1 < sizeof fh->power)
        fh->power[fh->power_n++] = on ? '0' : '1';
    return fh->power_rc;
}

static void h_changed(void *ctx, slot_t *s)
{
    (void)ctx, (void)s;
}

fh_t *fh_new(void)
{
    return fh_new_job("");
}

fh_t *fh_new_job(const char *extra_yaml)
{
    fh_t *fh = calloc(1, sizeof *fh);
    assert_non_null(fh);
    fota_load_error_t err;
    assert_int_equal(fota_profile_set_load_dir(FOTA_SOURCE_DIR "/profiles", &fh->profiles, &err), 0);
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "%s%s", job_yaml, extra_yaml);
    assert_int_equal(fota_job_load_buffer("job.yaml", ".", yaml, strlen(yaml), &fh->job, &err), 0);
    fota_sched_init(&fh->sched, &fh->job->limits);
    fh->now = 1000000;
    fh->row_id_next = 1;
    fh->mm_answered = true;
    fh->host = (slot_host_t){
        .ctx = fh, .now = h_now, .wall = h_wall, .log = h_log, .port_open = h_port_open,
        .port_write = h_port_write, .port_flow = h_port_flow, .port_close = h_port_close,
        .port_held = h_port_held, .fd_short = h_fd_short, .port_refused = h_port_refused,
        .row_begin = h_row_begin, .row_id = h_row_id, .row_pending = h_row_pending,
        .row_identify = h_row_identify, .row_event = h_row_event, .row_finish = h_row_finish,
        .rows_failing = h_rows_failing, .rework_latest = h_rework_latest, .adopt = h_adopt,
        .mm_hold = h_mm_hold, .mm_answered = h_mm_answered, .changed = h_changed,
        .power = h_power,
    };
    slot_line_t *l = &fh->line;
    l->host = &fh->host;
    l->profiles = &fh->profiles;
    l->job = fh->job;
    l->mcfg.profiles = &fh->profiles;
    l->mcfg.job = fh->job;
    l->mcfg.timeouts_override = &fh->job->timeouts;
    l->sched = &fh->sched;
    l->batch = "test-batch";
    l->log_progress = true;
    for (int k = 0; k < FH_SLOTS; k++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", k);
        slot_init(&fh->slots[k], l, name);
        fh->v[k] = &fh->slots[k];
    }
    l->slots = fh->v;
    l->n_slots = FH_SLOTS;
    return fh;
}

void fh_free(fh_t *fh)
{
    if (getenv("FH_LOG"))
        fprintf(stderr, "---- log\n%s", fh->log);
    for (int k = 0; k < FH_SLOTS; k++)
        slot_free(&fh->slots[k]);
    fota_sched_free(&fh->sched);
    fota_job_free(fh->job);
    fota_profile_set_free(&fh->profiles);
    free(fh);
}

size_t fh_if(fh_t *fh, int k, int num)
{
    const slot_t *s = &fh->slots[k];
    for (size_t i = 0; i < s->n_ifs; i++)
        if (s->ifs[i].num == num)
            return i;
    fail_msg("slot %d has no interface %d", k, num);
    return 0;
}

static void fh_schedule(fh_t *fh)
{
    bool moved = true;
    while (moved && !fh->line.stopping) {
        moved = false;
        for (int k = 0; k < FH_SLOTS; k++) {
            slot_t *s = &fh->slots[k];
            if (slot_wants_token(s) && fota_sched_take_transfer(&fh->sched)) {
                slot_grant_token(s);
                moved = true;
            }
        }
        for (int k = 0; k < FH_SLOTS; k++) {
            slot_t *s = &fh->slots[k];
            if (!slot_queued(s))
                continue;
            const char *why = fota_sched_blocked(&fh->sched, s->hub);
            slot_queue_reason(s, why);
            if (!why) {
                slot_grant(s);
                moved |= !slot_queued(s);
            }
        }
    }
}

void fh_after(fh_t *fh)
{
    bool any = true;
    while (any) {
        any = false;
        for (int k = 0; k < FH_SLOTS; k++) {
            slot_t *s = &fh->slots[k];
            for (size_t i = 0; i < s->n_ifs; i++) {
                fh_port_t *p = &fh->port[k][i];
                if (!p->open || !p->mod.out_len)
                    continue;
                char buf[sizeof p->mod.out];
                size_t n = p->mod.out_len;
                memcpy(buf, p->mod.out, n);
                p->mod.out_len = 0;
                slot_port_drained(s, i);
                slot_port_data(s, i, (const uint8_t *)buf, n);
                any = true;
            }
        }
        fh_schedule(fh);
    }
}

static void fh_link(fh_t *fh, int k, int num, bool usb, int gen)
{
    char name[32], tty[64];
    snprintf(name, sizeof name, "if%d", num);
    snprintf(tty, sizeof tty, gen ? "/dev/fake%d.%d.%d" : "/dev/fake%d.%d", k, num, gen);
    slot_usb_t id = {usb, usb ? 0x2c7c : 0, usb ? 0x0800 : 0};
    slot_link(&fh->slots[k], name, num, tty, &id);
    fh_after(fh);
}

void fh_plug(fh_t *fh, int k, int num, bool usb)
{
    fh_link(fh, k, num, usb, 0);
}

void fh_replug(fh_t *fh, int k, int num)
{
    static int gen = 1;
    size_t i = fh_if(fh, k, num);
    fh_link(fh, k, num, fh->slots[k].ifs[i].id.usb, gen++);
}

void fh_unplug(fh_t *fh, int k, int num)
{
    char name[32];
    snprintf(name, sizeof name, "if%d", num);
    slot_link(&fh->slots[k], name, num, NULL, NULL);
    fh_after(fh);
}

fh_module_t *fh_module(fh_t *fh, int k, int num, const char *rev, const char *imei)
{
    fh_module_t *m = &fh->port[k][fh_if(fh, k, num)].mod;
    memset(m, 0, sizeof *m);
    m->on = true;
    fota_copy(m->model, sizeof m->model, "RG500Q");
    fota_copy(m->rev, sizeof m->rev, rev);
    fota_copy(m->imei, sizeof m->imei, imei);
    return m;
}

void fh_advance(fh_t *fh, int64_t ms)
{
    int64_t until = fh->now + ms;
    for (;;) {
        int best = -1;
        int64_t d = INT64_MAX;
        for (int k = 0; k < FH_SLOTS; k++) {
            int64_t dk = slot_deadline(&fh->slots[k]);
            if (dk < d) {
                d = dk;
                best = k;
            }
        }
        if (best < 0 || d > until)
            break;
        if (d > fh->now)
            fh->now = d;
        slot_timer(&fh->slots[best]);
        fh_after(fh);
    }
    fh->now = until;
}

const char *fh_tx(fh_t *fh, int k, int num)
{
    static char out[8192];
    fh_port_t *p = &fh->port[k][fh_if(fh, k, num)];
    memcpy(out, p->tx, p->tx_len + 1);
    p->tx_len = 0;
    p->tx[0] = '\0';
    return out;
}

bool fh_logged(const fh_t *fh, const char *needle)
{
    return strstr(fh->log, needle) != NULL;
}

void fh_gone(fh_t *fh, int k, int num)
{
    slot_port_gone(&fh->slots[k], fh_if(fh, k, num));
    fh_after(fh);
}

fh_row_t *fh_row(fh_t *fh, int n)
{
    assert_true(n < fh->n_rows);
    return &fh->rows[n];
}

void fh_commit(fh_t *fh, int k, int n)
{
    fh_row_t *r = fh_row(fh, n);
    assert_true(r->finished);
    slot_committed(&fh->slots[k], r, &r->finish, NULL);
    fh_after(fh);
}
