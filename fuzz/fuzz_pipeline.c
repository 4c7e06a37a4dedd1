/*
 * libFuzzer target: the whole pipeline, bytes to JSON.
 *
 * Build: cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DMINUTESD_FUZZ=ON \
 *              -DMINUTESD_SANITIZE=ON -DMINUTESD_TESTS=OFF && cmake --build build-fuzz
 * Run:   build-fuzz/fuzz_pipeline -max_len=65536 -timeout=10 fuzz/corpus
 *
 * Besides memory errors (ASan/UBSan) it checks the pipeline's promises: a
 * model always comes back, its JSON is produced, and a rejected model says
 * why with an error issue.
 */
#include "model.h"
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    enum stage_result r;
    struct md_doc *doc = pipeline_run(data, size, "fuzz.txt", NULL, NULL, &r);
    if (!doc)
        abort();
    if (r == STAGE_REJECT && !pipeline_first_error(doc))
        abort();
    struct buf out;
    buf_init(&out, 0);
    if (model_json(doc, &out, false) != 0 || out.len < 2 || out.data[0] != '{')
        abort();
    buf_free(&out);
    model_destroy(doc);
    return 0;
}
