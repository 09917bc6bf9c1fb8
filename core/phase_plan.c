/* phase_plan_*: what to do with an identified module, decided before anything is
 * sent to it: its profile (by ATI's model), the job's target, the package chain
 * from its revision (several deltas in one visit, each verified; docs/station.md)
 * and each hop's method rules (phase_transfer_precheck). A rule broken is FAIL
 * config with nothing sent. After every hop the plan judges the revision read
 * back: the next hop, PASS, or the verdict. */
#include "machine_internal.h"
#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void plan_fail(machine_t *m, fota_error_class_t cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void plan_fail(machine_t *m, fota_error_class_t cls, const char *fmt, ...)
{
    m->plan.cls = cls;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->plan.text, sizeof m->plan.text, fmt, ap);
    va_end(ap);
}

static void append(char *dst, size_t n, const char *s)
{
    size_t l = strlen(dst);
    snprintf(dst + l, n - l, "%s%s", l ? "," : "", s);
}

/* Chain from the module's revision: fills chain/n_hops or the plan's verdict. */
static bool plan_chain(machine_t *m, const char *from)
{
    int n = fota_chain_plan(m->target, from, m->plan.chain, FOTA_MACHINE_MAX_HOPS);
    if (n < 0) {
        plan_fail(m, FOTA_ERR_NO_PACKAGE, "no package chain from %s to %s", from, m->target->to);
        return false;
    }
    m->plan.n_hops = n;
    m->plan.hop = 0;
    return true;
}

/* The attempt row's package names and digests, then every hop's method rules. */
static void plan_packages(machine_t *m)
{
    m->att.package_names[0] = m->att.package_sha256[0] = '\0';
    for (int i = 0; i < m->plan.n_hops; i++) {
        const fota_package_t *pkg = m->plan.chain[i];
        append(m->att.package_names, sizeof m->att.package_names,
               method_common_package_name(pkg));
        const char *sha = pkg->sha256_actual[0] ? pkg->sha256_actual : pkg->sha256;
        append(m->att.package_sha256, sizeof m->att.package_sha256, sha && *sha ? sha : "-");
    }
    for (int i = 0; i < m->plan.n_hops; i++) {
        char why[sizeof m->plan.text];
        if (!phase_transfer_precheck(m, m->plan.chain[i], why, sizeof why)) {
            plan_fail(m, FOTA_ERR_CONFIG, "%s", why);
            return;
        }
    }
}

/* Fills the plan and the attempt's to_version/method/packages from the identity,
 * by the rule `probe --job` and `check` show (core/plan.c). */
static void plan(machine_t *m)
{
    m->plan.cls = FOTA_ERR_NONE;
    m->plan.noop = false;
    fota_plan_t d;
    fota_plan_decide(m->cfg.job, m->cfg.profiles, m->ident.model, m->ident.revision, &d);
    if (d.profile)
        snprintf(m->att.family, sizeof m->att.family, "%s", d.profile->family);
    if (d.target) {
        const fota_target_t *t = d.target;
        m->target = t;
        m->method = t->method;
        m->mp = &d.profile->methods[t->method];
        snprintf(m->att.to_version, sizeof m->att.to_version, "%s", t->to);
        snprintf(m->att.method, sizeof m->att.method, "%s", fota_method_name(t->method));
    }
    if (d.noop) {
        m->plan.noop = true;
        return;
    }
    if (d.target && (d.cls == FOTA_ERR_NONE || d.cls == FOTA_ERR_NO_PACKAGE) &&
        !phase_transfer_method(d.target->method)) {
        plan_fail(m, FOTA_ERR_CONFIG, "%s does not support method %s", d.profile->family,
                  fota_method_name(d.target->method));
        return;
    }
    if (d.cls != FOTA_ERR_NONE) {
        plan_fail(m, d.cls, "%s", d.text);
        return;
    }
    m->plan.n_hops = d.n_hops;
    m->plan.hop = 0;
    for (int i = 0; i < d.n_hops; i++)
        m->plan.chain[i] = d.chain[i];
    plan_packages(m);
}

/* First identification done: plan, then let the station decide (IDENTIFIED). The
 * verdict waits for GO, so the station may SKIP first (rework). */
void phase_plan_decide(machine_t *m, uint64_t now)
{
    (void)now;
    plan(m);
    machine_state_set(m, MS_WAIT_PROCEED, UINT64_MAX);
    fota_action_t a = {.kind = FOTA_ACT_IDENTIFIED};
    machine_action_emit(m, &a, NULL, 0);
}

/* GO: noop PASS, the plan's failure, or the first hop. */
void phase_plan_go(machine_t *m, uint64_t now)
{
    if (m->plan.cls != FOTA_ERR_NONE) {
        machine_finish_fail(m, m->plan.cls, 0, now, "%s", m->plan.text);
        return;
    }
    if (m->plan.noop) {
        machine_action_trace(m, FOTA_TRACE_INFO, "already at %s: nothing to do",
                             m->att.to_version);
        machine_finish_pass(m, true, now);
        return;
    }
    m->t_total = machine_state_after(now, m->to.total_ms);
    m->plan.hop = 0;
    fota_machine_next(m, m->port_present ? OUTCOME_HOP : OUTCOME_PORT_LOST, now);
}

/* The port came back outside a FOTA phase (or GO came while it was away): the
 * module was read again; go on from whatever revision it now has. */
void phase_plan_recover(machine_t *m, uint64_t now)
{
    snprintf(m->att.final_version, sizeof m->att.final_version, "%s", m->ident.revision);
    if (fota_revision_equal(m->ident.revision, m->target->to)) {
        machine_finish_pass(m, false, now);
        return;
    }
    if (!plan_chain(m, m->ident.revision)) {
        machine_finish_fail(m, m->plan.cls, 0, now, "%s", m->plan.text);
        return;
    }
    fota_machine_next(m, OUTCOME_HOP, now);
}

static const char *hop_target(machine_t *m)
{
    const fota_package_t *pkg = m->plan.chain[m->plan.hop];
    return pkg && pkg->to ? pkg->to : m->target->to;
}

/* The revision read after an update (or after the module gave up retrying). */
void phase_plan_judge(machine_t *m, uint64_t now)
{
    snprintf(m->att.final_version, sizeof m->att.final_version, "%s", m->ident.revision);
    const char *want = hop_target(m);
    if (fota_revision_equal(m->ident.revision, want)) {
        m->att.hops++;
        machine_action_trace(m, FOTA_TRACE_INFO, "hop %d/%d verified: %s", m->plan.hop + 1,
                             m->plan.n_hops, m->ident.revision);
        m->upd.retry_pending = false;
        fota_machine_next(m, OUTCOME_VERIFIED, now);
        return;
    }
    if (m->ident.purpose == PROBE_GIVEUP) {
        /* The module's tries ran out: it deleted its update flag and booted the old
         * firmware (Quectel RG50xQ&RM5xxQ Series FOTA Application Note, §4). The
         * verdict is the last END code. */
        machine_finish_fail(m, m->upd.last_cls, m->upd.last_code, now, "%s", m->upd.last_text);
        return;
    }
    machine_finish_fail(m, FOTA_ERR_VERIFY, 0, now,
                        "module reports %s after the update, expected %s", m->ident.revision,
                        want);
}

void phase_plan_next_hop(machine_t *m, uint64_t now)
{
    if (++m->plan.hop < m->plan.n_hops) {
        fota_machine_next(m, OUTCOME_HOP, now);
        return;
    }
    machine_finish_pass(m, false, now);
}
