/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: measured-boot and IMA policy documents, evaluated when they parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog-builder.h"
#include "ima-builder.h"
#include "policy/policy-boot.h"
#include "policy/policy-ima.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A small log and list to evaluate parsed policies against. */
static void evaluate_boot(const struct policy_boot *p)
{
    struct logbuf b;
    uint8_t var[64], on = 1;
    memset(&b, 0, sizeof(b));
    lb_spec_id(&b);
    size_t n = efi_var(var, "SecureBoot", &on, 1);
    lb_event(&b, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, var, n, var, n);
    lb_event(&b, 4, EV_EFI_BOOT_SERVICES_APPLICATION, "shim", 4, "p", 1);
    lb_event(&b, 8, EV_IPL, "ro", 2, "kernel_cmdline: ro", 19);
    struct eventlog *log = NULL;
    struct eventlog_replay *r = malloc(sizeof(*r));
    struct policy_result *res = calloc(1, sizeof(*res));
    struct eventlog_facts f;
    if (r && res && eventlog_parse(b.buf, b.len, &log, NULL) == 0 && eventlog_replay(log, r) == 0 &&
        eventlog_facts_extract(log, &f) == 0) {
        (void)policy_boot_evaluate(p, log, r, &f, POLICY_ALL_PCRS, res);
        eventlog_facts_done(&f);
    }
    policy_result_done(res);
    free(res);
    free(r);
    eventlog_free(log);
}

static void evaluate_ima(const struct policy_ima *p)
{
    struct imabuf b = {0};
    uint8_t d[32] = {0x11};
    ib_entry(&b, 10, "boot_aggregate", d, 0);
    ib_entry(&b, 10, "/usr/bin/bash", d, 0);
    ib_entry(&b, 10, "/tmp/x", d, 1);
    struct ima_list *l = NULL;
    struct policy_result *res = calloc(1, sizeof(*res));
    if (res && ima_parse(b.buf, b.len, &l, NULL) == 0)
        (void)policy_ima_evaluate(p, l, 0, 0, l->n_entries, POLICY_ALL_PCRS, res);
    policy_result_done(res);
    free(res);
    ima_list_free(l);
    free(b.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *err = NULL;
    struct policy_boot *pb = NULL;
    if (policy_boot_parse((const char *)data, size, &pb, &err) == 0) {
        (void)policy_boot_firmware_pcrs(pb);
        evaluate_boot(pb);
    }
    policy_boot_free(pb);
    free(err);
    err = NULL;
    struct policy_ima *pi = NULL;
    if (policy_ima_parse((const char *)data, size, &pi, &err) == 0)
        evaluate_ima(pi);
    policy_ima_free(pi);
    free(err);
    return 0;
}
