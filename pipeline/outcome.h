/*
 * outcome: what a decision text says happened to the item.
 *
 * Reads Danish decision prose: "blev godkendt", "Indstillingen blev fulgt",
 * "tiltrådt", "vedtaget" -> approved; "taget til efterretning" -> noted;
 * only "drøftet" -> discussed; "ikke godkendt", "forkastet", "afvist" ->
 * rejected; "udsat" -> postponed; anything else -> other.
 *
 * An approval outranks noting and discussion ("Drøftet og godkendt").  An
 * approval that is only reported, in the perfect tense ("formandskabet har
 * godkendt, at …"), is somebody else's earlier act and does not count.
 */
#ifndef MINUTESD_OUTCOME_H
#define MINUTESD_OUTCOME_H

#include <stddef.h>

/* Returns a static string: "approved", "noted", "discussed", "rejected",
 * "postponed" or "other". */
const char *outcome_classify(const char *text, size_t n);

/* The same answer from the byte-at-a-time definition of the text's words,
 * which outcome_classify reads from bit masks: for tests and the fuzzer. */
const char *outcome_classify_bytewise(const char *text, size_t n);

#endif
