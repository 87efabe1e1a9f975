-- Scans the top level of a JSON object body and refuses unknown keys, and values
-- of the wrong shape (a list for a single value, a single value for a list),
-- naming the field: the transcoder would drop unknown keys silently, and its own
-- message for a misplaced list names no field. It parses the body again
-- afterwards, so malformed JSON still gets its own 400 from there. A body to a
-- transcoded method that is neither gRPC nor JSON is refused with 415, since
-- the transcoder would read it as JSON with no check at all.

-- Filled in by request_shape.py: the JSON keys each transcoded path accepts.
local accepted = ACCEPTED_FIELDS

-- The top-level keys, each with the first character of its value.
local function top_level_members(text)
  local members, depth, expect_key, key, i, n = {}, 0, false, nil, 1, #text
  while i <= n do
    local c = text:sub(i, i)
    if depth == 1 and key ~= nil and not c:find("^[%s:]") then
      members[#members + 1] = {key, c}
      key = nil
    end
    if c == '"' then
      local j = i + 1
      while j <= n do
        local d = text:sub(j, j)
        if d == "\\" then j = j + 2 elseif d == '"' then break else j = j + 1 end
      end
      if depth == 1 and expect_key then
        key = text:sub(i + 1, j - 1)
        expect_key = false
      end
      i = j + 1
    else
      if c == "{" or c == "[" then
        depth = depth + 1
        expect_key = (c == "{" and depth == 1)
      elseif c == "}" or c == "]" then
        depth = depth - 1
      elseif c == "," and depth == 1 then
        expect_key = true
      end
      i = i + 1
    end
  end
  return members
end

local function misfit(shape, first)
  if first == "n" then
    return nil  -- null: the field's default
  elseif shape == "list" and first ~= "[" then
    return "takes a list"
  elseif shape == "object" and first ~= "{" then
    return "takes an object"
  elseif shape == "single" and (first == "[" or first == "{") then
    return "takes a single value, not " .. (first == "[" and "a list" or "an object")
  end
  return nil
end

-- A raw control character (malformed JSON, read before the transcoder refuses
-- it) is escaped so that the refusal itself stays valid JSON.
local function escape(text)
  return (text:gsub("%c", function(c) return string.format("\\u%04x", c:byte()) end))
end

local function keep_reply_body(handle)
  handle:streamInfo():dynamicMetadata():set("envoy.filters.http.lua", KEEP_REPLY_BODY_KEY, true)
end

-- The key is named as the body spelled it, JSON escapes included. The body is
-- google.rpc.Status as the transcoder prints a service error (every
-- BadRequest.FieldViolation string printed, empty ones too).
local function refuse(handle, key, message, description)
  keep_reply_body(handle)
  handle:respond(
    {[":status"] = "400", ["content-type"] = "application/json"},
    '{"code":3,"message":"' .. escape(message) .. '","details":[{"@type":'
      .. '"type.googleapis.com/google.rpc.BadRequest","field_violations":[{"field":"'
      .. escape(key) .. '","description":"' .. description .. '","reason":""}]}]}'
  )
end

-- What Envoy itself takes for gRPC (exactly "application/grpc", or with a
-- "+" suffix) and for grpc-web (these four, exactly): the transcoder reads every
-- other body as JSON, whatever its content type says, so a looser test here
-- would let JSON past the key check.
local grpc_web = {
  ["application/grpc-web"] = true, ["application/grpc-web+proto"] = true,
  ["application/grpc-web-text"] = true, ["application/grpc-web-text+proto"] = true,
}
local function is_grpc(content_type)
  return content_type == "application/grpc" or content_type:sub(1, 17) == "application/grpc+"
    or grpc_web[content_type] ~= nil
end

-- The media type, its parameters (charset) and letter case aside.
local function media_type(content_type)
  return (content_type:gsub(";.*$", ""):gsub("^%s+", ""):gsub("%s+$", ""):lower())
end

function envoy_on_request(handle)
  local headers = handle:headers()
  local content_type = headers:get("content-type") or ""
  if is_grpc(content_type) then
    keep_reply_body(handle)
    return
  end
  local path = (headers:get(":path") or ""):gsub("%?.*$", "")
  local fields = accepted[path]
  if fields == nil then
    return
  end
  -- Every method is checked, not only the POST the transcoder maps.
  local body = handle:body()
  if body == nil or body:length() == 0 then
    return  -- nothing to read: the empty message
  end
  if media_type(content_type) ~= "application/json" then
    -- Plain text: the connection manager's local reply config makes it the
    -- one error body.
    handle:respond(
      {[":status"] = "415", ["content-type"] = "text/plain"},
      "The request body must be JSON, sent with content-type: application/json."
    )
    return
  end
  for _, member in ipairs(top_level_members(body:getBytes(0, body:length()))) do
    local key, first = member[1], member[2]
    local shape = fields[key]
    if shape == nil then
      refuse(
        handle, key, 'unknown field \\"' .. key .. '\\" in the request body of ' .. path,
        "Unknown field."
      )
      return
    end
    local problem = misfit(shape, first)
    if problem ~= nil then
      refuse(handle, key, 'field \\"' .. key .. '\\" ' .. problem, "The field " .. problem .. ".")
      return
    end
  end
end
