import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { installBodyParsing } from './common/body-parsing';
import { SECURITY_HEADERS, studioContentSecurityPolicy } from './common/security-headers';
import type { AppConfig } from './config/config';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug'];

/** Builds the whole application from a validated configuration; main.ts and the API tests share it. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  mkdirSync(config.dataDir, { recursive: true });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
  });
  const http = app.getHttpAdapter().getInstance() as Express;
  http.disable('x-powered-by');
  // req.ip, req.secure and req.protocol follow X-Forwarded-* only from the proxies named here.
  if (config.trustProxy !== undefined) http.set('trust proxy', config.trustProxy);
  http.use(securityHeaders);
  installBodyParsing(http);
  app.setGlobalPrefix('api');
  app.useGlobalFilters(new ApiExceptionFilter());
  app.enableShutdownHooks();

  const openApi = new DocumentBuilder()
    .setTitle('Reelcraft API')
    .setDescription('Self-hosted studio: prompt → storyboard → rendered video. Sign in with POST /api/users/login and send the token as a Bearer header.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, openApi), {
    jsonDocumentUrl: 'api/docs-json',
    // Swagger UI would otherwise load a validity badge from validator.swagger.io: nothing leaves the intranet.
    swaggerOptions: { validatorUrl: null },
  });

  serveStudio(http, config.studioDir);
  return app;
}

/** On every answer: the browser must not guess content types, nor tell other sites which page linked them. */
function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
}

/** The built single-page studio on the same origin; unknown page paths get its 200.html so client routes work. */
function serveStudio(http: Express, dir: string): void {
  const fallback = join(dir, '200.html');
  if (!existsSync(fallback)) {
    new Logger('Studio').warn(`no built studio at ${dir} (run npm run build); serving the API only`);
    return;
  }
  const csp = studioContentSecurityPolicy(readFileSync(fallback, 'utf8'));
  const page = (res: Response) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', csp);
  };
  const files = express.static(dir, { index: false, maxAge: '1h', setHeaders: (res, path) => {
    if (path.endsWith('.html')) page(res);
  } });
  // The server's own paths never look on the disk first: one stat per API request otherwise.
  const serverPath = (req: Request) => /^\/(api|socket\.io|collab)(\/|$)/.test(req.path);
  http.use((req, res, next) => (serverPath(req) ? next() : files(req, res, next)));
  http.use((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (serverPath(req)) return next();
    page(res);
    res.sendFile(fallback);
  });
}
