-- What bench/mix_spread.lua and bench/mix_writes.lua share: an editor adding an attribution
-- to a claim through the page's form, as a browser sends it. Loaded with require("writes")
-- from the folder of the script that needs it.
local writes = {}

-- A fresh one-time form token (claims.submissions): a UUID's text.
function writes.token()
  local hex = {}
  for i = 1, 32 do hex[i] = string.format("%x", math.random(0, 15)) end
  local s = table.concat(hex)
  return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
end

local function escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- Seeds the thread's draws. RUN names the server too ("<run> <port>"): two wrk processes
-- started in the same second must not draw the same one-time tokens.
function writes.seed(run, id)
  local salt = 0
  for i = 1, #run do salt = (salt * 31 + string.byte(run, i)) % 1000003 end
  math.randomseed(os.time() * 100 + id + salt * 1000)
end

-- The POST adding an attribution by ACTOR, quoted from SOURCE_ID, to the claim at CLAIM_PATH.
function writes.attribution(claim_path, quote, actor, source, editor_cookie, csrf)
  local form = {
    "csrfmiddlewaretoken=" .. csrf,
    "submission=" .. writes.token(),
    "actor=" .. escape(actor),
    "stance=confirms", "certainty=definite",
    "source=" .. source,
    "quote=" .. escape(quote),
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

-- The sum of a global counter over wrk's threads, for done().
function writes.total(threads, name)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get(name) end
  return total
end

return writes
