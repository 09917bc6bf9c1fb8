/* The pause's banner; see pause_note.h. */
#include "pause_note.h"

#include <stdio.h>
#include <string.h>

#include "action.h"
#include "util.h"

static void keep(char *mine, size_t cap, bool *same, const char *v, bool first)
{
    v = v ? v : "";
    if (first) {
        fota_copy(mine, cap, v);
        *same = true;
    } else if (*same && strcmp(mine, v) != 0) {
        *same = false;
    }
}

void fota_pause_note_add(fota_pause_note_t *p, unsigned streak_n, const char *package,
                         const char *hub, const char *model)
{
    bool first = streak_n <= 1;
    keep(p->package, sizeof p->package, &p->same_package, package, first);
    keep(p->hub, sizeof p->hub, &p->same_hub, hub, first);
    keep(p->model, sizeof p->model, &p->same_model, model, first);
}

void fota_pause_banner(char *buf, size_t cap, const fota_pause_note_t *p, unsigned n,
                       fota_error_class_t cls, int code, const char *action)
{
    char what[160], shared[768] = "";
    fota_action_wording(what, sizeof what, cls, code, NULL);
    size_t len = 0;
    /* A package or hub that is "" (a FAIL before a package was chosen, a name of no
     * hub) is no common cause. */
    if (p->same_package && p->package[0])
        len += (size_t)snprintf(shared + len, sizeof shared - len, ", all with package %s",
                                p->package);
    if (p->same_hub && p->hub[0] && len < sizeof shared)
        len += (size_t)snprintf(shared + len, sizeof shared - len, ", all on hub %s", p->hub);
    if (p->same_model && p->model[0] && len < sizeof shared)
        len += (size_t)snprintf(shared + len, sizeof shared - len, ", all %s", p->model);
    if (!len)
        fota_copy(shared, sizeof shared, ", nothing else in common (packages, hubs, models)");
    snprintf(buf, cap, "PAUSED: %u FAIL%s %s%s: %s; press a (or send SIGUSR1) to resume", n,
             n == 1 ? "" : "s", what, shared, action && *action ? action : "check the line");
}
