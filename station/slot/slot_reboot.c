/* REBOOT: a machine runs and its port is away (the module reboots, or was pulled:
 * the machine's reboot timeout tells which). A USB module's link is removed and
 * re-created with a new tty: the port is reopened when the link changes. A UART
 * module keeps its tty across the reboot: reopened as it is after
 * SLOT_SAME_LINK_MS. A tty that is not ready yet is tried again every
 * SLOT_REOPEN_DELAY_MS (SLOT_REOPEN_TRIES times); no descriptor left, every
 * SLOT_FD_RETRY_MS until one frees up. */
#include "slot.h"

static slot_outcome_t reboot_open(slot_t *s)
{
    const slot_host_t *h = s->line->host;
    size_t at = (size_t)s->at;
    int rc = h->port_open(h->ctx, s, at);
    if (rc == 0) {
        s->ifs[at].open = true;
        return SLOT_OUT_PORT_BACK;
    }
    if (rc == FOTA_E_BUSY && s->ctx.reboot.tries == 0) /* once per reopen, not per try */
        h->port_held(h->ctx, s, at);
    if (rc == FOTA_E_MFILE) {
        /* No descriptor: says nothing about the module. */
        h->fd_short(h->ctx, s, at);
        s->deadline = slot_now(s) + SLOT_FD_RETRY_MS;
    } else if (++s->ctx.reboot.tries < SLOT_REOPEN_TRIES) {
        s->deadline = slot_now(s) + SLOT_REOPEN_DELAY_MS;
    }
    return SLOT_OUT_NONE; /* the machine's own reboot timeout decides when to give up */
}

static slot_outcome_t reboot_enter(slot_t *s, slot_outcome_t why)
{
    if (why == SLOT_OUT_LINK_CHANGED)
        return reboot_open(s);
    if (!s->usb && s->ifs[s->at].present)
        s->deadline = slot_now(s) + SLOT_SAME_LINK_MS;
    return SLOT_OUT_NONE;
}

static slot_outcome_t reboot_timeout(slot_t *s)
{
    if (!s->ifs[s->at].present)
        return SLOT_OUT_NONE;
    return reboot_open(s);
}

static slot_outcome_t reboot_at_link(slot_t *s, bool present)
{
    s->ctx.reboot.tries = 0;
    if (!present) {
        s->deadline = INT64_MAX; /* reopened when the link is back */
        return SLOT_OUT_NONE;
    }
    return reboot_open(s);
}

static slot_outcome_t reboot_abort(slot_t *s, const char *reason)
{
    fota_machine_abort(s->a->m, reason, (uint64_t)slot_now(s));
    return slot_attempt_pump(s);
}

const slot_stage_ops_t slot_stage_reboot = {
    .name = "reboot",
    .busy = true,
    .runs = true,
    .enter = reboot_enter,
    .timeout = reboot_timeout,
    .at_link = reboot_at_link,
    .abort = reboot_abort,
};
