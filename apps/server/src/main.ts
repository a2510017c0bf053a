import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';

async function main(): Promise<void> {
  const config = loadConfig();
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
