-- wrk script: the page mix of mix.lua with writes mixed in. Arguments after "--":
-- EVERY CLAIM_PATH ACTOR SOURCE_ID EDITOR_COOKIE CSRF_SECRET RUN PATH...
-- Every EVERY-th request is an editor adding an attribution to CLAIM_PATH through
-- the page's form (a fresh one-time token each, quoting "load RUN <thread> <n>");
-- the others read PATHs (pages and exports) with the Cookie header given to wrk.
-- done() prints "writes acknowledged N": the 302 answers that land on the claim.
-- The write itself is bench/writes.lua's, found beside this script.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local writes = require("writes")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local every, claim_path, actor, source, editor_cookie, csrf, run
local paths = {}
local counter, written = 0, 0
acknowledged = 0

function init(args)
  every, claim_path, actor, source, editor_cookie, csrf, run = tonumber(args[1]), args[2], args[3], args[4], args[5], args[6], args[7]
  for i = 8, #args do paths[#paths + 1] = args[i] end
  writes.seed(run, id)
  counter = math.random(#paths)
end

function request()
  counter = counter + 1
  if counter % every == 0 then
    written = written + 1
    local quote = string.format("load %s %d %d", run, id, written)
    return writes.attribution(claim_path, quote, actor, source, editor_cookie, csrf)
  end
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status == 302 and headers["Location"] and headers["Location"]:sub(1, #claim_path) == claim_path then
    acknowledged = acknowledged + 1
  end
end

function done(summary, latency, requests)
  io.write(string.format("writes acknowledged %d\n", writes.total(threads, "acknowledged")))
end
