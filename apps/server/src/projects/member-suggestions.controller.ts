import { Controller, Get, Param, Query } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { MEMBER_SUGGESTIONS_MAX, MemberSuggestionsQuerySchema, type MemberSuggestionsQuery } from '@reelcraft/shared';
import { DataSource } from 'typeorm';
import { CurrentUser } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { uuidParam } from '../common/route-params';
import { ApiZodQuery, zodPipe } from '../common/zod';
import { containsPattern, containsSql } from '../database/contains';
import { User } from '../users/user.entity';
import { ProjectMember } from './project-member.entity';
import { ProjectsService } from './projects.service';

/**
 * Usernames an owner may add to a project, as they type in the share dialog: enabled accounts
 * holding the typed text, not members yet, names starting with it first, at most
 * MEMBER_SUGGESTIONS_MAX. Only owners ask (they are the ones who add people), and only with text
 * typed, so nobody pages through the user list this way.
 */
@ApiTags('projects')
@ApiBearerAuth()
@Controller('projects')
export class MemberSuggestionsController {
  constructor(
    private readonly projects: ProjectsService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  @Get(':id/member-suggestions')
  @ApiZodQuery(MemberSuggestionsQuerySchema)
  async suggest(@Param('id', uuidParam('no such project')) id: string, @Query(zodPipe(MemberSuggestionsQuerySchema)) q: MemberSuggestionsQuery, @CurrentUser() me: AuthenticatedUser): Promise<string[]> {
    await this.projects.open(me, id, 'manage');
    const term = q.q.toLowerCase();
    const rows = await this.db
      .getRepository(User)
      .createQueryBuilder('u')
      .select('u.username', 'username')
      .where(containsSql('u.username', 'pattern'), { pattern: containsPattern(term) })
      .andWhere('u.disabled = :off', { off: false })
      .andWhere((qb) => `u.id NOT IN ${qb.subQuery().select('m.user_id').from(ProjectMember, 'm').where('m.project_id = :id').getQuery()}`, { id })
      // Names that start with what was typed first, then the shorter ones, then by name.
      .orderBy(`CASE WHEN LOWER(u.username) LIKE :prefix ESCAPE '\\' THEN 0 ELSE 1 END`)
      .addOrderBy('LENGTH(u.username)')
      .addOrderBy('u.username')
      .setParameter('prefix', `${containsPattern(term).slice(1)}`)
      .limit(MEMBER_SUGGESTIONS_MAX)
      .getRawMany<{ username: string }>();
    return rows.map((r) => r.username);
  }
}
