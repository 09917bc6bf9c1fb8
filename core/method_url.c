/* method_url: the module fetches the package itself (FTP/HTTP(S)); the station
 * only sends AT+QFOTADL="<url>" (phase_update.c). What can go wrong before that
 * is checked here, before anything is sent: the family's URL length, its
 * schemes, and EC200T's FTP files in the server's root only ("Currently only root
 * path is supported", Quectel EC200T&UC200T FOTA User Guide, §3.1). */
#include "machine_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ftp://u:p@host:21/file, not ftp://u:p@host:21/dir/file */
static bool in_ftp_root(const char *after_scheme)
{
    const char *path = strchr(after_scheme, '/');
    return !path || !strchr(path + 1, '/');
}

static bool scheme_allowed(const fota_method_profile_t *mp, const char *scheme)
{
    if (mp->n_schemes == 0)
        return true;
    for (size_t i = 0; i < mp->n_schemes; i++)
        if (strcasecmp(mp->schemes[i], scheme) == 0) /* the notes print FTP:// and ftp:// */
            return true;
    return false;
}

static bool method_url_precheck(machine_t *m, const fota_package_t *pkg, char *why, size_t n)
{
    const fota_method_profile_t *mp = m->mp;
    const char *url = pkg->url, *name = method_common_package_name(pkg);
    const char *family = m->profile->family;
    if (!url || !*url) {
        snprintf(why, n, "package %s has no url for method url", name);
        return false;
    }
    size_t len = strlen(url);
    if (mp->max_url_len && len > mp->max_url_len) {
        snprintf(why, n, "URL too long (%zu bytes, %s allows %zu): %s", len, family,
                 mp->max_url_len, name);
        return false;
    }
    const char *sep = strstr(url, "://");
    if (!sep) {
        snprintf(why, n, "not a URL: %s", name);
        return false;
    }
    char scheme[16];
    size_t sl = (size_t)(sep - url);
    if (sl >= sizeof scheme)
        sl = sizeof scheme - 1;
    memcpy(scheme, url, sl);
    scheme[sl] = '\0';
    if (!scheme_allowed(mp, scheme)) {
        snprintf(why, n, "URL scheme %s not supported by %s", scheme, family);
        return false;
    }
    if (mp->ftp_root_only && strcasecmp(scheme, "ftp") == 0 && !in_ftp_root(sep + 3)) {
        snprintf(why, n, "%s accepts FTP files in the server's root directory only: %s", family,
                 name);
        return false;
    }
    return true;
}

static void method_url_begin(machine_t *m, uint64_t now)
{
    method_common_take_over(m, m->pkg->url, now);
}

const machine_method_t method_url = {
    .precheck = method_url_precheck,
    .module_downloads = true,
    .begin = method_url_begin,
};
