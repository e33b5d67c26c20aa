#!/usr/bin/env bats
# ontology.bats: the label ontology kept from project and annotation
# events: ontology/<project>.json views and the ontology.jsonl changes.
load helpers

setup() { setup_data; }

ONTO=$FIXTURES/ontology

view() { jq -c "$1" "$DATA/ontology/$2.json"; }

# shown FILTER PROJECT: jq FILTER over `lshook ontology show` (view and counts).
shown() { "$ROOT/bin/lshook" ontology show -d "$DATA" "$2" | jq -c "$1"; }

# changes FILTER: the ontology.jsonl records as compact [control,label,change].
changes() {
	jq -c "[.control, .label, .change${1:-}]" "$DATA/ontology.jsonl"
}

@test "ontology: a project's label config declares its controls and labels" {
	run_cgi_file projects "$ONTO/PROJECT_UPDATED.json"
	assert_http 200 .status ok
	run view '.controls | map_values({type, target, declared})' 41
	assert_output '{"box":{"type":"RectangleLabels","target":"img","declared":[{"value":"Airplane"},{"value":"Car","alias":"C"}]},"kind":{"type":"Taxonomy","target":"img","declared":[{"value":"Vehicle"},{"value":"Vehicle/Air","alias":"Vehicle/air"},{"value":"Vehicle/Land"}]},"quality":{"type":"Choices","target":"img","declared":[{"value":"Bad"},{"value":"Good"}]}}'
	run changes
	[ "${#lines[@]}" -eq 7 ]
	id=$(records projects.jsonl | head -n 1 | jq -r .id)
	run jq -r .event_id "$DATA/ontology.jsonl"
	[ "$(printf '%s\n' "${lines[@]}" | sort -u)" = "$id" ]
	run jq -c 'select(.label == "Car") | [.change, .alias, .project_id]' "$DATA/ontology.jsonl"
	assert_output '["declared","C",41]'
}

@test "ontology: annotations record first uses, counts and labels used but not declared" {
	run_cgi_file projects "$ONTO/PROJECT_UPDATED.json"
	run_cgi_file annotations "$ONTO/ANNOTATION_CREATED.json"
	assert_http 200 .status ok
	run changes ',.declared'
	assert_line '["box","C","first_used",true]'
	assert_line '["box","Boat","first_used",false]'
	assert_line '["quality","Good","first_used",true]'
	assert_line '["kind","Vehicle/air","first_used",true]'
	run view '.controls.box | [.used, .undeclared, .counts]' 41
	assert_output '[["Boat","C"],["Boat"],null]'
	run shown '.controls.box | [.used, .undeclared, .counts]' 41
	assert_output '[["Boat","C"],["Boat"],{"Boat":1,"C":1}]'
	# the same annotation again: counted, no new change, the view not rewritten
	n=$(wc -l < "$DATA/ontology.jsonl")
	ino=$(stat -c %i "$DATA/ontology/41.json")
	run_cgi_file annotations "$ONTO/ANNOTATION_CREATED.json" HTTP_WEBHOOK_ID=msg-2
	[ "$(wc -l < "$DATA/ontology.jsonl")" -eq "$n" ]
	[ "$(stat -c %i "$DATA/ontology/41.json")" = "$ino" ]
	run shown '.controls.box.counts' 41
	assert_output '{"Boat":2,"C":2}'
	run shown '.controls.quality.counts' 41
	assert_output '{"Good":2}'
	run view '.controls.kind.undeclared' 41
	assert_output '[]'
}

@test "ontology: an updated annotation adds first uses, counted once, and no more" {
	run_cgi_file projects "$ONTO/PROJECT_UPDATED.json"
	run_cgi_file annotations "$ONTO/ANNOTATION_CREATED.json"
	body=$(jq -c '.action = "ANNOTATION_UPDATED" |
	    .annotation.result += [{"from_name":"box","type":"rectanglelabels",
	      "value":{"rectanglelabels":["Ship","Ship"]}}]' "$ONTO/ANNOTATION_CREATED.json")
	run_cgi annotations "$body"
	assert_http 200 .status ok
	run_cgi annotations "$body" HTTP_WEBHOOK_ID=again
	assert_http 200 .status ok
	run shown '.controls.box | [.used, .counts]' 41
	assert_output '[["Boat","C","Ship"],{"Boat":1,"C":1,"Ship":1}]'
	run jq -c 'select(.label == "Ship") | .change' "$DATA/ontology.jsonl"
	assert_output '"first_used"'
}

@test "ontology: a counts file that is not one is started afresh, the labels counted again" {
	run_cgi_file projects "$ONTO/PROJECT_UPDATED.json"
	run_cgi_file annotations "$ONTO/ANNOTATION_CREATED.json"
	echo garbage > "$DATA/ontology/41.counts"
	run shown '.controls.box.counts' 41
	assert_output '{}'
	run_cgi_file annotations "$ONTO/ANNOTATION_CREATED.json" HTTP_WEBHOOK_ID=msg-2
	assert_http 200 .status ok
	[ -z "$stderr" ] || fail "stderr: $stderr"
	run shown '.controls.box.counts' 41
	assert_output '{"Boat":1,"C":1}'
}

@test "ontology: a label removed from the config is a change; its uses stay" {
	run_cgi_file projects "$ONTO/PROJECT_UPDATED.json"
	run_cgi_file annotations "$ONTO/ANNOTATION_CREATED.json"
	body=$(jq -c '.project.label_config |= sub("<Label value=\"Car\" alias=\"C\"/>"; "")' \
	    "$ONTO/PROJECT_UPDATED.json")
	run_cgi projects "$body"
	assert_http 200 .status ok
	run jq -c 'select(.change == "removed") | [.control, .label]' "$DATA/ontology.jsonl"
	assert_output '["box","Car"]'
	run shown '.controls.box | [.declared, .counts.C, .undeclared]' 41
	assert_output '[[{"value":"Airplane"}],1,["Boat","C"]]'
}

@test "ontology: the docs fixtures give the labels Label Studio put in them" {
	for f in PROJECT_UPDATED ANNOTATION_CREATED ANNOTATION_UPDATED; do
		h=projects
		[[ $f == ANNOTATION* ]] && h=annotations
		run_cgi_file "$h" "$LSDOCS/$f.json"
		assert_http 200 .status ok
	done
	run view '.controls.label.declared | map(.value)' 1
	assert_output '["Airplane","Car"]'
	run jq -c 'select(.change == "first_used") | [.project_id, .control, .label]' \
	    "$DATA/ontology.jsonl"
	assert_line '[2,"answer","Answer"]'
}

@test "ontology: rejected and ignored events change nothing" {
	run_cgi_file projects "$ONTO/PROJECT_UPDATED.json" HTTP_AUTHORIZATION="Bearer wrong-secret-0123456789"
	assert_http 401
	run_cgi_file tasks "$ONTO/PROJECT_UPDATED.json"
	assert_http 202
	run_cgi_file annotations "$ONTO/PROJECT_UPDATED.json"
	assert_http 202
	assert_not_exists "$DATA/ontology"
	assert_not_exists "$DATA/ontology.jsonl"
}

@test "ontology: concurrent handlers never lose or repeat a change" {
	local i
	run_cgi_file projects "$ONTO/PROJECT_UPDATED.json"
	for i in $(seq 1 24); do
		jq -c --arg u "U$i" --arg s "S$((i % 3))" \
		    '.annotation.id = 1000 + ($u[1:] | tonumber) |
		     .annotation.result = [{"from_name":"box","type":"rectanglelabels",
		       "value":{"rectanglelabels":[$u, $s, "Airplane"]}}]' \
		    "$ONTO/ANNOTATION_CREATED.json" > "$BATS_TEST_TMPDIR/a$i.json"
	done
	for i in $(seq 1 24); do
		(printf '' ; env -i PATH="$PATH" REQUEST_METHOD=POST \
		    CONTENT_LENGTH=$(wc -c < "$BATS_TEST_TMPDIR/a$i.json") \
		    HTTP_AUTHORIZATION="Bearer $SECRET" LSHOOK_SECRET="$SECRET" \
		    LSHOOK_DATA_DIR="$DATA" "$HOOKS/annotations.fcgi" \
		    < "$BATS_TEST_TMPDIR/a$i.json" > "$BATS_TEST_TMPDIR/out$i") &
	done
	wait
	[ "$(grep -l '^Status: 200' "$BATS_TEST_TMPDIR"/out* | wc -l)" -eq 24 ]
	# stamped under the log's lock: the lines are in time order
	jq -r .received_at "$DATA/annotations.jsonl" | sort -c ||
	    fail "annotations.jsonl out of time order"
	run jq -r 'select(.change == "first_used") | .label' "$DATA/ontology.jsonl"
	[ "${#lines[@]}" -eq 28 ]	# U1..U24, S0..S2, Airplane
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 28 ]
	run shown '[.controls.box.counts[]] | add' 41
	assert_output 72
	run shown '.controls.box.counts | [.Airplane, .S0, .S1, .S2]' 41
	assert_output '[24,8,8,8]'
	run view '.controls.box.used | length' 41
	assert_output 28
}

@test "ontology: lshook ontology rebuild gives back the same views and counts from the logs alone" {
	run_cgi_file projects "$ONTO/PROJECT_UPDATED.json"
	run_cgi_file annotations "$ONTO/ANNOTATION_CREATED.json"
	run_cgi_file annotations "$ONTO/ANNOTATION_CREATED.json" HTTP_WEBHOOK_ID=msg-2
	body=$(jq -c '.project.label_config |= sub("<Choice value=\"Bad\"/>"; "")' \
	    "$ONTO/PROJECT_UPDATED.json")
	run_cgi projects "$body"
	run_cgi_file annotations "$LSDOCS/ANNOTATION_CREATED.json"
	mkdir "$BATS_TEST_TMPDIR/live"
	cp "$DATA"/ontology/*.json "$DATA"/ontology/*.counts "$BATS_TEST_TMPDIR/live/"
	shown_before=$(shown . 41; shown . 2)
	changes_before=$(cat "$DATA/ontology.jsonl")
	rm "$DATA"/ontology/41.json "$DATA"/ontology/2.counts
	echo '{"project_id":41,"controls":{"junk":{}}}' > "$DATA/ontology/2.json"
	run "${VALGRIND_CMD[@]}" "$ROOT/bin/lshook" ontology rebuild -d "$DATA"
	assert_success
	assert_output --partial "from 7 records"	# 5 events, 2 PROJECT_FIRST_SEEN
	[ "$(shown . 41; shown . 2)" = "$shown_before" ]
	[ "$(shown .controls.box.counts 41)" = '{"Boat":2,"C":2}' ]
	for f in "$BATS_TEST_TMPDIR"/live/*.json; do
		cmp "$f" "$DATA/ontology/${f##*/}" || fail "${f##*/} differs"
	done
	[ "$(ls "$DATA/ontology" | wc -l)" -eq "$(ls "$BATS_TEST_TMPDIR/live" | wc -l)" ]
	[ "$(cat "$DATA/ontology.jsonl")" = "$changes_before" ]
	run "$ROOT/bin/lshook" ontology show -d "$DATA" 41
	assert_success
	[ "$(printf '%s' "$output" | jq -c '.controls.quality.declared')" = '[{"value":"Good"}]' ]
}

@test "ontology: a rebuild run by root leaves its files to the data directory's owner" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	run_cgi_file projects "$ONTO/PROJECT_UPDATED.json"
	run_cgi_file annotations "$ONTO/ANNOTATION_CREATED.json"
	rm -r "$DATA/ontology"
	chown -R nobody:nogroup "$DATA"
	run "$ROOT/bin/lshook" ontology rebuild -d "$DATA"
	assert_success
	run stat -c '%n %U:%G' "$DATA/ontology" "$DATA/ontology/.lock" \
	    "$DATA/ontology/41.json" "$DATA/ontology/41.counts"
	assert_output "$DATA/ontology nobody:nogroup
$DATA/ontology/.lock nobody:nogroup
$DATA/ontology/41.json nobody:nogroup
$DATA/ontology/41.counts nobody:nogroup"
}

@test "ontology: lshook ontology errors are clear and exit 2" {
	run "$ROOT/bin/lshook" ontology rebuild -d "$BATS_TEST_TMPDIR/nope"
	[ "$status" -eq 2 ]
	assert_output --partial "cannot open data directory"
	run "$ROOT/bin/lshook" ontology show -d "$DATA" 99
	[ "$status" -eq 2 ]
	assert_output --partial "no ontology for project 99"
	run "$ROOT/bin/lshook" ontology frobnicate -d "$DATA"
	[ "$status" -eq 2 ]
	run "$ROOT/bin/lshook" ontology --help
	assert_success
	assert_output --partial "rebuild"
}
