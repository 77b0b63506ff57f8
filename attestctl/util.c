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
#include "log/ima.h"
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

/* An ascii list starts with a PCR number and a space; a binary one with a 32-bit PCR. */
static bool looks_ascii(const uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len && i < 3 && buf[i] >= '0' && buf[i] <= '9')
        i++;
    return i > 0 && i < len && buf[i] == ' ';
}

int attestctl_read_ima_list(const char *path, struct ima_list **ret, int malformed_exit)
{
    _cleanup_free_ uint8_t *buf = NULL;
    size_t len, bad = 0;
    if (attestctl_read_file(NULL, path, IMA_MAX_SIZE, &buf, &len) < 0)
        return ATTESTCTL_EXIT_USAGE;
    if (looks_ascii(buf, len)) {
        int k = ima_parse_ascii_list((const char *)buf, len, ret, &bad);
        if (k == -EBADMSG) {
            fprintf(stderr,
                    "attestctl: '%s': ascii IMA list refused at line %zu: malformed, or its "
                    "template hash cannot be checked against its fields\n",
                    path, bad);
            return malformed_exit;
        }
        if (k < 0) {
            fprintf(stderr, "attestctl: '%s': %s\n", path, att_strerror(k));
            return ATTESTCTL_EXIT_USAGE;
        }
        return 0;
    }
    int k = ima_parse(buf, len, ret, &bad);
    if (k == -EBADMSG) {
        fprintf(stderr, "attestctl: '%s': malformed IMA list at byte offset %zu\n", path, bad);
        return malformed_exit;
    }
    if (k < 0) {
        fprintf(stderr, "attestctl: '%s': %s\n", path, att_strerror(k));
        return ATTESTCTL_EXIT_USAGE;
    }
    if ((*ret)->trailing)
        fprintf(stderr, "attestctl: '%s': ignored an incomplete last entry (%zu bytes)\n", path,
                (*ret)->trailing);
    return 0;
}
