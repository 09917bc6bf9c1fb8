/* method_qfaw: legacy GSM delta FOTA without flow control (Quectel's FOTA
 * application note for its GSM/GPRS modules, §2.3.2): AT+QFAI, AT+QFAW="<HEX>"
 * per chunk of at most max_chunk_bytes (uppercase hex, the note's "%02X"),
 * AT+QFAU; the module then prints text lines. The commands are the profile's (the
 * loader requires all three). */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { QW_INIT, QW_CHUNK, QW_COMMIT } qfaw_step_t;

typedef struct {
    qfaw_step_t step;
    size_t off;                     /* bytes the module has taken */
    size_t block;                   /* bytes in the AT+QFAW in flight */
    bool delivered;                 /* AT+QFAU sent: text lines may race its OK */
    int percent;                    /* last progress reported */
} qfaw_t;

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now);

static qfaw_t *st(machine_t *m)
{
    return m->method_state;
}

static bool method_qfaw_precheck(machine_t *m, const fota_package_t *pkg, char *why, size_t n)
{
    (void)pkg;
    if (m->mp->max_chunk_bytes == 0) {
        snprintf(why, n, "%s has no max_chunk_bytes for qfaw", m->profile->family);
        return false;
    }
    return true;
}

/* AT+QFAW="<hex of the next chunk>"; malloc'd, NULL when out of memory. */
static char *chunk_command(machine_t *m, size_t b)
{
    static const char hex[] = "0123456789ABCDEF";
    char *h = malloc(2 * b + 1);
    if (!h)
        return NULL;
    const uint8_t *d = m->pkg->data + st(m)->off;
    for (size_t i = 0; i < b; i++) {
        h[2 * i] = hex[d[i] >> 4];
        h[2 * i + 1] = hex[d[i] & 15];
    }
    h[2 * b] = '\0';
    char *cmd = method_common_command(m->mp->write_command, h);
    free(h);
    return cmd;
}

static void send_chunk(machine_t *m, uint64_t now)
{
    qfaw_t *s = st(m);
    size_t left = m->pkg->size - s->off;
    size_t b = left < m->mp->max_chunk_bytes ? left : m->mp->max_chunk_bytes;
    char *cmd = chunk_command(m, b);
    if (!cmd) {
        machine_finish_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    s->block = b;
    s->step = QW_CHUNK;
    machine_cmd_send(m, cmd, NULL, on_reply, NULL, now);
    free(cmd);
}

static void method_qfaw_begin(machine_t *m, uint64_t now)
{
    machine_state_set(m, MS_QFAW, machine_state_after(now, m->to.download_ms));
    st(m)->percent = -1;
    m->dl_start_ms = now;
    st(m)->step = QW_INIT;
    machine_cmd_send(m, m->mp->init_command, NULL, on_reply, NULL, now);
}

static void chunk_taken(machine_t *m, uint64_t now)
{
    qfaw_t *s = st(m);
    s->off += s->block;
    method_common_progress(m, "sending", s->off, &s->percent);
    if (s->off < m->pkg->size) {
        send_chunk(m, now);
        return;
    }
    s->step = QW_COMMIT;
    s->delivered = true; /* progress lines may race AT+QFAU's OK */
    machine_cmd_send(m, m->mp->commit_command, NULL, on_reply, NULL, now);
}

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now)
{
    (void)ctx;
    bool ok = r->final == FOTA_AT_FINAL_OK;
    int code = r->code > 0 ? r->code : 0;
    switch (st(m)->step) {
    case QW_INIT:
        if (!ok) {
            if (phase_transfer_boot_refused(m, "AT+QFAI", "rejected", FOTA_ERR_REJECTED, r, now))
                return;
            machine_finish_fail(m, FOTA_ERR_REJECTED, code, now, "AT+QFAI rejected: %s",
                                r->final_text);
            return;
        }
        send_chunk(m, now);
        return;
    case QW_CHUNK:
        if (!ok) {
            machine_finish_fail(m, FOTA_ERR_UPLOAD, code, now, "AT+QFAW failed at byte %zu: %s",
                                st(m)->off, r->final_text);
            return;
        }
        chunk_taken(m, now);
        return;
    case QW_COMMIT:
        if (!ok) {
            machine_finish_fail(m, FOTA_ERR_REJECTED, code, now, "AT+QFAU rejected: %s",
                                r->final_text);
            return;
        }
        method_common_delivered(m, now);
        return;
    }
}

/* Text lines once AT+QFAU went out: the package is on the module (its OK may
 * still be on the way; the reply is then stale) and the update takes the line. */
static bool method_qfaw_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    (void)u;
    (void)line;
    if (!st(m)->delivered)
        return true;
    method_common_delivered(m, now);
    return false;
}

const machine_method_t method_qfaw = {
    .state_size = sizeof(qfaw_t),
    .precheck = method_qfaw_precheck,
    .streams = true,
    .long_commands = true,
    .begin = method_qfaw_begin,
    .response = on_reply,
    .urc = method_qfaw_urc,
};
