/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "attestctl.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/file-io.h"
#include "common/tpm-alg.h"
#include "log/eventlog-pcrs.h"
#include "util.h"

#define PCRS_JSON_MAX (1024 * 1024)

int attestctl_read_file(const char *what, const char *path, size_t max, uint8_t **ret_buf,
                        size_t *ret_len)
{
    int r = file_read_all(path, max, ret_buf, ret_len);
    if (r < 0)
        fprintf(stderr, "attestctl: cannot read %s%s'%s': %s\n", what ? what : "", what ? " " : "",
                path, att_strerror(r));
    return r;
}

void attestctl_print_hex(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%02x", b[i]);
}

int attestctl_read_pcrs_json(const char *path, TPM2_ALG_ID bank, struct pcr_values *v)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len;
    if (attestctl_read_file(NULL, path, PCRS_JSON_MAX, &buf, &len) < 0)
        return ATTESTCTL_EXIT_USAGE;
    int r = eventlog_pcrs_from_json((const char *)buf, len, bank, v);
    if (r < 0) {
        fprintf(stderr, "attestctl: '%s': %s\n", path,
                r == -ENOENT ? "no PCR values for the requested bank" : "not a pcrs.json document");
        return ATTESTCTL_EXIT_USAGE;
    }
    return 0;
}

int attestctl_one_command(int argc, char **argv, const char *cmd, void (*usage)(FILE *))
{
    if (argc < 2) {
        usage(stderr);
        return ATTESTCTL_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return ATTESTCTL_EXIT_OK;
    }
    if (strcmp(argv[1], cmd) != 0) {
        fprintf(stderr, "attestctl %s: unknown command '%s'\n", argv[0], argv[1]);
        usage(stderr);
        return ATTESTCTL_EXIT_USAGE;
    }
    return ATTESTCTL_CONTINUE;
}

int attestctl_log_args_parse(int argc, char **argv, void (*usage)(FILE *),
                             struct attestctl_log_args *ret)
{
    static const struct option opts[] = {
        {"bank", required_argument, NULL, 'b'},
        {"pcrs", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct attestctl_log_args a = {.bank = TPM2_ALG_ERROR};
    int c;

    if (argc < 2) {
        usage(stderr);
        return ATTESTCTL_EXIT_USAGE;
    }
    a.cmd = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
        switch (c) {
        case 'b':
            a.bank = tpm_alg_hash_from_name(optarg);
            if (a.bank == TPM2_ALG_ERROR) {
                fprintf(stderr, "attestctl: unknown bank '%s'\n", optarg);
                return ATTESTCTL_EXIT_USAGE;
            }
            break;
        case 'p':
            a.pcrs = optarg;
            break;
        case 'h':
            usage(stdout);
            return ATTESTCTL_EXIT_OK;
        default:
            usage(stderr);
            return ATTESTCTL_EXIT_USAGE;
        }
    }
    if (strcmp(a.cmd, "--help") == 0 || strcmp(a.cmd, "-h") == 0) {
        usage(stdout);
        return ATTESTCTL_EXIT_OK;
    }
    if (optind != argc - 1) {
        usage(stderr);
        return ATTESTCTL_EXIT_USAGE;
    }
    a.file = argv[optind];
    *ret = a;
    return ATTESTCTL_CONTINUE;
}
