/* USB by-path names; see by_path.h. */
#include "by_path.h"

#include <string.h>

#include "slot_hub.h"
#include "util.h"

/* Skips one or more digits; NULL when there is none. */
static const char *digits(const char *p)
{
    const char *q = p;
    while (*q >= '0' && *q <= '9')
        q++;
    return q == p ? NULL : q;
}

/* "<bus>:<port>[.<port>…]": the end of the hub-port part, or NULL. */
static const char *hub_port(const char *p)
{
    if (!(p = digits(p)) || *p++ != ':') /* bus */
        return NULL;
    if (!(p = digits(p)))                 /* first hub port */
        return NULL;
    while (*p == '.' && (p = digits(p + 1)))
        ;
    return p;
}

/* "<bus>:<port>[.<port>…]" then ":<config>.<interface>" then optional "-port<N>", to the
 * end. Returns the end of the hub-port part (where ":<config>" starts) or NULL. */
static const char *usb_tail(const char *p, int *interface)
{
    if (!(p = hub_port(p)) || *p != ':')
        return NULL;
    const char *slot_end = p;
    if (!(p = digits(p + 1)) || *p++ != '.') /* configuration */
        return NULL;
    const char *ifc = p;
    if (!(p = digits(p)))
        return NULL;
    int n = 0;
    for (const char *d = ifc; d < p && n < 1000; d++)
        n = n * 10 + (*d - '0');
    if (strncmp(p, "-port", 5) == 0 && (p = digits(p + 5)) == NULL)
        return NULL;
    if (*p != '\0')
        return NULL;
    *interface = n;
    return slot_end;
}

/* The last "-usb-" of a name: a controller's own name may contain the word. */
static const char *last_usb(const char *name)
{
    const char *usb = NULL;
    for (const char *p = strstr(name, "-usb-"); p; p = strstr(p + 1, "-usb-"))
        usb = p;
    return usb;
}

bool fota_by_path_parse(const char *link_name, fota_by_path_t *out)
{
    out->interface = -1;
    fota_copy(out->slot, sizeof out->slot, link_name);
    const char *usb = last_usb(link_name);
    if (!usb)
        return false;
    int interface;
    const char *end = usb_tail(usb + 5, &interface);
    if (!end)
        return false;
    size_t n = (size_t)(end - link_name);
    if (n >= sizeof out->slot)
        return false;
    memcpy(out->slot, link_name, n);
    out->slot[n] = '\0';
    out->interface = interface;
    return true;
}

bool fota_by_path_is_hub_port(const char *slot)
{
    return fota_slot_hub(slot, NULL, 0); /* a hub port is exactly a slot with a hub */
}

bool fota_by_path_one_device(const char *slot_a, const char *slot_b)
{
    if (strcmp(slot_a, slot_b) == 0)
        return true;
    return !(fota_by_path_is_hub_port(slot_a) && fota_by_path_is_hub_port(slot_b));
}
