// Loads the committed extension (out/extension.js) with a stand-in for the
// `vscode` module, which exists only inside VS Code, and reports as JSON
// what its activation did: the process it starts and the initialize
// request it sends that process. Nothing is started: spawn is intercepted.
//
//   node test/activate.js [weir.path]
'use strict';
const Module = require('module');
const path = require('path');
const childProcess = require('child_process');
const { EventEmitter } = require('events');
const { Writable, PassThrough } = require('stream');

const settings = {
  path: process.argv[2] || 'weir',
  varFiles: ['dev.hcl'],
  vars: ['rows=10'],
};
const report = { spawned: [], method: null, initializationOptions: null };

// Every name the language client touches becomes a callable, constructible
// object whose members are the same; only what the extension itself reads
// is real.
function anything(name) {
  const fn = function () {};
  const cache = new Map();
  return new Proxy(fn, {
    get(_t, prop) {
      if (prop === 'then' || typeof prop === 'symbol') return undefined; // not a promise, not iterable
      if (prop === 'toString') return () => name;
      if (!cache.has(prop)) cache.set(prop, anything(name + '.' + String(prop)));
      return cache.get(prop);
    },
    apply() { return anything(name + '()'); },
    construct() { return anything('new ' + name); },
  });
}

const vscode = anything('vscode');
const real = {
  version: '1.82.0',
  workspace: new Proxy({}, {
    get(_t, prop) {
      if (prop === 'getConfiguration') {
        return (section) => ({
          get: (key, def) => (section === 'weir' && key in settings ? settings[key] : def),
        });
      }
      if (prop === 'workspaceFolders') return undefined;
      if (prop === 'textDocuments') return [];
      return vscode.workspace[prop];
    },
  }),
};
// The extension's own `import * as vscode` copies the module's own
// properties, so those it reads are listed as such.
const stub = new Proxy(vscode, {
  get: (t, prop) => (prop in real ? real[prop] : t[prop]),
  ownKeys: (t) => [...Reflect.ownKeys(t), ...Object.keys(real).filter((k) => !Reflect.ownKeys(t).includes(k))],
  getOwnPropertyDescriptor: (t, prop) =>
    prop in real ? { value: real[prop], enumerable: true, configurable: true, writable: false } : Reflect.getOwnPropertyDescriptor(t, prop),
});

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: stub };

// The server is a fake process whose stdin collects what the client
// sends; the first request, initialize, carries the settings.
childProcess.spawn = function (command, args, options) {
  report.spawned.push({ command, args, shell: Boolean(options && options.shell) });
  const proc = new EventEmitter();
  let sent = '';
  proc.stdin = new Writable({
    write(chunk, _enc, cb) {
      sent += chunk.toString();
      const body = sent.indexOf('\r\n\r\n');
      if (body >= 0) {
        const n = Number(/Content-Length: (\d+)/i.exec(sent)[1]);
        if (sent.length >= body + 4 + n) {
          const msg = JSON.parse(sent.slice(body + 4, body + 4 + n));
          report.method = msg.method;
          report.initializationOptions = msg.params.initializationOptions;
          done(null);
        }
      }
      cb();
    },
  });
  proc.stdout = new PassThrough();
  proc.stderr = new PassThrough();
  proc.pid = 4242;
  proc.kill = () => true;
  return proc;
};

const ext = require(path.join(__dirname, '..', 'out', 'extension.js'));
function done(err) {
  report.error = err ? String(err.message || err) : null;
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(0);
}
Promise.resolve()
  .then(() => ext.activate({ subscriptions: [] }))
  .then(() => done(null), done);
setTimeout(() => done(new Error('activation did not finish in 10 s')), 10000).unref();
