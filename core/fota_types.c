#include "fota_types.h"

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
    "swapped", "protocol",
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

const char *fota_strerror(int code)
{
    switch (code) {
    case FOTA_OK: return "ok";
    case FOTA_E_NOMEM: return "out of memory";
    case FOTA_E_INVAL: return "invalid argument";
    case FOTA_E_IO: return "i/o error";
    case FOTA_E_NOENT: return "not found";
    case FOTA_E_RANGE: return "out of range";
    case FOTA_E_PARSE: return "parse error";
    case FOTA_E_STATE: return "wrong state";
    case FOTA_E_ACCES: return "permission denied";
    }
    return "unknown error";
}
