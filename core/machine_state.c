/* machine_state_*: where the visit is (its state and the state's name), its
 * clock arithmetic, and the profile it runs under (effective timeouts, quiet
 * windows). Every machine file may call these; they call nothing back. */
#include "machine_internal.h"

static const char *const names[MS__COUNT] = {
    [MS_NEW] = "new",
    [MS_IDENT] = "identify",
    [MS_WAIT_PROCEED] = "wait-proceed",
    [MS_HOP_SETTLE] = "boot-settle",
    [MS_WAIT_TRANSFER] = "wait-transfer",
    [MS_LOCAL] = "local-prepare",
    [MS_UPLOAD] = "upload",
    [MS_STREAM] = "stream",
    [MS_QFUA] = "qfua",
    [MS_QFAW] = "qfaw",
    [MS_TRANSFER] = "transfer",
    [MS_FOTA_CMD] = "fota-command",
    [MS_DOWNLOAD] = "download",
    [MS_REBOOT_DL] = "reboot-after-download",
    [MS_UPDATE] = "update",
    [MS_RETRY_REBOOT] = "module-retry",
    [MS_DONE_REBOOT] = "reboot-after-update",
    [MS_PORT_LOST] = "port-lost",
    [MS_FINISHED] = "finished",
};

const char *machine_state_label(machine_state_t s)
{
    return (unsigned)s < MS__COUNT && names[s] ? names[s] : "?";
}

uint64_t machine_state_after(uint64_t now, unsigned ms)
{
    return now + (uint64_t)ms;
}

/* Waiting for the station (its GO after IDENTIFIED, a transfer token) is the line's
 * time, not the module's: it goes to queued_ms and stays out of duration_ms. */
static bool waits(machine_state_t s)
{
    return s == MS_WAIT_PROCEED || s == MS_WAIT_TRANSFER;
}

void machine_state_wait_end(machine_t *m, uint64_t now)
{
    if (m->waiting) {
        m->att.queued_ms += (int64_t)(now - m->wait_since);
        m->waiting = false;
    }
}

void machine_state_set(machine_t *m, machine_state_t s, uint64_t timeout_at)
{
    if (waits(m->state) && !waits(s))
        machine_state_wait_end(m, m->now);
    else if (!waits(m->state) && waits(s)) {
        m->wait_since = m->now;
        m->waiting = true;
    }
    m->state = s;
    m->t_state = timeout_at;
}

/* Timeouts: the job's non-zero fields over the profile's (or the built-in ones). */
void machine_state_timeouts(machine_t *m, const fota_profile_t *p)
{
    const fota_timeouts_t *o = m->cfg.timeouts_override;
    if (!o && m->cfg.job)
        o = &m->cfg.job->timeouts;
    m->to = fota_timeouts_effective(p, o);
}

/* The profile's quiet windows; the built-in ones before ATI chose a profile. */
const fota_quiet_t *machine_state_quiet(const machine_t *m)
{
    static const fota_quiet_t dflt = {FOTA_QUIET_BOOT_DEFAULT_MS, FOTA_QUIET_RESYNC_DEFAULT_MS,
                                      FOTA_QUIET_GIVE_UP_DEFAULT_MS, FOTA_QUIET_HOP_DEFAULT_MS,
                                      FOTA_QUIET_IDENT_RETRY_DEFAULT_MS};
    const fota_profile_t *p = m->profile ? m->profile : m->cfg.profile_hint;
    return p ? &p->quiet : &dflt;
}

void machine_state_use_profile(machine_t *m, const fota_profile_t *p)
{
    m->profile = p;
    machine_state_timeouts(m, p);
}
