-- login: POST /v1/sessions with the login block's phones (run.sh gave them
-- a real scrypt hash of BENCH_PASSWORD), each thread cycling through its own
-- share, so that no phone nears its 10-a-minute limit.
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
local phones, i = nil, 0
local password = os.getenv("BENCH_PASSWORD") or "bench-pass-2026"

function init(args)
  c.seed(tid)
  phones = c.share(c.lines("phones.txt"), tid)
  i = math.random(#phones)
end

function request()
  i = i % #phones + 1
  local body = string.format('{"phone":"%s","password":"%s"}', phones[i], password)
  return wrk.format("POST", "/v1/sessions", { ["Content-Type"] = "application/json" }, body)
end
