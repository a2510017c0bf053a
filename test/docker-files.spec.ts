import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client as PgClient } from 'pg';
import { io } from 'socket.io-client';
import { WebSocket } from 'ws';
import { parse } from 'yaml';
import { ServerProcess, freePort, loginAdmin, until } from './support/server-process';

/**
 * The Docker files cannot be built or run here (no Docker engine), so they are checked by what
 * they say: the compose files parsed as YAML, the Dockerfile, .dockerignore and nginx.conf as text,
 * the entrypoint run for real with sh, nginx.conf by `nginx -t` and the compose files by
 * `docker compose config` where those programs exist.
 */

const ROOT = resolve(__dirname, '..');
const DOCKER = join(ROOT, 'docker');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Env = Record<string, string | number | boolean | null>;
interface Service {
  image?: string;
  restart?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Env;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  secrets?: string[];
  deploy?: { resources?: { reservations?: { devices?: { driver?: string; count?: number | string; device_ids?: string[]; capabilities?: string[] }[] } } };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

// Compose resolves YAML merge keys (`<<: *server`); the yaml package does when asked.
const loadCompose = (file: string): Compose => parse(read(`docker/${file}`), { merge: true }) as Compose;
const single = loadCompose('compose.yml');
const scaled = loadCompose('compose.scaled.yml');

/** A compose variable that must be set (`${VAR:?message}`): interpolation fails when it is not. */
const REQUIRED_VAR = /^\$\{[A-Z_][A-Z0-9_]*:\?[^}]*\}$/;
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|(^|_)KEY$|CREDENTIAL/;

/**
 * Environment entries of a service that hold a secret written into the file: a secret-named
 * variable whose value is not a required `${VAR:?}` reference (a `*_FILE` pointing into
 * /run/secrets is fine), or a URL whose password is a literal.
 */
function literalSecrets(service: Service): string[] {
  const found: string[] = [];
  for (const [key, raw] of Object.entries(service.environment ?? {})) {
    const value = String(raw ?? '');
    if (key.endsWith('_FILE')) {
      if (!value.startsWith('/run/secrets/')) found.push(`${key}=${value} (not a Docker secret path)`);
    } else if (SECRET_NAME.test(key)) {
      if (!REQUIRED_VAR.test(value)) found.push(`${key}=${value}`);
    }
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(value)?.[1];
    const password = userinfo?.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : undefined;
    if (password !== undefined && !REQUIRED_VAR.test(password)) found.push(`${key}: URL with a literal password`);
  }
  return found;
}

/** A short-syntax volume (`source:target[:mode]`) in its parts; a colon inside `${…}` is not a separator. */
function volumeParts(volume: string): string[] {
  const parts = [''];
  let depth = 0;
  for (const ch of volume) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (ch === ':' && depth === 0) parts.push('');
    else parts[parts.length - 1] += ch;
  }
  return parts;
}
const volumeTargets = (service: Service) => (service.volumes ?? []).map(volumeParts);
const namedVolumes = (service: Service) =>
  volumeTargets(service)
    .map(([source]) => source)
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('$'));
const healthTest = (service: Service) => [service.healthcheck?.test ?? []].flat().join(' ');

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

describe('docker/compose.yml (single box)', () => {
  const app = single.services.reelcraft;

  it('builds the image from docker/Dockerfile with the repository as context', () => {
    expect(Object.keys(single.services)).toEqual(['reelcraft']);
    expect(app.build?.dockerfile).toBe('docker/Dockerfile');
    const context = resolve(DOCKER, app.build!.context);
    expect(context).toBe(ROOT);
    expect(existsSync(join(context, app.build!.dockerfile))).toBe(true);
  });

  it('keeps /data on a named volume and mounts /models read-only', () => {
    const mounts = volumeTargets(app);
    expect(mounts.find(([, target]) => target === '/data')?.[0]).toBe('reelcraft-data');
    expect(single.volumes).toHaveProperty('reelcraft-data');
    const models = mounts.find(([, target]) => target === '/models');
    expect(models?.[2]).toBe('ro');
    expect(app.environment).toMatchObject({ DATA_DIR: '/data', MODELS_DIR: '/models' });
  });

  it('checks /api/health, restarts, and publishes the server port', () => {
    expect(healthTest(app)).toContain('/api/health');
    expect(app.restart).toBe('unless-stopped');
    expect(app.ports?.some((p) => p.endsWith(':8000'))).toBe(true);
  });

  it('requires the admin password from the environment instead of holding one', () => {
    expect(String(app.environment?.REELCRAFT_ADMIN_PASSWORD)).toMatch(REQUIRED_VAR);
    expect(literalSecrets(app)).toEqual([]);
  });
});

describe('docker/compose.scaled.yml', () => {
  const s = scaled.services;
  const servers = ['server-a', 'server-b'] as const;

  it('has PostgreSQL, Redis, two server instances, the proxy and the worker', () => {
    expect(Object.keys(s).sort()).toEqual(['postgres', 'proxy', 'redis', 'server-a', 'server-b', 'worker']);
  });

  it('runs PostgreSQL 15/16 and Redis 7 with healthchecks and their own volumes', () => {
    expect(s.postgres.image).toMatch(/^postgres:1[56]\b/);
    expect(healthTest(s.postgres)).toContain('pg_isready');
    expect(volumeTargets(s.postgres).some(([src, target]) => src === 'postgres-data' && target === '/var/lib/postgresql/data')).toBe(true);
    expect(s.redis.image).toMatch(/^redis:7\b/);
    expect(healthTest(s.redis)).toContain('redis-cli ping');
    // BullMQ loses jobs when Redis evicts keys.
    expect([s.redis.command].flat().join(' ')).toContain('--maxmemory-policy noeviction');
  });

  it('points both instances at the same database, Redis, data volume and read-only models', () => {
    for (const name of servers) {
      const server = s[name];
      expect(server.image).toBe(s['server-a'].image);
      expect(String(server.environment?.DATABASE_URL)).toMatch(/^postgres:\/\/[^@]+@postgres:5432\//);
      expect(String(server.environment?.REDIS_URL)).toMatch(/^redis:\/\/[^@]*@redis:6379\b/);
      expect(server.environment?.TRUST_PROXY).toBeTruthy();
      const mounts = volumeTargets(server);
      expect(mounts.find(([, target]) => target === '/data')?.[0]).toBe('reelcraft-data');
      expect(mounts.find(([, target]) => target === '/models')?.[2]).toBe('ro');
      expect(healthTest(server)).toContain('/api/health');
      expect(server.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      // Only the proxy is reachable from outside: TRUST_PROXY=1 is true only then.
      expect(server.ports).toBeUndefined();
    }
  });

  it('declares every named volume it uses', () => {
    for (const service of Object.values(s)) {
      for (const volume of namedVolumes(service)) expect(scaled.volumes).toHaveProperty(volume);
    }
  });

  it('puts nginx in front with docker/nginx.conf mounted read-only, after both instances are healthy', () => {
    const proxy = s.proxy;
    expect(proxy.image).toMatch(/^nginx:/);
    const conf = volumeTargets(proxy).find(([, target]) => target === '/etc/nginx/nginx.conf');
    expect(conf?.[2]).toBe('ro');
    expect(resolve(DOCKER, conf![0])).toBe(join(DOCKER, 'nginx.conf'));
    expect(proxy.depends_on).toMatchObject({ 'server-a': { condition: 'service_healthy' }, 'server-b': { condition: 'service_healthy' } });
    expect(proxy.ports?.some((p) => p.endsWith(':80'))).toBe(true);
  });

  it('reserves an NVIDIA GPU for the worker', () => {
    const devices = s.worker.deploy?.resources?.reservations?.devices ?? [];
    expect(devices).toHaveLength(1);
    expect(devices[0].driver).toBe('nvidia');
    expect(devices[0].count ?? devices[0].device_ids).toBeTruthy();
    expect(devices[0].capabilities).toContain('gpu');
    // It serves no HTTP: the image's /api/health check would call it unhealthy forever.
    expect(s.worker.healthcheck?.disable).toBe(true);
  });

  it('runs reelcraft-worker (the server package\'s bin, linked onto the image\'s PATH) on the shared volume, opt-in', () => {
    const bin = (JSON.parse(read('apps/server/package.json')) as { bin?: Record<string, string> }).bin;
    expect(bin?.['reelcraft-worker']).toBe('./dist/worker-main.js');
    expect(read('docker/Dockerfile')).toMatch(/ln -s \/app\/apps\/server\/dist\/worker-main\.js \/usr\/local\/bin\/reelcraft-worker/);
    const command = [s.worker.command].flat().map(String);
    expect(command[0]).toBe('reelcraft-worker');
    expect(command[command.indexOf('--data-dir') + 1]).toBe('/data');
    expect(command[command.indexOf('--device') + 1]).toMatch(/webgpu|cuda/);
    expect(volumeTargets(s.worker).find(([, target]) => target === '/data')?.[0]).toBe('reelcraft-data');
    expect(s.worker.profiles?.length).toBeGreaterThan(0);
    // Heartbeats and chained scenes' start frames go to the studio through the proxy, with a token
    // that arrives as a Docker secret (the entrypoint turns *_FILE into the variable).
    expect(String(s.worker.environment?.REELCRAFT_SERVER_URL)).toMatch(/^http:\/\/proxy\b/);
    expect(String(s.worker.environment?.REDIS_URL)).toMatch(/^redis:\/\/[^@]*@redis:6379\b/);
    expect(s.worker.environment?.REELCRAFT_WORKER_TOKEN_FILE).toBe('/run/secrets/worker_token');
    expect(s.worker.secrets).toEqual(['worker_token']);
    expect(scaled.secrets?.worker_token?.file).toBeTruthy();
    expect(read('docker/entrypoint.sh')).toMatch(/for var in [A-Z_ ]*\bREELCRAFT_WORKER_TOKEN\b/);
  });

  it('holds no secret: every password comes from a required variable', () => {
    for (const [name, service] of Object.entries(s)) expect(literalSecrets(service), name).toEqual([]);
    expect(String(s.postgres.environment?.POSTGRES_PASSWORD)).toMatch(REQUIRED_VAR);
    expect(String(s['server-a'].environment?.REELCRAFT_ADMIN_PASSWORD)).toMatch(REQUIRED_VAR);
  });

  it('the secret check catches a literal password, a literal in a URL and a stray _FILE', () => {
    expect(literalSecrets({ environment: { POSTGRES_PASSWORD: 'hunter2' } })).toHaveLength(1);
    expect(literalSecrets({ environment: { POSTGRES_PASSWORD: '${POSTGRES_PASSWORD:-hunter2}' } })).toHaveLength(1);
    expect(literalSecrets({ environment: { DATABASE_URL: 'postgres://reelcraft:hunter2@postgres:5432/reelcraft' } })).toHaveLength(1);
    expect(literalSecrets({ environment: { WORKER_TOKEN: 'abc' } })).toHaveLength(1);
    expect(literalSecrets({ environment: { REELCRAFT_ADMIN_PASSWORD_FILE: '/tmp/pw' } })).toHaveLength(1);
    expect(literalSecrets({ environment: { REELCRAFT_ADMIN_PASSWORD_FILE: '/run/secrets/admin_password', REDIS_URL: 'redis://redis:6379' } })).toEqual([]);
  });
});

/** The Dockerfile's stages: each FROM line with the instructions under it (continuations joined). */
function dockerStages(text: string): { from: string; lines: string[] }[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of logical) {
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe('docker/Dockerfile', () => {
  const text = read('docker/Dockerfile');
  const stages = dockerStages(text);
  const build = stages[0];
  const runtime = stages.at(-1)!;
  const all = (stage: { lines: string[] }) => stage.lines.join('\n');

  it('builds on Debian bookworm Node 20 and runs on its slim variant', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^ARG NODE_MAJOR=20$/m);
    expect(build.from).toMatch(/node:\$\{NODE_MAJOR\}-bookworm AS build/);
    expect(runtime.from).toMatch(/node:\$\{NODE_MAJOR\}-bookworm-slim AS runtime/);
  });

  it('installs with the project switches, builds, then drops the dev dependencies', () => {
    const b = all(build);
    expect(b).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    expect(b).toMatch(/NX_NO_CLOUD=true/);
    expect(b).toMatch(/npm ci\b/);
    expect(b).toMatch(/nx run-many -t build/);
    expect(b).toMatch(/npm prune --omit=dev/);
    expect(b.indexOf('npm ci')).toBeLessThan(b.indexOf('run-many'));
    expect(b.indexOf('run-many')).toBeLessThan(b.indexOf('npm prune'));
  });

  it('copies every workspace manifest before npm ci (npm ci refuses a lockfile that names a missing workspace)', () => {
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    for (const ws of workspaces) expect(all(build)).toContain(`COPY ${ws}/package.json ${ws}/`);
  });

  it('gives the runtime the files the server reads beside its code', () => {
    const b = all(build);
    // The server finds the studio at apps/studio/build next to apps/server/dist (config.ts), and
    // the planner its prompt templates at libs/inference/templates.
    expect(read('apps/server/src/config/config.ts')).toContain("'../../../studio/build'");
    expect(b).toContain('apps/studio/build');
    expect(existsSync(join(ROOT, 'libs/inference/templates'))).toBe(true);
    expect(b).toContain('libs/inference/templates');
    expect(runtime.lines.join('\n')).toContain('COPY --from=build /out/ /app/');
    expect(runtime.lines.at(-1)).toBe('CMD ["node", "apps/server/dist/main.js"]');
    expect((JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start).toBe('node apps/server/dist/main.js');
  });

  it('installs ffmpeg, the CJK font, espeak-ng and the Vulkan loader in the runtime, and no compiler', () => {
    const install = runtime.lines.find((l) => l.includes('apt-get install')) ?? '';
    for (const pkg of ['ffmpeg', 'fonts-wqy-microhei', 'espeak-ng', 'libvulkan1', 'tini']) expect(install).toMatch(new RegExp(`\\b${pkg}\\b`));
    for (const pkg of ['build-essential', 'g\\+\\+', 'python3', 'make']) expect(install).not.toMatch(new RegExp(`(^|\\s)${pkg}(\\s|$)`));
  });

  it('runs as a non-root user with a healthcheck on /api/health and volumes for /data and /models', () => {
    const user = runtime.lines.filter((l) => /^USER\s/i.test(l)).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER\s+(root|0)(:|$)/i);
    expect(user).toMatch(/^USER\s+10001/);
    const health = runtime.lines.find((l) => /^HEALTHCHECK\s/i.test(l));
    expect(health).toContain('/api/health');
    expect(runtime.lines).toContain('VOLUME ["/data", "/models"]');
    expect(all(runtime)).toMatch(/DATA_DIR=\/data/);
    expect(all(runtime)).toMatch(/MODELS_DIR=\/models/);
    expect(all(runtime)).toMatch(/NODE_ENV=production/);
  });

  it('bakes in no models and no secret', () => {
    for (const stage of stages) {
      for (const line of stage.lines) {
        if (/^(COPY|ADD)\s/i.test(line)) expect(line).not.toMatch(/(^|\s|\/)models(\/|\s|$)/);
        if (/^(ENV|ARG)\s/i.test(line)) {
          // Every NAME=value pair: a secret-looking name must not be given a value here.
          for (const [, name] of line.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)) expect(name.toUpperCase()).not.toMatch(SECRET_NAME);
          expect(line).not.toMatch(/:\/\/[^/\s]*:[^/\s]*@/);
        }
      }
    }
    // The runtime takes only the gathered /out tree, never the build context.
    expect(runtime.lines.filter((l) => /^COPY\s+\.\s/.test(l))).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps models, data, node_modules and the git history out of the build context', () => {
    for (const p of ['models', 'data', '.git']) expect(patterns).toContain(p);
    expect(patterns.some((p) => p === 'node_modules' || p === '**/node_modules')).toBe(true);
  });

  it('does not leave out what the build stage needs', () => {
    for (const needed of ['.npmrc', 'package-lock.json', 'scripts', 'libs', 'apps', 'docker', 'tsconfig.base.json', 'nx.json']) {
      expect(patterns, needed).not.toContain(needed);
      expect(existsSync(join(ROOT, needed)), needed).toBe(true);
    }
  });
});

// The test install (scripts/install.sh with REELCRAFT_WITH_BROWSER=1) brings Debian's nginx-light;
// the real nginx checks and runs docker/nginx.conf, with the compose host names pointed at local ports.
const NGINX = process.env.NGINX_BIN ?? findOnPath('nginx') ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined);
const NO_NGINX = ' (skipped: no nginx here; set NGINX_BIN to run it)';

/**
 * Writes docker/nginx.conf into `dir` as a local nginx can run it: server-a/server-b on local
 * ports, its own listen port, temp and log paths, and an access log that names the instance each
 * request went to. Returns nginx's arguments for it.
 */
function localNginx(dir: string, portA: number, portB: number, listen: number): string[] {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const mime = [join(dirname(dirname(NGINX!)), 'etc/nginx/mime.types'), '/etc/nginx/mime.types'].find(existsSync);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join(' ');
  const local = read('docker/nginx.conf')
    .replace(/server-([ab]):8000/g, (_, x: string) => `127.0.0.1:${x === 'a' ? portA : portB}`)
    .replace('include /etc/nginx/mime.types;', mime ? `include ${mime};` : '')
    .replace('listen 80;', `listen 127.0.0.1:${listen};`)
    .replace('http {', `http {\n  ${temp}\n  log_format upstream '$request_method $uri $status $upstream_addr';\n  access_log ${dir}/logs/access.log upstream;`);
  writeFileSync(join(dir, 'nginx.conf'), local);
  return ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; error_log ${dir}/logs/error.log; pid ${dir}/nginx.pid;`];
}

/** The body of `<head> {` … its matching `}` in an nginx configuration, or undefined. */
function nginxBlock(conf: string, head: string): string | undefined {
  const start = conf.indexOf(`${head} {`);
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = conf.indexOf('{', start); i < conf.length; i++) {
    if (conf[i] === '{') depth++;
    else if (conf[i] === '}' && --depth === 0) return conf.slice(conf.indexOf('{', start) + 1, i);
  }
  return undefined;
}

describe('docker/nginx.conf', () => {
  const conf = read('docker/nginx.conf')
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n');

  it('passes WebSocket upgrades on /socket.io/ and /collab/', () => {
    expect(conf).toMatch(/map \$http_upgrade \$connection_upgrade \{/);
    for (const path of ['/socket.io/', '/collab/']) {
      const block = nginxBlock(conf, `location ${path}`);
      expect(block, path).toBeDefined();
      expect(block).toContain('proxy_http_version 1.1;');
      expect(block).toContain('proxy_set_header Upgrade $http_upgrade;');
      expect(block).toContain('proxy_set_header Connection $connection_upgrade;');
    }
  });

  it('forwards the client address, scheme and host on every location', () => {
    const locations = [...conf.matchAll(/location\s+((?:=\s+)?\S+)\s*\{/g)].map((m) => m[1]);
    expect(locations).toEqual(['/socket.io/', '/collab/', '= /api/projects', '/api/projects/', '/']);
    for (const path of locations) {
      const block = nginxBlock(conf, `location ${path}`)!;
      expect(block, path).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
      expect(block, path).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
      expect(block, path).toContain('proxy_set_header Host $http_host;');
    }
  });

  it('balances over exactly the compose file\'s server instances, sticky by client and by project', () => {
    const instances = Object.keys(scaled.services).filter((n) => n.startsWith('server-'));
    for (const name of ['reelcraft_by_client', 'reelcraft_by_project']) {
      const upstream = nginxBlock(conf, `upstream ${name}`)!;
      expect(upstream, name).toMatch(/^\s*hash\s+\S+\s+consistent;/m);
      const servers = [...upstream.matchAll(/^\s*server\s+([^\s;]+)/gm)].map((m) => m[1]);
      expect(servers.sort()).toEqual(instances.map((n) => `${n}:8000`).sort());
    }
    expect(nginxBlock(conf, 'location /socket.io/')).toContain('proxy_pass http://reelcraft_by_client;');
    expect(nginxBlock(conf, 'location /collab/')).toContain('proxy_pass http://reelcraft_by_project;');
    expect(nginxBlock(conf, 'location /api/projects/')).toContain('proxy_pass http://reelcraft_by_project;');
    // Without it nginx answers POST /api/projects with a 301 to /api/projects/ (then a GET).
    expect(nginxBlock(conf, 'location = /api/projects')).toContain('proxy_pass http://reelcraft_by_client;');
  });

  it.skipIf(!NGINX)(`is accepted by nginx -t${NGINX ? '' : NO_NGINX}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'reelcraft-nginx-'));
    try {
      const args = localNginx(dir, 18001, 18002, 18080);
      const run = spawnSync(NGINX!, ['-t', ...args], { encoding: 'utf8' });
      expect(run.stderr).toContain('test is successful');
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * docker/nginx.conf in front of two real server processes on one PostgreSQL schema, as
 * compose.scaled.yml arranges them: WebSockets pass on both paths, Socket.IO's polling fallback
 * works, and every request of one project reaches one instance while projects spread over both.
 */
describe.skipIf(!NGINX)(`docker/nginx.conf in front of two server instances${NGINX ? '' : NO_NGINX}`, () => {
  const schema = `docker_nginx_${process.pid}_${Date.now().toString(36)}`;
  const pgUrl = 'postgres://postgres@127.0.0.1:5432/test';
  const env = { DATABASE_URL: pgUrl, DATABASE_SCHEMA: schema, TRUST_PROXY: '1' };
  const a = new ServerProcess(env);
  const b = new ServerProcess(env);
  const dir = mkdtempSync(join(tmpdir(), 'reelcraft-nginx-run-'));
  let proxy: ChildProcess | undefined;
  let base = '';

  afterAll(async () => {
    if (proxy && proxy.exitCode === null) await new Promise<void>((res) => (proxy!.once('exit', () => res()), proxy!.kill('SIGTERM')));
    await a.dispose();
    await b.dispose();
    rmSync(dir, { recursive: true, force: true });
    const pg = new PgClient({ connectionString: pgUrl });
    await pg.connect();
    await pg.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pg.end();
  });

  it('routes each project to one instance, spreads projects over both, and passes Socket.IO and /collab', async () => {
    const pg = new PgClient({ connectionString: pgUrl });
    await pg.connect();
    await pg.query(`CREATE SCHEMA ${schema}`);
    await pg.end();
    // One after the other, as compose's depends_on does: the first start runs the migrations.
    await a.start();
    await b.start();
    const port = await freePort();
    let log = '';
    proxy = spawn(NGINX!, localNginx(dir, a.port, b.port, port), { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.stderr!.on('data', (d) => (log += d));
    base = `http://127.0.0.1:${port}`;
    await until(`nginx on ${port}${log}`, async () => (await fetch(`${base}/api/health`).catch(() => null))?.ok, 30_000);

    const token = await loginAdmin(base);
    const auth = { authorization: `Bearer ${token}` };
    const ids: string[] = [];
    for (let i = 0; i < 16; i++) {
      const res = await fetch(`${base}/api/projects`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: `Proxy ${i}` }) });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    for (const id of ids) {
      expect((await fetch(`${base}/api/projects/${id}`, { headers: auth })).status).toBe(200);
      // The server speaks first on /collab (sync step 1): one message proves the upgrade went through.
      await new Promise<void>((res, rej) => {
        const ws = new WebSocket(`${base.replace('http', 'ws')}/collab/${id}?token=${token}`);
        ws.once('message', () => (ws.close(), res()));
        ws.once('error', rej);
        ws.once('unexpected-response', (_req, r) => rej(new Error(`/collab answered ${r.statusCode}`)));
      });
    }
    for (const transport of ['websocket', 'polling'] as const) {
      const socket = io(base, { path: '/socket.io', auth: { token }, transports: [transport], reconnection: false });
      try {
        await new Promise<void>((res, rej) => (socket.once('connect', () => res()), socket.once('connect_error', rej)));
        expect(socket.io.engine.transport.name).toBe(transport);
      } finally {
        socket.close();
      }
    }

    const lines = await until('access log', async () => {
      const text = readFileSync(join(dir, 'logs/access.log'), 'utf8');
      return text.includes('/socket.io/') ? text.trim().split('\n') : null;
    });
    const instancesOf = new Map<string, Set<string>>();
    for (const line of lines) {
      const [, uri, , upstream] = line.split(' ');
      const id = /^\/(?:collab|api\/projects)\/([^/]+)/.exec(uri)?.[1];
      if (id) instancesOf.set(id, (instancesOf.get(id) ?? new Set()).add(upstream));
    }
    for (const id of ids) expect([...(instancesOf.get(id) ?? [])], id).toHaveLength(1);
    // By client address alone (one address here) every project would sit on one instance.
    const used = new Set(ids.map((id) => [...instancesOf.get(id)!][0]));
    expect([...used].sort()).toEqual([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].sort());
  });
});

describe('docker/entrypoint.sh (Docker secrets as *_FILE)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'reelcraft-entrypoint-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const entrypoint = join(DOCKER, 'entrypoint.sh');
  const run = (env: Record<string, string>, ...cmd: string[]) => {
    const clean: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    return spawnSync('sh', [entrypoint, ...cmd], { env: { ...clean, ...env }, encoding: 'utf8' });
  };

  it('reads each secret-bearing variable from its _FILE and passes the rest through', () => {
    const file = join(scratch, 'admin_password');
    writeFileSync(file, 'correct horse battery\n');
    const out = run({ REELCRAFT_ADMIN_PASSWORD_FILE: file, DATA_DIR: '/data' }, 'sh', '-c', 'printf "%s|%s|%s" "$REELCRAFT_ADMIN_PASSWORD" "${REELCRAFT_ADMIN_PASSWORD_FILE-unset}" "$DATA_DIR"');
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('correct horse battery|unset|/data');
    expect(out.status).toBe(0);
  });

  it('refuses a variable given both ways, an unreadable file and an empty one, naming it', () => {
    const file = join(scratch, 'url');
    writeFileSync(file, 'postgres://u:p@h/db');
    const both = run({ DATABASE_URL: 'postgres://x', DATABASE_URL_FILE: file }, 'true');
    expect(both.status).toBe(64);
    expect(both.stderr).toContain('both DATABASE_URL and DATABASE_URL_FILE are set');
    const missing = run({ REDIS_URL_FILE: join(scratch, 'nope') }, 'true');
    expect(missing.status).toBe(66);
    expect(missing.stderr).toContain('REDIS_URL_FILE names');
    writeFileSync(join(scratch, 'empty'), '');
    const empty = run({ REELCRAFT_ADMIN_PASSWORD_FILE: join(scratch, 'empty') }, 'true');
    expect(empty.status).toBe(65);
    expect(empty.stderr).toContain('is empty');
  });

  it('covers every secret-bearing variable the compose files give a server', () => {
    const handled = /for var in ([A-Z_ ]+); do/.exec(read('docker/entrypoint.sh'))![1].split(' ');
    const env = { ...single.services.reelcraft.environment, ...scaled.services['server-a'].environment };
    const secretBearing = Object.keys(env).filter((k) => SECRET_NAME.test(k) || /_URL$/.test(k));
    expect(secretBearing.length).toBeGreaterThanOrEqual(3);
    for (const key of secretBearing) expect(handled, key).toContain(key);
  });
});

// `docker compose config` resolves and validates a file against the Compose specification. Only
// the compose plugin can do that; a bare docker CLI (as on this project's machines) cannot.
const hasCompose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
describe('docker compose config', () => {
  const env = { ...process.env, REELCRAFT_ADMIN_PASSWORD: 'compose-config-check', POSTGRES_PASSWORD: 'compose-config-check', REDIS_PASSWORD: 'compose-config-check' };
  for (const file of readdirSync(DOCKER).filter((f) => /^compose.*\.yml$/.test(f))) {
    it.skipIf(!hasCompose)(`accepts ${file}${hasCompose ? '' : ' (skipped: no `docker compose` on this machine)'}`, () => {
      const out = spawnSync('docker', ['compose', '-f', join(DOCKER, file), '--profile', 'gpu-worker', 'config', '-q'], { env, encoding: 'utf8' });
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
    });
  }
  it.skipIf(!hasCompose)(`refuses ${'compose.scaled.yml'} without the required passwords${hasCompose ? '' : ' (skipped: no `docker compose`)'}`, () => {
    const bare = { ...process.env };
    for (const k of ['REELCRAFT_ADMIN_PASSWORD', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD']) delete bare[k];
    const out = spawnSync('docker', ['compose', '-f', join(DOCKER, 'compose.scaled.yml'), 'config', '-q'], { env: bare, encoding: 'utf8' });
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/POSTGRES_PASSWORD|REDIS_PASSWORD|REELCRAFT_ADMIN_PASSWORD/);
  });
});
