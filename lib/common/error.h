/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <errno.h>

/*
 * Errors are negative errno values everywhere in the project. The TPM side maps
 * TSS2_RC codes onto the few errno values below, each with one documented meaning,
 * so that callers can branch on them and att_strerror() can print a clear message.
 */
#define ATT_E_NO_TPM      (-ENODEV)       /* TCTI cannot reach a TPM */
#define ATT_E_TPM_LOCKOUT (-ENOLCK)       /* dictionary-attack lockout */
#define ATT_E_WRONG_TPM   (-EKEYREJECTED) /* blob/context does not belong to this TPM */
#define ATT_E_TPM_CLEARED (-ESTALE) /* TPM reset/cleared/replaced since the key/context was made   \
                                     */
#define ATT_E_TPM    (-EPROTO)      /* any other TPM command failure */
#define ATT_E_BADMSG (-EBADMSG)     /* malformed input bytes (parsers) */
#define ATT_E_VERIFY (-EKEYEXPIRED) /* a verification check failed (see the check result) */

/* Message for a negative error code; never NULL, never allocates. */
const char *att_strerror(int r);
