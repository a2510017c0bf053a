import type { MulterModuleOptions } from '@nestjs/platform-express';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/config';

/** Where uploads wait, under DATA_DIR, while they are checked; the services move or remove every one. */
export const UPLOAD_TMP_DIR = 'uploads-tmp';

/** Multer's options for every upload route: files go to disk, never into memory, and stop at UPLOAD_MAX_MB (413). */
export function uploadOptions(config: AppConfig): MulterModuleOptions {
  const dest = join(config.dataDir, UPLOAD_TMP_DIR);
  mkdirSync(dest, { recursive: true });
  return { dest, limits: { fileSize: config.uploadMaxBytes, files: 1, fields: 8 } };
}
