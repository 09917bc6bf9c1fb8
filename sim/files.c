/* The module's UFS: files uploaded with AT+QFUPL, listed by AT+QFLST, removed
 * by AT+QFDEL, and read by AT+QFOTADL="/cache/ufs/<name>" (RG50xQ FOTA note §3.3.3). */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

sim_file_t *sim_file_find(sim_module_t *m, const char *name)
{
    for (int i = 0; i < SIM_MAX_FILES; i++)
        if (m->files[i].data && strcmp(m->files[i].name, name) == 0)
            return &m->files[i];
    return NULL;
}

uint64_t sim_file_used(const sim_module_t *m)
{
    uint64_t u = 0;
    for (int i = 0; i < SIM_MAX_FILES; i++)
        if (m->files[i].data)
            u += m->files[i].len;
    return u;
}

/* Takes ownership of data (malloc'd, may be a 1-byte allocation for an empty file). */
int sim_file_store(sim_module_t *m, const char *name, uint8_t *data, size_t len)
{
    sim_file_delete(m, name);
    for (int i = 0; i < SIM_MAX_FILES; i++) {
        if (!m->files[i].data) {
            strncpy(m->files[i].name, name, SIM_NAME_MAX);
            m->files[i].name[SIM_NAME_MAX] = 0;
            m->files[i].data = data ? data : malloc(1);
            m->files[i].len = len;
            return 0;
        }
    }
    free(data);
    return -1;
}

int sim_file_delete(sim_module_t *m, const char *name)
{
    sim_file_t *f = sim_file_find(m, name);
    if (!f)
        return -1;
    free(f->data);
    f->data = NULL;
    f->len = 0;
    f->name[0] = 0;
    return 0;
}
