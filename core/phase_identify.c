/* phase_identify_*: who is on the port. ATE0, ATI (model, revision), AT+GSN
 * (IMEI, fallback AT+CGSN), optional AT+QGMR. Run once at the start and again
 * after every reboot, where the same reads verify the new revision and catch a
 * swapped module. It reports what it read; the frame decides what follows. */
#include "luhn.h"
#include "machine_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now);

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
    m->ident.step = ID_ATE0;
    machine_cmd_send(m, "ATE0", NULL, on_reply, NULL, now);
}

static void step_ati(machine_t *m, uint64_t now)
{
    m->ident.step = ID_ATI;
    const fota_profile_t *p = ident_profile(m);
    machine_cmd_send(m, cmd_or(p ? p->ident_command : NULL, "ATI"), NULL, on_reply, NULL, now);
}

static void step_gsn(machine_t *m, uint64_t now)
{
    m->ident.step = ID_GSN;
    const fota_profile_t *p = ident_profile(m);
    machine_cmd_send(m, cmd_or(p ? p->imei_command : NULL, "AT+GSN"), NULL, on_reply, NULL, now);
}

static bool step_cgsn(machine_t *m, uint64_t now)
{
    const fota_profile_t *p = ident_profile(m);
    const char *c = p ? p->imei_fallback_command : "AT+CGSN";
    if (!c || !*c)
        return false;
    m->ident.step = ID_CGSN;
    machine_cmd_send(m, c, NULL, on_reply, NULL, now);
    return true;
}

void phase_identify_start(machine_t *m, probe_purpose_t purpose, bool sync_first, uint64_t now)
{
    machine_state_set(m, MS_IDENT, UINT64_MAX);
    m->ident.purpose = purpose;
    m->ident.retry_step = -1; /* every identification has its own retries */
    m->t_aux = UINT64_MAX;
    m->ident.model[0] = m->ident.revision[0] = m->ident.imei[0] = '\0';
    if (sync_first) {
        /* After a reboot the module may need a while before it answers: keep
         * sending AT until the reboot timeout runs out. */
        m->ident.step = ID_SYNC;
        machine_cmd_resync(m, machine_state_after(now, m->to.reboot_ms), on_reply, NULL, now);
        return;
    }
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

/* ATI (Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §2.1: "check the
 * original firmware version name with ATI"):
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
            copy_trim(m->ident.revision, sizeof m->ident.revision, l + 9);
            continue;
        }
        if (is_maker_line(l) || m->ident.model[0])
            continue;
        if (strncasecmp(l, "Quectel_", 8) == 0)
            l += 8;
        char model[64];
        copy_trim(model, sizeof model, l);
        if (looks_like_id(model))
            memcpy(m->ident.model, model, sizeof model);
    }
    if (m->ident.revision[0] && !looks_like_id(m->ident.revision))
        m->ident.revision[0] = '\0';
    return m->ident.model[0] ? 0 : -1;
}

static int parse_imei(machine_t *m, const fota_at_response_t *r, bool *saw_line)
{
    *saw_line = false;
    for (size_t i = 0; i < r->n_lines; i++) {
        if (!r->lines[i][0])
            continue;
        *saw_line = true;
        /* Any 15 digits: a blank or check-digit-invalid IMEI is still what the
         * module reports; the station judges it (error_class imei). */
        if (fota_imei_read(r->lines[i], m->ident.imei, sizeof m->ident.imei) == 0)
            return 0;
    }
    return -1;
}

static void ident_done(machine_t *m, uint64_t now);

static void after_imei(machine_t *m, uint64_t now)
{
    const fota_profile_t *p = ident_profile(m);
    /* AT+QGMR: only when ATI printed no revision (the job's revisions are ATI's
     * spelling; QGMR adds "_01.001.01.001"). */
    if (!m->ident.revision[0] && p && p->revision_command && *p->revision_command) {
        m->ident.step = ID_QGMR;
        machine_cmd_send(m, p->revision_command, NULL, on_reply, NULL, now);
        return;
    }
    ident_done(m, now);
}

static void on_reply(machine_t *m, void *ctx, const fota_at_response_t *r, uint64_t now)
{
    (void)ctx;
    bool ok = r->final == FOTA_AT_FINAL_OK;
    /* SIM busy, not allowed yet, ERROR while booting: asked again (the profile's
     * identify.transient_errors), then the verdict below. */
    if (!ok && m->ident.step != ID_SYNC && m->ident.step != ID_ATE0 &&
        phase_identify_retry(m, r, on_reply, now))
        return;
    switch (m->ident.step) {
    case ID_SYNC:
        step_ate0(m, now); /* the line is in step after the reboot */
        return;
    case ID_ATE0:
        /* Even an ERROR proves the module listens; the chat copes with echo. */
        step_ati(m, now);
        return;
    case ID_ATI:
        if (!ok || parse_ati(m, r) != 0) {
            machine_finish_fail(m, FOTA_ERR_PROTOCOL, r->code > 0 ? r->code : 0, now,
                                "no model in the answer to ATI (%s)", r->final_text);
            return;
        }
        if (m->ident.purpose == PROBE_INITIAL) {
            /* ATI decides the profile; the USB hint only helped until now. */
            const fota_profile_t *p = fota_profile_set_match_model(m->cfg.profiles, m->ident.model);
            if (p)
                machine_state_use_profile(m, p);
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
        if (m->ident.step == ID_GSN && !saw && step_cgsn(m, now))
            return; /* AT+GSN unsupported or empty: AT+CGSN */
        machine_finish_fail(m, FOTA_ERR_PROTOCOL, 0, now, "bad IMEI from %s: %s",
                            m->ident.step == ID_GSN ? "AT+GSN" : "AT+CGSN",
                            r->n_lines ? r->lines[0] : r->final_text);
        return;
    }
    case ID_QGMR:
        if (ok) {
            for (size_t i = 0; i < r->n_lines && !m->ident.revision[0]; i++) {
                const char *l = r->lines[i];
                if (strncasecmp(l, "+QGMR:", 6) == 0)
                    l += 6;
                copy_trim(m->ident.revision, sizeof m->ident.revision, l);
                if (!looks_like_id(m->ident.revision))
                    m->ident.revision[0] = '\0';
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
    if (!m->ident.revision[0]) {
        machine_finish_fail(m, FOTA_ERR_PROTOCOL, 0, now, "no firmware revision from %s",
                            m->ident.model);
        return;
    }
    if (m->ident.have && strcmp(m->ident.imei, m->ident.known_imei) != 0) {
        /* Another module in the slot after a reboot (operator swapped it). Its
         * revision is not this attempt's module's: final_version stays unread. */
        m->att.final_version[0] = '\0';
        machine_finish_fail(m, FOTA_ERR_SWAPPED, 0, now, "IMEI changed from %s to %s",
                            m->ident.known_imei, m->ident.imei);
        return;
    }
    machine_action_trace(m, FOTA_TRACE_INFO, "identified %s IMEI %s revision %s", m->ident.model,
                         m->ident.imei, m->ident.revision);
    if (m->ident.purpose == PROBE_VERIFY || m->ident.purpose == PROBE_GIVEUP ||
        m->ident.purpose == PROBE_BOOTED) {
        fota_machine_next(m, OUTCOME_READ_BACK, now);
        return;
    }
    if (!m->ident.have) {
        snprintf(m->ident.known_imei, sizeof m->ident.known_imei, "%s", m->ident.imei);
        snprintf(m->att.imei, sizeof m->att.imei, "%s", m->ident.imei);
        snprintf(m->att.model, sizeof m->att.model, "%s", m->ident.model);
        snprintf(m->att.from_version, sizeof m->att.from_version, "%s", m->ident.revision);
        m->ident.have = true;
    }
    /* After GO, a port that came back means: go on from whatever it runs now. */
    if (m->ident.purpose == PROBE_RECOVER || m->decided) {
        m->ident.purpose = PROBE_RECOVER;
        fota_machine_next(m, OUTCOME_RECOVERED, now);
        return;
    }
    fota_machine_next(m, OUTCOME_IDENTIFIED, now);
}

static bool is_update_phase(fota_phase_t p)
{
    return p == FOTA_PHASE_START || p == FOTA_PHASE_UPDATING || p == FOTA_PHASE_RESTORE ||
           p == FOTA_PHASE_END || p == FOTA_PHASE_RESUME;
}

/* Probing after a transient END (or after boot lines where the updater was
 * awaited), the module starts its retry (its update) after all: the read is
 * cancelled (an updater has no AT interpreter) and the update takes the URC. */
bool phase_identify_urc(machine_t *m, const fota_urc_t *u, const char *line, uint64_t now)
{
    (void)line;
    bool awaited = m->ident.purpose == PROBE_BOOTED ||
                   ((m->ident.purpose == PROBE_GIVEUP || m->ident.purpose == PROBE_VERIFY) &&
                    m->upd.retry_pending);
    if (awaited && is_update_phase(u->phase)) {
        machine_cmd_cancel(m);
        fota_machine_next(m, OUTCOME_RETRYING, now);
        return false;
    }
    return true; /* boot noise while identifying */
}

/* The port dropped while the module was read after an update: it is still
 * rebooting. Any other read is cut by a lost port. */
void phase_identify_port_gone(machine_t *m, uint64_t now)
{
    if (m->ident.purpose == PROBE_VERIFY || m->ident.purpose == PROBE_GIVEUP ||
        m->ident.purpose == PROBE_BOOTED)
        fota_machine_next(m, OUTCOME_REBOOTING, now);
    else
        fota_machine_next(m, OUTCOME_PORT_LOST, now);
}
