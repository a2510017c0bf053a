import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators';
import { APP_CONFIG, type AppConfig } from '../config/config';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly db: DataSource, @Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Public()
  @Get()
  async health(): Promise<{ status: 'ok'; database: string; queue: string; uptime_s: number }> {
    await this.db.query('SELECT 1');
    return { status: 'ok', database: this.config.database.type, queue: 'embedded', uptime_s: Math.round(process.uptime()) };
  }
}
