#include "yaml_doc.h"

#include "secret_mask.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void fota_load_errors_add(fota_load_errors_t *l, const char *file, int line, int column,
                          const char *message)
{
    if (!l)
        return;
    if (l->n == FOTA_LOAD_ERRORS_MAX) {
        l->more++;
        return;
    }
    fota_load_error_t *e = &l->v[l->n++];
    snprintf(e->file, sizeof e->file, "%s", file ? file : "<input>");
    e->line = line;
    e->column = column;
    snprintf(e->message, sizeof e->message, "%s", message);
}

int fota_load_errors_first(const fota_load_errors_t *l, int rc, fota_load_error_t *err)
{
    if (err && l->n)
        *err = l->v[0];
    return rc;
}

static void set_err(fota_load_errors_t *l, const char *file, size_t line0, size_t col0,
                    const char *msg)
{
    /* libyaml marks are 0-based; messages are 1-based like every compiler's. */
    fota_load_errors_add(l, file, (int)(line0 > (size_t)INT_MAX - 1 ? INT_MAX - 1 : line0) + 1,
                         (int)(col0 > (size_t)INT_MAX - 1 ? INT_MAX - 1 : col0) + 1, msg);
}

int fota_yaml_fail(fota_yaml_t *y, const yaml_node_t *n, const char *fmt, ...)
{
    if (!n)
        return FOTA_E_PARSE;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Every loader message goes through here: a URL quoted in it loses its password. */
    char masked[256];
    fota_secret_mask(msg, masked, sizeof masked);
    set_err(y->errs, y->file, n->start_mark.line, n->start_mark.column, masked);
    return FOTA_E_PARSE;
}

/* Readers list a mapping's key errors before its values' errors: this file's
 * records are put in file order (insertion sort: a file lists at most 20). */
static void sort_by_place(fota_load_errors_t *l, size_t from)
{
    for (size_t i = from + 1; i < l->n; i++) {
        fota_load_error_t e = l->v[i];
        size_t j = i;
        while (j > from && (l->v[j - 1].line > e.line ||
                            (l->v[j - 1].line == e.line && l->v[j - 1].column > e.column))) {
            l->v[j] = l->v[j - 1];
            j--;
        }
        l->v[j] = e;
    }
}

int fota_yaml_done(fota_yaml_t *y, int rc)
{
    if (!y->errs)
        return rc;
    if (rc == FOTA_E_PARSE && y->errs->n == y->first && y->errs->more == 0)
        set_err(y->errs, y->file, 0, 0, "invalid file (no further detail)");
    sort_by_place(y->errs, y->first);
    return rc;
}

/* libyaml cannot go on after a syntax error: every error after it is unknown. */
#define REST_UNCHECKED "; nothing after this point was checked"

/* libyaml composes any depth, and 100k nested '[' take it half a minute: read the
 * events first and stop at the first collection deeper than FOTA_YAML_MAX_DEPTH.
 * Syntax errors are left to yaml_parser_load, which reports them the same way. */
static int check_depth(const char *file, const char *text, size_t len, fota_load_errors_t *err)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return FOTA_E_NOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, rc = 0;
    for (bool done = false; !done && !rc;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev))
            break;
        if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
            if (++depth > FOTA_YAML_MAX_DEPTH) {
                char msg[128];
                snprintf(msg, sizeof msg, "nested deeper than %d levels" REST_UNCHECKED,
                         FOTA_YAML_MAX_DEPTH);
                set_err(err, file, ev.start_mark.line, ev.start_mark.column, msg);
                rc = FOTA_E_PARSE;
            }
        } else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    return rc;
}

int fota_yaml_open(fota_yaml_t *y, const char *file, const char *text, size_t len,
                   fota_load_errors_t *err)
{
    memset(y, 0, sizeof *y);
    y->file = file;
    y->errs = err;
    y->first = err ? err->n : 0;
    int drc = check_depth(file, text, len, err);
    if (drc)
        return drc;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return FOTA_E_NOMEM;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int rc = 0;
    if (!yaml_parser_load(&p, &y->doc)) {
        char msg[256];
        snprintf(msg, sizeof msg, "YAML syntax error: %s%s%s" REST_UNCHECKED,
                 p.problem ? p.problem : "unknown problem", p.context ? " " : "",
                 p.context ? p.context : "");
        set_err(err, file, p.problem_mark.line, p.problem_mark.column, msg);
        rc = p.error == YAML_MEMORY_ERROR ? FOTA_E_NOMEM : FOTA_E_PARSE;
    } else {
        y->have_doc = true;
        if (!yaml_document_get_root_node(&y->doc)) {
            set_err(err, file, 0, 0, "empty document");
            rc = FOTA_E_PARSE;
        } else {
            /* A second document would be silently ignored: refuse it instead. */
            yaml_document_t extra;
            if (!yaml_parser_load(&p, &extra)) {
                char msg[256];
                snprintf(msg, sizeof msg, "YAML syntax error: %s" REST_UNCHECKED,
                         p.problem ? p.problem : "unknown problem");
                set_err(err, file, p.problem_mark.line, p.problem_mark.column, msg);
                rc = FOTA_E_PARSE;
            } else {
                yaml_node_t *r = yaml_document_get_root_node(&extra);
                if (r) {
                    set_err(err, file, r->start_mark.line, r->start_mark.column,
                            "only one YAML document is allowed per file");
                    rc = FOTA_E_PARSE;
                }
                yaml_document_delete(&extra);
            }
        }
    }
    yaml_parser_delete(&p);
    if (rc)
        fota_yaml_close(y);
    return rc;
}

void fota_yaml_close(fota_yaml_t *y)
{
    if (y->have_doc)
        yaml_document_delete(&y->doc);
    y->have_doc = false;
}

yaml_node_t *fota_yaml_root(fota_yaml_t *y)
{
    return y->have_doc ? yaml_document_get_root_node(&y->doc) : NULL;
}

int fota_file_read(const char *path, size_t max, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO for reading would wait for a writer forever. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return fota_error_from_errno(errno);
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0)
        rc = fota_error_from_errno(errno);
    else if (S_ISDIR(st.st_mode))
        rc = FOTA_E_ISDIR;
    else if (!S_ISREG(st.st_mode))
        rc = FOTA_E_NOTREG; /* a FIFO never ends, /dev/zero never stops growing */
    else if ((uintmax_t)st.st_size > max)
        rc = FOTA_E_TOOBIG;
    char *buf = NULL;
    size_t size = rc ? 0 : (size_t)st.st_size, n = 0;
    if (!rc && !(buf = malloc(size + 1)))
        rc = FOTA_E_NOMEM;
    while (!rc && n < size) {
        ssize_t got = read(fd, buf + n, size - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = fota_error_from_errno(errno);
        else if (got == 0)
            break; /* shrank while read: what is there */
        else
            n += (size_t)got;
    }
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

const char *fota_file_hint(int rc)
{
    switch (rc) {
    case FOTA_E_ACCES: return " (check the file's owner and mode)";
    case FOTA_E_TOOBIG: return " (a job or profile is at most 1 MiB)";
    case FOTA_E_NOTREG: return "; give the path of an ordinary file";
    default: return "";
    }
}

void fota_yaml_io_error(fota_load_errors_t *errs, const char *path, int rc)
{
    char msg[256];
    snprintf(msg, sizeof msg, "cannot read: %s%s", fota_strerror(rc), fota_file_hint(rc));
    fota_load_errors_add(errs, path, 0, 0, msg);
}

int fota_yaml_read_file(const char *path, char **text, size_t *len)
{
    return fota_file_read(path, FOTA_YAML_MAX_BYTES, text, len);
}

const char *fota_yaml_scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_plain(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool fota_yaml_is_null(const yaml_node_t *n)
{
    if (!is_plain(n))
        return false;
    const char *s = (const char *)n->data.scalar.value;
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0;
}

bool fota_yaml_is_unknown(const yaml_node_t *n)
{
    return is_plain(n) && strcasecmp((const char *)n->data.scalar.value, "unknown") == 0;
}

static const char *type_name(const yaml_node_t *n)
{
    if (!n)
        return "nothing";
    switch (n->type) {
    case YAML_SCALAR_NODE: return fota_yaml_is_null(n) ? "an empty value" : "a scalar";
    case YAML_SEQUENCE_NODE: return "a sequence";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

size_t fota_yaml_pairs(yaml_node_t *map)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return 0;
    return (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

void fota_yaml_pair(fota_yaml_t *y, yaml_node_t *map, size_t i, yaml_node_t **k,
                    yaml_node_t **v)
{
    yaml_node_pair_t *p = map->data.mapping.pairs.start + i;
    *k = yaml_document_get_node(&y->doc, p->key);
    *v = yaml_document_get_node(&y->doc, p->value);
}

/* One key of a mapping against the schema: 0, or the error listed. */
static int map_key(fota_yaml_t *y, yaml_node_t *k, yaml_node_t *v, fota_yaml_field_t *f,
                   size_t nf, const char *what)
{
    const char *key = fota_yaml_scalar(k);
    if (!key)
        return fota_yaml_fail(y, k, "%s: a key must be a plain name", what);
    size_t j = 0;
    while (j < nf && strcmp(f[j].key, key) != 0)
        j++;
    if (j == nf) {
        char allowed[160] = "";
        size_t used = 0;
        for (size_t a = 0; a < nf && used < sizeof allowed; a++)
            used += (size_t)snprintf(allowed + used, sizeof allowed - used, "%s%s",
                                     a ? ", " : "", f[a].key);
        return fota_yaml_fail(y, k, "%s: unknown key '%.40s' (expected one of: %s)", what, key,
                              allowed);
    }
    if (f[j].key_node)
        return fota_yaml_fail(y, k, "%s: duplicate key '%s' (first at line %zu)", what, key,
                              f[j].key_node->start_mark.line + 1);
    f[j].key_node = k;
    f[j].node = v;
    return 0;
}

int fota_yaml_map(fota_yaml_t *y, yaml_node_t *n, fota_yaml_field_t *f, size_t nf,
                  const char *what)
{
    for (size_t i = 0; i < nf; i++)
        f[i].node = f[i].key_node = NULL;
    if (!n || n->type != YAML_MAPPING_NODE)
        return fota_yaml_fail(y, n, "%s: expected a mapping, found %s", what, type_name(n));
    int rc = 0;
    size_t np = fota_yaml_pairs(n);
    for (size_t i = 0; i < np; i++) {
        yaml_node_t *k, *v;
        fota_yaml_pair(y, n, i, &k, &v);
        fota_yaml_stop(&rc, map_key(y, k, v, f, nf, what));
    }
    for (size_t j = 0; j < nf; j++)
        if (f[j].required && !f[j].node)
            rc = fota_yaml_fail(y, n, "%s: missing required key '%s'", what, f[j].key);
    return rc;
}

int fota_yaml_seq(fota_yaml_t *y, yaml_node_t *n, const char *what, size_t *count)
{
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return fota_yaml_fail(y, n, "%s: expected a sequence, found %s", what, type_name(n));
    *count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    return 0;
}

yaml_node_t *fota_yaml_item(fota_yaml_t *y, yaml_node_t *seq, size_t i)
{
    return yaml_document_get_node(&y->doc, seq->data.sequence.items.start[i]);
}

int fota_yaml_str(fota_yaml_t *y, yaml_node_t *n, const char *what, char **out)
{
    const char *s = fota_yaml_scalar(n);
    if (!s || fota_yaml_is_null(n))
        return fota_yaml_fail(y, n, "%s: expected a string, found %s", what, type_name(n));
    if (strlen(s) != n->data.scalar.length)
        return fota_yaml_fail(y, n, "%s: NUL byte in string", what);
    *out = strdup(s);
    return *out ? 0 : FOTA_E_NOMEM;
}

void fota_yaml_free_strv(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int fota_yaml_str_list(fota_yaml_t *y, yaml_node_t *n, const char *what, char ***out,
                       size_t *count)
{
    size_t cnt = 0; /* set by fota_yaml_seq on success; -O2 cannot see that */
    int rc = fota_yaml_seq(y, n, what, &cnt);
    if (rc)
        return rc;
    if (cnt == 0)
        return fota_yaml_fail(y, n, "%s: the list is empty", what);
    char **v = calloc(cnt, sizeof *v);
    if (!v)
        return FOTA_E_NOMEM;
    for (size_t i = 0; i < cnt; i++)
        if (fota_yaml_stop(&rc, fota_yaml_str(y, fota_yaml_item(y, n, i), what, &v[i])))
            break;
    if (rc) {
        fota_yaml_free_strv(v, cnt);
        return rc;
    }
    *out = v;
    *count = cnt;
    return 0;
}

int fota_yaml_long(fota_yaml_t *y, yaml_node_t *n, const char *what, long lo, long hi,
                   long *out)
{
    const char *s = fota_yaml_scalar(n);
    if (!is_plain(n) || fota_yaml_is_null(n))
        return fota_yaml_fail(y, n, "%s: expected an integer, found %s", what,
                              s && !fota_yaml_is_null(n) ? "a quoted string" : type_name(n));
    errno = 0;
    char *end;
    long v = strtol(s, &end, 0);
    if (end == s || *end != '\0' || errno == ERANGE || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
        return fota_yaml_fail(y, n, "%s: expected an integer, found '%.40s'", what, s);
    if (v < lo || v > hi)
        return fota_yaml_fail(y, n, "%s: %ld is out of range %ld..%ld", what, v, lo, hi);
    *out = v;
    return 0;
}

int fota_yaml_seconds(fota_yaml_t *y, yaml_node_t *n, const char *what, unsigned lo_ms,
                      unsigned hi_ms, unsigned *out_ms)
{
    const char *s = fota_yaml_scalar(n);
    if (!is_plain(n) || fota_yaml_is_null(n))
        return fota_yaml_fail(y, n, "%s: expected seconds, found %s", what,
                              s && !fota_yaml_is_null(n) ? "a quoted string" : type_name(n));
    /* Digits, then at most three decimals: no exponent, sign, inf or nan. */
    unsigned long whole = 0, frac = 0, scale = 1000;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return fota_yaml_fail(y, n, "%s: expected seconds, found '%.40s'", what, s);
    while (*p >= '0' && *p <= '9' && whole <= 86400000ul)
        whole = whole * 10 + (unsigned long)(*p++ - '0');
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9' && scale > 1) {
            scale /= 10;
            frac += (unsigned long)(*p++ - '0') * scale;
        }
    }
    if (*p != '\0')
        return fota_yaml_fail(y, n, "%s: expected seconds (at most 3 decimals), found '%.40s'",
                              what, s);
    unsigned long ms = whole * 1000ul + frac;
    if (whole > 86400000ul || ms < lo_ms || ms > hi_ms)
        return fota_yaml_fail(y, n, "%s: %.40s is out of range %g..%g s", what, s,
                              lo_ms / 1000.0, hi_ms / 1000.0);
    *out_ms = (unsigned)ms;
    return 0;
}

int fota_yaml_bool(fota_yaml_t *y, yaml_node_t *n, const char *what, bool *out)
{
    const char *s = is_plain(n) ? fota_yaml_scalar(n) : NULL;
    static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
    for (size_t i = 0; s && i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return fota_yaml_fail(y, n, "%s: expected true or false, found %s%.40s%s", what,
                          s ? "'" : "", s ? s : type_name(n), s ? "'" : "");
}

int fota_yaml_at_safe(fota_yaml_t *y, yaml_node_t *n, const char *what, const char *s,
                      bool quoted)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\r' || *p == '\n')
            return fota_yaml_fail(y, n, "%s: a line break (%s) would end the AT command early",
                                  what, *p == '\r' ? "CR" : "LF");
        if (*p < 0x20 || *p == 0x7f)
            return fota_yaml_fail(y, n, "%s: control byte 0x%02x cannot be sent to a module",
                                  what, *p);
        if (quoted && *p == '"')
            return fota_yaml_fail(y, n, "%s: a '\"' would end the quoted AT argument early "
                                        "(write it as %%22 in a URL)",
                                  what);
    }
    return 0;
}
