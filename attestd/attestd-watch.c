/* SPDX-License-Identifier: Apache-2.0 */
/*
 * attestd watch: the daemon of attestd.service (Type=notify). Attests every
 * [attest] interval; READY=1 after the first pass; WATCHDOG=1 while it waits.
 * On a refused verdict (or a local TPM/identity failure) it stops the
 * attestation unit over D-Bus (StopUnit), so that every unit bound to it
 * stops, and exits non-zero. An unreachable verifier is retried with backoff
 * and tolerated for [attest] grace since the last pass (or the start); past
 * that it counts as a failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "agent.h"
#include "attest.h"
#include "attestd-commands.h"
#include "common/cleanup.h"

#define DEFAULT_UNIT "attest.service"

struct watch {
    struct agent_ctx ctx;
    const char *unit;
    bool user_bus;
    uint64_t watchdog_ms; /* 0: no watchdog */
    bool ready;
};

static void watch_done(struct watch *w)
{
    agent_ctx_done(&w->ctx);
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Wait ms, pinging the watchdog at half its period. */
static void wait_pinging(const struct watch *w, uint64_t ms)
{
    uint64_t end = now_monotonic_ms() + ms;
    for (;;) {
        if (w->watchdog_ms)
            sd_notify(0, "WATCHDOG=1");
        uint64_t now = now_monotonic_ms();
        if (now >= end)
            return;
        uint64_t step = end - now;
        if (w->watchdog_ms && step > w->watchdog_ms / 2)
            step = w->watchdog_ms / 2;
        sleep_ms(step);
    }
}

static int stop_unit(const struct watch *w)
{
    _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
    int r = w->user_bus ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
    if (r < 0) {
        agent_log("watch", "cannot connect to the %s bus to stop '%s': %s",
                  w->user_bus ? "user" : "system", w->unit, strerror(-r));
        return r;
    }
    sd_bus_error error = SD_BUS_ERROR_NULL;
    _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
    r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                           "org.freedesktop.systemd1.Manager", "StopUnit", &error, &reply, "ss",
                           w->unit, "replace");
    if (r < 0)
        agent_log("watch", "StopUnit '%s' failed: %s", w->unit,
                  error.message ? error.message : strerror(-r));
    else
        agent_log("watch", "stopped '%s': attestation failed, the units bound to it stop too",
                  w->unit);
    sd_bus_error_free(&error);
    return r;
}

static int fail_closed(struct watch *w, int e, const char *why)
{
    sd_notifyf(0, "STATUS=attestation failed (%s): stopping %s", why, w->unit);
    agent_log("watch", "attestation failed (%s)", why);
    (void)stop_unit(w);
    return e;
}

static int run(struct watch *w)
{
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) {
        w->watchdog_ms = usec / 1000;
        w->ctx.watchdog = true;
    }
    const struct agent_config *cfg = &w->ctx.cfg;
    uint64_t last_good = now_monotonic_ms(); /* grace runs from the start until a first pass */
    uint64_t retry = cfg->retry_initial_ms;

    for (;;) {
        if (w->watchdog_ms)
            sd_notify(0, "WATCHDOG=1");
        int e = agent_attest(&w->ctx);
        switch (e) {
        case ATTEST_EXIT_OK:
            last_good = now_monotonic_ms();
            retry = cfg->retry_initial_ms;
            sd_notifyf(0, "%sSTATUS=attestation passed; next in %llu s",
                       w->ready ? "" : "READY=1\n", (unsigned long long)(cfg->interval_ms / 1000));
            w->ready = true;
            wait_pinging(w, cfg->interval_ms);
            break;
        case ATTEST_EXIT_UNREACHABLE:
            if (now_monotonic_ms() - last_good > cfg->grace_ms)
                return fail_closed(w, e, "verifier unreachable past the grace period");
            sd_notifyf(0, "STATUS=verifier unreachable; retrying in %llu s",
                       (unsigned long long)(retry / 1000));
            wait_pinging(w, retry);
            retry = retry * 2 > cfg->retry_max_ms ? cfg->retry_max_ms : retry * 2;
            break;
        case ATTEST_EXIT_USAGE:
            return e;
        default:
            return fail_closed(w, e, e == ATTEST_EXIT_FAILED ? "refused" : "local TPM failure");
        }
    }
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestd watch [--config PATH] [--tcti T] [--unit NAME] [--user]\n"
               "\n"
               "Daemon for attestd.service (Type=notify): attest every [attest] interval,\n"
               "READY=1 after the first pass, watchdog pings. On a refused verdict or a local\n"
               "TPM failure, or when the verifier stays unreachable past [attest] grace, stop\n"
               "--unit (default " DEFAULT_UNIT ") over D-Bus and exit non-zero.\n"
               "--user: the unit is in the user manager (session bus).\n"
               "\n" ATTEST_EXIT_CODES_HELP);
}

int attestd_watch(int argc, char **argv)
{
    struct cli_common_opts ao = {0};
    _cleanup_(watch_done) struct watch w = {.unit = DEFAULT_UNIT};
    const struct cli_option own[] = {{"unit", &w.unit, NULL}, {"user", NULL, &w.user_bus}};
    int code = cli_options_or_exit(argc, argv, CLI_OPT_CONFIG | CLI_OPT_TCTI | CLI_OPT_VERBOSE, &ao,
                                   own, 2, usage);
    if (code != CLI_CONTINUE)
        return code;
    int e = agent_ctx_init(&w.ctx, &ao, AGENT_NEED_VERIFIER | AGENT_NEED_KEY);
    if (e)
        return e;
    return run(&w);
}
