/* SPDX-License-Identifier: Apache-2.0 */
/*
 * FAKE systemd manager for the e2e test of `attestd watch` (scenario 9).
 * This machine runs no systemd (PID 1 is not systemd, so `systemd --user` and
 * `systemd-run --user` refuse to start): the test runs a real dbus-daemon
 * session bus and this program owns org.freedesktop.systemd1 on it, answering
 * Manager.StopUnit(name, mode) like systemd does (a job path) and appending
 * "StopUnit NAME MODE" to the file argv[1]. It prints "ready" once the name is
 * owned and exits on SIGTERM. The boot suite (QEMU) covers real systemd.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

static const char *log_path;
static unsigned job;

static int stop_unit(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
    const char *name, *mode;
    int r = sd_bus_message_read(m, "ss", &name, &mode);
    if (r < 0)
        return r;
    FILE *f = fopen(log_path, "a");
    if (!f)
        return -errno;
    fprintf(f, "StopUnit %s %s\n", name, mode);
    fclose(f);
    char path[64];
    snprintf(path, sizeof(path), "/org/freedesktop/systemd1/job/%u", ++job);
    return sd_bus_reply_method_return(m, "o", path);
}

static const sd_bus_vtable manager_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("StopUnit", "ss", "o", stop_unit, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END,
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fake-systemd-manager LOGFILE\n");
        return 2;
    }
    log_path = argv[1];
    signal(SIGTERM, SIG_DFL);
    sd_bus *bus = NULL;
    int r = sd_bus_open_user(&bus);
    if (r >= 0)
        r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", manager_vtable, NULL);
    if (r >= 0)
        r = sd_bus_request_name(bus, "org.freedesktop.systemd1", 0);
    if (r < 0) {
        fprintf(stderr, "fake-systemd-manager: %s\n", strerror(-r));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        r = sd_bus_process(bus, NULL);
        if (r < 0)
            return 1;
        if (r > 0)
            continue;
        if (sd_bus_wait(bus, UINT64_MAX) < 0)
            return 1;
    }
}
