/* What to do with an identified module, decided before anything is sent to it:
 * its profile (by ATI's model), the job's target, the package chain from its
 * revision (SPEC §3: several deltas in one visit, each verified), and the method's
 * rules: URL length, schemes, EC200T's root-only FTP path (003 §3.1), the local
 * name and path limits. A rule broken is FAIL config with nothing sent. */
#include "machine_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void plan_fail(machine_t *m, fota_error_class_t cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void plan_fail(machine_t *m, fota_error_class_t cls, const char *fmt, ...)
{
    m->plan_cls = cls;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->plan_text, sizeof m->plan_text, fmt, ap);
    va_end(ap);
}

char *mp_command(const char *tmpl, const char *arg)
{
    if (!tmpl || !*tmpl)
        tmpl = "AT+QFOTADL=\"{arg}\"";
    size_t alen = strlen(arg), n = 0;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "{arg}", 5) == 0 || strncmp(p, "{hex}", 5) == 0) {
            n += alen;
            p += 5;
        } else {
            n++;
            p++;
        }
    }
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = tmpl; *p;) {
        if (strncmp(p, "{arg}", 5) == 0 || strncmp(p, "{hex}", 5) == 0) {
            memcpy(o, arg, alen);
            o += alen;
            p += 5;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static const char *pkg_name(const fota_package_t *p)
{
    if (p->name && *p->name)
        return p->name;
    const char *f = p->file ? p->file : p->url;
    if (!f)
        return "";
    const char *s = strrchr(f, '/');
    return s ? s + 1 : f;
}

const char *mp_package_name(const fota_package_t *p)
{
    return pkg_name(p);
}

/* URL rules of the family, checked before AT+QFOTADL is ever sent. */
static bool url_ok(machine_t *m, const fota_package_t *pkg)
{
    const fota_method_profile_t *mp = m->mp;
    const char *url = pkg->url;
    if (!url || !*url) {
        plan_fail(m, FOTA_ERR_CONFIG, "package %s has no url for method url", pkg_name(pkg));
        return false;
    }
    size_t len = strlen(url);
    if (mp->max_url_len && len > mp->max_url_len) {
        plan_fail(m, FOTA_ERR_CONFIG, "URL too long (%zu bytes, %s allows %zu): %s", len,
                  m->profile->family, mp->max_url_len, pkg_name(pkg));
        return false;
    }
    const char *sep = strstr(url, "://");
    if (!sep) {
        plan_fail(m, FOTA_ERR_CONFIG, "not a URL: %s", pkg_name(pkg));
        return false;
    }
    char scheme[16];
    size_t sl = (size_t)(sep - url);
    if (sl >= sizeof scheme)
        sl = sizeof scheme - 1;
    memcpy(scheme, url, sl);
    scheme[sl] = '\0';
    bool allowed = mp->n_schemes == 0;
    for (size_t i = 0; i < mp->n_schemes; i++)
        if (strcasecmp(mp->schemes[i], scheme) == 0) /* the seeds print FTP:// and ftp:// */
            allowed = true;
    if (!allowed) {
        plan_fail(m, FOTA_ERR_CONFIG, "URL scheme %s not supported by %s", scheme,
                  m->profile->family);
        return false;
    }
    if (mp->ftp_root_only && strcasecmp(scheme, "ftp") == 0) {
        /* "Currently only root path is supported" (003 §3.1): ftp://u:p@host:21/file */
        const char *path = strchr(sep + 3, '/');
        if (path && strchr(path + 1, '/')) {
            plan_fail(m, FOTA_ERR_CONFIG,
                      "%s accepts FTP files in the server's root directory only: %s",
                      m->profile->family, pkg_name(pkg));
            return false;
        }
    }
    return true;
}

static bool package_rules_ok(machine_t *m, const fota_package_t *pkg)
{
    const fota_method_profile_t *mp = m->mp;
    if (m->method == FOTA_METHOD_URL)
        return url_ok(m, pkg);
    if (!pkg->data || pkg->size == 0) {
        plan_fail(m, FOTA_ERR_CONFIG, "package %s is not loaded (method %s needs its bytes)",
                  pkg_name(pkg), fota_method_name(m->method));
        return false;
    }
    if (m->method == FOTA_METHOD_LOCAL) {
        const char *name = pkg_name(pkg);
        size_t nl = strlen(name), pl = mp->local_prefix ? strlen(mp->local_prefix) : 0;
        if (!nl || (mp->max_name_len && nl > mp->max_name_len) ||
            (mp->max_path_len && nl + pl > mp->max_path_len) || strchr(name, '"')) {
            plan_fail(m, FOTA_ERR_CONFIG, "file name %s too long or invalid for %s", name,
                      m->profile->family);
            return false;
        }
    }
    if (m->method == FOTA_METHOD_QFUA && mp->require_flow && !mp_flow_command(mp)) {
        plan_fail(m, FOTA_ERR_CONFIG, "%s needs flow control for qfua but names no command",
                  m->profile->family);
        return false;
    }
    if (m->method == FOTA_METHOD_QFAW && mp->max_chunk_bytes == 0) {
        plan_fail(m, FOTA_ERR_CONFIG, "%s has no max_chunk_bytes for qfaw", m->profile->family);
        return false;
    }
    return true;
}

static void append(char *dst, size_t n, const char *s)
{
    size_t l = strlen(dst);
    snprintf(dst + l, n - l, "%s%s", l ? "," : "", s);
}

/* Chain from the module's revision: fills chain/n_hops or plan_cls. */
static bool plan_chain(machine_t *m, const char *from)
{
    int n = fota_chain_plan(m->target, from, m->chain, FOTA_MACHINE_MAX_HOPS);
    if (n < 0) {
        plan_fail(m, FOTA_ERR_NO_PACKAGE, "no package chain from %s to %s", from, m->target->to);
        return false;
    }
    m->n_hops = n;
    m->hop = 0;
    return true;
}

void mp_plan(machine_t *m)
{
    m->plan_cls = FOTA_ERR_NONE;
    m->plan_noop = false;
    const fota_profile_t *p = m->profile;
    if (!p || !fota_profile_set_match_model(m->cfg.profiles, m->model)) {
        plan_fail(m, FOTA_ERR_UNKNOWN_MODEL, "no profile knows model %s", m->model);
        return;
    }
    snprintf(m->att.family, sizeof m->att.family, "%s", p->family);
    const fota_target_t *t = fota_job_match(m->cfg.job, p, m->model);
    if (!t) {
        plan_fail(m, FOTA_ERR_UNKNOWN_MODEL, "the job has no target for %s (%s)", m->model,
                  p->family);
        return;
    }
    m->target = t;
    m->method = t->method;
    m->mp = &p->methods[t->method];
    snprintf(m->att.to_version, sizeof m->att.to_version, "%s", t->to);
    snprintf(m->att.method, sizeof m->att.method, "%s", fota_method_name(t->method));
    if (fota_revision_equal(m->revision, t->to)) {
        m->plan_noop = true;
        return;
    }
    if (!m->mp->supported) {
        plan_fail(m, FOTA_ERR_CONFIG, "%s does not support method %s", p->family,
                  fota_method_name(t->method));
        return;
    }
    if (!plan_chain(m, m->revision))
        return;
    m->att.package_names[0] = m->att.package_sha256[0] = '\0';
    for (int i = 0; i < m->n_hops; i++) {
        const fota_package_t *pkg = m->chain[i];
        append(m->att.package_names, sizeof m->att.package_names, pkg_name(pkg));
        const char *sha = pkg->sha256_actual[0] ? pkg->sha256_actual : pkg->sha256;
        append(m->att.package_sha256, sizeof m->att.package_sha256, sha && *sha ? sha : "-");
    }
    for (int i = 0; i < m->n_hops; i++)
        if (!package_rules_ok(m, m->chain[i]))
            return;
}

void mp_go(machine_t *m, uint64_t now)
{
    if (m->plan_cls != FOTA_ERR_NONE) {
        mf_fail(m, m->plan_cls, 0, now, "%s", m->plan_text);
        return;
    }
    if (m->plan_noop) {
        m_trace(m, FOTA_TRACE_INFO, "already at %s: nothing to do", m->att.to_version);
        mf_pass(m, true, now);
        return;
    }
    if (!m->port_present) {
        m->t_total = m_after(now, m->to.total_ms);
        m_set_state(m, MS_PORT_LOST, m_after(now, m->to.reboot_ms));
        return;
    }
    m->t_total = m_after(now, m->to.total_ms);
    m->hop = 0;
    mp_start_hop(m, now);
}

const char *mp_flow_command(const fota_method_profile_t *mp)
{
    if (mp->flow_command && *mp->flow_command)
        return mp->flow_command;
    if (mp->flow_command_uart && *mp->flow_command_uart)
        return mp->flow_command_uart;
    return NULL;
}

static bool streams_over_port(fota_method_t method)
{
    return method != FOTA_METHOD_URL;
}

void mp_start_hop(machine_t *m, uint64_t now)
{
    const fota_package_t *pkg = m->chain[m->hop];
    m->pkg = pkg;
    m->off = 0;
    m->percent = -1;
    m->end_seen = false;
    m->retry_pending = 0;
    m->fota_seen = false;
    m_trace(m, FOTA_TRACE_INFO, "hop %d/%d: %s -> %s with %s (%s)", m->hop + 1, m->n_hops,
            pkg->from ? pkg->from : m->revision, pkg->to ? pkg->to : m->target->to,
            pkg_name(pkg), fota_method_name(m->method));
    if (streams_over_port(m->method) && !m->transfer_held) {
        /* max_transfers: the station lets only so many modules stream at once. */
        m_set_state(m, MS_WAIT_TRANSFER, UINT64_MAX);
        /* Queueing for a token is the station's time: the total pauses. */
        if (m->t_total != UINT64_MAX) {
            m->total_left = m->t_total > now ? m->t_total - now : 1;
            m->t_total = UINT64_MAX;
        }
        m_transfer_begin(m);
        return;
    }
    mp_method_begin(m, now);
}

void mp_method_begin(machine_t *m, uint64_t now)
{
    switch (m->method) {
    case FOTA_METHOD_URL: mu_fota_command(m, m->pkg->url, now); break;
    case FOTA_METHOD_LOCAL: ml_begin(m, now); break;
    case FOTA_METHOD_STREAM: mst_begin(m, now); break;
    case FOTA_METHOD_QFUA: mlg_qfua_begin(m, now); break;
    case FOTA_METHOD_QFAW: mlg_qfaw_begin(m, now); break;
    default: mf_fail(m, FOTA_ERR_CONFIG, 0, now, "unknown method"); break;
    }
}

/* The port came back outside a FOTA phase (or GO came while it was away): read
 * the module again and go on from whatever revision it now has. */
void mp_recover(machine_t *m, uint64_t now)
{
    if (fota_revision_equal(m->revision, m->target->to)) {
        mf_pass(m, false, now);
        return;
    }
    if (!plan_chain(m, m->revision)) {
        mf_fail(m, m->plan_cls, 0, now, "%s", m->plan_text);
        return;
    }
    mp_start_hop(m, now);
}
