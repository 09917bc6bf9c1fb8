/* machine_finish_*: the end of a visit, the attempt row's verdict
 * (docs/database.md) and the FINISH action. A module error code keeps its class
 * and meaning from the profile's error table (docs/profiles.md); the station's own
 * verdicts carry their reason as text. */
#include "machine_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void machine_finish_result(machine_t *m, fota_result_t result, uint64_t now)
{
    if (m->state == MS_FINISHED)
        return;
    machine_action_transfer_end(m);
    m->att.result = result;
    machine_state_wait_end(m, now); /* finished while queued (abort, SKIP) */
    m->att.duration_ms = (int64_t)(now - m->started_ms) - m->att.queued_ms;
    /* final_version stays as the reads after the upgrade left it (verify, give-up,
     * recovery, or a noop PASS's identification): a FAIL, SKIP or INTERRUPTED before
     * any read back has none, never the from_version copied (docs/database.md). */
    if (result == FOTA_RESULT_PASS) {
        m->att.error_class = FOTA_ERR_NONE;
        m->att.error_code = 0;
        m->att.error_text[0] = '\0';
    }
    machine_guard_closing(m);
    machine_action_trace(m, FOTA_TRACE_INFO, "result %s%s%s%s%s", fota_result_name(result),
                         m->att.error_class ? " " : "", fota_error_class_name(m->att.error_class),
                         m->att.error_text[0] ? ": " : "", m->att.error_text);
    fota_at_chat_reset(m->chat);
    m->cmd.resync = RESYNC_NONE;
    m->state = MS_FINISHED;
    m->t_state = m->t_aux = m->t_total = UINT64_MAX;
    fota_action_t a = {.kind = FOTA_ACT_FINISH};
    machine_action_emit(m, &a, NULL, 0);
}

void machine_finish_fail(machine_t *m, fota_error_class_t cls, int code, uint64_t now,
                         const char *fmt, ...)
{
    if (m->state == MS_FINISHED)
        return;
    m->att.error_class = cls;
    m->att.error_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->att.error_text, sizeof m->att.error_text, fmt, ap);
    va_end(ap);
    machine_finish_result(m, FOTA_RESULT_FAIL, now);
}

void machine_finish_fail_code(machine_t *m, fota_table_id_t table, int code,
                              fota_error_class_t fallback, uint64_t now)
{
    const fota_error_entry_t *e = fota_profile_lookup_error(m->profile, table, code);
    fota_error_class_t cls = e && e->cls != FOTA_ERR_NONE ? e->cls : fallback;
    if (e && e->meaning)
        machine_finish_fail(m, cls, code, now, "%s", e->meaning);
    else
        machine_finish_fail(m, cls, code, now, "error %d (not in the profile's %s table)", code,
                            fota_table_name(table));
}

void machine_finish_pass(machine_t *m, bool noop, uint64_t now)
{
    m->att.noop = noop;
    if (m->ident.revision[0])
        snprintf(m->att.final_version, sizeof m->att.final_version, "%s", m->ident.revision);
    machine_action_progress(m, FOTA_PHASE_NONE, 100, noop ? "already at target" : "done");
    machine_finish_result(m, FOTA_RESULT_PASS, now);
}
