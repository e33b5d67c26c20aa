/* fuzz_ontology.c: labels used in annotation payloads, declared in projects. */
#include <stdlib.h>

#include "fuzz.h"
#include "ontology.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *root = cJSON_ParseWithLength((const char *)data, size);
	struct onto_list l = { 0 };

	if (root == NULL)
		return 0;
	ontology_used(root, &l);
	onto_list_free(&l);
	ontology_declared(cJSON_GetObjectItemCaseSensitive(root, "project"), &l);
	onto_list_free(&l);
	cJSON_Delete(root);
	return 0;
}
