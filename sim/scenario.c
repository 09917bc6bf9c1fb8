/* Scenario YAML (docs/simulator.md): defaults plus a list of modules, each with
 * family, identity, timing, URC variants and faults. Every error names
 * file:line:column. */
#include "sim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

typedef struct {
    const char *path;
    yaml_document_t *doc;
    int failed;
} ctx_t;

__attribute__((format(printf, 3, 4)))
static void err_at(ctx_t *c, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%zu:%zu: ", c->path, n->start_mark.line + 1, n->start_mark.column + 1);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    c->failed = 1;
}

static const char *scalar(ctx_t *c, yaml_node_t *n, const char *key)
{
    if (n->type != YAML_SCALAR_NODE) {
        err_at(c, n, "'%s' wants a single value", key);
        return NULL;
    }
    return (const char *)n->data.scalar.value;
}

static int get_bool(ctx_t *c, yaml_node_t *n, const char *key, int *out)
{
    const char *v = scalar(c, n, key);
    if (!v)
        return -1;
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") || !strcmp(v, "0"))
        *out = 0;
    else {
        err_at(c, n, "'%s' wants true or false", key);
        return -1;
    }
    return 0;
}

static int get_num(ctx_t *c, yaml_node_t *n, const char *key, double *out)
{
    const char *v = scalar(c, n, key);
    if (!v)
        return -1;
    char *e;
    errno = 0;
    double d = strtod(v, &e);
    if (errno || e == v || (*e && strcasecmp(e, "k") && strcasecmp(e, "M"))) {
        err_at(c, n, "'%s' wants a number", key);
        return -1;
    }
    if (!strcasecmp(e, "k"))
        d *= 1024;
    else if (!strcasecmp(e, "M"))
        d *= 1024 * 1024;
    *out = d;
    return 0;
}

static int get_int(ctx_t *c, yaml_node_t *n, const char *key, int *out)
{
    double d;
    if (get_num(c, n, key, &d) != 0)
        return -1;
    *out = (int)d;
    return 0;
}

static int get_str(ctx_t *c, yaml_node_t *n, const char *key, char *out, size_t cap)
{
    const char *v = scalar(c, n, key);
    if (!v)
        return -1;
    if (strlen(v) >= cap) {
        err_at(c, n, "'%s' is too long", key);
        return -1;
    }
    snprintf(out, cap, "%s", v);
    return 0;
}

static int get_phase(ctx_t *c, yaml_node_t *n, sim_phase_t *out)
{
    static const char *const names[] = {"none", "command", "download", "file", "reboot", "update"};
    const char *v = scalar(c, n, "phase");
    if (!v)
        return -1;
    for (int i = 0; i < 6; i++)
        if (!strcasecmp(v, names[i])) {
            *out = (sim_phase_t)i;
            return 0;
        }
    err_at(c, n, "unknown phase '%s' (command, download, file, reboot, update)", v);
    return -1;
}

/* for each key k (text kname) / value v of a mapping; pv names the pair cursor */
#define FOR_PAIRS_P(c, map, pv, k, v, kname)                                                     \
    for (yaml_node_pair_t *pv = (map)->data.mapping.pairs.start; pv < (map)->data.mapping.pairs.top; \
         pv++)                                                                                    \
        for (yaml_node_t *k = yaml_document_get_node((c)->doc, pv->key),                          \
                         *v = yaml_document_get_node((c)->doc, pv->value);                        \
             k; k = NULL)                                                                         \
            for (const char *kname = (const char *)k->data.scalar.value; kname; kname = NULL)
#define FOR_PAIRS(c, map, k, v, kname) FOR_PAIRS_P(c, map, p_, k, v, kname)
#define FOR_PAIRS2(c, map, k, v, kname) FOR_PAIRS_P(c, map, p2_, k, v, kname)

static int want_map(ctx_t *c, yaml_node_t *n, const char *what)
{
    if (n->type != YAML_MAPPING_NODE) {
        err_at(c, n, "'%s' wants a mapping", what);
        return -1;
    }
    return 0;
}

/* phase/code/at sub-mapping of a fault */
static void fault_where(ctx_t *c, yaml_node_t *map, const char *what, sim_phase_t *phase, int *code,
                        int *at)
{
    if (want_map(c, map, what))
        return;
    FOR_PAIRS(c, map, k, v, key)
    {
        if (!strcmp(key, "phase") && phase)
            get_phase(c, v, phase);
        else if (!strcmp(key, "code") && code)
            get_int(c, v, key, code);
        else if (!strcmp(key, "at"))
            get_int(c, v, key, at);
        else
            err_at(c, k, "unknown key '%s' in this fault", key);
    }
}

/* ident_errors: {code: 14, count: 1, command: ATI}: the first `count` (or `forever`)
 * identification commands of that kind (ATI, GSN = AT+GSN/AT+CGSN, QGMR, any) answer
 * +CME ERROR: <code>. */
static void ident_errors(ctx_t *c, sim_faults_t *f, yaml_node_t *v)
{
    static const struct { const char *name; int kind; } kinds[] = {
        {"ATI", SIM_IDENT_ATI}, {"GSN", SIM_IDENT_GSN}, {"QGMR", SIM_IDENT_QGMR},
        {"any", SIM_IDENT_ANY}};
    f->ident_err_code = 14;
    f->ident_err_count = 1;
    f->ident_err_cmd = SIM_IDENT_ANY;
    if (want_map(c, v, "ident_errors"))
        return;
    FOR_PAIRS2(c, v, k2, v2, key2)
    {
        char s[16];
        if (!strcmp(key2, "code")) {
            if (get_int(c, v2, key2, &f->ident_err_code) == 0 &&
                (f->ident_err_code < 0 || f->ident_err_code > 65535))
                err_at(c, v2, "'%s' wants a +CME ERROR code 0..65535", key2);
        } else if (!strcmp(key2, "count")) {
            const char *w = v2->type == YAML_SCALAR_NODE ? (const char *)v2->data.scalar.value : "";
            if (!strcmp(w, "forever"))
                f->ident_err_count = -1;
            else if (get_int(c, v2, key2, &f->ident_err_count) == 0 && f->ident_err_count < 1)
                err_at(c, v2, "'%s' wants 1 or more, or forever", key2);
        } else if (!strcmp(key2, "command")) {
            if (get_str(c, v2, key2, s, sizeof s) != 0)
                continue;
            size_t i = 0;
            while (i < sizeof kinds / sizeof kinds[0] && strcasecmp(s, kinds[i].name))
                i++;
            if (i == sizeof kinds / sizeof kinds[0])
                err_at(c, v2, "'%s' wants ATI, GSN, QGMR or any", key2);
            else
                f->ident_err_cmd = kinds[i].kind;
        } else
            err_at(c, k2, "unknown key '%s' in ident_errors", key2);
    }
}

static void apply_faults(ctx_t *c, sim_module_t *m, yaml_node_t *map)
{
    sim_faults_t *f = &m->f;
    if (want_map(c, map, "faults"))
        return;
    FOR_PAIRS(c, map, k, v, key)
    {
        if (!strcmp(key, "error")) {
            f->error_phase = SIM_PHASE_UPDATE;
            fault_where(c, v, key, &f->error_phase, &f->error_code, &f->error_at);
        } else if (!strcmp(key, "transient")) {
            f->transient_code = 520;
            if (want_map(c, v, key))
                continue;
            FOR_PAIRS2(c, v, k2, v2, key2)
            {
                if (!strcmp(key2, "code"))
                    get_int(c, v2, key2, &f->transient_code);
                else if (!strcmp(key2, "at"))
                    get_int(c, v2, key2, &f->transient_at);
                else if (!strcmp(key2, "succeed_on_retry"))
                    get_int(c, v2, key2, &f->transient_ok_retry);
                else
                    err_at(c, k2, "unknown key '%s' in transient", key2);
            }
        } else if (!strcmp(key, "power_loss")) {
            f->power_loss_at = 50;
            if (want_map(c, v, key))
                continue;
            FOR_PAIRS2(c, v, k2, v2, key2)
            {
                if (!strcmp(key2, "at"))
                    get_int(c, v2, key2, &f->power_loss_at);
                else if (!strcmp(key2, "off_s"))
                    get_num(c, v2, key2, &f->power_off_s);
                else if (!strcmp(key2, "old_firmware"))
                    get_bool(c, v2, key2, &f->power_loss_old);
                else
                    err_at(c, k2, "unknown key '%s' in power_loss", key2);
            }
        } else if (!strcmp(key, "stall")) {
            f->stall_phase = SIM_PHASE_UPDATE;
            fault_where(c, v, key, &f->stall_phase, NULL, &f->stall_at);
        } else if (!strcmp(key, "vanish")) {
            f->vanish_phase = SIM_PHASE_UPDATE;
            fault_where(c, v, key, &f->vanish_phase, NULL, &f->vanish_at);
        } else if (!strcmp(key, "garbage"))
            get_bool(c, v, key, &f->garbage);
        else if (!strcmp(key, "echo_stuck"))
            get_bool(c, v, key, &f->echo_stuck);
        else if (!strcmp(key, "inject_urcs"))
            get_bool(c, v, key, &f->inject_urcs);
        else if (!strcmp(key, "split_writes"))
            get_bool(c, v, key, &f->split_writes);
        else if (!strcmp(key, "imei_errors"))
            get_int(c, v, key, &f->imei_errors);
        else if (!strcmp(key, "ident_errors"))
            ident_errors(c, f, v);
        else if (!strcmp(key, "hang")) {
            char h[32] = "";
            if (get_str(c, v, key, h, sizeof h) == 0) {
                if (!strcmp(h, "until_power_cycle"))
                    f->hang = SIM_HANG_UNTIL_POWER_CYCLE;
                else if (!strcmp(h, "forever"))
                    f->hang = SIM_HANG_FOREVER;
                else
                    err_at(c, v, "'hang' wants until_power_cycle or forever");
            }
        } else if (!strcmp(key, "flood"))
            get_int(c, v, key, &f->flood_bps);
        else if (!strcmp(key, "boot_busy_s")) {
            if (get_num(c, v, key, &f->boot_busy_s) == 0 && f->boot_busy_s < 0)
                err_at(c, v, "'%s' wants a number of seconds, 0 or more", key);
        }
        else if (!strcmp(key, "swap_imei")) {
            char s[32];
            if (get_str(c, v, key, s, sizeof s) == 0) {
                if (!strcasecmp(s, "auto"))
                    sim_imei_make(f->swap_imei, m->fam->tac, 900000u + (unsigned)m->index);
                else if (sim_luhn_ok(s))
                    memcpy(f->swap_imei, s, 16);
                else
                    err_at(c, v, "swap_imei '%s' is not 15 digits with a valid Luhn check digit", s);
            }
        } else
            err_at(c, k, "unknown fault '%s'", key);
    }
}

static void apply_timing(ctx_t *c, sim_module_t *m, yaml_node_t *map)
{
    sim_timing_t *t = &m->t;
    if (want_map(c, map, "timing"))
        return;
    FOR_PAIRS(c, map, k, v, key)
    {
        struct { const char *name; double *p; } nums[] = {
            {"reboot_s", &t->reboot_s},         {"boot_urc_s", &t->boot_urc_s},
            {"download_rate", &t->download_rate}, {"download_min_s", &t->download_min_s},
            {"update_s", &t->update_s},         {"data_rate", &t->data_rate},
            {"data_timeout_s", &t->data_timeout_s}, {"guard_s", &t->guard_s}};
        int done = 0;
        for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
            if (!strcmp(key, nums[i].name)) {
                get_num(c, v, key, nums[i].p);
                done = 1;
            }
        if (!done && !strcmp(key, "update_step")) {
            get_int(c, v, key, &t->update_step);
            if (t->update_step < 1 || t->update_step > 100)
                err_at(c, v, "'%s' wants 1..100", key);
            done = 1;
        }
        if (!done)
            err_at(c, k, "unknown timing key '%s'", key);
    }
    if (t->download_rate <= 0)
        t->download_rate = 1;
}

static void apply_variants(ctx_t *c, sim_module_t *m, yaml_node_t *map)
{
    sim_variants_t *vr = &m->v;
    if (want_map(c, map, "variants"))
        return;
    FOR_PAIRS(c, map, k, v, key)
    {
        if (!strcmp(key, "https_urcs")) get_bool(c, v, key, &vr->https_urcs);
        else if (!strcmp(key, "downloading")) get_bool(c, v, key, &vr->downloading);
        else if (!strcmp(key, "percent_sign")) get_bool(c, v, key, &vr->percent_sign);
        else if (!strcmp(key, "restore")) get_bool(c, v, key, &vr->restore);
        else if (!strcmp(key, "continue_msg")) get_bool(c, v, key, &vr->continue_msg);
        else if (!strcmp(key, "comma_space")) get_bool(c, v, key, &vr->comma_space);
        else if (!strcmp(key, "late_port")) get_int(c, v, key, &vr->late_port);
        else err_at(c, k, "unknown variant '%s'", key);
    }
}

/* `ports: hub | single` or a list of {interface: N, role: at|modem|dm|nmea} */
static void apply_port(ctx_t *c, sim_module_t *m, yaml_node_t *item)
{
    int num = -1, role_set = 0;
    sim_role_t role = SIM_ROLE_AT;
    if (want_map(c, item, "ports[]"))
        return;
    FOR_PAIRS(c, item, k, v, key)
    {
        if (!strcmp(key, "interface")) {
            if (get_int(c, v, key, &num) == 0 && (num < 0 || num > 15))
                err_at(c, v, "'%s' wants 0..15", key);
        } else if (!strcmp(key, "role")) {
            const char *r = scalar(c, v, key);
            if (r && sim_role_find(r, &role) != 0)
                err_at(c, v, "unknown role '%s' (at, modem, dm, nmea)", r);
            role_set = 1;
        } else
            err_at(c, k, "unknown key '%s' in a port (interface, role)", key);
    }
    if (num < 0 || !role_set)
        err_at(c, item, "a port wants 'interface' and 'role'");
    else if (m->n_spec >= SIM_MAX_IFS)
        err_at(c, item, "at most %d ports", SIM_MAX_IFS);
    else
        m->spec[m->n_spec++] = (sim_if_spec_t){num, role};
}

static void apply_ports(ctx_t *c, sim_module_t *m, yaml_node_t *v)
{
    if (v->type == YAML_SCALAR_NODE) {
        if (sim_layout_parse_name((const char *)v->data.scalar.value, &m->layout) != 0)
            err_at(c, v, "'ports' wants hub, single or a list of {interface, role}");
        return;
    }
    if (v->type != YAML_SEQUENCE_NODE) {
        err_at(c, v, "'ports' wants hub, single or a list of {interface, role}");
        return;
    }
    m->layout = SIM_LAYOUT_LIST;
    m->n_spec = 0;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
        apply_port(c, m, yaml_document_get_node(c->doc, *it));
}

static void apply(ctx_t *c, sim_module_t *m, yaml_node_t *map, int is_default)
{
    FOR_PAIRS(c, map, k, v, key)
    {
        double d;
        if (!strcmp(key, "family") || !strcmp(key, "count"))
            continue; /* handled by the caller */
        else if (!strcmp(key, "slot") && !is_default)
            get_str(c, v, key, m->slot, sizeof m->slot);
        else if (!strcmp(key, "maker"))
            get_str(c, v, key, m->maker, sizeof m->maker);
        else if (!strcmp(key, "model"))
            get_str(c, v, key, m->model, sizeof m->model);
        else if (!strcmp(key, "revision"))
            get_str(c, v, key, m->revision, sizeof m->revision);
        else if (!strcmp(key, "imei") && !is_default) {
            char s[32];
            if (get_str(c, v, key, s, sizeof s) == 0) {
                if (strlen(s) == 15 && strspn(s, "0123456789") == 15)
                    memcpy(m->imei, s, 16); /* its check digit: check_imei, after all keys */
                else
                    err_at(c, v, "imei '%s' is not 15 digits", s);
            }
        } else if (!strcmp(key, "imei_as_written"))
            get_bool(c, v, key, &m->imei_as_written);
        else if (!strcmp(key, "free_space") && get_num(c, v, key, &d) == 0)
            m->free_space = (uint64_t)d;
        else if (!strcmp(key, "total_space") && get_num(c, v, key, &d) == 0)
            m->total_space = (uint64_t)d;
        else if (!strcmp(key, "max_package") && get_num(c, v, key, &d) == 0)
            m->max_package = (uint64_t)d;
        else if (!strcmp(key, "flow_control"))
            get_bool(c, v, key, &m->flow_control);
        else if (!strcmp(key, "cmee"))
            get_int(c, v, key, &m->cmee);
        else if (!strcmp(key, "tls_insecure"))
            get_bool(c, v, key, &m->tls_insecure);
        else if (!strcmp(key, "sim_card"))
            get_bool(c, v, key, &m->sim_card);
        else if (!strcmp(key, "ports") && !(is_default && !m->fam->usb))
            apply_ports(c, m, v); /* a default layout skips the UART modules */
        else if (!strcmp(key, "ports"))
            ;
        else if (!strcmp(key, "ca_file"))
            get_str(c, v, key, m->ca_file, sizeof m->ca_file);
        else if (!strcmp(key, "timing"))
            apply_timing(c, m, v);
        else if (!strcmp(key, "variants"))
            apply_variants(c, m, v);
        else if (!strcmp(key, "faults"))
            apply_faults(c, m, v);
        else if (!strcmp(key, "free_space") || !strcmp(key, "total_space") || !strcmp(key, "max_package"))
            ; /* error already reported */
        else
            err_at(c, k, "unknown key '%s'", key);
    }
}

static yaml_node_t *lookup(ctx_t *c, yaml_node_t *map, const char *name)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    FOR_PAIRS(c, map, k, v, key)
    {
        if (!strcmp(key, name))
            return v;
    }
    return NULL;
}

/* A module's own imei: a valid Luhn check digit unless the scenario opts in to
 * imei_as_written (an unprogrammed module's zeros, a badly programmed one, clones:
 * what refurbished lines see). A count of modules with one imei gets one IMEI each,
 * made from the family's TAC, unless written as is: then they all share it. */
static void check_imei(ctx_t *c, sim_t *s, sim_module_t *m, yaml_node_t *mn, int count)
{
    yaml_node_t *in = lookup(c, mn, "imei");
    if (!in)
        return;
    if (m->imei_as_written)
        return;
    if (count > 1) {
        sim_imei_make(m->imei, m->fam->tac, sim_imei_serial(s, s->n_mods));
        return;
    }
    if (m->imei[0] && !sim_luhn_ok(m->imei))
        err_at(c, in, "imei '%s' has a wrong Luhn check digit (imei_as_written: true takes "
                      "it as written)", m->imei);
}

static void add_modules(ctx_t *c, sim_t *s, yaml_node_t *defaults, yaml_node_t *list)
{
    if (list->type != YAML_SEQUENCE_NODE) {
        err_at(c, list, "'%s' wants a list", "modules");
        return;
    }
    for (yaml_node_item_t *it = list->data.sequence.items.start; it < list->data.sequence.items.top; it++) {
        yaml_node_t *mn = yaml_document_get_node(c->doc, *it);
        if (want_map(c, mn, "modules[]"))
            continue;
        yaml_node_t *fn = lookup(c, mn, "family");
        if (!fn)
            fn = lookup(c, defaults, "family");
        if (!fn) {
            err_at(c, mn, "module has no '%s' (and defaults name none)", "family");
            continue;
        }
        const char *fname = scalar(c, fn, "family");
        const sim_family_t *fam = fname ? sim_family_find(fname) : NULL;
        if (!fam) {
            if (fname)
                err_at(c, fn, "unknown family '%s' (RG50xQ, EG06xK, EC200T, legacy-GSM)", fname);
            continue;
        }
        int count = 1;
        yaml_node_t *cn = lookup(c, mn, "count");
        if (cn && (get_int(c, cn, "count", &count) != 0 || count < 1 || count > 4096)) {
            err_at(c, cn, "'%s' wants 1..4096", "count");
            continue;
        }
        for (int i = 0; i < count; i++) {
            sim_module_t *m = calloc(1, sizeof *m);
            m->sim = s;
            sim_module_defaults(m, fam, s->n_mods);
            if (defaults)
                apply(c, m, defaults, 1);
            apply(c, m, mn, 0);
            if (count > 1 && lookup(c, mn, "slot")) {
                char base[sizeof m->slot];
                snprintf(base, sizeof base, "%s", m->slot);
                snprintf(m->slot, sizeof m->slot, "%.240s-%d", base, (i + 1) % 10000);
            }
            check_imei(c, s, m, mn, count);
            const char *why = sim_layout_build(m);
            if (why) {
                yaml_node_t *pn = lookup(c, mn, "ports");
                err_at(c, pn ? pn : mn, "%s", why);
            }
            for (int j = 0; j < s->n_mods; j++)
                if (!strcmp(s->mods[j]->slot, m->slot))
                    err_at(c, mn, "duplicate slot '%s'", m->slot);
            if (strchr(m->slot, '/'))
                err_at(c, mn, "slot '%s' must not contain '/'", m->slot);
            s->mods = realloc(s->mods, sizeof *s->mods * (size_t)(s->n_mods + 1));
            s->mods[s->n_mods++] = m;
        }
    }
}

int sim_scenario_load(sim_t *s, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s:1:1: cannot open: %s\n", path, strerror(errno));
        return 2;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        fprintf(stderr, "%s:%zu:%zu: %s\n", path, parser.problem_mark.line + 1,
                parser.problem_mark.column + 1, parser.problem ? parser.problem : "YAML error");
        yaml_parser_delete(&parser);
        fclose(f);
        return 2;
    }
    ctx_t c = {.path = path, .doc = &doc};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        fprintf(stderr, "%s:1:1: a scenario is a mapping with 'modules:'\n", path);
        c.failed = 1;
    } else {
        yaml_node_t *defaults = NULL, *modules = NULL;
        FOR_PAIRS(&c, root, k, v, key)
        {
            if (!strcmp(key, "defaults")) {
                if (!want_map(&c, v, key))
                    defaults = v;
            } else if (!strcmp(key, "modules"))
                modules = v;
            else if (!strcmp(key, "name") || !strcmp(key, "description"))
                ;
            else
                err_at(&c, k, "unknown key '%s' (defaults, modules, name, description)", key);
        }
        if (!modules)
            err_at(&c, root, "no '%s' list", "modules");
        else
            add_modules(&c, s, defaults, modules);
        if (!c.failed && s->n_mods == 0)
            err_at(&c, root, "'%s' is empty", "modules");
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return c.failed ? 2 : 0;
}
