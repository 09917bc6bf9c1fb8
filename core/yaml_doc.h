/* Small helpers over libyaml's document API for the profile and job loaders:
 * every error names file:line:column (1-based) of the offending node, mappings are
 * checked against a key schema (unknown, duplicate and missing keys), and scalars
 * are read with their type checked. libyaml does the parsing; this only reads nodes.
 *
 * Errors are listed, not thrown: a reader that meets a wrong value records it
 * (fota_yaml_fail) and its caller goes on with the next independent part
 * (fota_yaml_stop), so one pass lists every mistake of a file. A check that
 * depends on a part already found wrong is skipped, not reported twice. */
#ifndef FOTA_YAML_DOC_H
#define FOTA_YAML_DOC_H

#include <yaml.h>

#include "profile.h"

typedef struct {
    yaml_document_t doc;
    bool have_doc;
    const char *file;          /* name used in messages */
    fota_load_errors_t *errs;  /* where errors are listed */
    size_t first;              /* errs->n when this file was opened */
} fota_yaml_t;

/* Nesting allowed in a job or profile (they use 4 levels); deeper is refused
 * before libyaml composes it. */
#define FOTA_YAML_MAX_DEPTH 64

/* Parses text (one YAML document). A syntax error lists libyaml's problem and its
 * position, and says that nothing after it was checked. An empty input is an
 * error at 1:1. */
int fota_yaml_open(fota_yaml_t *y, const char *file, const char *text, size_t len,
                   fota_load_errors_t *errs);
void fota_yaml_close(fota_yaml_t *y);
yaml_node_t *fota_yaml_root(fota_yaml_t *y);

/* Lists an error at node n and returns FOTA_E_PARSE. n NULL is the value of a key
 * that is absent: fota_yaml_map has listed that already, so nothing is added. */
int fota_yaml_fail(fota_yaml_t *y, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Folds a reader's rc into *acc and says whether the caller must stop: a located
 * error (FOTA_E_PARSE) is listed already, so the caller goes on to the next
 * independent part; any other failure (out of memory) stops at once. */
static inline bool fota_yaml_stop(int *acc, int rc)
{
    if (rc && (!*acc || *acc == FOTA_E_PARSE))
        *acc = rc;
    return rc != 0 && rc != FOTA_E_PARSE;
}

/* End of a load: this file's errors put in line:column order, and a FOTA_E_PARSE
 * that listed nothing given an error at 1:1 so that a refused file always says why. */
int fota_yaml_done(fota_yaml_t *y, int rc);

/* Reads a whole REGULAR file of at most max bytes into a NUL-terminated buffer.
 * A FIFO, device or socket is refused without blocking (FOTA_E_NOTREG), a folder
 * is FOTA_E_ISDIR, a larger file FOTA_E_TOOBIG; open errors map errno
 * (fota_error_from_errno). Shared by the YAML loaders and the package reader. */
int fota_file_read(const char *path, size_t max, char **data, size_t *len);

/* Jobs and profiles are hand-written text: anything larger is a mistake
 * (`--job /dev/zero`, a package given as the job). */
#define FOTA_YAML_MAX_BYTES (1u << 20)
/* fota_file_read with FOTA_YAML_MAX_BYTES. */
int fota_yaml_read_file(const char *path, char **text, size_t *len);
/* "path: cannot read: <why>" listed (no position: the file itself is wrong). */
void fota_yaml_io_error(fota_load_errors_t *errs, const char *path, int rc);
/* What to do about a file error, appended to fota_strerror's words ("" if nothing). */
const char *fota_file_hint(int rc);

/* Key schema of one mapping. After fota_yaml_map(), node holds the value node of
 * each key that was present (NULL otherwise) and key_node the key itself. */
typedef struct {
    const char *key;
    bool required;
    yaml_node_t *node;
    yaml_node_t *key_node;
} fota_yaml_field_t;

/* Checks that n is a mapping whose keys are all in f[] (plain scalars), none
 * twice, all required ones present; lists every key that is wrong, and still fills
 * f[] with the keys that are right so that their values are checked too. `what`
 * names the mapping in messages. */
int fota_yaml_map(fota_yaml_t *y, yaml_node_t *n, fota_yaml_field_t *f, size_t nf,
                  const char *what);

/* Sequence access: count and i-th item (type checked by fota_yaml_seq). */
int fota_yaml_seq(fota_yaml_t *y, yaml_node_t *n, const char *what, size_t *count);
yaml_node_t *fota_yaml_item(fota_yaml_t *y, yaml_node_t *seq, size_t i);
/* Mapping access for maps with free-form keys (error tables): i-th pair. */
size_t fota_yaml_pairs(yaml_node_t *map);
void fota_yaml_pair(fota_yaml_t *y, yaml_node_t *map, size_t i, yaml_node_t **k,
                    yaml_node_t **v);

/* Scalar reads. All check the node type and report "<what>: expected …". */
const char *fota_yaml_scalar(const yaml_node_t *n); /* NULL unless a scalar */
bool fota_yaml_is_null(const yaml_node_t *n);       /* ~, null, or empty plain */
int fota_yaml_str(fota_yaml_t *y, yaml_node_t *n, const char *what, char **out);
/* Strings are owned by the caller; an empty string is refused. */
int fota_yaml_str_list(fota_yaml_t *y, yaml_node_t *n, const char *what, char ***out,
                       size_t *count);
/* Integers: decimal or 0x-hex, plain scalars only, within [lo, hi]. */
int fota_yaml_long(fota_yaml_t *y, yaml_node_t *n, const char *what, long lo, long hi,
                   long *out);
/* Seconds, whole or decimal ("3", "0.25"), as milliseconds within [lo_ms, hi_ms]. */
int fota_yaml_seconds(fota_yaml_t *y, yaml_node_t *n, const char *what, unsigned lo_ms,
                      unsigned hi_ms, unsigned *out_ms);
int fota_yaml_bool(fota_yaml_t *y, yaml_node_t *n, const char *what, bool *out);
/* "unknown" as a plain scalar: the value is not known (USB IDs). */
bool fota_yaml_is_unknown(const yaml_node_t *n);

void fota_yaml_free_strv(char **v, size_t n);

/* s goes to a module inside an AT command: refuses CR, LF and other control bytes,
 * and '"' when quoted (it sits in "…"). Errors at node n. */
int fota_yaml_at_safe(fota_yaml_t *y, yaml_node_t *n, const char *what, const char *s,
                      bool quoted);

#endif
