/* Package chains: from a module's revision to the target through delta
 * packages (A05→A06→A07), shortest first; a full image (no `from`) only when no
 * delta chain exists, since deltas are what the modules in the Quectel notes are built for
 * (RG50xQ FOTA note §1: "only contains the difference") and a full image is larger. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "job.h"

/* Length of s without an AT+QGMR suffix like "_01.001.01.001" (real modules) and
 * without surrounding blanks. */
static size_t core_len(const char *s, const char **start)
{
    while (*s == ' ' || *s == '\t')
        s++;
    *start = s;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    /* Suffix: '_' then digit groups separated by dots, at least one dot. */
    size_t i = n;
    int dots = 0;
    while (i && (isdigit((unsigned char)s[i - 1]) || s[i - 1] == '.')) {
        dots += s[i - 1] == '.';
        i--;
    }
    if (i && i < n && s[i - 1] == '_' && dots > 0 && isdigit((unsigned char)s[i]) &&
        isdigit((unsigned char)s[n - 1]))
        return i - 1;
    return n;
}

bool fota_revision_equal(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    const char *sa, *sb;
    size_t na = core_len(a, &sa), nb = core_len(b, &sb);
    return na == nb && na > 0 && strncasecmp(sa, sb, na) == 0;
}

/* BFS over delta packages starting at revision `from`. Returns the hop count and
 * fills out[] in order, or -1. */
static int bfs(const fota_target_t *t, const char *from, const fota_package_t **out, size_t max)
{
    size_t n = t->n_packages;
    if (n == 0)
        return -1;
    int *prev = malloc(n * sizeof *prev);   /* -2 unvisited, -1 first hop, else parent */
    size_t *queue = malloc(n * sizeof *queue);
    int hops = -1;
    if (!prev || !queue)
        goto done;
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++) {
        prev[i] = -2;
        if (t->packages[i].from && fota_revision_equal(t->packages[i].from, from)) {
            prev[i] = -1;
            queue[tail++] = i;
        }
    }
    while (head < tail) {
        size_t cur = queue[head++];
        const fota_package_t *c = &t->packages[cur];
        if (fota_revision_equal(c->to, t->to)) {
            size_t len = 0;
            for (int k = (int)cur; k >= 0; k = prev[k])
                len++;
            if (len > max)
                break;
            int k = (int)cur;
            for (size_t pos = len; pos-- > 0; k = prev[k])
                out[pos] = &t->packages[k];
            hops = (int)len;
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (prev[i] == -2 && t->packages[i].from &&
                fota_revision_equal(t->packages[i].from, c->to)) {
                prev[i] = (int)cur;
                queue[tail++] = i;
            }
    }
done:
    free(prev);
    free(queue);
    return hops;
}

int fota_chain_plan(const fota_target_t *target, const char *from, const fota_package_t **out,
                    size_t max)
{
    if (!target || !target->to)
        return -1;
    if (from && fota_revision_equal(from, target->to))
        return 0;
    if (from) {
        int h = bfs(target, from, out, max);
        if (h > 0)
            return h;
    }
    /* Last resort: a full image, then any deltas from the revision it installs.
     * Fewest hops wins; among equals, the first listed. */
    int best = -1;
    const fota_package_t **tmp = max > 1 ? malloc((max - 1) * sizeof *tmp) : NULL;
    for (size_t i = 0; i < target->n_packages && max > 0; i++) {
        const fota_package_t *full = &target->packages[i];
        if (full->from)
            continue;
        int h = fota_revision_equal(full->to, target->to) ? 0
                : tmp ? bfs(target, full->to, tmp, max - 1) : -1;
        if (h < 0 || (best >= 0 && h + 1 >= best))
            continue;
        out[0] = full;
        for (int k = 0; k < h; k++)
            out[k + 1] = tmp[k];
        best = h + 1;
    }
    free(tmp);
    return best;
}
