/* machine_action_*: the machine's output, a queue of actions the station pops after every input.
 * Copies (command lines, traces, progress words) live until the next input; data
 * blocks point into the job's package bytes and are never copied. */
#include "machine_internal.h"
#include "secret_mask.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hold_release(machine_t *m)
{
    for (size_t i = 0; i < m->queue.nhold; i++)
        free(m->queue.hold[i]);
    m->queue.nhold = 0;
}

/* Called at every input: buffers of popped actions live until then. */
void machine_action_enter(machine_t *m)
{
    if (m->queue.head == m->queue.len) {
        hold_release(m);
        m->queue.head = m->queue.len = 0;
    }
}

/* The last slots of the queue are kept for the actions that end a visit
 * (TRANSFER_END, FINISH): out of memory, the station still hears the verdict
 * and gets its transfer token back. */
#define QUEUE_RESERVE 2

static bool queue_room(machine_t *m, fota_action_kind_t kind)
{
    bool ending = kind == FOTA_ACT_FINISH || kind == FOTA_ACT_TRANSFER_END;
    if (m->queue.len + QUEUE_RESERVE < m->queue.cap || (ending && m->queue.len < m->queue.cap))
        return true;
    size_t cap = m->queue.cap ? m->queue.cap * 2 : 16;
    machine_queued_t *q = realloc(m->queue.v, cap * sizeof *q);
    if (q) {
        m->queue.v = q;
        m->queue.cap = cap;
        return true;
    }
    m->queue.oom = true;
    return ending && m->queue.len < m->queue.cap;
}

void machine_action_emit(machine_t *m, const fota_action_t *a, const void *copy, size_t copy_len)
{
    if (!queue_room(m, a->kind))
        return;
    machine_queued_t *e = &m->queue.v[m->queue.len];
    e->a = *a;
    e->owned = NULL;
    if (copy) {
        /* +1: text copies are NUL-terminated */
        char *buf = malloc(copy_len + 1);
        if (!buf) {
            m->queue.oom = true;
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
    m->queue.len++;
}

void machine_action_trace(machine_t *m, fota_trace_dir_t dir, const char *fmt, ...)
{
    char raw[1024], masked[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    size_t n = fota_secret_mask(raw, masked, sizeof masked);
    if (!machine_guard_trace(m, n))
        return;
    fota_action_t a = {.kind = FOTA_ACT_TRACE, .dir = dir};
    machine_action_emit(m, &a, masked, n);
}

void machine_action_progress(machine_t *m, fota_phase_t phase, int percent, const char *fmt, ...)
{
    char words[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(words, sizeof words, fmt, ap);
    va_end(ap);
    fota_action_t a = {.kind = FOTA_ACT_PROGRESS, .phase = phase, .percent = percent};
    machine_action_emit(m, &a, words, strlen(words));
}

void machine_action_send_data(machine_t *m, const uint8_t *data, size_t len)
{
    fota_action_t a = {.kind = FOTA_ACT_SEND, .data = data, .len = len};
    machine_action_emit(m, &a, NULL, 0);
}

void machine_action_send_copy(machine_t *m, const void *data, size_t len)
{
    fota_action_t a = {.kind = FOTA_ACT_SEND, .len = len};
    machine_action_emit(m, &a, data, len);
}

void machine_action_set_flow(machine_t *m, bool on)
{
    fota_action_t a = {.kind = FOTA_ACT_SET_FLOW, .flag = on ? 1 : 0};
    m->flow_on = on;
    machine_action_emit(m, &a, NULL, 0);
}

void machine_action_transfer_begin(machine_t *m)
{
    fota_action_t a = {.kind = FOTA_ACT_TRANSFER_BEGIN};
    machine_action_emit(m, &a, NULL, 0);
}

void machine_action_transfer_end(machine_t *m)
{
    if (!m->transfer_held)
        return;
    m->transfer_held = false;
    fota_action_t a = {.kind = FOTA_ACT_TRANSFER_END};
    machine_action_emit(m, &a, NULL, 0);
}

bool machine_action_lost(const machine_t *m)
{
    return m->queue.oom;
}

bool machine_action_pop(machine_t *m, fota_action_t *out)
{
    if (m->queue.head == m->queue.len)
        return false;
    machine_queued_t *e = &m->queue.v[m->queue.head++];
    *out = e->a;
    if (e->owned) {
        if (m->queue.nhold == m->queue.holdcap) {
            size_t cap = m->queue.holdcap ? m->queue.holdcap * 2 : 16;
            void **h = realloc(m->queue.hold, cap * sizeof *h);
            if (!h) {
                /* Cannot keep it alive: leak rather than hand out a dangling pointer. */
                m->queue.oom = true;
                return true;
            }
            m->queue.hold = h;
            m->queue.holdcap = cap;
        }
        m->queue.hold[m->queue.nhold++] = e->owned;
        e->owned = NULL;
    }
    return true;
}

void machine_action_free(machine_t *m)
{
    for (size_t i = m->queue.head; i < m->queue.len; i++)
        free(m->queue.v[i].owned);
    hold_release(m);
    free(m->queue.hold);
    free(m->queue.v);
}
