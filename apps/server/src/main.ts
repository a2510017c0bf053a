import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { oneLine } from './common/one-line';
import { ConfigError, loadConfig } from './config/config';

/**
 * The last line of defence: an exception that escapes the handling of one request or connection
 * is logged in one line and the studio keeps serving everyone else. Every edge (REST, Socket.IO,
 * /collab) catches its own errors; reaching this is a bug to fix, not a way to stop the server.
 */
function surviveStrayErrors(): void {
  const logger = new Logger('Process');
  process.on('uncaughtException', (err) => logger.error(`uncaught: ${oneLine(err)}`));
  process.on('unhandledRejection', (reason) => logger.error(`unhandled rejection: ${oneLine(reason)}`));
}

async function main(): Promise<void> {
  const config = loadConfig();
  surviveStrayErrors();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const db = config.database.type === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL';
  new Logger('Reelcraft').log(`studio on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}  (${db}, data in ${config.dataDir})`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
