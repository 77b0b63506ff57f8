/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One run of attest-generator (see attest-generator(8)): read the gate
 * configuration and the kernel command line (test overrides from the
 * environment), write the drop-ins. No TPM, no network; configuration errors
 * become a failing attest.service, never a dropped gate.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file-io.h"
#include "config.h"
#include "gate-cmdline.h"
#include "gate-config.h"
#include "gate-run.h"
#include "gate-set.h"
#include "gate-write.h"

#define CMDLINE_MAX (64 * 1024)

/* systemd's own convention: SYSTEMD_IN_INITRD overrides the /etc/initrd-release check. */
static bool in_initrd(void)
{
    const char *e = getenv("SYSTEMD_IN_INITRD");
    if (e && *e)
        return strcmp(e, "1") == 0 || strcmp(e, "yes") == 0 || strcmp(e, "true") == 0;
    return access("/etc/initrd-release", F_OK) == 0;
}

/* ATTEST_CMDLINE replaces /proc/cmdline (tests), like SYSTEMD_PROC_CMDLINE. */
static int read_cmdline(struct gate_set *g, char **ret)
{
    const char *e = getenv("ATTEST_CMDLINE");
    if (e) {
        *ret = strdup(e);
        return *ret ? 0 : -ENOMEM;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    int r = file_read_all("/proc/cmdline", CMDLINE_MAX, &buf, &len);
    if (r == -ENOMEM)
        return r;
    if (r < 0) {
        *ret = strdup("");
        return *ret ? gate_set_add_warning(g, "cannot read /proc/cmdline: %s", strerror(-r))
                    : -ENOMEM;
    }
    *ret = (char *)buf;
    return 0;
}

static const char *env_or(const char *name, const char *def)
{
    const char *e = getenv(name);
    return e && *e ? e : def;
}

static int collect(struct gate_set *g)
{
    int r = gate_config_load(g, env_or("ATTEST_CONFIG", ATTEST_SYSCONFDIR "/attest.conf"));
    if (r < 0)
        return r;
    _cleanup_free_ char *cmdline = NULL;
    r = read_cmdline(g, &cmdline);
    if (r < 0)
        return r;
    r = gate_cmdline_parse(g, cmdline);
    if (r < 0)
        return r;
    gate_set_finish(g);
    return 0;
}

/* Write everything; keeps going after a failure so one bad unit costs no other gate. */
static int emit(const struct gen_log *log, const struct gate_set *g, const char *dir,
                const struct gate_paths *paths)
{
    int ret = 0, r;

    for (size_t i = 0; i < g->units.n; i++) {
        r = gate_write_dropin(dir, g->units.items[i]);
        if (r < 0) {
            gen_log(log, LOG_ERR, "cannot write the gate drop-in of '%s': %s", g->units.items[i],
                    strerror(-r));
            ret = r;
        }
    }
    r = gate_write_wants(dir, paths);
    if (r < 0) {
        gen_log(log, LOG_ERR, "cannot pull attest.service into the boot: %s", strerror(-r));
        ret = r;
    }
    if (access(paths->ak_context, F_OK) < 0) {
        r = gate_write_ak_load(dir, paths);
        if (r < 0) {
            gen_log(log, LOG_ERR, "cannot write the AK load drop-in: %s", strerror(-r));
            ret = r;
        }
    }
    if (g->errors.n > 0) {
        r = gate_write_config_error(dir, &g->errors);
        if (r < 0) {
            gen_log(log, LOG_ERR, "cannot write the configuration error drop-in: %s", strerror(-r));
            ret = r;
        }
    }
    return ret;
}

int gate_run(const struct gen_log *log, const char *normal_dir, const char *unit_dir,
             const char *attestd)
{
    if (in_initrd())
        return 0; /* the initramfs has attest-initrd.service; the gate is for the real root */

    struct gate_set g = {0};
    int r = collect(&g);
    if (r < 0) {
        gen_log(log, LOG_ERR, "out of memory");
        gate_set_done(&g);
        return r;
    }
    for (size_t i = 0; i < g.warnings.n; i++)
        gen_log(log, LOG_WARNING, "%s", g.warnings.items[i]);
    for (size_t i = 0; i < g.errors.n; i++)
        gen_log(log, LOG_ERR, "%s", g.errors.items[i]);
    if (g.errors.n > 0)
        gen_log(log, LOG_ERR, "configuration errors: attest.service will fail, %zu unit(s) gated",
                g.units.n);

    _cleanup_free_ char *ak_context = NULL;
    const char *run_dir = env_or("ATTEST_RUNDIR", g.run_dir ? g.run_dir : ATTEST_RUNDIR);
    if (asprintf(&ak_context, "%s/ak.ctx", run_dir) < 0) {
        gate_set_done(&g);
        return -ENOMEM;
    }
    const struct gate_paths paths = {
        .unit_dir = unit_dir, .attestd = attestd, .ak_context = ak_context};
    r = emit(log, &g, normal_dir, &paths);
    gate_set_done(&g);
    return r;
}
