-- bench/wrk/common.lua - shared by the scenario scripts (dofile'd by each):
-- the data files bench/run.sh writes, thread numbering, and a done() that
-- prints the run's figures as one JSON line for run.sh to collect.
--
-- Environment (set by run.sh):
--   BENCH_DATA     directory of tokens.txt (one bearer token a line),
--                  phones.txt (login phones), lessons.txt ("id duration")
--   BENCH_THREADS  wrk's -t
--   BENCH_SALT     a number that changes every run (progress positions)
--   BENCH_HOT      the hot submission's id
--   BENCH_APPROVED approved submissions (ids with id % 5 <> 0 are approved)
local M = {}

M.data = os.getenv("BENCH_DATA") or "."
M.nthreads = tonumber(os.getenv("BENCH_THREADS") or "2")
M.salt = tonumber(os.getenv("BENCH_SALT") or "0")
M.hot = os.getenv("BENCH_HOT") or "1"
M.approved = tonumber(os.getenv("BENCH_APPROVED") or "80000")

function M.lines(name)
  local t = {}
  for l in io.lines(M.data .. "/" .. name) do
    if #l > 0 then t[#t + 1] = l end
  end
  return t
end

-- the lines whose index i has (i - 1) % nthreads == tid: a thread's own share
function M.share(list, tid)
  local t = {}
  for i = tid + 1, #list, M.nthreads do t[#t + 1] = list[i] end
  return t
end

-- the i-th (0-based) approved submission's id: approved iff id % 5 <> 0
function M.approved_id(i)
  return math.floor(i / 4) * 5 + i % 4 + 1
end

-- certificate n's serial (bench/certificates.sql): 'DC-' and the 16
-- Crockford base32 digits of n in groups of 4
local crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
function M.serial(n)
  local d = {}
  for i = 16, 1, -1 do
    local v = n % 32
    d[i] = crockford:sub(v + 1, v + 1)
    n = (n - v) / 32
  end
  local s = table.concat(d)
  return "DC-" .. s:sub(1, 4) .. "-" .. s:sub(5, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16)
end

local counter = 0
function M.setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function M.seed(tid)
  math.randomseed(os.time() * 1000 + tid * 7919 + M.salt)
  for _ = 1, 10 do math.random() end
end

function M.auth(token)
  return { ["Authorization"] = "Bearer " .. token }
end

function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end

return M
