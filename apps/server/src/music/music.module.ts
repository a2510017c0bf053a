import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { uploadOptions } from '../common/uploads';
import { APP_CONFIG } from '../config/config';
import { MusicController } from './music.controller';
import { MusicTrackRepository, TypeOrmMusicTrackRepository } from './music-track.repository';
import { MusicLibrary } from './music.service';

@Module({
  imports: [MulterModule.registerAsync({ inject: [APP_CONFIG], useFactory: uploadOptions })],
  controllers: [MusicController],
  providers: [{ provide: MusicTrackRepository, useClass: TypeOrmMusicTrackRepository }, MusicLibrary],
  exports: [MusicLibrary, MusicTrackRepository],
})
export class MusicModule {}
