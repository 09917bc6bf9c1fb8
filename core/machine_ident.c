/* Who is on the port: ATE0, ATI (model, revision), AT+GSN (IMEI, fallback
 * AT+CGSN), optional AT+QGMR. Run once at the start and again after every reboot,
 * where the same reads verify the new revision and catch a swapped module. */
#include "luhn.h"
#include "machine_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { ID_SYNC, ID_ATE0, ID_ATI, ID_GSN, ID_CGSN, ID_QGMR };

static const fota_profile_t *ident_profile(machine_t *m)
{
    return m->profile ? m->profile : m->cfg.profile_hint;
}

static const char *cmd_or(const char *c, const char *dflt)
{
    return c && *c ? c : dflt;
}

static void copy_trim(char *dst, size_t n, const char *src)
{
    while (*src == ' ' || *src == '\t')
        src++;
    size_t len = strlen(src);
    while (len && (src[len - 1] == ' ' || src[len - 1] == '\t'))
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void step_ate0(machine_t *m, uint64_t now)
{
    m->step = ID_ATE0;
    m_cmd(m, "ATE0", NULL, now);
}

static void step_ati(machine_t *m, uint64_t now)
{
    m->step = ID_ATI;
    const fota_profile_t *p = ident_profile(m);
    m_cmd(m, cmd_or(p ? p->ident_command : NULL, "ATI"), NULL, now);
}

static void step_gsn(machine_t *m, uint64_t now)
{
    m->step = ID_GSN;
    const fota_profile_t *p = ident_profile(m);
    m_cmd(m, cmd_or(p ? p->imei_command : NULL, "AT+GSN"), NULL, now);
}

static bool step_cgsn(machine_t *m, uint64_t now)
{
    const fota_profile_t *p = ident_profile(m);
    const char *c = p ? p->imei_fallback_command : "AT+CGSN";
    if (!c || !*c)
        return false;
    m->step = ID_CGSN;
    m_cmd(m, c, NULL, now);
    return true;
}

void mi_start(machine_t *m, probe_purpose_t purpose, bool sync_first, uint64_t now)
{
    m_set_state(m, MS_IDENT, UINT64_MAX);
    m->purpose = purpose;
    m->t_aux = UINT64_MAX;
    m->model[0] = m->revision[0] = m->imei[0] = '\0';
    if (sync_first) {
        /* After a reboot the module may need a while before it answers: keep
         * sending AT until the reboot timeout runs out. */
        m->step = ID_SYNC;
        m_resync(m, m_after(now, m->to.reboot_ms), now);
        return;
    }
    step_ate0(m, now);
}

void mi_synced(machine_t *m, uint64_t now)
{
    step_ate0(m, now);
}

/* A model or revision as modules print them: letters, digits, '-', '_', '.'; at
 * least one letter and one digit. Junk bytes on a line of their own (a noisy
 * line, a half-booted module) are skipped rather than taken for an identity. */
static bool looks_like_id(const char *s)
{
    bool alpha = false, digit = false;
    size_t n = 0;
    for (; *s; s++, n++) {
        unsigned char c = (unsigned char)*s;
        if (isalpha(c))
            alpha = true;
        else if (isdigit(c))
            digit = true;
        else if (c != '-' && c != '_' && c != '.')
            return false;
    }
    return alpha && digit && n >= 2 && n < 64;
}

/* "Quectel", "Quectel_Ltd", "Quectel Ltd": the maker line ATI prints first. */
static bool is_maker_line(const char *l)
{
    if (strncasecmp(l, "Quectel", 7) != 0)
        return false;
    const char *r = l + 7;
    if (!*r)
        return true;
    if (*r == '_' || *r == ' ')
        r++;
    return strncasecmp(r, "Ltd", 3) == 0 || strncasecmp(r, "Wireless", 8) == 0;
}

/* ATI (000 §2.1: "check the original firmware version name with ATI"):
 *   Quectel | Quectel_Ltd
 *   RG500Q  | Quectel_BC660K-GL
 *   Revision: RG500QEAAAR11A06M4G */
static int parse_ati(machine_t *m, const fota_at_response_t *r)
{
    for (size_t i = 0; i < r->n_lines; i++) {
        const char *l = r->lines[i];
        while (*l == ' ')
            l++;
        if (!*l)
            continue;
        if (strncasecmp(l, "Revision:", 9) == 0) {
            copy_trim(m->revision, sizeof m->revision, l + 9);
            continue;
        }
        if (is_maker_line(l) || m->model[0])
            continue;
        if (strncasecmp(l, "Quectel_", 8) == 0)
            l += 8;
        char model[64];
        copy_trim(model, sizeof model, l);
        if (looks_like_id(model))
            memcpy(m->model, model, sizeof model);
    }
    if (m->revision[0] && !looks_like_id(m->revision))
        m->revision[0] = '\0';
    return m->model[0] ? 0 : -1;
}

static int parse_imei(machine_t *m, const fota_at_response_t *r, bool *saw_line)
{
    *saw_line = false;
    for (size_t i = 0; i < r->n_lines; i++) {
        if (!r->lines[i][0])
            continue;
        *saw_line = true;
        if (fota_imei_parse(r->lines[i], m->imei, sizeof m->imei) == 0)
            return 0;
    }
    return -1;
}

static void ident_done(machine_t *m, uint64_t now);

static void after_imei(machine_t *m, uint64_t now)
{
    const fota_profile_t *p = ident_profile(m);
    /* AT+QGMR: only when ATI printed no revision (the job's revisions are ATI's
     * spelling; QGMR adds "_01.001.01.001", SPEC §4). */
    if (!m->revision[0] && p && p->revision_command && *p->revision_command) {
        m->step = ID_QGMR;
        m_cmd(m, p->revision_command, NULL, now);
        return;
    }
    ident_done(m, now);
}

void mi_response(machine_t *m, const fota_at_response_t *r, uint64_t now)
{
    bool ok = r->final == FOTA_AT_FINAL_OK;
    switch (m->step) {
    case ID_ATE0:
        /* Even an ERROR proves the module listens; the chat copes with echo. */
        step_ati(m, now);
        return;
    case ID_ATI:
        if (!ok || parse_ati(m, r) != 0) {
            mf_fail(m, FOTA_ERR_PROTOCOL, r->code > 0 ? r->code : 0, now,
                    "no model in the answer to ATI (%s)", r->final_text);
            return;
        }
        if (m->purpose == PROBE_INITIAL) {
            /* ATI decides the profile; the USB hint only helped until now. */
            const fota_profile_t *p = fota_profile_set_match_model(m->cfg.profiles, m->model);
            if (p)
                m_use_profile(m, p);
        }
        step_gsn(m, now);
        return;
    case ID_GSN:
    case ID_CGSN: {
        bool saw = false;
        if (ok && parse_imei(m, r, &saw) == 0) {
            after_imei(m, now);
            return;
        }
        if (m->step == ID_GSN && !saw && step_cgsn(m, now))
            return; /* AT+GSN unsupported or empty: AT+CGSN */
        mf_fail(m, FOTA_ERR_PROTOCOL, 0, now, "bad IMEI from %s: %s",
                m->step == ID_GSN ? "AT+GSN" : "AT+CGSN",
                r->n_lines ? r->lines[0] : r->final_text);
        return;
    }
    case ID_QGMR:
        if (ok) {
            for (size_t i = 0; i < r->n_lines && !m->revision[0]; i++) {
                const char *l = r->lines[i];
                if (strncasecmp(l, "+QGMR:", 6) == 0)
                    l += 6;
                copy_trim(m->revision, sizeof m->revision, l);
                if (!looks_like_id(m->revision))
                    m->revision[0] = '\0';
            }
        }
        ident_done(m, now);
        return;
    default:
        return;
    }
}

static void ident_done(machine_t *m, uint64_t now)
{
    if (!m->revision[0]) {
        mf_fail(m, FOTA_ERR_PROTOCOL, 0, now, "no firmware revision from %s", m->model);
        return;
    }
    if (m->have_identity && strcmp(m->imei, m->known_imei) != 0) {
        /* Another module in the slot after a reboot (operator swapped it). */
        snprintf(m->att.final_version, sizeof m->att.final_version, "%s", m->revision);
        mf_fail(m, FOTA_ERR_SWAPPED, 0, now, "IMEI changed from %s to %s", m->known_imei, m->imei);
        return;
    }
    m_trace(m, FOTA_TRACE_INFO, "identified %s IMEI %s revision %s", m->model, m->imei,
            m->revision);
    switch (m->purpose) {
    case PROBE_INITIAL: {
        if (!m->have_identity) {
            snprintf(m->known_imei, sizeof m->known_imei, "%s", m->imei);
            snprintf(m->att.imei, sizeof m->att.imei, "%s", m->imei);
            snprintf(m->att.model, sizeof m->att.model, "%s", m->model);
            snprintf(m->att.from_version, sizeof m->att.from_version, "%s", m->revision);
            m->have_identity = true;
        }
        if (m->decided) {
            /* The port vanished before GO was acted on: re-plan from here. */
            m->purpose = PROBE_RECOVER;
            mu_verified(m, now);
            return;
        }
        mp_plan(m);
        m_set_state(m, MS_WAIT_PROCEED, UINT64_MAX);
        fota_action_t a = {.kind = FOTA_ACT_IDENTIFIED};
        m_emit(m, &a, NULL, 0);
        return;
    }
    case PROBE_VERIFY:
    case PROBE_GIVEUP:
    case PROBE_RECOVER:
        mu_verified(m, now);
        return;
    }
}
