/* From AT+QFOTADL to the verified new revision. "Accepted" and "done" are
 * different states (DESIGN-NOTES habit 4): OK only means accepted; the download,
 * the reboot, the update and the reboot after it each have their own timeout.
 *
 *   FOTA_CMD --OK--> DOWNLOAD --FTPEND,0--> REBOOT_DL --first URC--> UPDATE
 *   UPDATE --END,0--> DONE_REBOOT --boot, quiet--> verify (ATI, AT+GSN)
 *   UPDATE --END,52x--> RETRY_REBOOT --START--> UPDATE  (module retries, 000 §4)
 *                                    --boot, no START--> verify: old revision = FAIL
 * The USB AT port can come up too late to see START: a first UPDATING or even a
 * bare END after a reboot is accepted (SPEC §4). */
#include "machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_update_phase(fota_phase_t p)
{
    return p == FOTA_PHASE_START || p == FOTA_PHASE_UPDATING || p == FOTA_PHASE_RESTORE ||
           p == FOTA_PHASE_END || p == FOTA_PHASE_RESUME;
}

void mu_fota_command(machine_t *m, const char *arg, uint64_t now)
{
    char *cmd = mp_command(m->mp->command, arg);
    if (!cmd) {
        mf_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return;
    }
    m_set_state(m, MS_FOTA_CMD, UINT64_MAX);
    m_cmd(m, cmd, NULL, now);
    free(cmd);
}

/* Download (or upload) over: wait for the updater, through a reboot if the family
 * reboots between download and update (000 §3.3.1, 001 §3.3.1.1). */
void mu_download_done(machine_t *m, uint64_t now)
{
    if (m->dl_start_ms) {
        m->att.download_ms += (int64_t)(now - m->dl_start_ms);
        m->dl_start_ms = 0;
    }
    m->fota_seen = false;
    m->boot_seen = false;
    m->percent = -1;
    m->first_urc_wait = true;
    m_progress(m, FOTA_PHASE_DL_END, 100, "package on the module");
    if (m->mp->reboot_after_download) {
        /* The port is left open: EG06xK checks the package before it reboots and
         * may still print END,505 here (001 §3). The drop comes as port_gone(). */
        m_set_state(m, MS_REBOOT_DL, m_after(now, m->to.reboot_ms));
        return;
    }
    m_set_state(m, MS_UPDATE, m_after(now, m->to.reboot_ms));
}

void mu_fota_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    switch (r->final) {
    case FOTA_AT_FINAL_OK:
        m_trace(m, FOTA_TRACE_INFO, "AT+QFOTADL accepted");
        if (m->method == FOTA_METHOD_URL) {
            m->dl_start_ms = now;
            m_set_state(m, MS_DOWNLOAD, m_after(now, m->to.download_ms));
            m_progress(m, FOTA_PHASE_DL_START, 0, "module downloading");
            return;
        }
        /* local: the package is already on the module; the port drops right after
         * OK (000 §3.3.3, 001 §3.3.1.3) */
        mu_download_done(m, now);
        return;
    case FOTA_AT_FINAL_ERROR:
    case FOTA_AT_FINAL_CME_ERROR:
    case FOTA_AT_FINAL_CMS_ERROR:
        mf_fail(m, FOTA_ERR_REJECTED, r->code > 0 ? r->code : 0, now, "AT+QFOTADL rejected: %s",
                r->final_text);
        return;
    default:
        mf_fail(m, FOTA_ERR_PROTOCOL, 0, now, "unexpected answer to AT+QFOTADL: %s",
                r->final_text);
        return;
    }
}

static void start_verify(machine_t *m, probe_purpose_t purpose, uint64_t now)
{
    m->t_aux = UINT64_MAX;
    mi_start(m, purpose, true, now);
}

/* A USB module's tty re-enumerates when it reboots; a UART module (no USB
 * identity in its profile: seed 004) reboots behind a port that stays open. */
static bool port_drops(machine_t *m, bool reboots)
{
    return reboots && m->profile->usb_vendor != 0;
}

static bool count_retry(machine_t *m, uint64_t now)
{
    if (!m->retry_pending)
        return true;
    m->retry_pending = 0;
    m->att.module_retries++;
    int limit = m->profile->module_retries;
    m_trace(m, FOTA_TRACE_INFO, "module retry %d of %d after END,%d", m->att.module_retries,
            limit, m->last_code);
    if (limit >= 0 && m->att.module_retries > limit) {
        /* The seeds promise five; a module looping beyond is not going to finish. */
        mf_fail(m, m->last_cls, m->last_code, now, "%s (module retried more than %d times)",
                m->last_text, limit);
        return false;
    }
    return true;
}

static void on_end(machine_t *m, const fota_urc_t *u, uint64_t now)
{
    if (m->upd_start_ms) {
        m->att.update_ms += (int64_t)(now - m->upd_start_ms);
        m->upd_start_ms = 0;
    }
    int code = u->has_value ? (int)u->value : 0;
    m->end_seen = true;
    if (code == 0) {
        m_progress(m, FOTA_PHASE_END, 100, "update done, module restarting");
        m->boot_seen = false;
        /* Ask nothing before a USB module's port went away and came back: the
         * old firmware may still answer. A UART module reboots behind its port:
         * probe once its lines have been quiet. */
        m->t_aux = port_drops(m, m->mp->reboot_after_end) ? UINT64_MAX
                                                          : m_after(now, m_quiet(m)->boot_ms);
        m_set_state(m, MS_DONE_REBOOT, m_after(now, m->to.reboot_ms));
        return;
    }
    fota_table_id_t table = u->table < FOTA_TABLE__COUNT ? u->table : FOTA_TABLE_ERR;
    const fota_error_entry_t *e = fota_profile_lookup_error(m->profile, table, code);
    if (e && e->cls == FOTA_ERR_TRANSIENT) {
        /* 520–530, 540–546, 502: the module reboots and retries by itself, up to
         * five times (000 §4, 001 §3). */
        m->last_code = code;
        m->last_cls = e->cls;
        snprintf(m->last_text, sizeof m->last_text, "%s", e->meaning ? e->meaning : "");
        m->retry_pending = 1;
        m->boot_seen = false;
        m->fota_seen = false;
        m_progress(m, FOTA_PHASE_END, m->percent, "module error %d, module retries", code);
        m->t_aux = UINT64_MAX;
        m_set_state(m, MS_RETRY_REBOOT, m_after(now, m->to.reboot_ms));
        return;
    }
    mf_fail_code(m, table, code, FOTA_ERR_FATAL, now);
}

/* START / UPDATING / RESTORE / RESUME / END while updating. */
static void update_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    if (m->state != MS_UPDATE)
        m_set_state(m, MS_UPDATE, m_after(now, m->to.stall_ms));
    m->first_urc_wait = false;
    m->fota_seen = true;
    m->t_aux = UINT64_MAX;
    if (u->phase != FOTA_PHASE_RESUME && !count_retry(m, now))
        return;
    if (!m->upd_start_ms && u->phase != FOTA_PHASE_END)
        m->upd_start_ms = now;
    int v = u->has_value ? (int)u->value : -1;
    switch (u->phase) {
    case FOTA_PHASE_START:
        m->percent = 0;
        m->t_state = m_after(now, m->to.stall_ms);
        m_progress(m, FOTA_PHASE_START, 0, "updating%s", m->att.module_retries ? " (module retry)" : "");
        return;
    case FOTA_PHASE_UPDATING:
    case FOTA_PHASE_RESTORE:
        /* Only a change of percent is progress: the stall timer keeps running
         * through repeats of the same value. */
        if (v != m->percent || m->last_phase != u->phase) {
            m->percent = v;
            m->last_phase = u->phase;
            m->t_state = m_after(now, m->to.stall_ms);
            m_progress(m, u->phase, v, u->phase == FOTA_PHASE_RESTORE ? "restoring %d%%"
                                                                     : "updating %d%%", v);
        }
        return;
    case FOTA_PHASE_RESUME:
        /* "Last upgrade was not finished,continue upgrade": after a power loss,
         * not a module retry (000 §4 note). */
        m_trace(m, FOTA_TRACE_INFO, "module resumes an interrupted update");
        m->t_state = m_after(now, m->to.stall_ms);
        return;
    case FOTA_PHASE_END:
        on_end(m, u, now);
        return;
    default:
        (void)line;
        return;
    }
}

void mu_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    /* Legacy: text lines start once +++ / AT+QFAU went out (004 §2.3). */
    if ((m->state == MS_QFUA || m->state == MS_QFAW) && m->pkg_delivered) {
        m_transfer_end(m);
        mu_download_done(m, now);
    }
    switch (m->state) {
    case MS_FOTA_CMD:
        /* A download URC before OK was read: it was accepted. */
        if (u->phase == FOTA_PHASE_DL_START || u->phase == FOTA_PHASE_DL_PROGRESS ||
            u->phase == FOTA_PHASE_DL_END) {
            fota_at_chat_cancel(m->chat);
            m->dl_start_ms = now;
            m_set_state(m, MS_DOWNLOAD, m_after(now, m->to.download_ms));
            break;
        }
        return;
    case MS_IDENT:
        /* Probing after a transient END, the module starts its retry after all. */
        if ((m->purpose == PROBE_GIVEUP || m->purpose == PROBE_VERIFY) &&
            is_update_phase(u->phase) && m->retry_pending) {
            fota_at_chat_cancel(m->chat);
            m->resync = RESYNC_NONE;
            if (u->phase == FOTA_PHASE_RESTORE) {
                m_set_state(m, MS_RETRY_REBOOT, m_after(now, m->to.stall_ms));
                break; /* restoring, not retrying: handled below */
            }
            update_urc(m, u, line, now);
        }
        return;
    case MS_DOWNLOAD:
    case MS_REBOOT_DL:
    case MS_UPDATE:
    case MS_RETRY_REBOOT:
    case MS_DONE_REBOOT:
        break;
    default:
        return; /* boot noise while identifying or preparing */
    }

    if (u->phase == FOTA_PHASE_RESTORE && m->state == MS_RETRY_REBOOT) {
        /* After its last failed try the module restores the original firmware
         * (001 §3) and then boots it: no retry; the give-up check follows. */
        int v = u->has_value ? (int)u->value : -1;
        m_progress(m, FOTA_PHASE_RESTORE, v, "restoring the original firmware %d%%", v);
        m->t_aux = UINT64_MAX;
        m->t_state = m_after(now, m->to.stall_ms);
        return;
    }
    switch (u->phase) {
    case FOTA_PHASE_DL_START:
        if (m->state == MS_DOWNLOAD)
            m_progress(m, FOTA_PHASE_DL_START, 0, "downloading (%s)", u->name);
        return;
    case FOTA_PHASE_DL_PROGRESS:
        if (m->state == MS_DOWNLOAD)
            m_progress(m, FOTA_PHASE_DL_PROGRESS, u->has_value ? (int)u->value : -1,
                       "downloading %ld%%", u->has_value ? u->value : 0L);
        return;
    case FOTA_PHASE_DL_END:
        if (m->state != MS_DOWNLOAD)
            return;
        if (u->has_value && u->value != 0) {
            fota_table_id_t t = u->table < FOTA_TABLE__COUNT ? u->table : FOTA_TABLE_FTP;
            mf_fail_code(m, t, (int)u->value, FOTA_ERR_DOWNLOAD, now);
            return;
        }
        mu_download_done(m, now);
        return;
    case FOTA_PHASE_BOOT:
        m->boot_seen = true;
        if (m->state == MS_RETRY_REBOOT && m->port_present)
            m->t_aux = m_after(now, m_quiet(m)->give_up_ms);
        else if (m->state == MS_DONE_REBOOT && m->port_present)
            m->t_aux = m_after(now, m_quiet(m)->boot_ms);
        return;
    case FOTA_PHASE_REBOOTING:
        /* 004: "Finish data downloading, rebooting...." before the update, and
         * "Rebooting...." after "update success". */
        if (m->state == MS_DONE_REBOOT && !port_drops(m, m->mp->reboot_after_end))
            m->t_aux = m_after(now, m_quiet(m)->boot_ms);
        else if (m->state == MS_UPDATE && !m->end_seen)
            m->t_state = m_after(now, m->to.reboot_ms);
        return;
    case FOTA_PHASE_FAILED:
        /* 004: "the error message will be reported ... firmware will keep unchanged" */
        if (u->has_value) {
            fota_table_id_t t = u->table < FOTA_TABLE__COUNT ? u->table : FOTA_TABLE_ERR;
            const fota_error_entry_t *e = fota_profile_lookup_error(m->profile, t, (int)u->value);
            if (e && e->meaning && e->cls != FOTA_ERR_NONE) {
                mf_fail(m, e->cls, (int)u->value, now, "%s", e->meaning);
                return;
            }
        }
        mf_fail(m, FOTA_ERR_PACKAGE, u->has_value ? (int)u->value : 0, now,
                "module rejected the package: %s", line);
        return;
    default:
        break;
    }
    if (!is_update_phase(u->phase))
        return;
    if (m->state == MS_DONE_REBOOT)
        return; /* update done; stray lines before the restart */
    if (m->state == MS_DOWNLOAD)
        mu_download_done(m, now); /* missed FTPEND: the updater already runs */
    update_urc(m, u, line, now);
}

static void wait_port(machine_t *m, machine_state_t s, uint64_t now)
{
    m->t_aux = UINT64_MAX;
    m_set_state(m, s, m_after(now, m->to.reboot_ms));
}

void mu_port_gone(machine_t *m, uint64_t now)
{
    switch (m->state) {
    case MS_FOTA_CMD:
        if (m->method == FOTA_METHOD_LOCAL && m->mp->reboot_after_download) {
            /* The OK and the drop race: local packages drop the port right after
             * OK (SPEC §4). Treat it as accepted. */
            m_trace(m, FOTA_TRACE_INFO, "port dropped after AT+QFOTADL: taken as accepted");
            mu_download_done(m, now);
            m_set_state(m, MS_REBOOT_DL, m_after(now, m->to.reboot_ms));
            return;
        }
        break;
    case MS_DOWNLOAD:
        if (m->mp->reboot_after_download) {
            mu_download_done(m, now); /* FTPEND,0 was lost with the port */
            return;
        }
        break;
    case MS_REBOOT_DL:
    case MS_RETRY_REBOOT:
    case MS_DONE_REBOOT:
        wait_port(m, m->state, now);
        return;
    case MS_UPDATE:
        /* Power loss or a reboot mid-update: the module resumes (000 §4 note). */
        m->first_urc_wait = true;
        wait_port(m, MS_UPDATE, now);
        return;
    case MS_IDENT:
        if (m->purpose == PROBE_VERIFY) {
            wait_port(m, MS_DONE_REBOOT, now);
            return;
        }
        if (m->purpose == PROBE_GIVEUP) {
            wait_port(m, MS_RETRY_REBOOT, now);
            return;
        }
        break;
    case MS_WAIT_PROCEED:
        return; /* mp_go waits for the port when GO comes */
    case MS_PORT_LOST:
        return;
    default:
        break;
    }
    /* Outside a FOTA phase: give the transfer token back and wait for the port. */
    if (m->transfer_held)
        m_transfer_end(m);
    m->pkg_delivered = false;
    wait_port(m, MS_PORT_LOST, now);
}

void mu_port_back(machine_t *m, uint64_t now)
{
    switch (m->state) {
    case MS_REBOOT_DL:
    case MS_UPDATE:
        /* The first URC is due within the reboot timeout (000 §3.3.1). */
        m->t_state = m_after(now, m->to.reboot_ms);
        return;
    case MS_RETRY_REBOOT:
        m->t_state = m_after(now, m->to.reboot_ms);
        m->t_aux = UINT64_MAX;
        return;
    case MS_DONE_REBOOT:
        m->t_state = m_after(now, m->to.reboot_ms);
        m->t_aux = m_after(now, m_quiet(m)->boot_ms);
        return;
    case MS_PORT_LOST:
        mi_start(m, m->decided ? PROBE_RECOVER : PROBE_INITIAL, true, now);
        return;
    default:
        return;
    }
}

void mu_state_timeout(machine_t *m, uint64_t now)
{
    unsigned rs = m->to.reboot_ms / 1000;
    switch (m->state) {
    case MS_LOCAL:
    case MS_UPLOAD:
    case MS_STREAM:
    case MS_QFUA:
    case MS_QFAW:
        mf_fail(m, FOTA_ERR_TIMEOUT, 0, now, "transfer not finished within %u s",
                m->to.download_ms / 1000);
        return;
    case MS_DOWNLOAD:
        mf_fail(m, FOTA_ERR_TIMEOUT, 0, now, "download not finished within %u s",
                m->to.download_ms / 1000);
        return;
    case MS_REBOOT_DL:
        if (!m->port_present)
            mf_fail(m, FOTA_ERR_PORT, 0, now, "port did not come back within %u s of the reboot", rs);
        else
            mf_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no FOTA URC within %u s after the reboot", rs);
        return;
    case MS_UPDATE:
        if (!m->port_present)
            mf_fail(m, FOTA_ERR_PORT, 0, now, "port vanished during the update and did not come back within %u s", rs);
        else if (m->first_urc_wait)
            mf_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no FOTA URC within %u s", rs);
        else
            mf_fail(m, FOTA_ERR_TIMEOUT, 0, now, "stalled at %d%%", m->percent < 0 ? 0 : m->percent);
        return;
    case MS_RETRY_REBOOT:
        if (!m->port_present) {
            mf_fail(m, FOTA_ERR_PORT, m->last_code, now,
                    "port did not come back within %u s after END,%d", rs, m->last_code);
            return;
        }
        start_verify(m, PROBE_GIVEUP, now); /* silent module: ask it what it runs */
        return;
    case MS_DONE_REBOOT:
        if (!m->port_present) {
            mf_fail(m, FOTA_ERR_PORT, 0, now, "port did not come back within %u s after the update", rs);
            return;
        }
        start_verify(m, PROBE_VERIFY, now);
        return;
    case MS_PORT_LOST:
        mf_fail(m, FOTA_ERR_PORT, 0, now, "port vanished and did not come back within %u s", rs);
        return;
    default:
        return;
    }
}

void mu_aux(machine_t *m, uint64_t now)
{
    if (!m->port_present)
        return;
    switch (m->state) {
    case MS_DONE_REBOOT:
        start_verify(m, PROBE_VERIFY, now);
        return;
    case MS_RETRY_REBOOT:
        /* Boot URCs and no START: the module gave up and booted normally (000 §4). */
        start_verify(m, PROBE_GIVEUP, now);
        return;
    case MS_UPLOAD:
        ml_aux(m, now);
        return;
    case MS_QFAW:
        mlg_aux(m, now);
        return;
    default:
        return;
    }
}

static const char *hop_target(machine_t *m)
{
    const fota_package_t *pkg = m->chain[m->hop];
    return pkg && pkg->to ? pkg->to : m->target->to;
}

void mu_verified(machine_t *m, uint64_t now)
{
    snprintf(m->att.final_version, sizeof m->att.final_version, "%s", m->revision);
    if (m->purpose == PROBE_RECOVER) {
        mp_recover(m, now);
        return;
    }
    const char *want = hop_target(m);
    if (fota_revision_equal(m->revision, want)) {
        m->att.hops++;
        m_trace(m, FOTA_TRACE_INFO, "hop %d/%d verified: %s", m->hop + 1, m->n_hops, m->revision);
        m->retry_pending = 0;
        if (++m->hop < m->n_hops) {
            mp_start_hop(m, now);
            return;
        }
        mf_pass(m, false, now);
        return;
    }
    if (m->purpose == PROBE_GIVEUP) {
        /* Five failed tries: the module deleted its flag and booted the old
         * firmware (000 §4). The verdict is the last END code. */
        mf_fail(m, m->last_cls, m->last_code, now, "%s", m->last_text);
        return;
    }
    mf_fail(m, FOTA_ERR_VERIFY, 0, now, "module reports %s after the update, expected %s",
            m->revision, want);
}
