"""The Lua scripts: each runs atomically in Redis, on Redis's own clock.

Keys (P = "mg:"): `mg:s:<id>` the session's hash (state, history, past, past@<step> for each
past state, config, spec, version, resets); `mg:lock:<id>` the lease of the request at work on it, holding its fencing token;
`mg:fence` the last token handed out; `mg:used` a sorted set of each session's last use;
`mg:bytes` (a hash) and `mg:total` what each session and all of them hold; `mg:rate:<address>:<second>`
the creates of one address in one second.
"""
P = "mg:"            # the prefix of every key

NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)\n"
FORGET = """
local function forget(id)
  redis.call('DEL', P .. 's:' .. id)
  local size = tonumber(redis.call('HGET', P .. 'bytes', id) or '0')
  redis.call('HDEL', P .. 'bytes', id)
  redis.call('DECRBY', P .. 'total', size)
  redis.call('ZREM', P .. 'used', id)
end
local function drop_idle(now, idle_ms)
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'used', '-inf', now - idle_ms)) do forget(id) end
end
"""

# ARGV: id, state, config, spec, size, max_sessions, memory_bytes, protect_ms, idle_ms, replaces
# -> {1, evicted, 1 if it replaced `replaces`} kept; {-1, ms until the oldest leaves its
# protection} full; {-2, 0} too big
ADMIT = NOW + FORGET + """
drop_idle(now, tonumber(ARGV[9]))
-- the session replaced counts as gone while room is looked for, and goes only once there is room:
-- a learner refused keeps the network they had
local old, replaced, old_bytes = ARGV[10], 0, 0
if old ~= '' and redis.call('EXISTS', P .. 's:' .. old) == 1 then
  replaced, old_bytes = 1, tonumber(redis.call('HGET', P .. 'bytes', old) or '0')
end
local size, evicted = tonumber(ARGV[5]), 0
while redis.call('ZCARD', P .. 'used') - replaced >= tonumber(ARGV[6])
      or tonumber(redis.call('GET', P .. 'total') or '0') - old_bytes + size > tonumber(ARGV[7]) do
  local two = redis.call('ZRANGE', P .. 'used', 0, 1, 'WITHSCORES')
  local id, used = two[1], two[2]
  if id == old and replaced == 1 then id, used = two[3], two[4] end       -- the oldest but the replaced
  if id == nil then return {-2, 0} end
  if tonumber(used) > now - tonumber(ARGV[8]) then
    return {-1, tonumber(used) + tonumber(ARGV[8]) - now}
  end
  forget(id)
  evicted = evicted + 1
end
if replaced == 1 then forget(old) end
local key = P .. 's:' .. ARGV[1]
redis.call('HSET', key, 'state', ARGV[2], 'config', ARGV[3], 'spec', ARGV[4], 'version', 1, 'resets', 0)
redis.call('PEXPIRE', key, ARGV[9])
redis.call('ZADD', P .. 'used', now, ARGV[1])
redis.call('HSET', P .. 'bytes', ARGV[1], size)
redis.call('INCRBY', P .. 'total', size)
return {1, evicted, replaced}
"""

# ARGV: id, lease_ms, idle_ms, the version this process has in memory ('0': none)
# -> {1, token, version, resets} the lease, and the session's fields only when its version moved:
# {1, token, version, resets, field, value, field, value...} (HGETALL); {0} another request holds
# it; {-2} gone
ACQUIRE = NOW + """
local key = P .. 's:' .. ARGV[1]
local head = redis.call('HMGET', key, 'version', 'resets')
if not head[1] then return {-2} end
local token = redis.call('INCR', P .. 'fence')
if not redis.call('SET', P .. 'lock:' .. ARGV[1], token, 'NX', 'PX', ARGV[2]) then return {0} end
redis.call('ZADD', P .. 'used', now, ARGV[1])
redis.call('PEXPIRE', key, ARGV[3])
local reply = {1, token, tonumber(head[1]), tonumber(head[2])}
if head[1] == ARGV[4] then return reply end
for _, item in ipairs(redis.call('HGETALL', key)) do reply[#reply + 1] = item end
return reply
"""

# ARGV: id, token, size, version, the number of fields to delete, those fields, then field and
# blob pairs (the state, and each part that changed) -> 1: saved at `version` (the lease's, plus
# one: nobody else writes while the lease holds) and the lease released; 0 the lease was not the
# token's (lost), -2 the session is gone. ACQUIRE marked it used.
SAVE = """
local key, lock = P .. 's:' .. ARGV[1], P .. 'lock:' .. ARGV[1]
if redis.call('GET', lock) ~= ARGV[2] then return 0 end
redis.call('DEL', lock)
if redis.call('EXISTS', key) == 0 then return -2 end
local gone = tonumber(ARGV[5])
if gone > 0 then redis.call('HDEL', key, unpack(ARGV, 6, 5 + gone)) end
redis.call('HSET', key, 'version', ARGV[4], unpack(ARGV, 6 + gone))
local old = tonumber(redis.call('HGET', P .. 'bytes', ARGV[1]) or '0')
if old ~= tonumber(ARGV[3]) then
  redis.call('HSET', P .. 'bytes', ARGV[1], ARGV[3])
  redis.call('INCRBY', P .. 'total', tonumber(ARGV[3]) - old)
end
return 1
"""

# ARGV: id, token -> 1: the lease released, if it was still the token's
RELEASE = """
if redis.call('GET', P .. 'lock:' .. ARGV[1]) == ARGV[2] then redis.call('DEL', P .. 'lock:' .. ARGV[1]) end
return 1
"""

# ARGV: id, token, lease_ms -> the session's reset count, the lease renewed; -1 the lease was
# lost; -2 the session is gone (deleted)
WATCH = """
local lock = P .. 'lock:' .. ARGV[1]
if redis.call('GET', lock) ~= ARGV[2] then return -1 end
redis.call('PEXPIRE', lock, ARGV[3])
local resets = redis.call('HGET', P .. 's:' .. ARGV[1], 'resets')
if not resets then return -2 end
return tonumber(resets)
"""

# ARGV: id -> 1 deleted, 0 no such session
DELETE = FORGET + """
local found = redis.call('EXISTS', P .. 's:' .. ARGV[1])
forget(ARGV[1])
return found
"""

# ARGV: id -> the reset count after this one, or nil: work of earlier requests stops (WATCH)
RESET = """
local key = P .. 's:' .. ARGV[1]
if redis.call('EXISTS', key) == 0 then return false end
return redis.call('HINCRBY', key, 'resets', 1)
"""

# ARGV: idle_ms -> the sessions held
COUNT = NOW + FORGET + """
drop_idle(now, tonumber(ARGV[1]))
return redis.call('ZCARD', P .. 'used')
"""

# ARGV: address, per_minute -> 0 admitted, else seconds to wait
RATE = NOW + """
local second = math.floor(now / 1000)
local total, oldest = 0, nil
for s = second - 59, second do
  local n = tonumber(redis.call('GET', P .. 'rate:' .. ARGV[1] .. ':' .. s) or '0')
  if n > 0 and oldest == nil then oldest = s end
  total = total + n
end
if total >= tonumber(ARGV[2]) then return oldest + 60 - second end
redis.call('INCR', P .. 'rate:' .. ARGV[1] .. ':' .. second)
redis.call('EXPIRE', P .. 'rate:' .. ARGV[1] .. ':' .. second, 61)
return 0
"""

SCRIPTS = {name: f"local P = '{P}'\n" + body for name, body in (
    ("admit", ADMIT), ("acquire", ACQUIRE), ("save", SAVE), ("release", RELEASE), ("watch", WATCH),
    ("delete", DELETE), ("reset", RESET), ("count", COUNT), ("rate", RATE))}
