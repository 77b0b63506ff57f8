/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file-io.h"

int file_read_all(const char *path, size_t max_size, uint8_t **ret_buf, size_t *ret_len)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;

    size_t cap = 4096, len = 0;
    _cleanup_free_ uint8_t *buf = malloc(cap + 1);
    if (!buf)
        return -ENOMEM;

    for (;;) {
        if (len == cap) {
            if (cap > max_size)
                return -EFBIG;
            size_t ncap = cap * 2;
            uint8_t *n = realloc(buf, ncap + 1);
            if (!n)
                return -ENOMEM;
            buf = n;
            cap = ncap;
        }
        ssize_t k = read(fd, buf + len, cap - len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (k == 0)
            break;
        len += (size_t)k;
        if (len > max_size)
            return -EFBIG;
    }
    buf[len] = 0;
    *ret_buf = TAKE_PTR(buf);
    *ret_len = len;
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

static int fsync_parent(const char *path)
{
    _cleanup_free_ char *copy = strdup(path);
    if (!copy)
        return -ENOMEM;
    _cleanup_close_ int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    return fsync(dfd) < 0 ? -errno : 0;
}

int file_write_atomic_group(const char *path, const void *buf, size_t len, mode_t mode, gid_t gid,
                            unsigned flags)
{
    bool durable = flags & FILE_WRITE_DURABLE;
    _cleanup_free_ char *tmp = NULL;
    if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
        return -ENOMEM;

    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;

    /* group first, then mode: the temp file never has the final mode with
     * the writer's group (mkostemp made it 0600) */
    int r = gid != (gid_t)-1 && fchown(fd, (uid_t)-1, gid) < 0 ? -errno : 0;
    if (r == 0 && fchmod(fd, mode) < 0)
        r = -errno;
    if (r == 0)
        r = write_all(fd, buf, len);
    if (r == 0 && durable && fsync(fd) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0) {
        unlink(tmp);
        return r;
    }
    return durable ? fsync_parent(path) : 0;
}

int file_write_atomic_flags(const char *path, const void *buf, size_t len, mode_t mode,
                            unsigned flags)
{
    return file_write_atomic_group(path, buf, len, mode, (gid_t)-1, flags);
}

int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode)
{
    return file_write_atomic_flags(path, buf, len, mode, FILE_WRITE_DURABLE);
}
