// Tokenizes files with the extension's TextMate grammar, through the same
// engine VS Code uses (vscode-textmate and vscode-oniguruma, pinned in
// package-lock.json), and prints one JSON line per file: every token with
// its scopes, and whether the grammar was back at the top level at the end
// (a string, heredoc or block comment the grammar never closed would leave
// it inside one).
//
//   node test/tokenize.js FILE...
'use strict';
const fs = require('fs');
const path = require('path');
const oniguruma = require('vscode-oniguruma');
const vsctm = require('vscode-textmate');

async function main() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => {
      if (scope !== 'source.weir') return null;
      const file = path.join(__dirname, '..', 'syntaxes', 'weir.tmLanguage.json');
      return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const grammar = await registry.loadGrammar('source.weir');
  for (const file of process.argv.slice(2)) {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let stack = vsctm.INITIAL;
    const tokens = [];
    lines.forEach((line, i) => {
      const r = grammar.tokenizeLine(line, stack);
      for (const t of r.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        if (text.trim() !== '') tokens.push({ line: i + 1, col: t.startIndex, text, scopes: t.scopes });
      }
      stack = r.ruleStack;
    });
    process.stdout.write(JSON.stringify({ file, closed: stack.depth === 1, depth: stack.depth, tokens }) + '\n');
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + '\n');
  process.exit(1);
});
