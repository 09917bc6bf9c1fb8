/* Printing probe's findings; see probe_print.h. */
#include "probe_print.h"

#include <string.h>

#include "util.h"

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* What the row says about the module beyond its identity. */
static void module_note(const fota_probe_port_t *items, const fota_probe_module_t *mods,
                        const fota_probe_module_t *m, char *buf, size_t len)
{
    buf[0] = '\0';
    if (m->held >= 0) {
        char who[160];
        snprintf(buf, len, "held by %s",
                 fota_lock_holder_words(&items[m->held].holder, who, sizeof who));
        return;
    }
    if (m->alias_of >= 0) {
        snprintf(buf, len, "another port of the module in %s", mods[m->alias_of].slot);
        return;
    }
    if (m->at < 0) {
        for (size_t i = m->first; i < m->first + m->count; i++)
            if (!items[i].skipped && items[i].note[0]) {
                snprintf(buf, len, "%s", items[i].note);
                return;
            }
        snprintf(buf, len, "no answer");
        return;
    }
    snprintf(buf, len, "%s", items[m->at].note);
}

/* The port that speaks for a module (its AT port, else its first link) and the
 * profile its model (or its USB IDs) names. */
static const fota_probe_port_t *module_port(const fota_profile_set_t *set,
                                            const fota_probe_port_t *items,
                                            const fota_probe_module_t *m,
                                            const fota_profile_t **profile)
{
    const fota_probe_port_t *at = m->at >= 0 ? &items[m->at] : &items[m->first];
    *profile = at->q.model[0] ? fota_profile_set_match_model(set, at->q.model) : at->profile;
    return at;
}

static void json_ports(FILE *out, const fota_probe_port_t *items, const fota_probe_module_t *m)
{
    fputs(", \"ports\": [", out);
    for (size_t i = m->first; i < m->first + m->count; i++) {
        const fota_probe_port_t *it = &items[i];
        fputs(i > m->first ? ", {\"link\": " : "{\"link\": ", out);
        json_str(out, it->link.name);
        fputs(", \"tty\": ", out);
        json_str(out, it->link.target);
        fprintf(out, ", \"interface\": %d, \"at\": %s, \"answers_at\": %s}", it->num,
                (int)i == m->at ? "true" : "false", it->answered ? "true" : "false");
    }
    fputs("]", out);
}

/* "held_by": the process holding one of the module's ports (nothing was written to
 * it), or null. */
static void json_holder(FILE *out, const fota_lock_holder_t *h)
{
    fputs(", \"held_by\": ", out);
    if (!h) {
        fputs("null", out);
        return;
    }
    fprintf(out, "{\"pid\": %d, \"program\": ", h->pid);
    json_str(out, h->program);
    fputs(", \"started\": ", out);
    json_str(out, h->started);
    fputs("}", out);
}

/* A device in a wrong USB mode: no AT port, so no model, IMEI or revision; its
 * words in "note" and its USB serial (the only name it has). */
static size_t json_usb_rows(FILE *out, const fota_profile_set_t *set, const fota_usb_dev_t *usb,
                            size_t nu, size_t shown)
{
    size_t k = 0;
    for (size_t i = 0; i < nu; i++) {
        char words[128];
        fota_usb_mode_t mode = fota_usb_dev_mode(&usb[i], set, words, sizeof words);
        if (mode == FOTA_USB_MODE_OK)
            continue;
        fputs(shown + k++ ? ",\n {\"slot\": " : "\n {\"slot\": ", out);
        json_str(out, usb[i].slot);
        fputs(", \"port\": \"\", \"interface\": -1, \"model\": \"\", \"imei\": \"\", "
              "\"revision\": \"\", \"profile\": \"\", \"other_port_of\": \"\", \"note\": ",
              out);
        json_str(out, words);
        json_holder(out, NULL);
        fprintf(out, ", \"usb\": \"%04x:%04x\", \"usb_mode\": \"%s\", \"serial\": ", usb[i].vid,
                usb[i].pid, fota_usb_mode_name(mode));
        json_str(out, usb[i].serial);
        fputs(", \"ports\": []}", out);
    }
    return k;
}

static void print_json(FILE *out, const fota_profile_set_t *set, const fota_probe_port_t *items,
                       const fota_probe_module_t *mods, size_t nm, const fota_usb_dev_t *usb,
                       size_t nu)
{
    fputs("[", out);
    size_t shown = 0;
    for (size_t k = 0; k < nm; k++) {
        const fota_probe_module_t *m = &mods[k];
        if (!m->listed)
            continue;
        const fota_profile_t *p;
        const fota_probe_port_t *at = module_port(set, items, m, &p);
        char note[200];
        module_note(items, mods, m, note, sizeof note);
        fputs(shown++ ? ",\n {\"slot\": " : "\n {\"slot\": ", out);
        json_str(out, m->slot);
        fputs(", \"port\": ", out);
        json_str(out, m->at >= 0 ? at->link.target : "");
        fprintf(out, ", \"interface\": %d, \"model\": ", m->at >= 0 ? at->num : -1);
        json_str(out, at->q.model);
        fputs(", \"imei\": ", out);
        json_str(out, at->q.imei);
        fputs(", \"revision\": ", out);
        json_str(out, at->q.revision);
        fputs(", \"profile\": ", out);
        json_str(out, p ? p->family : "");
        fputs(", \"other_port_of\": ", out);
        json_str(out, m->alias_of >= 0 ? mods[m->alias_of].slot : "");
        fputs(", \"note\": ", out);
        json_str(out, note);
        json_holder(out, m->held >= 0 ? &items[m->held].holder : NULL);
        if (at->info.usb)
            fprintf(out, ", \"usb\": \"%04x:%04x\"", at->info.vid, at->info.pid);
        fputs(", \"usb_mode\": \"ok\"", out);
        json_ports(out, items, m);
        fputs("}", out);
    }
    shown += json_usb_rows(out, set, usb, nu, shown);
    fputs(shown ? "\n]\n" : "]\n", out);
}

static void print_table(FILE *out, const fota_profile_set_t *set, const fota_probe_port_t *items,
                        const fota_probe_module_t *mods, size_t nm, const fota_usb_dev_t *usb,
                        size_t nu)
{
    fprintf(out, "%-34s %-14s %-5s %-18s %-16s %-26s %s\n", "SLOT", "PORT", "IFACE", "MODEL",
            "IMEI", "REVISION", "PROFILE");
    for (size_t k = 0; k < nm; k++) {
        const fota_probe_module_t *m = &mods[k];
        if (!m->listed)
            continue;
        const fota_profile_t *p;
        const fota_probe_port_t *at = module_port(set, items, m, &p);
        char note[200], slot[512], iface[8] = "-";
        module_note(items, mods, m, note, sizeof note);
        if (m->at >= 0 && at->num >= 0)
            snprintf(iface, sizeof iface, "%d", at->num);
        fprintf(out, "%-34s %-14s %-5s %-18s %-16s %-26s %s%s%s\n",
                fota_printable(m->slot, slot, sizeof slot), m->at >= 0 ? at->link.target : "-", iface,
                at->q.model[0] ? at->q.model : "-", at->q.imei[0] ? at->q.imei : "-",
                at->q.revision[0] ? at->q.revision : "-", p ? p->family : "-",
                note[0] ? "  # " : "", note);
    }
    for (size_t i = 0; i < nu; i++) {
        char words[128], slot[512], serial[160];
        if (fota_usb_dev_mode(&usb[i], set, words, sizeof words) == FOTA_USB_MODE_OK)
            continue;
        snprintf(serial, sizeof serial, "serial %s", usb[i].serial[0] ? usb[i].serial : "-");
        fprintf(out, "%-34s %-14s %-5s %-18s %-16s %-26s %s  # %s\n",
                fota_printable(usb[i].slot, slot, sizeof slot), "-", "-", "-", "-", serial, "-",
                words);
    }
}

void fota_probe_print(FILE *out, bool json, const fota_profile_set_t *set,
                      const fota_probe_port_t *items, const fota_probe_module_t *mods, size_t nm,
                      const fota_usb_dev_t *usb, size_t nu)
{
    if (json)
        print_json(out, set, items, mods, nm, usb, nu);
    else
        print_table(out, set, items, mods, nm, usb, nu);
}
