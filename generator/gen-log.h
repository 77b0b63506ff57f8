/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Generator logging. Under PID 1 a generator's stderr may go nowhere, so by
 * default it writes to the kernel log (/dev/kmsg) when it can and to stderr
 * otherwise; SYSTEMD_LOG_TARGET=console forces stderr (tests), =kmsg the kernel
 * log, as systemd's own generators understand it.
 */
struct gen_log {
    int kmsg_fd; /* -1: stderr */
};

void gen_log_open(struct gen_log *l);
void gen_log_close(struct gen_log *l);

/* level: a syslog priority (LOG_ERR, LOG_WARNING, ...). Control characters become '?'. */
void gen_log(const struct gen_log *l, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
