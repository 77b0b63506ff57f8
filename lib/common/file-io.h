/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Read a whole file (regular file, or a pseudo file such as securityfs whose
 * size is not known in advance) into a malloc'ed buffer, refusing more than
 * max_size bytes (-EFBIG). The buffer is NUL-terminated one past *ret_len so
 * text parsers can use it; *ret_len excludes that byte.
 */
int file_read_all(const char *path, size_t max_size, uint8_t **ret_buf, size_t *ret_len);

/*
 * Write atomically: temp file in the same directory with the final mode,
 * write, fsync, rename over path, fsync the directory. A reader sees the old
 * or the new content, never a partial one, and after a crash the new content
 * is on disk. On failure the temp file is removed.
 */
int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode);

enum file_write_flags {
    FILE_WRITE_DURABLE = 1 << 0, /* fsync the file and its directory */
};

/*
 * file_write_atomic() with the fsyncs optional: without FILE_WRITE_DURABLE a
 * reader still never sees a partial file, but a crash may leave the old
 * content, an empty file or the temp file. For files that are cheap to make
 * again.
 */
int file_write_atomic_flags(const char *path, const void *buf, size_t len, mode_t mode,
                            unsigned flags);

/*
 * file_write_atomic_flags() that also gives the file to group gid before its
 * content is written ((gid_t)-1: the writer's group). The file is never
 * visible under its name with another group or mode. Changing the group needs
 * CAP_CHOWN or membership of gid (a unit's SupplementaryGroups=): -EPERM
 * otherwise, and nothing is replaced.
 */
int file_write_atomic_group(const char *path, const void *buf, size_t len, mode_t mode, gid_t gid,
                            unsigned flags);
