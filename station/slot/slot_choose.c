/* CHOOSE: which of a module's tty interfaces is its AT port (slot_rules.c).
 *   - candidates: slot_rules_candidate (a USB interface a profile names, or a port
 *     of no USB identity); a non-Quectel adapter has none;
 *   - `AT` on every candidate in rounds of SLOT_ROUND_MS (every fifth round a longer
 *     silence, see round_wait_ms) until timeouts.probe; the lowest-numbered
 *     interface that answers is the AT port. The interface chosen for the previous
 *     module in this slot is asked alone first, so a module back from its reboot is
 *     asked on its own AT port and nowhere else.
 * The chosen port stays open for the identification and the attempt; every other
 * interface is closed and never written to again. */
#include <stdio.h>
#include <string.h>

#include "slot.h"
#include "slot_rules.h"
#include "util.h"

static const char *const at_cmd[] = {"AT"};

#define F(s, i) ((s)->ctx.choose.f[i])

/* The first round asks only the interface the previous module used here. */
static bool round_member(const slot_t *s, size_t i)
{
    if (!F(s, i).candidate)
        return false;
    if (s->ctx.choose.round == 0 && s->last_at_num >= 0) {
        for (size_t k = 0; k < s->n_ifs; k++)
            if (F(s, k).candidate && s->ifs[k].num == s->last_at_num)
                return s->ifs[i].num == s->last_at_num;
    }
    return true;
}

/* The longest AT+QFUPL <timeout> of the module's profile, or of every profile while
 * the module is unknown (a pty, a UART): the silence after which a module still in
 * an upload's data mode gives the upload up and reads AT again. */
static unsigned upload_silence_ms(const slot_t *s)
{
    const fota_profile_set_t *set = s->line->profiles;
    unsigned longest = 0;
    for (size_t i = 0; i < set->n; i++) {
        const fota_profile_t *p = set->v[i];
        unsigned t = (unsigned)p->methods[FOTA_METHOD_LOCAL].upload_timeout_s * 1000u;
        if ((!s->hint || p == s->hint) && t > longest)
            longest = t;
    }
    return longest;
}

/* How long one round waits for answers. A booting module answers within a round of
 * its AT interpreter coming up, so rounds are short. But a module that a killed or
 * unplugged-from station left inside an AT+QFUPL upload takes every `AT` as file
 * data, and each one restarts its data timeout: asked every round, it would never
 * leave data mode. Every fifth round is therefore a silence longer than that
 * timeout, after which the module has closed the upload and answers. */
static unsigned round_wait_ms(const slot_t *s)
{
    if (s->ctx.choose.round % 5 != 4)
        return SLOT_ROUND_MS;
    unsigned silence = upload_silence_ms(s) + 1000u;
    return silence > SLOT_ROUND_MS ? silence : SLOT_ROUND_MS;
}

static bool if_open(slot_t *s, size_t i)
{
    const slot_host_t *h = s->line->host;
    if (s->ifs[i].open)
        return true;
    int rc = h->port_open(h->ctx, s, i);
    if (rc == 0) {
        s->ifs[i].open = true;
        F(s, i).open_error = 0;
        return true;
    }
    if (rc == FOTA_E_NOENT)
        return false; /* the tty is not there yet: next round */
    if (rc == FOTA_E_MFILE) {
        /* The station has no descriptor left: nothing about this port. It stays a
         * candidate, asked again in a later round (choose_starved gives the others
         * back meanwhile); the log says so, not "i/o error". */
        F(s, i).open_error = rc;
        s->ctx.choose.fd_starved = true;
        h->fd_short(h->ctx, s, i);
        return false;
    }
    if (rc == FOTA_E_BUSY) {
        /* Another process holds it (a terminal program, a probe): never written to;
         * asked again next round, said once while it lasts. */
        if (F(s, i).open_error != rc)
            h->port_held(h->ctx, s, i);
        F(s, i).open_error = rc;
        return false;
    }
    /* Permission denied, not a terminal: no later round changes that. Said once,
     * counted; the interface is asked again only when its link changes. */
    F(s, i).candidate = false;
    if (rc != F(s, i).open_error)
        h->port_refused(h->ctx, s, i, rc);
    F(s, i).open_error = rc;
    return false;
}

/* silent: candidates that never answered, none held by another process: a module
 * that hangs, which a job with power control power-cycles (SILENT). */
static slot_outcome_t choose_give_up(slot_t *s, const char *why, bool silent)
{
    char list[160] = "";
    size_t len = 0;
    for (size_t i = 0; i < s->n_ifs && len < sizeof list; i++)
        if (s->ifs[i].present)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "",
                                    s->ifs[i].tty);
    fota_copy(s->view.result, sizeof s->view.result, why);
    bool power = silent && slot_power_wanted(s);
    bool left = s->power.cycles < (int)s->line->job->power.max_cycles;
    slot_logf(s, "%s: %s (%s); %s", s->name, why, list[0] ? list : "-",
              !power ? "ignored until a link changes"
              : left ? "its hub port is power-cycled"
                     : "no power cycle left");
    return silent ? SLOT_OUT_SILENT : SLOT_OUT_NOT_MODULE;
}

/* A round that could not open every candidate for want of descriptors gives back
 * the ports it did open: modules that each hold part of their interfaces would
 * otherwise wait for each other forever. The round is tried again, and the time
 * spent waiting for descriptors does not count against timeouts.probe. */
static bool choose_starved(slot_t *s)
{
    if (!s->ctx.choose.fd_starved)
        return false;
    s->ctx.choose.fd_starved = false;
    for (size_t i = 0; i < s->n_ifs; i++) {
        slot_if_close(s, i);
        F(s, i).answered = false;
    }
    s->ctx.choose.started_ms = slot_now(s);
    unsigned spread = 0; /* slots starved together do not all retry at once */
    for (const char *c = s->name; *c; c++)
        spread = spread * 31u + (unsigned char)*c;
    s->deadline = slot_now(s) + SLOT_FD_RETRY_MS + spread % 1000u;
    return true;
}

static slot_outcome_t choose_round(slot_t *s)
{
    const slot_host_t *h = s->line->host;
    s->ctx.choose.fd_starved = false;
    for (size_t i = 0; i < s->n_ifs && !s->ctx.choose.fd_starved; i++) {
        if (!s->ifs[i].present || !round_member(s, i) || F(s, i).answered || !if_open(s, i))
            continue;
        fota_query_init(&F(s, i).q, at_cmd, 1);
        h->port_write(h->ctx, s, i, (const uint8_t *)"AT\r", 3);
    }
    if (choose_starved(s))
        return SLOT_OUT_NONE;
    bool left = false;
    for (size_t i = 0; i < s->n_ifs; i++)
        left |= F(s, i).candidate;
    if (!left)
        return choose_give_up(s, "no port that can be opened", false);
    s->deadline = slot_now(s) + round_wait_ms(s);
    return SLOT_OUT_NONE;
}

static slot_outcome_t choose_take(slot_t *s, size_t best)
{
    for (size_t i = 0; i < s->n_ifs; i++)
        if (i != best)
            slot_if_close(s, i);
    s->at = (int)best;
    s->last_at_num = s->ifs[best].num;
    size_t present = 0;
    for (size_t i = 0; i < s->n_ifs; i++)
        present += s->ifs[i].present;
    if (present > 1)
        slot_logf(s, "%s: AT port %s (interface %d of %zu)", s->name, s->ifs[best].tty,
                  s->ifs[best].num, present);
    return SLOT_OUT_CHOSEN;
}

/* Lowest-numbered answer wins; decided at once when no lower candidate is pending. */
static slot_outcome_t choose_decide(slot_t *s, bool round_over)
{
    int nums[SLOT_MAX_IFS];
    bool answered[SLOT_MAX_IFS];
    for (size_t i = 0; i < s->n_ifs; i++) {
        nums[i] = s->ifs[i].num;
        answered[i] = F(s, i).answered && s->ifs[i].open;
    }
    int best = slot_rules_lowest(nums, answered, s->n_ifs);
    if (best < 0)
        return SLOT_OUT_NONE;
    for (size_t i = 0; i < s->n_ifs && !round_over; i++)
        if (s->ifs[i].open && !F(s, i).answered && s->ifs[i].num < nums[best] &&
            round_member(s, i))
            return SLOT_OUT_NONE; /* a lower interface may still answer in this round */
    return choose_take(s, (size_t)best);
}

static slot_outcome_t choose_enter(slot_t *s, slot_outcome_t why)
{
    (void)why;
    s->hint = NULL;
    s->usb = false;
    size_t n = 0;
    const slot_if_t *usb = NULL;
    for (size_t i = 0; i < s->n_ifs; i++) {
        slot_if_t *f = &s->ifs[i];
        const fota_profile_t *p = NULL;
        F(s, i).candidate = f->present && slot_rules_candidate(s->line->profiles, &f->id,
                                                               f->num, &p);
        n += F(s, i).candidate;
        if (f->present && f->id.usb) {
            s->usb = true;
            usb = f;
            if (!s->hint) /* the module's family, by any of its interfaces */
                s->hint = fota_profile_set_match_usb(s->line->profiles, f->id.vid, f->id.pid, -1);
        }
    }
    if (!n) {
        if (usb)
            snprintf(s->view.result, sizeof s->view.result, "USB %04x:%04x: not a known module",
                     usb->id.vid, usb->id.pid);
        else
            fota_copy(s->view.result, sizeof s->view.result, "no port");
        return SLOT_OUT_NOT_MODULE;
    }
    s->ctx.choose.started_ms = slot_now(s);
    s->view.show = SLOT_SHOW_PROBING;
    return choose_round(s);
}

static slot_outcome_t choose_data(slot_t *s, size_t i, const uint8_t *d, size_t n)
{
    if (F(s, i).answered || !F(s, i).candidate)
        return SLOT_OUT_NONE;
    if (fota_query_feed(&F(s, i).q, d, n) && !F(s, i).q.failed) {
        F(s, i).answered = true;
        return choose_decide(s, false);
    }
    return SLOT_OUT_NONE;
}

static slot_outcome_t choose_gone(slot_t *s, size_t i)
{
    F(s, i).answered = false; /* re-enumerating: asked again next round if it comes back */
    return SLOT_OUT_NONE;
}

static slot_outcome_t choose_timeout(slot_t *s)
{
    slot_outcome_t out = choose_decide(s, true);
    if (out != SLOT_OUT_NONE)
        return out;
    unsigned limit = fota_timeouts_effective(s->hint, &s->line->job->timeouts).probe_ms;
    if (slot_now(s) - s->ctx.choose.started_ms >= (int64_t)limit) {
        bool held = false;
        for (size_t i = 0; i < s->n_ifs; i++)
            held |= F(s, i).candidate && F(s, i).open_error == FOTA_E_BUSY;
        return choose_give_up(s,
                              held ? "no answer to AT; a port is held by another process "
                                     "(see above)"
                                   : "no answer to AT: not a module port",
                              !held);
    }
    s->ctx.choose.round++;
    return choose_round(s); /* a module may still be booting: ask again */
}

static slot_outcome_t choose_abort(slot_t *s, const char *reason)
{
    (void)s;
    (void)reason;
    return SLOT_OUT_ABORTED;
}

const slot_stage_ops_t slot_stage_choose = {
    .name = "choose",
    .busy = true,
    .enter = choose_enter,
    .timeout = choose_timeout,
    .data = choose_data,
    .gone = choose_gone,
    .abort = choose_abort,
};
