/*
 * libFuzzer target: the whole pipeline, bytes to JSON.
 *
 * Build: cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DMINUTESD_FUZZ=ON \
 *              -DMINUTESD_SANITIZE=ON -DMINUTESD_TESTS=OFF && cmake --build build-fuzz
 * Run:   build-fuzz/fuzz_pipeline -max_len=65536 -timeout=10 fuzz/corpus
 *
 * Besides memory errors (ASan/UBSan) it checks the pipeline's promises: a
 * model always comes back, its JSON is produced, and a rejected model says
 * why with an error issue; that the gazetteer's vector pass finds the
 * evidence its byte loop finds, in the raw bytes and in the decoded text;
 * that the outcome classifier's masked word pass reads the raw bytes as
 * its byte loop does; and that the decoder gives the same result with its
 * AVX2 pass and without.
 */
#include "decode.h"
#include "gazetteer.h"
#include "model.h"
#include "outcome.h"
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void same_evidence(const char *text, size_t n)
{
    struct gaz_evidence a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    gazetteer_scan(text, n, 1.0, &a);
    gazetteer_scan_bytewise(text, n, 1.0, &b);
    if (memcmp(&a, &b, sizeof a) != 0)
        abort();
}

static void same_decoding(const unsigned char *data, size_t size)
{
    struct decode_result a, b;
    bool was = decode_use_avx2(false);
    int rb = decode_text(data, size, 0, &b);
    decode_use_avx2(was);
    int ra = decode_text(data, size, 0, &a);
    if (ra != rb)
        abort();
    if (ra == DECODE_OK && (a.len != b.len || memcmp(a.text, b.text, a.len) != 0 ||
                            strcmp(a.encoding, b.encoding) != 0 || a.warnings != b.warnings))
        abort();
    free(a.text);
    free(b.text);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    enum stage_result r;
    same_evidence((const char *)data, size);
    same_decoding(data, size);
    if (strcmp(outcome_classify((const char *)data, size), outcome_classify_bytewise((const char *)data, size)) != 0)
        abort();
    struct md_doc *doc = pipeline_run(data, size, "fuzz.txt", NULL, NULL, &r);
    if (!doc)
        abort();
    if (r == STAGE_REJECT && !pipeline_first_error(doc))
        abort();
    if (doc->text)
        same_evidence(doc->text, doc->text_len);
    /* the JSON is the same with the 32-lane string writer and without */
    struct buf out, narrow;
    buf_init(&out, 0);
    buf_init(&narrow, 0);
    if (model_json(doc, &out, false) != 0 || out.len < 2 || out.data[0] != '{')
        abort();
    bool was = model_json_use_avx2(false);
    int rn = model_json(doc, &narrow, false);
    model_json_use_avx2(was);
    if (rn != 0 || narrow.len != out.len || memcmp(narrow.data, out.data, out.len) != 0)
        abort();
    buf_free(&out);
    buf_free(&narrow);
    model_destroy(doc);
    return 0;
}
