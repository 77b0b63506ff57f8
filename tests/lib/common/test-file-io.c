/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomic_write_and_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
