/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
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

int status_write_verdict(const char *run_dir, const char *token)
{
    int r = ensure_dir(run_dir);
    if (r < 0)
        return r;
    _cleanup_free_ char *path = agent_path(run_dir, AGENT_VERDICT);
    if (!path)
        return -ENOMEM;
    return file_write_atomic(path, token, strlen(token), 0640);
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
