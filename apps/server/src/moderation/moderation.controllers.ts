import { Body, Controller, Delete, Get, HttpCode, HttpException, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  AuditQuerySchema,
  CreateFilterRuleBodySchema,
  ExportFilterRulesQuerySchema,
  FilterRulesQuerySchema,
  ImportFilterRulesBodySchema,
  ReviewDecisionBodySchema,
  ReviewsQuerySchema,
  TestFilterBodySchema,
  UpdateFilterRuleBodySchema,
  type AuditEntryView,
  type AuditQuery,
  type CreateFilterRuleBody,
  type FilterRuleView,
  type FilterRulesQuery,
  type ImportFilterRulesBody,
  type ImportFilterRulesResponse,
  type Page,
  type ReviewDecisionBody,
  type ReviewItemView,
  type ReviewsQuery,
  type TestFilterBody,
  type TestFilterResponse,
  type UpdateFilterRuleBody,
} from '@reelcraft/shared';
import { CurrentUser, RequireRole } from '../auth/auth.decorators';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { ApiZodBody, ApiZodQuery, zodPipe } from '../common/zod';
import { AuditLog } from './audit-log';
import { ContentScreening } from './content-screening';
import { FilterRulesService } from './filter-rules.service';
import { ReviewQueue } from './review-queue';

const id = new ParseUUIDPipe({ exceptionFactory: () => new HttpException('not found', HttpStatus.NOT_FOUND) });
const actor = (me: AuthenticatedUser) => ({ id: me.id, username: me.username });

/** The console's filter rules: list with hit counts, add, change, delete, try, import, export. */
@ApiTags('admin')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('admin/filter-rules')
export class FilterRulesController {
  constructor(
    private readonly rules: FilterRulesService,
    private readonly screening: ContentScreening,
  ) {}

  @Get()
  @ApiZodQuery(FilterRulesQuerySchema)
  list(@Query(zodPipe(FilterRulesQuerySchema)) q: FilterRulesQuery): Promise<Page<FilterRuleView>> {
    return this.rules.list(q);
  }

  /** A regular expression that could hang the server (nested quantifiers, backreferences…) is a 400 that says why. */
  @Post()
  @ApiZodBody(CreateFilterRuleBodySchema)
  create(@Body(zodPipe(CreateFilterRuleBodySchema)) body: CreateFilterRuleBody, @CurrentUser() me: AuthenticatedUser): Promise<FilterRuleView> {
    return this.rules.create(body, actor(me));
  }

  /** The console's "try this text" box: what the rules as they are now would do to it. Counts no hits. */
  @Post('test')
  @HttpCode(200)
  @ApiZodBody(TestFilterBodySchema)
  async test(@Body(zodPipe(TestFilterBodySchema)) body: TestFilterBody): Promise<TestFilterResponse> {
    const v = (await this.screening.filter()).verdict(body.text, body.stage);
    return { matches: v.matches, masked: v.masked, verdict: v.action };
  }

  @Post('import')
  @HttpCode(200)
  @ApiZodBody(ImportFilterRulesBodySchema)
  import(@Body(zodPipe(ImportFilterRulesBodySchema)) body: ImportFilterRulesBody, @CurrentUser() me: AuthenticatedUser): Promise<ImportFilterRulesResponse> {
    return this.rules.import(body, actor(me));
  }

  @Get('export')
  @ApiZodQuery(ExportFilterRulesQuerySchema)
  async export(@Query(zodPipe(ExportFilterRulesQuerySchema)) q: { format: 'lines' | 'csv' }, @Res() res: Response): Promise<void> {
    const text = await this.rules.export(q.format);
    res.setHeader('Content-Type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'text/plain; charset=utf-8');
    res.attachment(q.format === 'csv' ? 'reelcraft-filter-rules.csv' : 'reelcraft-filter-words.txt');
    res.send(text);
  }

  @Patch(':id')
  @ApiZodBody(UpdateFilterRuleBodySchema)
  update(@Param('id', id) ruleId: string, @Body(zodPipe(UpdateFilterRuleBodySchema)) body: UpdateFilterRuleBody, @CurrentUser() me: AuthenticatedUser): Promise<FilterRuleView> {
    return this.rules.update(ruleId, body, actor(me));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', id) ruleId: string, @CurrentUser() me: AuthenticatedUser): Promise<void> {
    await this.rules.remove(ruleId, actor(me));
  }
}

/** Text a `review` rule held: approve (a held task is queued) or reject (it fails with the reason). */
@ApiTags('admin')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('admin/reviews')
export class ReviewsController {
  constructor(private readonly reviews: ReviewQueue) {}

  @Get()
  @ApiZodQuery(ReviewsQuerySchema)
  list(@Query(zodPipe(ReviewsQuerySchema)) q: ReviewsQuery): Promise<Page<ReviewItemView>> {
    return this.reviews.list(q.status, q.page, q.page_size);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiZodBody(ReviewDecisionBodySchema)
  approve(@Param('id', id) itemId: string, @Body(zodPipe(ReviewDecisionBodySchema)) body: ReviewDecisionBody, @CurrentUser() me: AuthenticatedUser): Promise<ReviewItemView> {
    return this.reviews.decide(itemId, true, actor(me), body.note);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiZodBody(ReviewDecisionBodySchema)
  reject(@Param('id', id) itemId: string, @Body(zodPipe(ReviewDecisionBodySchema)) body: ReviewDecisionBody, @CurrentUser() me: AuthenticatedUser): Promise<ReviewItemView> {
    return this.reviews.decide(itemId, false, actor(me), body.note);
  }
}

/** Filter hits and admin actions, newest first. Read-only: entries cannot be changed or deleted. */
@ApiTags('admin')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('admin/audit')
export class AuditController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @ApiZodQuery(AuditQuerySchema)
  list(@Query(zodPipe(AuditQuerySchema)) q: AuditQuery): Promise<Page<AuditEntryView>> {
    return this.audit.list(q);
  }
}
