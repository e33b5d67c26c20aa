#!/usr/bin/python3
"""gen_payloads.py: the request bodies of the benchmark, as Label Studio sends them.

    bench/gen_payloads.py OUTDIR [NTASKS]
    bench/gen_payloads.py --long FILE [NTASKS]

writes OUTDIR/annotation.json (one ANNOTATION_CREATED, about 3 KB) and
OUTDIR/tasks.json (one TASKS_CREATED with NTASKS tasks, default 5000).  In
each, one id is 987654321: the benchmark's client makes every request a new
delivery by putting a number of its own there.

--long writes only FILE: the largest batch Label Studio sends of long
texts, one TASKS_CREATED of NTASKS (default 5000, its WEBHOOK_BATCH_SIZE)
tasks of 15,000 characters each, some of them non-ASCII (json.dumps writes
those as \\uXXXX, 6 or 12 bytes each): about 110 MB.  It carries the same
id 987654321 in its first task.  --long-annotations writes the same
tasks as an import of annotations would post them: ANNOTATIONS_CREATED,
one annotation (five labelled spans, a choice) per task, the annotations
under "annotation" and their tasks under "task".

The shapes follow current Label Studio (1.1x): the webhook body is
{"action", <objects>, "project"}, where the objects are the REST API's
serializations (AnnotationSerializer, TaskSerializer, the project with its
label config).  Label Studio posts them with requests' json=, that is
json.dumps with the default separators: one line, ", " and ": ".  The output
is deterministic (a fixed seed), so every run posts the same bytes.
"""
import json
import random
import sys

LABEL_CONFIG = """<View>
  <Header value="Read the review, mark the entities and choose its sentiment"/>
  <Text name="text" value="$text" granularity="word"/>
  <Labels name="label" toName="text">
    <Label value="Product" background="#FFA39E"/>
    <Label value="Brand" background="#D4380D"/>
    <Label value="Price" background="#FFC069"/>
  </Labels>
  <Choices name="sentiment" toName="text" choice="single" showInLine="true">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>"""

MARK = 987654321

WORDS = ("the battery lasts two days and the screen is bright enough outdoors "
         "but the case feels cheap for the price and shipping took a week "
         "support answered quickly and replaced the charger without questions").split()


def stamp(rng, day=None):
    d = day if day is not None else rng.randint(1, 28)
    return "2025-03-%02dT%02d:%02d:%02d.%06dZ" % (
        d, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
        rng.randint(0, 999999))


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def project(rng):
    return {
        "id": 7,
        "title": "Product reviews: entities and sentiment",
        "description": "Customer reviews from the March export",
        "label_config": LABEL_CONFIG,
        "expert_instruction": "<p>Mark product and brand names; choose one sentiment.</p>",
        "show_instruction": True,
        "show_skip_button": True,
        "enable_empty_annotation": False,
        "show_annotation_history": False,
        "organization": 1,
        "color": "#FFFFFF",
        "maximum_annotations": 1,
        "is_published": True,
        "model_version": "",
        "is_draft": False,
        "created_by": {"id": 1, "first_name": "", "last_name": "",
                       "email": "admin@example.org", "avatar": None},
        "created_at": "2025-02-27T09:12:44.102938Z",
        "min_annotations_to_start_training": 0,
        "start_training_on_annotation_update": False,
        "show_collab_predictions": True,
        "num_tasks_with_annotations": 1184,
        "task_number": 5000,
        "useful_annotation_number": 1184,
        "ground_truth_number": 0,
        "skipped_annotations_number": 12,
        "total_annotations_number": 1196,
        "total_predictions_number": 0,
        "sampling": "Sequential sampling",
        "show_ground_truth_first": False,
        "show_overlap_first": False,
        "overlap_cohort_percentage": 100,
        "task_data_login": None,
        "task_data_password": None,
        "control_weights": {
            "label": {"type": "Labels", "labels": {"Product": 1.0, "Brand": 1.0,
                                                  "Price": 1.0}, "overall": 1.0},
            "sentiment": {"type": "Choices", "labels": {"Positive": 1.0,
                          "Negative": 1.0, "Neutral": 1.0}, "overall": 1.0}},
        "parsed_label_config": {
            "label": {"type": "Labels", "to_name": ["text"],
                      "inputs": [{"type": "Text", "value": "text"}],
                      "labels": ["Product", "Brand", "Price"]},
            "sentiment": {"type": "Choices", "to_name": ["text"],
                          "inputs": [{"type": "Text", "value": "text"}],
                          "labels": ["Positive", "Negative", "Neutral"]}},
        "evaluate_predictions_automatically": False,
        "config_has_control_tags": True,
        "skip_queue": "REQUEUE_FOR_OTHERS",
        "reveal_preannotations_interactively": False,
        "pinned_at": None,
        "finished_task_number": 1184,
        "queue_total": 5000,
        "queue_done": 1196,
        "token": "9c3f1f0a5be24d6e",
    }


def task(rng, tid, text):
    return {
        "id": tid,
        "data": {"text": text, "review_id": "R%08d" % (tid * 7919 % 10**8),
                 "source": "march-export.csv"},
        "meta": {},
        "created_at": stamp(rng, 3),
        "updated_at": stamp(rng, 3),
        "is_labeled": False,
        "overlap": 1,
        "inner_id": tid - 4000,
        "total_annotations": 0,
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": 7,
        "updated_by": None,
        "file_upload": 31,
        "comment_authors": [],
    }


# Paragraphs of long texts (articles, transcripts, contracts) with the
# non-ASCII a real corpus has: accents, typographic quotes and dashes, the
# euro sign, a few CJK words and an emoji (two \u escapes each).
PARAGRAPHS = (
    "Die Lieferung nach Zürich kam pünktlich, aber die Verpackung war beschädigt. ",
    "Le café était froid et le service — disons-le — assez lent pour un samedi. ",
    "The “premium” plan costs 12 € a month and includes unlimited storage. ",
    "Customer support answered within an hour and offered a refund without asking why. ",
    "El envío tardó dos semanas; la próxima vez pediré a otra tienda. ",
    "The quarterly report shows revenue growth of 4.2 % against last year's figures. ",
    "配送が早くて、商品の品質も良かったです。 ",
    "Overall a solid product, though the manual could be clearer 👍. ",
    "Section 3.1 of the agreement applies to all deliveries made after March 1st. ",
    "Naïve users may find the façade of the interface confusing at first glance. ",
)

LONG_TEXT_CHARS = 15000


def long_text(rng, tid):
    """About LONG_TEXT_CHARS characters, different for every task."""
    parts, n = ["Document %d. " % tid], 0
    while n < LONG_TEXT_CHARS:
        p = rng.choice(PARAGRAPHS)
        if rng.random() < 0.1:
            p += "\n\n"
        parts.append(p)
        n += len(p)
    return "".join(parts)[:LONG_TEXT_CHARS]


def tasks_long(rng, n):
    tasks = [task(rng, 4001 + i, long_text(rng, 4001 + i)) for i in range(n)]
    return {"action": "TASKS_CREATED", "tasks": tasks, "project": project(rng)}


def annotations_long(rng, n):
    """ANNOTATIONS_CREATED as Label Studio posts an import of annotations:
    the annotations (a list under "annotation") and their tasks."""
    body = tasks_long(rng, n)
    anns = []
    for i, t in enumerate(body["tasks"]):
        text = t["data"]["text"]
        result = [{"value": {"start": k * 300, "end": k * 300 + 12,
                             "text": text[k * 300:k * 300 + 12],
                             "labels": [rng.choice(("Product", "Brand", "Price"))]},
                   "id": "r%d-%d" % (i, k), "from_name": "label", "to_name": "text",
                   "type": "labels", "origin": "manual"} for k in range(5)]
        result.append({"value": {"choices": [rng.choice(("Positive", "Negative"))]},
                       "id": "c%d" % i, "from_name": "sentiment", "to_name": "text",
                       "type": "choices", "origin": "manual"})
        anns.append({"id": 20001 + i, "result": result, "task": t["id"],
                     "project": 7, "completed_by": 3, "was_cancelled": False,
                     "ground_truth": False, "lead_time": 12.5,
                     "created_at": stamp(rng, 4), "updated_at": stamp(rng, 4)})
    return {"action": "ANNOTATIONS_CREATED", "annotation": anns,
            "task": body["tasks"], "project": body["project"]}


def write_long(path, n, kind="tasks"):
    rng = random.Random(20250315)
    if kind == "annotations":
        body = annotations_long(rng, n)
        body["annotation"][0]["id"] = MARK
    else:
        body = tasks_long(rng, n)
        body["tasks"][0]["id"] = MARK
    with open(path, "w", encoding="ascii") as f:
        f.write(json.dumps(body))


def annotation_created(rng):
    text = ("The charger from Ankor broke after a week, but support replaced it "
            "for free and the new one has worked fine for three months.")
    t = task(rng, 4321, text)
    t.update(is_labeled=True, total_annotations=1, updated_by=3)
    ann = {
        "id": 9876,
        "result": [
            {"value": {"start": 4, "end": 11, "text": "charger", "labels": ["Product"]},
             "id": "k3Jd9sQx1a", "from_name": "label", "to_name": "text",
             "type": "labels", "origin": "manual"},
            {"value": {"start": 17, "end": 22, "text": "Ankor", "labels": ["Brand"]},
             "id": "Pq8aZ2mN0c", "from_name": "label", "to_name": "text",
             "type": "labels", "origin": "manual"},
            {"value": {"choices": ["Positive"]}, "id": "x7Vb1LwE5r",
             "from_name": "sentiment", "to_name": "text", "type": "choices",
             "origin": "manual"},
        ],
        "created_username": " annotator@example.org, 3",
        "created_ago": "0\u00a0minutes",
        "completed_by": 3,
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": "2025-03-14T10:21:07.553172Z",
        "updated_at": "2025-03-14T10:21:07.553201Z",
        "draft_created_at": "2025-03-14T10:20:31.108446Z",
        "lead_time": 36.452,
        "import_id": None,
        "last_action": None,
        "bulk_created": False,
        "task": 4321,
        "project": 7,
        "updated_by": 3,
        "parent_prediction": None,
        "parent_annotation": None,
        "last_created_by": None,
    }
    p = project(rng)
    # An annotation event carries the project without the statistics the
    # tasks event shows; keep it near the 3 KB Label Studio sends.
    for k in ("parsed_label_config", "control_weights", "expert_instruction"):
        p.pop(k)
    return {"action": "ANNOTATION_CREATED", "annotation": ann, "task": t,
            "project": p}


def tasks_created(rng, n):
    tasks = [task(rng, 4001 + i, sentence(rng, rng.randint(14, 26)))
             for i in range(n)]
    return {"action": "TASKS_CREATED", "tasks": tasks, "project": project(rng)}


def main():
    if len(sys.argv) in (3, 4) and sys.argv[1] in ("--long", "--long-annotations"):
        write_long(sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 5000,
                   "annotations" if sys.argv[1] == "--long-annotations" else "tasks")
        return
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: gen_payloads.py OUTDIR [NTASKS] | --long[-annotations] FILE [NTASKS]")
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 5000
    rng = random.Random(20250314)
    ann, tasks = annotation_created(rng), tasks_created(rng, n)
    # One id of each body is MARK, which the benchmark's client replaces with
    # a number of its own in every request (bench/post.lua, BENCH_VARY).
    ann["annotation"]["id"] = MARK
    tasks["tasks"][0]["id"] = MARK
    for name, obj in (("annotation.json", ann), ("tasks.json", tasks)):
        with open("%s/%s" % (out, name), "w", encoding="utf-8") as f:
            f.write(json.dumps(obj))


if __name__ == "__main__":
    main()
