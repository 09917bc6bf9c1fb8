/* machine_cmd_*: the command runner. One command in flight with its own timeout
 * and its reply callback (gatchat's g_at_chat_send(…, GAtResultFunc, user_data)):
 * the reply goes to whoever asked. After a timeout: plain AT until OK, a quiet
 * window (the profile's quiet.resync), then the command again, so a late reply is
 * never taken for the next command's. Whoever stops caring about a reply cancels
 * it; a reply that comes after the visit moved to another state is dropped. */
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

static fota_error_class_t send_error_class(int rc)
{
    return rc == FOTA_E_NOMEM ? FOTA_ERR_INTERNAL : FOTA_ERR_PROTOCOL;
}

static void cmd_issue(machine_t *m, uint64_t now)
{
    machine_cmd_t *c = &m->cmd;
    if (fota_at_chat_busy(m->chat))
        fota_at_chat_cancel(m->chat); /* a reply we no longer want: its lines are noise */
    int rc;
    if (c->is_wait)
        rc = c->prefix ? fota_at_chat_wait_expect(m->chat, c->prefix, c->timeout, now)
                       : fota_at_chat_wait(m->chat, c->timeout, now);
    else
        rc = fota_at_chat_send_expect(m->chat, c->line, c->prefix, c->timeout, now);
    if (rc < 0)
        machine_finish_fail(m, send_error_class(rc), 0, now, "cannot send %s: %s",
                            c->line ? c->line : "(wait)", fota_strerror(rc));
}

static bool cmd_set(machine_t *m, const char *cmd, const char *expect, unsigned timeout_ms,
                    bool is_wait, machine_reply_fn reply, void *ctx, uint64_t now)
{
    machine_cmd_t *c = &m->cmd;
    free(c->line);
    free(c->prefix);
    c->line = dup_or_null(cmd);
    c->prefix = dup_or_null(expect);
    c->timeout = timeout_ms;
    c->is_wait = is_wait;
    c->tries = 0;
    c->reply = reply;
    c->ctx = ctx;
    c->asked_in = m->state;
    c->resync = RESYNC_NONE;
    c->resync_until = 0;
    c->resync_missed = false;
    if ((cmd && !c->line) || (expect && !c->prefix)) {
        machine_finish_fail(m, FOTA_ERR_INTERNAL, 0, now, "out of memory");
        return false;
    }
    return true;
}

void machine_cmd_send_t(machine_t *m, const char *cmd, const char *expect, unsigned timeout_ms,
                        machine_reply_fn reply, void *ctx, uint64_t now)
{
    if (cmd_set(m, cmd, expect, timeout_ms, false, reply, ctx, now))
        cmd_issue(m, now);
}

void machine_cmd_send(machine_t *m, const char *cmd, const char *expect, machine_reply_fn reply,
                      void *ctx, uint64_t now)
{
    machine_cmd_send_t(m, cmd, expect, m->to.command_ms, reply, ctx, now);
}

void machine_cmd_wait(machine_t *m, const char *expect, unsigned timeout_ms,
                      machine_reply_fn reply, void *ctx, uint64_t now)
{
    if (cmd_set(m, NULL, expect, timeout_ms, true, reply, ctx, now))
        cmd_issue(m, now);
}

void machine_cmd_cancel(machine_t *m)
{
    fota_at_chat_cancel(m->chat);
    m->cmd.reply = NULL;
    if (machine_cmd_waiting(m))
        m->t_aux = UINT64_MAX; /* the window was the command's: nothing follows it now */
    m->cmd.resync = RESYNC_NONE;
}

bool machine_cmd_waiting(const machine_t *m)
{
    return m->cmd.resync == RESYNC_QUIET || m->cmd.resync == RESYNC_DELAY;
}

void machine_cmd_again(machine_t *m, unsigned delay_ms, machine_reply_fn reply, void *ctx,
                       uint64_t now)
{
    machine_cmd_t *c = &m->cmd;
    c->reply = reply;
    c->ctx = ctx;
    c->resync = RESYNC_DELAY;
    m->t_aux = machine_state_after(now, delay_ms);
}

void machine_cmd_free(machine_t *m)
{
    free(m->cmd.line);
    free(m->cmd.prefix);
}

static void resync_send(machine_t *m, uint64_t now)
{
    m->cmd.resync = RESYNC_AT;
    if (fota_at_chat_busy(m->chat))
        fota_at_chat_cancel(m->chat);
    unsigned timeout = m->cmd.resync_until && m->to.command_ms > FOTA_MACHINE_BOOT_POLL_MS
                           ? FOTA_MACHINE_BOOT_POLL_MS
                           : m->to.command_ms;
    int rc = fota_at_chat_send(m->chat, "AT", timeout, now);
    if (rc < 0)
        machine_finish_fail(m, send_error_class(rc), 0, now, "cannot send AT: %s",
                            fota_strerror(rc));
}

void machine_cmd_resync(machine_t *m, uint64_t until, machine_reply_fn reply, void *ctx,
                        uint64_t now)
{
    if (!cmd_set(m, NULL, NULL, m->to.command_ms, false, reply, ctx, now))
        return;
    m->cmd.resync_until = until;
    m->cmd.resync_missed = false;
    resync_send(m, now);
}

/* A plain AT answered: the line is in step. Quiet window, then go on. */
static void resync_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    machine_cmd_t *c = &m->cmd;
    if (r->final != FOTA_AT_FINAL_TIMEOUT) {
        if (!c->resync_missed && !c->line && !c->is_wait) {
            /* A sync of its own whose first AT answered: no reply of an earlier
             * command can still be on its way, so there is nothing to let pass. */
            machine_cmd_quiet_over(m, now);
            return;
        }
        c->resync = RESYNC_QUIET;
        m->t_aux = machine_state_after(now, machine_state_quiet(m)->resync_ms);
        return;
    }
    c->resync_missed = true;
    if (c->resync_until) {
        if (now >= c->resync_until) {
            machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no answer to AT in %s",
                                machine_state_label(m->state));
            return;
        }
    } else if (++c->tries >= FOTA_MACHINE_CMD_TRIES) {
        machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no answer to %s after %d tries",
                            c->line ? c->line : "AT", c->tries);
        return;
    }
    resync_send(m, now);
}

void machine_cmd_quiet_over(machine_t *m, uint64_t now)
{
    machine_cmd_t *c = &m->cmd;
    bool delayed = c->resync == RESYNC_DELAY; /* its caller traced why */
    c->resync = RESYNC_NONE;
    if (c->line || c->is_wait) {
        if (!delayed)
            machine_action_trace(m, FOTA_TRACE_INFO, "resynchronised: retrying %s",
                                 c->line ? c->line : "wait");
        cmd_issue(m, now);
        return;
    }
    /* A resync of its own (after a reboot): the asker hears the line is in step. */
    static const fota_at_response_t synced = {.final = FOTA_AT_FINAL_OK, .final_text = "OK"};
    machine_reply_fn reply = c->reply;
    c->reply = NULL;
    if (reply)
        reply(m, c->ctx, &synced, now);
}

void machine_cmd_on_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    machine_cmd_t *c = &m->cmd;
    if (m->state == MS_FINISHED)
        return;
    if (c->resync == RESYNC_AT) {
        resync_response(m, r, now);
        return;
    }
    if (m->state != c->asked_in)
        return; /* the visit moved on without it (a URC decided): the reply is stale */
    if (r->final == FOTA_AT_FINAL_TIMEOUT && !c->is_wait) {
        if (++c->tries >= FOTA_MACHINE_CMD_TRIES) {
            machine_finish_fail(m, FOTA_ERR_TIMEOUT, 0, now, "no answer to %s after %d tries",
                                c->line ? c->line : "?", c->tries);
            return;
        }
        c->resync_until = 0;
        resync_send(m, now);
        return;
    }
    machine_reply_fn reply = c->reply;
    c->reply = NULL; /* one reply per command */
    if (reply)
        reply(m, c->ctx, r, now);
}
