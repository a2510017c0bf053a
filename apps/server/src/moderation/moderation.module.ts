import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CollabDocumentsModule } from '../collab/collab-documents.module';
import { AuditEntry } from './audit-entry.entity';
import { AuditLog } from './audit-log';
import { ContentScreening } from './content-screening';
import { DocumentScreening } from './document-screening';
import { FilterRule, FilterState } from './filter-rule.entity';
import { FilterRuleRepository, TypeOrmFilterRuleRepository } from './filter-rule.repository';
import { FilterRulesService } from './filter-rules.service';
import { AuditController, FilterRulesController, ReviewsController } from './moderation.controllers';
import { ReviewItem } from './review-item.entity';
import { ReviewQueue } from './review-queue';

/**
 * The content filter at every stage, the review queue and the audit log. Global: every module
 * that takes text from people (tasks, projects, versions, scene edits) screens it here.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([FilterRule, FilterState, AuditEntry, ReviewItem]), CollabDocumentsModule],
  controllers: [FilterRulesController, ReviewsController, AuditController],
  providers: [{ provide: FilterRuleRepository, useClass: TypeOrmFilterRuleRepository }, AuditLog, FilterRulesService, ContentScreening, ReviewQueue, DocumentScreening],
  exports: [AuditLog, FilterRulesService, ContentScreening, ReviewQueue, DocumentScreening],
})
export class ModerationModule {}
