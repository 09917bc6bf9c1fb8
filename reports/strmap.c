#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (256 * 1024)

typedef struct block {
    struct block *next;
    size_t used, cap;
    char data[];
} block_t;

struct fota_strmap {
    int64_t *slots;   /* index + 1, 0 = empty */
    uint64_t *hashes; /* per index, to rehash and to compare cheaply */
    const char **keys;
    size_t n_slots;   /* power of two */
    int64_t count, cap_keys;
    block_t *arena;
};

/* 8 bytes per step (keys are model names and revision pairs, ~40 bytes):
 * a multiply-xorshift over little chunks, then a final mix. */
static uint64_t hash(const char *s)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL;
    size_t n = strlen(s), i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
    }
    uint64_t w = n;
    for (; i < n; i++)
        w = (w << 8) | (unsigned char)s[i];
    h = (h ^ w) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

fota_strmap_t *fota_strmap_new(void)
{
    fota_strmap_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->n_slots = 64;
    m->slots = calloc(m->n_slots, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void fota_strmap_free(fota_strmap_t *m)
{
    if (!m)
        return;
    for (block_t *b = m->arena, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    free(m->slots);
    free(m->hashes);
    free(m->keys);
    free(m);
}

static char *arena_copy(fota_strmap_t *m, const char *s)
{
    size_t n = strlen(s) + 1;
    if (!m->arena || m->arena->cap - m->arena->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        block_t *b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = m->arena;
        b->used = 0;
        b->cap = cap;
        m->arena = b;
    }
    char *p = m->arena->data + m->arena->used;
    memcpy(p, s, n);
    m->arena->used += n;
    return p;
}

static int grow(fota_strmap_t *m)
{
    size_t n = m->n_slots * 2;
    int64_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    for (int64_t i = 0; i < m->count; i++) {
        size_t j = m->hashes[i] & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = i + 1;
    }
    free(m->slots);
    m->slots = slots;
    m->n_slots = n;
    return 0;
}

int64_t fota_strmap_get(fota_strmap_t *m, const char *key, int *added)
{
    uint64_t h = hash(key);
    size_t j = h & (m->n_slots - 1);
    for (; m->slots[j]; j = (j + 1) & (m->n_slots - 1)) {
        int64_t i = m->slots[j] - 1;
        if (m->hashes[i] == h && strcmp(m->keys[i], key) == 0) {
            if (added)
                *added = 0;
            return i;
        }
    }
    if (m->count == m->cap_keys) {
        int64_t cap = m->cap_keys ? 2 * m->cap_keys : 64;
        uint64_t *hs = realloc(m->hashes, (size_t)cap * sizeof *hs);
        if (!hs)
            return -1;
        m->hashes = hs;
        const char **ks = realloc(m->keys, (size_t)cap * sizeof *ks);
        if (!ks)
            return -1;
        m->keys = ks;
        m->cap_keys = cap;
    }
    char *copy = arena_copy(m, key);
    if (!copy)
        return -1;
    int64_t i = m->count++;
    m->keys[i] = copy;
    m->hashes[i] = h;
    m->slots[j] = i + 1;
    if (added)
        *added = 1;
    if ((size_t)m->count * 2 > m->n_slots && grow(m) < 0)
        return -1;
    return i;
}

const char *fota_strmap_key(const fota_strmap_t *m, int64_t i)
{
    return i >= 0 && i < m->count ? m->keys[i] : NULL;
}

int64_t fota_strmap_count(const fota_strmap_t *m)
{
    return m->count;
}
