-- soak.lua: the wrk script of the soak test (tests/soak/soak.sh).
--
-- Every thread POSTs its share of SOAK_REQUESTS TASKS_CREATED events, each
-- body unique (thread number and counter in the task id and text), so the
-- dedup window never answers "duplicate".  Once a thread has sent its
-- share it sends only GET /hooks/training.fcgi/health, which stores
-- nothing, and when the last of its POSTs is answered it stops and leaves
-- SOAK_STATE/done-<thread>.  So exactly SOAK_REQUESTS events are sent and
-- every one of them is answered before wrk ends (soak.sh sends SIGINT to
-- wrk once every thread is done).  SOAK_REQUESTS must be at least the
-- number of threads.
--
-- The answers are counted here, not from wrk's status errors (which count
-- only 400 and above): "ok" is a 200 {"status":"ok",...}; "dup" a 200
-- {"status":"duplicate",...}; "bad" anything else.  done() prints one line:
--   SOAK posts=N ok=N dup=N bad=N first_bad=STATUS connect=N read=N write=N
--        timeout=N duration_us=N p50_us=N p99_us=N max_us=N
local path = os.getenv("SOAK_PATH") or "/hooks/tasks.fcgi"
local total = assert(tonumber(os.getenv("SOAK_REQUESTS")), "SOAK_REQUESTS unset")
local nthreads = assert(tonumber(os.getenv("SOAK_THREADS")), "SOAK_THREADS unset")
local state = assert(os.getenv("SOAK_STATE"), "SOAK_STATE unset")
local secret = assert(os.getenv("SOAK_SECRET"), "SOAK_SECRET unset")

local threads = {}

-- Main state: number the threads.
function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

-- Thread state.
local quota, sent, answered = 0, 0, 0
ok, dup, bad, first_bad = 0, 0, 0, 0
local headers = {
	["Content-Type"] = "application/json",
	["Authorization"] = "Bearer " .. secret,
}
local idle

function init(args)
	quota = math.floor(total / nthreads)
	if tid < total % nthreads then
		quota = quota + 1
	end
	idle = wrk.format("GET", "/hooks/training.fcgi/health")
end

-- wrk calls request() once on the first thread before it starts, only to
-- count the requests in what it returns, and sends nothing: so the first
-- call of each thread answers the idle GET, never a counted POST.
local first = true

function request()
	if first or sent >= quota then
		first = false
		return idle
	end
	sent = sent + 1
	local body = string.format('{"action":"TASKS_CREATED","project":{"id":1},' ..
	    '"tasks":[{"id":%d,"data":{"text":"soak thread %d request %d"}}]}',
	    tid * 1000000000 + sent, tid, sent)
	return wrk.format("POST", path, headers, body)
end

local function finished()
	local f = assert(io.open(state .. "/done-" .. tid, "w"))
	f:write(string.format("%d %d %d %d\n", answered, ok, dup, bad))
	f:close()
	wrk.thread:stop()
end

function response(status, hdrs, body)
	if body:find('"status":"UP"', 1, true) then
		return	-- an idle GET after this thread's share
	end
	answered = answered + 1
	if status == 200 and body:find('{"status":"ok"', 1, true) == 1 then
		ok = ok + 1
	elseif status == 200 and body:find('{"status":"duplicate"', 1, true) == 1 then
		dup = dup + 1
	else
		bad = bad + 1
		if first_bad == 0 then
			first_bad = status
		end
	end
	if answered == quota then
		finished()
	end
end

function done(summary, latency, requests)
	local t = { posts = 0, ok = 0, dup = 0, bad = 0, first_bad = 0 }
	for _, th in ipairs(threads) do
		t.ok = t.ok + th:get("ok")
		t.dup = t.dup + th:get("dup")
		t.bad = t.bad + th:get("bad")
		if t.first_bad == 0 then
			t.first_bad = th:get("first_bad")
		end
	end
	t.posts = t.ok + t.dup + t.bad
	local e = summary.errors
	io.write(string.format("SOAK posts=%d ok=%d dup=%d bad=%d first_bad=%d " ..
	    "connect=%d read=%d write=%d timeout=%d duration_us=%d " ..
	    "p50_us=%d p99_us=%d max_us=%d\n",
	    t.posts, t.ok, t.dup, t.bad, t.first_bad, e.connect, e.read, e.write,
	    e.timeout, summary.duration, latency:percentile(50),
	    latency:percentile(99), latency.max))
end
