/*
 * enrich: facts the document implies but does not label - the health
 * cluster, the level (political / strategic) and the region.
 */
#ifndef MINUTESD_ENRICH_H
#define MINUTESD_ENRICH_H

#include "model.h"

void enrich_document(struct md_doc *doc);

#endif
