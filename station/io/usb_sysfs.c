/* USB devices from sysfs (usb_sysfs.h). */
#include "usb_sysfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fota_types.h"
#include "util.h"

static const char *usb_root(void)
{
    const char *r = getenv("FOTA_SYSFS_ROOT");
    return r && r[0] ? r : "";
}

/* One attribute's first line, "" when absent. */
static void usb_attr(const char *dir, const char *name, char *out, size_t n)
{
    char path[PATH_MAX];
    out[0] = '\0';
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    if (fgets(out, (int)n, f))
        out[strcspn(out, "\r\n")] = '\0';
    fclose(f);
}

static long usb_attr_num(const char *dir, const char *name, int base, long none)
{
    char v[32];
    usb_attr(dir, name, v, sizeof v);
    char *end;
    long x = strtol(v, &end, base);
    return v[0] && end != v ? x : none;
}

static void usb_uevent_driver(const char *dir, char *out, size_t n)
{
    char path[PATH_MAX], line[256];
    if (snprintf(path, sizeof path, "%s/uevent", dir) >= (int)sizeof path)
        return;
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "DRIVER=", 7) == 0) {
            line[strcspn(line, "\r\n")] = '\0';
            fota_copy(out, n, line + 7);
            break;
        }
    fclose(f);
}

/* The controller is the parent of the root hub: ".../0000:00:14.0/usb1/1-1/1-1.4". */
static void usb_controller(fota_usb_dev_t *d, const char *dir)
{
    char real[PATH_MAX], rh[32];
    if (!realpath(dir, real))
        return;
    snprintf(rh, sizeof rh, "/usb%d/", d->bus);
    char *p = strstr(real, rh);
    if (!p && d->root_hub) {
        snprintf(rh, sizeof rh, "/usb%d", d->bus);
        size_t l = strlen(real), k = strlen(rh);
        p = l >= k && strcmp(real + l - k, rh) == 0 ? real + l - k : NULL;
    }
    if (!p)
        return;
    *p = '\0';
    char *name = strrchr(real, '/');
    fota_copy(d->controller, sizeof d->controller, name ? name + 1 : real);
    char drv[PATH_MAX], link[PATH_MAX];
    if (snprintf(link, sizeof link, "%s/driver", real) >= (int)sizeof link)
        return;
    ssize_t k = readlink(link, drv, sizeof drv - 1);
    if (k > 0) {
        drv[k] = '\0';
        char *b = strrchr(drv, '/');
        fota_copy(d->driver, sizeof d->driver, b ? b + 1 : drv);
        return;
    }
    usb_uevent_driver(real, d->driver, sizeof d->driver); /* no driver link: its uevent */
}

/* udev's by-path name of the device: "pci-<address>-usb-0:<ports>". */
static void usb_slot_name(fota_usb_dev_t *d)
{
    const char *ports = strchr(d->sysname, '-');
    if (d->root_hub || !ports || !d->controller[0])
        return;
    bool pci = strchr(d->controller, ':') != NULL;
    snprintf(d->slot, sizeof d->slot, "%s%s-usb-0:%s", pci ? "pci-" : "platform-",
             d->controller, ports + 1);
}

static int usb_cmp(const void *a, const void *b)
{
    return strcmp(((const fota_usb_dev_t *)a)->sysname, ((const fota_usb_dev_t *)b)->sysname);
}

int fota_usb_list(fota_usb_dev_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    const char *root = usb_root();
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s/sys/bus/usb/devices", root);
    DIR *dir = opendir(base);
    if (!dir)
        return errno == ENOENT ? 0 : fota_error_from_errno(errno);
    fota_usb_dev_t *v = NULL;
    size_t cap = 0, k = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(dir))) {
        const char *nm = e->d_name;
        bool rh = strncmp(nm, "usb", 3) == 0 && isdigit((unsigned char)nm[3]);
        /* "1-1.4" is a device, "1-1.4:1.2" one of its interfaces */
        if (!rh && (!isdigit((unsigned char)nm[0]) || strchr(nm, ':')))
            continue;
        if (k == cap) {
            size_t c = cap ? cap * 2 : 16;
            fota_usb_dev_t *nv = realloc(v, c * sizeof *nv);
            if (!nv) {
                rc = FOTA_E_NOMEM;
                break;
            }
            v = nv;
            cap = c;
        }
        fota_usb_dev_t *d = &v[k];
        memset(d, 0, sizeof *d);
        fota_copy(d->sysname, sizeof d->sysname, nm);
        char p[PATH_MAX];
        if (snprintf(p, sizeof p, "%s/%s", base, nm) >= (int)sizeof p)
            continue;
        d->root_hub = rh;
        d->bus = rh ? atoi(nm + 3) : atoi(nm);
        d->vid = (uint16_t)usb_attr_num(p, "idVendor", 16, 0);
        d->pid = (uint16_t)usb_attr_num(p, "idProduct", 16, 0);
        d->config = (int)usb_attr_num(p, "bConfigurationValue", 10, -1);
        d->hub = rh || usb_attr_num(p, "bDeviceClass", 16, -1) == 9;
        usb_attr(p, "serial", d->serial, sizeof d->serial);
        usb_attr(p, "product", d->product, sizeof d->product);
        usb_controller(d, p);
        usb_slot_name(d);
        k++;
    }
    closedir(dir);
    if (rc < 0) {
        free(v);
        return rc;
    }
    if (k)
        qsort(v, k, sizeof *v, usb_cmp);
    *out = v;
    *n = k;
    return 0;
}

const fota_usb_dev_t *fota_usb_find_slot(const fota_usb_dev_t *devs, size_t n, const char *slot)
{
    for (size_t i = 0; i < n; i++)
        if (devs[i].slot[0] && strcmp(devs[i].slot, slot) == 0)
            return &devs[i];
    return NULL;
}

fota_usb_mode_t fota_usb_dev_mode(const fota_usb_dev_t *d, const fota_profile_set_t *set,
                                  char *words, size_t n)
{
    fota_usb_mode_t m = FOTA_USB_MODE_OK;
    if (!d->root_hub && !d->hub && d->slot[0])
        m = fota_usb_mode_judge(d->vid, d->pid,
                                set && fota_profile_set_match_usb(set, d->vid, d->pid, -1));
    fota_usb_mode_words(m, d->vid, d->pid, d->config, words, n);
    return m;
}
