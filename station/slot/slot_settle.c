/* SETTLE: a newly plugged module's interfaces appear over a few seconds
 * (timeouts.ports_settle of its profile, 3 s unless a profile or the job says
 * otherwise); the choice waits for them, unless the profile's known AT interface is
 * already there. ModemManager is asked to keep off the module on entry, so the
 * request travels while the interfaces settle; the first `AT` waits for its answer
 * only when the settle was shorter than the round trip, and never longer than
 * SLOT_MM_WAIT_MS. */
#include "slot.h"

/* The module's profile by its USB IDs (any of its interfaces), or NULL. */
static const fota_profile_t *settle_usb_profile(const slot_t *s, uint16_t *pid)
{
    for (size_t i = 0; i < s->n_ifs; i++) {
        const slot_if_t *f = &s->ifs[i];
        if (!f->present || !f->id.usb)
            continue;
        const fota_profile_t *p =
            fota_profile_set_match_usb(s->line->profiles, f->id.vid, f->id.pid, -1);
        if (p) {
            *pid = f->id.pid;
            return p;
        }
    }
    return NULL;
}

static bool settle_has_if(const slot_t *s, int num)
{
    for (size_t i = 0; i < s->n_ifs; i++)
        if (s->ifs[i].present && s->ifs[i].num == num)
            return true;
    return false;
}

static unsigned settle_ms(const slot_t *s)
{
    if (s->n_ifs == 1 && s->ifs[0].num < 0)
        return 0; /* a link of no USB shape is a slot of its own: nothing more will come */
    uint16_t pid = 0;
    const fota_profile_t *p = settle_usb_profile(s, &pid);
    int at = fota_profile_usb_at_interface(p, pid);
    if (at >= 0 && settle_has_if(s, at))
        return 0; /* the profile names the AT interface and it is there */
    return fota_timeouts_effective(p, &s->line->job->timeouts).ports_settle_ms;
}

static slot_outcome_t settle_enter(slot_t *s, slot_outcome_t why)
{
    (void)why;
    for (size_t i = 0; i < s->n_ifs; i++)
        slot_if_close(s, i);
    s->at = -1;
    if (!s->present || s->line->stopping || s->line->draining)
        return SLOT_OUT_EMPTIED;
    s->view.show = SLOT_SHOW_PROBING;
    s->view.result[0] = '\0';
    s->line->host->mm_hold(s->line->host->ctx, s);
    s->deadline = slot_now(s) + settle_ms(s);
    return SLOT_OUT_NONE;
}

/* No AT before ModemManager agreed to keep off, or SLOT_MM_WAIT_MS went by. */
static slot_outcome_t settle_timeout(slot_t *s)
{
    const slot_host_t *h = s->line->host;
    if (!s->ctx.settle.mm_deferred && !h->mm_answered(h->ctx, s)) {
        s->ctx.settle.mm_deferred = true;
        s->deadline = slot_now(s) + SLOT_MM_WAIT_MS;
        return SLOT_OUT_NONE;
    }
    return SLOT_OUT_SETTLED;
}

/* The choice goes on at once when the first AT was waiting for the answer. */
static slot_outcome_t settle_mm_answer(slot_t *s)
{
    return s->ctx.settle.mm_deferred ? SLOT_OUT_SETTLED : SLOT_OUT_NONE;
}

static slot_outcome_t settle_abort(slot_t *s, const char *reason)
{
    (void)s;
    (void)reason;
    return SLOT_OUT_ABORTED;
}

const slot_stage_ops_t slot_stage_settle = {
    .name = "settle",
    .busy = true,
    .enter = settle_enter,
    .timeout = settle_timeout,
    .abort = settle_abort,
    .mm_answer = settle_mm_answer,
};
