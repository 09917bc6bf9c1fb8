/* The operator's keys on the dashboard, as one table: a key (or an escape sequence)
 * and what it does. A new key is a new entry. Besides a (acknowledge) and q / ^C
 * (stop): the selected slot (arrows up/down in the table's order, or its label typed
 * then Enter), r to retry it and x to take it out of service and back. */
#include <string.h>

#include "station_int.h"
#include <stdlib.h>

#include "util.h"

/* The slots in the order the table shows them (fota_dash_sort); returns how many. */
static size_t keys_order(station_t *st, slot_t **out)
{
    fota_dash_row_t *rows = calloc(st->n_slots + 1, sizeof *rows);
    if (!rows)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < st->n_slots; i++) {
        rows[n].slot = station_slot_of(st->slots[i])->label;
        rows[n].state = view_state_of(st->slots[i]);
        n++;
    }
    fota_dash_sort(rows, n);
    size_t k = 0;
    for (size_t r = 0; r < n; r++)
        for (size_t i = 0; i < st->n_slots; i++)
            if (rows[r].slot == station_slot_of(st->slots[i])->label) {
                if (view_shown(st->slots[i]) || st->slots[i] == st->sel)
                    out[k++] = st->slots[i];
                break;
            }
    free(rows);
    return k;
}

static void keys_select(station_t *st, slot_t *s)
{
    st->sel = s;
    station_log(st, "slot %s selected: r retries it, x takes it out of service (or back)",
                fota_dash_short_label(station_slot_of(s)->label));
}

static void keys_move(station_t *st, int step)
{
    slot_t **order = calloc(st->n_slots + 1, sizeof *order);
    if (!order)
        return;
    size_t n = keys_order(st, order);
    if (n) {
        size_t at = step > 0 ? n - 1 : 0; /* nothing selected: the first (down) or last */
        for (size_t i = 0; i < n; i++)
            if (order[i] == st->sel)
                at = i;
        at = (at + n + (size_t)(step > 0 ? 1 : n - 1)) % n;
        keys_select(st, order[at]);
    }
    free(order);
}

static void key_up(station_t *st) { keys_move(st, -1); }
static void key_down(station_t *st) { keys_move(st, 1); }

/* Enter after a typed label: the slot whose short label (the table's) or full name
 * it is. */
static void key_enter(station_t *st)
{
    if (!st->typed_len)
        return;
    st->typed[st->typed_len] = '\0';
    st->typed_len = 0;
    for (size_t i = 0; i < st->n_slots; i++) {
        const char *label = station_slot_of(st->slots[i])->label;
        if (!strcmp(fota_dash_short_label(label), st->typed) || !strcmp(label, st->typed)) {
            keys_select(st, st->slots[i]);
            return;
        }
    }
    station_log(st, "no slot %s (type a slot's label as the table shows it, then Enter)",
                st->typed);
}

static void key_erase(station_t *st)
{
    if (st->typed_len)
        st->typed_len--;
}

static slot_t *keys_selected(station_t *st, char key)
{
    if (!st->sel)
        station_log(st, "%c: select a slot first (arrows, or type its label and Enter)", key);
    return st->sel;
}

static void key_retry(station_t *st)
{
    slot_t *s = keys_selected(st, 'r');
    if (!s)
        return;
    const char *why = slot_retry(s);
    if (why)
        station_log(st, "r: slot %s not retried: %s", station_slot_of(s)->label, why);
    station_after(st, s);
}

static void key_service(station_t *st)
{
    slot_t *s = keys_selected(st, 'x');
    if (!s)
        return;
    station_service(st, s, s->off, NULL);
}

static void key_ack(station_t *st) { station_ack(st); }
static void key_quit(station_t *st) { station_quit_key(st); }
static void key_stop(station_t *st) { station_stop(st, "operator quit"); }

static const struct {
    const char *seq; /* the bytes the terminal sends */
    void (*fn)(station_t *st);
} station_keys[] = {
    {"a", key_ack},       {"A", key_ack},      {"q", key_quit},   {"Q", key_quit},
    {"\x03", key_stop}, /* ^C in raw mode */
    {"\x1b[A", key_up},   {"\x1bOA", key_up},  {"\x1b[B", key_down}, {"\x1bOB", key_down},
    {"\r", key_enter},    {"\n", key_enter},   {"\x7f", key_erase}, {"\b", key_erase},
    {"r", key_retry},     {"R", key_retry},    {"x", key_service}, {"X", key_service},
};

/* Bytes of a label being typed: digits and dots (a hub port's label). */
static bool keys_label_char(char c)
{
    return (c >= '0' && c <= '9') || c == '.';
}

void station_keys_feed(station_t *st, const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = d[i];
        if (st->esc_len || c == '\x1b') { /* an escape sequence, maybe split across reads */
            if (st->esc_len < sizeof st->esc - 1)
                st->esc[st->esc_len++] = c;
            st->esc[st->esc_len] = '\0';
            bool prefix = false;
            for (size_t k = 0; k < sizeof station_keys / sizeof station_keys[0]; k++) {
                const char *q = station_keys[k].seq;
                if (!strcmp(q, st->esc)) {
                    st->esc_len = 0;
                    station_keys[k].fn(st);
                    prefix = true;
                    break;
                }
                prefix |= q[0] == '\x1b' && !strncmp(q, st->esc, st->esc_len);
            }
            if (!prefix)
                st->esc_len = 0; /* a key this table does not know */
            continue;
        }
        if (keys_label_char(c)) {
            if (st->typed_len < sizeof st->typed - 1)
                st->typed[st->typed_len++] = c;
            continue;
        }
        for (size_t k = 0; k < sizeof station_keys / sizeof station_keys[0]; k++)
            if (station_keys[k].seq[0] == c && !station_keys[k].seq[1]) {
                if (station_keys[k].fn != key_enter && station_keys[k].fn != key_erase)
                    st->typed_len = 0; /* another key: a label half typed is dropped */
                station_keys[k].fn(st);
                break;
            }
    }
}
