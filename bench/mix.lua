-- wrk script: requests the paths given after "--" in turn, one after another per connection.
local paths = {}
local counter = 0

init = function(args)
  for i, path in ipairs(args) do
    paths[i] = path
  end
  counter = math.random(#paths)
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
