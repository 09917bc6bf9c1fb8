/* The operator's input besides the single keys (dash_keys.h): the selected slot
 * (arrows up/down in the table's order, or its label typed then Enter) that r
 * retries and x takes out of service and back; and scans (docs/station.md,
 * "Scans"): a line typed or scanned at the station's terminal or an attached viewer
 * that matches the job's scans patterns sets the operator or the batch for the
 * modules identified from then on, and a new row of table runs says from when. */
#include <stdlib.h>
#include <string.h>

#include "station_int.h"
#include "store_runs.h"
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

/* A typed or scanned line that is a slot's label (the table's short one, 1.3.2, or
 * its full name) selects that slot: true when one did. */
bool station_keys_select_label(station_t *st, const char *text)
{
    for (size_t i = 0; i < st->n_slots; i++) {
        const char *label = station_slot_of(st->slots[i])->label;
        if (!strcmp(fota_dash_short_label(label), text) || !strcmp(label, text)) {
            keys_select(st, st->slots[i]);
            return true;
        }
    }
    return false;
}

slot_t *station_keys_selected(station_t *st, char key)
{
    if (!st->sel)
        station_log(st, "%c: select a slot first (arrows, or type its label and Enter)", key);
    return st->sel;
}

/* The escape sequences the terminal sends for the arrows: one table. */
static const struct {
    const char *seq;
    void (*fn)(station_t *st);
} arrows[] = {
    {"\x1b[A", key_up}, {"\x1bOA", key_up}, {"\x1b[B", key_down}, {"\x1bOB", key_down},
};

bool station_keys_escape(station_t *st, char c)
{
    if (!st->esc_len && (c != '\x1b' || st->scan_tty.len))
        return false; /* not a sequence (an Escape on a scan under way drops the scan) */
    if (st->esc_len < sizeof st->esc - 1)
        st->esc[st->esc_len++] = c;
    st->esc[st->esc_len] = '\0';
    bool prefix = false;
    for (size_t k = 0; k < sizeof arrows / sizeof arrows[0]; k++) {
        if (!strcmp(arrows[k].seq, st->esc)) {
            st->esc_len = 0;
            arrows[k].fn(st);
            return true;
        }
        prefix |= !strncmp(arrows[k].seq, st->esc, st->esc_len);
    }
    if (!prefix)
        st->esc_len = 0; /* a sequence this table does not know: dropped */
    return true;
}

/* ---- scans ---------------------------------------------------------------------- */

/* "operator ^OP[0-9]+$, batch ^WO-": the patterns, for the answer to a scan that
 * matches none. */
static void scan_patterns(const fota_job_t *j, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t k = 0; k < FOTA_SCAN_N; k++)
        if (j->scans[k].pattern && n < cap)
            n += (size_t)snprintf(out + n, cap - n, "%s%s %s", n ? ", " : "",
                                  fota_scan_kind_name((fota_scan_kind_t)k), j->scans[k].pattern);
    if (!out[0])
        snprintf(out, cap, "the job declares no scans");
}

void station_scan(station_t *st, const char *text, const char *from)
{
    char shown[4 * FOTA_SCAN_MAX + 1];
    fota_printable(text, shown, sizeof shown);
    fota_scan_kind_t k = fota_job_scan_match(st->job, text);
    if (k == FOTA_SCAN_N) {
        if (station_keys_select_label(st, text)) /* a slot's label typed, then Enter */
            return;
        char pats[320];
        scan_patterns(st->job, pats, sizeof pats);
        station_log(st, "scan '%s'%s matches no pattern (%s)", shown, from, pats);
        return;
    }
    size_t max = k == FOTA_SCAN_BATCH ? FOTA_BATCH_MAX : FOTA_OPERATOR_MAX;
    if (strlen(text) > max) {
        station_log(st, "scan '%s'%s: %zu bytes, a %s holds at most %zu; nothing changed", shown,
                    from, strlen(text), fota_scan_kind_name(k), max);
        return;
    }
    if (k == FOTA_SCAN_BATCH) {
        fota_copy(st->scan_batch, sizeof st->scan_batch, text);
        st->batch = st->line.batch = st->scan_batch;
        if (fota_results_track_batch(st->results, st->batch) < 0)
            station_log(st, "results database: cannot read the yields of batch %s so far",
                        shown);
    } else {
        fota_copy(st->scan_operator, sizeof st->scan_operator, text);
        st->line.operator_id = st->scan_operator;
    }
    station_log(st, "scan '%s'%s: %s %s for the modules from now on", shown, from,
                fota_scan_kind_name(k), shown);
    char why[256] = "";
    if (fota_store_run_record(st->opts->db, st->job, st->batch, st->line.operator_id, why,
                              sizeof why) < 0)
        station_log(st, "results database: %s; the report will not name this change", why);
}

bool station_scan_feed(station_t *st, fota_scan_line_t *l, char c, const char *from)
{
    switch (fota_scan_line_feed(l, c)) {
    case FOTA_SCAN_KEY: return false;
    case FOTA_SCAN_TAKEN: return true;
    case FOTA_SCAN_DONE: break;
    }
    char text[FOTA_SCAN_MAX + 1];
    bool overlong = l->overlong;
    fota_copy(text, sizeof text, l->buf);
    fota_scan_line_reset(l);
    if (overlong)
        station_log(st, "scan%s longer than %d bytes: ignored", from, FOTA_SCAN_MAX);
    else
        station_scan(st, text, from);
    return true;
}
