/* Small helpers: IMEI/Luhn, the QFUPL checksum, scaled time, buffers, logging. */
#include "sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int luhn_digit(const char *d14)
{
    int sum = 0;
    for (int i = 0; i < 14; i++) {
        int v = d14[i] - '0';
        if (i % 2 == 1) { /* every second digit from the left, as 3GPP TS 23.003 B.2 */
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return (10 - sum % 10) % 10;
}

void sim_imei_make(char out[16], const char *tac, unsigned serial)
{
    snprintf(out, 15, "%.8s%06u", tac, serial % 1000000u);
    out[14] = (char)('0' + luhn_digit(out));
    out[15] = 0;
}

unsigned sim_imei_serial(const sim_t *s, int index)
{
    if (s && s->imei_base >= 0)
        return (unsigned)s->imei_base + (unsigned)index;
    return 100000u + (unsigned)index * 7u;
}

int sim_luhn_ok(const char *imei)
{
    if (strlen(imei) != 15)
        return 0;
    for (int i = 0; i < 15; i++)
        if (imei[i] < '0' || imei[i] > '9')
            return 0;
    return luhn_digit(imei) == imei[14] - '0';
}

/* 16-bit XOR of big-endian byte pairs; an odd last byte is the high byte
 * (fwupd fu-dfota-updater; a real module prints "+QFUPL: 1939,4f64"). */
uint16_t sim_qfupl_checksum(const uint8_t *p, size_t n)
{
    uint16_t c = 0;
    for (size_t i = 0; i < n; i += 2) {
        uint16_t w = (uint16_t)(p[i] << 8);
        if (i + 1 < n)
            w |= p[i + 1];
        c ^= w;
    }
    return c;
}

uint64_t sim_now_ms(const sim_t *s) { return uv_now(s->loop) - s->t0_ms; }

uint64_t sim_ms(const sim_module_t *m, double seconds)
{
    if (seconds <= 0)
        return 0;
    double ms = seconds * 1000.0 / m->sim->speed;
    return ms < 1 ? 1 : (uint64_t)(ms + 0.5);
}

void sim_log(const sim_module_t *m, const char *fmt, ...)
{
    if (!m->sim->verbose)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint64_t t = uv_hrtime() / 1000000u;
    printf("%llu.%03llu %s [%s %s] %s\n", (unsigned long long)(t / 1000) % 100000,
           (unsigned long long)(t % 1000), m->slot, m->fam->name, m->imei, msg);
    fflush(stdout);
}

void sim_buf_add(sim_buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np)
            abort();
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void sim_buf_drop(sim_buf_t *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

void sim_buf_free(sim_buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* The shape of /dev/serial/by-path/: one hub per 4 modules, interface 2 is the
 * primary AT port of RG50xQ/EG06xK (ModemManager's port rules); the legacy UART sits behind a
 * USB-serial adapter on interface 0. */
int sim_make_slot(char *out, size_t cap, const sim_family_t *f, int index)
{
    return snprintf(out, cap, "pci-0000:00:14.0-usb-0:1.%d.%d:1.%d", index / 4 + 1, index % 4 + 1,
                    f->usb ? 2 : 0);
}
