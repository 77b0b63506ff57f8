/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Quote verification throughput: quote_verify() on a quote over sha256:0-10
 * (all checks: key import from the TPMT_PUBLIC, signature, magic, type, nonce,
 * selection, PCR digest) for an RSA-2048 RSASSA-SHA256 AK and an ECC P-256
 * ECDSA-SHA256 AK, one core, printed beside the verify rate `openssl speed`
 * measures for the same algorithm in the same run, as a ratio. Measured with
 * the AK key imported once (quote_verify_input.ak_key, as a verifier caches it
 * per enrolled AK) and imported from its TPMT_PUBLIC for every quote.
 *
 *   bench-quote-verify [SECONDS]      (default 2 per measurement)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "common/pcr-selection.h"
#include "soft-signer.h"
#include "verify/quote-verify.h"
#include "verify/tpm-pubkey.h"

/*
 * CPU time of this process, as `openssl speed` measures by default (user time):
 * on a loaded machine wall-clock rates would compare our share of a core with
 * openssl's full CPU time.
 */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct fixture {
    struct soft_signer signer;
    struct quote_fixture fx;
    uint8_t attest[1024];
    size_t attest_len;
    TPMT_SIGNATURE sig;
    TPM2B_DIGEST values[11];
    size_t n_values;
};

static int fixture_make(struct fixture *f, TPM2_ALG_ID type, unsigned bits, TPM2_ALG_ID scheme)
{
    if (soft_signer_new(type, bits, scheme, TPM2_ALG_SHA256, &f->signer) < 0)
        return -1;
    quote_fixture_default(&f->fx);
    f->n_values = fake_pcr_values(&f->fx.sel, f->values, 11);
    if (quote_pcr_digest(TPM2_ALG_SHA256, f->values, f->n_values, &f->fx.pcr_digest) < 0 ||
        quote_fixture_marshal(&f->fx, f->attest, sizeof(f->attest), &f->attest_len) < 0 ||
        soft_signer_sign(&f->signer, f->attest, f->attest_len, &f->sig) < 0)
        return -1;
    return 0;
}

/* Verified quotes per second; -1 when a verification fails. key: cached AK key or NULL. */
static double measure(struct fixture *f, EVP_PKEY *key, double seconds)
{
    struct quote_verify_input in = {
        .ak_public = &f->signer.pub,
        .signature = &f->sig,
        .attest = f->attest,
        .attest_len = f->attest_len,
        .nonce = f->fx.extra.buffer,
        .nonce_len = f->fx.extra.size,
        .selection = &f->fx.sel,
        .pcr_values = f->values,
        .n_pcr_values = f->n_values,
        .ak_key = key,
    };
    struct quote_verify_result res;
    unsigned long n = 0;
    double start = now(), t;
    do {
        for (int i = 0; i < 32; i++, n++)
            if (quote_verify(&in, &res) != 0)
                return -1;
        t = now() - start;
    } while (t < seconds);
    return (double)n / t;
}

/*
 * `openssl speed -mr` (OpenSSL 3): "+F2:k:bits:signs_per_s:verifies_per_s" (RSA) and
 * "+F4:k:bits:signs_per_s:verifies_per_s" (ECDSA). Returns verifications per second, -1
 * when unavailable.
 */
static double openssl_verify_rate(const char *alg, const char *tag, double seconds)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "openssl speed -mr -seconds %d %s 2>/dev/null", (int)seconds, alg);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[512];
    double rate = -1;
    while (fgets(line, sizeof(line), p)) {
        if (strncmp(line, tag, strlen(tag)) != 0)
            continue;
        unsigned k, bits;
        double sign_rate, verify_rate;
        if (sscanf(line + strlen(tag), ":%u:%u:%lf:%lf", &k, &bits, &sign_rate, &verify_rate) ==
                4 &&
            verify_rate > 0)
            rate = verify_rate;
    }
    if (pclose(p) != 0)
        return -1;
    return rate;
}

static int run(const char *label, TPM2_ALG_ID type, unsigned bits, TPM2_ALG_ID scheme,
               const char *ossl_alg, const char *tag, double seconds)
{
    struct fixture f;
    if (fixture_make(&f, type, bits, scheme) < 0) {
        fprintf(stderr, "bench: cannot build the %s fixture\n", label);
        return 1;
    }
    EVP_PKEY *key = NULL;
    if (tpm_pubkey_to_evp(&f.signer.pub, &key) < 0)
        return 1;
    double cold = measure(&f, NULL, seconds);
    double ours = measure(&f, key, seconds);
    EVP_PKEY_free(key);
    soft_signer_done(&f.signer);
    if (ours < 0 || cold < 0) {
        fprintf(stderr, "bench: %s quote does not verify\n", label);
        return 1;
    }
    double peer = openssl_verify_rate(ossl_alg, tag, seconds);
    if (peer <= 0) {
        fprintf(stderr, "bench: 'openssl speed %s' gave no verify rate\n", ossl_alg);
        return 1;
    }
    printf("%-26s quote_verify %7.0f/s (key cached; %7.0f/s importing the AK each time)   "
           "openssl speed %-9s verify %7.0f/s   ratio %.2f (%.2f)\n",
           label, ours, cold, ossl_alg, peer, ours / peer, cold / peer);
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 2.0;
    if (seconds < 1)
        seconds = 1;
    int r = run("RSA-2048 RSASSA-SHA256 AK", TPM2_ALG_RSA, 2048, TPM2_ALG_RSASSA, "rsa2048", "+F2",
                seconds);
    r |= run("ECC P-256 ECDSA-SHA256 AK", TPM2_ALG_ECC, 256, TPM2_ALG_ECDSA, "ecdsap256", "+F4",
             seconds);
    return r;
}
