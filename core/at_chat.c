/* AT chat: one command in flight per port, each with its own timeout, its
 * information lines collected, URCs delivered apart, so a late reply is never taken for the next command's.
 *
 * Classifier order for each received line:
 *   1. echo of the command in flight          -> ECHO (traced, not an info line)
 *   2. reply to the command in flight          -> FINAL / INFO
 *        only once its CR has been written: send() writes before returning (the
 *        in-flight state is set first, so a loopback answering from inside write()
 *        is classified right), but a command sent from a callback of feed() is
 *        written only after the chunk being fed, so the rest of that chunk is not
 *        its reply; once the module is known to echo,
 *        only after the echo: anything before it is a late reply to an older
 *        command (a hazard ModemManager documents).
 *        With an expected info prefix, only lines with that prefix are info lines.
 *   3. URC (urc_prefixes, or the profile through is_urc)      -> URC
 *   4. anything else                                          -> NOISE (traced)
 * Known URC lines win over "info line of a command without prefix": +QIND lines
 * arrive between a command and its OK (RG50xQ FOTA note §3.3.1 example).
 *
 * Re-entrancy (close before free, as libuv and gatchat do): callbacks may send the next command, reset
 * or free the chat; the in-flight state is cleared before the response callback, a
 * reset discards the rest of the chunk being fed, a free is deferred until the
 * outermost call returns. */
#include "at_chat.h"
#include "at_result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { CHAT_IDLE, CHAT_CMD, CHAT_WAIT } chat_state_t;
typedef enum { ECHO_UNKNOWN, ECHO_ON, ECHO_OFF } echo_state_t;

struct fota_at_chat {
    fota_at_chat_cbs_t cbs;
    char **urc_prefixes;       /* owned copy, NULL-terminated */
    bool (*is_urc)(void *ctx, const char *line);
    fota_at_framer_t framer;

    chat_state_t state;
    char *cmd;                 /* command in flight, without CR (CHAT_CMD) */
    char *info_prefix;         /* expected info prefix, or NULL */
    bool echo_seen;
    bool unwritten;            /* sent from a callback of the chunk being fed */
    uint64_t deadline;
    char *lines[FOTA_AT_MAX_INFO_LINES];
    size_t n_lines;
    size_t dropped_lines;      /* info lines beyond FOTA_AT_MAX_INFO_LINES */

    echo_state_t echo;         /* learnt from the module: does it echo commands? */
    unsigned gen;              /* bumped by reset: the chunk being fed is stale */
    unsigned depth;            /* calls into the chat in progress */
    unsigned feeding;          /* feed() calls in progress */
    bool destroyed;            /* free() called from a callback: free on the way out */
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void trace(fota_at_chat_t *c, fota_trace_dir_t dir, const char *text)
{
    if (c->cbs.trace)
        c->cbs.trace(c->cbs.ctx, dir, text);
}

static void report(fota_at_chat_t *c, fota_at_line_class_t cls, const char *text)
{
    if (c->cbs.line)
        c->cbs.line(c->cbs.ctx, cls, text);
}

static void drop_lines(fota_at_chat_t *c)
{
    for (size_t i = 0; i < c->n_lines; i++)
        free(c->lines[i]);
    c->n_lines = 0;
    c->dropped_lines = 0;
}

static void clear_flight(fota_at_chat_t *c)
{
    drop_lines(c);
    free(c->cmd);
    free(c->info_prefix);
    c->cmd = NULL;
    c->info_prefix = NULL;
    c->state = CHAT_IDLE;
    c->echo_seen = false;
    c->unwritten = false;
    c->deadline = UINT64_MAX;
}

static void enter(fota_at_chat_t *c)
{
    c->depth++;
}

static void destroy(fota_at_chat_t *c)
{
    clear_flight(c);
    if (c->urc_prefixes) {
        for (char **p = c->urc_prefixes; *p; p++)
            free(*p);
        free(c->urc_prefixes);
    }
    free(c);
}

/* Returns true when the chat is gone (freed from inside a callback). */
static bool leave(fota_at_chat_t *c)
{
    if (--c->depth == 0 && c->destroyed) {
        destroy(c);
        return true;
    }
    return false;
}

fota_at_chat_t *fota_at_chat_new(const fota_at_chat_cbs_t *cbs, const char *const *urc_prefixes,
                                 bool (*is_urc)(void *ctx, const char *line))
{
    fota_at_chat_t *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (cbs)
        c->cbs = *cbs;
    c->is_urc = is_urc;
    size_t n = 0;
    while (urc_prefixes && urc_prefixes[n])
        n++;
    c->urc_prefixes = calloc(n + 1, sizeof(char *));
    if (!c->urc_prefixes) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(c->urc_prefixes[i] = dup_str(urc_prefixes[i]))) {
            destroy(c);
            return NULL;
        }
    }
    fota_at_framer_init(&c->framer);
    c->state = CHAT_IDLE;
    c->deadline = UINT64_MAX;
    c->echo = ECHO_UNKNOWN;
    return c;
}

void fota_at_chat_free(fota_at_chat_t *c)
{
    if (!c)
        return;
    if (c->depth > 0) {
        c->destroyed = true;
        return;
    }
    destroy(c);
}

static bool is_urc_line(fota_at_chat_t *c, const char *line)
{
    for (char **p = c->urc_prefixes; *p; p++)
        if (fota_at_has_prefix(line, *p))
            return true;
    return c->is_urc && c->is_urc(c->cbs.ctx, line);
}

/* Ends the command in flight: clears it first (the callback may send the next
 * one), then hands its response over. */
static void complete(fota_at_chat_t *c, fota_at_final_t final, int code, const char *final_text)
{
    char *lines[FOTA_AT_MAX_INFO_LINES];
    size_t n = c->n_lines;
    memcpy(lines, c->lines, n * sizeof(char *));
    c->n_lines = 0;
    if (final == FOTA_AT_FINAL_OK && c->cmd) {
        switch (fota_at_echo_effect(c->cmd)) {
        case FOTA_AT_ECHO_EFFECT_OFF: c->echo = ECHO_OFF; break;
        case FOTA_AT_ECHO_EFFECT_UNKNOWN: c->echo = ECHO_UNKNOWN; break;
        case FOTA_AT_ECHO_EFFECT_NONE: break;
        }
    }
    clear_flight(c);
    fota_at_response_t r = {
        .final = final,
        .code = code,
        .final_text = final_text,
        .lines = (const char *const *)lines,
        .n_lines = n,
    };
    if (c->cbs.response)
        c->cbs.response(c->cbs.ctx, &r);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
}

static void add_info(fota_at_chat_t *c, const char *line)
{
    if (c->n_lines < FOTA_AT_MAX_INFO_LINES) {
        char *d = dup_str(line);
        if (d) {
            c->lines[c->n_lines++] = d;
            return;
        }
    }
    if (c->dropped_lines++ == 0)
        trace(c, FOTA_TRACE_INFO, "too many information lines: the rest is dropped");
}

static void noise(fota_at_chat_t *c, const char *line, const char *why)
{
    report(c, FOTA_AT_LINE_NOISE, line);
    char msg[160];
    snprintf(msg, sizeof(msg), "ignored line: %s", why);
    trace(c, FOTA_TRACE_INFO, msg);
}

static void urc(fota_at_chat_t *c, const char *line)
{
    report(c, FOTA_AT_LINE_URC, line);
    if (c->cbs.urc)
        c->cbs.urc(c->cbs.ctx, line);
}

/* The echo of a command longer than FOTA_AT_MAX_LINE arrives truncated. */
static bool is_echo(const fota_at_chat_t *c, const char *line, bool truncated)
{
    if (fota_at_is_echo(line, c->cmd))
        return true;
    size_t n = strlen(line);
    return truncated && strlen(c->cmd) > n && strncasecmp(line, c->cmd, n) == 0;
}

static void classify(fota_at_chat_t *c, const char *line, bool truncated)
{
    /* 1. echo: the module repeats the command line before answering it. */
    if (c->state == CHAT_CMD && !c->echo_seen && !c->unwritten && is_echo(c, line, truncated)) {
        c->echo_seen = true;
        c->echo = ECHO_ON;
        report(c, FOTA_AT_LINE_ECHO, line);
        return;
    }
    /* 2. reply to the command in flight. */
    bool unwritten = c->state == CHAT_CMD && c->unwritten;
    bool gated = c->state == CHAT_CMD && c->echo == ECHO_ON && !c->echo_seen;
    if (c->state != CHAT_IDLE && !gated && !unwritten) {
        fota_at_final_t final;
        int code;
        if (fota_at_result_parse(line, &final, &code)) {
            report(c, FOTA_AT_LINE_FINAL, line);
            complete(c, final, code, line);
            return;
        }
        if (c->info_prefix && fota_at_has_prefix(line, c->info_prefix)) {
            report(c, FOTA_AT_LINE_INFO, line);
            add_info(c, line);
            return;
        }
        if (is_urc_line(c, line)) {
            urc(c, line);
            return;
        }
        if (!c->info_prefix) {
            report(c, FOTA_AT_LINE_INFO, line);
            add_info(c, line);
            return;
        }
        noise(c, line, "not the expected reply");
        return;
    }
    /* 3. URC, 4. noise. */
    if (is_urc_line(c, line)) {
        urc(c, line);
        return;
    }
    noise(c, line, unwritten ? "received before the command in flight was written"
                   : gated ? "before the echo of the command in flight (late reply?)"
                           : "no command in flight");
}

typedef struct {
    fota_at_chat_t *c;
    unsigned gen;
} feed_ctx_t;

static void on_frame(void *ctx, const fota_frame_t *f)
{
    feed_ctx_t *fc = ctx;
    fota_at_chat_t *c = fc->c;
    if (c->destroyed || c->gen != fc->gen)
        return; /* reset or freed by an earlier callback of this chunk */
    if (f->kind == FOTA_FRAME_ACK) {
        report(c, FOTA_AT_LINE_ACK, "A");
        if (c->cbs.ack)
            c->cbs.ack(c->cbs.ctx);
        return;
    }
    trace(c, FOTA_TRACE_RX, f->text);
    if (f->truncated)
        trace(c, FOTA_TRACE_INFO, "line too long: truncated");
    classify(c, f->text, f->truncated);
}

void fota_at_chat_feed(fota_at_chat_t *c, const uint8_t *data, size_t n, uint64_t now_ms)
{
    (void)now_ms; /* timeouts fire from tick() only, so feed order never races them */
    enter(c);
    c->feeding++;
    feed_ctx_t fc = { c, c->gen };
    fota_at_framer_feed(&c->framer, data, n, on_frame, &fc);
    if (!c->destroyed && c->gen != fc.gen)
        fota_at_framer_init(&c->framer); /* drop what the stale chunk left buffered */
    /* The command a callback sent is on the wire now: what comes next may answer it. */
    if (--c->feeding == 0)
        c->unwritten = false;
    leave(c);
}

static int start(fota_at_chat_t *c, const char *cmd, const char *info_prefix,
                 unsigned timeout_ms, uint64_t now_ms)
{
    if (c->state != CHAT_IDLE || c->destroyed)
        return FOTA_E_STATE;
    if (cmd && (!*cmd || strpbrk(cmd, "\r\n")))
        return FOTA_E_INVAL;
    char *cmd_copy = NULL, *prefix_copy = NULL, *wire = NULL;
    size_t len = cmd ? strlen(cmd) : 0;
    if (cmd && (!(cmd_copy = dup_str(cmd)) || !(wire = malloc(len + 1))))
        goto nomem;
    if (info_prefix && *info_prefix && !(prefix_copy = dup_str(info_prefix)))
        goto nomem;
    c->state = cmd ? CHAT_CMD : CHAT_WAIT;
    c->cmd = cmd_copy;
    c->info_prefix = prefix_copy;
    c->echo_seen = false;
    /* Sent from a callback of feed(): the rest of that chunk was read before the
     * command was written, so none of it can answer the command (a reply counts
     * only once the command's CR has been written). */
    c->unwritten = cmd && c->feeding > 0;
    c->deadline = now_ms + timeout_ms;
    if (cmd) {
        enter(c);
        memcpy(wire, cmd, len);
        wire[len] = '\r';
        trace(c, FOTA_TRACE_TX, cmd);
        if (c->cbs.write && !c->destroyed)
            c->cbs.write(c->cbs.ctx, (const uint8_t *)wire, len + 1);
        free(wire);
        leave(c);
    }
    return 0;
nomem:
    free(cmd_copy);
    free(prefix_copy);
    free(wire);
    return FOTA_E_NOMEM;
}

int fota_at_chat_send(fota_at_chat_t *c, const char *cmd, unsigned timeout_ms, uint64_t now_ms)
{
    return fota_at_chat_send_expect(c, cmd, NULL, timeout_ms, now_ms);
}

int fota_at_chat_send_expect(fota_at_chat_t *c, const char *cmd, const char *info_prefix,
                             unsigned timeout_ms, uint64_t now_ms)
{
    if (!cmd)
        return FOTA_E_INVAL;
    return start(c, cmd, info_prefix, timeout_ms, now_ms);
}

int fota_at_chat_wait(fota_at_chat_t *c, unsigned timeout_ms, uint64_t now_ms)
{
    return start(c, NULL, NULL, timeout_ms, now_ms);
}

int fota_at_chat_wait_expect(fota_at_chat_t *c, const char *info_prefix, unsigned timeout_ms,
                             uint64_t now_ms)
{
    return start(c, NULL, info_prefix, timeout_ms, now_ms);
}

void fota_at_chat_send_raw(fota_at_chat_t *c, const uint8_t *data, size_t len)
{
    if (c->destroyed || !c->cbs.write)
        return;
    enter(c);
    c->cbs.write(c->cbs.ctx, data, len);
    leave(c);
}

void fota_at_chat_tick(fota_at_chat_t *c, uint64_t now_ms)
{
    if (c->state == CHAT_IDLE || now_ms < c->deadline || c->destroyed)
        return;
    enter(c);
    char msg[160];
    snprintf(msg, sizeof(msg), "timeout waiting for a final result%s%.120s",
             c->cmd ? " to " : "", c->cmd ? c->cmd : "");
    trace(c, FOTA_TRACE_INFO, msg);
    complete(c, FOTA_AT_FINAL_TIMEOUT, -1, "");
    leave(c);
}

uint64_t fota_at_chat_deadline(const fota_at_chat_t *c)
{
    return c->state == CHAT_IDLE ? UINT64_MAX : c->deadline;
}

bool fota_at_chat_busy(const fota_at_chat_t *c)
{
    return c->state != CHAT_IDLE;
}

void fota_at_chat_set_ack_mode(fota_at_chat_t *c, bool on)
{
    fota_at_framer_set_ack_mode(&c->framer, on);
}

void fota_at_chat_reset(fota_at_chat_t *c)
{
    clear_flight(c);
    fota_at_framer_init(&c->framer);
    c->echo = ECHO_UNKNOWN;
    c->gen++;
}

void fota_at_chat_cancel(fota_at_chat_t *c)
{
    clear_flight(c);
}
