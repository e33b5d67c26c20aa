/* fuzz_labelconfig.c: label_config XML through expat, as any bytes. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "jtree.h"
#include "ontology.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *xml = fuzz_cstr(data, size), *text;
	cJSON *project = cJSON_CreateObject();
	struct onto_list l = { 0 };
	struct jtree t = { 0 };
	size_t i;

	/* the bytes as the label_config string of a project object */
	cJSON_AddStringToObject(project, "label_config", xml);
	text = cJSON_PrintUnformatted(project);
	if (text != NULL && jtree_parse(&t, text, strlen(text), JTREE_FULL) == LSH_OK &&
	    ontology_declared(t.root, &l) == 0)
		for (i = 0; i < l.n; i++)
			if (l.v[i].control == NULL || l.v[i].label == NULL)
				abort();
	onto_list_free(&l);
	jtree_free(&t);
	cJSON_free(text);
	cJSON_Delete(project);
	free(xml);
	return 0;
}
