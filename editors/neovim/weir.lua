-- weir lsp for Neovim's built-in LSP client, Neovim 0.7 and later.
--
-- Copy this file to ~/.config/nvim/lua/weir.lua and add to init.lua:
--
--   require('weir').setup()
--
-- or, with options (all optional):
--
--   require('weir').setup({
--     cmd = { 'weir', 'lsp' },                 -- how to start the server
--     init_options = { varFiles = { 'dev.hcl' } }, -- --var-file for every workflow
--   })
--
-- Every *.hcl buffer then gets diagnostics as you type, completion
-- (<C-x><C-o>), hover (K with the mapping below), go to definition,
-- references, rename, formatting and code actions. See docs/editors.md.

local M = {}

local client_id = nil

local function root_dir(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  local git = vim.fn.finddir('.git', dir .. ';')
  if git ~= '' then
    return vim.fn.fnamemodify(git, ':p:h:h')
  end
  return dir
end

local function attach(opts, bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if client_id == nil or vim.lsp.get_client_by_id(client_id) == nil then
    client_id = vim.lsp.start_client({
      name = 'weir',
      cmd = opts.cmd or { 'weir', 'lsp' },
      root_dir = root_dir(name),
      init_options = opts.init_options or {},
      on_attach = opts.on_attach,
    })
  end
  if client_id then
    vim.lsp.buf_attach_client(bufnr, client_id)
    vim.api.nvim_buf_set_option(bufnr, 'omnifunc', 'v:lua.vim.lsp.omnifunc')
    if opts.keymaps ~= false then
      local map = function(lhs, fn) vim.keymap.set('n', lhs, fn, { buffer = bufnr, silent = true }) end
      map('K', vim.lsp.buf.hover)
      map('gd', vim.lsp.buf.definition)
      map('gr', vim.lsp.buf.references)
      map('<leader>rn', vim.lsp.buf.rename)
      map('<leader>ca', vim.lsp.buf.code_action)
    end
  end
end

function M.setup(opts)
  opts = opts or {}
  local group = vim.api.nvim_create_augroup('weir_lsp', { clear = true })
  vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
    group = group,
    pattern = '*.hcl',
    callback = function(args) attach(opts, args.buf) end,
  })
end

return M
