/* fota-sim's hub layouts: one module publishes several USB interfaces the way a
 * real Quectel module on a hub does under /dev/serial/by-path/ (DM, NMEA, AT,
 * modem), only the AT and modem ports answer, both on the same module; FOTA
 * commands on two ports are reported as a conflict; a reboot re-creates every
 * interface on new ptys; a module without SIM card boots with NOT INSERTED. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "simclient.h"

#define T 4000
#define HUB "pci-0000:00:14.0-usb-0:1.1.1"
#define HUB2 "pci-0000:00:14.0-usb-0:1.1.2"

static void start_hub(simproc_t *p, const char *family, int links)
{
    memset(p, 0, sizeof *p);
    const char *args[] = {"--count", "1", "--family", family, "--ports-layout", "hub",
                          "--speed", "1000", "--verbose", NULL};
    assert_int_equal(sp_start(p, links, args), 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted link names of the ports directory, joined by spaces. */
static void list_links(simproc_t *p, char *out, size_t cap)
{
    char *names[32];
    int n = 0;
    DIR *d = opendir(p->ports);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) && n < 32)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "", names[i]);
        free(names[i]);
    }
}

static char *read_log(simproc_t *p)
{
    char path[700];
    size_t n;
    snprintf(path, sizeof path, "%s/sim.log", p->dir);
    char *text = (char *)sp_slurp(path, &n);
    assert_non_null(text);
    return text;
}

static void open_if(simproc_t *p, simconn_t *c, const char *hub, int num)
{
    char name[256];
    snprintf(name, sizeof name, "%s:1.%d-port0", hub, num);
    assert_int_equal(sc_open(c, sp_link(p, name)), 0);
}

static void hub_layouts_publish_real_by_path_names(void **state)
{
    (void)state;
    simproc_t p;
    char names[4096];
    start_hub(&p, "RG50xQ", 4);
    list_links(&p, names, sizeof names);
    assert_string_equal(names, HUB ":1.0-port0 " HUB ":1.1-port0 " HUB ":1.2-port0 " HUB ":1.3-port0");
    assert_int_equal(sp_stop(&p), 0);

    start_hub(&p, "EC200T", 3); /* no NMEA interface */
    list_links(&p, names, sizeof names);
    assert_string_equal(names, HUB ":1.0-port0 " HUB ":1.2-port0 " HUB ":1.3-port0");
    assert_int_equal(sp_stop(&p), 0);

    /* scenario: a default hub layout, an explicit list, and today's single link;
     * the default layout passes over the UART module */
    assert_int_equal(sp_start_scenario(&p,
                                       "defaults: {ports: hub}\n"
                                       "modules:\n"
                                       "  - {family: EG06xK}\n"
                                       "  - family: RG50xQ\n"
                                       "    ports: [{interface: 2, role: at}, {interface: 5, role: nmea}]\n"
                                       "  - {family: legacy-GSM, slot: uart-1}\n"
                                       "  - {family: RG50xQ, ports: single}\n",
                                       4 + 2 + 1 + 1),
                     0);
    list_links(&p, names, sizeof names);
    assert_string_equal(names, HUB ":1.0-port0 " HUB ":1.1-port0 " HUB ":1.2-port0 " HUB ":1.3-port0 " HUB2
                               ":1.2-port0 " HUB2 ":1.5-port0 pci-0000:00:14.0-usb-0:1.1.4:1.2 uart-1");
    assert_int_equal(sp_stop(&p), 0);
}

static void only_at_and_modem_answer_for_the_same_module(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t dm, nmea, at, modem;
    start_hub(&p, "RG50xQ", 4);
    open_if(&p, &dm, HUB, 0);
    open_if(&p, &nmea, HUB, 1);
    open_if(&p, &at, HUB, 2);
    open_if(&p, &modem, HUB, 3);

    /* DM swallows everything and never answers */
    assert_int_equal(sc_cmd(&dm, "AT"), 0);
    assert_int_equal(sc_cmd(&dm, "ATI"), 0);
    sc_drain(&dm, 500);
    assert_int_equal(dm.len, 0);

    /* NMEA: sentences with valid checksums, input ignored */
    assert_int_equal(sc_cmd(&nmea, "AT"), 0);
    sc_drain(&nmea, 2300);
    assert_null(strstr(nmea.buf, "OK"));
    int gsv = 0, rmc = 0;
    for (char *s = strchr(nmea.buf, '$'); s; s = strchr(s + 1, '$')) {
        char *star = strchr(s, '*');
        if (!star || star[3] != '\r') /* the last sentence may still be arriving */
            break;
        unsigned cs = 0, want = 0;
        for (char *q = s + 1; q < star; q++)
            cs ^= (unsigned char)*q;
        assert_int_equal(sscanf(star + 1, "%2X", &want), 1);
        assert_int_equal(cs, want);
        gsv += !strncmp(s, "$GPGSV,", 7);
        rmc += !strncmp(s, "$GPRMC,", 7);
    }
    assert_true(gsv >= 1 && rmc >= 1);

    /* AT and modem: the same module */
    char imei[2][16];
    simconn_t *ports[2] = {&at, &modem};
    for (int k = 0; k < 2; k++) {
        assert_int_equal(sc_at(ports[k], "ATI", T), 0);
        assert_non_null(strstr(ports[k]->seen, "\r\nRG500Q-EA\r\n\r\nRevision: RG500QEAAAR11A06M4G\r\n"));
        assert_int_equal(sc_at(ports[k], "AT+GSN", T), 0);
        assert_int_equal(sscanf(ports[k]->seen, "AT+GSN\r\r\n%15[0-9]", imei[k]), 1);
    }
    assert_string_equal(imei[0], imei[1]);
    /* echo is per port; the file store is the module's */
    assert_int_equal(sc_at(&at, "ATE0", T), 0);
    assert_int_equal(sc_at(&modem, "AT", T), 0);
    assert_string_equal(modem.seen, "AT\r\r\nOK\r\n");
    assert_int_equal(sc_at(&at, "AT+QFUPL=\"f.bin\",4", T), 2);
    assert_int_equal(sc_write(&at, "abcd", 4), 0);
    assert_int_equal(sc_expect(&at, "OK\r\n", T), 0);
    assert_int_equal(sc_at(&modem, "AT+QFLST=\"*\"", T), 0);
    assert_non_null(strstr(modem.seen, "+QFLST: \"UFS:f.bin\",4"));
    assert_null(strstr(at.buf, "QFLST")); /* answers go only where the command came from */

    sc_close(&dm);
    sc_close(&nmea);
    sc_close(&at);
    sc_close(&modem);
    assert_int_equal(sp_stop(&p), 0); /* exit 0: no port conflict */
    assert_int_equal(p.status, 0);
}

static void fota_commands_on_two_ports_are_a_conflict(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t at, modem;
    start_hub(&p, "EC200T", 3);
    open_if(&p, &at, HUB, 2);
    open_if(&p, &modem, HUB, 3);
    assert_int_equal(sc_at(&at, "AT+QFDEL=\"*\"", T), 0);
    assert_int_equal(sc_at(&modem, "ATI", T), 0); /* probing is not a conflict */
    assert_int_equal(sc_at(&modem, "AT+QFDEL=\"*\"", T), 0);
    sc_close(&at);
    sc_close(&modem);
    assert_int_equal(sp_stop(&p), 1000); /* fota-sim exits non-zero */
    assert_int_equal(p.status, 4);
    char *log = read_log(&p);
    assert_non_null(strstr(log, "fota-sim: " HUB ": FOTA commands on two ports (" HUB ":1.2-port0 and " HUB
                                ":1.3-port0): AT+QFDEL on the second\n"));
    assert_non_null(strstr(log, "fota-sim: port conflicts: 1\n"));
    free(log);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p.dir);
    assert_int_equal(system(cmd), 0);
}

/* Log time stamps ("<s>.<ms> <slot> [...] port up") after the first "port down". */
static int publish_span_ms(simproc_t *p, int *n_up)
{
    char *log = read_log(p);
    char *s = strstr(log, "] port down");
    assert_non_null(s);
    double first = -1, last = -1;
    *n_up = 0;
    for (char *l = strchr(s, '\n'); l && l[1]; l = strchr(l + 1, '\n')) {
        double t;
        char *e = strchr(l + 1, '\n');
        if (e)
            *e = 0;
        if (strstr(l + 1, "] port up") && sscanf(l + 1, "%lf", &t) == 1) {
            if (first < 0)
                first = t;
            last = t;
            ++*n_up;
        }
        if (e)
            *e = '\n';
    }
    free(log);
    return (int)((last - first) * 1000 + 0.5);
}

static void reboot_recreates_every_interface_on_new_ptys(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t c[4];
    char old[4][256];
    assert_int_equal(sp_start_scenario(&p,
                                       "modules:\n"
                                       "  - {family: RG50xQ, ports: hub, timing: {reboot_s: 5}}\n",
                                       4),
                     0);
    for (int k = 0; k < 4; k++) {
        open_if(&p, &c[k], HUB, k);
        snprintf(old[k], sizeof old[k], "%s", c[k].target);
    }
    assert_int_equal(sc_at(&c[2], "AT+CFUN=1,1", T), 0);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(sc_wait_gone(&c[k], T), 0); /* every interface goes away */
        assert_int_equal(sc_reopen(&c[k], T), 0);
        for (int j = 0; j < 4; j++)
            assert_string_not_equal(c[k].target, old[j]);
    }
    /* boot URCs on the AT port only */
    assert_int_equal(sc_expect(&c[2], "\r\nRDY\r\n", T), 0);
    assert_int_equal(sc_expect(&c[2], "\r\n+QIND: PB DONE\r\n", T), 0);
    sc_drain(&c[3], 300);
    assert_null(strstr(c[3].buf, "RDY"));
    assert_int_equal(sc_at(&c[3], "AT", T), 0);
    for (int k = 0; k < 4; k++)
        sc_close(&c[k]);
    assert_int_equal(sp_stop(&p), 0);
}

static void links_come_back_spread_over_real_time(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t at;
    start_hub(&p, "EG06xK", 4);
    open_if(&p, &at, HUB, 2);
    assert_int_equal(sc_at(&at, "AT+CFUN=1,1", T), 0);
    assert_int_equal(sc_wait_gone(&at, T), 0);
    assert_int_equal(sc_reopen(&at, T), 0);
    sc_close(&at);
    char names[4096];
    for (int tries = 0; tries < 100; tries++) { /* wait for the last of the four */
        int n = 0;
        publish_span_ms(&p, &n);
        if (n == 4)
            break;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    int n_up = 0;
    int span = publish_span_ms(&p, &n_up);
    assert_int_equal(n_up, 4);
    assert_true(span >= 60 && span < 1000); /* three gaps of 20..120 ms */
    list_links(&p, names, sizeof names);
    assert_string_equal(names, HUB ":1.0-port0 " HUB ":1.1-port0 " HUB ":1.2-port0 " HUB ":1.3-port0");
    assert_int_equal(sp_stop(&p), 0);
}

/* A station that chose the modem port: the session's URCs follow it there, the
 * boot URCs stay on the AT port, and one port for everything is no conflict. */
static void fota_over_the_modem_port(void **state)
{
    (void)state;
    simproc_t p;
    simconn_t at, modem;
    assert_int_equal(sp_start_scenario(&p, "modules:\n  - {family: RG50xQ, ports: hub, timing: {reboot_s: 5}}\n", 4),
                     0);
    const char *pkg = sp_mkpkg(&p, "u.bin", "--family RG50xQ --from RG500QEAAAR11A06M4G --to RG500QEAAAR11A07M4G"
                                            " --size 3000");
    assert_non_null(pkg);
    size_t n;
    unsigned char *b = sp_slurp(pkg, &n);
    assert_non_null(b);
    open_if(&p, &at, HUB, 2);
    open_if(&p, &modem, HUB, 3);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "AT+QFUPL=\"u.bin\",%zu,5", n);
    assert_int_equal(sc_at(&modem, cmd, T), 2);
    assert_int_equal(sc_write(&modem, b, n), 0);
    free(b);
    assert_int_equal(sc_expect(&modem, "OK\r\n", T), 0);
    assert_int_equal(sc_at(&modem, "AT+QFOTADL=\"/cache/ufs/u.bin\"", T), 0);
    assert_int_equal(sc_wait_gone(&modem, T), 0);
    assert_int_equal(sc_wait_gone(&at, T), 0);
    assert_int_equal(sc_reopen(&modem, T), 0);
    assert_int_equal(sc_expect(&modem, "\r\n+QIND: \"FOTA\",\"START\"\r\n", T), 0);
    assert_int_equal(sc_expect(&modem, "\r\n+QIND: \"FOTA\",\"END\",0\r\n", T), 0);
    assert_int_equal(sc_wait_gone(&modem, T), 0);
    assert_int_equal(sc_reopen(&modem, T), 0);
    assert_int_equal(sc_reopen(&at, T), 0);
    assert_int_equal(sc_expect(&at, "\r\n+QIND: PB DONE\r\n", T), 0);
    assert_null(strstr(at.seen, "FOTA"));
    assert_int_equal(sc_at(&modem, "AT+QGMR", T), 0);
    assert_non_null(strstr(modem.seen, "RG500QEAAAR11A07M4G_"));
    assert_null(strstr(modem.seen, "RDY"));
    sc_close(&at);
    sc_close(&modem);
    assert_int_equal(sp_stop(&p), 0);
}

/* Every family: RDY and +CPIN: NOT INSERTED, nothing else, on every boot. */
static void no_sim_card_boot(void **state)
{
    (void)state;
    simproc_t p;
    assert_int_equal(sp_start_scenario(&p,
                                       "defaults: {sim_card: false}\n"
                                       "modules:\n"
                                       "  - {family: RG50xQ, slot: rg}\n"
                                       "  - {family: EC200T, slot: ec, ports: hub}\n"
                                       "  - {family: legacy-GSM, slot: gsm}\n",
                                       5),
                     0);
    const char *links[] = {"rg", "ec:1.2-port0", "gsm"};
    for (int k = 0; k < 3; k++) {
        simconn_t c;
        assert_int_equal(sc_open(&c, sp_link(&p, links[k])), 0);
        assert_int_equal(sc_at(&c, "ATE0", T), 0);
        assert_int_equal(sc_at(&c, "AT+CPIN?", T), 1);
        assert_string_equal(c.seen, "\r\n+CME ERROR: 10\r\n");
        assert_int_equal(sc_at(&c, "AT+CFUN=1,1", T), 0);
        if (k < 2) { /* USB: a re-enumeration */
            assert_int_equal(sc_wait_gone(&c, T), 0);
            assert_int_equal(sc_reopen(&c, T), 0);
        }
        assert_int_equal(sc_expect(&c, "+CPIN: NOT INSERTED\r\n", T), 0);
        sc_drain(&c, 400); /* nothing may follow */
        assert_string_equal(c.seen, "\r\nRDY\r\n\r\n+CPIN: NOT INSERTED\r\n");
        assert_int_equal(c.len, 0);
        sc_close(&c);
    }
    assert_int_equal(sp_stop(&p), 0);
}

static void layouts_refused_with_file_line_column(void **state)
{
    (void)state;
    simproc_t p;
    memset(&p, 0, sizeof p);
    char long_slot[251];
    memset(long_slot, 'h', 250);
    long_slot[250] = '\0';
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
                                     "modules:\n"
                                     "  - family: legacy-GSM\n"
                                     "    ports: hub\n"
                                     "  - family: RG50xQ\n"
                                     "    ports: [{interface: 2, role: at}, {interface: 3, role: radio}]\n"
                                     "  - family: EG06xK\n"
                                     "    ports: [{interface: 2, role: modem}]\n"
                                     "  - {family: EC200T, ports: star}\n"
                                     "  - {family: RG50xQ, ports: hub, slot: %s}\n", long_slot);
    const char *path = sp_write_file(&p, "bad.yaml", yaml);
    char cmd[2048], log[1200];
    snprintf(log, sizeof log, "%s/err.txt", p.dir);
    snprintf(cmd, sizeof cmd, "'%s' --ports '%s/ports' --scenario '%s' 2>'%s'", FOTA_SIM_BIN, p.dir, path, log);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
    size_t n;
    char *text = (char *)sp_slurp(log, &n);
    assert_non_null(text);
    assert_non_null(strstr(text, "bad.yaml:3:12: a port layout needs a USB module: legacy-GSM is a UART"));
    assert_non_null(strstr(text, "bad.yaml:5:60: unknown role 'radio' (at, modem, dm, nmea)"));
    assert_non_null(strstr(text, "bad.yaml:7:12: a port layout has exactly one 'at' port"));
    assert_non_null(strstr(text, "bad.yaml:8:29: 'ports' wants hub, single or a list"));
    /* 250 bytes of slot fit a link name, not with ":1.N-port0" after them */
    assert_non_null(strstr(text, "bad.yaml:9:29: the slot is too long for its interfaces' links"));
    free(text);
    snprintf(cmd, sizeof cmd, "'%s' --ports '%s/ports' --count 1 --family legacy-GSM --ports-layout hub 2>'%s'",
             FOTA_SIM_BIN, p.dir, log);
    assert_int_equal(WEXITSTATUS(system(cmd)), 2);
    text = (char *)sp_slurp(log, &n);
    assert_non_null(strstr(text, "legacy-GSM is a UART"));
    free(text);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p.dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hub_layouts_publish_real_by_path_names),
        cmocka_unit_test(only_at_and_modem_answer_for_the_same_module),
        cmocka_unit_test(fota_commands_on_two_ports_are_a_conflict),
        cmocka_unit_test(reboot_recreates_every_interface_on_new_ptys),
        cmocka_unit_test(links_come_back_spread_over_real_time),
        cmocka_unit_test(fota_over_the_modem_port),
        cmocka_unit_test(no_sim_card_boot),
        cmocka_unit_test(layouts_refused_with_file_line_column),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
