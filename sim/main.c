/* fota-sim: a line of simulated Quectel modules, one pseudo-terminal each,
 * published as DIR/<slot> -> /dev/pts/N (docs/simulator.md). */
#include "sim.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FOTA_VERSION
#define FOTA_VERSION "unknown"
#endif

static void usage(FILE *f)
{
    fputs("usage: fota-sim --ports DIR --scenario SCENARIO.yaml [--speed F] [--data-rate B|max]\n"
          "                [--imei-base N] [--control FIFO] [--verbose]\n"
          "       fota-sim --ports DIR --count N --family NAME [--revision REV] [--model M]\n"
          "                [--ports-layout hub|single] [--speed F] [--data-rate B|max]\n"
          "                [--imei-base N] [--control FIFO] [--verbose]\n"
          "       fota-sim mkpkg --family F [--from REV] --to REV [--size BYTES] [--corrupt] -o FILE\n"
          "\n"
          "Creates one pseudo-terminal per simulated module and links it as DIR/<slot>,\n"
          "the shape of /dev/serial/by-path/. Runs until SIGINT/SIGTERM, then removes\n"
          "its links. Families: RG50xQ, EG06xK, EC200T, legacy-GSM.\n"
          "  --speed F    divide every module delay by F (a 15-minute upgrade in seconds)\n"
          "  --data-rate B|max  bytes/s every module stores in data mode (scaled by\n"
          "               --speed like the scenario's data_rate); max: no limit but the pty's\n"
          "  --verbose    one line per module event on stdout\n"
          "  --imei-base N  generated IMEIs get serial numbers N, N+1, ... (0..999999;\n"
          "               still Luhn-valid): a new batch is new modules to a station\n"
          "  --control FIFO  read commands from this FIFO (made if missing) while running:\n"
          "               'unplug N' pulls module N (1 = the first) or slot N off the line,\n"
          "               'plug N' puts it back (a normal boot on new ptys)\n"
          "  --version    print the version (git description of the build) and exit\n"
          "  --ports-layout hub  every module publishes its family's USB interfaces\n"
          "               (DM, NMEA, AT, modem) as <hub port>:1.<n>-port0\n"
          "Exit status 4: FOTA commands reached two ports of one module (see stderr).\n"
          "The scenario format: simulator.md in share/doc/fota-station (docs/ in the source).\n",
          f);
}

static void free_all(sim_t *s)
{
    for (int i = 0; i < s->n_mods; i++) {
        sim_module_t *m = s->mods[i];
        for (int k = 0; k < SIM_MAX_FILES; k++)
            free(m->files[k].data);
        free(m->pkg);
        for (int k = 0; k < m->n_ifs; k++)
            sim_buf_free(&m->ifs[k].out);
        sim_buf_free(&m->data);
        free(m);
    }
    free(s->mods);
    s->mods = NULL;
    s->n_mods = 0;
}

static void stop(sim_t *s)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    s->abort_fetch = 1;
    for (int i = 0; i < s->n_mods; i++)
        sim_module_close(s->mods[i]);
    uv_close((uv_handle_t *)&s->sig_int, NULL);
    uv_close((uv_handle_t *)&s->sig_term, NULL);
    sim_control_close(s);
}

static void signal_cb(uv_signal_t *h, int signum)
{
    (void)signum;
    stop(h->data);
}

static int add_count(sim_t *s, int n, const char *family, const char *rev, const char *model,
                     const char *layout)
{
    const sim_family_t *f = sim_family_find(family);
    if (!f) {
        fprintf(stderr, "fota-sim: unknown family '%s' (RG50xQ, EG06xK, EC200T, legacy-GSM)\n", family);
        return 2;
    }
    sim_layout_kind_t kind = SIM_LAYOUT_SINGLE;
    if (layout && sim_layout_parse_name(layout, &kind) != 0) {
        fprintf(stderr, "fota-sim: --ports-layout wants hub or single, got '%s'\n", layout);
        return 2;
    }
    s->mods = calloc((size_t)n, sizeof *s->mods);
    for (int i = 0; i < n; i++) {
        sim_module_t *m = calloc(1, sizeof *m);
        m->sim = s;
        sim_module_defaults(m, f, i);
        if (rev)
            snprintf(m->revision, sizeof m->revision, "%s", rev);
        if (model)
            snprintf(m->model, sizeof m->model, "%s", model);
        s->mods[s->n_mods++] = m;
        m->layout = kind;
        const char *why = sim_layout_build(m);
        if (why) {
            fprintf(stderr, "fota-sim: --ports-layout %s: %s\n", layout, why);
            return 2;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "mkpkg") == 0)
        return sim_mkpkg_main(argc - 1, argv + 1);
    static const struct option opts[] = {
        {"ports", required_argument, 0, 'p'},   {"scenario", required_argument, 0, 's'},
        {"count", required_argument, 0, 'n'},   {"family", required_argument, 0, 'f'},
        {"revision", required_argument, 0, 'r'}, {"model", required_argument, 0, 'm'},
        {"speed", required_argument, 0, 'S'},   {"verbose", no_argument, 0, 'v'},
        {"ports-layout", required_argument, 0, 'L'}, {"data-rate", required_argument, 0, 'D'},
        {"imei-base", required_argument, 0, 'I'}, {"control", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},          {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0}};
    const char *ports = NULL, *scenario = NULL, *family = NULL, *rev = NULL, *model = NULL;
    const char *layout = NULL, *control = NULL;
    long imei_base = -1;
    int count = -1, verbose = 0, c;
    double speed = 1, data_rate = 0;
    int data_max = 0;
    while ((c = getopt_long(argc, argv, "p:s:n:f:r:m:S:L:D:I:C:vh", opts, NULL)) != -1) {
        char *e;
        switch (c) {
        case 'p': ports = optarg; break;
        case 's': scenario = optarg; break;
        case 'n':
            count = (int)strtol(optarg, &e, 10);
            if (*e || count < 1 || count > 4096) {
                fprintf(stderr, "fota-sim: --count wants 1..4096, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'f': family = optarg; break;
        case 'r': rev = optarg; break;
        case 'm': model = optarg; break;
        case 'S':
            speed = strtod(optarg, &e);
            if (*e || !(speed > 0)) {
                fprintf(stderr, "fota-sim: --speed wants a positive number, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'L': layout = optarg; break;
        case 'D':
            if (strcmp(optarg, "max") == 0) {
                data_max = 1;
                break;
            }
            data_rate = strtod(optarg, &e);
            if (*e || !(data_rate > 0)) {
                fprintf(stderr, "fota-sim: --data-rate wants bytes/s or max, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'I':
            errno = 0;
            imei_base = strtol(optarg, &e, 10);
            if (errno || *e || e == optarg || imei_base < 0 || imei_base > 999999) {
                fprintf(stderr, "fota-sim: --imei-base wants 0..999999, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 'C': control = optarg; break;
        case 'v': verbose = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': puts("fota-sim " FOTA_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!ports || (!scenario && (count < 0 || !family)) || (scenario && count >= 0) ||
        (scenario && layout) || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (mkdir(ports, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "fota-sim: cannot create %s: %s\n", ports, strerror(errno));
        return 3;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    sim_t sim;
    memset(&sim, 0, sizeof sim);
    sim.loop = uv_default_loop();
    sim.speed = speed;
    sim.data_rate = data_rate;
    sim.data_max = data_max;
    sim.verbose = verbose;
    snprintf(sim.ports_dir, sizeof sim.ports_dir, "%s", ports);
    sim.t0_ms = uv_now(sim.loop);
    sim.imei_base = imei_base;
    sim.control_fd = -1;
    int rc = scenario ? sim_scenario_load(&sim, scenario) : add_count(&sim, count, family, rev, model, layout);
    if (rc == 0 && imei_base >= 0 && imei_base + sim.n_mods > 1000000) {
        fprintf(stderr, "fota-sim: --imei-base %ld leaves no serial number for %d modules "
                        "(the last is 999999)\n", imei_base, sim.n_mods);
        rc = 2;
    }
    if (rc != 0) {
        free_all(&sim);
        return rc;
    }
    /* before the first link appears: a SIGTERM right after it must still clean up */
    uv_signal_init(sim.loop, &sim.sig_int);
    uv_signal_init(sim.loop, &sim.sig_term);
    sim.sig_int.data = sim.sig_term.data = &sim;
    uv_signal_start(&sim.sig_int, signal_cb, SIGINT);
    uv_signal_start(&sim.sig_term, signal_cb, SIGTERM);
    for (int i = 0; i < sim.n_mods; i++) {
        if (sim_module_init(sim.mods[i]) != 0) {
            fprintf(stderr, "fota-sim: cannot create a pseudo-terminal: %s\n", strerror(errno));
            stop(&sim);
            uv_run(sim.loop, UV_RUN_DEFAULT);
            return 3;
        }
    }
    /* after the modules: stop() closes their handles, which exist from here on */
    if (control && sim_control_open(&sim, control) != 0) {
        stop(&sim);
        uv_run(sim.loop, UV_RUN_DEFAULT);
        free_all(&sim);
        return 2;
    }
    printf("fota-sim: %d modules in %s (speed %g)\n", sim.n_mods, ports, speed);
    uv_run(sim.loop, UV_RUN_DEFAULT);
    free_all(&sim);
    uv_loop_close(sim.loop);
    curl_global_cleanup();
    /* the safety evidence for a test: zero means no module ever saw FOTA
     * commands on two of its ports */
    fprintf(stderr, "fota-sim: port conflicts: %d\n", sim.conflicts);
    return sim.conflicts ? 4 : 0;
}
