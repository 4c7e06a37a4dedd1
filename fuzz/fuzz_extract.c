/*
 * libFuzzer target: extraction (HTML, DOCX, PDF) and the pipeline behind it.
 *
 * Build: as fuzz_pipeline (see there); the target is fuzz_extract.
 * Run:   build-fuzz/fuzz_extract -max_len=262144 -timeout=20 fuzz/corpus-extract
 *
 * The first byte picks the name the bytes arrive under (.html, .docx, .pdf,
 * .txt), so HTML without markup at its start is reached too; the sniffer
 * still decides by content where it can.  Checks: a model always comes back,
 * and a rejected one says why.
 */
#include "extract.h"
#include "model.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    extract_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const names[] = {"f.html", "f.docx", "f.pdf", "f.txt"};
    if (size < 1)
        return 0;
    enum stage_result r;
    struct md_doc *doc = extract_pipeline(data + 1, size - 1, names[data[0] & 3], NULL, NULL, &r);
    if (!doc)
        abort();
    if (r == STAGE_REJECT && !pipeline_first_error(doc))
        abort();
    model_destroy(doc);
    return 0;
}
