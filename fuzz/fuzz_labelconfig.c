/* fuzz_labelconfig.c: label_config XML through expat, as any bytes. */
#include <stdlib.h>

#include "fuzz.h"
#include "ontology.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *xml = fuzz_cstr(data, size);
	cJSON *project = cJSON_CreateObject();
	struct onto_list l = { 0 };
	size_t i;

	cJSON_AddStringToObject(project, "label_config", xml);
	if (ontology_declared(project, &l) == 0)
		for (i = 0; i < l.n; i++)
			if (l.v[i].control == NULL || l.v[i].label == NULL)
				abort();
	onto_list_free(&l);
	cJSON_Delete(project);
	free(xml);
	return 0;
}
