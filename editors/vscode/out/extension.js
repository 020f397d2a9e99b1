"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.activate = activate;
exports.deactivate = deactivate;
// The weir extension starts `weir lsp` and connects VS Code's language
// client to it over stdio. Everything else (diagnostics, completion, hover,
// navigation, rename, formatting, quick fixes) is the server's.
const vscode = require("vscode");
const node_1 = require("vscode-languageclient/node");
let client;
async function activate(_context) {
    const config = vscode.workspace.getConfiguration('weir');
    const serverOptions = {
        command: config.get('path', 'weir'),
        args: ['lsp'],
    };
    const clientOptions = {
        documentSelector: [{ scheme: 'file', language: 'weir' }],
        initializationOptions: {
            varFiles: config.get('varFiles', []),
            vars: config.get('vars', []),
        },
    };
    client = new node_1.LanguageClient('weir', 'weir', serverOptions, clientOptions);
    await client.start();
}
async function deactivate() {
    if (client) {
        await client.stop();
    }
}
