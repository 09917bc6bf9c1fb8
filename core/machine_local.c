/* method local, in fwupd's order (DESIGN-NOTES habit 12):
 *   AT+QFLST="*"                 is a stale file of the same name there?
 *   AT+QFDEL="<name>"            remove it (an interrupted upload leaves one)
 *   AT+QFLDS="UFS"               +QFLDS: <free>,<total>: room for the package?
 *   AT+QFUPL="<name>",<size>,<timeout>,1   CONNECT, then ack mode: one 'A' per
 *                                1024-byte block, +QFUPL: <size>,<checksum>, OK
 *   AT+QFOTADL="<prefix><name>"  (machine_update.c)
 * The upload goes block by block: the next block leaves only when the station has
 * written the previous one (fota_machine_sent) and the module acknowledged it. */
#include "machine_internal.h"
#include "qfupl_checksum.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { LS_LIST, LS_DEL, LS_SPACE, LS_UPL, LS_DATA, LS_RESULT };

static const char *name_of(machine_t *m)
{
    return mp_package_name(m->pkg);
}

static void step_space(machine_t *m, uint64_t now)
{
    m->step = LS_SPACE;
    m_cmd(m, "AT+QFLDS=\"UFS\"", "+QFLDS:", now);
}

static void step_upload(machine_t *m, uint64_t now)
{
    char cmd[256];
    unsigned tmo = m->mp->upload_timeout_s ? (unsigned)m->mp->upload_timeout_s : 5;
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"%s\",%zu,%u,1", name_of(m), m->pkg->size, tmo);
    m->step = LS_UPL;
    m_cmd(m, cmd, "+QFUPL:", now);
}

void ml_begin(machine_t *m, uint64_t now)
{
    m_set_state(m, MS_LOCAL, m_after(now, m->to.download_ms));
    m->step = LS_LIST;
    m->dl_start_ms = now;
    m_cmd(m, "AT+QFLST=\"*\"", "+QFLST:", now);
}

/* +QFLST: "UFS:<name>",<size>  (SPEC §4) */
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
    unsigned tmo = m->mp->upload_timeout_s ? (unsigned)m->mp->upload_timeout_s : 5;
    return tmo * 1000u + m->to.command_ms;
}

static void send_block(machine_t *m, uint64_t now)
{
    size_t bs = block_size(m);
    size_t left = m->pkg->size - m->off;
    m->block = left < bs ? left : bs;
    m->awaiting_sent = true;
    /* One 'A' per full block; a short last block gets none, the result line follows. */
    m->awaiting_ack = m->block == bs && m->off + m->block < m->pkg->size;
    m_send_data(m, m->pkg->data + m->off, m->block);
    m->off += m->block;
    m->t_aux = m_after(now, ack_timeout(m));
    int pct = (int)(m->off * 100 / m->pkg->size);
    if (pct / 5 != m->xfer_percent / 5 || m->off == m->pkg->size) {
        m->xfer_percent = pct;
        m_progress(m, FOTA_PHASE_DL_PROGRESS, pct, "uploading %zu/%zu KiB", m->off / 1024,
                   m->pkg->size / 1024);
    }
}

static void next(machine_t *m, uint64_t now)
{
    if (m->awaiting_sent || m->awaiting_ack)
        return;
    if (m->off < m->pkg->size) {
        send_block(m, now);
        return;
    }
    /* All written: +QFUPL: <size>,<checksum> then OK. */
    m->t_aux = UINT64_MAX;
    m->step = LS_RESULT;
    m_wait(m, "+QFUPL:", ack_timeout(m), now);
}

void ml_sent(machine_t *m, uint64_t now)
{
    if (m->step == LS_DATA)
        next(m, now);
}

void ml_ack(machine_t *m, uint64_t now)
{
    if (m->step != LS_DATA || !m->awaiting_ack)
        return; /* the 'A' of the last full block, or a stray one */
    m->awaiting_ack = false;
    next(m, now);
}

void ml_aux(machine_t *m, uint64_t now)
{
    if (m->step == LS_DATA)
        mf_fail(m, FOTA_ERR_UPLOAD, 0, now, "no acknowledgement for the block at byte %zu",
                m->off - m->block);
}

static void result(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    fota_at_chat_set_ack_mode(m->chat, false);
    if (r->final == FOTA_AT_FINAL_TIMEOUT) {
        mf_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no +QFUPL result after the upload");
        return;
    }
    if (r->final != FOTA_AT_FINAL_OK) {
        mf_fail(m, FOTA_ERR_UPLOAD, r->code > 0 ? r->code : 0, now, "upload failed: %s",
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
        mf_fail(m, FOTA_ERR_UPLOAD, 0, now, "no +QFUPL: <size>,<checksum> line after the upload");
        return;
    }
    if (size != m->pkg->size || sum != want) {
        mf_fail(m, FOTA_ERR_UPLOAD, 0, now,
                "upload mismatch: module has %" PRIu64 " bytes checksum %x, package %zu bytes checksum %x",
                size, (unsigned)sum, m->pkg->size, (unsigned)want);
        return;
    }
    m_trace(m, FOTA_TRACE_INFO, "upload verified: %zu bytes, checksum %x", m->pkg->size,
            (unsigned)want);
    m_transfer_end(m);
    /* download_ms covers the upload: the package reaching the module */
    if (m->dl_start_ms) {
        m->att.download_ms += (int64_t)(now - m->dl_start_ms);
        m->dl_start_ms = 0;
    }
    const char *prefix = m->mp->local_prefix ? m->mp->local_prefix : "";
    size_t n = strlen(prefix) + strlen(name_of(m)) + 1;
    char *path = malloc(n);
    if (!path) {
        mf_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    snprintf(path, n, "%s%s", prefix, name_of(m));
    mu_fota_command(m, path, now);
    free(path);
}

void ml_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    bool ok = r->final == FOTA_AT_FINAL_OK;
    switch (m->step) {
    case LS_LIST:
        if (ok && listed(m, r)) {
            char cmd[160];
            snprintf(cmd, sizeof cmd, "AT+QFDEL=\"%s\"", name_of(m));
            m->step = LS_DEL;
            m_cmd(m, cmd, NULL, now);
            return;
        }
        step_space(m, now); /* an empty UFS may answer ERROR: nothing to delete */
        return;
    case LS_DEL:
        if (!ok)
            m_trace(m, FOTA_TRACE_INFO, "stale %s could not be deleted: %s", name_of(m),
                    r->final_text);
        step_space(m, now);
        return;
    case LS_SPACE:
        if (ok) {
            for (size_t i = 0; i < r->n_lines; i++) {
                unsigned long long free_b, total_b;
                if (sscanf(r->lines[i], "+QFLDS: %llu,%llu", &free_b, &total_b) == 2 ||
                    sscanf(r->lines[i], "+QFLDS:%llu,%llu", &free_b, &total_b) == 2) {
                    if (free_b < m->pkg->size) {
                        mf_fail(m, FOTA_ERR_SPACE, 0, now,
                                "UFS has %llu bytes free, %s needs %zu", free_b, name_of(m),
                                m->pkg->size);
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
            m_set_state(m, MS_UPLOAD, m->t_state);
            m->step = LS_DATA;
            m->off = 0;
            m->xfer_percent = -1;
            fota_at_chat_set_ack_mode(m->chat, true);
            m_trace(m, FOTA_TRACE_INFO, "uploading %zu bytes in %zu-byte blocks", m->pkg->size,
                    block_size(m));
            send_block(m, now);
            return;
        }
        mf_fail(m, FOTA_ERR_UPLOAD, r->code > 0 ? r->code : 0, now, "AT+QFUPL refused: %s",
                r->final_text);
        return;
    case LS_RESULT:
        result(m, r, now);
        return;
    default:
        return;
    }
}
