-- wrk script: the desk's page mix spread over many claims, with writes. With writes, run
-- with one connection per thread (--threads N --connections N), so that each thread's
-- requests and answers alternate; without (EVERY 0), any number of connections a thread
-- will do, and answers go unread. Arguments after "--":
--   EVERY CLAIMS_FILE ACTOR SOURCE_ID EDITOR_COOKIE CSRF_SECRET RUN PATH...
-- Requests alternate between the PATHs (lists, queue, actor pages: the page mix) and
-- the page of a claim drawn at random from CLAIMS_FILE (one path a line), as the
-- reviewer whose Cookie header wrk sends. When EVERY is above 0, every EVERY-th request
-- is an editor adding an attribution to a random claim of the file through the page's
-- form (a fresh one-time token, quoting "load RUN <thread> <n>"), and the request after
-- an acknowledged write reads that claim's page as the reviewer: a page without the
-- quote is counted stale. Where the claim's timeline runs to more than one page, the
-- page shows the newest entries, and the write, dated before all of them, is on the
-- first: that page is read next, and counted stale without the quote. done() prints
-- "writes acknowledged N" and "stale pages N".
-- The write itself is bench/writes.lua's, found beside this script.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local writes = require("writes")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local every, actor, source, editor_cookie, csrf, run
local paths, claims = {}, {}
local counter, written = 0, 0
local check = nil -- the quote the next answer must show, after a write
local checked_claim = nil -- the page it must show on
local earlier = false -- whether the answer is the first page of that claim's timeline, asked after its latest
-- The link a timeline of more than one page has to its first (claims/_events_pager.html).
local FIRST_PAGE = 'href="?events=1#timeline"'
local writing = nil -- the quote of the write in flight
acknowledged, stale = 0, 0

function init(args)
  every, actor, source, editor_cookie, csrf, run = tonumber(args[1]), args[3], args[4], args[5], args[6], args[7]
  for line in io.lines(args[2]) do claims[#claims + 1] = line end
  for i = 8, #args do paths[#paths + 1] = args[i] end
  writes.seed(run, id)
  counter = math.random(#paths)
  if every == 0 then
    -- Nothing to check: wrk then neither gathers the answers' bodies nor hands them to Lua (it asks
    -- for response() after init), and counts a failed answer itself, as in the trivial view's runs.
    response = nil
  end
end

local claim_to_check = nil

function request()
  if claim_to_check then
    local path = claim_to_check
    claim_to_check = nil
    return wrk.format("GET", path)
  end
  counter = counter + 1
  if every > 0 and counter % every == 0 then
    written = written + 1
    local claim = claims[math.random(#claims)]
    writing = { claim = claim, quote = string.format("load %s %d %d", run, id, written) }
    return writes.attribution(writing.claim, writing.quote, actor, source, editor_cookie, csrf)
  end
  if counter % 2 == 0 then
    return wrk.format("GET", claims[math.random(#claims)])
  end
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if writing then
    local location = headers["Location"]
    if status == 302 and location and location:sub(1, #writing.claim) == writing.claim then
      acknowledged = acknowledged + 1
      check = writing.quote
      claim_to_check = writing.claim
      checked_claim = writing.claim
    end
    writing = nil
  elseif check then
    if status == 200 and not body:find(check, 1, true) and not earlier and body:find(FIRST_PAGE, 1, true) then
      -- The claim's timeline runs to more than one page, and the page shows its newest entries: the
      -- write, dated before every other entry (writes.lua), is on the first. That page is read next.
      earlier = true
      claim_to_check = checked_claim .. "?events=1"
      return
    end
    if status ~= 200 or not body:find(check, 1, true) then
      stale = stale + 1
    end
    check, earlier = nil, false
  end
end

function done(summary, latency, requests)
  io.write(string.format("writes acknowledged %d\nstale pages %d\n", writes.total(threads, "acknowledged"),
    writes.total(threads, "stale")))
end
