#include "fake_module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

static void setup_job(h_t *h, fota_method_t method, const char *to)
{
    h->target.family = xstrdup(h->profile->family);
    h->target.to = xstrdup(to);
    h->target.method = method;
    h->target.packages = h->pkg;
    h->target.n_packages = 0;
    h->job.name = xstrdup("test-batch");
    h->job.targets = &h->target;
    h->job.n_targets = 1;
    h->auto_go = h->auto_grant = h->auto_sent = true;
    h->echo = true;
    h->flow = -1;
    h->last_percent = -1;
    h->max_update_percent = -1;
    h->now = 1000000; /* not zero: catches code that treats 0 as "unset" */
}

void h_setup(h_t *h, const char *family, fota_method_t method, const char *to)
{
    memset(h, 0, sizeof *h);
    fota_load_error_t err;
    int rc = fota_profile_set_load_dir(FOTA_SOURCE_DIR "/profiles", &h->profiles, &err);
    if (rc != 0) {
        char buf[512];
        fota_load_error_format(&err, buf, sizeof buf);
        fail_msg("profiles: %s", buf);
    }
    h->profile = fota_profile_set_find_family(&h->profiles, family);
    assert_non_null(h->profile);
    setup_job(h, method, to);
}

void h_setup_yaml(h_t *h, const char *yaml, fota_method_t method, const char *to)
{
    memset(h, 0, sizeof *h);
    fota_load_error_t err;
    if (fota_profile_load_buffer("test.yaml", yaml, strlen(yaml), &h->own_profile, &err) != 0) {
        char buf[512];
        fota_load_error_format(&err, buf, sizeof buf);
        fail_msg("profile: %s", buf);
    }
    h->profiles.v = malloc(sizeof(fota_profile_t *));
    assert_non_null(h->profiles.v);
    h->profiles.v[0] = h->own_profile;
    h->profiles.n = 1;
    h->profile = h->own_profile;
    setup_job(h, method, to);
}

void h_teardown(h_t *h)
{
    if (getenv("H_TRACE") && h->trace)
        fprintf(stderr, "---- trace (%s)\n%s", fota_machine_state_name(h->m), h->trace);
    fota_machine_free(h->m);
    for (size_t i = 0; i < h->target.n_packages; i++) {
        fota_package_t *p = &h->pkg[i];
        free(p->from);
        free(p->to);
        free(p->name);
        free(p->url);
        free(p->data);
    }
    free(h->target.family);
    free(h->target.to);
    free(h->job.name);
    for (size_t i = 0; i < h->ntx; i++)
        free(h->tx[i]);
    free(h->data);
    free(h->trace);
    if (h->own_profile) {
        fota_profile_free(h->own_profile);
        free(h->profiles.v);
    } else {
        fota_profile_set_free(&h->profiles);
    }
}

fota_package_t *h_pkg(h_t *h, const char *from, const char *to, const char *name, const char *url,
                      size_t size)
{
    assert_true(h->target.n_packages < H_MAX_PKG);
    fota_package_t *p = &h->pkg[h->target.n_packages++];
    memset(p, 0, sizeof *p);
    p->from = xstrdup(from);
    p->to = xstrdup(to);
    p->name = xstrdup(name);
    p->url = xstrdup(url);
    if (size) {
        p->data = malloc(size);
        assert_non_null(p->data);
        uint32_t x = 2463534242u ^ (uint32_t)(h->target.n_packages * 7919u) ^ (uint32_t)size;
        for (size_t i = 0; i < size; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            p->data[i] = (uint8_t)x;
        }
        p->size = size;
    }
    return p;
}

void h_start(h_t *h)
{
    fota_machine_config_t cfg = {.profiles = &h->profiles, .job = &h->job};
    h->m = fota_machine_new(&cfg);
    assert_non_null(h->m);
    fota_machine_start(h->m, h->now);
    h_pump(h);
}

static bool is_package_data(h_t *h, const uint8_t *d)
{
    for (size_t i = 0; i < h->target.n_packages; i++) {
        const fota_package_t *p = &h->pkg[i];
        if (p->data && d >= p->data && d < p->data + p->size)
            return true;
    }
    return false;
}

static void add_data(h_t *h, const uint8_t *d, size_t n)
{
    if (h->ndata + n > h->datacap) {
        size_t cap = (h->ndata + n) * 2 + 1024;
        h->data = realloc(h->data, cap);
        assert_non_null(h->data);
        h->datacap = cap;
    }
    memcpy(h->data + h->ndata, d, n);
    h->ndata += n;
    h->nwrites++;
    if (!h->min_write_seen || n < h->min_write_seen)
        h->min_write_seen = n;
}

static void add_trace(h_t *h, fota_trace_dir_t dir, const char *text)
{
    static const char *const dirs[] = {"tx", "rx", "info"};
    size_t n = strlen(text) + 8;
    h->trace = realloc(h->trace, h->tracelen + n + 1);
    assert_non_null(h->trace);
    h->tracelen += (size_t)sprintf(h->trace + h->tracelen, "%s: %s\n", dirs[dir], text);
}

static void handle(h_t *h, const fota_action_t *a)
{
    switch (a->kind) {
    case FOTA_ACT_SEND:
        if (!is_package_data(h, a->data) && a->len && a->data[a->len - 1] == '\r') {
            assert_true(h->ntx < sizeof h->tx / sizeof *h->tx);
            char *s = malloc(a->len);
            assert_non_null(s);
            memcpy(s, a->data, a->len - 1);
            s[a->len - 1] = '\0';
            h->tx[h->ntx++] = s;
        } else {
            add_data(h, a->data, a->len);
            if (h->auto_sent)
                h->want_sent = true;
        }
        break;
    case FOTA_ACT_SET_FLOW: h->flow = a->flag; break;
    case FOTA_ACT_IDENTIFIED:
        h->n_identified++;
        if (h->auto_go)
            h->want_go = true;
        break;
    case FOTA_ACT_TRANSFER_BEGIN:
        h->n_transfer_begin++;
        if (h->auto_grant)
            h->want_grant = true;
        break;
    case FOTA_ACT_TRANSFER_END: h->n_transfer_end++; break;
    case FOTA_ACT_PROGRESS:
        h->n_progress++;
        h->last_phase = a->phase;
        h->last_percent = a->percent;
        if (a->phase == FOTA_PHASE_UPDATING && a->percent > h->max_update_percent)
            h->max_update_percent = a->percent;
        assert_non_null(a->text);
        break;
    case FOTA_ACT_TRACE: add_trace(h, a->dir, a->text); break;
    case FOTA_ACT_FINISH: h->n_finish++; break;
    }
}

void h_pump(h_t *h)
{
    for (int guard = 0; guard < 1000000; guard++) {
        fota_action_t a;
        while (fota_machine_next_action(h->m, &a))
            handle(h, &a);
        if (h->want_go) {
            h->want_go = false;
            fota_machine_proceed(h->m, FOTA_GO, NULL, h->now);
            continue;
        }
        if (h->want_grant) {
            h->want_grant = false;
            h->n_grants++;
            fota_machine_transfer_granted(h->m, h->now);
            continue;
        }
        if (h->want_sent) {
            h->want_sent = false;
            fota_machine_sent(h->m, h->now);
            /* The module acknowledges every full block it received (AT+QFUPL ack mode). */
            while (h->ack_block && (h->acks_fed + 1) * h->ack_block <= h->ndata) {
                h->acks_fed++;
                fota_machine_feed(h->m, (const uint8_t *)"A", 1, h->now);
                while (fota_machine_next_action(h->m, &a))
                    handle(h, &a);
            }
            continue;
        }
        return;
    }
    fail_msg("machine never settles");
}

static void expect_pending(h_t *h, const char *cmd)
{
    if (h->txhead == h->ntx)
        fail_msg("expected the machine to send \"%s\"; it sent nothing (state %s)\ntrace:\n%s", cmd,
                 fota_machine_state_name(h->m), h->trace ? h->trace : "");
    const char *got = h->tx[h->txhead++];
    if (strcmp(got, cmd) != 0)
        fail_msg("expected \"%s\", machine sent \"%s\" (state %s)\ntrace:\n%s", cmd, got,
                 fota_machine_state_name(h->m), h->trace ? h->trace : "");
    if (h->echo) {
        char buf[8192];
        int n = snprintf(buf, sizeof buf, "%s\r", cmd);
        h_raw(h, buf, (size_t)n);
    }
    if (strcmp(cmd, "ATE0") == 0)
        h->echo = false;
}

void h_expect_tx(h_t *h, const char *cmd)
{
    h_pump(h);
    expect_pending(h, cmd);
}

void h_wait_tx(h_t *h, const char *cmd, uint64_t max_ms)
{
    uint64_t until = h->now + max_ms;
    h_pump(h);
    while (h->txhead == h->ntx) {
        uint64_t d = fota_machine_deadline(h->m);
        if (d > until || fota_machine_finished(h->m))
            break;
        if (d > h->now)
            h->now = d;
        fota_machine_tick(h->m, h->now);
        h_pump(h);
    }
    expect_pending(h, cmd);
}

void h_expect_no_tx(h_t *h)
{
    h_pump(h);
    if (h->txhead != h->ntx)
        fail_msg("unexpected command \"%s\"", h->tx[h->txhead]);
}

void h_raw(h_t *h, const char *bytes, size_t n)
{
    if (h->bytewise) {
        /* every split of the input must give the same result (as nghttp2 tests it) */
        for (size_t i = 0; i < n; i++) {
            fota_machine_feed(h->m, (const uint8_t *)bytes + i, 1, h->now);
            h_pump(h);
        }
        return;
    }
    fota_machine_feed(h->m, (const uint8_t *)bytes, n, h->now);
    h_pump(h);
}

void h_rx(h_t *h, const char *line)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "\r\n%s\r\n", line);
    h_raw(h, buf, (size_t)n);
}

void h_cmd(h_t *h, const char *cmd, ...)
{
    h_expect_tx(h, cmd);
    va_list ap;
    va_start(ap, cmd);
    for (const char *l = va_arg(ap, const char *); l; l = va_arg(ap, const char *))
        h_rx(h, l);
    va_end(ap);
}

void h_advance(h_t *h, uint64_t ms)
{
    uint64_t target = h->now + ms;
    h_pump(h);
    for (int guard = 0; guard < 1000000; guard++) {
        uint64_t d = fota_machine_deadline(h->m);
        if (d > target)
            break;
        if (d > h->now)
            h->now = d;
        fota_machine_tick(h->m, h->now);
        h_pump(h);
    }
    h->now = target;
}

void h_gone(h_t *h)
{
    fota_machine_port_gone(h->m, h->now);
    h_pump(h);
}

void h_back(h_t *h)
{
    h->echo = true;
    fota_machine_port_back(h->m, h->now);
    h_pump(h);
}

void h_ident(h_t *h, const char *model, const char *revision, const char *imei)
{
    char rev[160];
    snprintf(rev, sizeof rev, "Revision: %s", revision);
    h_wait_tx(h, "ATE0", 1000);
    h_rx(h, "OK");
    h_cmd(h, "ATI", "Quectel", model, rev, "", "OK", NULL);
    h_cmd(h, "AT+GSN", imei, "", "OK", NULL);
}

void h_verify(h_t *h, const char *model, const char *revision, const char *imei)
{
    h_wait_tx(h, "AT", 200000);
    h_rx(h, "OK");
    h_ident(h, model, revision, imei);
}

void h_updating(h_t *h, int from, int to, int step)
{
    for (int p = from; p <= to; p += step) {
        char line[64];
        snprintf(line, sizeof line, "+QIND: \"FOTA\",\"UPDATING\",%d", p);
        h_advance(h, 1000);
        h_rx(h, line);
    }
}

const fota_attempt_t *h_attempt(h_t *h)
{
    return fota_machine_attempt(h->m);
}

void h_expect_result(h_t *h, fota_result_t r, fota_error_class_t cls, int code)
{
    h_pump(h);
    if (!fota_machine_finished(h->m))
        fail_msg("machine not finished (state %s)\ntrace:\n%s", fota_machine_state_name(h->m),
                 h->trace ? h->trace : "");
    const fota_attempt_t *a = h_attempt(h);
    if (a->result != r || a->error_class != cls || a->error_code != code)
        fail_msg("result %s/%s/%d (%s), expected %s/%s/%d\ntrace:\n%s", fota_result_name(a->result),
                 fota_error_class_name(a->error_class), a->error_code, a->error_text,
                 fota_result_name(r), fota_error_class_name(cls), code, h->trace ? h->trace : "");
    assert_int_equal(h->n_finish, 1);
    /* A transfer token granted is always given back. */
    assert_int_equal(h->n_grants, h->n_transfer_end);
}

bool h_trace_has(h_t *h, const char *needle)
{
    return h->trace && strstr(h->trace, needle);
}
