-- certificate_png: GET /v1/certificates/{serial}.png over a fixed set of
-- BENCH_PNG_SERIALS certificates (1..64 by default: fewer than the server's
-- cache of 128), each fetched once by bench/run.sh before the run: the
-- cached path (the row looked up, the kept PNG sent).
-- Serials as in verify_page.lua (bench/certificates.sql).
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
local count = tonumber(os.getenv("BENCH_PNG_SERIALS") or "64")
local requests = {}

function init(args)
  c.seed(tid)
  for n = 1, count do
    requests[n] = wrk.format("GET", "/v1/certificates/" .. c.serial(n) .. ".png")
  end
end

function request()
  return requests[math.random(count)]
end
