/* SPDX-License-Identifier: Apache-2.0 */
/* What the admin API's handlers share: reading a machine, the audit row of an action. */
#include <errno.h>
#include <string.h>

#include "verifier.h"

bool admin_read_machine(struct verifier *v, const char *machine_id, struct machine *ret,
                        struct http_reply *rep)
{
    int r = v->storage->ops->get_machine(v->storage, machine_id, ret);
    if (r == -ENOENT)
        http_reply_error(rep, 404, "machine_id", "unknown machine");
    else if (r < 0)
        reply_storage_error(v, rep, r, "read a machine");
    return r == 0;
}

void admin_audit(struct verifier *v, const char *action, const char *target, const char *reason,
                 const char *detail)
{
    const struct audit_entry e = {.at = verifier_now(),
                                  .actor = v->admin_identity,
                                  .action = action,
                                  .target = target,
                                  .reason = reason ? reason : "",
                                  .detail = detail ? detail : ""};
    int r = v->storage->ops->add_audit(v->storage, &e);
    if (r < 0)
        vlog_msg(&v->log, LOG_ERR, "audit row of %s %s not written: %s", action, target,
                 strerror(-r));
}
