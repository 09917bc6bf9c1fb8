/* The test package format (docs/package-format.md): a text header then the body.
 *
 *   FOTAPKG1\n family: <F>\n from: <REV or empty>\n to: <REV>\n size: <N>\n
 *   sha256: <hex of body>\n \n <N body bytes>
 *
 * The module checks it as a real one checks a Quectel delta: format, project,
 * integrity, size, source revision, space; sim_family_code() turns the verdict
 * into the family's own error code. */
#include "sha256.h"
#include "sim.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HDR_MAX 2048

typedef struct {
    char family[64], from[96], to[96], sha[80];
    unsigned long long size;
    size_t body_off;
} hdr_t;

static int parse_header(const uint8_t *p, size_t n, hdr_t *h)
{
    memset(h, 0, sizeof *h);
    size_t lim = n < HDR_MAX ? n : HDR_MAX;
    if (lim < 9 || memcmp(p, "FOTAPKG1\n", 9) != 0)
        return -1;
    size_t i = 9;
    int have_size = 0;
    while (i < lim) {
        const uint8_t *nl = memchr(p + i, '\n', lim - i);
        if (!nl)
            return -1;
        size_t len = (size_t)(nl - (p + i));
        if (len == 0) {
            h->body_off = i + 1;
            return h->family[0] && h->to[0] && h->sha[0] && have_size ? 0 : -1;
        }
        char line[256];
        if (len >= sizeof line)
            return -1;
        memcpy(line, p + i, len);
        line[len] = 0;
        char *colon = strchr(line, ':');
        if (!colon)
            return -1;
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (!strcmp(line, "family"))
            snprintf(h->family, sizeof h->family, "%s", v);
        else if (!strcmp(line, "from"))
            snprintf(h->from, sizeof h->from, "%s", v);
        else if (!strcmp(line, "to"))
            snprintf(h->to, sizeof h->to, "%s", v);
        else if (!strcmp(line, "sha256"))
            snprintf(h->sha, sizeof h->sha, "%s", v);
        else if (!strcmp(line, "size")) {
            char *e;
            errno = 0;
            h->size = strtoull(v, &e, 10);
            if (errno || *e || e == v)
                return -1;
            have_size = 1;
        }
        i += len + 1;
    }
    return -1;
}

sim_pkg_result_t sim_pkg_check(const sim_module_t *m, const uint8_t *p, size_t n, char *to_rev,
                               size_t to_cap)
{
    hdr_t h;
    if (!p || parse_header(p, n, &h) != 0)
        return SIM_PKG_FORMAT;
    if (to_rev)
        snprintf(to_rev, to_cap, "%s", h.to);
    if (sim_family_find(h.family) != m->fam)
        return SIM_PKG_PROJECT;
    size_t body = n - h.body_off;
    char hex[65];
    sim_sha256_hex(p + h.body_off, body, hex);
    if (body != h.size || strcasecmp(hex, h.sha) != 0)
        return SIM_PKG_HASH;
    if (h.size > m->max_package)
        return SIM_PKG_TOO_LARGE;
    if (h.from[0] && strcmp(h.from, m->revision) != 0)
        return SIM_PKG_SOURCE;
    uint64_t used = sim_file_used(m);
    uint64_t avail = m->free_space > used ? m->free_space - used : 0;
    if (h.size > avail) /* the update needs working space the size of the image */
        return SIM_PKG_SPACE;
    return SIM_PKG_OK;
}

int sim_pkg_build(const char *family, const char *from, const char *to, size_t size, int corrupt,
                  uint8_t **out, size_t *out_len)
{
    uint8_t *body = calloc(1, size ? size : 1);
    if (!body)
        return -1;
    uint32_t x = 2166136261u; /* FNV-1a of the target seeds a xorshift stream */
    for (const char *c = to; *c; c++)
        x = (x ^ (uint8_t)*c) * 16777619u;
    for (size_t i = 0; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        body[i] = (uint8_t)x;
    }
    char hex[65];
    sim_sha256_hex(body, size, hex);
    if (corrupt && size > 0)
        body[size / 2] ^= 0x5a;
    char hdr[HDR_MAX];
    int hn = snprintf(hdr, sizeof hdr, "FOTAPKG1\nfamily: %s\nfrom: %s\nto: %s\nsize: %zu\nsha256: %s\n\n",
                      family, from ? from : "", to, size, hex);
    if (hn < 0 || (size_t)hn >= sizeof hdr) {
        free(body);
        return -1;
    }
    *out_len = (size_t)hn + size;
    *out = malloc(*out_len);
    if (!*out) {
        free(body);
        return -1;
    }
    memcpy(*out, hdr, (size_t)hn);
    memcpy(*out + hn, body, size);
    free(body);
    return 0;
}

static void mkpkg_usage(FILE *f)
{
    fputs("usage: fota-sim mkpkg --family F [--from REV] --to REV [--size BYTES] [--corrupt] -o FILE\n"
          "  Writes a test package (docs/package-format.md). Without --from it is a full\n"
          "  image, valid from any revision. --corrupt damages the body after hashing.\n",
          f);
}

int sim_mkpkg_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"family", required_argument, 0, 'f'}, {"from", required_argument, 0, 'F'},
        {"to", required_argument, 0, 't'},     {"size", required_argument, 0, 's'},
        {"corrupt", no_argument, 0, 'c'},      {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *family = NULL, *from = "", *to = NULL, *outp = NULL;
    unsigned long long size = 65536;
    int corrupt = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:F:t:s:co:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': family = optarg; break;
        case 'F': from = optarg; break;
        case 't': to = optarg; break;
        case 's': {
            char *e;
            size = strtoull(optarg, &e, 10);
            if (*e || e == optarg) {
                fprintf(stderr, "fota-sim mkpkg: bad --size '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'c': corrupt = 1; break;
        case 'o': outp = optarg; break;
        case 'h': mkpkg_usage(stdout); return 0;
        default: mkpkg_usage(stderr); return 2;
        }
    }
    if (!family || !to || !outp) {
        mkpkg_usage(stderr);
        return 2;
    }
    uint8_t *p;
    size_t n;
    if (sim_pkg_build(family, from, to, (size_t)size, corrupt, &p, &n) != 0) {
        fprintf(stderr, "fota-sim mkpkg: cannot build package\n");
        return 3;
    }
    FILE *f = fopen(outp, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "fota-sim mkpkg: cannot write %s: %s\n", outp, strerror(errno));
        free(p);
        return 3;
    }
    char hex[65];
    sim_sha256_hex(p, n, hex);
    printf("%s %zu %s\n", outp, n, hex);
    free(p);
    return 0;
}
