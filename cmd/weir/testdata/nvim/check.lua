-- Drives weir lsp from Neovim, headless, for cmd/weir lsp_nvim_test.go:
-- opens the workflow given on the command line through editors/neovim/
-- weir.lua, waits for diagnostics, asks for hover, definition and
-- completion at the cursor the test names, and writes what Neovim got as
-- JSON to $WEIR_NVIM_OUT.
local out = {}
local function finish()
  local f = io.open(os.getenv('WEIR_NVIM_OUT'), 'w')
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  local weir = dofile(os.getenv('WEIR_NVIM_CONFIG'))
  weir.setup({ cmd = { os.getenv('WEIR_BIN'), 'lsp' } })
  vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('WEIR_NVIM_FILE')))
  local buf = vim.api.nvim_get_current_buf()

  out.attached = vim.wait(10000, function() return #vim.lsp.buf_get_clients(buf) > 0 end, 50)
  vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out.diagnostics, { line = d.lnum, message = d.message })
  end

  local line, col = tonumber(os.getenv('WEIR_NVIM_LINE')), tonumber(os.getenv('WEIR_NVIM_COL'))
  vim.api.nvim_win_set_cursor(0, { line + 1, col })
  local params = vim.lsp.util.make_position_params()
  local function ask(method)
    local res = vim.lsp.buf_request_sync(buf, method, params, 10000) or {}
    for _, r in pairs(res) do
      return r.result
    end
  end
  local hover = ask('textDocument/hover')
  out.hover = hover and hover.contents.value or ''
  local def = ask('textDocument/definition') or {}
  out.definition = def[1] and def[1].range.start.line or -1
  local comp = ask('textDocument/completion') or {}
  out.completion = {}
  for _, item in ipairs(comp.items or comp) do
    table.insert(out.completion, item.label)
  end
end)
if not ok then out.error = tostring(err) end
finish()
