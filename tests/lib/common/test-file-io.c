/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/file-io.h"

static void test_atomic_write_and_read(void **state)
{
    char dir[] = "/tmp/attest-fileio.XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *path = NULL;
    assert_true(asprintf(&path, "%s/blob", dir) > 0);

    uint8_t data[10000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    assert_int_equal(file_write_atomic(path, data, sizeof(data), 0600), 0);

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);

    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    assert_int_equal(file_read_all(path, sizeof(data), &buf, &len), 0);
    assert_int_equal(len, sizeof(data));
    assert_memory_equal(buf, data, len);

    uint8_t *big = NULL;
    assert_int_equal(file_read_all(path, sizeof(data) - 1, &big, &len), -EFBIG);
    assert_null(big);

    unlink(path);
    rmdir(dir);
    assert_int_equal(file_read_all(path, 100, &big, &len), -ENOENT);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *de; (de = readdir(d));)
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void assert_file_is(const char *path, const char *want, mode_t mode)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, mode);
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    assert_int_equal(file_read_all(path, 1024, &buf, &len), 0);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(buf, want, len);
}

/* Without FILE_WRITE_DURABLE: same mode, content, replacement and cleanup, no fsync. */
static void test_atomic_not_durable(void **state)
{
    char dir[] = "/tmp/attest-fileio.XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *path = NULL, *sub = NULL, *inner = NULL;
    assert_true(asprintf(&path, "%s/quote.msg", dir) > 0);

    assert_int_equal(file_write_atomic_flags(path, "first", 5, 0644, 0), 0);
    assert_file_is(path, "first", 0644);
    /* an existing file is replaced whole, mode included */
    assert_int_equal(file_write_atomic_flags(path, "2nd", 3, 0600, 0), 0);
    assert_file_is(path, "2nd", 0600);
    assert_int_equal(file_write_atomic_flags(path, "", 0, 0644, 0), 0);
    assert_file_is(path, "", 0644);
    assert_int_equal(count_entries(dir), 1); /* no temp file left */
    unlink(path);

    /* rename fails (a non-empty directory is in the way): the temp file goes */
    assert_true(asprintf(&sub, "%s/busy", dir) > 0);
    assert_true(asprintf(&inner, "%s/busy/x", dir) > 0);
    assert_int_equal(mkdir(sub, 0755), 0);
    assert_int_equal(file_write_atomic_flags(inner, "x", 1, 0644, 0), 0);
    int r = file_write_atomic_flags(sub, "data", 4, 0644, 0);
    assert_true(r == -EISDIR || r == -ENOTEMPTY || r == -EEXIST);
    assert_int_equal(count_entries(dir), 1);
    assert_int_equal(count_entries(sub), 1);

    /* no such directory: nothing is created */
    _cleanup_free_ char *missing = NULL;
    assert_true(asprintf(&missing, "%s/none/f", dir) > 0);
    assert_int_equal(file_write_atomic_flags(missing, "x", 1, 0644, 0), -ENOENT);
    assert_int_equal(count_entries(dir), 1);

    unlink(inner);
    rmdir(sub);
    rmdir(dir);
}

static gid_t group_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_gid;
}

/* The group is set with the mode, before the file appears under its name. */
static void test_atomic_group(void **state)
{
    char dir[] = "/tmp/attest-fileio.XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *path = NULL;
    assert_true(asprintf(&path, "%s/verdict.jwt", dir) > 0);

    /* root may give any group; anyone else a group it is a member of */
    gid_t groups[64];
    int n = getgroups(64, groups);
    assert_true(n >= 0);
    gid_t want = geteuid() == 0 ? 4242 : (n > 0 ? groups[n - 1] : getegid());
    assert_int_equal(file_write_atomic_group(path, "tok", 3, 0640, want, 0), 0);
    assert_file_is(path, "tok", 0640);
    assert_int_equal(group_of(path), want);
    /* (gid_t)-1: the writer's group, as file_write_atomic_flags */
    assert_int_equal(file_write_atomic_group(path, "t2", 2, 0640, (gid_t)-1, FILE_WRITE_DURABLE),
                     0);
    assert_file_is(path, "t2", 0640);
    assert_int_equal(group_of(path), getegid());
    assert_int_equal(count_entries(dir), 1);

    if (geteuid() == 0) {
        /* a writer outside the group is refused and replaces nothing */
        assert_int_equal(chmod(dir, 0777), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
                _exit(2);
            _exit(file_write_atomic_group(path, "evil", 4, 0640, 4242, 0) == -EPERM ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_file_is(path, "t2", 0640);
        assert_int_equal(count_entries(dir), 1);
    }
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomic_write_and_read),
        cmocka_unit_test(test_atomic_not_durable),
        cmocka_unit_test(test_atomic_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
