import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_PASSWORD, ROOT, freePort } from './server-process';

/**
 * A process tree with no network but loopback, and a record of every connection it tried.
 *
 * The command runs in a network namespace of its own (`unshare --net`, as root) in which only `lo`
 * is up: the kernel refuses every non-loopback address with ENETUNREACH, DNS included, for the
 * command and every process it starts. strace follows the whole tree (`-f`) and records each
 * connect, sendto, sendmsg and sendmmsg (with the address it was for) and each execve (which
 * programs ran). `analyseTrace` reads that record.
 */
export const SANDBOX_TOOLS = ['unshare', 'nsenter', 'ip', 'strace'] as const;

const TRACED = 'connect,sendto,sendmsg,sendmmsg,execve';

/** A shell-quoted word. */
const sh = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

function missingTools(): string[] {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin']);
  return SANDBOX_TOOLS.filter((tool) => !dirs.some((dir) => dir && existsSync(join(dir, tool))));
}

/** Spawns `argv` inside a fresh loopback-only network namespace under strace; the trace goes to `traceFile`. */
export function spawnSandboxed(argv: string[], traceFile: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  const missing = missingTools();
  if (missing.length) throw new Error(`the offline test needs ${missing.join(', ')} (scripts/install.sh installs strace and iproute2 for the test run)`);
  if (process.getuid?.() !== 0) throw new Error('the offline test makes a network namespace: run it as root');
  // -qq: no attach/exit chatter; -s 256: execve's argv readable, payloads cut short.
  const strace = ['strace', '-f', '--seccomp-bpf', '-qq', '-e', `trace=${TRACED}`, '-e', 'signal=none', '-s', '256', '-o', traceFile, ...argv];
  const script = `ip link set lo up && exec ${strace.map(sh).join(' ')}`;
  return spawn('unshare', ['--net', '--', 'sh', '-c', script], { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves once `pid` lives in another network namespace than this process (unshare has run). */
export async function ownNamespace(pid: number, timeoutMs = 10_000): Promise<string> {
  const mine = readlinkSync('/proc/self/ns/net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const theirs = readlinkSync(`/proc/${pid}/ns/net`);
      if (theirs !== mine) return theirs;
    } catch {
      // not started yet, or gone: the deadline decides
    }
    if (Date.now() > deadline) throw new Error(`process ${pid} never left this network namespace`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs `argv` sandboxed to its end; the trace's text and the output. */
export async function runSandboxed(argv: string[]): Promise<{ code: number | null; output: string; trace: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-sandbox-'));
  try {
    const traceFile = join(dir, 'trace.txt');
    const child = spawnSandboxed(argv, traceFile);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((res, rej) => {
      child.once('error', rej);
      child.once('exit', (c) => res(c));
    });
    return { code, output, trace: readFileSync(traceFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TracedAddress {
  pid: number;
  syscall: string;
  family: string;
  /** IP address, socket path or '' */
  address: string;
  port: number | null;
  /** what the call returned, e.g. `0`, `-1 ENETUNREACH (Network is unreachable)`; '' if never seen */
  result: string;
  line: string;
}

export interface TracedExec {
  pid: number;
  path: string;
  argv: string[];
  result: string;
}

export interface TraceAnalysis {
  /** Every address a traced call named (sockets with no address, e.g. send on a connected socket, name none). */
  addresses: TracedAddress[];
  /** Connect calls by address family, e.g. { AF_UNIX: 40, AF_INET: 12 }. */
  connectsByFamily: Record<string, number>;
  /** The addresses that were not loopback, a local socket or the kernel: attempts to reach outside. */
  outside: TracedAddress[];
  /** Lines naming an address family this parser could not read: counted as outside by the callers. */
  unreadable: string[];
  /** Every execve, in order (failed ones too: PATH lookups try several folders). */
  execs: TracedExec[];
  /** The processes that ran a program (a successful execve). */
  processes: number;
}

/** Inside the kernel or this machine: loopback IP addresses, Unix sockets, netlink. */
const LOCAL_FAMILIES = new Set(['AF_UNIX', 'AF_LOCAL', 'AF_NETLINK', 'AF_UNSPEC']);

export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  if (/^127\.\d+\.\d+\.\d+$/.test(a)) return true;
  if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped !== null && /^127\./.test(mapped[1]!);
}

/** A C string literal as strace prints it (with `...` when cut short). */
const STRING = /"(?:[^"\\]|\\.)*"(?:\.\.\.)?/g;

function unquote(literal: string): string {
  const body = literal.replace(/\.\.\.$/, '').slice(1, -1);
  return body.replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return ({ n: '\n', t: '\t', r: '\r', v: '\v', f: '\f' } as Record<string, string>)[e] ?? e;
  });
}

/**
 * Reads an strace record of `-f -e trace=connect,sendto,sendmsg,sendmmsg,execve`. Payload strings
 * are blanked before the addresses are read, so data that merely looks like an address is never
 * taken for one; an address family it cannot read is reported, not skipped.
 */
export function analyseTrace(text: string): TraceAnalysis {
  const addresses: TracedAddress[] = [];
  const unreadable: string[] = [];
  const execs: TracedExec[] = [];
  // A call another process interrupted is printed in two halves: its result comes with `<... name resumed>`.
  const pending = new Map<string, { addresses: TracedAddress[]; exec: TracedExec | null }>();
  const resultOf = (line: string) => /\)\s+=\s+(.*)$/.exec(line)?.[1]?.trim() ?? '';

  for (const line of text.split('\n')) {
    const resumed = /^(\d+)\s+<\.\.\. (\w+) resumed>/.exec(line);
    if (resumed) {
      const open = pending.get(`${resumed[1]}:${resumed[2]}`);
      if (open) {
        const result = resultOf(line);
        for (const a of open.addresses) a.result = result;
        if (open.exec) open.exec.result = result;
        pending.delete(`${resumed[1]}:${resumed[2]}`);
      }
      continue;
    }
    const call = /^(\d+)\s+(\w+)\((.*)$/.exec(line);
    if (!call) continue;
    const pid = Number(call[1]);
    const syscall = call[2]!;
    const unfinished = line.includes('<unfinished ...>');
    const result = unfinished ? '' : resultOf(line);

    if (syscall === 'execve') {
      const strings = call[3]!.match(STRING) ?? [];
      const exec: TracedExec = { pid, path: strings[0] ? unquote(strings[0]) : '', argv: strings.slice(1).map(unquote), result };
      execs.push(exec);
      if (unfinished) pending.set(`${pid}:execve`, { addresses: [], exec });
      continue;
    }

    // Blank every string except the addresses strace prints as strings.
    const args = call[3]!.replace(STRING, (literal, offset: number, whole: string) => {
      const before = whole.slice(Math.max(0, offset - 24), offset);
      return /(inet_addr\(|inet_pton\(AF_INET6,\s*|sun_path=)$/.test(before) ? literal : '""';
    });
    const found: TracedAddress[] = [];
    for (const m of args.matchAll(/sa_family=(AF_\w+)/g)) {
      const family = m[1]!;
      const rest = args.slice(m.index! + m[0].length);
      const entry = { pid, syscall, family, address: '', port: null as number | null, result, line };
      if (family === 'AF_INET') {
        const ip = /^,\s*sin_port=htons\((\d+)\),\s*sin_addr=inet_addr\(("(?:[^"\\]|\\.)*")\)/.exec(rest);
        if (!ip) {
          unreadable.push(line);
          continue;
        }
        entry.port = Number(ip[1]);
        entry.address = unquote(ip[2]!);
      } else if (family === 'AF_INET6') {
        const ip = /^,\s*sin6_port=htons\((\d+)\),[^}]*?inet_pton\(AF_INET6,\s*("(?:[^"\\]|\\.)*")/.exec(rest);
        if (!ip) {
          unreadable.push(line);
          continue;
        }
        entry.port = Number(ip[1]);
        entry.address = unquote(ip[2]!);
      } else if (family === 'AF_UNIX' || family === 'AF_LOCAL') {
        const path = /^,\s*sun_path=(@?"(?:[^"\\]|\\.)*")/.exec(rest);
        entry.address = path ? path[1]! : '';
      }
      found.push(entry);
    }
    addresses.push(...found);
    if (unfinished && found.length) pending.set(`${pid}:${syscall}`, { addresses: found, exec: null });
  }

  const connectsByFamily: Record<string, number> = {};
  for (const a of addresses) if (a.syscall === 'connect') connectsByFamily[a.family] = (connectsByFamily[a.family] ?? 0) + 1;
  const outside = addresses.filter((a) => (a.family === 'AF_INET' || a.family === 'AF_INET6' ? !isLoopback(a.address) : !LOCAL_FAMILIES.has(a.family)));
  const processes = new Set(execs.filter((e) => e.result === '0').map((e) => e.pid)).size;
  return { addresses, connectsByFamily, outside, unreadable, execs, processes };
}

/**
 * Pipes a TCP port on this side's loopback to a Unix socket: how the test, Chromium and the
 * y-websocket clients reach a server whose only network is its namespace's own loopback. A
 * path-named Unix socket lives in the file system, which both namespaces share.
 */
function relayTcpToUnix(port: number, socketPath: string): Promise<Server> {
  const open = new Set<Socket>();
  const relay = createServer((client: Socket) => {
    const upstream = connect(socketPath);
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  // Closing the relay ends the connections still open through it (keep-alive ones included).
  relay.on('close', () => open.forEach((s) => s.destroy()));
  const close = relay.close.bind(relay);
  relay.close = (cb) => {
    close(cb);
    open.forEach((s) => s.destroy());
    return relay;
  };
  return new Promise((res, rej) => {
    relay.once('error', rej);
    relay.listen(port, '127.0.0.1', () => res(relay));
  });
}

/** The other half, run by `nsenter` inside the namespace: Unix socket → that namespace's 127.0.0.1:port. */
const INNER_RELAY = `
const net = require('node:net');
const [path, port] = process.argv.slice(1);
net.createServer((client) => {
  const upstream = net.connect(Number(port), '127.0.0.1');
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
}).listen(path);
`;

/**
 * The built server (`apps/server/dist/main.js`) in a loopback-only network namespace under strace,
 * on the embedded database (SQLite in its data folder: PostgreSQL and Redis on this side's
 * loopback are out of its reach, as everything else is). It listens on 127.0.0.1:port inside;
 * the same port on this side's 127.0.0.1 is relayed to it, so `baseUrl` is the origin a browser
 * sees, exactly as if it ran here.
 */
export class SandboxedServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'reelcraft-offline-'));
  readonly dataDir = join(this.dir, 'data');
  readonly traceFile = join(this.dir, 'trace.txt');
  port = 0;
  log = '';
  /** strace (unshare and sh exec into it) */
  child: ChildProcess | null = null;
  namespace = '';
  private innerRelay: ChildProcess | null = null;
  private outerRelay: Server | null = null;

  constructor(private readonly env: Record<string, string> = {}) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(this.port), HOST: '127.0.0.1', DATA_DIR: this.dataDir, REELCRAFT_ADMIN_PASSWORD: ADMIN_PASSWORD, ...this.env };
    // The embedded database, whatever REELCRAFT_TEST_DB says: the scaled services are not reachable from in there.
    delete env.DATABASE_URL;
    delete env.DATABASE_SCHEMA;
    delete env.REDIS_URL;
    const child = spawnSandboxed([process.execPath, join(ROOT, 'apps/server/dist/main.js')], this.traceFile, { env });
    this.child = child;
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    this.namespace = await ownNamespace(child.pid!);

    const socketPath = join(this.dir, 'relay.sock');
    this.innerRelay = spawn('nsenter', [`--net=/proc/${child.pid}/ns/net`, '--', process.execPath, '-e', INNER_RELAY, socketPath, String(this.port)], { stdio: ['ignore', 'inherit', 'inherit'] });
    this.outerRelay = await relayTcpToUnix(this.port, socketPath);

    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`sandboxed server exited with ${child.exitCode}:\n${this.log}`);
      try {
        if ((await fetch(`${this.baseUrl}/api/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`sandboxed server did not answer within 60 s:\n${this.log}`);
  }

  /** The server's own process (strace's child). */
  serverPid(): number | null {
    const pid = this.child?.pid;
    if (!pid) return null;
    try {
      const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
      return first ? Number(first) : null;
    } catch {
      return null;
    }
  }

  /**
   * SIGTERM to the server itself (not to strace, which would stop tracing), and waits until strace
   * has seen the whole tree exit: the trace is complete then.
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return this.closeRelays();
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    const pid = this.serverPid();
    if (pid) process.kill(pid, 'SIGTERM');
    else child.kill('SIGTERM');
    const timer = setTimeout(() => {
      const again = this.serverPid();
      if (again) process.kill(again, 'SIGKILL');
      child.kill('SIGKILL');
    }, 20_000);
    await exited;
    clearTimeout(timer);
    await this.closeRelays();
  }

  trace(): TraceAnalysis {
    return analyseTrace(readFileSync(this.traceFile, 'utf8'));
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async closeRelays(): Promise<void> {
    if (this.innerRelay && this.innerRelay.exitCode === null) this.innerRelay.kill('SIGTERM');
    this.innerRelay = null;
    const outer = this.outerRelay;
    this.outerRelay = null;
    if (outer) await new Promise<void>((res) => outer.close(() => res()));
  }
}
