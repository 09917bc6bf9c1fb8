#include "fota_types.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

static const char *const method_names[FOTA_METHOD__COUNT] = {
    "url", "local", "stream", "qfua", "qfaw",
};

static const char *const phase_names[FOTA_PHASE__COUNT] = {
    "none", "dl_start", "dl_progress", "dl_end", "start", "updating",
    "restore", "end", "resume", "rebooting", "failed", "boot",
};

static const char *const class_names[FOTA_ERR__COUNT] = {
    "", "download", "package", "space", "transient", "fatal", "timeout", "port",
    "rejected", "config", "upload", "no_package", "unknown_model", "verify",
    "swapped", "protocol", "internal", "imei", "usb_mode",
};

static int index_of(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (names[i][0] && strcasecmp(names[i], s) == 0)
            return i;
    return -1;
}

const char *fota_method_name(fota_method_t m)
{
    return (unsigned)m < FOTA_METHOD__COUNT ? method_names[m] : "?";
}

int fota_method_from_name(const char *s, fota_method_t *out)
{
    int i = index_of(method_names, FOTA_METHOD__COUNT, s);
    if (i < 0)
        return -1;
    *out = (fota_method_t)i;
    return 0;
}

const char *fota_phase_name(fota_phase_t p)
{
    return (unsigned)p < FOTA_PHASE__COUNT ? phase_names[p] : "?";
}

int fota_phase_from_name(const char *s, fota_phase_t *out)
{
    int i = index_of(phase_names, FOTA_PHASE__COUNT, s);
    if (i < 0)
        return -1;
    *out = (fota_phase_t)i;
    return 0;
}

const char *fota_error_class_name(fota_error_class_t c)
{
    return (unsigned)c < FOTA_ERR__COUNT ? class_names[c] : "?";
}

int fota_error_class_from_name(const char *s, fota_error_class_t *out)
{
    int i = index_of(class_names, FOTA_ERR__COUNT, s);
    if (i < 0)
        return -1;
    *out = (fota_error_class_t)i;
    return 0;
}

const char *fota_result_name(fota_result_t r)
{
    switch (r) {
    case FOTA_RESULT_PASS: return "PASS";
    case FOTA_RESULT_FAIL: return "FAIL";
    case FOTA_RESULT_SKIP: return "SKIP";
    case FOTA_RESULT_INTERRUPTED: return "INTERRUPTED";
    }
    return "?";
}

/* Indexed by -code. The file ones say what to do, not only what happened. */
static const char *const error_words[] = {
    [-FOTA_OK] = "ok",
    [-FOTA_E_NOMEM] = "out of memory",
    [-FOTA_E_INVAL] = "invalid argument",
    [-FOTA_E_IO] = "i/o error",
    [-FOTA_E_NOENT] = "not found",
    [-FOTA_E_RANGE] = "out of range",
    [-FOTA_E_PARSE] = "parse error",
    [-FOTA_E_STATE] = "wrong state",
    [-FOTA_E_ACCES] = "permission denied",
    [-FOTA_E_ISDIR] = "is a folder, not a file",
    [-FOTA_E_NOTREG] = "not a regular file (a FIFO, device or socket)",
    [-FOTA_E_TOOBIG] = "too large",
    [-FOTA_E_EMPTY] = "empty (0 bytes)",
    [-FOTA_E_NOTDIR] = "not a folder",
    [-FOTA_E_NOTTY] = "not a terminal",
    [-FOTA_E_BUSY] = "in use by another process",
    [-FOTA_E_MFILE] = "too many open files",
};

const char *fota_strerror(int code)
{
    if (code > 0 || -(long)code >= (long)(sizeof error_words / sizeof *error_words) ||
        !error_words[-code])
        return "unknown error";
    return error_words[-code];
}

static const struct {
    int err, code;
} errno_codes[] = {
    {ENOENT, FOTA_E_NOENT}, {EACCES, FOTA_E_ACCES}, {EPERM, FOTA_E_ACCES},
    {EROFS, FOTA_E_ACCES},  {EISDIR, FOTA_E_ISDIR}, {ENOTDIR, FOTA_E_NOTDIR},
    {ENOMEM, FOTA_E_NOMEM}, {ENXIO, FOTA_E_NOTREG}, {EFBIG, FOTA_E_TOOBIG},
    {ENAMETOOLONG, FOTA_E_RANGE}, {ENOTTY, FOTA_E_NOTTY},
    {EBUSY, FOTA_E_BUSY},   {EMFILE, FOTA_E_MFILE}, {ENFILE, FOTA_E_MFILE},
};

int fota_error_from_errno(int err)
{
    for (size_t i = 0; i < sizeof errno_codes / sizeof *errno_codes; i++)
        if (errno_codes[i].err == err)
            return errno_codes[i].code;
    return FOTA_E_IO;
}
