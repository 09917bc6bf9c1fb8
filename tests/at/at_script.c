#include "at_script.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_chat.h"
#include "fota_urc.h"

typedef enum {
    ST_SEND, ST_EXPECT, ST_WAIT, ST_RAW, ST_ACK, ST_TIMEOUT, ST_TICK, ST_RESET, ST_CANCEL, ST_RX,
} step_kind_t;

typedef struct {
    step_kind_t kind;
    char *a, *b;        /* SEND: a=cmd; EXPECT: a=prefix b=cmd; WAIT: a=prefix|NULL; RAW: a */
    long n;             /* ACK on/off, TIMEOUT ms, TICK ms */
    size_t off, len;    /* RX: range of module bytes */
} step_t;

typedef struct {
    char *p;
    size_t len, cap;
} sbuf_t;

struct at_script {
    step_t *steps;
    size_t n_steps, cap_steps;
    sbuf_t rx;          /* all module bytes */
    sbuf_t expected;
};

static void sb_add(sbuf_t *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf_t *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        sb_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Text with bytes outside printable ASCII as \xHH. */
static void sb_escaped(sbuf_t *b, const char *s)
{
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        if (*q == '\\')
            sb_str(b, "\\\\");
        else if (*q < 0x20 || *q > 0x7e)
            sb_printf(b, "\\x%02x", *q);
        else
            sb_add(b, q, 1);
    }
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        abort();
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static step_t *add_step(at_script_t *s, step_kind_t kind)
{
    if (s->n_steps == s->cap_steps) {
        s->cap_steps = s->cap_steps ? s->cap_steps * 2 : 32;
        s->steps = realloc(s->steps, s->cap_steps * sizeof(step_t));
        if (!s->steps)
            abort();
    }
    step_t *st = &s->steps[s->n_steps++];
    memset(st, 0, sizeof(*st));
    st->kind = kind;
    return st;
}

static void add_rx(at_script_t *s, const void *data, size_t n)
{
    step_t *last = s->n_steps ? &s->steps[s->n_steps - 1] : NULL;
    if (!last || last->kind != ST_RX) {
        last = add_step(s, ST_RX);
        last->off = s->rx.len;
    }
    sb_add(&s->rx, data, n);
    last->len += n;
}

static int unescape(const char *in, sbuf_t *out)
{
    for (const char *q = in; *q; q++) {
        if (*q != '\\') {
            sb_add(out, q, 1);
            continue;
        }
        q++;
        char c;
        switch (*q) {
        case 'r': c = '\r'; break;
        case 'n': c = '\n'; break;
        case 't': c = '\t'; break;
        case '\\': c = '\\'; break;
        case 'x': {
            unsigned v;
            if (sscanf(q + 1, "%2x", &v) != 1)
                return -1;
            c = (char)v;
            q += 2;
            break;
        }
        default: return -1;
        }
        sb_add(out, &c, 1);
    }
    return 0;
}

void at_script_free(at_script_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_steps; i++) {
        free(s->steps[i].a);
        free(s->steps[i].b);
    }
    free(s->steps);
    free(s->rx.p);
    free(s->expected.p);
    free(s);
}

at_script_t *at_script_parse(const char *text, char *err, size_t errlen)
{
    at_script_t *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    sb_str(&s->expected, "");
    sb_add(&s->rx, "", 0);
    int lineno = 0;
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = dup_n(p, n);
        p += n + (nl ? 1 : 0);
        lineno++;
        if (n && line[n - 1] == '\r')
            line[--n] = '\0';
        bool bad = false;
        if (n == 0 || line[0] == '#') {
        } else if (!strncmp(line, "= ", 2)) {
            sb_str(&s->expected, line + 2);
            sb_str(&s->expected, "\n");
        } else if (!strncmp(line, "< ", 2)) {
            add_rx(s, "\r\n", 2);
            add_rx(s, line + 2, n - 2);
            add_rx(s, "\r\n", 2);
        } else if (!strncmp(line, "e ", 2)) {
            add_rx(s, line + 2, n - 2);
            add_rx(s, "\r", 1);
        } else if (!strncmp(line, "<< ", 3)) {
            sbuf_t b = { 0 };
            if (unescape(line + 3, &b) < 0)
                bad = true;
            else
                add_rx(s, b.p ? b.p : "", b.len);
            free(b.p);
        } else if (!strncmp(line, "> ", 2)) {
            add_step(s, ST_SEND)->a = dup_n(line + 2, n - 2);
        } else if (!strncmp(line, ">x ", 3)) {
            const char *sp = strchr(line + 3, ' ');
            if (!sp) {
                bad = true;
            } else {
                step_t *st = add_step(s, ST_EXPECT);
                st->a = dup_n(line + 3, (size_t)(sp - line - 3));
                st->b = dup_n(sp + 1, strlen(sp + 1));
            }
        } else if (!strcmp(line, ">w")) {
            add_step(s, ST_WAIT);
        } else if (!strncmp(line, ">w ", 3)) {
            add_step(s, ST_WAIT)->a = dup_n(line + 3, n - 3);
        } else if (!strncmp(line, ">raw ", 5)) {
            add_step(s, ST_RAW)->a = dup_n(line + 5, n - 5);
        } else if (!strcmp(line, ">ack on") || !strcmp(line, ">ack off")) {
            add_step(s, ST_ACK)->n = !strcmp(line, ">ack on");
        } else if (!strncmp(line, ">timeout ", 9)) {
            add_step(s, ST_TIMEOUT)->n = atol(line + 9);
        } else if (!strncmp(line, ">t ", 3)) {
            add_step(s, ST_TICK)->n = atol(line + 3);
        } else if (!strcmp(line, ">reset")) {
            add_step(s, ST_RESET);
        } else if (!strcmp(line, ">cancel")) {
            add_step(s, ST_CANCEL);
        } else {
            bad = true;
        }
        free(line);
        if (bad) {
            snprintf(err, errlen, "line %d: cannot parse", lineno);
            at_script_free(s);
            return NULL;
        }
    }
    return s;
}

at_script_t *at_script_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return NULL;
    }
    sbuf_t b = { 0 };
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        sb_add(&b, tmp, n);
    fclose(f);
    at_script_t *s = at_script_parse(b.p ? b.p : "", err, errlen);
    free(b.p);
    return s;
}

size_t at_script_rx_len(const at_script_t *s)
{
    return s->rx.len;
}

const char *at_script_expected(const at_script_t *s)
{
    return s->expected.p;
}

/* ---- running ------------------------------------------------------------------- */
typedef struct {
    sbuf_t log;
    const fota_profile_t *profile;
} run_t;

static void on_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    (void)data;
    (void)len;
}

static void on_response(void *ctx, const fota_at_response_t *r)
{
    run_t *run = ctx;
    sb_printf(&run->log, "response %s", fota_at_final_name(r->final));
    if (r->code >= 0)
        sb_printf(&run->log, " code=%d", r->code);
    sb_printf(&run->log, " lines=%zu\n", r->n_lines);
}

static const char *table_name(fota_table_id_t t)
{
    static const char *const names[] = { "ftp", "http", "file", "err" };
    return (unsigned)t < 4 ? names[t] : "none";
}

static void on_urc(void *ctx, const char *line)
{
    run_t *run = ctx;
    fota_urc_t u;
    if (fota_urc_parse(run->profile, line, &u) < 0) {
        sb_str(&run->log, "urc ? ");
        sb_escaped(&run->log, line);
        sb_str(&run->log, "\n");
        return;
    }
    sb_printf(&run->log, "urc %s", fota_phase_name(u.phase));
    if (u.has_value)
        sb_printf(&run->log, " value=%ld", u.value);
    if (u.phase == FOTA_PHASE_DL_END || u.phase == FOTA_PHASE_END)
        sb_printf(&run->log, " table=%s", table_name(u.table));
    sb_str(&run->log, " name=");
    sb_escaped(&run->log, u.name);
    sb_str(&run->log, "\n");
}

static void on_ack(void *ctx)
{
    run_t *run = ctx;
    sb_str(&run->log, "ack\n");
}

static void on_line(void *ctx, fota_at_line_class_t cls, const char *text)
{
    run_t *run = ctx;
    /* FINAL, URC and ACK are logged by the callbacks they lead to. */
    if (cls != FOTA_AT_LINE_ECHO && cls != FOTA_AT_LINE_INFO && cls != FOTA_AT_LINE_NOISE)
        return;
    sb_printf(&run->log, "%s ", fota_at_line_class_name(cls));
    sb_escaped(&run->log, text);
    sb_str(&run->log, "\n");
}

static bool is_urc(void *ctx, const char *line)
{
    run_t *run = ctx;
    return fota_urc_is_unsolicited(run->profile, line);
}

char *at_script_run(const at_script_t *s, const fota_profile_t *p, at_plan_t plan, size_t k)
{
    run_t run = { .profile = p };
    sb_str(&run.log, "");
    fota_at_chat_cbs_t cbs = {
        .ctx = &run, .write = on_write, .response = on_response, .urc = on_urc,
        .ack = on_ack, .line = on_line,
    };
    fota_at_chat_t *c = fota_at_chat_new(&cbs, NULL, is_urc);
    if (!c)
        abort();
    uint64_t now = 1000;
    unsigned timeout = 5000;
    for (size_t i = 0; i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        int rc = 0;
        switch (st->kind) {
        case ST_SEND: rc = fota_at_chat_send(c, st->a, timeout, now); break;
        case ST_EXPECT: rc = fota_at_chat_send_expect(c, st->b, st->a, timeout, now); break;
        case ST_WAIT:
            rc = st->a ? fota_at_chat_wait_expect(c, st->a, timeout, now)
                       : fota_at_chat_wait(c, timeout, now);
            break;
        case ST_RAW: fota_at_chat_send_raw(c, (const uint8_t *)st->a, strlen(st->a)); break;
        case ST_ACK: fota_at_chat_set_ack_mode(c, st->n != 0); break;
        case ST_TIMEOUT: timeout = (unsigned)st->n; break;
        case ST_TICK:
            now += (uint64_t)st->n;
            fota_at_chat_tick(c, now);
            break;
        case ST_RESET: fota_at_chat_reset(c); break;
        case ST_CANCEL: fota_at_chat_cancel(c); break;
        case ST_RX: {
            const uint8_t *d = (const uint8_t *)s->rx.p + st->off;
            size_t n = st->len;
            if (plan == AT_PLAN_BYTES) {
                for (size_t j = 0; j < n; j++) {
                    fota_at_chat_feed(c, d + j, 1, now);
                    fota_at_chat_tick(c, now);
                }
            } else if (plan == AT_PLAN_SPLIT && k > st->off && k < st->off + n) {
                size_t cut = k - st->off;
                fota_at_chat_feed(c, d, cut, now);
                fota_at_chat_tick(c, now);
                fota_at_chat_feed(c, d + cut, n - cut, now);
            } else {
                fota_at_chat_feed(c, d, n, now);
            }
            fota_at_chat_tick(c, now);
            break;
        }
        }
        if (rc)
            sb_printf(&run.log, "send-failed %d\n", rc);
    }
    fota_at_chat_free(c);
    return run.log.p;
}

char *at_script_check(const at_script_t *s, const fota_profile_t *p)
{
    const char *want = at_script_expected(s);
    size_t n = at_script_rx_len(s);
    for (size_t k = 0; k <= n + 1; k++) {
        at_plan_t plan = k == 0 ? AT_PLAN_WHOLE : k == n + 1 ? AT_PLAN_BYTES : AT_PLAN_SPLIT;
        if (plan == AT_PLAN_SPLIT && k == n)
            continue;
        char *got = at_script_run(s, p, plan, k);
        if (strcmp(got, want) != 0) {
            sbuf_t m = { 0 };
            sb_printf(&m, "plan %s (cut before byte %zu):\n--- expected\n",
                      plan == AT_PLAN_WHOLE ? "whole" : plan == AT_PLAN_BYTES ? "bytes" : "split", k);
            sb_str(&m, want);
            sb_str(&m, "--- got\n");
            sb_str(&m, got);
            free(got);
            return m.p;
        }
        free(got);
    }
    return NULL;
}
