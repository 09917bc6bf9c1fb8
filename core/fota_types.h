/* Shared vocabulary of the protocol core: methods, phases, error classes, results.
 * Plain enums and name tables only, so every layer (core, station, reports, tests)
 * speaks the same words and the database stores the same strings. */
#ifndef FOTA_TYPES_H
#define FOTA_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the package reaches the module (job `method:`). */
typedef enum {
    FOTA_METHOD_URL,    /* AT+QFOTADL="ftp|http|https://…": module downloads itself */
    FOTA_METHOD_LOCAL,  /* AT+QFUPL upload to UFS, then AT+QFOTADL="<prefix><name>" */
    FOTA_METHOD_STREAM, /* AT+QFOTADL="FILE:<length>" then raw bytes (EC200T FOTA guide §3.3) */
    FOTA_METHOD_QFUA,   /* legacy AT+QFUA, CONNECT, raw bytes, +++ (GSM FOTA note §2.3.1) */
    FOTA_METHOD_QFAW,   /* legacy AT+QFAI, AT+QFAW="<hex>"…, AT+QFAU (GSM FOTA note §2.3.2) */
    FOTA_METHOD__COUNT
} fota_method_t;

const char *fota_method_name(fota_method_t m);          /* "url", "local", … */
int fota_method_from_name(const char *s, fota_method_t *out); /* 0 or -1 */

/* Phases a module reports, after a profile's pattern table has mapped the spelling
 * ("HTTPEND", "HTTPPEND", "Update  percent = 7%", …) to meaning. */
typedef enum {
    FOTA_PHASE_NONE,
    FOTA_PHASE_DL_START,    /* FTPSTART / HTTPSTART / HTTPSSTART / FILESTART */
    FOTA_PHASE_DL_PROGRESS, /* "DOWNLOADING",<n>[%] */
    FOTA_PHASE_DL_END,      /* FTPEND / HTTPEND (all spellings) / FILEEND, value = err */
    FOTA_PHASE_START,       /* "START": updater running */
    FOTA_PHASE_UPDATING,    /* "UPDATING",<percent> / "Update percent = n%" */
    FOTA_PHASE_RESTORE,     /* "RESTORE",<n>: module rolling back */
    FOTA_PHASE_END,         /* "END",<err> / "…update success. status=<n>" */
    FOTA_PHASE_RESUME,      /* "Last upgrade was not finished,continue upgrade" */
    FOTA_PHASE_REBOOTING,   /* legacy "Finish data downloading, rebooting....", "Rebooting...." */
    FOTA_PHASE_FAILED,      /* legacy error message: package invalid, firmware kept */
    FOTA_PHASE_BOOT,        /* RDY, +CPIN: READY, +QUSIM: 1, +CFUN: 1, SMS DONE, PB DONE */
    FOTA_PHASE__COUNT
} fota_phase_t;

const char *fota_phase_name(fota_phase_t p);
int fota_phase_from_name(const char *s, fota_phase_t *out);

/* error_class column values. The first five come from the profiles' error tables
 * (docs/profiles.md); the rest are the station's own verdicts. */
typedef enum {
    FOTA_ERR_NONE,
    FOTA_ERR_DOWNLOAD,   /* module could not fetch the package (ftp_err/http_err/file_err) */
    FOTA_ERR_PACKAGE,    /* package rejected: format, version, MD5, source mismatch */
    FOTA_ERR_SPACE,      /* no room on the module */
    FOTA_ERR_TRANSIENT,  /* module retries itself (520–530, 540–546, 502) */
    FOTA_ERR_FATAL,      /* module gave up for good */
    FOTA_ERR_TIMEOUT,    /* a phase's own timeout ran out (reboot, download, stall, total) */
    FOTA_ERR_PORT,       /* port vanished and did not come back, I/O error */
    FOTA_ERR_REJECTED,   /* ERROR / +CME ERROR to a FOTA command */
    FOTA_ERR_CONFIG,     /* URL too long, wrong scheme, FTP path not root, … (checked before sending) */
    FOTA_ERR_UPLOAD,     /* AT+QFUPL checksum or size mismatch, transfer error */
    FOTA_ERR_NO_PACKAGE, /* no package chain from the module's revision to the target */
    FOTA_ERR_UNKNOWN_MODEL, /* no profile/target for ATI's model */
    FOTA_ERR_VERIFY,     /* END,0 but ATI shows another revision than expected */
    FOTA_ERR_SWAPPED,    /* IMEI changed across a reboot: another module in the slot */
    FOTA_ERR_PROTOCOL,   /* replies that make no sense (bad IMEI, garbage instead of ATI) */
    FOTA_ERR_INTERNAL,   /* the station itself failed (out of memory), not the module */
    FOTA_ERR_IMEI,       /* blank, check-digit-invalid or cloned IMEI: not upgraded */
    FOTA_ERR_USB_MODE,   /* the device is in emergency download mode or an unknown
                          * USB composition: no AT port to upgrade it through */
    FOTA_ERR__COUNT
} fota_error_class_t;

const char *fota_error_class_name(fota_error_class_t c); /* "download", … ; "" for NONE */
int fota_error_class_from_name(const char *s, fota_error_class_t *out);

typedef enum {
    FOTA_RESULT_PASS,
    FOTA_RESULT_FAIL,
    FOTA_RESULT_SKIP,
    FOTA_RESULT_INTERRUPTED,
} fota_result_t;

const char *fota_result_name(fota_result_t r); /* "PASS", … */

/* libuv-style return codes: 0 or negative. Transport and usage errors only; module
 * errors (CME codes, FOTA <err>) travel in results, never here. */
enum {
    FOTA_OK = 0,
    FOTA_E_NOMEM = -1,
    FOTA_E_INVAL = -2,
    FOTA_E_IO = -3,
    FOTA_E_NOENT = -4,
    FOTA_E_RANGE = -5,
    FOTA_E_PARSE = -6,
    FOTA_E_STATE = -7,
    FOTA_E_ACCES = -8,   /* EACCES/EPERM: permission denied */
    /* Why a file could not be read, in words a user can act on (fota_strerror). */
    FOTA_E_ISDIR = -9,   /* a folder where a file was expected */
    FOTA_E_NOTREG = -10, /* a FIFO, device or socket where a file was expected */
    FOTA_E_TOOBIG = -11, /* over the size limit of its kind */
    FOTA_E_EMPTY = -12,  /* 0 bytes where content is required */
    FOTA_E_NOTDIR = -13, /* a file where a folder was expected */
    FOTA_E_NOTTY = -14,  /* ENOTTY: a device that is not a terminal (a port that is none) */
    FOTA_E_BUSY = -15,   /* EBUSY/EWOULDBLOCK: another process holds it exclusively */
    FOTA_E_MFILE = -16,  /* EMFILE/ENFILE: no descriptor left; says nothing about the file */
};
/* One table from code to words; unknown codes read "unknown error". */
const char *fota_strerror(int code);
/* errno after a failed open/read/opendir -> the FOTA_E_ code that names it. */
int fota_error_from_errno(int err);

#endif
