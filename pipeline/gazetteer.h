/*
 * gazetteer: place names -> Danish region, and the 21 health clusters.
 *
 * Region inference is evidence counting: a document names its region
 * outright ("Region Nordjylland"), or its municipalities ("Mariagerfjord
 * Kommune"), hospitals ("Aalborg Universitetshospital") and postcodes
 * ("9220 Aalborg Ø").  Each kind of mention carries a weight; the region
 * with the most evidence wins.  A cluster name alone ("Syd") proves nothing:
 * Hovedstaden and Nordjylland both have a "Syd" cluster.
 *
 * The tables come from data files in data/ (each names its source in its
 * first line) and are compiled in at build time, so the pipeline stays pure.
 */
#ifndef MINUTESD_GAZETTEER_H
#define MINUTESD_GAZETTEER_H

#include <stddef.h>

enum gaz_region {
    GAZ_NONE = 0,
    GAZ_HOVEDSTADEN,
    GAZ_SJAELLAND,
    GAZ_SYDDANMARK,
    GAZ_MIDTJYLLAND,
    GAZ_NORDJYLLAND,
    GAZ_NREGIONS
};

/* "Region Hovedstaden" … ; NULL for GAZ_NONE. */
const char *gazetteer_region_name(enum gaz_region r);

/* Evidence found in a text, per region (index enum gaz_region). */
struct gaz_evidence {
    double score[GAZ_NREGIONS];
};

/*
 * Adds the evidence in text[0..len) (UTF-8) to ev, multiplied by weight (so a
 * caller can count the document header more than the body).  Linear in len.
 */
void gazetteer_scan(const char *text, size_t len, double weight, struct gaz_evidence *ev);

/* The same without the vector pass that skips text with nothing to look
 * up: the definition gazetteer_scan is tested against. */
void gazetteer_scan_bytewise(const char *text, size_t len, double weight, struct gaz_evidence *ev);

/* The best-supported region, or GAZ_NONE when there is no evidence at all. */
enum gaz_region gazetteer_best(const struct gaz_evidence *ev);

/* The region a municipality belongs to, by name ("Vejle", "Københavns",
 * case-insensitive, genitive -s accepted); GAZ_NONE if unknown. */
enum gaz_region gazetteer_municipality_region(const char *name, size_t len);

/*
 * Health clusters.  Given a short cluster name or abbreviation as a document
 * writes it ("Gødstrup", "Lillebælt", "HOL", "Syd") and the region evidence
 * so far, returns the cluster's canonical short name ("Holbæk"), or NULL when
 * nothing matches.  Ambiguous names (Syd, Nord, Midt) are resolved with the
 * region; an abbreviation matches a unique cluster name it is a prefix of.
 */
const char *gazetteer_cluster(const char *word, size_t len, enum gaz_region region);

/* The region of a cluster by canonical name; GAZ_NONE if ambiguous/unknown. */
enum gaz_region gazetteer_cluster_region(const char *canonical);

#endif
