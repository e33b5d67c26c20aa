-- post.lua: wrk script of the benchmark.  POSTs the bytes of the file named
-- by BENCH_BODY with the headers in BENCH_HEADERS (one "Name: value" per
-- line), and prints one machine-readable line at the end:
--   BENCH requests=N status_errors=N connect=N read=N write=N timeout=N
--         duration_us=N bytes=N p50_us=N p90_us=N p99_us=N max_us=N mean_us=N
-- wrk counts answers of 400 and above as status errors.
--
-- With BENCH_VARY set (a 9-digit number that occurs once in the body, an
-- id), every request replaces it with a number of its own: from BENCH_SEQ
-- on, 5,000,000 per thread.  Each request is then a new delivery, as Label
-- Studio's are, so a receiver that drops repeated deliveries stores them all.
local f = assert(io.open(assert(os.getenv("BENCH_BODY"), "BENCH_BODY unset"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
	local name, value = line:match("^([^:]+):%s*(.*)$")
	if name then
		wrk.headers[name] = value
	end
end

local marker = os.getenv("BENCH_VARY")
if marker and marker ~= "" then
	local s, e = wrk.body:find(marker, 1, true)
	assert(s, "BENCH_VARY not in the body")
	local prefix, suffix = wrk.body:sub(1, s - 1), wrk.body:sub(e + 1)
	local base = tonumber(os.getenv("BENCH_SEQ") or "100000000")
	local threads = 0
	local counter = 0

	function setup(thread)
		thread:set("thread_no", threads)
		threads = threads + 1
	end

	function request()
		counter = counter + 1
		local n = base + (thread_no or 0) * 5000000 + counter
		return wrk.format(nil, nil, nil,
		    prefix .. string.format("%09d", n) .. suffix)
	end
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH requests=%d status_errors=%d connect=%d read=%d " ..
	    "write=%d timeout=%d duration_us=%d bytes=%d p50_us=%d p90_us=%d " ..
	    "p99_us=%d max_us=%d mean_us=%d\n",
	    summary.requests, e.status, e.connect, e.read, e.write, e.timeout,
	    summary.duration, summary.bytes, latency:percentile(50),
	    latency:percentile(90), latency:percentile(99), latency.max,
	    latency.mean))
end
