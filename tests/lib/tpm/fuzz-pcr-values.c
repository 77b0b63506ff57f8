/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer entry point: the `tpm2_quote -o` PCR file parser (lib/common/pcr-values.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/pcr-values.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pcr_values *v = malloc(sizeof(*v));
    if (!v)
        return 0;
    if (pcr_values_parse_file_bytes(data, size, v) == 0) {
        uint8_t md[64];
        size_t md_len;
        if (pcr_values_check(v) != 0 || pcr_values_digest(v, TPM2_ALG_SHA256, md, &md_len) != 0)
            abort();
        uint8_t *out = NULL;
        size_t len = 0;
        /* Re-serialized and re-parsed, the values are the same. */
        struct pcr_values *w = malloc(sizeof(*w));
        if (!w || pcr_values_format_file_bytes(v, &out, &len) != 0 ||
            pcr_values_parse_file_bytes(out, len, w) != 0 || w->count != v->count ||
            memcmp(w->digests, v->digests, v->count * sizeof(v->digests[0])) != 0)
            abort();
        free(out);
        free(w);
    }
    free(v);
    return 0;
}
