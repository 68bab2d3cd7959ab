#!/usr/bin/env node
// `npm start`: runs a collector on 127.0.0.1:7070 with its store under ./data, plus a local
// agent watching this host's logs (and Docker where a socket is reachable). Creates the local
// admin API token and agent token once (kept in ./data/*.token, mode 0600), prints the URL
// and the token, and stops both processes on Ctrl-C. Env: VIGIL_LISTEN, VIGIL_DATA.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const vigil = join(root, 'vigil');
const listen = process.env.VIGIL_LISTEN || '127.0.0.1:7070';
const data = resolve(process.env.VIGIL_DATA || join(root, 'data'));
const agentName = hostname();
mkdirSync(data, { recursive: true, mode: 0o700 });   // the collector tightens it too

function token(file, args) {
  const path = join(data, file);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const t = execFileSync(vigil, ['token', 'create', '--data', data, ...args], { encoding: 'utf8' }).trim();
  writeFileSync(path, t + '\n', { mode: 0o600 });
  return t;
}

const apiToken = token('admin.token', ['--api', 'local-admin', '--role', 'admin']);
const agentToken = token('agent.token', ['--agent', agentName]);

const children = [];
function run(args) {
  const child = spawn(vigil, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (!stopping) { console.error(`vigil: ${args[0]} exited (${signal ?? code}); stopping`); stop(1); }
  });
  return child;
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => c.exitCode !== null ? null : new Promise((r) => c.on('exit', r)))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run(['collector', '--listen', listen, '--data', data]);
await new Promise((r) => setTimeout(r, 800));
run(['agent', '--collector', `ws://${listen}`, '--token', agentToken, '--state', join(data, 'agent'), '--name', agentName]);

const url = `http://${listen}`;
console.log(`
Vigil is running.
  API and feed:  ${url}/api   (OpenAPI: ${url}/api/openapi.json)
  API token:     ${apiToken}
  Try:           curl -H 'Authorization: Bearer ${apiToken}' ${url}/api/events?limit=5
  Live feed:     curl -N -H 'Authorization: Bearer ${apiToken}' ${url}/api/feed
  Agent:         ${agentName} (state in ${join(data, 'agent')})
Ctrl-C stops both.`);
