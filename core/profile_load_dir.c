/* A folder of profiles → fota_profile_set_t: every *.yaml in name order, one family
 * per file. Every file is read even after a broken one, so `check` lists all that
 * is wrong in the folder; any error refuses the whole set. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_profile.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_yaml_name(const char *n)
{
    size_t l = strlen(n);
    return n[0] != '.' && l > 5 && strcmp(n + l - 5, ".yaml") == 0;
}

/* The *.yaml names in dir, sorted. */
static int list_names(const char *dir, char ***out, size_t *count, fota_load_errors_t *errs)
{
    DIR *d = opendir(dir);
    if (!d) {
        int rc = fota_error_from_errno(errno);
        fota_yaml_io_error(errs, dir, rc);
        return rc;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        if (!is_yaml_name(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn) {
                rc = FOTA_E_NOMEM;
                break;
            }
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            rc = FOTA_E_NOMEM;
        else
            n++;
    }
    closedir(d);
    if (!rc && n == 0) {
        fota_load_errors_add(errs, dir, 0, 0, "no *.yaml profile in this folder");
        rc = FOTA_E_NOENT;
    }
    if (rc) {
        fota_yaml_free_strv(names, n);
        return rc;
    }
    qsort(names, n, sizeof *names, cmp_str);
    *out = names;
    *count = n;
    return 0;
}

/* dir/name loaded and added to out, or its errors listed. */
static int load_one(const char *dir, const char *name, fota_profile_set_t *out,
                    fota_load_errors_t *errs)
{
    size_t pl = strlen(dir) + strlen(name) + 2;
    char *path = malloc(pl);
    if (!path)
        return FOTA_E_NOMEM;
    snprintf(path, pl, "%s/%s", dir, name);
    fota_profile_t *p;
    int rc = fota_profile_load_file_all(path, &p, errs);
    free(path);
    if (rc)
        return rc;
    /* Two files claiming one family would make lookups depend on file order. */
    if (fota_profile_set_find_family(out, p->family)) {
        char msg[128];
        snprintf(msg, sizeof msg, "family '%.60s' is already defined by another profile",
                 p->family);
        fota_load_errors_add(errs, p->source, 1, 1, msg);
        fota_profile_free(p);
        return FOTA_E_PARSE;
    }
    out->v[out->n++] = p;
    return 0;
}

int fota_profile_set_load_dir_all(const char *dir, fota_profile_set_t *out,
                                  fota_load_errors_t *errs)
{
    memset(out, 0, sizeof *out);
    char **names = NULL;
    size_t n = 0;
    int rc = list_names(dir, &names, &n, errs);
    if (rc)
        return rc;
    if (!(out->v = calloc(n, sizeof *out->v)))
        rc = FOTA_E_NOMEM;
    /* Past a broken file to the next one; the first error's code is returned. */
    for (size_t i = 0; i < n && rc != FOTA_E_NOMEM; i++) {
        int r = load_one(dir, names[i], out, errs);
        if (r && (!rc || r == FOTA_E_NOMEM))
            rc = r;
    }
    fota_yaml_free_strv(names, n);
    if (rc)
        fota_profile_set_free(out);
    return rc;
}

int fota_profile_set_load_dir(const char *dir, fota_profile_set_t *out, fota_load_error_t *err)
{
    fota_load_errors_t l = {.n = 0};
    return fota_load_errors_first(&l, fota_profile_set_load_dir_all(dir, out, &l), err);
}
