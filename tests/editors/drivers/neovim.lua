-- One Neovim run for tests/editors (0.7 to 0.11+): the README's config is already
-- loaded as init.lua and the project's views.py is the current buffer. Every step waits
-- for what the user would see, with a deadline, and writes what it saw to $FF_TRACE as a
-- JSON line; the Python test judges it.
local env = vim.env
local deadline_ms = tonumber(env.FF_DEADLINE) * 1000
local url = 'http://127.0.0.1:' .. env.FF_PORT .. '/'
local buf = vim.api.nvim_get_current_buf()

local function record(step, data)
  data = data or {}
  data.step = step
  local file = assert(io.open(env.FF_TRACE, 'a'))
  file:write(vim.fn.json_encode(data) .. '\n')
  file:close()
end

local function wait_for(what, probe)
  local value
  local ok = vim.wait(deadline_ms, function()
    value = probe()
    return value ~= nil and value ~= false
  end, 50)
  if not ok then error('not within ' .. env.FF_DEADLINE .. ' s: ' .. what, 0) end
  return value
end

local function flask_client()
  local all = vim.lsp.get_clients and vim.lsp.get_clients() or vim.lsp.get_active_clients()
  for _, client in pairs(all) do
    local ready = client.initialized or next(client.server_capabilities or {}) ~= nil
    if client.name == 'failsafe_flask' and ready then return client end
  end
end

local function echoed()
  local lines = vim.split(vim.fn.execute('messages'), '\n')
  local found = {}
  for _, line in ipairs(lines) do
    if line:find('^Failsafe Flask: ') then table.insert(found, line) end
  end
  return found
end

-- Runs an Ex command and returns the "Failsafe Flask: ..." line it echoes.
local function command_echo(command)
  local before = #echoed()
  vim.cmd(command)
  return wait_for(command .. ' to echo the state', function()
    local now = echoed()
    if #now > before then return now[#now] end
  end)
end

-- Asks :FlaskStatus until its echo names this state; returns that echo.
local function status_until(state)
  return wait_for('FlaskStatus to say ' .. state, function()
    local line = command_echo('FlaskStatus')
    if line:find('^Failsafe Flask: ' .. state) then return line end
  end)
end

local function served(text)
  return wait_for('the app to serve "' .. text .. '"', function()
    local out = vim.fn.system({ env.FF_PYTHON, env.FF_GET, url })
    if out:find(text, 1, true) then return out end
  end)
end

local function ours()
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'Failsafe Flask' then
      table.insert(found, { line = d.lnum, col = d.col, end_line = d.end_lnum,
                            end_col = d.end_col, message = d.message })
    end
  end
  return found
end

local function save(path)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.fn.readfile(path))
  vim.cmd('write')
end

local function run()
  local v = vim.version()
  record('editor', { version = string.format('%d.%d.%d', v.major, v.minor, v.patch) })
  wait_for('the language server to start', flask_client)
  record('start', { echo = command_echo('FlaskStart ' .. env.FF_PORT) })
  record('served', { body = served(env.FF_V1) })
  -- The page may be served a moment before the server has heard that the app is up.
  local echo = status_until('running')
  record('status', { echo = echo, state = (vim.g.failsafe_flask or {}).state })
  save(env.FF_BROKEN)
  record('broken', { diagnostics = wait_for('the diagnostic', function()
    local found = ours()
    if #found > 0 then return found end
  end) })
  record('failed', { echo = status_until('failed') })
  save(env.FF_FIXED)
  wait_for('the diagnostic to clear', function() return #ours() == 0 end)
  record('fixed', { body = served(env.FF_V2) })
  record('stop', { echo = command_echo('FlaskStop'),
                   body = vim.fn.system({ env.FF_PYTHON, env.FF_GET, url }) })
  record('restart', { echo = command_echo('FlaskRestart') })
  record('served again', { body = served(env.FF_V2) })
  record('quit')
end

local ok, err = pcall(run)
if ok then
  vim.cmd('qall!')
else
  record('error', { message = tostring(err) })
  vim.cmd('cquit 1')
end
