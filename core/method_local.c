/* method_local: the package is uploaded to the module's UFS, then the module
 * takes it from there. In fwupd's order (clean up, check room, write, verify):
 *   AT+QFLST="*"                 is a stale file of the same name there?
 *   AT+QFDEL="<name>"            remove it (an interrupted upload leaves one)
 *   AT+QFLDS="UFS"               +QFLDS: <free>,<total>: room for the package?
 *   AT+QFUPL="<name>",<size>,<timeout>,1   CONNECT, then ack mode: one 'A' per
 *                                1024-byte block, +QFUPL: <size>,<checksum>, OK
 *   AT+QFOTADL="<prefix><name>"  (the update phase, phase_update.c)
 * The upload goes block by block: the next block leaves only when the station has
 * written the previous one (fota_machine_sent) and the module acknowledged it. */
#include "machine_internal.h"
#include "qfupl_checksum.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { LS_LIST, LS_DEL, LS_SPACE, LS_UPL, LS_DATA, LS_RESULT } local_step_t;

typedef struct {
    local_step_t step;
    size_t off;                     /* bytes handed to SEND so far */
    size_t block;                   /* size of the block in flight */
    bool awaiting_sent;             /* the station has not written it yet */
    bool awaiting_ack;              /* the module has not acknowledged it yet */
    int percent;                    /* last progress reported */
} local_t;

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now);

static local_t *st(machine_t *m)
{
    return m->method_state;
}

static const char *name_of(machine_t *m)
{
    return method_common_package_name(m->pkg);
}

/* The module's wait for data (required by the loader, 1..3600 s). */
static unsigned upload_timeout_s(machine_t *m)
{
    return (unsigned)m->mp->upload_timeout_s;
}

static void step_space(machine_t *m, uint64_t now)
{
    st(m)->step = LS_SPACE;
    machine_cmd_send(m, "AT+QFLDS=\"UFS\"", "+QFLDS:", on_reply, NULL, now);
}

static void step_upload(machine_t *m, uint64_t now)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"%s\",%zu,%u,1", name_of(m), m->pkg->size,
             upload_timeout_s(m));
    st(m)->step = LS_UPL;
    machine_cmd_send(m, cmd, "+QFUPL:", on_reply, NULL, now);
}

static bool method_local_precheck(machine_t *m, const fota_package_t *pkg, char *why, size_t n)
{
    const fota_method_profile_t *mp = m->mp;
    const char *name = method_common_package_name(pkg);
    size_t nl = strlen(name), pl = mp->local_prefix ? strlen(mp->local_prefix) : 0;
    if (!nl || (mp->max_name_len && nl > mp->max_name_len) ||
        (mp->max_path_len && nl + pl > mp->max_path_len) || strchr(name, '"')) {
        snprintf(why, n, "file name %s too long or invalid for %s", name, m->profile->family);
        return false;
    }
    return true;
}

static void method_local_begin(machine_t *m, uint64_t now)
{
    machine_state_set(m, MS_LOCAL, machine_state_after(now, m->to.download_ms));
    st(m)->step = LS_LIST;
    m->dl_start_ms = now;
    machine_cmd_send(m, "AT+QFLST=\"*\"", "+QFLST:", on_reply, NULL, now);
}

/* +QFLST: "UFS:<name>",<size>  (docs/at.md) */
static bool listed(machine_t *m, const fota_at_response_t *r)
{
    const char *name = name_of(m);
    for (size_t i = 0; i < r->n_lines; i++) {
        const char *q = strchr(r->lines[i], '"');
        if (!q)
            continue;
        q++;
        if (strncasecmp(q, "UFS:", 4) == 0)
            q += 4;
        size_t n = strlen(name);
        if (strncmp(q, name, n) == 0 && q[n] == '"')
            return true;
    }
    return false;
}

static size_t block_size(machine_t *m)
{
    return m->mp->ack_block ? m->mp->ack_block : 1024;
}

static unsigned ack_timeout(machine_t *m)
{
    /* The module waits <timeout> s for data; give its answer the command time on top. */
    return upload_timeout_s(m) * 1000u + m->to.command_ms;
}

static void send_block(machine_t *m, uint64_t now)
{
    local_t *s = st(m);
    size_t bs = block_size(m);
    size_t left = m->pkg->size - s->off;
    s->block = left < bs ? left : bs;
    s->awaiting_sent = true;
    /* One 'A' per full block; a short last block gets none, the result line follows. */
    s->awaiting_ack = s->block == bs && s->off + s->block < m->pkg->size;
    machine_action_send_data(m, m->pkg->data + s->off, s->block);
    s->off += s->block;
    m->t_aux = machine_state_after(now, ack_timeout(m));
    method_common_progress(m, "uploading", s->off, &s->percent);
}

static void next(machine_t *m, uint64_t now)
{
    local_t *s = st(m);
    if (s->awaiting_sent || s->awaiting_ack)
        return;
    if (s->off < m->pkg->size) {
        send_block(m, now);
        return;
    }
    /* All written: +QFUPL: <size>,<checksum> then OK. */
    m->t_aux = UINT64_MAX;
    s->step = LS_RESULT;
    machine_cmd_wait(m, "+QFUPL:", ack_timeout(m), on_reply, NULL, now);
}

static void method_local_sent(machine_t *m, uint64_t now)
{
    if (!st(m)->awaiting_sent)
        return;
    st(m)->awaiting_sent = false;
    if (st(m)->step == LS_DATA)
        next(m, now);
}

static void method_local_ack(machine_t *m, uint64_t now)
{
    local_t *s = st(m);
    if (s->step != LS_DATA || !s->awaiting_ack)
        return; /* the 'A' of the last full block, or a stray one */
    s->awaiting_ack = false;
    next(m, now);
}

static void method_local_timer(machine_t *m, uint64_t now)
{
    local_t *s = st(m);
    if (s->step == LS_DATA)
        machine_finish_fail(m, FOTA_ERR_UPLOAD, 0, now,
                            "no acknowledgement for the block at byte %zu", s->off - s->block);
}

static void result(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    fota_at_chat_set_ack_mode(m->chat, false);
    if (r->final == FOTA_AT_FINAL_TIMEOUT) {
        machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no +QFUPL result after the upload");
        return;
    }
    if (r->final != FOTA_AT_FINAL_OK) {
        machine_finish_fail(m, FOTA_ERR_UPLOAD, r->code > 0 ? r->code : 0, now, "upload failed: %s",
                            r->final_text);
        return;
    }
    uint64_t size = 0;
    uint16_t sum = 0;
    bool parsed = false;
    for (size_t i = 0; i < r->n_lines && !parsed; i++)
        parsed = fota_qfupl_reply_parse(r->lines[i], &size, &sum) == 0;
    uint16_t want = fota_qfupl_checksum(m->pkg->data, m->pkg->size);
    if (!parsed) {
        machine_finish_fail(m, FOTA_ERR_UPLOAD, 0, now,
                            "no +QFUPL: <size>,<checksum> line after the upload");
        return;
    }
    if (size != m->pkg->size || sum != want) {
        machine_finish_fail(m, FOTA_ERR_UPLOAD, 0, now,
                            "upload mismatch: module has %" PRIu64
                            " bytes checksum %x, package %zu bytes checksum %x",
                            size, (unsigned)sum, m->pkg->size, (unsigned)want);
        return;
    }
    machine_action_trace(m, FOTA_TRACE_INFO, "upload verified: %zu bytes, checksum %x",
                         m->pkg->size, (unsigned)want);
    machine_action_transfer_end(m);
    /* download_ms covers the upload: the package reaching the module */
    if (m->dl_start_ms) {
        m->att.download_ms += (int64_t)(now - m->dl_start_ms);
        m->dl_start_ms = 0;
    }
    const char *prefix = m->mp->local_prefix ? m->mp->local_prefix : "";
    size_t n = strlen(prefix) + strlen(name_of(m)) + 1;
    char *path = malloc(n);
    if (!path) {
        machine_finish_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    snprintf(path, n, "%s%s", prefix, name_of(m));
    method_common_take_over(m, path, now);
    free(path);
}

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now)
{
    (void)ctx;
    local_t *s = st(m);
    bool ok = r->final == FOTA_AT_FINAL_OK;
    switch (s->step) {
    case LS_LIST:
        if (ok && listed(m, r)) {
            char cmd[160];
            snprintf(cmd, sizeof cmd, "AT+QFDEL=\"%s\"", name_of(m));
            s->step = LS_DEL;
            machine_cmd_send(m, cmd, NULL, on_reply, NULL, now);
            return;
        }
        step_space(m, now); /* an empty UFS may answer ERROR: nothing to delete */
        return;
    case LS_DEL:
        if (!ok)
            machine_action_trace(m, FOTA_TRACE_INFO, "stale %s could not be deleted: %s",
                                 name_of(m), r->final_text);
        step_space(m, now);
        return;
    case LS_SPACE:
        if (ok) {
            for (size_t i = 0; i < r->n_lines; i++) {
                unsigned long long free_b, total_b;
                if (sscanf(r->lines[i], "+QFLDS: %llu,%llu", &free_b, &total_b) == 2 ||
                    sscanf(r->lines[i], "+QFLDS:%llu,%llu", &free_b, &total_b) == 2) {
                    if (free_b < m->pkg->size) {
                        machine_finish_fail(m, FOTA_ERR_SPACE, 0, now,
                                            "UFS has %llu bytes free, %s needs %zu", free_b,
                                            name_of(m), m->pkg->size);
                        return;
                    }
                    break;
                }
            }
        }
        step_upload(m, now);
        return;
    case LS_UPL:
        if (r->final == FOTA_AT_FINAL_CONNECT) {
            machine_state_set(m, MS_UPLOAD, m->t_state);
            s->step = LS_DATA;
            s->off = 0;
            s->percent = -1;
            fota_at_chat_set_ack_mode(m->chat, true);
            machine_action_trace(m, FOTA_TRACE_INFO, "uploading %zu bytes in %zu-byte blocks",
                                 m->pkg->size, block_size(m));
            send_block(m, now);
            return;
        }
        if (phase_transfer_boot_refused(m, "AT+QFUPL", "refused", FOTA_ERR_UPLOAD, r, now))
            return;
        machine_finish_fail(m, FOTA_ERR_UPLOAD, r->code > 0 ? r->code : 0, now,
                            "AT+QFUPL refused: %s", r->final_text);
        return;
    case LS_RESULT:
        result(m, r, now);
        return;
    default:
        return;
    }
}

const machine_method_t method_local = {
    .state_size = sizeof(local_t),
    .precheck = method_local_precheck,
    .streams = true,
    .begin = method_local_begin,
    .response = on_reply,
    .sent = method_local_sent,
    .ack = method_local_ack,
    .timer = method_local_timer,
};
