/* The machine's output: a queue of actions the station pops after every input.
 * Copies (command lines, traces, progress words) live until the next input; data
 * blocks point into the job's package bytes and are never copied. */
#include "machine_internal.h"
#include "secret_mask.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void m_hold_release(machine_t *m)
{
    for (size_t i = 0; i < m->nhold; i++)
        free(m->hold[i]);
    m->nhold = 0;
}

/* Called at every input: buffers of popped actions live until then. */
void m_enter(machine_t *m)
{
    if (m->qhead == m->qlen) {
        m_hold_release(m);
        m->qhead = m->qlen = 0;
    }
}

/* The last slots of the queue are kept for the actions that end a visit
 * (TRANSFER_END, FINISH): out of memory, the station still hears the verdict
 * and gets its transfer token back. */
#define QUEUE_RESERVE 2

static bool queue_room(machine_t *m, fota_action_kind_t kind)
{
    bool ending = kind == FOTA_ACT_FINISH || kind == FOTA_ACT_TRANSFER_END;
    if (m->qlen + QUEUE_RESERVE < m->qcap || (ending && m->qlen < m->qcap))
        return true;
    size_t cap = m->qcap ? m->qcap * 2 : 16;
    machine_action_t *q = realloc(m->q, cap * sizeof *q);
    if (q) {
        m->q = q;
        m->qcap = cap;
        return true;
    }
    m->oom = true;
    return ending && m->qlen < m->qcap;
}

void m_emit(machine_t *m, const fota_action_t *a, const void *copy, size_t copy_len)
{
    if (!queue_room(m, a->kind))
        return;
    machine_action_t *e = &m->q[m->qlen];
    e->a = *a;
    e->owned = NULL;
    if (copy) {
        /* +1: text copies are NUL-terminated */
        char *buf = malloc(copy_len + 1);
        if (!buf) {
            m->oom = true;
            return;
        }
        memcpy(buf, copy, copy_len);
        buf[copy_len] = '\0';
        e->owned = buf;
        if (a->kind == FOTA_ACT_SEND)
            e->a.data = (const uint8_t *)buf;
        else
            e->a.text = buf;
    }
    m->qlen++;
}

/* An action was lost for want of memory: the visit cannot go on as the module
 * expects (a command or a data block may be missing), so it ends now, as a FAIL
 * of the station's own, never left hanging. */
void m_check_oom(machine_t *m)
{
    if (m->oom && m->state != MS_FINISHED)
        mf_fail(m, FOTA_ERR_INTERNAL, 0, m->now, "out of memory");
}

void m_trace(machine_t *m, fota_trace_dir_t dir, const char *fmt, ...)
{
    char raw[1024], masked[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t n = fota_secret_mask(raw, masked, sizeof masked);
    fota_action_t a = {.kind = FOTA_ACT_TRACE, .dir = dir};
    m_emit(m, &a, masked, n);
}

void m_progress(machine_t *m, fota_phase_t phase, int percent, const char *fmt, ...)
{
    char words[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(words, sizeof words, fmt, ap);
    va_end(ap);
    fota_action_t a = {.kind = FOTA_ACT_PROGRESS, .phase = phase, .percent = percent};
    m_emit(m, &a, words, strlen(words));
}

void m_send_data(machine_t *m, const uint8_t *data, size_t len)
{
    fota_action_t a = {.kind = FOTA_ACT_SEND, .data = data, .len = len};
    m_emit(m, &a, NULL, 0);
}

void m_send_copy(machine_t *m, const void *data, size_t len)
{
    fota_action_t a = {.kind = FOTA_ACT_SEND, .len = len};
    m_emit(m, &a, data, len);
}

void m_set_flow(machine_t *m, bool on)
{
    fota_action_t a = {.kind = FOTA_ACT_SET_FLOW, .flag = on ? 1 : 0};
    m->flow_on = on;
    m_emit(m, &a, NULL, 0);
}

void m_transfer_begin(machine_t *m)
{
    fota_action_t a = {.kind = FOTA_ACT_TRANSFER_BEGIN};
    m_emit(m, &a, NULL, 0);
}

void m_transfer_end(machine_t *m)
{
    if (!m->transfer_held)
        return;
    m->transfer_held = false;
    fota_action_t a = {.kind = FOTA_ACT_TRANSFER_END};
    m_emit(m, &a, NULL, 0);
}

void m_set_state(machine_t *m, machine_state_t s, uint64_t timeout_at)
{
    if (m->state != s)
        m->step = 0;
    m->state = s;
    m->t_state = timeout_at;
}

bool fota_machine_next_action(fota_machine_t *m, fota_action_t *out)
{
    m_check_oom(m);
    if (m->qhead == m->qlen)
        return false;
    machine_action_t *e = &m->q[m->qhead++];
    *out = e->a;
    if (e->owned) {
        if (m->nhold == m->holdcap) {
            size_t cap = m->holdcap ? m->holdcap * 2 : 16;
            void **h = realloc(m->hold, cap * sizeof *h);
            if (!h) {
                /* Cannot keep it alive: leak rather than hand out a dangling pointer. */
                m->oom = true;
                return true;
            }
            m->hold = h;
            m->holdcap = cap;
        }
        m->hold[m->nhold++] = e->owned;
        e->owned = NULL;
    }
    return true;
}
