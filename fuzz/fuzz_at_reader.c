/* libFuzzer target for the AT reader: arbitrary module bytes in arbitrary splits,
 * interleaved with host actions, through framer + chat + URC parser.
 *
 * Input is a little program: each op byte's low 3 bits pick an action, the high 5
 * bits its argument:
 *   0,1,2  feed the next (arg + 1) bytes as one chunk
 *   3      send command[arg % N]          4  wait (arg odd: with an info prefix)
 *   5      time passes by arg * 50 ms     6  arg 0/1 ack mode off/on, 2 reset, 3 cancel
 *   7      send_expect command[arg % N] with prefix "+QFLDS:"
 * The same program is then replayed with every chunk fed one byte at a time, and
 * the two runs must report the same events (the framer's promise that any split
 * of the input gives the same result). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_chat.h"
#include "fota_urc.h"

/* The tests' hand-built profile (every spelling in the Quectel notes, the GSM FOTA note's text patterns):
 * one definition shared with tests/at, compiled into this target directly because
 * the fuzz build has only core/. */
#include "../tests/at/at_test_profile.c"

typedef struct {
    uint64_t hash;
    fota_at_chat_t *chat;
} run_t;

static void mix(run_t *r, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        r->hash = (r->hash ^ b[i]) * 0x100000001b3ULL;
}

static void mix_str(run_t *r, const char *s)
{
    mix(r, s, strlen(s) + 1);
}

static void on_write(void *ctx, const uint8_t *d, size_t n)
{
    (void)ctx;
    (void)d;
    (void)n;
}

static void on_response(void *ctx, const fota_at_response_t *resp)
{
    run_t *r = ctx;
    if (resp->n_lines > FOTA_AT_MAX_INFO_LINES)
        abort();
    mix(r, &resp->final, sizeof(resp->final));
    mix(r, &resp->code, sizeof(resp->code));
    mix_str(r, resp->final_text);
    for (size_t i = 0; i < resp->n_lines; i++) {
        if (strlen(resp->lines[i]) > FOTA_AT_MAX_LINE)
            abort();
        mix_str(r, resp->lines[i]);
    }
}

static void on_urc(void *ctx, const char *line)
{
    run_t *r = ctx;
    fota_urc_t u;
    mix_str(r, line);
    if (fota_urc_parse(at_test_profile(), line, &u) == 0) {
        if (strlen(u.name) >= sizeof(u.name))
            abort();
        mix(r, &u.phase, sizeof(u.phase));
        mix(r, &u.value, sizeof(u.value));
        mix_str(r, u.name);
    }
}

static void on_ack(void *ctx)
{
    mix_str(ctx, "A");
}

static void on_line(void *ctx, fota_at_line_class_t cls, const char *text)
{
    run_t *r = ctx;
    mix(r, &cls, sizeof(cls));
    mix_str(r, text);
    /* the field iterator on whatever arrives */
    fota_at_fields_t it;
    fota_at_fields_init(&it, text, strlen(text));
    char buf[8];
    long v;
    for (int i = 0; i < 64; i++) {
        if (i % 2 ? fota_at_fields_next_int(&it, &v) < 0
                  : fota_at_fields_next_str(&it, buf, sizeof(buf)) < 0)
            break;
    }
}

static bool is_urc(void *ctx, const char *line)
{
    (void)ctx;
    return fota_urc_is_unsolicited(at_test_profile(), line);
}

static const char *const commands[] = {
    "AT", "ATI", "ATE0", "AT+GSN", "AT+QFOTADL=\"http://h/p.zip\"", "AT+QFUA",
    "AT+QFUPL=\"a.zip\",10,5,1", "AT+QFLDS=\"UFS\"",
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static uint64_t run(const uint8_t *data, size_t size, bool bytewise)
{
    run_t r = { .hash = 0xcbf29ce484222325ULL };
    static const char *const prefixes[] = { "RDY", "+CPIN:", NULL };
    fota_at_chat_cbs_t cbs = {
        .ctx = &r, .write = on_write, .response = on_response, .urc = on_urc,
        .ack = on_ack, .line = on_line,
    };
    r.chat = fota_at_chat_new(&cbs, prefixes, is_urc);
    if (!r.chat)
        return 0;
    uint64_t now = 0;
    size_t i = 0;
    while (i < size) {
        uint8_t op = data[i++];
        unsigned arg = op >> 3;
        int rc = 0;
        switch (op & 7) {
        case 0: case 1: case 2: {
            size_t n = arg + 1;
            if (n > size - i)
                n = size - i;
            if (bytewise) {
                for (size_t j = 0; j < n; j++)
                    fota_at_chat_feed(r.chat, data + i + j, 1, now);
            } else {
                fota_at_chat_feed(r.chat, data + i, n, now);
            }
            i += n;
            break;
        }
        case 3: rc = fota_at_chat_send(r.chat, commands[arg % N_COMMANDS], 1000, now); break;
        case 4:
            rc = arg & 1 ? fota_at_chat_wait_expect(r.chat, "+QFUPL:", 1000, now)
                         : fota_at_chat_wait(r.chat, 1000, now);
            break;
        case 5:
            now += (uint64_t)arg * 50;
            fota_at_chat_tick(r.chat, now);
            break;
        case 6:
            if (arg < 2)
                fota_at_chat_set_ack_mode(r.chat, arg == 1);
            else if (arg == 2)
                fota_at_chat_reset(r.chat);
            else if (arg == 3)
                fota_at_chat_cancel(r.chat);
            break;
        case 7:
            rc = fota_at_chat_send_expect(r.chat, commands[arg % N_COMMANDS], "+QFLDS:", 1000,
                                          now);
            break;
        }
        mix(&r, &rc, sizeof(rc));
        uint64_t d = fota_at_chat_deadline(r.chat);
        if (fota_at_chat_busy(r.chat) != (d != UINT64_MAX))
            abort();
    }
    fota_at_chat_free(r.chat);
    return r.hash;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (run(data, size, false) != run(data, size, true)) {
        fprintf(stderr, "fuzz_at_reader: events differ between whole and byte-wise feeding\n");
        abort();
    }
    return 0;
}
