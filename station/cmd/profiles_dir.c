/* Where the family profiles are: fota_cli_profiles_dir(); see cli.h. A station
 * that finds none says which folders it tried and how to choose one, instead of
 * a bare "profiles: cannot read". */
#include "cli.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef FOTA_PROFILES_INSTALL_DIR
#define FOTA_PROFILES_INSTALL_DIR "/usr/local/share/fota-station/profiles"
#endif

static bool is_dir(const char *p)
{
    struct stat st;
    return p && *p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder holding this binary, or "" when /proc is not there. */
static void exe_dir(char *buf, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    buf[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) {
        *slash = '\0';
        snprintf(buf, cap, "%s", exe);
    }
}

const char *fota_cli_profiles_dir(const fota_cli_t *o)
{
    /* An explicit choice is used as given, even if wrong: its error names it. */
    if (o->profiles)
        return o->profiles;
    const char *env = getenv("FOTA_PROFILES");
    if (env && *env)
        return env;
    static char rel[PATH_MAX + 64];
    char dir[PATH_MAX];
    exe_dir(dir, sizeof dir);
    /* installed under another prefix than configured (cmake --install --prefix):
     * <bindir>/../share/fota-station/profiles */
    snprintf(rel, sizeof rel, "%s/../share/fota-station/profiles", dir);
    const char *tried[4] = {FOTA_PROFILES_INSTALL_DIR, *dir ? rel : NULL, "./profiles", NULL};
#if defined(FOTA_BUILD_DIR) && defined(FOTA_SOURCE_PROFILES_DIR)
    /* a binary still in its build tree: the source tree's profiles */
    size_t bl = strlen(FOTA_BUILD_DIR);
    if (strncmp(dir, FOTA_BUILD_DIR, bl) == 0 && (dir[bl] == '/' || dir[bl] == '\0'))
        tried[3] = FOTA_SOURCE_PROFILES_DIR;
#endif
    for (size_t i = 0; i < sizeof tried / sizeof tried[0]; i++)
        if (is_dir(tried[i]))
            return tried[i];
    fputs("fota-station: no profiles folder found; tried", stderr);
    for (size_t i = 0; i < sizeof tried / sizeof tried[0]; i++)
        if (tried[i])
            fprintf(stderr, "%s %s", i ? "," : "", tried[i]);
    fputs(".\nChoose one with --profiles DIR or the environment variable FOTA_PROFILES=DIR.\n",
          stderr);
    return "./profiles";
}
