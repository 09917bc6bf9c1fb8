/* `fota-station port`: which slots are out of service in a results file, and
 * putting one back (or taking one out) without running the line:
 *   port list --db FILE            every slot whose state was ever changed
 *   port enable SLOT --db FILE     back in service (the next run uses it)
 *   port disable SLOT --db FILE    out of service
 * SLOT is the hub port as the log names it, or the label the dashboard shows
 * (1.3.2) when one listed slot has it. A running station reads the file at start
 * only: x on its dashboard acts at once. */
#include "port_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "fota_types.h"
#include "store.h"
#include "store_ports.h"

enum { PORTS_MAX = 4096 };

static int usage(FILE *f)
{
    fprintf(f, "usage: fota-station port list --db FILE\n"
               "       fota-station port enable SLOT --db FILE\n"
               "       fota-station port disable SLOT --db FILE\n"
               "\n"
               "  --db FILE   results database\n"
               "  SLOT        the hub port, or its label as the dashboard shows it (1.3.2)\n");
    return f == stdout ? 0 : 2;
}

static const char *short_label(const char *slot)
{
    const char *p = strstr(slot, "-usb-0:");
    return p && p[7] ? p + 7 : slot;
}

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int port_list(fota_store_t *s, const char *db)
{
    fota_store_port_t *p = calloc(PORTS_MAX, sizeof *p);
    int n = p ? fota_store_port_list(s, false, p, PORTS_MAX) : FOTA_E_NOMEM;
    if (n < 0) {
        fprintf(stderr, "fota-station port: cannot read %s\n", db);
        free(p);
        return 1;
    }
    if (n == 0)
        printf("every slot is in service in %s\n", db);
    else
        printf("%-12s %-15s %-24s %s\n", "SLOT", "STATE", "SINCE", "WHY / HUB PORT");
    for (int i = 0; i < n && i < PORTS_MAX; i++)
        printf("%-12s %-15s %-24s %s%s%s\n", short_label(p[i].slot),
               p[i].off ? "out of service" : "in service", p[i].changed_at,
               p[i].reason[0] ? p[i].reason : p[i].off ? "operator" : "-", "  ", p[i].slot);
    free(p);
    return 0;
}

/* The slot as stored: its full name, or the one listed slot with that label. */
static int port_resolve(fota_store_t *s, const char *arg, char *out, size_t cap)
{
    fota_store_port_t *p = calloc(PORTS_MAX, sizeof *p);
    int n = p ? fota_store_port_list(s, false, p, PORTS_MAX) : FOTA_E_NOMEM;
    int found = 0;
    snprintf(out, cap, "%s", arg);
    for (int i = 0; i < n && i < PORTS_MAX; i++) {
        if (!strcmp(p[i].slot, arg)) {
            found = 1;
            break;
        }
        if (!strcmp(short_label(p[i].slot), arg)) {
            snprintf(out, cap, "%s", p[i].slot);
            found++;
        }
    }
    free(p);
    if (n < 0)
        return -1;
    return found;
}

int fota_port_cli_main(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : NULL, *slot = NULL, *db = NULL;
    if (sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h")))
        return usage(stdout);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else if (argv[i][0] != '-' && !slot)
            slot = argv[i];
        else
            return usage(stderr);
    }
    bool list = sub && !strcmp(sub, "list");
    bool enable = sub && !strcmp(sub, "enable"), disable = sub && !strcmp(sub, "disable");
    if (!db || !(list || enable || disable) || (list == (slot != NULL)))
        return usage(stderr);
    fota_store_t *s;
    char err[512];
    if (fota_store_open(db, &s, err, sizeof err) < 0) {
        fprintf(stderr, "fota-station port: %s: %s\n", db, err);
        return 2;
    }
    int rc = 0;
    if (list) {
        rc = port_list(s, db);
    } else {
        char name[256];
        int found = port_resolve(s, slot, name, sizeof name);
        if (found > 1) {
            fprintf(stderr, "fota-station port: %s names %d slots in %s: give the hub port "
                            "(fota-station port list)\n", slot, found, db);
            rc = 2;
        } else if (found <= 0 && strspn(slot, "0123456789.") == strlen(slot)) {
            /* a label alone names no slot this file knows: the hub port is needed */
            fprintf(stderr, "fota-station port: no slot labelled %s in %s: give the hub port "
                            "as the log names it (pci-…-usb-0:%s)\n", slot, db, slot);
            rc = 2;
        } else if (found <= 0 && enable) {
            fprintf(stderr, "fota-station port: %s is not out of service in %s "
                            "(fota-station port list)\n", slot, db);
            rc = 2;
        } else if (fota_store_port_set(s, name, disable, NULL, wall_ms()) < 0) {
            fprintf(stderr, "fota-station port: cannot write %s\n", db);
            rc = 1;
        } else {
            printf("%s: %s\n", name, disable ? "out of service" : "back in service");
        }
    }
    fota_store_close(s);
    return rc;
}
