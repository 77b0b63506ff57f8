/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer entry point: every lib/tpm parser of file bytes on the same input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tpm/activate.h"
#include "tpm/ak.h"
#include "tpm/blob.h"
#include "tpm/context.h"
#include "tpm/ek.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TPM2B_PUBLIC pub;
    if (blob_public_parse(data, size, &pub) == 0) {
        enum tpm_ek_template tpl;
        TPM2B_NAME name;
        (void)tpm_ek_template_of(&pub, &tpl);
        (void)tpm_ak_public_is_ak(&pub);
        (void)blob_public_name(&pub, &name);
    }
    TPM2B_PRIVATE priv;
    (void)blob_private_parse(data, size, &priv);

    TPMS_CONTEXT ctx;
    if (context_parse(data, size, &ctx) == 0) {
        uint8_t *out = NULL;
        size_t len = 0;
        /* What parses serializes back to the same bytes. */
        if (context_format(&ctx, &out, &len) != 0 || len != size)
            abort();
        free(out);
    }
    TPM2B_ID_OBJECT blob;
    TPM2B_ENCRYPTED_SECRET secret;
    if (credential_file_parse(data, size, &blob, &secret) == 0) {
        uint8_t buf[sizeof(blob) + sizeof(secret) + 8];
        size_t len = 0;
        if (credential_file_format(&blob, &secret, buf, sizeof(buf), &len) != 0 || len != size)
            abort();
    }
    return 0;
}
