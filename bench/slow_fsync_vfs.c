/* Test-only SQLite VFS shim: a slow disk for the loop-latency benchmark
 * (bench/loop_latency.py). Loaded with LD_PRELOAD into fota-station, its constructor
 * registers a VFS that wraps the default one and becomes the new default; every
 * xSync first sleeps SLOW_FSYNC_MS milliseconds (default 50), then syncs for real.
 * Everything else goes straight through. Built by bench/CMakeLists.txt, never
 * installed, never linked into the station. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    sqlite3_file base; /* our methods */
    sqlite3_file *real; /* the wrapped VFS's file, right after this struct */
} slow_file_t;

static sqlite3_vfs slow_vfs;
static sqlite3_vfs *real_vfs;
static long slow_ms = 50;

#define REAL(f) (((slow_file_t *)(f))->real)

static int slow_close(sqlite3_file *f)
{
    int rc = REAL(f)->pMethods->xClose(REAL(f));
    return rc;
}
static int slow_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xRead(REAL(f), b, n, o);
}
static int slow_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    return REAL(f)->pMethods->xWrite(REAL(f), b, n, o);
}
static int slow_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int slow_sync(sqlite3_file *f, int flags)
{
    struct timespec ts = {slow_ms / 1000, (slow_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int slow_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int slow_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}
static int slow_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}
static int slow_check(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int slow_fcntl(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int slow_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}
static int slow_dev(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int slow_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, pp);
}
static int slow_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void slow_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}
static int slow_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}
static int slow_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), o, n, pp);
}
static int slow_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), o, p);
}

/* Version 1 methods only when the real file has no more (xShm* would be NULL). */
static const sqlite3_io_methods slow_io[4] = {
    {0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL},
    {1, slow_close, slow_read, slow_write, slow_truncate, slow_sync, slow_size, slow_lock,
     slow_unlock, slow_check, slow_fcntl, slow_sector, slow_dev, NULL, NULL, NULL, NULL, NULL,
     NULL},
    {2, slow_close, slow_read, slow_write, slow_truncate, slow_sync, slow_size, slow_lock,
     slow_unlock, slow_check, slow_fcntl, slow_sector, slow_dev, slow_shm_map, slow_shm_lock,
     slow_shm_barrier, slow_shm_unmap, NULL, NULL},
    {3, slow_close, slow_read, slow_write, slow_truncate, slow_sync, slow_size, slow_lock,
     slow_unlock, slow_check, slow_fcntl, slow_sector, slow_dev, slow_shm_map, slow_shm_lock,
     slow_shm_barrier, slow_shm_unmap, slow_fetch, slow_unfetch},
};

static int slow_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out)
{
    (void)vfs;
    slow_file_t *sf = (slow_file_t *)f;
    sf->real = (sqlite3_file *)(sf + 1);
    int rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out);
    if (rc != SQLITE_OK || !sf->real->pMethods) {
        f->pMethods = NULL; /* nothing to close */
        return rc;
    }
    int v = sf->real->pMethods->iVersion;
    f->pMethods = &slow_io[v < 1 ? 1 : v > 3 ? 3 : v];
    return rc;
}

/* The rest of the VFS (delete, access, randomness, time…) is the real one's, called
 * with the real VFS. */
#define PASS(name, args, call) \
    static int slow_##name args { (void)vfs; return real_vfs->name call; }
PASS(xDelete, (sqlite3_vfs *vfs, const char *p, int sync), (real_vfs, p, sync))
PASS(xAccess, (sqlite3_vfs *vfs, const char *p, int fl, int *out), (real_vfs, p, fl, out))
PASS(xFullPathname, (sqlite3_vfs *vfs, const char *p, int n, char *out), (real_vfs, p, n, out))
PASS(xRandomness, (sqlite3_vfs *vfs, int n, char *out), (real_vfs, n, out))
PASS(xSleep, (sqlite3_vfs *vfs, int us), (real_vfs, us))
PASS(xCurrentTime, (sqlite3_vfs *vfs, double *t), (real_vfs, t))
PASS(xGetLastError, (sqlite3_vfs *vfs, int n, char *out), (real_vfs, n, out))
PASS(xCurrentTimeInt64, (sqlite3_vfs *vfs, sqlite3_int64 *t), (real_vfs, t))

__attribute__((constructor)) static void slow_register(void)
{
    const char *env = getenv("SLOW_FSYNC_MS");
    if (env)
        slow_ms = strtol(env, NULL, 10);
    real_vfs = sqlite3_vfs_find(NULL);
    if (!real_vfs)
        return;
    slow_vfs.iVersion = 2;
    slow_vfs.szOsFile = (int)sizeof(slow_file_t) + real_vfs->szOsFile;
    slow_vfs.mxPathname = real_vfs->mxPathname;
    slow_vfs.zName = "slow-fsync";
    slow_vfs.xOpen = slow_open;
    slow_vfs.xDelete = slow_xDelete;
    slow_vfs.xAccess = slow_xAccess;
    slow_vfs.xFullPathname = slow_xFullPathname;
    slow_vfs.xRandomness = slow_xRandomness;
    slow_vfs.xSleep = slow_xSleep;
    slow_vfs.xCurrentTime = slow_xCurrentTime;
    slow_vfs.xGetLastError = slow_xGetLastError;
    slow_vfs.xCurrentTimeInt64 = real_vfs->iVersion >= 2 && real_vfs->xCurrentTimeInt64
                                     ? slow_xCurrentTimeInt64
                                     : NULL;
    sqlite3_vfs_register(&slow_vfs, 1);
}
