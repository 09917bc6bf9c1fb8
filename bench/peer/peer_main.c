/* fota-peer: upgrades every module linked in a ports folder, one thread each.
 *
 *   fota-peer --ports DIR --family F --method M --to REV --package FILE
 *             [--url URL] [--name UPLOAD_NAME] [--guard-ms N] [--line-rate BYTES_PER_S]
 *             [--timeout S] [--links FILE]
 *
 * --links FILE: only the links listed in FILE (one path a line) instead of every
 * link in DIR, so that several peers can share one mixed line.
 * Prints one line per module, tab-separated:
 *   PEER <link> <imei> PASS|FAIL <duration_ms> <reason>
 * where duration runs from opening the port to the verified revision (the span
 * fota-station's attempts.duration_ms covers). Exit 0 when every module passed. */
#define _GNU_SOURCE
#include "peer.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const peer_family_t FAMILIES[] = {
    {"RG50xQ", "/cache/ufs/", "+QIND: PB DONE", 1},
    {"EG06xK", "/usrdata/cache/ufs/", "+QIND: PB DONE", 1},
    {"EC200T", NULL, "+QIND: PB DONE", 1},
    {"legacy-GSM", NULL, "SMS Ready", 0},
};

typedef struct {
    const peer_job_t *job;
    peer_port_t port;
    char imei[64];
    char reason[256];
    int rc;
    uint64_t ms;
} module_t;

static void *module_run(void *arg)
{
    module_t *m = arg;
    uint64_t t0 = peer_now_ms();
    m->rc = -1;
    if (peer_port_open(&m->port, m->job->timeout_s * 1000u) != PEER_OK)
        snprintf(m->reason, sizeof m->reason, "cannot open %s", m->port.link);
    else
        m->rc = peer_upgrade(m->job, &m->port, m->imei, sizeof m->imei, m->reason, sizeof m->reason);
    m->ms = peer_now_ms() - t0;
    peer_port_close(&m->port);
    return NULL;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = NULL;
    size_t cap = 0, n = 0, r;
    do {
        if (n == cap) {
            uint8_t *nb = realloc(b, cap = cap ? cap * 2 : 65536);
            if (!nb) {
                free(b);
                fclose(f);
                return NULL;
            }
            b = nb;
        }
        r = fread(b + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    *len = n;
    return b;
}

static int usage(void)
{
    fprintf(stderr, "usage: fota-peer --ports DIR --family F --method local|url|stream|qfua|qfaw "
                    "--to REV --package FILE [--url URL] [--name NAME] [--guard-ms N] "
                    "[--line-rate B/s] [--timeout S]\n");
    return 2;
}

static const char *links_file;

static int parse(int argc, char **argv, peer_job_t *j, const char **ports, const char **pkg)
{
    const char *family = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--ports")) *ports = v;
        else if (!strcmp(k, "--family")) family = v;
        else if (!strcmp(k, "--method")) j->method = v;
        else if (!strcmp(k, "--to")) j->to = v;
        else if (!strcmp(k, "--package")) *pkg = v;
        else if (!strcmp(k, "--url")) j->url = v;
        else if (!strcmp(k, "--name")) j->upload_name = v;
        else if (!strcmp(k, "--guard-ms")) j->guard_ms = (unsigned)atoi(v);
        else if (!strcmp(k, "--line-rate")) j->line_rate = atof(v);
        else if (!strcmp(k, "--timeout")) j->timeout_s = (unsigned)atoi(v);
        else if (!strcmp(k, "--links")) links_file = v;
        else return -1;
    }
    for (size_t i = 0; family && i < sizeof FAMILIES / sizeof FAMILIES[0]; i++)
        if (!strcmp(FAMILIES[i].name, family))
            j->family = &FAMILIES[i];
    if (!*ports || !j->family || !j->method || !j->to || !*pkg)
        return -1;
    if (!strcmp(j->method, "url") && !j->url)
        return -1;
    if (!strcmp(j->method, "local") && !j->family->local_dir)
        return -1;
    return 0;
}

static int add_module(module_t **mods, size_t *n, const peer_job_t *j, const char *dir,
                      const char *name)
{
    module_t *nm = realloc(*mods, (*n + 1) * sizeof **mods);
    if (!nm)
        return -1;
    *mods = nm;
    memset(&nm[*n], 0, sizeof nm[*n]);
    nm[*n].job = j;
    snprintf(nm[*n].port.link, sizeof nm[*n].port.link, "%s%s%s", dir, dir[0] ? "/" : "", name);
    (*n)++;
    return 0;
}

/* Every link in the ports folder, or those --links names. */
static module_t *list_modules(const char *ports, const peer_job_t *j, size_t *count)
{
    module_t *mods = NULL;
    *count = 0;
    if (links_file) {
        FILE *f = fopen(links_file, "r");
        char line[4096];
        while (f && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = 0;
            if (line[0] && add_module(&mods, count, j, "", line) != 0)
                break;
        }
        if (f)
            fclose(f);
        return mods;
    }
    DIR *dir = opendir(ports);
    if (!dir)
        return NULL;
    struct dirent *e;
    while ((e = readdir(dir)))
        if (e->d_name[0] != '.' && add_module(&mods, count, j, ports, e->d_name) != 0)
            break;
    closedir(dir);
    return mods;
}

int main(int argc, char **argv)
{
    peer_job_t job = {.upload_name = "fota-peer.bin", .guard_ms = 1000, .timeout_s = 120};
    const char *ports = NULL, *pkg_path = NULL;
    if (argc % 2 == 0 || parse(argc, argv, &job, &ports, &pkg_path) != 0)
        return usage();
    uint8_t *pkg = read_file(pkg_path, &job.pkg_len);
    if (!pkg) {
        fprintf(stderr, "fota-peer: %s: %s\n", pkg_path, strerror(errno));
        return 3;
    }
    job.pkg = pkg;
    size_t n = 0;
    module_t *mods = list_modules(ports, &job, &n);
    if (!mods || n == 0) {
        fprintf(stderr, "fota-peer: no modules in %s\n", ports);
        return 3;
    }
    pthread_t *th = calloc(n, sizeof *th);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (size_t i = 0; i < n; i++)
        if (pthread_create(&th[i], &attr, module_run, &mods[i]) != 0) {
            fprintf(stderr, "fota-peer: cannot start thread %zu\n", i);
            return 3;
        }
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        failed += mods[i].rc != 0;
        printf("PEER\t%s\t%s\t%s\t%llu\t%s\n", mods[i].port.link, mods[i].imei[0] ? mods[i].imei : "-",
               mods[i].rc == 0 ? "PASS" : "FAIL", (unsigned long long)mods[i].ms, mods[i].reason);
    }
    free(th);
    free(mods);
    free(pkg);
    return failed ? 1 : 0;
}
