/* SPDX-License-Identifier: Apache-2.0 */
/* What the admin API's handlers share: reading the machine a request names. */
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
