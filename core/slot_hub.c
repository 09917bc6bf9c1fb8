/* Slot to hub; see slot_hub.h. Kept to the exact rule FOTA_SLOT_HUB_SQL states,
 * so a report and an MES query over the views group the same rows. */
#include "slot_hub.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Skips one or more digits; NULL when there is none. */
static const char *digits(const char *p)
{
    const char *q = p;
    while (*q >= '0' && *q <= '9')
        q++;
    return q == p ? NULL : q;
}

bool fota_slot_hub(const char *slot, char *out, size_t len)
{
    if (out && len)
        out[0] = '\0';
    const char *usb = NULL;
    for (const char *p = slot ? strstr(slot, "-usb-") : NULL; p; p = strstr(p + 1, "-usb-"))
        usb = p;
    /* "<bus>:<port>[.<port>…]" to the end, nothing else (no ":<config>.<interface>") */
    const char *p = usb ? digits(usb + 5) : NULL;
    if (!p || *p != ':')
        return false;
    const char *sep = p; /* before the last port number: where the hub's name ends */
    p = digits(p + 1);
    while (p && *p == '.') {
        sep = p;
        p = digits(p + 1);
    }
    if (!p || *p != '\0')
        return false;
    if (out && len)
        snprintf(out, len, "%.*s", (int)(sep - slot), slot);
    return true;
}

const char *fota_slot_label(const char *name, char *out, size_t len)
{
    const char *usb = NULL;
    for (const char *p = name ? strstr(name, "-usb-") : NULL; p; p = strstr(p + 1, "-usb-"))
        usb = p;
    const char *colon = usb ? strchr(usb + 5, ':') : NULL;
    if (colon && colon[1])
        snprintf(out, len, "%s", colon + 1);
    else if (usb && !colon && usb[5])
        snprintf(out, len, "root %s", usb + 5);
    else
        snprintf(out, len, "%s", name ? name : "");
    return out;
}

int fota_slot_natcmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
            if (la != lb)
                return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c)
                return c;
            a += la;
            b += lb;
        } else {
            if (*a != *b)
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return *a ? 1 : *b ? -1 : 0;
}
