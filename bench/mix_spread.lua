-- wrk script: the desk's page mix spread over many claims, with writes. Run with one
-- connection per thread (--threads N --connections N), so that each thread's requests
-- and answers alternate. Arguments after "--":
--   EVERY CLAIMS_FILE ACTOR SOURCE_ID EDITOR_COOKIE CSRF_SECRET RUN PATH...
-- Requests alternate between the PATHs (lists, queue, actor pages: the page mix) and
-- the page of a claim drawn at random from CLAIMS_FILE (one path a line), as the
-- reviewer whose Cookie header wrk sends. When EVERY is above 0, every EVERY-th request
-- is an editor adding an attribution to a random claim of the file through the page's
-- form (a fresh one-time token, quoting "load RUN <thread> <n>"), and the request after
-- an acknowledged write reads that claim's page as the reviewer: a page without the
-- quote is counted stale. done() prints "writes acknowledged N" and "stale pages N".
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local every, actor, source, editor_cookie, csrf, run
local paths, claims = {}, {}
local counter, written = 0, 0
local check = nil -- the quote the next answer must show, after a write
local writing = nil -- the quote of the write in flight
acknowledged, stale = 0, 0

local function token()
  local hex = {}
  for i = 1, 32 do hex[i] = string.format("%x", math.random(0, 15)) end
  local s = table.concat(hex)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end

local function escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  every, actor, source, editor_cookie, csrf, run = tonumber(args[1]), args[3], args[4], args[5], args[6], args[7]
  for line in io.lines(args[2]) do claims[#claims + 1] = line end
  for i = 8, #args do paths[#paths + 1] = args[i] end
  -- RUN names the server too ("<run> <port>"): two wrk processes started in the same second
  -- must not draw the same one-time tokens.
  local salt = 0
  for i = 1, #run do salt = (salt * 31 + string.byte(run, i)) % 1000003 end
  math.randomseed(os.time() * 100 + id + salt * 1000)
  counter = math.random(#paths)
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
    local form = {
      "csrfmiddlewaretoken=" .. csrf,
      "submission=" .. token(),
      "actor=" .. escape(actor),
      "stance=confirms", "certainty=definite",
      "source=" .. source,
      "quote=" .. escape(writing.quote),
      "quote_kind=reported", "via=",
      -- Before every synthetic source's publication (from 2020-01-01): a statement
      -- dated after the source that reports it is refused.
      "stated_on=2019-12-31", "stated_on_precision=day",
    }
    return wrk.format("POST", claim .. "attributions/", {
      ["Cookie"] = editor_cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, table.concat(form, "&"))
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
    end
    writing = nil
  elseif check then
    if status ~= 200 or not body:find(check, 1, true) then
      stale = stale + 1
    end
    check = nil
  end
end

function done(summary, latency, requests)
  local total, old = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("acknowledged")
    old = old + thread:get("stale")
  end
  io.write(string.format("writes acknowledged %d\nstale pages %d\n", total, old))
end
