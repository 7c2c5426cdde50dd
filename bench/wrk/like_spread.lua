-- like_spread: PUT /v1/submissions/{id}/like by a random bench token on a
-- random approved submission (ids with id % 5 <> 0, none of them a bench
-- account's own). Mostly new likes; the few repeats are idempotent 200s.
local c = dofile((os.getenv("BENCH_LUA") or "bench/wrk") .. "/common.lua")
setup = c.setup
done = c.done
local tokens

function init(args)
  c.seed(tid)
  tokens = c.lines("tokens.txt")
end

function request()
  local id = c.approved_id(math.random(0, c.approved - 1))
  return wrk.format("PUT", "/v1/submissions/" .. id .. "/like", c.auth(tokens[math.random(#tokens)]))
end
