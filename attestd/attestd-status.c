/* SPDX-License-Identifier: Apache-2.0 */
/* attestd status [--json]: what the last attestation says (the run directory's status file). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "agent.h"
#include "attestd-commands.h"
#include "common/cleanup.h"
#include "status.h"

static void print_time(const char *label, json_t *t, time_t now)
{
    if (!json_is_integer(t))
        return;
    time_t v = (time_t)json_integer_value(t);
    struct tm tm;
    char buf[64];
    if (!gmtime_r(&v, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm))
        return;
    long long d = (long long)(now - v);
    if (d >= 0)
        printf("%-16s %s (%lld s ago)\n", label, buf, d);
    else
        printf("%-16s %s (in %lld s)\n", label, buf, -d);
}

static void print_human(json_t *s, time_t now)
{
    const char *result = json_string_value(json_object_get(s, "result"));
    const char *vs = json_string_value(json_object_get(s, "verdict_status"));
    printf("%-16s %s%s%s%s\n", "Result:", result ? result : "?", vs ? " (" : "", vs ? vs : "",
           vs ? ")" : "");
    print_time("Time:", json_object_get(s, "time"), now);
    print_time("Verdict expires:", json_object_get(s, "expires_at"), now);
    const char *fields[][2] = {{"machine_id", "Machine:"},
                               {"ak_name", "AK name:"},
                               {"path", "AK load path:"},
                               {"message", "Message:"}};
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *v = json_string_value(json_object_get(s, fields[i][0]));
        if (v)
            printf("%-16s %s\n", fields[i][1], v);
    }
    json_t *n = json_object_get(s, "ima_verified");
    if (json_is_integer(n))
        printf("%-16s %lld\n", "IMA verified:", (long long)json_integer_value(n));
    n = json_object_get(s, "tpm_commands");
    if (json_is_integer(n))
        printf("%-16s %lld (%s)\n", "TPM commands:", (long long)json_integer_value(n),
               json_string_value(json_object_get(s, "tpm_command_list"))
                   ? json_string_value(json_object_get(s, "tpm_command_list"))
                   : "?");
    json_t *fc = json_object_get(s, "failed_checks");
    if (json_array_size(fc) == 0) {
        printf("%-16s none\n", "Failed checks:");
        return;
    }
    printf("Failed checks:\n");
    size_t i;
    json_t *c;
    json_array_foreach(fc, i, c)
    {
        const char *msg = json_string_value(json_object_get(c, "message"));
        printf("  %s%s%s\n", json_string_value(json_object_get(c, "check")), msg ? ": " : "",
               msg ? msg : "");
    }
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: attestd status [--json] [--config PATH]\n\n"
               "Show the last attestation result (status file in the run directory).\n"
               "Exit 0 when it is a verified pass whose verdict has not expired, else 1;\n"
               "2 on a configuration error.\n\n" ATTEST_EXIT_CODES_HELP);
}

int attestd_status(int argc, char **argv)
{
    struct cli_common_opts ao = {0};
    bool as_json = false;
    const struct cli_option own[] = {{"json", NULL, &as_json}};
    int code = cli_options_or_exit(argc, argv, CLI_OPT_CONFIG, &ao, own, 1, usage);
    if (code != CLI_CONTINUE)
        return code;
    _cleanup_(agent_ctx_done) struct agent_ctx ctx;
    int r = agent_ctx_init(&ctx, &ao, 0);
    if (r)
        return r;

    json_auto_t *s = NULL;
    r = status_read(ctx.cfg.run_dir, &s);
    if (r < 0) {
        if (as_json)
            printf("{\"result\": \"none\"}\n");
        else
            printf("No attestation result yet (%s/%s: %s)\n", ctx.cfg.run_dir, AGENT_STATUS,
                   r == -EBADMSG ? "malformed" : strerror(-r));
        return ATTEST_EXIT_FAILED;
    }
    time_t now = time(NULL);
    if (as_json) {
        char *text = json_dumps(s, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (text)
            puts(text);
        free(text);
    } else {
        print_human(s, now);
    }
    const char *result = json_string_value(json_object_get(s, "result"));
    json_t *exp = json_object_get(s, "expires_at");
    bool valid = result && strcmp(result, "pass") == 0 && json_is_integer(exp) &&
                 json_integer_value(exp) > (json_int_t)now;
    return valid ? ATTEST_EXIT_OK : ATTEST_EXIT_FAILED;
}
