-- wrk script: the page mix of mix.lua with writes mixed in. Arguments after "--":
-- EVERY CLAIM_PATH ACTOR SOURCE_ID EDITOR_COOKIE CSRF_SECRET RUN PATH...
-- Every EVERY-th request is an editor adding an attribution to CLAIM_PATH through
-- the page's form (a fresh one-time token each, quoting "load RUN <thread> <n>");
-- the others read PATHs (pages and exports) with the Cookie header given to wrk.
-- done() prints "writes acknowledged N": the 302 answers that land on the claim.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local every, claim_path, actor, source, editor_cookie, csrf, run
local paths = {}
local counter, written = 0, 0
acknowledged = 0

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
  every, claim_path, actor, source, editor_cookie, csrf, run = tonumber(args[1]), args[2], args[3], args[4], args[5], args[6], args[7]
  for i = 8, #args do paths[#paths + 1] = args[i] end
  -- RUN names the server too ("<run> <port>"): two wrk processes started in the same second
  -- must not draw the same one-time tokens.
  local salt = 0
  for i = 1, #run do salt = (salt * 31 + string.byte(run, i)) % 1000003 end
  math.randomseed(os.time() * 100 + id + salt * 1000)
  counter = math.random(#paths)
end

function request()
  counter = counter + 1
  if counter % every == 0 then
    written = written + 1
    local form = {
      "csrfmiddlewaretoken=" .. csrf,
      "submission=" .. token(),
      "actor=" .. escape(actor),
      "stance=confirms", "certainty=definite",
      "source=" .. source,
      "quote=" .. escape(string.format("load %s %d %d", run, id, written)),
      "quote_kind=reported", "via=",
      -- Before every synthetic source's publication (from 2020-01-01): a statement
      -- dated after the source that reports it is refused.
      "stated_on=2019-12-31", "stated_on_precision=day",
    }
    return wrk.format("POST", claim_path .. "attributions/", {
      ["Cookie"] = editor_cookie,
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, table.concat(form, "&"))
  end
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status == 302 and headers["Location"] and headers["Location"]:sub(1, #claim_path) == claim_path then
    acknowledged = acknowledged + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("acknowledged") end
  io.write(string.format("writes acknowledged %d\n", total))
end
