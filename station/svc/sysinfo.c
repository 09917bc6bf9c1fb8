/* Host checks; see sysinfo.h. */
#include "sysinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

bool fota_modemmanager_running(const char *proc_dir)
{
    DIR *d = opendir(proc_dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[512], comm[64] = "";
        snprintf(path, sizeof path, "%s/%s/comm", proc_dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
        found = strcmp(comm, "ModemManager") == 0;
    }
    closedir(d);
    return found;
}
