/* Legacy GSM delta FOTA (seed 004).
 * qfua (004 §2.3.1, hardware flow control): flow command, AT+QFUA, OK, then a
 *   separate CONNECT line, the raw package, guard time, "+++", guard time; the
 *   module then prints text lines ("Update  percent = 7%", "... success. status=0").
 * qfaw (004 §2.3.2, no flow control): AT+QFAI, AT+QFAW="<HEX>" per chunk of at
 *   most max_chunk_bytes (uppercase hex, the seed's "%02X"), AT+QFAU; text lines. */
#include "machine_internal.h"

#include <stdlib.h>
#include <string.h>

enum { LG_FLOW, LG_INIT, LG_CONNECT, LG_DATA, LG_GUARD1, LG_GUARD2, LG_CHUNK, LG_COMMIT };

static const char *or_default(const char *c, const char *d)
{
    return c && *c ? c : d;
}

static void progress(machine_t *m)
{
    int pct = (int)(m->off * 100 / m->pkg->size);
    if (pct / 5 != m->xfer_percent / 5 || m->off == m->pkg->size) {
        m->xfer_percent = pct;
        m_progress(m, FOTA_PHASE_DL_PROGRESS, pct, "sending %zu/%zu KiB", m->off / 1024,
                   m->pkg->size / 1024);
    }
}

static void delivered(machine_t *m, uint64_t now)
{
    m->pkg_delivered = true;
    m_transfer_end(m);
    mu_download_done(m, now);
}

/* ---- qfua ------------------------------------------------------------------------ */

static void qfua_cmd(machine_t *m, uint64_t now)
{
    m->step = LG_INIT;
    m_cmd(m, or_default(m->mp->command, "AT+QFUA"), NULL, now);
}

void mlg_qfua_begin(machine_t *m, uint64_t now)
{
    m_set_state(m, MS_QFUA, m_after(now, m->to.download_ms));
    m->off = 0;
    m->xfer_percent = -1;
    m->pkg_delivered = false;
    m->dl_start_ms = now;
    if (mp_flow_command(m->mp)) {
        m->step = LG_FLOW;
        m_cmd(m, mp_flow_command(m->mp), NULL, now);
        return;
    }
    qfua_cmd(m, now);
}

static void qfua_send(machine_t *m)
{
    size_t left = m->pkg->size - m->off;
    size_t b = left < FOTA_MACHINE_FLOW_BLOCK ? left : FOTA_MACHINE_FLOW_BLOCK;
    m->block = b;
    m->awaiting_sent = true;
    m_send_data(m, m->pkg->data + m->off, b);
    m->off += b;
    progress(m);
}

void mlg_sent(machine_t *m, uint64_t now)
{
    if (m->state != MS_QFUA || m->step != LG_DATA)
        return;
    if (m->off < m->pkg->size) {
        qfua_send(m);
        return;
    }
    /* Silence before "+++" so the module does not take it for data. */
    m->step = LG_GUARD1;
    m->t_aux = m_after(now, m->mp->guard_ms ? m->mp->guard_ms : 1000);
}

/* ---- qfaw ------------------------------------------------------------------------ */

static void qfaw_chunk(machine_t *m, uint64_t now)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t left = m->pkg->size - m->off;
    size_t b = left < m->mp->max_chunk_bytes ? left : m->mp->max_chunk_bytes;
    char *h = malloc(2 * b + 1);
    if (!h) {
        mf_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    const uint8_t *d = m->pkg->data + m->off;
    for (size_t i = 0; i < b; i++) {
        h[2 * i] = hex[d[i] >> 4];
        h[2 * i + 1] = hex[d[i] & 15];
    }
    h[2 * b] = '\0';
    char *cmd = mp_command(or_default(m->mp->write_command, "AT+QFAW=\"{hex}\""), h);
    free(h);
    if (!cmd) {
        mf_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    m->block = b;
    m->step = LG_CHUNK;
    m_cmd(m, cmd, NULL, now);
    free(cmd);
}

void mlg_qfaw_begin(machine_t *m, uint64_t now)
{
    m_set_state(m, MS_QFAW, m_after(now, m->to.download_ms));
    m->off = 0;
    m->xfer_percent = -1;
    m->pkg_delivered = false;
    m->dl_start_ms = now;
    m->step = LG_INIT;
    m_cmd(m, or_default(m->mp->init_command, "AT+QFAI"), NULL, now);
}

void mlg_aux(machine_t *m, uint64_t now)
{
    if (m->state != MS_QFUA)
        return;
    if (m->step == LG_GUARD1) {
        static const char esc[] = "+++";
        m_send_copy(m, esc, 3);
        m_trace(m, FOTA_TRACE_TX, "+++");
        m->pkg_delivered = true; /* text lines may start during the guard time */
        m->step = LG_GUARD2;
        m->t_aux = m_after(now, m->mp->guard_ms ? m->mp->guard_ms : 1000);
        return;
    }
    if (m->step == LG_GUARD2)
        delivered(m, now);
}

void mlg_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    bool ok = r->final == FOTA_AT_FINAL_OK;
    int code = r->code > 0 ? r->code : 0;
    switch (m->step) {
    case LG_FLOW:
        if (!ok) {
            mf_fail(m, FOTA_ERR_REJECTED, code, now, "flow control refused: %s", r->final_text);
            return;
        }
        m_set_flow(m, true);
        qfua_cmd(m, now);
        return;
    case LG_INIT:
        if (m->state == MS_QFUA && r->final == FOTA_AT_FINAL_CONNECT)
            goto connected; /* CONNECT without the OK first: the same thing */
        if (!ok) {
            mf_fail(m, FOTA_ERR_REJECTED, code, now, "%s rejected: %s",
                    m->state == MS_QFUA ? "AT+QFUA" : "AT+QFAI", r->final_text);
            return;
        }
        if (m->state == MS_QFUA) {
            /* OK, then a separate CONNECT line (004 §2.3.1) */
            m->step = LG_CONNECT;
            m_wait(m, NULL, m->to.command_ms, now);
            return;
        }
        qfaw_chunk(m, now);
        return;
    case LG_CONNECT:
        if (r->final != FOTA_AT_FINAL_CONNECT) {
            mf_fail(m, FOTA_ERR_REJECTED, code, now, "no CONNECT after AT+QFUA: %s",
                    r->final_text[0] ? r->final_text : "timeout");
            return;
        }
    connected:
        m->step = LG_DATA;
        m_trace(m, FOTA_TRACE_INFO, "sending %zu bytes in data mode", m->pkg->size);
        qfua_send(m);
        return;
    case LG_CHUNK:
        if (!ok) {
            mf_fail(m, FOTA_ERR_UPLOAD, code, now, "AT+QFAW failed at byte %zu: %s", m->off,
                    r->final_text);
            return;
        }
        m->off += m->block;
        progress(m);
        if (m->off < m->pkg->size) {
            qfaw_chunk(m, now);
            return;
        }
        m->step = LG_COMMIT;
        m->pkg_delivered = true; /* progress lines may race AT+QFAU's OK */
        m_cmd(m, or_default(m->mp->commit_command, "AT+QFAU"), NULL, now);
        return;
    case LG_COMMIT:
        if (!ok) {
            mf_fail(m, FOTA_ERR_REJECTED, code, now, "AT+QFAU rejected: %s", r->final_text);
            return;
        }
        delivered(m, now);
        return;
    default:
        return;
    }
}
