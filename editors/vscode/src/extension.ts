// The weir extension starts `weir lsp` and connects VS Code's language
// client to it over stdio. Everything else (diagnostics, completion, hover,
// navigation, rename, formatting, quick fixes) is the server's.
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

export async function activate(_context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration('weir');
  const serverOptions: ServerOptions = {
    command: config.get<string>('path', 'weir'),
    args: ['lsp'],
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'weir' }],
    initializationOptions: {
      varFiles: config.get<string[]>('varFiles', []),
      vars: config.get<string[]>('vars', []),
    },
  };
  client = new LanguageClient('weir', 'weir', serverOptions, clientOptions);
  await client.start();
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
