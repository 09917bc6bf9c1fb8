/* The module's AT interpreter (command mode): echo, identification, the file
 * store commands and the FOTA entry points of each family. */
#include "sim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Unrelated URCs a busy module prints between a command and its result. */
static const char *const noise_urcs[] = {"+CREG: 1", "+QIND: \"csq\",23,99", "+CGREG: 1"};

void sim_at_final(sim_module_t *m, const char *result)
{
    if (m->f.inject_urcs)
        sim_line(m, "%s", noise_urcs[m->inject_i++ % 3]);
    sim_line(m, "%s", result);
}

void sim_at_cme(sim_module_t *m, int code)
{
    static const struct { int code; const char *text; } texts[] = {
        {3, "operation not allowed"}, {10, "SIM not inserted"}, {14, "SIM busy"}, {400, "invalid input value"}, {405, "file not found"},
        {407, "file already existed"}, {413, "too many files"}, {421, "no space"}};
    char buf[96];
    if (m->cmee == 0) {
        sim_at_final(m, "ERROR");
        return;
    }
    snprintf(buf, sizeof buf, "+CME ERROR: %d", code);
    if (m->cmee == 2)
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
            if (texts[i].code == code)
                snprintf(buf, sizeof buf, "+CME ERROR: %s", texts[i].text);
    sim_at_final(m, buf);
}

static void ok(sim_module_t *m) { sim_at_final(m, "OK"); }
static void error(sim_module_t *m) { sim_at_final(m, "ERROR"); }

/* "quoted" -> out; returns pointer after it, NULL if not a quoted string. */
static const char *arg_str(const char *s, char *out, size_t cap)
{
    while (*s == ' ')
        s++;
    if (*s != '"')
        return NULL;
    const char *e = strchr(s + 1, '"');
    if (!e || (size_t)(e - s - 1) >= cap)
        return NULL;
    memcpy(out, s + 1, (size_t)(e - s - 1));
    out[e - s - 1] = 0;
    return e + 1;
}

static const char *arg_int(const char *s, long *v)
{
    while (*s == ' ' || *s == ',')
        s++;
    if (!isdigit((unsigned char)*s))
        return NULL;
    char *e;
    *v = strtol(s, &e, 10);
    return e;
}

static const char *strip_ufs(const char *name)
{
    return strncasecmp(name, "UFS:", 4) == 0 ? name + 4 : name;
}

static void cmd_qfupl(sim_module_t *m, const char *a)
{
    char name[256];
    long size = 10240, timeout = 5, ack = 0; /* module defaults: 10240 bytes, 5 s */
    const char *s = arg_str(a, name, sizeof name);
    if (!s) {
        sim_at_cme(m, 400);
        return;
    }
    if (*s == ',' && !(s = arg_int(s, &size)))
        return sim_at_cme(m, 400);
    if (s && *s == ',' && !(s = arg_int(s, &timeout)))
        return sim_at_cme(m, 400);
    if (s && *s == ',' && !(s = arg_int(s, &ack)))
        return sim_at_cme(m, 400);
    const char *n = strip_ufs(name);
    if (!*n || strlen(n) > SIM_NAME_MAX || size < 0 || timeout <= 0)
        return sim_at_cme(m, 400); /* names are at most 80 bytes, as on real modules */
    if (sim_file_find(m, n))
        return sim_at_cme(m, 407);
    if ((uint64_t)size + sim_file_used(m) > m->free_space)
        return sim_at_cme(m, 421);
    snprintf(m->upl_name, sizeof m->upl_name, "%s", n);
    m->ack_mode = ack == 1;
    m->upl_timeout_s = (double)timeout;
    sim_log(m, "QFUPL %s %ld bytes", n, size);
    sim_line(m, "CONNECT");
    sim_data_begin(m, SIM_MODE_QFUPL, (size_t)size);
}

static void cmd_qflst(sim_module_t *m)
{
    for (int i = 0; i < SIM_MAX_FILES; i++)
        if (m->files[i].data)
            sim_line(m, "+QFLST: \"UFS:%s\",%zu", m->files[i].name, m->files[i].len);
    ok(m);
}

static void cmd_qfdel(sim_module_t *m, const char *a)
{
    char name[256];
    if (!arg_str(a, name, sizeof name))
        return sim_at_cme(m, 400);
    const char *n = strip_ufs(name);
    if (strcmp(n, "*") == 0) {
        for (int i = 0; i < SIM_MAX_FILES; i++)
            if (m->files[i].data)
                sim_file_delete(m, m->files[i].name);
        return ok(m);
    }
    if (sim_file_delete(m, n) != 0)
        return sim_at_cme(m, 405);
    ok(m);
}

static void set_flow(sim_module_t *m, const char *a)
{
    long rx = 0, tx = 0;
    const char *s = arg_int(a, &rx);
    if (s)
        s = arg_int(s, &tx);
    if (!s)
        return error(m);
    m->flow_control = rx == 2 && tx == 2;
    sim_log(m, "flow control %s", m->flow_control ? "on" : "off");
    ok(m);
}

static void cmd_qcfg(sim_module_t *m, const char *a)
{
    char key[64];
    const char *s = arg_str(a, key, sizeof key);
    if (!s || strcasecmp(key, "usbifc") != 0 || !m->fam->usb)
        return error(m);
    while (*s == ' ')
        s++;
    if (*s == 0 || *s == '?') { /* EC200T FOTA guide §3.3 example reads with AT+QCFG="USBIFC"? */
        sim_line(m, "+QCFG: \"usbifc\",%d,%d", m->flow_control ? 2 : 0, m->flow_control ? 2 : 0);
        return ok(m);
    }
    set_flow(m, s + 1);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = toupper(c);
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void cmd_qfaw(sim_module_t *m, const char *a)
{
    static char hex[2048];
    if (m->fs != -1 || !arg_str(a, hex, sizeof hex))
        return error(m);
    size_t n = strlen(hex);
    if (n == 0 || n % 2 || n / 2 > 450) /* GSM FOTA note §2.3.2: at most 450 bytes per AT+QFAW */
        return error(m);
    uint8_t bin[450];
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return error(m);
        bin[i] = (uint8_t)(hi << 4 | lo);
    }
    sim_buf_add(&m->data, bin, n / 2);
    ok(m);
}

static void identify(sim_module_t *m)
{
    sim_line(m, "%s", m->maker); /* some firmwares print "Quectel_Ltd" */
    sim_line(m, "%s", m->model);
    sim_line(m, "Revision: %s", m->revision);
    ok(m);
}

/* A module still printing its boot URCs answers AT, ATI and AT+GSN but refuses the
 * commands that start a FOTA (observed; docs/simulator.md, boot_busy_s). */
static int booting_refuses(const char *name)
{
    static const char *const cmds[] = {"+QFOTADL", "+QFUPL", "+QFUA", "+QFAI"};
    for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++)
        if (!strcmp(name, cmds[k]))
            return 1;
    return 0;
}

/* The ident_errors fault: this identification command (kind SIM_IDENT_*) answers
 * +CME ERROR: <code> (in the module's CMEE style) while the fault's count lasts;
 * the count runs across all the module's ports. 1: answered. */
static int ident_fault(sim_module_t *m, int kind)
{
    sim_faults_t *f = &m->f;
    if (!f->ident_err_cmd || !f->ident_err_count)
        return 0;
    if (f->ident_err_cmd != SIM_IDENT_ANY && f->ident_err_cmd != kind)
        return 0;
    if (f->ident_err_count > 0)
        f->ident_err_count--;
    sim_log(m, "identification refused: +CME ERROR: %d", f->ident_err_code);
    sim_at_cme(m, f->ident_err_code);
    return 1;
}

static void exec_line(sim_module_t *m, char *line)
{
    while (*line == ' ')
        line++;
    size_t len = strlen(line);
    while (len > 0 && line[len - 1] == ' ')
        line[--len] = 0;
    if (len == 0)
        return;
    if (len < 2 || strncasecmp(line, "AT", 2) != 0)
        return error(m);
    sim_log(m, "<- %s", line);
    char *c = line + 2;
    /* split "+NAME" from its "=args" / "?" */
    char name[32];
    size_t k = 0;
    while (c[k] && c[k] != '=' && c[k] != '?' && k < sizeof name - 1) {
        name[k] = (char)toupper((unsigned char)c[k]);
        k++;
    }
    name[k] = 0;
    const char *rest = c + k;
    int is_set = rest[0] == '=' && rest[1] != '?';
    int is_test = rest[0] == '=' && rest[1] == '?';
    int is_read = rest[0] == '?';
    const char *args = is_set ? rest + 1 : "";
    int usb = m->fam->usb;
    if (!is_test && !is_read && m->n_ifs > 1)
        sim_layout_fota_cmd(m, name); /* evidence: FOTA commands on two ports */

    if (!strcmp(name, "") && !*rest)
        return ok(m);
    if (!strcmp(name, "E0") || !strcmp(name, "E") || !strcmp(name, "E1")) {
        if (!m->f.echo_stuck) /* fault: ATE0 acknowledged, echo stays on */
            m->cur->echo = name[1] == '1'; /* per port, as on a real module */
        return ok(m);
    }
    if (!strcmp(name, "I") || !strcmp(name, "I0"))
        return ident_fault(m, SIM_IDENT_ATI) ? (void)0 : identify(m);
    if (!strcmp(name, "V1") || !strcmp(name, "Q0") || !strcmp(name, "&F") || !strcmp(name, "&W") ||
        !strcmp(name, "&D2") || !strcmp(name, "Z"))
        return ok(m);
    if ((!strcmp(name, "+GSN") || !strcmp(name, "+CGSN")) && !is_set) {
        if (ident_fault(m, SIM_IDENT_GSN))
            return;
        if (m->f.imei_errors > 0) { /* the fault counts down across all its ports */
            m->f.imei_errors--;
            return error(m);
        }
        sim_line(m, "%s", m->imei);
        return ok(m);
    }
    if (!strcmp(name, "+QGMR")) {
        if (ident_fault(m, SIM_IDENT_QGMR))
            return;
        /* real modules: AT+QGMR adds a suffix (RM510QGLAAR11A03M4G_01.001.01.001) */
        sim_line(m, usb ? "%s_01.001.01.001" : "%s", m->revision);
        return ok(m);
    }
    if (!strcmp(name, "+CGMR") || !strcmp(name, "+GMR")) {
        sim_line(m, "Revision: %s", m->revision);
        return ok(m);
    }
    if (!strcmp(name, "+CGMI") || !strcmp(name, "+GMI")) {
        sim_line(m, "%s", m->maker);
        return ok(m);
    }
    if (!strcmp(name, "+CGMM") || !strcmp(name, "+GMM")) {
        sim_line(m, "%s", m->model);
        return ok(m);
    }
    if (!strcmp(name, "+CMEE")) {
        if (is_read) {
            sim_line(m, "+CMEE: %d", m->cmee);
            return ok(m);
        }
        long v;
        if (is_test) {
            sim_line(m, "+CMEE: (0-2)");
            return ok(m);
        }
        if (!arg_int(args, &v) || v < 0 || v > 2)
            return error(m);
        m->cmee = (int)v;
        return ok(m);
    }
    if (!strcmp(name, "+CPIN") && is_read) {
        if (!m->sim_card)
            return sim_at_cme(m, 10); /* 3GPP TS 27.007: SIM not inserted */
        sim_line(m, "+CPIN: READY");
        return ok(m);
    }
    if (!strcmp(name, "+CFUN") && is_read) {
        sim_line(m, "+CFUN: 1");
        return ok(m);
    }
    if (!strcmp(name, "+CFUN") && is_set && !strcmp(args, "1,1") && m->fs == 0) {
        ok(m); /* full functionality with reset: a plain reboot, re-enumerated on USB */
        sim_fota_reboot(m);
        return;
    }
    if (!strcmp(name, "+CSQ")) {
        sim_line(m, "+CSQ: 23,99");
        return ok(m);
    }
    if (!strcmp(name, "+IFC")) {
        if (is_read) {
            sim_line(m, "+IFC: %d,%d", m->flow_control ? 2 : 0, m->flow_control ? 2 : 0);
            return ok(m);
        }
        return is_set ? set_flow(m, args) : error(m);
    }
    if (!strcmp(name, "+QCFG") && is_set)
        return cmd_qcfg(m, args);
    if (sim_fota_booting(m) && booting_refuses(name)) {
        sim_log(m, "still booting: AT%s refused", name);
        return error(m);
    }
    if (!strcmp(name, "+QFOTADL") && usb) {
        if (is_test)
            return ok(m); /* RG50xQ FOTA note §3.3 test command: OK */
        if (!is_set || sim_fota_command(m, args) != 0)
            return error(m);
        return;
    }
    if (!strcmp(name, "+QFUPL") && is_set)
        return cmd_qfupl(m, args);
    if (!strcmp(name, "+QFLST"))
        return cmd_qflst(m);
    if (!strcmp(name, "+QFDEL") && is_set)
        return cmd_qfdel(m, args);
    if (!strcmp(name, "+QFLDS")) {
        uint64_t used = sim_file_used(m);
        uint64_t free_b = m->free_space > used ? m->free_space - used : 0;
        sim_line(m, "+QFLDS: %llu,%llu", (unsigned long long)free_b, (unsigned long long)m->total_space);
        return ok(m);
    }
    if (!usb && !strcmp(name, "+QFUA") && !*rest) {
        /* GSM FOTA note §2.3.1: OK, then CONNECT, then raw data until +++ */
        ok(m);
        sim_line(m, "CONNECT");
        sim_data_begin(m, SIM_MODE_QFUA, 0);
        return;
    }
    if (!usb && !strcmp(name, "+QFAI") && !*rest) {
        m->data.len = 0;
        m->fs = -1; /* collecting AT+QFAW chunks */
        return ok(m);
    }
    if (!usb && !strcmp(name, "+QFAW") && is_set)
        return cmd_qfaw(m, args);
    if (!usb && !strcmp(name, "+QFAU") && !*rest) {
        if (m->fs != -1)
            return error(m);
        ok(m);
        uint8_t *p = m->data.p;
        size_t n = m->data.len;
        m->data.p = NULL;
        m->data.len = m->data.cap = 0;
        m->fs = 0;
        m->mode = SIM_MODE_BUSY;
        sim_fota_legacy_start(m, p, n);
        return;
    }
    error(m);
}

void sim_at_input(sim_module_t *m, const uint8_t *p, size_t n)
{
    sim_if_t *in = m->cur; /* each port assembles its own command line */
    uint8_t echo[4096];
    size_t ne = 0;
    /* hang: every byte is read and nothing answers, not even the echo */
    if (m->f.hang == SIM_HANG_FOREVER || (m->f.hang == SIM_HANG_UNTIL_POWER_CYCLE && !m->power_cycled))
        return;
    for (size_t i = 0; i < n; i++) {
        if (m->mode != SIM_MODE_CMD) {
            if (ne)
                sim_out(m, echo, ne);
            ne = 0;
            if (m->mode == SIM_MODE_QFUPL || m->mode == SIM_MODE_FILE || m->mode == SIM_MODE_QFUA)
                sim_data_input(m, p + i, n - i);
            return;
        }
        uint8_t c = p[i];
        if (in->echo && ne < sizeof echo)
            echo[ne++] = c;
        if (c == '\r') {
            if (ne)
                sim_out(m, echo, ne);
            ne = 0;
            in->line[in->line_len] = 0;
            int overflow = in->line_overflow;
            in->line_len = 0;
            in->line_overflow = 0;
            if (overflow)
                error(m);
            else
                exec_line(m, in->line);
        } else if (c == '\n' || c == 0) {
            continue;
        } else if (c == 0x08 || c == 0x7f) {
            if (in->line_len)
                in->line_len--;
        } else if (in->line_len < sizeof in->line - 1) {
            in->line[in->line_len++] = (char)c;
        } else {
            in->line_overflow = 1;
        }
    }
    if (ne)
        sim_out(m, echo, ne);
}
