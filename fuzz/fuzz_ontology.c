/* fuzz_ontology.c: labels used in annotation payloads, declared in projects. */
#include <stdlib.h>

#include "fuzz.h"
#include "jtree.h"
#include "ontology.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct onto_list l = { 0 };
	struct jtree t = { 0 };

	if (jtree_parse(&t, (const char *)data, size, JTREE_FULL) == LSH_OK) {
		ontology_used(t.root, &l);
		onto_list_free(&l);
		ontology_declared(jtree_get(t.root, "project"), &l);
		onto_list_free(&l);
	}
	jtree_free(&t);
	return 0;
}
