/* phase_identify_retry: a refusal of an identification command that clears by
 * itself. A module whose SIM is still being read after its boot answers ATI,
 * AT+GSN or AT+QGMR with +CME ERROR: 14 (SIM busy) or 3 (operation not allowed)
 * (3GPP TS 27.007 §9.2.1), and one still booting may say a plain ERROR. Failing it
 * then loses a good module (and its row the identity it was about to read), so the
 * codes the profile lists (identify.transient_errors) are asked again after
 * quiet.ident_retry, at most identify.retries times per command; past that it is
 * the verdict it always was. The delay rides the command runner's own quiet-window
 * timer (machine_cmd_again): nothing is sent meanwhile, and a lost port or an
 * updater URC ends the wait like any other. */
#include "machine_internal.h"

#include <string.h>
#include <strings.h>

typedef struct {
    const fota_profile_t *p;    /* NULL: before ATI named the model, no USB hint */
    int retries;
    unsigned delay_ms;
} retry_rules_t;

static bool lists_code(const fota_profile_t *p, int code)
{
    for (size_t i = 0; i < p->ident_retry.n_codes; i++)
        if (p->ident_retry.codes[i] == code)
            return true;
    return false;
}

/* The code of a +CME ERROR in text form (AT+CMEE=2), by 3GPP TS 27.007 §9.2.1's
 * names of the general errors a module answers while it starts; -1 otherwise. */
static int cme_code(const fota_at_response_t *r)
{
    static const struct { int code; const char *text; } names[] = {
        {3, "operation not allowed"}, {4, "operation not supported"}, {10, "SIM not inserted"},
        {11, "SIM PIN required"},      {13, "SIM failure"},            {14, "SIM busy"},
        {15, "SIM wrong"},
    };
    if (r->code >= 0 || !r->final_text)
        return r->code;
    const char *t = strchr(r->final_text, ':');
    if (!t)
        return -1;
    while (*++t == ' ')
        ;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(t, names[i].text) == 0)
            return names[i].code;
    return -1;
}

/* Does profile p take r as transient? A plain ERROR only while boot lines arrive
 * (one within quiet.give_up before it): otherwise it is the module's answer (a
 * firmware without AT+GSN says ERROR, and AT+CGSN follows at once). */
static bool transient_in(const machine_t *m, const fota_profile_t *p,
                         const fota_at_response_t *r, uint64_t now)
{
    if (r->final == FOTA_AT_FINAL_CME_ERROR)
        return cme_code(r) >= 0 && lists_code(p, cme_code(r));
    if (r->final != FOTA_AT_FINAL_ERROR || !p->ident_retry.plain_error)
        return false;
    return m->upd.last_boot_ms && now <= m->upd.last_boot_ms + p->quiet.give_up_ms;
}

/* The rules of the module's profile; before ATI named the model, a refusal is
 * transient when any profile says so, and the most patient profile's bound and
 * delay apply (whichever family it turns out to be, it is not failed sooner than
 * its own profile would). */
static bool rules_for(const machine_t *m, const fota_at_response_t *r, uint64_t now,
                      retry_rules_t *out)
{
    const fota_profile_t *p = m->profile ? m->profile : m->cfg.profile_hint;
    memset(out, 0, sizeof *out);
    if (p) {
        out->p = p;
        out->retries = p->ident_retry.retries;
        out->delay_ms = p->quiet.ident_retry_ms;
        return transient_in(m, p, r, now);
    }
    bool any = false;
    const fota_profile_set_t *s = m->cfg.profiles;
    for (size_t i = 0; s && i < s->n; i++) {
        if (!transient_in(m, s->v[i], r, now))
            continue;
        any = true;
        if (s->v[i]->ident_retry.retries > out->retries)
            out->retries = s->v[i]->ident_retry.retries;
        if (s->v[i]->quiet.ident_retry_ms > out->delay_ms)
            out->delay_ms = s->v[i]->quiet.ident_retry_ms;
    }
    return any;
}

bool phase_identify_retry(machine_t *m, const fota_at_response_t *r, machine_reply_fn reply,
                          uint64_t now)
{
    retry_rules_t k;
    if (!rules_for(m, r, now, &k))
        return false;
    if (m->ident.retry_step != (int)m->ident.step) {
        m->ident.retry_step = (int)m->ident.step;
        m->ident.retries = 0;
    }
    const char *cmd = m->cmd.line ? m->cmd.line : "?";
    if (m->ident.retries >= k.retries) {
        if (k.retries > 0)
            machine_action_trace(m, FOTA_TRACE_INFO, "%s still answers %s after %d retries",
                                 cmd, r->final_text, m->ident.retries);
        return false;
    }
    m->ident.retries++;
    machine_action_trace(m, FOTA_TRACE_INFO,
                         "%s answered %s (transient): asking again in %u.%03u s (%d of %d)", cmd,
                         r->final_text, k.delay_ms / 1000, k.delay_ms % 1000, m->ident.retries,
                         k.retries);
    machine_cmd_again(m, k.delay_ms, reply, NULL, now);
    return true;
}
