/* The operator's keys; see dash_keys.h and docs/station.md, *Keys and quitting*. */
#include "dash_keys.h"

#include <stdio.h>
#include <string.h>

/* Every key, once: what it does, its legend line and, for the main ones, its word
 * in the footer. */
static const struct {
    const char *chars; /* the bytes that mean it */
    fota_key_do_t act;
    const char *legend;
} keys[] = {
    {"aA", FOTA_KEY_ACK, "  a      acknowledge a pause: new modules start again (SIGUSR1 too)"},
    {"qQ\x03", FOTA_KEY_QUIT, "  q, ^C  quit: with modules in flight it asks first; q or ^C"},
    {"", FOTA_KEY_NONE, "          again within 5 s stops (SIGTERM stops without asking)"},
    {"rR", FOTA_KEY_RETRY, "  r      retry the selected slot (a failed or ignored module)"},
    {"xX", FOTA_KEY_SERVICE, "  x      take the selected slot out of service, or put it back"},
    {"pP", FOTA_KEY_POWER, "  p      power-cycle the selected slot (never while it upgrades)"},
    {"", FOTA_KEY_NONE, "  arrows select a slot; or type its label (1.3.2) and Enter"},
    {"?hH", FOTA_KEY_LEGEND, "  ?, h   this list"},
};

static const char footer[] = "keys: ? all keys   a acknowledge pause   q quit (asks first)";

static const char *const legend_head = "KEYS (any key closes this list)";
static const char *const legend_tail[] = {
    "",
    "Quitting stops the station, not the modules: one already flashing keeps",
    "flashing and must stay powered and plugged in until it has rebooted.",
};

fota_key_do_t fota_keys_press(fota_keys_t *k, int c, unsigned in_flight, int64_t now_ms)
{
    if (k->legend) { /* any key closes it, and does nothing else */
        k->legend = false;
        return FOTA_KEY_NONE;
    }
    fota_key_do_t act = FOTA_KEY_NONE;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && c; i++)
        if (strchr(keys[i].chars, c))
            act = keys[i].act;
    if (act == FOTA_KEY_NONE)
        return c > ' ' && c < 0x7f ? FOTA_KEY_UNKNOWN : FOTA_KEY_NONE;
    if (act == FOTA_KEY_LEGEND)
        k->legend = true;
    if (act != FOTA_KEY_QUIT)
        return act;
    /* One key must not stop a hub's worth of upgrades: the first asks, the second
     * within the window stops; after it, the next one asks again. */
    if (in_flight && !(k->quit_until_ms && now_ms < k->quit_until_ms)) {
        k->quit_until_ms = now_ms + FOTA_QUIT_CONFIRM_MS;
        return FOTA_KEY_QUIT_ASK;
    }
    k->quit_until_ms = 0;
    return FOTA_KEY_QUIT;
}

bool fota_keys_expire(fota_keys_t *k, int64_t now_ms)
{
    if (!k->quit_until_ms || now_ms < k->quit_until_ms)
        return false;
    k->quit_until_ms = 0;
    return true;
}

void fota_keys_frame(const fota_keys_t *k, unsigned in_flight, int64_t now_ms,
                     char lines[FOTA_KEYS_PROMPT_LINES][FOTA_KEYS_LINE],
                     const char *prompt[FOTA_KEYS_PROMPT_LINES], fota_dash_frame_t *f)
{
    static const char *legend[sizeof keys / sizeof keys[0] + 4];
    size_t n = 0;
    legend[n++] = legend_head;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        legend[n++] = keys[i].legend;
    for (size_t i = 0; i < sizeof legend_tail / sizeof legend_tail[0]; i++)
        legend[n++] = legend_tail[i];
    f->footer = footer;
    f->overlay = k->legend ? legend : NULL;
    f->n_overlay = k->legend ? n : 0;
    f->prompt = NULL;
    f->n_prompt = 0;
    if (!k->quit_until_ms || now_ms >= k->quit_until_ms)
        return;
    long left = (long)((k->quit_until_ms - now_ms + 999) / 1000);
    snprintf(lines[0], FOTA_KEYS_LINE, "QUIT? %u module%s in flight. Press q (or ^C) again "
             "within %ld s to stop.", in_flight, in_flight == 1 ? "" : "s", left);
    snprintf(lines[1], FOTA_KEYS_LINE, "Modules already flashing keep flashing: keep them "
             "powered and plugged in");
    snprintf(lines[2], FOTA_KEYS_LINE, "until they have rebooted. Their rows end INTERRUPTED; "
             "the next run records");
    snprintf(lines[3], FOTA_KEYS_LINE, "one back on the new firmware as PASS (already at "
             "target), upgrades the rest.");
    snprintf(lines[4], FOTA_KEYS_LINE, "No answer within %ld s: this question goes away and "
             "nothing stops.", left);
    for (size_t i = 0; i < FOTA_KEYS_PROMPT_LINES; i++)
        prompt[i] = lines[i];
    f->prompt = prompt;
    f->n_prompt = FOTA_KEYS_PROMPT_LINES;
}

void fota_keys_abort_note(char *buf, size_t cap, unsigned n)
{
    if (!n) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    snprintf(buf, cap,
             "%u module%s in flight %s recorded INTERRUPTED. Modules already flashing keep "
             "flashing on their own: keep them powered and plugged in until they have rebooted, "
             "so that they finish here (one unplugged resumes its update only when it is next "
             "powered, wherever that is). Modules still "
             "receiving their package from the station keep their old firmware. The next run "
             "takes each module as it finds it: one back on the new firmware is recorded PASS "
             "(already at target), one still on its old firmware is upgraded again.",
             n, n == 1 ? "" : "s", n == 1 ? "is" : "are");
}
