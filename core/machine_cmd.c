/* The command runner: one command in flight, its own timeout; after a timeout
 * plain AT until OK, a quiet window, then the command again, so a late reply is
 * never taken for the next command's (DESIGN-NOTES habit 5). Replies reach the
 * handler of the state that sent the command; a reply after the state moved on
 * is dropped. */
#include "machine_internal.h"

#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void cmd_issue(machine_t *m, uint64_t now)
{
    if (fota_at_chat_busy(m->chat))
        fota_at_chat_cancel(m->chat); /* a reply we no longer want: its lines are noise */
    int rc;
    if (m->cmd_is_wait)
        rc = m->cmd_prefix ? fota_at_chat_wait_expect(m->chat, m->cmd_prefix, m->cmd_timeout, now)
                           : fota_at_chat_wait(m->chat, m->cmd_timeout, now);
    else
        rc = fota_at_chat_send_expect(m->chat, m->cmd, m->cmd_prefix, m->cmd_timeout, now);
    if (rc < 0)
        mf_fail(m, rc == FOTA_E_NOMEM ? FOTA_ERR_INTERNAL : FOTA_ERR_PROTOCOL, 0, now,
                "cannot send %s: %s", m->cmd ? m->cmd : "(wait)", fota_strerror(rc));
}

static void cmd_set(machine_t *m, const char *cmd, const char *expect, unsigned timeout_ms,
                    bool is_wait)
{
    free(m->cmd);
    free(m->cmd_prefix);
    m->cmd = dup_or_null(cmd);
    m->cmd_prefix = dup_or_null(expect);
    m->cmd_timeout = timeout_ms;
    m->cmd_is_wait = is_wait;
    m->cmd_tries = 0;
    m->cmd_state = m->state;
    m->resync = RESYNC_NONE;
}

void m_cmd_t(machine_t *m, const char *cmd, const char *expect, unsigned timeout_ms, uint64_t now)
{
    cmd_set(m, cmd, expect, timeout_ms, false);
    cmd_issue(m, now);
}

void m_cmd(machine_t *m, const char *cmd, const char *expect, uint64_t now)
{
    m_cmd_t(m, cmd, expect, m->to.command_ms, now);
}

void m_wait(machine_t *m, const char *expect, unsigned timeout_ms, uint64_t now)
{
    cmd_set(m, NULL, expect, timeout_ms, true);
    cmd_issue(m, now);
}

static void resync_send(machine_t *m, uint64_t now)
{
    m->resync = RESYNC_AT;
    if (fota_at_chat_busy(m->chat))
        fota_at_chat_cancel(m->chat);
    int rc = fota_at_chat_send(m->chat, "AT", m->to.command_ms, now);
    if (rc < 0)
        mf_fail(m, rc == FOTA_E_NOMEM ? FOTA_ERR_INTERNAL : FOTA_ERR_PROTOCOL, 0, now,
                "cannot send AT: %s", fota_strerror(rc));
}

void m_resync(machine_t *m, uint64_t until, uint64_t now)
{
    cmd_set(m, NULL, NULL, m->to.command_ms, false);
    m->resync_until = until;
    resync_send(m, now);
}

/* A plain AT answered: the line is in step. Quiet window, then go on. */
static void resync_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    if (r->final != FOTA_AT_FINAL_TIMEOUT) {
        m->resync = RESYNC_QUIET;
        m->t_aux = m_after(now, m_quiet(m)->resync_ms);
        return;
    }
    if (m->resync_until) {
        if (now >= m->resync_until) {
            mf_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no answer to AT in %s",
                    m_state_name(m->state));
            return;
        }
    } else if (++m->cmd_tries >= FOTA_MACHINE_CMD_TRIES) {
        mf_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no answer to %s after %d tries",
                m->cmd ? m->cmd : "AT", m->cmd_tries);
        return;
    }
    resync_send(m, now);
}

void m_resync_done(machine_t *m, uint64_t now)
{
    m->resync = RESYNC_NONE;
    if (m->cmd || m->cmd_is_wait) {
        m_trace(m, FOTA_TRACE_INFO, "resynchronised: retrying %s", m->cmd ? m->cmd : "wait");
        cmd_issue(m, now);
        return;
    }
    if (m->state == MS_IDENT)
        mi_synced(m, now);
}

static void dispatch_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    switch (m->state) {
    case MS_IDENT: mi_response(m, r, now); break;
    case MS_LOCAL:
    case MS_UPLOAD: ml_response(m, r, now); break;
    case MS_STREAM: mst_response(m, r, now); break;
    case MS_QFUA:
    case MS_QFAW: mlg_response(m, r, now); break;
    case MS_FOTA_CMD: mu_fota_response(m, r, now); break;
    default: break; /* a reply nobody waits for any more */
    }
}

void m_on_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    if (m->state == MS_FINISHED)
        return;
    if (m->resync == RESYNC_AT) {
        resync_response(m, r, now);
        return;
    }
    if (m->state != m->cmd_state)
        return; /* the state moved on (a URC decided): this reply is stale */
    if (r->final == FOTA_AT_FINAL_TIMEOUT && !m->cmd_is_wait) {
        if (++m->cmd_tries >= FOTA_MACHINE_CMD_TRIES) {
            mf_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no answer to %s after %d tries",
                    m->cmd ? m->cmd : "?", m->cmd_tries);
            return;
        }
        m->resync_until = 0;
        resync_send(m, now);
        return;
    }
    dispatch_response(m, r, now);
}
