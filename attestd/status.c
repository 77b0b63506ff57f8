/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "config.h"
#include "common/cleanup.h"
#include "common/file-io.h"
#include "status.h"

#define STATUS_MAX_SIZE (1024 * 1024)

static int ensure_dir(const char *dir)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int status_write(const char *run_dir, json_t *status)
{
    int r = ensure_dir(run_dir);
    if (r < 0)
        return r;
    _cleanup_free_ char *path = agent_path(run_dir, AGENT_STATUS);
    _cleanup_free_ char *text = json_dumps(status, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!path || !text)
        return -ENOMEM;
    size_t len = strlen(text);
    text[len] = '\n'; /* replaces the NUL: written with its length */
    return file_write_atomic(path, text, len + 1, 0644);
}

/*
 * The group that may read verdict.jwt (ATTEST_VERDICT_GROUP, made by the
 * package): (gid_t)-1 when this system has no such group, and the token stays
 * readable by root only.
 */
static gid_t verdict_gid(const char *path)
{
    char buf[4096];
    struct group gr, *found = NULL;
    int r = getgrnam_r(ATTEST_VERDICT_GROUP, &gr, buf, sizeof(buf), &found);
    if (r != 0 || !found) {
        fprintf(stderr, "attestd: %s %s: %s is readable by root only\n",
                r != 0 ? "cannot look up the group" : "no group", ATTEST_VERDICT_GROUP, path);
        return (gid_t)-1;
    }
    return found->gr_gid;
}

int status_write_verdict(const char *run_dir, const char *token)
{
    int r = ensure_dir(run_dir);
    if (r < 0)
        return r;
    _cleanup_free_ char *path = agent_path(run_dir, AGENT_VERDICT);
    if (!path)
        return -ENOMEM;
    return file_write_atomic_group(path, token, strlen(token), 0640, verdict_gid(path),
                                   FILE_WRITE_DURABLE);
}

int status_remove_verdict(const char *run_dir)
{
    _cleanup_free_ char *path = agent_path(run_dir, AGENT_VERDICT);
    if (!path)
        return -ENOMEM;
    if (unlink(path) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

int status_read(const char *run_dir, json_t **ret)
{
    _cleanup_free_ char *path = agent_path(run_dir, AGENT_STATUS);
    if (!path)
        return -ENOMEM;
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    int r = file_read_all(path, STATUS_MAX_SIZE, &buf, &len);
    if (r < 0)
        return r;
    json_t *j = json_loadb((const char *)buf, len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return -EBADMSG;
    }
    *ret = j;
    return 0;
}
