#!/usr/bin/env bats
load helpers

setup() { setup_data; }

@test "smoke: a TASKS_CREATED fixture is stored by the tasks handler" {
	run_cgi_file tasks "$LSDOCS/TASKS_CREATED.json"
	assert_http 200 .status ok
	[ "$(log_lines tasks.jsonl)" -eq 1 ]
	assert_wellformed_log "$DATA/tasks.jsonl"
}

@test "smoke: lighttpd serves the training health route" {
	start_lighttpd
	run curl -sS "$BASE_URL/hooks/training.fcgi/health"
	stop_lighttpd
	assert_output '{"status":"UP","model_class":"lshook"}'
}
