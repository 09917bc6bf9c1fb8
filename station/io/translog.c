/* Per-attempt transcripts; see translog.h. */
#define _GNU_SOURCE /* renameat2 (RENAME_NOREPLACE) */
#include <stdbool.h>
#include "translog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "iso_time.h"
#include "secret_mask.h"

FILE *fota_translog_open(const char *dir, const char *slot, int64_t attempt_id, int64_t now_ms,
                         char *path_out, size_t path_len)
{
    char safe[128];
    size_t i = 0;
    for (; slot[i] && i + 1 < sizeof safe; i++) {
        char c = slot[i];
        /* A file name from a link's name: letters, digits, '.', '-' only (a name
         * may hold '/', ':', blanks or control bytes). */
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  ((c == '.' || c == '-') && i > 0);
        safe[i] = ok ? c : '_';
    }
    safe[i] = '\0';
    char stamp[FOTA_ISO_LEN];
    fota_iso_format_as(now_ms, FOTA_ISO_FILE, stamp, sizeof stamp);
    /* The name is predictable, and a log folder may be one that others can write:
     * a new file only (O_EXCL), never through a link planted at that name
     * (O_NOFOLLOW), readable by the station's group alone. A name that is taken (a
     * second attempt in the same second, or a planted file) gets a suffix. */
    int fd = -1, err = 0;
    for (int k = 0; k < TRANSLOG_NAME_TRIES && fd < 0; k++) {
        char suffix[16] = "";
        if (k > 0)
            snprintf(suffix, sizeof suffix, ".%d", k);
        snprintf(path_out, path_len, "%s/%s-%s-%lld%s.log", dir, stamp, safe,
                 (long long)attempt_id, suffix);
        fd = open(path_out, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
        err = errno;
        if (fd < 0 && err != EEXIST)
            break;
    }
    if (fd < 0) {
        errno = err;
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        err = errno;
        close(fd);
        unlink(path_out);
        errno = err;
    }
    return f;
}

int fota_translog_rename(const char *from, const char *to)
{
    /* Never replaces what is at the new name (a planted file or link stays as it was,
     * and the transcript keeps its first name). */
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0 ? 0 : -errno;
}

void fota_translog_line(FILE *f, int64_t now_ms, fota_trace_dir_t dir, const char *text)
{
    if (!f)
        return;
    char t[FOTA_ISO_LEN], masked[4096];
    fota_iso_format(now_ms, t);
    fota_secret_mask(text ? text : "", masked, sizeof masked);
    static const char *const names[] = {"tx", "rx", "info"};
    fprintf(f, "%s %-4s %s\n", t, names[dir <= FOTA_TRACE_INFO ? dir : FOTA_TRACE_INFO], masked);
}
